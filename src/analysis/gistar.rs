//! Getis-Ord Gi* with binary, self-including `grid_disk(k)` weights over a [`HexGrid`].
use super::hexgrid::HexGrid;

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GiStar {
    pub z: f64,
    /// Two-sided normal p-value.
    pub p: f64,
    /// ±3/±2/±1 for p < .01/.05/.10 with the sign of z, else 0.
    pub bin: i8,
}

/// Gi* z for one location: (Σw x − x̄ W) / (S · sqrt((n W − W²)/(n − 1))).
pub fn gi_z(sum_wx: f64, sum_w: f64, n: f64, mean: f64, s: f64) -> f64 {
    todo!()
}

/// Two-sided p-value of a standard normal z.
pub fn two_sided_p(z: f64) -> f64 {
    todo!()
}

/// Confidence bin of a (z, p) pair.
pub fn bin(z: f64, p: f64) -> i8 {
    todo!()
}

/// Gi* for every cell of the grid, parallel to `grid.cells`.
pub fn gi_star(grid: &HexGrid) -> Vec<GiStar> {
    todo!()
}
