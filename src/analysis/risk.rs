//! Risk near sensitive sites (risk-terrain style): which kinds of site raise the number of
//! reports in the H3 cells near them, and by how much.
//!
//! For each site kind k, x_ck = 1 when the great-circle distance from the centre of cell c to
//! the nearest site of kind k is ≤ `within_m` (0 inside a polygon site), else 0. The counts
//! y_c are regressed on the factors (see [`super::glm`]); RRV_k = exp(β_k) with the 95 % CI
//! exp(β_k ± 1.959964·SE_k), and a cell's relative risk score is RRS_c = exp(Σ_k β_k x_ck).
use super::glm::Coef;
use super::proximity::site_distance_m;
use crate::index::{PointIndex, haversine_m};
use crate::model::Site;
use geo::{BoundingRect, Coord, CoordsIter};
use h3o::{CellIndex, LatLng};
use rayon::prelude::*;
use serde::Serialize;

/// z of the two-sided 95 % interval.
pub const Z95: f64 = 1.959964;

/// For every cell centre: is some site of `sites` within `within_m`? Sites are indexed by a
/// cap (centre, radius) so each cell only measures the sites that can be close.
pub fn exposure(cells: &[CellIndex], sites: &[&Site], within_m: f64) -> Vec<bool> {
    let caps: Vec<(Coord<f64>, f64)> = sites
        .iter()
        .map(|s| {
            let centre = s
                .geometry
                .bounding_rect()
                .map(|r| r.center())
                .unwrap_or(Coord { x: 0.0, y: 0.0 });
            let radius = s
                .geometry
                .coords_iter()
                .map(|c| haversine_m(centre, c))
                .fold(0.0, f64::max);
            (centre, radius)
        })
        .collect();
    let centres: Vec<Coord<f64>> = caps.iter().map(|c| c.0).collect();
    let reach = within_m + caps.iter().map(|c| c.1).fold(0.0, f64::max);
    let index = PointIndex::build(&centres);
    cells
        .par_iter()
        .map(|&cell| {
            let ll = LatLng::from(cell);
            let p = Coord {
                x: ll.lng(),
                y: ll.lat(),
            };
            index
                .within(p, reach)
                .into_iter()
                .any(|s| site_distance_m(&sites[s].geometry, p) <= within_m)
        })
        .collect()
}

/// Relative risk value and its 95 % interval from a coefficient.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rrv {
    pub rrv: f64,
    pub ci_low: f64,
    pub ci_high: f64,
}

/// RRV = exp(β), CI = exp(β ± 1.959964·SE).
pub fn rrv(c: &Coef) -> Rrv {
    Rrv {
        rrv: c.beta.exp(),
        ci_low: (c.beta - Z95 * c.se).exp(),
        ci_high: (c.beta + Z95 * c.se).exp(),
    }
}

/// RRS_c = exp(Σ_k β_k x_ck) for every cell (`factors[k][c]` ∈ {0, 1}).
pub fn scores(betas: &[f64], factors: &[Vec<f64>]) -> Vec<f64> {
    let n = factors.first().map_or(0, Vec::len);
    (0..n)
        .map(|c| {
            betas
                .iter()
                .zip(factors)
                .map(|(b, col)| b * col[c])
                .sum::<f64>()
                .exp()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SiteKind;
    use geo::{Geometry, Point, polygon};
    use h3o::Resolution;

    #[test]
    fn rrv_and_interval() {
        // β = ln 4 = 1.386294, SE = 0.15: RRV 4, CI 4·exp(∓0.15·1.959964) = 4·exp(∓0.293995)
        // = 4·0.745282 … 4·1.341776 = 2.98113 … 5.36710.
        let r = rrv(&Coef {
            beta: 4f64.ln(),
            se: 0.15,
            z: 0.0,
            p: 1.0,
        });
        assert!((r.rrv - 4.0).abs() < 1e-12);
        assert!((r.ci_low - 4.0 * (-0.15 * Z95).exp()).abs() < 1e-12);
        assert!((r.ci_low - 2.981_13).abs() < 1e-4);
        assert!((r.ci_high - 5.367_10).abs() < 1e-4);
        // RRS: β = (ln 2, ln 3), a cell with both factors scores 6, with none 1.
        let s = scores(&[2f64.ln(), 3f64.ln()], &[vec![1.0, 0.0], vec![1.0, 0.0]]);
        assert!((s[0] - 6.0).abs() < 1e-12 && s[1] == 1.0);
    }

    #[test]
    fn exposure_by_distance_to_points_and_inside_polygons() {
        let c = LatLng::new(16.46, 107.59)
            .unwrap()
            .to_cell(Resolution::Nine);
        let ll = LatLng::from(c);
        let centre = Coord {
            x: ll.lng(),
            y: ll.lat(),
        };
        let far = c.grid_ring_fast(6).next().unwrap().unwrap();
        // A point 250 m north of c's centre: within 300 m of c, not of a cell 6 rings away.
        let north = Coord {
            x: centre.x,
            y: centre.y + (250.0 / crate::index::EARTH_RADIUS_M).to_degrees(),
        };
        let site = |geometry| Site {
            id: "s".into(),
            name: "s".into(),
            kind: SiteKind::BoardingHouse,
            geometry,
        };
        let point = site(Geometry::Point(Point(north)));
        assert_eq!(exposure(&[c, far], &[&point], 300.0), vec![true, false]);
        assert_eq!(exposure(&[c], &[&point], 200.0), vec![false]);
        // A large polygon holding the far cell's centre: distance 0 there.
        let fl = LatLng::from(far);
        let (x, y) = (fl.lng(), fl.lat());
        let poly = site(Geometry::Polygon(polygon![
            (x: x - 0.01, y: y - 0.01),
            (x: x + 0.01, y: y - 0.01),
            (x: x + 0.01, y: y + 0.01),
            (x: x - 0.01, y: y + 0.01),
        ]));
        assert_eq!(exposure(&[far], &[&poly], 1.0), vec![true]);
        assert_eq!(exposure(&[c], &[], 300.0), vec![false]);
    }
}
