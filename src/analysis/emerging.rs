//! Emerging hot spot analysis: space-time Gi* over an H3 × time-step cube, Mann-Kendall
//! trend per cell, and the 17 categories of ArcGIS Emerging Hot Spot Analysis.
//!
//! A hot-spot map of all reports hides *when* they happened. Planners need to know which
//! places are newly hot, which have been hot for years and are getting worse, and which were
//! hot and have since calmed down: that is what the categories say.
//!
//! The cube has every study cell (occupied cells plus k rings, as for [`super::hexgrid`]) ×
//! every step from the first to the last step holding a report, zeros included. Each bin's
//! Gi* uses the bins within `grid_disk(k)` in space and ±`time_k` steps in time (itself
//! included), with x̄ and S over all bins of the cube. The kernel works on integer counts
//! (prefix sums over time, precomputed neighbour lists), so every sum is exact and the
//! result does not depend on the number of threads.
use super::AnalysisError;
use super::gistar::{gi_z, two_sided_p};
use super::hexgrid::{Neighbours, cells_of, grow, occupied};
use super::mann_kendall::mann_kendall;
use crate::timestep::TimeStep;
use chrono::{NaiveDate, NaiveDateTime};
use geo::Coord;
use h3o::{CellIndex, Resolution};
use rayon::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EmergingParams {
    pub resolution: Resolution,
    pub step: TimeStep,
    pub k: u32,
    pub time_k: u32,
    pub alpha: f64,
}

/// The 17 categories (hot and cold variants of eight patterns, and no pattern).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    NewHotSpot,
    ConsecutiveHotSpot,
    IntensifyingHotSpot,
    PersistentHotSpot,
    DiminishingHotSpot,
    SporadicHotSpot,
    OscillatingHotSpot,
    HistoricalHotSpot,
    NewColdSpot,
    ConsecutiveColdSpot,
    IntensifyingColdSpot,
    PersistentColdSpot,
    DiminishingColdSpot,
    SporadicColdSpot,
    OscillatingColdSpot,
    HistoricalColdSpot,
    NoPattern,
}

/// Significance of one space-time bin.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Significance {
    /// p < α and z > 0.
    Hot,
    /// p < α and z < 0.
    Cold,
    NotSignificant,
}

impl Significance {
    pub fn of(z: f64, p: f64, alpha: f64) -> Self {
        if p < alpha && z > 0.0 {
            Significance::Hot
        } else if p < alpha && z < 0.0 {
            Significance::Cold
        } else {
            Significance::NotSignificant
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmergingCell {
    pub cell: CellIndex,
    pub category: Category,
    pub trend_z: f64,
    pub trend_p: f64,
    pub hot_steps: u32,
    pub cold_steps: u32,
    /// Per step.
    pub z: Vec<f64>,
    pub p: Vec<f64>,
    pub counts: Vec<u32>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EmergingResult {
    /// First day of each step.
    pub steps: Vec<NaiveDate>,
    pub cells: Vec<EmergingCell>,
}

/// Emerging hot spot analysis of reports at `points` (lon/lat degrees) observed at local
/// `times` (parallel slices). Cells come out sorted; empty input gives an empty result.
///
/// Errors: slices of different lengths, `alpha` outside (0, 1), or an invalid coordinate.
pub fn emerging(
    points: &[Coord<f64>],
    times: &[NaiveDateTime],
    params: &EmergingParams,
) -> Result<EmergingResult, AnalysisError> {
    validate(points, times, params)?;
    if points.is_empty() {
        return Ok(EmergingResult {
            steps: Vec::new(),
            cells: Vec::new(),
        });
    }
    let point_cells = cells_of(points, params.resolution)?;
    let dates: Vec<NaiveDate> = times.par_iter().map(|t| t.date()).collect();
    let first = *dates.par_iter().min().expect("non-empty");
    let last = *dates.par_iter().max().expect("non-empty");
    let steps = params.step.range(first, last);
    let t_len = steps.len();

    let cells = grow(&occupied(&point_cells), params.k);

    let cube = count_cube(&cells, &point_cells, &dates, first, params.step, t_len);
    let neighbours = Neighbours::grid_disk(&cells, params.k);
    let (n, mean, s) = cube_moments(&cube);

    let out = cells
        .par_iter()
        .enumerate()
        .map(|(ci, &cell)| {
            super::cancel::checkpoint();
            let counts = &cube[ci * t_len..(ci + 1) * t_len];
            let (z, p) = bin_gi_star(&cube, t_len, neighbours.of(ci), params.time_k, n, mean, s);
            let sig: Vec<Significance> = z
                .iter()
                .zip(&p)
                .map(|(&z, &p)| Significance::of(z, p, params.alpha))
                .collect();
            let trend = mann_kendall(&z);
            EmergingCell {
                cell,
                category: classify(&sig, trend.z, trend.p, params.alpha),
                trend_z: trend.z,
                trend_p: trend.p,
                hot_steps: sig.iter().filter(|&&s| s == Significance::Hot).count() as u32,
                cold_steps: sig.iter().filter(|&&s| s == Significance::Cold).count() as u32,
                z,
                p,
                counts: counts.to_vec(),
            }
        })
        .collect();
    Ok(EmergingResult { steps, cells: out })
}

fn validate(
    points: &[Coord<f64>],
    times: &[NaiveDateTime],
    params: &EmergingParams,
) -> Result<(), AnalysisError> {
    if points.len() != times.len() {
        return Err(AnalysisError::Parameter {
            name: "times",
            expected: "one time per point",
            value: format!("{} times for {} points", times.len(), points.len()),
        });
    }
    if !(params.alpha > 0.0 && params.alpha < 1.0) {
        return Err(AnalysisError::Parameter {
            name: "alpha",
            expected: "between 0 and 1 (exclusive)",
            value: params.alpha.to_string(),
        });
    }
    Ok(())
}

/// Report counts per (cell, step), row-major by cell: `cube[cell * t_len + step]`.
fn count_cube(
    cells: &[CellIndex],
    point_cells: &[CellIndex],
    dates: &[NaiveDate],
    first: NaiveDate,
    step: TimeStep,
    t_len: usize,
) -> Vec<u32> {
    let bins: Vec<usize> = point_cells
        .par_iter()
        .zip(dates.par_iter())
        .map(|(c, &d)| {
            let ci = cells
                .binary_search(c)
                .expect("study cells hold every occupied cell");
            ci * t_len + step.index(first, d) as usize
        })
        .collect();
    let mut cube = vec![0u32; cells.len() * t_len];
    for b in bins {
        cube[b] += 1;
    }
    cube
}

/// (n, x̄, S) over all bins, from exact integer sums: S² = (n Σx² − (Σx)²) / n².
fn cube_moments(cube: &[u32]) -> (f64, f64, f64) {
    let n = cube.len() as u128;
    let (sum, sum_sq) = cube
        .par_iter()
        .map(|&x| (x as u128, (x as u128) * (x as u128)))
        .reduce(|| (0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
    let nf = n as f64;
    let mean = sum as f64 / nf;
    let var = (n * sum_sq - sum * sum) as f64 / (nf * nf);
    (nf, mean, var.max(0.0).sqrt())
}

/// Gi* z and p of every step of one cell: neighbours in space (`row`, self included) ×
/// steps within ±`time_k`, clipped at the ends of the cube.
fn bin_gi_star(
    cube: &[u32],
    t_len: usize,
    row: &[u32],
    time_k: u32,
    n: f64,
    mean: f64,
    s: f64,
) -> (Vec<f64>, Vec<f64>) {
    // prefix[t] = Σ over spatial neighbours of counts in steps < t.
    let mut prefix = vec![0u64; t_len + 1];
    for &j in row {
        let series = &cube[j as usize * t_len..(j as usize + 1) * t_len];
        for (t, &x) in series.iter().enumerate() {
            prefix[t + 1] += x as u64;
        }
    }
    for t in 0..t_len {
        prefix[t + 1] += prefix[t];
    }
    let tk = time_k as usize;
    let mut z = Vec::with_capacity(t_len);
    let mut p = Vec::with_capacity(t_len);
    for t in 0..t_len {
        let lo = t.saturating_sub(tk);
        let hi = (t + tk).min(t_len - 1);
        let sum = (prefix[hi + 1] - prefix[lo]) as f64;
        let w = (row.len() * (hi - lo + 1)) as f64;
        let zt = gi_z(sum, w, n, mean, s);
        z.push(zt);
        p.push(two_sided_p(zt));
    }
    (z, p)
}

/// The Emerging Hot Spot category of one location from its per-step significance (time
/// order), the Mann-Kendall trend of its z series, and α (trend significant when
/// `trend_p < alpha`).
///
/// "90 %" means at least 90 percent of the steps (10·count ≥ 9·n, exact). Definitions for
/// hot spots (cold spots are the mirror image, with the trend sign reversed so that an
/// *intensifying* cold spot has a significantly *decreasing* z):
///
/// - **New**: hot in the final step and never hot before.
/// - **Consecutive**: one uninterrupted run of ≥ 2 hot steps at the end, never hot before
///   it, < 90 % hot.
/// - **Intensifying**: ≥ 90 % hot including the final step, z trend significantly up.
/// - **Persistent**: ≥ 90 % hot including the final step, no significant trend.
/// - **Diminishing**: ≥ 90 % hot including the final step, z trend significantly down.
/// - **Sporadic**: hot in the final step, < 90 % hot, hot before with gaps, never cold.
/// - **Oscillating**: hot in the final step, < 90 % hot, hot before with gaps, cold in some
///   prior step.
/// - **Historical**: not hot in the final step, ≥ 90 % hot.
///
/// Precedence where the published definitions overlap:
/// 1. The final step decides the family: hot final → a hot category, cold final → a cold
///    one (e.g. 9 hot steps then a cold one is a *new cold spot*, not a historical hot
///    spot). Only a non-significant final step can give Historical (hot or cold — both
///    cannot reach 90 %) or No pattern.
/// 2. Historical beats Persistent when the final step is not hot: "≥ 90 % hot with no
///    trend" fits both, and Historical says more (the place has calmed down).
/// 3. New and Consecutive beat Oscillating: their text only asks that the place was never
///    *hot* before, so a former cold spot that turns hot is a new hot spot. (sfdep's
///    R port instead requires no significant bin of either sign before.)
///
/// ```
/// use hotspot::analysis::emerging::{classify, Category, Significance::*};
/// let s = [NotSignificant, Hot, NotSignificant, Hot, Hot];
/// assert_eq!(classify(&s, 0.4, 0.7, 0.05), Category::SporadicHotSpot);
/// ```
pub fn classify(sig: &[Significance], trend_z: f64, trend_p: f64, alpha: f64) -> Category {
    let Some(&last) = sig.last() else {
        return Category::NoPattern;
    };
    let n = sig.len();
    let count = |s: Significance| sig.iter().filter(|&&x| x == s).count();
    let most = |c: usize| 10 * c >= 9 * n;
    let trend_significant = trend_p < alpha;
    match last {
        Significance::Hot => family(sig, Significance::Cold, trend_z, trend_significant, &HOT),
        Significance::Cold => family(sig, Significance::Hot, -trend_z, trend_significant, &COLD),
        Significance::NotSignificant => {
            if most(count(Significance::Hot)) {
                Category::HistoricalHotSpot
            } else if most(count(Significance::Cold)) {
                Category::HistoricalColdSpot
            } else {
                Category::NoPattern
            }
        }
    }
}

/// The categories of one family, in the order new, consecutive, intensifying, persistent,
/// diminishing, sporadic, oscillating.
type Family = [Category; 7];

const HOT: Family = [
    Category::NewHotSpot,
    Category::ConsecutiveHotSpot,
    Category::IntensifyingHotSpot,
    Category::PersistentHotSpot,
    Category::DiminishingHotSpot,
    Category::SporadicHotSpot,
    Category::OscillatingHotSpot,
];

const COLD: Family = [
    Category::NewColdSpot,
    Category::ConsecutiveColdSpot,
    Category::IntensifyingColdSpot,
    Category::PersistentColdSpot,
    Category::DiminishingColdSpot,
    Category::SporadicColdSpot,
    Category::OscillatingColdSpot,
];

/// Classifies a series whose final step belongs to the family (`sig.last()` is "own");
/// `toward` is the trend z signed so that positive means "more of the family's kind".
fn family(
    sig: &[Significance],
    other: Significance,
    toward: f64,
    trend_significant: bool,
    cats: &Family,
) -> Category {
    let own = *sig.last().expect("non-empty");
    let n = sig.len();
    let own_count = sig.iter().filter(|&&s| s == own).count();
    if 10 * own_count >= 9 * n {
        return if trend_significant && toward > 0.0 {
            cats[2]
        } else if trend_significant && toward < 0.0 {
            cats[4]
        } else {
            cats[3]
        };
    }
    let final_run = sig.iter().rev().take_while(|&&s| s == own).count();
    if own_count == 1 {
        cats[0]
    } else if final_run == own_count {
        cats[1]
    } else if sig.contains(&other) {
        cats[6]
    } else {
        cats[5]
    }
}

#[cfg(test)]
mod tests;
