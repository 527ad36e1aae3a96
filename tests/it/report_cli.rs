//! `smplan report` and `smplan export --format fhir|dictionary` on a real registry.

use crate::export_common;

use export_common::cli::{registry, smplan, stdout};

#[test]
fn patient_report_in_markdown_and_html() {
    let dir = registry();
    let md = stdout(&smplan(dir.path(), &["report", "SMP-001"]));
    assert!(
        md.starts_with("# Treatment summary: 王小明 (SMP-001)\n"),
        "{md}"
    );
    // Beside the registry: inside it is refused (see cli_edges).
    let elsewhere = tempfile::tempdir().unwrap();
    let out = elsewhere.path().join("smp-001.html");
    let o = smplan(
        dir.path(),
        &[
            "report",
            "SMP-001",
            "--format",
            "html",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(stdout(&o), "", "with -o nothing goes to standard output");
    let html = std::fs::read_to_string(&out).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>") && html.contains("王小明"));
}

#[test]
fn unknown_record_is_one_clear_error() {
    let dir = registry();
    let o = smplan(dir.path(), &["report", "NOPE-9"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no patient with record id 'NOPE-9'"), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn case_series_report_counts_the_registry() {
    let dir = registry();
    let md = stdout(&smplan(dir.path(), &["report"]));
    assert!(
        md.contains("4 patients in the registry as of 2025-12-01"),
        "{md}"
    );
    assert!(
        md.contains(
            "| VDS post (0–10) | 8.2 ± 0.6 (n = 4; 95% CI 7.2 to 9.3) | 8.8 ± 0.4 (n = 2; 95% CI 5.6 to 11.9, runs outside 0-10) |"
        ),
        "{md}"
    );
}

#[test]
fn fhir_export_and_its_de_identified_twin() {
    let dir = registry();
    let fhir: serde_json::Value = serde_json::from_str(&stdout(&smplan(
        dir.path(),
        &["export", "--format", "fhir"],
    )))
    .unwrap();
    assert_eq!(fhir["resourceType"], "Bundle");
    let patients = fhir["entry"].as_array().unwrap().iter();
    let patients = patients.filter(|e| e["resource"]["resourceType"] == "Patient");
    assert_eq!(patients.count(), 4);
    assert!(!dir.path().join("deidentify.key").exists());
    let a = stdout(&smplan(
        dir.path(),
        &["export", "--format", "fhir", "--deidentify"],
    ));
    // The first de-identified export creates the registry's key; the next one reuses it, so
    // both shift every patient by the same offset.
    assert!(dir.path().join("deidentify.key").exists());
    let b = stdout(&smplan(
        dir.path(),
        &["export", "--format", "fhir", "--deidentify"],
    ));
    assert_eq!(a, b);
    assert!(!a.contains("王小明") && !a.contains("1985-04-12"));
}

#[test]
fn dictionary_export_is_csv() {
    let dir = tempfile::tempdir().unwrap();
    let text = stdout(&smplan(dir.path(), &["export", "--format", "dictionary"]));
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        "field,form,label,type,allowed,identifier,deidentify,in_csv"
    );
    assert!(text.contains("\nvds_6m,csv,VDS at six months,number,"));
}

#[test]
fn a_damaged_file_is_reported_and_the_case_series_says_so() {
    let dir = registry();
    std::fs::write(
        dir.path().join("patients").join("BROKEN-1.json"),
        b"{ not json",
    )
    .unwrap();
    let o = smplan(dir.path(), &["report"]);
    assert_eq!(o.status.code(), Some(1));
    let md = String::from_utf8(o.stdout).unwrap();
    assert!(md.contains("4 patients in the registry"), "{md}");
    assert!(
        md.contains("1 patient file(s) of the registry could not be read"),
        "{md}"
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("BROKEN-1.json"), "{err}");
    // A single patient's summary does not depend on the other files.
    assert!(smplan(dir.path(), &["report", "SMP-002"]).status.success());
}

/// Asking for the summary of a patient whose file is damaged names the damage, not "no
/// patient".
#[test]
fn a_damaged_patient_file_is_named_when_its_summary_is_asked_for() {
    let dir = registry();
    std::fs::write(
        dir.path().join("patients").join("SMP-002.json"),
        b"{ not json",
    )
    .unwrap();
    let o = smplan(dir.path(), &["report", "SMP-002"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("the file of patient 'SMP-002' is damaged"),
        "{err}"
    );
    assert!(!err.contains("no patient with record id"), "{err}");
}

/// `-o` into a folder that does not exist: one sentence naming the folder, no temporary file
/// name, for exports and reports alike.
#[test]
fn output_into_a_missing_folder_names_the_folder() {
    let dir = registry();
    let target = dir.path().join("no-such-folder").join("out.csv");
    for args in [&["export"][..], &["report"]] {
        let mut a = args.to_vec();
        a.extend(["-o", target.to_str().unwrap()]);
        let o = smplan(dir.path(), &a);
        assert_eq!(o.status.code(), Some(1));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains(&format!(
                "cannot write {}: the folder {} does not exist",
                target.display(),
                target.parent().unwrap().display()
            )),
            "{err}"
        );
        assert!(!err.contains(".tmp-smplan"), "{err}");
    }
}
