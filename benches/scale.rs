//! Scale benchmarks (issue 8): opening the registry, the first frame of the patient list,
//! rendering, one durable save, statistics, the agenda and a CSV export, at 1,000 and 10,000
//! patients (100,000 with `SMPLAN_BENCH_100K=1`; building that registry takes minutes).
//!
//! Registries are generated once with `smplan generate`'s generator and kept under
//! `target/bench-registries/<n>`, so runs compare like with like.

use chrono::NaiveDate;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use smplan::domain::Patient;
use smplan::protocol::Protocol;
use smplan::store::{OpenOptions, Registry};
use smplan::tui::{App, Theme, ui};
use std::hint::black_box;
use std::path::PathBuf;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).expect("valid date")
}

/// `summaries`: as the UI, `stats` and `agenda` open it (from the summary index); without,
/// as exports and `check` do (every file parsed).
fn opts(write: bool, summaries: bool) -> OpenOptions {
    OpenOptions {
        write,
        operator: "bench".into(),
        today: today(),
        known_zones: Protocol::builtin().zone_ids(),
        summaries,
        rules: Protocol::builtin().safety_rules(),
    }
}

/// A registry of `n` synthetic patients on disk, built on first use.
fn registry_dir(n: usize) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/bench-registries")
        .join(n.to_string());
    let done = dir.join(".complete");
    if !done.exists() {
        let _ = std::fs::remove_dir_all(&dir);
        let protocol = Protocol::builtin();
        let mut reg = Registry::open(&dir, opts(true, false)).expect("open bench registry");
        let mut rng = smplan::synth::Rng::new(1);
        let mut i = 0;
        while i < n {
            let end = (i + 5000).min(n);
            let batch: Vec<Patient> = (i..end)
                .map(|k| smplan::synth::patient(k, &mut rng, today(), &protocol))
                .collect();
            reg.import_batch(batch, false).expect("import");
            i = end;
        }
        drop(reg);
        std::fs::write(&done, b"").expect("mark complete");
    }
    // A writer brings the summary index up to date (registries made before it existed).
    drop(Registry::open(&dir, opts(true, true)).expect("open bench registry"));
    dir
}

fn sizes() -> Vec<usize> {
    let mut v = vec![1_000, 10_000];
    if std::env::var_os("SMPLAN_BENCH_100K").is_some() {
        v.push(100_000);
    }
    v
}

fn app_for(dir: &std::path::Path) -> App {
    let reg = Registry::open(dir, opts(false, true)).expect("open");
    App::new(
        Box::new(reg),
        Protocol::builtin(),
        today(),
        Theme { color: true },
    )
}

fn bench_open_and_first_frame(c: &mut Criterion) {
    let mut g = c.benchmark_group("registry");
    g.sample_size(10);
    for n in sizes() {
        let dir = registry_dir(n);
        g.bench_function(format!("open_summaries/{n}"), |b| {
            b.iter(|| black_box(Registry::open(&dir, opts(false, true)).expect("open")))
        });
        g.bench_function(format!("open_whole_records/{n}"), |b| {
            b.iter(|| black_box(Registry::open(&dir, opts(false, false)).expect("open")))
        });
        g.bench_function(format!("first_frame_patient_list/{n}"), |b| {
            b.iter(|| {
                let mut app = app_for(&dir);
                app.update(smplan::tui::Action::Resize(120, 40));
                let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
                t.draw(|f| ui::draw(f, &app)).expect("draw");
                black_box(t.backend().buffer().area);
            })
        });
    }
    g.finish();
}

fn bench_frames(c: &mut Criterion) {
    let mut g = c.benchmark_group("frame");
    for n in sizes() {
        let dir = registry_dir(n);
        let mut app = app_for(&dir);
        app.update(smplan::tui::Action::Resize(120, 40));
        let mut t = Terminal::new(TestBackend::new(120, 40)).expect("terminal");
        g.bench_function(format!("patient_list/{n}"), |b| {
            b.iter(|| {
                t.draw(|f| ui::draw(f, &app)).expect("draw");
            })
        });
        let first = app.patients.first().map(|p| p.record_id.clone());
        if let Some(id) = first {
            app.open_patient(&id);
            g.bench_function(format!("workspace/{n}"), |b| {
                b.iter(|| {
                    t.draw(|f| ui::draw(f, &app)).expect("draw");
                })
            });
        }
    }
    g.finish();
}

fn bench_save(c: &mut Criterion) {
    let mut g = c.benchmark_group("save");
    g.sample_size(30);
    for n in [100usize, 10_000] {
        let dir = registry_dir(n);
        // As the UI saves: the registry opened on summaries, the patient read whole.
        let mut reg = Registry::open(&dir, opts(true, true)).expect("open for writing");
        let id = reg.patients().next().expect("a patient").record_id.clone();
        let mut p = reg.load(&id).expect("load");
        let mut flip = false;
        g.bench_function(format!("one_durable_save/{n}"), |b| {
            b.iter(|| {
                flip = !flip;
                p.notes = flip.then(|| "benchmark edit".to_string());
                reg.save(p.clone()).expect("save");
            })
        });
    }
    g.finish();
}

fn bench_compute(c: &mut Criterion) {
    let mut g = c.benchmark_group("compute");
    let protocol = Protocol::builtin();
    for n in sizes() {
        let dir = registry_dir(n);
        // Statistics and agenda run on summaries (as `stats`, `agenda` and the UI do); the
        // CSV export on whole records.
        let reg = Registry::open(&dir, opts(false, true)).expect("open");
        let summaries: Vec<Patient> = reg.patients().cloned().collect();
        drop(reg);
        g.bench_function(format!("stats/{n}"), |b| {
            b.iter(|| black_box(smplan::stats::summarize(&summaries)))
        });
        g.bench_function(format!("agenda/{n}"), |b| {
            b.iter(|| black_box(smplan::protocol::agenda(&summaries, &protocol, today(), 14)))
        });
        drop(summaries);
        let reg = Registry::open(&dir, opts(false, false)).expect("open");
        let patients: Vec<Patient> = reg.patients().cloned().collect();
        g.bench_function(format!("csv_export/{n}"), |b| {
            b.iter_batched(
                Vec::new,
                |mut out: Vec<u8>| {
                    smplan::io::csv::write(&mut out, patients.iter()).expect("csv");
                    out
                },
                BatchSize::LargeInput,
            )
        });
    }
    g.finish();
}

/// Every export as the command line writes it: whole records streamed from the registry's
/// files (read, parsed and encoded a chunk at a time on all cores) into a sink.
fn bench_export(c: &mut Criterion) {
    use smplan::export::stream::{DocWriter, Encoder, Format};
    use smplan::store::stream::Records;
    let mut g = c.benchmark_group("export");
    g.sample_size(10);
    for n in sizes() {
        let dir = registry_dir(n);
        for (name, format, deidentify) in [
            ("csv", Format::Csv, None),
            ("json", Format::Json, None),
            ("fhir", Format::Fhir, None),
            ("fhir_deidentified", Format::Fhir, Some(&b"bench key"[..])),
        ] {
            g.bench_function(format!("{name}/{n}"), |b| {
                b.iter(|| {
                    let enc = Encoder { format, deidentify };
                    let mut records = Records::open(&dir, opts(false, false)).expect("open");
                    let mut doc = DocWriter::begin(enc, "2026-01-01T00:00:00Z", std::io::sink())
                        .expect("doc");
                    records
                        .stream(
                            |p| enc.record(&p).expect("encode"),
                            |piece| -> Result<(), smplan::store::StoreError> {
                                doc.push(&piece).expect("write");
                                Ok(())
                            },
                        )
                        .expect("stream");
                    doc.finish().expect("finish")
                })
            });
        }
    }
    g.finish();
}

criterion_group!(
    benches,
    bench_open_and_first_frame,
    bench_frames,
    bench_save,
    bench_compute,
    bench_export
);
criterion_main!(benches);
