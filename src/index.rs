//! Spatial index of points answering "all points within d metres" exactly by great-circle
//! distance, plus the great-circle helpers every analysis shares.
//!
//! Points are stored as unit-sphere xyz vectors. The straight-line (chord) distance between two
//! such vectors grows monotonically with their great-circle distance, so a Euclidean R-tree
//! over xyz answers spherical radius queries with no special case at the poles or across the
//! antimeridian. Queries use a slightly inflated chord and then filter with the exact
//! haversine distance, so a point at exactly the radius is never lost to rounding.

use geo::Coord;
use rstar::RTree;
use rstar::primitives::GeomWithData;

/// Mean Earth radius (IUGG), metres; the DBSCAN contract fixes this value.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Haversine great-circle distance in metres between two lon/lat coordinates (degrees).
///
/// ```
/// use hotspot::index::haversine_m;
/// use geo::coord;
/// // One degree of latitude is R·π/180 metres.
/// let d = haversine_m(coord! { x: 105.0, y: 21.0 }, coord! { x: 105.0, y: 22.0 });
/// assert!((d - 111_195.08).abs() < 0.01);
/// ```
pub fn haversine_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    let (lat1, lat2) = (a.y.to_radians(), b.y.to_radians());
    let dlat = lat2 - lat1;
    let dlon = (b.x - a.x).to_radians();
    let s_lat = (dlat * 0.5).sin();
    let s_lon = (dlon * 0.5).sin();
    let h = s_lat * s_lat + lat1.cos() * lat2.cos() * s_lon * s_lon;
    2.0 * EARTH_RADIUS_M * h.sqrt().min(1.0).asin()
}

/// Unit-sphere position of a lon/lat coordinate (degrees).
pub fn unit_xyz(c: Coord<f64>) -> [f64; 3] {
    let (lat, lon) = (c.y.to_radians(), c.x.to_radians());
    let (slat, clat) = lat.sin_cos();
    let (slon, clon) = lon.sin_cos();
    [clat * clon, clat * slon, slat]
}

/// Chord length on the unit sphere that corresponds to a great-circle distance in metres
/// (capped at the diameter, 2, for distances of half the circumference or more).
pub fn chord_for_m(distance_m: f64) -> f64 {
    let angle = (distance_m / EARTH_RADIUS_M).clamp(0.0, std::f64::consts::PI);
    2.0 * (angle * 0.5).sin()
}

/// Chord margin that covers the rounding of xyz and haversine computations.
fn chord_margin(chord: f64) -> f64 {
    1e-12 + 1e-9 * chord
}

type Entry = GeomWithData<[f64; 3], usize>;

/// R-tree over points (x = lon, y = lat) answering exact great-circle radius queries.
pub struct PointIndex {
    tree: RTree<Entry>,
    coords: Vec<Coord<f64>>,
}

impl PointIndex {
    /// Builds the index; point `i` keeps its position `i` in query answers.
    pub fn build(points: &[Coord<f64>]) -> Self {
        let entries: Vec<Entry> = points
            .iter()
            .enumerate()
            .map(|(i, &c)| GeomWithData::new(unit_xyz(c), i))
            .collect();
        PointIndex {
            tree: RTree::bulk_load(entries),
            coords: points.to_vec(),
        }
    }

    /// Indices of all points with haversine distance ≤ `radius_m` from `centre`, ascending.
    pub fn within(&self, centre: Coord<f64>, radius_m: f64) -> Vec<usize> {
        let mut out = Vec::new();
        self.within_into(centre, radius_m, &mut out);
        out
    }

    /// Like [`Self::within`] but appends to `out` (cleared first) to reuse allocations.
    pub fn within_into(&self, centre: Coord<f64>, radius_m: f64, out: &mut Vec<usize>) {
        out.clear();
        self.for_each_within(centre, radius_m, |i, _| out.push(i));
        out.sort_unstable();
    }

    /// Points within `radius_m` of `centre` with their haversine distance, ascending by index.
    pub fn within_with_distance(&self, centre: Coord<f64>, radius_m: f64) -> Vec<(usize, f64)> {
        let mut out = Vec::new();
        self.for_each_within(centre, radius_m, |i, d| out.push((i, d)));
        out.sort_unstable_by_key(|&(i, _)| i);
        out
    }

    /// Calls `f(index, metres)` for every point within `radius_m` (unordered).
    fn for_each_within(&self, centre: Coord<f64>, radius_m: f64, mut f: impl FnMut(usize, f64)) {
        if radius_m.is_nan() || radius_m < 0.0 {
            return;
        }
        let chord = chord_for_m(radius_m);
        let reach = chord + chord_margin(chord);
        let q = unit_xyz(centre);
        for e in self.tree.locate_within_distance(q, reach * reach) {
            let i = e.data;
            let d = haversine_m(centre, self.coords[i]);
            if d <= radius_m {
                f(i, d);
            }
        }
    }

    /// The nearest point and its distance in metres (ties broken by the R-tree's order).
    pub fn nearest(&self, centre: Coord<f64>) -> Option<(usize, f64)> {
        let q = unit_xyz(centre);
        let e = self.tree.nearest_neighbor(&q)?;
        Some((e.data, haversine_m(centre, self.coords[e.data])))
    }

    /// The coordinates the index was built from.
    pub fn coords(&self) -> &[Coord<f64>] {
        &self.coords
    }

    pub fn len(&self) -> usize {
        self.coords.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::coord;
    use proptest::prelude::*;

    #[test]
    fn haversine_hand_values() {
        let a = coord! { x: 0.0, y: 0.0 };
        // Quarter of the equator.
        let d = haversine_m(a, coord! { x: 90.0, y: 0.0 });
        assert!((d - EARTH_RADIUS_M * std::f64::consts::FRAC_PI_2).abs() < 1e-6);
        // Antipodes.
        let d = haversine_m(a, coord! { x: 180.0, y: 0.0 });
        assert!((d - EARTH_RADIUS_M * std::f64::consts::PI).abs() < 1e-6);
        // Across the antimeridian: 179.999 to -179.999 is 0.002° of the equator.
        let d = haversine_m(
            coord! { x: 179.999, y: 0.0 },
            coord! { x: -179.999, y: 0.0 },
        );
        assert!((d - EARTH_RADIUS_M * 0.002_f64.to_radians()).abs() < 1e-6);
        // At the pole longitude does not matter.
        let d = haversine_m(coord! { x: 10.0, y: 90.0 }, coord! { x: -170.0, y: 90.0 });
        assert!(d < 1e-6);
        assert_eq!(haversine_m(a, a), 0.0);
    }

    #[test]
    fn within_keeps_point_at_exact_radius() {
        let pts = [coord! { x: 106.0, y: 10.0 }, coord! { x: 106.001, y: 10.0 }];
        let idx = PointIndex::build(&pts);
        let r = haversine_m(pts[0], pts[1]);
        assert_eq!(idx.within(pts[0], r), vec![0, 1]);
        assert_eq!(idx.within(pts[0], r * (1.0 - 1e-12)), vec![0]);
        assert_eq!(idx.nearest(coord! { x: 106.0009, y: 10.0 }).unwrap().0, 1);
        assert!(PointIndex::build(&[]).nearest(pts[0]).is_none());
    }

    /// Coordinates biased toward the awkward places: poles and antimeridian.
    fn awkward_coord() -> impl Strategy<Value = Coord<f64>> {
        prop_oneof![
            (-180.0..180.0f64, -90.0..90.0f64),
            (-180.0..180.0f64, 89.99..=90.0f64),
            (-180.0..180.0f64, -90.0..-89.99f64),
            (
                prop_oneof![179.99..=180.0f64, -180.0..-179.99f64],
                -1.0..1.0f64
            ),
            (105.0..105.02f64, 21.0..21.02f64),
        ]
        .prop_map(|(x, y)| coord! { x: x, y: y })
    }

    proptest! {
        #[test]
        fn within_and_nearest_match_brute_force(
            pts in prop::collection::vec(awkward_coord(), 0..120),
            centre in awkward_coord(),
            radius in prop_oneof![0.0..3000.0f64, 0.0..2.1e7f64],
        ) {
            let idx = PointIndex::build(&pts);
            let brute: Vec<usize> = (0..pts.len())
                .filter(|&i| haversine_m(centre, pts[i]) <= radius)
                .collect();
            prop_assert_eq!(idx.within(centre, radius), brute);
            if let Some((i, d)) = idx.nearest(centre) {
                let best = pts.iter().map(|&p| haversine_m(centre, p)).fold(f64::INFINITY, f64::min);
                prop_assert!((d - best).abs() < 1e-6, "nearest {} at {} vs {}", i, d, best);
            } else {
                prop_assert!(pts.is_empty());
            }
        }
    }
}
