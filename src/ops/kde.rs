//! Kernel density of reports on H3 cell centres, with weights per kind and the viewer rule
//! that density is shown only where enough reports lie within the bandwidth.

use geo::Coord;

use crate::analysis::AnalysisError;
use crate::analysis::kde::{DensityCell, KdeParams, kde};
use crate::index::PointIndex;
use crate::model::{KIND_COUNT, Report, coords};

/// Density cells of `reports` weighted by kind (`weights[kind.index()]`, `None` = all 1).
///
/// With `min_count > 0` (viewers), a cell is dropped unless at least `min_count` reports lie
/// within the bandwidth of its centre, so that no single report can be located from the
/// surface.
pub fn density(
    reports: &[Report],
    weights: Option<&[f64; KIND_COUNT]>,
    params: &KdeParams,
    min_count: u32,
) -> Result<Vec<DensityCell>, AnalysisError> {
    let points = coords(reports);
    let w: Option<Vec<f64>> = weights.map(|w| reports.iter().map(|r| w[r.kind.index()]).collect());
    let cells = kde(&points, w.as_deref(), params)?;
    if min_count == 0 {
        return Ok(cells);
    }
    let index = PointIndex::build(&points);
    let mut scratch = Vec::new();
    Ok(cells
        .into_iter()
        .filter(|c| {
            let ll = h3o::LatLng::from(c.cell);
            let centre = Coord {
                x: ll.lng(),
                y: ll.lat(),
            };
            index.within_into(centre, params.bandwidth_m, &mut scratch);
            scratch.len() >= min_count as usize
        })
        .collect())
}
