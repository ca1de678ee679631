//! Reports → areas: point-in-polygon with an R-tree prefilter over area envelopes, then every
//! area's set is merged into all of its ancestors (a ward holds its residential groups'
//! reports even where a group polygon leaves a gap or the ward has none of its own).

use crate::model::{Area, Report};
use geo::{BoundingRect, Intersects, Point};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{AABB, RTree};
use std::collections::HashMap;

type AreaEnvelope = GeomWithData<Rectangle<[f64; 2]>, usize>;

/// For each area (same order as `areas`), the ascending indices into `reports` of the reports
/// inside it or inside any of its descendants.
///
/// A point on a shared boundary counts for both neighbours (closed polygons): a report is
/// never lost between two residential groups. Parent links that point nowhere are ignored;
/// a cycle of parent links is cut after `areas.len()` steps.
///
/// ```
/// use hotspot::lifecycle::assign_reports;
/// use hotspot::model::{Area, AreaLevel, Report, ReportKind};
/// use geo::{polygon, MultiPolygon};
/// let sq = |x0: f64| MultiPolygon(vec![polygon![(x: x0, y: 0.0), (x: x0 + 1.0, y: 0.0),
///     (x: x0 + 1.0, y: 1.0), (x: x0, y: 1.0)]]);
/// let area = |id: &str, parent: Option<&str>, x0| Area { id: id.into(), name: id.into(),
///     level: AreaLevel::ResidentialGroup, parent_id: parent.map(Into::into), geometry: sq(x0) };
/// let ward = Area { level: AreaLevel::Commune, geometry: MultiPolygon(vec![]), ..area("W", None, 0.0) };
/// let areas = [ward, area("A", Some("W"), 0.0), area("B", Some("W"), 1.0)];
/// let at = "2025-01-01T00:00:00".parse().unwrap();
/// let r = |id: &str, lon| Report { id: id.into(), lon, lat: 0.5, kind: ReportKind::Use, observed_at: at };
/// let got = assign_reports(&areas, &[r("r0", 0.5), r("r1", 1.5), r("r2", 5.0)]);
/// assert_eq!(got, vec![vec![0, 1], vec![0], vec![1]]);
/// ```
pub fn assign_reports(areas: &[Area], reports: &[Report]) -> Vec<Vec<u32>> {
    let envelopes: Vec<AreaEnvelope> = areas
        .iter()
        .enumerate()
        .filter_map(|(i, a)| {
            let r = a.geometry.bounding_rect()?;
            Some(GeomWithData::new(
                Rectangle::from_corners([r.min().x, r.min().y], [r.max().x, r.max().y]),
                i,
            ))
        })
        .collect();
    let tree = RTree::bulk_load(envelopes);

    let mut direct: Vec<Vec<u32>> = vec![Vec::new(); areas.len()];
    for (ri, r) in reports.iter().enumerate() {
        let p = Point::new(r.lon, r.lat);
        let env = AABB::from_point([r.lon, r.lat]);
        for cand in tree.locate_in_envelope_intersecting(&env) {
            if areas[cand.data].geometry.intersects(&p) {
                direct[cand.data].push(ri as u32);
            }
        }
    }

    let by_id: HashMap<&str, usize> = areas
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    let parent: Vec<Option<usize>> = areas
        .iter()
        .map(|a| a.parent_id.as_deref().and_then(|p| by_id.get(p).copied()))
        .collect();

    let mut all = direct.clone();
    for (i, own) in direct.iter().enumerate() {
        if own.is_empty() {
            continue;
        }
        let mut at = parent[i];
        let mut steps = 0;
        while let Some(p) = at {
            if p == i || steps >= areas.len() {
                break;
            }
            all[p].extend_from_slice(own);
            at = parent[p];
            steps += 1;
        }
    }
    for v in &mut all {
        v.sort_unstable();
        v.dedup();
    }
    all
}
