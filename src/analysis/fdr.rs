//! Benjamini–Hochberg false discovery rate correction of Gi* confidence bins.
//!
//! With thousands of cells, about 10 % of them pass p < .10 by chance alone. Following
//! ArcGIS Hot Spot Analysis with FDR, each confidence level gets its own BH critical p-value
//! over all cells, and a cell keeps the highest level whose critical value it passes. The
//! map then shows fewer, more trustworthy hot spots.

/// Confidence levels of the bins, as (bin level, α).
const LEVELS: [(i8, f64); 3] = [(3, 0.01), (2, 0.05), (1, 0.10)];

/// Bins after FDR: a bin at confidence c survives only if its p is ≤ the BH critical value
/// for α = 1 − c over all `p`.
///
/// The BH critical value for α is the largest sorted p_(i) with p_(i) ≤ i/m · α (none when
/// no p qualifies), m = number of cells. A cell gets level 3/2/1 for the highest confidence
/// at which its p is both below α (the raw bin rule, so FDR never adds significance) and
/// ≤ the critical value; the sign is that of z (0 when z = 0). NaN p-values count as 1.
///
/// ```
/// use hotspot::analysis::fdr::fdr_bins;
/// // m = 4. α = .10: critical p is .05 (i = 2: .05 ≤ 2/4·.10); α = .05: .004 (i = 1).
/// let z = [3.0, 2.0, -1.7, 0.5];
/// let p = [0.004, 0.05, 0.09, 0.6];
/// assert_eq!(fdr_bins(&z, &p), vec![2, 1, 0, 0]);
/// ```
pub fn fdr_bins(z: &[f64], p: &[f64]) -> Vec<i8> {
    assert_eq!(z.len(), p.len(), "one p-value per z");
    let mut sorted: Vec<f64> = p
        .iter()
        .map(|&v| if v.is_nan() { 1.0 } else { v })
        .collect();
    sorted.sort_by(f64::total_cmp);
    let critical: Vec<(i8, f64, Option<f64>)> = LEVELS
        .iter()
        .map(|&(level, alpha)| (level, alpha, bh_critical(&sorted, alpha)))
        .collect();
    z.iter()
        .zip(p)
        .map(|(&z, &p)| {
            if z == 0.0 || z.is_nan() || p.is_nan() {
                return 0;
            }
            let level = critical
                .iter()
                .find(|&&(_, alpha, crit)| p < alpha && crit.is_some_and(|c| p <= c))
                .map_or(0, |&(level, _, _)| level);
            if z > 0.0 { level } else { -level }
        })
        .collect()
}

/// Largest p_(i) (ascending, 1-based i) with p_(i) ≤ i/m · α, if any.
pub fn bh_critical(sorted_p: &[f64], alpha: f64) -> Option<f64> {
    let m = sorted_p.len() as f64;
    sorted_p
        .iter()
        .enumerate()
        .rev()
        .find(|&(i, &p)| p <= (i + 1) as f64 / m * alpha)
        .map(|(_, &p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::gistar::{bin, two_sided_p};
    use proptest::prelude::*;

    #[test]
    fn hand_computed_ten_cells() {
        // m = 10, sorted p: .0009 .008 .012 .019 .03 .041 .069 .09 .2 .5
        // α = .01: thresholds .001 .002 .003 … → largest passing i = 1 → critical .0009
        // α = .05: thresholds .005 .010 .015 .020 .025 .030 … → i = 4 (.019 ≤ .02) → .019
        //          (i = 5: .03 > .025; i = 6: .041 > .03; later ones fail too)
        // α = .10: thresholds .01 .02 … .07 .08 .09 .10 → i = 7 (.069 ≤ .07) → .069
        let p = [
            0.019, 0.5, 0.0009, 0.069, 0.008, 0.09, 0.041, 0.012, 0.2, 0.03,
        ];
        let z = [2.3, -0.6, 3.3, 1.8, -2.65, 1.7, -2.04, 2.5, 1.3, -2.17];
        assert_eq!(bh_critical(&sorted(&p), 0.01), Some(0.0009));
        assert_eq!(bh_critical(&sorted(&p), 0.05), Some(0.019));
        assert_eq!(bh_critical(&sorted(&p), 0.10), Some(0.069));
        let raw: Vec<i8> = z.iter().zip(&p).map(|(&z, &p)| bin(z, p)).collect();
        assert_eq!(raw, vec![2, 0, 3, 1, -3, 1, -2, 2, 0, -2]);
        assert_eq!(fdr_bins(&z, &p), vec![2, 0, 3, 1, -2, 0, -1, 2, 0, -1]);
    }

    #[test]
    fn nothing_survives_when_no_p_is_small_enough() {
        let p = [0.04, 0.06, 0.08, 0.3];
        // m = 4, α = .10: thresholds .025 .05 .075 .10 — every p misses its threshold.
        assert_eq!(bh_critical(&sorted(&p), 0.05), None);
        assert_eq!(bh_critical(&sorted(&p), 0.10), None);
        assert_eq!(fdr_bins(&[2.0, 1.9, 1.8, 1.0], &p), vec![0, 0, 0, 0]);
        assert!(fdr_bins(&[], &[]).is_empty());
    }

    fn sorted(p: &[f64]) -> Vec<f64> {
        let mut s = p.to_vec();
        s.sort_by(f64::total_cmp);
        s
    }

    proptest! {
        #[test]
        fn fdr_never_exceeds_raw_bins(z in prop::collection::vec(-5.0f64..5.0, 0..200)) {
            let p: Vec<f64> = z.iter().map(|&z| two_sided_p(z)).collect();
            let fdr = fdr_bins(&z, &p);
            for ((&z, &p), &f) in z.iter().zip(&p).zip(&fdr) {
                let raw = bin(z, p);
                prop_assert!(f.abs() <= raw.abs());
                prop_assert!(f == 0 || f.signum() == raw.signum());
            }
        }
    }
}
