//! The HTTP side of [`crate::ops::disclosure`]: viewer parameter ranges as 400s naming the
//! parameter, viewer report filters snapped to the month and the bbox grid, and the last
//! touches on rendered features (times as `YYYY-MM`, small counts as `null`).
//!
//! Analysts and admins never pass through here.

use geojson::Feature;
use serde_json::Value;

use std::collections::HashMap;

use super::error::ApiError;
use super::layers::LayerJob;
use crate::ops::disclosure::{self, RangeError};
use crate::store::ReportFilter;

/// How a layer is computed and shown for the caller.
#[derive(Debug, Clone, Copy, Default)]
pub struct View {
    /// A viewer (or anonymous `--open` visitor): generalised inputs, coarsened outputs.
    pub viewer: bool,
    /// Counts below this are hidden (0 for analysts and admins).
    pub min_count: u32,
    /// The viewer's snapped bbox, selecting reports by their cell centre.
    pub snapped: Option<[f64; 4]>,
}

/// Count properties of a hotspot that viewers see suppressed below `--min-count`.
const HOTSPOT_COUNTS: &[&str] = &[
    "count",
    "core_count",
    "use",
    "storage",
    "trafficking",
    "sale",
    "cultivation",
];

/// Hotspot features as viewers see them: each rebuilt from its generalised hotspot
/// ([`disclosure::generalise_hotspot`]: outline of res-9 cells, centroid of its cell, times
/// to the month, nearby sites measured from that outline) keeping its id, hotspot id and
/// plans; counts suppressed. `features` come from the exact clustering (so tracking and plans
/// match the analysts'), `hotspots` and `reports` are that clustering's input and output.
pub fn hotspot_features(
    features: Vec<Feature>,
    hotspots: &[crate::analysis::hotspots::Hotspot],
    reports: &[crate::model::Report],
    sites: &[crate::model::Site],
    min_count: u32,
) -> Vec<Feature> {
    features
        .into_iter()
        .filter_map(|f| {
            let cluster = f.property("cluster").and_then(Value::as_i64)?;
            let h = hotspots.iter().find(|h| i64::from(h.cluster) == cluster)?;
            let g = disclosure::generalise_hotspot(h, reports);
            let near = crate::analysis::proximity::sites_near_hotspots(
                std::slice::from_ref(&g),
                sites,
                crate::ops::hotspots::HOTSPOT_SITE_RADIUS_M,
            )
            .pop()
            .unwrap_or_default();
            let mut out = crate::render::geojson::hotspot_feature_with_sites(&g, &near, sites);
            out.id = f.id.clone();
            for k in ["hotspot_id", "has_plan", "plans"] {
                if let Some(v) = f.property(k) {
                    out.set_property(k, v.clone());
                }
            }
            months(&mut out, &["first_seen", "last_seen"]);
            suppress(&mut out, HOTSPOT_COUNTS, min_count);
            Some(out)
        })
        .collect()
}

/// Viewer defaults where the general default lies outside the viewers' range (kde `res` 10
/// becomes 9); a value the viewer gave is left for [`restrict_job`] to accept or refuse.
pub fn viewer_defaults(layer: &str, q: &mut HashMap<String, String>) {
    if layer == "kde" && q.get("res").is_none_or(|s| s.trim().is_empty()) {
        q.insert("res".into(), u8::from(disclosure::GENERAL_RES).to_string());
    }
}

/// Checks a viewer's parameters against the safe ranges (400 naming the parameter) and
/// snaps the report filter; returns the snapped bbox.
pub fn restrict_job(job: &mut LayerJob) -> Result<Option<[f64; 4]>, ApiError> {
    let filter = match job {
        LayerJob::Hotspots { filter, eps_m, .. } => {
            disclosure::check_eps(*eps_m)?;
            filter
        }
        LayerJob::Hexes { filter, res, .. } => {
            disclosure::check_resolution(*res)?;
            filter
        }
        LayerJob::Kde {
            filter,
            res,
            bandwidth_m,
            weights,
        } => {
            disclosure::check_resolution(*res)?;
            disclosure::check_bandwidth(*bandwidth_m)?;
            disclosure::check_weights(&weights.0)?;
            filter
        }
        LayerJob::Emerging { filter, params } => {
            disclosure::check_resolution(params.resolution)?;
            disclosure::check_step(params.step)?;
            filter
        }
        LayerJob::Near { filter, .. } => filter,
        LayerJob::Sites { .. } | LayerJob::Areas { .. } => return Ok(None),
    };
    Ok(restrict_filter(filter))
}

impl From<RangeError> for ApiError {
    fn from(e: RangeError) -> Self {
        ApiError::bad_param(e.parameter, e)
    }
}

/// Snaps a viewer's report filter: `from`/`to` outward to whole months, the bbox outward to
/// the grid. The store is then read with a widened box; the returned snapped box selects the
/// reports by their cell centre ([`disclosure::retain_by_cell`]).
pub fn restrict_filter(filter: &mut ReportFilter) -> Option<[f64; 4]> {
    (filter.from, filter.to) = disclosure::snap_time_range(filter.from, filter.to);
    let snapped = filter.bbox.map(disclosure::snap_bbox);
    filter.bbox = snapped.map(disclosure::read_bbox);
    snapped
}

/// Rewrites time properties (`2024-03-01T00:00:00`, `2024-03-01`) as `YYYY-MM`.
pub fn months(f: &mut Feature, keys: &[&str]) {
    let Some(props) = f.properties.as_mut() else {
        return;
    };
    for k in keys {
        if let Some(v) = props.get_mut(*k) {
            month_value(v);
        }
    }
}

fn month_value(v: &mut Value) {
    match v {
        Value::String(s) if s.len() >= 7 => s.truncate(7),
        Value::Array(a) => a.iter_mut().for_each(month_value),
        _ => {}
    }
}

/// Replaces counts below `min_count` (but above 0) with `null`, in plain properties and in
/// arrays of counts.
pub fn suppress(f: &mut Feature, keys: &[&str], min_count: u32) {
    let Some(props) = f.properties.as_mut() else {
        return;
    };
    for k in keys {
        if let Some(v) = props.get_mut(*k) {
            suppress_value(v, min_count);
        }
    }
}

fn suppress_value(v: &mut Value, min_count: u32) {
    match v {
        Value::Number(n) => {
            let c = n.as_f64().unwrap_or(0.0);
            if c > 0.0 && c < f64::from(min_count) {
                *v = Value::Null;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| suppress_value(x, min_count)),
        _ => {}
    }
}

/// Counts per step or month as a viewer sees them (`None` = suppressed).
pub fn suppress_series(counts: &[u32], min_count: u32) -> Vec<Option<u32>> {
    counts
        .iter()
        .map(|&c| disclosure::suppress(u64::from(c), min_count).map(|c| c as u32))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn feature(props: Value) -> Feature {
        Feature {
            bbox: None,
            geometry: None,
            id: None,
            properties: props.as_object().cloned(),
            foreign_members: None,
        }
    }

    #[test]
    fn times_and_counts_for_viewers() {
        let mut f = feature(json!({
            "first_seen": "2024-03-01T00:00:00",
            "step_labels": ["2024-01-01", "2024-02-01"],
            "count": 2, "use": 0, "sale": 7, "counts": [0, 1, 3, 2],
        }));
        months(&mut f, &["first_seen", "step_labels"]);
        suppress(&mut f, &["count", "use", "sale", "counts"], 3);
        let p = f.properties.unwrap();
        assert_eq!(p["first_seen"], "2024-03");
        assert_eq!(p["step_labels"], json!(["2024-01", "2024-02"]));
        assert_eq!(p["count"], Value::Null);
        assert_eq!(p["use"], 0);
        assert_eq!(p["sale"], 7);
        assert_eq!(p["counts"], json!([0, null, 3, null]));
        assert_eq!(suppress_series(&[0, 1, 5], 3), vec![Some(0), None, Some(5)]);
    }

    #[test]
    fn viewer_filters_snap() {
        let t = |s: &str| {
            chrono::NaiveDateTime::parse_from_str(&format!("{s} 00:00"), "%Y-%m-%d %H:%M").unwrap()
        };
        let mut f = ReportFilter {
            from: Some(t("2024-03-14")),
            to: Some(t("2024-03-15")),
            bbox: Some([107.5912, 16.4531, 107.6049, 16.4699]),
            ..ReportFilter::default()
        };
        let snapped = restrict_filter(&mut f).unwrap();
        assert_eq!(snapped, [107.59, 16.45, 107.61, 16.47]);
        assert_eq!(f.from, Some(t("2024-03-01")));
        assert_eq!(f.to, Some(t("2024-04-01")));
        assert!(f.bbox.unwrap()[0] < 107.59);
    }
}
