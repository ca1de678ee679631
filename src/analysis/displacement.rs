//! Weighted Displacement Quotient (Bowers & Johnson 2003): after a clean-up of a response
//! area R, did drug activity stop, or move into the buffer D around R?
//!
//! Zones: a report is in R when its point is inside R's polygon or on its boundary (edges
//! straight in lon/lat, tested with geo's exact orientation predicates); in D when it is
//! outside R and its great-circle distance to R's boundary is ≤ `buffer_m`; in the control
//! C when it is inside the control polygon (boundary included) and in neither R nor D.
//!
//! Measures, with b = before and a = after:
//! SM = Ra/Ca − Rb/Cb, BDM = Da/Ca − Db/Cb, WDQ = BDM / SM,
//! TNE = (Rb·Ca/Cb − Ra) + (Db·Ca/Cb − Da).
//!
//! The reading depends only on signs and on the −1 threshold, so it is decided on integers:
//! with Ca, Cb > 0, sign(SM) = sign(S) for S = Ra·Cb − Rb·Ca, sign(BDM) = sign(B) for
//! B = Da·Cb − Db·Ca, and WDQ = B / S exactly (the Ca·Cb factors cancel). For S < 0,
//! WDQ ≤ −1 ⟺ B ≥ −S ⟺ B + S ≥ 0. No float rounding can move a count to the other side of
//! a threshold.
use super::AnalysisError;
use super::proximity::polygon_distance_m;
use crate::index::EARTH_RADIUS_M;
use geo::{BoundingRect, Coord, Intersects, MultiPolygon, Point, Rect};
use serde::Serialize;

/// Where a report lies relative to the response, buffer and control zones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Response,
    Buffer,
    Control,
    Elsewhere,
}

/// R, its buffer width and the control area, ready to classify points.
pub struct Zones<'a> {
    response: &'a MultiPolygon<f64>,
    control: &'a MultiPolygon<f64>,
    buffer_m: f64,
    /// R's bounding box grown by at least `buffer_m` (a cheap first test for D).
    reach: Option<Rect<f64>>,
}

impl<'a> Zones<'a> {
    /// Errors on an empty response polygon or a buffer that is negative or not finite.
    pub fn new(
        response: &'a MultiPolygon<f64>,
        control: &'a MultiPolygon<f64>,
        buffer_m: f64,
    ) -> Result<Self, AnalysisError> {
        if !(buffer_m.is_finite() && buffer_m >= 0.0) {
            return Err(AnalysisError::Parameter {
                name: "buffer_m",
                expected: "a finite number of metres ≥ 0",
                value: buffer_m.to_string(),
            });
        }
        let Some(bb) = response.bounding_rect() else {
            return Err(AnalysisError::Parameter {
                name: "response",
                expected: "a polygon with at least one ring",
                value: "an empty geometry".into(),
            });
        };
        if control.0.is_empty() {
            return Err(AnalysisError::Parameter {
                name: "control",
                expected: "a polygon with at least one ring",
                value: "an empty geometry".into(),
            });
        }
        // Degrees of latitude per metre, with 1 % slack; longitude degrees grow with 1/cos(lat).
        let dlat = buffer_m / (EARTH_RADIUS_M * std::f64::consts::PI / 180.0) * 1.01 + 1e-9;
        let max_abs_lat = bb.min().y.abs().max(bb.max().y.abs()) + dlat;
        let reach = (max_abs_lat < 89.0).then(|| {
            let dlon = dlat / max_abs_lat.to_radians().cos();
            Rect::new(
                Coord {
                    x: bb.min().x - dlon,
                    y: bb.min().y - dlat,
                },
                Coord {
                    x: bb.max().x + dlon,
                    y: bb.max().y + dlat,
                },
            )
        });
        Ok(Zones {
            response,
            control,
            buffer_m,
            reach,
        })
    }

    /// The zone of one point (lon/lat degrees).
    pub fn place(&self, p: Coord<f64>) -> Place {
        let pt = Point::from(p);
        if self.response.intersects(&pt) {
            return Place::Response;
        }
        let near = self.reach.is_none_or(|r| r.intersects(&p));
        if near && boundary_distance_m(self.response, p) <= self.buffer_m {
            return Place::Buffer;
        }
        if self.control.intersects(&pt) {
            return Place::Control;
        }
        Place::Elsewhere
    }
}

/// Great-circle metres from `p` (outside R) to R's boundary.
fn boundary_distance_m(response: &MultiPolygon<f64>, p: Coord<f64>) -> f64 {
    response
        .0
        .iter()
        .map(|poly| polygon_distance_m(poly, p))
        .fold(f64::INFINITY, f64::min)
}

/// Report counts per zone and period.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub rb: u64,
    pub ra: u64,
    pub db: u64,
    pub da: u64,
    pub cb: u64,
    pub ca: u64,
}

impl Counts {
    /// Adds one report in `place`, before (`after = false`) or after the clean-up.
    pub fn add(&mut self, place: Place, after: bool) {
        let slot = match (place, after) {
            (Place::Response, false) => &mut self.rb,
            (Place::Response, true) => &mut self.ra,
            (Place::Buffer, false) => &mut self.db,
            (Place::Buffer, true) => &mut self.da,
            (Place::Control, false) => &mut self.cb,
            (Place::Control, true) => &mut self.ca,
            (Place::Elsewhere, _) => return,
        };
        *slot += 1;
    }

    /// Field-wise sum (for parallel folds).
    pub fn merge(self, o: Counts) -> Counts {
        Counts {
            rb: self.rb + o.rb,
            ra: self.ra + o.ra,
            db: self.db + o.db,
            da: self.da + o.da,
            cb: self.cb + o.cb,
            ca: self.ca + o.ca,
        }
    }
}

/// What the quotient says, decided on integer cross-products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reading {
    /// SM = 0: the response area changed exactly as the control did.
    NoReduction,
    /// SM > 0: the response area got worse relative to control; WDQ is not interpreted.
    NotInterpreted,
    /// SM < 0, WDQ > 0: the buffer improved too.
    Diffusion,
    /// SM < 0, WDQ = 0: the buffer did not change relative to control.
    NoDisplacement,
    /// SM < 0, −1 < WDQ < 0: some displacement, less than the gain.
    Displacement,
    /// SM < 0, WDQ ≤ −1: displacement as large as the gain or larger.
    NetLoss,
}

impl Reading {
    pub fn as_str(self) -> &'static str {
        match self {
            Reading::NoReduction => "no_reduction",
            Reading::NotInterpreted => "not_interpreted",
            Reading::Diffusion => "diffusion",
            Reading::NoDisplacement => "no_displacement",
            Reading::Displacement => "displacement",
            Reading::NetLoss => "net_loss",
        }
    }

    /// A sentence for planners.
    pub fn sentence(self) -> &'static str {
        match self {
            Reading::NoReduction | Reading::NotInterpreted => {
                "no reduction relative to control (WDQ not interpreted)"
            }
            Reading::Diffusion => "diffusion of benefits: the buffer improved too",
            Reading::NoDisplacement => "no displacement into the buffer",
            Reading::Displacement => "some displacement into the buffer, less than the gain",
            Reading::NetLoss => "displacement into the buffer as large as the gain or larger",
        }
    }
}

/// The Weighted Displacement Quotient and its parts.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Wdq {
    #[serde(flatten)]
    pub counts: Counts,
    pub sm: f64,
    pub bdm: f64,
    /// None when SM = 0 (the quotient does not exist).
    pub wdq: Option<f64>,
    pub tne: f64,
    pub reading: Reading,
}

/// WDQ from the six counts. Errors (naming `control`) when Cb or Ca is 0.
///
/// ```
/// use hotspot::analysis::displacement::{Counts, Reading, wdq};
/// let c = Counts { rb: 40, ra: 20, db: 10, da: 14, cb: 100, ca: 100 };
/// let w = wdq(&c).unwrap();
/// assert_eq!(w.reading, Reading::Displacement);
/// assert!((w.wdq.unwrap() + 0.2).abs() < 1e-12);
/// ```
pub fn wdq(c: &Counts) -> Result<Wdq, AnalysisError> {
    if c.cb == 0 || c.ca == 0 {
        return Err(AnalysisError::Parameter {
            name: "control",
            expected: "an area with reports both before and after (Cb > 0 and Ca > 0)",
            value: format!("Cb = {}, Ca = {}", c.cb, c.ca),
        });
    }
    let i = |v: u64| v as i128;
    // SM·Ca·Cb and BDM·Ca·Cb: exact integers with the signs of SM and BDM.
    let s = i(c.ra) * i(c.cb) - i(c.rb) * i(c.ca);
    let b = i(c.da) * i(c.cb) - i(c.db) * i(c.ca);
    let reading = if s == 0 {
        Reading::NoReduction
    } else if s > 0 {
        Reading::NotInterpreted
    } else if b < 0 {
        Reading::Diffusion
    } else if b == 0 {
        Reading::NoDisplacement
    } else if b + s < 0 {
        Reading::Displacement
    } else {
        Reading::NetLoss
    };
    let f = |v: u64| v as f64;
    let (cb, ca) = (f(c.cb), f(c.ca));
    Ok(Wdq {
        counts: *c,
        sm: f(c.ra) / ca - f(c.rb) / cb,
        bdm: f(c.da) / ca - f(c.db) / cb,
        wdq: (s != 0).then(|| b as f64 / s as f64),
        tne: (f(c.rb) * ca / cb - f(c.ra)) + (f(c.db) * ca / cb - f(c.da)),
        reading,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Polygon, polygon};

    fn counts(rb: u64, ra: u64, db: u64, da: u64, cb: u64, ca: u64) -> Counts {
        Counts {
            rb,
            ra,
            db,
            da,
            cb,
            ca,
        }
    }

    #[test]
    fn hand_computed_displacement() {
        // Rb 40, Ra 20, Db 10, Da 14, Cb = Ca = 100.
        // SM  = 20/100 − 40/100 = −0.20
        // BDM = 14/100 − 10/100 = +0.04
        // WDQ = 0.04 / −0.20 = −0.20 → −1 < WDQ < 0: displacement, less than the gain.
        // TNE = (40·100/100 − 20) + (10·100/100 − 14) = 20 − 4 = 16 reports fewer.
        let w = wdq(&counts(40, 20, 10, 14, 100, 100)).unwrap();
        assert!((w.sm + 0.2).abs() < 1e-12);
        assert!((w.bdm - 0.04).abs() < 1e-12);
        assert!((w.wdq.unwrap() + 0.2).abs() < 1e-12);
        assert!((w.tne - 16.0).abs() < 1e-12);
        assert_eq!(w.reading, Reading::Displacement);
    }

    #[test]
    fn unequal_control_counts() {
        // Rb 30, Ra 12, Db 8, Da 9, Cb 60, Ca 40.
        // SM  = 12/40 − 30/60 = 0.30 − 0.50 = −0.20
        // BDM =  9/40 −  8/60 = 0.225 − 0.1333… = 0.091666…
        // WDQ = 0.091666… / −0.20 = −0.458333… (integers: B = 9·60 − 8·40 = 220,
        //       S = 12·60 − 30·40 = −480, B/S = −0.458333…)
        // TNE = (30·40/60 − 12) + (8·40/60 − 9) = 8 + (5.333… − 9) = 4.333…
        let w = wdq(&counts(30, 12, 8, 9, 60, 40)).unwrap();
        assert!((w.sm + 0.2).abs() < 1e-12);
        assert!((w.bdm - 0.091_666_666_666_666_7).abs() < 1e-12);
        assert!((w.wdq.unwrap() + 0.458_333_333_333_333_3).abs() < 1e-12);
        assert!((w.tne - 4.333_333_333_333_333).abs() < 1e-12);
        assert_eq!(w.reading, Reading::Displacement);
    }

    #[test]
    fn every_reading() {
        // Base: Rb 40, Ra 20, Cb = Ca = 100 → S = 20·100 − 40·100 = −2000 (SM = −0.2).
        // Da 5:  B = 5·100 − 10·100 = −500 → WDQ = +0.25 > 0: diffusion.
        assert_eq!(
            wdq(&counts(40, 20, 10, 5, 100, 100)).unwrap().reading,
            Reading::Diffusion
        );
        // Da 10: B = 0 → WDQ = 0: no displacement.
        let w = wdq(&counts(40, 20, 10, 10, 100, 100)).unwrap();
        assert_eq!((w.reading, w.wdq), (Reading::NoDisplacement, Some(-0.0)));
        // Da 30: B = 2000, B + S = 0 → WDQ = −1 exactly: net loss (≤ −1).
        let w = wdq(&counts(40, 20, 10, 30, 100, 100)).unwrap();
        assert_eq!((w.reading, w.wdq), (Reading::NetLoss, Some(-1.0)));
        // Da 29: B = 1900, B + S = −100 < 0 → WDQ = −0.95: displacement.
        assert_eq!(
            wdq(&counts(40, 20, 10, 29, 100, 100)).unwrap().reading,
            Reading::Displacement
        );
        // Ra 50: S = +1000 → SM = +0.1 > 0: WDQ = 400/1000 = 0.4 reported, not interpreted.
        let w = wdq(&counts(40, 50, 10, 14, 100, 100)).unwrap();
        assert_eq!(w.reading, Reading::NotInterpreted);
        assert!((w.wdq.unwrap() - 0.4).abs() < 1e-12);
        // Ra 40: S = 0 → SM = 0: no quotient, no NaN.
        let w = wdq(&counts(40, 40, 10, 14, 100, 100)).unwrap();
        assert_eq!((w.reading, w.wdq), (Reading::NoReduction, None));
        assert!(w.sm == 0.0 && w.bdm.is_finite() && w.tne.is_finite());
    }

    #[test]
    fn threshold_is_exact_where_floats_are_not() {
        // Rb 1, Ra 1, Db 0, Da 2, Cb 1, Ca 3:
        // SM = 1/3 − 1/1 = −2/3, BDM = 2/3 − 0/1 = +2/3, so WDQ = −1 exactly: net loss.
        // In floats (2/3)/(1/3 − 1) = −0.9999999999999999, which would read "displacement".
        // Integers: S = 1·1 − 1·3 = −2, B = 2·1 − 0·3 = 2, B + S = 0 → net loss, WDQ = B/S = −1.
        let sm = 1.0_f64 / 3.0 - 1.0;
        let bdm = 2.0_f64 / 3.0 - 0.0;
        assert!(bdm / sm > -1.0, "the float quotient misses the threshold");
        let w = wdq(&counts(1, 1, 0, 2, 1, 3)).unwrap();
        assert_eq!((w.reading, w.wdq), (Reading::NetLoss, Some(-1.0)));
    }

    #[test]
    fn empty_control_names_the_control() {
        for c in [counts(4, 2, 1, 1, 0, 5), counts(4, 2, 1, 1, 5, 0)] {
            match wdq(&c).unwrap_err() {
                AnalysisError::Parameter { name, .. } => assert_eq!(name, "control"),
                e => panic!("{e:?}"),
            }
        }
    }

    fn square(x0: f64, y0: f64, side: f64) -> Polygon<f64> {
        polygon![
            (x: x0, y: y0),
            (x: x0 + side, y: y0),
            (x: x0 + side, y: y0 + side),
            (x: x0, y: y0 + side),
        ]
    }

    #[test]
    fn zones_boundary_buffer_and_control() {
        // R: the 0.01° square at (107.59, 16.46); control: a 0.1° square holding it.
        let r = MultiPolygon(vec![square(107.59, 16.46, 0.01)]);
        let c = MultiPolygon(vec![square(107.55, 16.42, 0.1)]);
        let z = Zones::new(&r, &c, 300.0).unwrap();
        let p = |x, y| Coord { x, y };
        // A vertex and a point on an edge are in R.
        assert_eq!(z.place(p(107.59, 16.46)), Place::Response);
        assert_eq!(z.place(p(107.595, 16.47)), Place::Response);
        // 0.002° of latitude north of the top edge: 222.4 m ≤ 300 → buffer.
        assert_eq!(z.place(p(107.595, 16.472)), Place::Buffer);
        // 0.003° of latitude = 333.6 m > 300 → control (inside the control square).
        assert_eq!(z.place(p(107.595, 16.473)), Place::Control);
        // Outside the control square.
        assert_eq!(z.place(p(107.70, 16.60)), Place::Elsewhere);
        // The buffer is measured to the boundary, not to the centre: 0.002° east of the
        // east edge at 16.465° is 0.002·cos(16.465°)·111 195 ≈ 213 m.
        assert_eq!(z.place(p(107.602, 16.465)), Place::Buffer);
    }

    #[test]
    fn bad_zones() {
        let r = MultiPolygon(vec![square(0.0, 0.0, 1.0)]);
        let empty = MultiPolygon::<f64>(vec![]);
        assert!(Zones::new(&r, &r, -1.0).is_err());
        assert!(Zones::new(&r, &r, f64::NAN).is_err());
        assert!(Zones::new(&empty, &r, 10.0).is_err());
        assert!(Zones::new(&r, &empty, 10.0).is_err());
    }
}
