//! `smplan generate`: deterministic per seed, complete records, refuses a non-empty registry.

use crate::cli_common;

use std::path::Path;
use std::process::Output;

fn smplan(dir: &Path, args: &[&str]) -> Output {
    cli_common::run(dir, "2026-11-25", args)
}

fn export_json(dir: &Path) -> serde_json::Value {
    let out = smplan(dir, &["export", "--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    // The export's own timestamp differs between runs; the patients must not.
    if let Some(o) = v.as_object_mut() {
        o.retain(|k, _| k == "patients");
    }
    v
}

#[test]
fn same_seed_same_registry_and_other_seed_differs() {
    let t = tempfile::tempdir().expect("tmp");
    let (a, b, c) = (t.path().join("a"), t.path().join("b"), t.path().join("c"));
    for (dir, seed) in [(&a, "5"), (&b, "5"), (&c, "6")] {
        let out = smplan(dir, &["generate", "--patients", "60", "--seed", seed]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let (ea, eb, ec) = (export_json(&a), export_json(&b), export_json(&c));
    assert_eq!(ea, eb);
    assert_ne!(ea, ec);
    let patients = ea["patients"].as_array().expect("patients");
    assert_eq!(patients.len(), 60);
    let check = smplan(&a, &["check"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
    // Both subtypes, plans, and statistics that the stats command can compute.
    let subtypes: std::collections::BTreeSet<_> = patients
        .iter()
        .map(|p| p["alopecia"]["subtype"].as_str().unwrap_or("").to_string())
        .collect();
    assert_eq!(subtypes.len(), 2);
    assert!(patients.iter().all(|p| p["plan"].is_object()));
    let stats = smplan(&a, &["stats", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&stats.stdout).expect("stats json");
    // Synthetic patients refuse data use now and then: the statistics leave them out and
    // count them.
    let left_out = v["data_use_consent"]["left_out"].as_u64().unwrap();
    assert!(left_out > 0 && left_out < 20, "{left_out}");
    assert_eq!(v["patients"].as_u64().unwrap() + left_out, 60);
    assert!(v["groups"][0]["vds_post"]["n"].as_u64().unwrap_or(0) > 20);
    // Patients still inside their 6-month window are part of "lost", and counted apart.
    let awaiting = v["awaiting_6m_window"]["all"]
        .as_u64()
        .expect("awaiting key");
    let lost = v["groups"][0]["lost_to_follow_up"]["count"]
        .as_u64()
        .expect("lost");
    assert!(awaiting <= lost, "{awaiting} > {lost}");
    assert_eq!(
        awaiting,
        v["awaiting_6m_window"]["androgenetic"]
            .as_u64()
            .unwrap_or(0)
            + v["awaiting_6m_window"]["scarring"].as_u64().unwrap_or(0)
    );
}

#[test]
fn refuses_a_registry_that_is_not_empty() {
    let t = tempfile::tempdir().expect("tmp");
    let dir = t.path().join("r");
    assert!(
        smplan(&dir, &["generate", "--patients", "5"])
            .status
            .success()
    );
    let before = export_json(&dir);
    let out = smplan(&dir, &["generate", "--patients", "5", "--seed", "9"]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("already holds 5 patients"), "{err}");
    assert_eq!(export_json(&dir), before);
}

#[test]
fn zero_patients_is_a_usage_error_that_writes_nothing() {
    let t = tempfile::tempdir().expect("tmp");
    let dir = t.path().join("r");
    let out = smplan(&dir, &["generate", "--patients", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--patients"), "{err}");
    assert!(!dir.exists(), "nothing written");
}
