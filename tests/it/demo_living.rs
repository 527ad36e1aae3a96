//! The living demo (`smplan --demo`): built relative to today, with something on every screen,
//! the ten series patients' statistics unchanged, and every patient screened and consented
//! unless the point is that they are not.

use crate::cli_common::run;
use crate::tui_common;
use chrono::NaiveDate;
use crossterm::event::KeyCode;
use smplan::cli::ui::{demo_cohort, living_demo};
use smplan::domain::*;
use smplan::protocol::Protocol;
use smplan::protocol::schedule::{AgendaKind, agenda};

fn d(s: &str) -> NaiveDate {
    validate::parse_date(s).unwrap()
}

/// A few days a newcomer may open it on, a leap day and a year end among them.
const DAYS: [&str; 4] = ["2026-11-25", "2027-03-10", "2028-02-29", "2030-12-31"];

#[test]
fn every_patient_is_valid_and_screened_unless_the_point_is_that_they_are_not() {
    let protocol = Protocol::builtin();
    let rules = protocol.safety_rules();
    let zones = protocol.zone_ids();
    for day in DAYS.map(d) {
        let demo = living_demo(day, &protocol).unwrap();
        assert_eq!(demo.len(), 19);
        let ctx = ValidationContext {
            today: day,
            known_zones: &zones,
        };
        for p in &demo {
            assert!(
                p.validate(&ctx).is_empty(),
                "{day} {}: {:?}",
                p.record_id,
                p.validate(&ctx)
            );
            assert!(gate::findings(p, &rules).is_empty(), "{}", p.record_id);
            let w = smplan::protocol::plausibility::warnings(p, &protocol);
            assert!(w.is_empty(), "{}: {w:?}", p.record_id);
            let triage = p.triage(protocol.screen_rules()).triage;
            let expected = match p.record_id.as_str() {
                "DEMO-17" => Triage::Defer,
                "DEMO-18" => Triage::ClearanceNeeded,
                "DEMO-19" => Triage::NotScreened,
                _ => Triage::Clear,
            };
            assert_eq!(triage, expected, "{}", p.record_id);
            if p.record_id != "DEMO-19" {
                assert!(p.consent.treatment.is_given() && p.consent.treatment.date.is_some());
                assert!(p.consent.data_use.is_given());
            }
        }
        // The next session of the deferred and of the one awaiting clearance is refused, with
        // the reason; the others may be recorded today.
        let gate_today = |id: &str| {
            let p = demo.iter().find(|p| p.record_id == id).unwrap();
            session_gate(p, day, &rules)
        };
        assert!(
            gate_today("DEMO-17")
                .unwrap_err()
                .to_string()
                .contains("sunburn")
        );
        assert!(
            gate_today("DEMO-18")
                .unwrap_err()
                .to_string()
                .contains("clearance")
        );
        assert!(
            gate_today("DEMO-19")
                .unwrap_err()
                .to_string()
                .contains("no health screen")
        );
        assert!(gate_today("DEMO-11").is_ok());
    }
}

#[test]
fn the_agenda_has_due_and_overdue_sessions_and_follow_ups_on_any_day() {
    let protocol = Protocol::builtin();
    for day in DAYS.map(d) {
        let demo = living_demo(day, &protocol).unwrap();
        let items = agenda(&demo, &protocol, day, 7);
        let has = |kind: AgendaKind, label: &str, overdue: bool| {
            items
                .iter()
                .any(|i| i.kind == kind && i.label.contains(label) && i.overdue == overdue)
        };
        let text = format!("{day}: {items:#?}");
        assert!(has(AgendaKind::Session, "session 2", false), "{text}");
        assert!(has(AgendaKind::Session, "session 3", false), "{text}");
        assert!(has(AgendaKind::Session, "session 2", true), "{text}");
        assert!(has(AgendaKind::Session, "session 1", false), "{text}");
        assert!(has(AgendaKind::FollowUp, "post", false), "{text}");
        assert!(has(AgendaKind::FollowUp, "post", true), "{text}");
        assert!(has(AgendaKind::FollowUp, "12m", false), "{text}");
        // The sessions the screen holds back are listed as held, with the reason.
        let held = |id: &str| {
            items
                .iter()
                .find(|i| i.record_id == id && i.kind == AgendaKind::Session)
                .and_then(|i| i.held)
        };
        assert_eq!(held("DEMO-17"), Some(Triage::Defer), "{text}");
        assert_eq!(held("DEMO-18"), Some(Triage::ClearanceNeeded), "{text}");
        assert_eq!(held("DEMO-11"), None, "{text}");
        // Sessions due this week: within seven days of today, not overdue.
        let this_week = items
            .iter()
            .filter(|i| {
                i.kind == AgendaKind::Session && !i.overdue && i.date <= day + chrono::Days::new(7)
            })
            .count();
        assert!(this_week >= 3, "{text}");
    }
}

#[test]
fn the_series_keeps_its_statistics_and_its_intervals() {
    let protocol = Protocol::builtin();
    let ten = demo_cohort().unwrap();
    let fixed = smplan::stats::summarize(&ten);
    for day in DAYS.map(d) {
        let demo = living_demo(day, &protocol).unwrap();
        let s = smplan::stats::summarize(&demo);
        let keys = |v: &serde_json::Value| {
            let mut v = v.clone();
            for g in v["groups"].as_array_mut().unwrap() {
                let g = g.as_object_mut().unwrap();
                // Patients in course are in the groups' n; they have no score.
                g.retain(|k, _| {
                    [
                        "vds_post",
                        "vds_6m",
                        "delta_vds",
                        "pss_post",
                        "pss_6m",
                        "very_satisfied_6m",
                        "paired_t_vds",
                        "spearman_vds_pss_post",
                        "spearman_vds_pss_6m",
                        "retention",
                        "wilcoxon_vds",
                    ]
                    .contains(&k.as_str())
                });
            }
            (
                v["groups"].clone(),
                v["subtype_comparison_delta_vds"].clone(),
            )
        };
        let (a, b) = (
            keys(&serde_json::to_value(&fixed).unwrap()),
            keys(&serde_json::to_value(&s).unwrap()),
        );
        assert_eq!(a, b, "{day}");
        // Every record moved by one number of days: ages and every interval kept.
        let moved: Vec<&Patient> = demo.iter().take(10).collect();
        for (p, q) in ten.iter().zip(moved) {
            assert_eq!(p.record_id, q.record_id);
            let s1 = |x: &Patient| x.session_date(1).unwrap();
            let k = (s1(q) - s1(p)).num_days();
            assert_eq!(
                q.birth_date.unwrap() - p.birth_date.unwrap(),
                chrono::Duration::days(k)
            );
            for (a, b) in p.follow_ups.iter().zip(&q.follow_ups) {
                assert_eq!((b.date.unwrap() - a.date.unwrap()).num_days(), k);
            }
            assert_eq!(p.age_on(s1(p)), q.age_on(s1(q)));
            assert!(q.follow_ups.iter().all(|f| f.date.unwrap() <= day));
        }
    }
}

#[test]
fn demo_opens_with_something_on_every_screen() {
    let t = tempfile::tempdir().unwrap();
    let data = t.path().join("demo");
    // The CLI builds the same registry: the store takes it through every gate.
    let protocol = Protocol::builtin();
    let demo = living_demo(d("2026-11-25"), &protocol).unwrap();
    let mut reg = smplan::store::Registry::open(
        &data,
        smplan::store::OpenOptions::new(true, "demo", d("2026-11-25")),
    )
    .unwrap();
    reg.import_batch(demo.clone(), false).unwrap();
    drop(reg);
    let o = run(&data, "2026-11-25", &["check"]);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(
        out.contains("19 patient(s), every file whole and valid"),
        "{out}"
    );
    for h in ["screen", "consent", "course ended", "plausibility"] {
        assert!(
            out.lines().any(|l| l.contains(h) && l.ends_with(": 0")),
            "{h}: {out}"
        );
    }
    let o = run(&data, "2026-11-25", &["agenda", "--json"]);
    let items: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(items.as_array().unwrap().len() >= 8, "{items}");

    // In the UI: the list, the agenda and the statistics all have rows.
    let mut app = tui_common::app_with(demo, false);
    let mut term = tui_common::term(120, 40);
    tui_common::draw(&mut app, &mut term);
    let list = tui_common::screen(&term);
    for needle in ["DEMO-01", "DEMO-19", "unscreened", "defer", "clearance"] {
        assert!(list.contains(needle), "{needle}:\n{list}");
    }
    tui_common::key(&mut app, KeyCode::F(3));
    tui_common::draw(&mut app, &mut term);
    let agenda = tui_common::screen(&term);
    assert!(
        agenda.contains("OVERDUE") && agenda.contains("session 2"),
        "{agenda}"
    );
    tui_common::key(&mut app, KeyCode::F(2));
    tui_common::draw(&mut app, &mut term);
    let stats = tui_common::screen(&term);
    assert!(stats.contains("19 patients"), "{stats}");
}

#[test]
fn the_series_has_touch_ups_more_often_after_scarring_and_none_in_the_future() {
    let protocol = Protocol::builtin();
    for day in DAYS.map(d) {
        let demo = living_demo(day, &protocol).unwrap();
        let with: Vec<&str> = demo
            .iter()
            .filter(|p| !p.touch_ups.is_empty())
            .map(|p| p.record_id.as_str())
            .collect();
        assert_eq!(with, ["DEMO-03", "DEMO-07", "DEMO-09", "DEMO-10"], "{day}");
        for p in &demo {
            for t in &p.touch_ups {
                assert!(t.date() <= day, "{}", p.record_id);
                // After the 6-month visit: the series' scores stay what they were.
                let m6 = p.follow_up(Timepoint::M6).and_then(|f| f.date).unwrap();
                assert!(t.date() > m6, "{}", p.record_id);
                assert!(t.reason.is_some() && !t.session.zones.is_empty());
            }
        }
        let s = smplan::stats::summarize(&demo);
        let free = &s.durability.touch_up_free;
        // Patients in course with their last session done are at risk too, without an event.
        assert_eq!(free["androgenetic"].events, 1, "{day}");
        assert_eq!(free["scarring"].events, 3, "{day}");
        assert!(
            free["androgenetic"].n >= 6 && free["scarring"].n >= 4,
            "{day}"
        );
        assert!(s.durability.log_rank.is_some());
    }
}
