//! Computed map layers (hotspots, hexes, kde, near, sites, areas, emerging): parameters with
//! the engine's defaults, the computation off the async runtime, the viewer filter, and the
//! per-(dataset version, layer, parameters, role) cache.

use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use chrono::NaiveDate;
use geojson::Feature;
use h3o::Resolution;

use super::AppState;
use super::cache::{CacheKey, Fetched};
use super::error::{ApiError, ApiResult};
use super::features::{collection_json, features_csv};
use super::fresh;
use super::limits::Slot;
use super::params::Params;
use super::viewer::{self, View};
use crate::analysis::dbscan::DbscanParams;
use crate::analysis::emerging::EmergingParams;
use crate::analysis::kde::KdeParams;
use crate::model::{AreaLevel, KindWeights, Report, Role};
use crate::ops::budget::{self, Extent, Work};
use crate::ops::disclosure;
use crate::ops::emerging::{emerging_features, emerging_hotspots};
use crate::ops::hexes::{HexParams, hex_hotspots};
pub use crate::ops::hotspots::{DEFAULT_EPS_M, DEFAULT_MIN_PTS, HOTSPOT_SITE_RADIUS_M};
use crate::ops::hotspots::{MapContext, cluster, hotspot_layer};
use crate::ops::kde::density;
use crate::ops::near::near_sites;
use crate::render::geojson::{kde_feature, near_feature, site_feature, with_id};
use crate::store::ReportFilter;
use crate::timestep::TimeStep;

/// Every layer name, as in `/api/layers/{name}`.
pub const LAYERS: &[&str] = &[
    "hotspots", "hexes", "kde", "near", "sites", "areas", "emerging",
];

/// One computed layer answer, shared by the cache and every request that hits it.
pub struct Layer {
    pub name: &'static str,
    pub features: Vec<Feature>,
    /// The FeatureCollection, serialised once.
    pub geojson: Bytes,
    csv: OnceLock<Bytes>,
    /// Whether `format=csv` is offered.
    pub tabular: bool,
}

impl Layer {
    pub fn new(name: &'static str, features: Vec<Feature>, tabular: bool) -> Self {
        let geojson = Bytes::from(collection_json(features.clone()));
        Layer {
            name,
            features,
            geojson,
            csv: OnceLock::new(),
            tabular,
        }
    }

    /// CSV of the properties, built on first use.
    pub fn csv(&self) -> Bytes {
        self.csv
            .get_or_init(|| Bytes::from(features_csv(&self.features, csv_columns(self.name))))
            .clone()
    }

    /// Approximate heap size (features in memory are about twice their JSON).
    pub fn size(&self) -> usize {
        self.geojson.len() * 3
    }
}

/// Leading columns of each tabular layer (shared with the CLI files).
pub use crate::render::format::preferred_columns as csv_columns;

/// A parsed layer request, ready to run.
#[derive(Debug, Clone)]
pub enum LayerJob {
    Hotspots {
        filter: ReportFilter,
        eps_m: f64,
        min_pts: usize,
    },
    Hexes {
        filter: ReportFilter,
        res: Resolution,
        k: u32,
        fdr: bool,
    },
    Kde {
        filter: ReportFilter,
        bandwidth_m: f64,
        res: Resolution,
        weights: KindWeights,
    },
    Near {
        filter: ReportFilter,
        within_m: f64,
    },
    Sites {
        bbox: Option<[f64; 4]>,
    },
    Areas {
        level: Option<AreaLevel>,
        month: Option<NaiveDate>,
    },
    Emerging {
        filter: ReportFilter,
        params: EmergingParams,
    },
}

fn resolution(p: &mut Params, default: u64) -> ApiResult<Resolution> {
    let r = p.u64_in("res", default, 0, 15)?;
    Resolution::try_from(r as u8).map_err(|e| ApiError::bad_param("res", e))
}

/// `weights=use:1,storage:2,trafficking:3,sale:2,cultivation:1` (missing kinds weigh 1).
fn kind_weights(p: &mut Params) -> ApiResult<KindWeights> {
    match p.string("weights") {
        None => Ok(KindWeights([1.0; crate::model::KIND_COUNT])),
        Some(s) => s.parse().map_err(|e| ApiError::bad_param("weights", e)),
    }
}

impl LayerJob {
    /// Parses the parameters of layer `name` (404 for an unknown layer, 400 for bad values).
    pub fn parse(name: &str, p: &mut Params) -> ApiResult<(&'static str, LayerJob)> {
        let job = match name {
            "hotspots" => LayerJob::Hotspots {
                filter: p.report_filter()?,
                eps_m: p.f64_in("eps_m", DEFAULT_EPS_M, 1.0, 5000.0)?,
                min_pts: p.u64_in("min_pts", DEFAULT_MIN_PTS as u64, 1, 10_000)? as usize,
            },
            "hexes" => LayerJob::Hexes {
                filter: p.report_filter()?,
                res: resolution(p, 9)?,
                k: p.u64_in("k", 1, 1, 5)? as u32,
                fdr: p.bool("fdr", false)?,
            },
            "kde" => LayerJob::Kde {
                filter: p.report_filter()?,
                bandwidth_m: p.f64_in("bandwidth_m", 300.0, 10.0, 5000.0)?,
                res: resolution(p, 10)?,
                weights: kind_weights(p)?,
            },
            "near" => LayerJob::Near {
                filter: p.report_filter()?,
                within_m: p.f64_in("within_m", 300.0, 0.0, 10_000.0)?,
            },
            "sites" => LayerJob::Sites { bbox: p.bbox()? },
            "areas" => {
                let month = p.month("month")?;
                LayerJob::Areas {
                    level: p.parsed("level")?,
                    month,
                }
            }
            "emerging" => {
                let filter = p.report_filter()?;
                let res = resolution(p, 8)?;
                let step = p.parsed::<TimeStep>("step")?.unwrap_or_default();
                let params = EmergingParams {
                    resolution: res,
                    step,
                    k: p.u64_in("k", 1, 1, 3)? as u32,
                    time_k: p.u64_in("time_k", 1, 0, 3)? as u32,
                    alpha: p.f64_in("alpha", 0.05, 0.001, 0.5)?,
                };
                LayerJob::Emerging { filter, params }
            }
            other => return Err(ApiError::NotFound(format!("no layer {other:?}"))),
        };
        let name = LAYERS
            .iter()
            .copied()
            .find(|l| *l == name)
            .expect("matched above");
        Ok((name, job))
    }

    /// The lowest role that may read this layer.
    pub fn required_role(&self) -> Role {
        match self {
            LayerJob::Near { .. } => Role::Analyst,
            _ => Role::Viewer,
        }
    }

    fn filter(&self) -> Option<&ReportFilter> {
        match self {
            LayerJob::Hotspots { filter, .. }
            | LayerJob::Hexes { filter, .. }
            | LayerJob::Kde { filter, .. }
            | LayerJob::Near { filter, .. }
            | LayerJob::Emerging { filter, .. } => Some(filter),
            LayerJob::Sites { .. } | LayerJob::Areas { .. } => None,
        }
    }

    /// The cost drivers of this job over `reports` (`None` for the store-only layers).
    fn work(&self, reports: &[Report]) -> Option<Work> {
        Some(match self {
            LayerJob::Hotspots { eps_m, .. } => Work::Hotspots { eps_m: *eps_m },
            LayerJob::Hexes { res, k, .. } => Work::Hexes { res: *res, k: *k },
            LayerJob::Kde {
                res, bandwidth_m, ..
            } => Work::Kde {
                res: *res,
                bandwidth_m: *bandwidth_m,
            },
            LayerJob::Emerging { params, .. } => {
                let first = reports.iter().map(|r| r.observed_at.date()).min();
                let last = reports.iter().map(|r| r.observed_at.date()).max();
                let steps = match (first, last) {
                    (Some(f), Some(l)) => params.step.index(params.step.floor(f), l) as f64 + 1.0,
                    _ => 1.0,
                };
                Work::Emerging {
                    res: params.resolution,
                    k: params.k,
                    time_k: params.time_k,
                    steps,
                }
            }
            LayerJob::Near { .. } | LayerJob::Sites { .. } | LayerJob::Areas { .. } => {
                return None;
            }
        })
    }

    /// Runs the job in `slot`: reads from the store, checks the work budget, computes off the
    /// async runtime. `view` says who it is for: viewers get the disclosure rules
    /// ([`crate::ops::disclosure`]).
    pub async fn run(self, state: &AppState, view: View, slot: &Slot) -> ApiResult<Vec<Feature>> {
        let store = state.store.clone();
        let started = std::time::Instant::now();
        let mut reports = match self.filter() {
            Some(f) => store.reports(f).await?,
            None => Vec::new(),
        };
        tracing::debug!(
            reports = reports.len(),
            read_ms = started.elapsed().as_secs_f64() * 1e3,
            "reports read"
        );
        if let Some(b) = view.snapped {
            disclosure::retain_by_cell(&mut reports, &b);
        }
        if let Some(work) = self.work(&reports) {
            let estimate = budget::estimate(&work, &Extent::of(&reports));
            budget::check(&estimate, state.config.max_work)?;
        }
        // Viewers' layers other than hotspots are computed from generalised reports (res-9
        // cell centres, month starts); hotspots cluster on exact positions (same clusters, ids
        // and plans as analysts) and are generalised on the way out.
        if view.viewer && !matches!(self, LayerJob::Hotspots { .. }) {
            reports = disclosure::generalise(&reports);
        }
        let min_count = view.min_count;
        // Only the canonical view (all reports, default parameters) updates the registry of
        // tracked hotspots; filtered views reuse its ids read-only, so a planner playing with
        // the time slider never renumbers hotspots.
        let canonical = is_canonical_hotspots(&self);
        match self {
            LayerJob::Hotspots { eps_m, min_pts, .. } => {
                let sites = store.sites(None).await?;
                let tracked = store.tracked_hotspots().await?;
                let plans = store.plans(None).await?;
                let now = state.config.clock.now();
                let layer = slot
                    .run(move || {
                        let clustered = cluster(&reports, &DbscanParams { eps_m, min_pts })?;
                        let mut layer = hotspot_layer(
                            &clustered,
                            &MapContext {
                                sites: &sites,
                                plans: &plans,
                                tracked: &tracked,
                                now,
                                canonical,
                                min_count,
                            },
                        );
                        if view.viewer {
                            layer.features = viewer::hotspot_features(
                                layer.features,
                                &clustered.hotspots,
                                &reports,
                                &sites,
                                min_count,
                            );
                        }
                        Ok(layer)
                    })
                    .await?;
                if let Some(registry) = &layer.registry {
                    store.save_tracked_hotspots(registry).await?;
                }
                Ok(layer.features)
            }
            LayerJob::Hexes { res, k, fdr, .. } => {
                slot.run(move || {
                    let hexes = hex_hotspots(&reports, &HexParams { res, k, fdr })?;
                    Ok(hexes.features(min_count))
                })
                .await
            }
            LayerJob::Kde {
                bandwidth_m,
                res,
                weights,
                ..
            } => {
                slot.run(move || {
                    let params = KdeParams {
                        bandwidth_m,
                        resolution: res,
                    };
                    let cells = density(&reports, Some(&weights.0), &params, min_count)?;
                    Ok(cells
                        .iter()
                        .map(|c| with_id(kde_feature(c), c.cell.to_string()))
                        .collect())
                })
                .await
            }
            LayerJob::Near { within_m, .. } => {
                let sites = store.sites(None).await?;
                slot.run(move || {
                    Ok(near_sites(&reports, &sites, within_m)
                        .iter()
                        .map(|n| near_feature(&sites[n.site], n))
                        .collect())
                })
                .await
            }
            LayerJob::Sites { bbox } => {
                let sites = store.sites(bbox).await?;
                Ok(sites.iter().map(site_feature).collect())
            }
            LayerJob::Areas { level, month } => {
                let role = if view.viewer {
                    Role::Viewer
                } else {
                    Role::Analyst
                };
                let prog = super::programme::programme(state, role).await?;
                let plans = store.plans(None).await?;
                slot.run(move || {
                    let mut features = prog.area_features(&plans, level, month);
                    if view.viewer {
                        for f in &mut features {
                            viewer::suppress(
                                f,
                                &["window_reports", "contradicting_reports"],
                                min_count,
                            );
                        }
                    }
                    Ok(features)
                })
                .await
            }
            LayerJob::Emerging { params, .. } => {
                slot.run(move || {
                    let result = emerging_hotspots(&reports, &params)?;
                    let mut features = emerging_features(&result, min_count);
                    if view.viewer {
                        for f in &mut features {
                            viewer::months(f, &["step_labels"]);
                            viewer::suppress(f, &["counts"], min_count);
                        }
                    }
                    Ok(features)
                })
                .await
            }
        }
    }
}

/// Whether this is the canonical hotspots view (all reports, default parameters): the only
/// one that may renumber the registry of tracked hotspot ids.
fn is_canonical_hotspots(job: &LayerJob) -> bool {
    matches!(job, LayerJob::Hotspots { filter, eps_m, min_pts }
        if *filter == ReportFilter::default() && *eps_m == DEFAULT_EPS_M && *min_pts == DEFAULT_MIN_PTS)
}

/// The future of [`ensure_registry`].
type Registry<'a> = std::pin::Pin<Box<dyn std::future::Future<Output = ApiResult<()>> + Send + 'a>>;

/// Makes sure the registry of tracked hotspot ids is up to date with the current dataset
/// version before a filtered hotspots view borrows ids from it: the map always sends a time
/// range, so without this a fresh server showed "Hotspot 0" and no plans until someone asked
/// for the unfiltered layer (and that answer then stayed in the cache).
///
/// Boxed with its `Send` bound written out: it computes a layer, whose computation may call
/// it, and the compiler cannot infer `Send` through that cycle.
fn ensure_registry(state: &AppState) -> Registry<'_> {
    Box::pin(async move {
        let mut p = Params::new(Default::default());
        let (name, job) = LayerJob::parse("hotspots", &mut p)?;
        let version = state.dataset_version().await?;
        layer_at(state, version, name, job, p.canonical(), Role::Analyst).await?;
        Ok(())
    })
}

/// The layer of the current dataset version, from the cache or computed (and cached); or,
/// when the request allows it ([`super::fresh`]), the previous version's while the current
/// one computes in the background. The answer says which version it is.
pub async fn layer(
    state: &AppState,
    name: &'static str,
    job: LayerJob,
    canonical: String,
    role: Role,
) -> ApiResult<Fetched<Layer>> {
    let version = state.dataset_version().await?;
    layer_at(state, version, name, job, canonical, role).await
}

/// [`layer`] for a dataset version the caller has already read.
pub async fn layer_at(
    state: &AppState,
    version: i64,
    name: &'static str,
    mut job: LayerJob,
    canonical: String,
    role: Role,
) -> ApiResult<Fetched<Layer>> {
    let viewer = role == Role::Viewer;
    let (snapped, canonical) = match viewer {
        // Viewers: ranges checked and filters snapped before anything else; the key is the
        // snapped job, so boxes and dates within one grid step share an entry.
        true => {
            let snapped = viewer::restrict_job(&mut job)?;
            (snapped, format!("{job:?}"))
        }
        false => (None, canonical),
    };
    let key = CacheKey {
        dataset_version: version,
        layer: name,
        params: canonical,
        role: if viewer { "viewer" } else { "analyst" },
    };
    let view = View {
        viewer,
        min_count: if viewer { state.config.min_count } else { 0 },
        snapped,
    };
    let tabular = matches!(name, "hotspots" | "hexes" | "near" | "areas" | "sites");
    let params = key.params.clone();
    let st = state.clone();
    // The computation may outlive the request (a background refresh), so it owns what it
    // uses, is bounded by the request timeout itself, and never builds on older answers.
    let compute = move || {
        fresh::strict(async move {
            let timeout = st.config.request_timeout;
            let work = async {
                if name == "hotspots" && !is_canonical_hotspots(&job) {
                    ensure_registry(&st).await?;
                }
                // One slot for the read, the computation and the serialisation (limits.rs).
                let slot = st.heavy.slot().await?;
                let started = std::time::Instant::now();
                let features = job.run(&st, view, &slot).await?;
                let computed = started.elapsed();
                let layer = Arc::new(
                    slot.run(move || Ok(Layer::new(name, features, tabular)))
                        .await?,
                );
                tracing::info!(
                    layer = name,
                    params = %params,
                    features = layer.features.len(),
                    bytes = layer.geojson.len(),
                    compute_ms = computed.as_secs_f64() * 1e3,
                    serialise_ms = (started.elapsed() - computed).as_secs_f64() * 1e3,
                    "layer computed"
                );
                let size = layer.size();
                Ok::<_, ApiError>((layer, size))
            };
            match tokio::time::timeout(timeout, work).await {
                Ok(r) => r,
                Err(_) => Err(ApiError::Unavailable(format!(
                    "computing the {name} layer took longer than {} s",
                    timeout.as_secs()
                ))),
            }
        })
    };
    // Single-flight: concurrent requests for an uncached key wait for one computation.
    state
        .cache
        .get_or_refresh(key, fresh::min_version(), state.config.stale_grace, compute)
        .await
}
