//! Benjamini–Hochberg false discovery rate correction of Gi* confidence bins.

/// Bins after FDR: a bin at confidence c survives only if its p is ≤ the BH critical value
/// for α = 1 − c over all `p`.
pub fn fdr_bins(z: &[f64], p: &[f64]) -> Vec<i8> {
    todo!()
}
