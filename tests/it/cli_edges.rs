//! The command line at its edges (issue 14, findings 10 and 12): output paths inside the
//! registry, closed pipes, missing registries, hostile cell values in messages.

use crate::cli_common::{self, snapshot, stderr};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

const TODAY: &str = "2026-01-15";

fn smplan(dir: &Path, args: &[&str]) -> Output {
    cli_common::command(dir, TODAY, args)
        .env("USER", "tester")
        .output()
        .expect("run smplan")
}

/// A small generated registry in `root/reg`.
fn registry(root: &Path) -> PathBuf {
    let dir = root.join("reg");
    let o = smplan(&dir, &["generate", "--patients", "3", "--seed", "7"]);
    assert!(o.status.success(), "generate: {}", stderr(&o));
    dir
}

#[test]
fn export_and_report_refuse_an_output_inside_the_registry() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = registry(root.path());
    let patient = fs::read_dir(dir.join("patients"))
        .expect("patients/")
        .map(|e| e.expect("entry").path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a patient file");
    // A folder outside that links into the registry is inside all the same.
    let link = root.path().join("elsewhere");
    std::os::unix::fs::symlink(&dir, &link).expect("symlink");
    let through_link = link.join("audit.jsonl");
    let before = snapshot(&dir);
    let targets = [
        patient.clone(),
        dir.join("audit.jsonl"),
        dir.join("new.csv"),
        through_link,
    ];
    for target in &targets {
        let t = target.to_str().expect("utf-8 path");
        for args in [
            vec!["export", "--format", "json", "-o", t],
            vec!["export", "--format", "csv", "--deidentify", "-o", t],
            vec!["export", "--format", "dictionary", "-o", t],
            vec!["report", "-o", t],
            vec!["report", "--format", "html", "-o", t],
        ] {
            let o = smplan(&dir, &args);
            assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
            assert!(
                stderr(&o).contains("inside the data directory"),
                "{args:?}: {}",
                stderr(&o)
            );
            assert_eq!(snapshot(&dir), before, "{args:?} changed the registry");
        }
    }
    // Beside the registry is fine.
    let beside = root.path().join("export.json");
    let o = smplan(
        &dir,
        &[
            "export",
            "--format",
            "json",
            "-o",
            beside.to_str().expect("utf-8"),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(fs::metadata(&beside).expect("written").len() > 0);
    assert_eq!(snapshot(&dir), before);
}

#[test]
fn a_closed_pipe_ends_a_command_quietly() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = registry(root.path());
    for args in [
        &["export", "--format", "csv"][..],
        &["export", "--format", "json"],
        &["stats", "--json"],
        &["agenda", "--json"],
    ] {
        let mut child = cli_common::command(&dir, TODAY, args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("spawn");
        // The reader goes away before smplan writes a byte (`| head -0`).
        drop(child.stdout.take());
        let o = child.wait_with_output().expect("wait");
        let err = stderr(&o);
        assert!(
            !err.contains("panicked") && !err.contains("backtrace"),
            "{args:?}: {err}"
        );
        assert_eq!(err, "", "{args:?}");
    }
}

#[test]
fn reading_commands_on_a_missing_registry_say_so_and_create_nothing() {
    let root = tempfile::tempdir().expect("tempdir");
    let missing = root.path().join("no-such-registry");
    for args in [
        &["stats"][..],
        &["stats", "--json"],
        &["agenda"],
        &["agenda", "--json"],
        &["export", "--format", "csv"],
        &["report"],
        &["check"],
    ] {
        let o = smplan(&missing, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("no registry at"),
            "{args:?}: {}",
            stderr(&o)
        );
        assert!(o.stdout.is_empty(), "{args:?} printed a result");
        assert!(!missing.exists(), "{args:?} created the directory");
    }
    // The data dictionary describes fields, not a registry: it needs none.
    let o = smplan(&missing, &["export", "--format", "dictionary"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn a_csv_with_classic_mac_line_ends_reports_each_problem_at_its_line() {
    let root = tempfile::tempdir().expect("tempdir");
    let csv = root.path().join("cr.csv");
    fs::write(
        &csv,
        "record_id,subtype\rCR-1,androgenetic\rCR-2,nonsense\rCR-3,bogus\r",
    )
    .expect("write");
    let dir = root.path().join("reg");
    let o = smplan(&dir, &["import", csv.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("line 3, column subtype"), "{err}");
    assert!(err.contains("line 4, column subtype"), "{err}");
    assert!(!err.contains("line 1,"), "{err}");
}

#[test]
fn cell_values_in_messages_are_escaped() {
    let root = tempfile::tempdir().expect("tempdir");
    let csv = root.path().join("hostile.csv");
    // An escape sequence that would clear the screen, and a newline that would forge a line.
    fs::write(
        &csv,
        "record_id,subtype\nX-1,\"andro\x1b[2J\nsmplan: imported 1 patient\"\n",
    )
    .expect("write");
    let dir = root.path().join("reg");
    let o = smplan(&dir, &["import", csv.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        !err.contains('\x1b'),
        "a raw escape reached the terminal: {err:?}"
    );
    assert!(err.contains("\\u{1b}[2"), "{err}");
    assert!(err.contains("\\nsmplan: imported"), "{err}");
    assert!(
        !err.lines().any(|l| l.starts_with("smplan: imported")),
        "a forged line: {err}"
    );
}

#[test]
fn a_refused_clinic_protocol_stops_a_writer() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = registry(root.path());
    fs::write(dir.join("protocol.json"), b"{\"schema_version\": 1,").expect("write");
    let csv = root.path().join("new.csv");
    fs::write(&csv, "record_id,subtype\nP-NEW,androgenetic\n").expect("write");
    let before = snapshot(&dir);
    let o = smplan(&dir, &["import", csv.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("protocol.json"), "{err}");
    assert!(err.contains("nothing changed"), "{err}");
    assert_eq!(snapshot(&dir), before);
    // Reading goes on, with the warning.
    let o = smplan(&dir, &["stats"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("protocol.json"), "{}", stderr(&o));
}

#[test]
fn a_refused_clinic_protocol_opens_the_ui_read_only_with_the_reason() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = registry(root.path());
    fs::write(dir.join("protocol.json"), b"{\"schema_version\": 1,").expect("write");
    let mut s = crate::pty_common::Pty::start_sized(&dir, &[], 120, 40);
    s.wait_for("clinic protocol was refused");
    s.wait_for("READ-ONLY");
    s.send("q");
    s.wait_exit();
    assert!(!dir.join("lock").exists() || fs::read(dir.join("lock")).is_ok());
}

#[test]
fn record_ids_differing_only_in_case_are_refused() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("reg");
    let both = root.path().join("both.csv");
    fs::write(
        &both,
        "record_id,subtype\nSMP-a,androgenetic\nsmp-A,scarring\n",
    )
    .expect("write");
    let o = smplan(&dir, &["import", both.to_str().expect("utf-8")]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("only in letter case"), "{}", stderr(&o));
    assert!(
        !dir.join("patients").exists()
            || fs::read_dir(dir.join("patients")).expect("dir").count() == 0
    );

    let one = root.path().join("one.csv");
    fs::write(&one, "record_id,subtype\nSMP-a,androgenetic\n").expect("write");
    assert!(
        smplan(&dir, &["import", one.to_str().expect("utf-8")])
            .status
            .success()
    );
    let before = snapshot(&dir);
    let other = root.path().join("other.csv");
    fs::write(&other, "record_id,subtype\nSMP-A,scarring\n").expect("write");
    for args in [vec!["import"], vec!["import", "--update"]] {
        let mut args = args;
        args.push(other.to_str().expect("utf-8"));
        let o = smplan(&dir, &args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("'SMP-A' differs from 'SMP-a'"), "{err}");
        assert_eq!(snapshot(&dir), before);
    }
}
