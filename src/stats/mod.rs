//! Pure statistics for retention studies: numbers in, numbers out.
//!
//! Every test here reproduces what SciPy computes (the statistics contract requires agreement
//! to a relative 1e-9), and where SciPy's p-value is an approximation that is poor at the small
//! samples SMP case series have (n = 4 to 10), an exact p-value is offered beside it. Nothing
//! here returns NaN or infinity: an undefined figure is `None`, which the JSON layer prints as
//! `null`.
//!
//! Inputs are assumed finite (scores from validated records); a non-finite input makes a
//! function return `None` rather than a misleading number.

pub mod describe;
pub mod dist;
pub mod effect;
pub mod mann_whitney;
pub mod method;
pub mod ols;
pub mod present;
pub mod rank;
pub mod spearman;
pub mod summary;
pub mod survival;
pub mod ttest;
pub mod wilcoxon;

pub use describe::{Describe, describe};
pub use mann_whitney::{MannWhitney, mann_whitney};
pub use method::Method;
pub use rank::{Ranked, rank_average};
pub use spearman::{Spearman, spearman, spearman_exact_p};
pub use summary::{Summarizer, Summary, summarize};
pub use ttest::{TTest, paired_t, student_t, welch_t};
pub use wilcoxon::{SignedRank, wilcoxon_signed_rank};

/// Largest sample for which the exact Spearman permutation p is computed: 10! = 3,628,800
/// orderings is a fraction of a second; 11! would be ten times that.
pub const SPEARMAN_EXACT_MAX_N: usize = 10;

fn all_finite(xs: &[f64]) -> bool {
    xs.iter().all(|x| x.is_finite())
}

/// `Some(x)` when `x` is finite: the guard that keeps NaN and infinity out of every result.
fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}
