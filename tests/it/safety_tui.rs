//! The UI's side of the gates: what the store refuses, the screen says, with the reason.

use crate::tui_common;
use crossterm::event::KeyCode;
use smplan::domain::*;
use smplan::tui::StatusKind;
use smplan::tui::app::Tab;
use tui_common::*;

fn one_session() -> Patient {
    let mut p = Patient::new("F-1", Subtype::Androgenetic);
    screened(&mut p, d("2026-10-01"));
    p.sessions.push(Session::new(1, d("2026-10-05")));
    p
}

fn open(p: Patient, tab: Tab) -> (smplan::tui::App, Shared) {
    let store = Shared::default();
    store.0.borrow_mut().patients = vec![p];
    let mut app = app_on_store(store.clone(), false);
    key(&mut app, KeyCode::Enter);
    while app.workspace.as_ref().unwrap().tab != tab {
        key(&mut app, KeyCode::Char(']'));
    }
    (app, store)
}

#[test]
fn a_post_score_before_the_last_session_is_refused_with_the_reason() {
    let (mut app, store) = open(one_session(), Tab::FollowUp);
    key(&mut app, KeyCode::Down);
    typ(&mut app, "8.5");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.status.kind, StatusKind::Error, "{:?}", app.status);
    assert!(
        app.status
            .text
            .contains("the course is not finished (1 of 3 sessions recorded)")
            && app.status.text.contains("record session 3 first"),
        "{:?}",
        app.status
    );
    assert!(store.0.borrow().patients[0].follow_ups.is_empty());
}
