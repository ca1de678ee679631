//! Hotspot identity across runs: overlap matching keeps ids, new hotspots get fresh ones.

use chrono::NaiveDateTime;
use geo::{MultiPolygon, polygon};
use hotspot::analysis::tracking::{
    OverlapMeasure, TrackingParams, format_id, overlap, parse_id, track,
};
use hotspot::store::TrackedHotspot;

fn rect(x0: f64, y0: f64, w: f64, h: f64) -> MultiPolygon<f64> {
    MultiPolygon(vec![polygon![
        (x: x0, y: y0), (x: x0 + w, y: y0), (x: x0 + w, y: y0 + h), (x: x0, y: y0 + h)
    ]])
}

fn at(s: &str) -> NaiveDateTime {
    s.parse().unwrap()
}

fn tracked(id: &str, poly: MultiPolygon<f64>) -> TrackedHotspot {
    TrackedHotspot {
        id: id.into(),
        polygon: poly,
        first_detected: at("2025-01-01T00:00:00"),
        last_detected: at("2025-06-01T00:00:00"),
    }
}

#[test]
fn overlap_measures_by_hand() {
    let a = rect(0.0, 0.0, 2.0, 1.0); // area 2
    let b = rect(1.0, 0.0, 2.0, 1.0); // area 2, intersection 1
    assert!((overlap(&a, &b, OverlapMeasure::Iou) - 1.0 / 3.0).abs() < 1e-12);
    assert!((overlap(&a, &b, OverlapMeasure::ShareOfSmaller) - 0.5).abs() < 1e-12);
    let small = rect(0.5, 0.25, 0.5, 0.5);
    assert!((overlap(&a, &small, OverlapMeasure::ShareOfSmaller) - 1.0).abs() < 1e-12);
    assert!((overlap(&a, &small, OverlapMeasure::Iou) - 0.125).abs() < 1e-12);
    assert_eq!(
        overlap(&a, &rect(5.0, 5.0, 1.0, 1.0), OverlapMeasure::Iou),
        0.0
    );
}

#[test]
fn ids_survive_reclustering_and_new_hotspots_get_new_ids() {
    let previous = [
        tracked("H-000003", rect(0.0, 0.0, 1.0, 1.0)),
        tracked("H-000017", rect(10.0, 0.0, 1.0, 1.0)),
        tracked("H-000005", rect(20.0, 0.0, 1.0, 1.0)),
    ];
    // The run finds them in another order, one grown, one gone, one new.
    let detected = [
        rect(10.2, 0.1, 1.0, 1.0),
        rect(30.0, 0.0, 1.0, 1.0),
        rect(-0.5, -0.5, 2.0, 2.0),
    ];
    let now = at("2026-10-01T00:00:00");
    let t = track(&previous, &detected, now, &TrackingParams::default());
    let ids: Vec<_> = t.current.iter().map(|h| h.id.as_str()).collect();
    assert_eq!(ids, ["H-000017", "H-000018", "H-000003"]);
    assert_eq!(t.matched, [Some(1), None, Some(0)]);
    assert_eq!(t.current[0].first_detected, at("2025-01-01T00:00:00"));
    assert_eq!(t.current[0].last_detected, now);
    assert_eq!(t.current[1].first_detected, now);
    assert_eq!(t.retired.len(), 1);
    assert_eq!(t.retired[0].id, "H-000005");
    assert_eq!(t.all().len(), 4);
}

#[test]
fn greedy_takes_the_largest_overlap_first() {
    // One previous hotspot split into two: the bigger piece keeps the id.
    let previous = [tracked("H-000001", rect(0.0, 0.0, 4.0, 1.0))];
    let detected = [rect(0.0, 0.0, 1.0, 1.0), rect(1.5, 0.0, 2.5, 1.0)];
    let params = TrackingParams {
        measure: OverlapMeasure::Iou,
        min_overlap: 0.1,
    };
    let t = track(&previous, &detected, at("2026-01-01T00:00:00"), &params);
    assert_eq!(t.current[1].id, "H-000001");
    assert_eq!(t.current[0].id, "H-000002");
    // Below the threshold nothing matches.
    let strict = TrackingParams {
        min_overlap: 0.9,
        ..params
    };
    let t = track(&previous, &detected, at("2026-01-01T00:00:00"), &strict);
    assert_eq!(t.matched, [None, None]);
}

#[test]
fn ties_are_broken_by_input_order_and_results_are_repeatable() {
    let previous = [
        tracked("H-000001", rect(0.0, 0.0, 1.0, 1.0)),
        tracked("H-000002", rect(0.0, 0.0, 1.0, 1.0)),
    ];
    let detected = [rect(0.0, 0.0, 1.0, 1.0), rect(0.0, 0.0, 1.0, 1.0)];
    let a = track(
        &previous,
        &detected,
        at("2026-01-01T00:00:00"),
        &TrackingParams::default(),
    );
    let b = track(
        &previous,
        &detected,
        at("2026-01-01T00:00:00"),
        &TrackingParams::default(),
    );
    assert_eq!(a, b);
    assert_eq!(a.matched, [Some(0), Some(1)]);
}

#[test]
fn id_format_round_trips() {
    assert_eq!(format_id(17), "H-000017");
    assert_eq!(parse_id("H-000017"), Some(17));
    assert_eq!(parse_id("X-1"), None);
    let empty = track(
        &[],
        &[rect(0.0, 0.0, 1.0, 1.0)],
        at("2026-01-01T00:00:00"),
        &TrackingParams::default(),
    );
    assert_eq!(empty.current[0].id, "H-000001");
}
