//! `smplan import` / `export` / `check` through the real binary: round trip, and the
//! bad-input matrix (each refused with exit 1, naming the cell, the registry unchanged).

use crate::cli_common::{self, snapshot, stderr};

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TODAY: &str = "2026-01-15";

fn smplan(dir: &Path, args: &[&str]) -> Output {
    cli_common::command(dir, TODAY, args)
        .env("USER", "tester")
        .output()
        .unwrap()
}

const HEADER: &str = "record_id,name,sex,birth_date,fitzpatrick,subtype,classification,zones,session1_date,session2_date,session3_date,post_date,vds_post,vds_6m,pss_post,pss_6m,m6_date,adverse_events";

/// Every column `export --format csv` writes, in its order.
fn export_header() -> String {
    format!(
        "{HEADER},touch_up_dates,m12_date,vds_12m,pss_12m,m24_date,vds_24m,pss_24m,data_use_consent"
    )
}

fn cohort() -> String {
    [
        export_header().as_str(),
        r#"CQ-001,"王小明, ""Ming""",M,1985-03-02,4,androgenetic,Norwood V,hairline;frontal;vertex,2025-01-06,2025-01-13,2025-01-20,2025-01-20,9,8.1,3,3,2025-07-21,,2025-09-01;2025-12-01,2026-01-10,7.5,2,,,,yes"#,
        r#"CQ-002,李娜,F,1990-05-05,3,scarring,FUT strip scar,scar,2025-02-03,2025-02-10,2025-02-17,2025-02-17,8.5,7,3,2,2025-08-18,"patchy_fading;itching, mild; settled",,,,,,,,yes"#,
        r#"CQ-003,"O'Brien, ""Jack"", Jr.",X,,6,androgenetic,Ludwig II,mid_scalp,2025-03-03,2025-03-10,,,,,,,,infection,,,,,,,,"#,
        r#"CQ-004,,,,,scarring,"lost, to ""follow-up""",occipital,,,,,,,,,,,,,,,,,,"#,
    ]
    .join("\n")
        + "\n"
}

/// Imports [`cohort`] into the registry `reg` (through a CSV file in `tmp`).
fn import_cohort(tmp: &Path, reg: &Path) {
    let csv = write(tmp, "c.csv", cohort().as_bytes());
    let o = smplan(reg, &["import", csv.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
}

fn write(dir: &Path, name: &str, text: &[u8]) -> PathBuf {
    let p = dir.join(name);
    fs::write(&p, text).unwrap();
    p
}

#[test]
fn export_then_import_gives_the_same_registry_back() {
    let t = tempfile::tempdir().unwrap();
    let first = t.path().join("first");
    let csv = write(t.path(), "cohort.csv", cohort().as_bytes());
    let o = smplan(&first, &["import", csv.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("4 new"));

    let exported = smplan(&first, &["export", "--format", "csv"]);
    assert!(exported.status.success(), "{}", stderr(&exported));
    assert_eq!(
        String::from_utf8(exported.stdout.clone()).unwrap(),
        cohort()
    );

    let second = t.path().join("second");
    let again = write(t.path(), "again.csv", &exported.stdout);
    let o = smplan(&second, &["import", again.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let files = |d: &Path| {
        let mut v: Vec<(String, Vec<u8>)> = fs::read_dir(d.join("patients"))
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                (
                    e.file_name().to_string_lossy().into_owned(),
                    fs::read(e.path()).unwrap(),
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(files(&first), files(&second));

    // The JSON export holds the whole registry, names intact.
    let json = smplan(&second, &["export", "--format", "json"]);
    assert!(json.status.success());
    let doc: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(doc["schema_version"], smplan::domain::SCHEMA_VERSION);
    assert!(doc["exported"].as_str().unwrap().ends_with('Z'));
    assert_eq!(doc["patients"].as_array().unwrap().len(), 4);
    assert_eq!(doc["patients"][0]["name"], "王小明, \"Ming\"");

    // Re-importing the export with --update changes nothing, not even the audit log.
    let audit = fs::read(second.join("audit.jsonl")).unwrap();
    let o = smplan(&second, &["import", "--update", again.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("4 unchanged"));
    assert_eq!(audit, fs::read(second.join("audit.jsonl")).unwrap());
}

#[test]
fn export_to_a_file_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let t = tempfile::tempdir().unwrap();
    let reg = t.path().join("reg");
    import_cohort(t.path(), &reg);
    let out = t.path().join("out.json");
    let o = smplan(
        &reg,
        &["export", "--format", "json", "-o", out.to_str().unwrap()],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert_eq!(
        fs::metadata(&out).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn update_changes_values_and_logs_each_field() {
    let t = tempfile::tempdir().unwrap();
    let reg = t.path().join("reg");
    import_cohort(t.path(), &reg);
    let upd = write(
        t.path(),
        "u.csv",
        b"record_id,subtype,vds_6m\nCQ-001,androgenetic,7.9\n",
    );
    let o = smplan(
        &reg,
        &[
            "--operator",
            "dr_liu",
            "import",
            "--update",
            upd.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let audit = fs::read_to_string(reg.join("audit.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(last["record_id"], "CQ-001");
    assert_eq!(last["field"], "follow_ups[6m].vds");
    assert_eq!(last["old"], 8.1);
    assert_eq!(last["new"], 7.9);
    assert_eq!(last["operator"], "dr_liu");
    // Other columns of the patient are as they were.
    let p: serde_json::Value =
        serde_json::from_slice(&fs::read(reg.join("patients/CQ-001.json")).unwrap()).unwrap();
    assert_eq!(p["name"], "王小明, \"Ming\"");
}

/// (what the file holds, a piece of the message that must appear)
fn bad_inputs() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let row = |cells: &str| format!("{HEADER}\n{cells}\n").into_bytes();
    vec![
        (
            "unknown column",
            b"record_id,subtype,vds_6mo\nN-1,scarring,8\n".to_vec(),
            "line 1, column vds_6mo: unknown column",
        ),
        (
            "missing required column",
            b"record_id,name\nN-1,x\n".to_vec(),
            "line 1, column subtype: required column is missing",
        ),
        (
            "VDS out of range",
            row("N-1,,,,,scarring,,,,,,,,11,,,,"),
            "line 2, column vds_6m: 11 is outside 0..10",
        ),
        (
            "VDS two decimals",
            row("N-1,,,,,scarring,,,,,,,8.25,,,,,"),
            "line 2, column vds_post: 8.25 has more than one decimal",
        ),
        (
            "PSS out of range",
            row("N-1,,,,,scarring,,,,,,,,,4,,,"),
            "line 2, column pss_post: 4 is outside 0..3",
        ),
        (
            "PSS not whole",
            row("N-1,,,,,scarring,,,,,,,,,,2.5,,"),
            "line 2, column pss_6m: 2.5 is not a whole number",
        ),
        (
            "impossible date",
            row("N-1,,,1990-02-30,,scarring,,,,,,,,,,,,"),
            "line 2, column birth_date: 1990-02-30 is not a real date",
        ),
        (
            "future birth date",
            row("N-1,,,2027-01-01,,scarring,,,,,,,,,,,,"),
            "line 2, column birth_date: 2027-01-01 is in the future",
        ),
        (
            "future session",
            row("N-1,,,,,scarring,,,2026-03-01,,,,,,,,,"),
            "line 2, column session1_date: 2026-03-01 is in the future",
        ),
        (
            "sessions out of order",
            row("N-1,,,,,scarring,,,2025-01-10,2025-01-03,,,,,,,,"),
            "line 2, column session2_date: 2025-01-03 is before session 1",
        ),
        (
            "follow-up before last session",
            row("N-1,,,,,scarring,,,2025-01-10,,,2025-01-09,,,,,,"),
            "line 2, column post_date: 2025-01-09 is before the last recorded session",
        ),
        (
            "unknown subtype",
            row("N-1,,,,,alopecia_areata,,,,,,,,,,,,"),
            "line 2, column subtype: 'alopecia_areata' is not a subtype",
        ),
        (
            "unknown zone",
            row("N-1,,,,,scarring,,crown,,,,,,,,,,"),
            "line 2, column zones: 'crown' is not a zone of the protocol",
        ),
        (
            "bad sex",
            row("N-1,,female,,,scarring,,,,,,,,,,,,"),
            "line 2, column sex: 'female' is not a sex code",
        ),
        (
            "bad fitzpatrick",
            row("N-1,,,,7,scarring,,,,,,,,,,,,"),
            "line 2, column fitzpatrick: 7 is not a Fitzpatrick type",
        ),
        (
            "bad record id",
            row("N 1,,,,,scarring,,,,,,,,,,,,"),
            "line 2, column record_id: 'N 1' contains ' '",
        ),
        (
            "duplicate record_id",
            format!("{HEADER}\nN-1,,,,,scarring,,,,,,,,,,,,\nN-1,,,,,scarring,,,,,,,,,,,,\n")
                .into_bytes(),
            "line 3, column record_id: 'N-1' is already on line 2",
        ),
        (
            "already present without --update",
            row("CQ-001,,,,,androgenetic,,,,,,,,,,,,"),
            "line 2, column record_id: 'CQ-001' is already in the registry",
        ),
        (
            "non-UTF-8 bytes",
            [
                b"record_id,subtype,name\nN-1,scarring,".as_slice(),
                b"Mu\xf1oz\n",
            ]
            .concat(),
            "line 2, column name: is not UTF-8 text",
        ),
        ("empty file", Vec::new(), "the file is empty"),
        (
            "ragged row",
            b"record_id,subtype\nN-1,scarring,extra\n".to_vec(),
            "line 2: this row has 3 cells but the header has 2",
        ),
    ]
}

#[test]
fn every_bad_input_is_refused_naming_the_cell_and_changes_nothing() {
    let t = tempfile::tempdir().unwrap();
    let reg = t.path().join("reg");
    import_cohort(t.path(), &reg);
    let before = snapshot(&reg);
    for (what, bytes, expect) in bad_inputs() {
        // A good row beside the bad one: all or nothing.
        let f = write(t.path(), "bad.csv", &bytes);
        let o = smplan(&reg, &["import", f.to_str().unwrap()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{what}: {err}");
        assert!(
            err.contains(expect),
            "{what}: expected {expect:?} in\n{err}"
        );
        assert!(err.contains("bad.csv"), "{what}: the file is named: {err}");
        assert!(err.contains("nothing imported"), "{what}: {err}");
        assert_eq!(before, snapshot(&reg), "{what}: the registry changed");
    }
}

#[test]
fn a_bad_row_among_good_ones_imports_nothing() {
    let t = tempfile::tempdir().unwrap();
    let reg = t.path().join("reg");
    let mut text = cohort();
    text.push_str("CQ-009,,,,,scarring,,,,,,,,12,,,,,,,,,,,,\n");
    let f = write(t.path(), "mixed.csv", text.as_bytes());
    let o = smplan(&reg, &["import", f.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("line 6, column vds_6m"),
        "{}",
        stderr(&o)
    );
    assert!(
        !reg.exists(),
        "a refused import into a new registry creates nothing"
    );
}

#[test]
fn check_reports_damage_with_exit_1() {
    let t = tempfile::tempdir().unwrap();
    let reg = t.path().join("reg");
    let o = smplan(&reg, &["check"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "no registry is said, not passed as whole"
    );
    assert!(stderr(&o).contains("no registry at"), "{}", stderr(&o));
    import_cohort(t.path(), &reg);
    let o = smplan(&reg, &["check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("4 patient(s)"));
    fs::write(reg.join("patients/CQ-002.json"), b"{\"schema_version\":1,").unwrap();
    let before = snapshot(&reg);
    let o = smplan(&reg, &["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("CQ-002.json is not valid JSON"),
        "{}",
        stderr(&o)
    );
    assert_eq!(
        before,
        snapshot(&reg),
        "check is a reader: it moves nothing"
    );
    // Export still works and says what it left out.
    let o = smplan(&reg, &["export"]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(String::from_utf8_lossy(&o.stdout).lines().count(), 4);
    // So do stats and the agenda: whole output, the damage named, exit 1 like export.
    for args in [&["stats", "--json"][..], &["agenda", "--json"], &["stats"]] {
        let o = smplan(&reg, args);
        assert_eq!(o.status.code(), Some(1), "{args:?}: {}", stderr(&o));
        assert!(stderr(&o).contains("smplan check"), "{}", stderr(&o));
        if args.contains(&"--json") {
            let _: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        }
    }
    let o = smplan(&reg, &["stats", "--json"]);
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["patients"], 3);
    // A writer quarantines it; check keeps reporting it until someone deals with it.
    let upd = write(t.path(), "u.csv", b"record_id,subtype\nCQ-005,scarring\n");
    let o = smplan(&reg, &["import", upd.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("moved to"), "{}", stderr(&o));
    assert!(reg.join("quarantine/CQ-002.json").exists());
    assert!(reg.join("quarantine/CQ-002.json.reason").exists());
    let o = smplan(&reg, &["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is in quarantine: is not valid JSON"),
        "{}",
        stderr(&o)
    );
    fs::remove_file(reg.join("quarantine/CQ-002.json")).unwrap();
    fs::remove_file(reg.join("quarantine/CQ-002.json.reason")).unwrap();
    assert!(smplan(&reg, &["check"]).status.success());
}

/// A de-identified CSV (age_at_session1 instead of birth_date, shifted dates) imports into a
/// new registry with the same statistics; it cannot update the registry it came from.
#[test]
fn a_deidentified_export_imports_into_a_new_registry_but_never_updates() {
    let t = tempfile::tempdir().unwrap();
    let first = t.path().join("first");
    import_cohort(t.path(), &first);
    let o = smplan(&first, &["export", "--deidentify"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let deid = write(t.path(), "deid.csv", &o.stdout);

    let second = t.path().join("second");
    let o = smplan(&second, &["import", deid.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("age_at_session1 was checked but not stored"),
        "{}",
        stderr(&o)
    );
    // The same statistics, to the contract's 1e-9: the rebuilt registry holds the patients
    // in the order of their pseudonyms, so sums run in another order.
    let stats = |d: &Path| -> serde_json::Value {
        serde_json::from_slice(&smplan(d, &["stats", "--json"]).stdout).unwrap()
    };
    let (sa, sb) = (stats(&first), stats(&second));
    assert_eq!(sa["patients"], sb["patients"]);
    assert_eq!(cli_common::json_differences(&sa, &sb), Vec::<String>::new());

    let before = snapshot(&first);
    let o = smplan(&first, &["import", "--update", deid.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is a de-identified export"),
        "{}",
        stderr(&o)
    );
    assert_eq!(before, snapshot(&first));
    // Nor, without --update, back into the registry it came from: its pseudonyms are that
    // registry's own, and every patient would be there twice.
    let o = smplan(&first, &["import", deid.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("is the pseudonym this registry gives its patient"),
        "{}",
        stderr(&o)
    );
    assert_eq!(before, snapshot(&first));
}

/// A clinic protocol file that is refused is damage `check` must report (exit 1): every
/// other command silently falls back to the built-in protocol.
#[test]
fn check_reports_a_refused_protocol_file() {
    let t = tempfile::tempdir().unwrap();
    let reg = t.path().join("reg");
    import_cohort(t.path(), &reg);
    fs::write(reg.join("protocol.json"), b"{\"schema_version\": 1,").unwrap();
    let o = smplan(&reg, &["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("protocol.json: not a valid protocol at line 1"),
        "{err}"
    );
    assert!(!String::from_utf8_lossy(&o.stdout).contains("every file whole and valid"));
    assert_eq!(err.matches("protocol.json").count(), 1, "said once: {err}");
}

/// Sessions closer than the protocol interval and follow-ups out of their window are flagged
/// on import (never refused), naming the line and the record.
#[test]
fn import_flags_close_sessions_and_out_of_window_follow_ups() {
    let t = tempfile::tempdir().unwrap();
    let reg = t.path().join("reg");
    let csv = write(
        t.path(),
        "w.csv",
        b"record_id,subtype,session1_date,session2_date,session3_date,post_date,m6_date\n\
          W1,scarring,2025-01-01,2025-01-03,2025-01-10,2025-01-10,2025-09-30\n\
          W2,scarring,2025-01-01,2025-01-08,2025-01-15,2025-01-15,2025-07-16\n",
    );
    let o = smplan(&reg, &["import", csv.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("warning: line 2, W1: session 2 is 2 days after session 1, closer than the protocol's 7-day interval"),
        "{err}"
    );
    assert!(
        err.contains("warning: line 2, W1: follow-up 6m on 2025-09-30 is outside its window"),
        "{err}"
    );
    // W2 is spaced and timed by the protocol; like W1 it is a historical record (no screen,
    // no consent), which is all that is said of it.
    let w2: Vec<&str> = err.lines().filter(|l| l.contains("W2")).collect();
    assert_eq!(w2.len(), 1, "{err}");
    assert!(
        w2[0].contains("treated without a recorded screen / consent"),
        "{err}"
    );
}

/// An import holds one file open at a time, not one per patient: 300 patients import under
/// a limit of 64 open files (a 20 000-patient import used to fail with "Too many open
/// files" and leave the registry's writers stuck on the unfinished transaction).
#[test]
fn a_large_import_does_not_run_out_of_file_descriptors() {
    let t = tempfile::tempdir().unwrap();
    let reg = t.path().join("reg");
    let mut text = String::from("record_id,subtype\n");
    for i in 0..300 {
        text.push_str(&format!("P{i:04},scarring\n"));
    }
    let csv = write(t.path(), "many.csv", text.as_bytes());
    let o = Command::new("sh")
        .arg("-c")
        .arg("ulimit -n 64 && exec \"$0\" --data-dir \"$1\" import \"$2\"")
        .arg(env!("CARGO_BIN_EXE_smplan"))
        .arg(&reg)
        .arg(&csv)
        .env("SMPLAN_TODAY", TODAY)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(fs::read_dir(reg.join("patients")).unwrap().count(), 300);
    assert_eq!(fs::read_dir(reg.join("journal")).unwrap().count(), 0);
}

/// The CSV is the analysis table: from full records (the demo cohort: plan, screen, consent,
/// session details...) its round trip keeps every column it carries, and importing it with
/// `--update` into the registry it came from changes nothing: consent, the plan, session
/// details and every other field the CSV does not carry are left as they are.
#[test]
fn the_csv_keeps_what_it_carries_and_update_never_touches_the_rest() {
    let t = tempfile::tempdir().unwrap();
    let (a, b) = (t.path().join("a"), t.path().join("b"));
    let mut opts = smplan::store::OpenOptions::new(
        true,
        "test",
        smplan::domain::validate::parse_date(TODAY).unwrap(),
    );
    opts.known_zones = smplan::protocol::Protocol::builtin().zone_ids();
    let mut reg = smplan::store::Registry::open(&a, opts).unwrap();
    reg.import_batch(smplan::cli::ui::demo_cohort().unwrap(), false)
        .unwrap();
    drop(reg);
    let exported = smplan(&a, &["export", "--format", "csv"]);
    assert!(exported.status.success(), "{}", stderr(&exported));
    let file = write(t.path(), "a.csv", &exported.stdout);
    // Into an empty registry: every column comes back.
    let o = smplan(&b, &["import", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let again = smplan(&b, &["export", "--format", "csv"]);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        String::from_utf8_lossy(&exported.stdout)
    );
    // ... and nothing else: consent to treatment is not recorded there, the plan is absent.
    let rebuilt: serde_json::Value =
        serde_json::from_slice(&fs::read(b.join("patients/DEMO-01.json")).unwrap()).unwrap();
    assert!(rebuilt.get("plan").is_none());
    assert!(
        rebuilt["consent"].get("treatment").is_none(),
        "not recorded"
    );
    // The data-use answer is a column of the CSV (without its date).
    assert_eq!(
        rebuilt["consent"]["data_use"],
        serde_json::json!({"status": "given"})
    );
    // Back into the registry it came from with --update: nothing changes.
    let patients = |d: &Path| {
        let mut v: Vec<(PathBuf, Vec<u8>)> = fs::read_dir(d.join("patients"))
            .unwrap()
            .map(|e| {
                let p = e.unwrap().path();
                let bytes = fs::read(&p).unwrap();
                (p, bytes)
            })
            .collect();
        v.sort();
        v
    };
    let before = patients(&a);
    let audit = fs::read(a.join("audit.jsonl")).unwrap();
    let o = smplan(&a, &["import", "--update", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("10 unchanged"),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert!(before == patients(&a), "a patient file changed");
    assert!(audit == fs::read(a.join("audit.jsonl")).unwrap());
    // A file with two columns changes one value; consent and the rest stay.
    let old: serde_json::Value =
        serde_json::from_slice(&fs::read(a.join("patients/DEMO-02.json")).unwrap()).unwrap();
    let upd = write(
        t.path(),
        "u.csv",
        b"record_id,subtype,vds_6m\nDEMO-02,androgenetic,6.5\n",
    );
    let o = smplan(&a, &["import", "--update", upd.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let new: serde_json::Value =
        serde_json::from_slice(&fs::read(a.join("patients/DEMO-02.json")).unwrap()).unwrap();
    assert_eq!(new["consent"], old["consent"]);
    assert_eq!(new["plan"], old["plan"]);
    assert_eq!(new["sessions"], old["sessions"]);
    assert_eq!(new["screen"], old["screen"]);
    let m6 = |v: &serde_json::Value| {
        v["follow_ups"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["timepoint"] == "6m")
            .cloned()
            .unwrap()
    };
    assert_eq!(m6(&new)["vds"], 6.5);
    assert_eq!(m6(&new)["assessor"], m6(&old)["assessor"]);
}
