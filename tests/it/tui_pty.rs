//! End to end: the real `smplan` binary in a pseudo-terminal, driven by keystrokes.
//!
//! On an empty registry a patient is created and its intake filled (a Chinese name, a
//! health-screen item, a zone with its area, consent); after quitting, the patient's file
//! holds exactly what was typed. `SMPLAN_TODAY` and `NO_COLOR=1` keep it deterministic.

use crate::cli_common;

use crate::pty_common;

use pty_common::*;
use smplan::domain::*;

#[test]
fn create_a_patient_and_fill_the_intake_by_keystrokes() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("registry");
    let mut s = Pty::start(&data, &[]);
    s.wait_for("No patients in this registry yet");

    // New patient: replace the proposed id, keep androgenetic.
    s.send("n");
    s.wait_for("New patient");
    s.send(CTRL_U);
    s.send("PTY-1");
    s.send(ENTER);
    s.wait_for("saved new patient PTY-1");

    // Name (Chinese), then Tab saves and moves to Sex.
    s.send(ENTER);
    s.send("陈小红");
    s.send(TAB);
    s.wait_for("saved: name 陈小红");
    // Sex: open the list, move from "not recorded" to F, choose.
    s.send(ENTER);
    s.send(DOWN);
    s.send(ENTER);
    s.wait_for("saved: sex F");
    // Date of birth (the focus moved on to it): first a date that does not exist
    // (refused), then the right one.
    s.send(ENTER);
    s.send("1985-02-30");
    s.send(ENTER);
    s.wait_for("not a real date");
    s.send(CTRL_U);
    s.send("1985-07-21");
    s.send(ENTER);
    s.wait_for("saved: date of birth 1985-07-21");

    // Zones affected: tick the frontal hairline and give its area.
    s.send(PGDN);
    s.send(PGDN);
    s.send(" ");
    s.wait_for("frontal hairline added");
    s.send(ENTER);
    s.send("24.5");
    s.send(ENTER);
    s.wait_for("saved: frontal hairline 24.5 cm²");

    // Health screen: the date, then the first item (a deferral); the badge follows.
    s.send(PGDN);
    s.send(ENTER);
    s.send("2026-11-20");
    s.send(ENTER);
    s.wait_for("saved: screened on 2026-11-20");
    // The focus moved on to the first item: y answers yes.
    s.send("y");
    s.wait_for("triage: defer");
    assert!(s.contents().contains("DEFER"), "{}", s.contents());

    // Consent to treatment.
    s.send(PGDN);
    s.send(PGDN);
    s.send(" ");
    s.wait_for("consent to treatment given");

    // Back to the list, which shows the new patient selected, then quit.
    s.send("q");
    s.wait_for("PTY-1  ");
    s.check_no_colour_and_selection("PTY-1  ");
    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}");

    let text = std::fs::read_to_string(data.join("patients").join("PTY-1.json")).unwrap();
    let p: Patient = serde_json::from_str(&text).unwrap();
    let d = |s: &str| validate::parse_date(s).unwrap();
    assert_eq!(p.record_id, "PTY-1");
    assert_eq!(p.name.as_deref(), Some("陈小红"));
    assert_eq!(p.sex, Some(Sex::F));
    assert_eq!(p.birth_date, Some(d("1985-07-21")));
    assert_eq!(p.subtype(), Subtype::Androgenetic);
    assert_eq!(
        p.zones,
        vec![AffectedZone {
            zone: "hairline".into(),
            area_cm2: Some(24.5)
        }]
    );
    assert_eq!(p.screen.date, Some(d("2026-11-20")));
    assert_eq!(
        p.screen.answers.iter().collect::<Vec<_>>(),
        vec![(&"scalp_dermatitis".to_string(), &true)]
    );
    assert!(p.consent.treatment.is_given());
    assert!(!p.consent.photographs.is_recorded() && !p.consent.data_use.is_recorded());
    assert_eq!(p.fitzpatrick, None, "nothing else was recorded");
    // `smplan export --format csv` reads back exactly what was typed.
    let out = cli_common::run(&data, "2026-11-25", &["export", "--format", "csv"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut rows = csv::Reader::from_reader(out.stdout.as_slice());
    let header = rows.headers().unwrap().clone();
    let records: Vec<csv::StringRecord> = rows.records().map(|r| r.unwrap()).collect();
    assert_eq!(records.len(), 1);
    let cell = |name: &str| {
        let i = header.iter().position(|h| h == name).unwrap();
        records[0][i].to_string()
    };
    assert_eq!(cell("record_id"), "PTY-1");
    assert_eq!(cell("name"), "陈小红");
    assert_eq!(cell("sex"), "F");
    assert_eq!(cell("birth_date"), "1985-07-21");
    assert_eq!(cell("subtype"), "androgenetic");
    assert_eq!(cell("zones"), "hairline");
    assert_eq!(cell("fitzpatrick"), "");
    // The store audited each change under the operator.
    let audit = std::fs::read_to_string(data.join("audit.jsonl")).unwrap();
    assert!(audit.contains("pty-test") && audit.contains("陈小红"));
}

#[test]
fn demo_opens_on_its_own_copy_of_the_cohort() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let mut s = Pty::start(&demo, &["--demo"]);
    s.wait_for("DEMO-10");
    // The ten of the series and nine in course, dated from today (`smplan::demo`).
    s.wait_for("19 synthetic patients, dated from today, copied");
    s.send("q");
    assert!(s.wait_exit().success());
    let n = std::fs::read_dir(demo.join("patients")).unwrap().count();
    assert_eq!(n, 19);
    // A second start finds the demo in place and copies nothing again.
    let mut s = Pty::start(&demo, &["--demo"]);
    s.wait_for("demo registry in");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn too_small_terminal_still_quits_with_q() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Pty::start_sized(&dir.path().join("r"), &[], 60, 20);
    s.wait_for("Window too small");
    s.wait_for("at least 80×24; this one is 60×20");
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn a_second_ui_opens_read_only_and_damaged_files_are_listed() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("r");
    std::fs::create_dir_all(data.join("patients")).unwrap();
    std::fs::write(data.join("patients").join("BROKEN.json"), "{ not json").unwrap();
    let mut first = Pty::start(&data, &[]);
    first.wait_for("damaged file");
    first.wait_for("BROKEN.json");
    let mut second = Pty::start(&data, &[]);
    second.wait_for("READ-ONLY");
    second.wait_for("another smplan is writing");
    // Edits are refused with the reason.
    second.send("n");
    second.wait_for("not possible: the registry is read-only");
    second.send("q");
    assert!(second.wait_exit().success());
    first.send("q");
    assert!(first.wait_exit().success());
}

#[test]
fn a_plan_cell_edited_in_the_terminal_reaches_the_patient_file_and_the_audit() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let mut s = Pty::start_sized(&demo, &["--demo"], 120, 40);
    s.wait_for("DEMO-10");
    s.send(ENTER); // DEMO-01, first in the list
    s.send("]");
    s.wait_for("Scalp map · session 1 of 3");
    s.send("lll"); // needle, depth, area → target density
    s.send(ENTER);
    s.send(CTRL_U);
    s.send("60");
    s.send(ENTER);
    s.wait_for("saved: hairline, target density (FU/cm²) 60 (impressions 396/528/396)");
    s.wait_for("60*");
    s.send("3");
    s.wait_for("Scalp map · session 3 of 3");
    s.send("q");
    s.wait_for("DEMO-10");
    s.send("q");
    assert!(s.wait_exit().success());
    let text = std::fs::read_to_string(demo.join("patients").join("DEMO-01.json")).unwrap();
    let p: Patient = serde_json::from_str(&text).unwrap();
    let z = &p.plan.unwrap().zones[0];
    assert_eq!((z.zone.as_str(), z.target_density), ("hairline", 60.0));
    assert!(z.overridden.contains("target_density"));
    assert_eq!(z.sessions[1].impressions, 528);
    let audit = std::fs::read_to_string(demo.join("audit.jsonl")).unwrap();
    let line = audit
        .lines()
        .find(|l| l.contains("target_density") && l.contains("DEMO-01"))
        .unwrap_or_else(|| panic!("no audit line for the density:\n{audit}"));
    assert!(line.contains("pty-test") && line.contains("60"), "{line}");
}

#[test]
fn fast_score_entry_on_the_follow_up_tab_reaches_the_patient_file() {
    let dir = tempfile::tempdir().unwrap();
    let demo = dir.path().join("demo");
    let mut s = Pty::start(&demo, &["--demo"]);
    s.wait_for("DEMO-10");
    s.send(ENTER);
    s.wait_for("Intake");
    s.send("]]]"); // plan, sessions, follow-up
    s.wait_for("a timepoint"); // the key bar (the row itself is below 24 lines now)
    // Add a 36-month visit (12 and 24 months are in the default protocol), then: date, Enter, VDS, Enter, PSS, Enter, assessor (Enter opens
    // it at the operator, Enter saves).
    s.send("a");
    s.send("36m");
    s.send(ENTER);
    s.wait_for("follow-up 36m added");
    // The demo is dated from today (2026-11-25 here): a date after its 6-month visit.
    for keys in ["2026-11-20", ENTER, "9.5", ENTER, "3", ENTER, ENTER, ENTER] {
        s.send(keys);
    }
    s.wait_for("assessor pty-test");
    s.wait_for("3 — very satisfied");
    s.send("\x03");
    assert!(s.wait_exit().success());
    let text = std::fs::read_to_string(demo.join("patients").join("DEMO-01.json")).unwrap();
    let p: Patient = serde_json::from_str(&text).unwrap();
    let f = p.follow_up(Timepoint::Months(36)).unwrap();
    assert_eq!(f.date, Some("2026-11-20".parse().unwrap()));
    assert_eq!(f.vds.map(|v| v.value()), Some(9.5));
    assert_eq!(f.pss.map(|v| v.value()), Some(3));
    assert_eq!(f.assessor.as_deref(), Some("pty-test"));
}

/// A panic (a bug) must leave the terminal usable: main screen back, cursor shown, and the
/// panic message readable there. The deliberate panic exists in debug builds only.
#[test]
fn a_panic_restores_the_terminal_before_the_message() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Pty::start_with_env(
        &dir.path().join("r"),
        &[],
        80,
        24,
        &[("SMPLAN_TEST_PANIC", "1")],
    );
    let status = s.wait_exit();
    assert!(!status.success());
    let text = s.wait_for("deliberate panic after the first frame");
    assert_eq!(s.alternate_and_hidden(), (false, false), "{text}");
}

/// Issue 12's eight keys (`n Enter ] a Enter ] Enter Enter`) used to record a session for a
/// patient nobody had screened. Now the sessions tab says why it cannot, and the patient's
/// file holds no session.
#[test]
fn the_eight_key_path_to_a_session_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("registry");
    let mut s = Pty::start(&data, &[]);
    s.wait_for("No patients in this registry yet");
    s.send("n");
    s.wait_for("New patient");
    s.send(ENTER);
    s.wait_for("saved new patient");
    for keys in ["]", "a", ENTER, "]"] {
        s.send(keys);
    }
    let screen = s.wait_for("Recording refused");
    assert!(screen.contains("no health screen is recorded"), "{screen}");
    s.send(ENTER);
    s.send(ENTER);
    // Whatever the two Enters did, no session: quit and read the file.
    std::thread::sleep(std::time::Duration::from_millis(300));
    for _ in 0..4 {
        s.send(ESC);
    }
    s.send("q");
    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "{status:?}");
    let files: Vec<_> = std::fs::read_dir(data.join("patients"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let p: Patient = serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert!(p.sessions.is_empty(), "{:?}", p.sessions);
    assert_eq!(
        p.triage(smplan::protocol::Protocol::builtin().screen_rules())
            .triage,
        Triage::NotScreened
    );
}
