//! Running the real `smplan` binary on a data directory, for the command-line tests.

#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

/// `smplan --data-dir <dir> <args>` as on `today` (`SMPLAN_TODAY`), not yet run, so a test
/// can add to it (an operator in `USER`, its own stdio). The developer's own
/// `SMPLAN_DATA_DIR` and de-identification key are kept out of it.
pub fn command(dir: &Path, today: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_smplan"));
    cmd.arg("--data-dir")
        .arg(dir)
        .args(args)
        .env("SMPLAN_TODAY", today)
        .env_remove("SMPLAN_DATA_DIR")
        .env_remove("SMPLAN_DEIDENTIFY_KEY");
    cmd
}

/// Runs [`command`] to the end and returns what it printed and its status.
pub fn run(dir: &Path, today: &str, args: &[&str]) -> Output {
    command(dir, today, args).output().expect("run smplan")
}

/// The differences between two JSON documents, by path: numbers may differ by a relative
/// 1e-9 (absolute 1e-12 near zero), the contract's tolerance, since a sum taken over the
/// patients in another order (a registry rebuilt from a de-identified export holds them in
/// the order of their pseudonyms) can differ in the last bits; everything else is equal.
pub fn json_differences(a: &serde_json::Value, b: &serde_json::Value) -> Vec<String> {
    use serde_json::Value;
    fn walk(path: String, a: &Value, b: &Value, out: &mut Vec<String>) {
        match (a, b) {
            (Value::Number(x), Value::Number(y)) => {
                let (x, y) = (
                    x.as_f64().unwrap_or(f64::NAN),
                    y.as_f64().unwrap_or(f64::NAN),
                );
                let close = (x - y).abs() <= 1e-12 || (x - y).abs() <= 1e-9 * x.abs().max(y.abs());
                if !close {
                    out.push(format!("{path}: {x} != {y}"));
                }
            }
            (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
                for (i, (x, y)) in x.iter().zip(y).enumerate() {
                    walk(format!("{path}[{i}]"), x, y, out);
                }
            }
            (Value::Object(x), Value::Object(y)) if x.keys().eq(y.keys()) => {
                for (k, v) in x {
                    walk(format!("{path}.{k}"), v, &y[k], out);
                }
            }
            _ if a == b => {}
            _ => out.push(format!("{path}: {a} != {b}")),
        }
    }
    let mut out = Vec::new();
    walk(String::new(), a, b, &mut out);
    out
}
