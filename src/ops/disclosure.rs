//! What a viewer (and an anonymous `--open` visitor) may learn: the disclosure rules every
//! aggregate passes before it leaves the server for a role below analyst.
//!
//! The model (ARCHITECTURE.md, "Disclosure model"): a viewer's answer is computed from
//! *generalised* reports — each position replaced by the centre of its H3 cell at
//! [`GENERAL_RES`] (~174 m edge, ~0.1 km²) and each time by the first day of its month — and
//! selected by request boxes that are snapped outward to a fixed [`BBOX_GRID_DEG`] grid and
//! tested against those generalised positions. So whatever a viewer asks, the answer is a
//! function of the table "reports per (res-9 cell, month, kind)", and no sequence of requests
//! can locate a report more finely than its cell or time it more finely than its month.
//! Hotspot clusters are the one exception in the input: they are found on exact positions (so
//! viewers and analysts see the same hotspots, ids and plans), but only their generalised
//! outline, month range and suppressed counts are shown, and their radius moves in
//! [`VIEWER_EPS_STEP_M`] steps.
//!
//! On top of that, every count shown is suppressed below `min_count` ([`suppress`]), so a
//! single report's cell is not shown outright; differencing two overlapping aggregates can
//! undo that suppression, but never the generalisation above.
//!
//! Everything here is pure: the server calls it at the boundary where answers are built for
//! a viewer; analysts and admins skip it.

use chrono::{Datelike, NaiveDate, NaiveDateTime};
use geo::{ConvexHull, Coord, GeodesicArea, MultiPoint, Polygon};
use h3o::{CellIndex, LatLng, Resolution};

use crate::analysis::hotspots::Hotspot;
use crate::model::Report;
use crate::timestep::TimeStep;

/// The resolution of the generalised positions (~174 m edge, ~0.105 km² per cell). Also the
/// finest resolution a viewer may request for hexes, kde and emerging.
pub const GENERAL_RES: Resolution = Resolution::Nine;

/// The smallest DBSCAN radius a viewer may ask for, metres.
pub const VIEWER_MIN_EPS_M: f64 = 100.0;
/// Viewers' DBSCAN radius moves in steps of this many metres, so comparing clusterings at
/// nearby radii does not measure distances between reports more finely than this.
pub const VIEWER_EPS_STEP_M: f64 = 50.0;
/// The smallest KDE bandwidth a viewer may ask for, metres (about one res-9 cell across).
pub const VIEWER_MIN_BANDWIDTH_M: f64 = 200.0;
/// The finest time step a viewer may ask for.
pub const VIEWER_MIN_STEP: TimeStep = TimeStep::Month;
/// Viewer bboxes are snapped outward to multiples of this many degrees (~1.1 km).
pub const BBOX_GRID_DEG: f64 = 0.01;
/// Largest distance from a point to the centre of its res-9 cell is ~0.26 km (pentagon-side
/// distortion included); reads for a snapped bbox are widened by this so that reports whose
/// cell centre lies inside are all read, then selected by that centre.
const CELL_REACH_M: f64 = 400.0;

/// A viewer asked for a parameter outside the range viewers may use.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{allowed} for viewers (got {got})")]
pub struct RangeError {
    /// The query parameter, as the client spelled it.
    pub parameter: &'static str,
    /// The allowed range, e.g. `0..=9`.
    pub allowed: String,
    pub got: String,
}

fn refuse(parameter: &'static str, allowed: impl Into<String>, got: impl ToString) -> RangeError {
    RangeError {
        parameter,
        allowed: allowed.into(),
        got: got.to_string(),
    }
}

/// `res` of hexes, kde and emerging: at most [`GENERAL_RES`].
pub fn check_resolution(res: Resolution) -> Result<(), RangeError> {
    if u8::from(res) > u8::from(GENERAL_RES) {
        return Err(refuse(
            "res",
            format!("must be 0..={}", u8::from(GENERAL_RES)),
            u8::from(res),
        ));
    }
    Ok(())
}

/// `eps_m` of hotspots: at least [`VIEWER_MIN_EPS_M`], a multiple of [`VIEWER_EPS_STEP_M`].
pub fn check_eps(eps_m: f64) -> Result<(), RangeError> {
    let steps = eps_m / VIEWER_EPS_STEP_M;
    if eps_m < VIEWER_MIN_EPS_M || (steps - steps.round()).abs() > 1e-9 {
        return Err(refuse(
            "eps_m",
            format!(
                "must be ≥ {VIEWER_MIN_EPS_M} and a multiple of {VIEWER_EPS_STEP_M} (100, 150, 200, …)"
            ),
            eps_m,
        ));
    }
    Ok(())
}

/// `bandwidth_m` of kde: at least [`VIEWER_MIN_BANDWIDTH_M`].
pub fn check_bandwidth(bandwidth_m: f64) -> Result<(), RangeError> {
    if bandwidth_m < VIEWER_MIN_BANDWIDTH_M {
        return Err(refuse(
            "bandwidth_m",
            format!("must be ≥ {VIEWER_MIN_BANDWIDTH_M}"),
            bandwidth_m,
        ));
    }
    Ok(())
}

/// `step` of emerging: a month or longer.
pub fn check_step(step: TimeStep) -> Result<(), RangeError> {
    if matches!(step, TimeStep::Day | TimeStep::Week) {
        return Err(refuse(
            "step",
            "must be month, quarter or year",
            format!("{step:?}").to_lowercase(),
        ));
    }
    Ok(())
}

/// `weights` of kde: each kind 0 or 1 (a selection of kinds), at least one 1.
///
/// Unequal non-zero weights let two requests be subtracted into the surface of one kind with
/// the suppression counted over all kinds; 0/1 weights are a kind filter, and [`kde_support`]
/// counts only the selected reports.
pub fn check_weights(weights: &[f64]) -> Result<(), RangeError> {
    let ok = weights.iter().all(|&w| w == 0.0 || w == 1.0) && weights.contains(&1.0);
    if !ok {
        return Err(refuse(
            "weights",
            "each kind must weigh 0 or 1, at least one 1,",
            weights
                .iter()
                .map(|w| w.to_string())
                .collect::<Vec<_>>()
                .join(","),
        ));
    }
    Ok(())
}

/// Snaps `[min_lon, min_lat, max_lon, max_lat]` outward to the [`BBOX_GRID_DEG`] grid, so
/// that boxes differing by less than a grid step select the same reports.
pub fn snap_bbox(b: [f64; 4]) -> [f64; 4] {
    let down = |v: f64| (v / BBOX_GRID_DEG).floor() * BBOX_GRID_DEG;
    let up = |v: f64| (v / BBOX_GRID_DEG).ceil() * BBOX_GRID_DEG;
    // Round to the grid's decimals so the snapped values print and compare exactly.
    let tidy = |v: f64| (v * 1e6).round() / 1e6;
    [
        tidy(down(b[0]).max(-180.0)),
        tidy(down(b[1]).max(-90.0)),
        tidy(up(b[2]).min(180.0)),
        tidy(up(b[3]).min(90.0)),
    ]
}

/// The box to read from the store for a snapped viewer box: widened so that every report
/// whose generalised position lies inside the snapped box is read ([`retain_by_cell`] then
/// selects exactly those).
pub fn read_bbox(snapped: [f64; 4]) -> [f64; 4] {
    let dlat = CELL_REACH_M / 111_000.0;
    let max_abs_lat = snapped[1].abs().max(snapped[3].abs()).min(89.0);
    let dlon = (dlat / max_abs_lat.to_radians().cos()).min(360.0);
    [
        (snapped[0] - dlon).max(-180.0),
        (snapped[1] - dlat).max(-90.0),
        (snapped[2] + dlon).min(180.0),
        (snapped[3] + dlat).min(90.0),
    ]
}

/// The cell of `GENERAL_RES` a report lies in (`None` for coordinates H3 rejects).
pub fn cell_of(lon: f64, lat: f64) -> Option<CellIndex> {
    LatLng::new(lat, lon).ok().map(|ll| ll.to_cell(GENERAL_RES))
}

fn centre(cell: CellIndex) -> Coord<f64> {
    let ll = LatLng::from(cell);
    Coord {
        x: ll.lng(),
        y: ll.lat(),
    }
}

fn in_bbox(c: Coord<f64>, b: &[f64; 4]) -> bool {
    c.x >= b[0] && c.x <= b[2] && c.y >= b[1] && c.y <= b[3]
}

/// Keeps the reports whose generalised position (their res-9 cell centre) lies in `snapped`;
/// positions are left exact (hotspots cluster on them).
pub fn retain_by_cell(reports: &mut Vec<Report>, snapped: &[f64; 4]) {
    reports.retain(|r| cell_of(r.lon, r.lat).is_some_and(|c| in_bbox(centre(c), snapped)));
}

/// The first instant of the month of `t`.
pub fn month_floor(t: NaiveDateTime) -> NaiveDateTime {
    month_start(t.date())
}

fn month_start(d: NaiveDate) -> NaiveDateTime {
    TimeStep::Month
        .floor(d)
        .and_hms_opt(0, 0, 0)
        .expect("midnight exists")
}

/// `from` moved back and `to` forward to month boundaries, so that time windows differing by
/// days select the same reports.
pub fn snap_time_range(
    from: Option<NaiveDateTime>,
    to: Option<NaiveDateTime>,
) -> (Option<NaiveDateTime>, Option<NaiveDateTime>) {
    let to = to.map(|t| {
        let start = month_floor(t);
        if start == t {
            t
        } else {
            month_start(TimeStep::Month.nth(start.date(), 1))
        }
    });
    (from.map(month_floor), to)
}

/// `YYYY-MM`: how every time is written for viewers.
pub fn month_label(t: NaiveDateTime) -> String {
    format!("{:04}-{:02}", t.year(), t.month())
}

/// Reports with positions moved to their res-9 cell centre and times to their month's first
/// instant (ids and kinds kept). Reports with positions H3 rejects are dropped.
pub fn generalise(reports: &[Report]) -> Vec<Report> {
    reports
        .iter()
        .filter_map(|r| {
            let c = centre(cell_of(r.lon, r.lat)?);
            Some(Report {
                id: r.id.clone(),
                lon: c.x,
                lat: c.y,
                kind: r.kind,
                observed_at: month_floor(r.observed_at),
            })
        })
        .collect()
}

/// `count` as a viewer sees it: `None` (suppressed) when 0 < count < `min_count`.
pub fn suppress(count: u64, min_count: u32) -> Option<u64> {
    (count == 0 || count >= u64::from(min_count)).then_some(count)
}

/// The outline viewers see for points: the convex hull of the res-9 cells they fall in, so
/// every vertex is a vertex of the public H3 grid, never a report position.
pub fn outline(points: impl IntoIterator<Item = Coord<f64>>) -> Polygon<f64> {
    let mut cells: Vec<CellIndex> = points
        .into_iter()
        .filter_map(|c| cell_of(c.x, c.y))
        .collect();
    cells.sort_unstable();
    cells.dedup();
    let vertices: Vec<Coord<f64>> = cells
        .iter()
        .flat_map(|c| {
            c.boundary()
                .iter()
                .map(|ll| Coord {
                    x: ll.lng(),
                    y: ll.lat(),
                })
                .collect::<Vec<_>>()
        })
        .collect();
    MultiPoint::from(vertices).convex_hull()
}

/// A hotspot as viewers see it: the [`outline`] of its members, its area and centroid from
/// that outline, first and last seen coarsened to the month. Counts are left for the
/// renderer to [`suppress`].
pub fn generalise_hotspot(h: &Hotspot, reports: &[Report]) -> Hotspot {
    let polygon = outline(h.members.iter().map(|&i| Coord {
        x: reports[i].lon,
        y: reports[i].lat,
    }));
    let centroid = cell_of(h.centroid.x, h.centroid.y)
        .map(centre)
        .unwrap_or(h.centroid);
    Hotspot {
        area_m2: polygon.geodesic_area_unsigned(),
        polygon,
        centroid,
        first_seen: month_floor(h.first_seen),
        last_seen: month_floor(h.last_seen),
        ..h.clone()
    }
}

/// How many of the selected (weight-1) generalised reports lie within `bandwidth_m` of the
/// centre of a KDE cell: viewers see the density only where this reaches `min_count`.
pub fn kde_support(
    generalised: &[Coord<f64>],
    weights: &[f64],
    at: Coord<f64>,
    bandwidth_m: f64,
) -> usize {
    generalised
        .iter()
        .zip(weights)
        .filter(|(c, w)| **w > 0.0 && crate::index::haversine_m(**c, at) <= bandwidth_m)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReportKind;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    fn report(lon: f64, lat: f64, at: &str) -> Report {
        Report {
            id: format!("{lon},{lat}"),
            lon,
            lat,
            kind: ReportKind::Sale,
            observed_at: t(at),
        }
    }

    #[test]
    fn viewer_ranges_name_the_parameter() {
        assert!(check_resolution(Resolution::Nine).is_ok());
        let e = check_resolution(Resolution::Twelve).unwrap_err();
        assert_eq!(e.parameter, "res");
        assert!(e.to_string().contains("0..=9"), "{e}");
        assert!(check_eps(150.0).is_ok() && check_eps(5000.0).is_ok());
        assert_eq!(check_eps(99.0).unwrap_err().parameter, "eps_m");
        assert_eq!(check_eps(120.0).unwrap_err().parameter, "eps_m");
        assert!(check_step(TimeStep::Month).is_ok());
        assert_eq!(check_step(TimeStep::Day).unwrap_err().parameter, "step");
        assert_eq!(check_bandwidth(10.0).unwrap_err().parameter, "bandwidth_m");
        assert!(check_weights(&[1.0, 0.0, 1.0, 1.0, 1.0]).is_ok());
        assert_eq!(
            check_weights(&[2.0, 1.0, 1.0, 1.0, 1.0])
                .unwrap_err()
                .parameter,
            "weights"
        );
        assert!(check_weights(&[0.0; 5]).is_err());
    }

    #[test]
    fn bboxes_snap_outward_and_tiny_shifts_are_invisible() {
        let a = snap_bbox([107.5912, 16.4531, 107.6049, 16.4699]);
        assert_eq!(a, [107.59, 16.45, 107.61, 16.47]);
        // Differencing by moving an edge a few metres gives the same box.
        let b = snap_bbox([107.59121, 16.4531, 107.60489, 16.4699]);
        assert_eq!(a, b);
        let r = read_bbox(a);
        assert!(r[0] < a[0] && r[2] > a[2] && r[1] < a[1] && r[3] > a[3]);
        assert_eq!(
            snap_bbox([-180.0, -90.0, 180.0, 90.0]),
            [-180.0, -90.0, 180.0, 90.0]
        );
    }

    #[test]
    fn selection_by_cell_centre_moves_whole_cells() {
        let a = report(107.6000, 16.4600, "2024-03-14 09:31");
        let cell = cell_of(a.lon, a.lat).unwrap();
        let c = centre(cell);
        // A box whose edge passes between the report and its cell centre selects by centre.
        let mut v = vec![a.clone()];
        let edge = (a.lon + c.x) / 2.0;
        let box_with_centre = if c.x < a.lon {
            [c.x - 0.001, c.y - 0.001, edge, c.y + 0.001]
        } else {
            [edge, c.y - 0.001, c.x + 0.001, c.y + 0.001]
        };
        retain_by_cell(&mut v, &box_with_centre);
        assert_eq!(v.len(), 1, "kept by its cell centre");
    }

    #[test]
    fn times_coarsen_to_the_month() {
        assert_eq!(
            month_floor(t("2024-03-14 09:31")),
            t("2024-03-01 00:00"),
            "floor"
        );
        assert_eq!(month_label(t("2024-03-14 09:31")), "2024-03");
        let (f, to) = snap_time_range(Some(t("2024-03-14 00:00")), Some(t("2024-05-02 00:00")));
        assert_eq!(f, Some(t("2024-03-01 00:00")));
        assert_eq!(to, Some(t("2024-06-01 00:00")));
        let (_, to) = snap_time_range(None, Some(t("2024-05-01 00:00")));
        assert_eq!(to, Some(t("2024-05-01 00:00")), "a month start stays");
        let (_, to) = snap_time_range(None, Some(t("2024-12-09 00:00")));
        assert_eq!(to, Some(t("2025-01-01 00:00")));
    }

    #[test]
    fn generalised_reports_keep_only_cell_and_month() {
        let a = report(107.60001, 16.46001, "2024-03-14 09:31");
        let b = report(107.60003, 16.46002, "2024-03-29 23:59");
        let g = generalise(&[a, b]);
        assert_eq!((g[0].lon, g[0].lat), (g[1].lon, g[1].lat));
        assert_eq!(g[0].observed_at, t("2024-03-01 00:00"));
        assert_eq!(g[0].observed_at, g[1].observed_at);
    }

    #[test]
    fn small_counts_are_suppressed() {
        assert_eq!(suppress(0, 3), Some(0));
        assert_eq!(suppress(1, 3), None);
        assert_eq!(suppress(2, 3), None);
        assert_eq!(suppress(3, 3), Some(3));
        assert_eq!(suppress(1, 0), Some(1), "analyst threshold");
    }

    #[test]
    fn outline_vertices_are_grid_vertices_not_reports() {
        let pts: Vec<Coord<f64>> = (0..12)
            .map(|i| Coord {
                x: 107.6 + i as f64 * 3e-4,
                y: 16.46 + (i % 3) as f64 * 2e-4,
            })
            .collect();
        let poly = outline(pts.iter().copied());
        let grid: Vec<Coord<f64>> = pts
            .iter()
            .filter_map(|c| cell_of(c.x, c.y))
            .flat_map(|c| {
                c.boundary()
                    .iter()
                    .map(|ll| Coord {
                        x: ll.lng(),
                        y: ll.lat(),
                    })
                    .collect::<Vec<_>>()
            })
            .collect();
        for v in poly.exterior().coords() {
            assert!(grid.contains(v), "{v:?} is a grid vertex");
            for p in &pts {
                assert!(
                    crate::index::haversine_m(*v, *p) > 20.0,
                    "vertex {v:?} near report {p:?}"
                );
            }
        }
        // Every point lies inside the outline.
        use geo::Intersects;
        for p in &pts {
            assert!(poly.intersects(&geo::Point::from(*p)));
        }
    }

    #[test]
    fn kde_support_counts_selected_reports_only() {
        let at = Coord { x: 107.6, y: 16.46 };
        let pts = vec![at, at, at];
        assert_eq!(kde_support(&pts, &[1.0, 1.0, 1.0], at, 300.0), 3);
        assert_eq!(kde_support(&pts, &[1.0, 0.0, 0.0], at, 300.0), 1);
    }
}
