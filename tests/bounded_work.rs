//! Finding 3 of issue 14: no bound on work per request, and a timeout did not stop the work.
//!
//! Over 20 000 reports: oversized requests are refused (422/400 naming the parameter) before
//! any work; a request cut by `--timeout-secs 1` stops burning CPU; `/healthz` answers within
//! 50 ms while 50 heavy requests run; heavy routes are rate limited per token (429 with
//! `Retry-After`).

mod server_common;
#[path = "common/store_db.rs"]
mod store_db;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::{StatusCode, header};
use hotspot::server::auth::token_hash;
use hotspot::server::{AppState, ServerConfig, router};
use hotspot::store::{ImportKind, OnConflict, Role, Store};
use server_common::{ANALYST, App, VIEWER};

async fn app_with(config: ServerConfig) -> App {
    let store: Arc<dyn Store> = store_db::sqlite_memory().await;
    store
        .import_reports(
            &store_db::meta(ImportKind::Reports, "grid", OnConflict::Error),
            &store_db::grid_reports(20_000),
        )
        .await
        .unwrap();
    for (tok, role) in [(VIEWER, Role::Viewer), (ANALYST, Role::Analyst)] {
        store
            .create_token(tok.split('-').next().unwrap(), role, &token_hash(tok))
            .await
            .unwrap();
    }
    let state = AppState::new(store, config);
    App {
        router: router(state.clone()),
        state,
    }
}

/// CPU time (user + system) of this process so far, from /proc/self/stat.
fn cpu_time() -> Duration {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    // Fields after the command name (which is in parentheses): state is field 3; utime and
    // stime are fields 14 and 15, in clock ticks (100 per second on Linux).
    let rest = &stat[stat.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    Duration::from_millis(ticks * 10)
}

/// A heavy but admissible analyst request (~10 s of one core here): KDE at res 12 with a
/// 1.5 km bandwidth. `i` varies the bandwidth so every request misses the cache.
fn heavy(i: usize) -> String {
    format!("/api/layers/kde?res=12&bandwidth_m={}", 1500 + i)
}

#[tokio::test]
async fn finding_3_oversized_requests_are_refused_before_any_work() {
    let app = app_with(ServerConfig {
        request_timeout: Duration::from_secs(20),
        ..ServerConfig::default()
    })
    .await;
    for (uri, token, status, param) in [
        ("/api/layers/hexes?res=15&k=5", ANALYST, 422, "res"),
        ("/api/layers/hexes?res=15&k=5&fdr=1", ANALYST, 422, "res"),
        (
            "/api/layers/emerging?res=15&step=day&k=3&time_k=3",
            ANALYST,
            422,
            "res",
        ),
        ("/api/layers/kde?res=15", ANALYST, 422, "res"),
        (
            "/api/layers/hotspots?eps_m=5000&min_pts=3",
            ANALYST,
            422,
            "eps_m",
        ),
        // Viewers cannot even ask: their ranges are checked first.
        (
            "/api/layers/emerging?res=15&step=day&k=3&time_k=3",
            VIEWER,
            400,
            "res",
        ),
        ("/api/layers/kde?res=15", VIEWER, 400, "res"),
    ] {
        let started = Instant::now();
        let a = app.get(uri, Some(token)).await;
        let took = started.elapsed();
        assert_eq!(a.status.as_u16(), status, "{uri}: {}", a.text());
        assert!(
            a.text().contains(param),
            "{uri}: must name {param}: {}",
            a.text()
        );
        assert!(
            took < Duration::from_secs(2),
            "{uri}: refused only after {took:?}"
        );
        eprintln!("{uri} as {}: {status} in {took:?}", &token[..6]);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_3_timeout_stops_the_work() {
    let app = app_with(ServerConfig {
        request_timeout: Duration::from_secs(1),
        max_work: f64::INFINITY,
        ..ServerConfig::default()
    })
    .await;
    let started = Instant::now();
    let a = app.get(&heavy(0), Some(ANALYST)).await;
    assert_eq!(a.status, StatusCode::REQUEST_TIMEOUT, "{}", a.text());
    assert!(started.elapsed() < Duration::from_secs(3));
    // The computation's threads stop within a second of the 408 …
    let cut = Instant::now();
    while app.state.heavy.running() > 0 {
        assert!(
            cut.elapsed() < Duration::from_secs(1),
            "work still running 1 s after the 408"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    eprintln!("running jobs 0 after {:?}", cut.elapsed());
    // … and the process stops burning CPU.
    let before = cpu_time();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let used = cpu_time() - before;
    eprintln!("CPU used in the second after: {used:?}");
    assert!(
        used < Duration::from_millis(250),
        "CPU still busy: {used:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finding_3_healthz_answers_within_50ms_under_50_heavy_requests() {
    let app = app_with(ServerConfig {
        max_work: f64::INFINITY,
        rate_per_min: 0,
        ..ServerConfig::default()
    })
    .await;
    let router = app.router.clone();
    let load: Vec<_> = (0..50)
        .map(|i| {
            let router = router.clone();
            tokio::spawn(async move {
                use tower::ServiceExt;
                let req = axum::http::Request::get(heavy(i + 1))
                    .header(header::AUTHORIZATION, format!("Bearer {ANALYST}"))
                    .body(axum::body::Body::empty())
                    .unwrap();
                router.oneshot(req).await.unwrap().status()
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        app.state.heavy.running() > 0,
        "the heavy requests are running"
    );
    let mut worst = Duration::ZERO;
    for _ in 0..20 {
        let started = Instant::now();
        let a = app.get("/healthz", None).await;
        assert_eq!(a.status, StatusCode::OK);
        worst = worst.max(started.elapsed());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let finished = load.iter().filter(|h| h.is_finished()).count();
    eprintln!("/healthz worst of 20 under 50 heavy requests: {worst:?} ({finished} finished)");
    for h in &load {
        h.abort();
    }
    assert!(worst < Duration::from_millis(50), "/healthz took {worst:?}");
}

#[tokio::test]
async fn finding_3_heavy_routes_are_rate_limited_per_token() {
    let app = app_with(ServerConfig {
        rate_per_min: 30,
        ..ServerConfig::default()
    })
    .await;
    let uri = "/api/layers/hexes?res=8";
    let mut limited = None;
    for i in 0..40 {
        let a = app.get(uri, Some(VIEWER)).await;
        if a.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some((i, a));
            break;
        }
        assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    }
    let (i, a) = limited.expect("429 within 40 requests");
    assert_eq!(i, 30, "the burst is the per-minute limit");
    let retry: u64 = a.header(header::RETRY_AFTER).parse().unwrap();
    assert!((1..=2).contains(&retry), "Retry-After {retry}");
    // Another token has its own bucket; light routes are not limited.
    assert_eq!(app.get(uri, Some(ANALYST)).await.status, StatusCode::OK);
    assert_eq!(
        app.get("/api/me", Some(VIEWER)).await.status,
        StatusCode::OK
    );
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
}
