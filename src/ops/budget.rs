//! How much work a layer request will do, estimated before the work starts, so the server can
//! refuse (422) a request that would run for minutes or fill gigabytes instead of starting it.
//!
//! A unit is roughly one inner-loop step of the kernels (a neighbour visited, a kernel
//! evaluated, a report binned); one output feature costs [`FEATURE_UNITS`] (it is built,
//! serialised and cached, a few hundred bytes each). The estimate needs only the number of
//! reports selected and the size of their extent, so it is computed after the read and before
//! any analysis. It is an upper-bound style estimate (occupied cells are taken as
//! min(reports, extent / cell area)); the point is the order of magnitude.

use h3o::Resolution;

use crate::index::haversine_m;
use crate::model::Report;

/// Units charged per output feature (building, serialising and caching it).
pub const FEATURE_UNITS: f64 = 100.0;

/// Default budget of `hotspot serve --max-work`: a few seconds of one core and well under a
/// gigabyte of output on this hardware (the default layers over a million reports estimate
/// at 10–70 million units).
pub const DEFAULT_MAX_WORK: f64 = 2e8;

/// The selected reports: how many, and the area of their bounding box.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Extent {
    pub reports: f64,
    pub area_m2: f64,
}

impl Extent {
    pub fn of(reports: &[Report]) -> Extent {
        let mut b: Option<[f64; 4]> = None;
        for r in reports {
            b = Some(match b {
                None => [r.lon, r.lat, r.lon, r.lat],
                Some(b) => [
                    b[0].min(r.lon),
                    b[1].min(r.lat),
                    b[2].max(r.lon),
                    b[3].max(r.lat),
                ],
            });
        }
        let area_m2 = b.map_or(0.0, |b| {
            let mid = (b[1] + b[3]) / 2.0;
            let w = haversine_m((b[0], mid).into(), (b[2], mid).into());
            let h = haversine_m((b[0], b[1]).into(), (b[0], b[3]).into());
            w * h
        });
        Extent {
            reports: reports.len() as f64,
            area_m2,
        }
    }
}

/// The knobs of one computed layer that drive its cost.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Work {
    Hotspots {
        eps_m: f64,
    },
    Hexes {
        res: Resolution,
        k: u32,
    },
    Kde {
        res: Resolution,
        bandwidth_m: f64,
    },
    Emerging {
        res: Resolution,
        k: u32,
        time_k: u32,
        /// Number of time steps between the first and last report.
        steps: f64,
    },
    Near {
        within_m: f64,
        sites: f64,
    },
}

/// An estimate and the parameters that drive it (named in the refusal).
#[derive(Debug, Clone, PartialEq)]
pub struct Estimate {
    pub units: f64,
    pub parameters: &'static [&'static str],
}

/// A request over the budget.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "estimated work {units:.2e} exceeds the server's budget {budget:.2e} (--max-work); lower {}",
    parameters.join(" or ")
)]
pub struct OverBudget {
    pub units: f64,
    pub budget: f64,
    pub parameters: &'static [&'static str],
}

/// Cells in a k-ring disk.
fn ring(k: u32) -> f64 {
    let k = k as f64;
    1.0 + 3.0 * k * (k + 1.0)
}

/// Occupied cells at `res`: at most one per report, at most the extent's cells.
fn occupied(e: &Extent, res: Resolution) -> f64 {
    e.reports.min(e.area_m2 / res.area_m2() + 1.0).max(1.0)
}

/// Estimated units of `work` over `extent`.
pub fn estimate(work: &Work, e: &Extent) -> Estimate {
    let n = e.reports;
    let (units, parameters): (f64, &'static [&'static str]) = match *work {
        Work::Hotspots { eps_m } => {
            // Each report visits its neighbours within eps (a grid index): n × neighbours.
            let neighbours =
                (1.0 + n * std::f64::consts::PI * eps_m * eps_m / e.area_m2.max(1.0)).min(n);
            (n + n * neighbours, &["eps_m"])
        }
        Work::Hexes { res, k } => {
            let study = occupied(e, res) * ring(k);
            (n + study * ring(k) + study * FEATURE_UNITS, &["res", "k"])
        }
        Work::Kde { res, bandwidth_m } => {
            let cell = res.area_m2();
            let disk = std::f64::consts::PI * bandwidth_m * bandwidth_m / cell + 1.0;
            let occ = occupied(e, res);
            // The surface covers the extent grown by the bandwidth on each side.
            let side = e.area_m2.sqrt() + 2.0 * bandwidth_m;
            let out = (occ * disk).min(side * side / cell + 1.0);
            (
                n + occ * disk + out * FEATURE_UNITS,
                &["res", "bandwidth_m"],
            )
        }
        Work::Emerging {
            res,
            k,
            time_k,
            steps,
        } => {
            let study = occupied(e, res) * ring(k);
            let steps = steps.max(1.0);
            let window = ring(k) * (2.0 * time_k as f64 + 1.0);
            (
                n + study * steps * window + study * (FEATURE_UNITS + steps * 4.0),
                &["res", "step", "k", "time_k"],
            )
        }
        Work::Near { within_m, sites } => {
            let per_site =
                (1.0 + n * std::f64::consts::PI * within_m * within_m / e.area_m2.max(1.0)).min(n);
            (n + sites * per_site, &["within_m"])
        }
    };
    Estimate { units, parameters }
}

/// `Ok` when `estimate` fits in `budget`.
pub fn check(estimate: &Estimate, budget: f64) -> Result<(), OverBudget> {
    if estimate.units > budget {
        return Err(OverBudget {
            units: estimate.units,
            budget,
            parameters: estimate.parameters,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A city: a million reports over 30 km × 30 km.
    const CITY: Extent = Extent {
        reports: 1e6,
        area_m2: 9e8,
    };
    /// The attack dataset of issue 14: 20 000 reports over the same city.
    const SMALL: Extent = Extent {
        reports: 2e4,
        area_m2: 9e8,
    };

    fn units(w: Work, e: Extent) -> f64 {
        estimate(&w, &e).units
    }

    #[test]
    fn default_layers_over_a_million_reports_fit() {
        let b = DEFAULT_MAX_WORK;
        assert!(units(Work::Hotspots { eps_m: 150.0 }, CITY) < b);
        let res = |r: u8| Resolution::try_from(r).unwrap();
        assert!(units(Work::Hexes { res: res(9), k: 1 }, CITY) < b);
        assert!(
            units(
                Work::Kde {
                    res: res(10),
                    bandwidth_m: 300.0
                },
                CITY
            ) < b
        );
        assert!(
            units(
                Work::Emerging {
                    res: res(8),
                    k: 1,
                    time_k: 1,
                    steps: 36.0
                },
                CITY
            ) < b
        );
    }

    #[test]
    fn the_heavy_requests_of_issue_14_do_not() {
        let b = DEFAULT_MAX_WORK;
        let res15 = Resolution::Fifteen;
        let e = estimate(&Work::Hexes { res: res15, k: 5 }, &SMALL);
        let err = check(&e, b).unwrap_err();
        assert!(err.to_string().contains("res"), "{err}");
        assert!(
            units(
                Work::Emerging {
                    res: res15,
                    k: 3,
                    time_k: 3,
                    steps: 730.0
                },
                SMALL
            ) > b
        );
        assert!(
            units(
                Work::Kde {
                    res: res15,
                    bandwidth_m: 300.0
                },
                SMALL
            ) > b
        );
        // DBSCAN at 5 km over a million reports: every report sees most others.
        assert!(units(Work::Hotspots { eps_m: 5000.0 }, CITY) > b);
    }

    #[test]
    fn extent_of_reports() {
        let r = |lon, lat| Report {
            id: "x".into(),
            lon,
            lat,
            kind: crate::model::ReportKind::Use,
            observed_at: chrono::NaiveDate::from_ymd_opt(2024, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap(),
        };
        let e = Extent::of(&[r(107.5, 16.4), r(107.6, 16.5)]);
        assert_eq!(e.reports, 2.0);
        // ~10.7 km × 11.1 km.
        assert!((e.area_m2 / 1e6 - 118.0).abs() < 3.0, "{}", e.area_m2);
        assert_eq!(Extent::of(&[]).area_m2, 0.0);
    }
}
