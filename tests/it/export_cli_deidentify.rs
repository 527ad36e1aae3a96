//! `smplan export --deidentify` in every format through the real binary: nothing identifying
//! in any output, and the statistics unchanged.

use crate::export_common;

use crate::cli_common::json_differences;
use export_common::cli::{registry, smplan, stdout};
use export_common::{cohort, forbidden, leaks};
use smplan::domain::Patient;
use smplan::export::deidentify::pseudonym;
use std::collections::BTreeMap;
use std::path::Path;

const FORMATS: [&str; 4] = ["csv", "json", "fhir", "dictionary"];

#[test]
fn no_identifier_in_any_de_identified_export() {
    let dir = registry();
    let forbidden = forbidden(&cohort());
    for format in FORMATS {
        let text = stdout(&smplan(
            dir.path(),
            &["export", "--format", format, "--deidentify"],
        ));
        assert_eq!(leaks(&text, &forbidden), Vec::<String>::new(), "{format}");
        assert!(!text.contains("SMP-00"), "{format}: a record id");
        let pseudonym = pseudonym(&key(dir.path()), "SMP-003");
        assert!(
            text.contains(&pseudonym) || format == "dictionary",
            "{format}"
        );
    }
    // ... while the identified exports do hold the names (the search can fail).
    for format in ["csv", "json", "fhir"] {
        let text = stdout(&smplan(dir.path(), &["export", "--format", format]));
        assert!(text.contains("欧阳娜娜"), "{format}");
    }
}

#[test]
fn de_identified_csv_has_age_instead_of_birth_date() {
    let dir = registry();
    let text = stdout(&smplan(dir.path(), &["export", "--deidentify"]));
    assert!(
        text.starts_with("record_id,name,sex,age_at_session1,"),
        "{text}"
    );
    let rows = rows_by_id(&text);
    assert!(rows.values().all(|r| r["name"].is_empty()));
    let id = |rid: &str| pseudonym(&key(dir.path()), rid);
    assert_eq!(rows[&id("SMP-001")]["age_at_session1"], "39");
    assert_eq!(
        rows[&id("SMP-003")]["classification"],
        "",
        "typed by hand, so removed"
    );
    assert_eq!(rows[&id("SMP-004")]["classification"], "FUT strip scar");
}

/// The registry's de-identification key, created by its first de-identified export.
fn key(dir: &Path) -> Vec<u8> {
    let k = std::fs::read_to_string(dir.join("deidentify.key")).unwrap();
    k.trim().as_bytes().to_vec()
}

fn rows_by_id(csv_text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut r = csv::Reader::from_reader(csv_text.as_bytes());
    let headers: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    r.records()
        .map(|row| {
            let row = row.unwrap();
            let m: BTreeMap<String, String> = headers
                .iter()
                .cloned()
                .zip(row.iter().map(String::from))
                .collect();
            (m["record_id"].clone(), m)
        })
        .collect()
}

/// The patients of `export --format json --deidentify`.
fn deidentified_json_patients(dir: &std::path::Path) -> Vec<Patient> {
    let json: serde_json::Value = serde_json::from_str(&stdout(&smplan(
        dir,
        &["export", "--format", "json", "--deidentify"],
    )))
    .unwrap();
    serde_json::from_value(json["patients"].clone()).unwrap()
}

#[test]
fn statistics_on_the_de_identified_exports_equal_the_originals() {
    let dir = registry();
    // JSON: the statistics computed from the de-identified records are the registry's.
    // To the contract's 1e-9: the export holds the patients in the order of their pseudonyms.
    let patients = deidentified_json_patients(dir.path());
    assert_eq!(patients.len(), 4);
    let summary = |ps: &[Patient]| serde_json::to_value(smplan::stats::summarize(ps)).unwrap();
    assert_eq!(
        json_differences(&summary(&patients), &summary(&cohort())),
        Vec::<String>::new()
    );
    // CSV: every column the statistics read is identical, row by row (matched through the
    // pseudonyms, which the registry's key gives).
    let plain = rows_by_id(&stdout(&smplan(dir.path(), &["export"])));
    let deid = rows_by_id(&stdout(&smplan(dir.path(), &["export", "--deidentify"])));
    let key = key(dir.path());
    let deid: BTreeMap<String, _> = plain
        .keys()
        .map(|id| (id.clone(), deid[&pseudonym(&key, id)].clone()))
        .collect();
    assert_eq!(plain.len(), deid.len());
    for (id, row) in &plain {
        for col in [
            "subtype",
            "vds_post",
            "vds_6m",
            "pss_post",
            "pss_6m",
            "adverse_events",
        ] {
            assert_eq!(row[col], deid[id][col], "{id} {col}");
        }
        assert_ne!(row["session1_date"], deid[id]["session1_date"], "{id}");
    }
}

#[test]
fn stats_command_agrees_on_a_registry_rebuilt_from_the_de_identified_export() {
    let dir = registry();
    let patients = deidentified_json_patients(dir.path());
    // A second registry holding only what the de-identified export carries.
    let rebuilt = tempfile::tempdir().unwrap();
    let mut opts =
        smplan::store::OpenOptions::new(true, "test", export_common::d(export_common::cli::TODAY));
    opts.known_zones = smplan::protocol::Protocol::builtin().zone_ids();
    let mut reg = smplan::store::Registry::open(rebuilt.path(), opts).unwrap();
    for p in patients {
        reg.save(p).unwrap();
    }
    drop(reg);
    let original = stdout(&smplan(dir.path(), &["stats", "--json"]));
    let from_export = stdout(&smplan(rebuilt.path(), &["stats", "--json"]));
    assert!(
        original.contains("\"patients\": 4") || original.contains("\"patients\":4"),
        "{original}"
    );
    // Every statistic is equal. `awaiting_6m_window` is not a statistic but a count of
    // windows still open on today's date, which shifted dates cannot keep: it is left out.
    let stats = |text: &str| {
        let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
        v.as_object_mut().unwrap().remove("awaiting_6m_window");
        v
    };
    assert_eq!(
        json_differences(&stats(&from_export), &stats(&original)),
        Vec::<String>::new()
    );
}

/// With no patients there is nothing to shift: a de-identified export of an empty registry is
/// the empty document, and no key file is created. An absent registry is not an empty one: it
/// is refused ("no registry at DIR"), so a mistyped path never exports an empty file as if
/// it were the clinic's.
#[test]
fn de_identified_export_of_an_empty_registry_needs_no_key() {
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("none");
    // The data dictionary describes the fields, not a registry: it needs none.
    for f in FORMATS.iter().filter(|f| **f != "dictionary") {
        let o = smplan(&dir, &["export", "--deidentify", "--format", f]);
        assert_eq!(o.status.code(), Some(1), "{f}");
        assert!(String::from_utf8_lossy(&o.stderr).contains("no registry at"));
        assert!(!dir.exists());
    }
    std::fs::create_dir(&dir).unwrap();
    for f in FORMATS {
        let o = smplan(&dir, &["export", "--deidentify", "--format", f]);
        assert!(
            o.status.success(),
            "{f}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    let o = smplan(&dir, &["export", "--deidentify"]);
    assert!(String::from_utf8_lossy(&o.stdout).starts_with("record_id,name,sex,age_at_session1,"));
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "no key file, nothing"
    );
}

/// Clinics build record ids from names, birth dates and hospital numbers: no such id, nor
/// any part of one, appears anywhere in any de-identified export; every export of the
/// registry gives each patient the same pseudonym (the one its key gives), and the FHIR
/// resource ids are the same too, so re-exports line up.
#[test]
fn no_record_id_in_any_de_identified_export_and_pseudonyms_are_stable() {
    // Ids as clinics write them, with the parts a reader could recognise.
    let ids: [(&str, &[&str]); 4] = [
        ("WANG-XM-19850412", &["WANG", "19850412"]),
        ("LiNa_1979-11-30", &["LiNa", "1979-11-30"]),
        ("MRN00448812", &["MRN00448812", "00448812"]),
        ("OBRIEN.S.H7702141", &["OBRIEN", "H7702141"]),
    ];
    let dir = tempfile::tempdir().unwrap();
    let mut opts =
        smplan::store::OpenOptions::new(true, "test", export_common::d(export_common::cli::TODAY));
    opts.known_zones = smplan::protocol::Protocol::builtin().zone_ids();
    let mut reg = smplan::store::Registry::open(dir.path(), opts).unwrap();
    for (mut p, (id, _)) in cohort().into_iter().zip(ids) {
        p.record_id = id.to_string();
        reg.save(p).unwrap();
    }
    drop(reg);
    let export = |format: &str| {
        stdout(&smplan(
            dir.path(),
            &["export", "--format", format, "--deidentify"],
        ))
    };
    let first: Vec<String> = ["csv", "json", "fhir"].map(export).to_vec();
    let key = key(dir.path());
    let mut forbidden = forbidden(&cohort());
    for (id, parts) in ids {
        forbidden.push(id.to_string());
        forbidden.extend(parts.iter().map(|s| s.to_string()));
    }
    for (format, text) in ["csv", "json", "fhir"].iter().zip(&first) {
        assert_eq!(leaks(text, &forbidden), Vec::<String>::new(), "{format}");
        for (id, _) in ids {
            assert!(text.contains(&pseudonym(&key, id)), "{format}: {id}");
        }
    }
    // The CSV, the JSON and the FHIR bundle name the same pseudonyms, in the same order.
    let csv_ids: Vec<String> = csv::Reader::from_reader(first[0].as_bytes())
        .records()
        .map(|r| r.unwrap()[0].to_string())
        .collect();
    let json: serde_json::Value = serde_json::from_str(&first[1]).unwrap();
    let json_ids: Vec<String> = json["patients"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["record_id"].as_str().unwrap().to_string())
        .collect();
    let fhir: serde_json::Value = serde_json::from_str(&first[2]).unwrap();
    let fhir_ids: Vec<String> = fhir["entry"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "Patient")
        .map(|e| {
            let ident = &e["resource"]["identifier"][0];
            assert_eq!(ident["system"], "urn:smplan:pseudonym");
            ident["value"].as_str().unwrap().to_string()
        })
        .collect();
    let mut expected: Vec<String> = ids.iter().map(|(id, _)| pseudonym(&key, id)).collect();
    expected.sort();
    assert_eq!(csv_ids, expected, "in the order of the pseudonyms");
    assert_eq!(json_ids, expected);
    assert_eq!(fhir_ids, expected);
    // A second export gives the same pseudonyms and the same FHIR resource ids; only the
    // JSON's export time may differ.
    let second: Vec<String> = ["csv", "json", "fhir"].map(export).to_vec();
    assert_eq!(first[0], second[0]);
    assert_eq!(first[2], second[2]);
    let without_time = |t: &str| {
        let mut v: serde_json::Value = serde_json::from_str(t).unwrap();
        v.as_object_mut().unwrap().remove("exported");
        v
    };
    assert_eq!(without_time(&first[1]), without_time(&second[1]));
}
