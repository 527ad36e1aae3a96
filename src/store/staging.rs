//! Staged transactions: an import of any size, all-or-nothing, without holding it in memory.
//!
//! A save's commit record holds the new content of its patients (see `journal`). An import of
//! a million rows cannot: the record would be gigabytes, built and read back whole. So an
//! import writes its transaction to disk as it goes, in a *stage directory*
//! `journal/<txn>/`:
//!
//! - one file per patient, `<record_id>.json`, byte for byte what `patients/` will hold;
//! - `MANIFEST`: one line per patient file, `["<SHA-256 of the file>","<file name>"]`;
//! - `AUDIT`: the transaction's audit entries, one per line, not yet chained;
//! - `INDEX`: the summary index lines of the patients, without their keys (see `index`).
//!
//! The files are written without one `fsync` each and made durable together (Linux `syncfs`;
//! an import of at most 256 files, and any elsewhere, syncs each file, on several threads),
//! then the directory. Then the **commit record**
//! `journal/<txn>.json` is written as for a save, but small: format [`STAGED_FORMAT`], no
//! patients, and [`Staged`]: the number of patient files, the SHA-256 of `MANIFEST`, the
//! number of audit entries and the SHA-256 of `AUDIT`. Its durable rename is the commit point,
//! exactly as for a save: before it, the stage directory is an orphan that the next writer
//! removes (nothing happened); after it, the transaction will happen.
//!
//! **Applying** renames each staged file into `patients/` (in `MANIFEST` order), syncs
//! `patients/`, appends the audit lines (cut back to the record's offset first, chained as
//! any append), removes the commit record, syncs `journal/`, and removes the stage directory.
//! A replay after a crash does the same: a file already renamed is not staged any more, and
//! its twin in `patients/` must be the one the manifest names.
//!
//! **Checks.** Before a replay, and before a reader shows a pending staged transaction, the
//! record is checked as an inline one is (`super::check_commit`), streaming: the manifest and
//! the audit lines must hash to what the record says, every manifest name must be the file
//! name of a valid record id, every staged patient file must hash to its manifest line and
//! be a sound patient record named by its id (judged as opening judges a patient file), every
//! file no longer staged must be in `patients/` with the manifest's hash, and the audit offset
//! must match the log. A record failing any check is set aside, as an inline one is.
//!
//! An older smplan (journal format 1) sees the format-2 record as written by a newer smplan
//! and opens the registry read-only, rather than dropping a transaction it cannot apply.

use super::audit::AuditEntry;
use super::fsutil::{self, create_private_dir, open_regular, sync_dir};
use super::index::{self, FileKey};
use super::journal::{self, Commit, JOURNAL_DIR, PATIENTS_DIR};
use super::{FileState, OpenOptions, judge, parse_patient};
use crate::domain::Patient;
use crate::domain::text::hex;
use crate::domain::validate::check_record_id;
use crate::par::par_map;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Format of a staged commit record (an inline one is [`journal::JOURNAL_FORMAT`]).
pub const STAGED_FORMAT: u32 = 2;
pub const MANIFEST: &str = "MANIFEST";
pub const AUDIT: &str = "AUDIT";
pub const INDEX: &str = "INDEX";

/// Patient files staged per batch: written by several threads at once, then the next batch.
const BATCH_FILES: usize = 512;

/// What a staged commit record says of its stage directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staged {
    /// Patient files (lines of `MANIFEST`).
    pub patients: u64,
    /// SHA-256 (hex) of `MANIFEST`.
    pub manifest: String,
    /// Audit entries (lines of `AUDIT`).
    pub audit_entries: u64,
    /// SHA-256 (hex) of `AUDIT`.
    pub audit: String,
}

/// The stage directory of transaction `txn`.
pub fn stage_dir(dir: &Path, txn: &str) -> PathBuf {
    dir.join(JOURNAL_DIR).join(txn)
}

/// A transaction id names the stage directory: only what [`journal::new_txn_id`] makes
/// (digits and `-`), so that a crafted record cannot name a directory elsewhere.
fn txn_is_safe(txn: &str) -> bool {
    !txn.is_empty() && txn.len() <= 80 && txn.bytes().all(|b| b.is_ascii_digit() || b == b'-')
}

/// A line of `MANIFEST`: the file's hash and name.
#[derive(Serialize, Deserialize)]
struct ManifestLine(String, String);

/// The stage directory of a transaction being built.
pub struct StageWriter {
    sdir: PathBuf,
    manifest: Hashed,
    audit: Hashed,
    index: BufWriter<fs::File>,
    patients: u64,
    audit_entries: u64,
    pending: Vec<(PathBuf, Vec<u8>)>,
    /// The files written, while there are at most [`SYNC_EACH`]: synced one by one rather
    /// than by syncing the whole file system (which waits for every other writer's data).
    written: Vec<PathBuf>,
    /// More than [`SYNC_EACH`] files were written.
    many: bool,
    line: Vec<u8>,
}

/// Up to this many staged files are synced each on its own (see `StageWriter::written`).
const SYNC_EACH: usize = 256;

/// A file written through a buffer, hashed as it is written.
struct Hashed {
    out: BufWriter<fs::File>,
    hash: Sha256,
}

impl Hashed {
    fn create(path: &Path) -> io::Result<Hashed> {
        Ok(Hashed {
            out: BufWriter::with_capacity(1 << 16, fsutil::create_new(path)?),
            hash: Sha256::new(),
        })
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hash.update(bytes);
        self.out.write_all(bytes)
    }

    fn finish(self) -> io::Result<String> {
        let f = self.out.into_inner().map_err(|e| e.into_error())?;
        f.sync_all()?;
        Ok(hex(&self.hash.finalize()))
    }
}

impl StageWriter {
    /// Creates `journal/<txn>/` (0700) and its files.
    pub fn create(dir: &Path, txn: &str) -> io::Result<StageWriter> {
        let sdir = stage_dir(dir, txn);
        create_private_dir(&sdir)?;
        Ok(StageWriter {
            manifest: Hashed::create(&sdir.join(MANIFEST))?,
            audit: Hashed::create(&sdir.join(AUDIT))?,
            index: BufWriter::with_capacity(1 << 16, fsutil::create_new(&sdir.join(INDEX))?),
            sdir,
            patients: 0,
            audit_entries: 0,
            pending: Vec::with_capacity(BATCH_FILES),
            written: Vec::new(),
            many: false,
            line: Vec::new(),
        })
    }

    /// Stages one patient (checked by the caller) and its audit entries.
    pub fn add(&mut self, p: &Patient, entries: &[AuditEntry]) -> io::Result<()> {
        let name = journal::patient_file_name(&p.record_id);
        let bytes = serde_json::to_vec_pretty(p).map_err(io::Error::other)?;
        self.line.clear();
        serde_json::to_writer(
            &mut self.line,
            &ManifestLine(hex(&Sha256::digest(&bytes)), name.clone()),
        )
        .map_err(io::Error::other)?;
        self.line.push(b'\n');
        self.manifest.put(&self.line)?;
        self.index.write_all(&index::unkeyed_line(p)?)?;
        for e in entries {
            self.line.clear();
            serde_json::to_writer(&mut self.line, e).map_err(io::Error::other)?;
            self.line.push(b'\n');
            self.audit.put(&self.line)?;
        }
        self.audit_entries += entries.len() as u64;
        self.patients += 1;
        self.pending.push((self.sdir.join(name), bytes));
        if self.pending.len() >= BATCH_FILES {
            self.write_pending()?;
        }
        Ok(())
    }

    /// Patient files staged so far.
    pub fn patients(&self) -> u64 {
        self.patients
    }

    /// Writes the pending patient files, on several threads (the file system overlaps them).
    fn write_pending(&mut self) -> io::Result<()> {
        const WORKERS: usize = 4;
        let files = std::mem::take(&mut self.pending);
        if files.is_empty() {
            return Ok(());
        }
        let chunk = files.len().div_ceil(WORKERS);
        std::thread::scope(|scope| {
            let handles: Vec<_> = files
                .chunks(chunk)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .try_for_each(|(path, bytes)| fsutil::write_new(path, bytes))
                    })
                })
                .collect();
            handles.into_iter().try_for_each(|h| {
                h.join()
                    .map_err(|_| io::Error::other("a writer thread panicked"))?
            })
        })?;
        if self.written.len() + files.len() <= SYNC_EACH {
            self.written.extend(files.iter().map(|(p, _)| p.clone()));
        } else {
            self.written = Vec::new();
            self.many = true;
        }
        self.pending = files;
        self.pending.clear();
        Ok(())
    }

    /// Makes everything staged durable and says what the commit record must hold.
    pub fn finish(mut self) -> io::Result<Staged> {
        self.write_pending()?;
        let index = self.index.into_inner().map_err(|e| e.into_error())?;
        index.sync_all()?;
        let manifest = self.manifest.finish()?;
        let audit = self.audit.finish()?;
        // The patient files were written without a sync each (see `fsutil::SYNC_FS`).
        match self.many {
            true => fsutil::sync_fs(&self.sdir)?,
            false if fsutil::SYNC_FS => fsutil::sync_files(&self.written)?,
            false => {}
        }
        sync_dir(&self.sdir)?;
        if let Some(jdir) = self.sdir.parent() {
            sync_dir(jdir)?;
        }
        Ok(Staged {
            patients: self.patients,
            manifest,
            audit_entries: self.audit_entries,
            audit,
        })
    }

    /// Removes everything staged: the transaction never happened.
    pub fn abort(self) {
        let _ = fs::remove_dir_all(&self.sdir);
    }
}

/// Reads `path` line by line, `n` lines at a time, with the SHA-256 of all its bytes.
struct Lines {
    reader: BufReader<fs::File>,
    hash: Sha256,
}

impl Lines {
    fn open(path: &Path) -> io::Result<Lines> {
        Ok(Lines {
            reader: BufReader::with_capacity(1 << 20, open_regular(path)?.0),
            hash: Sha256::new(),
        })
    }

    fn next_batch(&mut self, n: usize) -> io::Result<Vec<Vec<u8>>> {
        let mut out = Vec::with_capacity(n);
        while out.len() < n {
            let mut line = Vec::new();
            if self.reader.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            self.hash.update(&line);
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            out.push(line);
        }
        Ok(out)
    }

    fn hash(self) -> String {
        hex(&self.hash.finalize())
    }
}

/// Checks a staged commit record (see the module documentation); with `collect`, returns the
/// patients still staged (what a reader shows as they will be). `Err` says why not, in words.
pub(super) fn check(
    dir: &Path,
    c: &Commit,
    opts: &OpenOptions,
    collect: bool,
) -> Result<Vec<Patient>, String> {
    let Some(staged) = &c.staged else {
        return Ok(Vec::new());
    };
    if !c.patients.is_empty() || !c.audit.is_empty() {
        return Err("holds patients both in the record and staged".to_string());
    }
    if c.audit_tail.is_none() {
        return Err("has no hash of the audit log's tail".to_string());
    }
    if !txn_is_safe(&c.txn) {
        return Err(format!(
            "names its staged files with '{}', which is not a transaction id",
            crate::domain::text::printable(&c.txn, false)
        ));
    }
    let sdir = stage_dir(dir, &c.txn);
    match fs::symlink_metadata(&sdir) {
        Ok(m) if m.is_dir() => {}
        _ => {
            return Err(format!(
                "its staged files ({JOURNAL_DIR}/{}/) are missing",
                c.txn
            ));
        }
    }
    let err = |e: io::Error| format!("its staged files cannot be read ({e})");
    let pdir = dir.join(PATIENTS_DIR);
    let mut manifest = Lines::open(&sdir.join(MANIFEST)).map_err(err)?;
    let mut count = 0u64;
    let mut found = Vec::new();
    loop {
        let batch = manifest.next_batch(4096).map_err(err)?;
        if batch.is_empty() {
            break;
        }
        count += batch.len() as u64;
        for r in par_map(&batch, |line| check_entry(line, &sdir, &pdir, opts)) {
            if let Some(p) = r?
                && collect
            {
                found.push(p);
            }
        }
    }
    if count != staged.patients || manifest.hash() != staged.manifest {
        return Err(format!(
            "says it stages {} patient file(s), and its manifest does not match it ({count} \
             listed, or edited)",
            staged.patients
        ));
    }
    let mut lines = Lines::open(&sdir.join(AUDIT)).map_err(err)?;
    let mut entries = 0u64;
    loop {
        let batch = lines.next_batch(8192).map_err(err)?;
        if batch.is_empty() {
            break;
        }
        entries += batch.len() as u64;
        for (i, ok) in par_map(&batch, |l| serde_json::from_slice::<AuditEntry>(l).is_ok())
            .into_iter()
            .enumerate()
        {
            if !ok {
                return Err(format!(
                    "its staged audit line {} is not an audit entry",
                    entries as usize - batch.len() + i + 1
                ));
            }
        }
    }
    if entries != staged.audit_entries || lines.hash() != staged.audit {
        return Err(format!(
            "says it stages {} audit entries, and its staged audit lines do not match it",
            staged.audit_entries
        ));
    }
    journal::check_audit_mark(dir, c)?;
    Ok(found)
}

/// One manifest line: `Ok(Some(patient))` when still staged and sound, `Ok(None)` when
/// already applied (in `patients/` with the manifest's hash).
fn check_entry(
    line: &[u8],
    sdir: &Path,
    pdir: &Path,
    opts: &OpenOptions,
) -> Result<Option<Patient>, String> {
    let ManifestLine(hash, name) = serde_json::from_slice(line)
        .map_err(|e| format!("its manifest has a line that is not a file entry ({e})"))?;
    let shown = crate::domain::text::printable(&name, false);
    let stem = name
        .strip_suffix(".json")
        .filter(|s| check_record_id(s).is_ok())
        .ok_or_else(|| format!("stages '{shown}', which is not the file of a valid record id"))?;
    let read = |path: &Path| -> io::Result<Vec<u8>> {
        let (mut f, meta) = open_regular(path)?;
        let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
        f.read_to_end(&mut bytes)?;
        Ok(bytes)
    };
    match read(&sdir.join(&name)) {
        Ok(bytes) => {
            if hex(&Sha256::digest(&bytes)) != hash {
                return Err(format!(
                    "stages {shown}, which is not the file its manifest names"
                ));
            }
            match parse_patient(&bytes, stem) {
                FileState::Ok(p) => match judge(&p, opts) {
                    Ok(_) => Ok(Some(*p)),
                    Err(why) => Err(format!("holds patient '{stem}', which {why}")),
                },
                FileState::Damaged(why) => Err(format!("stages {shown}, which {why}")),
                FileState::Newer(v) => Err(format!(
                    "stages {shown}, written by a newer smplan (schema version {v})"
                )),
                _ => Err(format!("stages {shown}, which cannot be read")),
            }
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => match read(&pdir.join(&name)) {
            Ok(bytes) if hex(&Sha256::digest(&bytes)) == hash => Ok(None),
            _ => Err(format!(
                "lists {shown}, which is neither staged nor in {PATIENTS_DIR}/ as staged"
            )),
        },
        Err(e) => Err(format!("stages {shown}, which cannot be read ({e})")),
    }
}

/// Steps 2 and 3 of a staged transaction (see the module documentation). Idempotent. With
/// `own` (the writer applying what it just staged, not a replay), the summary index line of
/// each file renamed, staged by the same writer, is appended with the file's key.
pub(super) fn apply(dir: &Path, commit: &Commit, record: &Path, own: bool) -> io::Result<()> {
    let sdir = stage_dir(dir, &commit.txn);
    let pdir = dir.join(PATIENTS_DIR);
    let mut manifest = Lines::open(&sdir.join(MANIFEST))?;
    // A replay trusts no index line it did not check: the next opening reads those files.
    let mut index_lines = match own {
        true => Some(BufReader::with_capacity(
            1 << 20,
            open_regular(&sdir.join(INDEX))?.0,
        )),
        false => None,
    };
    let mut index_out = match own {
        true => index::open_for_append(dir).ok().flatten(),
        false => None,
    };
    let mut ibuf = Vec::with_capacity(1 << 20);
    let mut rest = Vec::new();
    loop {
        let batch = manifest.next_batch(4096)?;
        if batch.is_empty() {
            break;
        }
        for line in batch {
            let ManifestLine(_, name) = serde_json::from_slice(&line).map_err(io::Error::other)?;
            let to = pdir.join(&name);
            match fs::rename(sdir.join(&name), &to) {
                Ok(()) => {}
                // Renamed by the interrupted run (the check found it in place).
                Err(e) if e.kind() == io::ErrorKind::NotFound && !own => {}
                Err(e) => return Err(e),
            }
            if !own {
                continue;
            }
            let key = FileKey::stat(&to)?;
            // The index is a cache (see `index`): a failure to extend it fails nothing.
            if let Some(lines) = index_lines.as_mut() {
                rest.clear();
                if lines.read_until(b'\n', &mut rest)? > 0 && rest.last() == Some(&b'\n') {
                    index::keyed_line(&mut ibuf, key, &rest)?;
                }
            }
            if ibuf.len() >= 1 << 20 {
                if let Some(f) = index_out.as_mut()
                    && f.write_all(&ibuf).is_err()
                {
                    index_out = None;
                }
                ibuf.clear();
            }
        }
    }
    sync_dir(&pdir)?;
    if let Some(f) = index_out.as_mut() {
        let _ = f.write_all(&ibuf);
    }
    journal::append_audit_from(dir, commit.audit_offset, &sdir.join(AUDIT))?;
    match fs::remove_file(record) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    sync_dir(&dir.join(JOURNAL_DIR))?;
    // Done: what is left is an orphan the next writer removes, should this fail.
    let _ = fs::remove_dir_all(&sdir);
    Ok(())
}

/// Removes stage directories no commit record names whose writer is gone: imports that
/// never reached their commit point (refused, failed, or killed), or finished ones whose
/// removal was cut short. Only a lock holder calls this, after replaying the records. The
/// writer is the process the transaction id names (`<nanos>-<pid>-<n>`): a stage directory
/// of a process still running is left alone, so that a second writer let in by a deleted
/// lock file cannot pull an import's files from under it (a reused pid only delays the
/// removal until that process ends).
pub(super) fn remove_orphans(dir: &Path) -> io::Result<()> {
    let jdir = dir.join(JOURNAL_DIR);
    for e in fsutil::entries(&jdir)? {
        if !e.kind.is_dir() {
            continue;
        }
        let Some(name) = e.name.as_deref().filter(|n| txn_is_safe(n)) else {
            continue;
        };
        if fs::symlink_metadata(jdir.join(format!("{name}.json"))).is_err() && !writer_alive(name) {
            fs::remove_dir_all(&e.path)?;
        }
    }
    Ok(())
}

/// Whether the process that transaction `txn` names may still be running.
fn writer_alive(txn: &str) -> bool {
    let Some(pid) = txn
        .split('-')
        .nth(1)
        .and_then(|p| p.parse::<libc::pid_t>().ok())
        .filter(|p| *p > 0)
    else {
        return false;
    };
    // SAFETY: signal 0 sends nothing; it only asks whether the process exists.
    let r = unsafe { libc::kill(pid, 0) };
    r == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH)
}
