//! `smplan import FILE.csv|FILE.json [--update]`: all rows (records) or none.
//!
//! A CSV file is the analysis table of the contract (`crate::io::csv`); a JSON file is the
//! JSON export, identified or de-identified (`crate::io::json`), which carries the whole
//! record. The file is told by its content: a JSON document starts with `{`.
//!
//! A CSV file is read a row at a time, never held: once to check every row against the
//! registry as it is (without the lock, so that a refused file leaves the registry byte for
//! byte as it was), then again under the lock, each row checked once more and its patient
//! staged on disk (`store::staging`) as it comes. What is kept across rows is a few bytes a
//! row (each record id, its line and its file-name key), so an import of a million rows
//! needs a few hundred megabytes, not gigabytes. The transaction is committed only when every
//! row passed; a refused file leaves nothing behind, staged files included.

use super::{Ctx, fail};
use crate::domain::text::file_name_key;
use crate::domain::{Patient, SafetyRules, ValidationContext, gate};
use crate::io::csv::{self as patient_csv, CellError};
use crate::io::json::{self as patient_json, JsonFile};
use crate::protocol::Protocol;
use crate::store::{Added, Import, Registry, StoreError};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, file: &Path, update: bool) -> ExitCode {
    match is_json(file) {
        Ok(true) => run_json(ctx, file, update),
        Ok(false) => run_csv(ctx, file, update),
        Err(e) => fail(format!("cannot read {}: {e}", file.display())),
    }
}

/// Whether the file is a JSON document (see [`patient_json::looks_like_json`]), reading no
/// more of it than its leading white space.
fn is_json(file: &Path) -> std::io::Result<bool> {
    let mut f = File::open(file)?;
    let mut buf = vec![0u8; 1 << 16];
    let mut first = true;
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(false);
        }
        let mut piece = &buf[..n];
        if first {
            first = false;
            piece = piece.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(piece);
        }
        if let Some(b) = piece.iter().find(|b| !b.is_ascii_whitespace()) {
            return Ok(*b == b'{');
        }
    }
}

/// What a pass over a file found wrong, in the order they are reported: problems of the rows
/// themselves first; only when there are none, ids colliding on a case-insensitive disk;
/// then the gates' refusals; then pseudonyms of this very registry (see [`own_pseudonym`]).
#[derive(Default)]
struct Problems {
    rows: Vec<CellError>,
    names: Vec<String>,
    gates: Vec<String>,
    own: Vec<String>,
}

impl Problems {
    fn none(&self) -> bool {
        self.rows.is_empty()
            && self.names.is_empty()
            && self.gates.is_empty()
            && self.own.is_empty()
    }

    /// The problems reported: the first kind there is.
    fn into_reported(mut self) -> Vec<String> {
        if !self.rows.is_empty() {
            self.rows.sort_by_key(|e| e.line);
            return strings(self.rows);
        }
        for kind in [self.names, self.gates, self.own] {
            if !kind.is_empty() {
                return kind;
            }
        }
        Vec::new()
    }
}

/// Record ids by their file-name key ([`file_name_key`]): two ids with one key would be one
/// file on a case-insensitive disk. Kept as a 64-bit hash of the key with the id (a few
/// dozen bytes an id, at a million rows); two keys sharing a hash are told apart by the key
/// itself, kept whole for the later one.
#[derive(Default)]
struct Names {
    by_hash: HashMap<u64, Box<str>>,
    overflow: HashMap<String, Box<str>>,
}

impl Names {
    fn with_capacity(n: usize) -> Names {
        Names {
            by_hash: HashMap::with_capacity(n),
            overflow: HashMap::new(),
        }
    }

    /// The id already known under `id`'s key when it is spelled otherwise; else `id` is
    /// known from now on.
    fn clash(&mut self, id: &str) -> Option<String> {
        use std::hash::{Hash, Hasher};
        let key = file_name_key(id);
        let mut h = std::hash::DefaultHasher::new();
        key.hash(&mut h);
        let other = match self.by_hash.entry(h.finish()) {
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(id.into());
                return None;
            }
            std::collections::hash_map::Entry::Occupied(o) if file_name_key(o.get()) == key => {
                o.get().to_string()
            }
            std::collections::hash_map::Entry::Occupied(_) => match self.overflow.entry(key) {
                std::collections::hash_map::Entry::Vacant(v) => {
                    v.insert(id.into());
                    return None;
                }
                std::collections::hash_map::Entry::Occupied(o) => o.get().to_string(),
            },
        };
        (other != id).then_some(other)
    }
}

/// Why a pass stopped.
enum PassError {
    /// The file is refused: every problem, one sentence each.
    Refused(Vec<String>),
    /// The registry could not be read or written.
    Store(StoreError),
    /// The file could not be read.
    Read(std::io::Error),
}

/// What the pass that staged the import counted.
#[derive(Default)]
struct Counts {
    new: usize,
    updated: usize,
    unchanged: usize,
}

/// Where a pass sends each good patient: nowhere (the check against the registry as it is),
/// or into the import being staged under the lock.
enum Target<'i, 'r> {
    Check(&'i Registry),
    Stage(&'i mut Import<'r>, Counts),
}

impl Target<'_, '_> {
    fn registry(&self) -> &Registry {
        match self {
            Target::Check(r) => r,
            Target::Stage(i, _) => i.registry(),
        }
    }
}

/// Everything a pass needs besides the file.
struct Pass<'a> {
    file: &'a Path,
    update: bool,
    protocol: &'a Protocol,
    rules: &'a SafetyRules,
    /// The pseudonyms this registry's key gives its patients, when the file is de-identified.
    own: Option<HashMap<String, String>>,
}

/// The whole record of a patient in the registry, read from its file (the registries here
/// hold summaries), or `None` for one it does not have.
fn whole(reg: &Registry, id: &str) -> Result<Option<Patient>, StoreError> {
    if !reg.contains(id) {
        return Ok(None);
    }
    reg.load(id).map(Some)
}

/// Reads the CSV once, every row planned and checked against `target`'s registry; when
/// staging, each good patient is staged (and its warnings printed) as long as no row has
/// been found wrong.
fn csv_pass(
    pass: &Pass<'_>,
    shape: patient_csv::Shape,
    target: &mut Target<'_, '_>,
    mut known: Names,
    rows: usize,
) -> Result<(bool, usize), PassError> {
    let f = File::open(pass.file).map_err(PassError::Read)?;
    let reader = patient_csv::Reader::open(shape, BufReader::with_capacity(1 << 16, f))
        .map_err(|e| PassError::Refused(strings(e)))?;
    let columns = reader.columns.clone();
    let had_ages = reader.has(patient_csv::READ_ONLY_AGE);
    let mut planner = patient_csv::Planner::new(&columns, pass.update)
        .map_err(|e| PassError::Refused(strings(e)))?;
    planner.reserve(rows);
    let reg = target.registry();
    let (today, zones) = (reg.options().today, reg.options().known_zones.clone());
    let ctx = ValidationContext {
        today,
        known_zones: &zones,
    };
    let mut problems = Problems::default();
    for read in reader {
        problems.rows.extend(read.problems);
        let Some(row) = read.row else {
            continue;
        };
        let line = read.line;
        let reg = target.registry();
        let mut base = None;
        let mut failed = None;
        let planned = planner.row(
            line,
            &row,
            |id| match whole(reg, id) {
                Ok(b) => {
                    base.clone_from(&b);
                    b
                }
                Err(e) => {
                    failed = Some(e);
                    None
                }
            },
            &ctx,
        );
        if let Some(e) = failed {
            return Err(PassError::Store(e));
        }
        let p = match planned {
            Ok(p) => p,
            Err(e) => {
                problems.rows.extend(e);
                continue;
            }
        };
        if !problems.rows.is_empty() {
            // Only the rows' own problems are reported now: nothing more to learn here.
            continue;
        }
        let label = format!("line {line}, {}", p.record_id);
        if let Some(other) = known.clash(&p.record_id) {
            problems.names.push(format!(
                "{label}: record_id '{}' differs from '{other}' only in letter case or accent \
                 form; on a case-insensitive disk (macOS, Windows) they would be one file; \
                 use one spelling",
                p.record_id
            ));
        }
        let gated = gate::check_change(base.as_ref(), &p, pass.rules, gate::Mode::Import);
        for r in &gated.refusals {
            problems.gates.push(format!("{label}: {r}"));
        }
        if let Some(own) = &pass.own
            && let Some(id) = own.get(&p.record_id)
        {
            problems.own.push(own_pseudonym(&p.record_id, id));
        }
        let Target::Stage(import, counts) = target else {
            continue;
        };
        if !problems.none() {
            continue;
        }
        // Flagged, never refused (the protocol's rules are the clinic's defaults): sessions
        // closer than the interval, follow-ups outside their window; and what the gates keep
        // with a warning on import (historical records treated without a recorded screen or
        // consent, post scores before the course ended).
        let flags = crate::protocol::schedule::patient_spacing_warnings(&p, pass.protocol)
            .into_iter()
            .chain(crate::protocol::schedule::out_of_window(&p, pass.protocol))
            .chain(gated.warnings);
        for w in flags {
            super::say(format_args!(
                "{}: warning: {label}: {w}",
                pass.file.display()
            ));
        }
        match import.add(p).map_err(PassError::Store)? {
            Added::New => counts.new += 1,
            Added::Updated => counts.updated += 1,
            Added::Unchanged => counts.unchanged += 1,
        }
    }
    if let Err(e) = planner.finish(problems.rows.is_empty()) {
        problems.rows.push(e);
    }
    match problems.none() {
        true => Ok((had_ages, planner.rows())),
        false => Err(PassError::Refused(problems.into_reported())),
    }
}

fn run_csv(ctx: &Ctx, file: &Path, update: bool) -> ExitCode {
    let shape = match File::open(file).and_then(patient_csv::Shape::scan) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
    };
    let protocol = match ctx.protocol_for_writing() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let rules = protocol.safety_rules();
    // Summaries only: the whole record of a patient the file updates is read when its row
    // comes (`whole`).
    let opts = |write| crate::store::OpenOptions {
        summaries: true,
        ..ctx.open_options(write, &protocol)
    };
    let mut reader = match open_reader(ctx, opts(false)) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let deidentified = {
        let f = match File::open(file) {
            Ok(f) => f,
            Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
        };
        match patient_csv::Reader::open(shape, BufReader::new(f)) {
            Ok(r) => r.has(patient_csv::READ_ONLY_AGE) && !r.has("birth_date"),
            Err(errors) => return refuse(file, &strings(errors)),
        }
    };
    let (known, own) = names_of(ctx, &mut reader, deidentified, 0);
    let mut pass = Pass {
        file,
        update,
        protocol: &protocol,
        rules: &rules,
        own,
    };
    // First against the registry as it is, without the lock: a refused file leaves the
    // registry byte for byte as it was (not even the lock file is touched).
    let rows = match csv_pass(&pass, shape, &mut Target::Check(&reader), known, 0) {
        Ok((_, rows)) => rows,
        Err(e) => return pass_failed(file, e),
    };
    drop(reader);
    let mut reg = match open_writer(ctx, opts(true)) {
        Ok(r) => r,
        Err(code) => return code,
    };
    for problem in reg.report().problems() {
        super::say(format_args!("warning: {problem}"));
    }
    let (known, own) = names_of(ctx, &mut reg, deidentified, rows);
    pass.own = own;
    // Again under the lock (the registry may have changed in between), each patient staged.
    let mut import = match reg.begin_import(update) {
        Ok(i) => i,
        Err(e) => return fail(format!("nothing imported: {e}")),
    };
    // Sized once from the first pass: no table grows (and is copied) row after row.
    import.reserve(rows);
    let mut target = Target::Stage(&mut import, Counts::default());
    let had_ages = match csv_pass(&pass, shape, &mut target, known, rows) {
        Ok((a, _)) => a,
        Err(e) => return pass_failed(file, e),
    };
    let Target::Stage(_, counts) = target else {
        unreachable!("the pass under the lock stages")
    };
    let committed = import.commit();
    finish(ctx, &reg, file, committed.map(|_| counts), had_ages)
}

/// The registry's record ids by their file-name key, and (for a de-identified file) the
/// pseudonyms its key gives them. The summaries the registry opened with are handed over and
/// dropped here: a pass needs no more of the patients already there than their ids (the
/// whole record of one the file updates is read when its row comes).
fn names_of(
    ctx: &Ctx,
    reg: &mut Registry,
    deidentified: bool,
    rows: usize,
) -> (Names, Option<HashMap<String, String>>) {
    let own = deidentified.then(|| own_pseudonyms(ctx, reg)).flatten();
    let mut known = Names::with_capacity(reg.len() + rows);
    for p in reg.hand_over_summaries() {
        known.clash(&p.record_id);
    }
    (known, own)
}

/// The registry as it is, for the first check (no lock): refused when a newer smplan wrote it.
fn open_reader(ctx: &Ctx, opts: crate::store::OpenOptions) -> Result<Registry, ExitCode> {
    let reader = Registry::open(&ctx.data_dir, opts).map_err(fail)?;
    if let Some((f, _)) = reader.report().newer_schema.first() {
        return Err(fail(format!(
            "nothing imported: {} was written by a newer smplan; use that version",
            f.display()
        )));
    }
    Ok(reader)
}

/// The registry under the writer lock, or why it cannot be written.
fn open_writer(ctx: &Ctx, opts: crate::store::OpenOptions) -> Result<Registry, ExitCode> {
    let reg = Registry::open(&ctx.data_dir, opts).map_err(fail)?;
    if let Some(why) = reg.read_only_reason() {
        return Err(fail(format!(
            "nothing imported into {}: {why}",
            ctx.data_dir.display()
        )));
    }
    Ok(reg)
}

/// The verdict of an import: what was imported, or why not.
fn finish(
    ctx: &Ctx,
    reg: &Registry,
    file: &Path,
    committed: Result<Counts, StoreError>,
    had_ages: bool,
) -> ExitCode {
    match committed {
        Ok(Counts {
            new,
            updated,
            unchanged,
        }) => {
            if had_ages {
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

fn pass_failed(file: &Path, e: PassError) -> ExitCode {
    match e {
        PassError::Refused(errors) => refuse(file, &errors),
        PassError::Store(e) => fail(format!("nothing imported: {e}")),
        PassError::Read(e) => fail(format!("cannot read {}: {e}", file.display())),
    }
}

/// The JSON export read whole (see `crate::io::json`), checked against the registry, then
/// staged and committed as one transaction.
fn run_json(ctx: &Ctx, file: &Path, update: bool) -> ExitCode {
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
    };
    let json = match patient_json::read(&bytes) {
        Ok(s) => s,
        Err(errors) => return refuse(file, &strings(errors)),
    };
    drop(bytes);
    let protocol = match ctx.protocol_for_writing() {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let opts = |write| ctx.open_options(write, &protocol);
    let reader = match open_reader(ctx, opts(false)) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let rules = protocol.safety_rules();
    let planned = match plan_json(&json, &reader, update, &rules) {
        Ok(p) => p,
        Err(errors) => return refuse(file, &errors),
    };
    if json.is_deidentified()
        && let Some(own) = own_pseudonyms(ctx, &reader)
    {
        let hits: Vec<String> = planned
            .iter()
            .filter_map(|p| Some(own_pseudonym(&p.record_id, own.get(&p.record_id)?)))
            .collect();
        if !hits.is_empty() {
            return refuse(file, &hits);
        }
    }
    drop(planned);
    drop(reader);
    let mut reg = match open_writer(ctx, opts(true)) {
        Ok(r) => r,
        Err(code) => return code,
    };
    // Again under the lock: the registry may have changed in between.
    let patients = match plan_json(&json, &reg, update, &rules) {
        Ok(p) => p,
        Err(errors) => return refuse(file, &errors),
    };
    for problem in reg.report().problems() {
        super::say(format_args!("warning: {problem}"));
    }
    // Flagged, never refused (see `csv_pass`). Records and patients are in the same order
    // (a file with any bad one was refused above).
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
                json.label(i)
            ));
        }
    }
    let committed = (|| {
        let mut import = reg.begin_import(update)?;
        let mut counts = Counts::default();
        for p in patients {
            match import.add(p)? {
                Added::New => counts.new += 1,
                Added::Updated => counts.updated += 1,
                Added::Unchanged => counts.unchanged += 1,
            }
        }
        import.commit()?;
        Ok(counts)
    })();
    finish(ctx, &reg, file, committed, json.has_ages())
}

/// Every patient the JSON file gives, in file order, or every problem: the file's own, then
/// ids colliding on a case-insensitive disk, then the gates' (see `domain::gate`): a record
/// that carries a health screen or treatment consent must satisfy them for every session the
/// file adds; a historical one (neither) is kept, with a warning.
fn plan_json(
    json: &JsonFile,
    reg: &Registry,
    update: bool,
    rules: &SafetyRules,
) -> Result<Vec<Patient>, Vec<String>> {
    let ctx = reg.validation_context();
    let patients =
        patient_json::plan_import(json, |id| reg.get(id), update, &ctx).map_err(strings)?;
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
                json.label(i),
                p.record_id
            )),
            Some(_) => {}
            None => {
                known.insert(key, p.record_id.clone());
            }
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let refused: Vec<String> = patients
        .iter()
        .enumerate()
        .flat_map(|(i, p)| {
            let check = gate::check_change(reg.get(&p.record_id), p, rules, gate::Mode::Import);
            check
                .refusals
                .into_iter()
                .map(move |r| format!("{}: {r}", json.label(i)))
        })
        .collect();
    match refused.is_empty() {
        true => Ok(patients),
        false => Err(refused),
    }
}

/// The pseudonym this registry's key gives each of its patients (pseudonym to record id), or
/// `None` when there is no key: then no de-identified export of it was ever made.
fn own_pseudonyms(ctx: &Ctx, reg: &Registry) -> Option<HashMap<String, String>> {
    let key = super::export_formats::existing_secret(ctx)?;
    Some(
        reg.patients()
            .map(|p| {
                let id = p.record_id.clone();
                (crate::export::deidentify::pseudonym(&key, &id), id)
            })
            .collect(),
    )
}

/// A de-identified export of this very registry, imported back, would add each of its
/// patients a second time under its pseudonym.
fn own_pseudonym(pseudonym: &str, id: &str) -> String {
    format!(
        "{pseudonym} is the pseudonym this registry gives its patient {id}: the file is a \
         de-identified export of this registry, and importing it would add that patient \
         a second time; import it into a new data directory instead"
    )
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
