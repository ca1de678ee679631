//! Invariants of the status machine and of hotspot tracking on random inputs.

use chrono::NaiveDate;
use geo::{MultiPolygon, polygon};
use hotspot::analysis::tracking::{TrackingParams, track};
use hotspot::lifecycle::{StatusInput, StatusParams, area_statuses};
use hotspot::model::{Area, AreaLevel, AreaStatus, Report, ReportKind};
use hotspot::timestep::TimeStep;
use proptest::prelude::*;
use std::collections::HashSet;

fn unit() -> MultiPolygon<f64> {
    MultiPolygon(vec![
        polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 1.0), (x: 0.0, y: 1.0)],
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn statuses_follow_the_rules(
        counts in proptest::collection::vec(0u32..4, 30),
        threshold in 1u32..4, hot_w in 1u32..4, clean_w in 1u32..7, kept in 1u32..13,
    ) {
        let first = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap();
        let mut reports = Vec::new();
        for (m, &c) in counts.iter().enumerate() {
            for k in 0..c {
                reports.push(Report {
                    id: format!("{m}-{k}"), lon: 0.5, lat: 0.5, kind: ReportKind::Use,
                    observed_at: TimeStep::Month.nth(first, m as i64).and_hms_opt(12, 0, 0).unwrap(),
                });
            }
        }
        let areas = [Area { id: "A".into(), name: "A".into(), level: AreaLevel::ResidentialGroup, parent_id: None, geometry: unit() }];
        let params = StatusParams { hotspot_threshold: threshold, hotspot_window: hot_w, clean_window: clean_w, kept_clean_months: kept };
        let input = StatusInput { areas: &areas, reports: &reports, registrations: &[], significant: &[] };
        let last = TimeStep::Month.nth(first, 29);
        let table = area_statuses(&input, first, last, &params).unwrap();
        let months = &table.areas[0].months;
        prop_assert_eq!(months.len(), 30);
        let window = |i: usize, w: u32| counts[(i + 1).saturating_sub(w as usize)..=i].iter().sum::<u32>();
        let mut run = 0u32;
        for (i, s) in months.iter().enumerate() {
            prop_assert_eq!(s.status == AreaStatus::Hotspot, window(i, hot_w) >= threshold);
            if s.status != AreaStatus::Hotspot {
                prop_assert_eq!(s.status.is_drug_free(), window(i, clean_w) == 0);
            }
            run = if s.status.is_drug_free() { run + 1 } else { 0 };
            if s.status == AreaStatus::KeptClean {
                prop_assert!(run >= kept);
                prop_assert!(counts[..i].iter().any(|&c| c > 0));
            }
            // `since` starts the current run of this status.
            prop_assert!(s.since <= s.month);
            let start = months.iter().position(|x| x.month == s.since).unwrap();
            prop_assert!(months[start..=i].iter().all(|x| x.status == s.status));
            if start > 0 { prop_assert_ne!(months[start - 1].status, s.status); }
            prop_assert_eq!(s.window_reports, window(i, clean_w));
        }
    }

    #[test]
    fn tracking_ids_are_unique_and_kept_ids_come_from_the_previous_run(
        prev in proptest::collection::vec((0u8..20, 0u8..20), 0..12),
        next in proptest::collection::vec((0u8..20, 0u8..20), 0..12),
    ) {
        let rect = |(x, y): (u8, u8)| {
            let (x, y) = (x as f64, y as f64);
            MultiPolygon(vec![polygon![(x: x, y: y), (x: x + 2.0, y: y), (x: x + 2.0, y: y + 2.0), (x: x, y: y + 2.0)]])
        };
        let at = "2026-01-01T00:00:00".parse().unwrap();
        let first = track(&[], &prev.iter().copied().map(rect).collect::<Vec<_>>(), at, &TrackingParams::default());
        let second = track(&first.current, &next.iter().copied().map(rect).collect::<Vec<_>>(), at, &TrackingParams::default());
        let all = second.all();
        let ids: HashSet<_> = all.iter().map(|h| h.id.clone()).collect();
        prop_assert_eq!(ids.len(), all.len());
        prop_assert_eq!(all.len(), prev.len() + second.matched.iter().filter(|m| m.is_none()).count());
        for (h, m) in second.current.iter().zip(&second.matched) {
            match m {
                Some(pi) => prop_assert_eq!(&h.id, &first.current[*pi].id),
                None => prop_assert!(!first.current.iter().any(|p| p.id == h.id)),
            }
        }
    }
}
