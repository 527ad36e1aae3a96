use super::*;
use crate::domain::{DEFAULT_ZONE_IDS, Subtype, Timepoint, Vds};
use std::os::unix::fs::PermissionsExt;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

fn opts(write: bool) -> OpenOptions {
    OpenOptions {
        write,
        operator: "ana".into(),
        today: today(),
        known_zones: DEFAULT_ZONE_IDS.map(String::from).to_vec(),
        summaries: false,
        rules: crate::protocol::Protocol::builtin().safety_rules(),
    }
}

fn writer(dir: &Path) -> Registry {
    Registry::open(dir, opts(true)).unwrap()
}

fn patient(id: &str) -> Patient {
    Patient::new(id, Subtype::Androgenetic)
}

/// A patient whose sessions the store's gates allow: screened and consented before `today`.
fn treatable(id: &str) -> Patient {
    let mut p = patient(id);
    let day = today() - chrono::Days::new(30);
    p.screen.date = Some(day);
    p.screen
        .answer_remaining(opts(false).rules.screen_items.as_slice(), false);
    p.consent = crate::domain::Consent::all_given(day);
    p
}

pub(super) fn audit_lines(dir: &Path) -> Vec<AuditEntry> {
    fs::read_to_string(dir.join(AUDIT_FILE))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn save_then_reopen_gives_the_patient_back_in_id_order() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("reg");
    let mut r = writer(&dir);
    assert!(r.read_only_reason().is_none());
    let mut b = patient("P-2");
    b.name = Some("王小明, \"Ming\"".into());
    r.save(b.clone()).unwrap();
    r.save(patient("P-1")).unwrap();
    assert_eq!(r.get("P-2"), Some(&b));
    drop(r);
    let r = Registry::open(&dir, opts(false)).unwrap();
    let ids: Vec<_> = r.patients().map(|p| p.record_id.as_str()).collect();
    assert_eq!(ids, vec!["P-1", "P-2"]);
    assert_eq!(r.get("P-2"), Some(&b));
    assert!(r.report().is_clean(), "{:?}", r.report());
    assert_eq!(r.read_only_reason(), Some("opened for reading only"));
}

#[test]
fn directory_is_0700_and_every_file_0600() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("reg");
    let mut r = writer(&dir);
    r.save(patient("P-1")).unwrap();
    assert_eq!(mode(&dir), 0o700);
    for sub in [PATIENTS_DIR, JOURNAL_DIR] {
        assert_eq!(mode(&dir.join(sub)), 0o700, "{sub}");
    }
    for f in [
        dir.join(AUDIT_FILE),
        dir.join(LOCK_FILE),
        dir.join(PATIENTS_DIR).join("P-1.json"),
    ] {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
}

#[test]
fn save_writes_only_that_patients_file() {
    let t = tempfile::tempdir().unwrap();
    let mut r = writer(t.path());
    r.save(patient("A")).unwrap();
    r.save(patient("B")).unwrap();
    let a_file = t.path().join(PATIENTS_DIR).join("A.json");
    let before = fs::metadata(&a_file).unwrap().modified().unwrap();
    let ino = std::os::unix::fs::MetadataExt::ino(&fs::metadata(&a_file).unwrap());
    let mut b = patient("B");
    b.notes = Some("changed".into());
    r.save(b).unwrap();
    let m = fs::metadata(&a_file).unwrap();
    assert_eq!(m.modified().unwrap(), before);
    assert_eq!(std::os::unix::fs::MetadataExt::ino(&m), ino);
    // Nothing left in the journal after a completed save.
    assert_eq!(fs::read_dir(t.path().join(JOURNAL_DIR)).unwrap().count(), 0);
}

#[test]
fn audit_log_names_each_changed_field() {
    let t = tempfile::tempdir().unwrap();
    let mut r = writer(t.path());
    let mut p = treatable("P-1");
    for n in 1..=3u8 {
        let day = today() - chrono::Days::new(u64::from(21 - 7 * n));
        p.sessions.push(crate::domain::Session::new(n, day));
    }
    r.save(p.clone()).unwrap();
    let created = audit_lines(t.path());
    assert!(
        created
            .iter()
            .all(|e| e.record_id == "P-1" && e.operator == "ana")
    );
    assert!(
        created
            .iter()
            .any(|e| e.field == "record_id" && e.old.is_null())
    );
    p.follow_up_mut(Timepoint::Post).vds = Some(Vds::new(8.5).unwrap());
    p.follow_up_mut(Timepoint::Post).date = Some(today());
    r.save(p.clone()).unwrap();
    let all = audit_lines(t.path());
    let new: Vec<_> = all[created.len()..].to_vec();
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].field, "follow_ups[post]");
    p.follow_up_mut(Timepoint::Post).vds = Some(Vds::new(9.0).unwrap());
    r.save(p.clone()).unwrap();
    let last = audit_lines(t.path()).pop().unwrap();
    assert_eq!(last.field, "follow_ups[post].vds");
    assert_eq!(last.old, serde_json::json!(8.5));
    assert_eq!(last.new, serde_json::json!(9.0));
    assert!(last.time.ends_with('Z'));
    // An unchanged save writes nothing at all.
    let n = audit_lines(t.path()).len();
    r.save(p).unwrap();
    assert_eq!(audit_lines(t.path()).len(), n);
}

#[test]
fn invalid_patient_is_refused_naming_the_field() {
    let t = tempfile::tempdir().unwrap();
    let mut r = writer(t.path());
    let mut p = patient("P-1");
    p.birth_date = Some(NaiveDate::from_ymd_opt(2030, 1, 1).unwrap());
    let e = r.save(p).unwrap_err().to_string();
    assert!(e.contains("birth_date"), "{e}");
    assert!(r.is_empty());
    assert!(!t.path().join(PATIENTS_DIR).join("P-1.json").exists());
}

#[test]
fn second_writer_opens_read_only_naming_the_holder() {
    let t = tempfile::tempdir().unwrap();
    let _first = writer(t.path());
    let mut second = writer(t.path());
    let why = second.read_only_reason().unwrap().to_string();
    assert!(
        why.contains(&format!("process {}", std::process::id())),
        "{why}"
    );
    assert!(second.report().lock_holder.is_some());
    assert!(matches!(
        second.save(patient("X")),
        Err(StoreError::ReadOnly(_))
    ));
    // Readers never need the lock.
    assert!(Registry::open(t.path(), opts(false)).is_ok());
}

#[test]
fn damaged_files_are_quarantined_with_a_reason_and_the_rest_loads() {
    let t = tempfile::tempdir().unwrap();
    let mut r = writer(t.path());
    r.save(patient("GOOD")).unwrap();
    drop(r);
    let pdir = t.path().join(PATIENTS_DIR);
    fs::write(pdir.join("TORN.json"), b"{\"schema_version\": 1, \"record_").unwrap();
    let mut bad = serde_json::to_value(patient("BADVDS")).unwrap();
    bad["follow_ups"] = serde_json::json!([{"timepoint": "post", "vds": 12}]);
    fs::write(pdir.join("BADVDS.json"), bad.to_string()).unwrap();
    let mut order = serde_json::to_value(patient("ORDER")).unwrap();
    order["sessions"] = serde_json::json!([
        {"number": 1, "date": "2026-01-10"}, {"number": 2, "date": "2026-01-03"}]);
    fs::write(pdir.join("ORDER.json"), order.to_string()).unwrap();
    fs::write(
        pdir.join("OTHER.json"),
        serde_json::to_vec(&patient("NOT-OTHER")).unwrap(),
    )
    .unwrap();

    // A reader reports but moves nothing.
    let r = Registry::open(t.path(), opts(false)).unwrap();
    assert_eq!(r.report().damaged.len(), 4);
    assert!(r.report().damaged.iter().all(|d| d.moved_to.is_none()));
    assert!(pdir.join("TORN.json").exists());

    let r = writer(t.path());
    assert_eq!(r.len(), 1);
    let rep = r.report();
    assert_eq!(rep.damaged.len(), 4, "{rep:?}");
    assert_eq!(rep.quarantine.len(), 4);
    let reason_of = |n: &str| {
        rep.quarantine
            .iter()
            .find(|q| q.file.ends_with(n))
            .unwrap()
            .reason
            .clone()
    };
    assert!(reason_of("TORN.json").contains("not valid JSON"));
    assert!(reason_of("BADVDS.json").contains("outside 0..10"));
    assert!(reason_of("ORDER.json").contains("session2_date"));
    assert!(reason_of("OTHER.json").contains("NOT-OTHER"));
    assert!(!pdir.join("TORN.json").exists());
    assert!(
        t.path()
            .join(QUARANTINE_DIR)
            .join("TORN.json.reason")
            .exists()
    );
    assert!(!rep.is_clean());
    drop(r);
    // Still reported on later openings until someone deals with it.
    let r = Registry::open(t.path(), opts(false)).unwrap();
    assert!(r.report().damaged.is_empty());
    assert_eq!(r.report().problems().len(), 4);
}

#[test]
fn clock_or_protocol_dependent_rules_warn_but_never_quarantine() {
    let t = tempfile::tempdir().unwrap();
    let mut p = treatable("P-1");
    // Screened and consented before the earlier "today" below, so only the session and the
    // zone depend on the clock or the protocol.
    let early = NaiveDate::from_ymd_opt(2025, 12, 1).unwrap();
    p.screen.date = Some(early);
    p.consent = crate::domain::Consent::all_given(early);
    p.sessions.push(crate::domain::Session::new(1, today()));
    p.zones.push(crate::domain::AffectedZone {
        zone: "vertex".into(),
        area_cm2: None,
    });
    let mut r = writer(t.path());
    r.save(p).unwrap();
    drop(r);
    let mut o = opts(true);
    o.today = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    o.known_zones = vec!["hairline".into()];
    let r = Registry::open(t.path(), o).unwrap();
    assert_eq!(r.len(), 1);
    assert!(r.report().damaged.is_empty());
    assert_eq!(r.report().warnings.len(), 2, "{:?}", r.report().warnings);
}

#[test]
fn newer_schema_opens_read_only_and_rewrites_nothing() {
    let t = tempfile::tempdir().unwrap();
    let mut r = writer(t.path());
    r.save(patient("OLD")).unwrap();
    drop(r);
    let pdir = t.path().join(PATIENTS_DIR);
    let mut v = serde_json::to_value(patient("NEW")).unwrap();
    v["schema_version"] = serde_json::json!(SCHEMA_VERSION + 1);
    v["alopecia"] = serde_json::json!({"subtype": "frontal_fibrosing"});
    fs::write(pdir.join("NEW.json"), v.to_string()).unwrap();
    fs::write(pdir.join("TORN.json"), b"{").unwrap();
    let snapshot = snapshot(t.path());
    let mut r = writer(t.path());
    let why = r.read_only_reason().unwrap().to_string();
    assert!(
        why.contains("newer smplan") && why.contains("NEW.json"),
        "{why}"
    );
    assert!(matches!(r.save(patient("X")), Err(StoreError::ReadOnly(_))));
    assert_eq!(r.get("OLD").map(|p| p.record_id.as_str()), Some("OLD"));
    drop(r);
    assert_eq!(snapshot, self::snapshot(t.path()));
}

/// Every file under `dir` (except the lock's holder text) with its bytes.
pub(crate) fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else if !p.ends_with(LOCK_FILE) {
                out.insert(p.clone(), fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn import_batch_is_checked_whole_before_anything_is_written() {
    let t = tempfile::tempdir().unwrap();
    let mut r = writer(t.path());
    r.save(patient("A")).unwrap();
    let before = snapshot(t.path());
    let e = r.import_batch(vec![patient("B"), patient("A")], false);
    assert!(matches!(e, Err(StoreError::AlreadyExists(ref id)) if id == "A"));
    let e = r.import_batch(vec![patient("B"), patient("B")], true);
    assert!(matches!(e, Err(StoreError::DuplicateInBatch(_))));
    let e = r.import_batch(vec![patient("C"), patient("bad id")], true);
    assert!(matches!(e, Err(StoreError::Invalid { .. })));
    assert_eq!(before, snapshot(t.path()));
    let mut a = patient("A");
    a.name = Some("updated".into());
    r.import_batch(vec![patient("B"), a], true).unwrap();
    assert_eq!(r.len(), 2);
    let txns: std::collections::BTreeSet<_> = audit_lines(t.path())
        .into_iter()
        .skip(before.len())
        .map(|e| e.txn)
        .collect();
    assert_eq!(txns.len(), 2, "the first save, then one import transaction");
}

/// A commit record written but not applied: what a kill right after the commit point leaves.
pub(super) fn crash_after_commit(dir: &Path, patients: Vec<Patient>, half_audit: bool) -> Commit {
    let commit = Commit {
        format: JOURNAL_FORMAT,
        txn: journal::new_txn_id(),
        audit_offset: journal::audit_len(dir).unwrap(),
        audit_tail: Some(journal::audit_mark(dir).unwrap().1),
        audit: patients
            .iter()
            .map(|p| AuditEntry {
                time: "2026-06-01T00:00:00.000Z".into(),
                operator: "ana".into(),
                record_id: p.record_id.clone(),
                field: "record_id".into(),
                old: Value::Null,
                new: Value::String(p.record_id.clone()),
                txn: "t".into(),
                prev: None,
            })
            .collect(),
        patients,
        staged: None,
    };
    journal::write_commit(dir, &commit).unwrap();
    if half_audit {
        use std::io::Write;
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(dir.join(AUDIT_FILE))
            .unwrap();
        f.write_all(b"{\"time\":\"2026-").unwrap();
    }
    commit
}

#[test]
fn an_interrupted_transaction_is_completed_on_next_open_and_seen_whole_by_readers() {
    let t = tempfile::tempdir().unwrap();
    let mut r = writer(t.path());
    r.save(patient("A")).unwrap();
    drop(r);
    let audit_before = audit_lines(t.path()).len();
    let batch: Vec<Patient> = (0..5).map(|i| patient(&format!("B{i}"))).collect();
    crash_after_commit(t.path(), batch, true);
    // A reader sees the batch whole, and changes nothing.
    let snap = snapshot(t.path());
    let reader = Registry::open(t.path(), opts(false)).unwrap();
    assert_eq!(reader.len(), 6);
    assert_eq!(reader.report().pending, 1);
    assert_eq!(snap, snapshot(t.path()));
    // The next writer rolls it forward; the half-written audit tail is replaced, not kept.
    let r = writer(t.path());
    assert_eq!(r.report().rolled_forward, 1);
    assert_eq!(r.len(), 6);
    let lines = audit_lines(t.path());
    assert_eq!(lines.len(), audit_before + 5);
    assert_eq!(fs::read_dir(t.path().join(JOURNAL_DIR)).unwrap().count(), 0);
    assert!(r.report().is_clean(), "{:?}", r.report());
}

#[test]
fn leftovers_of_a_kill_before_the_commit_point_are_discarded() {
    let t = tempfile::tempdir().unwrap();
    let r = writer(t.path());
    drop(r);
    let junk = format!("{}x", fsutil::TMP_PREFIX);
    fs::write(t.path().join(JOURNAL_DIR).join(&junk), b"{\"format\":1,").unwrap();
    fs::write(t.path().join(PATIENTS_DIR).join(&junk), b"{").unwrap();
    let r = writer(t.path());
    assert!(r.is_empty());
    assert!(r.report().is_clean());
    assert!(!t.path().join(JOURNAL_DIR).join(&junk).exists());
    assert!(!t.path().join(PATIENTS_DIR).join(&junk).exists());
}

#[test]
fn a_reader_on_a_missing_directory_sees_an_empty_registry_and_creates_nothing() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("none");
    let r = Registry::open(&dir, opts(false)).unwrap();
    assert!(r.is_empty());
    assert!(!dir.exists());
}
