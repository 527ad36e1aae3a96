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

/// Screened and consented, with a plan (vertex and mid scalp) scheduled from 2026-11-04 and
/// the sessions `done` recorded on their planned dates.
fn planned(done: u8) -> Patient {
    let proto = smplan::protocol::Protocol::builtin();
    let mut p = Patient::new("P-7", Subtype::Androgenetic);
    p.birth_date = Some(d("1980-03-01"));
    for (z, a) in [("vertex", 30.0), ("mid_scalp", 40.0)] {
        p.zones.push(AffectedZone {
            zone: z.into(),
            area_cm2: Some(a),
        });
    }
    let (mut plan, _) = smplan::protocol::generate_plan(&p, &proto);
    smplan::protocol::schedule::schedule_plan(&mut plan, d("2026-11-04"), &proto);
    p.plan = Some(plan);
    screened(&mut p, d("2026-11-01"));
    for n in 1..=done {
        let day = d("2026-11-04") + chrono::Days::new(7 * u64::from(n - 1));
        let s = smplan::tui::screens::sessions::new_session(&p, n, day, "Dr Lin");
        p.sessions.push(s);
    }
    p
}

fn saves(store: &Shared) -> usize {
    store.0.borrow().saves
}

fn question(app: &smplan::tui::App) -> String {
    app.confirm
        .as_ref()
        .map(|c| c.question.join(" "))
        .unwrap_or_else(|| panic!("no confirmation; status {:?}", app.status))
}

#[test]
fn recording_asks_first_with_the_planned_date_and_no_saves_nothing() {
    let (mut app, store) = open(planned(1), Tab::Sessions);
    // Session 2 was planned for 2026-11-11, past: the date offered.
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    let q = question(&app);
    assert!(
        q.contains("Record session 2 as performed on 2026-11-11, the planned date (14 days ago)?"),
        "{q}"
    );
    let mut t = term(80, 24);
    draw(&mut app, &mut t);
    insta::assert_snapshot!("record_confirm_80x24", t.backend());
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(saves(&store), 0);
    assert!(app.confirm.is_none());
    assert_eq!(app.status.text, "nothing changed");
    // The date is still open for correcting: today instead, then yes.
    assert!(app.workspace.as_ref().unwrap().is_editing());
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "2026-11-25");
    key(&mut app, KeyCode::Enter);
    assert!(question(&app).contains("on 2026-11-25 (today)?"));
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(app.status.kind, StatusKind::Ok, "{:?}", app.status);
    assert_eq!(
        store.0.borrow().patients[0].session_date(2),
        Some(d("2026-11-25"))
    );
}

#[test]
fn a_session_in_the_future_or_before_the_screen_is_refused_with_the_reason() {
    let (mut app, store) = open(planned(0), Tab::Sessions);
    key(&mut app, KeyCode::Enter);
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "2026-10-20");
    key(&mut app, KeyCode::Enter);
    assert!(app.confirm.is_none());
    assert_eq!(app.status.kind, StatusKind::Error);
    assert!(
        app.status
            .text
            .contains("the health screen is dated 2026-11-01, after the session (2026-10-20)")
            && app.status.text.contains("correct the date that is wrong"),
        "{:?}",
        app.status
    );
    assert_eq!(saves(&store), 0);
}

#[test]
fn x_unrecords_the_last_session_after_asking_and_u_puts_it_back() {
    let (mut app, store) = open(planned(2), Tab::Sessions);
    // The tab opens on session 3 (not recorded): no X there.
    let offered = |app: &smplan::tui::App| {
        app.commands()
            .iter()
            .find(|c| c.action == smplan::tui::Action::Unrecord)
            .map(|c| c.disabled.clone())
    };
    assert_eq!(offered(&app), None);
    key(&mut app, KeyCode::Left);
    assert_eq!(
        offered(&app),
        Some(None),
        "session 2 is the last: X offered"
    );
    key(&mut app, KeyCode::Left);
    let why = offered(&app).unwrap().unwrap();
    assert!(
        why.contains("only the last recorded session (session 2)"),
        "{why}"
    );
    key(&mut app, KeyCode::Char('X'));
    assert_eq!(app.status.kind, StatusKind::Error);
    assert!(app.confirm.is_none());
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Char('X'));
    assert!(
        question(&app).contains("Un-record session 2 (performed 2026-11-11)?"),
        "{}",
        question(&app)
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(store.0.borrow().patients[0].sessions.len(), 2);
    key(&mut app, KeyCode::Char('X'));
    key(&mut app, KeyCode::Char('y'));
    assert!(
        app.status
            .text
            .contains("session 2 (2026-11-11) un-recorded")
    );
    assert_eq!(store.0.borrow().patients[0].sessions.len(), 1);
    key(&mut app, KeyCode::Char('u'));
    assert!(app.status.text.starts_with("undone"), "{:?}", app.status);
    assert_eq!(store.0.borrow().patients[0].sessions.len(), 2);
}

#[test]
fn a_session_with_a_follow_up_depending_on_it_is_not_unrecorded() {
    let mut p = planned(3);
    p.follow_up_mut(Timepoint::Post).date = Some(d("2026-11-20"));
    let (mut app, store) = open(p, Tab::Sessions);
    key(&mut app, KeyCode::Char('X'));
    assert!(app.confirm.is_none());
    assert!(
        app.status.text.contains("the post follow-up is recorded")
            && app.status.text.contains("clear its date and scores first"),
        "{:?}",
        app.status
    );
    assert_eq!(store.0.borrow().patients[0].sessions.len(), 3);
}

#[test]
fn clearing_a_score_or_a_zone_or_the_subtype_of_a_treated_patient_asks_first() {
    let mut p = planned(3);
    p.follow_up_mut(Timepoint::Post).date = Some(d("2026-11-20"));
    p.follow_up_mut(Timepoint::Post).vds = Some(Vds::new(8.5).unwrap());
    let (mut app, store) = open(p.clone(), Tab::FollowUp);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Delete);
    assert!(
        question(&app).contains("Clear the VDS post score (8.5) of a treated patient?"),
        "{}",
        question(&app)
    );
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(
        store.0.borrow().patients[0].vds_at(Timepoint::Post),
        Some(8.5)
    );
    key(&mut app, KeyCode::Delete);
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(store.0.borrow().patients[0].vds_at(Timepoint::Post), None);
    // A score typed over is a change, not a clearing: no question.
    typ(&mut app, "7.3");
    key(&mut app, KeyCode::Enter);
    assert!(app.confirm.is_none());
    assert_eq!(
        store.0.borrow().patients[0].vds_at(Timepoint::Post),
        Some(7.3)
    );
    // Intake: unticking the vertex of a treated patient asks; so does the subtype.
    let (mut app, store) = open(p, Tab::Intake);
    while app
        .workspace
        .as_ref()
        .unwrap()
        .intake
        .form
        .focus
        .is_none_or(|f| f != smplan::tui::screens::intake::Field::Zone(zone_index("vertex")))
    {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Char(' '));
    assert!(
        question(&app).contains("Remove vertex / crown from the zones of a treated patient?"),
        "{}",
        question(&app)
    );
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(store.0.borrow().patients[0].zones.len(), 2);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(store.0.borrow().patients[0].zones.len(), 1);
}

fn zone_index(id: &str) -> usize {
    smplan::protocol::Protocol::builtin()
        .zones
        .items
        .iter()
        .position(|z| z.id == id)
        .unwrap()
}

#[test]
fn an_untreated_patient_changes_without_a_question() {
    let (mut app, store) = open(planned(0), Tab::Intake);
    while app
        .workspace
        .as_ref()
        .unwrap()
        .intake
        .form
        .focus
        .is_none_or(|f| f != smplan::tui::screens::intake::Field::Zone(zone_index("vertex")))
    {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Char(' '));
    assert!(app.confirm.is_none());
    assert_eq!(store.0.borrow().patients[0].zones.len(), 1);
}

#[test]
fn a_depth_outside_the_protocol_range_is_saved_and_flagged_beside_the_field() {
    let (mut app, store) = open(planned(1), Tab::Sessions);
    key(&mut app, KeyCode::Left);
    // Down to the vertex depth (date, operator, shade, lot, expiry, duration, notes,
    // photographs, needle, density, depth).
    for _ in 0..10 {
        key(&mut app, KeyCode::Down);
    }
    typ(&mut app, "1.2");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.status.kind, StatusKind::Ok, "{:?}", app.status);
    let s = store.0.borrow().patients[0].session(1).unwrap().clone();
    assert!(s.zones.iter().any(|z| z.depth_mm == Some(1.2)), "{s:?}");
    let mut t = term(80, 24);
    key(&mut app, KeyCode::Up);
    draw(&mut app, &mut t);
    let sc = screen(&t);
    assert!(sc.contains("1.2 mm  ⚠ check (see below)"), "{sc}");
    assert!(sc.contains("is outside the protocol's"), "{sc}");
}

#[test]
fn a_birth_date_under_18_at_session_1_is_flagged_on_the_intake() {
    let mut p = planned(1);
    p.birth_date = Some(d("2010-01-01"));
    let (mut app, _) = open(p, Tab::Intake);
    let mut t = term(120, 40);
    draw(&mut app, &mut t);
    let sc = screen(&t);
    assert!(
        sc.contains("2010-01-01  (age 16)  ⚠ check (see below)"),
        "{sc}"
    );
    assert!(sc.contains("the patient was 16 at session 1"), "{sc}");
}

#[test]
fn a_touch_up_is_recorded_after_the_course_with_its_reason_and_zones() {
    let (mut app, store) = open(planned(3), Tab::Sessions);
    // Session 3 is shown; → the touch-up.
    key(&mut app, KeyCode::Right);
    let mut t = term(80, 24);
    draw(&mut app, &mut t);
    insta::assert_snapshot!("touch_up_new_80x24", t.backend());
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    assert!(
        question(&app).contains("Record touch-up 1 as performed on 2026-11-25 (today)?"),
        "{}",
        question(&app)
    );
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(app.status.kind, StatusKind::Ok, "{:?}", app.status);
    {
        let st = store.0.borrow();
        let tu = &st.patients[0].touch_ups[0];
        assert_eq!(tu.date(), d("2026-11-25"));
        assert_eq!(tu.reason, None);
        assert_eq!(tu.session.zones.len(), 2, "every planned zone, prefilled");
        assert!(tu.session.zones[0].needle.is_some());
    }
    // The focus is on the reason: choose "colour shift" (type c).
    key(&mut app, KeyCode::Enter);
    typ(&mut app, "c");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        store.0.borrow().patients[0].touch_ups[0].reason,
        Some(TouchUpReason::ColourShift)
    );
    // The vertex was not touched up: untick it (the second zone of the plan).
    let ticks = |app: &smplan::tui::App| app.workspace.as_ref().unwrap().sessions.form.focus;
    while ticks(&app) != Some(smplan::tui::screens::sessions::Key::Touched(1)) {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Char(' '));
    assert_eq!(
        store.0.borrow().patients[0].touch_ups[0]
            .session
            .zones
            .len(),
        1
    );
    let mut t = term(80, 24);
    key(&mut app, KeyCode::PageUp);
    draw(&mut app, &mut t);
    insta::assert_snapshot!("touch_up_recorded_80x24", t.backend());
    // A session cannot be un-recorded under a touch-up; the touch-up itself can be removed.
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Char('X'));
    assert!(
        app.status.text.contains("remove the touch-ups first"),
        "{:?}",
        app.status
    );
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Char('X'));
    assert!(question(&app).contains("Remove touch-up 1 (performed 2026-11-25)"));
    key(&mut app, KeyCode::Char('y'));
    assert!(store.0.borrow().patients[0].touch_ups.is_empty());
}

#[test]
fn a_touch_up_is_refused_without_treatment_consent() {
    let mut p = planned(3);
    p.consent.treatment = ConsentPart::refused(d("2026-11-20"));
    let (mut app, store) = open(p, Tab::Sessions);
    key(&mut app, KeyCode::Right);
    let mut t = term(80, 24);
    draw(&mut app, &mut t);
    let sc = screen(&t);
    assert!(sc.contains("Recording refused"), "{sc}");
    assert!(sc.contains("consent to treatment was refused"), "{sc}");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    assert!(app.confirm.is_none());
    assert!(store.0.borrow().patients[0].touch_ups.is_empty());
}

/// `u` repeatedly, on the real registry: each undo is written and audited as a change.
#[test]
fn undo_goes_back_step_by_step_and_each_step_is_audited() {
    use smplan::store::{OpenOptions, Registry};
    let dir = tempfile::tempdir().unwrap();
    let proto = smplan::protocol::Protocol::builtin();
    let opts = || OpenOptions {
        known_zones: proto.zone_ids(),
        ..OpenOptions::new(true, "Dr Lin", today())
    };
    let mut reg = Registry::open(dir.path(), opts()).unwrap();
    reg.save(planned(1)).unwrap();
    drop(reg);
    let reg = Registry::open(dir.path(), opts()).unwrap();
    let mut app = app_on_store(reg, false);
    key(&mut app, KeyCode::Enter);
    while app.workspace.as_ref().unwrap().tab != Tab::Sessions {
        key(&mut app, KeyCode::Char(']'));
    }
    // Record session 2, then set its lot.
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('y'));
    for _ in 0..3 {
        key(&mut app, KeyCode::Down);
    }
    typ(&mut app, "7");
    key(&mut app, KeyCode::Enter);
    assert!(
        app.status.text.contains("pigment lot 7"),
        "{:?}",
        app.status
    );
    let audit = || std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    let before = audit().lines().count();
    key(&mut app, KeyCode::Char('u'));
    assert_eq!(app.open().unwrap().session(2).unwrap().pigment_lot, None);
    key(&mut app, KeyCode::Char('u'));
    assert!(app.open().unwrap().session(2).is_none());
    let after = audit();
    let new: Vec<&str> = after.lines().skip(before).collect();
    assert!(
        new.iter().any(|l| l.contains("sessions[2].pigment_lot")),
        "{new:?}"
    );
    assert!(
        new.iter()
            .any(|l| l.contains("\"field\":\"sessions[2]\"") && l.contains("\"new\":null")),
        "{new:?}"
    );
    // Nothing more to undo: the key is no longer offered.
    assert!(
        !app.commands()
            .iter()
            .any(|c| c.action == smplan::tui::Action::Undo)
    );
    drop(app);
    let back = Registry::open(dir.path(), opts())
        .unwrap()
        .load("P-7")
        .unwrap();
    assert_eq!(back.sessions.len(), 1);
}

/// A second writer (let in by a deleted lock file) changed the open patient: the UI's next
/// save is refused with a clear message on the status line, and the other writer's value is
/// not put back (issue 14, finding 6).
#[test]
fn a_patient_changed_by_another_process_is_not_overwritten_from_the_ui() {
    use smplan::store::{OpenOptions, Registry};
    let dir = tempfile::tempdir().unwrap();
    let proto = smplan::protocol::Protocol::builtin();
    let opts = |summaries| OpenOptions {
        known_zones: proto.zone_ids(),
        summaries,
        ..OpenOptions::new(true, "Dr Lin", today())
    };
    let mut reg = Registry::open(dir.path(), opts(false)).unwrap();
    reg.save(planned(1)).unwrap();
    drop(reg);
    let reg = Registry::open(dir.path(), opts(true)).unwrap();
    let mut app = app_on_store(reg, false);
    key(&mut app, KeyCode::Enter);
    // Meanwhile another writer changes the patient.
    std::fs::remove_file(dir.path().join("lock")).unwrap();
    let mut other = Registry::open(dir.path(), opts(false)).unwrap();
    assert!(other.read_only_reason().is_none());
    let mut p = other.load("P-7").unwrap();
    p.notes = Some("changed elsewhere".into());
    other.save(p).unwrap();
    let file = dir.path().join("patients/P-7.json");
    let theirs = std::fs::read(&file).unwrap();
    // Record session 2 in the UI.
    while app.workspace.as_ref().unwrap().tab != Tab::Sessions {
        key(&mut app, KeyCode::Char(']'));
    }
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('y'));
    assert!(
        app.status
            .text
            .contains("changed by another process since it was opened; reload"),
        "{:?}",
        app.status
    );
    assert_eq!(std::fs::read(&file).unwrap(), theirs, "their change stays");
    drop(other);
    drop(app);
    let back = Registry::open(dir.path(), opts(false))
        .unwrap()
        .load("P-7")
        .unwrap();
    assert_eq!(back.notes.as_deref(), Some("changed elsewhere"));
    assert_eq!(back.sessions.len(), 1);
}
