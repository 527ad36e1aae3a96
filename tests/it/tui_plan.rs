//! The plan tab drawn into ratatui's `TestBackend`, driven by key presses: the table at both
//! sizes, edits refused and accepted (and saved through the store), overrides marked, the
//! map stepping through the sessions.

use crate::tui_common;

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use smplan::domain::Patient;
use smplan::protocol::Protocol;
use smplan::protocol::plan::PlanField;
use smplan::tui::screens::plan::Cell;
use smplan::tui::{App, MemoryStore, PatientStore};
use tui_common::*;

fn demo() -> Vec<Patient> {
    smplan::cli::ui::demo_cohort().unwrap()
}

fn app_on(store: impl PatientStore + 'static) -> App {
    app_on_store(store, false)
}

/// The first demo patient (four androgenetic zones) on the plan tab.
fn open_plan(read_only: Option<&str>) -> App {
    let mut app = app_on(MemoryStore {
        patients: demo(),
        read_only: read_only.map(str::to_string),
        ..MemoryStore::default()
    });
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char(']'));
    app
}

/// Moves `right` cells to the right, opens the cell, replaces its text and presses Enter.
fn retype(app: &mut App, right: usize, text: &str) {
    for _ in 0..right {
        key(app, KeyCode::Right);
    }
    key(app, KeyCode::Enter);
    for _ in 0..12 {
        key(app, KeyCode::Backspace);
    }
    typ(app, text);
    key(app, KeyCode::Enter);
}

fn screen(app: &mut App, w: u16, h: u16) -> Terminal<TestBackend> {
    let mut t = term(w, h);
    draw(app, &mut t);
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

#[test]
fn map_behind_m_on_a_narrow_window() {
    let mut app = open_plan(None);
    key(&mut app, KeyCode::Char('m'));
    key(&mut app, KeyCode::Char('2'));
    let t = screen(&mut app, 80, 24);
    insta::assert_snapshot!("plan_map_80x24", t.backend());
}

/// The first demo patient's plan tab on a store the test can look into.
fn open_plan_shared() -> (App, Shared) {
    let store = Shared::default();
    store.0.borrow_mut().patients = demo();
    let mut app = app_on(store.clone());
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char(']'));
    (app, store)
}

fn stored(store: &Shared, id: &str) -> Patient {
    store
        .0
        .borrow()
        .patients
        .iter()
        .find(|p| p.record_id == id)
        .cloned()
        .unwrap()
}

fn focus(app: &App) -> Cell {
    app.workspace.as_ref().unwrap().plan.focus
}

/// The cell under the first character of `text` on the row containing `row_text`.
fn cell_at<'a>(
    t: &'a Terminal<TestBackend>,
    row_text: &str,
    text: &str,
) -> &'a ratatui::buffer::Cell {
    let y = row_of(t, row_text);
    let buf = t.backend().buffer();
    let first = text.chars().next().unwrap().to_string();
    let x = (0..buf.area.width)
        .find(|x| {
            buf[(*x, y)].symbol() == first
                && (0..text.chars().count() as u16)
                    .map(|i| buf[(*x + i, y)].symbol().to_string())
                    .collect::<String>()
                    == text
        })
        .unwrap_or_else(|| panic!("no '{text}' on the row of '{row_text}'"));
    &buf[(x, y)]
}

#[test]
fn focus_walks_the_editable_cells_and_the_focused_one_is_reversed_and_bold() {
    let mut app = open_plan(None);
    assert_eq!(
        focus(&app),
        Cell::Zone {
            row: 0,
            field: PlanField::Needle
        }
    );
    key(&mut app, KeyCode::Down);
    for _ in 0..4 {
        key(&mut app, KeyCode::Right);
    }
    // Impressions are computed, so focus goes from the fraction to the shade.
    assert_eq!(
        focus(&app),
        Cell::Zone {
            row: 1,
            field: PlanField::Fraction(0)
        }
    );
    key(&mut app, KeyCode::Right);
    assert_eq!(
        focus(&app),
        Cell::Zone {
            row: 1,
            field: PlanField::Shade(0)
        }
    );
    let t = screen(&mut app, 80, 24);
    let m = cell_at(&t, "frontal", "S4").modifier;
    assert!(m.contains(Modifier::REVERSED | Modifier::BOLD), "{m:?}");
    // The same shade on the row above is not focused.
    let m = cell_at(&t, "hairline", "S4").modifier;
    assert!(!m.contains(Modifier::REVERSED), "{m:?}");
    // Editing is underlined, not reversed (once the prefilled value, selected so that
    // typing replaces it, is no longer selected).
    key(&mut app, KeyCode::Enter);
    let t = screen(&mut app, 80, 24);
    let m = cell_at(&t, "frontal", "S4").modifier;
    assert!(
        m.contains(Modifier::REVERSED) && !m.contains(Modifier::BOLD),
        "selected: {m:?}"
    );
    key(&mut app, KeyCode::End);
    let t = screen(&mut app, 80, 24);
    let m = cell_at(&t, "frontal", "S4").modifier;
    assert!(m.contains(Modifier::UNDERLINED) && !m.contains(Modifier::REVERSED));
    // Past the last zone: the dates.
    key(&mut app, KeyCode::Esc);
    for _ in 0..4 {
        key(&mut app, KeyCode::Down);
    }
    assert_eq!(focus(&app), Cell::SessionDate(0));
}

#[test]
fn an_invalid_cell_is_refused_with_the_reason_beside_it_and_nothing_saved() {
    let (mut app, store) = open_plan_shared();
    let before = stored(&store, "DEMO-01");
    for _ in 0..3 {
        key(&mut app, KeyCode::Right);
    }
    assert_eq!(
        focus(&app),
        Cell::Zone {
            row: 0,
            field: PlanField::TargetDensity
        }
    );
    retype(&mut app, 0, "500");
    assert_eq!(store.0.borrow().saves, 0);
    assert_eq!(stored(&store, "DEMO-01"), before);
    assert!(app.status.text.contains("not saved"), "{}", app.status.text);
    let t = screen(&mut app, 80, 24);
    insta::assert_snapshot!("plan_invalid_80x24", t.backend());
    // The reason sits on the line under the hairline row.
    let y = row_of(&t, "hairline");
    assert!(
        line(&t, y + 1).contains("✗ target density (FU/cm²): 500 is outside"),
        "{}",
        line(&t, y + 1)
    );
    // A fraction that would not rise is refused too, naming the session at fault.
    key(&mut app, KeyCode::Esc);
    retype(&mut app, 3, "20%");
    assert!(
        app.status.text.contains("session 2 fraction"),
        "{}",
        app.status.text
    );
    assert_eq!(store.0.borrow().saves, 0);
}

#[test]
fn an_edit_reaches_the_store_recomputes_impressions_and_is_marked_as_set_by_hand() {
    let (mut app, store) = open_plan_shared();
    retype(&mut app, 3, "60");
    assert_eq!(store.0.borrow().saves, 1);
    let z = stored(&store, "DEMO-01").plan.unwrap().zones[0].clone();
    assert_eq!(z.target_density, 60.0);
    assert!(z.overridden.contains("target_density"));
    // 22 cm² × 60 FU/cm² × 30% / 40% / 30%.
    let imp: Vec<u32> = z.sessions.iter().map(|s| s.impressions).collect();
    assert_eq!(imp, vec![396, 528, 396]);
    assert!(
        app.status
            .text
            .contains("saved: hairline, target density (FU/cm²) 60")
            && app.status.text.contains("396/528/396"),
        "{}",
        app.status.text
    );
    let t = screen(&mut app, 120, 40);
    insta::assert_snapshot!("plan_override_120x40", t.backend());
    assert!(line(&t, row_of(&t, "hairline")).contains("60*"));
    let m = cell_at(&t, "hairline", "60*").modifier;
    assert!(m.contains(Modifier::BOLD));
    // Not focused any more: the override alone is bold.
    key(&mut app, KeyCode::Down);
    let t = screen(&mut app, 120, 40);
    let m = cell_at(&t, "hairline", "60*").modifier;
    assert!(
        m.contains(Modifier::BOLD) && !m.contains(Modifier::REVERSED),
        "{m:?}"
    );
    let m = cell_at(&t, "vertex", "75").modifier;
    assert!(!m.contains(Modifier::BOLD), "{m:?}");
    // r puts the protocol's value back and forgets the override.
    key(&mut app, KeyCode::Up);
    key(&mut app, KeyCode::Char('r'));
    let z = stored(&store, "DEMO-01").plan.unwrap().zones[0].clone();
    assert_eq!(z.target_density, 75.0);
    assert!(!z.overridden.contains("target_density"));
    assert_eq!(z.sessions[0].impressions, 495);
    assert_eq!(store.0.borrow().saves, 2);
}

/// Lit braille dots inside the map's box (the panel titled "Scalp map").
fn map_dots(t: &Terminal<TestBackend>) -> u32 {
    let buf = t.backend().buffer();
    let top = row_of(t, "Scalp map");
    let left = (0..buf.area.width)
        .find(|x| buf[(*x, top)].symbol() == "┌")
        .unwrap();
    let mut n = 0;
    for y in top + 1..buf.area.height {
        if buf[(left, y)].symbol() == "└" {
            break;
        }
        for x in left..buf.area.width {
            if let Some(c) = buf[(x, y)].symbol().chars().next()
                && ('\u{2800}'..='\u{28FF}').contains(&c)
            {
                n += (c as u32 - 0x2800).count_ones();
            }
        }
    }
    n
}

#[test]
fn stepping_the_sessions_fills_the_map_more() {
    let mut app = open_plan(None);
    let mut dots = Vec::new();
    for k in ['1', '>', '.', '>'] {
        key(&mut app, KeyCode::Char(k));
        let t = screen(&mut app, 120, 40);
        dots.push(map_dots(&t));
        let s = app.workspace.as_ref().unwrap().plan.session;
        assert!(line(&t, row_of(&t, "Scalp map")).contains(&format!("session {}", s + 1)));
    }
    // The session on the map is underlined in the table's header, the others are not.
    let t = screen(&mut app, 120, 40);
    let s3 = cell_at(&t, "│session 1", "session 3").modifier;
    let s1 = cell_at(&t, "│session 1", "session 1").modifier;
    assert!(s3.contains(Modifier::UNDERLINED) && !s1.contains(Modifier::UNDERLINED));
    // 30% → 70% → 100%, and > stops at the last session.
    assert!(dots[0] < dots[1] && dots[1] < dots[2], "{dots:?}");
    assert_eq!(dots[2], dots[3]);
    key(&mut app, KeyCode::Char('<'));
    assert_eq!(app.workspace.as_ref().unwrap().plan.session, 1);
    key(&mut app, KeyCode::Char('3'));
    assert_eq!(app.workspace.as_ref().unwrap().plan.session, 2);
}

#[test]
fn read_only_registry_refuses_plan_edits_with_the_reason() {
    let mut app = open_plan(Some("another smplan (pid 4242) holds the writer lock"));
    key(&mut app, KeyCode::Enter);
    assert!(!app.workspace.as_ref().unwrap().plan.is_editing());
    assert!(
        app.status.text.contains("read-only") && app.status.text.contains("pid 4242"),
        "{}",
        app.status.text
    );
    key(&mut app, KeyCode::Char('x'));
    assert!(
        app.confirm.is_none(),
        "x asks nothing on a read-only registry"
    );
    // Looking is still allowed.
    key(&mut app, KeyCode::Char('>'));
    assert_eq!(app.workspace.as_ref().unwrap().plan.session, 1);
}

#[test]
fn removing_a_zone_asks_first_and_adding_one_takes_the_protocol_values() {
    let (mut app, store) = open_plan_shared();
    key(&mut app, KeyCode::Down); // frontal
    key(&mut app, KeyCode::Char('x'));
    let t = screen(&mut app, 80, 24);
    assert!(line(&t, row_of(&t, "Remove zone")).contains("Remove zone frontal"));
    key(&mut app, KeyCode::Char('n'));
    assert_eq!(store.0.borrow().saves, 0);
    key(&mut app, KeyCode::Char('x'));
    key(&mut app, KeyCode::Char('y'));
    let zones: Vec<String> = stored(&store, "DEMO-01")
        .plan
        .unwrap()
        .zones
        .iter()
        .map(|z| z.zone.clone())
        .collect();
    assert_eq!(zones, ["hairline", "mid_scalp", "vertex"]);
    assert!(app.status.text.contains("zone frontal removed"));
    // a lists the zones not planned; the first is frontal again.
    key(&mut app, KeyCode::Char('a'));
    let t = screen(&mut app, 80, 24);
    assert!(line(&t, row_of(&t, "(•) frontal")).contains("forelock"));
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Enter); // temporal_left
    let plan = stored(&store, "DEMO-01").plan.unwrap();
    let z = plan
        .zones
        .iter()
        .find(|z| z.zone == "temporal_left")
        .unwrap();
    assert_eq!(z.target_density, 75.0);
    assert!(z.overridden.is_empty());
    // In protocol order, with focus on its area to type the measurement.
    assert_eq!(plan.zones[1].zone, "temporal_left");
    assert_eq!(
        focus(&app),
        Cell::Zone {
            row: 1,
            field: PlanField::Area
        }
    );
}

#[test]
fn session_dates_closer_than_the_interval_are_saved_with_a_warning() {
    let (mut app, store) = open_plan_shared();
    for _ in 0..4 {
        key(&mut app, KeyCode::Down);
    }
    assert_eq!(focus(&app), Cell::Start);
    retype(&mut app, 0, "2026-12-01");
    let plan = stored(&store, "DEMO-01").plan.unwrap();
    let dates: Vec<String> = plan
        .session_dates
        .iter()
        .map(|d| d.unwrap().to_string())
        .collect();
    assert_eq!(dates, ["2026-12-01", "2026-12-08", "2026-12-15"]);
    key(&mut app, KeyCode::Right);
    key(&mut app, KeyCode::Right); // session 2
    retype(&mut app, 0, "2026-12-04");
    let plan = stored(&store, "DEMO-01").plan.unwrap();
    assert_eq!(plan.session_dates[1].unwrap().to_string(), "2026-12-04");
    assert!(app.status.text.contains("warning"), "{}", app.status.text);
    let t = screen(&mut app, 80, 24);
    insta::assert_snapshot!("plan_dates_warning_80x24", t.backend());
    assert!(line(&t, row_of(&t, "⚠")).contains("session 2 is 3 days after session 1"));
    // A date that is not one is refused beside the dates.
    key(&mut app, KeyCode::Enter);
    typ(&mut app, "x");
    key(&mut app, KeyCode::Enter);
    assert!(app.status.text.contains("not saved"), "{}", app.status.text);
    assert_eq!(store.0.borrow().saves, 2);
}

#[test]
fn a_patient_without_a_plan_gets_one_generated_from_the_protocol() {
    let mut p = demo().remove(0);
    p.plan = None;
    let store = Shared::default();
    store.0.borrow_mut().patients = vec![p];
    let mut app = app_on(store.clone());
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char(']'));
    let t = screen(&mut app, 80, 24);
    row_of(&t, "No plan yet");
    key(&mut app, KeyCode::Char('[')); // back to the intake, and on to the plan
    assert_eq!(
        app.workspace.as_ref().unwrap().tab,
        smplan::tui::app::Tab::Intake
    );
    key(&mut app, KeyCode::Char(']'));
    key(&mut app, KeyCode::Char('g'));
    let plan = stored(&store, "DEMO-01").plan.unwrap();
    assert_eq!(plan.zones.len(), 4);
    assert_eq!(plan.zones[0].sessions[1].impressions, 660);
    assert!(
        app.status.text.contains("plan generated"),
        "{}",
        app.status.text
    );
    // A zone ticked at intake later is pointed out until it is planned.
    store.0.borrow_mut().patients[0]
        .zones
        .push(smplan::domain::AffectedZone {
            zone: "occipital".into(),
            area_cm2: None,
        });
    let mut app = app_on(store.clone());
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char(']'));
    let t = screen(&mut app, 80, 24);
    assert!(line(&t, row_of(&t, "not planned")).contains("occipital"));
    key(&mut app, KeyCode::Char('R'));
    assert_eq!(stored(&store, "DEMO-01").plan.unwrap().zones.len(), 5);
    let t = screen(&mut app, 80, 24);
    assert!(!format!("{}", t.backend()).contains("not planned"));
}

#[test]
fn a_long_plan_scrolls_under_a_fixed_header_and_keeps_the_focus_in_view() {
    let proto = Protocol::builtin();
    let mut p = demo().remove(0);
    p.zones = proto
        .zone_ids()
        .into_iter()
        .map(|id| smplan::domain::AffectedZone {
            zone: id,
            area_cm2: None,
        })
        .collect();
    p.plan = Some(smplan::protocol::generate_plan(&p, &proto).0);
    let mut app = app_on(MemoryStore {
        patients: vec![p],
        ..MemoryStore::default()
    });
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char(']'));
    for _ in 0..9 {
        key(&mut app, KeyCode::Down);
    }
    key(&mut app, KeyCode::Enter);
    typ(&mut app, "x");
    key(&mut app, KeyCode::Enter); // refused: the reason under the last zone
    let t = screen(&mut app, 80, 24);
    insta::assert_snapshot!("plan_long_80x24", t.backend());
    row_of(&t, "FU/cm²");
    row_of(&t, "scar");
    row_of(&t, "✗ needle");
    // Every zone is planned: nothing to add, and it says so.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('a'));
    assert!(app.workspace.as_ref().unwrap().plan.adding.is_none());
    assert!(
        app.status.text.contains("already planned"),
        "{}",
        app.status.text
    );
}

#[test]
fn regenerating_keeps_the_values_set_by_hand() {
    let (mut app, store) = open_plan_shared();
    retype(&mut app, 3, "60");
    // The frontal needle as an older protocol had it, not marked as set by hand.
    {
        let mut s = store.0.borrow_mut();
        let p = s
            .patients
            .iter_mut()
            .find(|p| p.record_id == "DEMO-01")
            .unwrap();
        p.plan.as_mut().unwrap().zones[1].needle = "1203RL".into();
    }
    // Reopen so the app reads the store again.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('q'));
    let mut app = app_on(store.clone());
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char(']'));
    key(&mut app, KeyCode::Char('R'));
    let plan = stored(&store, "DEMO-01").plan.unwrap();
    assert_eq!(plan.zones[1].needle, "0803RL");
    assert_eq!(plan.zones[0].target_density, 60.0);
    assert!(plan.zones[0].overridden.contains("target_density"));
    assert!(
        app.status.text.contains("overrides kept"),
        "{}",
        app.status.text
    );
}

#[test]
fn help_on_the_plan_tab_lists_every_key_even_at_80x24() {
    for (w, h) in [(80, 24), (120, 40)] {
        let mut app = open_plan(None);
        key(&mut app, KeyCode::Char('?'));
        let t = screen(&mut app, w, h);
        insta::assert_snapshot!(format!("plan_help_{w}x{h}"), t.backend());
        // Nothing is cut: what does not fit is a scroll away (PgDn), the title says so.
        let mut seen = tui_common::screen(&t);
        let scrolls = seen.contains("↑↓ scroll");
        assert_eq!(scrolls, h < 40, "{seen}");
        for _ in 0..4 {
            key(&mut app, KeyCode::PageDown);
            seen.push_str(&tui_common::screen(&screen(&mut app, w, h)));
        }
        for k in [
            "map: previous session",
            "map: session 3",
            "regenerate",
            "Ctrl-C",
            "back to the patient list",
            "Each accepted field is saved at once; the status line says what happened.",
        ] {
            assert!(seen.contains(k), "{k} never shown at {w}x{h}: {seen}");
        }
        assert!(
            !seen.contains('…'),
            "a help text was cut at {w}x{h}: {seen}"
        );
    }
}

#[test]
fn tab_saves_the_cell_and_moves_to_the_next() {
    let (mut app, store) = open_plan_shared();
    key(&mut app, KeyCode::Enter);
    for _ in 0..8 {
        key(&mut app, KeyCode::Backspace);
    }
    typ(&mut app, "0401rl");
    key(&mut app, KeyCode::Tab);
    let z = stored(&store, "DEMO-01").plan.unwrap().zones[0].clone();
    assert_eq!(z.needle, "0401RL");
    assert!(z.overridden.contains("needle"));
    assert_eq!(
        focus(&app),
        Cell::Zone {
            row: 0,
            field: PlanField::Depth
        }
    );
    // A refused value keeps the focus and the edit where they are.
    key(&mut app, KeyCode::Enter);
    typ(&mut app, "x");
    key(&mut app, KeyCode::Tab);
    assert!(app.workspace.as_ref().unwrap().plan.form.editing.is_some());
    assert_eq!(
        focus(&app),
        Cell::Zone {
            row: 0,
            field: PlanField::Depth
        }
    );
    assert_eq!(store.0.borrow().saves, 1);
}

#[test]
fn confirmation_and_zone_list_snapshots() {
    let mut app = open_plan(None);
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Char('x'));
    let t = screen(&mut app, 80, 24);
    insta::assert_snapshot!("plan_confirm_remove_80x24", t.backend());
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('a'));
    let t = screen(&mut app, 80, 24);
    insta::assert_snapshot!("plan_add_zone_80x24", t.backend());
}

#[test]
fn with_colour_an_override_is_also_coloured_and_without_it_only_bold_and_starred() {
    // The demo's areas are measured at intake, not overrides; mark one as set by hand.
    let mut patients = demo();
    let plan = patients[0].plan.as_mut().expect("demo plan");
    plan.zones[0].overridden.insert("area_cm2".into());
    for color in [true, false] {
        let mut app = app_with(patients.clone(), color);
        key(&mut app, KeyCode::Enter);
        key(&mut app, KeyCode::Char(']'));
        key(&mut app, KeyCode::Down); // focus off the hairline row
        let t = screen(&mut app, 80, 24);
        let c = cell_at(&t, "hairline", "22*");
        assert!(c.modifier.contains(Modifier::BOLD));
        let want = if color {
            ratatui::style::Color::Magenta
        } else {
            ratatui::style::Color::Reset
        };
        assert_eq!(c.fg, want);
    }
}
