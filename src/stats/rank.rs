//! Ranks with ties averaged (SciPy's `rankdata(method="average")`).

/// Average ranks (1-based) of a sample, with what the exact methods and tie corrections need.
#[derive(Debug, Clone, PartialEq)]
pub struct Ranked {
    /// Average rank of each value, in input order.
    pub ranks: Vec<f64>,
    /// Twice each rank: average ranks are multiples of ½, so doubled they are exact integers,
    /// which lets the exact methods compare statistics without rounding.
    pub doubled: Vec<i64>,
    /// Size of every group of tied values (1 for an untied value).
    pub tie_sizes: Vec<usize>,
}

impl Ranked {
    pub fn has_ties(&self) -> bool {
        self.tie_sizes.iter().any(|&t| t > 1)
    }
    /// Σ (t³ − t) over tie groups, the tie correction of the rank tests' variances.
    pub fn tie_term(&self) -> f64 {
        self.tie_sizes
            .iter()
            .map(|&t| {
                let t = t as f64;
                t * t * t - t
            })
            .sum()
    }
}

/// Ranks `xs` from 1 (smallest) to n, giving tied values the mean of the ranks they span.
pub fn rank_average(xs: &[f64]) -> Ranked {
    let n = xs.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| xs[a].total_cmp(&xs[b]));
    let mut ranks = vec![0.0; n];
    let mut doubled = vec![0; n];
    let mut tie_sizes = Vec::new();
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && xs[order[j + 1]] == xs[order[i]] {
            j += 1;
        }
        // Positions i..=j (0-based) hold ranks i+1..=j+1; their mean doubled is i + j + 2.
        let d = (i + j + 2) as i64;
        for &k in &order[i..=j] {
            doubled[k] = d;
            ranks[k] = d as f64 / 2.0;
        }
        tie_sizes.push(j - i + 1);
        i = j + 1;
    }
    Ranked {
        ranks,
        doubled,
        tie_sizes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_average_ties() {
        // scipy.stats.rankdata([10, 20, 10, 30, 20, 20]) = [1.5, 4., 1.5, 6., 4., 4.]
        let r = rank_average(&[10.0, 20.0, 10.0, 30.0, 20.0, 20.0]);
        assert_eq!(r.ranks, vec![1.5, 4.0, 1.5, 6.0, 4.0, 4.0]);
        assert_eq!(r.doubled, vec![3, 8, 3, 12, 8, 8]);
        assert_eq!(r.tie_sizes, vec![2, 3, 1]);
        assert!(r.has_ties());
        // (2³ − 2) + (3³ − 3) + 0 = 6 + 24
        assert_eq!(r.tie_term(), 30.0);
    }

    #[test]
    fn ranks_without_ties_and_empty() {
        let r = rank_average(&[3.0, 1.0, 2.0]);
        assert_eq!(r.ranks, vec![3.0, 1.0, 2.0]);
        assert!(!r.has_ties());
        assert!(rank_average(&[]).ranks.is_empty());
    }
}
