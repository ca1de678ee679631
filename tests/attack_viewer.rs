//! The reconstruction and differencing attacks of issue 14 (findings 1 and 4), replayed as a
//! viewer and as an anonymous visitor of an `--open` server, on SQLite and on PostGIS.
//!
//! The store holds a seeded synthetic city (clusters and scattered reports with exact times).
//! Each test plays one attack with whatever parameters the server accepts (a refused
//! parameter is answered 400 naming it, and the attack falls back to the finest allowed
//! value), collects every position and time the answers reveal, and compares them with the
//! seeded reports: no report may be located within 50 m and no report's day may be learnt.
//!
//! Positions that are points of the public grid — centres and vertices of H3 cells at
//! resolution 9 or coarser, and corners of the fixed bbox grid — are data-independent: they
//! would be printed whatever the reports were, so they only say "a report is in this cell".
//! Those are not counted as recovered; every other position is.

mod server_common;
#[path = "common/store_db.rs"]
mod store_db;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::http::StatusCode;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use geo::{Coord, polygon};
use h3o::{CellIndex, LatLng, Resolution};
use hotspot::index::haversine_m;
use hotspot::model::{Area, AreaLevel, Report, ReportKind};
use hotspot::server::auth::token_hash;
use hotspot::server::{AppState, ServerConfig, router};
use hotspot::store::{ImportKind, ImportMeta, OnConflict, Role, Store};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::Value;
use server_common::{ANALYST, App, VIEWER};

/// A report is "recovered" when a revealed position lies within this distance of it.
const RECOVER_M: f64 = 50.0;
const MIN_COUNT: u32 = 3;
/// Study box of the synthetic city (Huế).
const CITY: [f64; 4] = [107.54, 16.41, 107.66, 16.51];

// ------------------------------------------------------------------------------------------
// The dataset
// ------------------------------------------------------------------------------------------

fn minute(rng: &mut ChaCha8Rng) -> NaiveDateTime {
    let start = NaiveDate::from_ymd_opt(2024, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap();
    start + Duration::minutes(rng.random_range(0..(2 * 365 * 24 * 60)))
}

/// Six tight clusters of 30 reports (σ ≈ 60 m) and 60 scattered reports, exact times over two
/// years, random kinds; fixed seed.
fn city_reports() -> Vec<Report> {
    let mut rng = ChaCha8Rng::seed_from_u64(14);
    let mut out = Vec::new();
    let centres = [
        (107.560, 16.430),
        (107.585, 16.455),
        (107.600, 16.460),
        (107.620, 16.470),
        (107.640, 16.490),
        (107.575, 16.495),
    ];
    let deg = 60.0 / 111_000.0;
    for (c, &(lon, lat)) in centres.iter().enumerate() {
        for i in 0..30 {
            let dx: f64 = rng.random_range(-1.7..1.7) * deg;
            let dy: f64 = rng.random_range(-1.7..1.7) * deg;
            out.push(Report {
                id: format!("C{c}-{i:02}"),
                lon: lon + dx,
                lat: lat + dy,
                kind: ReportKind::ALL[rng.random_range(0..5)],
                observed_at: minute(&mut rng),
            });
        }
    }
    for i in 0..60 {
        out.push(Report {
            id: format!("N{i:02}"),
            lon: rng.random_range(CITY[0]..CITY[2]),
            lat: rng.random_range(CITY[1]..CITY[3]),
            kind: ReportKind::ALL[rng.random_range(0..5)],
            observed_at: minute(&mut rng),
        });
    }
    out
}

fn square(x0: f64, y0: f64, x1: f64, y1: f64) -> geo::MultiPolygon<f64> {
    geo::MultiPolygon(vec![polygon![
        (x: x0, y: y0), (x: x1, y: y0), (x: x1, y: y1), (x: x0, y: y1)
    ]])
}

/// A scattered report alone in its neighbourhood, far (> 80 m) from its res-9 cell's centre
/// and outside the ward: the target of the small-area attack.
fn lonely_report(truth: &[Report]) -> Report {
    let ward = [107.575, 16.445, 107.610, 16.470];
    truth
        .iter()
        .filter(|r| r.id.starts_with('N'))
        .filter(|r| !((ward[0]..ward[2]).contains(&r.lon) && (ward[1]..ward[3]).contains(&r.lat)))
        .find(|r| {
            let at = Coord { x: r.lon, y: r.lat };
            let cell = LatLng::new(r.lat, r.lon).unwrap().to_cell(Resolution::Nine);
            let c = LatLng::from(cell);
            haversine_m(
                at,
                Coord {
                    x: c.lng(),
                    y: c.lat(),
                },
            ) > 80.0
                && truth
                    .iter()
                    .all(|o| o.id == r.id || haversine_m(at, Coord { x: o.lon, y: o.lat }) > 150.0)
        })
        .expect("a lonely report far from its cell centre")
        .clone()
}

/// Half the side of the small area drawn around the lonely report, degrees (~22 m).
const TINY: f64 = 0.0002;

/// A ward around two clusters and a residential group inside it; and a small residential
/// group (~44 m square) drawn around one lonely report, as an administrative map could have.
fn city_areas() -> Vec<Area> {
    let r = lonely_report(&city_reports());
    vec![
        Area {
            id: "tiny".into(),
            name: "Tổ nhỏ".into(),
            level: AreaLevel::ResidentialGroup,
            parent_id: None,
            geometry: square(r.lon - TINY, r.lat - TINY, r.lon + TINY, r.lat + TINY),
        },
        Area {
            id: "ward".into(),
            name: "Phường thử".into(),
            level: AreaLevel::Commune,
            parent_id: None,
            geometry: square(107.575, 16.445, 107.610, 16.470),
        },
        Area {
            id: "group".into(),
            name: "Tổ thử".into(),
            level: AreaLevel::ResidentialGroup,
            parent_id: Some("ward".into()),
            geometry: square(107.595, 16.455, 107.605, 16.465),
        },
    ]
}

fn meta(kind: ImportKind, name: &str) -> ImportMeta {
    ImportMeta {
        kind,
        file_name: name.into(),
        sha256: format!("{name}-sha"),
        imported_by: "attack-test".into(),
        on_conflict: OnConflict::Error,
        force: false,
    }
}

async fn seed(store: &Arc<dyn Store>, reports: &[Report]) {
    store
        .import_reports(&meta(ImportKind::Reports, "city.csv"), reports)
        .await
        .unwrap();
    store
        .import_areas(&meta(ImportKind::Areas, "areas.geojson"), &city_areas())
        .await
        .unwrap();
    store
        .create_token("viewer", Role::Viewer, &token_hash(VIEWER))
        .await
        .unwrap();
    store
        .create_token("analyst", Role::Analyst, &token_hash(ANALYST))
        .await
        .unwrap();
}

/// An `--open` server; the rate limit is off so that the attacks measure what the answers
/// disclose, not how fast they may be asked (the limit is tested in bounded_work.rs).
fn config() -> ServerConfig {
    ServerConfig {
        open: true,
        min_count: MIN_COUNT,
        rate_per_min: 0,
        ..ServerConfig::default()
    }
}

/// One server per store kind: SQLite always, PostGIS when reachable (required under CI=true).
struct Targets {
    apps: Vec<(&'static str, App)>,
    pg: Vec<store_db::PgDb>,
}

impl Targets {
    async fn new(reports: &[Report]) -> Targets {
        let mut apps = Vec::new();
        let mut pg = Vec::new();
        let sqlite = store_db::sqlite_memory().await;
        seed(&sqlite, reports).await;
        apps.push(("sqlite", app_over(sqlite)));
        if let Some(db) = store_db::postgis().await {
            let store = db.dyn_store();
            seed(&store, reports).await;
            apps.push(("postgis", app_over(store)));
            pg.push(db);
        }
        Targets { apps, pg }
    }

    async fn drop(self) {
        for db in self.pg {
            db.drop_schema().await;
        }
    }
}

fn app_over(store: Arc<dyn Store>) -> App {
    let state = AppState::new(store, config());
    App {
        router: router(state.clone()),
        state,
    }
}

/// The callers the attacks play: a viewer token and an anonymous visitor (`--open`).
const CALLERS: [(&str, Option<&str>); 2] = [("viewer", Some(VIEWER)), ("anonymous", None)];

// ------------------------------------------------------------------------------------------
// What the answers reveal
// ------------------------------------------------------------------------------------------

fn close(a: Coord<f64>, b: Coord<f64>) -> bool {
    haversine_m(a, b) < 0.5
}

/// Whether `c` is a centre or vertex of an H3 cell at resolution ≤ 9, or a corner of the
/// fixed 0.01° bbox grid: points that are the same whatever the data.
fn public_grid_point(c: Coord<f64>) -> bool {
    let on_line = |v: f64| ((v * 100.0).round() - v * 100.0).abs() < 1e-4;
    if on_line(c.x) && on_line(c.y) {
        return true;
    }
    let Ok(ll) = LatLng::new(c.y, c.x) else {
        return false;
    };
    (0..=9u8).any(|r| {
        let res = Resolution::try_from(r).unwrap();
        ll.to_cell(res).grid_disk::<Vec<_>>(1).iter().any(|cell| {
            let centre = LatLng::from(*cell);
            close(
                c,
                Coord {
                    x: centre.lng(),
                    y: centre.lat(),
                },
            ) || cell.boundary().iter().any(|v| {
                close(
                    c,
                    Coord {
                        x: v.lng(),
                        y: v.lat(),
                    },
                )
            })
        })
    })
}

/// Reports within [`RECOVER_M`] of a revealed position that is not a public grid point.
fn recovered(points: &[Coord<f64>], truth: &[Report]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let mut seen = BTreeSet::new();
    for p in points {
        if !seen.insert((p.x.to_bits(), p.y.to_bits())) || public_grid_point(*p) {
            continue;
        }
        for r in truth {
            if haversine_m(*p, Coord { x: r.lon, y: r.lat }) <= RECOVER_M {
                out.insert(r.id.clone());
            }
        }
    }
    out
}

/// Every `YYYY-MM-DD` inside the strings of a JSON value (times finer than a month).
fn dates_in(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::String(s) => {
            let b = s.as_bytes();
            for i in 0..b.len().saturating_sub(9) {
                let w = &b[i..i + 10];
                let digits = [0, 1, 2, 3, 5, 6, 8, 9]
                    .iter()
                    .all(|&j| w[j].is_ascii_digit());
                if digits && w[4] == b'-' && w[7] == b'-' {
                    out.push(String::from_utf8_lossy(w).into_owned());
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| dates_in(x, out)),
        Value::Object(o) => o.values().for_each(|x| dates_in(x, out)),
        _ => {}
    }
}

/// Reports whose day appears in the answers.
fn timed(dates: &[String], truth: &[Report]) -> BTreeSet<String> {
    let days: BTreeSet<&str> = dates.iter().map(String::as_str).collect();
    truth
        .iter()
        .filter(|r| days.contains(r.observed_at.date().to_string().as_str()))
        .map(|r| r.id.clone())
        .collect()
}

fn vertices(geometry: &Value, out: &mut Vec<Coord<f64>>) {
    match geometry {
        Value::Array(a) if a.len() == 2 && a.iter().all(Value::is_f64) => out.push(Coord {
            x: a[0].as_f64().unwrap(),
            y: a[1].as_f64().unwrap(),
        }),
        Value::Array(a) => a.iter().for_each(|x| vertices(x, out)),
        _ => {}
    }
}

fn features(v: &Value) -> Vec<Value> {
    v["features"].as_array().cloned().unwrap_or_default()
}

fn bbox_q(b: [f64; 4]) -> String {
    format!("{:.7},{:.7},{:.7},{:.7}", b[0], b[1], b[2], b[3])
}

fn cell_centre(id: &str) -> Option<(Coord<f64>, u8)> {
    let cell: CellIndex = id.parse().ok()?;
    let ll = LatLng::from(cell);
    Some((
        Coord {
            x: ll.lng(),
            y: ll.lat(),
        },
        u8::from(cell.resolution()),
    ))
}

/// A count a viewer may see: 0, suppressed (null), or at least the threshold.
fn allowed_count(v: &Value) -> bool {
    v.is_null()
        || v.as_f64()
            .is_some_and(|c| c == 0.0 || c >= MIN_COUNT as f64)
}

/// Requests a URL; a 400 must name `param` (the refused parameter).
async fn get_or_refused(app: &App, uri: &str, token: Option<&str>, param: &str) -> Option<Value> {
    let a = app.get(uri, token).await;
    match a.status {
        StatusCode::OK => Some(a.json()),
        StatusCode::BAD_REQUEST => {
            assert!(
                a.text().contains(param),
                "400 must name {param}: {}",
                a.text()
            );
            None
        }
        s => panic!("{uri}: {s} {}", a.text()),
    }
}

// ------------------------------------------------------------------------------------------
// Finding 1: every hotspot vertex is a report; first/last seen are exact times
// ------------------------------------------------------------------------------------------

/// Splits boxes recursively while they still hold a hotspot, collecting every vertex,
/// centroid and time the hotspot layer shows (`eps_m=5000&min_pts=3`, as in the issue).
async fn split_attack(
    app: &App,
    token: Option<&str>,
) -> (Vec<Coord<f64>>, Vec<String>, usize, usize) {
    let mut small = 0;
    let mut points = Vec::new();
    let mut dates = Vec::new();
    let mut queue = vec![(CITY, 0u32)];
    let mut requests = 0;
    while let Some((b, depth)) = queue.pop() {
        let uri = format!(
            "/api/layers/hotspots?eps_m=5000&min_pts=3&bbox={}",
            bbox_q(b)
        );
        requests += 1;
        let Some(v) = get_or_refused(app, &uri, token, "eps_m").await else {
            continue;
        };
        let fs = features(&v);
        for f in &fs {
            vertices(&f["geometry"]["coordinates"], &mut points);
            vertices(&f["properties"]["centroid"], &mut points);
            dates_in(&f["properties"], &mut dates);
            for k in [
                "count",
                "core_count",
                "use",
                "storage",
                "trafficking",
                "sale",
            ] {
                if !allowed_count(&f["properties"][k]) {
                    small += 1;
                }
            }
        }
        if !fs.is_empty() && depth < 6 {
            let (mx, my) = ((b[0] + b[2]) / 2.0, (b[1] + b[3]) / 2.0);
            for q in [
                [b[0], b[1], mx, my],
                [mx, b[1], b[2], my],
                [b[0], my, mx, b[3]],
                [mx, my, b[2], b[3]],
            ] {
                queue.push((q, depth + 1));
            }
        }
    }
    (points, dates, requests, small)
}

#[tokio::test]
async fn finding_1_hotspot_outlines_and_times_do_not_reveal_reports() {
    let truth = city_reports();
    let targets = Targets::new(&truth).await;
    for (store, app) in &targets.apps {
        for (who, token) in CALLERS {
            let (points, dates, requests, small) = split_attack(app, token).await;
            assert!(!points.is_empty(), "{store}/{who}: the attack saw hotspots");
            let located = recovered(&points, &truth);
            let timed = timed(&dates, &truth);
            eprintln!(
                "{store}/{who}: {requests} requests, {} positions, {} of {} reports located \
                 within {RECOVER_M} m, {} timed to the day, {small} counts below {MIN_COUNT}",
                points.len(),
                located.len(),
                truth.len(),
                timed.len()
            );
            assert!(located.is_empty(), "{store}/{who}: located {located:?}");
            assert!(timed.is_empty(), "{store}/{who}: timed {timed:?}");
            assert_eq!(
                small, 0,
                "{store}/{who}: hotspot counts below {MIN_COUNT} shown"
            );
        }
        // The dataset summary shows no report's coordinate or day either.
        let v = app.get("/api/meta", Some(VIEWER)).await.json();
        let mut dates = Vec::new();
        dates_in(&v, &mut dates);
        assert!(timed(&dates, &truth).is_empty(), "{store}: meta {v}");
        if let Some(b) = v["bbox"].as_array() {
            let b: Vec<f64> = b.iter().map(|x| x.as_f64().unwrap()).collect();
            for r in &truth {
                assert!(
                    ![r.lon, r.lat].iter().any(|c| b.contains(c)),
                    "{store}: meta bbox {b:?} holds a coordinate of {}",
                    r.id
                );
            }
        }
    }
    targets.drop().await;
}

// ------------------------------------------------------------------------------------------
// Finding 4: differencing defeats small-count suppression
// ------------------------------------------------------------------------------------------

/// The count of `cell` in the hexes answer for `bbox` (0 when not shown).
async fn cell_count(app: &App, token: Option<&str>, res: u8, bbox: [f64; 4], cell: &str) -> f64 {
    let uri = format!("/api/layers/hexes?res={res}&bbox={}", bbox_q(bbox));
    let a = app.get(&uri, token).await;
    assert_eq!(a.status, StatusCode::OK, "{uri}: {}", a.text());
    features(&a.json())
        .iter()
        .find(|f| f["properties"]["h3"] == cell)
        .and_then(|f| f["properties"]["count"].as_f64())
        .unwrap_or(0.0)
}

/// Binary search on one edge of the box (`edge` 0..4 as in a bbox) for where `cell`'s count
/// changes; returns the edge position at which it still shows its full count.
async fn edge_search(
    app: &App,
    token: Option<&str>,
    res: u8,
    cell: &str,
    full: f64,
    edge: usize,
    inner: f64,
) -> f64 {
    // `outer` keeps the full count, `inner` (beyond the cell) does not.
    let mut outer = CITY[edge];
    // Stay a valid box: the moving edge never passes the opposite one.
    let mut inner = match edge {
        0 | 2 => inner.clamp(CITY[0], CITY[2]),
        _ => inner.clamp(CITY[1], CITY[3]),
    };
    for _ in 0..22 {
        let mid = (outer + inner) / 2.0;
        let mut b = CITY;
        b[edge] = mid;
        if cell_count(app, token, res, b, cell).await == full {
            outer = mid;
        } else {
            inner = mid;
        }
    }
    outer
}

#[tokio::test]
async fn finding_4_hexes_bbox_differencing_locates_no_report() {
    let truth = city_reports();
    let targets = Targets::new(&truth).await;
    for (store, app) in &targets.apps {
        for (who, token) in CALLERS {
            // The attack used res 12; the finest the server accepts is used instead.
            let uri = format!("/api/layers/hexes?res=12&bbox={}", bbox_q(CITY));
            let res = match get_or_refused(app, &uri, token, "res").await {
                Some(_) => 12,
                None => 9,
            };
            let uri = format!("/api/layers/hexes?res={res}&bbox={}", bbox_q(CITY));
            let v = app.get(&uri, token).await.json();
            let mut cells: Vec<(f64, String)> = features(&v)
                .iter()
                .map(|f| {
                    assert!(allowed_count(&f["properties"]["count"]));
                    (
                        f["properties"]["count"].as_f64().unwrap_or(0.0),
                        f["properties"]["h3"].as_str().unwrap().to_string(),
                    )
                })
                .filter(|(c, _)| *c > 0.0)
                .collect();
            cells.sort_by(|a, b| a.0.total_cmp(&b.0));
            assert!(!cells.is_empty(), "{store}/{who}: no cells");
            let mut points = Vec::new();
            for (full, cell) in cells.iter().take(3) {
                let (c, r) = cell_centre(cell).unwrap();
                points.push(c);
                // Move each edge across the cell until its count changes.
                let beyond = 0.03;
                let west = edge_search(app, token, res, cell, *full, 0, c.x + beyond).await;
                let south = edge_search(app, token, res, cell, *full, 1, c.y + beyond).await;
                let east = edge_search(app, token, res, cell, *full, 2, c.x - beyond).await;
                let north = edge_search(app, token, res, cell, *full, 3, c.y - beyond).await;
                for (x, y) in [(west, south), (east, south), (west, north), (east, north)] {
                    points.push(Coord { x, y });
                }
                points.push(Coord {
                    x: (west + east) / 2.0,
                    y: (south + north) / 2.0,
                });
                eprintln!(
                    "{store}/{who}: cell {cell} (res {r}, count {full}) narrowed to \
                     {:.0} m × {:.0} m",
                    haversine_m((west, south).into(), (east, south).into()),
                    haversine_m((west, south).into(), (west, north).into()),
                );
            }
            let located = recovered(&points, &truth);
            assert!(located.is_empty(), "{store}/{who}: located {located:?}");
        }
    }
    targets.drop().await;
}

#[tokio::test]
async fn finding_4_emerging_per_step_counts_give_no_cell_or_day() {
    let truth = city_reports();
    let targets = Targets::new(&truth).await;
    for (store, app) in &targets.apps {
        for (who, token) in CALLERS {
            let mut answers = Vec::new();
            for uri in [
                "/api/layers/emerging?res=13&step=day",
                "/api/layers/emerging?res=9&step=day",
                "/api/layers/emerging?res=9&step=week",
                "/api/layers/emerging?res=9&step=month",
            ] {
                let param = if uri.contains("res=13") {
                    "res"
                } else {
                    "step"
                };
                if let Some(v) = get_or_refused(app, uri, token, param).await {
                    answers.push(v);
                }
            }
            assert!(
                !answers.is_empty(),
                "{store}/{who}: some emerging request answers"
            );
            let mut points = Vec::new();
            let mut dates = Vec::new();
            let mut revealing_steps = 0;
            for v in &answers {
                for f in features(v) {
                    let p = &f["properties"];
                    let (centre, _) = cell_centre(f["id"].as_str().unwrap()).unwrap();
                    let counts = p["counts"].as_array().unwrap();
                    for (i, c) in counts.iter().enumerate() {
                        if !allowed_count(c) {
                            revealing_steps += 1;
                        }
                        if c.as_f64().is_some_and(|c| c > 0.0) {
                            points.push(centre);
                            dates_in(&p["step_labels"][i], &mut dates);
                        }
                    }
                }
            }
            let located = recovered(&points, &truth);
            let timed = timed(&dates, &truth);
            eprintln!(
                "{store}/{who}: {revealing_steps} per-step counts below {MIN_COUNT}, {} reports \
                 located, {} timed to the day",
                located.len(),
                timed.len()
            );
            assert_eq!(
                revealing_steps, 0,
                "{store}/{who}: small per-step counts shown"
            );
            assert!(located.is_empty(), "{store}/{who}: located {located:?}");
            assert!(timed.is_empty(), "{store}/{who}: timed {timed:?}");
        }
    }
    targets.drop().await;
}

#[tokio::test]
async fn finding_4_area_timelines_and_charts_hide_single_reports() {
    let truth = city_reports();
    let targets = Targets::new(&truth).await;
    for (store, app) in &targets.apps {
        for (who, token) in CALLERS {
            for area in ["ward", "group"] {
                let v = app
                    .get(&format!("/api/areas/{area}/timeline"), token)
                    .await
                    .json();
                let mut small = 0;
                for (_, series) in v["counts"].as_object().unwrap() {
                    small += series
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|c| !allowed_count(c))
                        .count();
                }
                assert_eq!(
                    small, 0,
                    "{store}/{who}: {area} timeline shows counts < {MIN_COUNT}: {v}"
                );
            }
        }
        // Differencing: one more report in a month where its kind already has one report in
        // the ward. A viewer's timeline and trend chart must not change (the area's status
        // may, which is what a status is for; the test picks a month where it does not).
        let ward = &city_areas()[0];
        use geo::Contains;
        let in_ward: Vec<&Report> = truth
            .iter()
            .filter(|r| ward.geometry.contains(&geo::Point::new(r.lon, r.lat)))
            .collect();
        let mut per: HashMap<(String, ReportKind), usize> = HashMap::new();
        for r in &in_ward {
            *per.entry((r.observed_at.format("%Y-%m").to_string(), r.kind))
                .or_default() += 1;
        }
        let before_tl = app.get("/api/areas/ward/timeline", Some(VIEWER)).await;
        let before_chart = app
            .get("/api/charts/trend.svg?area=ward&lang=en", Some(VIEWER))
            .await;
        assert_eq!(
            before_chart.status,
            StatusCode::OK,
            "{}",
            before_chart.text()
        );
        let single = in_ward
            .iter()
            .find(|r| per[&(r.observed_at.format("%Y-%m").to_string(), r.kind)] == 1)
            .expect("a month with one report of a kind");
        let extra = Report {
            id: "EXTRA".into(),
            observed_at: single.observed_at + Duration::minutes(1),
            ..(*single).clone()
        };
        app.state
            .store
            .import_reports(&meta(ImportKind::Reports, "extra.csv"), &[extra])
            .await
            .unwrap();
        app.state.data_changed();
        let after_tl = app.get("/api/areas/ward/timeline", Some(VIEWER)).await;
        let after_chart = app
            .get("/api/charts/trend.svg?area=ward&lang=en", Some(VIEWER))
            .await;
        if before_tl.json()["status"] == after_tl.json()["status"] {
            assert_eq!(
                before_tl.json()["counts"],
                after_tl.json()["counts"],
                "{store}: the viewer's timeline shows the added report"
            );
            assert!(
                before_chart.body == after_chart.body,
                "{store}: the viewer's trend chart shows the added report"
            );
        } else {
            panic!("{store}: the added report changed the ward's status; pick another month");
        }
    }
    targets.drop().await;
}

/// Cells whose density is at least that of every neighbour in the answer.
fn peaks(v: &Value) -> Vec<(Coord<f64>, u8)> {
    let fs = features(v);
    let density: HashMap<CellIndex, f64> = fs
        .iter()
        .filter_map(|f| {
            let cell: CellIndex = f["id"].as_str()?.parse().ok()?;
            Some((cell, f["properties"]["density"].as_f64()?))
        })
        .collect();
    density
        .iter()
        .filter(|(c, d)| {
            c.grid_disk::<Vec<_>>(1)
                .iter()
                .all(|n| density.get(n).is_none_or(|x| x <= d))
        })
        .map(|(c, _)| {
            let ll = LatLng::from(*c);
            (
                Coord {
                    x: ll.lng(),
                    y: ll.lat(),
                },
                u8::from(c.resolution()),
            )
        })
        .collect()
}

#[tokio::test]
async fn finding_4_kde_weights_cannot_isolate_kinds() {
    let truth = city_reports();
    let targets = Targets::new(&truth).await;
    for (store, app) in &targets.apps {
        for (who, token) in CALLERS {
            let mut points = Vec::new();
            for kind in ReportKind::ALL.iter().copied() {
                let weights = |on: &str, off: &str| {
                    ReportKind::ALL
                        .iter()
                        .map(|k| format!("{}:{}", k.as_str(), if *k == kind { on } else { off }))
                        .collect::<Vec<_>>()
                        .join(",")
                };
                // Zeroing the other kinds at the finest grid and bandwidth the server takes.
                let mut answered = None;
                for (res, bw) in [(13, 50), (9, 50), (9, 200)] {
                    let uri = format!(
                        "/api/layers/kde?res={res}&bandwidth_m={bw}&weights={}",
                        weights("1", "0")
                    );
                    let a = app.get(&uri, token).await;
                    if a.status == StatusCode::OK {
                        answered = Some(a.json());
                        break;
                    }
                    assert_eq!(a.status, StatusCode::BAD_REQUEST, "{}", a.text());
                    assert!(
                        a.text().contains("res") || a.text().contains("bandwidth_m"),
                        "{}",
                        a.text()
                    );
                }
                let v = answered.expect("some kde request answers");
                points.extend(peaks(&v).into_iter().map(|(c, _)| c));
                // Unequal weights (subtracting two surfaces isolates a kind) are refused or
                // shown only where enough reports of the heavy kind are.
                let uri = format!(
                    "/api/layers/kde?res=9&bandwidth_m=200&weights={}",
                    weights("1000", "0.001")
                );
                let a = app.get(&uri, token).await;
                if a.status == StatusCode::OK {
                    points.extend(peaks(&a.json()).into_iter().map(|(c, _)| c));
                } else {
                    assert_eq!(a.status, StatusCode::BAD_REQUEST);
                    assert!(a.text().contains("weights"), "{}", a.text());
                }
            }
            let located = recovered(&points, &truth);
            eprintln!(
                "{store}/{who}: {} density peaks, {} reports located",
                points.len(),
                located.len()
            );
            assert!(located.is_empty(), "{store}/{who}: located {located:?}");
        }
    }
    targets.drop().await;
}

// ------------------------------------------------------------------------------------------
// The model behind both: viewers' answers depend only on (res-9 cell, month, kind)
// ------------------------------------------------------------------------------------------

/// The same reports moved within their res-9 cell and their month (across area boundaries
/// too: viewers' area statuses count reports by cell).
fn jittered(truth: &[Report]) -> Vec<Report> {
    let mut rng = ChaCha8Rng::seed_from_u64(41);
    truth
        .iter()
        .map(|r| {
            let cell = LatLng::new(r.lat, r.lon).unwrap().to_cell(Resolution::Nine);
            let mut out = r.clone();
            for _ in 0..20 {
                let lon = r.lon + rng.random_range(-3e-4..3e-4);
                let lat = r.lat + rng.random_range(-3e-4..3e-4);
                if LatLng::new(lat, lon).unwrap().to_cell(Resolution::Nine) == cell {
                    out.lon = lon;
                    out.lat = lat;
                    break;
                }
            }
            let month = hotspot::timestep::TimeStep::Month.floor(r.observed_at.date());
            let days = hotspot::timestep::TimeStep::Month.nth(month, 1) - month;
            out.observed_at = month.and_hms_opt(0, 0, 0).unwrap()
                + Duration::minutes(rng.random_range(0..days.num_minutes()));
            out
        })
        .collect()
}

#[tokio::test]
async fn finding_4_viewer_answers_depend_only_on_cell_and_month() {
    let truth = city_reports();
    let moved = jittered(&truth);
    let a = Targets::new(&truth).await;
    let b = Targets::new(&moved).await;
    let uris = [
        "/api/meta",
        "/api/layers/hexes?res=9",
        "/api/layers/hexes?res=8&k=2",
        "/api/layers/hexes?res=9&bbox=107.58,16.44,107.61,16.47",
        "/api/layers/kde?res=9&bandwidth_m=300",
        "/api/layers/emerging?res=9&step=month",
        "/api/layers/emerging?res=8&step=quarter",
        "/api/areas/ward/timeline",
        "/api/areas/group/timeline",
        "/api/areas/tiny/timeline",
        "/api/layers/areas",
        "/api/layers/areas?level=residential_group&month=2024-06",
        "/api/progress?area=ward",
        "/api/charts/trend.svg?area=ward&lang=en",
        "/ogc/collections/areas/items",
    ];
    for ((store, x), (_, y)) in a.apps.iter().zip(&b.apps) {
        for (who, token) in CALLERS {
            for uri in uris {
                let p = x.get(uri, token).await;
                let q = y.get(uri, token).await;
                assert_eq!(
                    p.status,
                    StatusCode::OK,
                    "{store}/{who} {uri}: {}",
                    p.text()
                );
                assert!(
                    p.body == q.body,
                    "{store}/{who} {uri}: moving reports within their cell and month changed \
                     the answer"
                );
            }
        }
    }
    a.drop().await;
    b.drop().await;
}

// ------------------------------------------------------------------------------------------
// Area statuses: fixed polygons, exact membership
// ------------------------------------------------------------------------------------------

/// An area status says whether an area held reports in a window. With exact membership, a
/// small area drawn around a lonely report told a viewer where it was (within ~31 m): the
/// area is fixed, but its statuses month by month were "cleaning" exactly in the months after
/// that report. Viewers' statuses count reports at their cell centre, so the small area, which
/// holds no cell centre, stays clean.
#[tokio::test]
async fn finding_4_area_statuses_do_not_locate_a_report_in_a_small_area() {
    let truth = city_reports();
    let lonely = lonely_report(&truth);
    let centre = Coord {
        x: lonely.lon,
        y: lonely.lat,
    };
    let targets = Targets::new(&truth).await;
    for (store, app) in &targets.apps {
        for (who, token) in CALLERS {
            let mut points = Vec::new();
            let mut requests = 0;
            let tl = app.get("/api/areas/tiny/timeline", token).await;
            requests += 1;
            assert_eq!(tl.status, StatusCode::OK, "{store}/{who}: {}", tl.text());
            let v = tl.json();
            let statuses = v["status"].as_array().unwrap();
            if statuses.iter().any(|s| s != "clean") {
                points.push(centre);
            }
            for month in v["months"].as_array().unwrap() {
                let uri = format!(
                    "/api/layers/areas?level=residential_group&month={}",
                    month.as_str().unwrap()
                );
                let a = app.get(&uri, token).await;
                requests += 1;
                assert_eq!(
                    a.status,
                    StatusCode::OK,
                    "{store}/{who} {uri}: {}",
                    a.text()
                );
                for f in features(&a.json()) {
                    let status = &f["properties"]["status"];
                    if f["properties"]["id"] == "tiny" && !status.is_null() && status != "clean" {
                        points.push(centre);
                    }
                }
            }
            let located = recovered(&points, &truth);
            eprintln!(
                "{store}/{who}: {requests} requests, {} of 1 lonely report located within \
                 {RECOVER_M} m by the small area's status",
                located.len()
            );
            assert!(located.is_empty(), "{store}/{who}: located {located:?}");
        }
        // Analysts see the exact status: the small area did hold the report.
        let a = app.get("/api/areas/tiny/timeline", Some(ANALYST)).await;
        assert_eq!(a.status, StatusCode::OK, "{store}: {}", a.text());
        assert!(
            a.json()["status"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s != "clean"),
            "{store}: the attack's premise (the small area did hold a report) holds"
        );
    }
    targets.drop().await;
}
