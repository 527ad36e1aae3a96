//! Intervals and effect sizes beside the tests: Wilson intervals of proportions, the Fisher z
//! interval of Spearman's ρ, Hedges' g, the Hodges–Lehmann shift with its rank-based interval,
//! and the rank-biserial correlation. Each follows the formula of the statistics contract
//! ("Statistics JSON: additional keys"), which names its reference.

use super::describe::{Interval, mean};
use super::finite;
use super::ttest::pooled_variance;

/// The normal quantile of 97.5% (SciPy `norm.isf(0.025)`), the `z` of the contract.
pub const Z975: f64 = 1.959963984540054;

/// An estimate with its 95% interval (`None` where the interval is undefined).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    pub estimate: f64,
    pub ci95: Option<Interval>,
}

/// Wilson score interval of `count` of `of` without continuity correction, in percent
/// (statsmodels `proportion_confint(count, of, method="wilson")` × 100). `None` when `of` is 0.
pub fn wilson_pct(count: usize, of: usize) -> Option<Interval> {
    if of == 0 || count > of {
        return None;
    }
    let (nobs, q) = (of as f64, count as f64 / of as f64);
    let crit2 = Z975 * Z975;
    let denom = 1.0 + crit2 / nobs;
    let center = (q + crit2 / (2.0 * nobs)) / denom;
    let dist = Z975 * (q * (1.0 - q) / nobs + crit2 / (4.0 * nobs * nobs)).sqrt() / denom;
    Some(Interval {
        low: finite((center - dist) * 100.0)?,
        high: finite((center + dist) * 100.0)?,
    })
}

/// Fisher z interval of Spearman's ρ with the Bonett–Wright standard error:
/// `tanh(atanh(ρ) ± z·√((1 + ρ²/2)/(n − 3)))`. `None` when n < 4 or |ρ| = 1.
pub fn spearman_ci(rho: f64, n: usize) -> Option<Interval> {
    if n < 4 || !rho.is_finite() || rho.abs() >= 1.0 {
        return None;
    }
    let half = Z975 * ((1.0 + rho * rho / 2.0) / (n - 3) as f64).sqrt();
    let z = rho.atanh();
    Some(Interval {
        low: finite((z - half).tanh())?,
        high: finite((z + half).tanh())?,
    })
}

/// Hedges' g of `a` minus `b`: Cohen's d with the pooled SD, times `1 − 3/(4(n₁+n₂) − 9)`;
/// interval `g ± z·√((n₁+n₂)/(n₁n₂) + g²/(2(n₁+n₂)))`. `None` with an empty group, fewer than
/// 3 values in all, or every value within each group equal (the t-tests' rule).
pub fn hedges_g(a: &[f64], b: &[f64]) -> Option<Estimate> {
    let (n1, n2) = (a.len(), b.len());
    // At n1 + n2 = 3 the small-sample factor 1 − 3/(4·3 − 9) is 0: g would be 0 whatever
    // the data, so it is undefined there.
    if n1 == 0 || n2 == 0 || n1 + n2 < 4 {
        return None;
    }
    if super::describe::all_equal(a) && super::describe::all_equal(b) {
        return None;
    }
    let sd = pooled_variance(a, b)?.sqrt();
    let (f1, f2) = (n1 as f64, n2 as f64);
    let d = finite((mean(a)? - mean(b)?) / sd)?;
    let g = d * (1.0 - 3.0 / (4.0 * (f1 + f2) - 9.0));
    let se = ((f1 + f2) / (f1 * f2) + g * g / (2.0 * (f1 + f2))).sqrt();
    Some(Estimate {
        estimate: g,
        ci95: Some(Interval {
            low: g - Z975 * se,
            high: g + Z975 * se,
        }),
    })
}

/// Rank-biserial correlation from the Mann–Whitney U of the first group: `2U/(n₁n₂) − 1`.
pub fn rank_biserial(u1: f64, n1: usize, n2: usize) -> Option<f64> {
    if n1 == 0 || n2 == 0 {
        return None;
    }
    finite(2.0 * u1 / (n1 as f64 * n2 as f64) - 1.0)
}

/// Both groups under this size: the interval's rank k is R's `qwilcox`; else the normal formula.
const QWILCOX_BELOW: usize = 50;

/// Hodges–Lehmann shift of `a` against `b`: the median of the n₁·n₂ differences aᵢ − bⱼ, with
/// the interval `[D(k), D(n₁n₂ − k + 1)]` of the sorted differences (1-based), k = R's
/// `qwilcox(0.025, n₁, n₂)` (0 replaced by 1) when both groups are under 50, else
/// `⌊n₁n₂/2 − z·√(n₁n₂(n₁+n₂+1)/12)⌋`. `None` with an empty group.
///
/// The differences are counted by distinct value pairs (scores have few distinct values), so
/// 50,000 against 50,000 patients costs what ten against ten does.
pub fn hodges_lehmann(a: &[f64], b: &[f64]) -> Option<Estimate> {
    let (n1, n2) = (a.len(), b.len());
    if n1 == 0 || n2 == 0 || !super::all_finite(a) || !super::all_finite(b) {
        return None;
    }
    let diffs = weighted_differences(a, b)?;
    let total = n1 as u64 * n2 as u64;
    // The k-th smallest difference, 1-based.
    let at = |k: u64| -> f64 {
        let mut seen = 0u64;
        for &(d, w) in &diffs {
            seen += w;
            if seen >= k {
                return d;
            }
        }
        diffs.last().map_or(f64::NAN, |x| x.0)
    };
    let estimate = if total % 2 == 1 {
        at(total.div_ceil(2))
    } else {
        (at(total / 2) + at(total / 2 + 1)) / 2.0
    };
    let k = if n1 < QWILCOX_BELOW && n2 < QWILCOX_BELOW {
        qwilcox(0.025, n1, n2)?
    } else {
        let (f1, f2) = (n1 as f64, n2 as f64);
        let prod = f1 * f2;
        (prod / 2.0 - Z975 * (prod * (f1 + f2 + 1.0) / 12.0).sqrt()).floor() as u64
    }
    .max(1);
    let ci95 = (k <= total - k + 1).then(|| Interval {
        low: at(k),
        high: at(total - k + 1),
    });
    Some(Estimate {
        estimate: finite(estimate)?,
        ci95,
    })
}

/// Every difference aᵢ − bⱼ once per distinct pair of values, with how often it occurs,
/// sorted. `None` when the distinct values are too many to pair (never for scores).
fn weighted_differences(a: &[f64], b: &[f64]) -> Option<Vec<(f64, u64)>> {
    let (da, db) = (distinct_counts(a), distinct_counts(b));
    if da.len().saturating_mul(db.len()) > 20_000_000 {
        return None;
    }
    let mut out = Vec::with_capacity(da.len() * db.len());
    for &(x, wx) in &da {
        for &(y, wy) in &db {
            out.push((x - y, wx * wy));
        }
    }
    out.sort_by(|p, q| p.0.total_cmp(&q.0));
    Some(out)
}

fn distinct_counts(xs: &[f64]) -> Vec<(f64, u64)> {
    let mut v = xs.to_vec();
    v.sort_by(f64::total_cmp);
    let mut out: Vec<(f64, u64)> = Vec::new();
    for x in v {
        match out.last_mut() {
            Some((y, c)) if *y == x => *c += 1,
            _ => out.push((x, 1)),
        }
    }
    out
}

/// The null distribution of the Mann–Whitney U for groups of `m` and `n` without ties: the
/// number of splits giving each U = 0..=mn. It is the Gaussian binomial coefficient
/// [m+n choose m] in q, built as Πᵢ (1 − q^{n+i}) / (1 − q^i), exactly in integers.
pub fn mann_whitney_counts(m: usize, n: usize) -> Option<Vec<i128>> {
    if m + n > 120 {
        return None; // C(120, 60) ≈ 1e35 still fits an i128; beyond, the counts may not
    }
    let top = m * n;
    let mut p = vec![0i128; top + 1];
    p[0] = 1;
    for i in 1..=m {
        let up = n + i;
        for k in (up..=top).rev() {
            p[k] -= p[k - up];
        }
        for k in i..=top {
            p[k] += p[k - i];
        }
    }
    Some(p)
}

/// R's `qwilcox(p, m, n)`: the smallest U whose lower tail probability reaches `p`, with R's
/// own arithmetic (probabilities summed in double precision from the split counts, compared
/// with p − 10·ε), so that the interval's rank is R's rank.
pub fn qwilcox(p: f64, m: usize, n: usize) -> Option<u64> {
    let counts = mann_whitney_counts(m, n)?;
    let c: f64 = counts.iter().map(|&x| x as f64).sum();
    let x = p - 10.0 * f64::EPSILON;
    let mut cum = 0.0;
    for (q, &k) in counts.iter().enumerate() {
        cum += k as f64 / c;
        if cum >= x {
            return Some(q as u64);
        }
    }
    Some((m * n) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) {
        assert!(
            (a - b).abs() <= 1e-12 || (a - b).abs() <= 1e-9 * b.abs(),
            "{a} vs expected {b}"
        );
    }

    #[test]
    fn wilson_matches_statsmodels() {
        // statsmodels 0.15 proportion_confint(5, 6, method="wilson") =
        // (0.43649717781352965, 0.9699466302516933)
        let i = wilson_pct(5, 6).unwrap();
        close(i.low, 43.64971778135296);
        close(i.high, 96.99466302516933);
        assert_eq!(wilson_pct(0, 0), None);
        let zero = wilson_pct(0, 9).unwrap();
        close(zero.low, 0.0);
        assert!(zero.high > 25.0 && zero.high < 35.0, "{zero:?}");
    }

    #[test]
    fn qwilcox_is_the_lower_2_5_percent_point() {
        // By enumeration: m = n = 4 has 70 splits; U = 0, 1 have 1 and 1 split, U = 2 has 2:
        // P(U <= 0) = 1/70 < 0.025, P(U <= 1) = 2/70 ≥ 0.025, so qwilcox(0.025, 4, 4) = 1.
        let c = mann_whitney_counts(4, 4).unwrap();
        assert_eq!(c.iter().sum::<i128>(), 70);
        assert_eq!(&c[..4], &[1, 1, 2, 3]);
        assert_eq!(qwilcox(0.025, 4, 4), Some(1));
        // Tiny groups never reach 2.5%: the lowest U already holds more than that.
        assert_eq!(qwilcox(0.025, 2, 2), Some(0));
        // Symmetric: the counts read the same backwards.
        let c = mann_whitney_counts(6, 9).unwrap();
        assert!(c.iter().eq(c.iter().rev()));
        assert_eq!(c.iter().sum::<i128>(), 5005);
    }

    #[test]
    fn hodges_lehmann_median_of_differences() {
        // Differences of [1, 2, 3] − [0, 1]: 1, 0, 2, 1, 3, 2 → sorted 0 1 1 2 2 3, median 1.5.
        let h = hodges_lehmann(&[1.0, 2.0, 3.0], &[0.0, 1.0]).unwrap();
        assert_eq!(h.estimate, 1.5);
        // qwilcox(0.025, 3, 2) = 0 → k = 1: the whole range.
        let ci = h.ci95.unwrap();
        assert_eq!((ci.low, ci.high), (0.0, 3.0));
        assert_eq!(hodges_lehmann(&[], &[1.0]), None);
    }

    #[test]
    fn spearman_interval_and_undefined_cases() {
        let ci = spearman_ci(0.5, 10).unwrap();
        let half = Z975 * ((1.0 + 0.125) / 7.0f64).sqrt();
        close(ci.low, (0.5f64.atanh() - half).tanh());
        assert_eq!(spearman_ci(1.0, 10), None);
        assert_eq!(spearman_ci(0.5, 3), None);
    }

    #[test]
    fn hedges_g_by_the_formula() {
        let (a, b) = ([9.0, 8.5, 10.0, 9.5, 8.0, 9.0], [7.0, 8.5, 6.0, 8.0]);
        let g = hedges_g(&a, &b).unwrap();
        // d = 1.625 / pooled SD; the golden cohorts check it against NumPy, here the
        // small-sample factor and the sign.
        let d = 1.625 / pooled_variance(&a, &b).unwrap().sqrt();
        close(g.estimate, d * (1.0 - 3.0 / 31.0));
        assert!(g.estimate > 0.0);
        assert_eq!(hedges_g(&[0.7, 0.7], &[0.8, 0.8]), None);
        // n1 + n2 = 3: the small-sample factor is 0, so g is undefined, not 0.
        assert_eq!(hedges_g(&[0.5, 1.0], &[1.5]), None);
        assert!(hedges_g(&[0.5, 1.0], &[1.5, 2.5]).is_some());
    }
}
