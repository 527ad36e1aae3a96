//! Descriptive statistics of one sample.

use super::{dist, finite};
use serde::Serialize;

/// A confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

/// n, mean, sample SD and the rest; the first three are the contract's `<desc>`, the rest are
/// additive keys. Undefined figures are `None` (`null` in JSON): mean, median, min, max with
/// n = 0; SD and the confidence interval with n < 2.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Describe {
    pub n: usize,
    pub mean: Option<f64>,
    /// Sample standard deviation (divisor n − 1), as SciPy's `ddof=1`.
    pub sd: Option<f64>,
    pub median: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// 95% confidence interval of the mean from the t distribution with n − 1 df; `None`
    /// with n < 2 or every value equal (a zero-width interval says nothing).
    pub ci95: Option<Interval>,
}

/// Every value equal (or none): the test for "no spread" that the variance cannot give,
/// since the two-pass variance of equal values that are not exact in binary (0.7, 0.7, 0.7)
/// is a tiny positive number, not zero.
pub fn all_equal(xs: &[f64]) -> bool {
    xs.iter().all(|&x| x == xs[0])
}

/// Mean, computed as NumPy does for the sizes seen here (sum, then divide).
pub fn mean(xs: &[f64]) -> Option<f64> {
    if xs.is_empty() {
        return None;
    }
    finite(xs.iter().sum::<f64>() / xs.len() as f64)
}

/// Sample variance (n − 1) by the two-pass formula (deviations from the mean), which keeps
/// full precision when the spread is small against the level, as VDS scores are.
pub fn variance(xs: &[f64]) -> Option<f64> {
    if xs.len() < 2 {
        return None;
    }
    let m = mean(xs)?;
    let ss: f64 = xs.iter().map(|x| (x - m) * (x - m)).sum();
    finite(ss / (xs.len() - 1) as f64)
}

/// Median by selection (linear time; a full sort dominated the cost on large registries).
pub fn median(xs: &[f64]) -> Option<f64> {
    let n = xs.len();
    if n == 0 {
        return None;
    }
    let mut v = xs.to_vec();
    let (below, mid, _) = v.select_nth_unstable_by(n / 2, f64::total_cmp);
    let upper = *mid;
    if n % 2 == 1 {
        return Some(upper);
    }
    // Even n: the other middle value is the largest of the lower half.
    let lower = below.iter().copied().reduce(f64::max)?;
    Some((lower + upper) / 2.0)
}

pub fn describe(xs: &[f64]) -> Describe {
    let n = xs.len();
    if !super::all_finite(xs) {
        return Describe {
            n,
            mean: None,
            sd: None,
            median: None,
            min: None,
            max: None,
            ci95: None,
        };
    }
    let min = xs.iter().copied().reduce(f64::min);
    let max = xs.iter().copied().reduce(f64::max);
    let median = median(xs);
    let m = mean(xs);
    // Equal values have no spread, whatever the rounding of their mean leaves.
    let sd = variance(xs).map(|v| if all_equal(xs) { 0.0 } else { v.sqrt() });
    let ci95 = match (m, sd) {
        (Some(_), Some(0.0)) => None,
        (Some(m), Some(sd)) => dist::t_quantile(0.975, (n - 1) as f64).map(|q| {
            let half = q * sd / (n as f64).sqrt();
            Interval {
                low: m - half,
                high: m + half,
            }
        }),
        _ => None,
    };
    Describe {
        n,
        mean: m,
        sd,
        median,
        min,
        max,
        ci95,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, rel: f64) -> bool {
        (a - b).abs() <= rel * b.abs().max(1e-300)
    }

    #[test]
    fn describe_matches_scipy() {
        // Reference (SciPy 1.17.1, NumPy 2.4): x = [9.5, 8, 10, 7.5, 9];
        // np.mean = 8.8, np.std(ddof=1) = 1.0368220676663862, np.median = 9.0,
        // scipy.stats.t.interval(0.95, 4, loc=8.8, scale=sem) =
        // (7.512615366035462, 10.08738463396454).
        let d = describe(&[9.5, 8.0, 10.0, 7.5, 9.0]);
        assert_eq!(d.n, 5);
        assert!(close(d.mean.unwrap(), 8.8, 1e-15));
        assert!(close(d.sd.unwrap(), 1.0368220676663862, 1e-12));
        assert_eq!(d.median, Some(9.0));
        assert_eq!((d.min, d.max), (Some(7.5), Some(10.0)));
        let ci = d.ci95.unwrap();
        assert!(close(ci.low, 7.512615366035462, 1e-9), "{ci:?}");
        assert!(close(ci.high, 10.08738463396454, 1e-9), "{ci:?}");
    }

    #[test]
    fn undefined_figures_are_none() {
        let empty = describe(&[]);
        assert_eq!(
            (empty.n, empty.mean, empty.sd, empty.median),
            (0, None, None, None)
        );
        let one = describe(&[7.0]);
        assert_eq!((one.mean, one.sd, one.ci95), (Some(7.0), None, None));
        // Even median of two values.
        assert_eq!(describe(&[7.0, 8.0]).median, Some(7.5));
        assert_eq!(describe(&[1.0, f64::NAN]).mean, None);
        // Equal values: SD exactly 0 and no interval ("8.50 to 8.50" says nothing).
        let same = describe(&[0.7, 0.7, 0.7]);
        assert_eq!((same.sd, same.ci95), (Some(0.0), None));
    }
}
