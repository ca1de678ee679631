//! DBSCAN hotspots: reports → clusters → summaries (hull, counts, first/last seen) and, for
//! the map, stable ids (overlap tracking), nearby sensitive sites and "6 clears" plans.

use chrono::NaiveDateTime;
use geojson::Feature;
use serde_json::{Value, json};

use crate::analysis::AnalysisError;
use crate::analysis::dbscan::{Clustering, DbscanParams, dbscan};
use crate::analysis::hotspots::{Hotspot, summarize};
use crate::analysis::proximity::sites_near_hotspots;
use crate::analysis::tracking::{TrackingParams, track};
use crate::model::{ActionPlan, PlanSubject, Report, Site, TrackedHotspot, coords};
use crate::render::geojson::{hotspot_feature_with_sites, with_id, with_properties};

/// DBSCAN defaults of the hotspots layer: 150 m, 5 reports.
pub const DEFAULT_EPS_M: f64 = 150.0;
pub const DEFAULT_MIN_PTS: usize = 5;

/// Distance within which sites count as "nearby" a hotspot on the map, metres.
pub const HOTSPOT_SITE_RADIUS_M: f64 = 300.0;

/// Labels per report and one summary per cluster.
#[derive(Debug, Clone)]
pub struct Clustered {
    pub clustering: Clustering,
    pub hotspots: Vec<Hotspot>,
}

/// Clusters `reports` with DBSCAN and summarises every cluster.
pub fn cluster(reports: &[Report], params: &DbscanParams) -> Result<Clustered, AnalysisError> {
    let clustering = dbscan(&coords(reports), params)?;
    let hotspots = summarize(reports, &clustering);
    Ok(Clustered {
        clustering,
        hotspots,
    })
}

/// What the map layer adds to the clusters: the registry of tracked ids, plans and sites.
pub struct MapContext<'a> {
    pub sites: &'a [Site],
    pub plans: &'a [ActionPlan],
    pub tracked: &'a [TrackedHotspot],
    /// When this run happens (first/last detected of tracked hotspots).
    pub now: NaiveDateTime,
    /// The canonical view (all reports, default parameters) may renumber the registry;
    /// filtered views only borrow ids of hotspots they overlap.
    pub canonical: bool,
    /// Hotspots with fewer reports are left out (viewer suppression; 0 = none).
    pub min_count: u32,
}

/// The hotspots layer and, for the canonical view, the registry to save.
pub struct HotspotLayer {
    pub features: Vec<Feature>,
    pub registry: Option<Vec<TrackedHotspot>>,
}

/// Hotspot features with `hotspot_id`, `has_plan`, `plans` and `nearby_sites`.
pub fn hotspot_layer(clustered: &Clustered, ctx: &MapContext<'_>) -> HotspotLayer {
    let hotspots = &clustered.hotspots;
    let polygons: Vec<geo::MultiPolygon<f64>> = hotspots
        .iter()
        .map(|h| geo::MultiPolygon(vec![h.polygon.clone()]))
        .collect();
    let tracking = track(ctx.tracked, &polygons, ctx.now, &TrackingParams::default());
    let near = sites_near_hotspots(hotspots, ctx.sites, HOTSPOT_SITE_RADIUS_M);
    let mut features = Vec::new();
    for (i, (h, near)) in hotspots.iter().zip(near).enumerate() {
        if (h.count as u64) < u64::from(ctx.min_count) {
            continue;
        }
        let hotspot_id = (ctx.canonical || tracking.matched[i].is_some())
            .then(|| tracking.current[i].id.clone());
        let plans: Vec<Value> = ctx
            .plans
            .iter()
            .filter(|pl| {
                hotspot_id
                    .as_ref()
                    .is_some_and(|id| pl.input.subject == PlanSubject::Hotspot(id.clone()))
            })
            .map(|pl| serde_json::to_value(pl).unwrap_or(Value::Null))
            .collect();
        let f = with_properties(
            hotspot_feature_with_sites(h, &near, ctx.sites),
            json!({
                "hotspot_id": hotspot_id,
                "has_plan": !plans.is_empty(),
                "plans": plans,
            }),
        );
        let id = hotspot_id.unwrap_or_else(|| format!("cluster-{}", h.cluster));
        features.push(with_id(f, id));
    }
    HotspotLayer {
        features,
        registry: ctx.canonical.then(|| tracking.all()),
    }
}
