//! The registry on disk: the only module that touches patient files.
//!
//! ```text
//! <data dir>/            0700
//!   patients/<record_id>.json   one file per patient, with schema_version (0600)
//!   journal/<txn>.json          commit records of transactions in flight (see `journal`)
//!   journal/<txn>/              an import's staged patient files and audit lines (see `staging`)
//!   quarantine/<file>           damaged files moved aside, each with <file>.reason
//!   audit.jsonl                 every change, field by field (see `audit`)
//!   index.jsonl                 summary index: a cache of each file's summary (see `index`)
//!   lock                        the writer lock, naming its holder (see `lock`)
//! ```
//!
//! One file per patient keeps a save's cost independent of the registry's size: a save
//! writes the patient's file, a small commit record and its audit lines, nothing else.
//!
//! Opening loads every patient: whole, or with [`OpenOptions::summaries`] as summaries taken
//! from the summary index for every file it knows unchanged (the UI, `stats` and `agenda`;
//! 10,000 patients in about 75 ms instead of 260). A file that is not valid JSON, not a patient record, or whose
//! record breaks a rule of the record itself (VDS out of range, sessions out of order...) is
//! moved to `quarantine/` with the reason, and the rest loads. Rules that depend on this
//! workstation rather than on the file (a date after "today", a zone the protocol no longer
//! lists) are reported as warnings and never quarantine anything: a wrong clock or an edited
//! protocol must not make records vanish. A file written by a newer smplan opens the whole
//! registry read-only, and nothing is moved or rewritten.

pub mod audit;
pub mod backup;
pub mod fsutil;
pub mod guard;
pub mod index;
pub mod journal;
pub mod lock;
pub mod quarantine;
pub mod staging;
pub mod stream;

use crate::domain::{
    DEFAULT_ZONE_IDS, Invalid, Patient, Refusal, SCHEMA_VERSION, SafetyRules, ValidationContext,
    gate,
};
use crate::par::par_map;
use audit::AuditEntry;
use chrono::NaiveDate;
use fsutil::{create_private_dir, remove_stale_temps};
pub use guard::Foreign;
use index::FileKey;
use journal::{Commit, JOURNAL_DIR, JOURNAL_FORMAT, PATIENTS_DIR};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

pub use audit::AUDIT_FILE;
pub use lock::LOCK_FILE;
pub const QUARANTINE_DIR: &str = "quarantine";

/// How to open a registry.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Take the writer lock (creating the directory if needed). Reading commands pass false
    /// and never touch the lock.
    pub write: bool,
    /// Who makes the changes, for the audit log.
    pub operator: String,
    /// "Today", for validation.
    pub today: NaiveDate,
    /// Zone ids the clinic's protocol knows.
    pub known_zones: Vec<String>,
    /// Hold each patient's [`Patient::summary`], taken from the summary index (see `index`)
    /// for every file it knows unchanged, instead of whole records: what the UI, the
    /// statistics and the agenda need, and the only way to open 10,000 patients in
    /// milliseconds. Whole records are then read one at a time with [`Registry::load`].
    /// Exports, reports and `check` open without it.
    pub summaries: bool,
    /// The clinic protocol's part of the gates on sessions, photographs and follow-ups
    /// ([`crate::domain::gate`]), which every save and import passes.
    pub rules: SafetyRules,
}

impl OpenOptions {
    /// Options with the default protocol's zones (`DEFAULT_ZONE_IDS`) and safety rules; set
    /// `known_zones` and `rules` from the clinic's protocol where it is loaded.
    pub fn new(write: bool, operator: &str, today: NaiveDate) -> Self {
        OpenOptions {
            write,
            operator: operator.to_string(),
            today,
            known_zones: DEFAULT_ZONE_IDS.iter().map(|z| z.to_string()).collect(),
            summaries: false,
            rules: crate::protocol::Protocol::builtin().safety_rules(),
        }
    }
}

/// A file found damaged while opening.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damaged {
    pub file: PathBuf,
    pub reason: String,
    /// Where it was moved (only a writer moves files).
    pub moved_to: Option<PathBuf>,
}

/// A file in `quarantine/`, with the reason recorded when it was moved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quarantined {
    pub file: PathBuf,
    pub reason: String,
}

/// A file of the registry that could not be read (permission denied...): not damage, never
/// moved; a writer opens the registry read-only until it can be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unreadable {
    pub file: PathBuf,
    /// The error, with what fixes it ([`guard::permission_fix`]).
    pub error: String,
}

impl Unreadable {
    fn new(file: PathBuf, e: &io::Error, dir: &Path) -> Unreadable {
        Unreadable {
            error: guard::explain(e, &file, dir),
            file,
        }
    }
}

/// What opening the registry found besides the patients.
#[derive(Debug, Clone, Default)]
pub struct OpenReport {
    /// Damaged files found by this opening (moved to quarantine when opened for writing).
    pub damaged: Vec<Damaged>,
    /// Everything in `quarantine/`, from this opening and earlier ones.
    pub quarantine: Vec<Quarantined>,
    /// Files written by a newer smplan, with their schema version.
    pub newer_schema: Vec<(PathBuf, u32)>,
    /// The process holding the writer lock, when it is not us.
    pub lock_holder: Option<String>,
    /// Interrupted transactions this opening completed.
    pub rolled_forward: usize,
    /// Interrupted transactions seen by a reader and left for the next writer (their
    /// patients are shown as they will be).
    pub pending: usize,
    /// Records kept but breaking a rule that depends on today's date or on the protocol.
    pub warnings: Vec<String>,
    /// Entries of `patients/` that are not patient files, left alone.
    pub foreign: Vec<Foreign>,
    /// Files that could not be read (not damage; nothing was moved).
    pub unreadable: Vec<Unreadable>,
    /// The registry's directories can be written by other users ([`guard::permission_problem`]).
    pub unsafe_permissions: Option<String>,
}

impl OpenReport {
    /// Damage a person must look at: damaged or quarantined files, files of a newer
    /// version, one printable line each. Warnings are listed separately.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for d in &self.damaged {
            match &d.moved_to {
                Some(to) => out.push(format!(
                    "{} {}; moved to {}",
                    d.file.display(),
                    d.reason,
                    to.display()
                )),
                None => out.push(format!("{} {}", d.file.display(), d.reason)),
            }
        }
        for q in &self.quarantine {
            if self
                .damaged
                .iter()
                .any(|d| d.moved_to.as_ref() == Some(&q.file))
            {
                continue;
            }
            let commit_record = q.file.file_name().is_some_and(|n| {
                n.as_encoded_bytes()
                    .starts_with(quarantine::JOURNAL_PREFIX.as_bytes())
            });
            if commit_record {
                out.push(format!(
                    "{} is in quarantine: {}; it is a change that was set aside, not applied \
                     (its patients are as they were before it): re-enter what it held, or delete it",
                    q.file.display(),
                    q.reason
                ));
            } else {
                out.push(format!(
                    "{} is in quarantine: {}; repair it and move it back to {PATIENTS_DIR}/, or delete it",
                    q.file.display(),
                    q.reason
                ));
            }
        }
        for (f, v) in &self.newer_schema {
            out.push(newer_message(f, *v));
        }
        for f in &self.foreign {
            out.push(f.message());
        }
        for u in &self.unreadable {
            out.push(format!(
                "{} cannot be read ({}); it was not moved or changed, and nothing is written \
                 to the registry until it can be read",
                u.file.display(),
                u.error
            ));
        }
        out.extend(self.unsafe_permissions.clone());
        // A reason quotes the file (a value, a record id) and a path may be a crafted name:
        // each problem is one line with its control characters escaped, for the terminal
        // and the UI alike.
        out.into_iter()
            .map(|p| crate::domain::text::printable(&p, false).into_owned())
            .collect()
    }

    pub fn is_clean(&self) -> bool {
        self.problems().is_empty() && self.warnings.is_empty()
    }
}

fn newer_message(file: &Path, version: u32) -> String {
    format!(
        "{} was written by a newer smplan (schema version {version}; this one knows {SCHEMA_VERSION}): the registry is read-only and nothing will be changed; use the newer smplan",
        file.display()
    )
}

#[derive(Debug)]
pub enum StoreError {
    Io {
        path: PathBuf,
        source: io::Error,
    },
    ReadOnly(String),
    Invalid {
        record_id: String,
        problems: Vec<Invalid>,
    },
    AlreadyExists(String),
    DuplicateInBatch(String),
    NotFound(String),
    /// A patient file found damaged when read on its own (after opening).
    Damaged {
        file: PathBuf,
        reason: String,
    },
    /// A summary was given to save (a bug in the caller: it would erase the detail).
    SummaryOnly(String),
    /// The patient's file is not the version this registry read (or wrote) last: another
    /// process changed, created or removed it (a second writer, after the lock was deleted).
    ChangedOnDisk {
        record_id: String,
        file: PathBuf,
    },
    /// A change a gate refuses (a session without a complete screen and consent, a
    /// photograph without photo consent...): every refusal, with what would clear it.
    Refused {
        record_id: String,
        refusals: Vec<Refusal>,
    },
    /// Parts of the registry that are symbolic links (see `guard`): it is not opened.
    Links(Vec<PathBuf>),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Io { path, source } => {
                write!(
                    f,
                    "{}: {}",
                    path.display(),
                    guard::explain(source, path, path)
                )
            }
            StoreError::ReadOnly(why) => write!(f, "the registry is read-only: {why}"),
            StoreError::Invalid {
                record_id,
                problems,
            } => {
                let p: Vec<String> = problems.iter().map(|i| i.to_string()).collect();
                write!(f, "patient {record_id} was not saved: {}", p.join("; "))
            }
            StoreError::AlreadyExists(id) => write!(
                f,
                "patient {id} is already in the registry; update it instead of adding it again"
            ),
            StoreError::DuplicateInBatch(id) => {
                write!(f, "patient {id} appears twice in one import")
            }
            StoreError::NotFound(id) => write!(f, "patient {id} is not in the registry"),
            StoreError::Damaged { file, reason } => write!(
                f,
                "{} {reason}; nothing was changed. `smplan check` lists the damage; the next \
                 opening for writing moves the file to quarantine/ with the reason",
                file.display()
            ),
            StoreError::ChangedOnDisk { record_id, file } => write!(
                f,
                "patient {record_id} was not saved: {} was changed by another process since it \
                 was opened; reload (in the UI, open the patient again; a command, run it \
                 again) and make the change again",
                file.display()
            ),
            StoreError::SummaryOnly(id) => write!(
                f,
                "patient {id} was not saved: only its summary was loaded (this is a bug in smplan)"
            ),
            StoreError::Refused {
                record_id,
                refusals,
            } => {
                let r: Vec<String> = refusals.iter().map(|r| r.to_string()).collect();
                write!(f, "patient {record_id} was not saved: {}", r.join("; "))
            }
            StoreError::Links(links) => f.write_str(&guard::links_message(links)),
        }
    }
}

impl std::error::Error for StoreError {}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// What [`Registry::audit_check`] found.
#[derive(Debug, Clone, Default)]
pub struct AuditCheck {
    /// Damage: exit 1 in `check`.
    pub problems: Vec<String>,
    /// What was verified, and recorded torn lines.
    pub notes: Vec<String>,
    pub verified: audit::Verified,
}

/// The patient registry, loaded in memory, written one transaction at a time.
#[derive(Debug)]
pub struct Registry {
    dir: PathBuf,
    opts: OpenOptions,
    patients: BTreeMap<String, Patient>,
    report: OpenReport,
    read_only: Option<String>,
    lock: Option<lock::WriterLock>,
    /// Audit-log length before a pending transaction a reader saw (its lines may be half
    /// appended beyond this point).
    audit_limit: Option<u64>,
    /// Whole records of pending transactions a reader overlaid (with `summaries`, the
    /// patients map holds only their summaries).
    overlay: HashMap<String, Patient>,
    /// Read every file in full, ignoring the summary index ([`Registry::open_verifying`]).
    verify: bool,
    /// Patients whose summaries were given away by [`Registry::hand_over_summaries`]: the
    /// registry knows they exist and reads them from disk when needed.
    handed_over: std::collections::HashSet<String>,
    /// A writer's record of each patient file as it last read or wrote it (its stat identity:
    /// inode, size, change times). A save goes ahead only while the file on disk is still
    /// that version, so a second writer (one let in by a deleted lock file) is refused rather
    /// than overwritten, and a value it changed is never silently put back. Behind a mutex:
    /// [`Registry::load`] reads through `&self`, on several threads in `check`.
    versions: std::sync::Mutex<HashMap<String, FileKey>>,
}

/// An import being staged (see [`Registry::begin_import`]).
pub struct Import<'r> {
    reg: &'r mut Registry,
    update: bool,
    txn: String,
    time: String,
    stage: Option<staging::StageWriter>,
    /// Every record id added, and whether it changed (a few bytes a patient: what the
    /// duplicate check, the final stale-writer check and the registry afterwards need).
    seen: HashMap<String, bool>,
}

/// What [`Import::add`] did with a patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    New,
    Updated,
    /// The same as in the registry: nothing staged.
    Unchanged,
}

impl Import<'_> {
    /// Room for `n` more patients (when the number is known beforehand).
    pub fn reserve(&mut self, n: usize) {
        self.seen.reserve(n);
    }

    /// The registry being imported into, as it was before the import.
    pub fn registry(&self) -> &Registry {
        self.reg
    }

    /// Checks `p` as [`Registry::import_batch`] checks each patient (valid, its id not twice
    /// in the import, not already in the registry unless updating, the gates against the
    /// record as stored, its file still the version this registry read) and stages it with
    /// its audit entries.
    pub fn add(&mut self, mut p: Patient) -> Result<Added, StoreError> {
        if self.seen.contains_key(&p.record_id) {
            return Err(StoreError::DuplicateInBatch(p.record_id.clone()));
        }
        let reg = &*self.reg;
        let known =
            reg.patients.contains_key(&p.record_id) || reg.handed_over.contains(&p.record_id);
        if known && !self.update {
            return Err(StoreError::AlreadyExists(p.record_id.clone()));
        }
        reg.check_valid(&p)?;
        if let Err(why) = crate::domain::validate::check_record_id(&p.record_id) {
            return Err(StoreError::Invalid {
                record_id: p.record_id.clone(),
                problems: vec![Invalid::new("record_id", why)],
            });
        }
        let old = match known {
            true => Some(reg.read_whole(&p.record_id, false)?),
            false => None,
        };
        let check = gate::check_change(old.as_ref(), &p, &reg.opts.rules, gate::Mode::Import);
        if check.is_refused() {
            return Err(StoreError::Refused {
                record_id: p.record_id.clone(),
                refusals: check.refusals,
            });
        }
        p.schema_version = SCHEMA_VERSION;
        let old = match &old {
            Some(o) => to_value(o)?,
            None => Value::Object(Default::default()),
        };
        let diffs = audit::diff(&old, &to_value(&p)?);
        if diffs.is_empty() {
            self.seen.insert(p.record_id, false);
            return Ok(Added::Unchanged);
        }
        reg.check_versions(std::slice::from_ref(&p))?;
        let entries: Vec<AuditEntry> = diffs
            .into_iter()
            .map(|(field, old, new)| AuditEntry {
                time: self.time.clone(),
                operator: reg.opts.operator.clone(),
                record_id: p.record_id.clone(),
                field,
                old,
                new,
                txn: self.txn.clone(),
                prev: None,
            })
            .collect();
        let jdir = reg.dir.join(JOURNAL_DIR);
        if let Some(stage) = self.stage.as_mut() {
            stage.add(&p, &entries).map_err(io_err(&jdir))?;
        }
        self.seen.insert(p.record_id, true);
        Ok(match known {
            true => Added::Updated,
            false => Added::New,
        })
    }

    /// Makes the import happen: every file staged made durable, the small commit record
    /// written (the commit point), then applied (see `staging`). Returns how many patients
    /// were written. Afterwards the registry knows the patients imported without holding
    /// them: [`Registry::load`] reads them (`get` and `patients` see them only once saved
    /// again or after reopening, as after [`Registry::hand_over_summaries`]).
    pub fn commit(mut self) -> Result<usize, StoreError> {
        let Some(stage) = self.stage.take() else {
            return Ok(0);
        };
        let written = usize::try_from(stage.patients()).unwrap_or(usize::MAX);
        if written == 0 {
            stage.abort();
            return Ok(0);
        }
        let reg = &mut *self.reg;
        let dir = reg.dir.clone();
        let jdir = dir.join(JOURNAL_DIR);
        // Once more just before the commit point: a file changed by another process while
        // the import was staged (minutes, at a million rows) is not overwritten.
        let pdir = dir.join(PATIENTS_DIR);
        for (id, changed) in &self.seen {
            if !changed {
                continue;
            }
            let file = pdir.join(journal::patient_file_name(id));
            let now = FileKey::stat(&file).ok();
            if now.as_ref() != reg.versions_mut().get(id) {
                stage.abort();
                return Err(StoreError::ChangedOnDisk {
                    record_id: id.clone(),
                    file,
                });
            }
        }
        let staged = match stage.finish() {
            Ok(s) => s,
            Err(e) => {
                let _ = fs::remove_dir_all(staging::stage_dir(&dir, &self.txn));
                return Err(io_err(&jdir)(e));
            }
        };
        let (audit_offset, tail) = match journal::audit_mark(&dir) {
            Ok(m) => m,
            Err(e) => {
                let _ = fs::remove_dir_all(staging::stage_dir(&dir, &self.txn));
                return Err(io_err(&dir)(e));
            }
        };
        let commit = Commit {
            format: staging::STAGED_FORMAT,
            txn: self.txn.clone(),
            audit_offset,
            audit_tail: Some(tail),
            patients: Vec::new(),
            audit: Vec::new(),
            staged: Some(staged),
        };
        let record = match journal::write_commit(&dir, &commit) {
            Ok(r) => r,
            Err(e) => {
                // A record renamed into place but not synced may still be the commit point:
                // then its stage directory must stay for the next opening to complete it.
                let name = format!("{}.json", self.txn);
                if fs::symlink_metadata(jdir.join(name)).is_ok() {
                    reg.read_only = Some(format!(
                        "an import could not be completed ({e}); it will be completed when the \
                         registry is next opened"
                    ));
                } else {
                    let _ = fs::remove_dir_all(staging::stage_dir(&dir, &self.txn));
                }
                return Err(io_err(&jdir)(e));
            }
        };
        let applied = staging::apply(&dir, &commit, &record, true);
        if let Err(e) = applied {
            reg.read_only = Some(format!(
                "an import could not be completed ({e}); it will be completed when the registry is next opened"
            ));
            return Err(StoreError::Io {
                path: dir.join(PATIENTS_DIR),
                source: e,
            });
        }
        // The versions of the files written are not kept (at a million patients they would
        // be most of the import's memory): a later save of an imported patient through this
        // registry goes ahead once the patient is loaded again (`load` notes the version),
        // and is refused as changed on disk otherwise; it never overwrites blindly.
        let seen = std::mem::take(&mut self.seen);
        reg.handed_over.reserve(seen.len());
        let mut versions = reg.versions.lock().unwrap_or_else(|e| e.into_inner());
        for (id, changed) in seen {
            if changed {
                versions.remove(&id);
                reg.patients.remove(&id);
                reg.handed_over.insert(id);
            }
        }
        Ok(written)
    }
}

impl Drop for Import<'_> {
    fn drop(&mut self) {
        if let Some(stage) = self.stage.take() {
            stage.abort();
        }
    }
}

/// A patient file as read from disk.
enum FileState {
    Ok(Box<Patient>),
    Newer(u32),
    Damaged(String),
    /// Could not be read (permission denied, an I/O error): not damage.
    Unreadable(io::Error),
    /// Gone since it was listed (a reader racing a writer's rename).
    Gone,
}

/// A patient file as opening judged it.
enum Scanned {
    /// Sound in itself, with these warnings; held as it will be kept (whole, or its
    /// summary when opening on summaries).
    Sound(Box<Patient>, Vec<Invalid>),
    Newer(u32),
    Damaged(String),
    Unreadable(io::Error),
    Gone,
}

impl Registry {
    /// Opens the registry in `dir`; see the module documentation for what happens to
    /// damaged, newer and half-written files. With `write`, creates the directory (0700)
    /// and takes the writer lock; if another process holds it, opens read-only and
    /// [`Registry::read_only_reason`] names that process.
    pub fn open(dir: &Path, opts: OpenOptions) -> Result<Registry, StoreError> {
        Registry::open_with(dir, opts, false)
    }

    /// Opens as [`Registry::open`] does, but reads and checks every patient file in full
    /// whatever the summary index says (what `smplan check` needs); with
    /// [`OpenOptions::summaries`], only summaries are kept, so that checking 100,000
    /// patients does not hold 100,000 whole records.
    pub fn open_verifying(dir: &Path, opts: OpenOptions) -> Result<Registry, StoreError> {
        Registry::open_with(dir, opts, true)
    }

    fn open_with(dir: &Path, opts: OpenOptions, verify: bool) -> Result<Registry, StoreError> {
        let mut reg = Registry {
            verify,
            dir: dir.to_path_buf(),
            opts,
            patients: BTreeMap::new(),
            report: OpenReport::default(),
            read_only: None,
            lock: None,
            audit_limit: None,
            overlay: HashMap::new(),
            handed_over: std::collections::HashSet::new(),
            versions: Default::default(),
        };
        // The data directory may be a link (a registry on another disk): `metadata` follows.
        let exists = fs::metadata(dir).is_ok();
        if exists {
            let links = guard::links(dir).map_err(io_err(dir))?;
            if !links.is_empty() {
                return Err(StoreError::Links(links));
            }
            reg.report.unsafe_permissions = guard::permission_problem(dir);
        }
        if reg.opts.write {
            let refused = match &reg.report.unsafe_permissions {
                Some(why) => Some(why.clone()),
                None if exists => guard::owner_problem(dir),
                None => None,
            };
            if let Some(why) = refused {
                // Nothing is created, locked, replayed or moved in a registry others can
                // write or that another user owns.
                reg.read_only = Some(why);
            } else {
                create_private_dir(dir).map_err(io_err(dir))?;
                match lock::acquire(dir, &reg.opts.operator) {
                    Ok(lock::Acquired::Mine(l)) => reg.lock = Some(l),
                    Ok(lock::Acquired::Held(who)) => {
                        reg.read_only = Some(format!(
                            "another smplan is writing to this registry: {who}; close it first"
                        ));
                        reg.report.lock_holder = Some(who);
                    }
                    Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
                        let u = Unreadable::new(dir.join(LOCK_FILE), &e, dir);
                        reg.read_only = Some(format!(
                            "{} cannot be opened ({}); the registry is read-only",
                            u.file.display(),
                            u.error
                        ));
                        reg.report.unreadable.push(u);
                    }
                    Err(e) => return Err(io_err(dir)(e)),
                }
            }
        } else {
            reg.read_only = Some("opened for reading only".to_string());
        }
        if reg.lock.is_some() {
            reg.load_as_writer()?;
        } else {
            reg.load_as_reader()?;
        }
        reg.report.quarantine = quarantine::list(dir).map_err(io_err(dir))?;
        Ok(reg)
    }

    /// Every patient, ordered by record_id.
    pub fn patients(&self) -> impl Iterator<Item = &Patient> {
        self.patients.values()
    }

    /// A patient as held: the whole record, or with [`OpenOptions::summaries`] its summary.
    pub fn get(&self, record_id: &str) -> Option<&Patient> {
        self.patients.get(record_id)
    }

    /// A patient's whole record: held in memory, or with [`OpenOptions::summaries`] read
    /// from its file (one file, whatever the size of the registry).
    ///
    /// A writer notes the version of the file read: a later save of this patient goes ahead
    /// only while the file is still that version (see `versions`).
    pub fn load(&self, record_id: &str) -> Result<Patient, StoreError> {
        self.read_whole(record_id, true)
    }

    /// [`Registry::load`]; with `note_version` false, the version the caller's save is
    /// judged against is left as it is (the reads a save itself makes).
    fn read_whole(&self, record_id: &str, note_version: bool) -> Result<Patient, StoreError> {
        match self.patients.get(record_id) {
            Some(held) if !held.summary_only => return Ok(held.clone()),
            Some(_) => {}
            None if self.handed_over.contains(record_id) => {}
            None => return Err(StoreError::NotFound(record_id.to_string())),
        }
        if let Some(p) = self.overlay.get(record_id) {
            return Ok(p.clone());
        }
        let file = self
            .dir
            .join(PATIENTS_DIR)
            .join(journal::patient_file_name(record_id));
        let (key, state) = read_patient_file(&file, record_id);
        match state {
            FileState::Ok(p) => {
                if note_version
                    && self.lock.is_some()
                    && let Some(k) = key
                {
                    self.versions_mut().insert(record_id.to_string(), k);
                }
                Ok(*p)
            }
            FileState::Newer(v) => Err(StoreError::ReadOnly(newer_message(&file, v))),
            FileState::Damaged(reason) => Err(StoreError::Damaged { file, reason }),
            FileState::Unreadable(source) => Err(StoreError::Io { path: file, source }),
            FileState::Gone => Err(StoreError::Io {
                path: file,
                source: io::ErrorKind::NotFound.into(),
            }),
        }
    }

    /// Summaries (see [`OpenOptions::summaries`]) move out of the registry for a caller that
    /// keeps its own copy (the UI), sparing a copy of every one: 9 ms at 10,000 patients,
    /// a tenth of the time to the first frame. The registry still knows every patient: `len`,
    /// `load`, `save` and `import_batch` are unchanged, but `get` and `patients` then see
    /// only patients saved since. Whole records are not handed over (an empty list).
    pub fn hand_over_summaries(&mut self) -> Vec<Patient> {
        if !self.opts.summaries {
            return Vec::new();
        }
        let held = std::mem::take(&mut self.patients);
        let mut out = Vec::with_capacity(held.len());
        self.handed_over.reserve(held.len());
        for (id, p) in held {
            self.handed_over.insert(id);
            out.push(p);
        }
        out
    }

    pub fn len(&self) -> usize {
        self.patients.len() + self.handed_over.len()
    }

    /// Whether the registry has this patient (held, or handed over; see
    /// [`Registry::hand_over_summaries`]).
    pub fn contains(&self, record_id: &str) -> bool {
        self.patients.contains_key(record_id) || self.handed_over.contains(record_id)
    }

    pub fn is_empty(&self) -> bool {
        self.patients.is_empty() && self.handed_over.is_empty()
    }

    pub fn report(&self) -> &OpenReport {
        &self.report
    }

    /// Why this registry cannot be written, if it cannot.
    pub fn read_only_reason(&self) -> Option<&str> {
        self.read_only.as_deref()
    }

    pub fn data_dir(&self) -> &Path {
        &self.dir
    }

    pub fn options(&self) -> &OpenOptions {
        &self.opts
    }

    /// The context the registry validates records with.
    pub fn validation_context(&self) -> ValidationContext<'_> {
        ValidationContext {
            today: self.opts.today,
            known_zones: &self.opts.known_zones,
        }
    }

    /// Lines of the audit log that are not whole audit entries, breaks of its hash chain, and
    /// a log missing or empty beside patients: [`Registry::audit_check`]'s problems.
    pub fn audit_problems(&self) -> io::Result<Vec<String>> {
        self.audit_check().map(|c| c.problems)
    }

    /// Reads the whole audit log and verifies it (see `audit`): every line a whole entry,
    /// the hash chain unbroken (the first broken link, with its line), and a log present
    /// when there are patients (every patient was created by a logged change, so a registry
    /// with patients and no log has lost it). An interrupted transaction's tail, which the
    /// next writer replaces, is not read.
    pub fn audit_check(&self) -> io::Result<AuditCheck> {
        let path = self.dir.join(AUDIT_FILE);
        let mut verifier = audit::Verifier::default();
        match fsutil::open_regular(&path) {
            Ok((f, _)) => {
                // A line at a time, judged a few thousand at once on all cores: the log of
                // 100,000 patients is half a gigabyte and must not be held whole.
                let limit = self.audit_limit.unwrap_or(u64::MAX);
                let mut reader = io::BufReader::with_capacity(1 << 20, io::Read::take(f, limit));
                loop {
                    let mut batch: Vec<Vec<u8>> = Vec::with_capacity(8192);
                    while batch.len() < 8192 {
                        let mut line = Vec::new();
                        if io::BufRead::read_until(&mut reader, b'\n', &mut line)? == 0 {
                            break;
                        }
                        batch.push(line);
                    }
                    if batch.is_empty() {
                        break;
                    }
                    for facts in par_map(&batch, |l| audit::line_facts(l)) {
                        verifier.push(facts);
                    }
                }
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
        let v = verifier.finish();
        let mut out = AuditCheck::default();
        let shown = path.display();
        for (line, closed) in &v.not_whole {
            match closed {
                true => out.notes.push(format!(
                    "{shown} line {line} is a torn entry (a write cut short), ended and recorded \
                     by the writer that came next (line {})",
                    line + 1
                )),
                false => out
                    .problems
                    .push(format!("{shown} line {line} is not a whole audit entry")),
            }
        }
        if let Some((line, what)) = &v.broken {
            out.problems.push(format!(
                "{shown} line {line} breaks the hash chain: {what} (the first broken link; \
                 lines from here on cannot be trusted)"
            ));
        }
        let n = self.len();
        if v.entries == 0 && n > 0 && self.report.pending == 0 {
            let state = match v.lines {
                0 if path.exists() => "is empty",
                0 => "is missing",
                _ => "holds no whole entry",
            };
            out.problems.push(format!(
                "{shown} {state}, but the registry holds {n} patient(s), each created by a \
                 logged change: the audit log was deleted or emptied"
            ));
        }
        match v.chain_from {
            Some(from) => {
                let mut note = format!(
                    "audit log: {} entries, hash chain from line {from} to line {} (head {})",
                    v.entries, v.lines, v.head
                );
                if from > 1 {
                    note.push_str(&format!(
                        "; lines 1 to {} were written before entries were chained and are not \
                         protected",
                        from - 1
                    ));
                }
                out.notes.push(note);
            }
            None if v.entries > 0 => out.notes.push(format!(
                "audit log: {} entries, none chained (written by an older smplan); the next \
                 change starts the hash chain",
                v.entries
            )),
            None => {}
        }
        out.verified = v;
        Ok(out)
    }

    /// Validates and durably saves one patient (new or changed), logging each changed field.
    /// Saving a patient unchanged writes nothing.
    pub fn save(&mut self, patient: Patient) -> Result<(), StoreError> {
        self.writable()?;
        self.check_valid(&patient)?;
        self.check_gates(&patient, gate::Mode::Record)?;
        self.commit(vec![patient])
    }

    /// Saves many patients as one transaction: after a crash at any moment the registry
    /// holds all of them or none. Without `update`, a patient already in the registry is an
    /// error. Nothing is written unless every patient is valid.
    pub fn import_batch(&mut self, patients: Vec<Patient>, update: bool) -> Result<(), StoreError> {
        self.writable()?;
        let mut seen = std::collections::HashSet::new();
        for p in &patients {
            if !seen.insert(p.record_id.as_str()) {
                return Err(StoreError::DuplicateInBatch(p.record_id.clone()));
            }
            if !update
                && (self.patients.contains_key(&p.record_id)
                    || self.handed_over.contains(&p.record_id))
            {
                return Err(StoreError::AlreadyExists(p.record_id.clone()));
            }
            self.check_valid(p)?;
            self.check_gates(p, gate::Mode::Import)?;
        }
        self.commit(patients)
    }

    /// Starts an import of any size as one transaction, staged on disk patient by patient
    /// (see `staging`): the registry checks each patient as [`Registry::import_batch`] does
    /// when it is [added](Import::add), and nothing of it is visible, or left after a crash,
    /// until [`Import::commit`]. Dropped without a commit, it leaves nothing behind.
    pub fn begin_import(&mut self, update: bool) -> Result<Import<'_>, StoreError> {
        self.writable()?;
        let txn = journal::new_txn_id();
        let jdir = self.dir.join(JOURNAL_DIR);
        let stage = staging::StageWriter::create(&self.dir, &txn).map_err(io_err(&jdir))?;
        Ok(Import {
            time: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
            reg: self,
            update,
            txn,
            stage: Some(stage),
            seen: HashMap::new(),
        })
    }

    /// The gates of [`crate::domain::gate::check_change`] against the record as stored (a
    /// new patient has none). Warnings are the caller's to say (an import names the line).
    fn check_gates(&self, p: &Patient, mode: gate::Mode) -> Result<(), StoreError> {
        let old = match self.read_whole(&p.record_id, false) {
            Ok(o) => Some(o),
            Err(StoreError::NotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let check = gate::check_change(old.as_ref(), p, &self.opts.rules, mode);
        match check.is_refused() {
            false => Ok(()),
            true => Err(StoreError::Refused {
                record_id: p.record_id.clone(),
                refusals: check.refusals,
            }),
        }
    }

    fn writable(&self) -> Result<(), StoreError> {
        match &self.read_only {
            Some(why) => Err(StoreError::ReadOnly(why.clone())),
            None => Ok(()),
        }
    }

    fn check_valid(&self, p: &Patient) -> Result<(), StoreError> {
        if p.summary_only {
            return Err(StoreError::SummaryOnly(p.record_id.clone()));
        }
        let problems = p.validate(&self.validation_context());
        if problems.is_empty() {
            Ok(())
        } else {
            Err(StoreError::Invalid {
                record_id: p.record_id.clone(),
                problems,
            })
        }
    }

    /// One transaction (see `journal`): commit record, roll forward, forget.
    fn commit(&mut self, patients: Vec<Patient>) -> Result<(), StoreError> {
        let txn = journal::new_txn_id();
        let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let mut audit = Vec::new();
        let mut changed = Vec::new();
        for mut p in patients {
            p.schema_version = SCHEMA_VERSION;
            let old = match self.patients.get(&p.record_id) {
                Some(o) if o.summary_only => to_value(&self.read_whole(&p.record_id, false)?)?,
                Some(o) => to_value(o)?,
                None if self.handed_over.contains(&p.record_id) => {
                    to_value(&self.read_whole(&p.record_id, false)?)?
                }
                None => Value::Object(Default::default()),
            };
            let diffs = audit::diff(&old, &to_value(&p)?);
            if diffs.is_empty() {
                continue;
            }
            audit.extend(diffs.into_iter().map(|(field, old, new)| AuditEntry {
                time: time.clone(),
                operator: self.opts.operator.clone(),
                record_id: p.record_id.clone(),
                field,
                old,
                new,
                txn: txn.clone(),
                prev: None,
            }));
            changed.push(p);
        }
        if changed.is_empty() {
            return Ok(());
        }
        self.check_versions(&changed)?;
        let dir = self.dir.clone();
        let (audit_offset, tail) = journal::audit_mark(&dir).map_err(io_err(&dir))?;
        let commit = Commit {
            format: JOURNAL_FORMAT,
            txn,
            audit_offset,
            audit_tail: Some(tail),
            patients: changed,
            audit,
            staged: None,
        };
        // A commit record that a replay would refuse is never written: every patient here
        // passed `check_valid` (stricter than the replay's `judge`), and the record id, which
        // names the file, is checked once more on its own, cheaply, as the last line of
        // defence (`check_commit` at replay is the other side of it).
        for p in &commit.patients {
            if let Err(why) = crate::domain::validate::check_record_id(&p.record_id) {
                return Err(StoreError::Invalid {
                    record_id: p.record_id.clone(),
                    problems: vec![Invalid::new("record_id", why)],
                });
            }
        }
        let jdir = dir.join(JOURNAL_DIR);
        let record = journal::write_commit(&dir, &commit).map_err(io_err(&jdir))?;
        if let Err(e) = journal::apply(&dir, &commit, &record) {
            // Decided but not applied: the next opening completes it. Until then this
            // in-memory copy may differ from the disk, so stop writing through it.
            self.read_only = Some(format!(
                "a save could not be completed ({e}); it will be completed when the registry is next opened"
            ));
            return Err(StoreError::Io {
                path: dir.join(PATIENTS_DIR),
                source: e,
            });
        }
        let pdir = dir.join(PATIENTS_DIR);
        {
            let mut versions = self.versions_mut();
            for p in &commit.patients {
                let file = pdir.join(journal::patient_file_name(&p.record_id));
                match FileKey::stat(&file) {
                    Ok(k) => versions.insert(p.record_id.clone(), k),
                    Err(_) => versions.remove(&p.record_id),
                };
            }
        }
        for p in commit.patients {
            self.hold(p);
        }
        Ok(())
    }

    fn versions_mut(&self) -> std::sync::MutexGuard<'_, HashMap<String, FileKey>> {
        // A panic elsewhere while the map was held leaves it whole (inserts and removes).
        self.versions.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Refuses the save when a patient's file is not the version this registry last read or
    /// wrote: changed, created or removed by another process (see `versions`). Checked with
    /// or without the lock: the lock file can be deleted under a running writer.
    fn check_versions(&self, patients: &[Patient]) -> Result<(), StoreError> {
        let pdir = self.dir.join(PATIENTS_DIR);
        let versions = self.versions_mut();
        for p in patients {
            let file = pdir.join(journal::patient_file_name(&p.record_id));
            let now = match FileKey::stat(&file) {
                Ok(k) => Some(k),
                Err(e) if e.kind() == io::ErrorKind::NotFound => None,
                Err(e) => {
                    return Err(StoreError::Io {
                        path: file,
                        source: e,
                    });
                }
            };
            if now.as_ref() != versions.get(&p.record_id) {
                return Err(StoreError::ChangedOnDisk {
                    record_id: p.record_id.clone(),
                    file,
                });
            }
        }
        Ok(())
    }

    /// Writer: complete interrupted transactions, then load, quarantining damaged files.
    fn load_as_writer(&mut self) -> Result<(), StoreError> {
        let dir = self.dir.clone();
        let pdir = dir.join(PATIENTS_DIR);
        let jdir = dir.join(JOURNAL_DIR);
        for d in [&pdir, &jdir] {
            create_private_dir(d).map_err(io_err(d))?;
        }
        // Every replay and every quarantine move appends to the audit log: it must be
        // writable before anything is done.
        let audit = dir.join(AUDIT_FILE);
        if fs::symlink_metadata(&audit).is_ok()
            && let Err(e) = fsutil::open_rw(&audit)
        {
            let u = Unreadable::new(audit, &e, &dir);
            let why = format!(
                "{} cannot be written ({}); the registry is read-only",
                u.file.display(),
                u.error
            );
            self.report.unreadable.push(u);
            return self.fall_back_to_reader(why);
        }
        // Temporary files in the patients directory go while it is listed (`read_files`).
        for d in [&jdir, &dir] {
            remove_stale_temps(d).map_err(io_err(d))?;
        }
        for record in journal::list(&dir).map_err(io_err(&jdir))? {
            match journal::read(&record) {
                Ok(c) => match check_commit(&dir, &c, &self.opts) {
                    // Set aside (moved to quarantine below, audited), never applied.
                    Err(why) => self.report.damaged.push(Damaged {
                        file: record,
                        reason: format!("(an interrupted change) {why}; it was not applied"),
                        moved_to: None,
                    }),
                    Ok(()) => match journal::apply(&dir, &c, &record) {
                        Ok(()) => self.report.rolled_forward += 1,
                        Err(e) => {
                            // Not the record's fault (it passed every check): keep it for the
                            // next writer, and write nothing over it meanwhile.
                            let why = format!(
                                "an interrupted change ({}) could not be completed ({}); it is \
                                 kept for the next writer, and until then the registry is read-only",
                                record.display(),
                                guard::explain(&e, &pdir, &dir)
                            );
                            return self.fall_back_to_reader(why);
                        }
                    },
                },
                Err(journal::ReadError::Gone) => {}
                Err(journal::ReadError::Newer(v)) => self.report.newer_schema.push((record, v)),
                Err(journal::ReadError::Damaged(why)) => self.report.damaged.push(Damaged {
                    file: record,
                    reason: format!("(an interrupted change) {why}"),
                    moved_to: None,
                }),
                Err(journal::ReadError::Unreadable(e)) => {
                    // Later records must not be applied before this one.
                    let u = Unreadable::new(record, &e, &dir);
                    let why = format!(
                        "{} cannot be read ({}); the registry is read-only",
                        u.file.display(),
                        u.error
                    );
                    return self.fall_back_to_reader(why);
                }
            }
        }
        // Stage directories of imports that never reached their commit point.
        staging::remove_orphans(&dir).map_err(io_err(&jdir))?;
        let files = self.read_files(&pdir).map_err(io_err(&pdir))?;
        if !files.links.is_empty() {
            return Err(StoreError::Links(files.links));
        }
        let index_stale = files.index_stale;
        let keys = self.take_files(files);
        // The version of every sound file, as read (see `versions`).
        *self.versions_mut() = keys
            .iter()
            .filter_map(|(name, k)| {
                let id = name.strip_suffix(".json")?;
                self.patients.contains_key(id).then(|| (id.to_string(), *k))
            })
            .collect();
        if let Some((f, v)) = self.report.newer_schema.first() {
            self.read_only = Some(newer_message(f, *v));
            self.lock = None;
            return Ok(());
        }
        if let Some(u) = self.report.unreadable.first() {
            // A patient the writer cannot read would look absent: an import could write over
            // it. Nothing is moved or written until it can be read.
            self.read_only = Some(format!(
                "{} cannot be read ({}); nothing is written to the registry until it can be",
                u.file.display(),
                u.error
            ));
            self.lock = None;
            return Ok(());
        }
        let items: Vec<quarantine::Item> = self
            .report
            .damaged
            .iter()
            .map(|d| {
                let in_journal = d.file.parent() == Some(jdir.as_path());
                quarantine::Item {
                    file: &d.file,
                    reason: &d.reason,
                    record_id: match in_journal {
                        true => String::new(),
                        false => stem_of(&d.file),
                    },
                    prefix: match in_journal {
                        true => quarantine::JOURNAL_PREFIX,
                        false => "",
                    },
                }
            })
            .collect();
        let moved =
            quarantine::move_all(&dir, &self.opts.operator, &items).map_err(io_err(&dir))?;
        for (d, to) in self.report.damaged.iter_mut().zip(moved) {
            d.moved_to = to;
        }
        if index_stale {
            // A cache: without it the next opening reads every file, nothing worse.
            let _ = self.rewrite_index(&keys);
        }
        Ok(())
    }

    /// A writer that must not write after all: no lock, and the registry loaded as a reader
    /// loads it (pending transactions overlaid), read-only for `why`.
    fn fall_back_to_reader(&mut self, why: String) -> Result<(), StoreError> {
        self.read_only = Some(why);
        self.lock = None;
        // What the reader reads again it reports again; keep the rest (the audit log, the lock).
        let (pdir, jdir) = (self.dir.join(PATIENTS_DIR), self.dir.join(JOURNAL_DIR));
        let kept: Vec<Unreadable> = std::mem::take(&mut self.report.unreadable)
            .into_iter()
            .filter(|u| !u.file.starts_with(&pdir) && !u.file.starts_with(&jdir))
            .collect();
        self.load_as_reader()?;
        self.report.unreadable.splice(0..0, kept);
        Ok(())
    }

    /// Reader: no lock, nothing moved. A writer may be mid-transaction, so read the commit
    /// records before and after the patient files and overlay pending ones; if a transaction
    /// started and finished while we read (the audit log grew), read again.
    fn load_as_reader(&mut self) -> Result<(), StoreError> {
        let dir = self.dir.clone();
        let pdir = dir.join(PATIENTS_DIR);
        if !dir.exists() {
            return Ok(());
        }
        let mut attempts = 0;
        loop {
            attempts += 1;
            let audit_before = journal::audit_len(&dir).map_err(io_err(&dir))?;
            let records = journal::list(&dir).map_err(io_err(&dir))?;
            let mut commits = Vec::new();
            let mut report = OpenReport::default();
            for r in &records {
                match journal::read(r) {
                    Ok(c) => match check_pending(&dir, c, &self.opts) {
                        Ok(c) => commits.push(c),
                        // What the next writer sets aside is not shown as if it will happen.
                        Err(why) => report.damaged.push(Damaged {
                            file: r.clone(),
                            reason: format!(
                                "(an interrupted change) {why}; the next writer sets it aside \
                                 in quarantine/ without applying it"
                            ),
                            moved_to: None,
                        }),
                    },
                    Err(journal::ReadError::Gone) => {}
                    Err(journal::ReadError::Newer(v)) => report.newer_schema.push((r.clone(), v)),
                    Err(journal::ReadError::Damaged(why)) => report.damaged.push(Damaged {
                        file: r.clone(),
                        reason: format!("(an interrupted change) {why}"),
                        moved_to: None,
                    }),
                    Err(journal::ReadError::Unreadable(e)) => {
                        report.unreadable.push(Unreadable::new(r.clone(), &e, &dir));
                    }
                }
            }
            let files = self.read_files(&pdir).map_err(io_err(&pdir))?;
            if !files.links.is_empty() {
                return Err(StoreError::Links(files.links));
            }
            let stable = journal::list(&dir).map_err(io_err(&dir))? == records
                && journal::audit_len(&dir).map_err(io_err(&dir))? == audit_before;
            if !stable && attempts < 5 {
                continue;
            }
            report.lock_holder = self.report.lock_holder.take();
            report.unsafe_permissions = self.report.unsafe_permissions.take();
            self.report = report;
            self.patients.clear();
            self.overlay.clear();
            self.take_files(files);
            self.report.pending = commits.len();
            self.audit_limit = commits.iter().map(|c| c.audit_offset).min();
            for c in commits {
                for p in c.patients {
                    let file = pdir.join(journal::patient_file_name(&p.record_id));
                    self.report.damaged.retain(|d| d.file != file);
                    if self.opts.summaries {
                        self.overlay.insert(p.record_id.clone(), p.clone());
                    }
                    self.hold(p);
                }
            }
            if let Some((f, v)) = self.report.newer_schema.first() {
                self.read_only = Some(newer_message(f, *v));
            }
            return Ok(());
        }
    }

    /// Holds a patient: whole, or its summary when opened with `summaries`.
    fn hold(&mut self, p: Patient) {
        let p = if self.opts.summaries && !p.summary_only {
            p.summary()
        } else {
            p
        };
        if !self.handed_over.is_empty() {
            self.handed_over.remove(&p.record_id);
        }
        self.patients.insert(p.record_id.clone(), p);
    }

    /// Lists the patient files and reads them: with `summaries` and an index, each file
    /// whose key matches its index line is taken from the index and only the others are
    /// read (see `index`); otherwise every file is read.
    fn read_files(&self, pdir: &Path) -> io::Result<Files> {
        if !self.opts.summaries || self.verify {
            let listing = guard::list_patients(pdir, self.lock.is_some())?;
            return self.read_all(pdir, listing);
        }
        // The index is parsed while the files are listed and `stat`ed: the one is work for
        // the processor, the other mostly waiting on the file system.
        let (listed, index) = std::thread::scope(|scope| {
            let index = scope.spawn(|| index::read(&self.dir));
            let listed = guard::list_patients(pdir, self.lock.is_some()).map(|listing| {
                let stats = stat_all(pdir, &listing.names);
                (listing, stats)
            });
            let index = index
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (listed, index)
        });
        let (mut listing, stats) = listed?;
        let Some(mut index) = index? else {
            return self.read_all(pdir, listing);
        };
        let names = std::mem::take(&mut listing.names);
        let mut keys = Vec::with_capacity(names.len());
        let mut indexed = Vec::with_capacity(names.len());
        let mut unknown = Vec::new();
        // Both in record-id order: one merge pass.
        let mut lines = std::mem::take(&mut index.entries).into_iter().peekable();
        let mut gone = 0usize;
        for (name, key) in names.into_iter().zip(stats) {
            let id = name.strip_suffix(".json").unwrap_or(&name);
            while lines.next_if(|e| e.record_id() < id).is_some() {
                gone += 1;
            }
            match (key, lines.next_if(|e| e.record_id() == id)) {
                (Some(k), Some(e)) if k == e.key => {
                    keys.push((name, k));
                    indexed.push(e.patient);
                }
                _ => unknown.push(name),
            }
        }
        gone += lines.count();
        let read = self.scan(pdir, &unknown);
        for (name, key, _) in &read {
            if let Some(k) = key {
                keys.push((name.clone(), *k));
            }
        }
        // Stale when it missed a file, lists a file that is gone, has a torn line, or holds
        // superseded lines (one per save) worth more than a quarter of the live ones: every
        // opening parses them, so a writer compacts early (10,000 patients: 27,000 lines
        // after a long series of saves made opening 104 ms instead of 67).
        let index_stale = !unknown.is_empty()
            || gone > 0
            || index.bad_lines > 0
            || index.lines > indexed.len() + indexed.len() / 4 + 100;
        Ok(Files {
            read,
            indexed,
            keys,
            index_stale,
            foreign: listing.foreign,
            links: listing.links,
        })
    }

    /// Reads every file in full (no index, or not opening on summaries).
    fn read_all(&self, pdir: &Path, listing: guard::Listing) -> io::Result<Files> {
        let read = self.scan(pdir, &listing.names);
        let keys = read
            .iter()
            .filter_map(|(name, key, _)| Some((name.clone(), (*key)?)))
            .collect();
        Ok(Files {
            read,
            indexed: Vec::new(),
            keys,
            // Only a writer rewrites it: a reader need not look.
            index_stale: self.lock.is_some() && !index::present(&self.dir),
            foreign: listing.foreign,
            links: listing.links,
        })
    }

    /// Holds what [`Registry::read_files`] found; returns the key of every file.
    fn take_files(&mut self, files: Files) -> Vec<(String, FileKey)> {
        if self.patients.is_empty() {
            // In record-id order already: built in bulk, without a search per patient.
            self.patients = files
                .indexed
                .into_iter()
                .map(|p| (p.record_id.clone(), p))
                .collect();
        } else {
            for p in files.indexed {
                self.patients.insert(p.record_id.clone(), p);
            }
        }
        self.classify(files.read);
        self.report.foreign.extend(files.foreign);
        files.keys
    }

    /// Writes the index afresh from the patients held and their files' keys.
    fn rewrite_index(&self, keys: &[(String, FileKey)]) -> io::Result<()> {
        let keys: HashMap<&str, FileKey> = keys.iter().map(|(n, k)| (n.as_str(), *k)).collect();
        // Whole records or summaries alike: each line is cut to the summary.
        let lines = self.patients.values().filter_map(|p| {
            let key = *keys.get(journal::patient_file_name(&p.record_id).as_str())?;
            Some((key, p))
        });
        index::rewrite(&self.dir, lines)
    }

    /// Reads and checks the named files in full, on all cores (parsing dominates opening a
    /// registry without its index). Opening on summaries, each is cut to its summary as
    /// soon as it is checked, a few thousand at a time, so that rebuilding the index of
    /// 100,000 patients never holds 100,000 whole records.
    fn scan(&self, pdir: &Path, names: &[String]) -> Vec<(String, Option<FileKey>, Scanned)> {
        let mut out = Vec::with_capacity(names.len());
        for chunk in names.chunks(4096) {
            out.extend(par_map(chunk, |name| {
                let stem = name.strip_suffix(".json").unwrap_or(name);
                let (key, state) = read_patient_file(&pdir.join(name), stem);
                let scanned = match state {
                    FileState::Ok(p) => match self.load_problems(&p) {
                        Ok(warnings) if self.opts.summaries => {
                            Scanned::Sound(Box::new(p.summary()), warnings)
                        }
                        Ok(warnings) => Scanned::Sound(p, warnings),
                        Err(reason) => Scanned::Damaged(reason),
                    },
                    FileState::Newer(v) => Scanned::Newer(v),
                    FileState::Damaged(reason) => Scanned::Damaged(reason),
                    FileState::Unreadable(e) => Scanned::Unreadable(e),
                    FileState::Gone => Scanned::Gone,
                };
                (name.clone(), key, scanned)
            }));
        }
        out
    }

    fn classify(&mut self, files: Vec<(String, Option<FileKey>, Scanned)>) {
        let pdir = self.dir.join(PATIENTS_DIR);
        for (name, _, state) in files {
            let file = pdir.join(&name);
            match state {
                Scanned::Sound(p, warnings) => {
                    for w in warnings {
                        self.report
                            .warnings
                            .push(format!("patient {}: {w}", p.record_id));
                    }
                    self.hold(*p);
                }
                Scanned::Newer(v) => self.report.newer_schema.push((file, v)),
                Scanned::Damaged(reason) => self.report.damaged.push(Damaged {
                    file,
                    reason,
                    moved_to: None,
                }),
                Scanned::Unreadable(e) => {
                    let u = Unreadable::new(file, &e, &self.dir);
                    self.report.unreadable.push(u);
                }
                Scanned::Gone => {}
            }
        }
    }

    /// Ok(warnings) when the record is sound in itself; Err(reason) when it is damaged.
    fn load_problems(&self, p: &Patient) -> Result<Vec<Invalid>, String> {
        judge(p, &self.opts)
    }
}

/// Ok(warnings) when the record is sound in itself; Err(reason) when it is damaged (see the
/// module documentation: rules that depend on today or on the protocol only warn).
fn judge(p: &Patient, opts: &OpenOptions) -> Result<Vec<Invalid>, String> {
    let full = p.validate(&ValidationContext {
        today: opts.today,
        known_zones: &opts.known_zones,
    });
    if full.is_empty() {
        return Ok(full);
    }
    // Judge the file by the rules of the record itself: "today" moved past its latest
    // date, and its own zones added to the protocol's.
    let today = record_dates(p).fold(opts.today, NaiveDate::max);
    let mut zones = opts.known_zones.clone();
    zones.extend(record_zones(p));
    let own = p.validate(&ValidationContext {
        today,
        known_zones: &zones,
    });
    if own.is_empty() {
        Ok(full)
    } else {
        let msgs: Vec<String> = own.iter().map(|i| i.to_string()).collect();
        Err(format!("fails validation: {}", msgs.join("; ")))
    }
}

fn to_value(p: &Patient) -> Result<Value, StoreError> {
    serde_json::to_value(p).map_err(|e| StoreError::Io {
        path: PathBuf::from(&p.record_id),
        source: io::Error::other(e),
    })
}

fn record_dates(p: &Patient) -> impl Iterator<Item = NaiveDate> + '_ {
    p.birth_date
        .into_iter()
        .chain(p.consent.dates())
        .chain(p.clearance.as_ref().map(|c| c.date))
        .chain(p.screen.date)
        .chain(p.sessions.iter().map(|s| s.date))
        .chain(p.follow_ups.iter().filter_map(|f| f.date))
        .chain(p.adverse_events.iter().filter_map(|a| a.onset))
}

fn record_zones(p: &Patient) -> impl Iterator<Item = String> + '_ {
    p.zones
        .iter()
        .map(|z| z.zone.clone())
        .chain(
            p.sessions
                .iter()
                .flat_map(|s| s.zones.iter().map(|z| z.zone.clone())),
        )
        .chain(
            p.plan
                .iter()
                .flat_map(|pl| pl.zones.iter().map(|z| z.zone.clone())),
        )
}

/// What opening found in the patients directory.
struct Files {
    /// Files read in full: name, key (when it could be read), content.
    read: Vec<(String, Option<FileKey>, Scanned)>,
    /// Summaries taken from the index, for files unchanged since their line was written.
    indexed: Vec<Patient>,
    /// The key of every file listed and read or checked, by file name.
    keys: Vec<(String, FileKey)>,
    /// The index is missing, or differs from the files: a writer rewrites it.
    index_stale: bool,
    /// Entries of `patients/` that are not patient files (never opened).
    foreign: Vec<Foreign>,
    /// Patient files that are symbolic links: the registry is refused.
    links: Vec<PathBuf>,
}

/// Whether `c` may be replayed, or shown by a reader as it will be: every patient sound in
/// itself as opening judges a patient file (an id that cannot name a file, or names one
/// outside `patients/`, is refused here), and an audit offset that matches the log
/// ([`journal::check_audit_mark`]). `Err` says why not. A save checks its own record the
/// same way before writing it.
fn check_commit(dir: &Path, c: &Commit, opts: &OpenOptions) -> Result<(), String> {
    if c.staged.is_some() {
        return staging::check(dir, c, opts, false).map(|_| ());
    }
    check_commit_patients(c, opts)?;
    journal::check_audit_mark(dir, c)
}

/// The first half of [`check_commit`]: every patient of `c` sound in itself (a backup checks
/// the audit offset against its own copy of the log).
fn check_commit_patients(c: &Commit, opts: &OpenOptions) -> Result<(), String> {
    for p in &c.patients {
        judge(p, opts).map_err(|why| format!("holds patient '{}', which {why}", p.record_id))?;
    }
    Ok(())
}

/// [`check_commit`], then the record with the patients it will write: a staged record's are
/// read from its stage directory (those not yet renamed into `patients/`), for a reader to
/// show them as they will be.
fn check_pending(dir: &Path, mut c: Commit, opts: &OpenOptions) -> Result<Commit, String> {
    if c.staged.is_some() {
        c.patients = staging::check(dir, &c, opts, true)?;
        return Ok(c);
    }
    check_commit(dir, &c, opts)?;
    Ok(c)
}

/// The record id a patient file's name gives (`A-1` for `patients/A-1.json`).
fn stem_of(file: &Path) -> String {
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    name.strip_suffix(".json").unwrap_or(&name).to_string()
}

/// The key of each named file (`None` for one that cannot be `stat`ed: gone since listing).
fn stat_all(pdir: &Path, names: &[String]) -> Vec<Option<FileKey>> {
    par_map(names, |name| FileKey::stat(&pdir.join(name)).ok())
}

/// Reads one patient file, with the key of the file read (taken from the open file, so it
/// is never newer than the content).
fn read_patient_file(path: &Path, stem: &str) -> (Option<FileKey>, FileState) {
    // Never through a link, never waiting on a FIFO (see `guard`).
    let read = fsutil::open_regular(path).and_then(|(mut f, meta)| {
        let key = FileKey::of(&meta);
        let mut bytes = Vec::with_capacity(usize::try_from(key.size()).unwrap_or(0));
        io::Read::read_to_end(&mut f, &mut bytes)?;
        Ok((key, bytes))
    });
    let (key, bytes) = match read {
        Ok(r) => r,
        // Gone since listing: a reader racing a writer's rename; the overlay covers it.
        Err(e) if e.kind() == io::ErrorKind::NotFound => return (None, FileState::Gone),
        // Unreadable is not damaged: never moved (see `guard`).
        Err(e) => return (None, FileState::Unreadable(e)),
    };
    (Some(key), parse_patient(&bytes, stem))
}

fn parse_patient(bytes: &[u8], stem: &str) -> FileState {
    // Checking the UTF-8 of the whole file at once and parsing it as text is faster than
    // letting the parser check every string on its own (most of a patient file is strings).
    // Keys this smplan does not know are noted (issue 14, finding 11): a record holding one
    // is refused rather than loaded, since the next save would drop them unseen.
    let mut unknown: Vec<String> = Vec::new();
    let mut note = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
    fn whole<'de, R: serde_json::de::Read<'de>>(
        mut de: serde_json::Deserializer<R>,
        note: impl FnMut(serde_ignored::Path<'_>),
    ) -> Result<Patient, serde_json::Error> {
        let p = serde_ignored::deserialize(&mut de, note)?;
        de.end()?;
        Ok(p)
    }
    let parsed = match std::str::from_utf8(bytes) {
        Ok(text) => whole(serde_json::Deserializer::from_str(text), &mut note),
        Err(_) => whole(serde_json::Deserializer::from_slice(bytes), &mut note),
    };
    if let Ok(p) = &parsed
        && p.schema_version <= SCHEMA_VERSION
        && !unknown.is_empty()
    {
        return FileState::Damaged(format!(
            "has fields this smplan does not know ({}); they would be lost on the next save, so \
             the record is not loaded: remove or rename them (docs/exports.md lists the fields)",
            unknown.join(", ")
        ));
    }
    match parsed {
        Ok(p) if p.schema_version > SCHEMA_VERSION => FileState::Newer(p.schema_version),
        Ok(p) if p.record_id != stem => FileState::Damaged(format!(
            "holds record_id '{}' but is named {stem}.json",
            p.record_id
        )),
        Ok(p) => FileState::Ok(Box::new(p)),
        Err(e) => match serde_json::from_slice::<Value>(bytes) {
            Ok(v) => {
                let version = v.get("schema_version").and_then(Value::as_u64);
                match version {
                    Some(n) if n > u64::from(SCHEMA_VERSION) => {
                        FileState::Newer(u32::try_from(n).unwrap_or(u32::MAX))
                    }
                    _ => FileState::Damaged(format!("is not a valid patient record ({e})")),
                }
            }
            Err(_) => FileState::Damaged(format!("is not valid JSON ({e})")),
        },
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
mod gate_tests;
#[cfg(test)]
mod index_tests;
#[cfg(test)]
mod staging_tests;
