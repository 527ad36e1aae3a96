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
