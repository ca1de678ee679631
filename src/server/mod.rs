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
pub mod fresh;
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
    /// Bounded staleness: a layer or OGC view whose dataset version stopped being current at
    /// most this long ago may be answered while the current one computes in the background
    /// (never to the writer of a newer version; see [`fresh`]). Zero (the library default,
    /// which tests rely on) answers only the current version; `hotspot serve` uses 30 s.
    pub stale_window: Duration,
    /// How long a request waits for the background computation before taking the older
    /// answer, so cheap layers are still answered fresh.
    pub stale_grace: Duration,
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
            stale_window: Duration::ZERO,
            stale_grace: Duration::from_millis(20),
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
    /// The dataset version each recent writer produced (read-your-writes, [`fresh`]).
    pub writers: Arc<fresh::Writers>,
    version: Arc<version::VersionCell>,
    /// PostGIS: the primary/standby routing (WAL positions for read-your-writes).
    routed: Option<Arc<crate::store::postgis::routed::RoutedStore>>,
    summary: Arc<LayerCache<Summary>>,
    programme: ProgrammeSlot,
}

/// The programme (statuses, discrepancies) of one dataset version: for viewers (computed from
/// generalised reports) and for everyone else.
type ProgrammeSlot = Arc<Mutex<[Option<(i64, Arc<programme::Programme>)>; 2]>>;

/// The summary of the store's current data (a full read of the reports).
async fn compute_summary(store: &dyn Store) -> Result<Summary, ApiError> {
    let status = store.status().await?;
    let reports = store
        .reports(&crate::store::ReportFilter::default())
        .await?;
    let mut kinds: Vec<_> = reports.iter().map(|r| r.kind).collect();
    kinds.sort();
    kinds.dedup();
    let bbox_of = |b: Option<[f64; 4]>, lon: f64, lat: f64| {
        Some(match b {
            None => [lon, lat, lon, lat],
            Some(b) => [b[0].min(lon), b[1].min(lat), b[2].max(lon), b[3].max(lat)],
        })
    };
    Ok(Summary {
        dataset_version: status.dataset_version,
        reports: status.reports,
        sites: status.sites,
        areas: status.areas,
        first_report: reports.iter().map(|r| r.observed_at).min(),
        last_report: reports.iter().map(|r| r.observed_at).max(),
        bbox: reports.iter().fold(None, |b, r| bbox_of(b, r.lon, r.lat)),
        viewer_bbox: crate::ops::disclosure::generalise(&reports)
            .iter()
            .fold(None, |b, r| bbox_of(b, r.lon, r.lat))
            .map(crate::ops::disclosure::snap_bbox),
        kinds,
    })
}

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
        let version = Arc::new(version);
        let window = config.stale_window;
        let v = version.clone();
        let superseded_at: cache::SupersededAt = Arc::new(move |ver| v.superseded_at(ver));
        fn layer_cache<V>(
            bytes: usize,
            window: Duration,
            at: &cache::SupersededAt,
        ) -> LayerCache<V> {
            match window.is_zero() {
                true => LayerCache::new(bytes),
                false => LayerCache::with_stale(bytes, window, at.clone()),
            }
        }
        AppState {
            cache: Arc::new(layer_cache(config.cache_bytes, window, &superseded_at)),
            ogc_views: Arc::new(layer_cache(config.cache_bytes / 2, window, &superseded_at)),
            tiles: Arc::new(tiles::TileCaches::new(config.cache_bytes)),
            exports: Arc::new(LayerCache::new(config.cache_bytes / 4)),
            heavy: Arc::new(match config.heavy_slots {
                0 => limits::Heavy::for_cores(),
                n => limits::Heavy::new(n, n),
            }),
            rate: Arc::new(limits::RateLimiter::per_minute(config.rate_per_min)),
            writers: Arc::new(fresh::Writers::new(config.stale_window)),
            summary: Arc::new(layer_cache(1 << 20, window, &superseded_at)),
            store,
            config: Arc::new(config),
            version,
            routed,
            programme: Arc::new(Mutex::new([None, None])),
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

    /// The dataset summary, computed once per dataset version (single-flight) and cached like
    /// layers, bounded-stale included ([`fresh`]): every layer answer asks for it (its data
    /// range names downloads), so it must cost no query on the way.
    pub async fn summary(&self) -> Result<Arc<Summary>, ApiError> {
        let version = self.dataset_version().await?;
        let key = cache::CacheKey {
            dataset_version: version,
            layer: "summary",
            params: String::new(),
            role: "all",
        };
        let store = self.store.clone();
        let compute = move || async move {
            let s = Arc::new(compute_summary(store.as_ref()).await?);
            Ok::<_, ApiError>((s, 1024))
        };
        Ok(self
            .summary
            .get_or_refresh(key, fresh::min_version(), self.config.stale_grace, compute)
            .await?
            .value)
    }

    /// The programme computed for `version` (for viewers or not), if it is the one remembered.
    pub fn programme_cached(
        &self,
        version: i64,
        viewer: bool,
    ) -> Option<Arc<programme::Programme>> {
        match &self.programme.lock().expect("programme lock")[usize::from(viewer)] {
            Some((v, p)) if *v == version => Some(p.clone()),
            _ => None,
        }
    }

    pub fn set_programme(&self, version: i64, viewer: bool, p: Arc<programme::Programme>) {
        self.programme.lock().expect("programme lock")[usize::from(viewer)] = Some((version, p));
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
            fresh::allowance,
        ))
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
