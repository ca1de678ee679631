//! H3 study area: every occupied cell plus every cell within grid distance k (zero counts).
use geo::Coord;
use h3o::{CellIndex, Resolution};

#[derive(Debug, Clone, PartialEq)]
pub struct HexGrid {
    pub resolution: Resolution,
    pub k: u32,
    /// Study cells, sorted ascending.
    pub cells: Vec<CellIndex>,
    /// Count (or weighted sum) of points per cell, parallel to `cells`.
    pub counts: Vec<f64>,
}

/// Builds the study area for `points`; `weights` (parallel to points) default to 1.
pub fn study_area(
    points: &[Coord<f64>],
    weights: Option<&[f64]>,
    resolution: Resolution,
    k: u32,
) -> Result<HexGrid, super::AnalysisError> {
    todo!()
}
