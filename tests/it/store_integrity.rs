//! The registry against tampering and a second writer (issue 14, findings 6, 8 and 11): the
//! audit log is a hash chain that `check` verifies, a torn last line never swallows the next
//! entry, a save never overwrites a file another process changed since it was read, and
//! fields this smplan does not know are never dropped.

use crate::cli_common::{self, stderr};

use smplan::domain::{Patient, Subtype};
use smplan::store::audit::{AuditEntry, GENESIS, TORN_TAIL_FIELD, line_hash};
use smplan::store::{OpenOptions, Registry};
use std::fs;
use std::path::Path;
use std::process::Output;

const TODAY: &str = "2026-01-15";

fn smplan(dir: &Path, args: &[&str]) -> Output {
    cli_common::run(dir, TODAY, args)
}

fn opts(write: bool) -> OpenOptions {
    OpenOptions::new(
        write,
        "tester",
        chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
    )
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A registry with three patients saved one by one, and one changed: 4 transactions.
fn registry(dir: &Path) {
    let mut r = Registry::open(dir, opts(true)).unwrap();
    for (id, s) in [
        ("A-1", Subtype::Scarring),
        ("A-2", Subtype::Androgenetic),
        ("A-3", Subtype::Scarring),
    ] {
        r.save(Patient::new(id, s)).unwrap();
    }
    let mut p = r.load("A-2").unwrap();
    p.notes = Some("moved to Lyon".into());
    r.save(p).unwrap();
}

fn audit_path(dir: &Path) -> std::path::PathBuf {
    dir.join("audit.jsonl")
}

fn audit_lines(dir: &Path) -> Vec<String> {
    fs::read_to_string(audit_path(dir))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn write_lines(dir: &Path, lines: &[String]) {
    fs::write(audit_path(dir), lines.join("\n") + "\n").unwrap();
}

/// `check` exits 1 and says which line breaks the chain.
fn assert_broken_at(dir: &Path, line: usize) {
    let o = smplan(dir, &["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(&format!("audit.jsonl line {line} breaks the hash chain")),
        "{err}"
    );
}

#[test]
fn every_entry_is_chained_to_the_line_before_and_check_verifies_it() {
    let t = tempfile::tempdir().unwrap();
    registry(t.path());
    let lines = audit_lines(t.path());
    assert!(lines.len() > 5);
    let mut expected = GENESIS.to_string();
    for l in &lines {
        let e: AuditEntry = serde_json::from_str(l).unwrap();
        assert_eq!(e.prev.as_deref(), Some(expected.as_str()), "{l}");
        expected = line_hash(l.as_bytes());
    }
    let o = smplan(t.path(), &["check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains(&format!(
            "hash chain from line 1 to line {} (head {expected})",
            lines.len()
        )),
        "{out}"
    );
}

#[test]
fn an_edited_line_is_the_first_broken_link() {
    let t = tempfile::tempdir().unwrap();
    registry(t.path());
    let mut lines = audit_lines(t.path());
    // The operator of line 3 rewritten, its own prev kept: line 4 no longer links to it.
    lines[2] = lines[2].replace("\"operator\":\"tester\"", "\"operator\":\"someone\"");
    write_lines(t.path(), &lines);
    assert_broken_at(t.path(), 4);
}

#[test]
fn a_removed_or_inserted_line_breaks_the_chain_where_it_was() {
    let t = tempfile::tempdir().unwrap();
    registry(t.path());
    let lines = audit_lines(t.path());
    let mut removed = lines.clone();
    removed.remove(2);
    write_lines(t.path(), &removed);
    assert_broken_at(t.path(), 3);
    // An entry without prev slipped in between lines 3 and 4.
    let mut inserted = lines.clone();
    let mut e: AuditEntry = serde_json::from_str(&lines[2]).unwrap();
    e.prev = None;
    e.new = serde_json::json!("forged");
    inserted.insert(3, serde_json::to_string(&e).unwrap());
    write_lines(t.path(), &inserted);
    assert_broken_at(t.path(), 4);
    // The first lines cut off: the new first line's prev is not the genesis value.
    write_lines(t.path(), &lines[2..]);
    assert_broken_at(t.path(), 1);
    write_lines(t.path(), &lines);
    assert!(smplan(t.path(), &["check"]).status.success());
}

#[test]
fn a_deleted_or_emptied_log_beside_patients_is_reported() {
    let t = tempfile::tempdir().unwrap();
    registry(t.path());
    for emptied in [true, false] {
        match emptied {
            true => fs::write(audit_path(t.path()), b"").unwrap(),
            false => fs::remove_file(audit_path(t.path())).unwrap(),
        }
        let o = smplan(t.path(), &["check"]);
        assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
        let state = if emptied { "is empty" } else { "is missing" };
        assert!(
            stderr(&o).contains(&format!(
                "audit.jsonl {state}, but the registry holds 3 patient(s)"
            )),
            "{}",
            stderr(&o)
        );
    }
    // An empty registry has no log to lose.
    let empty = tempfile::tempdir().unwrap();
    drop(Registry::open(empty.path(), opts(true)).unwrap());
    assert!(smplan(empty.path(), &["check"]).status.success());
}

#[test]
fn a_torn_last_line_is_ended_and_recorded_and_swallows_nothing() {
    let t = tempfile::tempdir().unwrap();
    registry(t.path());
    let before = audit_lines(t.path()).len();
    // A last line cut short, outside any transaction.
    let mut bytes = fs::read(audit_path(t.path())).unwrap();
    let torn = b"{\"time\":\"2026-01-15T10:00:00.000Z\",\"operator\":\"te";
    bytes.extend_from_slice(torn);
    fs::write(audit_path(t.path()), &bytes).unwrap();
    let mut r = Registry::open(t.path(), opts(true)).unwrap();
    let mut p = r.load("A-1").unwrap();
    p.notes = Some("after the tear".into());
    r.save(p).unwrap();
    drop(r);
    let lines = audit_lines(t.path());
    assert_eq!(
        lines[before].as_bytes(),
        torn,
        "the torn line stays on its own"
    );
    let note: AuditEntry = serde_json::from_str(&lines[before + 1]).unwrap();
    assert_eq!(note.field, TORN_TAIL_FIELD);
    assert_eq!(note.old, serde_json::json!(torn.len()));
    assert_eq!(note.prev.as_deref(), Some(line_hash(torn).as_str()));
    let saved: AuditEntry = serde_json::from_str(&lines[before + 2]).unwrap();
    assert_eq!(
        (saved.record_id.as_str(), saved.field.as_str()),
        ("A-1", "notes")
    );
    assert_eq!(lines.len(), before + 3);
    // Recorded, so not damage: check names it and passes.
    let o = smplan(t.path(), &["check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!(
            "audit.jsonl line {} is a torn entry (a write cut short), ended and recorded",
            before + 1
        )),
        "{}",
        stdout(&o)
    );
}

#[test]
fn entries_written_before_the_chain_stay_readable_and_the_chain_starts_after_them() {
    let t = tempfile::tempdir().unwrap();
    registry(t.path());
    // The log as an older smplan wrote it: no prev anywhere.
    let old: Vec<String> = audit_lines(t.path())
        .iter()
        .map(|l| {
            let mut e: AuditEntry = serde_json::from_str(l).unwrap();
            e.prev = None;
            serde_json::to_string(&e).unwrap()
        })
        .collect();
    write_lines(t.path(), &old);
    let o = smplan(t.path(), &["check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("none chained"), "{}", stdout(&o));
    let mut r = Registry::open(t.path(), opts(true)).unwrap();
    r.save(Patient::new("B-1", Subtype::Scarring)).unwrap();
    drop(r);
    let lines = audit_lines(t.path());
    let first_new: AuditEntry = serde_json::from_str(&lines[old.len()]).unwrap();
    assert_eq!(
        first_new.prev.as_deref(),
        Some(line_hash(old.last().unwrap().as_bytes()).as_str())
    );
    let o = smplan(t.path(), &["check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains(&format!(
            "hash chain from line {} to line {}",
            old.len() + 1,
            lines.len()
        )),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains(&format!(
            "lines 1 to {} were written before entries were chained and are not protected",
            old.len()
        )),
        "{}",
        stdout(&o)
    );
    // An older line changed is not seen (not protected), a chained one is.
    let mut edited = lines.clone();
    edited[old.len() + 1] = edited[old.len() + 1].replace("tester", "someone");
    write_lines(t.path(), &edited);
    assert_broken_at(t.path(), old.len() + 3);
}

const CHANGED: &str = "changed by another process since it was opened; reload";

/// Two writers let in by a deleted lock file: each save checks that the patient's file is
/// still the version its writer read, so the second save is refused instead of putting back
/// the value the other writer changed.
#[test]
fn a_save_over_a_file_another_writer_changed_is_refused() {
    let t = tempfile::tempdir().unwrap();
    registry(t.path());
    // A opened as the UI opens it (summaries; whole records read when opened), so that
    // opening a patient again reloads it.
    let ui = OpenOptions {
        summaries: true,
        ..opts(true)
    };
    let mut a = Registry::open(t.path(), ui).unwrap();
    let mut pa = a.load("A-2").unwrap();
    // The lock deleted: a second writer gets in.
    fs::remove_file(t.path().join("lock")).unwrap();
    let mut b = Registry::open(t.path(), opts(true)).unwrap();
    assert!(b.read_only_reason().is_none(), "let in by the deleted lock");
    let mut pb = b.load("A-2").unwrap();
    pb.notes = Some("changed by B".into());
    b.save(pb).unwrap();
    let on_disk = fs::read(t.path().join("patients/A-2.json")).unwrap();
    let audit_before = fs::read(audit_path(t.path())).unwrap();
    pa.grey_percent = Some(40);
    let e = a.save(pa.clone()).unwrap_err().to_string();
    assert!(e.contains(CHANGED), "{e}");
    assert!(e.contains("patient A-2"), "{e}");
    assert_eq!(
        fs::read(t.path().join("patients/A-2.json")).unwrap(),
        on_disk,
        "B's value stays"
    );
    assert_eq!(fs::read(audit_path(t.path())).unwrap(), audit_before);
    // A patient B created that A did not know: refused too.
    b.save(Patient::new("N-1", Subtype::Scarring)).unwrap();
    let e = a
        .save(Patient::new("N-1", Subtype::Androgenetic))
        .unwrap_err();
    assert!(e.to_string().contains(CHANGED), "{e}");
    // Reloaded, the change goes through on top of B's.
    let mut fresh = a.load("A-2").unwrap();
    assert_eq!(fresh.notes.as_deref(), Some("changed by B"));
    fresh.grey_percent = Some(20);
    a.save(fresh).unwrap();
    let mut again = a.load("A-2").unwrap();
    again.grey_percent = Some(30);
    a.save(again).unwrap();
    // A's own saves do not trip the check; B, which has not reloaded, is refused now.
    let mut pb = b.get("A-2").cloned().unwrap();
    pb.notes = Some("B again".into());
    assert!(b.save(pb).unwrap_err().to_string().contains(CHANGED));
}

/// The same with the second writer in another process (`smplan import --update`).
#[test]
fn a_change_by_another_process_is_never_overwritten() {
    let t = tempfile::tempdir().unwrap();
    registry(t.path());
    let mut a = Registry::open(t.path(), opts(true)).unwrap();
    let mut pa = a.load("A-1").unwrap();
    fs::remove_file(t.path().join("lock")).unwrap();
    let rows = t.path().join("rows.csv");
    fs::write(&rows, "record_id,subtype,sex\nA-1,scarring,F\n").unwrap();
    let o = smplan(t.path(), &["import", "--update", rows.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    pa.notes = Some("A's note".into());
    let e = a.save(pa).unwrap_err().to_string();
    assert!(e.contains(CHANGED), "{e}");
    let kept: Patient =
        serde_json::from_slice(&fs::read(t.path().join("patients/A-1.json")).unwrap()).unwrap();
    assert_eq!(kept.sex, Some(smplan::domain::Sex::F));
    assert_eq!(kept.notes, None);
    drop(a);
    assert!(smplan(t.path(), &["check"]).status.success());
}

/// A patient file with a field this smplan does not know is refused (never loaded and then
/// saved without it): `check` names the field, a writer moves the file aside whole with the
/// reason, and the field's value is still there (issue 14, finding 11).
#[test]
fn a_file_with_unknown_fields_is_refused_never_silently_dropped() {
    let t = tempfile::tempdir().unwrap();
    registry(t.path());
    let file = t.path().join("patients/A-3.json");
    let mut v: serde_json::Value = serde_json::from_slice(&fs::read(&file).unwrap()).unwrap();
    v["allergy_note"] = serde_json::json!("latex");
    v["alopecia"]["onset_year"] = serde_json::json!(2019);
    let bytes = serde_json::to_vec_pretty(&v).unwrap();
    fs::write(&file, &bytes).unwrap();
    let o = smplan(t.path(), &["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("has fields this smplan does not know"),
        "{err}"
    );
    assert!(
        err.contains("allergy_note") && err.contains("alopecia.onset_year"),
        "{err}"
    );
    let r = Registry::open(t.path(), opts(true)).unwrap();
    assert!(r.get("A-3").is_none());
    drop(r);
    let moved = t.path().join("quarantine/A-3.json");
    assert_eq!(
        fs::read(&moved).unwrap(),
        bytes,
        "kept whole, with the fields"
    );
}
