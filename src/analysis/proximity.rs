//! Reports and hotspots near sensitive sites (schools, boarding houses, industrial zones…).
use super::hotspots::Hotspot;
use crate::index::PointIndex;
use crate::model::{KIND_COUNT, Report, Site};

#[derive(Debug, Clone, PartialEq)]
pub struct SiteProximity {
    /// Index into the sites slice.
    pub site: usize,
    /// Reports within the distance (indices into the reports slice, ascending).
    pub reports: Vec<usize>,
    pub kind_counts: [u32; KIND_COUNT],
    /// Distance to the nearest report, metres (0 inside a polygon site), if any report exists.
    pub nearest_m: Option<f64>,
}

/// For each site, the reports within `within_m` (distance to the site's point or polygon).
pub fn reports_near_sites(
    sites: &[Site],
    reports: &[Report],
    index: &PointIndex,
    within_m: f64,
) -> Vec<SiteProximity> {
    todo!()
}

/// For each hotspot, the sites within `within_m` of its polygon: (site index, metres), nearest first.
pub fn sites_near_hotspots(
    hotspots: &[Hotspot],
    sites: &[Site],
    within_m: f64,
) -> Vec<Vec<(usize, f64)>> {
    todo!()
}
