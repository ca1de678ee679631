//! Global Moran's I with binary weights, and incremental spatial autocorrelation (ISA) over
//! H3 grid distances: which neighbourhood size shows the clustering of reports best?
//!
//! I = (n/S0)·Σ_ij w_ij z_i z_j / Σ_i z_i², z_i = x_i − x̄, E[I] = −1/(n−1), and under
//! normality VI = (n²S1 − nS2 + 3S0²)/((n² − 1)S0²) − E[I]², z = (I − E[I])/√VI, with
//! S0 = Σ_ij w_ij, S1 = ½Σ_ij (w_ij + w_ji)², S2 = Σ_i (w_i· + w_·i)².
//!
//! For ISA the study cells are fixed (occupied cells plus one ring) and, for k = 1..k_max,
//! w_ij = 1 when i ≠ j and grid distance(i, j) ≤ k (both in the study area). The weights are
//! symmetric and binary, so S1 = 2·S0 and S2 = 4·Σ_i deg_i². Every cell's neighbours are
//! visited once, at k_max, and their z values are summed per exact distance; the sums for
//! k are then prefix sums. The chosen k is the first k with z_k ≥ z_{k+1} (k_max when z keeps
//! rising).
use super::AnalysisError;
use h3o::CellIndex;
use rayon::prelude::*;
use serde::Serialize;

/// Fewest study cells for which the normal approximation of I is used.
pub const MIN_CELLS: usize = 30;

/// Moran's I for one weight matrix.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MoranI {
    pub i: f64,
    pub expected_i: f64,
    pub variance_i: f64,
    pub z: f64,
}

/// One row of the ISA curve.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct IsaRow {
    pub k: u32,
    pub i: f64,
    pub expected_i: f64,
    pub variance_i: f64,
    pub z: f64,
}

/// The ISA curve and the chosen k.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Isa {
    pub rows: Vec<IsaRow>,
    pub k_chosen: u32,
    /// z still rising at k_max: a larger k_max could peak later.
    pub still_rising: bool,
}

/// I from its sums: n, S0, S2, Σ_ij w z_i z_j and Σ z² (binary symmetric weights: S1 = 2·S0).
/// None when the statistic does not exist (n < 2, S0 = 0, Σ z² = 0 or VI ≤ 0).
pub fn moran_from_sums(n: f64, s0: f64, s2: f64, cross: f64, zz: f64) -> Option<MoranI> {
    if n < 2.0 || s0 <= 0.0 || zz <= 0.0 {
        return None;
    }
    let s1 = 2.0 * s0;
    let i = n / s0 * cross / zz;
    let e = -1.0 / (n - 1.0);
    let v = (n * n * s1 - n * s2 + 3.0 * s0 * s0) / ((n * n - 1.0) * s0 * s0) - e * e;
    if !(v > 0.0 && v.is_finite() && i.is_finite()) {
        return None;
    }
    Some(MoranI {
        i,
        expected_i: e,
        variance_i: v,
        z: (i - e) / v.sqrt(),
    })
}

/// Moran's I of `x` with binary symmetric weights given as neighbour lists (indices into
/// `x`, the cell itself excluded).
pub fn moran(x: &[f64], neighbours: &[Vec<usize>]) -> Option<MoranI> {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let z: Vec<f64> = x.iter().map(|v| v - mean).collect();
    let zz: f64 = z.iter().map(|v| v * v).sum();
    let (mut s0, mut s2, mut cross) = (0.0, 0.0, 0.0);
    for (i, row) in neighbours.iter().enumerate() {
        let deg = row.len() as f64;
        s0 += deg;
        s2 += 4.0 * deg * deg;
        cross += z[i] * row.iter().map(|&j| z[j]).sum::<f64>();
    }
    moran_from_sums(n, s0, s2, cross, zz)
}

/// ISA over the study `cells` (sorted, one resolution) with `counts`, for k = 1..=`k_max`.
///
/// Errors (named `k`): fewer than [`MIN_CELLS`] cells, `k_max` of 0, or counts that are all
/// equal (Moran's I does not exist).
pub fn isa(cells: &[CellIndex], counts: &[f64], k_max: u32) -> Result<Isa, AnalysisError> {
    assert_eq!(cells.len(), counts.len(), "one count per cell");
    if cells.len() < MIN_CELLS {
        return Err(AnalysisError::Parameter {
            name: "k",
            expected: "auto only with a study area of at least 30 cells",
            value: format!("{} cells", cells.len()),
        });
    }
    if k_max == 0 {
        return Err(AnalysisError::Parameter {
            name: "k_max",
            expected: "at least 1",
            value: "0".into(),
        });
    }
    let n = cells.len();
    let mean = counts.iter().sum::<f64>() / n as f64;
    let z: Vec<f64> = counts.iter().map(|v| v - mean).collect();
    let zz: f64 = z.iter().map(|v| v * v).sum();
    let km = k_max as usize;
    // Per cell: neighbour count and Σ z_j at each exact distance 1..=k_max.
    let per_cell: Vec<(Vec<u32>, Vec<f64>)> = cells
        .par_iter()
        .map(|c| {
            let mut deg = vec![0u32; km + 1];
            let mut sum = vec![0.0f64; km + 1];
            let mut ring: Vec<(CellIndex, u32)> = c.grid_disk_distances(k_max);
            // Fixed order, so the float sums do not depend on h3o's walk order.
            ring.sort_unstable_by_key(|&(cell, d)| (d, cell));
            for (other, d) in ring {
                if d == 0 {
                    continue;
                }
                if let Ok(j) = cells.binary_search(&other) {
                    deg[d as usize] += 1;
                    sum[d as usize] += z[j];
                }
            }
            (deg, sum)
        })
        .collect();
    let mut rows = Vec::with_capacity(km);
    for k in 1..=km {
        let (mut s0, mut s2, mut cross) = (0.0f64, 0.0f64, 0.0f64);
        for (i, (deg, sum)) in per_cell.iter().enumerate() {
            let d: u32 = deg[1..=k].iter().sum();
            let s: f64 = sum[1..=k].iter().sum();
            let d = d as f64;
            s0 += d;
            s2 += 4.0 * d * d;
            cross += z[i] * s;
        }
        let m = moran_from_sums(n as f64, s0, s2, cross, zz).ok_or_else(|| {
            AnalysisError::Parameter {
                name: "k",
                expected: "auto only when the cell counts vary (Moran's I exists)",
                value: format!("k = {k}"),
            }
        })?;
        rows.push(IsaRow {
            k: k as u32,
            i: m.i,
            expected_i: m.expected_i,
            variance_i: m.variance_i,
            z: m.z,
        });
    }
    let (k_chosen, still_rising) = first_peak(&rows);
    Ok(Isa {
        rows,
        k_chosen,
        still_rising,
    })
}

/// The first k with z_k ≥ z_{k+1}; the last k (and `true`) when z keeps rising.
pub fn first_peak(rows: &[IsaRow]) -> (u32, bool) {
    for w in rows.windows(2) {
        if w[0].z >= w[1].z {
            return (w[0].k, false);
        }
    }
    (rows.last().map_or(1, |r| r.k), rows.len() > 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::hexgrid::study_area;
    use geo::Coord;
    use h3o::{LatLng, Resolution};

    #[test]
    fn hand_computed_path_of_four() {
        // Cells 1–2–3–4 on a line, x = 1, 2, 3, 4: x̄ = 2.5, z = −1.5, −0.5, 0.5, 1.5,
        // Σz² = 5. Edges 1-2, 2-3, 3-4 both ways: S0 = 6, Σ w z z = 2·(0.75 − 0.25 + 0.75) = 2.5.
        // I = (4/6)·2.5/5 = 1/3; E = −1/3; S1 = 12; degrees 1, 2, 2, 1 → S2 = 4·10 = 40.
        // VI = (16·12 − 4·40 + 3·36)/(15·36) − 1/9 = 140/540 − 60/540 = 80/540 = 4/27.
        // z = (1/3 + 1/3)/√(4/27) = (2/3)·(3√3/2) = √3.
        let nb = vec![vec![1], vec![0, 2], vec![1, 3], vec![2]];
        let m = moran(&[1.0, 2.0, 3.0, 4.0], &nb).unwrap();
        assert!((m.i - 1.0 / 3.0).abs() < 1e-15);
        assert!((m.expected_i + 1.0 / 3.0).abs() < 1e-15);
        assert!((m.variance_i - 4.0 / 27.0).abs() < 1e-15);
        assert!((m.z - 3f64.sqrt()).abs() < 1e-14);
        // Equal values: no statistic, no NaN.
        assert_eq!(moran(&[2.0; 4], &nb), None);
    }

    fn hue_grid() -> (Vec<CellIndex>, Vec<f64>) {
        // Reports piled on a few cells around Huế, so there is clustering to find.
        let c = LatLng::new(16.46, 107.59)
            .unwrap()
            .to_cell(Resolution::Nine);
        let mut pts = Vec::new();
        for (i, cell) in c.grid_disk::<Vec<_>>(3).into_iter().enumerate() {
            let ll = LatLng::from(cell);
            let n = if i % 3 == 0 { 1 } else { 1 + (i % 7) * (i % 2) };
            for _ in 0..n {
                pts.push(Coord {
                    x: ll.lng(),
                    y: ll.lat(),
                });
            }
        }
        let grid = study_area(&pts, None, Resolution::Nine, 1).unwrap();
        (grid.cells, grid.counts)
    }

    #[test]
    fn isa_matches_moran_with_explicit_neighbour_lists() {
        let (cells, counts) = hue_grid();
        assert!(cells.len() >= MIN_CELLS);
        let curve = isa(&cells, &counts, 3).unwrap();
        for row in &curve.rows {
            let nb: Vec<Vec<usize>> = cells
                .iter()
                .map(|c| {
                    cells
                        .iter()
                        .enumerate()
                        .filter(|&(_, o)| o != c && c.grid_distance(*o).unwrap() <= row.k as i32)
                        .map(|(j, _)| j)
                        .collect()
                })
                .collect();
            let m = moran(&counts, &nb).unwrap();
            assert!(
                (m.i - row.i).abs() < 1e-12,
                "k {}: {} vs {}",
                row.k,
                m.i,
                row.i
            );
            assert!((m.z - row.z).abs() < 1e-9);
            assert!((m.variance_i - row.variance_i).abs() < 1e-15);
        }
    }

    #[test]
    fn first_peak_rules() {
        let row = |k, z| IsaRow {
            k,
            i: 0.0,
            expected_i: 0.0,
            variance_i: 1.0,
            z,
        };
        // z₁ ≥ z₂ → k = 1.
        assert_eq!(
            first_peak(&[row(1, 3.0), row(2, 3.0), row(3, 5.0)]),
            (1, false)
        );
        // Rises to k = 3, falls at 4.
        assert_eq!(
            first_peak(&[
                row(1, 1.0),
                row(2, 2.0),
                row(3, 4.0),
                row(4, 3.0),
                row(5, 9.0)
            ]),
            (3, false)
        );
        // Keeps rising: k_max, said.
        assert_eq!(first_peak(&[row(1, 1.0), row(2, 2.0)]), (2, true));
    }

    #[test]
    fn too_few_cells() {
        let c = LatLng::new(16.46, 107.59)
            .unwrap()
            .to_cell(Resolution::Nine);
        let cells = {
            let mut v = c.grid_disk::<Vec<_>>(2); // 19 cells
            v.sort_unstable();
            v
        };
        let counts: Vec<f64> = (0..19).map(|i| (i % 3) as f64).collect();
        match isa(&cells, &counts, 3).unwrap_err() {
            AnalysisError::Parameter { name, value, .. } => {
                assert_eq!((name, value.as_str()), ("k", "19 cells"));
            }
            e => panic!("{e:?}"),
        }
    }
}
