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
//!
//! A JSON file is read the same way, a record at a time (`crate::io::json::for_each`), after
//! a first reading that checks the document itself (its keys, schema version, that it has
//! records, whether one is de-identified).

use super::{Ctx, fail};
use crate::domain::text::file_name_key;
use crate::domain::{Patient, SafetyRules, ValidationContext, gate};
use crate::io::csv::{self as patient_csv, CellError};
use crate::io::json as patient_json;
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
    /// With the line (CSV) or index (JSON) they are sorted by.
    rows: Vec<(u64, String)>,
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
            self.rows.sort_by_key(|(at, _)| *at);
            return self.rows.into_iter().map(|(_, e)| e).collect();
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
        problems.rows.extend(cells(read.problems));
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
                problems.rows.extend(cells(e));
                continue;
            }
        };
        if !problems.rows.is_empty() {
            // Only the rows' own problems are reported now: nothing more to learn here.
            continue;
        }
        let label = format!("line {line}, {}", p.record_id);
        step(pass, target, &mut known, &mut problems, &label, p, base)?;
    }
    if let Err(e) = planner.finish(problems.rows.is_empty()) {
        problems.rows.extend(cells(vec![e]));
    }
    match problems.none() {
        true => Ok((had_ages, planner.rows())),
        false => Err(PassError::Refused(problems.into_reported())),
    }
}

/// What a pass does with each patient planned without problems of its own (CSV row or JSON
/// record, named by `label`): ids colliding on a case-insensitive disk, the gates against the
/// registry's record (`base`), pseudonyms of this registry; then, when staging and nothing
/// was found wrong so far, its warnings printed and the patient staged.
fn step(
    pass: &Pass<'_>,
    target: &mut Target<'_, '_>,
    known: &mut Names,
    problems: &mut Problems,
    label: &str,
    p: Patient,
    base: Option<Patient>,
) -> Result<(), PassError> {
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
        return Ok(());
    };
    if !problems.none() {
        return Ok(());
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
    Ok(())
}

/// Cell problems with the line they are sorted by.
fn cells(errors: Vec<CellError>) -> impl Iterator<Item = (u64, String)> {
    errors.into_iter().map(|e| (e.line, e.to_string()))
}

fn run_csv(ctx: &Ctx, file: &Path, update: bool) -> ExitCode {
    let shape = match File::open(file).and_then(patient_csv::Shape::scan) {
        Ok(s) => s,
        Err(e) => return fail(format!("cannot read {}: {e}", file.display())),
    };
    let (protocol, rules, mut reader) = match open_for_import(ctx) {
        Ok(opened) => opened,
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
    // Again under the lock (the registry may have changed in between), each patient staged.
    let staged = Staging {
        ctx,
        opts: import_options(ctx, true, &protocol),
        deidentified,
        rows,
    };
    staged.run(&mut pass, |pass, target, known| {
        csv_pass(pass, shape, target, known, rows).map(|(a, _)| a)
    })
}

/// The second pass, under the writer lock, and the commit (shared by CSV and JSON).
struct Staging<'c> {
    ctx: &'c Ctx,
    opts: crate::store::OpenOptions,
    deidentified: bool,
    /// Rows (records) the first pass read: the tables are sized once from it.
    rows: usize,
}

impl Staging<'_> {
    /// Opens the registry for writing, runs `second` (which says whether the file held
    /// ages) staging each patient, commits, and says what was imported or why not.
    fn run(
        self,
        pass: &mut Pass<'_>,
        second: impl FnOnce(&Pass<'_>, &mut Target<'_, '_>, Names) -> Result<bool, PassError>,
    ) -> ExitCode {
        let ctx = self.ctx;
        let mut reg = match open_writer(ctx, self.opts) {
            Ok(r) => r,
            Err(code) => return code,
        };
        for problem in reg.report().problems() {
            super::say(format_args!("warning: {problem}"));
        }
        let (known, own) = names_of(ctx, &mut reg, self.deidentified, self.rows);
        pass.own = own;
        let mut import = match reg.begin_import(pass.update) {
            Ok(i) => i,
            Err(e) => return fail(format!("nothing imported: {e}")),
        };
        // Sized once from the first pass: no table grows (and is copied) row after row.
        import.reserve(self.rows);
        let mut target = Target::Stage(&mut import, Counts::default());
        let had_ages = match second(pass, &mut target, known) {
            Ok(a) => a,
            Err(e) => return pass_failed(pass.file, e),
        };
        let Target::Stage(_, counts) = target else {
            unreachable!("the pass under the lock stages")
        };
        let committed = import.commit();
        finish(ctx, &reg, pass.file, committed.map(|_| counts), had_ages)
    }
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

/// Summaries only: the whole record of a patient the file updates is read when its row or
/// record comes (`whole`).
fn import_options(ctx: &Ctx, write: bool, protocol: &Protocol) -> crate::store::OpenOptions {
    crate::store::OpenOptions {
        summaries: true,
        ..ctx.open_options(write, protocol)
    }
}

/// What both passes of an import (CSV or JSON) work with: the clinic protocol (a refused one
/// stops the import), its safety rules, and the registry opened for the first pass.
fn open_for_import(ctx: &Ctx) -> Result<(Protocol, SafetyRules, Registry), ExitCode> {
    let protocol = ctx.protocol_for_writing().map_err(fail)?;
    let rules = protocol.safety_rules();
    let reader = open_reader(ctx, import_options(ctx, false, &protocol))?;
    Ok((protocol, rules, reader))
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

/// Reads the JSON export once, a record at a time ([`patient_json::for_each`]), every record
/// planned and checked against `target`'s registry as [`csv_pass`] does rows.
fn json_pass(
    pass: &Pass<'_>,
    version: u32,
    target: &mut Target<'_, '_>,
    mut known: Names,
) -> Result<(), PassError> {
    let f = File::open(pass.file).map_err(PassError::Read)?;
    let reg = target.registry();
    let (today, zones) = (reg.options().today, reg.options().known_zones.clone());
    let ctx = ValidationContext {
        today,
        known_zones: &zones,
    };
    let mut planner = patient_json::Planner::new(version, pass.update);
    let mut problems = Problems::default();
    let mut failed: Option<PassError> = None;
    let read = patient_json::for_each(BufReader::with_capacity(1 << 16, f), |i, value| {
        if failed.is_some() {
            return;
        }
        let reg = target.registry();
        let mut base = None;
        let planned = planner.record(
            i,
            &value,
            |id| match whole(reg, id) {
                Ok(b) => {
                    base.clone_from(&b);
                    b
                }
                Err(e) => {
                    failed = Some(PassError::Store(e));
                    None
                }
            },
            &ctx,
        );
        if failed.is_some() {
            return;
        }
        let p = match planned {
            Ok(p) => p,
            Err(e) => {
                let at = i as u64;
                problems
                    .rows
                    .extend(e.into_iter().map(|e| (at, e.to_string())));
                return;
            }
        };
        if !problems.rows.is_empty() {
            return;
        }
        let (_, _, label) = patient_json::record_facts(&value, i);
        drop(value);
        if let Err(e) = step(pass, target, &mut known, &mut problems, &label, p, base) {
            failed = Some(e);
        }
    });
    if let Err(e) = read {
        // The first reading found the document whole: it changed since.
        return Err(PassError::Read(std::io::Error::other(e)));
    }
    if let Some(e) = failed {
        return Err(e);
    }
    match problems.none() {
        true => Ok(()),
        false => Err(PassError::Refused(problems.into_reported())),
    }
}

/// The JSON export (see `crate::io::json`), read a record at a time as the CSV is (see the
/// module documentation): first the document itself and what its records tell as a whole,
/// then against the registry as it is, then under the lock, each patient staged.
fn run_json(ctx: &Ctx, file: &Path, update: bool) -> ExitCode {
    let mut count = 0usize;
    let mut first_deidentified: Option<String> = None;
    let mut had_ages = false;
    let parts = File::open(file)
        .map_err(serde_json::Error::io)
        .and_then(|f| {
            patient_json::for_each(BufReader::with_capacity(1 << 16, f), |i, value| {
                count += 1;
                let (deidentified, age, label) = patient_json::record_facts(&value, i);
                if deidentified && first_deidentified.is_none() {
                    first_deidentified = Some(label);
                }
                had_ages |= age;
            })
        });
    let parts = match parts {
        Ok(p) => p,
        Err(e) if e.is_io() => return fail(format!("cannot read {}: {e}", file.display())),
        Err(e) => {
            return refuse(
                file,
                &[format!(
                    "line {}, column {}: not valid JSON ({e})",
                    e.line(),
                    e.column()
                )],
            );
        }
    };
    let version = match patient_json::check_parts(&parts) {
        Ok(v) => v,
        Err(errors) => return refuse(file, &strings(errors)),
    };
    if let Err(errors) = patient_json::check_records(count, first_deidentified.as_deref(), update) {
        return refuse(file, &strings(errors));
    }
    let (protocol, rules, mut reader) = match open_for_import(ctx) {
        Ok(opened) => opened,
        Err(code) => return code,
    };
    let deidentified = first_deidentified.is_some();
    let (known, own) = names_of(ctx, &mut reader, deidentified, 0);
    let mut pass = Pass {
        file,
        update,
        protocol: &protocol,
        rules: &rules,
        own,
    };
    if let Err(e) = json_pass(&pass, version, &mut Target::Check(&reader), known) {
        return pass_failed(file, e);
    }
    drop(reader);
    let staged = Staging {
        ctx,
        opts: import_options(ctx, true, &protocol),
        deidentified,
        rows: count,
    };
    staged.run(&mut pass, |pass, target, known| {
        json_pass(pass, version, target, known).map(|()| had_ages)
    })
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
