//! Where opening a registry spends its time, phase by phase (a profiling aid beside the
//! criterion benchmarks): `cargo run --release --example open_timing -- DIR`.
use smplan::store::{OpenOptions, Registry, index};
use std::time::Instant;

fn main() {
    let dir = std::path::PathBuf::from(std::env::args().nth(1).expect("registry directory"));
    let today = chrono::Local::now().date_naive();
    if std::env::var_os("PARSE_ONLY").is_some() {
        parse_only(&dir);
        return;
    }
    let t = Instant::now();
    let idx = index::read(&dir).expect("read index");
    let n = idx.as_ref().map_or(0, |i| i.entries.len());
    println!(
        "index::read       {:>8.1} ms ({n} entries)",
        t.elapsed().as_secs_f64() * 1e3
    );
    let t = Instant::now();
    let names: Vec<_> = std::fs::read_dir(dir.join("patients"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let list = t.elapsed();
    let t = Instant::now();
    for n in &names {
        std::fs::metadata(n).unwrap();
    }
    println!(
        "readdir {:.1} ms, stat each (one thread) {:.1} ms",
        list.as_secs_f64() * 1e3,
        t.elapsed().as_secs_f64() * 1e3
    );
    {
        let t = Instant::now();
        let reg = Registry::open(
            &dir,
            OpenOptions {
                summaries: true,
                ..OpenOptions::new(false, "timing", today)
            },
        )
        .unwrap();
        let open = t.elapsed();
        let t = Instant::now();
        let mut app = smplan::tui::App::new(
            Box::new(reg),
            smplan::protocol::Protocol::builtin(),
            today,
            smplan::tui::Theme { color: true },
        );
        let new = t.elapsed();
        let t = Instant::now();
        let mut term = ratatui::Terminal::new(ratatui::backend::TestBackend::new(120, 40)).unwrap();
        term.draw(|f| smplan::tui::ui::draw(f, &mut app)).unwrap();
        println!(
            "first frame: open {:.1} ms, App::new {:.1} ms, draw {:.1} ms",
            open.as_secs_f64() * 1e3,
            new.as_secs_f64() * 1e3,
            t.elapsed().as_secs_f64() * 1e3
        );
    }
    for summaries in [true, false] {
        let t = Instant::now();
        let reg = Registry::open(
            &dir,
            OpenOptions {
                summaries,
                ..OpenOptions::new(false, "timing", today)
            },
        )
        .expect("open");
        let open = t.elapsed();
        let t = Instant::now();
        let s = smplan::stats::summarize(reg.patients());
        println!(
            "open summaries={summaries:<5} {:>8.1} ms, summarize {:>6.1} ms ({} patients)",
            open.as_secs_f64() * 1e3,
            t.elapsed().as_secs_f64() * 1e3,
            s.patients
        );
    }
}

/// `PARSE_ONLY=1`: the index's lines parsed as JSON only, and as patients on 1 and 2 threads.
fn parse_only(dir: &std::path::Path) {
    let text = std::fs::read_to_string(dir.join("index.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().skip(1).filter(|l| !l.is_empty()).collect();
    let t = Instant::now();
    for l in &lines {
        let _: serde::de::IgnoredAny = serde_json::from_str(l).unwrap();
    }
    println!("ignored {:.1} ms", t.elapsed().as_secs_f64() * 1e3);

    let t = Instant::now();
    for l in &lines {
        let _: serde_json::Value = serde_json::from_str(l).unwrap();
    }
    println!("value {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    #[derive(serde::Deserialize)]
    struct L {
        #[allow(dead_code)]
        patient: smplan::domain::Patient,
    }
    let t = Instant::now();
    for l in &lines {
        let _: L = serde_json::from_str(l).unwrap();
    }
    println!("patient {:.1} ms", t.elapsed().as_secs_f64() * 1e3);
    let t = Instant::now();
    std::thread::scope(|sc| {
        for part in lines.chunks(lines.len() / 2 + 1) {
            sc.spawn(move || {
                for l in part {
                    let _: L = serde_json::from_str(l).unwrap();
                }
            });
        }
    });
    println!(
        "patient, 2 threads {:.1} ms",
        t.elapsed().as_secs_f64() * 1e3
    );
}
