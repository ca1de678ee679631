//! Count regression for the risk model: Poisson GLM (log link) by iteratively reweighted
//! least squares, and NB2 negative binomial with the dispersion α by maximum likelihood.
//!
//! The design is an intercept plus a few binary factor columns, so the normal equations are
//! a (k+1)×(k+1) symmetric positive definite system solved here by Cholesky (≈ 60 lines,
//! no dependency; nalgebra would add a large API for a 7×7 matrix and hide the one numeric
//! decision that matters: a singular system means collinear factors, which is the caller's
//! bad input, not a panic).
//!
//! - Poisson: β by IRLS (weights μ, working response η + (y − μ)/μ) until the deviance
//!   changes by less than 1e-12 relatively; SE = √diag((XᵀWX)⁻¹) (the inverse Fisher
//!   information; observed = expected for the canonical link); Wald z = β/SE, two-sided p;
//!   Pearson χ² = Σ (y − μ)²/μ, dispersion = χ²/(n − k − 1).
//! - NB2 (Var = μ + αμ²): for fixed α, β by IRLS with weights μ/(1 + αμ); α maximises the
//!   profile log-likelihood (golden section on ln α, then the fit at the optimum); standard
//!   errors from the inverse of the observed information of (β, α) jointly, as
//!   statsmodels' `NegativeBinomial` reports them; Pearson χ² uses Var = μ + αμ².
use super::AnalysisError;
use super::gistar::two_sided_p;
use serde::Serialize;

/// One coefficient.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Coef {
    pub beta: f64,
    pub se: f64,
    pub z: f64,
    pub p: f64,
}

/// A fitted count model.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GlmFit {
    /// Intercept first, then one per factor column, in order.
    pub coefs: Vec<Coef>,
    pub iterations: u32,
    pub log_likelihood: f64,
    pub pearson_chi2: f64,
    pub df_resid: f64,
    /// Pearson χ² / df.
    pub dispersion: f64,
    /// NB2 only: α and its standard error.
    pub alpha: Option<f64>,
    pub alpha_se: Option<f64>,
    /// Fitted means, one per observation.
    #[serde(skip)]
    pub mu: Vec<f64>,
}

const MAX_IRLS: u32 = 200;

/// Lower-triangular Cholesky factor of the p×p row-major SPD matrix `a`; None if it is not
/// positive definite (relative pivot tolerance 1e-12).
pub fn cholesky(a: &[f64], p: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; p * p];
    let scale = (0..p).map(|i| a[i * p + i].abs()).fold(0.0, f64::max);
    for j in 0..p {
        let mut d = a[j * p + j];
        for k in 0..j {
            d -= l[j * p + k] * l[j * p + k];
        }
        let pivot_ok = d > 1e-12 * scale && d.is_finite();
        if !pivot_ok {
            return None;
        }
        let d = d.sqrt();
        l[j * p + j] = d;
        for i in j + 1..p {
            let mut s = a[i * p + j];
            for k in 0..j {
                s -= l[i * p + k] * l[j * p + k];
            }
            l[i * p + j] = s / d;
        }
    }
    Some(l)
}

/// Solves L Lᵀ x = b.
pub fn cholesky_solve(l: &[f64], p: usize, b: &[f64]) -> Vec<f64> {
    let mut y = b.to_vec();
    for i in 0..p {
        for k in 0..i {
            y[i] -= l[i * p + k] * y[k];
        }
        y[i] /= l[i * p + i];
    }
    for i in (0..p).rev() {
        for k in i + 1..p {
            y[i] -= l[k * p + i] * y[k];
        }
        y[i] /= l[i * p + i];
    }
    y
}

/// (L Lᵀ)⁻¹, row-major.
pub fn cholesky_inverse(l: &[f64], p: usize) -> Vec<f64> {
    let mut inv = vec![0.0; p * p];
    for j in 0..p {
        let mut e = vec![0.0; p];
        e[j] = 1.0;
        let col = cholesky_solve(l, p, &e);
        for i in 0..p {
            inv[i * p + j] = col[i];
        }
    }
    inv
}

fn singular() -> AnalysisError {
    AnalysisError::Parameter {
        name: "kinds",
        expected: "site factors that are not collinear (with each other or the intercept)",
        value: "a singular design".into(),
    }
}

/// Row `i` of the design: 1 (intercept) then the factor values.
fn row(factors: &[Vec<f64>], i: usize, out: &mut [f64]) {
    out[0] = 1.0;
    for (k, col) in factors.iter().enumerate() {
        out[k + 1] = col[i];
    }
}

fn check(factors: &[Vec<f64>], y: &[f64]) -> Result<(), AnalysisError> {
    let n = y.len();
    if factors.iter().any(|c| c.len() != n) {
        return Err(AnalysisError::Parameter {
            name: "factors",
            expected: "one value per observation",
            value: "columns of other lengths".into(),
        });
    }
    if n <= factors.len() + 1 {
        return Err(AnalysisError::Parameter {
            name: "cells",
            expected: "more cells than coefficients",
            value: format!("{n} cells for {} coefficients", factors.len() + 1),
        });
    }
    if y.iter().any(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(AnalysisError::Parameter {
            name: "counts",
            expected: "finite counts ≥ 0",
            value: "a negative or non-finite count".into(),
        });
    }
    if y.iter().all(|&v| v == 0.0) {
        return Err(AnalysisError::Parameter {
            name: "counts",
            expected: "at least one report",
            value: "all counts 0".into(),
        });
    }
    Ok(())
}

/// IRLS for the log link with variance μ + αμ² (α = 0: Poisson), from `start` (or a
/// data-driven start). Returns β, μ and the iterations used.
fn irls(
    factors: &[Vec<f64>],
    y: &[f64],
    alpha: f64,
    start: Option<&[f64]>,
) -> Result<(Vec<f64>, Vec<f64>, u32), AnalysisError> {
    let n = y.len();
    let p = factors.len() + 1;
    let ybar = y.iter().sum::<f64>() / n as f64;
    let mut eta: Vec<f64> = match start {
        Some(b) => (0..n).map(|i| linear(factors, b, i)).collect(),
        None => y.iter().map(|&v| ((v + ybar) / 2.0).ln()).collect(),
    };
    let mut beta = vec![0.0; p];
    let mut dev_old = f64::INFINITY;
    let mut x = vec![0.0; p];
    for it in 1..=MAX_IRLS {
        let mut xtwx = vec![0.0; p * p];
        let mut xtwz = vec![0.0; p];
        for i in 0..n {
            let mu = eta[i].exp();
            let w = mu / (1.0 + alpha * mu);
            let z = eta[i] + (y[i] - mu) / mu;
            row(factors, i, &mut x);
            for a in 0..p {
                if x[a] == 0.0 {
                    continue;
                }
                xtwz[a] += x[a] * w * z;
                for b in 0..=a {
                    xtwx[a * p + b] += x[a] * w * x[b];
                }
            }
        }
        for a in 0..p {
            for b in a + 1..p {
                xtwx[a * p + b] = xtwx[b * p + a];
            }
        }
        let l = cholesky(&xtwx, p).ok_or_else(singular)?;
        beta = cholesky_solve(&l, p, &xtwz);
        for (i, e) in eta.iter_mut().enumerate() {
            *e = linear(factors, &beta, i).min(700.0);
        }
        let dev = deviance(y, &eta, alpha);
        if (dev_old - dev).abs() <= 1e-12 * (dev.abs() + 0.1) {
            let mu = eta.iter().map(|e| e.exp()).collect();
            return Ok((beta, mu, it));
        }
        dev_old = dev;
    }
    let mu = eta.iter().map(|e| e.exp()).collect();
    Ok((beta, mu, MAX_IRLS))
}

fn linear(factors: &[Vec<f64>], beta: &[f64], i: usize) -> f64 {
    beta[0]
        + factors
            .iter()
            .zip(&beta[1..])
            .map(|(c, b)| c[i] * b)
            .sum::<f64>()
}

/// Deviance-like convergence measure: −2 log-likelihood without constants.
fn deviance(y: &[f64], eta: &[f64], alpha: f64) -> f64 {
    -2.0 * y
        .iter()
        .zip(eta)
        .map(|(&v, &e)| loglik_term(v, e.exp(), alpha) + ln_factorial(v))
        .sum::<f64>()
}

fn ln_factorial(y: f64) -> f64 {
    statrs::function::gamma::ln_gamma(y + 1.0)
}

/// log f(y; μ, α) (α = 0: Poisson). For NB2, lnΓ(y + 1/α) − lnΓ(1/α) = Σ_{k<y} ln(1/α + k)
/// (y is a whole count), which stays exact for tiny α.
fn loglik_term(y: f64, mu: f64, alpha: f64) -> f64 {
    if alpha == 0.0 {
        let ylogmu = if y > 0.0 { y * mu.ln() } else { 0.0 };
        return ylogmu - mu - ln_factorial(y);
    }
    let r = 1.0 / alpha;
    let mut lg = 0.0;
    let mut k = 0.0;
    while k < y {
        lg += (r + k).ln();
        k += 1.0;
    }
    let am = alpha * mu;
    let ylog = if y > 0.0 {
        y * (am / (1.0 + am)).ln()
    } else {
        0.0
    };
    lg - ln_factorial(y) + ylog - r * am.ln_1p()
}

fn coefs(beta: &[f64], cov: &[f64], p: usize, stride: usize) -> Vec<Coef> {
    (0..p)
        .map(|k| {
            let se = cov[k * stride + k].max(0.0).sqrt();
            let z = if se > 0.0 { beta[k] / se } else { 0.0 };
            Coef {
                beta: beta[k],
                se,
                z,
                p: two_sided_p(z),
            }
        })
        .collect()
}

/// Poisson GLM with log link of counts `y` on an intercept and the `factors` columns.
pub fn poisson(factors: &[Vec<f64>], y: &[f64]) -> Result<GlmFit, AnalysisError> {
    check(factors, y)?;
    let p = factors.len() + 1;
    let (beta, mu, iterations) = irls(factors, y, 0.0, None)?;
    let info = information(factors, &mu, 0.0);
    let l = cholesky(&info, p).ok_or_else(singular)?;
    let cov = cholesky_inverse(&l, p);
    let pearson: f64 = y
        .iter()
        .zip(&mu)
        .map(|(&v, &m)| (v - m) * (v - m) / m)
        .sum();
    let df = (y.len() - p) as f64;
    Ok(GlmFit {
        coefs: coefs(&beta, &cov, p, p),
        iterations,
        log_likelihood: y
            .iter()
            .zip(&mu)
            .map(|(&v, &m)| loglik_term(v, m, 0.0))
            .sum(),
        pearson_chi2: pearson,
        df_resid: df,
        dispersion: pearson / df,
        alpha: None,
        alpha_se: None,
        mu,
    })
}

/// Expected information XᵀWX with W = μ/(1 + αμ).
fn information(factors: &[Vec<f64>], mu: &[f64], alpha: f64) -> Vec<f64> {
    let p = factors.len() + 1;
    let mut x = vec![0.0; p];
    let mut m = vec![0.0; p * p];
    for (i, &u) in mu.iter().enumerate() {
        let w = u / (1.0 + alpha * u);
        row(factors, i, &mut x);
        for a in 0..p {
            for b in 0..p {
                m[a * p + b] += x[a] * w * x[b];
            }
        }
    }
    m
}

/// NB2 negative binomial regression; α by maximum likelihood.
pub fn negbin(factors: &[Vec<f64>], y: &[f64]) -> Result<GlmFit, AnalysisError> {
    check(factors, y)?;
    let p = factors.len() + 1;
    let (b0, _, _) = irls(factors, y, 0.0, None)?;
    let profile = |t: f64, start: &[f64]| -> Result<(f64, Vec<f64>), AnalysisError> {
        let alpha = t.exp();
        let (b, mu, _) = irls(factors, y, alpha, Some(start))?;
        let ll = y
            .iter()
            .zip(&mu)
            .map(|(&v, &m)| loglik_term(v, m, alpha))
            .sum();
        Ok((ll, b))
    };
    // Golden section on t = ln α over [ln 1e-8, ln 1e4].
    let g = (5f64.sqrt() - 1.0) / 2.0;
    let (mut a, mut b) = (1e-8f64.ln(), 1e4f64.ln());
    let mut c = b - g * (b - a);
    let mut d = a + g * (b - a);
    let (mut fc, mut bc) = profile(c, &b0)?;
    let (mut fd, mut bd) = profile(d, &b0)?;
    while (b - a).abs() > 1e-10 {
        if fc > fd {
            (b, d, fd, bd) = (d, c, fc, bc.clone());
            c = b - g * (b - a);
            (fc, bc) = profile(c, &bd)?;
        } else {
            (a, c, fc, bc) = (c, d, fd, bd.clone());
            d = a + g * (b - a);
            (fd, bd) = profile(d, &bc)?;
        }
    }
    let t = (a + b) / 2.0;
    let alpha = t.exp();
    let (beta, mu, iterations) = irls(factors, y, alpha, Some(&bc))?;
    // Observed information of (β, α).
    let q = p + 1;
    let mut info = vec![0.0; q * q];
    let mut x = vec![0.0; p];
    let r = 1.0 / alpha;
    for i in 0..y.len() {
        let (v, m) = (y[i], mu[i]);
        let am1 = 1.0 + alpha * m;
        row(factors, i, &mut x);
        let wbb = m * (1.0 + alpha * v) / (am1 * am1);
        let wba = m * (v - m) / (am1 * am1);
        for a in 0..p {
            for b in 0..p {
                info[a * q + b] += x[a] * wbb * x[b];
            }
            info[a * q + p] += x[a] * wba;
            info[p * q + a] += x[a] * wba;
        }
        // d1 = ψ(y + 1/α) − ψ(1/α), d2 = ψ'(1/α) − ψ'(y + 1/α), as finite sums.
        let (mut d1, mut d2, mut k) = (0.0, 0.0, 0.0);
        while k < v {
            d1 += 1.0 / (r + k);
            d2 += 1.0 / ((r + k) * (r + k));
            k += 1.0;
        }
        let h_aa = -2.0 / alpha.powi(3) * (-d1 + (alpha * m).ln_1p())
            + (1.0 / (alpha * alpha)) * (-d2 / (alpha * alpha) + m / am1)
            - (v - m) * (1.0 + 2.0 * alpha * m) / (alpha * alpha * am1 * am1);
        info[p * q + p] -= h_aa;
    }
    // At α → 0 (no overdispersion) the α terms cancel catastrophically and α sits on the
    // edge of its range: then β's errors come from the β block alone and α has none.
    let joint = if alpha > 1e-6 {
        cholesky(&info, q)
    } else {
        None
    };
    let (coefs, alpha_se) = match joint {
        Some(l) => {
            let cov = cholesky_inverse(&l, q);
            (
                coefs(&beta, &cov, p, q),
                Some(cov[p * q + p].max(0.0).sqrt()),
            )
        }
        None => {
            let block: Vec<f64> = (0..p * p).map(|k| info[(k / p) * q + k % p]).collect();
            let l = cholesky(&block, p).ok_or_else(singular)?;
            (coefs(&beta, &cholesky_inverse(&l, p), p, p), None)
        }
    };
    let pearson: f64 = y
        .iter()
        .zip(&mu)
        .map(|(&v, &m)| (v - m) * (v - m) / (m + alpha * m * m))
        .sum();
    let df = (y.len() - p) as f64;
    Ok(GlmFit {
        coefs,
        iterations,
        log_likelihood: y
            .iter()
            .zip(&mu)
            .map(|(&v, &m)| loglik_term(v, m, alpha))
            .sum(),
        pearson_chi2: pearson,
        df_resid: df,
        dispersion: pearson / df,
        alpha: Some(alpha),
        alpha_se,
        mu,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cholesky_hand_example() {
        // A = [[4, 2], [2, 3]] = L Lᵀ with L = [[2, 0], [1, √2]];
        // A⁻¹ = [[3, −2], [−2, 4]] / 8; A x = [2, 1] → x = [0.5, 0].
        let l = cholesky(&[4.0, 2.0, 2.0, 3.0], 2).unwrap();
        assert_eq!(l[0], 2.0);
        assert_eq!(l[2], 1.0);
        assert!((l[3] - 2f64.sqrt()).abs() < 1e-15);
        assert_eq!(cholesky_solve(&l, 2, &[2.0, 1.0]), vec![0.5, 0.0]);
        let inv = cholesky_inverse(&l, 2);
        for (a, b) in inv.iter().zip([0.375, -0.25, -0.25, 0.5]) {
            assert!((a - b).abs() < 1e-15);
        }
        // Singular: [[1, 1], [1, 1]].
        assert!(cholesky(&[1.0, 1.0, 1.0, 1.0], 2).is_none());
    }

    #[test]
    fn poisson_one_binary_factor_is_the_ratio_of_means() {
        // Cells without the factor: counts 1, 2, 3 (mean 2); with it: 6, 8, 10 (mean 8).
        // With one binary factor the MLE fits each group's mean exactly:
        // β₀ = ln 2 = 0.693147…, β₁ = ln(8/2) = ln 4 = 1.386294…, RRV = e^β₁ = 4.
        // Fisher information XᵀWX with W = μ: [[3·2 + 3·8, 3·8], [3·8, 3·8]] = [[30, 24], [24, 24]];
        // det = 30·24 − 24² = 144; inverse = [[24, −24], [−24, 30]]/144, so
        // SE(β₀) = √(24/144) = √(1/6) = 0.408248…, SE(β₁) = √(30/144) = 0.456435….
        // Pearson χ² = (1−2)²/2 + 0 + (3−2)²/2 + (6−8)²/8 + 0 + (10−8)²/8 = 0.5+0.5+0.5+0.5 = 2;
        // df = 6 − 2 = 4 → dispersion 0.5.
        let y = [1.0, 2.0, 3.0, 6.0, 8.0, 10.0];
        let x = vec![vec![0.0, 0.0, 0.0, 1.0, 1.0, 1.0]];
        let f = poisson(&x, &y).unwrap();
        assert!((f.coefs[0].beta - 2f64.ln()).abs() < 1e-10);
        assert!((f.coefs[1].beta - 4f64.ln()).abs() < 1e-10);
        assert!((f.coefs[0].se - (1.0f64 / 6.0).sqrt()).abs() < 1e-9);
        assert!((f.coefs[1].se - (30.0f64 / 144.0).sqrt()).abs() < 1e-9);
        assert!((f.coefs[1].z - 4f64.ln() / (30.0f64 / 144.0).sqrt()).abs() < 1e-8);
        assert!((f.pearson_chi2 - 2.0).abs() < 1e-9);
        assert!((f.dispersion - 0.5).abs() < 1e-9);
        assert_eq!(f.df_resid, 4.0);
    }

    #[test]
    fn collinear_factors_are_bad_input() {
        let y = [1.0, 2.0, 3.0, 4.0];
        // x₁ + x₂ = 1 = the intercept.
        let x = vec![vec![1.0, 1.0, 0.0, 0.0], vec![0.0, 0.0, 1.0, 1.0]];
        match poisson(&x, &y).unwrap_err() {
            AnalysisError::Parameter { name, .. } => assert_eq!(name, "kinds"),
            e => panic!("{e:?}"),
        }
        assert!(poisson(&[vec![0.0, 1.0]], &[1.0, 2.0]).is_err(), "n ≤ p");
        assert!(poisson(&[vec![0.0, 1.0, 1.0]], &[0.0, 0.0, 0.0]).is_err());
    }

    #[test]
    fn negbin_finds_overdispersion_and_collapses_to_poisson() {
        // Equal-mean groups with large spread: 0, 10, 0, 10, … (mean 5, variance 25+).
        // One binary factor: the NB2 MLE of the means is still the group means (the score
        // for β is Σ x (y − μ)/(1 + αμ) and is zero at the group means whatever α is), so
        // β₁ = ln(10/5) = ln 2; α > 0.
        let y = [0.0, 10.0, 0.0, 10.0, 0.0, 10.0, 20.0, 0.0, 20.0, 0.0];
        let x = vec![vec![0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]];
        let f = negbin(&x, &y).unwrap();
        assert!((f.coefs[0].beta - 5f64.ln()).abs() < 1e-6);
        assert!((f.coefs[1].beta - 2f64.ln()).abs() < 1e-6);
        let alpha = f.alpha.unwrap();
        assert!(alpha > 0.5, "{alpha}");
        assert!(f.alpha_se.unwrap().is_finite() && f.alpha_se.unwrap() > 0.0);
        for c in &f.coefs {
            assert!(c.se.is_finite() && c.se > 0.0);
        }
        // The profile score in α is zero at the optimum: ℓ(α·(1 ± 1e-4)) ≤ ℓ(α).
        let ll = |a: f64| -> f64 {
            y.iter()
                .zip(&f.mu)
                .map(|(&v, &m)| loglik_term(v, m, a))
                .sum()
        };
        assert!(ll(alpha * 1.0001) <= ll(alpha) + 1e-12);
        assert!(ll(alpha * 0.9999) <= ll(alpha) + 1e-12);
        // Under-dispersed data: α goes to the lower end and β to Poisson's.
        let y = [2.0, 2.0, 3.0, 2.0, 8.0, 8.0, 9.0, 8.0];
        let x = vec![vec![0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 1.0]];
        let nb = negbin(&x, &y).unwrap();
        let po = poisson(&x, &y).unwrap();
        assert!(nb.alpha.unwrap() < 1e-6);
        assert_eq!(nb.alpha_se, None);
        assert!((nb.coefs[1].beta - po.coefs[1].beta).abs() < 1e-6);
    }
}
