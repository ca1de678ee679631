//! The risk job: reports → H3 cells (occupied plus one ring) → exposure to each site kind →
//! Poisson or NB2 regression → relative risk values, cell scores and planner sentences.
use crate::analysis::AnalysisError;
use crate::analysis::glm::{Coef, GlmFit, negbin, poisson};
use crate::analysis::hexgrid::study_area;
use crate::analysis::risk::{Rrv, exposure, rrv, scores};
use crate::model::{Report, Site, SiteKind, coords};
use h3o::{CellIndex, Resolution};
use serde::Serialize;
use std::str::FromStr;

/// Which count model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Model {
    Poisson,
    Negbin,
}

impl FromStr for Model {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "poisson" => Ok(Model::Poisson),
            "negbin" => Ok(Model::Negbin),
            _ => Err(format!("unknown model {s:?}, expected poisson or negbin")),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct RiskParams {
    pub resolution: Resolution,
    pub within_m: f64,
    /// None: the kinds present among the sites.
    pub kinds: Option<Vec<SiteKind>>,
    pub model: Model,
}

/// One factor of the fitted model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Factor {
    /// `intercept` or the site kind.
    pub factor: String,
    #[serde(flatten)]
    pub coef: Coef,
    #[serde(flatten)]
    pub rrv: Rrv,
    /// Cells with the factor, and the reports in them (absent for the intercept).
    pub cells: usize,
    pub reports: u64,
    /// The planner's sentence (absent for the intercept).
    pub words: Option<String>,
}

/// One cell of the risk layer.
#[derive(Debug, Clone, PartialEq)]
pub struct RiskCell {
    pub cell: CellIndex,
    pub count: u64,
    /// Per kept factor (parallel to `RiskResult::factors[1..]`).
    pub exposed: Vec<bool>,
    pub rrs: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskResult {
    pub model: Model,
    /// Intercept first, then the kept factors.
    pub factors: Vec<Factor>,
    /// Kinds with no variation over the cells (all exposed or none).
    pub dropped: Vec<SiteKind>,
    pub warnings: Vec<String>,
    pub dispersion: f64,
    pub alpha: Option<f64>,
    pub alpha_se: Option<f64>,
    pub iterations: u32,
    pub log_likelihood: f64,
    #[serde(skip)]
    pub cells: Vec<RiskCell>,
}

/// "a boarding house", "an industrial zone", …
pub fn kind_phrase(k: SiteKind) -> &'static str {
    match k {
        SiteKind::School => "a school",
        SiteKind::IndustrialZone => "an industrial zone",
        SiteKind::BoardingHouse => "a boarding house",
        SiteKind::Karaoke => "a karaoke bar",
        SiteKind::Lodging => "a lodging house",
        SiteKind::Entertainment => "an entertainment venue",
        SiteKind::Other => "another sensitive site",
    }
}

/// "reports are 4.2× as frequent within 300 m of a boarding house (95 % CI 3.1–5.6)".
pub fn sentence(kind: SiteKind, within_m: f64, r: &Rrv) -> String {
    format!(
        "reports are {:.1}× as frequent within {} m of {} (95 % CI {:.1}–{:.1})",
        r.rrv,
        fmt_metres(within_m),
        kind_phrase(kind),
        r.ci_low,
        r.ci_high
    )
}

fn fmt_metres(m: f64) -> String {
    if m.fract() == 0.0 {
        format!("{m:.0}")
    } else {
        format!("{m}")
    }
}

/// Fits the risk model. Errors (named): `within_m` not positive, `input` without reports,
/// `kinds` asked for with no site of that kind, identical factor columns, no factor left,
/// or collinear factors.
pub fn risk(
    reports: &[Report],
    sites: &[Site],
    params: &RiskParams,
) -> Result<RiskResult, AnalysisError> {
    if !(params.within_m.is_finite() && params.within_m > 0.0) {
        return Err(AnalysisError::Parameter {
            name: "within_m",
            expected: "a positive number of metres",
            value: params.within_m.to_string(),
        });
    }
    if reports.is_empty() {
        return Err(AnalysisError::Parameter {
            name: "input",
            expected: "at least one report",
            value: "none".into(),
        });
    }
    let kinds: Vec<SiteKind> = match &params.kinds {
        Some(asked) => {
            let mut v = Vec::new();
            for &k in asked {
                if !sites.iter().any(|s| s.kind == k) {
                    return Err(AnalysisError::Parameter {
                        name: "kinds",
                        expected: "kinds that have at least one site",
                        value: format!("{k} (no site of this kind)"),
                    });
                }
                if !v.contains(&k) {
                    v.push(k);
                }
            }
            v
        }
        None => SiteKind::ALL
            .iter()
            .copied()
            .filter(|k| sites.iter().any(|s| s.kind == *k))
            .collect(),
    };
    let grid = study_area(&coords(reports), None, params.resolution, 1)?;
    let y: Vec<f64> = grid.counts.clone();

    let mut kept: Vec<SiteKind> = Vec::new();
    let mut columns: Vec<Vec<f64>> = Vec::new();
    let mut dropped = Vec::new();
    for &k in &kinds {
        let of_kind: Vec<&Site> = sites.iter().filter(|s| s.kind == k).collect();
        let x = exposure(&grid.cells, &of_kind, params.within_m);
        let ones = x.iter().filter(|&&b| b).count();
        if ones == 0 || ones == x.len() {
            dropped.push(k);
            continue;
        }
        let col: Vec<f64> = x.iter().map(|&b| if b { 1.0 } else { 0.0 }).collect();
        if let Some(j) = columns.iter().position(|c| *c == col) {
            return Err(AnalysisError::Parameter {
                name: "kinds",
                expected: "site kinds whose cells within reach differ (drop one of them)",
                value: format!("{} and {k} reach exactly the same cells", kept[j]),
            });
        }
        kept.push(k);
        columns.push(col);
    }
    if kept.is_empty() {
        return Err(AnalysisError::Parameter {
            name: "kinds",
            expected: "at least one site kind that reaches some cells but not all",
            value: format!(
                "dropped: {}",
                dropped
                    .iter()
                    .map(|k| k.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        });
    }
    let fit: GlmFit = match params.model {
        Model::Poisson => poisson(&columns, &y)?,
        Model::Negbin => negbin(&columns, &y)?,
    };

    let mut warnings = Vec::new();
    let mut factors = vec![Factor {
        factor: "intercept".into(),
        coef: fit.coefs[0],
        rrv: rrv(&fit.coefs[0]),
        cells: grid.cells.len(),
        reports: y.iter().sum::<f64>() as u64,
        words: None,
    }];
    for (j, &k) in kept.iter().enumerate() {
        let cells = columns[j].iter().filter(|&&v| v > 0.0).count();
        let reports: f64 = columns[j].iter().zip(&y).map(|(x, c)| x * c).sum();
        if reports == 0.0 {
            warnings.push(format!(
                "no report in the {cells} cells within {} m of {}: its estimate runs to zero risk and is not reliable",
                fmt_metres(params.within_m),
                kind_phrase(k)
            ));
        }
        let r = rrv(&fit.coefs[j + 1]);
        factors.push(Factor {
            factor: k.as_str().into(),
            coef: fit.coefs[j + 1],
            rrv: r,
            cells,
            reports: reports as u64,
            words: Some(sentence(k, params.within_m, &r)),
        });
    }
    let betas: Vec<f64> = fit.coefs[1..].iter().map(|c| c.beta).collect();
    let rrs = scores(&betas, &columns);
    let cells = grid
        .cells
        .iter()
        .enumerate()
        .map(|(i, &cell)| RiskCell {
            cell,
            count: y[i] as u64,
            exposed: columns.iter().map(|c| c[i] > 0.0).collect(),
            rrs: rrs[i],
        })
        .collect();
    Ok(RiskResult {
        model: params.model,
        factors,
        dropped,
        warnings,
        dispersion: fit.dispersion,
        alpha: fit.alpha,
        alpha_se: fit.alpha_se,
        iterations: fit.iterations,
        log_likelihood: fit.log_likelihood,
        cells,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentence_reads_like_the_planners_ask() {
        let r = Rrv {
            rrv: 4.2,
            ci_low: 3.1,
            ci_high: 5.6,
        };
        assert_eq!(
            sentence(SiteKind::BoardingHouse, 300.0, &r),
            "reports are 4.2× as frequent within 300 m of a boarding house (95 % CI 3.1–5.6)"
        );
        assert_eq!("NegBin".parse::<Model>().unwrap(), Model::Negbin);
        assert!("ols".parse::<Model>().is_err());
    }
}
