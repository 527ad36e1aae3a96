//! Transactions: how a save or a whole import becomes all-or-nothing across `kill -9`.
//!
//! Every change to the registry, a single save as much as a 500-row import, is one
//! transaction in three steps:
//!
//! 1. **Commit record.** The new content of every patient it touches, its audit lines and the
//!    audit log's current length are written as one file `journal/<txn>.json`, atomically
//!    (temp file, sync, rename, sync the directory). Until that rename is durable nothing has
//!    happened; once it is, the transaction *will* happen: this is the commit point.
//! 2. **Roll forward.** Each patient file is replaced atomically (temp, sync, rename), the
//!    patients directory synced once, the audit lines appended and synced. The audit log is
//!    first cut back to the recorded length, so a replay after a crash in the middle of the
//!    append does not log a change twice (only this writer appends, under the lock).
//! 3. **Forget.** The commit record is removed and the journal directory synced, so a
//!    finished transaction can never be replayed over a later one.
//!
//! The next writer to open the registry replays any commit record it finds (step 2 is
//! idempotent: it writes the same bytes again). Readers, which never take the lock, overlay
//! the patients of a pending commit record on what they read, so they too see either all of a
//! transaction or none of it. A kill before step 1 completes leaves at most a temporary file
//! (removed by the next writer); a kill after it is completed on the next open.
//!
//! Cost: one commit record plus one file per patient touched; never proportional to the size
//! of the registry.

use super::audit::{self, AUDIT_FILE, AuditEntry};
use super::fsutil::{FILE_MODE, TMP_PREFIX, entries, sync_dir, write_durable, write_many_durable};
use super::index::{self, FileKey};
use crate::domain::Patient;
use serde::{Deserialize, Serialize};
use std::fs::{self, OpenOptions};
use std::io::{self, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

pub const JOURNAL_DIR: &str = "journal";
pub const PATIENTS_DIR: &str = "patients";
/// Version of the commit-record format; a newer one opens the registry read-only.
pub const JOURNAL_FORMAT: u32 = 1;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Commit {
    pub format: u32,
    pub txn: String,
    /// Length of `audit.jsonl` before this transaction's lines.
    pub audit_offset: u64,
    pub patients: Vec<Patient>,
    pub audit: Vec<AuditEntry>,
}

/// A transaction id that sorts by time: nanoseconds since the epoch, pid, counter.
pub fn new_txn_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{nanos:020}-{}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// The file name of a patient's record.
pub fn patient_file_name(record_id: &str) -> String {
    format!("{record_id}.json")
}

/// Current length of the audit log (0 when there is none yet).
pub fn audit_len(dir: &Path) -> io::Result<u64> {
    match fs::metadata(dir.join(AUDIT_FILE)) {
        Ok(m) => Ok(m.len()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e),
    }
}

/// Step 1: after this returns, the transaction is decided.
pub fn write_commit(dir: &Path, commit: &Commit) -> io::Result<PathBuf> {
    let jdir = dir.join(JOURNAL_DIR);
    let name = format!("{}.json", commit.txn);
    let bytes = serde_json::to_vec(commit).map_err(io::Error::other)?;
    write_durable(&jdir, &name, &bytes)?;
    Ok(jdir.join(name))
}

/// Steps 2 and 3. Idempotent: safe to run again on a record already (partly) applied.
pub fn apply(dir: &Path, commit: &Commit, record: &Path) -> io::Result<()> {
    let pdir = dir.join(PATIENTS_DIR);
    let files = commit
        .patients
        .iter()
        .map(|p| {
            let bytes = serde_json::to_vec_pretty(p).map_err(io::Error::other)?;
            Ok((patient_file_name(&p.record_id), bytes))
        })
        .collect::<io::Result<Vec<_>>>()?;
    write_many_durable(&pdir, &files)?;
    // The summary index is a cache (see `index`): failing to extend it must not fail a save
    // that is already durable; the next opening reads these files in full instead.
    let lines = files
        .iter()
        .zip(&commit.patients)
        .map(|((name, _), p)| Ok((FileKey::stat(&pdir.join(name))?, p)))
        .collect::<io::Result<Vec<_>>>();
    if let Ok(lines) = lines {
        let _ = index::append(dir, &lines);
    }
    append_audit(dir, commit.audit_offset, &commit.audit)?;
    match fs::remove_file(record) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
    }
    sync_dir(&dir.join(JOURNAL_DIR))
}

fn append_audit(dir: &Path, offset: u64, entries: &[AuditEntry]) -> io::Result<()> {
    let path = dir.join(AUDIT_FILE);
    let existed = path.exists();
    let mut f = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .open(&path)?;
    let mut len = f.metadata()?.len();
    if len > offset {
        // A replay: drop what the interrupted run had appended, then append it whole.
        f.set_len(offset)?;
        len = offset;
    }
    // Chained onto the last line (read backwards: never the whole log), see `audit`.
    let tail = audit::read_tail(&mut f, len)?;
    let buf = audit::chained_lines(&tail, entries)?;
    f.seek(SeekFrom::End(0))?;
    f.write_all(&buf)?;
    f.sync_all()?;
    if !existed {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Commit records present, oldest first.
pub fn list(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = entries(&dir.join(JOURNAL_DIR))?
        .into_iter()
        .filter(|(name, _)| {
            name.ends_with(".json") && !name.starts_with('.') && !name.starts_with(TMP_PREFIX)
        })
        .map(|(_, path)| path)
        .collect();
    out.sort();
    Ok(out)
}

/// Why a commit record cannot be used.
#[derive(Debug)]
pub enum ReadError {
    /// Removed between listing and reading: its writer finished it.
    Gone,
    Newer(u32),
    Damaged(String),
}

pub fn read(path: &Path) -> Result<Commit, ReadError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(ReadError::Gone),
        Err(e) => return Err(ReadError::Damaged(format!("cannot be read: {e}"))),
    };
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| ReadError::Damaged(format!("is not valid JSON ({e})")))?;
    let format = value.get("format").and_then(|f| f.as_u64()).unwrap_or(0);
    if format > u64::from(JOURNAL_FORMAT) {
        return Err(ReadError::Newer(u32::try_from(format).unwrap_or(u32::MAX)));
    }
    serde_json::from_value(value)
        .map_err(|e| ReadError::Damaged(format!("is not a commit record ({e})")))
}
