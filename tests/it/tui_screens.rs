//! The terminal UI drawn into ratatui's `TestBackend`, driven by key presses.
//!
//! Text snapshots (insta) pin the layout at 80×24 and 120×40; text ignores colour and
//! emphasis, so the focus and selection are checked cell by cell as well.

use crate::tui_common;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use smplan::domain::*;
use smplan::tui::{App, MemoryStore};
use tui_common::*;

/// A small registry: both subtypes, a Chinese name, a triage needing clearance, and a
/// historical record nobody screened.
fn sample() -> Vec<Patient> {
    let mut a = Patient::new("P-001", Subtype::Androgenetic);
    a.name = Some("王小明".into());
    a.sex = Some(Sex::M);
    a.birth_date = Some(d("1988-03-14"));
    a.alopecia.classification = Some(Classification::Aga(AgaStage::Norwood(NorwoodStage::V)));
    screened(&mut a, d("2026-11-01"));
    a.sessions = vec![Session::new(1, d("2026-11-10"))];
    let mut b = Patient::new("P-002", Subtype::Scarring);
    b.name = Some("Anna Berg".into());
    b.sex = Some(Sex::F);
    b.alopecia.classification = Some(Classification::Scar(ScarCause::FutStrip));
    b.screen.answers.insert("anticoagulants".into(), true);
    screened(&mut b, d("2026-11-20"));
    let mut c = Patient::new("P-003", Subtype::Androgenetic);
    c.name = Some("李娜".into());
    for (n, day) in [(1, "2025-03-03"), (2, "2025-03-10"), (3, "2025-03-17")] {
        c.sessions.push(Session::new(n, d(day)));
    }
    let f = c.follow_up_mut(Timepoint::Post);
    f.date = Some(d("2025-03-17"));
    f.vds = Some(Vds::new(9.0).unwrap());
    f.pss = Some(Pss::new(3).unwrap());
    vec![a, b, c]
}

fn both_sizes(name: &str, setup: impl FnMut() -> App) {
    for (w, h, t) in at_both_sizes(setup) {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

#[test]
fn empty_registry() {
    both_sizes("empty", || app_with(vec![], false));
}

#[test]
fn patient_list() {
    both_sizes("list", || app_with(sample(), false));
}

#[test]
fn selected_row_is_reversed_and_bold_without_colour() {
    let mut app = app_with(sample(), false);
    let mut t = term(80, 24);
    key(&mut app, KeyCode::Char('j'));
    draw(&mut app, &mut t);
    let y = row_of(&t, "P-002");
    let cell = &t.backend().buffer()[(2, y)];
    assert!(cell.modifier.contains(Modifier::REVERSED), "{cell:?}");
    assert!(cell.modifier.contains(Modifier::BOLD));
    let other = &t.backend().buffer()[(2, row_of(&t, "P-001"))];
    assert!(!other.modifier.contains(Modifier::REVERSED));
    assert_eq!(cell.fg, ratatui::style::Color::Reset, "NO_COLOR: no colour");
}

#[test]
fn search_narrows_as_you_type_on_id_and_name() {
    both_sizes("search", || {
        let mut app = app_with(sample(), false);
        key(&mut app, KeyCode::Char('/'));
        typ(&mut app, "李");
        app
    });
    let mut app = app_with(sample(), false);
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "p-00");
    let n = |app: &App| app.list.rows(&app.patients, &app.protocol, app.today).len();
    assert_eq!(n(&app), 3);
    typ(&mut app, "2");
    assert_eq!(n(&app), 1);
    key(&mut app, KeyCode::Esc);
    assert_eq!(n(&app), 3, "Esc clears the search");
}

#[test]
fn slash_over_a_kept_search_starts_a_new_one_and_an_arrow_refines_it() {
    let mut app = app_with(sample(), false);
    let q = |app: &App| app.list.query().to_string();
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "p-001");
    // Enter opens the one patient found; Esc comes back to the list, the search kept.
    key(&mut app, KeyCode::Enter);
    assert!(app.workspace.is_some());
    key(&mut app, KeyCode::Esc);
    assert_eq!(q(&app), "p-001");
    // `/` and typing replace it.
    key(&mut app, KeyCode::Char('/'));
    typ(&mut app, "p-002");
    assert_eq!(q(&app), "p-002");
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('/'));
    key(&mut app, KeyCode::End);
    typ(&mut app, "x");
    assert_eq!(q(&app), "p-002x");
}

#[test]
fn filter_and_sort() {
    let mut app = app_with(sample(), false);
    let ids = |app: &App| -> Vec<String> {
        app.list
            .rows(&app.patients, &app.protocol, app.today)
            .iter()
            .map(|r| r.record_id.clone())
            .collect()
    };
    key(&mut app, KeyCode::Char('f'));
    assert_eq!(ids(&app), ["P-001", "P-003"]);
    key(&mut app, KeyCode::Char('f'));
    assert_eq!(ids(&app), ["P-002"]);
    key(&mut app, KeyCode::Char('f'));
    // Sort by name (second column), then reverse.
    key(&mut app, KeyCode::Char('s'));
    assert_eq!(ids(&app), ["P-002", "P-003", "P-001"]);
    key(&mut app, KeyCode::Char('S'));
    assert_eq!(ids(&app), ["P-001", "P-003", "P-002"]);
    // Sessions column (after age, subtype and triage): 0, 1, 3.
    for _ in 0..4 {
        key(&mut app, KeyCode::Char('s'));
    }
    assert_eq!(ids(&app), ["P-002", "P-001", "P-003"]);
}

#[test]
fn help_overlay_lists_the_keys_of_the_screen_below() {
    both_sizes("help_list", || {
        let mut app = app_with(sample(), false);
        key(&mut app, KeyCode::Char('?'));
        app
    });
    let mut app = app_with(sample(), false);
    key(&mut app, KeyCode::Char('?'));
    key(&mut app, KeyCode::Char('q'));
    assert!(
        app.help.is_none() && !app.quit,
        "q closes help, not the app"
    );
}

#[test]
fn too_small_window_says_the_size_and_q_quits() {
    let mut app = app_with(sample(), false);
    let mut t = term(60, 20);
    draw(&mut app, &mut t);
    insta::assert_snapshot!("too_small_60x20", t.backend());
    key(&mut app, KeyCode::Char('q'));
    assert!(app.quit);
}

#[test]
fn ctrl_c_quits_while_editing() {
    let mut app = app_with(sample(), false);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    assert!(app.workspace.as_ref().unwrap().intake.is_editing());
    app.handle_event(&Event::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
}

fn open_intake() -> App {
    let mut app = app_with(sample(), false);
    key(&mut app, KeyCode::Enter); // P-001
    app
}

#[test]
fn intake_form() {
    both_sizes("intake", open_intake);
}

#[test]
fn intake_refuses_an_invalid_date_and_says_why() {
    let setup = || {
        let mut app = open_intake();
        key(&mut app, KeyCode::Down);
        key(&mut app, KeyCode::Down); // date of birth
        key(&mut app, KeyCode::Enter);
        for _ in 0..10 {
            key(&mut app, KeyCode::Backspace);
        }
        typ(&mut app, "1988-02-30");
        key(&mut app, KeyCode::Enter);
        app
    };
    both_sizes("intake_invalid", setup);
    let mut app = setup();
    assert_eq!(
        app.open().unwrap().birth_date,
        Some(d("1988-03-14")),
        "not saved"
    );
    assert!(
        app.status.text.contains("not a real date"),
        "{:?}",
        app.status
    );
    let mut t = term(80, 24);
    draw(&mut app, &mut t);
    assert!(modifier_at(&t, "not a real date", "✗").contains(Modifier::BOLD));
    // Esc cancels: the old value stays and the reason goes.
    key(&mut app, KeyCode::Esc);
    assert!(!app.workspace.as_ref().unwrap().intake.is_editing());
    assert!(app.workspace.as_ref().unwrap().intake.form.error.is_none());
    assert_eq!(app.open().unwrap().birth_date, Some(d("1988-03-14")));
}

#[test]
fn a_future_birth_date_is_refused_by_the_record_rules() {
    let mut app = open_intake();
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "2027-01-01");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.open().unwrap().birth_date, Some(d("1988-03-14")));
    let (_, msg) = app
        .workspace
        .as_ref()
        .unwrap()
        .intake
        .form
        .error
        .clone()
        .unwrap();
    assert!(msg.contains("in the future"), "{msg}");
}

#[test]
fn focused_field_is_reversed_and_editing_is_underlined() {
    let mut app = open_intake();
    let mut t = term(80, 24);
    draw(&mut app, &mut t);
    let y = row_of(&t, "▶ Name");
    let cell = &t.backend().buffer()[(4, y)];
    assert!(cell.modifier.contains(Modifier::REVERSED | Modifier::BOLD));
    key(&mut app, KeyCode::Enter);
    draw(&mut app, &mut t);
    // The prefilled value is selected (typing replaces it); End keeps it and edits it.
    let m = modifier_at(&t, "▶ Name", "王");
    assert!(m.contains(Modifier::REVERSED), "selected: {m:?}");
    key(&mut app, KeyCode::End);
    draw(&mut app, &mut t);
    let m = modifier_at(&t, "▶ Name", "王");
    assert!(m.contains(Modifier::UNDERLINED | Modifier::BOLD), "{m:?}");
    assert!(
        !m.contains(Modifier::REVERSED),
        "editing looks unlike mere focus"
    );
}

#[test]
fn fields_are_saved_one_by_one_with_a_status() {
    let mut app = open_intake();
    key(&mut app, KeyCode::Enter);
    for _ in 0..3 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "张伟");
    key(&mut app, KeyCode::Tab); // saves and moves to Sex
    assert_eq!(app.open().unwrap().name.as_deref(), Some("张伟"));
    assert_eq!(app.status.text, "saved: name 张伟");
    key(&mut app, KeyCode::Enter); // choose sex
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.open().unwrap().sex, Some(Sex::F));
    assert!(app.status.text.starts_with("saved"));
}

#[test]
fn health_screen_ticks_update_the_triage_live() {
    let setup = || {
        let mut app = open_intake();
        // Jump to the health screen section and tick the first (defer) item.
        for _ in 0..3 {
            key(&mut app, KeyCode::PageDown);
        }
        key(&mut app, KeyCode::Down);
        key(&mut app, KeyCode::Char('y'));
        app
    };
    let mut app = setup();
    let p = app.open().unwrap();
    assert_eq!(p.screen.answers.get("scalp_dermatitis"), Some(&true));
    assert_eq!(p.triage(app.protocol.screen_rules()).triage, Triage::Defer);
    let mut t = term(120, 40);
    draw(&mut app, &mut t);
    let y = row_of(&t, "DEFER");
    assert!(y <= 4, "the badge is in the header");
    insta::assert_snapshot!("intake_screen_defer_120x40", t.backend());
    // y moved the focus on: back up and answer no; every item answered, none blocking.
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(
        app.open()
            .unwrap()
            .triage(app.protocol.screen_rules())
            .triage,
        Triage::Clear
    );
}

#[test]
fn switching_subtype_clears_the_stage_of_the_other_subtype() {
    let mut app = open_intake();
    for _ in 0..6 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    // P-001 is treated: changing the subtype asks first.
    let q = app.confirm.as_ref().expect("asks first").question.join(" ");
    assert!(q.contains("subtype of a treated patient"), "{q}");
    assert_eq!(app.open().unwrap().subtype(), Subtype::Androgenetic);
    key(&mut app, KeyCode::Char('y'));
    let p = app.open().unwrap();
    assert_eq!(p.subtype(), Subtype::Scarring);
    assert_eq!(p.alopecia.classification, None);
    assert!(app.status.text.contains("cleared"), "{}", app.status.text);
}

#[test]
fn read_only_registry_refuses_edits_and_says_why() {
    let store = MemoryStore {
        patients: sample(),
        read_only: Some("another smplan (pid 4242) holds the writer lock".into()),
        quarantined: vec!["P-009.json: not valid JSON (line 3, column 7)".into()],
        saves: 0,
        rules: None,
        writer_gone: false,
    };
    let store_for = |s: &MemoryStore| app_on_store(s.clone(), false);
    both_sizes("read_only", || store_for(&store));
    let mut app = store_for(&store);
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Enter);
    typ(&mut app, "x");
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.open().unwrap().name.as_deref(), Some("王小明"));
    assert!(app.status.text.contains("pid 4242"), "{}", app.status.text);
}

#[test]
fn new_patient_by_keys() {
    let mut app = app_with(sample(), false);
    both_sizes("new_patient", || {
        let mut app = app_with(sample(), false);
        key(&mut app, KeyCode::Char('n'));
        app
    });
    key(&mut app, KeyCode::Char('n'));
    key(&mut app, KeyCode::Tab);
    key(&mut app, KeyCode::Char(' '));
    key(&mut app, KeyCode::Enter);
    let p = app.open().unwrap();
    assert_eq!(p.record_id, "P-004");
    assert_eq!(p.subtype(), Subtype::Scarring);
    // A duplicate id is refused in the dialog.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('n'));
    for _ in 0..5 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "P-001");
    key(&mut app, KeyCode::Enter);
    let err = app.new_patient.as_ref().unwrap().error.clone().unwrap();
    assert!(err.contains("already"), "{err}");
}

#[test]
fn colour_theme_marks_triage_in_colour_too() {
    let mut app = app_with(sample(), true);
    let mut t = term(120, 40);
    draw(&mut app, &mut t);
    let y = row_of(&t, "P-002");
    let buf = t.backend().buffer();
    let x = (0..120)
        .find(|x| buf[(*x, y)].symbol() == "c" && buf[(*x + 1, y)].symbol() == "l")
        .unwrap();
    assert_eq!(buf[(x, y)].fg, ratatui::style::Color::Yellow);
}

#[test]
fn demo_list() {
    both_sizes("demo_list", || {
        app_with(smplan::cli::ui::demo_cohort().unwrap(), false)
    });
}

#[test]
fn a_classification_outside_the_lists_can_be_typed() {
    let mut app = app_with(sample(), false);
    key(&mut app, KeyCode::Down); // P-002, scarring
    key(&mut app, KeyCode::Enter);
    for _ in 0..7 {
        key(&mut app, KeyCode::Down);
    }
    assert_eq!(
        app.workspace.as_ref().unwrap().intake.form.focus,
        Some(smplan::tui::screens::intake::Field::Classification)
    );
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::End);
    for _ in 0..12 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter); // "other — type it…"
    typ(&mut app, "scar after radiotherapy");
    key(&mut app, KeyCode::Enter);
    assert_eq!(
        app.open().unwrap().alopecia.classification,
        Some(Classification::Other("scar after radiotherapy".into()))
    );
    // A Norwood stage typed on a scarring patient is refused (Enter moved the focus on).
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Enter);
    for _ in 0..12 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    for _ in 0..30 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "Norwood V");
    key(&mut app, KeyCode::Enter);
    assert!(
        app.status.text.contains("other subtype"),
        "{}",
        app.status.text
    );
    assert_eq!(
        app.open().unwrap().alopecia.classification,
        Some(Classification::Other("scar after radiotherapy".into()))
    );
}

#[test]
fn help_in_the_intake_lists_the_intake_keys() {
    both_sizes("help_intake", || {
        let mut app = open_intake();
        key(&mut app, KeyCode::Char('?'));
        app
    });
}

#[test]
fn choosing_from_a_list_shows_the_options_with_the_current_one_selected() {
    both_sizes("intake_choose", || {
        let mut app = open_intake();
        key(&mut app, KeyCode::Down);
        key(&mut app, KeyCode::Enter);
        app
    });
    let mut app = open_intake();
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter);
    let mut t = term(80, 24);
    draw(&mut app, &mut t);
    assert!(modifier_at(&t, "(•) M — male", "(").contains(Modifier::REVERSED));
    key(&mut app, KeyCode::Esc);
    assert!(!app.workspace.as_ref().unwrap().intake.is_editing());
    assert_eq!(app.open().unwrap().sex, Some(Sex::M), "Esc changed nothing");
}

#[test]
fn intake_of_a_scarring_demo_patient() {
    both_sizes("intake_scarring", || {
        let mut app = app_with(smplan::cli::ui::demo_cohort().unwrap(), false);
        for _ in 0..6 {
            key(&mut app, KeyCode::Char('j'));
        }
        key(&mut app, KeyCode::Enter); // DEMO-07, FUT strip scar
        key(&mut app, KeyCode::PageDown);
        app
    });
}

/// A long list scrolls: only the rows on screen are drawn, and the selection stays visible
/// at the end and back at the top.
#[test]
fn a_long_list_scrolls_with_the_selection() {
    let many: Vec<Patient> = (0..500)
        .map(|i| {
            let mut p = Patient::new(format!("R-{i:04}"), Subtype::Androgenetic);
            p.name = Some(format!("患者 {i}"));
            p
        })
        .collect();
    let mut app = app_with(many, false);
    let mut t = term(80, 24);
    draw(&mut app, &mut t);
    let text = |t: &Terminal<TestBackend>| format!("{:?}", t.backend().buffer());
    assert!(text(&t).contains("R-0000"));
    assert!(!text(&t).contains("R-0499"));
    key(&mut app, KeyCode::End);
    draw(&mut app, &mut t);
    assert!(text(&t).contains("R-0499"));
    assert!(!text(&t).contains("R-0000"));
    let y = row_of(&t, "R-0499");
    assert!(
        t.backend().buffer()[(0, y)]
            .modifier
            .contains(Modifier::REVERSED)
    );
    key(&mut app, KeyCode::Home);
    draw(&mut app, &mut t);
    assert!(text(&t).contains("R-0000"));
    let y = row_of(&t, "R-0000");
    assert!(
        t.backend().buffer()[(0, y)]
            .modifier
            .contains(Modifier::REVERSED)
    );
}

/// Record ids longer than the column's usual 8 cells are shown whole (up to 16), at both
/// sizes: a clinic numbering `CLINIC-2026-0042` must not read `CLINIC-…`.
#[test]
fn long_record_ids_are_shown_whole() {
    let mut pats = sample();
    pats[1].record_id = "CLINIC-2026-0042".into();
    pats.sort_by(|a, b| a.record_id.cmp(&b.record_id));
    for (w, h) in [(80, 24), (120, 40)] {
        let mut app = app_with(pats.clone(), false);
        let mut t = term(w, h);
        draw(&mut app, &mut t);
        let s = screen(&t);
        assert!(s.contains("CLINIC-2026-0042 "), "{w}x{h}:\n{s}");
        assert!(
            s.contains("Anna Be"),
            "the name keeps a column: {w}x{h}:\n{s}"
        );
    }
}
