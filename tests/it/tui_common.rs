//! Driving the terminal UI in ratatui's `TestBackend` for the screen tests: an app on an
//! in-memory store dated 2026-11-25, key presses, drawing, and reading the drawn screen back
//! (text, the row holding some text, the emphasis of one cell).

#![allow(dead_code)]

use chrono::NaiveDate;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use smplan::domain::Patient;
use smplan::protocol::Protocol;
use smplan::tui::{App, MemoryStore, PatientStore, Theme, ui};
use std::cell::RefCell;
use std::rc::Rc;

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The day every screen test runs on.
pub fn today() -> NaiveDate {
    d("2026-11-25")
}

/// A store the test can still read after the app took it: every save lands in the shared
/// `MemoryStore`.
#[derive(Clone, Default)]
pub struct Shared(pub Rc<RefCell<MemoryStore>>);

impl PatientStore for Shared {
    fn take_patients(&mut self) -> Vec<Patient> {
        self.0.borrow_mut().take_patients()
    }
    fn load(&self, record_id: &str) -> Result<Patient, String> {
        self.0.borrow().load(record_id)
    }
    fn save(&mut self, p: Patient) -> Result<(), String> {
        self.0.borrow_mut().save(p)
    }
    fn read_only_reason(&self) -> Option<String> {
        self.0.borrow().read_only_reason()
    }
    fn quarantined(&self) -> Vec<String> {
        self.0.borrow().quarantined()
    }
    fn retry_writer(&mut self) -> Option<Vec<Patient>> {
        self.0.borrow_mut().retry_writer()
    }
}

/// Screens `p` on `on` (every built-in item not answered yet answered "no"; a scar stable
/// two years) and records consent to treatment, photographs and data use that day: what the
/// gates on sessions and photographs need.
pub fn screened(p: &mut Patient, on: NaiveDate) {
    p.screen.date = Some(on);
    p.screen
        .answer_remaining(Protocol::builtin().screen_items(), false);
    if p.subtype() == smplan::domain::Subtype::Scarring {
        let scar = p.alopecia.scar.get_or_insert_with(Default::default);
        scar.months_stable.get_or_insert(24);
        scar.activity
            .get_or_insert(smplan::domain::Activity::Quiescent);
    }
    p.consent = smplan::domain::Consent::all_given(on);
}

/// The app on `store` with the built-in protocol, dated [`today`].
pub fn app_on_store(store: impl PatientStore + 'static, color: bool) -> App {
    App::new(
        Box::new(store),
        Protocol::builtin(),
        today(),
        Theme { color },
    )
}

/// The app on a plain memory store holding `patients`.
pub fn app_with(patients: Vec<Patient>, color: bool) -> App {
    app_on_store(
        MemoryStore {
            patients,
            ..MemoryStore::default()
        },
        color,
    )
}

pub fn term(w: u16, h: u16) -> Terminal<TestBackend> {
    Terminal::new(TestBackend::new(w, h)).unwrap()
}

/// Draws the app as the event loop does: told the window's size first (a resize event),
/// then drawn (drawing itself changes nothing).
pub fn draw(app: &mut App, t: &mut Terminal<TestBackend>) {
    let area = t.backend().buffer().area;
    if app.size != (area.width, area.height) {
        app.update(smplan::tui::Action::Resize(area.width, area.height));
    }
    t.draw(|f| ui::draw(f, app)).unwrap();
}

pub fn key(app: &mut App, code: KeyCode) {
    app.handle_event(&Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Types `s` one character key at a time.
pub fn typ(app: &mut App, s: &str) {
    for ch in s.chars() {
        key(app, KeyCode::Char(ch));
    }
}

/// The text of row `y` (colour and emphasis dropped).
pub fn line(t: &Terminal<TestBackend>, y: u16) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.width)
        .map(|x| buf[(x, y)].symbol().to_string())
        .collect()
}

/// The whole screen as text, one line per row.
pub fn screen(t: &Terminal<TestBackend>) -> String {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .map(|y| line(t, y))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The row on screen whose text contains `needle`.
pub fn row_of(t: &Terminal<TestBackend>, needle: &str) -> u16 {
    let buf = t.backend().buffer();
    (0..buf.area.height)
        .find(|y| line(t, *y).contains(needle))
        .unwrap_or_else(|| panic!("'{needle}' not on screen:\n{}", t.backend()))
}

/// The style modifiers of the first cell showing `symbol` on the row containing `needle`.
pub fn modifier_at(t: &Terminal<TestBackend>, needle: &str, symbol: &str) -> Modifier {
    let y = row_of(t, needle);
    let buf = t.backend().buffer();
    let x = (0..buf.area.width)
        .find(|x| buf[(*x, y)].symbol() == symbol)
        .unwrap_or_else(|| panic!("no '{symbol}' on the row of '{needle}'"));
    buf[(x, y)].modifier
}

/// The screen `setup` leaves, drawn at 80×24 and at 120×40, with its size. (The snapshot
/// itself is taken in each test file, so that insta files it under that test's name.)
pub fn at_both_sizes(mut setup: impl FnMut() -> App) -> Vec<(u16, u16, Terminal<TestBackend>)> {
    [(80, 24), (120, 40)]
        .into_iter()
        .map(|(w, h)| {
            let mut app = setup();
            let mut t = term(w, h);
            draw(&mut app, &mut t);
            (w, h, t)
        })
        .collect()
}
