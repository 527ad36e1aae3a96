//! The sessions and follow-up tabs drawn into ratatui's `TestBackend`, driven by key presses
//! on an in-memory store: snapshots at 80×24 and 120×40, the refusals with their reasons,
//! the out-of-window flag, the focused field's style, and what reaches the store.

use crate::tui_common;

use crossterm::event::KeyCode;
use ratatui::style::Modifier;
use smplan::cli::ui::demo_cohort;
use smplan::domain::*;
use smplan::protocol::Protocol;
use smplan::protocol::schedule::schedule_plan;
use smplan::tui::app::Tab;
use smplan::tui::{App, StatusKind, Theme};
use tui_common::*;

/// A fresh patient with an intake, a generated plan starting on 2026-11-18 and no session.
fn fresh() -> Patient {
    let proto = Protocol::builtin();
    let mut p = Patient::new("P-100", Subtype::Androgenetic);
    p.name = Some("陈伟".into());
    p.sex = Some(Sex::M);
    p.fitzpatrick = Some(Fitzpatrick::new(3).unwrap());
    p.alopecia.classification = Some(Classification::Aga(AgaStage::Norwood(NorwoodStage::V)));
    for (z, a) in [("vertex", 30.0), ("mid_scalp", 40.0)] {
        p.zones.push(AffectedZone {
            zone: z.into(),
            area_cm2: Some(a),
        });
    }
    let (mut plan, _) = smplan::protocol::generate_plan(&p, &proto);
    schedule_plan(&mut plan, d("2026-11-18"), &proto);
    p.plan = Some(plan);
    // Screened and consented, so that the sessions tab may record.
    screened(&mut p, d("2025-12-01"));
    p
}

fn demo() -> Patient {
    demo_cohort().unwrap().remove(0)
}

fn app_on(patients: Vec<Patient>, color: bool) -> (App, Shared) {
    let store = Shared::default();
    store.0.borrow_mut().patients = patients;
    let mut app = app_on_store(store.clone(), color);
    app.operator = "Dr Lin".into();
    (app, store)
}

/// Opens the first patient on `tab`.
fn open_on(patients: Vec<Patient>, tab: Tab, color: bool) -> (App, Shared) {
    let (mut app, store) = app_on(patients, color);
    key(&mut app, KeyCode::Enter);
    while app.workspace.as_ref().unwrap().tab != tab {
        key(&mut app, KeyCode::Char(']'));
    }
    (app, store)
}

fn both_sizes(name: &str, setup: impl FnMut() -> App) {
    for (w, h, t) in at_both_sizes(setup) {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

#[test]
fn sessions_tab_of_a_demo_patient() {
    both_sizes("sessions_demo", || {
        open_on(vec![demo()], Tab::Sessions, false).0
    });
}

#[test]
fn sessions_tab_of_a_fresh_patient() {
    both_sizes("sessions_fresh", || {
        open_on(vec![fresh()], Tab::Sessions, false).0
    });
}

#[test]
fn sessions_tab_right_after_recording_a_session() {
    both_sizes("sessions_recorded", || {
        let (mut app, _) = open_on(vec![fresh()], Tab::Sessions, false);
        key(&mut app, KeyCode::Enter);
        key(&mut app, KeyCode::Enter);
        key(&mut app, KeyCode::Char('y'));
        app
    });
}

#[test]
fn choosing_an_adverse_event_type_shows_the_list() {
    let (mut app, _) = open_on(vec![fresh()], Tab::Sessions, false);
    key(&mut app, KeyCode::Char('a'));
    let mut t = term(120, 40);
    draw(&mut app, &mut t);
    insta::assert_snapshot!("sessions_event_types_120x40", t.backend());
    let m = modifier_at(&t, "(•) infection", "i");
    assert!(m.contains(Modifier::REVERSED | Modifier::BOLD), "{m:?}");
}

#[test]
fn follow_up_tab_of_a_demo_patient() {
    both_sizes("followup_demo", || {
        open_on(vec![demo()], Tab::FollowUp, false).0
    });
}

#[test]
fn follow_up_tab_of_a_fresh_patient() {
    both_sizes("followup_fresh", || {
        open_on(vec![fresh()], Tab::FollowUp, false).0
    });
}

#[test]
fn recording_under_defer_is_refused_with_the_reason_on_the_tab() {
    let mut p = fresh();
    let proto = Protocol::builtin();
    let defer = proto
        .screen
        .items
        .iter()
        .find(|i| i.class == TriageClass::Defer)
        .unwrap();
    p.screen.answers.insert(defer.id.clone(), true);
    both_sizes("sessions_defer", || {
        open_on(vec![p.clone()], Tab::Sessions, false).0
    });
    let (mut app, store) = open_on(vec![p.clone()], Tab::Sessions, false);
    let mut t = term(80, 24);
    draw(&mut app, &mut t);
    let s = screen(&t);
    assert!(s.contains("Recording refused"), "{s}");
    assert!(s.contains("deferred"), "{s}");
    assert!(s.contains(&defer.label[..10]), "{s}");
    // No record field is offered: the first field is "add adverse event" (an event can
    // always be recorded), and no session can be.
    let m = modifier_at(&t, "Recording refused", "R");
    assert!(m.contains(Modifier::BOLD), "{m:?}");
    assert!(s.contains("▶ Add adverse event"), "{s}");
    for code in [KeyCode::Up, KeyCode::Enter, KeyCode::Esc] {
        key(&mut app, code);
    }
    key(&mut app, KeyCode::Left);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    assert!(store.0.borrow().patients[0].sessions.is_empty());
}

#[test]
fn a_recorded_session_reaches_the_store_prefilled_from_the_plan() {
    let (mut app, store) = open_on(vec![fresh()], Tab::Sessions, false);
    // Enter opens the date (the planned 2026-11-18, past); Enter asks first, with the date;
    // `y` records it.
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    let q = app
        .confirm
        .as_ref()
        .expect("recording asks first")
        .question
        .join(" ");
    assert!(
        q.contains("Record session 1 as performed on 2026-11-18, the planned date (7 days ago)?"),
        "{q}"
    );
    assert_eq!(store.0.borrow().saves, 0, "nothing saved before yes");
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(app.status.kind, StatusKind::Ok, "{:?}", app.status);
    assert!(
        app.status.text.contains("session 1 recorded"),
        "{:?}",
        app.status
    );
    {
        let st = store.0.borrow();
        let p = &st.patients[0];
        let plan = p.plan.as_ref().unwrap();
        let s = p.session(1).unwrap();
        assert_eq!(s.date, d("2026-11-18"));
        assert_eq!(s.operator.as_deref(), Some("Dr Lin"));
        assert_eq!(s.zones.len(), plan.zones.len());
        assert_eq!(
            s.zones[0].needle.as_deref(),
            Some(plan.zones[0].needle.as_str())
        );
        assert_eq!(
            s.zones[0].density_reached,
            Some((plan.zones[0].density_after(0) * 10.0).round() / 10.0)
        );
        assert_eq!(
            s.pigment_shade.as_deref(),
            Some(plan.zones[0].sessions[0].shade.as_str())
        );
    }
    // Focus is on the date: change it to an earlier day, then the lot and the duration.
    key(&mut app, KeyCode::Enter);
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "2026-11-20");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.status.kind, StatusKind::Ok, "{:?}", app.status);
    // Enter moved on to the operator; down to the lot (past the shade).
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    typ(&mut app, "LOT-7");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Down);
    typ(&mut app, "95");
    key(&mut app, KeyCode::Enter);
    {
        let st = store.0.borrow();
        let s = st.patients[0].session(1).unwrap();
        assert_eq!(s.date, d("2026-11-20"));
        assert_eq!(s.pigment_lot.as_deref(), Some("LOT-7"));
        assert_eq!(s.duration_min, Some(95));
    }
    // A date in the future is refused by the record's rules and nothing changes.
    let saves = store.0.borrow().saves;
    key(&mut app, KeyCode::PageUp);
    key(&mut app, KeyCode::Enter);
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "2026-12-01");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.status.kind, StatusKind::Error);
    assert!(app.status.text.contains("future"), "{:?}", app.status);
    assert_eq!(store.0.borrow().saves, saves);
    let mut t = term(80, 24);
    draw(&mut app, &mut t);
    assert!(
        screen(&t).contains("✗ 2026-12-01 is in the future"),
        "{}",
        screen(&t)
    );
}

#[test]
fn a_second_session_too_soon_is_saved_with_a_spacing_warning() {
    let mut p = fresh();
    p.sessions.push(Session::new(1, d("2026-11-22")));
    let (mut app, store) = open_on(vec![p], Tab::Sessions, false);
    key(&mut app, KeyCode::Enter); // today: 3 days after session 1
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(app.status.kind, StatusKind::Ok);
    assert!(app.status.text.contains("warning"), "{:?}", app.status);
    assert!(
        app.status.text.contains("7-day interval"),
        "{:?}",
        app.status
    );
    assert!(store.0.borrow().patients[0].session(2).is_some());
    let mut t = term(120, 40);
    draw(&mut app, &mut t);
    assert!(
        screen(&t).contains("closer than the protocol"),
        "{}",
        screen(&t)
    );
}

#[test]
fn sessions_are_recorded_in_order() {
    let (mut app, store) = open_on(vec![fresh()], Tab::Sessions, false);
    key(&mut app, KeyCode::Right);
    let mut t = term(80, 24);
    draw(&mut app, &mut t);
    assert!(
        screen(&t).contains("record session 1 first"),
        "{}",
        screen(&t)
    );
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    assert!(store.0.borrow().patients[0].sessions.is_empty());
}

#[test]
fn adverse_events_are_added_edited_and_removed() {
    let (mut app, store) = open_on(vec![demo()], Tab::Sessions, false);
    key(&mut app, KeyCode::Char('a'));
    // The list of types is open; the second is "allergic reaction".
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    assert!(
        app.status.text.contains("allergic reaction"),
        "{:?}",
        app.status
    );
    // Focus went to the severity: choose "moderate".
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    // Then onset (Enter moved on), resolved: tick it.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char(' '));
    {
        let st = store.0.borrow();
        let e = &st.patients[0].adverse_events[0];
        assert_eq!(e.kind, AdverseKind::AllergicReaction);
        assert_eq!(e.severity, Some(Severity::Moderate));
        assert_eq!(e.resolved, Some(true));
        assert_eq!(e.onset, Some(today()));
        assert_eq!(e.session, Some(3));
    }
    // Delete on the type removes it.
    for _ in 0..3 {
        key(&mut app, KeyCode::Up);
    }
    key(&mut app, KeyCode::Delete);
    assert!(app.status.text.contains("removed"), "{:?}", app.status);
    assert!(store.0.borrow().patients[0].adverse_events.is_empty());
}

#[test]
fn fast_score_entry_reaches_the_store() {
    let mut p = fresh();
    for (n, day) in [(1, "2026-10-01"), (2, "2026-10-08"), (3, "2026-10-15")] {
        p.sessions.push(Session::new(n, d(day)));
    }
    let (mut app, store) = open_on(vec![p], Tab::FollowUp, false);
    // Date (type it), VDS, PSS, assessor (Enter opens at the operator, Enter saves).
    typ(&mut app, "2026-10-16");
    key(&mut app, KeyCode::Enter);
    typ(&mut app, "8.5");
    key(&mut app, KeyCode::Enter);
    typ(&mut app, "3");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    let st = store.0.borrow();
    let f = st.patients[0].follow_up(Timepoint::Post).unwrap();
    assert_eq!(f.date, Some(d("2026-10-16")));
    assert_eq!(f.vds.map(|v| v.value()), Some(8.5));
    assert_eq!(f.pss.map(|p| p.value()), Some(3));
    assert_eq!(f.assessor.as_deref(), Some("Dr Lin"));
    assert_eq!(st.saves, 4);
    drop(st);
    let mut t = term(80, 24);
    draw(&mut app, &mut t);
    assert!(screen(&t).contains("3 — very satisfied"), "{}", screen(&t));
}

#[test]
fn a_vds_off_the_scale_is_refused_with_its_message() {
    let mut p = fresh();
    for (n, day) in [(1, "2026-10-01"), (2, "2026-10-08"), (3, "2026-10-15")] {
        p.sessions.push(Session::new(n, d(day)));
    }
    // One VDS rule everywhere: 0 to 10 with at most one decimal (7.3 is accepted below).
    for (typed, msg) in [
        ("11", "11 is outside 0..10"),
        ("8.25", "8.25 has more than one decimal"),
    ] {
        let (mut app, store) = open_on(vec![p.clone()], Tab::FollowUp, false);
        key(&mut app, KeyCode::Down);
        typ(&mut app, typed);
        key(&mut app, KeyCode::Enter);
        assert_eq!(app.status.kind, StatusKind::Error);
        assert!(app.status.text.contains(msg), "{:?}", app.status);
        assert_eq!(store.0.borrow().saves, 0);
        let mut t = term(80, 24);
        draw(&mut app, &mut t);
        assert!(screen(&t).contains(&format!("✗ {msg}")), "{}", screen(&t));
        if typed == "8.25" {
            insta::assert_snapshot!("followup_vds_refused_80x24", t.backend());
        }
    }
}

#[test]
fn a_vds_with_one_decimal_is_accepted_as_everywhere_else() {
    let mut p = fresh();
    for (n, day) in [(1, "2026-10-01"), (2, "2026-10-08"), (3, "2026-10-15")] {
        p.sessions.push(Session::new(n, d(day)));
    }
    let (mut app, store) = open_on(vec![p], Tab::FollowUp, false);
    key(&mut app, KeyCode::Down);
    typ(&mut app, "7.3");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.status.kind, StatusKind::Ok, "{:?}", app.status);
    let vds = store.0.borrow().patients[0]
        .follow_up(Timepoint::Post)
        .and_then(|f| f.vds)
        .map(|v| v.value());
    assert_eq!(vds, Some(7.3));
    let mut t = term(80, 24);
    draw(&mut app, &mut t);
    let s = screen(&t);
    assert!(s.contains("7.3") && !s.contains("scale"), "{s}");
}

#[test]
fn a_visit_out_of_its_window_is_flagged() {
    let mut p = fresh();
    for (n, day) in [(1, "2026-01-01"), (2, "2026-01-08"), (3, "2026-01-15")] {
        p.sessions.push(Session::new(n, d(day)));
    }
    p.follow_up_mut(Timepoint::Post).date = Some(d("2026-01-15"));
    let (mut app, store) = open_on(vec![p], Tab::FollowUp, false);
    // The 6-month visit: due 2026-07-16, window to 2026-07-30; enter it late.
    for _ in 0..4 {
        key(&mut app, KeyCode::Down);
    }
    typ(&mut app, "2026-09-01");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.status.kind, StatusKind::Ok, "{:?}", app.status);
    assert!(
        app.status.text.contains("outside its window"),
        "{:?}",
        app.status
    );
    assert_eq!(
        store.0.borrow().patients[0]
            .follow_up(Timepoint::M6)
            .unwrap()
            .date,
        Some(d("2026-09-01"))
    );
    let mut t = term(120, 40);
    draw(&mut app, &mut t);
    let s = screen(&t);
    assert!(s.contains("OUT OF WINDOW"), "{s}");
    assert!(
        s.contains("due 2026-07-16 · window 2026-07-02 to 2026-07-30"),
        "{s}"
    );
    insta::assert_snapshot!("followup_out_of_window_120x40", t.backend());
}

#[test]
fn a_timepoint_can_be_added() {
    let mut p = fresh();
    for (n, day) in [(1, "2025-01-01"), (2, "2025-01-08"), (3, "2025-01-15")] {
        p.sessions.push(Session::new(n, d(day)));
    }
    let (mut app, store) = open_on(vec![p], Tab::FollowUp, false);
    key(&mut app, KeyCode::Char('a'));
    typ(&mut app, "6m");
    key(&mut app, KeyCode::Enter);
    assert!(
        app.status.text.contains("already listed"),
        "{:?}",
        app.status
    );
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('a'));
    typ(&mut app, "36m");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.status.kind, StatusKind::Ok, "{:?}", app.status);
    // Focus is on the new timepoint's date: a score entered there lands on 36m.
    typ(&mut app, "2026-01-20");
    key(&mut app, KeyCode::Enter);
    typ(&mut app, "7");
    key(&mut app, KeyCode::Enter);
    let st = store.0.borrow();
    let f = st.patients[0].follow_up(Timepoint::Months(36)).unwrap();
    assert_eq!(f.date, Some(d("2026-01-20")));
    assert_eq!(f.vds.map(|v| v.value()), Some(7.0));
}

#[test]
fn the_focused_field_is_reversed_and_bold_and_the_edited_one_underlined() {
    for color in [true, false] {
        let (mut app, _) = open_on(vec![demo()], Tab::FollowUp, color);
        let mut t = term(80, 24);
        draw(&mut app, &mut t);
        let m = modifier_at(&t, "▶ Date", "D");
        assert!(m.contains(Modifier::REVERSED | Modifier::BOLD), "{m:?}");
        let other = modifier_at(&t, "VDS (0–10)", "V");
        assert!(!other.contains(Modifier::REVERSED), "{other:?}");
        key(&mut app, KeyCode::Down);
        typ(&mut app, "9");
        draw(&mut app, &mut t);
        let m = modifier_at(&t, "▶ VDS", "9");
        assert!(m.contains(Modifier::UNDERLINED | Modifier::BOLD), "{m:?}");
        assert!(!m.contains(Modifier::REVERSED), "{m:?}");
        // The refusal on the sessions tab stands out too.
        let (mut app, _) = open_on(vec![demo()], Tab::Sessions, color);
        draw(&mut app, &mut t);
        let m = modifier_at(&t, "Session 3", "S");
        assert!(m.contains(Modifier::BOLD), "{m:?}");
    }
}

#[test]
fn help_on_the_sessions_tab_lists_its_keys() {
    let (mut app, _) = open_on(vec![fresh()], Tab::Sessions, false);
    key(&mut app, KeyCode::Char('?'));
    let mut t = term(120, 40);
    draw(&mut app, &mut t);
    let s = screen(&t);
    assert!(s.contains("add an adverse event"), "{s}");
    assert!(s.contains("next tab of the patient"), "{s}");
    // Every key fits at 80×24 too.
    let mut small = term(80, 24);
    draw(&mut app, &mut small);
    let s = screen(&small);
    assert!(s.contains("back to the patient list"), "{s}");
    assert!(s.contains("quit smplan at once"), "{s}");
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char(']'));
    key(&mut app, KeyCode::Char('?'));
    draw(&mut app, &mut t);
    assert!(
        screen(&t).contains("a digit typed on a field starts a new value"),
        "{}",
        screen(&t)
    );
    let mut small = term(80, 24);
    draw(&mut app, &mut small);
    insta::assert_snapshot!("followup_help_80x24", small.backend());
}

/// The same keys on the real registry on disk: the store writes the session and the score
/// atomically, and its audit log names the operator and the changed fields.
#[test]
fn a_session_and_a_score_reach_the_registry_on_disk_and_its_audit_log() {
    use smplan::store::{OpenOptions, Registry};
    let dir = tempfile::tempdir().unwrap();
    let proto = Protocol::builtin();
    let opts = || OpenOptions {
        known_zones: proto.zone_ids(),
        ..OpenOptions::new(true, "Dr Lin", today())
    };
    let mut p = fresh();
    p.sessions = vec![
        Session::new(1, d("2026-11-04")),
        Session::new(2, d("2026-11-11")),
    ];
    {
        let mut reg = Registry::open(dir.path(), opts()).unwrap();
        reg.save(p).unwrap();
    }
    // As `smplan` opens it for the UI: summaries, whole records read on opening a patient.
    let ui = OpenOptions {
        summaries: true,
        ..opts()
    };
    let reg = Registry::open(dir.path(), ui).unwrap();
    let mut app = App::new(
        Box::new(reg),
        proto.clone(),
        today(),
        Theme { color: false },
    );
    app.operator = "Dr Lin".into();
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char(']')); // plan
    key(&mut app, KeyCode::Char(']')); // sessions
    // Session 3 on 2026-11-18, then its post visit scored the same day.
    key(&mut app, KeyCode::Enter);
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "2026-11-18");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('y'));
    assert_eq!(app.status.kind, StatusKind::Ok, "{:?}", app.status);
    key(&mut app, KeyCode::Char(']'));
    typ(&mut app, "2026-11-18");
    key(&mut app, KeyCode::Enter);
    typ(&mut app, "9");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.status.kind, StatusKind::Ok, "{:?}", app.status);
    drop(app);
    let reg = Registry::open(dir.path(), opts()).unwrap();
    let back = reg.patients().next().unwrap().clone();
    let s3 = back.session(3).unwrap();
    assert_eq!(s3.date, d("2026-11-18"));
    assert_eq!(s3.operator.as_deref(), Some("Dr Lin"));
    assert_eq!(back.vds_at(Timepoint::Post), Some(9.0));
    let audit = std::fs::read_to_string(dir.path().join("audit.jsonl")).unwrap();
    assert!(audit.contains("Dr Lin"), "{audit}");
    assert!(audit.contains("\"sessions["), "{audit}");
    assert!(audit.contains("follow_ups[post].vds"), "{audit}");
}
