//! Data-use consent in research outputs: `stats`, the statistics screen, the case-series
//! report and every `--deidentify` export leave out patients whose data-use consent is
//! refused or withdrawn and say so; identifying exports and a patient's own report keep
//! everyone.

use crate::cli_common::run;
use crate::tui_common;
use serde_json::Value;
use std::path::Path;

const TODAY: &str = "2026-06-01";

/// Six patients, all scored: two refused data use (R-*), two gave it (G-*), two have none
/// recorded (N-*).
fn registry(dir: &Path) {
    let mut csv = String::from(
        "record_id,name,subtype,session1_date,session2_date,session3_date,post_date,vds_post,pss_post,m6_date,vds_6m,pss_6m,data_use_consent\n",
    );
    for (id, subtype, post, m6, consent) in [
        ("G-1", "androgenetic", "9.0", "8.5", "yes"),
        ("G-2", "scarring", "8.0", "6.5", "yes"),
        ("N-1", "androgenetic", "9.5", "9.0", ""),
        ("N-2", "scarring", "7.5", "6.0", ""),
        ("R-1", "androgenetic", "3.0", "1.0", "no"),
        ("R-2", "scarring", "2.0", "1.0", "no"),
    ] {
        csv.push_str(&format!(
            "{id},Name {id},{subtype},2025-01-06,2025-01-13,2025-01-20,2025-01-20,{post},3,2025-07-21,{m6},2,{consent}\n"
        ));
    }
    let file = dir.join("c.csv");
    std::fs::write(&file, csv).unwrap();
    let o = run(&dir.join("reg"), TODAY, &["import", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn out(dir: &Path, args: &[&str]) -> (String, String) {
    let o = run(&dir.join("reg"), TODAY, args);
    assert!(
        o.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    (
        String::from_utf8(o.stdout).unwrap(),
        String::from_utf8(o.stderr).unwrap(),
    )
}

#[test]
fn stats_leave_out_refusals_and_count_the_unrecorded() {
    let t = tempfile::tempdir().unwrap();
    registry(t.path());
    let (json, _) = out(t.path(), &["stats", "--json"]);
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["patients"], 4);
    assert_eq!(
        v["data_use_consent"],
        serde_json::json!({"left_out": 2, "not_recorded": 2})
    );
    // The refused patients' low scores are not in the means: (9 + 8 + 9.5 + 7.5) / 4.
    let mean = v["groups"][0]["vds_post"]["mean"].as_f64().unwrap();
    assert!((mean - 8.5).abs() < 1e-12, "{mean}");
    let (text, _) = out(t.path(), &["stats"]);
    assert!(
        text.contains("Data-use consent: 2 patients left out (data-use consent refused or withdrawn); 2 patients included without a recorded data-use consent."),
        "{text}"
    );
}

#[test]
fn de_identified_exports_leave_them_out_and_identifying_ones_keep_everyone() {
    let t = tempfile::tempdir().unwrap();
    registry(t.path());
    for format in ["csv", "json", "fhir"] {
        let (doc, err) = out(t.path(), &["export", "--deidentify", "--format", format]);
        assert!(!doc.contains("Name R-"), "{format}");
        assert!(
            err.contains("de-identified export of 4 patients: 2 patients left out"),
            "{format}: {err}"
        );
        if format == "csv" {
            assert_eq!(doc.lines().count(), 5, "header and four rows: {doc}");
        }
        let (all, _) = out(t.path(), &["export", "--format", format]);
        assert!(all.contains("R-1") && all.contains("R-2"), "{format}");
    }
}

#[test]
fn the_case_series_leaves_them_out_and_a_patients_own_report_does_not() {
    let t = tempfile::tempdir().unwrap();
    registry(t.path());
    let (md, _) = out(t.path(), &["report"]);
    assert!(md.starts_with("# Scalp micropigmentation: case-series report"));
    assert!(md.contains("4 patients in the registry"), "{md}");
    assert!(
        md.contains("Data-use consent: 4 of the registry's 6 patients; 2 patients left out"),
        "{md}"
    );
    // Historical records imported without a screen or consent are counted as such.
    assert!(
        md.contains("Treated without a recorded screen: 4 of 4 patients"),
        "{md}"
    );
    assert!(
        md.contains("Treated without a recorded consent: 4 of 4 patients"),
        "{md}"
    );
    assert!(
        md.contains("Post score before the course ended: 0 of 4 patients"),
        "{md}"
    );
    let (own, _) = out(t.path(), &["report", "R-1"]);
    assert!(
        own.contains("R-1") && own.contains("data use refused / withdrawn"),
        "{own}"
    );
}

#[test]
fn the_statistics_screen_leaves_them_out_and_says_so() {
    let d = |s: &str| smplan::domain::validate::parse_date(s).unwrap();
    let mut patients = Vec::new();
    for (id, status) in [
        ("G-1", smplan::domain::ConsentStatus::Given),
        ("R-1", smplan::domain::ConsentStatus::Refused),
        ("N-1", smplan::domain::ConsentStatus::NotRecorded),
    ] {
        let mut p = smplan::domain::Patient::new(id, smplan::domain::Subtype::Androgenetic);
        p.consent.data_use = smplan::domain::ConsentPart {
            status,
            date: Some(d("2025-01-01")),
        };
        patients.push(p);
    }
    let mut app = tui_common::app_with(patients, false);
    tui_common::key(&mut app, crossterm::event::KeyCode::F(2));
    let mut t = tui_common::term(120, 40);
    tui_common::draw(&mut app, &mut t);
    let s = tui_common::screen(&t);
    assert!(s.contains("2 patients: 2 androgenetic, 0 scarring"), "{s}");
    assert!(s.contains("(1 left out: data-use consent)"), "{s}");
    let mut all = String::new();
    for _ in 0..30 {
        all.push_str(&tui_common::screen(&t));
        tui_common::key(&mut app, crossterm::event::KeyCode::PageDown);
        tui_common::draw(&mut app, &mut t);
    }
    assert!(
        all.contains("1 patient left out (data-use consent refused or withdrawn); 1 patient"),
        "{all}"
    );
}
