//! Spatial index of points answering "all points within d metres" exactly by great-circle
//! distance, plus the great-circle helpers every analysis shares.

use geo::Coord;

/// Mean Earth radius (IUGG), metres; the DBSCAN contract fixes this value.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Haversine great-circle distance in metres between two lon/lat coordinates (degrees).
pub fn haversine_m(a: Coord<f64>, b: Coord<f64>) -> f64 {
    todo!("index helper")
}

/// R-tree over points (x = lon, y = lat) answering exact great-circle radius queries.
pub struct PointIndex {
    // filled in by the implementation
}

impl PointIndex {
    /// Builds the index; point `i` keeps its position `i` in query answers.
    pub fn build(points: &[Coord<f64>]) -> Self {
        todo!()
    }
    /// Indices of all points with haversine distance ≤ `radius_m` from `centre`, ascending.
    pub fn within(&self, centre: Coord<f64>, radius_m: f64) -> Vec<usize> {
        todo!()
    }
    /// Like [`Self::within`] but appends to `out` (cleared first) to reuse allocations.
    pub fn within_into(&self, centre: Coord<f64>, radius_m: f64, out: &mut Vec<usize>) {
        todo!()
    }
    /// The nearest point and its distance in metres.
    pub fn nearest(&self, centre: Coord<f64>) -> Option<(usize, f64)> {
        todo!()
    }
    pub fn len(&self) -> usize {
        todo!()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
