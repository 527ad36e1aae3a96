//! Properties every statistic must keep, whatever the data.

use proptest::prelude::*;
use smplan::stats::{
    mann_whitney, paired_t, rank_average, spearman, student_t, welch_t, wilcoxon_signed_rank,
};

/// Scores on the VDS grid (halves, many ties) or a fine grid of reals (few ties). A grid, not
/// arbitrary floats, so the monotone transforms below stay strictly increasing in floating
/// point (exp(−44) and exp(−56) both round away against 1).
fn scores(n: std::ops::RangeInclusive<usize>) -> impl Strategy<Value = Vec<f64>> {
    prop_oneof![
        prop::collection::vec((0u8..=20).prop_map(|h| f64::from(h) / 2.0), n.clone()),
        prop::collection::vec((-700i32..700).prop_map(|i| f64::from(i) / 7.0), n),
    ]
}

fn in_unit(p: f64) -> bool {
    (0.0..=1.0).contains(&p)
}

/// Distinct values in random order (for tie-free samples).
fn distinct(n: usize) -> impl Strategy<Value = Vec<f64>> {
    Just((0..n).map(|i| i as f64 * 1.5 - 3.0).collect::<Vec<_>>()).prop_shuffle()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn spearman_invariant_to_monotone_transforms(x in scores(3..=9), y in scores(3..=9)) {
        let n = x.len().min(y.len());
        let (x, y) = (&x[..n], &y[..n]);
        let fx: Vec<f64> = x.iter().map(|v| (v / 50.0).exp() * 3.0 + 1.0).collect();
        let gy: Vec<f64> = y.iter().map(|v| v * v * v + v).collect();
        let a = spearman(x, y);
        let b = spearman(&fx, &gy);
        prop_assert_eq!(a.is_some(), b.is_some());
        if let (Some(a), Some(b)) = (a, b) {
            prop_assert_eq!(a.rho, b.rho);
            prop_assert_eq!(a.p, b.p);
            prop_assert_eq!(a.p_exact, b.p_exact);
        }
    }

    #[test]
    fn spearman_symmetric(x in scores(3..=9), y in scores(3..=9)) {
        let n = x.len().min(y.len());
        let (x, y) = (&x[..n], &y[..n]);
        let (a, b) = (spearman(x, y), spearman(y, x));
        prop_assert_eq!(a.is_some(), b.is_some());
        if let (Some(a), Some(b)) = (a, b) {
            prop_assert!((a.rho - b.rho).abs() <= 1e-12);
            prop_assert!((a.p - b.p).abs() <= 1e-12 * a.p.max(1e-300) + 1e-300);
            prop_assert_eq!(a.p_exact, b.p_exact);
        }
    }

    #[test]
    fn every_p_lies_in_0_1(a in scores(0..=14), b in scores(0..=14)) {
        let n = a.len().min(b.len());
        let mut ps = Vec::new();
        if let Some(s) = spearman(&a[..n], &b[..n]) {
            ps.push(s.p);
            ps.extend(s.p_exact);
            prop_assert!((-1.0..=1.0).contains(&s.rho));
        }
        ps.extend(paired_t(&a[..n], &b[..n]).map(|t| t.p));
        ps.extend(welch_t(&a, &b).map(|t| t.p));
        ps.extend(student_t(&a, &b).map(|t| t.p));
        if let Some(m) = mann_whitney(&a, &b) {
            ps.extend([m.p, m.p_normal]);
            ps.extend(m.p_exact);
        }
        if let Some(w) = wilcoxon_signed_rank(&a[..n], &b[..n]) {
            ps.push(w.p);
            ps.extend(w.p_exact);
        }
        for p in ps {
            prop_assert!(in_unit(p), "p = {p}");
        }
    }

    #[test]
    fn mann_whitney_exact_close_to_normal_for_8_and_8(pool in distinct(16)) {
        // Over all C(16, 8) splits the largest gap is 0.0109 (SciPy 1.17.1, exact vs
        // asymptotic, computed by enumerating every split).
        let m = mann_whitney(&pool[..8], &pool[8..]).unwrap();
        let exact = m.p_exact.unwrap();
        prop_assert_eq!(exact, m.p, "tie-free 8 + 8 is SciPy's exact branch");
        prop_assert!((exact - m.p_normal).abs() <= 0.015, "{} vs {}", exact, m.p_normal);
    }

    #[test]
    fn mann_whitney_exact_equals_brute_force(a in scores(1..=6), b in scores(1..=6)) {
        // The subset-sum count must equal visiting every split.
        let Some(m) = mann_whitney(&a, &b) else { return Ok(()) };
        let pool: Vec<f64> = a.iter().chain(&b).copied().collect();
        let r = rank_average(&pool).ranks;
        let (n, k) = (pool.len(), a.len());
        let mean = k as f64 * (n as f64 + 1.0) / 2.0;
        let obs = (r[..k].iter().sum::<f64>() - mean).abs();
        let (mut hit, mut total) = (0u32, 0u32);
        for mask in 0u32..(1 << n) {
            if mask.count_ones() as usize != k { continue; }
            let s: f64 = (0..n).filter(|i| mask >> i & 1 == 1).map(|i| r[i]).sum();
            total += 1;
            hit += u32::from((s - mean).abs() >= obs - 1e-9);
        }
        let brute = f64::from(hit) / f64::from(total);
        prop_assert!((m.p_exact.unwrap() - brute).abs() <= 1e-12);
    }

    #[test]
    fn wilcoxon_exact_equals_brute_force(d in scores(1..=10)) {
        let zeros = vec![0.0; d.len()];
        let Some(w) = wilcoxon_signed_rank(&d, &zeros) else { return Ok(()) };
        let nz: Vec<f64> = d.iter().copied().filter(|x| *x != 0.0).collect();
        let r = rank_average(&nz.iter().map(|x| x.abs()).collect::<Vec<_>>()).ranks;
        let plus: f64 = nz.iter().zip(&r).filter(|(x, _)| **x > 0.0).map(|(_, r)| r).sum();
        let m = nz.len();
        let (mut le, mut ge) = (0u32, 0u32);
        for mask in 0u32..(1 << m) {
            let s: f64 = (0..m).filter(|i| mask >> i & 1 == 1).map(|i| r[i]).sum();
            le += u32::from(s <= plus + 1e-9);
            ge += u32::from(s >= plus - 1e-9);
        }
        let brute = (2.0 * f64::from(le.min(ge)) / f64::from(1u32 << m)).min(1.0);
        prop_assert!((w.p_exact.unwrap() - brute).abs() <= 1e-12);
    }
}

proptest! {
    // Each case visits all 10! orderings; few cases keep the debug-build run short.
    #![proptest_config(ProptestConfig::with_cases(6))]

    #[test]
    fn spearman_exact_p_at_n10_never_below_one_over_10_factorial(
        x in scores(10..=10), y in scores(10..=10)
    ) {
        if let Some(s) = spearman(&x, &y) {
            let p = s.p_exact.unwrap();
            prop_assert!(p >= 1.0 / 3_628_800.0, "p = {p}");
            prop_assert!(in_unit(p));
        }
    }
}
