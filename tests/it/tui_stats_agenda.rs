//! The statistics and agenda screens drawn into ratatui's `TestBackend`, driven by keys:
//! text snapshots at 80×24 and 120×40 (demo cohort and an empty registry), style checks
//! where emphasis carries meaning (overdue rows, the active page), and the live
//! recomputation of the statistics after a save.

use crate::tui_common;

use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use smplan::cli::ui::demo_cohort;
use smplan::domain::*;
use smplan::protocol::AgendaKind;
use smplan::tui::{App, Theme};
use tui_common::{d, key, screen, term, today};

fn app_with(patients: Vec<Patient>) -> App {
    tui_common::app_with(patients, false)
}

fn demo() -> App {
    app_with(demo_cohort().unwrap())
}

/// Draws the app and returns the screen's text.
fn draw(app: &mut App, t: &mut Terminal<TestBackend>) -> String {
    tui_common::draw(app, t);
    screen(t)
}

/// Due and overdue work on 2026-11-25: an overdue second session, a second session due in
/// two days, an open post-treatment visit, an open six-month visit with an overdue post visit.
fn agenda_sample() -> Vec<Patient> {
    let sessions = |p: &mut Patient, days: &[&str]| {
        for (i, day) in days.iter().enumerate() {
            p.sessions.push(Session::new(i as u8 + 1, d(day)));
        }
    };
    let mut a = Patient::new("A-01", Subtype::Androgenetic);
    a.name = Some("王小明".into());
    sessions(&mut a, &["2026-11-10"]);
    let mut b = Patient::new("A-02", Subtype::Androgenetic);
    b.name = Some("Anna Berg".into());
    sessions(&mut b, &["2026-11-20"]);
    let mut c = Patient::new("A-03", Subtype::Androgenetic);
    sessions(&mut c, &["2026-11-10", "2026-11-17", "2026-11-24"]);
    let mut s = Patient::new("S-01", Subtype::Scarring);
    s.name = Some("李娜".into());
    sessions(&mut s, &["2026-05-18", "2026-05-25", "2026-06-01"]);
    vec![a, b, c, s]
}

fn both_sizes(name: &str, setup: impl FnMut() -> App) {
    for (w, h, t) in tui_common::at_both_sizes(setup) {
        insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
    }
}

fn with_keys(mut app: App, keys: &[KeyCode]) -> App {
    for k in keys {
        key(&mut app, *k);
    }
    app
}

#[test]
fn statistics_of_the_demo_cohort() {
    both_sizes("stats_demo", || with_keys(demo(), &[KeyCode::F(2)]));
}

#[test]
fn statistics_scrolled_to_the_bottom() {
    both_sizes("stats_demo_end", || {
        with_keys(demo(), &[KeyCode::F(2), KeyCode::End])
    });
}

#[test]
fn statistics_charts_of_the_demo_cohort() {
    // The charts are the last page: Shift-Tab from the first.
    both_sizes("stats_charts_demo", || {
        with_keys(demo(), &[KeyCode::F(2), KeyCode::BackTab])
    });
}

#[test]
fn statistics_of_an_empty_registry() {
    both_sizes("stats_empty", || {
        with_keys(app_with(vec![]), &[KeyCode::F(2)])
    });
    both_sizes("stats_charts_empty", || {
        with_keys(app_with(vec![]), &[KeyCode::F(2), KeyCode::BackTab])
    });
}

#[test]
fn agenda_of_due_and_overdue_work() {
    both_sizes("agenda", || {
        with_keys(app_with(agenda_sample()), &[KeyCode::F(3)])
    });
}

#[test]
fn agenda_of_an_empty_registry_and_of_the_finished_demo() {
    both_sizes("agenda_empty", || {
        with_keys(app_with(vec![]), &[KeyCode::F(3)])
    });
    // The demo's course and first two visits (2025) are done; the default protocol's
    // 12-month follow-ups are what is left, and all ten are overdue on 2026-11-25.
    let mut app = with_keys(demo(), &[KeyCode::F(3)]);
    let s = draw(&mut app, &mut term(80, 24));
    assert!(s.contains("10 items, 10 overdue"), "{s}");
    assert!(s.contains("follow-up 12m"), "{s}");
    for other in ["session", "follow-up post", "follow-up 6m"] {
        assert!(!s.contains(other), "{other}: {s}");
    }
}

/// The text of the row on screen that contains `needle`, and its index.
fn row_of(s: &str, needle: &str) -> (usize, String) {
    s.lines()
        .enumerate()
        .find(|(_, l)| l.contains(needle))
        .map(|(i, l)| (i, l.to_string()))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{s}"))
}

#[test]
fn overdue_rows_come_first_and_are_marked_in_words_and_bold() {
    let mut app = with_keys(app_with(agenda_sample()), &[KeyCode::F(3)]);
    let mut t = term(120, 40);
    let s = draw(&mut app, &mut t);
    let rows: Vec<&str> = s
        .lines()
        .filter(|l| l.contains("session") || l.contains("follow-up"))
        .collect();
    // Overdue first (S-01 post, A-01 session 2), each part in date order.
    assert!(
        rows[0].starts_with("! OVERDUE") && rows[0].contains("S-01"),
        "{s}"
    );
    assert!(rows[0].contains("follow-up post"));
    assert!(
        rows[1].starts_with("! OVERDUE") && rows[1].contains("A-01"),
        "{s}"
    );
    assert!(rows[2].contains("A-03") && rows[3].contains("A-02"), "{s}");
    assert!(rows[2..].iter().all(|r| !r.contains("OVERDUE")), "{s}");
    let buf = t.backend().buffer();
    let (y1, _) = row_of(&s, "A-01");
    let (y2, _) = row_of(&s, "A-02");
    // Without colour the overdue mark is bold; the selected (first) row is also reversed.
    let overdue = &buf[(0, y1 as u16)];
    assert!(overdue.modifier.contains(Modifier::BOLD), "{overdue:?}");
    assert!(!overdue.modifier.contains(Modifier::REVERSED));
    assert_eq!(
        overdue.fg,
        ratatui::style::Color::Reset,
        "NO_COLOR: no colour"
    );
    // A-02's session 2 is held back (nobody screened the sample patients): said in words,
    // in the warning style; a plain item (A-03's post visit) is neither bold nor coloured.
    assert!(
        rows[3].starts_with("held") && rows[3].contains("not screened"),
        "{s}"
    );
    assert!(buf[(0, y2 as u16)].modifier.contains(Modifier::BOLD));
    let (y3, _) = row_of(&s, "A-03");
    let plain = &buf[(0, y3 as u16)];
    assert!(!plain.modifier.contains(Modifier::BOLD), "{plain:?}");
    let (y0, _) = row_of(&s, "170 days");
    assert!(buf[(0, y0 as u16)].modifier.contains(Modifier::REVERSED));
    // Moving the selection moves the reverse video.
    key(&mut app, KeyCode::Down);
    key(&mut app, KeyCode::Down);
    let s = draw(&mut app, &mut t);
    let (y, line) = row_of(&s, "A-03");
    assert!(line.contains("follow-up post") && line.contains("open"));
    assert!(
        t.backend().buffer()[(2, y as u16)]
            .modifier
            .contains(Modifier::REVERSED)
    );
    // In colour, overdue is red as well as bold.
    let mut app = with_keys(app_with(agenda_sample()), &[KeyCode::F(3)]);
    app.theme = Theme { color: true };
    let s = draw(&mut app, &mut t);
    let (y, _) = row_of(&s, "A-01");
    let cell = &t.backend().buffer()[(0, y as u16)];
    assert!(cell.modifier.contains(Modifier::BOLD));
    assert_eq!(cell.fg, ratatui::style::Color::Red);
}

#[test]
fn agenda_range_moves_and_grows_by_key_and_by_typed_date() {
    let mut app = with_keys(app_with(agenda_sample()), &[KeyCode::F(3)]);
    let mut t = term(80, 24);
    assert!(
        draw(&mut app, &mut t).contains("2026-11-25 to 2026-12-08 (14 days): 5 items, 2 overdue")
    );
    // Shorter: one week; then one day; then the day itself.
    key(&mut app, KeyCode::Char('-'));
    assert!(draw(&mut app, &mut t).contains("(7 days)"));
    key(&mut app, KeyCode::Char('-'));
    key(&mut app, KeyCode::Char('-'));
    let s = draw(&mut app, &mut t);
    assert!(s.contains("on 2026-11-25 only"), "{s}");
    // Today only: A-02's second session (due 11-27) is not yet listed.
    assert!(!s.contains("A-02"));
    key(&mut app, KeyCode::Char('+'));
    key(&mut app, KeyCode::Char('+'));
    assert!(draw(&mut app, &mut t).contains("A-02"));
    // A day earlier: on 11-24 A-01's window (to 11-24) is still open, so not overdue (and
    // held: nobody screened the sample patients).
    key(&mut app, KeyCode::Left);
    let s = draw(&mut app, &mut t);
    assert!(s.contains("2026-11-24 to 2026-11-30"), "{s}");
    assert!(row_of(&s, "A-01").1.starts_with("held"), "{s}");
    // Typing a date: a bad one is refused with the reason and changes nothing.
    key(&mut app, KeyCode::Char('d'));
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    for ch in "2026-13-01".chars() {
        key(&mut app, KeyCode::Char(ch));
    }
    key(&mut app, KeyCode::Enter);
    let s = draw(&mut app, &mut t);
    assert!(s.contains('✗'), "{s}");
    assert_eq!(app.agenda.from, d("2026-11-24"));
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::Char('d'));
    for _ in 0..10 {
        key(&mut app, KeyCode::Backspace);
    }
    for ch in "2026-06-01".chars() {
        key(&mut app, KeyCode::Char(ch));
    }
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.agenda.from, d("2026-06-01"));
    let s = draw(&mut app, &mut t);
    assert!(row_of(&s, "S-01").1.contains("follow-up post"), "{s}");
    // t: back to today.
    key(&mut app, KeyCode::Char('t'));
    assert_eq!(app.agenda.from, today());
}

#[test]
fn enter_opens_the_patient_and_esc_returns_from_anywhere() {
    let mut app = with_keys(app_with(agenda_sample()), &[KeyCode::F(3)]);
    key(&mut app, KeyCode::Enter);
    assert_eq!(app.global, None);
    let ws = app.workspace.as_ref().expect("a patient is open");
    assert_eq!(ws.record_id, "S-01");
    assert_eq!(
        ws.tab,
        smplan::tui::screens::agenda::tab_for(AgendaKind::FollowUp)
    );
    // From the workspace, F2 shows the statistics and Esc comes back to the same patient.
    key(&mut app, KeyCode::F(2));
    let s = draw(&mut app, &mut term(80, 24));
    assert!(s.contains("Statistics"), "{s}");
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.global, None);
    assert_eq!(
        app.workspace.as_ref().map(|w| w.record_id.as_str()),
        Some("S-01")
    );
}

#[test]
fn global_keys_reach_the_screens_while_a_search_is_being_typed() {
    let mut app = app_with(agenda_sample());
    key(&mut app, KeyCode::Char('/'));
    key(&mut app, KeyCode::Char('A'));
    key(&mut app, KeyCode::F(2));
    assert_eq!(app.global, Some(smplan::tui::app::Global::Statistics));
    // Letters in the statistics screen are its keys, not text.
    key(&mut app, KeyCode::Char('q'));
    assert_eq!(app.global, None);
    assert_eq!(app.list.query(), "A");
}

#[test]
fn help_lists_the_screen_keys_and_the_global_ones() {
    let mut app = with_keys(demo(), &[KeyCode::F(2), KeyCode::Char('?')]);
    let s = draw(&mut app, &mut term(120, 40));
    assert!(
        s.contains("next page: retention → comparison → touch-ups → VDS over time → charts"),
        "{s}"
    );
    assert!(s.contains("previous page"), "{s}");
    assert!(
        s.contains("F3") && s.contains("agenda: due and overdue"),
        "{s}"
    );
    key(&mut app, KeyCode::Esc);
    assert_eq!(app.global, Some(smplan::tui::app::Global::Statistics));
}

#[test]
fn active_page_is_reversed() {
    let mut app = with_keys(demo(), &[KeyCode::F(2)]);
    let mut t = term(80, 24);
    let s = draw(&mut app, &mut t);
    let (y, line) = row_of(&s, "Retention   Comparison");
    let x = line.find("Retention").unwrap() as u16;
    let buf = t.backend().buffer();
    assert!(buf[(x, y as u16)].modifier.contains(Modifier::REVERSED));
    let xc = line.find("Charts").unwrap() as u16;
    assert!(!buf[(xc, y as u16)].modifier.contains(Modifier::REVERSED));
}

/// A patient after three sessions, not yet scored.
fn treated() -> Patient {
    let mut p = Patient::new("T-01", Subtype::Scarring);
    for (i, day) in ["2026-05-04", "2026-05-11", "2026-05-18"]
        .iter()
        .enumerate()
    {
        p.sessions.push(Session::new(i as u8 + 1, d(day)));
    }
    p
}

#[test]
fn a_saved_score_changes_the_statistics_at_once() {
    let mut patients = demo_cohort().unwrap();
    patients.push(treated());
    let mut app = app_with(patients);
    let mut t = term(120, 40);
    key(&mut app, KeyCode::F(2));
    let before = draw(&mut app, &mut t);
    assert!(
        before.contains("11 patients: 6 androgenetic, 5 scarring"),
        "{before}"
    );
    let vds_post = |s: &str| row_of(s, "VDS post").1;
    assert!(vds_post(&before).contains("8.70 ± 1.09 n=10"), "{before}");
    // Back to the list, open T-01 (last), its follow-up tab, score the post visit.
    key(&mut app, KeyCode::Esc);
    key(&mut app, KeyCode::End);
    key(&mut app, KeyCode::Enter);
    while app.workspace.as_ref().unwrap().tab != smplan::tui::app::Tab::FollowUp {
        key(&mut app, KeyCode::Char(']'));
    }
    for k in "2026-05-18".chars() {
        key(&mut app, KeyCode::Char(k));
    }
    key(&mut app, KeyCode::Enter);
    key(&mut app, KeyCode::Char('5'));
    key(&mut app, KeyCode::Enter);
    assert!(app.status.text.contains("saved"), "{:?}", app.status);
    key(&mut app, KeyCode::F(2));
    let after = draw(&mut app, &mut t);
    // (10 × 8.7 + 5) / 11 = 8.36; scarring (4 × 8.1 + 5) / 5 = 7.48.
    assert!(vds_post(&after).contains("8.36 ± 1.52 n=11"), "{after}");
    assert!(vds_post(&after).contains("7.48 ± 1.92 n=5"), "{after}");
    // T-01 has a post score and no six-month one: lost to follow-up so far.
    assert!(
        row_of(&after, "Lost to follow-up").1.contains("1/11"),
        "{after}"
    );
    assert_ne!(before, after);
}

/// A generated registry of 40 patients (seed 16): touch-ups, censored patients and visits
/// up to 24 months, which the demo series does not have.
fn generated() -> App {
    let protocol = smplan::protocol::Protocol::builtin();
    app_with(smplan::synth::registry(40, 16, today(), &protocol))
}

/// Tab presses from the first page to `page` (retention 0, comparison 1, touch-ups 2, VDS
/// over time 3, charts 4).
fn to_page(page: usize) -> Vec<KeyCode> {
    let mut keys = vec![KeyCode::F(2)];
    keys.extend(std::iter::repeat_n(KeyCode::Tab, page));
    keys
}

#[test]
fn statistics_comparison_page_of_the_demo_cohort() {
    both_sizes("stats_comparison_demo", || with_keys(demo(), &to_page(1)));
}

#[test]
fn statistics_durability_pages_of_the_demo_cohort_and_a_generated_registry() {
    both_sizes("stats_touch_ups_demo", || with_keys(demo(), &to_page(2)));
    both_sizes("stats_vds_time_demo", || with_keys(demo(), &to_page(3)));
    both_sizes("stats_touch_ups_generated", || {
        with_keys(generated(), &to_page(2))
    });
    both_sizes("stats_vds_time_generated", || {
        with_keys(generated(), &to_page(3))
    });
    both_sizes("stats_touch_ups_empty", || {
        with_keys(app_with(vec![]), &to_page(2))
    });
    both_sizes("stats_vds_time_empty", || {
        with_keys(app_with(vec![]), &to_page(3))
    });
}

/// The touch-ups page agrees with the summary of the patients it counts (consent applied):
/// per group the touch-ups, then at 0, 6, 12 and 24 months the share touch-up-free with the
/// number at risk; the log-rank test with its n, method and two-sided rule; and at 80×24
/// the legend and the axis names whole.
#[test]
fn touch_up_table_agrees_with_the_summary_and_fits_80_columns() {
    let protocol = smplan::protocol::Protocol::builtin();
    let patients = smplan::synth::registry(40, 16, today(), &protocol);
    let (kept, _) = research_cohort(&patients);
    let s = smplan::stats::summarize(kept.iter().copied());
    for (w, h) in [(80, 24), (120, 40)] {
        let mut app = with_keys(generated(), &to_page(2));
        let screen = draw(&mut app, &mut term(w, h));
        assert!(
            screen.contains("── AGA   ·· scar   + × censored"),
            "{screen}"
        );
        assert!(screen.contains("months since session 3"), "{screen}");
        let (_, head) = row_of(&screen, "touch-ups  median");
        let at: Vec<&str> = head.split_whitespace().skip(2).collect();
        assert_eq!(at, ["0", "m", "6", "m", "12", "m", "24", "m"], "{head}");
        let wide = w >= 100;
        for (group, f) in &s.durability.touch_up_free {
            let label = match (*group, wide) {
                ("all", _) => "   all ",
                ("androgenetic", true) => "── androgenetic ",
                ("androgenetic", false) => "── AGA ",
                ("scarring", true) => "·· scarring ",
                (_, _) => "·· scar ",
            };
            let line = screen
                .lines()
                .find(|l| l.starts_with(label))
                .unwrap_or_else(|| panic!("{label:?} not on screen:\n{screen}"));
            let mut want = vec![f.events.to_string(), format!("100% ({})", f.n)];
            for a in &f.at {
                want.push(match a.s {
                    Some(sv) if a.at_risk > 0 => format!("{:.0}% ({})", sv * 100.0, a.at_risk),
                    _ => format!("— ({})", a.at_risk),
                });
            }
            let mut from = label.len();
            for cell in &want {
                let i = line[from..]
                    .find(cell.as_str())
                    .unwrap_or_else(|| panic!("{group}: {cell:?} not in order in {line:?}"));
                from += i + cell.len();
            }
        }
        let lr = s.durability.log_rank.unwrap();
        let text: String = screen.split_whitespace().collect::<Vec<_>>().join(" ");
        let n = |g: &str| s.durability.touch_up_free[g].n;
        let want = format!(
            "Log-rank, androgenetic vs scarring: n = {} vs {}, chi2 = {:.3}, df = 1,",
            n("androgenetic"),
            n("scarring"),
            lr.chi2
        );
        assert!(text.contains(&want), "{want}\n{screen}");
        assert!(
            text.contains(&format!("({}, two-sided)", lr.method)),
            "{screen}"
        );
    }
}
