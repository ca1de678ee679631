//! The polygon drawn around a cluster's points.
//!
//! A concave hull (geo's port of mapbox/concaveman, concavity 2) follows the shape of a
//! hotspot far better than its convex hull, which for an L-shaped street cluster would claim
//! the whole block. Planners need *some* polygon for every cluster, so degenerate inputs (one or
//! two distinct locations, collinear points, or a hull that geo's validation rejects) fall back
//! to the convex hull, then to a buffer: the convex hull of a 16-gon of [`BUFFER_M`] radius
//! around every distinct point.
//!
//! Work happens in lon/lat degrees (a hotspot spans a few hundred metres, where the
//! distortion of plate carrée does not matter for drawing). Longitudes are unwrapped around
//! the first point first, so a cluster across the antimeridian gets a small polygon whose
//! longitudes may run past ±180 instead of one spanning the globe.
use crate::index::EARTH_RADIUS_M;
use geo::{
    Area, ConcaveHull, ConvexHull, Coord, LineString, MultiPoint, Orient, Polygon, Validation,
    orient::Direction,
};

/// Radius of the buffer drawn around clusters with no area of their own, metres.
pub const BUFFER_M: f64 = 15.0;
/// Vertices of the buffer around one location.
const BUFFER_VERTICES: usize = 16;

/// A valid polygon around `points` (lon/lat): concave hull, falling back to the convex hull
/// or a small buffer for 1–2 distinct locations. Never an invalid ring; exterior CCW.
/// An empty input gives an empty polygon.
///
/// ```
/// use hotspot::analysis::hull::cluster_polygon;
/// use geo::{coord, Validation};
/// let p = cluster_polygon(&[coord! { x: 107.59, y: 16.46 }]);
/// assert!(p.is_valid());
/// assert_eq!(p.exterior().0.len(), 17); // a closed 16-gon
/// ```
pub fn cluster_polygon(points: &[Coord<f64>]) -> Polygon<f64> {
    let Some(first) = points.first() else {
        return Polygon::new(LineString::new(Vec::new()), Vec::new());
    };
    let mut pts: Vec<Coord<f64>> = points
        .iter()
        .map(|c| {
            // Shift by whole turns only, so that coordinates stay bit-identical otherwise.
            let x = if c.x - first.x > 180.0 {
                c.x - 360.0
            } else if c.x - first.x < -180.0 {
                c.x + 360.0
            } else {
                c.x
            };
            Coord { x, y: c.y }
        })
        .collect();
    pts.sort_unstable_by(|a, b| a.x.total_cmp(&b.x).then(a.y.total_cmp(&b.y)));
    pts.dedup();
    if pts.len() >= 3 {
        let mp = MultiPoint::from(pts.clone());
        let convex = mp.convex_hull();
        if has_area(&convex) {
            let concave = mp.concave_hull().orient(Direction::Default);
            if has_area(&concave) && concave.is_valid() {
                return concave;
            }
            let convex = convex.orient(Direction::Default);
            if convex.is_valid() {
                return convex;
            }
        }
    }
    buffer(&pts)
}

/// A hull with a real area: at least three distinct vertices and an area that is not
/// rounding noise compared with its extent.
fn has_area(p: &Polygon<f64>) -> bool {
    let ring = &p.exterior().0;
    if ring.len() < 4 {
        return false;
    }
    let (mut lo, mut hi) = (ring[0], ring[0]);
    for c in ring {
        lo = Coord {
            x: lo.x.min(c.x),
            y: lo.y.min(c.y),
        };
        hi = Coord {
            x: hi.x.max(c.x),
            y: hi.y.max(c.y),
        };
    }
    let extent = (hi.x - lo.x).max(hi.y - lo.y);
    p.unsigned_area() > 1e-9 * extent * extent
}

/// Convex hull of a 16-gon of [`BUFFER_M`] around each distinct location: a disc for one
/// location, a stadium for two or a line of them.
fn buffer(pts: &[Coord<f64>]) -> Polygon<f64> {
    let dlat = (BUFFER_M / EARTH_RADIUS_M).to_degrees();
    let mut ring = Vec::with_capacity(pts.len() * BUFFER_VERTICES);
    for c in pts {
        // Keep the buffer round on the ground away from the poles; close to them a narrower
        // lon/lat disc is still a valid polygon.
        let dlon = dlat / c.y.clamp(-89.0, 89.0).to_radians().cos();
        for k in 0..BUFFER_VERTICES {
            let a = std::f64::consts::TAU * k as f64 / BUFFER_VERTICES as f64;
            ring.push(Coord {
                x: c.x + dlon * a.cos(),
                y: (c.y + dlat * a.sin()).clamp(-90.0, 90.0),
            });
        }
    }
    MultiPoint::from(ring)
        .convex_hull()
        .orient(Direction::Default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::haversine_m;
    use geo::{Contains, Intersects, Point, coord, orient::Direction};
    use proptest::prelude::*;

    fn ccw(p: &Polygon<f64>) -> bool {
        use geo::Winding;
        p.exterior().is_ccw()
    }

    fn check(points: &[Coord<f64>], p: &Polygon<f64>) {
        assert!(p.is_valid(), "invalid polygon {p:?}");
        assert!(ccw(p));
        let ring = &p.exterior().0;
        assert_eq!(ring.first(), ring.last(), "closed ring");
        for c in points {
            // Every point is inside or on the boundary.
            assert!(p.intersects(&Point::from(*c)), "{c:?} outside {p:?}");
        }
    }

    #[test]
    fn one_point_gets_a_15_m_disc() {
        let c = coord! { x: 105.85, y: 21.03 };
        let p = cluster_polygon(&[c, c, c]);
        check(&[c], &p);
        for v in &p.exterior().0 {
            let d = haversine_m(c, *v);
            assert!((d - BUFFER_M).abs() < 0.05, "vertex at {d} m");
        }
    }

    #[test]
    fn two_points_and_a_line_get_a_stadium() {
        let a = coord! { x: 105.85, y: 21.03 };
        let b = coord! { x: 105.851, y: 21.03 };
        let mid = coord! { x: 105.8505, y: 21.03 };
        for pts in [vec![a, b], vec![a, mid, b, mid]] {
            let p = cluster_polygon(&pts);
            check(&pts, &p);
            assert!(p.contains(&Point::from(mid)));
        }
    }

    #[test]
    fn l_shape_is_concave() {
        // An L of points along two streets: the concave hull leaves the empty corner out.
        let mut pts = Vec::new();
        for k in 0..=20 {
            let t = k as f64 * 0.0001;
            pts.push(coord! { x: 106.0 + t, y: 10.0 });
            pts.push(coord! { x: 106.0 + t, y: 10.0001 });
            pts.push(coord! { x: 106.0, y: 10.0 + t });
            pts.push(coord! { x: 106.0001, y: 10.0 + t });
        }
        let p = cluster_polygon(&pts);
        check(&pts, &p);
        let convex = MultiPoint::from(pts.clone()).convex_hull();
        assert!(p.unsigned_area() < 0.5 * convex.unsigned_area());
        assert!(!p.contains(&Point::new(106.0015, 10.0015)));
    }

    #[test]
    fn antimeridian_cluster_stays_small() {
        let pts = [
            coord! { x: 179.9999, y: 0.0 },
            coord! { x: -179.9999, y: 0.0 },
            coord! { x: -179.9999, y: 0.0001 },
            coord! { x: 179.9999, y: 0.0001 },
        ];
        let p = cluster_polygon(&pts);
        assert!(p.is_valid() && ccw(&p));
        assert!(p.unsigned_area() < 1e-7);
    }

    #[test]
    fn orientation_helper_agrees() {
        let p = cluster_polygon(&[
            coord! { x: 0.0, y: 0.0 },
            coord! { x: 1.0, y: 0.0 },
            coord! { x: 0.0, y: 1.0 },
        ]);
        assert_eq!(p.clone().orient(Direction::Default), p);
        assert!(cluster_polygon(&[]).exterior().0.is_empty());
    }

    proptest! {
        #[test]
        fn always_valid_ccw_and_covering(
            pts in prop::collection::vec(
                (0u32..40, 0u32..40).prop_map(|(i, j)| coord! { x: 106.7 + i as f64 * 2e-5, y: 10.8 + j as f64 * 2e-5 }),
                1..80,
            )
        ) {
            let p = cluster_polygon(&pts);
            prop_assert!(p.is_valid(), "invalid {:?}", p);
            prop_assert!(ccw(&p));
            for c in &pts {
                prop_assert!(p.intersects(&Point::from(*c)));
            }
        }

        #[test]
        fn collinear_points_get_a_valid_buffer(ts in prop::collection::vec(0.0..0.01f64, 1..30)) {
            let pts: Vec<_> = ts.iter().map(|&t| coord! { x: 106.0 + t, y: 10.0 + 0.5 * t }).collect();
            let p = cluster_polygon(&pts);
            prop_assert!(p.is_valid() && ccw(&p));
        }
    }
}
