//! Statistics over a large synthetic registry (computation only, after loading; durability
//! included: the synthetic registry has touch-ups and 12/24-month follow-ups), durability
//! alone, and the exact Spearman permutation p at its largest n.

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use smplan::protocol::Protocol;
use smplan::stats::survival::{Observation, kaplan_meier, log_rank};
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
    // Durability alone: the three Kaplan–Meier curves and the log-rank test over the same
    // patients (origin session 3, event the first touch-up, else censored at the last date).
    let obs = |st: Option<smplan::domain::Subtype>| -> Vec<Observation> {
        patients
            .iter()
            .filter(|p| st.is_none_or(|s| p.subtype() == s))
            .filter_map(|p| {
                let s3 = p.session_date(3)?;
                let (end, event) = match p.first_touch_up() {
                    Some(t) => (t, true),
                    None => (p.last_contact().unwrap_or(s3), false),
                };
                Some(Observation {
                    days: (end - s3).num_days(),
                    event,
                })
            })
            .collect()
    };
    use smplan::domain::Subtype::{Androgenetic, Scarring};
    let (all, aga, scar) = (obs(None), obs(Some(Androgenetic)), obs(Some(Scarring)));
    c.bench_function(
        "durability 100k patients (3 Kaplan-Meier + log-rank)",
        |b| {
            b.iter(|| {
                (
                    kaplan_meier(black_box(&all)),
                    kaplan_meier(black_box(&aga)),
                    kaplan_meier(black_box(&scar)),
                    log_rank(black_box(&aga), black_box(&scar)),
                )
            })
        },
    );
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
