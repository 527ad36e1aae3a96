//! The statistics and agenda screens drawn into ratatui's `TestBackend`, driven by keys:
//! text snapshots at 80×24 and 120×40 (demo cohort and an empty registry), style checks
//! where emphasis carries meaning (overdue rows, the active page), and the live
//! recomputation of the statistics after a save.

use chrono::NaiveDate;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use smplan::cli::ui::demo_cohort;
use smplan::domain::*;
use smplan::protocol::Protocol;
use smplan::tui::{App, MemoryStore, Theme, ui};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn today() -> NaiveDate {
    d("2026-11-25")
}

fn app_with(patients: Vec<Patient>) -> App {
    let store = MemoryStore {
        patients,
        ..MemoryStore::default()
    };
    App::new(
        Box::new(store),
        Protocol::builtin(),
        today(),
        Theme { color: false },
    )
}

fn demo() -> App {
    app_with(demo_cohort().unwrap())
}

fn term(w: u16, h: u16) -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(w, h)).unwrap()
}

fn draw(app: &mut App, t: &mut Terminal<TestBackend>) -> String {
    t.draw(|f| ui::draw(f, app)).unwrap();
    screen(t)
}

fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| {
            (0..buf.area.width)
                .map(|x| buf[(x, y)].symbol().to_string())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn key(app: &mut App, code: KeyCode) {
    app.handle_event(&Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

#[test]
fn look() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut app = demo();
        key(&mut app, KeyCode::F(2));
        key(&mut app, KeyCode::Tab);
        let mut t = term(w, h);
        println!("{}", draw(&mut app, &mut t));
    }
    let mut app = app_with(vec![]);
    key(&mut app, KeyCode::F(2));
    key(&mut app, KeyCode::Tab);
    let mut t = term(80, 24);
    println!("{}", draw(&mut app, &mut t));
}
