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
    let keys: Vec<i64> = xs.iter().map(|&x| order_key(x)).collect();
    if let Some((doubled, sizes)) = few_distinct(&keys) {
        return finish(doubled, sizes);
    }
    let (run_keys, sizes) = sorted_counts(&keys);
    let run_doubled = doubled_of_runs(&sizes);
    let doubled = keys
        .iter()
        .map(|k| run_doubled[run_keys.partition_point(|r| r < k)])
        .collect();
    finish(doubled, sizes)
}

fn finish(doubled: Vec<i64>, tie_sizes: Vec<usize>) -> Ranked {
    let ranks = doubled.iter().map(|&d| d as f64 / 2.0).collect();
    Ranked {
        ranks,
        doubled,
        tie_sizes,
    }
}

/// Doubled average rank of each run of equal values, given the run sizes in order:
/// positions i..=j (0-based) hold ranks i+1..=j+1, whose mean doubled is i + j + 2.
fn doubled_of_runs(sizes: &[usize]) -> Vec<i64> {
    let mut out = Vec::with_capacity(sizes.len());
    let mut i = 0;
    for &c in sizes {
        out.push((2 * i + c + 1) as i64);
        i += c;
    }
    out
}

/// An integer with the order of `f64::total_cmp`, so the searches compare integers; −0 is
/// first made +0 so that the two zeros tie, as they do in SciPy.
fn order_key(x: f64) -> i64 {
    let bits = (x + 0.0).to_bits() as i64;
    bits ^ (((bits >> 63) as u64) >> 1) as i64
}

/// Beyond this many distinct values, sorting is the faster way to find the runs.
const FEW_DISTINCT: usize = 512;
/// Hash table slots for the distinct values (a power of two, at least twice `FEW_DISTINCT`).
const SLOTS: usize = 2048;

/// Ranks without sorting when there are at most [`FEW_DISTINCT`] distinct values, as scores
/// have (VDS 101, PSS 4): one pass files every value under a small id in an open-addressing
/// table, the few distinct values are sorted, and a second pass reads each value's rank by
/// its id. On a large registry this is several times faster than sorting.
/// Returns the doubled ranks in input order and the tie sizes in value order.
fn few_distinct(keys: &[i64]) -> Option<(Vec<i64>, Vec<usize>)> {
    let mut slot_id = vec![u16::MAX; SLOTS];
    let mut distinct: Vec<i64> = Vec::new();
    let mut counts: Vec<usize> = Vec::new();
    let mut ids: Vec<u16> = Vec::with_capacity(keys.len());
    for &k in keys {
        let mut slot = ((k as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 53) as usize;
        let id = loop {
            let id = slot_id[slot];
            if id == u16::MAX {
                if distinct.len() == FEW_DISTINCT {
                    return None;
                }
                let new = distinct.len() as u16;
                slot_id[slot] = new;
                distinct.push(k);
                counts.push(0);
                break new;
            }
            if distinct[id as usize] == k {
                break id;
            }
            slot = (slot + 1) % SLOTS;
        };
        counts[id as usize] += 1;
        ids.push(id);
    }
    let mut order: Vec<usize> = (0..distinct.len()).collect();
    order.sort_unstable_by_key(|&i| distinct[i]);
    let sizes: Vec<usize> = order.iter().map(|&i| counts[i]).collect();
    let mut doubled_by_id = vec![0i64; distinct.len()];
    for (&i, d) in order.iter().zip(doubled_of_runs(&sizes)) {
        doubled_by_id[i] = d;
    }
    let doubled = ids.iter().map(|&id| doubled_by_id[id as usize]).collect();
    Some((doubled, sizes))
}

/// The distinct keys in order with their counts, by sorting.
fn sorted_counts(keys: &[i64]) -> (Vec<i64>, Vec<usize>) {
    let mut sorted = keys.to_vec();
    sorted.sort_unstable();
    let (mut distinct, mut counts): (Vec<i64>, Vec<usize>) = (Vec::new(), Vec::new());
    for k in sorted {
        if distinct.last() == Some(&k) {
            if let Some(c) = counts.last_mut() {
                *c += 1;
            }
        } else {
            distinct.push(k);
            counts.push(1);
        }
    }
    (distinct, counts)
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
    fn many_distinct_values_rank_the_same_way() {
        // Past FEW_DISTINCT the sorting path is taken; both paths must agree.
        let xs: Vec<f64> = (0..2000).map(|i| f64::from((i * 7919) % 1500)).collect();
        let r = rank_average(&xs);
        let mut sorted = xs.clone();
        sorted.sort_by(f64::total_cmp);
        for (x, rank) in xs.iter().zip(&r.ranks) {
            let lo = sorted.iter().position(|s| s == x).unwrap() as f64;
            let hi = sorted.iter().rposition(|s| s == x).unwrap() as f64;
            assert_eq!(*rank, (lo + hi) / 2.0 + 1.0);
        }
    }

    #[test]
    fn negative_values_and_signed_zeros() {
        // scipy.stats.rankdata([-1.5, 0.0, -0.0, 2, -3]) = [2., 3.5, 3.5, 5., 1.]
        let r = rank_average(&[-1.5, 0.0, -0.0, 2.0, -3.0]);
        assert_eq!(r.ranks, vec![2.0, 3.5, 3.5, 5.0, 1.0]);
    }

    #[test]
    fn ranks_without_ties_and_empty() {
        let r = rank_average(&[3.0, 1.0, 2.0]);
        assert_eq!(r.ranks, vec![3.0, 1.0, 2.0]);
        assert!(!r.has_ties());
        assert!(rank_average(&[]).ranks.is_empty());
    }
}
