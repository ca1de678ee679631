//! The evaluate job: draw each hotspot map (hexes, cluster, kde, emerging) from the train
//! period and score it on the test period with PAI and PEI.
use crate::analysis::AnalysisError;
use crate::analysis::dbscan::{DbscanParams, NOISE, dbscan};
use crate::analysis::emerging::{Category, EmergingParams, emerging};
use crate::analysis::evaluate::{Accuracy, Study, accuracy, densest_cells};
use crate::analysis::fdr::fdr_bins;
use crate::analysis::gistar::gi_star;
use crate::analysis::hexgrid::{cells_of, study_area};
use crate::analysis::kde::{KdeParams, kde};
use crate::analysis::period::{Period, disjoint};
use crate::model::Report;
use crate::timestep::TimeStep;
use chrono::NaiveDateTime;
use h3o::{CellIndex, Resolution};
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// A way of drawing a hotspot map.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Gi* bin ≥ 2 (hot at 95 % or more).
    Hexes,
    /// Cells holding a train report that DBSCAN put in a cluster.
    Cluster,
    /// The densest KDE cells up to the coverage.
    Kde,
    /// Every hot category of emerging hot spot analysis except historical.
    Emerging,
}

impl Method {
    pub const ALL: [Method; 4] = [
        Method::Hexes,
        Method::Cluster,
        Method::Kde,
        Method::Emerging,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Hexes => "hexes",
            Method::Cluster => "cluster",
            Method::Kde => "kde",
            Method::Emerging => "emerging",
        }
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Method {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Method::ALL
            .into_iter()
            .find(|m| m.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                format!("unknown method {s:?}, expected hexes, cluster, kde or emerging")
            })
    }
}

/// Everything the job needs besides the reports.
#[derive(Debug, Clone, PartialEq)]
pub struct EvaluateParams {
    pub train: Period,
    pub test: Period,
    pub resolution: Resolution,
    pub methods: Vec<Method>,
    /// KDE: the share of the study area flagged, in (0, 1].
    pub coverage: f64,
    /// Hexes: Gi* neighbourhood (grid distance).
    pub k: u32,
    /// Hexes: Benjamini–Hochberg correction of the bins.
    pub fdr: bool,
    /// Cluster: DBSCAN radius and minimum points.
    pub eps_m: f64,
    pub min_pts: usize,
    /// KDE bandwidth.
    pub bandwidth_m: f64,
}

/// One row of the answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MethodScore {
    pub method: Method,
    #[serde(flatten)]
    pub accuracy: Accuracy,
}

/// Scores every requested method (in the order asked). Errors name `train`, `test`,
/// `coverage` or the method's own parameter.
pub fn evaluate(
    reports: &[Report],
    params: &EvaluateParams,
) -> Result<Vec<MethodScore>, AnalysisError> {
    disjoint(&params.train, &params.test, "test")?;
    if !(params.coverage > 0.0 && params.coverage <= 1.0) {
        return Err(AnalysisError::Parameter {
            name: "coverage",
            expected: "a share in (0, 1]",
            value: params.coverage.to_string(),
        });
    }
    let train: Vec<&Report> = reports
        .iter()
        .filter(|r| params.train.contains(r.observed_at))
        .collect();
    let test: Vec<&Report> = reports
        .iter()
        .filter(|r| params.test.contains(r.observed_at))
        .collect();
    for (name, set, period) in [
        ("train", &train, &params.train),
        ("test", &test, &params.test),
    ] {
        if set.is_empty() {
            return Err(AnalysisError::Parameter {
                name,
                expected: "a period holding at least one report",
                value: period.to_string(),
            });
        }
    }
    let train_points: Vec<_> = train.iter().map(|r| r.coord()).collect();
    let test_points: Vec<_> = test.iter().map(|r| r.coord()).collect();
    let train_cells = cells_of(&train_points, params.resolution)?;
    let test_cells = cells_of(&test_points, params.resolution)?;
    let study = Study::new(&train_cells, &test_cells);
    let a_total = study.total_area_m2();

    let mut rows = Vec::with_capacity(params.methods.len());
    for &method in &params.methods {
        let flagged = match method {
            Method::Hexes => hexes_flags(&train_points, params)?,
            Method::Cluster => cluster_flags(&train_points, &train_cells, params)?,
            Method::Kde => {
                let density = kde(
                    &train_points,
                    None,
                    &KdeParams {
                        bandwidth_m: params.bandwidth_m,
                        resolution: params.resolution,
                    },
                )?;
                densest_cells(&density, params.coverage, a_total)
            }
            Method::Emerging => {
                let times: Vec<NaiveDateTime> = train.iter().map(|r| r.observed_at).collect();
                emerging_flags(&train_points, &times, params)?
            }
        };
        rows.push(MethodScore {
            method,
            accuracy: accuracy(&study, &flagged),
        });
    }
    Ok(rows)
}

/// Gi* over the train reports' study area (occupied cells + k rings); bin ≥ 2.
fn hexes_flags(
    points: &[geo::Coord<f64>],
    p: &EvaluateParams,
) -> Result<Vec<CellIndex>, AnalysisError> {
    let grid = study_area(points, None, p.resolution, p.k)?;
    let gi = gi_star(&grid);
    let bins: Vec<i8> = if p.fdr {
        let z: Vec<f64> = gi.iter().map(|g| g.z).collect();
        let pv: Vec<f64> = gi.iter().map(|g| g.p).collect();
        fdr_bins(&z, &pv)
    } else {
        gi.iter().map(|g| g.bin).collect()
    };
    Ok(grid
        .cells
        .iter()
        .zip(bins)
        .filter(|&(_, b)| b >= 2)
        .map(|(&c, _)| c)
        .collect())
}

/// Cells holding a train report that DBSCAN put in a cluster.
fn cluster_flags(
    points: &[geo::Coord<f64>],
    cells: &[CellIndex],
    p: &EvaluateParams,
) -> Result<Vec<CellIndex>, AnalysisError> {
    let c = dbscan(
        points,
        &DbscanParams {
            eps_m: p.eps_m,
            min_pts: p.min_pts,
        },
    )?;
    Ok(cells
        .iter()
        .zip(&c.labels)
        .filter(|&(_, &l)| l != NOISE)
        .map(|(&cell, _)| cell)
        .collect())
}

/// Emerging hot spots (monthly steps, k = 1, one step before and after, α = 0.05): every
/// hot category except historical.
fn emerging_flags(
    points: &[geo::Coord<f64>],
    times: &[NaiveDateTime],
    p: &EvaluateParams,
) -> Result<Vec<CellIndex>, AnalysisError> {
    let result = emerging(
        points,
        times,
        &EmergingParams {
            resolution: p.resolution,
            step: TimeStep::Month,
            k: 1,
            time_k: 1,
            alpha: 0.05,
        },
    )?;
    Ok(result
        .cells
        .iter()
        .filter(|c| {
            matches!(
                c.category,
                Category::NewHotSpot
                    | Category::ConsecutiveHotSpot
                    | Category::IntensifyingHotSpot
                    | Category::PersistentHotSpot
                    | Category::DiminishingHotSpot
                    | Category::SporadicHotSpot
                    | Category::OscillatingHotSpot
            )
        })
        .map(|c| c.cell)
        .collect())
}
