//! The baseline-adjusted comparison: ordinary least squares of the 6-month VDS on an
//! intercept, the VDS after the last session and an indicator of the group (statsmodels
//! `OLS(y, [1, x, g]).fit()`), reported for the indicator's coefficient.

use super::describe::{Interval, mean};
use super::{dist, finite};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ancova {
    pub n: usize,
    /// The indicator's coefficient: the group's difference at equal baseline.
    pub effect: f64,
    pub se: f64,
    pub t: f64,
    /// Residual degrees of freedom, n − 3.
    pub df: f64,
    pub p: f64,
    pub ci95: Interval,
}

/// OLS of `y` on an intercept, `x` and the 0/1 indicator `g`. `None` when n < 4, the
/// indicator does not vary (one group empty), the design is singular (x constant, or x
/// determined by the group), or the fit leaves no residual to estimate the error from.
pub fn ancova(y: &[f64], x: &[f64], g: &[bool]) -> Option<Ancova> {
    let n = y.len();
    if n < 4 || x.len() != n || g.len() != n || !super::all_finite(y) || !super::all_finite(x) {
        return None;
    }
    let ones = g.iter().filter(|&&b| b).count();
    if ones == 0 || ones == n {
        return None;
    }
    let gf: Vec<f64> = g.iter().map(|&b| f64::from(u8::from(b))).collect();
    // Centring removes the intercept; the two slopes solve the 2 × 2 normal equations.
    let (my, mx, mg) = (mean(y)?, mean(x)?, mean(&gf)?);
    let (mut sxx, mut sgg, mut sxg, mut sxy, mut sgy) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for i in 0..n {
        let (dy, dx, dg) = (y[i] - my, x[i] - mx, gf[i] - mg);
        sxx += dx * dx;
        sgg += dg * dg;
        sxg += dx * dg;
        sxy += dx * dy;
        sgy += dg * dy;
    }
    if super::describe::all_equal(x) {
        return None;
    }
    let det = sxx * sgg - sxg * sxg;
    // Singular: x is (to rounding) a linear function of the indicator.
    if det.is_nan() || det <= 1e-10 * sxx * sgg {
        return None;
    }
    let b1 = (sgg * sxy - sxg * sgy) / det;
    let b2 = (sxx * sgy - sxg * sxy) / det;
    let sse: f64 = (0..n)
        .map(|i| {
            let r = (y[i] - my) - b1 * (x[i] - mx) - b2 * (gf[i] - mg);
            r * r
        })
        .sum();
    let df = (n - 3) as f64;
    let s2 = sse / df;
    let se = finite((s2 * sxx / det).sqrt())?;
    if se <= 1e-12 * b2.abs().max(1.0) {
        return None; // a perfect fit: t is infinite, which is no evidence at these n
    }
    let t = finite(b2 / se)?;
    let q = dist::t_quantile(0.975, df)?;
    Some(Ancova {
        n,
        effect: b2,
        se,
        t,
        df,
        p: dist::t_two_sided(t, df)?,
        ci95: Interval {
            low: b2 - q * se,
            high: b2 + q * se,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_known_shift_and_refuses_singular_designs() {
        // y = 1 + 0.5 x + 2 g + noise that sums to zero in each group and is orthogonal to x.
        let x = [8.0, 9.0, 10.0, 8.0, 9.0, 10.0];
        let g = [true, true, true, false, false, false];
        let noise = [0.1, -0.2, 0.1, -0.1, 0.2, -0.1];
        let y: Vec<f64> = (0..6)
            .map(|i| 1.0 + 0.5 * x[i] + if g[i] { 2.0 } else { 0.0 } + noise[i])
            .collect();
        let a = ancova(&y, &x, &g).unwrap();
        assert!((a.effect - 2.0).abs() < 1e-12, "{a:?}");
        assert_eq!((a.n, a.df), (6, 3.0));
        assert!(a.ci95.low < 2.0 && 2.0 < a.ci95.high);
        // x equal to the indicator's pattern: singular.
        let x2 = [9.0, 9.0, 9.0, 8.0, 8.0, 8.0];
        assert_eq!(ancova(&y, &x2, &g), None);
        assert_eq!(ancova(&y, &x, &[true; 6]), None);
        assert_eq!(ancova(&y[..3], &x[..3], &g[..3]), None);
    }
}
