//! How many keys the common tasks take, through the real key handling (`App::handle_event`),
//! counted: the figures the README's UI section quotes.

use crate::tui_common;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use smplan::domain::*;
use smplan::protocol::Protocol;
use smplan::tui::App;
use tui_common::*;

/// Presses keys one at a time, counting them.
struct Keys<'a> {
    app: &'a mut App,
    n: usize,
}

impl Keys<'_> {
    fn key(&mut self, code: KeyCode) {
        self.n += 1;
        self.app
            .handle_event(&Event::Key(KeyEvent::new(code, KeyModifiers::NONE)));
    }
    fn typ(&mut self, s: &str) {
        for ch in s.chars() {
            self.key(KeyCode::Char(ch));
        }
    }
}

/// Treated in April, post visit scored: the 6-month visit is what is due.
fn treated(id: &str, name: &str) -> Patient {
    let proto = Protocol::builtin();
    let mut p = Patient::new(id, Subtype::Androgenetic);
    p.name = Some(name.into());
    p.screen.date = Some(d("2026-03-20"));
    p.screen.answer_remaining(proto.screen_items(), false);
    p.consent.treatment = ConsentPart::given(d("2026-03-20"));
    for (n, day) in [(1, "2026-04-01"), (2, "2026-04-08"), (3, "2026-04-15")] {
        p.sessions.push(Session::new(n, d(day)));
    }
    let f = p.follow_up_mut(Timepoint::Post);
    f.date = Some(d("2026-04-15"));
    f.vds = Some(Vds::new(9.0).unwrap());
    f.pss = Some(Pss::new(3).unwrap());
    p
}

fn registry() -> Vec<Patient> {
    vec![
        treated("P-001", "Anna Berg"),
        treated("P-002", "Jonas Müller"),
        treated("P-003", "Li Na"),
    ]
}

#[test]
fn six_month_follow_up_found_by_search_dated_today_takes_12_keys() {
    let mut app = app_with(registry(), false);
    let mut k = Keys {
        app: &mut app,
        n: 0,
    };
    k.typ("/mul"); // accents and case ignored: finds Müller
    k.key(KeyCode::Enter); // opens him on the due visit's first empty field
    k.key(KeyCode::Enter); // the visit dated today
    k.typ("8.5");
    k.key(KeyCode::Enter);
    k.typ("3");
    k.key(KeyCode::Enter);
    let n = k.n;
    assert!(n <= 12, "{n} keys");
    let p = app.open().unwrap();
    assert_eq!(p.record_id, "P-002");
    let f = p.follow_up(Timepoint::M6).unwrap();
    assert_eq!(f.date, Some(today()));
    assert_eq!(f.vds.map(|v| v.value()), Some(8.5));
    assert_eq!(f.pss.map(|v| v.value()), Some(3));
    eprintln!("6-month follow-up by search, dated today: {n} keys");
}

#[test]
fn six_month_follow_up_with_a_typed_date_takes_22_keys() {
    let mut app = app_with(registry(), false);
    let mut k = Keys {
        app: &mut app,
        n: 0,
    };
    k.typ("/mul");
    k.key(KeyCode::Enter);
    k.typ("2026-11-20"); // a digit starts a new value: no Enter to open the field
    k.key(KeyCode::Enter);
    k.typ("8.5");
    k.key(KeyCode::Enter);
    k.typ("3");
    k.key(KeyCode::Enter);
    let n = k.n;
    assert!(n <= 22, "{n} keys");
    let f = app
        .open()
        .unwrap()
        .follow_up(Timepoint::M6)
        .cloned()
        .unwrap();
    assert_eq!(f.date, Some(d("2026-11-20")));
    assert_eq!(f.vds.map(|v| v.value()), Some(8.5));
    assert_eq!(f.pss.map(|v| v.value()), Some(3));
}

#[test]
fn the_whole_health_screen_no_takes_two_keys_after_reaching_it() {
    let mut p = Patient::new("P-010", Subtype::Androgenetic);
    p.screen.date = Some(d("2026-11-25"));
    let mut app = app_with(vec![p], false);
    key(&mut app, KeyCode::Enter); // the intake
    for _ in 0..3 {
        key(&mut app, KeyCode::PageDown); // to the health screen
    }
    key(&mut app, KeyCode::Down); // its first item: the section is reached
    let mut k = Keys {
        app: &mut app,
        n: 0,
    };
    k.typ("n"); // the first item no (and on to the next)
    k.typ("N"); // every item left: no
    let n = k.n;
    assert!(n <= 4, "{n} keys");
    let p = app.open().unwrap();
    let r = p.triage(app.protocol.screen_rules());
    assert_eq!(r.triage, Triage::Clear, "{}", app.status.text);
    assert!(p.screen.answers.values().all(|a| !a));
}

#[test]
fn opening_from_the_agenda_lands_on_the_due_visit_and_esc_returns_to_the_same_row() {
    let mut app = app_with(registry(), false);
    key(&mut app, KeyCode::F(3));
    key(&mut app, KeyCode::Char('-')); // a range that still lists the overdue visits
    key(&mut app, KeyCode::Down);
    let row = app.agenda.selected;
    key(&mut app, KeyCode::Enter);
    let ws = app.workspace.as_ref().unwrap();
    assert_eq!(ws.tab, smplan::tui::app::Tab::FollowUp);
    assert_eq!(
        ws.followup.form.focus,
        Some(smplan::tui::screens::followup::Key::Date(Timepoint::M6))
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.global, Some(smplan::tui::app::Global::Agenda));
    assert_eq!(app.agenda.selected, row);
}

#[test]
fn a_read_only_window_refuses_at_once_and_takes_the_registry_when_the_writer_quits() {
    let store = Shared::default();
    {
        let mut s = store.0.borrow_mut();
        s.patients = registry();
        s.read_only = Some("another smplan is writing to this registry: process 4242".into());
    }
    let mut app = app_on_store(store.clone(), false);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter); // edit the name: refused at once, with the reason
    assert!(!app.workspace.as_ref().unwrap().is_editing());
    assert!(
        app.status.text.contains("process 4242"),
        "{}",
        app.status.text
    );
    store.0.borrow_mut().writer_gone = true;
    app.update(smplan::tui::Action::Tick);
    assert!(app.read_only.is_none());
    assert!(app.status.text.contains("writable"), "{}", app.status.text);
    key(&mut app, KeyCode::Enter);
    assert!(app.workspace.as_ref().unwrap().is_editing());
}
