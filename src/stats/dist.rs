//! Tail areas of the t and normal distributions (statrs), always from the survival function:
//! `1 - cdf` loses every digit of a small p to cancellation.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Two-sided p of a t statistic with `df` degrees of freedom: `2 · sf(|t|)`.
/// An infinite `t` (perfect separation) gives 0, as SciPy does.
pub fn t_two_sided(t: f64, df: f64) -> Option<f64> {
    if t.is_nan() || df.is_nan() || df <= 0.0 {
        return None;
    }
    if t.is_infinite() {
        return Some(0.0);
    }
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    super::finite((2.0 * dist.sf(t.abs())).min(1.0))
}

/// Upper tail of the standard normal at `z`.
pub fn normal_sf(z: f64) -> Option<f64> {
    if z.is_nan() {
        return None;
    }
    let dist = Normal::new(0.0, 1.0).ok()?;
    super::finite(dist.sf(z))
}

/// Two-sided p of a standard normal statistic: `2 · sf(|z|)`.
pub fn normal_two_sided(z: f64) -> Option<f64> {
    normal_sf(z.abs()).map(|p| (2.0 * p).min(1.0))
}

/// Quantile of the t distribution (for confidence intervals).
pub fn t_quantile(p: f64, df: f64) -> Option<f64> {
    if !(0.0..=1.0).contains(&p) || df.is_nan() || df <= 0.0 {
        return None;
    }
    let dist = StudentsT::new(0.0, 1.0, df).ok()?;
    super::finite(dist.inverse_cdf(p))
}
