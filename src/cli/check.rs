//! `smplan check`: read every file of the registry and report damage (exit 1 when any). A
//! reading command: it never takes the lock and never moves a file.

use super::{Ctx, fail};
use crate::store::Registry;
use std::process::ExitCode;

pub fn run(ctx: &Ctx) -> ExitCode {
    let dir = ctx.data_dir.display();
    // The clinic protocol is a file of the registry too: one that is refused is damage here,
    // while every other command only warns and falls back to the built-in protocol.
    let (protocol, protocol_problems) = crate::protocol::Protocol::load(&ctx.data_dir);
    // Every file is read and checked in full (never taken from the summary index); only
    // the summaries are kept.
    let opts = crate::store::OpenOptions {
        summaries: true,
        ..ctx.open_options(false, &protocol)
    };
    let reg = match Registry::open_verifying(&ctx.data_dir, opts) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if !ctx.data_dir.exists() {
        println!("no registry at {dir} yet: nothing to check");
        return ExitCode::SUCCESS;
    }
    let report = reg.report();
    let mut problems = protocol_problems;
    problems.extend(report.problems());
    match reg.audit_problems() {
        Ok(p) => problems.extend(p),
        Err(e) => problems.push(format!("the audit log cannot be read: {e}")),
    }
    for p in &problems {
        eprintln!("smplan: {p}");
    }
    for w in &report.warnings {
        eprintln!("smplan: warning: {w}");
    }
    if report.pending > 0 {
        println!(
            "{} change(s) in progress or interrupted; the next writer completes them",
            report.pending
        );
    }
    let n = reg.len();
    if problems.is_empty() && report.warnings.is_empty() {
        println!("{dir}: {n} patient(s), every file whole and valid");
        return ExitCode::SUCCESS;
    }
    fail(format!(
        "{dir}: {n} patient(s) loaded; {} problem(s) and {} warning(s) above",
        problems.len(),
        report.warnings.len()
    ))
}
