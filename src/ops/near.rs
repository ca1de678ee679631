//! Reports near sensitive sites: per site, the reports within a distance (0 inside polygon
//! sites), counts per kind and the nearest distance, sorted the way planners read them.

use crate::analysis::proximity::{SiteProximity, reports_near_sites};
use crate::index::PointIndex;
use crate::model::{Report, Site, SiteKind, coords};

/// Every site with the reports within `within_m` metres, in [`sort_for_planners`] order.
pub fn near_sites(reports: &[Report], sites: &[Site], within_m: f64) -> Vec<SiteProximity> {
    let index = PointIndex::build(&coords(reports));
    let mut prox = reports_near_sites(sites, reports, &index, within_m);
    sort_for_planners(sites, &mut prox);
    prox
}

/// Schools, boarding houses and industrial zones are the places the campaign protects first.
fn priority(kind: SiteKind) -> u8 {
    match kind {
        SiteKind::School | SiteKind::BoardingHouse | SiteKind::IndustrialZone => 0,
        _ => 1,
    }
}

/// Priority kinds first, then most reports within the distance, then nearest, then id.
pub fn sort_for_planners(sites: &[Site], prox: &mut [SiteProximity]) {
    prox.sort_by(|a, b| {
        let (sa, sb) = (&sites[a.site], &sites[b.site]);
        priority(sa.kind)
            .cmp(&priority(sb.kind))
            .then(b.reports.len().cmp(&a.reports.len()))
            .then(
                a.nearest_m
                    .unwrap_or(f64::INFINITY)
                    .total_cmp(&b.nearest_m.unwrap_or(f64::INFINITY)),
            )
            .then(sa.id.cmp(&sb.id))
    });
}
