//! The demo ward: deterministic, committed, synthetic, and telling the story its README
//! tells when run through the lifecycle rules. `UPDATE_DEMO=1` rewrites `data/demo`.

use chrono::NaiveDate;
use hotspot::demo::{self, WARD_ID, group_id};
use hotspot::ingest::programme::{read_declarations, read_plans, read_targets};
use hotspot::lifecycle::{
    StatusInput, StatusParams, TargetState, area_statuses, discrepancies, target_progress,
};
use hotspot::model::{AreaLevel, AreaStatus};
use std::path::Path;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

#[test]
fn committed_demo_files_match_the_generator() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    if std::env::var_os("UPDATE_DEMO").is_some() {
        demo::write(&dir).unwrap();
    }
    let a = demo::files(&demo::generate());
    let b = demo::files(&demo::generate());
    assert_eq!(a, b, "the generator is deterministic");
    for (name, text) in a {
        let committed = std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("data/demo/{name}: {e} (run with UPDATE_DEMO=1)"));
        assert!(
            committed == text,
            "data/demo/{name} is stale (run with UPDATE_DEMO=1)"
        );
    }
}

#[test]
fn demo_is_labelled_synthetic() {
    let s = demo::generate();
    assert!(s.areas.iter().all(|a| a.name.ends_with("(synthetic)")));
    assert!(s.sites.iter().all(|a| a.name.ends_with("(synthetic)")));
    assert_eq!(
        s.areas
            .iter()
            .filter(|a| a.level == AreaLevel::ResidentialGroup)
            .count(),
        20
    );
    let files = demo::files(&s);
    let areas = &files.iter().find(|(n, _)| *n == "areas.geojson").unwrap().1;
    assert_eq!(areas.matches("\"synthetic\": true").count(), s.areas.len());
    assert!(areas.contains("Tổ dân phố 7 (synthetic)"));
    let readme = &files.iter().find(|(n, _)| *n == "README.md").unwrap().1;
    assert!(readme.contains("SYNTHETIC"));
    let first = s.reports.first().unwrap().observed_at.date();
    let last = s.reports.last().unwrap().observed_at.date();
    assert!(
        first >= d("2024-01-01") && last < d("2026-11-01"),
        "{first} … {last}"
    );
    // Groups tile the ward: their areas add up to the ward's.
    use geo::Area;
    let ward = s
        .areas
        .iter()
        .find(|a| a.id == WARD_ID)
        .unwrap()
        .geometry
        .unsigned_area();
    let groups: f64 = s
        .areas
        .iter()
        .filter(|a| a.level == AreaLevel::ResidentialGroup)
        .map(|a| a.geometry.unsigned_area())
        .sum();
    assert!((ward - groups).abs() / ward < 1e-9, "{ward} vs {groups}");
}

#[test]
fn the_demo_tells_its_story() {
    let s = demo::generate();
    let input = StatusInput {
        areas: &s.areas,
        reports: &s.reports,
        registrations: &[],
        significant: &[],
    };
    let table = area_statuses(
        &input,
        d("2024-01-01"),
        d("2026-10-01"),
        &StatusParams::default(),
    )
    .unwrap();
    let at = |n: usize, m: &str| table.area(&group_id(n)).unwrap().at(d(m)).unwrap().status;
    use AreaStatus::*;
    // Every group's report reached exactly one group.
    let in_groups: usize = table
        .areas
        .iter()
        .zip(&table.assigned)
        .filter(|(a, _)| a.level == AreaLevel::ResidentialGroup)
        .map(|(_, v)| v.len())
        .sum();
    let ward_reports = table.assigned[s.areas.iter().position(|a| a.id == WARD_ID).unwrap()].len();
    assert_eq!(in_groups, ward_reports);
    for n in [3, 12] {
        assert_eq!(at(n, "2024-03-01"), Hotspot, "group {n}");
        assert_eq!(at(n, "2026-10-01"), KeptClean, "group {n}");
    }
    assert_eq!(at(7, "2024-02-01"), Hotspot);
    assert_eq!(at(7, "2025-12-01"), KeptClean);
    assert_eq!(at(7, "2026-04-01"), Relapsed);
    assert_eq!(at(7, "2026-10-01"), Relapsed);
    assert_eq!(at(15, "2025-03-01"), Hotspot);
    assert_eq!(at(15, "2026-10-01"), Clean);
    assert_eq!(at(5, "2025-06-01"), Clean);
    assert_eq!(at(5, "2026-10-01"), Hotspot);
    assert_eq!(at(1, "2026-10-01"), KeptClean);
    assert_eq!(at(17, "2026-10-01"), Clean);
    assert_eq!(at(19, "2026-10-01"), Cleaning);

    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
    let declarations = read_declarations(&dir.join("declarations.csv")).unwrap();
    assert_eq!(declarations, s.declarations);
    let flagged = discrepancies(&table, &s.reports, &declarations);
    assert_eq!(flagged.len(), 1, "{flagged:#?}");
    assert_eq!(flagged[0].area_id, group_id(7));
    assert_eq!(flagged[0].first_contradicted, Some(d("2026-03-01")));

    let targets = read_targets(&dir.join("targets.csv")).unwrap();
    assert_eq!(targets, s.targets);
    assert_eq!(read_plans(&dir.join("plans.csv")).unwrap(), s.plans);
    let p = target_progress(&table, &s.areas, &targets, d("2026-10-31"));
    // 2025: 30 % met.
    assert!(p[0].met && p[0].actual_share >= 0.3, "{:?}", p[0]);
    assert_eq!(p[0].children, 20);
    // 2026: five groups still not clean in 2026-10, 75 % ≥ 70 %.
    assert_eq!(p[1].drug_free, 15);
    assert!(p[1].met);
    assert_eq!(p[1].state, TargetState::OnTrack);
    let not_clean: Vec<_> = p[1]
        .not_clean
        .iter()
        .map(|(id, st)| (id.clone(), *st))
        .collect();
    assert_eq!(
        not_clean,
        [
            (group_id(5), Hotspot),
            (group_id(7), Relapsed),
            (group_id(11), Cleaning),
            (group_id(16), Cleaning),
            (group_id(19), Cleaning)
        ]
    );
    // 2027: 30 % in 2024-01 → 100 % at the end of 2027 asks for 78.1 % now; 75 % is behind.
    assert!((p[2].expected_share - (0.3 + 0.7 * 1004.0 / 1460.0)).abs() < 1e-12);
    assert_eq!(p[2].state, TargetState::Behind);
    // City: Phú Hội (no reports) and Xuân Phú (quiet since 2025) are clean; An Cựu (group
    // 5) and Vĩnh Ninh are not: 2 of 4.
    assert_eq!((p[3].drug_free, p[3].children), (2, 4));
    assert_eq!(p[3].state, TargetState::OnTrack);
}
