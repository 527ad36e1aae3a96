//! The FHIR export validates against the `fhir.resources` R4B models when Python has them.

use crate::export_common;

use smplan::export::{self, Kind};
use std::process::Command;

const VALIDATE: &str = r#"
import sys
try:
    from fhir.resources.R4B.bundle import Bundle
except ImportError:
    print("fhir.resources is not installed")
    sys.exit(3)
data = open(sys.argv[1], encoding="utf-8").read()
if hasattr(Bundle, "model_validate_json"):
    b = Bundle.model_validate_json(data)
else:
    b = Bundle.parse_raw(data)
kinds = {}
for e in b.entry:
    t = e.resource.get_resource_type()
    kinds[t] = kinds.get(t, 0) + 1
print(" ".join(f"{k}={v}" for k, v in sorted(kinds.items())))
"#;

/// Runs the validator; `None` when it could not run (no python3 or no fhir.resources).
fn validate(bundle: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.json");
    std::fs::write(&path, bundle).unwrap();
    let out = match Command::new("python3")
        .arg("-c")
        .arg(VALIDATE)
        .arg(&path)
        .output()
    {
        Ok(o) => o,
        Err(e) => {
            eprintln!("SKIPPED FHIR validation: python3 cannot run ({e})");
            return None;
        }
    };
    if out.status.code() == Some(3) {
        eprintln!(
            "SKIPPED FHIR validation: the Python package fhir.resources is not installed (pip install 'fhir.resources>=7,<9')"
        );
        return None;
    }
    assert!(
        out.status.success(),
        "fhir.resources rejected the bundle:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn fhir(deidentify: Option<&[u8]>) -> Vec<u8> {
    let records = export::records(&export_common::cohort(), deidentify);
    let mut out = Vec::new();
    export::write_format(Kind::Fhir, &records, &mut out).unwrap();
    out
}

#[test]
fn identified_bundle_validates_as_r4() {
    if let Some(counts) = validate(&fhir(None)) {
        // 4 patients, 4 conditions, 12 sessions, 4 ages + 7 VDS + 7 PSS, 1 adverse event.
        assert_eq!(
            counts,
            "AdverseEvent=1 Condition=4 Observation=18 Patient=4 Procedure=12"
        );
    }
}

#[test]
fn de_identified_bundle_validates_as_r4() {
    if let Some(counts) = validate(&fhir(Some(b"test secret"))) {
        assert!(counts.contains("Patient=4"), "{counts}");
    }
}

#[test]
fn a_broken_bundle_is_rejected() {
    // The validator must be able to fail: a Procedure without its required status.
    let mut v: serde_json::Value = serde_json::from_slice(&fhir(None)).unwrap();
    let entries = v["entry"].as_array_mut().unwrap();
    let proc_ = entries
        .iter_mut()
        .find(|e| e["resource"]["resourceType"] == "Procedure")
        .unwrap();
    proc_["resource"]["status"] = serde_json::json!(42);
    proc_["resource"]["performedDateTime"] = serde_json::json!("yesterday");
    let bytes = serde_json::to_vec(&v).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.json");
    std::fs::write(&path, bytes).unwrap();
    let Ok(out) = Command::new("python3")
        .arg("-c")
        .arg(VALIDATE)
        .arg(&path)
        .output()
    else {
        eprintln!("SKIPPED FHIR validation: python3 cannot run");
        return;
    };
    if out.status.code() == Some(3) {
        eprintln!("SKIPPED FHIR validation: fhir.resources is not installed");
        return;
    }
    assert!(!out.status.success(), "a broken bundle passed validation");
}

#[test]
fn scores_and_dates_read_back_from_the_bundle() {
    // Round trip: every VDS and PSS of the registry is in the bundle, on its patient, with its
    // timepoint and date, and nothing else is.
    let cohort = export_common::cohort();
    let b: serde_json::Value = serde_json::from_slice(&fhir(None)).unwrap();
    let entries = b["entry"].as_array().unwrap();
    let id_of = |url: &str| -> String {
        let e = entries.iter().find(|e| e["fullUrl"] == url).unwrap();
        e["resource"]["identifier"][0]["value"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let mut from_bundle = Vec::new();
    for e in entries {
        let r = &e["resource"];
        let code = &r["code"]["coding"][0];
        if r["resourceType"] != "Observation"
            || code["system"] != smplan::export::fhir::SCORE_SYSTEM
        {
            continue;
        }
        let value = if code["code"] == "vds" {
            r["valueQuantity"]["value"].as_f64().unwrap()
        } else {
            r["valueInteger"].as_f64().unwrap()
        };
        from_bundle.push((
            id_of(r["subject"]["reference"].as_str().unwrap()),
            code["code"].as_str().unwrap().to_string(),
            r["extension"][0]["valueCode"].as_str().unwrap().to_string(),
            r["effectiveDateTime"].as_str().unwrap().to_string(),
            value,
        ));
    }
    let mut from_registry = Vec::new();
    for p in &cohort {
        for f in &p.follow_ups {
            let date = f.date.unwrap().to_string();
            let tp = f.timepoint.id();
            if let Some(v) = f.vds {
                from_registry.push((
                    p.record_id.clone(),
                    "vds".into(),
                    tp.clone(),
                    date.clone(),
                    v.value(),
                ));
            }
            if let Some(v) = f.pss {
                from_registry.push((
                    p.record_id.clone(),
                    "pss".into(),
                    tp.clone(),
                    date.clone(),
                    f64::from(v.value()),
                ));
            }
        }
    }
    let key = |a: &(String, String, String, String, f64),
               b: &(String, String, String, String, f64)| {
        (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2))
    };
    from_bundle.sort_by(key);
    from_registry.sort_by(key);
    assert_eq!(from_bundle, from_registry);
}
