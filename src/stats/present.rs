//! How statistics are written for a reader, once for the CLI, the statistics screen and the
//! reports: the p-value's figure, which p comes first, the two-sided rule, the smallest p a
//! test can reach, and the primary figure of each score (mean ± SD with its interval flagged
//! when it runs off the scale for VDS; counts per level and the median for PSS).
//!
//! At the sample sizes of SMP case series (n = 4 to 10) the exact p is the primary figure
//! and the approximation is shown beside it; a reader is also told when the test cannot
//! reach 0.05 at all (Wilcoxon at n = 4 cannot go below 0.125).

use super::Method;
use super::describe::{Describe, Interval};
use super::summary::{
    AncovaOut, EstimateOut, LogRankOut, MannWhitneyOut, PairedTOut, PssDescribe, SignedRankOut,
    SpearmanOut, WelchOut,
};

/// Up to this n the exact p, where there is one, is printed first.
pub const EXACT_FIRST_MAX_N: usize = 10;

/// The two-sided rule of every exact p (the contract's; R `coin`'s).
pub const EXACT_RULE: &str =
    "a permutation counts when its statistic is at least as far from the null mean as the observed";

/// The two-sided rule of the t and normal approximations.
pub const APPROX_RULE: &str = "twice the upper tail of |statistic|";

/// The two-sided rule of the log-rank test.
pub const CHI2_RULE: &str = "the upper tail of chi-squared (two-sided in z)";

/// Before any ranking, differences are taken in whole tenths (the VDS scale's resolution),
/// so 8.7 − 7.6 and 9.7 − 8.6 tie as they should.
pub const ROUNDING_NOTE: &str = "VDS differences are rounded to tenths (the scale's \
     resolution) before ranking, so 8.7 - 7.6 and 9.7 - 8.6 tie; a check on raw binary \
     differences can split such ties and give other p-values";

/// The VDS scale.
pub const VDS_SCALE: (f64, f64) = (0.0, 10.0);
/// The scale of a VDS difference.
pub const VDS_DIFF_SCALE: (f64, f64) = (-10.0, 10.0);

/// A p-value as papers print it: three significant figures (at least two decimals), or
/// `< 0.001`. The JSON keeps every digit.
pub fn fmt_p(p: f64) -> String {
    if p < 0.001 {
        "< 0.001".to_string()
    } else {
        let decimals = (2.0 - p.log10().floor()).max(2.0) as usize;
        format!("{p:.decimals$}")
    }
}

/// `p = 0.0123` or `p < 0.001`.
pub fn p_is(p: f64) -> String {
    let f = fmt_p(p);
    if f.starts_with('<') {
        format!("p {f}")
    } else {
        format!("p = {f}")
    }
}

/// Whether a method's p is itself exact (then a separate exact p says nothing new).
pub fn is_exact(m: Method) -> bool {
    matches!(m, Method::Exact | Method::ExactPermutation)
}

/// The two-sided rule a method's p follows.
pub fn rule(m: Method) -> &'static str {
    if is_exact(m) { EXACT_RULE } else { APPROX_RULE }
}

/// The p-values of one test in reading order: the primary first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ps {
    /// The n the test ran on (pairs; non-zero differences; n1 + n2).
    pub n: usize,
    pub primary: (f64, Method),
    /// The other p, when it says something the primary does not.
    pub secondary: Option<(f64, Method)>,
    /// The smallest exact p these data could give (with their ties), when it is above 0.05.
    pub floor: Option<f64>,
}

/// Orders a test's p-values: at n ≤ [`EXACT_FIRST_MAX_N`] the exact p first, the
/// approximation beside it; at larger n the reference's p first, the exact beside it.
pub fn order(
    n: usize,
    p: Option<f64>,
    method: Option<Method>,
    p_exact: Option<f64>,
    p_exact_min: Option<f64>,
) -> Option<Ps> {
    let floor = p_exact_min.filter(|&m| m > 0.05);
    let main = p.zip(method);
    let exact = p_exact.map(|e| (e, Method::ExactPermutation));
    let (primary, secondary) = match (main, exact) {
        (Some(m), _) if is_exact(m.1) => (m, None),
        (Some(m), Some(e)) if n <= EXACT_FIRST_MAX_N => (e, Some(m)),
        (Some(m), e) => (m, e),
        (None, Some(e)) => (e, None),
        (None, None) => return None,
    };
    Some(Ps {
        n,
        primary,
        secondary,
        floor,
    })
}

impl Ps {
    /// `p = 0.125 (exact permutation, two-sided); t approximation p = 0.0900 (two-sided);
    /// the smallest p this test can give at n = 4 is 0.125`. What "two-sided" means for each
    /// method is said once per table ([`rules_note`]).
    pub fn text(&self) -> String {
        let (p, m) = self.primary;
        let mut s = format!("{} ({m}, two-sided)", p_is(p));
        if let Some((p2, m2)) = self.secondary {
            s.push_str(&format!("; {m2} {} (two-sided)", p_is(p2)));
        }
        if let Some(f) = self.floor {
            s.push_str(&format!("; {}", floor_text(self.n, f)));
        }
        s
    }

    /// For a table cell: `p = 0.125 exact perm.; t approx. p = 0.0900`; the floor is
    /// [`Ps::floor`], for the caller to place (a footnote, a second line).
    pub fn cell(&self) -> String {
        let (p, m) = self.primary;
        let mut s = format!("{} {}", p_is(p), m.short());
        if let Some((p2, m2)) = self.secondary {
            s.push_str(&format!("; {} {}", m2.short(), p_is(p2)));
        }
        s
    }
}

/// `the smallest p this test can give at n = 4 is 0.125`.
pub fn floor_text(n: usize, floor: f64) -> String {
    format!(
        "the smallest p this test can give at n = {n} is {}",
        fmt_p(floor)
    )
}

/// A test whose p-values a reader sees: the summary's outputs.
pub trait PValues {
    /// The test's p-values in reading order; `None` when the test is undefined.
    fn ps(&self) -> Option<Ps>;
}

impl PValues for PairedTOut {
    fn ps(&self) -> Option<Ps> {
        order(self.n, self.p, self.method, None, None)
    }
}

impl PValues for SignedRankOut {
    fn ps(&self) -> Option<Ps> {
        order(
            self.n_nonzero.unwrap_or(self.n),
            self.p,
            self.method,
            self.p_exact,
            self.p_exact_min,
        )
    }
}

impl PValues for SpearmanOut {
    fn ps(&self) -> Option<Ps> {
        order(self.n, self.p, self.method, self.p_exact, self.p_exact_min)
    }
}

impl PValues for WelchOut {
    fn ps(&self) -> Option<Ps> {
        order(self.n1 + self.n2, self.p, self.method, None, None)
    }
}

impl PValues for MannWhitneyOut {
    fn ps(&self) -> Option<Ps> {
        order(
            self.n1 + self.n2,
            self.p,
            self.method,
            self.p_exact,
            self.p_exact_min,
        )
    }
}

/// The text of a test's p-values, or `p -` when it is undefined.
pub fn p_text(t: &impl PValues) -> String {
    t.ps().map_or_else(|| "p -".to_string(), |ps| ps.text())
}

/// The note that goes under every table of tests.
pub fn rules_note() -> String {
    format!(
        "Every p is two-sided: an exact p by the rule \"{EXACT_RULE}\"; a t or normal \
         approximation as {APPROX_RULE}; the log-rank test as {CHI2_RULE}. At n <= \
         {EXACT_FIRST_MAX_N} the exact p comes first and the approximation beside it. \
         {ROUNDING_NOTE}."
    )
}

/// Whether an interval runs outside a scale.
pub fn outside(ci: Interval, (lo, hi): (f64, f64)) -> bool {
    ci.low < lo || ci.high > hi
}

/// `x` to `decimals` places, never `-0.00` (a negative value that rounds to zero reads 0).
pub fn fixed(x: f64, decimals: usize) -> String {
    let s = format!("{x:.decimals$}");
    match s.strip_prefix('-') {
        Some(rest) if rest.chars().all(|c| c == '0' || c == '.') => rest.to_string(),
        _ => s,
    }
}

fn num(x: f64, decimals: usize) -> String {
    fixed(x, decimals)
}

/// `8.50 to 9.10`.
pub fn interval(ci: Interval, decimals: usize) -> String {
    format!("{} to {}", num(ci.low, decimals), num(ci.high, decimals))
}

/// `runs outside 0-10` when the interval does.
pub fn outside_flag(ci: Interval, scale: Option<(f64, f64)>) -> Option<String> {
    scale
        .filter(|&s| outside(ci, s))
        .map(|(lo, hi)| format!("runs outside {lo}-{hi}"))
}

/// The interval of a mean as a reader should see it: `8.10 to 9.30`; `8.90 to 10.20 (runs
/// outside 0-10)`; none when every value is equal (a zero-width interval says nothing).
pub fn mean_ci(d: &Describe, decimals: usize, scale: Option<(f64, f64)>) -> Option<String> {
    d.ci95.map(|c| match outside_flag(c, scale) {
        Some(f) => format!("{} ({f})", interval(c, decimals)),
        None => interval(c, decimals),
    })
}

/// A score's primary figure in one cell: `8.70 ± 1.10 (n = 10; 95% CI 7.91 to 9.49)`; the
/// interval flagged when it runs off `scale`; `— (n = 0)` with no value.
pub fn mean_sd(d: &Describe, decimals: usize, scale: Option<(f64, f64)>) -> String {
    let n = d.n;
    match (d.mean, d.sd) {
        (None, _) => format!("— (n = {n})"),
        (Some(m), None) => format!("{} (n = {n})", num(m, decimals)),
        (Some(m), Some(sd)) => {
            let ci = match d.ci95 {
                None => "every value equal".to_string(),
                Some(c) => match outside_flag(c, scale) {
                    Some(f) => format!("95% CI {}, {f}", interval(c, decimals)),
                    None => format!("95% CI {}", interval(c, decimals)),
                },
            };
            format!(
                "{} ± {} (n = {n}; {ci})",
                num(m, decimals),
                num(sd, decimals)
            )
        }
    }
}

/// PSS, ordinal: `0: 0, 1: 1, 2: 3, 3: 6; median 3` (counts of patients scoring 0, 1, 2, 3).
pub fn pss_levels(d: &PssDescribe) -> String {
    let [a, b, c, e] = d.levels;
    match d.median {
        None => format!("— (n = {})", d.n),
        Some(med) => format!(
            "0: {a}, 1: {b}, 2: {c}, 3: {e}; median {} (n = {})",
            if med.fract() == 0.0 {
                format!("{med:.0}")
            } else {
                format!("{med:.1}")
            },
            d.n
        ),
    }
}

/// Days in an average month (365.25 / 12), for labelling day counts in months.
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// A day count as whole months, rounded to the nearest (182 days is 6 months, not 5).
pub fn months(days: i64) -> i64 {
    (days as f64 / DAYS_PER_MONTH).round() as i64
}

/// `6 m` for 182 days.
pub fn months_label(days: i64) -> String {
    format!("{} m", months(days))
}

/// The median touch-up-free time: `300 days (10 m)`, or `not reached` when the curve never
/// falls to one half.
pub fn median_time(days: Option<i64>) -> String {
    days.map_or("not reached".to_string(), |d| {
        format!("{d} days ({})", months_label(d))
    })
}

/// What the log-rank line says when there is no test.
pub const LOG_RANK_UNDEFINED: &str = "undefined (a subtype empty or no touch-up recorded)";

/// The log-rank line: `n = 6 vs 4, chi2 = 5.123, df = 1, p = 0.0237 (log-rank, chi-squared
/// with 1 df, two-sided)`, or why there is none.
pub fn log_rank_text(l: Option<&LogRankOut>, n1: usize, n2: usize) -> String {
    l.map_or(LOG_RANK_UNDEFINED.to_string(), |l| {
        format!(
            "n = {n1} vs {n2}, chi2 = {:.3}, df = {}, {} ({}, two-sided)",
            l.chi2,
            l.df,
            p_is(l.p),
            l.method
        )
    })
}

/// PSS levels in a table cell: `0:0 1:1 2:3 3:6` (patients scoring 0, 1, 2 and 3).
pub fn pss_levels_cell(d: &PssDescribe) -> String {
    let [a, b, c, e] = d.levels;
    format!("0:{a} 1:{b} 2:{c} 3:{e}")
}

/// A PSS median: `3`, or `2.5` between two levels.
pub fn pss_median(m: f64) -> String {
    if m.fract() == 0.0 {
        format!("{m:.0}")
    } else {
        format!("{m:.1}")
    }
}

/// Why a figure is missing: with enough patients it is the data (no spread, all equal),
/// otherwise too few patients.
pub fn undefined(n: usize, needed: usize) -> String {
    if n < needed {
        format!("too few patients (n = {n}, needs {needed})")
    } else {
        format!("undefined: no variation (n = {n})")
    }
}

/// `8.50 to 9.10`, or `-` without an interval.
pub fn interval_or_dash(ci: Option<Interval>, decimals: usize) -> String {
    ci.map_or("-".to_string(), |c| interval(c, decimals))
}

/// The paired t-test of VDS post against 6 months, as the CLI and the screen write it.
pub fn paired_t_text(t: &PairedTOut) -> String {
    match (t.t, t.df, t.p) {
        (Some(tv), Some(df), Some(_)) => format!(
            "mean difference {} (95% CI {}), t = {:.3}, df = {df}, {}",
            t.mean_diff.estimate.map_or("-".into(), |m| num(m, 2)),
            interval_or_dash(t.mean_diff.ci95, 2),
            tv,
            p_text(t)
        ),
        _ => undefined(t.n, 2),
    }
}

/// The Wilcoxon signed-rank test, with the zero differences it dropped.
pub fn wilcoxon_text(w: &SignedRankOut) -> String {
    match (w.w, w.p) {
        (Some(wv), Some(_)) => format!(
            "W = {wv}, {}{}",
            p_text(w),
            match w.n_nonzero {
                Some(nz) if nz < w.n => format!(" [{} zero difference(s) dropped]", w.n - nz),
                _ => String::new(),
            }
        ),
        _ if w.n == 0 => undefined(0, 1),
        _ => format!("undefined: every difference is zero (n = {})", w.n),
    }
}

/// Spearman's rho with its interval and p-values.
pub fn spearman_text(sp: &SpearmanOut) -> String {
    match (sp.rho, sp.p) {
        (Some(r), Some(_)) => format!(
            "rho = {r:.3} (95% CI {}), {}",
            interval_or_dash(sp.ci95, 2),
            p_text(sp)
        ),
        _ => undefined(sp.n, 3),
    }
}

/// A two-sample t-test (Welch or Student) of fading, androgenetic minus scarring.
pub fn t_test_text(t: &WelchOut) -> String {
    match (t.t, t.df, t.p) {
        (Some(tv), Some(df), Some(_)) => format!(
            "difference {} (95% CI {}), t = {tv:.3}, df = {df:.2}, {}",
            t.mean_diff
                .and_then(|m| m.estimate)
                .map_or("-".into(), |m| num(m, 2)),
            interval_or_dash(t.mean_diff.and_then(|m| m.ci95), 2),
            p_text(t)
        ),
        _ if t.n1 < 2 || t.n2 < 2 => "too few patients (needs 2 per subtype)".to_string(),
        _ => "undefined: every value within each subtype is equal".to_string(),
    }
}

/// The Mann–Whitney U test of fading by subtype.
pub fn mann_whitney_text(m: &MannWhitneyOut) -> String {
    match (m.u, m.p) {
        (Some(u), Some(_)) => format!("U = {u}, {}", p_text(m)),
        _ if m.n1 == 0 || m.n2 == 0 => "too few patients (needs 1 per subtype)".to_string(),
        _ => "undefined: every value is equal".to_string(),
    }
}

/// An effect size with its interval and how it was computed.
pub fn estimate_text(e: Option<&EstimateOut>, how: &str) -> String {
    match e.and_then(|e| e.estimate.map(|v| (v, e.ci95))) {
        Some((v, ci)) => format!("{} (95% CI {}; {how})", num(v, 2), interval_or_dash(ci, 2)),
        None => "undefined (too few patients or no variation)".to_string(),
    }
}

/// The rank-biserial correlation.
pub fn rank_biserial_text(r: Option<f64>) -> String {
    r.map_or("undefined (a subtype is empty)".to_string(), |r| {
        format!("{r:.2} (2U/(n1 n2) - 1)")
    })
}

/// The baseline-adjusted comparison of 6-month VDS.
pub fn ancova_text(a: Option<&AncovaOut>) -> String {
    match a {
        Some(a) => format!(
            "n = {}: androgenetic minus scarring {} (95% CI {}), SE {}, t = {:.3}, df = {}, {} (t distribution, two-sided)",
            a.n,
            num(a.effect, 2),
            interval(a.ci95, 2),
            num(a.se, 3),
            a.t,
            a.df,
            p_is(a.p),
        ),
        None => "undefined (a subtype empty, fewer than 4 patients with both scores, or VDS post determined by subtype)".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(fixed(-0.001, 2), "0.00");
        assert_eq!(fixed(-0.01, 2), "-0.01");
        assert_eq!(fmt_p(0.0123456), "0.0123");
        assert_eq!(fmt_p(0.763), "0.763");
        assert_eq!(fmt_p(1.0), "1.00");
        assert_eq!(fmt_p(0.00012), "< 0.001");
        // A p that underflowed to 0 reads "p < 0.001", never "p = < 0.001".
        assert_eq!(p_is(0.0), "p < 0.001");
        assert_eq!(p_is(0.0123456), "p = 0.0123");
    }

    #[test]
    fn day_counts_read_as_rounded_months() {
        // 182 / 30.44 = 5.98: six months, not five.
        assert_eq!(months_label(182), "6 m");
        assert_eq!(months_label(365), "12 m");
        assert_eq!(months_label(730), "24 m");
        assert_eq!(median_time(None), "not reached");
        assert_eq!(median_time(Some(300)), "300 days (10 m)");
        let l = LogRankOut {
            chi2: 5.1234,
            df: 1.0,
            p: 0.0236,
            method: "log-rank",
        };
        assert_eq!(
            log_rank_text(Some(&l), 6, 4),
            "n = 6 vs 4, chi2 = 5.123, df = 1, p = 0.0236 (log-rank, two-sided)"
        );
        assert_eq!(log_rank_text(None, 6, 4), LOG_RANK_UNDEFINED);
    }

    #[test]
    fn exact_first_at_small_n_and_the_floor_shown() {
        let ps = order(
            4,
            Some(0.09),
            Some(Method::TApproximation),
            Some(0.125),
            Some(0.125),
        )
        .unwrap();
        assert_eq!(ps.primary, (0.125, Method::ExactPermutation));
        assert_eq!(ps.secondary, Some((0.09, Method::TApproximation)));
        assert_eq!(
            ps.text(),
            "p = 0.125 (exact permutation, two-sided); t approximation p = 0.0900 (two-sided); \
             the smallest p this test can give at n = 4 is 0.125"
        );
        assert_eq!(ps.cell(), "p = 0.125 exact perm.; t approx. p = 0.0900");
        // Large n: the reference's p first, the floor not worth saying.
        let ps = order(
            40,
            Some(0.01),
            Some(Method::TApproximation),
            None,
            Some(1e-9),
        )
        .unwrap();
        assert_eq!((ps.primary.0, ps.secondary, ps.floor), (0.01, None, None));
        // At larger n the exact p stays beside the approximation.
        let ps = order(12, Some(0.04), Some(Method::NormalTie), Some(0.06), None).unwrap();
        assert_eq!(ps.primary, (0.04, Method::NormalTie));
        assert_eq!(ps.secondary, Some((0.06, Method::ExactPermutation)));
        // A p that is itself exact needs no second exact p.
        let ps = order(5, Some(0.2), Some(Method::Exact), Some(0.2), None).unwrap();
        assert_eq!(ps.secondary, None);
        assert_eq!(order(5, None, None, None, None), None);
    }

    #[test]
    fn intervals_off_the_scale_are_flagged_and_equal_values_have_none() {
        let d = crate::stats::describe::describe(&[9.8, 10.0, 9.9, 10.0]);
        let text = mean_sd(&d, 2, Some(VDS_SCALE));
        assert!(text.ends_with(", runs outside 0-10)"), "{text}");
        let d = crate::stats::describe::describe(&[8.7, 8.7, 8.7]);
        assert_eq!(d.ci95, None);
        assert_eq!(
            mean_sd(&d, 2, Some(VDS_SCALE)),
            "8.70 ± 0.00 (n = 3; every value equal)"
        );
        let d = crate::stats::describe::describe(&[7.0, 8.0, 9.0]);
        assert_eq!(
            mean_ci(&d, 1, Some(VDS_SCALE)).as_deref(),
            Some("5.5 to 10.5 (runs outside 0-10)")
        );
        assert_eq!(
            mean_sd(&d, 1, None),
            "8.0 ± 1.0 (n = 3; 95% CI 5.5 to 10.5)"
        );
        assert_eq!(
            mean_sd(&d, 2, Some(VDS_SCALE)),
            "8.00 ± 1.00 (n = 3; 95% CI 5.52 to 10.48, runs outside 0-10)"
        );
    }
}
