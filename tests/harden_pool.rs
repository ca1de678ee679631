//! Issue 14, finding 2: one viewer request with a date PostgreSQL cannot hold (or an
//! analyst's huge offset) used to fail inside the bulk COPY read and put a broken connection
//! back into the pool, after which valid tokens were "unknown" and /readyz said 503 until a
//! restart. Now such values are refused with 400 naming the parameter before any query, and
//! a COPY that fails or is abandoned closes its connection instead of returning it.

mod common {
    pub mod store_db;
}
mod harden_common;
mod server_common;

use axum::http::StatusCode;
use hotspot::store::ReportFilter;
use server_common::{ADMIN, ANALYST, VIEWER};

/// The attack of the issue, then 100 valid admin calls and the readiness probe.
#[tokio::test]
async fn finding_2_bad_date_does_not_break_pool() {
    let Some((app, db)) = harden_common::pg_app().await else {
        return;
    };
    let attacks = [
        (VIEWER, "/api/layers/hotspots?from=0000-01-01", "from"),
        (VIEWER, "/api/layers/hotspots?from=-0001-01-01", "from"),
        (VIEWER, "/api/layers/hexes?to=0000-01-01", "to"),
        (
            VIEWER,
            "/ogc/collections/hotspots/items?datetime=0000-01-01/..",
            "datetime",
        ),
        (
            ANALYST,
            "/ogc/collections/reports/items?datetime=0000-01-01/..",
            "datetime",
        ),
        (
            ANALYST,
            "/ogc/collections/reports/items?offset=9223372036854775808",
            "offset",
        ),
        (ANALYST, "/api/reports?offset=9223372036854775808", "offset"),
        (ANALYST, "/api/reports?from=-0001-01-01", "from"),
    ];
    for (token, uri, param) in attacks {
        for _ in 0..2 {
            let a = app.get(uri, Some(token)).await;
            assert_eq!(a.status, StatusCode::BAD_REQUEST, "{uri}: {}", a.text());
            let msg = a.json()["error"].as_str().unwrap().to_string();
            assert!(msg.contains(param), "{uri}: {msg} should name {param}");
        }
    }
    for i in 0..100 {
        let a = app.get("/api/me", Some(ADMIN)).await;
        assert_eq!(a.status, StatusCode::OK, "call {i}: {}", a.text());
        assert_eq!(a.json()["role"], "admin");
    }
    let a = app.get("/readyz", None).await;
    assert_eq!(a.status, StatusCode::OK, "{}", a.text());
    db.drop_schema().await;
}

/// A bulk read dropped half-way (the request timed out, the client went away) leaves the
/// COPY unfinished on its connection; that connection must be closed, not reused.
#[tokio::test]
async fn finding_2_abandoned_copy_does_not_break_pool() {
    let Some(db) = common::store_db::postgis().await else {
        return;
    };
    let store = db.dyn_store();
    let rows = common::store_db::grid_reports(200_000);
    store
        .import_reports(
            &common::store_db::meta(
                hotspot::store::ImportKind::Reports,
                "grid",
                hotspot::store::OnConflict::Error,
            ),
            &rows,
        )
        .await
        .unwrap();
    let hash = hotspot::server::auth::token_hash(ADMIN);
    store
        .create_token("admin", hotspot::store::Role::Admin, &hash)
        .await
        .unwrap();
    for _ in 0..12 {
        // Long enough to start the COPY, too short to finish 200 000 rows.
        let _ = tokio::time::timeout(
            std::time::Duration::from_millis(15),
            store.reports(&ReportFilter::default()),
        )
        .await;
    }
    for i in 0..100 {
        let t = store.token_by_hash(&hash).await;
        assert!(
            matches!(&t, Ok(Some(r)) if r.name == "admin"),
            "lookup {i} after abandoned COPYs: {t:?}"
        );
    }
    assert_eq!(
        store.reports(&ReportFilter::default()).await.unwrap().len(),
        200_000
    );
    db.drop_schema().await;
}
