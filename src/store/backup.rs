//! Backups: the whole registry in one compressed tar file, and its restoration.
//!
//! ```text
//! <backup>.tar.gz         gzip-compressed tar (the `tar` and `flate2` crates), mode 0600
//!   manifest.json         first: format, versions, time, counts, and every member below
//!                         with its size and SHA-256
//!   registry/patients/<record_id>.json
//!   registry/audit.jsonl
//!   registry/quarantine/<file>, <file>.reason   damaged files not yet repaired, kept apart
//!   registry/protocol.json, registry/deidentify.key, registry/photos/...   when present
//! ```
//!
//! Every regular file of the registry is carried except what the registry rebuilds or holds
//! only while it runs: the writer `lock`, the summary index `index.jsonl` (a cache the first
//! writer rebuilds), temporary files, and `journal/` (a pending transaction is completed in
//! the copy instead, see below; an import's staged transaction, see `staging`, is waited for
//! while its writer applies it, and refuses the backup when it was cut short).
//!
//! # A consistent snapshot while writers run
//!
//! A writer holds the registry's lock for as long as it is open (the UI holds it all day), so
//! waiting for the lock would make a backup impossible exactly when it is wanted. Instead the
//! backup copies the way a reader opens (see `journal`): it notes a *marker* (the audit log's
//! length, the commit records present, the names in `quarantine/`), copies, and notes the
//! marker again. Every transaction appends audit lines and has a commit record from before its
//! first file is replaced until after its last audit line, and a file is moved to quarantine
//! only by a rename that changes the quarantine's names; so when the two markers are equal no
//! transaction began or ended during the copy, and the copy is the committed state of that
//! moment, except for the transactions whose commit records were present all along. Those are
//! decided but perhaps half applied; the backup completes them in the copy exactly as the next
//! writer would (their patients' files written from the record, the audit log cut back to the
//! recorded length and their lines appended), so the archive holds one committed state.
//!
//! When the markers differ, the copy is repeated, but only for what changed: files are copied
//! into a private staging file (an unlinked temporary file beside the output), each with its
//! `stat` identity ([`FileKey`]: a save renames a new file, so a new inode), and a repeat
//! copies only files whose identity changed and the audit log's new tail. A repeat costs a
//! listing and a `stat` of every file, a few tens of milliseconds at 10,000 patients, so it
//! finds a quiet moment even between saves that come every few tens of milliseconds. Only if
//! [`OPTIMISTIC_PASSES`] passes never find one does the backup take the writer lock (waiting
//! at most [`LOCK_WAIT`] for it) for one last pass of a few milliseconds; a writer starting in
//! that moment is refused as the contract says, naming the backup.
//!
//! The archive is then written from the staging file: manifest first, then the members, to a
//! temporary file beside the output, read back and verified, synced, and given its name
//! without replacing any file (an existing file is never overwritten).
//!
//! # Reading a backup
//!
//! [`verify`] and [`restore`] read the archive as a stream and refuse it, naming the member,
//! when a member is damaged (size or SHA-256 differ from the manifest), truncated, missing,
//! not in the manifest, present twice, not a regular file (links, devices, directories), or
//! named with an absolute path, `.` or `..`; and when the gzip check fails or anything but
//! zeros follows the last member. [`restore`] writes into a new directory beside the target,
//! files 0600 and directories 0700, runs the caller's check on it and only then renames it
//! into place: a refused restore leaves nothing behind.

use super::audit::AUDIT_FILE;
use super::fsutil::{
    self, DIR_MODE, FILE_MODE, TMP_PREFIX, create_private_dir, open_regular, sync_dir,
};
use super::index::{FileKey, INDEX_FILE};
use super::journal::{self, Commit, JOURNAL_DIR, PATIENTS_DIR};
use super::lock::{self, LOCK_FILE};
use super::{OpenOptions, QUARANTINE_DIR, check_commit_patients, guard};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The first member of every backup.
pub const MANIFEST: &str = "manifest.json";
/// Every other member's path starts with this folder.
pub const REGISTRY_PREFIX: &str = "registry/";
/// The manifest's `format`.
pub const FORMAT: &str = "smplan-backup";
/// Version of the backup format; a newer one is refused, not guessed at.
pub const FORMAT_VERSION: u32 = 1;
/// Passes that copy without the lock before the backup takes it.
pub const OPTIMISTIC_PASSES: usize = 12;
/// How long the last pass waits for the writer lock.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);
/// A manifest larger than this is not one (100,000 patients make about 13 MB).
const MANIFEST_LIMIT: u64 = 256 << 20;

/// What a backup holds, written first in the archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    pub format_version: u32,
    /// The smplan that wrote it.
    pub smplan_version: String,
    /// UTC, RFC 3339.
    pub created: String,
    /// Patient files (`registry/patients/*.json`).
    pub patients: usize,
    /// Lines of the audit log.
    pub audit_entries: usize,
    /// Files in `registry/quarantine/` (reason files not counted).
    pub quarantined: usize,
    /// Interrupted or in-flight transactions completed in the copy.
    pub pending_completed: usize,
    /// Every member after the manifest, in archive order.
    pub members: Vec<Member>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    /// Path in the archive: `registry/` and the file's path in the registry.
    pub path: String,
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
}

impl Manifest {
    /// Parses and checks a manifest: its format and version, and that every member's path
    /// is safe and listed once (a hostile manifest is refused before any file is written).
    pub fn parse(bytes: &[u8]) -> Result<Manifest, BackupError> {
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| BackupError::new(format!("member {MANIFEST} is not valid JSON ({e})")))?;
        if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(BackupError::new(format!(
                "member {MANIFEST} is not the manifest of a smplan backup"
            )));
        }
        let version = value.get("format_version").and_then(|v| v.as_u64());
        if let Some(v) = version.filter(|v| *v > u64::from(FORMAT_VERSION)) {
            return Err(BackupError::new(format!(
                "the backup was written by a newer smplan (backup format {v}; this one reads {FORMAT_VERSION}); use the newer smplan"
            )));
        }
        let m: Manifest = serde_json::from_value(value).map_err(|e| {
            BackupError::new(format!("member {MANIFEST} is not a valid manifest ({e})"))
        })?;
        let mut seen = HashSet::new();
        for member in &m.members {
            check_member_path(&member.path)?;
            if !seen.insert(member.path.as_str()) {
                return Err(BackupError::new(format!(
                    "member {} is listed twice in the manifest",
                    member.path
                )));
            }
            if member.sha256.len() != 64 || !member.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                return Err(BackupError::new(format!(
                    "member {}: the manifest's SHA-256 '{}' is not 64 hex digits",
                    member.path, member.sha256
                )));
            }
        }
        Ok(m)
    }
}

/// Why a backup could not be made, checked or restored: one sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackupError(pub String);

impl BackupError {
    fn new(msg: impl Into<String>) -> Self {
        BackupError(msg.into())
    }
    fn io(what: &str, path: &Path, e: io::Error) -> Self {
        BackupError(format!("{what} {}: {e}", path.display()))
    }
}

impl fmt::Display for BackupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BackupError {}

/// Refuses a member path that could land outside the restored directory or is not ours:
/// anything but `registry/` followed by plain names (no empty, `.` or `..` component, no
/// absolute path, no backslash or NUL).
pub fn check_member_path(path: &str) -> Result<(), BackupError> {
    let unsafe_path = |why: &str| {
        BackupError::new(format!(
            "member {path} {why}: refused (nothing of it is written)"
        ))
    };
    if path.starts_with('/') {
        return Err(unsafe_path("has an absolute path"));
    }
    if path.contains('\0') || path.contains('\\') {
        return Err(unsafe_path("has a NUL or backslash in its name"));
    }
    let mut parts = path.split('/');
    if parts.next() != Some(REGISTRY_PREFIX.trim_end_matches('/')) {
        return Err(unsafe_path("is outside the archive's registry/ folder"));
    }
    let rest: Vec<&str> = parts.collect();
    if rest.is_empty() {
        return Err(unsafe_path("names no file"));
    }
    for part in rest {
        match part {
            "" => return Err(unsafe_path("has an empty path component")),
            "." | ".." => return Err(unsafe_path("has a '.' or '..' path component")),
            _ => {}
        }
    }
    Ok(())
}

/// What [`create`] did.
#[derive(Debug, Clone)]
pub struct Created {
    pub manifest: Manifest,
    /// Bytes of the backup file.
    pub bytes: u64,
    /// Copy passes made (more than one when the registry changed during a pass).
    pub passes: usize,
    /// Whether the last pass took the writer lock.
    pub locked: bool,
    /// Entries of the registry not backed up (symbolic links, devices, names that are not
    /// UTF-8), each as a sentence.
    pub skipped: Vec<String>,
}

/// Where a staged copy lives in the staging file.
#[derive(Debug, Clone, Copy)]
struct Staged {
    key: FileKey,
    offset: u64,
    size: u64,
}

/// The staging file: copies appended, never rewritten, read back by offset.
struct Stage {
    file: File,
    len: u64,
}

impl Stage {
    fn new(beside: &Path) -> io::Result<Stage> {
        Ok(Stage {
            file: tempfile::tempfile_in(beside)?,
            len: 0,
        })
    }

    fn append(&mut self, mut from: impl Read) -> io::Result<(u64, u64)> {
        let offset = self.len;
        self.file.seek(SeekFrom::Start(offset))?;
        let size = io::copy(&mut from, &mut self.file)?;
        self.len += size;
        Ok((offset, size))
    }

    fn reader(&self, offset: u64, size: u64) -> StageReader<'_> {
        StageReader {
            file: &self.file,
            pos: offset,
            end: offset + size,
        }
    }
}

struct StageReader<'a> {
    file: &'a File,
    pos: u64,
    end: u64,
}

impl Read for StageReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let left = usize::try_from(self.end - self.pos).unwrap_or(usize::MAX);
        let want = buf.len().min(left);
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the staging file ended early",
            ));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

/// What must not change during a pass for its copy to be one committed state.
#[derive(Debug, PartialEq, Eq)]
struct Marker {
    audit_len: u64,
    journal: Vec<PathBuf>,
    quarantine: Vec<OsString>,
}

fn marker(dir: &Path) -> io::Result<Marker> {
    let mut quarantine: Vec<OsString> = fsutil::entries(&dir.join(QUARANTINE_DIR))?
        .into_iter()
        .map(|e| e.os_name)
        .collect();
    quarantine.sort();
    Ok(Marker {
        audit_len: journal::audit_len(dir)?,
        journal: journal::list(dir)?,
        quarantine,
    })
}

/// The copy being built, pass after pass.
struct Snapshot {
    dir: PathBuf,
    stage: Stage,
    /// By path in the registry (`/`-separated).
    files: BTreeMap<String, Staged>,
    /// The audit log's first `audit_len` bytes, at the start of their own staging file.
    audit: Stage,
    /// The lowest audit offset of the commit records the last pass saw: a replay of one of
    /// them may rewrite the log from there (see [`Snapshot::copy_audit`]).
    audit_cut: Option<u64>,
    skipped: Vec<String>,
    /// A pause in the middle of the first pass's copy, for tests only (see [`TEST_PAUSE_VAR`]).
    pause: Option<Duration>,
}

/// In a debug build only (the tests' binary), milliseconds the first copy pass pauses half
/// way through its files: a test's writer then surely saves in the middle of a copy, which
/// the marker must notice. A release build never reads it.
pub const TEST_PAUSE_VAR: &str = "SMPLAN_BACKUP_TEST_PAUSE_MS";

fn test_pause() -> Option<Duration> {
    if !cfg!(debug_assertions) {
        return None;
    }
    let ms: u64 = std::env::var(TEST_PAUSE_VAR).ok()?.parse().ok()?;
    Some(Duration::from_millis(ms))
}

impl Snapshot {
    /// One pass: returns the pending commit records when the registry did not change
    /// during it, else `None`.
    fn pass(&mut self) -> Result<Option<Vec<Commit>>, BackupError> {
        let dir = self.dir.clone();
        let before = marker(&dir).map_err(|e| BackupError::io("cannot read", &dir, e))?;
        let mut moved = false;
        let (listed, skipped) = walk(&dir).map_err(|e| BackupError::io("cannot list", &dir, e))?;
        self.skipped = skipped;
        let mut files = BTreeMap::new();
        let half = listed.len() / 2;
        for (n, (rel, path)) in listed.into_iter().enumerate() {
            if n == half
                && let Some(pause) = self.pause.take()
            {
                std::thread::sleep(pause);
            }
            let key = match FileKey::stat(&path) {
                Ok(k) => k,
                Err(e) if e.kind() == io::ErrorKind::NotFound => {
                    moved = true;
                    continue;
                }
                Err(e) => return Err(BackupError::io("cannot read", &path, e)),
            };
            match self.files.get(&rel) {
                Some(held) if held.key == key => {
                    files.insert(rel, *held);
                }
                _ => match self.copy(&path) {
                    Ok(staged) => {
                        files.insert(rel, staged);
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotFound => moved = true,
                    Err(e) => return Err(BackupError::io("cannot copy", &path, e)),
                },
            }
        }
        self.files = files;
        self.copy_audit(before.audit_len)
            .map_err(|e| BackupError::io("cannot copy", &dir.join(AUDIT_FILE), e))?;
        let mut commits = Vec::new();
        for record in &before.journal {
            match journal::read(record) {
                Ok(c) => commits.push(c),
                Err(journal::ReadError::Gone) => moved = true,
                Err(journal::ReadError::Newer(v)) => {
                    return Err(BackupError::new(format!(
                        "{} was written by a newer smplan (format {v}); back up with that smplan",
                        record.display()
                    )));
                }
                Err(journal::ReadError::Damaged(why)) => {
                    return Err(BackupError::new(format!(
                        "{} (an interrupted change) {why}; open the registry with smplan (which reports it) before backing it up",
                        record.display()
                    )));
                }
                Err(journal::ReadError::Unreadable(e)) => {
                    return Err(BackupError::io("cannot read", record, e));
                }
            }
        }
        self.audit_cut = commits.iter().map(|c| c.audit_offset).min();
        let after = marker(&dir).map_err(|e| BackupError::io("cannot read", &dir, e))?;
        Ok((before == after && !moved).then_some(commits))
    }

    fn copy(&mut self, path: &Path) -> io::Result<Staged> {
        let (f, meta) = open_regular(path)?;
        let key = FileKey::of(&meta);
        let (offset, size) = self.stage.append(BufReader::with_capacity(1 << 16, f))?;
        Ok(Staged { key, offset, size })
    }

    /// Brings the staged audit log to `len` bytes: only the new tail is copied. The log is
    /// only appended to, except by the replay of a commit record, which cuts it back to the
    /// record's offset and appends its lines again (the same bytes, except over lines an
    /// older smplan wrote unchained): what lies after the offset of a record the last pass
    /// saw is copied again.
    fn copy_audit(&mut self, len: u64) -> io::Result<()> {
        if let Some(cut) = self.audit_cut.take() {
            self.audit.len = self.audit.len.min(cut);
        }
        if len < self.audit.len {
            self.audit.len = 0;
        }
        if len == self.audit.len {
            return Ok(());
        }
        let mut f = match open_regular(&self.dir.join(AUDIT_FILE)) {
            Ok((f, _)) => f,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                self.audit.len = 0;
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        f.seek(SeekFrom::Start(self.audit.len))?;
        let want = len - self.audit.len;
        let (_, got) = self.audit.append(f.take(want))?;
        if got < want {
            // Cut back under us (a replay in progress): copy it whole next pass.
            self.audit.len = 0;
        }
        Ok(())
    }
}

/// Files to copy (path in the registry, path on disk) and sentences on what was skipped.
type Walked = (Vec<(String, PathBuf)>, Vec<String>);

/// The registry's files to back up, by `/`-separated path, and what was left out. Skipped
/// without a word: the lock, the summary index, the journal, the audit log (copied apart),
/// temporary files.
fn walk(dir: &Path) -> io::Result<Walked> {
    let mut out = Vec::new();
    let mut skipped = Vec::new();
    // What every command leaves alone in patients/ (`guard::list_patients`) is left out too,
    // so that a restored registry passes the check the original passes.
    let foreign: HashMap<PathBuf, guard::Foreign> =
        guard::list_patients(&dir.join(PATIENTS_DIR), false)?
            .foreign
            .into_iter()
            .map(|f| (f.file.clone(), f))
            .collect();
    let mut todo = vec![(String::new(), dir.to_path_buf())];
    while let Some((prefix, d)) = todo.pop() {
        for e in fsutil::entries(&d)? {
            if e.is_temp() {
                continue;
            }
            if let Some(f) = foreign.get(&e.path) {
                skipped.push(format!(
                    "{} was not backed up: it {}, so it is not a patient file",
                    f.file.display(),
                    f.why
                ));
                continue;
            }
            let Some(name) = e.name else {
                skipped.push(format!(
                    "{} was not backed up: its name is not UTF-8",
                    e.path.display()
                ));
                continue;
            };
            if prefix.is_empty()
                && [LOCK_FILE, INDEX_FILE, JOURNAL_DIR, AUDIT_FILE].contains(&name.as_str())
            {
                continue;
            }
            let rel = format!("{prefix}{name}");
            if e.kind.is_dir() {
                todo.push((format!("{rel}/"), e.path));
            } else if e.kind.is_file() {
                out.push((rel, e.path));
            } else {
                skipped.push(format!(
                    "{} was not backed up: it is {}",
                    e.path.display(),
                    fsutil::kind_name(&e.kind)
                ));
            }
        }
    }
    out.sort();
    skipped.sort();
    Ok((out, skipped))
}

/// Writes a backup of the registry in `dir` to `out`, a new file (never replacing one)
/// outside the registry. See the module documentation for how the copy is kept consistent.
/// `opts` are those a reader opens with: a pending commit record is completed in the copy
/// only when it passes the checks a writer's replay makes with them.
pub fn create(dir: &Path, out: &Path, opts: &OpenOptions) -> Result<Created, BackupError> {
    create_with(dir, out, opts, OPTIMISTIC_PASSES, LOCK_WAIT)
}

/// [`create`] with `passes` copies without the lock before waiting up to `lock_wait` for it.
fn create_with(
    dir: &Path,
    out: &Path,
    opts: &OpenOptions,
    optimistic: usize,
    lock_wait: Duration,
) -> Result<Created, BackupError> {
    if !dir.is_dir() {
        return Err(BackupError::new(format!(
            "no registry at {}: nothing to back up",
            dir.display()
        )));
    }
    // Refused as every command refuses it: a link is never followed.
    let links = guard::links(dir).map_err(|e| BackupError::io("cannot read", dir, e))?;
    let pdir = dir.join(PATIENTS_DIR);
    let listing =
        guard::list_patients(&pdir, false).map_err(|e| BackupError::io("cannot list", &pdir, e))?;
    if !links.is_empty() || !listing.links.is_empty() {
        return Err(BackupError::new(guard::links_message(
            &[links, listing.links].concat(),
        )));
    }
    let out_dir = check_output(dir, out)?;
    let mut snap = Snapshot {
        dir: dir.to_path_buf(),
        stage: Stage::new(&out_dir).map_err(|e| BackupError::io("cannot write in", &out_dir, e))?,
        files: BTreeMap::new(),
        audit: Stage::new(&out_dir).map_err(|e| BackupError::io("cannot write in", &out_dir, e))?,
        audit_cut: None,
        skipped: Vec::new(),
        pause: test_pause(),
    };
    let mut passes = 0;
    let mut commits = None;
    while passes < optimistic && commits.is_none() {
        if passes > 0 {
            std::thread::sleep(Duration::from_millis(5 << passes.min(5)));
        }
        passes += 1;
        // An import being applied (a staged record, see `staging`) is not a quiet moment:
        // its files are still moving; the lock pass waits for its writer to finish.
        commits = snap
            .pass()?
            .filter(|c| c.iter().all(|c| c.staged.is_none()));
    }
    let mut _lock = None;
    let locked = commits.is_none();
    if locked {
        let held = take_lock(dir, &opts.operator, passes, lock_wait)?;
        _lock = Some(held);
        passes += 1;
        commits = snap.pass()?;
    }
    let Some(commits) = commits else {
        return Err(BackupError::new(format!(
            "{} changed during the copy even under the writer lock; nothing was written",
            dir.display()
        )));
    };
    let created = chrono::Utc::now();
    let plan = complete(&mut snap, &commits, opts)?;
    // Copying is done: writers may go on while the archive is written.
    drop(_lock);
    let manifest = plan.manifest(&snap, created, commits.len())?;
    let bytes = write_archive(&snap, &plan, &manifest, created, &out_dir, out)?;
    Ok(Created {
        manifest,
        bytes,
        passes,
        locked,
        skipped: snap.skipped,
    })
}

/// Refuses an output that exists or lies inside the registry; returns its folder.
fn check_output(dir: &Path, out: &Path) -> Result<PathBuf, BackupError> {
    if fs::symlink_metadata(out).is_ok() {
        return Err(BackupError::new(format!(
            "{} already exists; a backup never replaces a file: choose a new name, or remove it first",
            out.display()
        )));
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let parent_real = fs::canonicalize(&parent)
        .map_err(|e| BackupError::io("cannot write the backup into", &parent, e))?;
    let dir_real = fs::canonicalize(dir).map_err(|e| BackupError::io("cannot read", dir, e))?;
    if parent_real.starts_with(&dir_real) {
        return Err(BackupError::new(format!(
            "{} is inside the registry {}; write the backup elsewhere (ideally on another disk)",
            out.display(),
            dir.display()
        )));
    }
    Ok(parent)
}

fn take_lock(
    dir: &Path,
    operator: &str,
    passes: usize,
    wait: Duration,
) -> Result<lock::WriterLock, BackupError> {
    let start = Instant::now();
    loop {
        match lock::acquire(dir, operator).map_err(|e| BackupError::io("cannot lock", dir, e))? {
            lock::Acquired::Mine(l) => return Ok(l),
            lock::Acquired::Held(who) if start.elapsed() >= wait => {
                return Err(BackupError::new(format!(
                    "{} changed during each of {passes} copies and its writer ({who}) kept the lock for {:.1} s; nothing was written: try again when it is quieter",
                    dir.display(),
                    wait.as_secs_f64()
                )));
            }
            lock::Acquired::Held(_) => std::thread::sleep(Duration::from_millis(20)),
        }
    }
}

/// Where each member's bytes come from: the staging file, or bytes completed from a
/// pending transaction.
enum Source {
    Staged(Staged),
    Bytes(Vec<u8>),
}

/// The members after completing the pending transactions.
struct Plan {
    files: BTreeMap<String, Source>,
    /// Whether there is an audit log (the staged one, completed, is its bytes).
    has_audit: bool,
}

/// Completes the pending transactions in the copy, in order, as a writer's replay
/// (`journal::apply` after `check_commit`) would on disk: each record checked first (its
/// patients judged, its audit offset and tail hash against the copied log), its patients'
/// files written from it and the copied log cut back to its offset and its lines chained on.
/// A record a replay would refuse refuses the backup (a writer opening the registry sets it
/// aside, and says so).
fn complete(
    snap: &mut Snapshot,
    commits: &[Commit],
    opts: &OpenOptions,
) -> Result<Plan, BackupError> {
    let mut files: BTreeMap<String, Source> = snap
        .files
        .iter()
        .map(|(rel, s)| (rel.clone(), Source::Staged(*s)))
        .collect();
    let io = |e: io::Error| BackupError::new(format!("cannot complete a pending change: {e}"));
    let log = &mut snap.audit.file;
    log.set_len(snap.audit.len).map_err(io)?;
    for c in commits {
        if c.staged.is_some() {
            // Under the lock, so no writer is applying it: an import cut short (a kill, a
            // crash). Its files are in its stage directory, which a backup does not read.
            return Err(BackupError::new(format!(
                "{}/{JOURNAL_DIR}/{}.json is an import that was cut short after it was \
                 recorded; open the registry with smplan (a writer completes it) and back it \
                 up then; nothing was written",
                snap.dir.display(),
                c.txn
            )));
        }
        let refused = |why: String| {
            BackupError::new(format!(
                "{}/{JOURNAL_DIR}/{}.json (an interrupted change) {why}; open the registry with \
                 smplan (a writer sets it aside in quarantine/, audited) before backing it up",
                snap.dir.display(),
                c.txn
            ))
        };
        check_commit_patients(c, opts).map_err(refused)?;
        journal::check_audit_mark_on(Some(log.try_clone().map_err(io)?), c).map_err(refused)?;
        for p in &c.patients {
            let rel = format!(
                "{PATIENTS_DIR}/{}",
                journal::patient_file_name(&p.record_id)
            );
            files.insert(rel, Source::Bytes(journal::patient_bytes(p).map_err(io)?));
        }
        journal::append_audit_to(log, c.audit_offset, &c.audit).map_err(io)?;
    }
    snap.audit.len = log.metadata().map_err(io)?.len();
    let has_audit = snap.dir.join(AUDIT_FILE).exists() || snap.audit.len > 0;
    Ok(Plan { files, has_audit })
}

impl Plan {
    /// Every member in archive order, with a reader of its bytes.
    fn members<'a>(&'a self, snap: &'a Snapshot) -> Vec<(String, u64, Box<dyn Read + 'a>)> {
        let mut out: Vec<(String, u64, Box<dyn Read + 'a>)> = Vec::new();
        let mut audit_done = !self.has_audit;
        for (rel, src) in &self.files {
            if !audit_done && rel.as_str() > AUDIT_FILE {
                out.push(self.audit_member(snap));
                audit_done = true;
            }
            let path = format!("{REGISTRY_PREFIX}{rel}");
            match src {
                Source::Staged(s) => {
                    out.push((path, s.size, Box::new(snap.stage.reader(s.offset, s.size))))
                }
                Source::Bytes(b) => out.push((path, b.len() as u64, Box::new(&b[..]))),
            }
        }
        if !audit_done {
            out.push(self.audit_member(snap));
        }
        out
    }

    fn audit_member<'a>(&'a self, snap: &'a Snapshot) -> (String, u64, Box<dyn Read + 'a>) {
        let size = snap.audit.len;
        let r = snap.audit.reader(0, size);
        (format!("{REGISTRY_PREFIX}{AUDIT_FILE}"), size, Box::new(r))
    }

    fn manifest(
        &self,
        snap: &Snapshot,
        created: chrono::DateTime<chrono::Utc>,
        pending: usize,
    ) -> Result<Manifest, BackupError> {
        let mut members = Vec::new();
        let mut audit_entries = 0;
        for (path, size, mut r) in self.members(snap) {
            let mut h = Hasher::default();
            io::copy(&mut r, &mut h)
                .map_err(|e| BackupError::new(format!("cannot read the staged copy: {e}")))?;
            if path == format!("{REGISTRY_PREFIX}{AUDIT_FILE}") {
                audit_entries = h.newlines;
            }
            members.push(Member {
                path,
                size,
                sha256: h.hex(),
            });
        }
        let in_dir = |d: &str, m: &Member| {
            m.path
                .strip_prefix(REGISTRY_PREFIX)
                .and_then(|p| p.strip_prefix(d))
                .and_then(|p| p.strip_prefix('/'))
                .map(|p| p.to_string())
        };
        let patients = members
            .iter()
            .filter_map(|m| in_dir(PATIENTS_DIR, m))
            .filter(|n| !n.contains('/') && n.ends_with(".json") && !n.starts_with('.'))
            .count();
        let quarantined = members
            .iter()
            .filter_map(|m| in_dir(QUARANTINE_DIR, m))
            .filter(|n| !n.ends_with(".reason"))
            .count();
        Ok(Manifest {
            format: FORMAT.to_string(),
            format_version: FORMAT_VERSION,
            smplan_version: env!("CARGO_PKG_VERSION").to_string(),
            created: created.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            patients,
            audit_entries,
            quarantined,
            pending_completed: pending,
            members,
        })
    }
}

/// SHA-256 and a count of newlines, as a sink.
#[derive(Default)]
struct Hasher {
    sha: Sha256,
    newlines: usize,
}

impl Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sha.update(buf);
        self.newlines += buf.iter().filter(|b| **b == b'\n').count();
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Hasher {
    fn hex(self) -> String {
        crate::domain::text::hex(&self.sha.finalize())
    }
}

fn header(size: u64, mtime: u64) -> tar::Header {
    let mut h = tar::Header::new_gnu();
    h.set_entry_type(tar::EntryType::Regular);
    h.set_size(size);
    h.set_mode(FILE_MODE);
    h.set_mtime(mtime);
    h.set_uid(0);
    h.set_gid(0);
    h
}

/// Writes the archive to a temporary file beside `out`, verifies it, syncs it and names it
/// `out` (never replacing a file that appeared meanwhile); returns its size.
fn write_archive(
    snap: &Snapshot,
    plan: &Plan,
    manifest: &Manifest,
    created: chrono::DateTime<chrono::Utc>,
    out_dir: &Path,
    out: &Path,
) -> Result<u64, BackupError> {
    let cannot = |e: io::Error| BackupError::io("cannot write", out, e);
    let tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .tempfile_in(out_dir)
        .map_err(cannot)?;
    let mtime = u64::try_from(created.timestamp()).unwrap_or(0);
    let gz = flate2::write::GzEncoder::new(
        BufWriter::with_capacity(1 << 20, tmp.as_file()),
        flate2::Compression::default(),
    );
    let mut tar = tar::Builder::new(gz);
    let mbytes = serde_json::to_vec_pretty(manifest).map_err(|e| cannot(io::Error::other(e)))?;
    tar.append_data(
        &mut header(mbytes.len() as u64, mtime),
        MANIFEST,
        &mbytes[..],
    )
    .map_err(cannot)?;
    for (path, size, r) in plan.members(snap) {
        tar.append_data(&mut header(size, mtime), &path, r)
            .map_err(cannot)?;
    }
    let gz = tar.into_inner().map_err(cannot)?;
    let buf = gz.finish().map_err(cannot)?;
    buf.into_inner()
        .map_err(|e| cannot(e.into_error()))?
        .sync_all()
        .map_err(cannot)?;
    // Read back before it gets its name: a backup that cannot be restored is worse than none.
    let written = read_archive(tmp.path(), |_, r| io::copy(r, &mut io::sink()).map(|_| ()))
        .map_err(|e| {
            BackupError::new(format!(
                "the backup written to {} did not verify: {e}",
                out.display()
            ))
        })?;
    if &written != manifest {
        return Err(BackupError::new(format!(
            "the backup written to {} did not read back as written",
            out.display()
        )));
    }
    let bytes = tmp.as_file().metadata().map_err(cannot)?.len();
    tmp.persist_noclobber(out).map_err(|e| {
        if e.error.kind() == io::ErrorKind::AlreadyExists {
            BackupError::new(format!(
                "{} appeared while the backup was written; it was left as it is and nothing was written",
                out.display()
            ))
        } else {
            cannot(e.error)
        }
    })?;
    sync_dir(out_dir).map_err(cannot)?;
    Ok(bytes)
}

/// Checks every member of the backup `file` against its manifest without writing anything.
pub fn verify(file: &Path) -> Result<Manifest, BackupError> {
    read_archive(file, |_, r| io::copy(r, &mut io::sink()).map(|_| ()))
}

/// Reads the archive as a stream (errors do not name `file`: the caller does), checking each member (see the module documentation) and
/// handing its bytes to `sink`, which sees only members that are regular files with a safe
/// path listed in the manifest; the bytes it reads are checked against the size and SHA-256
/// once it returns, so a sink that writes must not trust them before [`read_archive`] returns.
fn read_archive(
    file: &Path,
    mut sink: impl FnMut(&Member, &mut dyn Read) -> io::Result<()>,
) -> Result<Manifest, BackupError> {
    let f = File::open(file).map_err(|e| BackupError::new(format!("it cannot be opened ({e})")))?;
    let gz = flate2::read::GzDecoder::new(BufReader::with_capacity(1 << 20, f));
    let mut archive = tar::Archive::new(gz);
    let not_backup = |e: io::Error| {
        BackupError::new(format!(
            "it is not a smplan backup (a gzip-compressed tar file): {e}"
        ))
    };
    let mut entries = archive.entries().map_err(not_backup)?;
    let manifest = match entries.next() {
        None => return Err(not_backup(io::Error::other("it holds no member"))),
        Some(Err(e)) => return Err(not_backup(e)),
        Some(Ok(mut e)) => {
            let path = String::from_utf8_lossy(&e.path_bytes()).into_owned();
            if path != MANIFEST {
                return Err(BackupError::new(format!(
                    "its first member is {path}, not {MANIFEST}: not a smplan backup"
                )));
            }
            if !e.header().entry_type().is_file() || e.size() > MANIFEST_LIMIT {
                return Err(BackupError::new(format!(
                    "member {MANIFEST} is not a manifest"
                )));
            }
            let mut bytes = Vec::new();
            e.read_to_end(&mut bytes).map_err(|err| {
                BackupError::new(format!("member {MANIFEST} is truncated or damaged ({err})"))
            })?;
            Manifest::parse(&bytes)?
        }
    };
    let index: HashMap<&str, usize> = manifest
        .members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.path.as_str(), i))
        .collect();
    let mut seen = vec![false; manifest.members.len()];
    let mut last = MANIFEST.to_string();
    loop {
        let mut e = match entries.next() {
            None => break,
            Some(Ok(e)) => e,
            Some(Err(err)) => {
                let next = seen
                    .iter()
                    .position(|s| !s)
                    .map(|i| format!(" (member {} was expected next)", manifest.members[i].path))
                    .unwrap_or_default();
                return Err(BackupError::new(format!(
                    "the archive is damaged or truncated after member {last}{next}: {err}"
                )));
            }
        };
        let path = match std::str::from_utf8(&e.path_bytes()) {
            Ok(p) => p.to_string(),
            Err(_) => {
                return Err(BackupError::new(format!(
                    "a member after {last} has a name that is not UTF-8: refused"
                )));
            }
        };
        let kind = e.header().entry_type();
        if !kind.is_file() {
            let what = match kind {
                tar::EntryType::Symlink => "a symbolic link",
                tar::EntryType::Link => "a hard link",
                tar::EntryType::Directory => "a directory",
                tar::EntryType::Char | tar::EntryType::Block => "a device",
                tar::EntryType::Fifo => "a named pipe",
                _ => "not a regular file",
            };
            return Err(BackupError::new(format!(
                "member {path} is {what}, which a smplan backup never holds: refused (nothing of it is written)"
            )));
        }
        check_member_path(&path)?;
        let Some(&i) = index.get(path.as_str()) else {
            return Err(BackupError::new(format!(
                "member {path} is not in the manifest: refused (nothing of it is written)"
            )));
        };
        if std::mem::replace(&mut seen[i], true) {
            return Err(BackupError::new(format!(
                "member {path} appears twice in the archive: refused"
            )));
        }
        let member = &manifest.members[i];
        if e.size() != member.size {
            return Err(BackupError::new(format!(
                "member {path} is {} bytes but the manifest says {}: damaged",
                e.size(),
                member.size
            )));
        }
        let mut hashing = HashingReader {
            inner: &mut e,
            hasher: Hasher::default(),
            read: 0,
        };
        sink(member, &mut hashing).map_err(|err| {
            BackupError::new(format!("member {path} is truncated or damaged: {err}"))
        })?;
        // Whatever the sink left unread still counts.
        io::copy(&mut hashing, &mut io::sink()).map_err(|err| {
            BackupError::new(format!("member {path} is truncated or damaged: {err}"))
        })?;
        if hashing.read != member.size || hashing.hasher.hex() != member.sha256 {
            return Err(BackupError::new(format!(
                "member {path} is damaged: its SHA-256 differs from the manifest's"
            )));
        }
        last = path;
    }
    if let Some(i) = seen.iter().position(|s| !s) {
        let missing = seen.iter().filter(|s| !**s).count();
        return Err(BackupError::new(format!(
            "member {} is missing from the archive ({missing} of {} missing: truncated?)",
            manifest.members[i].path,
            manifest.members.len()
        )));
    }
    // The rest is the tar's end blocks: zeros, then the gzip trailer, whose check (CRC-32
    // and length of everything above) is read only when the stream is read to its end.
    let mut rest = archive.into_inner();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = rest.read(&mut buf).map_err(|e| {
            BackupError::new(format!(
                "the archive is damaged or truncated after its last member {last}: {e}"
            ))
        })?;
        if n == 0 {
            break;
        }
        if buf[..n].iter().any(|b| *b != 0) {
            return Err(BackupError::new(format!(
                "the archive holds data after its last member {last}: refused"
            )));
        }
    }
    Ok(manifest)
}

struct HashingReader<'a, R: Read> {
    inner: &'a mut R,
    hasher: Hasher,
    read: u64,
}

impl<R: Read> Read for HashingReader<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.sha.update(&buf[..n]);
        self.read += n as u64;
        Ok(n)
    }
}

/// Restores the backup `file` into `dest`, which must not exist or be empty: every member is
/// written into a new directory beside `dest` and checked, then `check` runs on that
/// directory, and only when both pass is it renamed to `dest`. On any refusal nothing is left
/// behind. Returns the manifest and what `check` returned.
pub fn restore<T>(
    file: &Path,
    dest: &Path,
    check: impl FnOnce(&Path) -> Result<T, String>,
) -> Result<(Manifest, T), BackupError> {
    match fs::symlink_metadata(dest) {
        Ok(m) if m.is_dir() => {
            let empty = fs::read_dir(dest)
                .map_err(|e| BackupError::io("cannot read", dest, e))?
                .next()
                .is_none();
            if !empty {
                return Err(BackupError::new(format!(
                    "{} is not empty; restore only into a new or empty directory (nothing was written)",
                    dest.display()
                )));
            }
        }
        Ok(_) => {
            return Err(BackupError::new(format!(
                "{} exists and is not a directory; restore only into a new or empty directory (nothing was written)",
                dest.display()
            )));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(BackupError::io("cannot read", dest, e)),
    }
    let parent = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = tempfile::Builder::new()
        .prefix(".smplan-restore-")
        .tempdir_in(&parent)
        .map_err(|e| BackupError::io("cannot write into", &parent, e))?;
    fs::set_permissions(tmp.path(), fs::Permissions::from_mode(DIR_MODE))
        .map_err(|e| BackupError::io("cannot write into", tmp.path(), e))?;
    let root = tmp.path().to_path_buf();
    let mut dirs: Vec<PathBuf> = vec![root.clone()];
    let mut written: Vec<PathBuf> = Vec::new();
    let manifest = read_archive(file, |member, r| {
        let rel = &member.path[REGISTRY_PREFIX.len()..];
        let target = root.join(rel);
        if let Some(d) = target.parent() {
            create_private_dir(d)?;
            if !dirs.iter().any(|x| x == d) {
                dirs.push(d.to_path_buf());
            }
        }
        let mut f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(FILE_MODE)
            .open(&target)?;
        io::copy(r, &mut f)?;
        written.push(target);
        Ok(())
    })?;
    // Synced together at the end, not one by one: 10,000 files in seconds, not minutes.
    fsutil::sync_files(&written).map_err(|e| BackupError::io("cannot sync", &root, e))?;
    for d in dirs.iter().rev() {
        sync_dir(d).map_err(|e| BackupError::io("cannot sync", d, e))?;
    }
    let checked = check(&root).map_err(BackupError)?;
    fs::rename(&root, dest)
        .map_err(|e| BackupError::io("cannot move the restored registry to", dest, e))?;
    // Renamed: nothing is left to remove.
    let _ = tmp.keep();
    sync_dir(&parent).map_err(|e| BackupError::io("cannot sync", &parent, e))?;
    Ok((manifest, checked))
}

#[cfg(test)]
mod tests;
