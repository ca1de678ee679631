//! Quartic (biweight) kernel density at H3 cell centres, in reports per km².
use geo::Coord;
use h3o::{CellIndex, Resolution};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KdeParams {
    pub bandwidth_m: f64,
    pub resolution: Resolution,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DensityCell {
    pub cell: CellIndex,
    /// Weighted reports per km².
    pub density: f64,
}

/// Density at the centre of every cell within the bandwidth of some point; `weights` parallel
/// to `points` (1 when None). Sorted by cell.
pub fn kde(
    points: &[Coord<f64>],
    weights: Option<&[f64]>,
    params: &KdeParams,
) -> Result<Vec<DensityCell>, super::AnalysisError> {
    todo!()
}
