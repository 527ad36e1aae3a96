//! t-tests: paired (SciPy `ttest_rel`), Student (`ttest_ind`) and Welch
//! (`ttest_ind(equal_var=False)`), two-sided.

use super::describe::{mean, variance};
use super::{Method, dist, finite};

/// A t statistic, its degrees of freedom and two-sided p.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TTest {
    pub t: f64,
    pub df: f64,
    pub p: f64,
    pub method: Method,
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
    if n < 2 || !super::all_finite(d) || d.iter().all(|&x| x == d[0]) {
        return None;
    }
    let m = mean(d)?;
    let v = variance(d)?;
    let t = finite(m / (v / n as f64).sqrt())?;
    let df = (n - 1) as f64;
    Some(TTest {
        t,
        df,
        p: dist::t_two_sided(t, df)?,
        method: Method::TDistribution,
    })
}

/// Welch's t-test of `a` minus `b` (unequal variances, Welch–Satterthwaite df). Undefined
/// when either group has fewer than 2 values or neither has any spread.
pub fn welch_t(a: &[f64], b: &[f64]) -> Option<TTest> {
    let (n1, n2) = (a.len() as f64, b.len() as f64);
    let (v1, v2) = (variance(a)?, variance(b)?);
    if v1 == 0.0 && v2 == 0.0 {
        return None;
    }
    let (vn1, vn2) = (v1 / n1, v2 / n2);
    let df = finite((vn1 + vn2).powi(2) / (vn1 * vn1 / (n1 - 1.0) + vn2 * vn2 / (n2 - 1.0)))?;
    let t = finite((mean(a)? - mean(b)?) / (vn1 + vn2).sqrt())?;
    Some(TTest {
        t,
        df,
        p: dist::t_two_sided(t, df)?,
        method: Method::WelchSatterthwaite,
    })
}

/// Student's t-test of `a` minus `b` with pooled variance. Undefined with an empty group,
/// fewer than 3 values in all, or no spread at all.
pub fn student_t(a: &[f64], b: &[f64]) -> Option<TTest> {
    let (n1, n2) = (a.len(), b.len());
    if n1 == 0 || n2 == 0 || n1 + n2 < 3 {
        return None;
    }
    let ss = |xs: &[f64]| variance(xs).map_or(0.0, |v| v * (xs.len() - 1) as f64);
    let df = (n1 + n2 - 2) as f64;
    let pooled = (ss(a) + ss(b)) / df;
    if pooled == 0.0 {
        return None;
    }
    let se = (pooled * (1.0 / n1 as f64 + 1.0 / n2 as f64)).sqrt();
    let t = finite((mean(a)? - mean(b)?) / se)?;
    Some(TTest {
        t,
        df,
        p: dist::t_two_sided(t, df)?,
        method: Method::TDistribution,
    })
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
