//! `smplan check` names and counts what the records say of their own safety: sessions
//! without a screen or consent on record (historical imports), post scores before the course
//! ended, and plausibility warnings. They are warnings: the exit status stays about damage.

use crate::cli_common::run;

const TODAY: &str = "2026-06-01";

#[test]
fn check_lists_treatment_without_screen_post_scores_too_early_and_implausible_values() {
    let t = tempfile::tempdir().unwrap();
    let reg = t.path().join("reg");
    // H-1: historical, full course; H-2: post score after one of three sessions, and a
    // patient of 16 at session 1.
    let csv = "record_id,subtype,birth_date,session1_date,session2_date,session3_date,post_date,vds_post\n\
               H-1,androgenetic,1980-01-01,2025-01-06,2025-01-13,2025-01-20,2025-01-20,9\n\
               H-2,scarring,2008-09-01,2025-01-06,,,2025-01-06,8.5\n";
    let file = t.path().join("h.csv");
    std::fs::write(&file, csv).unwrap();
    let o = run(&reg, TODAY, &["import", file.to_str().unwrap()]);
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("warning: line 3, H-2: post follow-up kept although the course is not finished (post score before the course ended)"),
        "{err}"
    );
    let o = run(&reg, TODAY, &["check"]);
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr),
    );
    assert!(o.status.success(), "warnings, not damage: {out}{err}");
    assert!(out.contains("every file whole and valid"), "{out}");
    assert!(
        out.contains("  treated without a recorded screen: 2 (H-1, H-2)"),
        "{out}"
    );
    assert!(
        out.contains("  treated without a recorded consent: 2 (H-1, H-2)"),
        "{out}"
    );
    assert!(
        out.contains("  post score before the course ended: 1 (H-2)"),
        "{out}"
    );
    assert!(out.contains("  plausibility warnings: 1 (H-2)"), "{out}");
    assert!(
        err.contains("warning: H-2: post score before the course ended: post follow-up recorded with 1 of 3 sessions"),
        "{err}"
    );
    assert!(
        err.contains("warning: H-2: plausibility warnings: birth_date: the patient was 16 at session 1 (2025-01-06), under 18"),
        "{err}"
    );
    assert!(
        err.contains("warning: H-1: treated without a recorded screen: session 1: no health screen is recorded"),
        "{err}"
    );
    // The statistics count them too.
    let o = run(&reg, TODAY, &["stats", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["post_score_before_course_end"], 1);
    let o = run(&reg, TODAY, &["stats"]);
    assert!(
        String::from_utf8_lossy(&o.stdout)
            .contains("Post score before the course ended: 1 patient(s)")
    );
}
