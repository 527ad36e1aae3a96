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
    let c = create(&dir, &out, &opts()).unwrap();
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

/// A decided transaction whose files were not yet replaced and whose audit append was cut
/// half way, on the registry in `dir`.
fn interrupted_save(dir: &Path, name: &str) -> Commit {
    let mut p = Patient::new("A-1", Subtype::Androgenetic);
    p.name = Some(name.into());
    crate::store::tests::crash_after_commit(dir, vec![p], true)
}

/// Every file of the registry in `dir` but those a backup leaves out, by path.
fn files_of(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walk(dir)
        .unwrap()
        .0
        .into_iter()
        .map(|(rel, path)| (rel, fs::read(path).unwrap()))
        .chain(
            fs::read(dir.join(AUDIT_FILE))
                .ok()
                .map(|b| (AUDIT_FILE.to_string(), b)),
        )
        .collect()
}

#[test]
fn a_pending_transaction_is_completed_in_the_copy_as_the_next_writer_completes_it() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("reg");
    registry_with(&dir, &["A-1", "B-2"]);
    interrupted_save(&dir, "Ana");
    let out = t.path().join("b.tar.gz");
    let c = create(&dir, &out, &opts()).unwrap();
    assert_eq!(c.manifest.pending_completed, 1);
    let restored = t.path().join("restored");
    restore(&out, &restored, |_| Ok(())).unwrap();
    assert!(!restored.join(JOURNAL_DIR).exists());
    // What a writer's replay makes of the original, byte for byte (chain included).
    drop(Registry::open(&dir, opts()).unwrap());
    assert!(journal::list(&dir).unwrap().is_empty());
    let (got, want) = (files_of(&restored), files_of(&dir));
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>()
    );
    for (k, v) in &want {
        assert!(&got[k] == v, "{k} differs from the replayed original");
    }
    let audit = String::from_utf8(got[AUDIT_FILE].clone()).unwrap();
    assert!(
        audit.lines().last().unwrap().contains("\"prev\":"),
        "{audit}"
    );
}

#[test]
fn a_pending_record_a_replay_would_refuse_refuses_the_backup() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("reg");
    registry_with(&dir, &["A-1"]);
    let mut c = interrupted_save(&dir, "Ana");
    // Its audit tail hash no longer matches the log (a record from another registry).
    fs::remove_file(dir.join(JOURNAL_DIR).join(format!("{}.json", c.txn))).unwrap();
    c.audit_tail = Some("0".repeat(64));
    journal::write_commit(&dir, &c).unwrap();
    let out = t.path().join("b.tar.gz");
    let e = create(&dir, &out, &opts()).unwrap_err().0;
    assert!(
        e.contains(&format!("journal/{}.json", c.txn)) && e.contains("does not match audit.jsonl"),
        "{e}"
    );
    assert!(!out.exists());
}

#[test]
fn the_last_resort_takes_the_writer_lock_for_the_copy_and_gives_it_back() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("reg");
    registry_with(&dir, &["A-1"]);
    let out = t.path().join("b.tar.gz");
    // No pass without the lock: straight to the last resort.
    let c = create_with(&dir, &out, &opts(), 0, Duration::from_millis(200)).unwrap();
    assert!(c.locked);
    assert_eq!(c.manifest.patients, 1);
    // Released once copied: a writer opens at once.
    let r = Registry::open(&dir, opts()).unwrap();
    assert!(r.read_only_reason().is_none());
    // A writer that keeps the registry open is waited for a bounded time, then named.
    let out2 = t.path().join("c.tar.gz");
    let e = create_with(&dir, &out2, &opts(), 0, Duration::from_millis(200))
        .unwrap_err()
        .0;
    assert!(e.contains("kept the lock") && e.contains("process"), "{e}");
    assert!(!out2.exists());
    drop(r);
}
