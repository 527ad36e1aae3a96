//! One frame of the statistics and agenda screens over a synthetic registry of 10,000
//! patients: the first frame after a save (the figures recomputed) and the frames after it
//! (from the cache), which must each take well under 2 ms.

use chrono::NaiveDate;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use smplan::protocol::Protocol;
use smplan::tui::{App, MemoryStore, Theme, ui};
use std::time::Duration;

fn app(n: usize, keys: &[KeyCode]) -> App {
    let today = NaiveDate::from_ymd_opt(2026, 11, 25).expect("date");
    let store = MemoryStore {
        patients: smplan::synth::registry(n, 7, today, &Protocol::builtin()),
        ..MemoryStore::default()
    };
    let mut app = App::new(
        Box::new(store),
        Protocol::builtin(),
        today,
        Theme { color: true },
    );
    for k in keys {
        app.handle_event(&Event::Key(KeyEvent::new(*k, KeyModifiers::NONE)));
    }
    app
}

fn frames(c: &mut criterion::Criterion) {
    let screens: [(&str, &[KeyCode]); 3] = [
        ("statistics figures", &[KeyCode::F(2)]),
        ("statistics charts", &[KeyCode::F(2), KeyCode::Tab]),
        ("agenda", &[KeyCode::F(3)]),
    ];
    for (name, keys) in screens {
        for (w, h) in [(80u16, 24u16), (120, 40)] {
            let mut app = app(10_000, keys);
            app.update(smplan::tui::Action::Resize(w, h));
            let mut t = Terminal::new(TestBackend::new(w, h)).expect("terminal");
            t.draw(|f| ui::draw(f, &app)).expect("draw");
            c.bench_function(
                &format!("{name} {w}x{h}, 10k patients, cached frame"),
                |b| b.iter(|| t.draw(|f| ui::draw(f, &app)).map(|_| ())),
            );
            c.bench_function(
                &format!("{name} {w}x{h}, 10k patients, after a save"),
                |b| {
                    b.iter(|| {
                        app.generation += 1;
                        app.settle();
                        t.draw(|f| ui::draw(f, &app)).map(|_| ())
                    })
                },
            );
        }
    }
}

criterion::criterion_group! {
    name = benches;
    config = criterion::Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2));
    targets = frames
}
criterion::criterion_main!(benches);
