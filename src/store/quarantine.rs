//! `quarantine/`: damaged files moved aside, each with `<file>.reason`, never overwritten.
//!
//! Every move is written to the audit log before it is made (one entry per file: field
//! `quarantine`, `old` the file's place in the registry, `new` where it went and why), so a
//! record that vanishes from `patients/` always has a line saying where it went; a crash
//! between the entry and the move leaves an entry for a move the next writer makes again.
//! The reason file is written before the move (a crash between the two leaves a reason
//! without a file, which is harmless); a move that fails takes its reason file back.
//!
//! Names: `<file>` when free, else `<file>.1`, `<file>.2`... up to
//! [`QUARANTINE_MAX_COPIES`]; with a record id of at most
//! [`crate::domain::limits::RECORD_ID_MAX_BYTES`] bytes, `<id>.json.999999.reason` still fits
//! in a file name. A commit record set aside is named `journal-<txn>.json`.

use super::audit::AuditEntry;
use super::fsutil::{create_private_dir, entries, read_regular_to_string, sync_dir, write_durable};
use super::{QUARANTINE_DIR, Quarantined, journal};
use serde_json::json;
use std::collections::HashSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Most copies of one file name `quarantine/` holds (the suffix `.999999`).
pub const QUARANTINE_MAX_COPIES: u32 = 999_999;
/// Prefix of a commit record set aside.
pub const JOURNAL_PREFIX: &str = "journal-";

/// A file to move aside.
pub struct Item<'a> {
    pub file: &'a Path,
    pub reason: &'a str,
    /// The record the file holds, for the audit log ("" for a commit record).
    pub record_id: String,
    /// Name prefix in `quarantine/` ([`JOURNAL_PREFIX`] for commit records).
    pub prefix: &'static str,
}

/// Moves every item into `quarantine/` (see the module documentation), audited as
/// `operator`; returns where each went (`None` for a file that is no longer there).
pub fn move_all(dir: &Path, operator: &str, items: &[Item]) -> io::Result<Vec<Option<PathBuf>>> {
    let present: Vec<bool> = items
        .iter()
        .map(|it| fs::symlink_metadata(it.file).is_ok())
        .collect();
    let all = items;
    let items: Vec<&Item> = all
        .iter()
        .zip(&present)
        .filter(|(_, p)| **p)
        .map(|(i, _)| i)
        .collect();
    if items.is_empty() {
        return Ok(vec![None; all.len()]);
    }
    let qdir = dir.join(QUARANTINE_DIR);
    create_private_dir(&qdir)?;
    let mut taken = HashSet::new();
    let mut dest = Vec::with_capacity(items.len());
    for it in &items {
        let base = format!(
            "{}{}",
            it.prefix,
            it.file
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "file".into())
        );
        let name = free_name(&qdir, &base, &taken)?;
        taken.insert(name.clone());
        dest.push(name);
    }
    let time = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    let txn = journal::new_txn_id();
    let audit: Vec<AuditEntry> = items
        .iter()
        .zip(&dest)
        .map(|(it, name)| AuditEntry {
            time: time.clone(),
            operator: operator.to_string(),
            record_id: it.record_id.clone(),
            field: "quarantine".into(),
            old: json!(relative(dir, it.file)),
            new: json!({"file": format!("{QUARANTINE_DIR}/{name}"), "reason": it.reason}),
            txn: txn.clone(),
            prev: None,
        })
        .collect();
    journal::append_audit_at_end(dir, &audit)?;
    let mut moved = Vec::with_capacity(items.len());
    let mut parents = HashSet::new();
    for (it, name) in items.iter().zip(dest) {
        let note = format!(
            "{}\nmoved here from {} at {} by smplan (process {})\n",
            it.reason,
            it.file.display(),
            chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC"),
            std::process::id()
        );
        let reason_name = format!("{name}.reason");
        write_durable(&qdir, &reason_name, note.as_bytes())?;
        let to = qdir.join(&name);
        if let Err(e) = fs::rename(it.file, &to) {
            // No reason file without its file: take it back.
            let _ = fs::remove_file(qdir.join(&reason_name));
            return Err(e);
        }
        if let Some(p) = it.file.parent() {
            parents.insert(p.to_path_buf());
        }
        moved.push(to);
    }
    sync_dir(&qdir)?;
    for p in parents {
        sync_dir(&p)?;
    }
    let mut moved = moved.into_iter();
    Ok(present
        .into_iter()
        .map(|p| if p { moved.next() } else { None })
        .collect())
}

/// `base`, or `base.N` for the first N free (neither the file nor its reason present, nor
/// taken by this batch).
fn free_name(qdir: &Path, base: &str, taken: &HashSet<String>) -> io::Result<String> {
    let used = |n: &str| {
        taken.contains(n)
            || fs::symlink_metadata(qdir.join(n)).is_ok()
            || fs::symlink_metadata(qdir.join(format!("{n}.reason"))).is_ok()
    };
    if !used(base) {
        return Ok(base.to_string());
    }
    (1..=QUARANTINE_MAX_COPIES)
        .map(|n| format!("{base}.{n}"))
        .find(|n| !used(n))
        .ok_or_else(|| {
            io::Error::other(format!(
                "{} already holds {QUARANTINE_MAX_COPIES} copies of {base}; clear it out",
                qdir.display()
            ))
        })
}

/// `file` relative to the registry (`patients/A-1.json`), for the audit log.
fn relative(dir: &Path, file: &Path) -> String {
    file.strip_prefix(dir)
        .unwrap_or(file)
        .to_string_lossy()
        .into_owned()
}

/// Everything in `quarantine/`, with the first line of each reason.
pub fn list(dir: &Path) -> io::Result<Vec<Quarantined>> {
    let qdir = dir.join(QUARANTINE_DIR);
    let mut out = Vec::new();
    for e in entries(&qdir)? {
        let raw = e.os_name.as_encoded_bytes();
        if raw.ends_with(b".reason") || raw.starts_with(b".") {
            continue;
        }
        let mut reason_name = e.os_name.clone();
        reason_name.push(".reason");
        // Never through a link: a reason is shown on screen.
        let reason = read_regular_to_string(&qdir.join(reason_name))
            .ok()
            .and_then(|t| t.lines().next().map(str::to_string))
            .unwrap_or_else(|| "no reason recorded".to_string());
        out.push(Quarantined {
            file: e.path,
            reason,
        });
    }
    out.sort_by(|a, b| a.file.cmp(&b.file));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::limits::{FILE_NAME_MAX_BYTES, RECORD_ID_MAX_BYTES};

    #[test]
    fn the_longest_name_derived_from_a_record_id_fits() {
        let id = "a".repeat(RECORD_ID_MAX_BYTES);
        let longest = format!(
            "{}.{QUARANTINE_MAX_COPIES}.reason",
            journal::patient_file_name(&id)
        );
        assert_eq!(longest.len(), FILE_NAME_MAX_BYTES);
        // And the file system agrees.
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join(&longest), "").unwrap();
    }

    #[test]
    fn moves_are_audited_numbered_and_leave_no_orphan_reason() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        let pdir = d.join("patients");
        fs::create_dir(&pdir).unwrap();
        for _ in 0..2 {
            fs::write(pdir.join("A.json"), "{").unwrap();
            let item = Item {
                file: &pdir.join("A.json"),
                reason: "is not valid JSON",
                record_id: "A".into(),
                prefix: "",
            };
            move_all(d, "ana", &[item]).unwrap();
        }
        let q = d.join(QUARANTINE_DIR);
        for n in ["A.json", "A.json.reason", "A.json.1", "A.json.1.reason"] {
            assert!(q.join(n).exists(), "{n}");
        }
        let log = fs::read_to_string(d.join(super::super::AUDIT_FILE)).unwrap();
        let lines: Vec<AuditEntry> = log
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1].field, "quarantine");
        assert_eq!(lines[1].old, json!("patients/A.json"));
        assert_eq!(lines[1].new["file"], json!("quarantine/A.json.1"));
        assert_eq!(lines[1].new["reason"], json!("is not valid JSON"));
        // A file gone meanwhile is not moved, logged or given a reason.
        let gone = pdir.join("B.json");
        let item = Item {
            file: &gone,
            reason: "x",
            record_id: "B".into(),
            prefix: "",
        };
        assert_eq!(move_all(d, "ana", &[item]).unwrap(), vec![None]);
        assert!(!q.join("B.json.reason").exists());
        assert_eq!(
            fs::read_to_string(d.join(super::super::AUDIT_FILE)).unwrap(),
            log
        );
        assert_eq!(list(d).unwrap().len(), 2);
    }
}
