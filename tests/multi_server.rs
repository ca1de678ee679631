//! Several servers over one PostGIS, in one process: a change made through one server, or
//! by the CLI, reaches the other's layer cache through LISTEN/NOTIFY; a dropped listener
//! connection is noticed and the version treated as unknown until it is back; and
//! `hotspot serve` finishes in-flight requests on SIGTERM.

#[path = "server_common/mod.rs"]
mod common;
#[path = "common/store_db.rs"]
mod db;

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use common::{ADMIN, ANALYST, App, REVOKED, VIEWER};
use hotspot::model::{Report, ReportKind};
use hotspot::server::auth::token_hash;
use hotspot::server::{AppState, ServerConfig, router};
use hotspot::store::postgis::PostgisStore;
use hotspot::store::postgis::routed::RoutedStore;
use hotspot::store::{ImportKind, ImportMeta, OnConflict, Role, Store};

fn meta(kind: ImportKind, name: &str) -> ImportMeta {
    ImportMeta {
        kind,
        file_name: name.into(),
        sha256: format!("{name}-sha"),
        imported_by: "test".into(),
        on_conflict: OnConflict::Error,
        force: false,
    }
}

/// The server fixture's dataset and tokens, in a PostGIS schema.
async fn seed(store: &dyn Store) {
    store
        .import_reports(
            &meta(ImportKind::Reports, "reports.csv"),
            &common::reports(),
        )
        .await
        .unwrap();
    store
        .import_sites(&meta(ImportKind::Sites, "sites.geojson"), &common::sites())
        .await
        .unwrap();
    store
        .import_areas(&meta(ImportKind::Areas, "areas.geojson"), &common::areas())
        .await
        .unwrap();
    for (tok, role) in [
        (VIEWER, Role::Viewer),
        (ANALYST, Role::Analyst),
        (ADMIN, Role::Admin),
        (REVOKED, Role::Admin),
    ] {
        store
            .create_token(tok.split('-').next().unwrap(), role, &token_hash(tok))
            .await
            .unwrap();
    }
}

/// A server as `hotspot serve --db postgres://…` builds it, on its own pool.
async fn server(schema: &str) -> (App, tokio::task::JoinHandle<()>) {
    let store = PostgisStore::open_in_schema(&db::database_url(), schema)
        .await
        .unwrap();
    let routed = Arc::new(RoutedStore::new(
        Arc::new(store),
        None,
        Duration::from_millis(500),
    ));
    let state = AppState::pushed(routed, ServerConfig::default());
    let listener = state
        .spawn_change_listener()
        .expect("PostGIS servers listen");
    let app = App {
        router: router(state.clone()),
        state,
    };
    (app, listener)
}

/// Features of a hexes answer.
async fn hex_count(app: &App) -> usize {
    let a = app.get("/api/layers/hexes?res=9&k=1", Some(VIEWER)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    a.json()["features"].as_array().unwrap().len()
}

/// Polls `app` until the hexes layer has `want` features; the time it took.
async fn until_hexes(app: &App, want: usize, limit: Duration) -> Duration {
    let started = Instant::now();
    loop {
        let n = hex_count(app).await;
        if n == want {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < limit,
            "still {n} hexes, not {want}, after {:?}",
            started.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Three reports in a new res-9 cell far from the others (visible to viewers at min-count 3).
fn new_cell(prefix: &str, lon: f64) -> Vec<Report> {
    (0..3)
        .map(|i| Report {
            id: format!("{prefix}{i}"),
            lon: lon + i as f64 * 0.00002,
            lat: 16.5,
            kind: ReportKind::Use,
            observed_at: common::t(&format!("2025-07-0{}", i + 1)),
        })
        .collect()
}

fn csv_of(reports: &[Report]) -> String {
    let mut csv = String::from("id,lon,lat,kind,observed_at\n");
    for r in reports {
        csv.push_str(&format!(
            "{},{},{},{},{}\n",
            r.id,
            r.lon,
            r.lat,
            r.kind.as_str(),
            r.observed_at.format("%Y-%m-%d")
        ));
    }
    csv
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_through_one_server_reaches_the_others_cache_within_a_second() {
    let Some(pg) = db::postgis().await else {
        return;
    };
    seed(pg.store.as_ref()).await;
    let (a, la) = server(&pg.schema).await;
    let (b, lb) = server(&pg.schema).await;
    let before = hex_count(&a).await;
    assert_eq!(hex_count(&b).await, before);
    // Both now hold the layer in their caches; wait longer than the old polling interval so
    // that only a notification can tell B.
    let hits = b.state.cache.stats().hits;
    tokio::time::sleep(Duration::from_millis(700)).await;
    assert_eq!(hex_count(&b).await, before);
    assert_eq!(
        b.state.cache.stats().hits,
        hits + 1,
        "served from B's cache"
    );

    let up = a
        .post(
            "/api/reports",
            Some(ADMIN),
            "text/csv",
            csv_of(&new_cell("NA", 107.64)),
        )
        .await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.text());
    let took = until_hexes(&b, before + 1, Duration::from_secs(1)).await;
    eprintln!("server B saw server A's import after {took:?}");

    // Push, not poll: a version bump whose notification is suppressed stays unseen by B for
    // longer than any polling interval would allow.
    let trigger = |on: bool| {
        format!(
            "ALTER TABLE meta {} TRIGGER meta_dataset_version_notify",
            if on { "ENABLE" } else { "DISABLE" }
        )
    };
    sqlx::query(&trigger(false))
        .execute(pg.store.pool())
        .await
        .unwrap();
    pg.store
        .import_reports(
            &meta(ImportKind::Reports, "silent.csv"),
            &new_cell("NS", 107.58),
        )
        .await
        .unwrap();
    sqlx::query(&trigger(true))
        .execute(pg.store.pool())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        hex_count(&b).await,
        before + 1,
        "B asked the database by itself"
    );

    // A writer that is no server at all (the CLI): both servers hear of it.
    pg.store
        .import_reports(
            &meta(ImportKind::Reports, "cli.csv"),
            &new_cell("NC", 107.70),
        )
        .await
        .unwrap();
    until_hexes(&a, before + 3, Duration::from_secs(1)).await;
    until_hexes(&b, before + 3, Duration::from_secs(1)).await;
    la.abort();
    lb.abort();
    pg.drop_schema().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dropped_listener_connection_is_seen_as_unknown_and_reconnected() {
    let Some(pg) = db::postgis().await else {
        return;
    };
    seed(pg.store.as_ref()).await;
    let (b, lb) = server(&pg.schema).await;
    let before = hex_count(&b).await;

    // Kill the listener's connection the way a failover or a network cut would.
    let name = format!("hotspot-listener {}", pg.schema);
    let pid_of = async || -> Option<i32> {
        sqlx::query_scalar("SELECT pid FROM pg_stat_activity WHERE application_name = $1")
            .bind(&name)
            .fetch_optional(pg.store.pool())
            .await
            .unwrap()
    };
    let started = Instant::now();
    let old = loop {
        if let Some(pid) = pid_of().await {
            break pid;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "no listener");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let killed: bool = sqlx::query_scalar("SELECT pg_terminate_backend($1)")
        .bind(old)
        .fetch_one(pg.store.pool())
        .await
        .unwrap();
    assert!(killed);
    // Changes made while it is down (their notifications are lost) are still served.
    pg.store
        .import_reports(
            &meta(ImportKind::Reports, "while-down.csv"),
            &new_cell("ND", 107.64),
        )
        .await
        .unwrap();
    until_hexes(&b, before + 1, Duration::from_secs(2)).await;

    // It comes back by itself, and notifications flow again.
    let started = Instant::now();
    loop {
        if pid_of().await.is_some_and(|p| p != old) && b.state.change_listener_connected() {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "never reconnected"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    pg.store
        .import_reports(
            &meta(ImportKind::Reports, "after.csv"),
            &new_cell("NE", 107.70),
        )
        .await
        .unwrap();
    until_hexes(&b, before + 2, Duration::from_secs(1)).await;
    lb.abort();
    pg.drop_schema().await;
}

/// SIGTERM while an upload is still arriving: the upload completes and is answered, then the
/// server exits 0; new connections are refused meanwhile.
#[test]
fn sigterm_lets_in_flight_requests_finish() {
    use std::io::{BufRead, BufReader, Read, Write};
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("h.db").display());
    let bin = assert_cmd::cargo::cargo_bin("hotspot");
    let out = Command::new(&bin)
        .args([
            "token", "create", "--db", &db, "--role", "admin", "--name", "a",
        ])
        .output()
        .unwrap();
    assert!(out.status.success());
    let admin = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let mut child = Command::new(&bin)
        .args(["serve", "--db", &db, "--addr", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .trim_start_matches("listening on http://")
        .to_string();

    let mut body = String::from("id,lon,lat,kind,observed_at\n");
    for i in 0..2000 {
        body.push_str(&format!("G{i},107.6,16.46,use,2025-01-01\n"));
    }
    let (first, rest) = body.split_at(body.len() / 2);
    let mut s = std::net::TcpStream::connect(&addr).unwrap();
    write!(
        s,
        "POST /api/reports HTTP/1.0\r\nHost: {addr}\r\nAuthorization: Bearer {admin}\r\n\
         Content-Type: text/csv\r\nContent-Length: {}\r\n\r\n{first}",
        body.len()
    )
    .unwrap();
    s.flush().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "the server waits for the upload in flight"
    );
    assert!(
        std::net::TcpStream::connect(&addr).is_err(),
        "no new connections once shutting down"
    );
    s.write_all(rest.as_bytes()).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.0 201"), "{answer}");
    let started = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(started.elapsed() < Duration::from_secs(10), "did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert!(status.success(), "{status}");
}

/// Found by benches/soak.sh: two servers recomputing the canonical hotspots after the same
/// import saved the tracked set at the same time, and one failed with a duplicate key, then
/// (with an upsert in arbitrary order) with a deadlock (503).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn servers_saving_the_tracked_hotspots_at_once_do_not_fail() {
    use geo::polygon;
    use hotspot::store::TrackedHotspot;
    let Some(pg) = db::postgis().await else {
        return;
    };
    let other = Arc::new(
        PostgisStore::open_in_schema(&db::database_url(), &pg.schema)
            .await
            .unwrap(),
    );
    let mut set: Vec<TrackedHotspot> = (0..50)
        .map(|i| {
            let x = 107.5 + i as f64 * 0.01;
            TrackedHotspot {
                id: format!("H-{i:06}"),
                polygon: geo::MultiPolygon(vec![polygon![
                    (x: x, y: 16.4), (x: x + 0.001, y: 16.4), (x: x + 0.001, y: 16.401), (x: x, y: 16.401)
                ]]),
                first_detected: common::t("2025-01-01"),
                last_detected: common::t("2025-06-01"),
            }
        })
        .collect();
    for round in 0..10 {
        // The two servers' sets in different orders, as separate computations give them.
        let reversed: Vec<TrackedHotspot> = set.iter().rev().cloned().collect();
        let (a, b) = tokio::join!(
            pg.store.save_tracked_hotspots(&set),
            other.save_tracked_hotspots(&reversed)
        );
        a.unwrap_or_else(|e| panic!("round {round}: {e}"));
        b.unwrap_or_else(|e| panic!("round {round}: {e}"));
        set.rotate_left(7);
    }
    assert_eq!(pg.store.tracked_hotspots().await.unwrap().len(), 50);
    pg.drop_schema().await;
}
