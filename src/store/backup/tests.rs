use super::*;
use crate::domain::{Patient, Subtype};
use crate::store::{OpenOptions, Registry};

fn opts() -> OpenOptions {
    OpenOptions::new(
        true,
        "ana",
        chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
    )
}

fn manifest_with(paths: &[&str]) -> Manifest {
    Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        smplan_version: "0.1.0".into(),
        created: "2026-12-03T07:00:00Z".into(),
        patients: 0,
        audit_entries: 0,
        quarantined: 0,
        pending_completed: 0,
        members: paths
            .iter()
            .map(|p| Member {
                path: p.to_string(),
                size: 0,
                sha256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855".into(),
            })
            .collect(),
    }
}

fn parse(m: &Manifest) -> Result<Manifest, BackupError> {
    Manifest::parse(&serde_json::to_vec(m).unwrap())
}

#[test]
fn manifest_reads_back_and_keeps_every_field() {
    let m = manifest_with(&["registry/audit.jsonl", "registry/patients/A.json"]);
    assert_eq!(parse(&m).unwrap(), m);
}

#[test]
fn manifest_of_a_newer_format_or_another_program_is_refused() {
    let mut m = manifest_with(&[]);
    m.format_version = FORMAT_VERSION + 1;
    let e = parse(&m).unwrap_err().0;
    assert!(e.contains("newer smplan"), "{e}");
    m.format_version = FORMAT_VERSION;
    m.format = "zip-of-something".into();
    let e = parse(&m).unwrap_err().0;
    assert!(e.contains("not the manifest of a smplan backup"), "{e}");
}

#[test]
fn manifest_with_a_hostile_or_repeated_path_is_refused_naming_it() {
    for bad in [
        "registry/../evil",
        "/etc/passwd",
        "registry//x",
        "registry/./x",
        "other/x",
        "registry/",
        "registry",
        "registry/a\\..\\b",
    ] {
        let e = parse(&manifest_with(&[bad])).unwrap_err().0;
        assert!(e.contains(&format!("member {bad} ")), "{bad}: {e}");
    }
    let e = parse(&manifest_with(&["registry/a", "registry/a"]))
        .unwrap_err()
        .0;
    assert!(e.contains("member registry/a is listed twice"), "{e}");
    let mut m = manifest_with(&["registry/a"]);
    m.members[0].sha256 = "zz".into();
    assert!(parse(&m).unwrap_err().0.contains("member registry/a"));
}

#[test]
fn member_paths_inside_the_registry_folder_are_accepted() {
    for ok in [
        "registry/patients/SMP-001.json",
        "registry/quarantine/x.json.reason",
        "registry/photos/2026/a b.jpg",
        "registry/..hidden",
    ] {
        check_member_path(ok).unwrap();
    }
}

fn registry_with(dir: &Path, ids: &[&str]) {
    let mut r = Registry::open(dir, opts()).unwrap();
    for id in ids {
        r.save(Patient::new(*id, Subtype::Androgenetic)).unwrap();
    }
}

#[test]
fn backup_lists_every_member_with_size_and_hash_and_counts() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("reg");
    registry_with(&dir, &["A-1", "B-2"]);
    fs::write(dir.join("protocol.json"), b"{}").unwrap();
    let out = t.path().join("b.tar.gz");
    let c = create(&dir, &out, "ana").unwrap();
    let paths: Vec<&str> = c.manifest.members.iter().map(|m| m.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "registry/audit.jsonl",
            "registry/patients/A-1.json",
            "registry/patients/B-2.json",
            "registry/protocol.json"
        ]
    );
    assert_eq!(c.manifest.patients, 2);
    let audit = fs::read(dir.join(AUDIT_FILE)).unwrap();
    assert_eq!(
        c.manifest.audit_entries,
        audit.iter().filter(|b| **b == b'\n').count()
    );
    let a = &c.manifest.members[0];
    assert_eq!(a.size, audit.len() as u64);
    assert_eq!(a.sha256, format!("{:x}", Sha256::digest(&audit)));
    assert_eq!(verify(&out).unwrap(), c.manifest);
    assert_eq!(c.passes, 1);
    assert!(!c.locked);
}

#[test]
fn a_pending_transaction_is_completed_in_the_copy() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("reg");
    registry_with(&dir, &["A-1"]);
    // A decided transaction whose files were not yet replaced and whose audit append was
    // cut half way: the backup holds the registry as the next writer will make it.
    let mut p = Patient::new("A-1", Subtype::Androgenetic);
    p.name = Some("Ana".into());
    let audit_before = fs::read(dir.join(AUDIT_FILE)).unwrap();
    let entry = crate::store::audit::AuditEntry {
        time: "2026-06-01T00:00:00.000Z".into(),
        operator: "ana".into(),
        record_id: "A-1".into(),
        field: "name".into(),
        old: serde_json::Value::Null,
        new: "Ana".into(),
        txn: "t1".into(),
    };
    let commit = Commit {
        format: journal::JOURNAL_FORMAT,
        txn: "00000000000000000001-1-0".into(),
        audit_offset: audit_before.len() as u64,
        patients: vec![p.clone()],
        audit: vec![entry.clone()],
    };
    journal::write_commit(&dir, &commit).unwrap();
    let mut torn = audit_before.clone();
    torn.extend_from_slice(b"{\"time\":\"2026");
    fs::write(dir.join(AUDIT_FILE), &torn).unwrap();

    let out = t.path().join("b.tar.gz");
    let c = create(&dir, &out, "ana").unwrap();
    assert_eq!(c.manifest.pending_completed, 1);
    let restored = t.path().join("restored");
    restore(&out, &restored, |_| Ok(())).unwrap();
    assert_eq!(
        fs::read(restored.join("patients/A-1.json")).unwrap(),
        journal::patient_bytes(&p).unwrap()
    );
    let mut want = audit_before;
    want.extend(journal::audit_lines(&[entry]).unwrap());
    assert_eq!(fs::read(restored.join(AUDIT_FILE)).unwrap(), want);
    assert!(!restored.join(JOURNAL_DIR).exists());
}

#[test]
fn the_last_resort_takes_the_writer_lock_for_the_copy_and_gives_it_back() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("reg");
    registry_with(&dir, &["A-1"]);
    let out = t.path().join("b.tar.gz");
    // No pass without the lock: straight to the last resort.
    let c = create_with(&dir, &out, "ana", 0, Duration::from_millis(200)).unwrap();
    assert!(c.locked);
    assert_eq!(c.manifest.patients, 1);
    // Released once copied: a writer opens at once.
    let r = Registry::open(&dir, opts()).unwrap();
    assert!(r.read_only_reason().is_none());
    // A writer that keeps the registry open is waited for a bounded time, then named.
    let out2 = t.path().join("c.tar.gz");
    let e = create_with(&dir, &out2, "ana", 0, Duration::from_millis(200))
        .unwrap_err()
        .0;
    assert!(e.contains("kept the lock") && e.contains("process"), "{e}");
    assert!(!out2.exists());
    drop(r);
}
