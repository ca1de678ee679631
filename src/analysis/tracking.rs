//! Hotspot identity across clustering runs.
//!
//! Every run of DBSCAN / hot-cell grouping numbers its clusters afresh; planners attach "6
//! clears" action plans to a hotspot, so each new polygon is matched to the previous run's
//! tracked hotspots by polygon overlap and keeps the matched stable id (`H-000017`).
//!
//! Matching is greedy and deterministic: all (previous, new) pairs whose overlap is at least
//! `min_overlap` are sorted by overlap (largest first), ties by previous index then new
//! index, and taken while both sides are still free. Unmatched new polygons get fresh ids
//! (one more than the largest id number ever seen); unmatched previous hotspots are
//! *retired* — returned unchanged so the caller can keep them (and their plans) on record.

use crate::model::TrackedHotspot;
use chrono::NaiveDateTime;
use geo::{Area, BooleanOps, BoundingRect, MultiPolygon};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use serde::{Deserialize, Serialize};

/// How the overlap of two polygons is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OverlapMeasure {
    /// Intersection over union: strict, penalises growth and shrinkage alike.
    Iou,
    /// Intersection over the smaller polygon: a hotspot that grew or shrank keeps its id.
    #[default]
    ShareOfSmaller,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrackingParams {
    pub measure: OverlapMeasure,
    /// Pairs below this overlap never match (default 0.3).
    pub min_overlap: f64,
}

impl Default for TrackingParams {
    fn default() -> Self {
        TrackingParams {
            measure: OverlapMeasure::ShareOfSmaller,
            min_overlap: 0.3,
        }
    }
}

/// The outcome of matching one run against the tracked set.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracking {
    /// One per detected polygon, in input order, with its stable id.
    pub current: Vec<TrackedHotspot>,
    /// For each detected polygon, the index of the previous hotspot it continues.
    pub matched: Vec<Option<usize>>,
    /// Previous hotspots not seen in this run, unchanged.
    pub retired: Vec<TrackedHotspot>,
}

impl Tracking {
    /// Current and retired together: what to save so ids are never reused.
    pub fn all(&self) -> Vec<TrackedHotspot> {
        self.current.iter().chain(&self.retired).cloned().collect()
    }
}

/// `H-` and the number with six digits (more when it grows past a million).
///
/// ```
/// assert_eq!(hotspot::analysis::tracking::format_id(17), "H-000017");
/// ```
pub fn format_id(n: u64) -> String {
    format!("H-{n:06}")
}

/// The number in an id made by [`format_id`].
pub fn parse_id(id: &str) -> Option<u64> {
    id.strip_prefix("H-")?.parse().ok()
}

/// Overlap of `a` and `b` in [0, 1] (0 when either has no area).
///
/// Areas are planar in degrees: both polygons lie at the same latitude, so the ratio is
/// what matters and the cos(latitude) factor cancels.
pub fn overlap(a: &MultiPolygon<f64>, b: &MultiPolygon<f64>, measure: OverlapMeasure) -> f64 {
    let (aa, ab) = (a.unsigned_area(), b.unsigned_area());
    if aa <= 0.0 || ab <= 0.0 {
        return 0.0;
    }
    let inter = a.intersection(b).unsigned_area();
    let denom = match measure {
        OverlapMeasure::Iou => aa + ab - inter,
        OverlapMeasure::ShareOfSmaller => aa.min(ab),
    };
    (inter / denom).clamp(0.0, 1.0)
}

/// Matches `detected` polygons (this run, detected at `at`) to `previous` tracked hotspots.
pub fn track(
    previous: &[TrackedHotspot],
    detected: &[MultiPolygon<f64>],
    at: NaiveDateTime,
    params: &TrackingParams,
) -> Tracking {
    let envelope = |p: &MultiPolygon<f64>, i: usize| {
        p.bounding_rect().map(|r| {
            GeomWithData::new(
                Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                i,
            )
        })
    };
    let tree = RTree::bulk_load(
        previous
            .iter()
            .enumerate()
            .filter_map(|(i, h)| envelope(&h.polygon, i))
            .collect(),
    );
    let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
    for (ni, poly) in detected.iter().enumerate() {
        let Some(r) = poly.bounding_rect() else {
            continue;
        };
        let env = AABB::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]);
        for c in tree.locate_in_envelope_intersecting(&env) {
            let o = overlap(&previous[c.data].polygon, poly, params.measure);
            if o > 0.0 && o >= params.min_overlap {
                pairs.push((o, c.data, ni));
            }
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
    let mut prev_taken = vec![false; previous.len()];
    let mut matched = vec![None; detected.len()];
    for (_, pi, ni) in pairs {
        if !prev_taken[pi] && matched[ni].is_none() {
            prev_taken[pi] = true;
            matched[ni] = Some(pi);
        }
    }
    let mut next = previous
        .iter()
        .filter_map(|h| parse_id(&h.id))
        .max()
        .unwrap_or(0)
        + 1;
    let current = detected
        .iter()
        .zip(&matched)
        .map(|(poly, m)| match m {
            Some(pi) => TrackedHotspot {
                id: previous[*pi].id.clone(),
                polygon: poly.clone(),
                first_detected: previous[*pi].first_detected,
                last_detected: at,
            },
            None => {
                let id = format_id(next);
                next += 1;
                TrackedHotspot {
                    id,
                    polygon: poly.clone(),
                    first_detected: at,
                    last_detected: at,
                }
            }
        })
        .collect();
    let retired = previous
        .iter()
        .zip(&prev_taken)
        .filter(|(_, taken)| !**taken)
        .map(|(h, _)| h.clone())
        .collect();
    Tracking {
        current,
        matched,
        retired,
    }
}
