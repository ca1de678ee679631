//! Hand-made timelines for every status rule, declared-vs-computed discrepancies and targets.

use chrono::{NaiveDate, NaiveDateTime};
use geo::{MultiPolygon, polygon};
use hotspot::lifecycle::discrepancy::check_declarations;
use hotspot::lifecycle::status::StatusTable;
use hotspot::lifecycle::{
    CleaningRegistration, LifecycleError, SignificantHotspot, StatusInput, StatusParams,
    TargetState, area_statuses, discrepancies, target_progress,
};
use hotspot::model::{Area, AreaLevel, AreaStatus, Declaration, Report, ReportKind, Target};

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn t(s: &str) -> NaiveDateTime {
    format!("{s}T10:00:00").parse().unwrap()
}

/// Unit square with its lower-left corner at (x0, 0).
fn square(x0: f64, w: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![polygon![
        (x: x0, y: 0.0), (x: x0 + w, y: 0.0), (x: x0 + w, y: 1.0), (x: x0, y: 1.0)
    ]])
}

fn area(id: &str, level: AreaLevel, parent: Option<&str>, geometry: MultiPolygon<f64>) -> Area {
    Area {
        id: id.into(),
        name: id.into(),
        level,
        parent_id: parent.map(Into::into),
        geometry,
    }
}

fn group(id: &str, x0: f64) -> Area {
    area(id, AreaLevel::ResidentialGroup, Some("W"), square(x0, 1.0))
}

/// Reports at x = x0 + 0.5 on the given days, ids `{prefix}{n}`.
fn reports_at(prefix: &str, x0: f64, days: &[&str]) -> Vec<Report> {
    days.iter()
        .enumerate()
        .map(|(i, day)| Report {
            id: format!("{prefix}{i}"),
            lon: x0 + 0.5,
            lat: 0.5,
            kind: ReportKind::Sale,
            observed_at: t(day),
        })
        .collect()
}

fn run(
    areas: &[Area],
    reports: &[Report],
    regs: &[CleaningRegistration],
    first: &str,
    last: &str,
) -> StatusTable {
    let input = StatusInput {
        areas,
        reports,
        registrations: regs,
        significant: &[],
    };
    area_statuses(&input, d(first), d(last), &StatusParams::default()).unwrap()
}

fn status(table: &StatusTable, id: &str, month: &str) -> (AreaStatus, NaiveDate) {
    let s = table.area(id).unwrap().at(d(month)).unwrap();
    (s.status, s.since)
}

fn ids(table: &StatusTable, reports: &[Report], id: &str, month: &str) -> Vec<String> {
    let s = table.area(id).unwrap().at(d(month)).unwrap();
    s.deciding
        .iter()
        .map(|&i| reports[i as usize].id.clone())
        .collect()
}

use AreaStatus::*;

#[test]
fn area_without_reports_is_clean_from_the_start() {
    let areas = [group("A", 0.0)];
    let table = run(&areas, &[], &[], "2024-01-01", "2026-10-01");
    assert_eq!(table.months.len(), 34);
    for s in &table.area("A").unwrap().months {
        assert_eq!((s.status, s.since), (Clean, d("2024-01-01")));
        assert!(s.deciding.is_empty());
    }
}

#[test]
fn hotspot_then_cleaning_then_clean_then_kept_clean() {
    let areas = [group("A", 0.0)];
    let reports = reports_at("r", 0.0, &["2024-01-05", "2024-01-10", "2024-01-20"]);
    let table = run(&areas, &reports, &[], "2024-01-01", "2025-12-01");
    // Jan–Mar: 3 reports in the 3-month window.
    assert_eq!(
        status(&table, "A", "2024-01-01"),
        (Hotspot, d("2024-01-01"))
    );
    assert_eq!(
        status(&table, "A", "2024-03-01"),
        (Hotspot, d("2024-01-01"))
    );
    assert_eq!(ids(&table, &reports, "A", "2024-03-01"), ["r0", "r1", "r2"]);
    // Apr–Jun: below the threshold but reports in the 6-month window.
    assert_eq!(
        status(&table, "A", "2024-04-01"),
        (Cleaning, d("2024-04-01"))
    );
    assert_eq!(
        status(&table, "A", "2024-06-01"),
        (Cleaning, d("2024-04-01"))
    );
    assert_eq!(ids(&table, &reports, "A", "2024-06-01"), ["r0", "r1", "r2"]);
    assert_eq!(
        table
            .area("A")
            .unwrap()
            .at(d("2024-06-01"))
            .unwrap()
            .window_reports,
        3
    );
    // Jul: six months without reports.
    assert_eq!(status(&table, "A", "2024-07-01"), (Clean, d("2024-07-01")));
    assert!(ids(&table, &reports, "A", "2024-07-01").is_empty());
    // 11th clean month still clean, the 12th (2025-06) is kept clean.
    assert_eq!(status(&table, "A", "2025-05-01"), (Clean, d("2024-07-01")));
    assert_eq!(
        status(&table, "A", "2025-06-01"),
        (KeptClean, d("2025-06-01"))
    );
    assert_eq!(
        status(&table, "A", "2025-12-01"),
        (KeptClean, d("2025-06-01"))
    );
}

#[test]
fn report_after_kept_clean_is_a_relapse_until_clean_again() {
    let areas = [group("A", 0.0)];
    let mut reports = reports_at("r", 0.0, &["2024-01-05", "2024-01-10", "2024-01-20"]);
    reports.extend(reports_at("late", 0.0, &["2025-09-03"]));
    let table = run(&areas, &reports, &[], "2024-01-01", "2026-10-01");
    assert_eq!(
        status(&table, "A", "2025-08-01"),
        (KeptClean, d("2025-06-01"))
    );
    assert_eq!(
        status(&table, "A", "2025-09-01"),
        (Relapsed, d("2025-09-01"))
    );
    assert_eq!(ids(&table, &reports, "A", "2025-09-01"), ["late0"]);
    assert_eq!(
        status(&table, "A", "2026-02-01"),
        (Relapsed, d("2025-09-01"))
    );
    // 2026-03: the window Oct–Mar is empty again; a fresh clean run starts.
    assert_eq!(status(&table, "A", "2026-03-01"), (Clean, d("2026-03-01")));
    assert_eq!(status(&table, "A", "2026-10-01"), (Clean, d("2026-03-01")));
}

#[test]
fn relapse_directly_after_clean_and_burst_back_to_hotspot() {
    let areas = [group("A", 0.0)];
    let days = [
        "2024-01-01",
        "2024-01-02",
        "2024-01-03", // hotspot Jan–Mar
        "2024-10-01", // clean from Jul, relapse in Oct
        "2024-11-01",
        "2024-11-02", // Oct+Nov = 3 in the hotspot window
    ];
    let reports = reports_at("r", 0.0, &days);
    let table = run(&areas, &reports, &[], "2024-01-01", "2025-06-01");
    assert_eq!(status(&table, "A", "2024-09-01"), (Clean, d("2024-07-01")));
    assert_eq!(
        status(&table, "A", "2024-10-01"),
        (Relapsed, d("2024-10-01"))
    );
    assert_eq!(
        status(&table, "A", "2024-11-01"),
        (Hotspot, d("2024-11-01"))
    );
    assert_eq!(ids(&table, &reports, "A", "2024-11-01"), ["r3", "r4", "r5"]);
    assert_eq!(
        status(&table, "A", "2024-12-01"),
        (Hotspot, d("2024-11-01"))
    );
    // Hot window Nov–Jan holds 2 < 3 → cleaning (after a hotspot, not a relapse).
    assert_eq!(
        status(&table, "A", "2025-01-01"),
        (Cleaning, d("2025-01-01"))
    );
    assert_eq!(
        status(&table, "A", "2025-04-01"),
        (Cleaning, d("2025-01-01"))
    );
    assert_eq!(status(&table, "A", "2025-05-01"), (Clean, d("2025-05-01")));
}

#[test]
fn registration_turns_a_relapse_into_cleaning() {
    let areas = [group("A", 0.0)];
    let reports = reports_at(
        "r",
        0.0,
        &["2024-01-01", "2024-01-02", "2024-01-03", "2024-10-01"],
    );
    let regs = [CleaningRegistration {
        area_id: "A".into(),
        from: d("2024-11-15"),
        to: d("2025-12-31"),
    }];
    let table = run(&areas, &reports, &regs, "2024-01-01", "2025-06-01");
    assert_eq!(
        status(&table, "A", "2024-10-01"),
        (Relapsed, d("2024-10-01"))
    );
    assert_eq!(
        status(&table, "A", "2024-11-01"),
        (Cleaning, d("2024-11-01"))
    );
    assert_eq!(
        status(&table, "A", "2025-03-01"),
        (Cleaning, d("2024-11-01"))
    );
    // Registration never overrides the data: six empty months make it clean.
    assert_eq!(status(&table, "A", "2025-04-01"), (Clean, d("2025-04-01")));
}

#[test]
fn a_first_report_ever_is_cleaning_not_relapse() {
    let areas = [group("A", 0.0)];
    let reports = reports_at("r", 0.0, &["2025-03-10"]);
    let table = run(&areas, &reports, &[], "2025-01-01", "2025-12-01");
    assert_eq!(status(&table, "A", "2025-02-01"), (Clean, d("2025-01-01")));
    assert_eq!(
        status(&table, "A", "2025-03-01"),
        (Cleaning, d("2025-03-01"))
    );
    assert_eq!(
        status(&table, "A", "2025-08-01"),
        (Cleaning, d("2025-03-01"))
    );
    assert_eq!(status(&table, "A", "2025-09-01"), (Clean, d("2025-09-01")));
}

#[test]
fn history_before_the_first_month_counts() {
    let areas = [group("A", 0.0)];
    let reports = reports_at("r", 0.0, &["2023-12-01", "2023-12-02", "2023-12-03"]);
    let table = run(&areas, &reports, &[], "2024-02-01", "2024-03-01");
    assert_eq!(table.months, [d("2024-02-01"), d("2024-03-01")]);
    assert_eq!(
        status(&table, "A", "2024-02-01"),
        (Hotspot, d("2023-12-01"))
    );
    assert_eq!(
        status(&table, "A", "2024-03-01"),
        (Cleaning, d("2024-03-01"))
    );
}

#[test]
fn reports_after_the_last_month_are_ignored() {
    let areas = [group("A", 0.0)];
    let reports = reports_at("r", 0.0, &["2025-01-01", "2025-01-02", "2025-01-03"]);
    let table = run(&areas, &reports, &[], "2024-06-01", "2024-12-01");
    assert!(
        table
            .area("A")
            .unwrap()
            .months
            .iter()
            .all(|s| s.status == Clean)
    );
}

#[test]
fn significant_hotspot_makes_intersecting_areas_hotspots() {
    let areas = [group("A", 0.0), group("B", 1.0)];
    let sig = [SignificantHotspot {
        polygon: square(0.2, 0.3),
        from: d("2025-02-10"),
        to: d("2025-03-05"),
    }];
    let input = StatusInput {
        areas: &areas,
        reports: &[],
        registrations: &[],
        significant: &sig,
    };
    let table = area_statuses(
        &input,
        d("2025-01-01"),
        d("2025-04-01"),
        &StatusParams::default(),
    )
    .unwrap();
    assert_eq!(status(&table, "A", "2025-01-01").0, Clean);
    assert_eq!(
        status(&table, "A", "2025-02-01"),
        (Hotspot, d("2025-02-01"))
    );
    assert_eq!(
        status(&table, "A", "2025-03-01"),
        (Hotspot, d("2025-02-01"))
    );
    assert_eq!(status(&table, "A", "2025-04-01"), (Clean, d("2025-04-01")));
    assert_eq!(status(&table, "B", "2025-02-01").0, Clean);
}

#[test]
fn parents_aggregate_their_childrens_reports() {
    let ward = area("W", AreaLevel::Commune, None, square(0.0, 2.0));
    let areas = [ward, group("A", 0.0), group("B", 1.0)];
    let mut reports = reports_at("a", 0.0, &["2025-01-01", "2025-01-02"]);
    reports.extend(reports_at("b", 1.0, &["2025-01-03", "2025-01-04"]));
    let table = run(&areas, &reports, &[], "2025-01-01", "2025-01-01");
    assert_eq!(status(&table, "W", "2025-01-01").0, Hotspot);
    assert_eq!(
        ids(&table, &reports, "W", "2025-01-01"),
        ["a0", "a1", "b0", "b1"]
    );
    assert_eq!(status(&table, "A", "2025-01-01").0, Cleaning);
    assert_eq!(status(&table, "B", "2025-01-01").0, Cleaning);
    assert_eq!(
        table.assigned,
        vec![vec![0, 1, 2, 3], vec![0, 1], vec![2, 3]]
    );
    let counts = table.counts_per_status(Some(AreaLevel::ResidentialGroup));
    assert_eq!(counts[0][Cleaning.index()], 2);
}

#[test]
fn custom_thresholds_and_bad_parameters() {
    let areas = [group("A", 0.0)];
    let reports = reports_at("r", 0.0, &["2025-01-01"]);
    let params = StatusParams {
        hotspot_threshold: 1,
        hotspot_window: 1,
        clean_window: 1,
        kept_clean_months: 2,
    };
    let input = StatusInput {
        areas: &areas,
        reports: &reports,
        registrations: &[],
        significant: &[],
    };
    let table = area_statuses(&input, d("2025-01-01"), d("2025-04-01"), &params).unwrap();
    let got: Vec<_> = table.areas[0].months.iter().map(|s| s.status).collect();
    assert_eq!(got, [Hotspot, Clean, KeptClean, KeptClean]);
    let bad = StatusParams {
        clean_window: 0,
        ..params
    };
    assert!(matches!(
        area_statuses(&input, d("2025-01-01"), d("2025-04-01"), &bad),
        Err(LifecycleError::Parameter {
            name: "clean_window",
            ..
        })
    ));
}

fn declaration(area: &str, status: AreaStatus, at: &str) -> Declaration {
    Declaration {
        area_id: area.into(),
        status,
        declared_at: d(at),
        declared_by: "UBND phường".into(),
    }
}

#[test]
fn declared_clean_areas_contradicted_by_data_are_flagged() {
    let areas = [group("A", 0.0), group("B", 1.0), group("C", 2.0)];
    let mut reports = reports_at(
        "a",
        0.0,
        &["2024-01-05", "2024-01-10", "2024-01-20", "2025-09-03"],
    );
    reports.extend(reports_at("b", 1.0, &["2024-03-01"]));
    let table = run(&areas, &reports, &[], "2024-01-01", "2026-10-01");
    let decls = [
        // A is clean from 2024-07; declared in Aug, relapses in Sep 2025.
        declaration("A", Clean, "2024-08-15"),
        // B declared clean while its March report is still in the window.
        declaration("B", KeptClean, "2024-05-01"),
        // C never had a report.
        declaration("C", Clean, "2024-02-01"),
    ];
    let all = check_declarations(&table, &reports, &decls);
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].computed_at_declaration, Some(Clean));
    assert_eq!(all[0].computed_latest, Some(Clean));
    let flagged = discrepancies(&table, &reports, &decls);
    let summary: Vec<_> = flagged
        .iter()
        .map(|f| {
            let ids: Vec<_> = f
                .contradicting_reports
                .iter()
                .map(|&i| reports[i as usize].id.as_str())
                .collect();
            (f.area_id.as_str(), f.first_contradicted, ids)
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            ("A", Some(d("2025-09-01")), vec!["a3"]),
            ("B", Some(d("2024-05-01")), vec!["b0"]),
        ]
    );
    assert_eq!(flagged[1].computed_at_declaration, Some(Cleaning));
}

#[test]
fn a_later_declaration_ends_the_earlier_ones_period() {
    let areas = [group("A", 0.0)];
    let reports = reports_at(
        "a",
        0.0,
        &["2024-01-05", "2024-01-10", "2024-01-20", "2025-09-03"],
    );
    let table = run(&areas, &reports, &[], "2024-01-01", "2026-10-01");
    let decls = [
        declaration("A", Clean, "2024-08-15"),
        declaration("A", Cleaning, "2025-08-01"),
    ];
    let all = check_declarations(&table, &reports, &decls);
    assert!(!all[0].contradicted, "{:?}", all[0]);
    // Declaring a non-clean status is shown but never flagged.
    assert!(!all[1].contradicted);
    assert_eq!(all[1].computed_latest, Some(Clean));
    assert!(discrepancies(&table, &reports, &decls).is_empty());
}

fn target(share: f64, due: &str, level: AreaLevel) -> Target {
    Target {
        area_id: "W".into(),
        level,
        share,
        due: d(due),
    }
}

#[test]
fn target_progress_met_behind_and_linear_pace() {
    let ward = area("W", AreaLevel::Commune, None, square(0.0, 4.0));
    let areas = [
        ward,
        group("G1", 0.0),
        group("G2", 1.0),
        group("G3", 2.0),
        group("G4", 3.0),
    ];
    // G2: hotspot in Jan 2024, clean from Jul 2024. G3, G4: 3 reports every month.
    let mut reports = reports_at("g2-", 1.0, &["2024-01-01", "2024-01-02", "2024-01-03"]);
    let monthly: Vec<String> = (0..34)
        .map(|i| format!("{}-{:02}-10", 2024 + i / 12, i % 12 + 1))
        .collect();
    let days: Vec<&str> = monthly.iter().flat_map(|m| [m.as_str(); 3]).collect();
    reports.extend(reports_at("g3-", 2.0, &days));
    reports.extend(reports_at("g4-", 3.0, &days));
    let table = run(&areas, &reports, &[], "2024-01-01", "2026-10-01");
    let targets = [
        target(0.5, "2025-06-30", AreaLevel::ResidentialGroup),
        target(0.75, "2025-12-31", AreaLevel::ResidentialGroup),
        target(1.0, "2027-12-31", AreaLevel::ResidentialGroup),
        target(0.6, "2027-12-31", AreaLevel::ResidentialGroup),
        target(0.3, "2027-12-31", AreaLevel::Province),
    ];
    let p = target_progress(&table, &areas, &targets, d("2026-10-15"));
    // Due passed, met in June 2025 (G1 clean, G2 kept clean).
    assert_eq!(p[0].evaluated_month, d("2025-06-01"));
    assert_eq!((p[0].drug_free, p[0].children), (2, 4));
    assert!(p[0].met && p[0].due_passed);
    assert_eq!(p[0].state, TargetState::OnTrack);
    // Due passed, 50 % < 75 %: behind; G3 and G4 are the hotspots left.
    assert_eq!(p[1].state, TargetState::Behind);
    assert_eq!(
        p[1].not_clean,
        vec![("G3".to_string(), Hotspot), ("G4".to_string(), Hotspot)]
    );
    // Pace: 0.25 in 2024-01 → 1.0 on 2027-12-31; at 2026-10-01, 1004 of 1460 days gone.
    assert_eq!(p[2].evaluated_month, d("2026-10-01"));
    assert!((p[2].expected_share - (0.25 + 0.75 * 1004.0 / 1460.0)).abs() < 1e-12);
    assert_eq!(p[2].state, TargetState::Behind);
    assert!((p[3].expected_share - (0.25 + 0.35 * 1004.0 / 1460.0)).abs() < 1e-12);
    assert_eq!(p[3].actual_share, 0.5);
    assert!(!p[3].met);
    assert_eq!(p[3].state, TargetState::OnTrack);
    // No children of that level: behind.
    assert_eq!(p[4].children, 0);
    assert_eq!(p[4].state, TargetState::Behind);
}
