//! Mapbox vector tiles of the large layers: `/tiles/{layer}/{z}/{x}/{y}.mvt` and TileJSON
//! 3.0 at `/tiles/{layer}.json`, for `reports` (analysts only), `hexes`, `kde`, `hotspots`,
//! `areas` and `emerging`.
//!
//! A tile is cut from the same computed layer the GeoJSON route serves (same parameters,
//! same role check, same small-count suppression for viewers, see [`super::layers`]), turned
//! once into an R-tree indexed [`TileSource`] and cached per dataset version, layer,
//! parameters and role; the encoded tiles are cached the same way. So a tile never shows a
//! viewer what the GeoJSON layer hides, and panning costs an index lookup and an encode.
//!
//! Report points are tiled from zoom [`REPORTS_MIN_ZOOM`] up (one z13 tile spans about 5 km);
//! lower zooms answer 400 saying so, and the TileJSON carries the same `minzoom`, so the map
//! shows aggregates there instead of silently thinning points.

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;

use super::AppState;
use super::auth::Caller;
use super::cache::{CacheKey, LayerCache};
use super::error::{ApiError, ApiResult};
use super::layers::{LayerJob, csv_columns, layer};
use super::params::Params;
use super::respond;
use crate::render::mvt::{MAX_ZOOM, TileId, TileSource};
use crate::render::table::{FeatureTable, FieldType};
use crate::store::{ReportFilter, Role};

/// Layers served as tiles.
pub const TILE_LAYERS: &[&str] = &["reports", "hexes", "kde", "hotspots", "areas", "emerging"];

/// Lowest zoom at which report points are tiled.
pub const REPORTS_MIN_ZOOM: u8 = 13;
/// `maxzoom` advertised in TileJSON (clients overzoom beyond it).
pub const DATA_MAX_ZOOM: u8 = 16;

pub const MVT: &str = "application/vnd.mapbox-vector-tile";

/// Tile sources and encoded tiles, each bounded by bytes and keyed by dataset version.
pub struct TileCaches {
    sources: LayerCache<TileSource>,
    tiles: LayerCache<Bytes>,
    /// One source build at a time: the map asks for a dozen tiles of a new layer at once,
    /// and all but the first should wait for that one build instead of repeating it.
    building: tokio::sync::Mutex<()>,
}

impl TileCaches {
    pub fn new(bytes: usize) -> Self {
        TileCaches {
            sources: LayerCache::new(bytes),
            tiles: LayerCache::new(bytes / 4),
            building: tokio::sync::Mutex::new(()),
        }
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/tiles/{file}", get(tilejson))
        .route("/tiles/{layer}/{z}/{x}/{file}", get(tile))
}

/// What a tile request reads.
enum Job {
    Reports(ReportFilter),
    Layer(LayerJob),
}

/// Parses the layer name and its parameters; checks the caller's role.
fn parse(
    name: &str,
    caller: &Caller,
    q: HashMap<String, String>,
) -> ApiResult<(&'static str, Job, Params, Role)> {
    let Some(name) = TILE_LAYERS.iter().copied().find(|l| *l == name) else {
        return Err(ApiError::NotFound(format!(
            "no tiled layer {name:?}; tiled layers: {}",
            TILE_LAYERS.join(", ")
        )));
    };
    let mut p = Params::new(q);
    if name == "reports" {
        let filter = p.report_filter()?;
        let role = caller.require(Role::Analyst)?;
        return Ok((name, Job::Reports(filter), p, role));
    }
    let (name, job) = LayerJob::parse(name, &mut p)?;
    let role = caller.require(job.required_role())?;
    Ok((name, Job::Layer(job), p, role))
}

fn role_key(role: Role) -> &'static str {
    if role == Role::Viewer {
        "viewer"
    } else {
        "analyst"
    }
}

/// The indexed source of a layer, from the cache or built (and cached).
async fn source(
    state: &AppState,
    name: &'static str,
    job: Job,
    canonical: String,
    role: Role,
) -> ApiResult<Arc<TileSource>> {
    let key = CacheKey {
        dataset_version: state.dataset_version().await?,
        layer: name,
        params: canonical.clone(),
        role: role_key(role),
    };
    if let Some(hit) = state.tiles.sources.get(&key) {
        return Ok(hit);
    }
    let _one_at_a_time = state.tiles.building.lock().await;
    if let Some(hit) = state.tiles.sources.get(&key) {
        return Ok(hit);
    }
    let started = std::time::Instant::now();
    let built = match job {
        Job::Reports(filter) => {
            let reports = state.store.reports(&filter).await?;
            blocking(move || TileSource::new(FeatureTable::reports(&reports))).await?
        }
        Job::Layer(job) => {
            // Tile sources are cached per version: built from the current layer only.
            let l = super::fresh::strict(layer(state, name, job, canonical, role))
                .await?
                .value;
            blocking(move || {
                TileSource::new(FeatureTable::from_features(
                    name,
                    &l.features,
                    csv_columns(name),
                ))
            })
            .await?
        }
    };
    let built = Arc::new(built);
    tracing::info!(
        layer = name,
        features = built.len(),
        build_ms = started.elapsed().as_secs_f64() * 1e3,
        "tile source built"
    );
    state.tiles.sources.insert(key, built.clone(), built.size());
    Ok(built)
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> ApiResult<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError::Internal(format!("tile source failed: {e}")))
}

fn min_zoom(name: &str) -> u8 {
    if name == "reports" {
        REPORTS_MIN_ZOOM
    } else {
        0
    }
}

/// `GET /tiles/{layer}/{z}/{x}/{y}.mvt`
pub async fn tile(
    State(state): State<AppState>,
    caller: Caller,
    Path((name, z, x, file)): Path<(String, String, String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let (name, job, p, role) = parse(&name, &caller, q)?;
    let y = file
        .strip_suffix(".mvt")
        .or_else(|| file.strip_suffix(".pbf"))
        .ok_or_else(|| ApiError::NotFound(format!("tiles are {{y}}.mvt, not {file:?}")))?;
    let num = |what: &'static str, s: &str| {
        s.parse::<u32>()
            .map_err(|_| ApiError::bad_param(what, format!("{s:?} is not a tile number")))
    };
    let (z, x, y) = (num("z", &z)?, num("x", &x)?, num("y", y)?);
    let id = TileId::new(z, x, y).map_err(|e| {
        let param = if z > MAX_ZOOM as u32 { "z" } else { "x" };
        ApiError::bad_param(param, e)
    })?;
    if id.z < min_zoom(name) {
        return Err(ApiError::bad_param(
            "z",
            format!(
                "{name} tiles start at zoom {} (use hexes or kde below it); got {z}",
                min_zoom(name)
            ),
        ));
    }
    let canonical = p.canonical();
    let key = CacheKey {
        dataset_version: state.dataset_version().await?,
        layer: name,
        params: format!("{canonical}|{z}/{x}/{y}"),
        role: role_key(role),
    };
    let bytes = match state.tiles.tiles.get(&key) {
        Some(hit) => (*hit).clone(),
        None => {
            let src = source(&state, name, job, canonical, role).await?;
            let bytes = Bytes::from(blocking(move || src.tile(id)).await?);
            state
                .tiles
                .tiles
                .insert(key, Arc::new(bytes.clone()), bytes.len() + 128);
            bytes
        }
    };
    let mut resp = (StatusCode::OK, bytes).into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(MVT));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-cache"),
    );
    h.insert(header::VARY, HeaderValue::from_static("Authorization"));
    Ok(resp)
}

fn field_type(t: FieldType) -> &'static str {
    match t {
        FieldType::Integer | FieldType::Real => "Number",
        FieldType::Boolean => "Boolean",
        _ => "String",
    }
}

/// `GET /tiles/{layer}.json`: TileJSON 3.0.0 with absolute tile URLs carrying the layer's
/// canonical parameters, the layer's bounds, fields and feature count.
pub async fn tilejson(
    State(state): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Path(file): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult<Response> {
    let name = file
        .strip_suffix(".json")
        .ok_or_else(|| ApiError::NotFound(format!("no route /tiles/{file}")))?;
    let (name, job, p, role) = parse(name, &caller, q)?;
    let canonical = p.canonical();
    let src = source(&state, name, job, canonical.clone(), role).await?;
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .unwrap_or("http");
    let query = if canonical.is_empty() {
        String::new()
    } else {
        format!("?{canonical}")
    };
    let fields: serde_json::Map<String, serde_json::Value> = src
        .fields()
        .iter()
        .map(|f| (f.name.clone(), field_type(f.ty).into()))
        .collect();
    let bounds = src.bounds().unwrap_or([-180.0, -85.0511, 180.0, 85.0511]);
    let doc = json!({
        "tilejson": "3.0.0",
        "name": name,
        "scheme": "xyz",
        "tiles": [format!("{scheme}://{host}/tiles/{name}/{{z}}/{{x}}/{{y}}.mvt{query}")],
        "minzoom": min_zoom(name),
        "maxzoom": DATA_MAX_ZOOM,
        "bounds": bounds,
        "vector_layers": [{
            "id": name,
            "fields": fields,
            "minzoom": min_zoom(name),
            "maxzoom": DATA_MAX_ZOOM,
        }],
        "features": src.len(),
    });
    Ok(respond::json(&doc))
}
