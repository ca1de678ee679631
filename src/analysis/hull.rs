//! The polygon drawn around a cluster's points.
use geo::{Coord, Polygon};

/// A valid polygon around `points` (lon/lat): concave hull, falling back to the convex hull
/// or a small buffer for 1–2 distinct locations. Never an invalid ring; exterior CCW.
pub fn cluster_polygon(points: &[Coord<f64>]) -> Polygon<f64> {
    todo!()
}
