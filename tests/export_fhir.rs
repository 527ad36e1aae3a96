//! The FHIR export validates against the `fhir.resources` R4B models when Python has them.

#[path = "export_common/mod.rs"]
mod export_common;

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
