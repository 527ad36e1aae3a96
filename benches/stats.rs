//! Statistics over a large synthetic registry (computation only, after loading), and the
//! exact Spearman permutation p at its largest n.

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use smplan::protocol::Protocol;
use smplan::stats::{spearman, summarize};
use std::hint::black_box;

fn bench(c: &mut Criterion) {
    // The same deterministic synthetic registry `smplan generate` writes, so every run
    // measures the same records.
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let patients = smplan::synth::registry(100_000, 7, today, &Protocol::builtin());
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
