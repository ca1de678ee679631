//! Emerging hot spots: reports → space-time cube → Gi* per bin → Mann-Kendall → category,
//! with the step labels the map's time axis and GIS users need.

use chrono::NaiveDateTime;
use geojson::Feature;
use serde_json::json;

use crate::analysis::AnalysisError;
use crate::analysis::emerging::{EmergingParams, EmergingResult, emerging};
use crate::model::{Report, coords};
use crate::render::geojson::{emerging_feature, with_id, with_properties};

/// The emerging hot spot analysis of `reports`.
pub fn emerging_hotspots(
    reports: &[Report],
    params: &EmergingParams,
) -> Result<EmergingResult, AnalysisError> {
    let times: Vec<NaiveDateTime> = reports.iter().map(|r| r.observed_at).collect();
    emerging(&coords(reports), &times, params)
}

/// `YYYY-MM-DD` of every step's first day.
pub fn step_labels(result: &EmergingResult) -> Vec<String> {
    result.steps.iter().map(|d| d.to_string()).collect()
}

/// Whether a cell is shown at suppression threshold `min_count`: it holds at least that many
/// reports over all steps (0 shows every cell). The one rule for the emerging layer and the
/// emerging chart, so a viewer's chart never counts a cell the viewer's map leaves out.
pub fn cell_shown(cell: &crate::analysis::emerging::EmergingCell, min_count: u32) -> bool {
    cell.counts.iter().map(|&n| u64::from(n)).sum::<u64>() >= u64::from(min_count)
}

/// Cell features (id = H3 index) with `step_labels`, leaving out cells with fewer than
/// `min_count` reports over all steps (viewer suppression; 0 = none).
pub fn emerging_features(result: &EmergingResult, min_count: u32) -> Vec<Feature> {
    use rayon::prelude::*;
    let labels = step_labels(result);
    result
        .cells
        .par_iter()
        .filter(|c| cell_shown(c, min_count))
        .map(|c| {
            // `steps` is the number of steps; the time axis also needs their labels.
            let f = with_properties(emerging_feature(c), json!({"step_labels": labels}));
            with_id(f, c.cell.to_string())
        })
        .collect()
}
