//! Statistics over a large synthetic registry (computation only, after loading), and the
//! exact Spearman permutation p at its largest n.

use criterion::{Criterion, criterion_group, criterion_main};
use smplan::domain::{AdverseEvent, AdverseKind, Patient, Pss, Subtype, Timepoint, Vds};
use smplan::stats::{spearman, summarize};
use std::hint::black_box;

/// A deterministic generator (SplitMix64), so every run measures the same registry.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn synthetic(n: usize) -> Vec<Patient> {
    let mut rng = Rng(7);
    (0..n)
        .map(|i| {
            let subtype = if rng.below(10) < 6 {
                Subtype::Androgenetic
            } else {
                Subtype::Scarring
            };
            let mut p = Patient::new(format!("P{i:06}"), subtype);
            let post = 60 + rng.below(41); // tenths: 6.0 to 10.0
            let set = |p: &mut Patient, tp, tenths: u64, pss: u64| {
                let f = p.follow_up_mut(tp);
                f.vds = Vds::new(tenths as f64 / 10.0).ok();
                f.pss = Pss::new(pss as u8).ok();
            };
            set(&mut p, Timepoint::Post, post, 1 + rng.below(3));
            if rng.below(10) != 0 {
                let fade = rng.below(25);
                set(
                    &mut p,
                    Timepoint::M6,
                    post.saturating_sub(fade),
                    rng.below(4),
                );
            }
            if rng.below(50) == 0 {
                p.adverse_events
                    .push(AdverseEvent::new(AdverseKind::PatchyFading));
            }
            p
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let patients = synthetic(100_000);
    c.bench_function("summarize 100k patients", |b| {
        b.iter(|| summarize(black_box(&patients)))
    });
    let x = [9.0, 8.5, 10.0, 7.0, 8.0, 9.5, 6.0, 7.5, 9.0, 8.0];
    let y = [3.0, 2.0, 3.0, 1.0, 2.0, 3.0, 1.0, 2.0, 2.0, 3.0];
    c.bench_function("spearman exact p, n = 10 (10! orderings)", |b| {
        b.iter(|| spearman(black_box(&x), black_box(&y)))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
