//! Names of the methods behind p-values, printed beside every p so a reader knows whether a
//! figure is an approximation or exact.

use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(into = "&'static str")]
pub enum Method {
    /// Student t distribution of a t statistic (t-tests; SciPy's Spearman p).
    TApproximation,
    /// The t-test's own t distribution (exact under normality).
    TDistribution,
    /// Welch's t with Welch–Satterthwaite degrees of freedom.
    WelchSatterthwaite,
    /// Exact null distribution of a rank statistic without ties (SciPy's `exact`).
    Exact,
    /// Every permutation / split / sign assignment enumerated, ties kept.
    ExactPermutation,
    /// Normal approximation with tie correction and continuity correction (SciPy's Mann–Whitney
    /// `asymptotic`).
    NormalTieContinuity,
    /// Normal approximation with tie correction, no continuity correction (SciPy's Wilcoxon
    /// default).
    NormalTie,
}

impl Method {
    pub fn label(self) -> &'static str {
        match self {
            Method::TApproximation => "t approximation",
            Method::TDistribution => "t distribution",
            Method::WelchSatterthwaite => "t distribution, Welch-Satterthwaite df",
            Method::Exact => "exact",
            Method::ExactPermutation => "exact permutation",
            Method::NormalTieContinuity => "normal approximation, tie and continuity corrected",
            Method::NormalTie => "normal approximation, tie corrected",
        }
    }
}

impl Method {
    /// A method in a few letters, for table cells (a legend spells each one out).
    pub fn short(self) -> &'static str {
        match self {
            Method::TApproximation => "t approx.",
            Method::TDistribution => "t dist.",
            Method::WelchSatterthwaite => "Welch t dist.",
            Method::Exact => "exact",
            Method::ExactPermutation => "exact perm.",
            Method::NormalTieContinuity => "normal approx. (cc)",
            Method::NormalTie => "normal approx.",
        }
    }

    /// Every method, for a legend.
    pub const ALL: [Method; 7] = [
        Method::TDistribution,
        Method::TApproximation,
        Method::WelchSatterthwaite,
        Method::Exact,
        Method::ExactPermutation,
        Method::NormalTie,
        Method::NormalTieContinuity,
    ];
}

impl From<Method> for &'static str {
    fn from(m: Method) -> &'static str {
        m.label()
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
