//! HTTP service: JSON/GeoJSON API, OGC API – Features, web map assets, auth.
//!
//! [`router`] builds the whole application over an `Arc<dyn Store>`; `hotspot serve` binds it
//! to a socket, tests drive it with `tower::ServiceExt::oneshot`. Handlers are thin: parse
//! parameters ([`params`]), check the caller's role ([`auth`]), then read the store or a
//! computed layer ([`layers`], cached in [`cache`]).

pub mod access_log;
pub mod api;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod cache;
pub mod charts;
pub mod cluster;
pub mod dashboard;
pub mod download;
pub mod error;
pub mod features;
pub mod layers;
pub mod limits;
pub mod ogc;
pub mod openapi;
pub mod params;
pub mod programme;
pub mod respond;
pub mod tiles;
pub mod upload;
pub mod version;
pub mod viewer;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, Method, header};
use tower_http::cors::CorsLayer;
use tower_http::timeout::TimeoutLayer;

use crate::store::Store;
use cache::LayerCache;
use error::ApiError;
use layers::Layer;

/// Knobs of `hotspot serve`.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Anonymous callers act as viewers.
    pub open: bool,
    /// Viewers do not see cells/hotspots with fewer reports than this.
    pub min_count: u32,
    /// Largest accepted request body (uploads), bytes.
    pub max_body_bytes: usize,
    /// Requests taking longer are answered 408.
    pub request_timeout: Duration,
    /// Largest `limit` of paged lists (reports, OGC items).
    pub max_limit: u64,
    /// Allowed CORS origin; `None` = CORS off.
    pub cors_origin: Option<String>,
    /// Layer cache capacity, bytes.
    pub cache_bytes: usize,
    /// The programme clock: zone of uploaded times and of "today", and the as-of date.
    pub clock: crate::ops::Clock,
    /// XYZ raster template (`https://host/{z}/{x}/{y}.png`) the map offers as a base map;
    /// `None` keeps the map offline (the default). Sent to the map in `/api/meta`.
    pub base_map_url: Option<String>,
    /// Largest estimated work of one computed layer ([`crate::ops::budget`]); beyond it 422.
    pub max_work: f64,
    /// Heavy requests (layers, charts, OGC items) per caller per minute; 0 = unlimited.
    pub rate_per_min: u32,
    /// Heavy computations at once (and threads each); 0 = one less than the cores.
    pub heavy_slots: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            open: false,
            min_count: 3,
            max_body_bytes: 64 << 20,
            request_timeout: Duration::from_secs(60),
            max_limit: 10_000,
            cors_origin: None,
            cache_bytes: 512 << 20,
            clock: crate::ops::Clock::default(),
            base_map_url: None,
            max_work: crate::ops::budget::DEFAULT_MAX_WORK,
            rate_per_min: 120,
            heavy_slots: 0,
        }
    }
}

/// How long a polled (SQLite) dataset version is trusted before asking the store again; writes
/// through this server refresh it at once, other writers (the CLI) are seen within this.
/// PostGIS servers are told of changes instead (see [`version`]).
const VERSION_TTL: Duration = Duration::from_millis(500);

/// Shared state of all handlers.
#[derive(Clone)]
pub struct AppState {
    pub store: Arc<dyn Store>,
    pub config: Arc<ServerConfig>,
    pub cache: Arc<LayerCache<Layer>>,
    /// OGC collection views prepared from the cached layers (see `ogc::view`).
    pub ogc_views: Arc<LayerCache<ogc::view::View>>,
    /// Vector tile sources and tiles (see [`tiles`]).
    pub tiles: Arc<tiles::TileCaches>,
    /// Encoded GeoPackage / FlatGeobuf / CSV downloads (see [`download`]).
    pub exports: Arc<LayerCache<axum::body::Bytes>>,
    /// Slots for heavy computations ([`limits::Heavy`]).
    pub heavy: Arc<limits::Heavy>,
    /// Per-caller limit on heavy routes ([`limits::RateLimiter`]).
    pub rate: Arc<limits::RateLimiter>,
    version: Arc<version::VersionCell>,
    /// PostGIS: the primary/standby routing (WAL positions for read-your-writes).
    routed: Option<Arc<crate::store::postgis::routed::RoutedStore>>,
    summary: SummarySlot,
    programme: ProgrammeSlot,
}

/// The programme (statuses, discrepancies) of one dataset version.
type ProgrammeSlot = Arc<Mutex<Option<(i64, Arc<programme::Programme>)>>>;

/// The summary of one dataset version.
type SummarySlot = Arc<Mutex<Option<(i64, Arc<Summary>)>>>;

/// Extent of the stored reports (for `/api/meta` and the OGC collection extents).
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    pub dataset_version: i64,
    pub reports: u64,
    pub sites: u64,
    pub areas: u64,
    pub first_report: Option<chrono::NaiveDateTime>,
    pub last_report: Option<chrono::NaiveDateTime>,
    pub bbox: Option<[f64; 4]>,
    /// The bbox viewers see: of the reports' res-9 cell centres, snapped outward to the
    /// disclosure grid, so no edge is a report's coordinate.
    pub viewer_bbox: Option<[f64; 4]>,
    pub kinds: Vec<crate::model::ReportKind>,
}

impl AppState {
    /// A server that polls the dataset version (SQLite, and tests over any store).
    pub fn new(store: Arc<dyn Store>, config: ServerConfig) -> Self {
        Self::with_version(
            store,
            config,
            version::VersionCell::polled(VERSION_TTL),
            None,
        )
    }

    /// A PostGIS server told of dataset changes by `LISTEN/NOTIFY` (see [`cluster`]).
    pub fn pushed(
        routed: Arc<crate::store::postgis::routed::RoutedStore>,
        config: ServerConfig,
    ) -> Self {
        Self::with_version(
            routed.clone(),
            config,
            version::VersionCell::pushed(),
            Some(routed),
        )
    }

    fn with_version(
        store: Arc<dyn Store>,
        config: ServerConfig,
        version: version::VersionCell,
        routed: Option<Arc<crate::store::postgis::routed::RoutedStore>>,
    ) -> Self {
        AppState {
            cache: Arc::new(LayerCache::new(config.cache_bytes)),
            ogc_views: Arc::new(LayerCache::new(config.cache_bytes / 2)),
            tiles: Arc::new(tiles::TileCaches::new(config.cache_bytes)),
            exports: Arc::new(LayerCache::new(config.cache_bytes / 4)),
            heavy: Arc::new(match config.heavy_slots {
                0 => limits::Heavy::for_cores(),
                n => limits::Heavy::new(n, n),
            }),
            rate: Arc::new(limits::RateLimiter::per_minute(config.rate_per_min)),
            store,
            config: Arc::new(config),
            version: Arc::new(version),
            routed,
            summary: Arc::new(Mutex::new(None)),
            programme: Arc::new(Mutex::new(None)),
        }
    }

    /// The store's dataset version, as [`version::VersionCell`] knows it.
    ///
    /// Polled: a stale value is answered at once while one background task asks the store
    /// again (`status()` counts rows, tens of milliseconds on a million reports), so the check
    /// never sits in the path of a cached layer. Only the first request after a write through
    /// this server, or (pushed) while the change listener is disconnected, waits for the store.
    pub async fn dataset_version(&self) -> Result<i64, ApiError> {
        match self.version.current() {
            version::Lookup::Known(v) => Ok(v),
            version::Lookup::Stale(v, refresh) => {
                if refresh {
                    let me = self.clone();
                    tokio::spawn(async move {
                        let v = me.store.status().await.ok().map(|s| s.dataset_version);
                        me.version.refreshed(v);
                    });
                }
                Ok(v)
            }
            version::Lookup::Unknown(generation) => {
                let v = self.store.status().await?.dataset_version;
                self.version.learned(v, generation);
                Ok(v)
            }
        }
    }

    /// The dataset summary, recomputed once per dataset version.
    pub async fn summary(&self) -> Result<Arc<Summary>, ApiError> {
        let status = self.store.status().await?;
        if let Some((v, s)) = self.summary.lock().expect("summary lock").as_ref()
            && *v == status.dataset_version
        {
            return Ok(s.clone());
        }
        let reports = self
            .store
            .reports(&crate::store::ReportFilter::default())
            .await?;
        let mut kinds: Vec<_> = reports.iter().map(|r| r.kind).collect();
        kinds.sort();
        kinds.dedup();
        let s = Arc::new(Summary {
            dataset_version: status.dataset_version,
            reports: status.reports,
            sites: status.sites,
            areas: status.areas,
            first_report: reports.iter().map(|r| r.observed_at).min(),
            last_report: reports.iter().map(|r| r.observed_at).max(),
            bbox: reports.iter().fold(None, |b: Option<[f64; 4]>, r| {
                Some(match b {
                    None => [r.lon, r.lat, r.lon, r.lat],
                    Some(b) => [
                        b[0].min(r.lon),
                        b[1].min(r.lat),
                        b[2].max(r.lon),
                        b[3].max(r.lat),
                    ],
                })
            }),
            viewer_bbox: crate::ops::disclosure::generalise(&reports)
                .iter()
                .fold(None, |b: Option<[f64; 4]>, r| {
                    Some(match b {
                        None => [r.lon, r.lat, r.lon, r.lat],
                        Some(b) => [
                            b[0].min(r.lon),
                            b[1].min(r.lat),
                            b[2].max(r.lon),
                            b[3].max(r.lat),
                        ],
                    })
                })
                .map(crate::ops::disclosure::snap_bbox),
            kinds,
        });
        *self.summary.lock().expect("summary lock") = Some((status.dataset_version, s.clone()));
        Ok(s)
    }

    /// The programme computed for `version`, if it is the one remembered.
    pub fn programme_cached(&self, version: i64) -> Option<Arc<programme::Programme>> {
        match self.programme.lock().expect("programme lock").as_ref() {
            Some((v, p)) if *v == version => Some(p.clone()),
            _ => None,
        }
    }

    pub fn set_programme(&self, version: i64, p: Arc<programme::Programme>) {
        *self.programme.lock().expect("programme lock") = Some((version, p));
    }

    /// Forgets the remembered version after a write.
    pub fn data_changed(&self) {
        self.version.invalidate();
    }
}

/// The whole application.
pub fn router(state: AppState) -> Router {
    let config = state.config.clone();
    let mut app = Router::new()
        .merge(api::routes())
        .merge(ogc::routes())
        .merge(dashboard::routes())
        .merge(tiles::routes())
        .merge(assets::routes())
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            limits::rate_limit,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cluster::wal_positions,
        ))
        .with_state(state)
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(config.max_body_bytes));
    if let Some(origin) = &config.cors_origin {
        let cors = CorsLayer::new()
            .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
            .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE]);
        let cors = if origin == "*" {
            cors.allow_origin(tower_http::cors::Any)
        } else {
            match HeaderValue::from_str(origin) {
                Ok(v) => cors.allow_origin(v),
                Err(_) => cors,
            }
        };
        app = app.layer(cors);
    }
    // Outermost: every answer (timeouts and CORS refusals included) gets a request id and an
    // access log line.
    app.layer(axum::middleware::from_fn(access_log::access_log))
}
