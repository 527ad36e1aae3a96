//! How p-values are written, once for the CLI, the statistics screen and the reports: the
//! figure, which p comes first, the two-sided rule and the smallest p a test can reach.
//!
//! At the sample sizes of SMP case series (n = 4 to 10) the exact p is the primary figure
//! and the approximation is shown beside it; a reader is also told when the test cannot
//! reach 0.05 at all (Wilcoxon at n = 4 cannot go below 0.125).

use super::Method;

/// Up to this n the exact p, where there is one, is printed first.
pub const EXACT_FIRST_MAX_N: usize = 10;

/// The two-sided rule of every exact p (the contract's; R `coin`'s).
pub const EXACT_RULE: &str =
    "two-sided: the share of permutations at least as far from the null mean as the observed";

/// The two-sided rule of the t and normal approximations.
pub const APPROX_RULE: &str = "two-sided: twice the upper tail of |statistic|";

/// Before any ranking, differences are taken in whole tenths (the VDS scale's resolution),
/// so 8.7 − 7.6 and 9.7 − 8.6 tie as they should.
pub const ROUNDING_NOTE: &str = "VDS differences are taken to one decimal (the scale's \
     resolution) before ranking, so a check on raw binary differences can split ties";

/// A p-value as papers print it: three significant figures (at least two decimals), or
/// `< 0.001`.
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

/// The p-values of one test in reading order: the primary first.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ps {
    pub primary: (f64, Method),
    /// The other p, when it says something the primary does not.
    pub secondary: Option<(f64, Method)>,
    /// The smallest exact p these data could give, when it is above 0.05.
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
        primary,
        secondary,
        floor,
    })
}

/// `p = 0.125 (exact permutation); t approximation p = 0.09; at n = 4 no data can give less
/// than 0.125`. The rule of each method is stated once per table (see [`rules_note`]).
pub fn ps_text(n: usize, ps: &Ps) -> String {
    let (p, m) = ps.primary;
    let mut s = format!("{} ({m})", p_is(p));
    if let Some((p2, m2)) = ps.secondary {
        s.push_str(&format!("; {m2} {}", p_is(p2)));
    }
    if let Some(f) = ps.floor {
        s.push_str(&format!(
            "; at n = {n} no data can give less than {}",
            fmt_p(f)
        ));
    }
    s
}

/// The note that goes under every table of tests.
pub fn rules_note() -> String {
    format!(
        "Every p is two-sided. Exact p-values ({EXACT_RULE}); t and normal approximations \
         ({APPROX_RULE}). At n ≤ {EXACT_FIRST_MAX_N} the exact p comes first. {ROUNDING_NOTE}."
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(fmt_p(0.0123456), "0.0123");
        assert_eq!(fmt_p(0.763), "0.763");
        assert_eq!(fmt_p(1.0), "1.00");
        assert_eq!(fmt_p(0.00012), "< 0.001");
        assert_eq!(p_is(0.0), "p < 0.001");
        assert_eq!(p_is(0.0123456), "p = 0.0123");
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
        let text = ps_text(4, &ps);
        assert_eq!(
            text,
            "p = 0.125 (exact permutation); t approximation p = 0.0900; at n = 4 no data can give less than 0.125"
        );
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
        // A p that is itself exact needs no second exact p.
        let ps = order(5, Some(0.2), Some(Method::Exact), Some(0.2), None).unwrap();
        assert_eq!(ps.secondary, None);
    }
}
