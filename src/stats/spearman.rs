//! Spearman's rank correlation, with SciPy's t-approximation p and an exact permutation p.

use super::rank::{Ranked, rank_average};
use super::{Method, SPEARMAN_EXACT_MAX_N, dist, finite};

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Spearman {
    pub n: usize,
    pub rho: f64,
    /// Two-sided p from the t distribution with n − 2 df (SciPy's `spearmanr`).
    pub p: f64,
    pub method: Method,
    /// Two-sided p over all n! orderings of one variable against the other, ties kept
    /// (n ≤ [`SPEARMAN_EXACT_MAX_N`]). At n = 10 the t approximation understates it severalfold
    /// for strong correlations, which is why it is reported.
    pub p_exact: Option<f64>,
    /// The smallest two-sided exact p these ranks allow (the orderings with the largest |ρ|):
    /// 2/n! without ties.
    pub p_exact_min: Option<f64>,
}

/// Spearman's ρ of paired samples. Undefined (the contract's rule) with fewer than 3 pairs,
/// unequal lengths, or either variable constant.
pub fn spearman(x: &[f64], y: &[f64]) -> Option<Spearman> {
    let n = x.len();
    if n < 3 || y.len() != n || !super::all_finite(x) || !super::all_finite(y) {
        return None;
    }
    let (rx, ry) = (rank_average(x), rank_average(y));
    if rx.tie_sizes.len() == 1 || ry.tie_sizes.len() == 1 {
        return None;
    }
    let rho = pearson(&rx.ranks, &ry.ranks)?;
    let dof = (n - 2) as f64;
    let denom = (rho + 1.0) * (1.0 - rho);
    let p = if denom <= 0.0 {
        0.0 // |ρ| = 1: t is infinite, as in SciPy
    } else {
        dist::t_two_sided(rho * (dof / denom).sqrt(), dof)?
    };
    let exact = exact_p(&rx, &ry);
    Some(Spearman {
        n,
        rho,
        p,
        method: Method::TApproximation,
        p_exact: exact.map(|e| e.0),
        p_exact_min: exact.map(|e| e.1),
    })
}

/// The exact permutation p of Spearman's ρ alone (n ≤ [`SPEARMAN_EXACT_MAX_N`], else `None`).
pub fn spearman_exact_p(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 3 {
        return None;
    }
    let (rx, ry) = (rank_average(x), rank_average(y));
    if rx.tie_sizes.len() == 1 || ry.tie_sizes.len() == 1 {
        return None;
    }
    exact_p(&rx, &ry).map(|e| e.0)
}

/// Pearson correlation as NumPy's `corrcoef` computes it, clipped to [−1, 1].
fn pearson(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let mx = x.iter().sum::<f64>() / n;
    let my = y.iter().sum::<f64>() / n;
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        let (dx, dy) = (a - mx, b - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    let (cxy, cxx, cyy) = (sxy / (n - 1.0), sxx / (n - 1.0), syy / (n - 1.0));
    finite((cxy / cxx.sqrt() / cyy.sqrt()).clamp(-1.0, 1.0))
}

/// Counts the orderings of `y`'s ranks against `x`'s whose |ρ| is at least the observed one.
///
/// ρ is an increasing function of S = Σ rx·ry once the ranks are fixed (their sums and sums of
/// squares do not change under permutation), so |ρ| ≥ |ρ₀| is |n·S − Σrx·Σry| ≥ |n·S₀ − Σrx·Σry|,
/// compared in exact integers on doubled ranks. The permutations are visited by Heap's
/// algorithm, one swap each, and S is updated by that swap alone: O(1) per ordering.
/// Returns the p and the smallest p any ordering of these ranks gives (the share of
/// orderings reaching the largest |ρ|).
fn exact_p(rx: &Ranked, ry: &Ranked) -> Option<(f64, f64)> {
    let n = rx.doubled.len();
    if !(3..=SPEARMAN_EXACT_MAX_N).contains(&n) {
        return None;
    }
    let x = &rx.doubled;
    let mut a = ry.doubled.clone();
    let total: i64 = x.iter().sum::<i64>() * a.iter().sum::<i64>();
    let nn = n as i64;
    let mut s: i64 = x.iter().zip(&a).map(|(p, q)| p * q).sum();
    let observed = (nn * s - total).abs();
    // |n·S − total| ≥ observed  ⇔  n·S ≥ total + observed  or  n·S ≤ total − observed.
    let (hi, lo) = (total + observed, total - observed);
    let extreme = |s: i64| u64::from(nn * s >= hi || nn * s <= lo);
    let mut count = extreme(s);
    // The largest |n·S − total| met so far and how many orderings reach it.
    let (mut max_far, mut at_max) = ((nn * s - total).abs(), 1u64);
    let mut track = |s: i64| {
        let far = (nn * s - total).abs();
        if far > max_far {
            (max_far, at_max) = (far, 1);
        } else if far == max_far {
            at_max += 1;
        }
    };
    let mut perms: u64 = 1;
    let mut c = [0usize; SPEARMAN_EXACT_MAX_N];
    let mut i = 1;
    while i < n {
        if c[i] < i {
            let j = if i % 2 == 0 { 0 } else { c[i] };
            s += (x[j] - x[i]) * (a[i] - a[j]);
            a.swap(i, j);
            count += extreme(s);
            track(s);
            perms += 1;
            c[i] += 1;
            i = 1;
        } else {
            c[i] = 0;
            i += 1;
        }
    }
    Some((count as f64 / perms as f64, at_max as f64 / perms as f64))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!((a - b).abs() <= 1e-9 * b.abs(), "{a} vs expected {b}");
    }

    #[test]
    fn rho_and_p_match_scipy() {
        // scipy.stats.spearmanr([9, 8.5, 10, 7, 8, 9.5, 6], [3, 2, 3, 1, 2, 3, 1])
        // (SciPy 1.17.1): statistic 0.9449111825230683, pvalue 0.0013279254349912676
        let x = [9.0, 8.5, 10.0, 7.0, 8.0, 9.5, 6.0];
        let y = [3.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0];
        let s = spearman(&x, &y).unwrap();
        close(s.rho, 0.9449111825230683);
        close(s.p, 0.0013279254349912676);
        // Exact: scipy.stats.permutation_test((y,), lambda y: spearmanr(x, y).statistic,
        // permutation_type="pairings", n_resamples=inf) gives 0.009523809523809525 (48/5040; the
        // same count by brute force over itertools.permutations with |rho| >= |rho0|).
        close(s.p_exact.unwrap(), 48.0 / 5040.0);
    }

    #[test]
    fn perfect_ordering_exact_p_is_two_of_n_factorial() {
        // By hand: with no ties only the identity and the reversal reach |ρ| = 1, so the exact
        // two-sided p is 2 / n!; SciPy's t approximation gives 0 (t infinite).
        let x: Vec<f64> = (0..6).map(f64::from).collect();
        let s = spearman(&x, &x).unwrap();
        assert_eq!(s.rho, 1.0);
        assert_eq!(s.p, 0.0);
        close(s.p_exact.unwrap(), 2.0 / 720.0);
        close(s.p_exact_min.unwrap(), 2.0 / 720.0);
    }

    #[test]
    fn undefined_cases() {
        assert!(spearman(&[1.0, 2.0], &[1.0, 2.0]).is_none());
        assert!(spearman(&[1.0, 2.0, 3.0], &[2.0, 2.0, 2.0]).is_none());
        assert!(spearman(&[1.0, 2.0, 3.0], &[2.0, 2.0]).is_none());
        let x: Vec<f64> = (0..11).map(f64::from).collect();
        assert_eq!(
            spearman(&x, &x).unwrap().p_exact,
            None,
            "n = 11 is not enumerated"
        );
    }
}
