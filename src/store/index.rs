//! The summary index: what opening a large registry reads instead of every patient file.
//!
//! `index.jsonl` holds, after a header line, one line per saved patient file: the file's
//! name, the identity of the file as the file system reports it ([`FileKey`]: inode, size,
//! modification and change times) and the patient's [`Patient::summary`]: what the list,
//! the agenda and the statistics need, about a sixth of the record.
//!
//! The index is a cache, never the record. Opening lists the patients directory and `stat`s
//! every file (cheap: no file is opened); a file whose key matches its index line is taken
//! from the index, and any other file (new, edited by hand, moved back from quarantine,
//! written by a save whose index line was lost) is read and checked in full, as without an
//! index. A line for a file that is gone is ignored. So correctness never depends on the
//! index being complete or even present, which is why appending to it needs no `fsync`: a
//! line lost in a power cut costs one full read of that file at the next opening. Every save
//! writes its files with a new inode (temp file and rename), so a key never matches a newer
//! content.
//!
//! Each transaction appends the lines of the patients it wrote (a save costs one short
//! append, whatever the size of the registry); later lines win. A writer opening the
//! registry rewrites the index whole, atomically, when it has stale or superseded lines.
//! `smplan check` never uses the index: it reads every file.

use super::fsutil::{FILE_MODE, open_regular, write_durable};
use crate::domain::{
    AdverseEvent, Alopecia, Clearance, ConsentPart, FollowUp, HealthScreen, Patient, Plan,
    SCHEMA_VERSION, Session, TouchUp, TouchUpReason, dates,
};
use crate::par::par_map;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::{self, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;

pub const INDEX_FILE: &str = "index.jsonl";
/// First line of the index. An index with another header (a newer smplan's) is not read;
/// a writer replaces it.
/// Format 3: lines carry the data-use consent (`du`); an index of format 2 has none, and trusting
/// it would read every refusal of data use as "not recorded", so it is rebuilt.
const HEADER: &str = r#"{"smplan_index":4}"#;

/// A file's identity as `stat` gives it. Equal keys mean the same content: each save
/// creates a new file (new inode), and an edit in place changes the times. (The times tick
/// every few milliseconds, so an edit in place keeping the length, made within that tick
/// of smplan's own write, would go unseen; no person edits that fast, and no other smplan
/// writes while this one holds the lock. `smplan check` reads every file regardless.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(from = "[i64; 6]", into = "[i64; 6]")]
pub struct FileKey {
    ino: u64,
    len: u64,
    mtime: i64,
    mtime_ns: i64,
    ctime: i64,
    ctime_ns: i64,
}

// Six numbers, stored as an array: shorter to write and quicker to read than named fields.
impl From<FileKey> for [i64; 6] {
    fn from(k: FileKey) -> [i64; 6] {
        // Inode numbers and sizes fit in i64 on every file system smplan runs on; the cast
        // is a bijection anyway, so a key read back equals the key written.
        [
            k.ino as i64,
            k.len as i64,
            k.mtime,
            k.mtime_ns,
            k.ctime,
            k.ctime_ns,
        ]
    }
}

impl From<[i64; 6]> for FileKey {
    fn from(a: [i64; 6]) -> FileKey {
        FileKey {
            ino: a[0] as u64,
            len: a[1] as u64,
            mtime: a[2],
            mtime_ns: a[3],
            ctime: a[4],
            ctime_ns: a[5],
        }
    }
}

impl FileKey {
    pub fn of(meta: &fs::Metadata) -> FileKey {
        FileKey {
            ino: meta.ino(),
            len: meta.size(),
            mtime: meta.mtime(),
            mtime_ns: meta.mtime_nsec(),
            ctime: meta.ctime(),
            ctime_ns: meta.ctime_nsec(),
        }
    }

    /// The file's size in bytes.
    pub fn size(&self) -> u64 {
        self.len
    }

    pub fn stat(path: &Path) -> io::Result<FileKey> {
        fs::metadata(path).map(|m| FileKey::of(&m))
    }
}

/// One index line: the file's key and the fields of [`Patient::summary`] under short names,
/// with empty ones left out. Half the bytes of the summary written as a `Patient`, and
/// parsing the index is most of the cost of opening.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    k: FileKey,
    id: String,
    #[serde(default = "current_schema", skip_serializing_if = "is_current_schema")]
    v: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    n: Option<String>,
    a: Alopecia,
    /// Health-screen answers and date.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    sa: BTreeMap<String, bool>,
    #[serde(
        default,
        deserialize_with = "dates::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    sd: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    c: Option<Clearance>,
    /// The birth date (the list's age column).
    #[serde(
        default,
        deserialize_with = "dates::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    b: Option<NaiveDate>,
    /// The data-use consent: the research outputs leave out its refusals.
    #[serde(default, skip_serializing_if = "is_default_part")]
    du: ConsentPart,
    /// The plan's start and session dates (present when there is a plan).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    p: Option<PlanLine>,
    /// Sessions performed: number and date.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    s: Vec<SessionLine>,
    /// Touch-ups: number, date and reason (what the statistics and the agenda read).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    t: Vec<TouchUpLine>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    f: Vec<FollowUp>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    ae: Vec<AdverseEvent>,
}

#[derive(Debug, Serialize, Deserialize)]
struct TouchUpLine(
    u8,
    #[serde(deserialize_with = "dates::date")] NaiveDate,
    Option<TouchUpReason>,
);

#[derive(Debug, Serialize, Deserialize)]
struct PlanLine {
    #[serde(
        default,
        deserialize_with = "dates::opt_date",
        skip_serializing_if = "Option::is_none"
    )]
    s: Option<NaiveDate>,
    #[serde(
        default,
        deserialize_with = "dates::vec_opt_date",
        skip_serializing_if = "Vec::is_empty"
    )]
    d: Vec<Option<NaiveDate>>,
}

#[derive(Debug, Serialize, Deserialize)]
struct SessionLine(u8, #[serde(deserialize_with = "dates::date")] NaiveDate);

fn is_default_part(c: &ConsentPart) -> bool {
    *c == ConsentPart::default()
}

fn current_schema() -> u32 {
    SCHEMA_VERSION
}

fn is_current_schema(v: &u32) -> bool {
    *v == SCHEMA_VERSION
}

impl Line {
    /// The line of a whole record or of a summary (cut to its summary, copied once).
    fn of(k: FileKey, p: &Patient) -> Line {
        let p = if p.summary_only {
            p.clone()
        } else {
            p.summary()
        };
        Line {
            k,
            id: p.record_id,
            v: p.schema_version,
            n: p.name,
            a: p.alopecia,
            sa: p.screen.answers,
            sd: p.screen.date,
            c: p.clearance,
            b: p.birth_date,
            du: p.consent.data_use,
            p: p.plan.map(|pl| PlanLine {
                s: pl.start_date,
                d: pl.session_dates,
            }),
            s: p.sessions
                .iter()
                .map(|x| SessionLine(x.number, x.date))
                .collect(),
            t: p.touch_ups
                .iter()
                .map(|x| TouchUpLine(x.session.number, x.date(), x.reason))
                .collect(),
            f: p.follow_ups,
            ae: p.adverse_events,
        }
    }

    fn into_entry(self) -> Entry {
        let mut p = Patient::new(self.id, self.a.subtype);
        p.schema_version = self.v;
        p.name = self.n;
        p.alopecia = self.a;
        p.screen = HealthScreen {
            answers: self.sa,
            date: self.sd,
        };
        p.clearance = self.c;
        p.birth_date = self.b;
        p.consent.data_use = self.du;
        p.plan = self.p.map(|pl| Plan {
            start_date: pl.s,
            session_dates: pl.d,
            zones: Vec::new(),
        });
        p.sessions = self
            .s
            .into_iter()
            .map(|SessionLine(n, d)| Session::new(n, d))
            .collect();
        p.touch_ups = self
            .t
            .into_iter()
            .map(|TouchUpLine(n, d, reason)| TouchUp {
                reason,
                ..TouchUp::new(n, d)
            })
            .collect();
        p.follow_ups = self.f;
        p.adverse_events = self.ae;
        p.summary_only = true;
        Entry {
            key: self.k,
            patient: p,
        }
    }
}

/// One line of the index: the key of the patient's file (`patients/<record_id>.json`; a
/// file named otherwise is damaged, never indexed) and its summary.
#[derive(Debug)]
pub struct Entry {
    pub key: FileKey,
    pub patient: Patient,
}

impl Entry {
    pub fn record_id(&self) -> &str {
        &self.patient.record_id
    }
}

/// The index as read: the latest line of each file.
#[derive(Debug, Default)]
pub struct Index {
    /// By file name, one per file (its latest line).
    pub entries: Vec<Entry>,
    /// Lines read, header excluded.
    pub lines: usize,
    /// Lines that were not whole index lines (a torn append); their files are read in full.
    pub bad_lines: usize,
}

/// Reads the index; `None` when there is none, or it is of another format.
///
/// The file is read in blocks of a few megabytes, cut at line ends, and the lines of each
/// block are parsed on all cores: parsing is nearly all of the cost, and a block at a time
/// keeps memory to the summaries themselves, not the whole file besides.
pub fn read(dir: &Path) -> io::Result<Option<Index>> {
    const BLOCK: usize = 4 << 20;
    let mut f = match open_regular(&dir.join(INDEX_FILE)) {
        Ok((f, _)) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let mut index = Index::default();
    let mut all: Vec<Entry> = Vec::new();
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK);
    let mut header = true;
    loop {
        let start = buf.len();
        buf.resize(start + BLOCK, 0);
        let n = read_full(&mut f, &mut buf[start..])?;
        buf.truncate(start + n);
        let eof = n < BLOCK;
        let cut = if eof {
            buf.len()
        } else {
            match buf.iter().rposition(|b| *b == b'\n') {
                Some(i) => i + 1,
                None => continue, // one line longer than a block: read on
            }
        };
        let mut lines: Vec<&[u8]> = buf[..cut]
            .split_inclusive(|b| *b == b'\n')
            .filter(|l| *l != b"\n")
            .collect();
        if header {
            match lines.first() {
                Some(h) if h.trim_ascii_end() == HEADER.as_bytes() => {
                    lines.remove(0);
                    header = false;
                }
                _ => return Ok(None),
            }
        }
        index.lines += lines.len();
        for parsed in par_map(&lines, |l| parse_line(l)) {
            match parsed {
                Some(l) => all.push(l),
                None => index.bad_lines += 1,
            }
        }
        buf.drain(..cut);
        if eof {
            break;
        }
    }
    if header {
        return Ok(None);
    }
    // By file name, the latest line of each: sort positions (stable), not the entries
    // themselves, which are large; a rewritten index is already in order.
    if all.is_sorted_by(|a, b| a.record_id() < b.record_id()) {
        index.entries = all;
    } else {
        let mut order: Vec<usize> = (0..all.len()).collect();
        order.sort_by(|a, b| all[*a].record_id().cmp(all[*b].record_id()));
        let keep: Vec<usize> = order
            .iter()
            .enumerate()
            .filter(|(i, pos)| {
                order
                    .get(i + 1)
                    .is_none_or(|next| all[*next].record_id() != all[**pos].record_id())
            })
            .map(|(_, pos)| *pos)
            .collect();
        let mut slots: Vec<Option<Entry>> = all.into_iter().map(Some).collect();
        index.entries = keep.into_iter().filter_map(|i| slots[i].take()).collect();
    }
    Ok(Some(index))
}

/// One whole index line (ending in a newline), or `None`.
fn parse_line(line: &[u8]) -> Option<Entry> {
    if !line.ends_with(b"\n") {
        return None;
    }
    let text = std::str::from_utf8(line).ok()?;
    serde_json::from_str::<Line>(text)
        .ok()
        .map(Line::into_entry)
}

/// Reads until `buf` is full or the file ends; the number of bytes read.
fn read_full(f: &mut fs::File, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match f.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

fn push_line(buf: &mut Vec<u8>, key: FileKey, patient: &Patient) -> io::Result<()> {
    serde_json::to_writer(&mut *buf, &Line::of(key, patient)).map_err(io::Error::other)?;
    buf.push(b'\n');
    Ok(())
}

/// Whether the registry has an index this smplan reads.
pub fn present(dir: &Path) -> bool {
    let Ok((f, _)) = open_regular(&dir.join(INDEX_FILE)) else {
        return false;
    };
    let mut line = String::new();
    BufReader::new(f).read_line(&mut line).is_ok() && line.trim_end() == HEADER
}

/// Appends the lines of patient files just written (`(key, record)`), when the registry
/// has an index; without one, the next writer to open the registry builds it. Not synced:
/// see the module documentation.
pub fn append(dir: &Path, lines: &[(FileKey, &Patient)]) -> io::Result<()> {
    let mut f = match OpenOptions::new()
        .append(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(dir.join(INDEX_FILE))
    {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    // Start on a fresh line, should an earlier append have been cut short.
    let mut buf = vec![b'\n'];
    for (key, p) in lines {
        push_line(&mut buf, *key, p)?;
    }
    f.write_all(&buf)
}

/// The index line of `patient` without its key, for a patient file not yet at its place (a
/// staged import, see `staging`): the key is known only once the file is renamed into
/// `patients/` (a rename changes the change time). [`keyed_line`] puts the key in.
pub fn unkeyed_line(patient: &Patient) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    push_line(&mut buf, FileKey::from([0; 6]), patient)?;
    // `k` is the first field of a line.
    let prefix = br#"{"k":[0,0,0,0,0,0],"#;
    match buf.strip_prefix(&prefix[..]) {
        Some(rest) => Ok(rest.to_vec()),
        None => Err(io::Error::other(
            "an index line does not start with its key",
        )),
    }
}

/// Appends to `buf` the line of [`unkeyed_line`] `rest` (with its newline) under `key`.
pub fn keyed_line(buf: &mut Vec<u8>, key: FileKey, rest: &[u8]) -> io::Result<()> {
    buf.extend_from_slice(br#"{"k":"#);
    serde_json::to_writer(&mut *buf, &key).map_err(io::Error::other)?;
    buf.push(b',');
    buf.extend_from_slice(rest);
    Ok(())
}

/// The index opened for appending (see [`append`]), `None` when the registry has none.
pub fn open_for_append(dir: &Path) -> io::Result<Option<fs::File>> {
    match OpenOptions::new()
        .append(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(dir.join(INDEX_FILE))
    {
        Ok(mut f) => {
            // Start on a fresh line, should an earlier append have been cut short.
            f.write_all(b"\n")?;
            Ok(Some(f))
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Replaces the index with exactly these lines, atomically and durably.
pub fn rewrite<'a>(
    dir: &Path,
    lines: impl Iterator<Item = (FileKey, &'a Patient)>,
) -> io::Result<()> {
    let mut buf = Vec::with_capacity(1 << 20);
    buf.extend_from_slice(HEADER.as_bytes());
    buf.push(b'\n');
    for (key, p) in lines {
        push_line(&mut buf, key, p)?;
    }
    write_durable(dir, INDEX_FILE, &buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AdverseKind, Subtype, Timepoint, Vds};
    use crate::protocol::Protocol;

    fn key(n: i64) -> FileKey {
        FileKey::from([n, 2, 3, 4, 5, 6])
    }

    /// Written and read back, a line gives exactly the patient's summary.
    #[test]
    fn a_line_round_trips_to_the_summary() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let protocol = Protocol::builtin();
        let mut rng = crate::synth::Rng::new(11);
        let mut cohort: Vec<Patient> = (0..400)
            .map(|k| crate::synth::patient(k, &mut rng, today, &protocol))
            .collect();
        cohort.extend(crate::cli::ui::demo_cohort().unwrap());
        // Edge cases the generator may not make.
        let mut odd = Patient::new("ODD 王", Subtype::Scarring);
        odd.screen.answers.insert("anticoagulants".into(), true);
        odd.screen.answers.insert("keloid".into(), false);
        odd.clearance = Some(Clearance {
            by: "Dr Ng".into(),
            date: today,
            note: Some("free text".into()),
        });
        odd.plan = Some(Plan {
            start_date: None,
            session_dates: vec![None, Some(today)],
            zones: Vec::new(),
        });
        odd.follow_up_mut(Timepoint::Post).vds = Some(Vds::try_from(7.5).unwrap());
        odd.follow_up_mut(Timepoint::Post).assessor = Some("someone".into());
        odd.adverse_events.push(AdverseEvent {
            kind: AdverseKind::PigmentMigration,
            severity: None,
            resolved: Some(false),
            onset: Some(today),
            session: Some(1),
            description: Some("free text".into()),
        });
        cohort.push(odd);
        cohort.push(Patient::new("BARE", Subtype::Androgenetic));
        for (i, p) in cohort.iter().enumerate() {
            let mut buf = Vec::new();
            push_line(&mut buf, key(i as i64), p).unwrap();
            let back = parse_line(&buf).unwrap();
            assert_eq!(back.key, key(i as i64));
            assert_eq!(back.patient, p.summary(), "{}", p.record_id);
            // A summary written again gives the same line.
            let mut again = Vec::new();
            push_line(&mut again, key(i as i64), &back.patient).unwrap();
            assert_eq!(again, buf);
        }
    }

    #[test]
    fn a_line_cut_short_or_without_its_newline_is_refused() {
        let p = Patient::new("P-1", Subtype::Androgenetic);
        let mut buf = Vec::new();
        push_line(&mut buf, key(1), &p).unwrap();
        assert!(parse_line(&buf).is_some());
        assert!(parse_line(&buf[..buf.len() - 1]).is_none());
        assert!(parse_line(&buf[..buf.len() / 2]).is_none());
    }
}
