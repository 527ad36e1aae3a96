//! What a registry must be before smplan reads or writes it, and what is said when it is not.
//!
//! - **No symbolic links inside.** A link named `lock`, `audit.jsonl` or a patient file would
//!   make a save truncate or overwrite whatever it points to, or send patient data to a file
//!   others can read; a link for `patients/` would move the registry. Opening refuses a
//!   registry with any link among its parts ([`links`], and the patient files as they are
//!   listed), naming each, and every file is opened with `O_NOFOLLOW` besides
//!   (`fsutil::open_regular`), so a link made after the check is refused too. The data
//!   directory itself may be a link (a registry kept on another disk); what is inside may not.
//! - **Only its owner may write it.** A directory others can write lets them plant those
//!   links, or replace a patient file. A writer refuses a registry whose directories are
//!   group- or world-writable ([`permission_problem`]), with the `chmod` that fixes it, and
//!   one owned by another user ([`owner_problem`]: what git calls dubious ownership; a
//!   `sudo smplan import` would leave files the owner cannot read). Readers read it and
//!   report it as a problem.
//! - **Odd entries are not patient files.** In `patients/`, a `*.json` entry that is not a
//!   regular file (a named pipe would hang every command), or whose name is not UTF-8 or too
//!   long to be a record id's, is listed as [`Foreign`] and never opened or moved.
//! - **Unreadable is not damaged.** A file that cannot be read (permission denied) is reported
//!   with the command that gives it back ([`permission_fix`]) and never quarantined.

use super::fsutil::{entries, kind_name, my_uid, owner_of};
use super::journal::{JOURNAL_DIR, PATIENTS_DIR};
use super::{AUDIT_FILE, LOCK_FILE, QUARANTINE_DIR, index::INDEX_FILE};
use crate::domain::limits::RECORD_ID_MAX_BYTES;
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// The de-identification key's file name (`crate::cli::export_formats::KEY_FILE`; a test
/// keeps the two equal).
pub const KEY_FILE: &str = "deidentify.key";

/// The fixed parts of a registry: none may be a symbolic link.
pub fn fixed_parts() -> [&'static str; 8] {
    [
        LOCK_FILE,
        AUDIT_FILE,
        INDEX_FILE,
        QUARANTINE_DIR,
        PATIENTS_DIR,
        JOURNAL_DIR,
        crate::protocol::PROTOCOL_FILE,
        KEY_FILE,
    ]
}

/// The parts of the registry in `dir` that are symbolic links: its fixed parts and the
/// entries of `journal/` (the patient files are checked as `patients/` is listed, see
/// [`list_patients`]).
pub fn links(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for part in fixed_parts() {
        let p = dir.join(part);
        match fs::symlink_metadata(&p) {
            Ok(m) if m.file_type().is_symlink() => out.push(p),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    let jdir = dir.join(JOURNAL_DIR);
    if !out.contains(&jdir) {
        for e in entries(&jdir)? {
            if e.kind.is_symlink() {
                out.push(e.path);
            }
        }
    }
    Ok(out)
}

/// The sentence refusing a registry with links.
pub fn links_message(links: &[PathBuf]) -> String {
    let names: Vec<String> = links.iter().map(|l| l.display().to_string()).collect();
    let (what, each) = match links.len() {
        1 => ("is a symbolic link", "it"),
        _ => ("are symbolic links", "each"),
    };
    format!(
        "{} {what}: smplan does not follow links inside a registry (a link can send patient \
         data outside it, or make a save overwrite another file), so nothing was read or \
         changed; replace {each} with the file or directory it points to, or remove it",
        names.join(", ")
    )
}

/// An entry of `patients/` that is not a patient file and is left alone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Foreign {
    pub file: PathBuf,
    /// Why it is not a patient file ("is a named pipe (FIFO)").
    pub why: String,
}

impl Foreign {
    pub fn message(&self) -> String {
        format!(
            "{} {}: it is not a patient file, and smplan leaves it where it is without opening \
             it; move it out of {PATIENTS_DIR}/",
            self.file.display(),
            self.why
        )
    }
}

/// What listing `patients/` found.
#[derive(Debug, Default)]
pub struct Listing {
    /// `<record id>.json` regular files, by name, in the order of their record ids.
    pub names: Vec<String>,
    pub foreign: Vec<Foreign>,
    pub links: Vec<PathBuf>,
}

/// Lists `patients/`: the `*.json` files (dot files are temporaries, skipped), in the order
/// of their record ids (the index's order: `A-1-2` sorts after `A-1`, although `A-1-2.json`
/// sorts before `A-1.json`); links and foreign entries apart (see the module documentation).
/// Nothing is opened: the type of each entry comes from the listing.
///
/// With `remove_temps` (only the lock holder), temporary files a crashed writer left are
/// removed on the way: one listing of a directory of 10,000 files instead of two.
pub fn list_patients(pdir: &Path, remove_temps: bool) -> io::Result<Listing> {
    let mut out = Listing::default();
    for e in entries(pdir)? {
        let raw = e.os_name.as_encoded_bytes();
        if e.is_temp() {
            if remove_temps && (e.kind.is_file() || e.kind.is_symlink()) {
                fs::remove_file(&e.path)?;
            }
            continue;
        }
        if !raw.ends_with(b".json") || raw.starts_with(b".") {
            continue;
        }
        let stem_bytes = raw.len() - ".json".len();
        if e.kind.is_symlink() {
            out.links.push(e.path);
        } else if !e.kind.is_file() {
            let why = format!("is {}", kind_name(&e.kind));
            out.foreign.push(Foreign { file: e.path, why });
        } else if e.name.is_none() {
            let why = "has a name that is not valid UTF-8 (a record id always is)".to_string();
            out.foreign.push(Foreign { file: e.path, why });
        } else if stem_bytes > RECORD_ID_MAX_BYTES {
            let why = format!(
                "has a name of {} bytes, longer than a record id's file name can be (at most \
                 {RECORD_ID_MAX_BYTES} bytes and .json)",
                raw.len()
            );
            out.foreign.push(Foreign { file: e.path, why });
        } else if let Some(name) = e.name {
            out.names.push(name);
        }
    }
    out.names
        .sort_by(|a, b| a[..a.len() - 5].cmp(&b[..b.len() - 5]));
    Ok(out)
}

/// Directories of the registry that others may write (group or world), as the sentence
/// that refuses them with the `chmod` that fixes it; `None` when there are none.
pub fn permission_problem(dir: &Path) -> Option<String> {
    let mut open = Vec::new();
    for d in [
        dir.to_path_buf(),
        dir.join(PATIENTS_DIR),
        dir.join(JOURNAL_DIR),
        dir.join(QUARANTINE_DIR),
    ] {
        // The data directory itself may be a link to a directory; its parts are checked
        // for links elsewhere, so following here judges the directory actually used.
        if let Ok(m) = fs::metadata(&d)
            && m.is_dir()
            && m.mode() & 0o022 != 0
        {
            open.push((d, m.mode() & 0o7777));
        }
    }
    if open.is_empty() {
        return None;
    }
    let list: Vec<String> = open
        .iter()
        .map(|(d, m)| format!("{} (mode {m:04o})", d.display()))
        .collect();
    let args: Vec<String> = open.iter().map(|(d, _)| shell_quote(d)).collect();
    Some(format!(
        "{} can be written by other users, who could replace its files or plant links in it; \
         smplan writes to a registry only when no one else can: `chmod 700 {}`",
        list.join(", "),
        args.join(" ")
    ))
}

/// A writer refuses a registry owned by another user: the files it wrote would belong to
/// this user, and the owner could not read them (`sudo smplan import`).
pub fn owner_problem(dir: &Path) -> Option<String> {
    let owner = fs::metadata(dir).ok()?.uid();
    let me = my_uid();
    (owner != me).then(|| {
        format!(
            "{} belongs to uid {owner}, and this smplan runs as uid {me}: files it wrote would \
             belong to uid {me} and could be unreadable to the registry's owner; run smplan as \
             the owner (to hand the registry over instead: `sudo chown -R \"$(id -un)\" {}`)",
            dir.display(),
            shell_quote(dir)
        )
    })
}

/// What gives a file that cannot be read (permission denied) back to the user running
/// smplan: `chown` when another user owns it, else `chmod`.
pub fn permission_fix(path: &Path, dir: &Path) -> String {
    let me = my_uid();
    match owner_of(path) {
        Some(owner) if owner != me => format!(
            "it belongs to uid {owner}, not to uid {me} running smplan; give the registry \
             back to its user with `sudo chown -R \"$(id -un)\" {}`",
            shell_quote(dir)
        ),
        _ => format!(
            "its permissions do not let its owner read it; `chmod u+rw {}`",
            shell_quote(path)
        ),
    }
}

/// An I/O error in words, with [`permission_fix`] when it is a permission error.
pub fn explain(e: &io::Error, path: &Path, dir: &Path) -> String {
    match e.kind() {
        io::ErrorKind::PermissionDenied => format!("{e}; {}", permission_fix(path, dir)),
        _ => e.to_string(),
    }
}

/// `path` quoted for a POSIX shell when it needs it.
pub fn shell_quote(path: &Path) -> String {
    let s = path.display().to_string();
    if !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"/._-+=:,@%".contains(&b))
    {
        s
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn the_key_file_is_the_one_exports_use() {
        assert_eq!(KEY_FILE, crate::cli::export_formats::KEY_FILE);
    }

    #[test]
    fn links_among_the_fixed_parts_and_in_the_journal_are_named() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path();
        fs::create_dir(d.join(JOURNAL_DIR)).unwrap();
        assert!(links(d).unwrap().is_empty());
        std::os::unix::fs::symlink("/dev/null", d.join(AUDIT_FILE)).unwrap();
        std::os::unix::fs::symlink("/tmp", d.join(PATIENTS_DIR)).unwrap();
        std::os::unix::fs::symlink("x", d.join(JOURNAL_DIR).join("1.json")).unwrap();
        let got = links(d).unwrap();
        assert_eq!(
            got,
            vec![
                d.join(AUDIT_FILE),
                d.join(PATIENTS_DIR),
                d.join(JOURNAL_DIR).join("1.json")
            ]
        );
        let m = links_message(&got);
        assert!(
            m.contains("are symbolic links") && m.contains("audit.jsonl"),
            "{m}"
        );
    }

    #[test]
    fn odd_entries_are_foreign_and_never_opened() {
        use std::os::unix::ffi::OsStrExt;
        let t = tempfile::tempdir().unwrap();
        let p = t.path();
        fs::write(p.join("A-1.json"), "{}").unwrap();
        fs::write(p.join("notes.txt"), "").unwrap();
        fs::create_dir(p.join("D.json")).unwrap();
        let fifo = p.join("F.json");
        let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let bad = std::ffi::OsStr::from_bytes(b"\xff\xfe.json");
        fs::write(p.join(bad), "{}").unwrap();
        let long = format!("{}.json", "a".repeat(RECORD_ID_MAX_BYTES + 1));
        fs::write(p.join(&long), "{}").unwrap();
        let fits = format!("{}.json", "a".repeat(RECORD_ID_MAX_BYTES));
        fs::write(p.join(&fits), "{}").unwrap();
        std::os::unix::fs::symlink("A-1.json", p.join("L.json")).unwrap();
        let l = list_patients(p, false).unwrap();
        assert_eq!(l.names, vec!["A-1.json".to_string(), fits]);
        assert_eq!(l.links, vec![p.join("L.json")]);
        let mut why: Vec<String> = l.foreign.iter().map(|f| f.why.clone()).collect();
        why.sort();
        assert_eq!(why.len(), 4, "{why:?}");
        assert!(why.iter().any(|w| w.contains("named pipe")), "{why:?}");
        assert!(why.iter().any(|w| w.contains("a directory")), "{why:?}");
        assert!(why.iter().any(|w| w.contains("UTF-8")), "{why:?}");
        assert!(why.iter().any(|w| w.contains("242 bytes")), "{why:?}");
    }

    #[test]
    fn writable_by_others_is_refused_with_the_chmod_that_fixes_it() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("my reg");
        fs::create_dir(&d).unwrap();
        fs::set_permissions(&d, fs::Permissions::from_mode(0o700)).unwrap();
        assert_eq!(permission_problem(&d), None);
        fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
        assert_eq!(
            permission_problem(&d),
            None,
            "readable by others is not refused"
        );
        fs::set_permissions(&d, fs::Permissions::from_mode(0o777)).unwrap();
        fs::create_dir(d.join(PATIENTS_DIR)).unwrap();
        fs::set_permissions(d.join(PATIENTS_DIR), fs::Permissions::from_mode(0o770)).unwrap();
        let m = permission_problem(&d).unwrap();
        let fix = format!(
            "`chmod 700 {} {}`",
            shell_quote(&d),
            shell_quote(&d.join(PATIENTS_DIR))
        );
        assert!(m.contains(&fix), "{m}");
        assert!(m.contains("mode 0777") && m.contains("mode 0770"), "{m}");
    }

    #[test]
    fn shell_quoting() {
        assert_eq!(shell_quote(Path::new("/a/b-c_d.e")), "/a/b-c_d.e");
        assert_eq!(shell_quote(Path::new("/a b")), "'/a b'");
        assert_eq!(shell_quote(Path::new("it's")), r"'it'\''s'");
    }
}
