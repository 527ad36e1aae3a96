//! Staged transactions (see `staging`): all or nothing, replayed after a crash at any step,
//! checked before a replay, and never leaving staged files behind.

use super::tests::{audit_lines, snapshot};
use super::*;
use crate::domain::{DEFAULT_ZONE_IDS, Subtype};
use staging::{AUDIT, MANIFEST, StageWriter, stage_dir};

fn opts(write: bool) -> OpenOptions {
    OpenOptions {
        write,
        operator: "ana".into(),
        today: NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
        known_zones: DEFAULT_ZONE_IDS.map(String::from).to_vec(),
        summaries: false,
        rules: crate::protocol::Protocol::builtin().safety_rules(),
    }
}

fn patient(id: &str, note: &str) -> Patient {
    let mut p = Patient::new(id, Subtype::Androgenetic);
    p.notes = Some(note.to_string());
    p
}

fn journal_entries(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir.join(JOURNAL_DIR))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// What a kill right after the commit point of a staged import leaves: the stage directory
/// and the small commit record, nothing applied. Returns the record's path and the commit.
fn staged_not_applied(dir: &Path, patients: &[Patient]) -> (PathBuf, Commit) {
    let txn = journal::new_txn_id();
    let mut w = StageWriter::create(dir, &txn).unwrap();
    for p in patients {
        let entry = AuditEntry {
            time: "2026-06-01T00:00:00.000Z".into(),
            operator: "ana".into(),
            record_id: p.record_id.clone(),
            field: "notes".into(),
            old: Value::Null,
            new: Value::String(p.notes.clone().unwrap_or_default()),
            txn: txn.clone(),
            prev: None,
        };
        w.add(p, &[entry]).unwrap();
    }
    let staged = w.finish().unwrap();
    let (audit_offset, tail) = journal::audit_mark(dir).unwrap();
    let commit = Commit {
        format: staging::STAGED_FORMAT,
        txn,
        audit_offset,
        audit_tail: Some(tail),
        patients: Vec::new(),
        audit: Vec::new(),
        staged: Some(staged),
    };
    (journal::write_commit(dir, &commit).unwrap(), commit)
}

#[test]
fn an_import_is_staged_then_committed_whole_and_nothing_staged_is_left() {
    let t = tempfile::tempdir().unwrap();
    let mut r = Registry::open(t.path(), opts(true)).unwrap();
    r.save(patient("A-1", "old")).unwrap();
    let mut import = r.begin_import(true).unwrap();
    assert_eq!(import.add(patient("A-1", "new")).unwrap(), Added::Updated);
    for i in 0..50 {
        let p = patient(&format!("B-{i:03}"), "x");
        assert_eq!(import.add(p).unwrap(), Added::New);
    }
    assert_eq!(
        import.add(patient("B-000", "x")).unwrap_err().to_string(),
        { StoreError::DuplicateInBatch("B-000".into()).to_string() }
    );
    // Nothing visible before the commit point.
    assert_eq!(
        fs::read_dir(t.path().join(PATIENTS_DIR)).unwrap().count(),
        1
    );
    assert_eq!(import.commit().unwrap(), 51);
    assert_eq!(journal_entries(t.path()), Vec::<String>::new());
    assert_eq!(r.len(), 51);
    assert_eq!(r.load("A-1").unwrap().notes.as_deref(), Some("new"));
    // A save of an imported patient goes ahead once it is loaded again (its version noted);
    // without that, it is refused rather than written blindly.
    assert!(matches!(
        r.save(patient("B-007", "blind")),
        Err(StoreError::ChangedOnDisk { .. })
    ));
    let mut b7 = r.load("B-007").unwrap();
    b7.notes = Some("saved after".into());
    r.save(b7).unwrap();
    drop(r);
    let r = Registry::open_verifying(t.path(), opts(false)).unwrap();
    assert_eq!(r.len(), 51);
    assert!(r.report().is_clean(), "{:?}", r.report().problems());
    assert!(r.audit_problems().unwrap().is_empty());
    let lines = audit_lines(t.path());
    assert_eq!(
        lines
            .iter()
            .filter(|e| e.record_id == "A-1" && e.field == "notes")
            .count(),
        2,
        "the creation and the import's change"
    );
    // The index lines the import appended are used: a summaries opening reads no file.
    let s = Registry::open(
        t.path(),
        OpenOptions {
            summaries: true,
            ..opts(false)
        },
    )
    .unwrap();
    assert_eq!(s.len(), 51);
}

#[test]
fn an_import_dropped_or_refused_midway_changes_nothing_and_leaves_nothing_staged() {
    let t = tempfile::tempdir().unwrap();
    let mut r = Registry::open(t.path(), opts(true)).unwrap();
    r.save(patient("A-1", "old")).unwrap();
    let before = snapshot(t.path());
    {
        let mut import = r.begin_import(false).unwrap();
        for i in 0..2000 {
            import.add(patient(&format!("B-{i:04}"), "x")).unwrap();
        }
        // A bad patient in the middle of a large import.
        let mut bad = patient("B-9999", "x");
        bad.birth_date = NaiveDate::from_ymd_opt(2030, 1, 1);
        assert!(matches!(import.add(bad), Err(StoreError::Invalid { .. })));
        assert!(matches!(
            import.add(patient("A-1", "again")),
            Err(StoreError::AlreadyExists(_))
        ));
        // The caller gives up: dropping the import removes what it staged.
    }
    assert_eq!(snapshot(t.path()), before);
    assert_eq!(journal_entries(t.path()), Vec::<String>::new());
    drop(r);
    assert_eq!(Registry::open(t.path(), opts(false)).unwrap().len(), 1);
}

#[test]
fn a_kill_before_the_commit_point_leaves_an_orphan_the_next_writer_removes() {
    let t = tempfile::tempdir().unwrap();
    let mut r = Registry::open(t.path(), opts(true)).unwrap();
    r.save(patient("A-1", "old")).unwrap();
    drop(r);
    // Staged, made durable, but no commit record: the import never happened. Its writer
    // (the pid in its transaction id) is gone: no process has a pid above pid_max.
    let txn = "00000000000000000001-2000000000-0";
    let mut w = StageWriter::create(t.path(), txn).unwrap();
    w.add(&patient("B-1", "x"), &[]).unwrap();
    w.finish().unwrap();
    // Another one whose writer still runs (pid 1 always does): left alone, it may yet commit.
    let live = stage_dir(t.path(), "00000000000000000002-1-0");
    fs::create_dir(&live).unwrap();
    let reader = Registry::open(t.path(), opts(false)).unwrap();
    assert_eq!(
        reader.len(),
        1,
        "a reader does not show an uncommitted import"
    );
    drop(reader);
    let r = Registry::open(t.path(), opts(true)).unwrap();
    assert_eq!(r.len(), 1);
    assert!(r.report().is_clean(), "{:?}", r.report().problems());
    assert_eq!(journal_entries(t.path()), vec!["00000000000000000002-1-0"]);
}

#[test]
fn a_staged_transaction_is_replayed_after_a_kill_at_every_step_of_its_apply() {
    // Steps of an apply cut short: nothing renamed; half the files renamed; all renamed and
    // half the audit lines appended; everything done but the record's removal.
    for step in 0..4 {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        let mut r = Registry::open(d, opts(true)).unwrap();
        r.save(patient("A-1", "old")).unwrap();
        drop(r);
        let audit_before = audit_lines(d).len();
        let mut batch: Vec<Patient> = (0..40)
            .map(|i| patient(&format!("B-{i:02}"), "staged"))
            .collect();
        batch.push(patient("A-1", "staged"));
        let (record, commit) = staged_not_applied(d, &batch);
        let sdir = stage_dir(d, &commit.txn);
        let pdir = d.join(PATIENTS_DIR);
        let manifest = fs::read_to_string(sdir.join(MANIFEST)).unwrap();
        let names: Vec<String> = manifest
            .lines()
            .map(|l| serde_json::from_str::<(String, String)>(l).unwrap().1)
            .collect();
        let renamed = match step {
            0 => 0,
            1 => names.len() / 2,
            _ => names.len(),
        };
        for n in &names[..renamed] {
            fs::rename(sdir.join(n), pdir.join(n)).unwrap();
        }
        if step >= 2 {
            journal::append_audit_from(d, commit.audit_offset, &sdir.join(AUDIT)).unwrap();
            if step == 2 {
                let len = fs::metadata(d.join(AUDIT_FILE)).unwrap().len();
                let f = fs::OpenOptions::new()
                    .write(true)
                    .open(d.join(AUDIT_FILE))
                    .unwrap();
                f.set_len(commit.audit_offset + (len - commit.audit_offset) / 2)
                    .unwrap();
            }
        }
        // A reader sees the transaction whole, wherever its files are, and changes nothing.
        let snap = snapshot(d);
        let reader = Registry::open(d, opts(false)).unwrap();
        assert_eq!(reader.len(), 41, "step {step}");
        assert_eq!(reader.report().pending, 1, "step {step}");
        assert!(
            reader
                .patients()
                .all(|p| p.notes.as_deref() == Some("staged")),
            "step {step}: all of it or none"
        );
        drop(reader);
        assert_eq!(snap, snapshot(d), "step {step}: the reader changed nothing");
        // The next writer completes it.
        let r = Registry::open(d, opts(true)).unwrap();
        assert_eq!(r.report().rolled_forward, 1, "step {step}");
        assert!(
            r.report().is_clean(),
            "step {step}: {:?}",
            r.report().problems()
        );
        assert_eq!(r.len(), 41);
        assert!(r.patients().all(|p| p.notes.as_deref() == Some("staged")));
        assert!(!record.exists() && !sdir.exists(), "step {step}");
        assert_eq!(audit_lines(d).len(), audit_before + 41, "step {step}");
        assert!(r.audit_problems().unwrap().is_empty(), "step {step}");
    }
}

#[test]
fn a_staged_record_that_does_not_match_its_files_is_set_aside_not_applied() {
    type Tamper = fn(&Path, &Path);
    let cases: [(&str, Tamper); 5] = [
        ("edited", |sdir, _| {
            fs::write(sdir.join("B-03.json"), b"{\"schema_version\":2}").unwrap()
        }),
        ("removed", |sdir, _| {
            fs::remove_file(sdir.join("B-03.json")).unwrap()
        }),
        ("manifest", |sdir, _| {
            let m = fs::read_to_string(sdir.join(MANIFEST)).unwrap();
            let cut: Vec<&str> = m.lines().skip(1).collect();
            fs::write(sdir.join(MANIFEST), cut.join("\n") + "\n").unwrap();
        }),
        ("audit", |sdir, _| {
            fs::write(sdir.join(AUDIT), b"{\"not\":\"an entry\"}\n").unwrap()
        }),
        ("dir gone", |sdir, _| fs::remove_dir_all(sdir).unwrap()),
    ];
    for (what, tamper) in cases {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        let mut r = Registry::open(d, opts(true)).unwrap();
        r.save(patient("A-1", "old")).unwrap();
        drop(r);
        let batch: Vec<Patient> = (0..8).map(|i| patient(&format!("B-{i:02}"), "s")).collect();
        let (record, commit) = staged_not_applied(d, &batch);
        tamper(&stage_dir(d, &commit.txn), d);
        let reader = Registry::open(d, opts(false)).unwrap();
        assert_eq!(reader.len(), 1, "{what}: a reader does not show it");
        assert!(!reader.report().problems().is_empty(), "{what}");
        drop(reader);
        let r = Registry::open(d, opts(true)).unwrap();
        assert_eq!(r.len(), 1, "{what}: nothing applied");
        assert_eq!(r.report().rolled_forward, 0);
        assert!(!record.exists(), "{what}: set aside");
        assert_eq!(quarantine::list(d).unwrap().len(), 1, "{what}");
    }
}

#[test]
fn a_crafted_staged_record_cannot_name_a_directory_outside_the_journal() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("reg");
    let mut r = Registry::open(&d, opts(true)).unwrap();
    r.save(patient("A-1", "old")).unwrap();
    drop(r);
    // A real stage directory outside the journal, named by a crafted txn.
    let (_, mut commit) = staged_not_applied(&d, &[patient("B-1", "x")]);
    let outside = t.path().join("outside");
    fs::rename(stage_dir(&d, &commit.txn), &outside).unwrap();
    fs::remove_file(d.join(JOURNAL_DIR).join(format!("{}.json", commit.txn))).unwrap();
    commit.txn = "../../outside".into();
    fs::write(
        d.join(JOURNAL_DIR).join("1.json"),
        serde_json::to_vec(&commit).unwrap(),
    )
    .unwrap();
    let e = check_commit(&d, &commit, &opts(false)).unwrap_err();
    assert!(e.contains("not a transaction id"), "{e}");
    let r = Registry::open(&d, opts(true)).unwrap();
    assert_eq!(r.len(), 1);
    assert!(
        outside.join("B-1.json").exists(),
        "nothing moved from outside"
    );
}

#[test]
fn a_backup_never_archives_a_staged_import_half_applied() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("reg");
    let mut r = Registry::open(&d, opts(true)).unwrap();
    r.save(patient("A-1", "old")).unwrap();
    drop(r);
    let batch: Vec<Patient> = (0..6).map(|i| patient(&format!("B-{i}"), "s")).collect();
    let (_, commit) = staged_not_applied(&d, &batch);
    // Half of it renamed into patients/: the state a backup must not keep.
    let sdir = stage_dir(&d, &commit.txn);
    for i in 0..3 {
        let name = format!("B-{i}.json");
        fs::rename(sdir.join(&name), d.join(PATIENTS_DIR).join(&name)).unwrap();
    }
    let before = snapshot(&d);
    let out = t.path().join("b.tar.gz");
    let e = backup::create(&d, &out, &opts(false))
        .unwrap_err()
        .to_string();
    assert!(e.contains("is an import that was cut short"), "{e}");
    assert!(!out.exists());
    assert_eq!(before, snapshot(&d));
    // Once a writer has completed it, the backup is taken.
    drop(Registry::open(&d, opts(true)).unwrap());
    backup::create(&d, &out, &opts(false)).unwrap();
}
