//! The summary index (see `index`): used when it matches the files, never trusted when it
//! does not, and never needed for correctness.

use super::*;
use crate::domain::{DEFAULT_ZONE_IDS, Timepoint, Vds};
use crate::protocol::Protocol;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn opts(write: bool, summaries: bool) -> OpenOptions {
    OpenOptions {
        write,
        operator: "ana".into(),
        today: today(),
        known_zones: DEFAULT_ZONE_IDS.map(String::from).to_vec(),
        summaries,
        rules: crate::protocol::Protocol::builtin().safety_rules(),
    }
}

fn open(dir: &Path, write: bool, summaries: bool) -> Registry {
    Registry::open(dir, opts(write, summaries)).unwrap()
}

/// Whole synthetic records: plans with zones, sessions with their work, follow-ups.
fn cohort(n: usize) -> Vec<Patient> {
    let protocol = Protocol::builtin();
    let mut rng = crate::synth::Rng::new(3);
    (0..n)
        .map(|k| crate::synth::patient(k, &mut rng, today(), &protocol))
        .collect()
}

/// A registry of `n` patients written by a writer (which starts the index).
fn registry(dir: &Path, n: usize) -> Vec<Patient> {
    let patients = cohort(n);
    let mut r = open(dir, true, false);
    r.import_batch(patients.clone(), false).unwrap();
    patients
}

fn held(r: &Registry) -> Vec<Patient> {
    r.patients().cloned().collect()
}

fn summaries(patients: &[Patient]) -> Vec<Patient> {
    patients.iter().map(Patient::summary).collect()
}

fn index_text(dir: &Path) -> String {
    fs::read_to_string(dir.join(index::INDEX_FILE)).unwrap()
}

fn file(dir: &Path, id: &str) -> PathBuf {
    dir.join(PATIENTS_DIR).join(journal::patient_file_name(id))
}

#[test]
fn summaries_come_from_the_index_and_load_reads_the_whole_record() {
    let t = tempfile::tempdir().unwrap();
    let patients = registry(t.path(), 5);
    let idx = index_text(t.path());
    assert_eq!(
        idx.lines().filter(|l| !l.is_empty()).count(),
        1 + 5,
        "{idx}"
    );

    let r = open(t.path(), false, true);
    assert_eq!(held(&r), summaries(&patients));
    assert!(r.report().is_clean(), "{:?}", r.report());
    for p in &patients {
        assert_eq!(&r.load(&p.record_id).unwrap(), p);
    }
    assert!(matches!(r.load("NOBODY"), Err(StoreError::NotFound(_))));

    // Proof that the index is what was read: a line whose key still matches its file is
    // believed (only smplan writes it, and every save writes a new file).
    let first = &patients[0];
    let name = first.name.clone().unwrap();
    fs::write(
        t.path().join(index::INDEX_FILE),
        idx.replacen(
            &format!("\"n\":{}", serde_json::to_string(&name).unwrap()),
            "\"n\":\"FROM THE INDEX\"",
            1,
        ),
    )
    .unwrap();
    let r = open(t.path(), false, true);
    assert_eq!(
        r.get(&first.record_id).unwrap().name.as_deref(),
        Some("FROM THE INDEX")
    );
    // Without summaries, nothing is read from the index.
    let r = open(t.path(), false, false);
    assert_eq!(r.get(&first.record_id).unwrap(), first);
}

#[test]
fn files_changed_added_or_removed_behind_the_index_are_read_as_they_are() {
    let t = tempfile::tempdir().unwrap();
    let mut patients = registry(t.path(), 6);
    // File times tick every few milliseconds: an edit must come a tick after the save to be
    // told apart by its times alone (a person's edit always does).
    std::thread::sleep(std::time::Duration::from_millis(30));
    // Edited by hand in place (same length, same inode: only the times tell).
    let p0 = &mut patients[0];
    let old = fs::read_to_string(file(t.path(), &p0.record_id)).unwrap();
    let old_name = p0.name.clone().unwrap();
    let new_name: String = old_name.chars().rev().collect();
    fs::write(
        file(t.path(), &p0.record_id),
        old.replace(&old_name, &new_name),
    )
    .unwrap();
    p0.name = Some(new_name);
    // Moved back from quarantine: a file the index never saw.
    let mut extra = patients[1].clone();
    extra.record_id = "ZZ-RESTORED".into();
    fs::write(
        file(t.path(), "ZZ-RESTORED"),
        serde_json::to_vec(&extra).unwrap(),
    )
    .unwrap();
    // Deleted.
    let gone = patients.remove(2);
    fs::remove_file(file(t.path(), &gone.record_id)).unwrap();
    patients.push(extra);

    let reader = open(t.path(), false, true);
    assert_eq!(held(&reader), summaries(&patients));
    let before = index_text(t.path());
    drop(reader);
    assert_eq!(
        index_text(t.path()),
        before,
        "a reader never writes the index"
    );

    // A writer brings the index up to date, so the next opening need not read them again.
    let w = open(t.path(), true, true);
    assert_eq!(held(&w), summaries(&patients));
    drop(w);
    let idx = index_text(t.path());
    assert!(idx.contains("ZZ-RESTORED") && !idx.contains(&format!("\"{}\"", gone.record_id)));
    assert_eq!(idx.lines().count(), 1 + patients.len());
    assert_eq!(held(&open(t.path(), false, true)), summaries(&patients));
}

#[test]
fn a_torn_missing_or_foreign_index_costs_time_never_correctness() {
    let t = tempfile::tempdir().unwrap();
    let patients = registry(t.path(), 4);
    let path = t.path().join(index::INDEX_FILE);
    let whole = index_text(t.path());

    // A power cut in the middle of an append.
    fs::write(&path, format!("{whole}{{\"k\":[1,2,3")).unwrap();
    assert_eq!(held(&open(t.path(), false, true)), summaries(&patients));
    drop(open(t.path(), true, true));
    assert_eq!(
        index_text(t.path()).lines().count(),
        1 + 4,
        "rewritten whole"
    );

    // Damaged in the middle, of an unknown format, or missing altogether.
    let damaged = whole.replacen("\"k\":[", "\"k\":[\"x\",", 2);
    for text in [
        Some(damaged),
        Some("{\"smplan_index\":99}\n".to_string()),
        None,
    ] {
        match &text {
            Some(t2) => fs::write(&path, t2).unwrap(),
            None => fs::remove_file(&path).unwrap(),
        }
        assert_eq!(held(&open(t.path(), false, true)), summaries(&patients));
        drop(open(t.path(), true, true));
        assert_eq!(index_text(t.path()).lines().count(), 1 + 4);
        assert_eq!(held(&open(t.path(), false, true)), summaries(&patients));
    }
}

#[test]
fn a_file_damaged_behind_the_index_is_quarantined_as_ever() {
    let t = tempfile::tempdir().unwrap();
    let patients = registry(t.path(), 3);
    let victim = &patients[1].record_id;
    fs::write(file(t.path(), victim), b"{\"schema_version\": 1, \"rec").unwrap();
    let r = open(t.path(), false, true);
    assert_eq!(r.len(), 2);
    assert_eq!(r.report().damaged.len(), 1);
    let w = open(t.path(), true, true);
    assert_eq!(w.len(), 2);
    assert!(w.report().damaged[0].moved_to.is_some());
    assert!(w.get(victim).is_none());
    drop(w);
    assert!(!index_text(t.path()).contains(&format!("\"{victim}\"")));
}

#[test]
fn saves_through_summaries_keep_the_detail_and_audit_only_what_changed() {
    let t = tempfile::tempdir().unwrap();
    let patients = registry(t.path(), 3);
    let id = patients[0].record_id.clone();
    let audit_before = fs::read_to_string(t.path().join(AUDIT_FILE)).unwrap();
    let mut w = open(t.path(), true, true);

    // A summary is refused: saving it would erase the plan and the sessions' work.
    let summary = w.get(&id).unwrap().clone();
    assert!(matches!(w.save(summary), Err(StoreError::SummaryOnly(_))));

    let mut whole = w.load(&id).unwrap();
    assert!(whole.plan.as_ref().is_some_and(|p| !p.zones.is_empty()));
    whole.follow_up_mut(Timepoint::Post).vds = Some(Vds::try_from(4.5).unwrap());
    w.save(whole.clone()).unwrap();
    assert_eq!(w.get(&id), Some(&whole.summary()));
    drop(w);

    let audit = fs::read_to_string(t.path().join(AUDIT_FILE)).unwrap();
    let new: Vec<&str> = audit[audit_before.len()..].lines().collect();
    assert_eq!(new.len(), 1, "{new:?}");
    assert!(new[0].contains("follow_ups[post].vds"), "{}", new[0]);
    assert_eq!(open(t.path(), false, false).get(&id), Some(&whole));
    // The save appended its line: the next opening takes it from the index.
    assert_eq!(open(t.path(), false, true).get(&id), Some(&whole.summary()));
    assert!(index_text(t.path()).matches(&format!("\"{id}\"")).count() >= 2);
}

#[test]
fn summaries_handed_over_to_the_ui_leave_a_registry_that_still_saves_and_audits_right() {
    let t = tempfile::tempdir().unwrap();
    let patients = registry(t.path(), 4);
    let mut w = open(t.path(), true, true);
    let given = w.hand_over_summaries();
    assert_eq!(given, summaries(&patients));
    assert_eq!(w.len(), 4);
    assert!(!w.is_empty());
    let id = patients[2].record_id.clone();
    assert_eq!(w.load(&id).unwrap(), patients[2]);
    // Still known: adding it again is refused.
    assert!(matches!(
        w.import_batch(vec![patients[2].clone()], false),
        Err(StoreError::AlreadyExists(_))
    ));
    let audit_before = fs::read_to_string(t.path().join(AUDIT_FILE)).unwrap();
    let mut whole = w.load(&id).unwrap();
    whole.name = Some("Renamed".into());
    w.save(whole.clone()).unwrap();
    assert_eq!(w.len(), 4);
    let audit = fs::read_to_string(t.path().join(AUDIT_FILE)).unwrap();
    let new: Vec<&str> = audit[audit_before.len()..].lines().collect();
    assert_eq!(new.len(), 1, "only the name changed: {new:?}");
    drop(w);
    assert_eq!(open(t.path(), false, false).get(&id), Some(&whole));
}

#[test]
fn a_writer_compacts_an_index_grown_by_many_saves() {
    let t = tempfile::tempdir().unwrap();
    let patients = registry(t.path(), 3);
    let id = patients[0].record_id.clone();
    let mut w = open(t.path(), true, true);
    let mut whole = w.load(&id).unwrap();
    for k in 0..120 {
        whole.name = Some(format!("Name {k}"));
        w.save(whole.clone()).unwrap();
    }
    drop(w);
    let lines = || {
        index_text(t.path())
            .lines()
            .filter(|l| !l.is_empty())
            .count()
    };
    assert_eq!(lines(), 1 + 3 + 120);
    // A reader leaves it; the next writer rewrites it to one line per patient.
    drop(open(t.path(), false, true));
    assert_eq!(lines(), 1 + 3 + 120);
    let w = open(t.path(), true, true);
    assert_eq!(w.get(&id), Some(&whole.summary()));
    drop(w);
    assert_eq!(index_text(t.path()).lines().count(), 1 + 3);
    assert_eq!(open(t.path(), false, true).get(&id), Some(&whole.summary()));
}

#[test]
fn verifying_reads_every_file_whatever_the_index_claims() {
    let t = tempfile::tempdir().unwrap();
    let patients = registry(t.path(), 3);
    let victim = &patients[1];
    // Damage a file, then forge an index that vouches for it with its new key: an opening
    // on summaries believes the index, a verifying one reads the file.
    fs::write(
        file(t.path(), &victim.record_id),
        b"{\"schema_version\": 1, \"rec",
    )
    .unwrap();
    let forged: Vec<(FileKey, Patient)> = patients
        .iter()
        .map(|p| {
            (
                FileKey::stat(&file(t.path(), &p.record_id)).unwrap(),
                p.summary(),
            )
        })
        .collect();
    index::rewrite(t.path(), forged.iter().map(|(k, p)| (*k, p))).unwrap();
    assert_eq!(open(t.path(), false, true).len(), 3);
    let checked = Registry::open_verifying(t.path(), opts(false, true)).unwrap();
    assert_eq!(checked.len(), 2);
    assert_eq!(checked.report().damaged.len(), 1);
    assert!(
        checked.patients().all(|p| p.summary_only),
        "only summaries are kept"
    );
}

#[test]
fn the_audit_check_names_each_line_that_is_not_a_whole_entry() {
    let t = tempfile::tempdir().unwrap();
    registry(t.path(), 2);
    let path = t.path().join(AUDIT_FILE);
    let whole = fs::read_to_string(&path).unwrap();
    let n = whole.lines().count();
    let good = whole.lines().next().unwrap().to_string();
    let no_txn = good.replacen("\"txn\"", "\"tx\"", 1);
    let bad_type = good.replacen("\"operator\":\"ana\"", "\"operator\":7", 1);
    fs::write(
        &path,
        format!("{whole}{no_txn}\n{good}\n{bad_type}\nnot json\n{good}\n{{\"time\":\"20"),
    )
    .unwrap();
    let r = open(t.path(), false, false);
    let problems = r.audit_problems().unwrap();
    let lines: Vec<usize> = [1, 3, 4, 6].iter().map(|k| n + k).collect();
    assert_eq!(problems.len(), 5, "{problems:?}");
    for (p, l) in problems.iter().zip(lines) {
        assert!(p.contains(&format!("line {l} is not")), "{p}");
    }
    // And the copied line is not linked to the one before it: the first broken link.
    assert!(
        problems[4].contains(&format!("line {} breaks the hash chain", n + 2)),
        "{problems:?}"
    );
    // The quick check accepts exactly what the full parse accepts.
    for line in [&good, &no_txn, &bad_type, "not json", "{}"] {
        let l = format!("{line}\n");
        assert_eq!(
            audit::is_whole_entry(l.as_bytes()),
            serde_json::from_str::<AuditEntry>(line).is_ok(),
            "{line}"
        );
    }
}
