//! `smplan import FILE.json`: the JSON export read back through the real binary. Export
//! then import into an empty registry gives byte-identical patient files (the demo cohort,
//! a generated registry, values that only an exact float parser keeps); `--update` changes
//! only what the file has; every bad record is refused, naming the record and the field,
//! and nothing changes.

use crate::cli_common;

use smplan::domain::Patient;
use smplan::protocol::Protocol;
use smplan::store::{OpenOptions, Registry};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

const TODAY: &str = "2026-06-01";

fn smplan(dir: &Path, args: &[&str]) -> Output {
    cli_common::command(dir, TODAY, args)
        .env("USER", "tester")
        .output()
        .unwrap()
}

fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every patient file of a registry, by name.
fn patient_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir.join("patients"))
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// The patient files and the audit log of a registry (what a change would touch; the lock
/// file holds the last writer's name and the index is a cache).
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = patient_files(dir);
    out.insert(
        "audit.jsonl".into(),
        fs::read(dir.join("audit.jsonl")).unwrap_or_default(),
    );
    out
}

/// Names of the files that differ between two snapshots (never their bytes).
fn differing(a: &BTreeMap<String, Vec<u8>>, b: &BTreeMap<String, Vec<u8>>) -> Vec<String> {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect()
}

fn registry_of(dir: &Path, patients: Vec<Patient>) {
    let mut opts = OpenOptions::new(true, "test", cli_common_today());
    opts.known_zones = Protocol::builtin().zone_ids();
    let mut reg = Registry::open(dir, opts).unwrap();
    reg.import_batch(patients, false).unwrap();
}

fn cli_common_today() -> chrono::NaiveDate {
    smplan::domain::validate::parse_date(TODAY).unwrap()
}

/// Exports `from` as JSON (optionally de-identified) into a file and imports it into the new
/// registry `to`; returns the export's path.
fn export_import(tmp: &Path, from: &Path, to: &Path, deidentify: bool) -> PathBuf {
    let file = tmp.join(if deidentify { "deid.json" } else { "all.json" });
    let mut args = vec!["export", "--format", "json", "-o", file.to_str().unwrap()];
    if deidentify {
        args.push("--deidentify");
    }
    ok(smplan(from, &args));
    let o = ok(smplan(to, &["import", file.to_str().unwrap()]));
    assert!(String::from_utf8_lossy(&o.stdout).contains(" new, 0 updated, 0 unchanged"));
    file
}

#[test]
fn the_demo_cohort_comes_back_byte_for_byte() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    registry_of(&a, smplan::cli::ui::demo_cohort().unwrap());
    export_import(t.path(), &a, &b, false);
    let (fa, fb) = (patient_files(&a), patient_files(&b));
    assert_eq!(fa.len(), 10);
    assert_eq!(differing(&fa, &fb), Vec::<String>::new());
    ok(smplan(&b, &["check"]));
}

#[test]
fn a_generated_registry_comes_back_byte_for_byte() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    ok(smplan(
        &a,
        &["generate", "--patients", "150", "--seed", "11"],
    ));
    export_import(t.path(), &a, &b, false);
    assert_eq!(
        differing(&patient_files(&a), &patient_files(&b)),
        Vec::<String>::new()
    );
    // Statistics, agenda and the JSON export itself agree too (the export's time aside).
    for args in [&["stats", "--json"][..], &["agenda", "--json"]] {
        assert_eq!(ok(smplan(&a, args)).stdout, ok(smplan(&b, args)).stdout);
    }
}

/// Values that a fast float parser reads one unit in the last place off (one in ten
/// random doubles) must come back exactly.
#[test]
fn awkward_numbers_come_back_exactly() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    let mut p = smplan::cli::ui::demo_cohort().unwrap().remove(0);
    p.zones[0].area_cm2 = Some(985.6906946328695);
    if let Some(plan) = &mut p.plan {
        plan.zones[0].area_cm2 = 212.91890726713459;
        plan.zones[0].target_density = 74.60756426982596;
    }
    p.sessions[0].zones[0].density_reached = Some(22.499999999999996);
    registry_of(&a, vec![p]);
    export_import(t.path(), &a, &b, false);
    assert_eq!(
        differing(&patient_files(&a), &patient_files(&b)),
        Vec::<String>::new()
    );
}

#[test]
fn a_deidentified_json_export_imports_into_a_new_registry_but_never_updates() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    ok(smplan(&a, &["generate", "--patients", "40", "--seed", "3"]));
    let file = export_import(t.path(), &a, &b, true);
    let o = smplan(&b, &["check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // What the statistics read is kept; dates moved, names gone.
    let stats = |d: &Path| {
        let mut v: serde_json::Value =
            serde_json::from_slice(&ok(smplan(d, &["stats", "--json"])).stdout).unwrap();
        v.as_object_mut().unwrap().remove("awaiting_6m_window");
        let consent = v.as_object_mut().unwrap().remove("data_use_consent");
        (v, consent)
    };
    // The de-identified export left out the patients who refused data use, so the rebuilt
    // registry has none to leave out; the statistics are the same.
    // To the contract's 1e-9: the rebuilt registry holds the patients in the order of their
    // pseudonyms, so sums run in another order.
    let ((sa, ca), (sb, cb)) = (stats(&a), stats(&b));
    assert_eq!(sa["patients"], sb["patients"]);
    assert_eq!(cli_common::json_differences(&sa, &sb), Vec::<String>::new());
    assert!(ca.unwrap()["left_out"].as_u64().unwrap() > 0);
    assert_eq!(cb.unwrap()["left_out"], 0);
    let rebuilt = patient_files(&b);
    assert!(
        rebuilt
            .values()
            .all(|f| !String::from_utf8_lossy(f).contains("\"name\"")),
        "no names"
    );
    // Into the registry it came from: refused, nothing changes.
    let before = snapshot(&a);
    let o = smplan(&a, &["import", "--update", file.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("is de-identified"), "{}", stderr(&o));
    assert_eq!(differing(&before, &snapshot(&a)), Vec::<String>::new());
}

#[test]
fn update_with_the_export_changes_nothing_and_a_partial_file_only_its_keys() {
    let t = tempfile::tempdir().unwrap();
    let a = t.path().join("a");
    registry_of(&a, smplan::cli::ui::demo_cohort().unwrap());
    let file = t.path().join("all.json");
    ok(smplan(
        &a,
        &["export", "--format", "json", "-o", file.to_str().unwrap()],
    ));
    let before = snapshot(&a);
    let o = ok(smplan(&a, &["import", "--update", file.to_str().unwrap()]));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("0 new, 0 updated, 10 unchanged"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(
        differing(&before, &snapshot(&a)),
        Vec::<String>::new(),
        "not even the audit log"
    );

    // A record with two keys changes those two and nothing else.
    let old: serde_json::Value =
        serde_json::from_slice(&fs::read(a.join("patients/DEMO-03.json")).unwrap()).unwrap();
    let part = t.path().join("part.json");
    fs::write(
        &part,
        r#"{"schema_version": 1, "patients": [
            {"record_id": "DEMO-03", "notes": "moved to Lyon", "hair_colour": null}]}"#,
    )
    .unwrap();
    ok(smplan(&a, &["import", "--update", part.to_str().unwrap()]));
    let new: serde_json::Value =
        serde_json::from_slice(&fs::read(a.join("patients/DEMO-03.json")).unwrap()).unwrap();
    let (mut o, mut n) = (old.clone(), new.clone());
    for k in ["notes", "hair_colour"] {
        o.as_object_mut().unwrap().remove(k);
        n.as_object_mut().unwrap().remove(k);
    }
    assert_eq!(o, n, "every other key as it was");
    assert_eq!(new["notes"], "moved to Lyon");
    assert!(new.get("hair_colour").is_none());
    assert_eq!(new["consent"], old["consent"], "consent is never reset");
    let audit = fs::read_to_string(a.join("audit.jsonl")).unwrap();
    let fields: Vec<String> = audit
        .lines()
        .rev()
        .take(2)
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["field"].to_string())
        .collect();
    assert!(fields.iter().any(|f| f.contains("notes")), "{fields:?}");
    assert!(
        fields.iter().any(|f| f.contains("hair_colour")),
        "{fields:?}"
    );
}

#[test]
fn every_bad_record_is_refused_naming_record_and_field_and_nothing_changes() {
    let t = tempfile::tempdir().unwrap();
    let a = t.path().join("a");
    registry_of(&a, smplan::cli::ui::demo_cohort().unwrap());
    let before = snapshot(&a);
    let good =
        r#"{"schema_version": 1, "record_id": "NEW-1", "alopecia": {"subtype": "scarring"}}"#;
    let cases = [
        (
            r#"{"schema_version": 1, "record_id": "NEW-2", "alopecia": {"subtype": "scarring"},
                "follow_ups": [{"timepoint": "6m", "vds": 10.5}]}"#,
            "record NEW-2, field follow_ups[0].vds: 10.5 is outside 0..10",
        ),
        (
            r#"{"schema_version": 1, "record_id": "NEW-2", "alopecia": {"subtype": "scarring"},
                "sessions": [{"number": 1, "date": "2025-02-30"}]}"#,
            "record NEW-2, field sessions[0].date:",
        ),
        (
            r#"{"schema_version": 1, "record_id": "NEW-2", "alopecia": {"subtype": "scarring"},
                "zones": [{"zone": "crown"}]}"#,
            "record NEW-2, field zones: 'crown' is not a zone of the protocol",
        ),
        (
            r#"{"schema_version": 1, "record_id": "NEW-2", "alopecia": {"subtype": "alopecia_areata"}}"#,
            "record NEW-2, field alopecia.subtype:",
        ),
        (
            r#"{"schema_version": 1, "record_id": "NEW-2", "alopecia": {"subtype": "scarring"}, "sexx": "F"}"#,
            "record NEW-2, field sexx: unknown key",
        ),
        (
            r#"{"schema_version": 1, "record_id": "DEMO-01", "alopecia": {"subtype": "scarring"}}"#,
            "record DEMO-01, field record_id: 'DEMO-01' is already in the registry",
        ),
        (
            r#"{"schema_version": 1, "record_id": "../x", "alopecia": {"subtype": "scarring"}}"#,
            "patients[1], field record_id: '../x' contains '/'",
        ),
    ];
    for (bad, expect) in cases {
        let f = t.path().join("bad.json");
        fs::write(
            &f,
            format!(r#"{{"schema_version": 1, "patients": [{good}, {bad}]}}"#),
        )
        .unwrap();
        let o = smplan(&a, &["import", f.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{expect}: {err}");
        assert!(
            err.contains(&format!("bad.json: {expect}")),
            "{expect:?} in\n{err}"
        );
        assert!(err.contains("nothing imported"), "{err}");
        assert_eq!(
            differing(&before, &snapshot(&a)),
            Vec::<String>::new(),
            "{expect}: the registry changed"
        );
    }
}
