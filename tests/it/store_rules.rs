//! The registry's rules seen from outside: one writer at a time (naming the holder), readers
//! never blocked, newer schema read-only, private permissions.

use crate::cli_common;

use smplan::domain::{Patient, SCHEMA_VERSION, Subtype};
use smplan::store::{OpenOptions, Registry};
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Output;

fn smplan(dir: &Path, args: &[&str]) -> Output {
    cli_common::run(dir, "2026-01-15", args)
}

fn opts(write: bool) -> OpenOptions {
    OpenOptions::new(
        write,
        "tester",
        chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
    )
}

fn csv(dir: &Path, text: &str) -> String {
    let p = dir.join("rows.csv");
    fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

#[test]
fn a_second_writer_is_refused_at_once_naming_the_holder_and_readers_still_work() {
    let t = tempfile::tempdir().unwrap();
    let reg = t.path().join("reg");
    let mut holder = Registry::open(&reg, opts(true)).unwrap();
    holder.save(Patient::new("H-1", Subtype::Scarring)).unwrap();
    let rows = csv(t.path(), "record_id,subtype\nN-1,androgenetic\n");
    let started = std::time::Instant::now();
    let o = smplan(&reg, &["import", &rows]);
    assert!(
        started.elapsed().as_secs() < 5,
        "refused at once, not after waiting"
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&format!("process {}", std::process::id())),
        "the refusal names the holder: {err}"
    );
    assert!(err.contains("operator tester"), "{err}");
    assert!(!reg.join("patients/N-1.json").exists());
    // Reading commands do not need the lock.
    assert!(smplan(&reg, &["check"]).status.success());
    let o = smplan(&reg, &["export"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("H-1"));
    drop(holder);
    assert!(smplan(&reg, &["import", &rows]).status.success());
}

#[test]
fn a_killed_writer_leaves_no_stale_lock() {
    let t = tempfile::tempdir().unwrap();
    let reg = t.path().join("reg");
    drop(Registry::open(&reg, opts(true)).unwrap());
    // The lock file stays (with the last holder's text) but holds no lock.
    assert!(reg.join("lock").exists());
    let r = Registry::open(&reg, opts(true)).unwrap();
    assert!(r.read_only_reason().is_none());
}

#[test]
fn a_newer_schema_makes_the_registry_read_only_and_nothing_is_rewritten() {
    let t = tempfile::tempdir().unwrap();
    let reg = t.path().join("reg");
    let rows = csv(t.path(), "record_id,subtype\nA-1,androgenetic\n");
    assert!(smplan(&reg, &["import", &rows]).status.success());
    let newer = format!(
        r#"{{"schema_version": {}, "record_id": "Z-9", "alopecia": {{"subtype": "new_kind"}}}}"#,
        SCHEMA_VERSION + 1
    );
    fs::write(reg.join("patients/Z-9.json"), &newer).unwrap();
    let before = fs::read(reg.join("patients/A-1.json")).unwrap();
    let rows = csv(t.path(), "record_id,subtype\nB-1,androgenetic\n");
    let o = smplan(&reg, &["import", &rows]);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("newer smplan"));
    let o = smplan(&reg, &["check"]);
    assert_eq!(o.status.code(), Some(1));
    let version = format!("schema version {}", SCHEMA_VERSION + 1);
    assert!(String::from_utf8_lossy(&o.stderr).contains(&version));
    let r = Registry::open(&reg, opts(true)).unwrap();
    assert!(r.read_only_reason().unwrap().contains("newer smplan"));
    assert_eq!(r.len(), 1);
    drop(r);
    assert_eq!(
        fs::read_to_string(reg.join("patients/Z-9.json")).unwrap(),
        newer
    );
    assert_eq!(fs::read(reg.join("patients/A-1.json")).unwrap(), before);
    assert!(!reg.join("patients/B-1.json").exists());
    assert!(!reg.join("quarantine").exists());
}

#[test]
fn the_data_directory_is_0700_and_its_files_0600() {
    let t = tempfile::tempdir().unwrap();
    let reg = t.path().join("new/reg");
    let rows = csv(t.path(), "record_id,subtype\nA-1,androgenetic\n");
    assert!(smplan(&reg, &["import", &rows]).status.success());
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let mut stack = vec![reg.clone()];
    let mut files = 0;
    while let Some(d) = stack.pop() {
        assert_eq!(mode(&d), 0o700, "{}", d.display());
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                assert_eq!(mode(&p), 0o600, "{}", p.display());
                files += 1;
            }
        }
    }
    assert_eq!(files, 4, "patient, audit log, lock, summary index");
}
