//! Mann-Kendall trend test with tie correction (as pymannkendall's `original_test`).
//!
//! Emerging hot spot analysis asks of every cell's Gi* z series: is clustering getting
//! stronger or weaker over time? Mann-Kendall answers that without assuming a linear trend
//! or normal data, which suits short, noisy monthly series.

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannKendall {
    /// S = Σ_{i<j} sign(x_j − x_i).
    pub s: f64,
    /// Variance of S under no trend, corrected for tie groups.
    pub var_s: f64,
    /// Continuity-corrected normal score: (S − sign(S)) / sqrt(Var S), 0 when S = 0.
    pub z: f64,
    /// Two-sided p-value of `z`: 2 · (1 − Φ(|z|)).
    pub p: f64,
}

/// Mann-Kendall test of `x` in time order.
///
/// Semantics follow pymannkendall 1.4.3 `original_test` exactly:
/// - NaN values are skipped (the series is the remaining values, in order);
/// - ties are exact equality; each group of t equal values subtracts t(t−1)(2t+5) from
///   n(n−1)(2n+5) in Var S, divided by 18;
/// - z = (S − 1)/√Var S for S > 0, (S + 1)/√Var S for S < 0, 0 for S = 0;
/// - p = 2 · (1 − Φ(|z|)) (the same expression, so tiny p-values round to 0 the same way).
///
/// Short series are well defined: n < 2 gives S = 0, Var S = 0, z = 0, p = 1; n = 2 gives
/// |S| ≤ 1 and therefore z = 0, p = 1.
///
/// ```
/// use hotspot::analysis::mann_kendall::mann_kendall;
/// let mk = mann_kendall(&[1.0, 2.0, 3.0, 4.0, 5.0]);
/// assert_eq!(mk.s, 10.0);
/// assert_eq!(mk.var_s, 300.0 / 18.0); // n(n−1)(2n+5)/18, no ties
/// assert!((mk.z - 9.0 / mk.var_s.sqrt()).abs() < 1e-12);
/// assert!(mk.p < 0.03);
/// ```
pub fn mann_kendall(x: &[f64]) -> MannKendall {
    let values: Vec<f64> = x.iter().copied().filter(|v| !v.is_nan()).collect();

    let mut s: i64 = 0;
    for (i, &a) in values.iter().enumerate() {
        for &b in &values[i + 1..] {
            // partial_cmp is total here: NaN was removed above.
            s += match b.partial_cmp(&a) {
                Some(std::cmp::Ordering::Greater) => 1,
                Some(std::cmp::Ordering::Less) => -1,
                _ => 0,
            };
        }
    }

    let var_s = variance_s(&values);
    let s = s as f64;
    let z = if s > 0.0 {
        (s - 1.0) / var_s.sqrt()
    } else if s < 0.0 {
        (s + 1.0) / var_s.sqrt()
    } else {
        0.0
    };
    // var_s > 0 whenever s ≠ 0 (s ≠ 0 needs two distinct values), so z is finite.
    let p = 2.0 * (1.0 - standard_normal_cdf(z.abs()));
    MannKendall { s, var_s, z, p }
}

/// Φ(x) = erfc(−x/√2)/2 with libm's erfc (as accurate as scipy's `norm.cdf`).
fn standard_normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// Var S = [n(n−1)(2n+5) − Σ_g t_g(t_g−1)(2t_g+5)] / 18 over tie groups g of size t_g.
fn variance_s(values: &[f64]) -> f64 {
    let n = values.len() as f64;
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let mut ties = 0.0;
    let mut start = 0;
    while start < sorted.len() {
        let mut end = start + 1;
        // `==` (not total_cmp) so that −0.0 and 0.0 tie, as with numpy's comparisons.
        while end < sorted.len() && sorted[end] == sorted[start] {
            end += 1;
        }
        let t = (end - start) as f64;
        ties += t * (t - 1.0) * (2.0 * t + 5.0);
        start = end;
    }
    (n * (n - 1.0) * (2.0 * n + 5.0) - ties) / 18.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) {
        assert!((a - b).abs() <= tol, "{a} vs {b}");
    }

    // Reference values: pymannkendall 1.4.3 (`pip install pymannkendall`),
    // `mk.original_test(x)` → (s, var_s, z, p), printed with repr().

    #[test]
    fn matches_pymannkendall_without_ties() {
        // x = [1.2, 3.4, 2.2, 5.0, 4.1, 6.3, 7.7, 6.9]
        let mk = mann_kendall(&[1.2, 3.4, 2.2, 5.0, 4.1, 6.3, 7.7, 6.9]);
        assert_eq!(mk.s, 22.0);
        assert_eq!(mk.var_s, 65.33333333333333);
        close(mk.z, 2.598076211353316, 1e-15);
        close(mk.p, 0.009374768459434968, 1e-15);
    }

    #[test]
    fn matches_pymannkendall_with_ties() {
        // x = [3, 1, 2, 2, 5, 2, 5, 7, 7, 7, 0, 9]
        let x = [3., 1., 2., 2., 5., 2., 5., 7., 7., 7., 0., 9.];
        let mk = mann_kendall(&x);
        assert_eq!(mk.s, 29.0);
        assert_eq!(mk.var_s, 204.33333333333334);
        close(mk.z, 1.9587924502021659, 1e-15);
        close(mk.p, 0.05013709812069522, 1e-15);
    }

    #[test]
    fn matches_pymannkendall_decreasing_with_ties() {
        // x = [4.0, 4.0, 3.5, 3.0, 3.0, 3.0, 1.0, -2.0, -2.0]
        let mk = mann_kendall(&[4.0, 4.0, 3.5, 3.0, 3.0, 3.0, 1.0, -2.0, -2.0]);
        assert_eq!(mk.s, -31.0);
        assert_eq!(mk.var_s, 86.33333333333333);
        close(mk.z, -3.228732015003789, 1e-15);
        close(mk.p, 0.0012434035178974234, 1e-15);
    }

    #[test]
    fn skips_nan_like_pymannkendall() {
        let with_nan = mann_kendall(&[1.0, f64::NAN, 2.0, 3.0, f64::NAN, 2.5]);
        let without = mann_kendall(&[1.0, 2.0, 3.0, 2.5]);
        assert_eq!(with_nan, without);
        // pymannkendall on [1.0, 2.0, 3.0, 2.5]
        assert_eq!(without.s, 4.0);
        assert_eq!(without.var_s, 8.666666666666666);
        close(without.z, 1.0190493307301363, 1e-15);
        close(without.p, 0.3081795474670539, 1e-15);
    }

    #[test]
    fn short_and_constant_series_have_no_trend() {
        // pymannkendall: [1, 2] → s 1, var_s 1, z 0, p 1; [3]*6 → s 0, var_s 0, z 0, p 1.
        // (It raises ZeroDivisionError for n < 2; here that is simply "no trend".)
        for x in [
            &[][..],
            &[5.0][..],
            &[1.0, 2.0][..],
            &[2.0, 1.0][..],
            &[3.0; 6][..],
        ] {
            let mk = mann_kendall(x);
            assert_eq!(mk.z, 0.0, "{x:?}");
            assert_eq!(mk.p, 1.0, "{x:?}");
        }
        assert_eq!(mann_kendall(&[3.0; 6]).var_s, 0.0);
        assert_eq!(mann_kendall(&[1.0, 2.0]).s, 1.0);
        assert_eq!(mann_kendall(&[1.0, 2.0]).var_s, 1.0);
    }

    #[test]
    fn reversing_flips_the_sign() {
        let x = [0.3, 0.1, 0.9, 0.9, 1.5, 1.2, 2.0];
        let r: Vec<f64> = x.iter().rev().copied().collect();
        let (a, b) = (mann_kendall(&x), mann_kendall(&r));
        assert_eq!(a.s, -b.s);
        assert_eq!(a.var_s, b.var_s);
        assert_eq!(a.z, -b.z);
        assert_eq!(a.p, b.p);
    }
}
