//! t-tests: paired (SciPy `ttest_rel`), Student (`ttest_ind`) and Welch
//! (`ttest_ind(equal_var=False)`), two-sided.

use super::describe::{Interval, all_equal, mean, variance};
use super::{Method, dist, finite};

/// A t statistic, its degrees of freedom and two-sided p, with the mean difference it tests
/// and that difference's 95% interval from the same t distribution (SciPy's
/// `confidence_interval()` of the test's result).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TTest {
    pub t: f64,
    pub df: f64,
    pub p: f64,
    pub method: Method,
    /// Mean of the differences (paired) or difference of the means (two groups).
    pub mean_diff: f64,
    /// `mean_diff ± t₀.₉₇₅(df) · se`.
    pub ci95: Interval,
}

/// A test's result with its 95% interval: the difference `est` with standard error `se`.
fn result(est: f64, se: f64, df: f64, method: Method) -> Option<TTest> {
    let t = finite(est / se)?;
    let q = dist::t_quantile(0.975, df)?;
    Some(TTest {
        t,
        df,
        p: dist::t_two_sided(t, df)?,
        method,
        mean_diff: est,
        ci95: Interval {
            low: est - q * se,
            high: est + q * se,
        },
    })
}

/// Paired t-test of `before` against `after` (pairs at the same index): the one-sample t-test
/// of the differences `before − after`. `None` when the lengths differ.
pub fn paired_t(before: &[f64], after: &[f64]) -> Option<TTest> {
    if before.len() != after.len() {
        return None;
    }
    let d: Vec<f64> = before.iter().zip(after).map(|(a, b)| a - b).collect();
    paired_t_differences(&d)
}

/// Paired t-test from the differences themselves. Undefined (the contract's rule) with fewer
/// than 2 pairs or when every difference is equal: the SD is then 0 and t is 0/0 or ±∞,
/// neither of which is evidence of anything at these sample sizes.
pub fn paired_t_differences(d: &[f64]) -> Option<TTest> {
    let n = d.len();
    if n < 2 || !super::all_finite(d) || all_equal(d) {
        return None;
    }
    let se = (variance(d)? / n as f64).sqrt();
    result(mean(d)?, se, (n - 1) as f64, Method::TDistribution)
}

/// The two-group tests' own rule: undefined when every value within each group is equal.
/// The values are compared, not a computed variance: the variance of three copies of 0.7 is
/// not exactly zero in binary, and dividing by it gave t ≈ 10¹⁶.
fn no_spread_within_either(a: &[f64], b: &[f64]) -> bool {
    all_equal(a) && all_equal(b)
}

/// Welch's t-test of `a` minus `b` (unequal variances, Welch–Satterthwaite df). Undefined
/// when either group has fewer than 2 values or neither has any spread.
pub fn welch_t(a: &[f64], b: &[f64]) -> Option<TTest> {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (v1, v2) = (variance(a)?, variance(b)?);
    if no_spread_within_either(a, b) {
        return None;
    }
    // A group of equal values has no spread: its computed variance is rounding noise.
    let v1 = if all_equal(a) { 0.0 } else { v1 };
    let v2 = if all_equal(b) { 0.0 } else { v2 };
    let (vn1, vn2) = (v1 / n1, v2 / n2);
    let df = finite((vn1 + vn2).powi(2) / (vn1 * vn1 / (n1 - 1.0) + vn2 * vn2 / (n2 - 1.0)))?;
    let se = (vn1 + vn2).sqrt();
    result(mean(a)? - mean(b)?, se, df, Method::WelchSatterthwaite)
}

/// Student's t-test of `a` minus `b` with pooled variance. Undefined with an empty group,
/// fewer than 3 values in all, or no spread at all.
pub fn student_t(a: &[f64], b: &[f64]) -> Option<TTest> {
    let (n1, n2) = (a.len(), b.len());
    if n1 == 0 || n2 == 0 || n1 + n2 < 3 || no_spread_within_either(a, b) {
        return None;
    }
    let df = (n1 + n2 - 2) as f64;
    let pooled = pooled_variance(a, b)?;
    let se = (pooled * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    result(mean(a)? - mean(b)?, se, df, Method::TDistribution)
}

/// The pooled variance of two groups, Σ(x − x̄)² over both divided by n₁ + n₂ − 2; a group of
/// equal values adds nothing (see [`no_spread_within_either`]).
pub fn pooled_variance(a: &[f64], b: &[f64]) -> Option<f64> {
    let df = (a.len() + b.len()).checked_sub(2).filter(|&d| d > 0)? as f64;
    let ss = |xs: &[f64]| {
        if all_equal(xs) {
            0.0
        } else {
            variance(xs).map_or(0.0, |v| v * (xs.len() - 1) as f64)
        }
    };
    finite((ss(a) + ss(b)) / df)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-9 * b.abs(), "{a} vs expected {b}");
    }

    const A: [f64; 6] = [9.0, 8.5, 10.0, 9.5, 8.0, 9.0];
    const B: [f64; 4] = [7.0, 8.5, 6.0, 8.0];

    #[test]
    fn paired_matches_scipy() {
        // scipy.stats.ttest_rel([9, 8.5, 10, 9.5, 8, 9], [8, 8, 9, 8.5, 6.5, 8]) (SciPy 1.17.1):
        // statistic 7.745966692414835, df 5, pvalue 0.0005732451420394272
        let r = paired_t(&A, &[8.0, 8.0, 9.0, 8.5, 6.5, 8.0]).unwrap();
        close(r.t, 7.745966692414835);
        assert_eq!(r.df, 5.0);
        close(r.p, 0.0005732451420394272);
    }

    #[test]
    fn welch_and_student_match_scipy() {
        // scipy.stats.ttest_ind(A, B, equal_var=False) (SciPy 1.17.1):
        // statistic 2.6, df 4.6428767952456935, pvalue 0.051833556105474465
        let w = welch_t(&A, &B).unwrap();
        close(w.t, 2.6);
        close(w.df, 4.6428767952456935);
        close(w.p, 0.051833556105474465);
        // scipy.stats.ttest_ind(A, B): statistic 2.8625057893285377, df 8,
        // pvalue 0.021070119626117743
        let s = student_t(&A, &B).unwrap();
        close(s.t, 2.8625057893285377);
        assert_eq!(s.df, 8.0);
        close(s.p, 0.021070119626117743);
        // ttest_ind(A, B).confidence_interval() (SciPy 1.17.1) =
        // (0.3159173306560301, 2.9340826693439697); mean difference 1.625
        close(s.mean_diff, 1.625);
        close(s.ci95.low, 0.3159173306560301);
        close(s.ci95.high, 2.9340826693439697);
    }

    /// The case: every patient within each subtype fades by the same amount, an
    /// amount not exact in binary. The variances computed are 1e-32-ish, not zero; both
    /// tests must be undefined (the contract), not t ≈ 10¹⁶.
    #[test]
    fn equal_values_within_each_group_are_undefined_whatever_the_rounding() {
        let a = [0.7, 0.7, 0.7, 0.7, 0.7, 0.7];
        let b = [0.8, 0.8, 0.8, 0.8];
        assert!(
            variance(&a).unwrap() > 0.0,
            "the trap: a tiny non-zero variance"
        );
        assert_eq!(welch_t(&a, &b), None);
        assert_eq!(student_t(&a, &b), None);
        // One group with spread: defined, and the equal group contributes no variance.
        let w = welch_t(&a, &[0.8, 0.9, 1.0]).unwrap();
        close(w.df, 2.0);
        assert!(w.ci95.low < w.mean_diff && w.mean_diff < w.ci95.high);
    }

    #[test]
    fn undefined_cases_are_none() {
        assert!(paired_t(&[1.0], &[0.0]).is_none());
        assert!(
            paired_t(&[3.0, 4.0, 5.0], &[1.0, 2.0, 3.0]).is_none(),
            "all differences 2"
        );
        assert!(paired_t(&[1.0, 2.0], &[1.0]).is_none());
        assert!(welch_t(&[1.0], &[1.0, 2.0]).is_none());
        assert!(welch_t(&[1.0, 1.0], &[2.0, 2.0]).is_none());
        assert!(student_t(&[1.0, 1.0], &[2.0, 2.0]).is_none());
        // One group without spread is fine for Welch: df = n of the other − 1.
        let w = welch_t(&[1.0, 1.0], &[2.0, 3.0]).unwrap();
        close(w.df, 1.0);
    }
}
