//! Whole records one at a time, in record-id order: what every export and the case-series
//! report read, so that 100,000 patients never sit in memory together.
//!
//! [`Records::open`] lists the patient files and reads the commit records of transactions in
//! flight, as a reader opening the registry does (their patients are shown as they will be,
//! and the lock is never taken); nothing else is read until the records are asked for. Each
//! record is then read, parsed and judged as opening judges it (a file that is not a sound
//! record is left out and listed in [`Records::damaged`]; rules that depend on today or on the
//! protocol only warn), a chunk of files at a time on all cores.
//!
//! Each record is whole and as some transaction left it. A transaction committed while the
//! records are read may be seen for some of its patients and not others (a reader opening
//! the registry retries until no transaction ran meanwhile; a stream cannot take back what it
//! has written). `smplan backup` is the command for a snapshot equal to one committed state.

use super::journal::{self, PATIENTS_DIR};
use super::{
    Damaged, FileState, Foreign, OpenOptions, Quarantined, StoreError, Unreadable, check_pending,
    guard, io_err, judge, newer_message, quarantine, read_patient_file,
};
use crate::domain::Patient;
use crate::par::par_map;
use std::collections::{HashMap, VecDeque};
use std::path::{Path, PathBuf};

/// Records read ahead on all cores at a time.
const CHUNK: usize = 1024;

/// Whole records of a registry, one at a time (see the module documentation).
#[derive(Debug)]
pub struct Records {
    pdir: PathBuf,
    opts: OpenOptions,
    /// Record ids still to read, in order.
    ids: VecDeque<String>,
    total: usize,
    /// Patients of pending transactions, as they will be.
    overlay: HashMap<String, Patient>,
    damaged: Vec<Damaged>,
    warnings: Vec<String>,
    quarantine: Vec<Quarantined>,
    foreign: Vec<Foreign>,
    unreadable: Vec<Unreadable>,
    unsafe_permissions: Option<String>,
    buffered: VecDeque<Outcome<Patient>>,
    /// The registry's directory, for the fixes of unreadable files.
    dir: PathBuf,
}

/// One record read.
#[derive(Debug)]
enum Outcome<T> {
    Ok(T),
    Damaged(Damaged),
    Newer(PathBuf, u32),
    Unreadable(PathBuf, std::io::Error),
    /// Gone since listing (a writer's rename); the overlay covers a pending one.
    Gone,
}

impl Records {
    /// Lists the records of the registry in `dir` (none when it does not exist yet).
    pub fn open(dir: &Path, opts: OpenOptions) -> Result<Records, StoreError> {
        let pdir = dir.join(PATIENTS_DIR);
        let mut overlay = HashMap::new();
        let mut damaged = Vec::new();
        let mut unreadable = Vec::new();
        let mut newer = None;
        let mut unsafe_permissions = None;
        if std::fs::metadata(dir).is_ok() {
            let links = guard::links(dir).map_err(io_err(dir))?;
            if !links.is_empty() {
                return Err(StoreError::Links(links));
            }
            unsafe_permissions = guard::permission_problem(dir);
            for r in journal::list(dir).map_err(io_err(dir))? {
                match journal::read(&r) {
                    Ok(c) => match check_pending(dir, c, &opts) {
                        Ok(c) => {
                            for p in c.patients {
                                overlay.insert(p.record_id.clone(), p);
                            }
                        }
                        Err(why) => damaged.push(Damaged {
                            file: r,
                            reason: format!(
                                "(an interrupted change) {why}; the next writer sets it aside \
                                 in quarantine/ without applying it"
                            ),
                            moved_to: None,
                        }),
                    },
                    Err(journal::ReadError::Gone) => {}
                    Err(journal::ReadError::Newer(v)) => newer = Some((r, v)),
                    Err(journal::ReadError::Damaged(why)) => damaged.push(Damaged {
                        file: r,
                        reason: format!("(an interrupted change) {why}"),
                        moved_to: None,
                    }),
                    Err(journal::ReadError::Unreadable(e)) => {
                        unreadable.push(Unreadable::new(r, &e, dir));
                    }
                }
            }
        }
        if let Some((f, v)) = newer {
            return Err(StoreError::ReadOnly(newer_message(&f, v)));
        }
        let listing = guard::list_patients(&pdir, false).map_err(io_err(&pdir))?;
        if !listing.links.is_empty() {
            return Err(StoreError::Links(listing.links));
        }
        let mut ids: Vec<String> = listing
            .names
            .into_iter()
            .map(|n| n.strip_suffix(".json").unwrap_or(&n).to_string())
            .collect();
        let listed: std::collections::HashSet<&str> = ids.iter().map(String::as_str).collect();
        let mut new: Vec<String> = overlay
            .keys()
            .filter(|id| !listed.contains(id.as_str()))
            .cloned()
            .collect();
        ids.append(&mut new);
        ids.sort();
        Ok(Records {
            total: ids.len(),
            ids: ids.into(),
            pdir,
            opts,
            overlay,
            damaged,
            warnings: Vec::new(),
            quarantine: quarantine::list(dir).map_err(io_err(dir))?,
            foreign: listing.foreign,
            unreadable,
            unsafe_permissions,
            buffered: VecDeque::new(),
            dir: dir.to_path_buf(),
        })
    }

    /// Reads the records still to read in the order of `key` (ties by record id) instead of
    /// by record id: a de-identified export goes in the order of its pseudonyms, so the
    /// order of the rows says nothing of the record ids.
    pub fn order_by<K: Ord>(&mut self, key: impl Fn(&str) -> K) {
        let mut keyed: Vec<(K, String)> = self.ids.drain(..).map(|id| (key(&id), id)).collect();
        keyed.sort();
        self.ids = keyed.into_iter().map(|(_, id)| id).collect();
    }

    /// How many records were listed (damaged ones included).
    pub fn listed(&self) -> usize {
        self.total
    }

    /// Files found damaged so far (all of them once every record has been read).
    pub fn damaged(&self) -> &[Damaged] {
        &self.damaged
    }

    /// Records kept but breaking a rule that depends on today or on the protocol.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Files left out of the records: damaged, or unreadable (once every record is read).
    pub fn left_out(&self) -> usize {
        self.damaged.len() + self.unreadable.len()
    }

    /// The sentence a command ends on when the registry has a problem (files left out of
    /// `what`, foreign entries, directories others may write), or `None`.
    pub fn failure(&self, what: &str) -> Option<String> {
        let n = self.left_out();
        if n > 0 {
            Some(format!(
                "{what} leaves out {n} file(s) that are damaged or cannot be read; run `smplan check`"
            ))
        } else if !self.foreign.is_empty() || self.unsafe_permissions.is_some() {
            Some(format!(
                "{what} is whole, but the registry has the problem(s) above; run `smplan check`"
            ))
        } else {
            None
        }
    }

    /// Damage a person must look at, as [`super::OpenReport::problems`] words it.
    pub fn problems(&self) -> Vec<String> {
        super::OpenReport {
            damaged: self.damaged.clone(),
            quarantine: self.quarantine.clone(),
            foreign: self.foreign.clone(),
            unreadable: self.unreadable.clone(),
            unsafe_permissions: self.unsafe_permissions.clone(),
            ..Default::default()
        }
        .problems()
    }

    /// Reads the next chunk of records on all cores, each turned into `T` by `convert` (also
    /// on all cores); `None` when every record has been read.
    fn next_chunk<T: Send>(
        &mut self,
        convert: &(impl Fn(Patient) -> T + Sync),
    ) -> Option<Vec<Outcome<T>>> {
        if self.ids.is_empty() {
            return None;
        }
        let n = CHUNK.min(self.ids.len());
        let ids: Vec<String> = self.ids.drain(..n).collect();
        let (out, warnings) = read_chunk(&ids, &self.pdir, &self.opts, &self.overlay, convert);
        self.warnings.extend(warnings);
        Some(out)
    }

    /// Turns every record into `T` on all cores and hands each to `sink` in record-id order.
    /// Damaged files are left out and listed in [`Records::damaged`]; a file written by a
    /// newer smplan stops the stream with its error, as does the first error of `sink`.
    pub fn stream<T: Send, E: From<StoreError>>(
        &mut self,
        convert: impl Fn(Patient) -> T + Sync,
        mut sink: impl FnMut(T) -> Result<(), E>,
    ) -> Result<(), E> {
        // The next chunk is read and converted while this one goes to the sink, so that
        // writing the output (one thread) overlaps the work of both cores.
        let ids: Vec<String> = self.ids.drain(..).collect();
        let chunks: Vec<&[String]> = ids.chunks(CHUNK).collect();
        let (pdir, opts, overlay) = (&self.pdir, &self.opts, &self.overlay);
        let (damaged, warnings) = (&mut self.damaged, &mut self.warnings);
        let (unreadable, dir) = (&mut self.unreadable, &self.dir);
        let convert = &convert;
        std::thread::scope(|scope| {
            let read = |c: &'_ [String]| read_chunk(c, pdir, opts, overlay, convert);
            let mut pending = chunks.first().map(|c| scope.spawn(move || read(c)));
            let mut next = 1;
            while let Some(handle) = pending.take() {
                let (chunk, w) = handle
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                if let Some(c) = chunks.get(next) {
                    let c: &[String] = c;
                    pending = Some(scope.spawn(move || read(c)));
                    next += 1;
                }
                warnings.extend(w);
                for o in chunk {
                    match o {
                        Outcome::Ok(t) => sink(t)?,
                        Outcome::Damaged(d) => damaged.push(d),
                        Outcome::Newer(f, v) => {
                            return Err(StoreError::ReadOnly(newer_message(&f, v)).into());
                        }
                        Outcome::Unreadable(f, e) => unreadable.push(Unreadable::new(f, &e, dir)),
                        Outcome::Gone => {}
                    }
                }
            }
            Ok(())
        })
    }
}

/// Reads, parses and judges the records `ids` on all cores, each turned into `T`; with the
/// warnings of the records kept.
fn read_chunk<T: Send>(
    ids: &[String],
    pdir: &Path,
    opts: &OpenOptions,
    overlay: &HashMap<String, Patient>,
    convert: &(impl Fn(Patient) -> T + Sync),
) -> (Vec<Outcome<T>>, Vec<String>) {
    let read = par_map(ids, |id| {
        let file = pdir.join(journal::patient_file_name(id));
        let p = match overlay.get(id) {
            Some(p) => p.clone(),
            None => match read_patient_file(&file, id).1 {
                FileState::Ok(p) => *p,
                FileState::Newer(v) => return (Outcome::Newer(file, v), Vec::new()),
                FileState::Unreadable(e) => return (Outcome::Unreadable(file, e), Vec::new()),
                FileState::Gone => return (Outcome::Gone, Vec::new()),
                FileState::Damaged(reason) => {
                    let d = Damaged {
                        file,
                        reason,
                        moved_to: None,
                    };
                    return (Outcome::Damaged(d), Vec::new());
                }
            },
        };
        match judge(&p, opts) {
            Ok(warnings) => {
                let w = warnings
                    .iter()
                    .map(|w| format!("patient {}: {w}", p.record_id))
                    .collect();
                (Outcome::Ok(convert(p)), w)
            }
            Err(reason) => (
                Outcome::Damaged(Damaged {
                    file,
                    reason,
                    moved_to: None,
                }),
                Vec::new(),
            ),
        }
    });
    let mut out = Vec::with_capacity(read.len());
    let mut warnings = Vec::new();
    for (o, w) in read {
        warnings.extend(w);
        out.push(o);
    }
    (out, warnings)
}

impl Iterator for Records {
    type Item = Result<Patient, StoreError>;

    /// The next whole record; damaged files are skipped (and listed in
    /// [`Records::damaged`]); a file written by a newer smplan is an error.
    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(o) = self.buffered.pop_front() {
                match o {
                    Outcome::Ok(p) => return Some(Ok(p)),
                    Outcome::Damaged(d) => self.damaged.push(d),
                    Outcome::Newer(f, v) => {
                        return Some(Err(StoreError::ReadOnly(newer_message(&f, v))));
                    }
                    Outcome::Unreadable(f, e) => {
                        let u = Unreadable::new(f, &e, &self.dir);
                        self.unreadable.push(u);
                    }
                    Outcome::Gone => {}
                }
                continue;
            }
            let chunk = self.next_chunk(&|p| p)?;
            self.buffered.extend(chunk);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Subtype, validate::parse_date};
    use crate::store::Registry;

    fn opts(write: bool) -> OpenOptions {
        OpenOptions::new(write, "t", parse_date("2026-01-01").unwrap())
    }

    #[test]
    fn every_record_in_order_damage_left_out_and_pending_ones_overlaid() {
        let t = tempfile::tempdir().unwrap();
        let mut reg = Registry::open(t.path(), opts(true)).unwrap();
        let ps: Vec<Patient> = (0..1500)
            .map(|i| Patient::new(format!("P{i:05}"), Subtype::Scarring))
            .collect();
        reg.import_batch(ps, false).unwrap();
        drop(reg);
        std::fs::write(t.path().join("patients/P00007.json"), b"{").unwrap();
        // A transaction decided but not applied: its patient is read as it will be.
        let mut pending = Patient::new("P00010", Subtype::Androgenetic);
        pending.notes = Some("pending".into());
        let commit = journal::Commit {
            format: journal::JOURNAL_FORMAT,
            txn: journal::new_txn_id(),
            audit_offset: journal::audit_len(t.path()).unwrap(),
            audit_tail: Some(journal::audit_mark(t.path()).unwrap().1),
            patients: vec![pending, Patient::new("Q-NEW", Subtype::Scarring)],
            audit: Vec::new(),
            staged: None,
        };
        journal::write_commit(t.path(), &commit).unwrap();
        let mut r = Records::open(t.path(), opts(false)).unwrap();
        assert_eq!(r.listed(), 1501);
        let got: Vec<Patient> = r.by_ref().map(|p| p.unwrap()).collect();
        assert_eq!(got.len(), 1500);
        assert!(got.windows(2).all(|w| w[0].record_id < w[1].record_id));
        assert_eq!(
            got.iter()
                .find(|p| p.record_id == "P00010")
                .unwrap()
                .notes
                .as_deref(),
            Some("pending")
        );
        assert_eq!(got.last().unwrap().record_id, "Q-NEW");
        assert_eq!(r.damaged().len(), 1);
        assert!(
            r.problems()[0].contains("P00007.json is not valid JSON"),
            "{:?}",
            r.problems()
        );
        // The same records through `stream`, two chunks read ahead of the sink.
        let mut r = Records::open(t.path(), opts(false)).unwrap();
        let mut ids = Vec::new();
        r.stream(
            |p| p.record_id,
            |id| -> Result<(), StoreError> {
                ids.push(id);
                Ok(())
            },
        )
        .unwrap();
        let expected: Vec<String> = got.iter().map(|p| p.record_id.clone()).collect();
        assert_eq!(ids, expected);
        assert_eq!(r.damaged().len(), 1);
        // Nothing was moved: a reader.
        assert!(t.path().join("patients/P00007.json").exists());
    }

    #[test]
    fn a_newer_file_stops_the_stream() {
        let t = tempfile::tempdir().unwrap();
        let mut reg = Registry::open(t.path(), opts(true)).unwrap();
        reg.save(Patient::new("A", Subtype::Scarring)).unwrap();
        drop(reg);
        std::fs::write(
            t.path().join("patients/A.json"),
            br#"{"schema_version": 99, "record_id": "A"}"#,
        )
        .unwrap();
        let mut r = Records::open(t.path(), opts(false)).unwrap();
        let e = r.next().unwrap().unwrap_err();
        assert!(e.to_string().contains("newer smplan"), "{e}");
        // A registry that does not exist has no records.
        let none = Records::open(&t.path().join("absent"), opts(false)).unwrap();
        assert_eq!(none.count(), 0);
    }
}
