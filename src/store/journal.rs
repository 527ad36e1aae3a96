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
//!
//! An import (of any size) is the same transaction with its content *staged* in
//! `journal/<txn>/` as it is built, and a small commit record naming the staged files by
//! count and hash: see `staging`, which keeps every step above (commit point, replay, checks).

use super::audit::{self, AUDIT_FILE, AuditEntry};
use super::fsutil::{
    entries, open_regular, open_rw, read_regular, sync_dir, write_durable, write_many_durable,
};
use super::index::{self, FileKey};
use crate::domain::Patient;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
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
    /// SHA-256 (hex) of the last [`TAIL_BYTES`] bytes (or fewer) of `audit.jsonl` before
    /// `audit_offset`: a replay cuts the log back to `audit_offset` only when these bytes
    /// are still there, so a record whose offset does not match the log (crafted, or from
    /// another registry) cannot cut its history. Records written before this field existed
    /// have none (see [`check_audit_mark`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_tail: Option<String>,
    pub patients: Vec<Patient>,
    pub audit: Vec<AuditEntry>,
    /// A staged transaction (format [`super::staging::STAGED_FORMAT`]): its patients and audit
    /// lines are in `journal/<txn>/`, not in the record (see `staging`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub staged: Option<super::staging::Staged>,
}

/// How much of the audit log's tail a commit record's [`Commit::audit_tail`] covers.
pub const TAIL_BYTES: u64 = 4096;

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
    match fs::symlink_metadata(dir.join(AUDIT_FILE)) {
        Ok(m) => Ok(m.len()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
        Err(e) => Err(e),
    }
}

/// The audit log's length and the hash of its tail: what a commit record carries
/// ([`Commit::audit_offset`], [`Commit::audit_tail`]).
pub fn audit_mark(dir: &Path) -> io::Result<(u64, String)> {
    let path = dir.join(AUDIT_FILE);
    let mut f = match open_regular(&path) {
        Ok((f, _)) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok((0, tail_hash(&[]))),
        Err(e) => return Err(e),
    };
    let len = f.metadata()?.len();
    Ok((len, tail_hash(&read_tail(&mut f, len)?)))
}

/// The up to [`TAIL_BYTES`] bytes of `f` before `end`.
fn read_tail(f: &mut fs::File, end: u64) -> io::Result<Vec<u8>> {
    let start = end.saturating_sub(TAIL_BYTES);
    f.seek(SeekFrom::Start(start))?;
    let mut buf = Vec::with_capacity((end - start) as usize);
    f.take(end - start).read_to_end(&mut buf)?;
    Ok(buf)
}

fn tail_hash(bytes: &[u8]) -> String {
    crate::domain::text::hex(&Sha256::digest(bytes))
}

/// Whether `commit` may be replayed on the audit log as it is: the log is at least
/// `audit_offset` long and the bytes before that offset are the ones the record saw when it
/// was written. A record without [`Commit::audit_tail`] (written before it existed) may cut
/// only what it appended itself: the bytes after its offset must begin its own lines.
/// `Err` says why not, in words.
pub fn check_audit_mark(dir: &Path, commit: &Commit) -> Result<(), String> {
    let path = dir.join(AUDIT_FILE);
    let f = match open_regular(&path) {
        Ok((f, _)) => Some(f),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("audit.jsonl cannot be read to check it ({e})")),
    };
    check_audit_mark_on(f, commit)
}

/// [`check_audit_mark`] on an open audit log (`None`: there is none), whole to its end: a
/// backup checks its copy of the log with it.
pub fn check_audit_mark_on(mut f: Option<fs::File>, commit: &Commit) -> Result<(), String> {
    let offset = commit.audit_offset;
    let len = match &f {
        Some(f) => f.metadata().map_err(|e| e.to_string())?.len(),
        None => 0,
    };
    if len < offset {
        return Err(format!(
            "says audit.jsonl was {offset} bytes long when the change was made, but it is \
             {len} bytes: the log is not the one this change was made on"
        ));
    }
    let read = |f: &mut Option<fs::File>, from: u64, to: u64| -> Result<Vec<u8>, String> {
        match f {
            Some(f) => {
                f.seek(SeekFrom::Start(from)).map_err(|e| e.to_string())?;
                let mut buf = Vec::new();
                f.take(to - from)
                    .read_to_end(&mut buf)
                    .map_err(|e| e.to_string())?;
                Ok(buf)
            }
            None => Ok(Vec::new()),
        }
    };
    match &commit.audit_tail {
        Some(expected) => {
            let tail = read(&mut f, offset.saturating_sub(TAIL_BYTES), offset)?;
            if &tail_hash(&tail) != expected {
                return Err(format!(
                    "does not match audit.jsonl: the {} bytes before its offset {offset} are \
                     not the ones it was written after, so replaying it would cut or \
                     misplace the audit history",
                    tail.len()
                ));
            }
        }
        None => {
            let appended = read(&mut f, offset, len)?;
            // Its lines as the smplan that wrote the record appended them (unchained), or as
            // this one does (chained onto the line before the offset).
            let unchained = audit_bytes(&commit.audit).map_err(|e| e.to_string())?;
            let chained = match &mut f {
                Some(f) => {
                    let tail = audit::read_tail(f, offset).map_err(|e| e.to_string())?;
                    audit::chained_lines(&tail, &commit.audit).map_err(|e| e.to_string())?
                }
                None => Vec::new(),
            };
            if !unchained.starts_with(&appended) && !chained.starts_with(&appended) {
                return Err(format!(
                    "would cut audit.jsonl from {len} to {offset} bytes, and the bytes it \
                     would remove are not its own audit lines"
                ));
            }
        }
    }
    Ok(())
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
    if commit.staged.is_some() {
        return super::staging::apply(dir, commit, record, false);
    }
    let pdir = dir.join(PATIENTS_DIR);
    let files = commit
        .patients
        .iter()
        .map(|p| Ok((patient_file_name(&p.record_id), patient_bytes(p)?)))
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

/// The bytes of a patient's file as a transaction writes them (a backup completing a pending
/// transaction writes the same bytes).
pub fn patient_bytes(p: &Patient) -> io::Result<Vec<u8>> {
    serde_json::to_vec_pretty(p).map_err(io::Error::other)
}

fn append_audit(dir: &Path, offset: u64, entries: &[AuditEntry]) -> io::Result<()> {
    let path = dir.join(AUDIT_FILE);
    let existed = fs::symlink_metadata(&path).is_ok();
    let mut f = open_rw(&path)?;
    append_audit_to(&mut f, offset, entries)?;
    f.sync_all()?;
    if !existed {
        sync_dir(dir)?;
    }
    Ok(())
}

/// What a replay does to the audit log `f` (not synced): cuts it back to `offset` when it is
/// longer, then appends `entries` chained onto its last line. A backup completes a pending
/// transaction in its copy of the log with it.
pub fn append_audit_to(f: &mut fs::File, offset: u64, entries: &[AuditEntry]) -> io::Result<()> {
    let mut len = f.metadata()?.len();
    if len > offset {
        // A replay: drop what the interrupted run had appended, then append it whole.
        f.set_len(offset)?;
        len = offset;
    }
    // Chained onto the last line (read backwards: never the whole log), see `audit`.
    let tail = audit::read_tail(f, len)?;
    let buf = audit::chained_lines(&tail, entries)?;
    f.seek(SeekFrom::End(0))?;
    f.write_all(&buf)
}

/// [`append_audit`] of the entries of `source`, one per line (a staged transaction's), read
/// and chained a line at a time: never all of them in memory.
pub(super) fn append_audit_from(dir: &Path, offset: u64, source: &Path) -> io::Result<()> {
    let path = dir.join(AUDIT_FILE);
    let existed = fs::symlink_metadata(&path).is_ok();
    let mut f = open_rw(&path)?;
    let mut len = f.metadata()?.len();
    if len > offset {
        f.set_len(offset)?;
        len = offset;
    }
    let tail = audit::read_tail(&mut f, len)?;
    let mut chain = audit::Chain::new(&tail);
    f.seek(SeekFrom::End(0))?;
    let mut src = io::BufReader::with_capacity(1 << 20, open_regular(source)?.0);
    let mut buf = Vec::with_capacity(2 << 20);
    let mut line = Vec::new();
    loop {
        line.clear();
        if io::BufRead::read_until(&mut src, b'\n', &mut line)? == 0 {
            break;
        }
        let entry: AuditEntry = serde_json::from_slice(&line).map_err(io::Error::other)?;
        chain.push(entry, &mut buf)?;
        if buf.len() >= 1 << 20 {
            f.write_all(&buf)?;
            buf.clear();
        }
    }
    f.write_all(&buf)?;
    f.sync_all()?;
    if !existed {
        sync_dir(dir)?;
    }
    Ok(())
}

/// Appends `entries` at the end of the audit log, durably: changes that are not
/// transactions of patient files (a file moved to quarantine).
pub fn append_audit_at_end(dir: &Path, entries: &[AuditEntry]) -> io::Result<()> {
    append_audit(dir, u64::MAX, entries)
}

/// The audit lines of `entries`, as appended.
fn audit_bytes(entries: &[AuditEntry]) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    for e in entries {
        serde_json::to_writer(&mut buf, e).map_err(io::Error::other)?;
        buf.push(b'\n');
    }
    Ok(buf)
}

/// Commit records present, oldest first.
pub fn list(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = entries(&dir.join(JOURNAL_DIR))?
        .into_iter()
        .filter(|e| {
            e.name
                .as_deref()
                .is_some_and(|n| n.ends_with(".json") && !n.starts_with('.'))
                && !e.is_temp()
                && e.kind.is_file()
        })
        .map(|e| e.path)
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
    /// Cannot be read (permission denied...): not damage, never moved.
    Unreadable(io::Error),
}

pub fn read(path: &Path) -> Result<Commit, ReadError> {
    let bytes = match read_regular(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Err(ReadError::Gone),
        Err(e) => return Err(ReadError::Unreadable(e)),
    };
    let value: serde_json::Value = serde_json::from_slice(&bytes)
        .map_err(|e| ReadError::Damaged(format!("is not valid JSON ({e})")))?;
    let format = value.get("format").and_then(|f| f.as_u64()).unwrap_or(0);
    let staged_format = u64::from(super::staging::STAGED_FORMAT);
    if format > staged_format {
        return Err(ReadError::Newer(u32::try_from(format).unwrap_or(u32::MAX)));
    }
    let c: Commit = serde_json::from_value(value)
        .map_err(|e| ReadError::Damaged(format!("is not a commit record ({e})")))?;
    if (format == staged_format) != c.staged.is_some() {
        return Err(ReadError::Damaged(format!(
            "is not a commit record (format {format} {} staged files)",
            match c.staged {
                Some(_) => "with",
                None => "without",
            }
        )));
    }
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn commit(dir: &Path, offset: u64, tail: Option<String>, audit: Vec<AuditEntry>) -> Commit {
        let _ = dir;
        Commit {
            format: JOURNAL_FORMAT,
            txn: new_txn_id(),
            audit_offset: offset,
            audit_tail: tail,
            patients: Vec::new(),
            audit,
            staged: None,
        }
    }

    fn entry(n: usize) -> AuditEntry {
        AuditEntry {
            time: "2026-01-01T00:00:00.000Z".into(),
            operator: "ana".into(),
            record_id: format!("P-{n}"),
            field: "name".into(),
            old: serde_json::Value::Null,
            new: serde_json::Value::String(format!("N{n}")),
            txn: "t".into(),
            prev: None,
        }
    }

    #[test]
    fn an_audit_offset_is_replayed_only_on_the_log_it_was_taken_from() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        let history: Vec<AuditEntry> = (0..100).map(entry).collect();
        append_audit_at_end(d, &history).unwrap();
        let original = fs::read(d.join(AUDIT_FILE)).unwrap();
        let (len, tail) = audit_mark(d).unwrap();
        let own = vec![entry(1000), entry(1001)];
        // Honest: nothing appended yet, or half of its own lines.
        let c = commit(d, len, Some(tail.clone()), own.clone());
        assert_eq!(check_audit_mark(d, &c), Ok(()));
        let mut f = fs::OpenOptions::new()
            .append(true)
            .open(d.join(AUDIT_FILE))
            .unwrap();
        f.write_all(&audit_bytes(&own).unwrap()[..30]).unwrap();
        assert_eq!(check_audit_mark(d, &c), Ok(()));
        // The same for a record without the hash (written before it existed).
        let old = commit(d, len, None, own.clone());
        assert_eq!(check_audit_mark(d, &old), Ok(()));
        // An offset into the history: refused with and without the hash.
        let e = check_audit_mark(d, &commit(d, 0, Some(tail.clone()), own.clone())).unwrap_err();
        assert!(e.contains("does not match"), "{e}");
        let e = check_audit_mark(d, &commit(d, 0, None, own.clone())).unwrap_err();
        assert!(e.contains("not its own audit lines"), "{e}");
        // Past the end: the log is not the one it was made on.
        let e = check_audit_mark(d, &commit(d, len + 10_000, None, own.clone())).unwrap_err();
        assert!(e.contains("is not the one"), "{e}");
        // The history before the offset edited within the hashed tail: refused.
        let mut bytes = fs::read(d.join(AUDIT_FILE)).unwrap();
        let at = len as usize - 100;
        bytes[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
        fs::write(d.join(AUDIT_FILE), &bytes).unwrap();
        assert!(check_audit_mark(d, &c).is_err());
        // And the replay of an honest record leaves the history whole.
        fs::write(d.join(AUDIT_FILE), {
            let mut b = original.clone();
            b.extend_from_slice(b"{\"time\":");
            b
        })
        .unwrap();
        assert_eq!(check_audit_mark(d, &old), Ok(()));
        append_audit(d, old.audit_offset, &own).unwrap();
        let mut f = open_regular(&d.join(AUDIT_FILE)).unwrap().0;
        let tail = audit::read_tail(&mut f, old.audit_offset).unwrap();
        let mut expected = original.clone();
        expected.extend(audit::chained_lines(&tail, &own).unwrap());
        assert_eq!(fs::read(d.join(AUDIT_FILE)).unwrap(), expected);
        // Interrupted again, part of its chained lines appended: still its own.
        let cut = old.audit_offset as usize + 40;
        fs::write(d.join(AUDIT_FILE), &expected[..cut]).unwrap();
        assert_eq!(check_audit_mark(d, &old), Ok(()));
    }
}
