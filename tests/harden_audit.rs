//! Issue 14, finding 5: every raw-report read, export, import, undo, token and plan change
//! is in an append-only audit trail (who, when, route, parameters without tokens or
//! coordinates, rows), readable by admins (`GET /api/audit`, `hotspot audit list`), and
//! every request leaves an access log line without tokens or coordinates.

mod common {
    pub mod store_db;
}
mod harden_common;
mod server_common;

use std::sync::{Arc, Mutex};

use assert_cmd::Command;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use server_common::{ADMIN, ANALYST, App, VIEWER};

const BBOX: &str = "107.591234,16.451234,107.609876,16.469876";

async fn audited_actions(app: &App) {
    let a = app
        .get(&format!("/api/reports?bbox={BBOX}&kind=use"), Some(ANALYST))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let listed = a.json()["features"].as_array().unwrap().len() as u64;
    assert!(listed > 0);
    assert_eq!(
        app.get("/api/reports?format=csv", Some(ANALYST))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/ogc/collections/reports/items?limit=5", Some(ANALYST))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/ogc/collections/reports/items/R001", Some(ANALYST))
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        app.get("/api/layers/near", Some(ANALYST)).await.status,
        StatusCode::OK
    );
    let up = app
        .post(
            "/api/reports",
            Some(ADMIN),
            "text/csv",
            "id,lon,lat,kind,observed_at\nAUD1,107.60,16.46,use,2025-07-01\n",
        )
        .await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.text());
    let batch = up.json()["batch"].as_i64().unwrap();
    let undo = Request::delete(format!("/api/imports/{batch}"))
        .header(header::AUTHORIZATION, format!("Bearer {ADMIN}"))
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(undo).await.status, StatusCode::OK);
    let t = app
        .post(
            "/api/tokens",
            Some(ADMIN),
            "application/json",
            r#"{"name":"field-team","role":"viewer"}"#,
        )
        .await;
    assert_eq!(t.status, StatusCode::CREATED);
    let new_token = t.json()["token"].as_str().unwrap().to_string();
    let p = app
        .post(
            "/api/plans",
            Some(ANALYST),
            "application/json",
            r#"{"subject":{"type":"area","id":"tdp-1"},"responsible_person":"A","task":"T",
               "responsible_unit":"U","deadline":"2026-03-31","expected_result":"R",
               "approving_authority":"X"}"#,
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED);

    // Only admins read the trail.
    assert_eq!(
        app.get("/api/audit", Some(ANALYST)).await.status,
        StatusCode::FORBIDDEN
    );
    let a = app.get("/api/audit", Some(ADMIN)).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    let rows = a.json().as_array().unwrap().clone();
    let find = |action: &str, route: &str| {
        rows.iter()
            .find(|r| r["action"] == action && r["route"] == route)
            .unwrap_or_else(|| panic!("no {action} {route} in {rows:#?}"))
            .clone()
    };
    let r = find("reports.read", "GET /api/reports");
    assert_eq!(r["who"], "analyst");
    assert_eq!(r["role"], "analyst");
    assert_eq!(r["rows"], listed);
    assert_eq!(r["params"], "bbox=*&kind=use");
    find("reports.read", "GET /ogc/collections/reports/items");
    find("reports.read", "GET /ogc/collections/reports/items/{fid}");
    find("near.read", "GET /api/layers/near");
    assert_eq!(find("import", "POST /api/reports")["rows"], 1);
    assert_eq!(
        find("import.undo", "DELETE /api/imports/{batch}")["who"],
        "admin"
    );
    find("token.create", "POST /api/tokens");
    find("plan.create", "POST /api/plans");
    let text = a.text();
    for secret in [
        ADMIN,
        ANALYST,
        VIEWER,
        new_token.as_str(),
        "107.59",
        "16.45",
    ] {
        assert!(
            !text.contains(secret),
            "{secret} in the audit trail: {text}"
        );
    }
    // Filters.
    let only = app.get("/api/audit?who=admin", Some(ADMIN)).await.json();
    assert!(only.as_array().unwrap().iter().all(|r| r["who"] == "admin"));
    let future = app
        .get("/api/audit?since=2100-01-01", Some(ADMIN))
        .await
        .json();
    assert_eq!(future.as_array().unwrap().len(), 0);
    assert_eq!(
        app.get("/api/audit?since=0000-01-01", Some(ADMIN))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn finding_5_raw_reads_and_changes_are_audited_sqlite() {
    let app = harden_common::sqlite_app().await;
    audited_actions(&app).await;
}

#[tokio::test]
async fn finding_5_raw_reads_and_changes_are_audited_postgis() {
    let Some((app, db)) = harden_common::pg_app().await else {
        return;
    };
    audited_actions(&app).await;
    // Append-only, enforced by the database for every role.
    let pool = db.store.pool();
    for sql in [
        "UPDATE audit SET who = 'nobody'",
        "DELETE FROM audit",
        "TRUNCATE audit",
    ] {
        let e = sqlx::query(sql).execute(pool).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
    db.drop_schema().await;
}

#[tokio::test]
async fn finding_5_audit_is_append_only_and_listed_by_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("h.db").display());
    let out = Command::cargo_bin("hotspot")
        .unwrap()
        .env("USER", "officer-b")
        .args([
            "token", "create", "--role", "viewer", "--name", "kiosk", "--db", &db,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::cargo_bin("hotspot")
        .unwrap()
        .args(["audit", "list", "--who", "officer-b", "--json", "--db", &db])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows.as_array().unwrap().len(), 1, "{rows}");
    assert_eq!(rows[0]["action"], "token.create");
    assert_eq!(rows[0]["role"], "cli");
    let out = Command::cargo_bin("hotspot")
        .unwrap()
        .args(["audit", "list", "--since", "yesterday", "--db", &db])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    // SQLite refuses to change or remove audit rows.
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    for sql in ["UPDATE audit SET who = 'nobody'", "DELETE FROM audit"] {
        let e = sqlx::query(sql).execute(&pool).await.unwrap_err();
        assert!(e.to_string().contains("append-only"), "{sql}: {e}");
    }
}

/// A `MakeWriter` collecting log output.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn finding_5_access_log_has_no_tokens_or_coordinates() {
    let app = harden_common::sqlite_app().await;
    let logs = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(logs.clone())
        .with_ansi(false)
        // The level `hotspot serve` uses when RUST_LOG is not set.
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "warn,hotspot::access=info",
        ))
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let a = app
        .get(
            &format!("/api/layers/hexes?bbox={BBOX}&res=9&access_token={VIEWER}"),
            Some(VIEWER),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let id = a.header("x-request-id".parse().unwrap());
    assert!(!id.is_empty());
    let log = String::from_utf8(logs.0.lock().unwrap().clone()).unwrap();
    let line = log
        .lines()
        .find(|l| l.contains(&id))
        .unwrap_or_else(|| panic!("no access line for {id}: {log}"));
    for want in [
        "GET",
        "/api/layers/hexes",
        "status=200",
        "role=viewer",
        "ms=",
    ] {
        assert!(line.contains(want), "{want} missing: {line}");
    }
    for secret in [VIEWER, "107.59", "16.45"] {
        assert!(!line.contains(secret), "{secret} logged: {line}");
    }
}
