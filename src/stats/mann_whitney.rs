//! Mann–Whitney U test (SciPy `mannwhitneyu(alternative="two-sided")`), with an exact p over
//! every split of the pooled sample, ties kept.

use super::rank::rank_average;
use super::{Method, dist};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MannWhitney {
    pub n1: usize,
    pub n2: usize,
    /// U of the first group: R₁ − n₁(n₁+1)/2, as SciPy reports it.
    pub u: f64,
    /// Two-sided p by SciPy's method choice (see [`Method`] in `method`).
    pub p: f64,
    pub method: Method,
    /// Two-sided p from the normal approximation with tie and continuity correction, whatever
    /// SciPy would choose (for comparing with the exact p).
    pub p_normal: f64,
    /// Two-sided p over every split of the pooled values into groups of n₁ and n₂, ties kept:
    /// the share of splits whose rank sum lies at least as far from its mean as the observed
    /// one. Equal to SciPy's exact p without ties. `None` when the count would be too costly
    /// (large samples, where the normal approximation is good anyway).
    pub p_exact: Option<f64>,
    /// The smallest two-sided exact p these pooled ranks allow (the most extreme splits);
    /// 2/C(n₁+n₂, n₁) without ties.
    pub p_exact_min: Option<f64>,
}

/// Upper bound on the work (items × group size × rank-sum range) of the exact count, about
/// 20 ms in an optimised build. Every split of groups up to 15 + 15 fits.
const EXACT_WORK_LIMIT: usize = 20_000_000;

/// Mann–Whitney U of `a` against `b`. Undefined (the contract's rule) when either group is
/// empty or every value is equal.
pub fn mann_whitney(a: &[f64], b: &[f64]) -> Option<MannWhitney> {
    let (n1, n2) = (a.len(), b.len());
    if n1 == 0 || n2 == 0 || !super::all_finite(a) || !super::all_finite(b) {
        return None;
    }
    let pooled: Vec<f64> = a.iter().chain(b).copied().collect();
    let ranked = rank_average(&pooled);
    if ranked.tie_sizes.len() == 1 {
        return None;
    }
    let r1_doubled: i64 = ranked.doubled[..n1].iter().sum();
    let (f1, f2) = (n1 as f64, n2 as f64);
    let u1 = r1_doubled as f64 / 2.0 - f1 * (f1 + 1.0) / 2.0;
    let u = u1.max(f1 * f2 - u1);

    let exact = exact_p(&ranked.doubled, n1);
    let (p_exact, p_exact_min) = (exact.map(|e| e.0), exact.map(|e| e.1));
    let n = f1 + f2;
    let s = (f1 * f2 / 12.0 * ((n + 1.0) - ranked.tie_term() / (n * (n - 1.0)))).sqrt();
    let z = (u - f1 * f2 / 2.0 - 0.5) / s;
    let p_normal = (2.0 * dist::normal_sf(z)?).clamp(0.0, 1.0);
    let (p, method) = if (n1 > 8 && n2 > 8) || ranked.has_ties() {
        (p_normal, Method::NormalTieContinuity)
    } else {
        // Small and tie-free: SciPy's exact distribution, which the split count equals. A
        // group of ≤ 8 against a very large one is too costly to count (for SciPy too); the
        // normal approximation is then excellent, and labelled as such.
        match p_exact {
            Some(p) => (p, Method::Exact),
            None => (p_normal, Method::NormalTieContinuity),
        }
    };
    Some(MannWhitney {
        n1,
        n2,
        u: u1,
        p,
        method,
        p_normal,
        p_exact,
        p_exact_min,
    })
}

/// Exact two-sided p from the doubled pooled ranks, the first `n1` belonging to group 1.
///
/// Counts, for every possible rank sum, the subsets of the smaller group's size with that sum
/// (a subset-sum count over the doubled ranks, which are integers); this is the enumeration of
/// all C(n, k) splits without visiting each one.
/// Returns the p and the smallest p any split of these ranks gives.
fn exact_p(doubled: &[i64], n1: usize) -> Option<(f64, f64)> {
    let n = doubled.len();
    // The complement has the same distance from its mean, so count the smaller group.
    let (k, observed): (usize, i64) = if n1 <= n - n1 {
        (n1, doubled[..n1].iter().sum())
    } else {
        (n - n1, doubled[n1..].iter().sum())
    };
    // Cheap bound first (rank sums are at most k · 2n), so large samples skip the sort.
    if n.saturating_mul(k)
        .saturating_mul(k.saturating_mul(2 * n) + 1)
        > EXACT_WORK_LIMIT * 64
    {
        return None;
    }
    let mut sorted: Vec<usize> = doubled.iter().map(|&d| d as usize).collect();
    sorted.sort_unstable();
    let smax: usize = sorted[n - k..].iter().sum();
    if n.saturating_mul(k).saturating_mul(smax + 1) > EXACT_WORK_LIMIT {
        return None;
    }
    let width = smax + 1;
    // counts[j * width + s]: number of j-element subsets of the items seen so far summing to s.
    let mut counts = vec![0.0f64; (k + 1) * width];
    counts[0] = 1.0;
    for (seen, &w) in sorted.iter().enumerate() {
        for j in (1..=k.min(seen + 1)).rev() {
            let (lower, upper) = counts.split_at_mut(j * width);
            let from = &lower[(j - 1) * width..(j - 1) * width + width - w];
            for (to, add) in upper[w..width].iter_mut().zip(from) {
                *to += add;
            }
        }
    }
    let last = &counts[k * width..];
    let mean = (k * (n + 1)) as i64; // doubled mean rank (n + 1) times k
    let far = (observed - mean).abs();
    let (mut hit, mut total) = (0.0, 0.0);
    let (mut max_far, mut at_max) = (-1i64, 0.0);
    for (s, &c) in last.iter().enumerate() {
        total += c;
        let d = (s as i64 - mean).abs();
        if d >= far {
            hit += c;
        }
        if c > 0.0 {
            if d > max_far {
                (max_far, at_max) = (d, c);
            } else if d == max_far {
                at_max += c;
            }
        }
    }
    (total > 0.0).then(|| ((hit / total).min(1.0), at_max / total))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-9 * b.abs(), "{a} vs expected {b}");
    }

    #[test]
    fn exact_branch_matches_scipy() {
        // scipy.stats.mannwhitneyu([1.5, 0.5, 2.0, 1.0, 0.0], [2.5, 3.0, 1.8, 4.0])
        // (SciPy 1.17.1, method "exact" chosen): statistic 1.0, pvalue 0.031746031746031744
        let r = mann_whitney(&[1.5, 0.5, 2.0, 1.0, 0.0], &[2.5, 3.0, 1.8, 4.0]).unwrap();
        assert_eq!(r.u, 1.0);
        assert_eq!(r.method, Method::Exact);
        close(r.p, 0.031746031746031744);
        // 126 splits; the two most extreme (all low ranks in one group or the other).
        close(r.p_exact_min.unwrap(), 2.0 / 126.0);
    }

    #[test]
    fn tied_branch_matches_scipy_and_exact_counts_splits() {
        // scipy.stats.mannwhitneyu([1, 0.5, 2, 1, 0], [2, 3, 1.5, 2]) (SciPy 1.17.1, method
        // "asymptotic" because of ties): statistic 2.0, pvalue 0.06056886020265745.
        // Exact with ties: scipy.stats.permutation_test over all 126 splits with the statistic
        // |U1 − 10| gives 7/126 (brute force by itertools.combinations agrees).
        let r = mann_whitney(&[1.0, 0.5, 2.0, 1.0, 0.0], &[2.0, 3.0, 1.5, 2.0]).unwrap();
        assert_eq!(r.u, 2.0);
        assert_eq!(r.method, Method::NormalTieContinuity);
        close(r.p, 0.06056886020265745);
        close(r.p_exact.unwrap(), 7.0 / 126.0);
    }

    #[test]
    fn large_groups_use_the_normal_approximation() {
        // scipy.stats.mannwhitneyu(range(0, 20, 2), range(1, 21, 2)) (SciPy 1.17.1):
        // statistic 45.0, pvalue 0.7337299956962472
        let a: Vec<f64> = (0..10).map(|i| f64::from(2 * i)).collect();
        let b: Vec<f64> = (0..10).map(|i| f64::from(2 * i + 1)).collect();
        let r = mann_whitney(&a, &b).unwrap();
        assert_eq!(r.u, 45.0);
        assert_eq!(r.method, Method::NormalTieContinuity);
        close(r.p, 0.7337299956962472);
    }

    #[test]
    fn tiny_group_against_a_huge_one_still_has_a_p() {
        // 3 values against 20,000 distinct ones: SciPy would choose "exact", which is too
        // costly to count here; the normal approximation stands in, and says so.
        let a = [0.5, 10_000.5, 19_999.5];
        let b: Vec<f64> = (0..20_000).map(f64::from).collect();
        let r = mann_whitney(&a, &b).unwrap();
        assert_eq!(r.method, Method::NormalTieContinuity);
        assert_eq!(r.p_exact, None);
        assert!(r.p > 0.5 && r.p <= 1.0, "{r:?}");
    }

    #[test]
    fn undefined_cases() {
        assert!(mann_whitney(&[], &[1.0]).is_none());
        assert!(mann_whitney(&[1.0, 1.0], &[1.0]).is_none());
    }
}
