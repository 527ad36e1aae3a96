//! The statistics of every golden cohort (tests/data/golden) against SciPy's numbers, key by
//! key: relative difference at most 1e-9 (absolute 1e-12 near zero), nulls where SciPy's are.
//!
//! The cohorts are read here by a small CSV reader straight into `Patient`s, so the numbers
//! are checked independently of the registry; `golden_through_the_binary` then checks the
//! same numbers through the real binary: `smplan import` then `smplan stats --json`.

use crate::cli_common;

use serde_json::Value;
use smplan::domain::{Patient, Subtype, Timepoint};
use smplan::stats::summarize;
use std::path::{Path, PathBuf};

/// The golden cohorts live in the repository (`tests/data/golden`, copied from the project's
/// shared folder with a note of where the numbers come from; `tests/data/golden2`, made by
/// the script beside them with SciPy, statsmodels and lifelines), so a fresh clone tests
/// anywhere without Python.
fn golden_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name);
    assert!(
        dir.join("cohort_0.csv").exists(),
        "golden cohorts missing from {}",
        dir.display()
    );
    dir
}

fn cohorts() -> Vec<(String, PathBuf, Value)> {
    let mut out = cohorts_in("golden");
    assert!(
        out.len() >= 12,
        "expected the 12 golden cohorts, found {}",
        out.len()
    );
    let second = cohorts_in("golden2");
    assert!(
        second.len() >= 16,
        "expected the 16 second-round cohorts, found {}",
        second.len()
    );
    out.extend(second);
    out
}

fn cohorts_in(name: &str) -> Vec<(String, PathBuf, Value)> {
    files_in(name, "cohort")
}

/// `<prefix>_K.csv` with `<prefix>_K.expected.json`, K = 0, 1, ...
fn files_in(name: &str, prefix: &str) -> Vec<(String, PathBuf, Value)> {
    let dir = golden_dir(name);
    let mut out = Vec::new();
    for k in 0.. {
        let csv = dir.join(format!("{prefix}_{k}.csv"));
        if !csv.exists() {
            break;
        }
        let expected = std::fs::read_to_string(dir.join(format!("{prefix}_{k}.expected.json")))
            .expect("expected json");
        out.push((
            format!("{name}/{prefix}_{k}"),
            csv,
            serde_json::from_str(&expected).expect("valid json"),
        ));
    }
    out
}

/// Reads the golden CSV columns statistics need into patients.
fn read_patients(path: &Path) -> Vec<Patient> {
    let mut rdr = csv::Reader::from_path(path).expect("csv");
    let headers = rdr.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let mut patients = Vec::new();
    for row in rdr.records() {
        let row = row.expect("row");
        let cell = |name: &str| col(name).map(|i| row[i].trim()).filter(|s| !s.is_empty());
        let subtype: Subtype = cell("subtype").expect("subtype").parse().expect("subtype");
        let mut p = Patient::new(cell("record_id").expect("record_id"), subtype);
        for (tp, v, s) in [
            (Timepoint::Post, "vds_post", "pss_post"),
            (Timepoint::M6, "vds_6m", "pss_6m"),
        ] {
            let (vds, pss) = (cell(v), cell(s));
            if vds.is_some() || pss.is_some() {
                let f = p.follow_up_mut(tp);
                f.vds = vds.map(|x| x.parse().expect("vds"));
                f.pss = pss.map(|x| x.parse().expect("pss"));
            }
        }
        if let Some(ae) = cell("adverse_events") {
            p.adverse_events = smplan::io::csv::parse_adverse_events(ae);
        }
        patients.push(p);
    }
    patients
}

/// Every key of `expected` must be in `actual` with an equal value (numbers within the
/// contract's tolerance). Keys only in `actual` are the additive ones and are not compared;
/// keys of `expected` starting with `_` are notes (which reference made the numbers).
fn compare(path: &str, expected: &Value, actual: &Value, errors: &mut Vec<String>) {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => {
            for (k, ev) in e.iter().filter(|(k, _)| !k.starts_with('_')) {
                match a.get(k) {
                    Some(av) => compare(&format!("{path}.{k}"), ev, av, errors),
                    None => errors.push(format!("{path}.{k}: missing")),
                }
            }
        }
        (Value::Array(e), Value::Array(a)) => {
            if e.len() != a.len() {
                errors.push(format!("{path}: {} items, expected {}", a.len(), e.len()));
            }
            for (i, (ev, av)) in e.iter().zip(a).enumerate() {
                compare(&format!("{path}[{i}]"), ev, av, errors);
            }
        }
        (Value::Number(e), Value::Number(a)) => {
            let (e, a) = (
                e.as_f64().unwrap_or(f64::NAN),
                a.as_f64().unwrap_or(f64::NAN),
            );
            let ok = (a - e).abs() <= 1e-12 || (a - e).abs() <= 1e-9 * e.abs();
            if !ok {
                errors.push(format!(
                    "{path}: {a} expected {e} (rel {:.2e})",
                    (a - e) / e
                ));
            }
        }
        (e, a) if e == a => {}
        (e, a) => errors.push(format!("{path}: {a} expected {e}")),
    }
}

#[test]
fn golden_cohorts_match_scipy() {
    let mut errors = Vec::new();
    for (name, csv, expected) in cohorts() {
        let summary = summarize(&read_patients(&csv));
        let actual = serde_json::to_value(&summary).expect("serialize");
        compare(&name, &expected, &actual, &mut errors);
    }
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

/// Runs the real binary on a data directory; returns (status, stdout, stderr).
fn smplan(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = cli_common::run(dir, "2026-11-25", args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn golden_through_the_binary() {
    let mut errors = Vec::new();
    for (name, csv, expected) in cohorts() {
        let dir = tempfile::tempdir().expect("tempdir");
        let csv = csv.to_str().expect("utf-8 path");
        let (code, _, err) = smplan(dir.path(), &["import", csv]);
        assert_eq!(code, 0, "{name}: import failed: {err}");
        let (code, out, err) = smplan(dir.path(), &["stats", "--json"]);
        assert_eq!(code, 0, "{name}: stats failed: {err}");
        // Standard output is one JSON document and nothing else.
        let actual: Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("{name}: stdout is not one JSON document: {e}\n{out}"));
        compare(&name, &expected, &actual, &mut errors);
    }
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

/// Durability (Kaplan–Meier of touch-up-free time, log-rank, VDS over every visit) against
/// lifelines, read through the CSV importer and through the real binary.
#[test]
fn durability_matches_lifelines() {
    let cohorts = files_in("golden2", "durability");
    assert!(cohorts.len() >= 8, "found {}", cohorts.len());
    let mut errors = Vec::new();
    for (name, path, expected) in &cohorts {
        let bytes = std::fs::read(path).expect("csv");
        let file = smplan::io::csv::read(&bytes).expect("a valid CSV");
        let patients: Vec<Patient> = file
            .rows
            .iter()
            .map(|(line, row)| {
                let (p, bad) = smplan::io::csv::apply_row(&file, *line, row, None);
                assert!(bad.is_empty(), "{name}: {bad:?}");
                p
            })
            .collect();
        let actual = serde_json::to_value(summarize(&patients)).expect("serialize");
        compare(name, expected, &actual, &mut errors);

        let dir = tempfile::tempdir().expect("tempdir");
        let (code, _, err) = smplan(dir.path(), &["import", path.to_str().expect("utf-8")]);
        assert_eq!(code, 0, "{name}: import failed: {err}");
        let (code, out, err) = smplan(dir.path(), &["stats", "--json"]);
        assert_eq!(code, 0, "{name}: {err}");
        let actual: Value = serde_json::from_str(&out).expect("one JSON document");
        compare(&format!("{name} (binary)"), expected, &actual, &mut errors);
    }
    assert!(
        errors.is_empty(),
        "{} mismatches:\n{}",
        errors.len(),
        errors.join("\n")
    );
}

#[test]
fn empty_registry_prints_nulls_not_nan() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (code, out, err) = smplan(dir.path(), &["stats", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).expect("one JSON document");
    assert_eq!(v["patients"], 0);
    assert_eq!(v["groups"][0]["vds_post"]["mean"], Value::Null);
    assert_eq!(v["groups"][0]["very_satisfied_6m"]["pct"], Value::Null);
    let (code, out, _) = smplan(dir.path(), &["stats"]);
    assert_eq!(code, 0);
    assert!(out.contains("No patients yet"), "{out}");
}

#[test]
fn comparison_catches_a_wrong_number() {
    // The comparison itself must be able to fail.
    let e: Value = serde_json::json!({"a": {"p": 0.5, "q": null}, "b": [1.0]});
    let mut errors = Vec::new();
    compare(
        "x",
        &e,
        &serde_json::json!({"a": {"p": 0.5000001, "q": 1.0}}),
        &mut errors,
    );
    assert_eq!(errors.len(), 3, "{errors:?}");
}

/// `smplan stats` text on the small golden cohorts: at n ≤ 10 the exact p first with the
/// approximation beside it, and the smallest reachable p said where it is above 0.05, with
/// the figures of the JSON (the same cohorts the references checked).
#[test]
fn text_puts_the_exact_p_first_at_small_n() {
    use smplan::stats::present::{fmt_p, p_is};
    let mut checked = 0;
    for (name, csv, expected) in cohorts_in("golden2") {
        if expected["patients"].as_u64().unwrap_or(99) > 10 {
            continue;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let (code, _, err) = smplan(dir.path(), &["import", csv.to_str().expect("utf-8")]);
        assert_eq!(code, 0, "{name}: {err}");
        let (code, text, err) = smplan(dir.path(), &["stats"]);
        assert_eq!(code, 0, "{name}: {err}");
        // The "All patients" block comes first: its lines are the first of each label.
        let line = |label: &str| {
            text.lines()
                .find(|l| l.trim_start().starts_with(label))
                .unwrap_or_else(|| panic!("{name}: no line {label}:\n{text}"))
                .to_string()
        };
        let all = &expected["groups"][0];
        let sp = &all["spearman_vds_pss_post"];
        if let (Some(p), Some(pe)) = (sp["p"].as_f64(), sp["p_exact"].as_f64()) {
            let want = format!(
                "{} (exact permutation, two-sided); t approximation {} (two-sided)",
                p_is(pe),
                p_is(p)
            );
            assert!(line("at post").contains(&want), "{name}: {want}\n{text}");
            checked += 1;
        }
        let w = &all["wilcoxon_vds"];
        if let Some(min) = w["p_exact_min"].as_f64().filter(|m| *m > 0.05)
            && w["p"].is_number()
        {
            let n = w["n_nonzero"].as_u64().unwrap_or(0);
            let want = format!(
                "the smallest p this test can give at n = {n} is {}",
                fmt_p(min)
            );
            assert!(line("Wilcoxon").contains(&want), "{name}: {want}\n{text}");
            checked += 1;
        }
    }
    assert!(checked >= 4, "checked {checked}");
}
