//! Summaries of DBSCAN clusters as hotspots (polygon, counts per kind, first/last seen).
use super::dbscan::Clustering;
use crate::model::{KIND_COUNT, Report};
use chrono::NaiveDateTime;
use geo::{Coord, Polygon};

#[derive(Debug, Clone, PartialEq)]
pub struct Hotspot {
    pub cluster: i32,
    pub count: usize,
    pub core_count: usize,
    /// Indexed by `ReportKind::index`.
    pub kind_counts: [u32; KIND_COUNT],
    pub first_seen: NaiveDateTime,
    pub last_seen: NaiveDateTime,
    pub polygon: Polygon<f64>,
    /// Geodesic area of `polygon`, m².
    pub area_m2: f64,
    pub centroid: Coord<f64>,
    /// Indices into the input slice of this cluster's reports, ascending.
    pub members: Vec<usize>,
}

/// One [`Hotspot`] per cluster, in cluster order.
pub fn summarize(reports: &[Report], clustering: &Clustering) -> Vec<Hotspot> {
    todo!()
}
