//! Issue 14, findings 9 and 10: no database text and no URL password in any answer,
//! message or log; a NUL in `area` is a 400; the OGC offset is bounded.

mod common {
    pub mod store_db;
}
mod harden_common;
mod server_common;

use assert_cmd::Command;
use axum::http::StatusCode;
use server_common::{ANALYST, App, VIEWER};

/// Words that only database error text contains.
const DB_WORDS: &[&str] = &[
    "sqlx",
    "SQLSTATE",
    "pool",
    "Pool",
    "postgres",
    "PostgreSQL",
    "sqlite",
    "SQLite",
    "relation",
    "syntax",
    "connection",
    "invalid byte sequence",
];

fn assert_no_db_text(what: &str, body: &str) {
    for w in DB_WORDS {
        assert!(!body.contains(w), "{what}: {w:?} in {body}");
    }
}

async fn bad_inputs_are_400(app: &App) {
    for (token, uri, param) in [
        (ANALYST, "/api/reports?area=a%00b", "area"),
        (VIEWER, "/api/layers/hotspots?area=%00", "area"),
        (
            ANALYST,
            "/ogc/collections/reports/items?offset=99999999999999",
            "offset",
        ),
        (
            VIEWER,
            "/ogc/collections/hotspots/items?offset=18446744073709551616",
            "offset",
        ),
    ] {
        let a = app.get(uri, Some(token)).await;
        assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}: {}", a.text());
        let body = a.json();
        assert!(
            body["error"].as_str().unwrap().contains(param),
            "{uri}: {body}"
        );
        assert_eq!(
            body["request_id"].as_str().unwrap(),
            a.header("x-request-id".parse().unwrap()),
            "{uri}: the id in the body is the one in the header"
        );
        assert_no_db_text(uri, &a.text());
    }
}

#[tokio::test]
async fn finding_9_nul_area_and_huge_offset_are_400_sqlite() {
    let app = harden_common::sqlite_app().await;
    bad_inputs_are_400(&app).await;
}

#[tokio::test]
async fn finding_9_no_database_text_in_responses() {
    let Some((app, db)) = harden_common::pg_app().await else {
        return;
    };
    bad_inputs_are_400(&app).await;
    // Take the database away: every answer is a generic 503 with a request id to quote.
    db.store.pool().close().await;
    for uri in [
        "/api/reports",
        "/api/reports?format=csv",
        "/ogc/collections/reports/items",
        "/api/plans",
    ] {
        let a = app.get(uri, Some(ANALYST)).await;
        assert_eq!(
            a.status,
            StatusCode::SERVICE_UNAVAILABLE,
            "{uri}: {}",
            a.text()
        );
        let body = a.json();
        assert!(body["request_id"].as_str().is_some_and(|s| !s.is_empty()));
        assert_no_db_text(uri, &a.text());
    }
    let a = app.get("/readyz", None).await;
    assert_eq!(a.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_no_db_text("/readyz", &a.text());
    // The schema is dropped through a new connection.
    let url = common::store_db::database_url();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    sqlx::query(&format!("DROP SCHEMA {} CASCADE", db.schema))
        .execute(&pool)
        .await
        .unwrap();
}

/// A password-bearing URL as the tools print it: status, and a failing connection.
#[test]
fn finding_10_db_status_redacts_password() {
    let url = common::store_db::database_url();
    let Some(rest) = url.strip_prefix("postgres://") else {
        panic!("DATABASE_URL {url} is not postgres://");
    };
    // Local connections trust the user, so the password is carried but not checked. The
    // tables go to a throw-away schema, never to the shared database's `public`.
    let (user_host, _) = rest.split_once('@').map_or((rest, ""), |(u, h)| (u, h));
    let user = user_host.split(':').next().unwrap();
    let host = &rest[rest.find('@').map_or(0, |i| i + 1)..];
    let schema = format!("t_{}", uuid::Uuid::new_v4().simple());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let admin = rt.block_on(async {
        let pool = sqlx::PgPool::connect(&url).await.ok()?;
        sqlx::query(&format!("CREATE SCHEMA {schema}"))
            .execute(&pool)
            .await
            .ok()?;
        Some(pool)
    });
    if admin.is_none() && std::env::var("CI").as_deref() == Ok("true") {
        panic!("PostGIS at {url} is required when CI=true");
    }
    let sep = if host.contains('?') { '&' } else { '?' };
    let with_pw = format!(
        "postgres://{user}:S3cretPassw0rd@{host}{sep}options%5Bsearch_path%5D={schema}%2Cpublic"
    );
    let out = Command::cargo_bin("hotspot")
        .unwrap()
        .args(["db", "status", "--db", &with_pw])
        .output()
        .unwrap();
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    if let Some(pool) = admin {
        assert!(out.status.success(), "{all}");
        assert!(all.contains(&format!("postgres://{user}:***@")), "{all}");
        rt.block_on(async {
            sqlx::query(&format!("DROP SCHEMA {schema} CASCADE"))
                .execute(&pool)
                .await
                .unwrap();
        });
    }
    assert!(!all.contains("S3cretPassw0rd"), "{all}");
    // A server that is not there: the error names the URL without the password.
    let out = Command::cargo_bin("hotspot")
        .unwrap()
        .args([
            "db",
            "status",
            "--db",
            "postgres://alice:S3cretPassw0rd@127.0.0.1:9/nothing",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("postgres://alice:***@127.0.0.1:9/nothing"),
        "{err}"
    );
    assert!(!err.contains("S3cretPassw0rd"), "{err}");
}
