//! Computed map layers (hotspots, hexes, kde, near, sites, areas, emerging): parameters with
//! the engine's defaults, the computation off the async runtime, the viewer filter, and the
//! per-(dataset version, layer, parameters, role) cache.

use std::sync::{Arc, OnceLock};

use axum::body::Bytes;
use chrono::NaiveDate;
use geo::Coord;
use geojson::Feature;
use h3o::Resolution;
use serde_json::{Value, json};

use super::AppState;
use super::cache::CacheKey;
use super::error::{ApiError, ApiResult};
use super::features::{collection_json, features_csv, with_id, with_properties};
use super::limits::Slot;
use super::params::Params;
use super::programme::{Programme, month_label};
use super::viewer::{self, View};
use crate::analysis::dbscan::{DbscanParams, dbscan};
use crate::analysis::emerging::{EmergingParams, emerging};
use crate::analysis::fdr::fdr_bins;
use crate::analysis::gistar::{GiStar, gi_star};
use crate::analysis::hexgrid::study_area;
use crate::analysis::hotspots::summarize;
use crate::analysis::kde::{KdeParams, kde};
use crate::analysis::proximity::{reports_near_sites, sites_near_hotspots};
use crate::analysis::tracking::{TrackingParams, track};
use crate::index::PointIndex;
use crate::lifecycle::target_progress;
use crate::model::{AreaLevel, PlanState, PlanSubject, Report, ReportKind, coords};
use crate::ops::budget::{self, Extent, Work};
use crate::ops::disclosure;
use crate::render::geojson::{
    area_feature, emerging_feature, hex_feature, hotspot_feature_with_sites, kde_feature,
    near_feature, site_feature,
};
use crate::store::{ReportFilter, Role};
use crate::timestep::TimeStep;

/// Every layer name, as in `/api/layers/{name}`.
pub const LAYERS: &[&str] = &[
    "hotspots", "hexes", "kde", "near", "sites", "areas", "emerging",
];

/// Distance within which sites count as "nearby" a hotspot, metres.
pub const HOTSPOT_SITE_RADIUS_M: f64 = 300.0;

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

/// Leading CSV columns of each tabular layer, in the order API.md lists the properties.
pub fn csv_columns(layer: &str) -> &'static [&'static str] {
    match layer {
        "hotspots" => &[
            "cluster",
            "hotspot_id",
            "count",
            "core_count",
            "use",
            "storage",
            "trafficking",
            "sale",
            "cultivation",
            "first_seen",
            "last_seen",
            "area_m2",
            "centroid",
            "has_plan",
            "nearby_sites",
            "plans",
        ],
        "hexes" => &["h3", "count", "gi_z", "gi_p", "bin"],
        "near" => &[
            "id",
            "name",
            "kind",
            "reports_within",
            "use",
            "storage",
            "trafficking",
            "sale",
            "cultivation",
            "nearest_m",
        ],
        "areas" => &[
            "id",
            "name",
            "level",
            "parent_id",
            "month",
            "status",
            "status_since",
            "declared_status",
            "declared_at",
            "discrepancy",
            "open_plans",
            "target_progress",
        ],
        "sites" => &["id", "name", "kind"],
        "reports" => &["id", "kind", "observed_at"],
        _ => &[],
    }
}

/// DBSCAN defaults of the hotspots layer (the DESIGN.md example: 150 m, 5 reports).
pub const DEFAULT_EPS_M: f64 = 150.0;
pub const DEFAULT_MIN_PTS: usize = 5;

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
        weights: [f64; 5],
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
fn kind_weights(p: &mut Params) -> ApiResult<[f64; 5]> {
    let mut w = [1.0; 5];
    if let Some(s) = p.string("weights") {
        for part in s.split(',').filter(|x| !x.trim().is_empty()) {
            let (k, v) = part.split_once(':').ok_or_else(|| {
                ApiError::bad_param("weights", format!("{part:?}: expected kind:weight"))
            })?;
            let kind: ReportKind = k.parse().map_err(|e| ApiError::bad_param("weights", e))?;
            let v: f64 = v
                .trim()
                .parse()
                .ok()
                .filter(|v: &f64| v.is_finite() && *v >= 0.0 && *v <= 1000.0)
                .ok_or_else(|| {
                    ApiError::bad_param("weights", format!("{v:?}: expected a number in 0..1000"))
                })?;
            w[kind.index()] = v;
        }
    }
    Ok(w)
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
                let month = match p.string("month") {
                    None => None,
                    Some(m) => Some(
                        NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").map_err(
                            |_| ApiError::bad_param("month", format!("{m:?} is not YYYY-MM")),
                        )?,
                    ),
                };
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
                    (Some(f), Some(l)) => {
                        let f = params.step.floor(f);
                        params.step.index(f, l) as f64 + 1.0
                    }
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
        // cell centres, month starts); hotspots cluster on exact positions and are
        // generalised on the way out.
        if view.viewer && !matches!(self, LayerJob::Hotspots { .. }) {
            reports = disclosure::generalise(&reports);
        }
        let min_count = view.min_count;
        match self {
            LayerJob::Hotspots {
                filter,
                eps_m,
                min_pts,
            } => {
                let sites = store.sites(None).await?;
                let tracked = store.tracked_hotspots().await?;
                let plans = store.plans(None).await?;
                // Only the canonical view (all reports, default parameters) updates the
                // registry of tracked hotspots; filtered views reuse its ids read-only, so
                // a planner playing with the time slider never renumbers hotspots.
                let canonical = filter == ReportFilter::default()
                    && eps_m == DEFAULT_EPS_M
                    && min_pts == DEFAULT_MIN_PTS;
                let now = chrono::Utc::now()
                    .with_timezone(&state.config.tz)
                    .naive_local();
                let (features, registry) = slot
                    .run(move || {
                        let coords = coords(&reports);
                        let clustering = dbscan(&coords, &DbscanParams { eps_m, min_pts })?;
                        let hotspots = summarize(&reports, &clustering);
                        let polygons: Vec<geo::MultiPolygon<f64>> = hotspots
                            .iter()
                            .map(|h| geo::MultiPolygon(vec![h.polygon.clone()]))
                            .collect();
                        let tracking = track(&tracked, &polygons, now, &TrackingParams::default());
                        // Tracking matched the exact outlines; viewers see generalised ones.
                        let hotspots = match view.viewer {
                            true => hotspots
                                .iter()
                                .map(|h| disclosure::generalise_hotspot(h, &reports))
                                .collect(),
                            false => hotspots,
                        };
                        let near = sites_near_hotspots(&hotspots, &sites, HOTSPOT_SITE_RADIUS_M);
                        let mut out = Vec::new();
                        for (i, (h, near)) in hotspots.iter().zip(near).enumerate() {
                            if (h.count as u64) < min_count as u64 {
                                continue;
                            }
                            let hotspot_id = (canonical || tracking.matched[i].is_some())
                                .then(|| tracking.current[i].id.clone());
                            let my_plans: Vec<Value> = plans
                                .iter()
                                .filter(|pl| {
                                    hotspot_id.as_ref().is_some_and(|id| {
                                        pl.subject == PlanSubject::Hotspot(id.clone())
                                    })
                                })
                                .map(|pl| serde_json::to_value(pl).unwrap_or(Value::Null))
                                .collect();
                            let mut f = with_properties(
                                hotspot_feature_with_sites(h, &near, &sites),
                                json!({
                                    "hotspot_id": hotspot_id,
                                    "has_plan": !my_plans.is_empty(),
                                    "plans": my_plans,
                                }),
                            );
                            if view.viewer {
                                viewer::months(&mut f, &["first_seen", "last_seen"]);
                                viewer::suppress(&mut f, HOTSPOT_COUNTS, min_count);
                            }
                            let id = hotspot_id.unwrap_or_else(|| format!("cluster-{}", h.cluster));
                            out.push(with_id(f, id));
                        }
                        Ok((out, canonical.then(|| tracking.all())))
                    })
                    .await?;
                if let Some(registry) = registry {
                    store.save_tracked_hotspots(&registry).await?;
                }
                Ok(features)
            }
            LayerJob::Hexes { res, k, fdr, .. } => {
                slot.run(move || {
                    let grid = study_area(&coords(&reports), None, res, k)?;
                    let gi = gi_star(&grid);
                    let bins: Vec<i8> = if fdr {
                        let z: Vec<f64> = gi.iter().map(|g| g.z).collect();
                        let p: Vec<f64> = gi.iter().map(|g| g.p).collect();
                        fdr_bins(&z, &p)
                    } else {
                        gi.iter().map(|g| g.bin).collect()
                    };
                    Ok(grid
                        .cells
                        .iter()
                        .zip(&grid.counts)
                        .zip(gi.iter().zip(bins))
                        .filter(|((_, c), _)| **c >= min_count as f64)
                        .map(|((cell, count), (g, bin))| {
                            let gi = GiStar { bin, ..*g };
                            with_id(hex_feature(*cell, *count, &gi), cell.to_string())
                        })
                        .collect())
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
                    let coords = coords(&reports);
                    let w: Vec<f64> = reports.iter().map(|r| weights[r.kind.index()]).collect();
                    let cells = kde(
                        &coords,
                        Some(&w),
                        &KdeParams {
                            bandwidth_m,
                            resolution: res,
                        },
                    )?;
                    // Only selected (non-zero weight) reports count towards the threshold, so
                    // zeroing kinds cannot isolate a report behind others that weigh nothing.
                    let selected: Vec<Coord> = coords
                        .iter()
                        .zip(&w)
                        .filter(|(_, w)| **w > 0.0)
                        .map(|(c, _)| *c)
                        .collect();
                    let index = (min_count > 0).then(|| PointIndex::build(&selected));
                    let mut scratch = Vec::new();
                    Ok(cells
                        .iter()
                        .filter(|c| {
                            // Viewers only see density where enough reports lie within the
                            // bandwidth, so a single report cannot be located from the surface.
                            index.as_ref().is_none_or(|ix| {
                                let ll = h3o::LatLng::from(c.cell);
                                let centre = Coord {
                                    x: ll.lng(),
                                    y: ll.lat(),
                                };
                                ix.within_into(centre, bandwidth_m, &mut scratch);
                                scratch.len() >= min_count as usize
                            })
                        })
                        .map(|c| with_id(kde_feature(c), c.cell.to_string()))
                        .collect())
                })
                .await
            }
            LayerJob::Near { within_m, .. } => {
                let sites = store.sites(None).await?;
                slot.run(move || {
                    let index = PointIndex::build(&coords(&reports));
                    let near = reports_near_sites(&sites, &reports, &index, within_m);
                    Ok(near
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
                let prog = super::programme::programme(state).await?;
                let plans = store.plans(None).await?;
                slot.run(move || {
                    let mut features = area_features(&prog, &plans, level, month);
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
                    let times: Vec<_> = reports.iter().map(|r| r.observed_at).collect();
                    let result = emerging(&coords(&reports), &times, &params)?;
                    let steps: Vec<String> = result.steps.iter().map(|d| d.to_string()).collect();
                    Ok(result
                        .cells
                        .iter()
                        .filter(|c| {
                            c.counts.iter().map(|&n| n as u64).sum::<u64>() >= min_count as u64
                        })
                        .map(|c| {
                            // `steps` is the number of steps, as in the CLI; the map's time
                            // axis also needs their labels.
                            let f = emerging_feature(c);
                            let mut f = with_properties(f, json!({"step_labels": steps}));
                            if view.viewer {
                                viewer::months(&mut f, &["step_labels"]);
                                viewer::suppress(&mut f, &["counts"], min_count);
                            }
                            with_id(f, c.cell.to_string())
                        })
                        .collect())
                })
                .await
            }
        }
    }
}

/// Area polygons with their computed status in `month` (default: the last computed month),
/// the latest declaration by then, whether the data contradicts it, open plans and targets.
fn area_features(
    prog: &Programme,
    plans: &[crate::model::ActionPlan],
    level: Option<AreaLevel>,
    month: Option<NaiveDate>,
) -> Vec<Feature> {
    let month = prog.month_or_latest(month);
    let month_end = month.map(|m| TimeStep::Month.nth(m, 1) - chrono::Duration::days(1));
    let progress = match month_end {
        Some(e) => target_progress(&prog.table, &prog.areas, &prog.targets, e),
        None => Vec::new(),
    };
    prog.areas
        .iter()
        .enumerate()
        .filter(|(_, a)| level.is_none_or(|l| l == a.level))
        .map(|(i, a)| {
            let ms = month.and_then(|m| prog.table.areas[i].at(m));
            let in_force = |d: NaiveDate| month_end.is_none_or(|e| d <= e);
            let declared = prog
                .declarations
                .iter()
                .filter(|d| d.area_id == a.id && in_force(d.declared_at))
                .max_by_key(|d| d.declared_at);
            let contradicting: Vec<&_> = prog
                .checks
                .iter()
                .filter(|c| c.area_id == a.id && c.contradicted && in_force(c.declared_at))
                .collect();
            let open_plans = plans
                .iter()
                .filter(|p| {
                    p.state == PlanState::Open && p.subject == PlanSubject::Area(a.id.clone())
                })
                .count();
            let targets: Vec<Value> = progress
                .iter()
                .filter(|t| t.target.area_id == a.id)
                .map(|t| {
                    json!({
                        "level": t.target.level.as_str(),
                        "share": t.target.share,
                        "due": t.target.due.to_string(),
                        "actual_share": t.actual_share,
                        "expected_share": t.expected_share,
                        "children": t.children,
                        "drug_free": t.drug_free,
                        "met": t.met,
                        "state": t.state.as_str(),
                    })
                })
                .collect();
            with_properties(
                area_feature(a),
                json!({
                    "month": month.map(month_label),
                    "status": ms.map(|m| m.status.as_str()),
                    "status_since": ms.map(|m| month_label(m.since)),
                    "window_reports": ms.map(|m| m.window_reports),
                    "declared_status": declared.map(|d| d.status.as_str()),
                    "declared_at": declared.map(|d| d.declared_at.to_string()),
                    "discrepancy": !contradicting.is_empty(),
                    "contradicting_reports": contradicting
                        .iter()
                        .map(|c| c.contradicting_reports.len())
                        .sum::<usize>(),
                    "open_plans": open_plans,
                    "target_progress": if targets.is_empty() { Value::Null } else { Value::Array(targets) },
                }),
            )
        })
        .collect()
}

/// Count properties of a hotspot that viewers see suppressed below `--min-count`.
const HOTSPOT_COUNTS: &[&str] = &[
    "count",
    "core_count",
    "use",
    "storage",
    "trafficking",
    "sale",
    "cultivation",
];

/// The layer, from the cache or computed (and cached).
pub async fn layer(
    state: &AppState,
    name: &'static str,
    mut job: LayerJob,
    canonical: String,
    role: Role,
) -> ApiResult<Arc<Layer>> {
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
        dataset_version: state.dataset_version().await?,
        layer: name,
        params: canonical,
        role: if viewer { "viewer" } else { "analyst" },
    };
    if let Some(hit) = state.cache.get(&key) {
        return Ok(hit);
    }
    let view = View {
        viewer,
        min_count: if viewer { state.config.min_count } else { 0 },
        snapped,
    };
    let tabular = matches!(name, "hotspots" | "hexes" | "near" | "areas" | "sites");
    // One slot for the read, the computation and the serialisation (see limits.rs).
    let slot = state.heavy.slot().await?;
    let started = std::time::Instant::now();
    let features = job.run(state, view, &slot).await?;
    let computed = started.elapsed();
    let layer = Arc::new(
        slot.run(move || Ok(Layer::new(name, features, tabular)))
            .await?,
    );
    tracing::info!(
        layer = name,
        params = %key.params,
        features = layer.features.len(),
        bytes = layer.geojson.len(),
        compute_ms = computed.as_secs_f64() * 1e3,
        serialise_ms = (started.elapsed() - computed).as_secs_f64() * 1e3,
        "layer computed"
    );
    state.cache.insert(key, layer.clone(), layer.size());
    Ok(layer)
}
