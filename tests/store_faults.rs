//! Faults in the middle of an import: a SQLite writer killed with SIGKILL leaves a consistent
//! file with either none or all of the import.

#[path = "common/store_db.rs"]
mod db;

use db::{grid_reports, meta};
use hotspot::store::sqlite::SqliteStore;
use hotspot::store::{ImportKind, OnConflict, ReportFilter, Store};
use sqlx::Connection;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

const CHILD_DB: &str = "HOTSPOT_STORE_TEST_CHILD_DB";
const ROWS: usize = 300_000;

/// Re-runs this very test in a child process (libtest/nextest accept `--exact NAME`); the child
/// imports `ROWS` reports into the file named by `CHILD_DB` and is killed mid-way.
#[tokio::test]
async fn sqlite_sigkill_mid_import_leaves_consistent_file() {
    if let Ok(path) = std::env::var(CHILD_DB) {
        let store = SqliteStore::open(&format!("sqlite://{path}"))
            .await
            .unwrap();
        let rows = grid_reports(ROWS);
        println!("CHILD-READY");
        store
            .import_reports(&meta(ImportKind::Reports, "big", OnConflict::Error), &rows)
            .await
            .unwrap();
        println!("CHILD-DONE");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("killed.db");
    let url = format!("sqlite://{}", path.display());
    drop(SqliteStore::open(&url).await.unwrap()); // created and migrated

    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "sqlite_sigkill_mid_import_leaves_consistent_file",
            "--nocapture",
        ])
        .env(CHILD_DB, &path)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines.next().expect("child exited before starting").unwrap();
        if line.contains("CHILD-READY") {
            break;
        }
    }
    std::thread::sleep(Duration::from_millis(250));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(
        !rest.iter().any(|l| l.contains("CHILD-DONE")),
        "the child finished before it was killed; the test proved nothing"
    );

    let mut conn = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    conn.close().await.unwrap();

    let store = SqliteStore::open(&url).await.unwrap();
    let st = store.status().await.unwrap();
    assert!(
        (st.reports, st.imports) == (0, 0) || (st.reports, st.imports) == (ROWS as u64, 1),
        "half an import survived: {st:?}"
    );
    // And the file keeps working.
    let rows = grid_reports(10);
    let fresh: Vec<_> = rows
        .into_iter()
        .map(|mut r| {
            r.id = format!("new-{}", r.id);
            r
        })
        .collect();
    store
        .import_reports(
            &meta(ImportKind::Reports, "after", OnConflict::Error),
            &fresh,
        )
        .await
        .unwrap();
    assert_eq!(
        store.count_reports(&ReportFilter::default()).await.unwrap(),
        st.reports + 10
    );
}
