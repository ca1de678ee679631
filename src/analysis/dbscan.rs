//! DBSCAN over great-circle distance, exactly per the DESIGN.md contract.

use geo::Coord;

/// Label of points in no cluster.
pub const NOISE: i32 = -1;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DbscanParams {
    /// Neighbourhood radius in metres (neighbour iff haversine distance ≤ eps).
    pub eps_m: f64,
    /// Minimum neighbourhood size, the point itself included (scikit-learn's `min_samples`).
    pub min_pts: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    /// Per input point: cluster 0..k-1 numbered by first core point in input order, or -1.
    pub labels: Vec<i32>,
    /// Per input point: is it a core point.
    pub core: Vec<bool>,
    pub cluster_count: usize,
}

pub fn dbscan(
    points: &[Coord<f64>],
    params: &DbscanParams,
) -> Result<Clustering, super::AnalysisError> {
    todo!()
}
