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

/// `o`, after asserting that it exited 0 (else the status and all it printed).
pub fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "exit {:?}: {}{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

/// [`run`] with `user` as the operator (`USER`).
pub fn run_as(dir: &Path, today: &str, user: &str, args: &[&str]) -> Output {
    command(dir, today, args)
        .env("USER", user)
        .output()
        .expect("run smplan")
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

/// Every entry under `root`, by path, with what it is: a file's bytes (and mode), a link's
/// target, or a directory (and mode). Links are never followed. For "nothing changed"
/// checks around a command, inside a registry and outside it.
pub fn tree(root: &Path) -> std::collections::BTreeMap<std::path::PathBuf, String> {
    use std::os::unix::fs::PermissionsExt;
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(read) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in read {
            let p = e.expect("list").path();
            let m = std::fs::symlink_metadata(&p).expect("stat");
            let mode = m.permissions().mode() & 0o7777;
            let what = if m.file_type().is_symlink() {
                format!(
                    "link -> {}",
                    std::fs::read_link(&p).expect("link").display()
                )
            } else if m.is_dir() {
                stack.push(p.clone());
                format!("dir {mode:o}")
            } else if m.is_file() {
                let bytes = std::fs::read(&p).unwrap_or_default();
                format!("file {mode:o} {}", String::from_utf8_lossy(&bytes))
            } else {
                format!("special {mode:o}")
            };
            out.insert(p, what);
        }
    }
    out
}

/// Runs [`command`] to the end, killed after `secs` seconds (`None` then: it hung).
pub fn run_with_timeout(cmd: &mut Command, secs: u64) -> Option<Output> {
    use std::process::Stdio;
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn smplan");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        if child.try_wait().expect("wait").is_some() {
            return Some(child.wait_with_output().expect("output"));
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// The paths where two [`tree`]s differ (to assert on without printing whole files).
pub fn tree_diff(
    a: &std::collections::BTreeMap<std::path::PathBuf, String>,
    b: &std::collections::BTreeMap<std::path::PathBuf, String>,
) -> Vec<std::path::PathBuf> {
    a.keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .cloned()
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect()
}

/// What a run printed on standard error.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Every file under `dir` with its bytes, and each directory (as `<dir>`): what a refused
/// command must leave exactly as it was.
pub fn snapshot(dir: &Path) -> std::collections::BTreeMap<std::path::PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            if p.is_dir() {
                stack.push(p.clone());
                out.insert(p, b"<dir>".to_vec());
            } else {
                out.insert(p.clone(), std::fs::read(&p).expect("read"));
            }
        }
    }
    out
}
