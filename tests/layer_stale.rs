//! Bounded staleness (`--stale-secs`): after a write, other callers may get the previous
//! dataset version's layer at once while the new one computes in the background, never older
//! than the window and never to the writer itself; `Cache-Control: no-cache` gets the current
//! one. The soak (`benches/soak.sh`) is why: an upload a second emptied every cache.

#[path = "server_common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use common::{ADMIN, App, VIEWER};
use hotspot::server::ServerConfig;

const HEXES: &str = "/api/layers/hexes?res=9&k=1";

/// A server that serves the previous version for up to `window`, never waiting for the new
/// one (grace 0), so whether an answer is stale does not depend on how fast the machine is.
async fn app(window: Duration) -> App {
    common::app_with(ServerConfig {
        stale_window: window,
        stale_grace: Duration::ZERO,
        ..ServerConfig::default()
    })
    .await
}

/// (dataset version the answer was computed from, number of features).
async fn hexes(app: &App, token: &str, no_cache: bool) -> (i64, usize) {
    let mut b = Request::get(HEXES)
        .header(header::HOST, "127.0.0.1:8080")
        .header(header::AUTHORIZATION, format!("Bearer {token}"));
    if no_cache {
        b = b.header(header::CACHE_CONTROL, "no-cache");
    }
    let a = app.send(b.body(Body::empty()).unwrap()).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let version = a
        .header(header::HeaderName::from_static("hotspot-dataset-version"))
        .parse()
        .expect("layers say their dataset version");
    (version, a.json()["features"].as_array().unwrap().len())
}

/// Three reports in a res-9 cell of their own (visible to viewers at min-count 3).
async fn upload_new_cell(app: &App, prefix: &str, lon: f64) {
    let mut csv = String::from("id,lon,lat,kind,observed_at\n");
    for i in 0..3 {
        csv.push_str(&format!(
            "{prefix}{i},{},16.52,use,2025-07-0{}\n",
            lon + i as f64 * 0.00002,
            i + 1
        ));
    }
    let up = app.post("/api/reports", Some(ADMIN), "text/csv", csv).await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn others_get_the_previous_layer_while_it_computes_the_writer_and_no_cache_get_the_new_one() {
    let app = app(Duration::from_secs(30)).await;
    let (v1, n1) = hexes(&app, VIEWER, false).await;
    let (a1, an1) = hexes(&app, ADMIN, false).await;
    assert_eq!(a1, v1);

    upload_new_cell(&app, "ST", 107.70).await;
    // A viewer who did not write: the previous answer, at once.
    let (v, n) = hexes(&app, VIEWER, false).await;
    assert_eq!((v, n), (v1, n1), "bounded-stale answer for another caller");
    assert!(app.state.cache.stats().stale_hits >= 1);
    // The writer reads its own write, although its family has an older entry too.
    let (v2, n2) = hexes(&app, ADMIN, false).await;
    assert!(v2 > v1, "the writer got version {v2}, not newer than {v1}");
    assert!(
        n2 > an1,
        "the writer sees its new cell (and its halo): {n2} ≤ {an1}"
    );
    // The viewer gets the new one once computed (here: at once or nearly).
    let started = Instant::now();
    loop {
        let (v, n) = hexes(&app, VIEWER, false).await;
        if v >= v2 {
            assert_eq!(n, n1 + 1);
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "still version {v} after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // Cache-Control: no-cache waits for the current version.
    upload_new_cell(&app, "SU", 107.72).await;
    let (v3, n3) = hexes(&app, VIEWER, true).await;
    assert!(v3 > v2);
    assert_eq!(n3, n1 + 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_superseded_longer_ago_than_the_window_is_not_served_and_is_dropped() {
    let window = Duration::from_millis(300);
    let app = app(window).await;
    let (v1, n1) = hexes(&app, VIEWER, false).await;
    let sites = app.get("/api/layers/sites", Some(VIEWER)).await;
    assert_eq!(sites.status, StatusCode::OK);
    assert_eq!(app.state.cache.stats().entries, 2);
    upload_new_cell(&app, "SW", 107.70).await;
    tokio::time::sleep(window + Duration::from_millis(200)).await;
    let (v2, n2) = hexes(&app, VIEWER, false).await;
    assert!(
        v2 > v1,
        "version {v1} was superseded more than {window:?} ago"
    );
    assert_eq!(n2, n1 + 1);
    assert_eq!(app.state.cache.stats().stale_hits, 0);
    // Old entries past the window are dropped when the next one is stored, asked for or not:
    // only the new hexes entry is left, not the sites layer of version v1.
    let s = app.state.cache.stats();
    assert_eq!(s.entries, 1, "{s:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_window_every_answer_is_of_the_current_version() {
    let app = common::app().await; // the library default: stale_window 0
    let (v1, n1) = hexes(&app, VIEWER, false).await;
    upload_new_cell(&app, "SX", 107.70).await;
    let (v2, n2) = hexes(&app, VIEWER, false).await;
    assert!(v2 > v1);
    assert_eq!(n2, n1 + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ogc_pages_of_a_computed_collection_are_bounded_stale_too() {
    let app = app(Duration::from_secs(30)).await;
    let items = "/ogc/collections/hexes/items?limit=1000";
    let count = |a: &common::Answer| a.json()["features"].as_array().unwrap().len();
    let first = app.get(items, Some(VIEWER)).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.text());
    let n1 = count(&first);
    upload_new_cell(&app, "SO", 107.70).await;
    let stale = app.get(items, Some(VIEWER)).await;
    assert_eq!(stale.status, StatusCode::OK);
    assert_eq!(count(&stale), n1, "the previous page, at once");
    let started = Instant::now();
    while count(&app.get(items, Some(VIEWER)).await) != n1 + 1 {
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "never refreshed"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
