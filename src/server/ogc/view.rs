//! A computed collection prepared once per (dataset version, collection, parameters, role):
//! the layer's features with their times written with the service's offset, their geometry
//! and bounding box ready for filters, an id index for `items/{id}`, and the extent. Pages
//! are slices of it, so paging through 60 000 cells costs a filter pass and the
//! serialisation of one page, not a recomputation or a copy of the layer.
//!
//! Hotspot ids: only the canonical view (every report, default DBSCAN parameters) carries the
//! tracked `H-…` ids. Any other view (a `datetime`, other `eps_m`/`min_pts`) names its
//! clusters `cluster-N~TAG`, TAG being derived from the view's parameters, so an id names one
//! polygon: `items/{id}` resolves it in the view its parameters select, and an id of another
//! view is a 404 saying so. Such a cluster's `hotspot_id` property still says which tracked
//! hotspot it overlaps.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{FixedOffset, NaiveDateTime, TimeZone};
use geo::BoundingRect;
use geojson::Feature;
use serde_json::Value;
use sha2::Digest;

use super::catalog::{Collection, LOCAL_TIME_PROPERTIES};
use super::query::TimeRange;
use crate::filter::eval::Row;
use crate::server::AppState;
use crate::server::cache::CacheKey;
use crate::server::error::{ApiError, ApiResult};
use crate::server::layers::{LayerJob, layer_at};
use crate::server::params::Params;
use crate::store::Role;

/// One prepared feature.
pub struct Item {
    pub feature: Feature,
    pub geometry: Option<geo::Geometry<f64>>,
    pub bbox: Option<[f64; 4]>,
}

impl Row for Item {
    fn property(&self, name: &str) -> Option<&Value> {
        self.feature.properties.as_ref()?.get(name)
    }
    fn geometry(&self) -> Option<&geo::Geometry<f64>> {
        self.geometry.as_ref()
    }
    fn bbox(&self) -> Option<[f64; 4]> {
        self.bbox
    }
}

/// A prepared collection view.
pub struct View {
    pub items: Vec<Item>,
    by_id: HashMap<String, usize>,
    /// CRS84 extent of the features.
    pub extent: Option<[f64; 4]>,
    /// Whether this is the canonical view (default parameters, all reports).
    pub canonical: bool,
    /// The id suffix of a non-canonical hotspot view.
    pub tag: String,
    /// The layer's canonical parameters (defaults filled in, no time range): what a file
    /// downloaded from this view is named after (`res=9&k=1` → `hexes_res9_k1_…`).
    pub params: String,
    bytes: usize,
}

impl View {
    pub fn get(&self, id: &str) -> Option<&Item> {
        self.by_id.get(id).map(|&i| &self.items[i])
    }

    pub fn size(&self) -> usize {
        self.bytes
    }
}

/// `t` (local civil time, as the shared builders write it) with the service's offset.
pub fn with_offset(s: &str, tz: FixedOffset) -> Option<String> {
    let t = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").ok()?;
    let z = tz.from_local_datetime(&t).single()?;
    Some(z.to_rfc3339_opts(chrono::SecondsFormat::Secs, false))
}

/// Rewrites the local-time properties of `f` with the offset.
pub fn offset_times(f: &mut Feature, tz: FixedOffset) {
    if let Some(p) = f.properties.as_mut() {
        for name in LOCAL_TIME_PROPERTIES {
            if let Some(Value::String(s)) = p.get(*name)
                && let Some(w) = with_offset(s, tz)
            {
                p.insert(name.to_string(), Value::String(w));
            }
        }
    }
}

fn feature_id(f: &Feature) -> Option<String> {
    match &f.id {
        Some(geojson::feature::Id::String(s)) => Some(s.clone()),
        Some(geojson::feature::Id::Number(n)) => Some(n.to_string()),
        None => None,
    }
}

/// Prepares the features of a layer (off the async runtime: tens of thousands of features).
fn prepare(features: &[Feature], tz: FixedOffset, hotspot_tag: Option<&str>) -> View {
    let mut items = Vec::with_capacity(features.len());
    let mut by_id = HashMap::with_capacity(features.len());
    let mut extent: Option<[f64; 4]> = None;
    let mut bytes = 0;
    for f in features {
        let mut f = f.clone();
        offset_times(&mut f, tz);
        if let Some(tag) = hotspot_tag {
            let cluster = f
                .property("cluster")
                .and_then(Value::as_i64)
                .unwrap_or_default();
            f.id = Some(geojson::feature::Id::String(format!(
                "cluster-{cluster}~{tag}"
            )));
        }
        let geometry: Option<geo::Geometry<f64>> =
            f.geometry.as_ref().and_then(|g| g.clone().try_into().ok());
        let bbox = geometry
            .as_ref()
            .and_then(|g| g.bounding_rect())
            .map(|r| [r.min().x, r.min().y, r.max().x, r.max().y]);
        if let Some(b) = bbox {
            extent = Some(match extent {
                None => b,
                Some(e) => [
                    e[0].min(b[0]),
                    e[1].min(b[1]),
                    e[2].max(b[2]),
                    e[3].max(b[3]),
                ],
            });
        }
        bytes += 256
            + f.properties.as_ref().map_or(0, |p| p.len() * 48)
            + geometry.as_ref().map_or(0, |g| {
                use geo::CoordsIter;
                g.coords_count() * 48
            });
        if let Some(id) = feature_id(&f) {
            by_id.insert(id, items.len());
        }
        items.push(Item {
            feature: f,
            geometry,
            bbox,
        });
    }
    View {
        items,
        by_id,
        extent,
        canonical: hotspot_tag.is_none(),
        tag: hotspot_tag.unwrap_or_default().to_string(),
        params: String::new(),
        bytes,
    }
}

/// The view of computed collection `c` for these tuning parameters and report times.
pub async fn view(
    state: &AppState,
    c: &Collection,
    layer_name: &'static str,
    tuning: &HashMap<String, String>,
    time: TimeRange,
    role: Role,
) -> ApiResult<Arc<View>> {
    let mut tuning = tuning.clone();
    let mut empty = HashMap::new();
    if role == Role::Viewer {
        // Viewers get the safe defaults (e.g. kde at res 9), not a 400 for asking nothing.
        crate::server::viewer::viewer_defaults(layer_name, &mut tuning);
        crate::server::viewer::viewer_defaults(layer_name, &mut empty);
    }
    let mut p = Params::new(tuning);
    let (name, mut job) = LayerJob::parse(layer_name, &mut p)?;
    let defaults = {
        let mut d = Params::new(empty);
        LayerJob::parse(layer_name, &mut d)?;
        d.canonical()
    };
    let mut canonical = p.canonical();
    let params = canonical.clone();
    let mut is_default = canonical == defaults;
    if time != TimeRange::default() {
        match &mut job {
            LayerJob::Hotspots { filter, .. }
            | LayerJob::Hexes { filter, .. }
            | LayerJob::Kde { filter, .. }
            | LayerJob::Near { filter, .. }
            | LayerJob::Emerging { filter, .. } => {
                filter.from = time.from;
                filter.to = time.to;
            }
            LayerJob::Sites { .. } | LayerJob::Areas { .. } => {}
        }
        canonical.push_str(&format!("&ogc_time={:?}/{:?}", time.from, time.to));
        is_default = false;
    }
    let viewer = role == Role::Viewer;
    let version = state.dataset_version().await?;
    let key = CacheKey {
        dataset_version: version,
        layer: name,
        params: canonical.clone(),
        role: if viewer { "viewer" } else { "analyst" },
    };
    let tz = state.config.clock.tz;
    let tag = (c.id == "hotspots" && !is_default).then(|| {
        let h = sha2::Sha256::digest(canonical.as_bytes());
        hex::encode(&h[..4])
    });
    let st = state.clone();
    // Like layers, a view may be the previous version's while the current one is prepared
    // in the background (see `fresh`); the preparation itself uses the current layer only.
    let compute = move || {
        crate::server::fresh::strict(async move {
            let l = layer_at(&st, version, name, job, canonical, role)
                .await?
                .value;
            let v = tokio::task::spawn_blocking(move || {
                let mut v = prepare(&l.features, tz, tag.as_deref());
                v.params = params;
                Arc::new(v)
            })
            .await
            .map_err(|e| ApiError::Internal(format!("preparing the view failed: {e}")))?;
            let size = v.size();
            Ok::<_, ApiError>((v, size))
        })
    };
    Ok(state
        .ogc_views
        .get_or_refresh(
            key,
            crate::server::fresh::min_version(),
            state.config.stale_grace,
            compute,
        )
        .await?
        .value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_times_get_the_offset() {
        let tz = FixedOffset::east_opt(7 * 3600).unwrap();
        assert_eq!(
            with_offset("2025-03-01T08:30:00", tz).unwrap(),
            "2025-03-01T08:30:00+07:00"
        );
        assert_eq!(with_offset("2025-03", tz), None);
    }
}
