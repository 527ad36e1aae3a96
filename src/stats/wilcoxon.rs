//! Wilcoxon signed-rank test of paired differences, as SciPy's `wilcoxon(x, y)` with its
//! defaults (zero differences dropped, no continuity correction, two-sided, `method="auto"`).

use super::rank::rank_average;
use super::{Method, dist};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SignedRank {
    /// Pairs, zero differences included.
    pub n: usize,
    /// Pairs with a non-zero difference: the ones ranked.
    pub n_nonzero: usize,
    /// min(R⁺, R⁻), SciPy's two-sided statistic.
    pub w: f64,
    /// Two-sided p by SciPy's method choice: exact distribution for n ≤ 50 without ties or
    /// zeros; every sign assignment (a permutation test) for n ≤ 13 with them; otherwise the
    /// normal approximation with tie correction.
    pub p: f64,
    pub method: Method,
    /// Two-sided p over all 2ⁿ sign assignments of the ranked differences, ties kept, whatever
    /// SciPy would choose; `None` when too costly. An assignment counts when its R⁺ is at
    /// least as far from the null mean as the observed R⁺ (the rule of R's `coin`; the null
    /// distribution is symmetric, so this equals twice the smaller tail).
    pub p_exact: Option<f64>,
    /// The smallest two-sided exact p any data could give with these ranks: every sign
    /// positive or every sign negative, 2/2ⁿ (0.125 at n = 4).
    pub p_exact_min: Option<f64>,
}

/// Upper bound on the work (pairs × doubled rank-sum range) of the exact count: up to about
/// 125 pairs (a few ms), far past the small samples the exact p is for. Beyond it the normal
/// approximation is good, and the statistics screen recomputes after every save.
const EXACT_WORK_LIMIT: usize = 2_000_000;

/// Signed-rank test of the differences `before − after`. `None` when the lengths differ or no
/// difference is non-zero (nothing to rank).
pub fn wilcoxon_signed_rank(before: &[f64], after: &[f64]) -> Option<SignedRank> {
    if before.len() != after.len() {
        return None;
    }
    let d: Vec<f64> = before.iter().zip(after).map(|(a, b)| a - b).collect();
    wilcoxon_differences(&d)
}

/// Signed-rank test from the differences themselves.
pub fn wilcoxon_differences(d: &[f64]) -> Option<SignedRank> {
    if !super::all_finite(d) {
        return None;
    }
    let nonzero: Vec<f64> = d.iter().copied().filter(|&x| x != 0.0).collect();
    let m = nonzero.len();
    if m == 0 {
        return None;
    }
    let abs: Vec<f64> = nonzero.iter().map(|x| x.abs()).collect();
    let ranked = rank_average(&abs);
    let plus_doubled: i64 = nonzero
        .iter()
        .zip(&ranked.doubled)
        .filter(|(x, _)| **x > 0.0)
        .map(|(_, r)| r)
        .sum();
    let all_doubled: i64 = ranked.doubled.iter().sum();
    let r_plus = plus_doubled as f64 / 2.0;
    let w = r_plus.min((all_doubled - plus_doubled) as f64 / 2.0);

    let exact = exact_p(&ranked.doubled, plus_doubled);
    let (p_exact, p_exact_min) = (exact.map(|e| e.0), exact.map(|e| e.1));
    let zeros = d.len() > m;
    let (p, method) = if d.len() <= 50 && !zeros && !ranked.has_ties() {
        (p_exact?, Method::Exact)
    } else if d.len() <= 13 {
        (p_exact?, Method::ExactPermutation)
    } else {
        let mf = m as f64;
        let mean = mf * (mf + 1.0) / 4.0;
        let se = ((mf * (mf + 1.0) * (2.0 * mf + 1.0) - ranked.tie_term() / 2.0) / 24.0).sqrt();
        (
            dist::normal_two_sided((r_plus - mean) / se)?,
            Method::NormalTie,
        )
    };
    Some(SignedRank {
        n: d.len(),
        n_nonzero: m,
        w,
        p,
        method,
        p_exact,
        p_exact_min,
    })
}

/// Exact two-sided p, and the smallest p these ranks allow: the share of sign assignments
/// whose R⁺ lies at least as far from its null mean as the observed one (for this symmetric
/// distribution, twice the smaller tail: SciPy's exact and permutation branches agree).
/// Counts subsets of the doubled ranks by their sum, compared in integers.
fn exact_p(doubled: &[i64], observed: i64) -> Option<(f64, f64)> {
    let smax: usize = doubled.iter().map(|&d| d as usize).sum();
    if doubled.len().saturating_mul(smax + 1) > EXACT_WORK_LIMIT {
        return None;
    }
    let mut counts = vec![0.0f64; smax + 1];
    counts[0] = 1.0;
    for &w in doubled {
        let w = w as usize;
        for s in (w..=smax).rev() {
            counts[s] += counts[s - w];
        }
    }
    let total: f64 = counts.iter().sum();
    // Distances from the mean smax / 2, doubled to stay in integers.
    let far = |s: usize| (2 * s as i64 - smax as i64).abs();
    let observed_far = far(observed as usize);
    let hit: f64 = (0..=smax)
        .filter(|&s| far(s) >= observed_far)
        .map(|s| counts[s])
        .sum();
    // The farthest sums are 0 and smax (every sign negative / positive).
    let min = if smax == 0 { 1.0 } else { 2.0 / total };
    Some(((hit / total).min(1.0), min))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-9 * b.abs(), "{a} vs expected {b}");
    }

    #[test]
    fn exact_without_ties_matches_scipy() {
        // scipy.stats.wilcoxon([1.5, -0.5, 2.5, 3.5, 1.0, 4.5, -2.0]) (SciPy 1.17.1, exact):
        // statistic 5.0, pvalue 0.15625
        let r = wilcoxon_differences(&[1.5, -0.5, 2.5, 3.5, 1.0, 4.5, -2.0]).unwrap();
        assert_eq!(r.w, 5.0);
        assert_eq!(r.method, Method::Exact);
        close(r.p, 0.15625);
        close(r.p_exact.unwrap(), 0.15625);
        close(r.p_exact_min.unwrap(), 2.0 / 128.0);
    }

    #[test]
    fn four_pairs_cannot_reach_below_one_eighth() {
        // Every difference positive: the most extreme data four pairs can give.
        let r = wilcoxon_differences(&[0.5, 1.0, 1.5, 2.0]).unwrap();
        close(r.p, 0.125);
        close(r.p_exact_min.unwrap(), 0.125);
    }

    #[test]
    fn ties_and_zeros_use_permutation_then_normal() {
        // scipy.stats.wilcoxon([1, 1, 0, 2, -1, 2, 2, 0.5]) (SciPy 1.17.1, permutation over
        // all sign flips since n <= 13): statistic 3.0, pvalue 0.078125
        let r = wilcoxon_differences(&[1.0, 1.0, 0.0, 2.0, -1.0, 2.0, 2.0, 0.5]).unwrap();
        assert_eq!((r.n, r.n_nonzero, r.w), (8, 7, 3.0));
        assert_eq!(r.method, Method::ExactPermutation);
        close(r.p, 0.078125);
        // scipy.stats.wilcoxon([0,0,0,1,1,-2,3,3,3,4,-5,6,7,8,1.5,2.5]) (SciPy 1.17.1,
        // asymptotic since n > 13 with ties): statistic 14.0, pvalue 0.027470536176293373
        let d = [
            0.0, 0.0, 0.0, 1.0, 1.0, -2.0, 3.0, 3.0, 3.0, 4.0, -5.0, 6.0, 7.0, 8.0, 1.5, 2.5,
        ];
        let r = wilcoxon_differences(&d).unwrap();
        assert_eq!(r.w, 14.0);
        assert_eq!(r.method, Method::NormalTie);
        close(r.p, 0.027470536176293373);
    }

    #[test]
    fn undefined_cases() {
        assert!(wilcoxon_differences(&[0.0, 0.0]).is_none());
        assert!(wilcoxon_differences(&[]).is_none());
        assert!(wilcoxon_signed_rank(&[1.0], &[1.0, 2.0]).is_none());
    }
}
