//! Where opening a registry spends its time, phase by phase (a profiling aid beside the
//! criterion benchmarks): `cargo run --release --example open_timing -- DIR`.

use smplan::store::{OpenOptions, Registry, index};
use std::time::Instant;

fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1e3
}

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("registry directory"));
    let today = chrono::Local::now().date_naive();
    let opts = |summaries| OpenOptions {
        summaries,
        ..OpenOptions::new(false, "timing", today)
    };

    let t = Instant::now();
    let idx = index::read(&dir).expect("read the index");
    let n = idx.as_ref().map_or(0, |i| i.entries.len());
    println!("index::read            {:>7.1} ms ({n} lines)", ms(t));

    let t = Instant::now();
    let names: Vec<_> = std::fs::read_dir(dir.join("patients"))
        .expect("patients directory")
        .map(|e| e.expect("entry").path())
        .collect();
    let listed = ms(t);
    let t = Instant::now();
    for n in &names {
        std::fs::metadata(n).expect("stat");
    }
    println!(
        "list the files         {listed:>7.1} ms, stat each (one thread) {:.1} ms",
        ms(t)
    );

    let t = Instant::now();
    let reg = Registry::open(&dir, opts(true)).expect("open");
    let open = ms(t);
    let t = Instant::now();
    let copy: Vec<_> = reg.patients().cloned().collect();
    println!("copy of the summaries  {:>7.1} ms", ms(t));
    drop(copy);
    let t = Instant::now();
    let mut app = smplan::tui::App::new(
        Box::new(reg),
        smplan::protocol::Protocol::builtin(),
        today,
        smplan::tui::Theme { color: true },
    );
    let new = ms(t);
    let t = Instant::now();
    let mut term =
        ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).expect("terminal");
    app.update(smplan::tui::Action::Resize(120, 40));
    term.draw(|f| smplan::tui::ui::draw(f, &app)).expect("draw");
    println!(
        "first frame            open {open:.1} ms + App::new {new:.1} ms + draw {:.1} ms",
        ms(t)
    );

    for summaries in [true, false] {
        let t = Instant::now();
        let reg = Registry::open(&dir, opts(summaries)).expect("open");
        let open = ms(t);
        let t = Instant::now();
        let s = smplan::stats::summarize(reg.patients());
        println!(
            "open summaries={summaries:<5}   {open:>7.1} ms, then statistics {:.1} ms ({} patients)",
            ms(t),
            s.patients
        );
    }
}
