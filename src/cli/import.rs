//! `smplan import FILE.csv [--update]`: all rows or none.

use super::{Ctx, fail};
use crate::io::csv::{self as patient_csv, CellError, CsvFile};
use crate::store::Registry;
use std::path::Path;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, file: &Path, update: bool) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
    };
    let csv = match patient_csv::read(&bytes) {
        Ok(c) => c,
        Err(errors) => return refuse(file, &errors),
    };
    // First against the registry as it is, without the lock: a refused file leaves the
    // registry byte for byte as it was (not even the lock file is touched).
    let protocol = ctx.protocol();
    let opts = |write| ctx.open_options(write, &protocol);
    let reader = match Registry::open(&ctx.data_dir, opts(false)) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if let Some((f, _)) = reader.report().newer_schema.first() {
        return fail(format!(
            "nothing imported: {} was written by a newer smplan; use that version",
            f.display()
        ));
    }
    if let Err(errors) = plan(&csv, &reader, update) {
        return refuse(file, &errors);
    }
    drop(reader);
    let mut reg = match Registry::open(&ctx.data_dir, opts(true)) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if let Some(why) = reg.read_only_reason() {
        return fail(format!(
            "nothing imported into {}: {why}",
            ctx.data_dir.display()
        ));
    }
    // Again under the lock: the registry may have changed in between.
    let patients = match plan(&csv, &reg, update) {
        Ok(p) => p,
        Err(errors) => return refuse(file, &errors),
    };
    let new = patients
        .iter()
        .filter(|p| reg.get(&p.record_id).is_none())
        .count();
    let unchanged = patients
        .iter()
        .filter(|p| reg.get(&p.record_id) == Some(*p))
        .count();
    let updated = patients.len() - new - unchanged;
    for problem in reg.report().problems() {
        eprintln!("smplan: warning: {problem}");
    }
    // Flagged, never refused (the protocol's rules are the clinic's defaults): sessions
    // closer than the interval, follow-ups outside their window. Rows and patients are in
    // the same order (a file with any bad row was refused above).
    for ((line, _), p) in csv.rows.iter().zip(&patients) {
        let flags = crate::protocol::schedule::patient_spacing_warnings(p, &protocol)
            .into_iter()
            .chain(crate::protocol::schedule::out_of_window(p, &protocol));
        for w in flags {
            eprintln!(
                "smplan: {}: warning: line {line}, {}: {w}",
                file.display(),
                p.record_id
            );
        }
    }
    match reg.import_batch(patients, update) {
        Ok(()) => {
            if csv.has(patient_csv::READ_ONLY_AGE) {
                eprintln!(
                    "smplan: note: {} was checked but not stored (a registry keeps birth dates, not ages)",
                    patient_csv::READ_ONLY_AGE
                );
            }
            println!(
                "imported {} from {} into {}: {new} new, {updated} updated, {unchanged} unchanged",
                plural(new + updated + unchanged, "patient"),
                file.display(),
                ctx.data_dir.display()
            );
            ExitCode::SUCCESS
        }
        // The store refuses further writes when the transaction was recorded but could not
        // be applied: then the import is not lost, and "nothing imported" would be false.
        Err(e) => match reg.read_only_reason() {
            Some(_) => fail(format!(
                "the import is recorded but not complete ({e}); the next time the registry is opened it is completed; run `smplan check`"
            )),
            None => fail(format!("nothing imported: {e}")),
        },
    }
}

fn plan(
    csv: &CsvFile,
    reg: &Registry,
    update: bool,
) -> Result<Vec<crate::domain::Patient>, Vec<CellError>> {
    patient_csv::plan_import(csv, |id| reg.get(id), update, &reg.validation_context())
}

/// Every problem, one sentence each, then the verdict.
fn refuse(file: &Path, errors: &[CellError]) -> ExitCode {
    for e in errors {
        eprintln!("smplan: {}: {e}", file.display());
    }
    fail(format!(
        "nothing imported: {} in {}",
        plural(errors.len(), "problem"),
        file.display()
    ))
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
