//! H3 study area: every occupied cell plus every cell within grid distance k (zero counts).
//!
//! Gi* compares each cell's neighbourhood with the whole study area, so empty cells next to
//! reports matter: they are where "cold" is measured. Cells farther than k from any report
//! are left out, otherwise the study area (and thus x̄ and S) would depend on an arbitrary
//! bounding box.
use super::AnalysisError;
use geo::Coord;
use h3o::{CellIndex, LatLng, Resolution};
use rayon::prelude::*;

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
///
/// Points are `x = lon`, `y = lat` in WGS84 degrees. Errors on a coordinate outside
/// [-180, 180] × [-90, 90] or not finite, on `weights` of another length than `points`, and
/// on a non-finite weight (each reporting the first offending index).
///
/// Deterministic: per-cell sums add weights in input order whatever the thread count.
///
/// ```
/// use geo::Coord;
/// use h3o::Resolution;
/// use hotspot::analysis::hexgrid::study_area;
/// let pts = [Coord { x: 107.59, y: 16.46 }, Coord { x: 107.59, y: 16.46 }];
/// let grid = study_area(&pts, None, Resolution::Nine, 1).unwrap();
/// assert_eq!(grid.cells.len(), 7); // the occupied cell and its six neighbours
/// assert_eq!(grid.counts.iter().sum::<f64>(), 2.0);
/// ```
pub fn study_area(
    points: &[Coord<f64>],
    weights: Option<&[f64]>,
    resolution: Resolution,
    k: u32,
) -> Result<HexGrid, AnalysisError> {
    let point_cells = cells_of(points, resolution)?;
    let (occupied, occupied_counts) = match weights {
        None => count_cells(point_cells),
        Some(w) => sum_cells(&point_cells, w)?,
    };
    let cells = grow(&occupied, k);
    let counts = spread(&cells, &occupied, &occupied_counts);
    Ok(HexGrid {
        resolution,
        k,
        cells,
        counts,
    })
}

/// Checks that a point is a finite WGS84 lon/lat pair in range.
pub fn valid_lon_lat(c: &Coord<f64>) -> bool {
    crate::model::LonLat::new(c.x, c.y).is_ok()
}

/// The H3 cell of every point (in parallel), or an error naming the first invalid point.
pub fn cells_of(
    points: &[Coord<f64>],
    resolution: Resolution,
) -> Result<Vec<CellIndex>, AnalysisError> {
    if let Some(i) = points.par_iter().position_first(|c| !valid_lon_lat(c)) {
        let c = points[i];
        return Err(AnalysisError::Parameter {
            name: "point",
            expected: "lon in [-180, 180] and lat in [-90, 90]",
            value: format!("#{i} ({}, {})", c.x, c.y),
        });
    }
    points
        .par_iter()
        .map(|c| {
            LatLng::new(c.y, c.x)
                .map(|ll| ll.to_cell(resolution))
                .map_err(|e| AnalysisError::H3(e.to_string()))
        })
        .collect()
}

/// Occupied cells (sorted, unique) and their point counts.
fn count_cells(point_cells: Vec<CellIndex>) -> (Vec<CellIndex>, Vec<f64>) {
    let mut raw: Vec<u64> = point_cells.into_par_iter().map(u64::from).collect();
    // One resolution: u64 order is CellIndex order.
    raw.par_sort_unstable();
    let mut cells = Vec::new();
    let mut counts = Vec::new();
    for chunk in raw.chunk_by(|a, b| a == b) {
        cells.push(CellIndex::try_from(chunk[0]).expect("index came from a CellIndex"));
        counts.push(chunk.len() as f64);
    }
    (cells, counts)
}

/// The distinct cells of `point_cells` (one resolution), sorted.
pub fn occupied(point_cells: &[CellIndex]) -> Vec<CellIndex> {
    let mut raw: Vec<u64> = point_cells.par_iter().map(|&c| u64::from(c)).collect();
    // Plain u64 order equals CellIndex order within one resolution, and is cheaper.
    raw.par_sort_unstable();
    raw.dedup();
    raw.into_iter()
        .map(|c| CellIndex::try_from(c).expect("index came from a CellIndex"))
        .collect()
}

/// Occupied cells (sorted, unique) and their weight sums, summed in input order.
fn sum_cells(
    point_cells: &[CellIndex],
    weights: &[f64],
) -> Result<(Vec<CellIndex>, Vec<f64>), AnalysisError> {
    if weights.len() != point_cells.len() {
        return Err(AnalysisError::Parameter {
            name: "weights",
            expected: "one weight per point",
            value: format!("{} weights for {} points", weights.len(), point_cells.len()),
        });
    }
    if let Some(i) = weights.par_iter().position_first(|w| !w.is_finite()) {
        return Err(AnalysisError::Parameter {
            name: "weight",
            expected: "a finite number",
            value: format!("#{i} {}", weights[i]),
        });
    }
    let mut pairs: Vec<(u64, f64)> = point_cells
        .par_iter()
        .zip(weights.par_iter())
        .map(|(&c, &w)| (u64::from(c), w))
        .collect();
    // Stable sort keeps input order inside a cell, so the float sums are reproducible.
    pairs.par_sort_by_key(|&(c, _)| c);
    let mut cells = Vec::new();
    let mut sums = Vec::new();
    for chunk in pairs.chunk_by(|a, b| a.0 == b.0) {
        cells.push(CellIndex::try_from(chunk[0].0).expect("index came from a CellIndex"));
        sums.push(chunk.iter().map(|&(_, w)| w).sum());
    }
    Ok((cells, sums))
}

/// Every cell within grid distance `k` of one of `occupied`, sorted and unique.
pub fn grow(occupied: &[CellIndex], k: u32) -> Vec<CellIndex> {
    let mut all: Vec<CellIndex> = occupied
        .par_iter()
        .flat_map_iter(|c| c.grid_disk::<Vec<_>>(k))
        .collect();
    all.par_sort_unstable();
    all.dedup();
    all
}

/// Values of `occupied` (sorted) placed on `cells` (sorted superset), zero elsewhere.
fn spread(cells: &[CellIndex], occupied: &[CellIndex], values: &[f64]) -> Vec<f64> {
    let mut out = vec![0.0; cells.len()];
    let mut j = 0;
    for (i, c) in cells.iter().enumerate() {
        if j < occupied.len() && occupied[j] == *c {
            out[i] = values[j];
            j += 1;
        }
    }
    debug_assert_eq!(j, occupied.len(), "study cells contain every occupied cell");
    out
}

/// Neighbour lists in compressed rows: the neighbours of cell `i` are
/// `indices[offsets[i]..offsets[i + 1]]`, indices into the study cells, ascending,
/// the cell itself included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Neighbours {
    pub offsets: Vec<u32>,
    pub indices: Vec<u32>,
}

impl Neighbours {
    /// `grid_disk(k)` of every cell, restricted to `cells` (sorted): neighbours outside the
    /// study area do not exist for Gi*.
    pub fn grid_disk(cells: &[CellIndex], k: u32) -> Self {
        let rows: Vec<Vec<u32>> = cells
            .par_iter()
            .map(|c| {
                let mut row: Vec<u32> = c
                    .grid_disk::<Vec<_>>(k)
                    .into_iter()
                    .filter_map(|d| cells.binary_search(&d).ok().map(|i| i as u32))
                    .collect();
                row.sort_unstable();
                row.dedup();
                row
            })
            .collect();
        let mut offsets = Vec::with_capacity(cells.len() + 1);
        offsets.push(0u32);
        let mut indices = Vec::with_capacity(rows.iter().map(Vec::len).sum());
        for row in rows {
            indices.extend_from_slice(&row);
            offsets.push(indices.len() as u32);
        }
        Neighbours { offsets, indices }
    }

    /// Number of cells.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Neighbours of cell `i` (itself included).
    pub fn of(&self, i: usize) -> &[u32] {
        &self.indices[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn centre(c: CellIndex) -> Coord<f64> {
        let ll = LatLng::from(c);
        Coord {
            x: ll.lng(),
            y: ll.lat(),
        }
    }

    fn hue() -> CellIndex {
        LatLng::new(16.46, 107.59)
            .unwrap()
            .to_cell(Resolution::Nine)
    }

    #[test]
    fn study_area_is_occupied_plus_k_rings_with_zero_counts() {
        let c = hue();
        let pts = vec![centre(c); 3];
        let grid = study_area(&pts, None, Resolution::Nine, 2).unwrap();
        assert_eq!(grid.cells.len(), 19);
        assert!(grid.cells.windows(2).all(|w| w[0] < w[1]));
        let i = grid.cells.binary_search(&c).unwrap();
        assert_eq!(grid.counts[i], 3.0);
        assert_eq!(grid.counts.iter().filter(|&&x| x == 0.0).count(), 18);
        assert_eq!(grid.k, 2);
    }

    #[test]
    fn weights_are_summed_per_cell() {
        let c = hue();
        let far = c.grid_disk::<Vec<_>>(5).into_iter().last().unwrap();
        let pts = [centre(c), centre(far), centre(c)];
        let grid = study_area(&pts, Some(&[0.5, 2.0, 1.25]), Resolution::Nine, 0).unwrap();
        assert_eq!(grid.cells.len(), 2);
        let i = grid.cells.binary_search(&c).unwrap();
        let j = grid.cells.binary_search(&far).unwrap();
        assert_eq!(grid.counts[i], 1.75);
        assert_eq!(grid.counts[j], 2.0);
    }

    #[test]
    fn overlapping_disks_are_merged() {
        let c = hue();
        let n = c.grid_disk::<Vec<_>>(1)[1];
        let grid = study_area(&[centre(c), centre(n)], None, Resolution::Nine, 1).unwrap();
        // Two adjacent hexagons: 7 + 7 − 4 shared cells.
        assert_eq!(grid.cells.len(), 10);
    }

    #[test]
    fn invalid_points_and_weights_are_rejected() {
        let ok = Coord { x: 107.0, y: 16.0 };
        for bad in [
            Coord { x: 181.0, y: 0.0 },
            Coord { x: 0.0, y: -90.5 },
            Coord {
                x: f64::NAN,
                y: 0.0,
            },
        ] {
            let err = study_area(&[ok, bad, bad], None, Resolution::Nine, 1).unwrap_err();
            match err {
                AnalysisError::Parameter { name, value, .. } => {
                    assert_eq!(name, "point");
                    assert!(value.starts_with("#1 "), "{value}");
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(study_area(&[ok], Some(&[]), Resolution::Nine, 1).is_err());
        assert!(study_area(&[ok], Some(&[f64::INFINITY]), Resolution::Nine, 1).is_err());
    }

    #[test]
    fn empty_input_gives_empty_grid() {
        let grid = study_area(&[], None, Resolution::Eight, 1).unwrap();
        assert!(grid.cells.is_empty() && grid.counts.is_empty());
    }

    #[test]
    fn neighbours_stay_inside_the_study_area() {
        let c = hue();
        let cells = grow(&[c], 1); // centre + ring 1
        let nb = Neighbours::grid_disk(&cells, 1);
        assert_eq!(nb.len(), 7);
        let ci = cells.binary_search(&c).unwrap();
        assert_eq!(nb.of(ci).len(), 7);
        for i in 0..7 {
            assert!(nb.of(i).contains(&(i as u32)));
            if i != ci {
                // A ring-1 cell sees the centre, two ring-1 cells and itself.
                assert_eq!(nb.of(i).len(), 4);
            }
        }
    }
}
