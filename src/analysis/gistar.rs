//! Getis-Ord Gi* with binary, self-including `grid_disk(k)` weights over a [`HexGrid`].
//!
//! Gi* asks whether a cell *and its neighbours* hold more reports than the study area's
//! average would give them; a single busy cell among empty ones is not a hot spot, a busy
//! neighbourhood is. Binary weights keep the statistic explainable to planners: "this cell
//! and the six around it".
//!
//! Degenerate cases never produce NaN: when the study area has one cell or fewer, when all
//! counts are equal (S = 0), or when a cell's neighbourhood is the whole study area
//! (W_i = n, so the variance of its sum is 0), z = 0, p = 1 and bin = 0 — there is nothing
//! to compare against, so there is no evidence of clustering.
use super::hexgrid::{HexGrid, Neighbours};
use rayon::prelude::*;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GiStar {
    pub z: f64,
    /// Two-sided normal p-value.
    pub p: f64,
    /// ±3/±2/±1 for p < .01/.05/.10 with the sign of z, else 0.
    pub bin: i8,
}

/// Gi* z for one location: (Σw x − x̄ W) / (S · sqrt((n W − W²)/(n − 1))).
///
/// Returns 0 in the degenerate cases (n ≤ 1, S ≤ 0 or not finite, n W − W² ≤ 0).
///
/// ```
/// use hotspot::analysis::gistar::gi_z;
/// // 19 cells, x̄ = 18/19; the centre of the hand check sums 18 over 7 cells.
/// let (n, mean) = (19.0_f64, 18.0 / 19.0);
/// let s = (60.0 / n - mean * mean).sqrt();
/// assert!((gi_z(18.0, 7.0, n, mean, s) - 3.5003).abs() < 5e-5);
/// assert_eq!(gi_z(3.0, 3.0, 3.0, 1.0, 0.0), 0.0);
/// ```
pub fn gi_z(sum_wx: f64, sum_w: f64, n: f64, mean: f64, s: f64) -> f64 {
    // `s > 0` and `spread > 0` are false for NaN too.
    let s_ok = s > 0.0 && s.is_finite();
    if n <= 1.0 || !s_ok {
        return 0.0;
    }
    let spread = (n * sum_w - sum_w * sum_w) / (n - 1.0);
    let spread_ok = spread > 0.0;
    if !spread_ok {
        return 0.0;
    }
    let z = (sum_wx - mean * sum_w) / (s * spread.sqrt());
    if z.is_finite() { z } else { 0.0 }
}

/// Two-sided p-value of a standard normal z: 2 · (1 − Φ(|z|)) = erfc(|z|/√2).
///
/// Computed with libm's `erfc` (accurate to ~1 ulp; statrs' is good to ~1e-10 only) so that
/// very large |z| keep a meaningful tiny p instead of 0.
/// NaN z (never produced here) is treated as "no evidence": p = 1.
pub fn two_sided_p(z: f64) -> f64 {
    if z.is_nan() {
        return 1.0;
    }
    libm::erfc(z.abs() / std::f64::consts::SQRT_2).clamp(0.0, 1.0)
}

/// Confidence bin of a (z, p) pair.
///
/// ```
/// use hotspot::analysis::gistar::bin;
/// assert_eq!(bin(2.7, 0.007), 3);
/// assert_eq!(bin(-2.0, 0.0455), -2);
/// assert_eq!(bin(1.7, 0.089), 1);
/// assert_eq!(bin(1.0, 0.3173), 0);
/// ```
pub fn bin(z: f64, p: f64) -> i8 {
    let level = if p < 0.01 {
        3
    } else if p < 0.05 {
        2
    } else if p < 0.10 {
        1
    } else {
        0
    };
    if z > 0.0 {
        level
    } else if z < 0.0 {
        -level
    } else {
        0
    }
}

/// Mean and population standard deviation (x̄, S) of `x`, as in ARCHITECTURE.md (Gi* contract):
/// S = sqrt(Σx²/n − x̄²). Computed in two passes (Σ(x − x̄)²/n, the same quantity) so that
/// equal values give S = 0 exactly instead of rounding noise.
pub fn mean_and_s(x: &[f64]) -> (f64, f64) {
    if x.is_empty() {
        return (0.0, 0.0);
    }
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let var = x.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    (mean, var.max(0.0).sqrt())
}

/// Gi* for every cell of the grid, parallel to `grid.cells`.
pub fn gi_star(grid: &HexGrid) -> Vec<GiStar> {
    let neighbours = Neighbours::grid_disk(&grid.cells, grid.k);
    gi_star_with(&grid.counts, &neighbours)
}

/// Gi* of values `x` over precomputed neighbour lists (parallel to `x`).
pub fn gi_star_with(x: &[f64], neighbours: &Neighbours) -> Vec<GiStar> {
    assert_eq!(x.len(), neighbours.len(), "one neighbour list per value");
    let n = x.len() as f64;
    let (mean, s) = mean_and_s(x);
    (0..x.len())
        .into_par_iter()
        .map(|i| {
            let row = neighbours.of(i);
            let sum_wx: f64 = row.iter().map(|&j| x[j as usize]).sum();
            let z = gi_z(sum_wx, row.len() as f64, n, mean, s);
            let p = two_sided_p(z);
            GiStar {
                z,
                p,
                bin: bin(z, p),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::hexgrid::study_area;
    use geo::Coord;
    use h3o::{CellIndex, LatLng, Resolution};
    use proptest::prelude::*;

    fn centre(c: CellIndex) -> Coord<f64> {
        let ll = LatLng::from(c);
        Coord {
            x: ll.lng(),
            y: ll.lat(),
        }
    }

    fn round4(x: f64) -> f64 {
        (x * 1e4).round() / 1e4
    }

    /// The hand check of ARCHITECTURE.md's Gi* contract: res 9, k 1, 6 reports in the centre, 2 on each ring-1 cell.
    #[test]
    fn hand_check_res9_k1() {
        let c = LatLng::new(16.46, 107.59)
            .unwrap()
            .to_cell(Resolution::Nine);
        let mut pts = vec![centre(c); 6];
        for r in c.grid_ring_fast(1).map(Option::unwrap) {
            pts.extend([centre(r), centre(r)]);
        }
        let grid = study_area(&pts, None, Resolution::Nine, 1).unwrap();
        // Occupied = centre + ring 1; study = those + 1 ring = rings 0..=2.
        assert_eq!(grid.cells.len(), 19);
        let gi = gi_star(&grid);
        let at = |cell: CellIndex| gi[grid.cells.binary_search(&cell).unwrap()];

        assert_eq!(round4(at(c).z), 3.5003);
        assert_eq!(at(c).bin, 3);
        for r in c.grid_ring_fast(1).map(Option::unwrap) {
            assert_eq!(round4(at(r).z), 1.6529);
            assert_eq!(at(r).bin, 1); // p ≈ 0.098
        }
        let ring1: Vec<CellIndex> = c.grid_ring_fast(1).map(Option::unwrap).collect();
        let (mut corners, mut edges) = (0, 0);
        for r in c.grid_ring_fast(2).map(Option::unwrap) {
            let touching = ring1
                .iter()
                .filter(|&&q| r.grid_distance(q).unwrap() == 1)
                .count();
            let z = round4(at(r).z);
            match touching {
                1 => {
                    assert_eq!(z, -0.6519);
                    corners += 1;
                }
                2 => {
                    assert_eq!(z, -0.2485);
                    edges += 1;
                }
                t => panic!("ring-2 cell touching {t} ring-1 cells"),
            }
            assert_eq!(at(r).bin, 0);
        }
        assert_eq!((corners, edges), (6, 6));
    }

    #[test]
    fn degenerate_cases_are_zero_not_nan() {
        // All equal counts: S = 0.
        let c = LatLng::new(10.78, 106.70)
            .unwrap()
            .to_cell(Resolution::Eight);
        let pts: Vec<Coord<f64>> = c.grid_disk::<Vec<_>>(1).into_iter().map(centre).collect();
        let grid = study_area(&pts, None, Resolution::Eight, 0).unwrap();
        for g in gi_star(&grid) {
            assert_eq!(
                g,
                GiStar {
                    z: 0.0,
                    p: 1.0,
                    bin: 0
                }
            );
        }
        // One cell: n = 1.
        let grid = study_area(&pts[..1], None, Resolution::Eight, 0).unwrap();
        assert_eq!(
            gi_star(&grid),
            vec![GiStar {
                z: 0.0,
                p: 1.0,
                bin: 0
            }]
        );
        // Neighbourhood = whole study area: W = n.
        assert_eq!(gi_z(10.0, 7.0, 7.0, 1.0, 0.5), 0.0);
        assert_eq!(gi_z(1.0, 1.0, 1.0, 1.0, 1.0), 0.0);
    }

    #[test]
    fn p_values_and_bins() {
        assert!((two_sided_p(1.959963984540054) - 0.05).abs() < 1e-12);
        assert!((two_sided_p(-2.5758293035489) - 0.01).abs() < 1e-12);
        assert_eq!(two_sided_p(0.0), 1.0);
        assert!(two_sided_p(30.0) > 0.0); // ≈ 9.8e-198, not rounded to 0
        assert_eq!(two_sided_p(f64::NAN), 1.0);
        assert_eq!(bin(-3.0, two_sided_p(-3.0)), -3);
        assert_eq!(bin(0.0, 0.0), 0);
        assert_eq!(bin(1.0, 0.10), 0);
    }

    proptest! {
        #[test]
        fn z_is_finite_and_sums_to_zero_without_edges(values in prop::collection::vec(0u32..20, 1..60)) {
            // With k = 0 each cell is its own neighbourhood: Σ z = 0 and z = (x − x̄)/S.
            let x: Vec<f64> = values.iter().map(|&v| v as f64).collect();
            let nb = Neighbours {
                offsets: (0..=x.len() as u32).collect(),
                indices: (0..x.len() as u32).collect(),
            };
            let gi = gi_star_with(&x, &nb);
            let total: f64 = gi.iter().map(|g| g.z).sum();
            prop_assert!(total.abs() < 1e-9);
            for g in &gi {
                prop_assert!(g.z.is_finite() && (0.0..=1.0).contains(&g.p));
                prop_assert_eq!(g.bin, bin(g.z, g.p));
            }
        }
    }
}
