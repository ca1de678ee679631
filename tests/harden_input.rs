//! Issue 14, findings 7 and 8: ids are at most 64 characters without control characters,
//! checked once at ingest (file line/column errors, 422 details through the API); CSV
//! exports cannot run as spreadsheet formulas, and the reports CSV re-imports.

mod common {
    pub mod store_db;
}
mod harden_common;
mod server_common;

use assert_cmd::Command;
use axum::http::StatusCode;
use server_common::{ADMIN, ANALYST};

fn bad_ids_csv() -> String {
    format!(
        "id,lon,lat,kind,observed_at\n\
         {},107.60,16.46,use,2025-07-01\n\
         a\0b,107.60,16.46,use,2025-07-01\n\
         \"c\td\",107.60,16.46,use,2025-07-01\n\
         ok-1,107.60,16.46,use,2025-07-01\n",
        "x".repeat(65)
    )
}

#[test]
fn finding_7_ids_are_bounded_and_printable_cli() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("bad.csv");
    std::fs::write(&csv, bad_ids_csv()).unwrap();
    let db = format!("sqlite://{}", dir.path().join("h.db").display());
    let out = Command::cargo_bin("hotspot")
        .unwrap()
        .args(["import", "reports", csv.to_str().unwrap(), "--db", &db])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    let f = csv.display();
    assert!(
        err.contains(&format!("{f}:2: id: id of 65 characters is longer than 64")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{f}:3: id: id holds the control character U+0000")),
        "{err}"
    );
    assert!(
        err.contains(&format!("{f}:4: id: id holds the control character U+0009")),
        "{err}"
    );
    assert!(!err.contains(":5:"), "{err}");
    // GeoJSON: the same rule, the same words.
    let gj = dir.path().join("bad.geojson");
    std::fs::write(
        &gj,
        r#"{"type":"FeatureCollection","features":[
{"type":"Feature","geometry":{"type":"Point","coordinates":[107.6,16.46]},"properties":{"id":"a\u0000b","kind":"use","observed_at":"2025-07-01"}}]}"#,
    )
    .unwrap();
    let out = Command::cargo_bin("hotspot")
        .unwrap()
        .args(["import", "reports", gj.to_str().unwrap(), "--db", &db])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "{}:2: id: id holds the control character U+0000",
            gj.display()
        )),
        "{err}"
    );
}

#[tokio::test]
async fn finding_7_ids_are_bounded_and_printable_api() {
    let app = harden_common::sqlite_app().await;
    let a = app
        .post("/api/reports", Some(ADMIN), "text/csv", bad_ids_csv())
        .await;
    assert_eq!(a.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", a.text());
    let details = a.json()["details"].as_array().unwrap().clone();
    let got: Vec<(u64, String)> = details
        .iter()
        .map(|d| {
            (
                d["line"].as_u64().unwrap(),
                d["column"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![(2, "id".into()), (3, "id".into()), (4, "id".into())],
        "{details:?}"
    );
    // A single JSON report with a 5 MB id is refused the same way.
    let huge = serde_json::json!({
        "id": "y".repeat(5 << 20), "lon": 107.6, "lat": 16.46, "kind": "use",
        "observed_at": "2025-07-01"
    });
    let a = app
        .post(
            "/api/reports",
            Some(ADMIN),
            "application/json",
            huge.to_string(),
        )
        .await;
    assert_eq!(
        a.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        &a.text()[..200.min(a.text().len())]
    );
    let stored = app
        .state
        .store
        .count_reports(&Default::default())
        .await
        .unwrap();
    assert_eq!(
        stored,
        server_common::reports().len() as u64,
        "nothing was stored"
    );
}

#[tokio::test]
async fn finding_8_csv_export_is_formula_safe_and_reimports() {
    let app = harden_common::sqlite_app().await;
    let evil = "id,lon,lat,kind,observed_at\n\
                \"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",107.601,16.461,sale,2025-07-01T08:00:00\n\
                +SUM(1),107.602,-16.462,use,2025-07-02\n\
                @cmd,-107.603,16.463,use,2025-07-03\n";
    let a = app
        .post("/api/reports", Some(ADMIN), "text/csv", evil)
        .await;
    assert_eq!(a.status, StatusCode::CREATED, "{}", a.text());
    let a = app
        .get("/api/reports?format=csv&limit=10000", Some(ANALYST))
        .await;
    assert_eq!(a.status, StatusCode::OK);
    let text = a.text();
    assert!(text.starts_with("id,lon,lat,kind,observed_at\n"), "{text}");
    for line in text.lines().skip(1) {
        let first = line.trim_start_matches('"').chars().next().unwrap();
        assert!(
            !matches!(first, '=' | '+' | '-' | '@' | '\t' | '\r'),
            "a spreadsheet would evaluate: {line}"
        );
    }
    assert!(text.contains("'=HYPERLINK"), "{text}");
    assert!(
        text.contains(",-107.603,"),
        "negative coordinates stay numbers: {text}"
    );
    // The export goes back in through the CLI importer, unchanged.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("export.csv");
    std::fs::write(&file, &text).unwrap();
    let db = format!("sqlite://{}", dir.path().join("again.db").display());
    let out = Command::cargo_bin("hotspot")
        .unwrap()
        .args(["import", "reports", file.to_str().unwrap(), "--db", &db])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let again = hotspot::store::open(&db).await.unwrap();
    let mut want = app.state.store.reports(&Default::default()).await.unwrap();
    let mut got = again.reports(&Default::default()).await.unwrap();
    want.sort_by(|a, b| a.id.cmp(&b.id));
    got.sort_by(|a, b| a.id.cmp(&b.id));
    assert_eq!(got, want);
    assert!(
        got.iter()
            .any(|r| r.id == "=HYPERLINK(\"http://evil.example\",\"x\")")
    );
}
