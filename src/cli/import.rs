//! `smplan import FILE.csv|FILE.json [--update]`: all rows (records) or none.
//!
//! A CSV file is the analysis table of the contract (`crate::io::csv`); a JSON file is the
//! JSON export, identified or de-identified (`crate::io::json`), which carries the whole
//! record. The file is told by its content: a JSON document starts with `{`.

use super::{Ctx, fail};
use crate::domain::text::file_name_key;
use crate::domain::{Patient, SafetyRules, gate};
use crate::io::csv::{self as patient_csv, CsvFile};
use crate::io::json::{self as patient_json, JsonFile};
use crate::store::Registry;
use std::collections::HashMap;
use std::path::Path;
use std::process::ExitCode;

/// A file read and ready to be checked against the registry.
enum Source {
    Csv(CsvFile),
    Json(JsonFile),
}

impl Source {
    fn read(bytes: &[u8]) -> Result<Source, Vec<String>> {
        if patient_json::looks_like_json(bytes) {
            patient_json::read(bytes).map(Source::Json).map_err(strings)
        } else {
            patient_csv::read(bytes).map(Source::Csv).map_err(strings)
        }
    }

    /// Every patient the file gives, in file order, or every problem: the file's own, then
    /// the gates' (see `domain::gate`): a record that carries a health screen or treatment
    /// consent must satisfy them for every session the file adds; a historical one (neither)
    /// is kept, with a warning.
    fn plan(
        &self,
        reg: &Registry,
        update: bool,
        rules: &SafetyRules,
    ) -> Result<Vec<Patient>, Vec<String>> {
        let ctx = reg.validation_context();
        let patients = match self {
            Source::Csv(csv) => {
                patient_csv::plan_import(csv, |id| reg.get(id), update, &ctx).map_err(strings)
            }
            Source::Json(json) => {
                patient_json::plan_import(json, |id| reg.get(id), update, &ctx).map_err(strings)
            }
        }?;
        self.same_file_names(reg, &patients)?;
        let refused: Vec<String> = patients
            .iter()
            .enumerate()
            .flat_map(|(i, p)| {
                let check = gate::check_change(reg.get(&p.record_id), p, rules, gate::Mode::Import);
                check
                    .refusals
                    .into_iter()
                    .map(move |r| format!("{}: {r}", self.label(i, p)))
            })
            .collect();
        match refused.is_empty() {
            true => Ok(patients),
            false => Err(refused),
        }
    }

    /// The file is a de-identified export (see `crate::io::csv::deidentified_update_refusal`).
    fn is_deidentified(&self) -> bool {
        match self {
            Source::Csv(csv) => patient_csv::is_deidentified(csv),
            Source::Json(json) => json.is_deidentified(),
        }
    }

    /// How the i-th patient is named in a warning: `line 4, SMP-003` or `record SMP-003`.
    /// Refuses a record id that differs from another one (in the file or the registry) only
    /// in letter case or accent form: on a case-insensitive disk both would be one file.
    fn same_file_names(&self, reg: &Registry, patients: &[Patient]) -> Result<(), Vec<String>> {
        let mut known: HashMap<String, String> = reg
            .patients()
            .map(|p| (file_name_key(&p.record_id), p.record_id.clone()))
            .collect();
        let mut errors = Vec::new();
        for (i, p) in patients.iter().enumerate() {
            let key = file_name_key(&p.record_id);
            match known.get(&key) {
                Some(other) if *other != p.record_id => errors.push(format!(
                    "{}: record_id '{}' differs from '{other}' only in letter case or accent \
                     form; on a case-insensitive disk (macOS, Windows) they would be one file; \
                     use one spelling",
                    self.label(i, p),
                    p.record_id
                )),
                Some(_) => {}
                None => {
                    known.insert(key, p.record_id.clone());
                }
            }
        }
        match errors.is_empty() {
            true => Ok(()),
            false => Err(errors),
        }
    }

    fn label(&self, i: usize, p: &Patient) -> String {
        match self {
            Source::Csv(csv) => {
                let line = csv.rows.get(i).map(|(l, _)| *l).unwrap_or(0);
                format!("line {line}, {}", p.record_id)
            }
            Source::Json(json) => json.label(i),
        }
    }

    /// The file held ages, which were checked but not stored.
    fn had_ages(&self) -> bool {
        match self {
            Source::Csv(csv) => csv.has(patient_csv::READ_ONLY_AGE),
            Source::Json(json) => json.has_ages(),
        }
    }
}

pub fn run(ctx: &Ctx, file: &Path, update: bool) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
    };
    let source = match Source::read(&bytes) {
        Ok(s) => s,
        Err(errors) => return refuse(file, &errors),
    };
    drop(bytes);
    // First against the registry as it is, without the lock: a refused file leaves the
    // registry byte for byte as it was (not even the lock file is touched).
    let protocol = match ctx.protocol_for_writing() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
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
    let rules = protocol.safety_rules();
    let planned = match source.plan(&reader, update, &rules) {
        Ok(p) => p,
        Err(errors) => return refuse(file, &errors),
    };
    if source.is_deidentified() {
        let own = own_pseudonyms(ctx, &reader, &planned);
        if !own.is_empty() {
            return refuse(file, &own);
        }
    }
    drop(planned);
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
    let patients = match source.plan(&reg, update, &rules) {
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
        super::say(format_args!("warning: {problem}"));
    }
    // Flagged, never refused (the protocol's rules are the clinic's defaults): sessions
    // closer than the interval, follow-ups outside their window; and what the gates keep
    // with a warning on import (historical records treated without a recorded screen or
    // consent, post scores before the course ended). Rows (records) and patients are in
    // the same order (a file with any bad one was refused above).
    for (i, p) in patients.iter().enumerate() {
        let gated = gate::check_change(reg.get(&p.record_id), p, &rules, gate::Mode::Import);
        let flags = crate::protocol::schedule::patient_spacing_warnings(p, &protocol)
            .into_iter()
            .chain(crate::protocol::schedule::out_of_window(p, &protocol))
            .chain(gated.warnings);
        for w in flags {
            super::say(format_args!(
                "{}: warning: {}: {w}",
                file.display(),
                source.label(i, p)
            ));
        }
    }
    match reg.import_batch(patients, update) {
        Ok(()) => {
            if source.had_ages() {
                super::say(format_args!(
                    "note: {} was checked but not stored (a registry keeps birth dates, not ages)",
                    patient_csv::READ_ONLY_AGE
                ));
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

/// A de-identified export of this very registry, imported back, would add each of its
/// patients a second time under its pseudonym: the records of the file that carry the
/// pseudonym this registry's key gives one of its own patients. No key, no export was made.
fn own_pseudonyms(ctx: &Ctx, reg: &Registry, planned: &[Patient]) -> Vec<String> {
    let Some(key) = super::export_formats::existing_secret(ctx) else {
        return Vec::new();
    };
    let own: std::collections::HashMap<String, &str> = reg
        .patients()
        .map(|p| {
            let id = p.record_id.as_str();
            (crate::export::deidentify::pseudonym(&key, id), id)
        })
        .collect();
    planned
        .iter()
        .filter_map(|p| {
            let id = own.get(&p.record_id)?;
            Some(format!(
                "{} is the pseudonym this registry gives its patient {id}: the file is a \
                 de-identified export of this registry, and importing it would add that patient \
                 a second time; import it into a new data directory instead",
                p.record_id
            ))
        })
        .collect()
}

/// Problems as the sentences they are printed as.
fn strings<E: ToString>(errors: Vec<E>) -> Vec<String> {
    errors.iter().map(ToString::to_string).collect()
}

/// Every problem, one sentence each, then the verdict.
fn refuse(file: &Path, errors: &[String]) -> ExitCode {
    for e in errors {
        super::say(format_args!("{}: {e}", file.display()));
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
