//! The monthly briefing and the programme dashboard as a planner meets them: the demo ward
//! loaded with `hotspot demo --load-only`, the briefing written by `hotspot briefing` and
//! read back with poppler (`pdftotext`, `pdfinfo`, `pdftoppm`), the dashboard endpoint
//! compared with `hotspot status --json` and `hotspot progress --json`.
//!
//! poppler-utils is installed by `scripts/setup-system.sh`. Without it the PDF checks are
//! skipped locally and fail under `CI=true`.

mod cli_common;
mod server_common;

use std::path::Path;
use std::process::Command as Process;
use std::time::Instant;

use cli_common::{Dir, hotspot};
use hotspot::server::{AppState, ServerConfig, router};
use serde_json::Value;
use server_common::App;

const AREA: &str = "P-ANCUU";
const MONTH: &str = "2026-10";

/// True when `tool` runs; false (locally) or a panic (under CI=true) when it is missing.
fn have(tool: &str) -> bool {
    let ok = Process::new(tool)
        .arg("-v")
        .output()
        .map(|o| o.status.success() || !o.stderr.is_empty())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{tool} is missing (poppler-utils; run scripts/setup-system.sh)"
        );
        eprintln!("SKIPPED: {tool} is missing (poppler-utils; run scripts/setup-system.sh)");
    }
    ok
}

/// A store file with the demo ward loaded by the CLI.
fn demo_db(dir: &Dir) -> String {
    let url = format!("sqlite://{}", dir.s("demo.db"));
    hotspot()
        .args(["demo", "--load-only", "--db", &url])
        .assert()
        .success();
    url
}

fn run(tool: &str, args: &[&str]) -> String {
    let out = Process::new(tool).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The dashboard as the API answers it (anonymous viewer of an open server).
/// `/api/dashboard?query` as an anonymous viewer, or as an analyst with `analyst`.
async fn dashboard_as(url: &str, query: &str, analyst: bool) -> (u16, Value) {
    let app = open_app(url).await;
    let token = if analyst {
        let t = hotspot::server::auth::new_token();
        app.state
            .store
            .create_token(
                "analyst",
                hotspot::store::Role::Analyst,
                &hotspot::server::auth::token_hash(&t),
            )
            .await
            .unwrap();
        Some(t)
    } else {
        None
    };
    let a = app
        .get(&format!("/api/dashboard?{query}"), token.as_deref())
        .await;
    let status = a.status.as_u16();
    (status, if status == 200 { a.json() } else { Value::Null })
}

async fn open_app(url: &str) -> App {
    let store = hotspot::store::open(url).await.unwrap();
    let state = AppState::new(
        store,
        ServerConfig {
            open: true,
            ..ServerConfig::default()
        },
    );
    App {
        router: router(state.clone()),
        state,
    }
}

fn pct(v: &Value) -> String {
    format!("{:.0} %", v.as_f64().unwrap() * 100.0)
}

/// Share of non-white pixels of a PNG.
fn ink(png: &Path) -> f64 {
    let img = image::open(png).unwrap().to_rgb8();
    let dark = img
        .pixels()
        .filter(|p| p.0.iter().any(|&c| c < 235))
        .count();
    dark as f64 / (img.width() * img.height()) as f64
}

#[tokio::test(flavor = "multi_thread")]
async fn pdf_briefing_of_the_demo_ward_reads_as_the_dashboard_says() {
    let dir = Dir::new();
    let url = demo_db(&dir);
    let pdf = dir.s("briefing.pdf");
    let started = Instant::now();
    hotspot()
        .args(["briefing", "--db", &url, "--area", AREA, "--month", MONTH])
        .args(["--out", &pdf])
        .assert()
        .success();
    eprintln!("briefing.pdf in {:.2} s", started.elapsed().as_secs_f64());
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let (status, d) = dashboard_as(&url, &format!("area={AREA}&month={MONTH}"), false).await;
    assert_eq!(status, 200);
    if !(have("pdftotext") && have("pdfinfo") && have("pdftoppm")) {
        return;
    }

    let info = run("pdfinfo", &[&pdf]);
    let pages: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    assert!((1..=3).contains(&pages), "{pages} pages");
    assert!(
        info.contains("595.28 x 841.89") || info.contains("595 x 842"),
        "A4: {info}"
    );

    let text = run("pdftotext", &["-layout", &pdf, "-"]);
    for needle in [
        "An Cựu",
        "Dữ liệu đến",
        "tháng 10/2026",
        "DỮ LIỆU TỔNG HỢP",
        "Tổ dân phố 7",
        "Rõ thẩm quyền",
    ] {
        assert!(text.contains(needle), "{needle:?} missing from:\n{text}");
    }
    // The dashboard's numbers are the document's numbers.
    let n = d["children"].as_array().unwrap().len();
    assert_eq!(n, 20);
    let drug_free = d["drug_free"].as_u64().unwrap();
    assert!(
        text.contains(&format!("{drug_free}/{n}")),
        "{drug_free}/{n} missing"
    );
    for t in d["targets"].as_array().unwrap() {
        let line = format!(
            "{}/{} = {}",
            t["drug_free"],
            t["children"],
            pct(&t["actual_share"])
        );
        assert!(
            text.contains(&line),
            "target {line:?} missing from:\n{text}"
        );
    }
    for h in d["hotspots"].as_array().unwrap() {
        if let Some(id) = h["id"].as_str() {
            assert!(text.contains(id), "hotspot {id} missing");
        }
    }
    for x in d["discrepancies"].as_array().unwrap() {
        let name = x["area_name"].as_str().unwrap();
        assert!(text.contains(name), "discrepancy of {name} missing");
    }
    // Aggregates only: no report id reaches the document.
    assert!(!text.contains("R-0"), "a report id leaked:\n{text}");

    // Page 1 is drawn, not blank.
    let png = dir.path("page1");
    run(
        "pdftoppm",
        &[
            "-r",
            "50",
            "-f",
            "1",
            "-l",
            "1",
            "-png",
            "-singlefile",
            &pdf,
            png.to_str().unwrap(),
        ],
    );
    let share = ink(&dir.path("page1.png"));
    assert!(share > 0.05, "page 1 is nearly blank ({share:.3} inked)");
    if let Ok(out) = std::env::var("BRIEFING_OUT") {
        std::fs::copy(&pdf, Path::new(&out).join("briefing-demo.pdf")).unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn dashboard_equals_status_and_progress() {
    let dir = Dir::new();
    let url = demo_db(&dir);
    // An anonymous viewer reads the month of the last day with data, as the map shows it
    // (and statuses computed from generalised reports, issue 14: not compared with the CLI).
    let (status, v) = dashboard_as(&url, &format!("area={AREA}&month={MONTH}"), false).await;
    assert_eq!(status, 200);
    assert_eq!(v["data_as_of"], MONTH);
    // An analyst's dashboard holds the exact numbers the CLI computes.
    let (status, d) = dashboard_as(&url, &format!("area={AREA}&month={MONTH}"), true).await;
    assert_eq!(status, 200);
    assert_eq!(d["month"], MONTH);
    assert_eq!(d["as_of"], "2026-10-31");
    assert_eq!(d["child_level"], "residential_group");
    assert_eq!(d["data_as_of"], "2026-10-19");

    let out = hotspot()
        .args(["status", "--db", &url, "--month", MONTH, "--json"])
        .args(["--level", "residential_group"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let st: Value = serde_json::from_slice(&out.stdout).unwrap();
    let out = hotspot()
        .args(["progress", "--db", &url, "--area", AREA, "--json"])
        .args(["--today", "2026-10-31"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let pr: Value = serde_json::from_slice(&out.stdout).unwrap();

    // Every child's status, since and window count are the status command's.
    let by_id = |id: &str| {
        st["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["id"] == id)
            .unwrap_or_else(|| panic!("{id} not in hotspot status"))
            .clone()
    };
    let mut counts = std::collections::BTreeMap::<String, u64>::new();
    for c in d["children"].as_array().unwrap() {
        let s = by_id(c["id"].as_str().unwrap());
        assert_eq!(c["status"], s["status"], "{}", c["id"]);
        assert_eq!(c["since"], s["since"], "{}", c["id"]);
        assert_eq!(c["window_reports"], s["window_reports"], "{}", c["id"]);
        *counts
            .entry(s["status"].as_str().unwrap().into())
            .or_default() += 1;
    }
    for (status, n) in d["per_status"].as_object().unwrap() {
        assert_eq!(
            n.as_u64().unwrap(),
            counts.get(status).copied().unwrap_or(0),
            "{status}"
        );
    }
    let relapsed: Vec<&str> = st["areas"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["status"] == "relapsed")
        .map(|a| a["id"].as_str().unwrap())
        .collect();
    let dash_relapsed: Vec<&str> = d["relapsed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(dash_relapsed, relapsed);
    assert!(!relapsed.is_empty(), "the demo's group 7 relapses in 2026");

    // Targets: the very objects `hotspot progress` prints.
    assert_eq!(d["targets"], pr["targets"]);
    assert_eq!(d["targets"].as_array().unwrap().len(), 3);

    // Discrepancies of the groups: the status command's list.
    let ids = |v: &Value| -> Vec<String> {
        let mut v: Vec<String> = v
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["area_id"].as_str().unwrap().to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids(&d["discrepancies"]), ids(&st["discrepancies"]));
    assert!(ids(&d["discrepancies"]).contains(&"P-ANCUU-TDP07".to_string()));

    // Plans: the demo's open plan of group 7 (deadline 30/06/2026) is overdue in October.
    let overdue = d["overdue_plans"].as_array().unwrap();
    let plan_of = |id: &Value| {
        d["plans"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| &p["id"] == id)
            .unwrap()
            .clone()
    };
    assert!(
        overdue
            .iter()
            .any(|id| plan_of(id)["subject"]["id"] == "P-ANCUU-TDP07"),
        "{overdue:?}"
    );
    // Viewers get aggregates: no report ids anywhere.
    assert!(!d.to_string().contains("R-0"));
}

#[tokio::test(flavor = "multi_thread")]
async fn briefing_over_http_and_bad_requests() {
    let dir = Dir::new();
    let url = demo_db(&dir);
    let app = open_app(&url).await;
    let a = app
        .get(&format!("/api/briefing?area={AREA}&month={MONTH}"), None)
        .await;
    assert_eq!(a.status, 200, "{}", a.text());
    assert_eq!(
        a.header(axum::http::header::CONTENT_TYPE),
        "application/pdf"
    );
    assert!(a.body.starts_with(b"%PDF-"));
    assert!(
        a.header(axum::http::header::CONTENT_DISPOSITION)
            .contains("briefing-P-ANCUU-2026-10.pdf")
    );
    let a = app
        .get(
            &format!("/api/briefing?area={AREA}&month={MONTH}&format=html&lang=en"),
            None,
        )
        .await;
    assert_eq!(a.status, 200);
    assert!(
        a.header(axum::http::header::CONTENT_TYPE)
            .starts_with("text/html")
    );
    let html = a.text();
    assert!(html.contains("Data up to") && html.contains("SYNTHETIC DATA"));

    let a = app.get("/api/briefing?area=NOWHERE", None).await;
    assert_eq!(a.status, 404, "{}", a.text());
    assert!(a.text().contains("NOWHERE"));
    let a = app
        .get("/api/dashboard?area=P-ANCUU&month=2026-13", None)
        .await;
    assert_eq!(a.status, 400);
    assert!(a.text().contains("month"), "{}", a.text());
    let a = app
        .get("/api/briefing?area=P-ANCUU&format=docx", None)
        .await;
    assert_eq!(a.status, 400);
    assert!(a.text().contains("format"), "{}", a.text());
    let a = app.get("/api/dashboard", None).await;
    assert_eq!(a.status, 400);
    assert!(a.text().contains("area"));

    // A closed server asks for a token.
    let closed = {
        let store = hotspot::store::open(&url).await.unwrap();
        let state = AppState::new(store, ServerConfig::default());
        App {
            router: router(state.clone()),
            state,
        }
    };
    assert_eq!(
        closed
            .get(&format!("/api/briefing?area={AREA}"), None)
            .await
            .status,
        401
    );
}

#[test]
fn html_briefing_is_one_self_contained_page() {
    let dir = Dir::new();
    let url = demo_db(&dir);
    let out = dir.s("briefing.html");
    hotspot()
        .args(["briefing", "--db", &url, "--area", AREA, "--month", MONTH])
        .args(["--out", &out])
        .assert()
        .success();
    let html = dir.read("briefing.html");
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<html lang=\"vi\">"));
    for needle in ["An Cựu", "Dữ liệu đến", "DỮ LIỆU TỔNG HỢP", "Rõ thẩm quyền"]
    {
        assert!(html.contains(needle), "{needle:?} missing");
    }
    // The map and both charts are inline SVG; nothing is fetched, nothing runs.
    assert!(html.matches("<svg").count() >= 3, "map + 2 charts");
    assert!(!html.contains("<script"));
    assert!(!html.contains("src=\"http"));
    assert!(!html.contains("R-0"), "a report id leaked");
}

#[test]
fn bad_briefing_arguments_are_exit_2() {
    let dir = Dir::new();
    let url = demo_db(&dir);
    let out = hotspot()
        .args(["briefing", "--db", &url, "--area", "NOWHERE", "--out"])
        .arg(dir.s("x.pdf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("NOWHERE"));
    assert!(!dir.path("x.pdf").exists(), "no file on failure");
    let out = hotspot()
        .args(["briefing", "--db", &url, "--area", AREA, "--out"])
        .arg(dir.s("x.docx"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--out"));
    let out = hotspot()
        .args([
            "briefing", "--db", &url, "--area", AREA, "--month", "2026-13",
        ])
        .arg("--out")
        .arg(dir.s("x.pdf"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("month")
            || String::from_utf8_lossy(&out.stderr).contains("2026-13")
    );
}
