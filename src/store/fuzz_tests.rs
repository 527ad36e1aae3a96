//! Fuzz targets for the store's private readers, as bounded proptest runs (512 cases each, a
//! few seconds in all, so they run with every `cargo test`): the patient file reader, the
//! commit record reader (with its checks) and the listing of `patients/`. Here, in the store,
//! because these readers are private to it; the readers of the files a person hands smplan
//! (CSV rows, the JSON export, the clinic protocol) and the whole registry opened over a
//! mutated patient file or commit record are fuzzed through the public API in
//! `tests/it/fuzz_readers.rs`. Inputs are
//! arbitrary bytes and mutations of valid files (a byte flipped, cut short, spliced), which
//! reach far deeper into the parsers than random bytes alone. Each must never panic, and what
//! it accepts must keep the store's invariants.

use super::journal::{self, Commit, JOURNAL_FORMAT};
use super::*;
use crate::domain::{Subtype, Timepoint, Vds, limits::RECORD_ID_MAX_BYTES};
use proptest::prelude::*;

fn opts() -> OpenOptions {
    OpenOptions::new(
        false,
        "fuzz",
        NaiveDate::from_ymd_opt(2026, 6, 1).expect("a date"),
    )
}

/// A valid patient file, with some detail to mutate.
fn valid_file(id: &str) -> Vec<u8> {
    let mut p = Patient::new(id, Subtype::Scarring);
    p.name = Some("Ana \"Q\" 王".into());
    p.birth_date = NaiveDate::from_ymd_opt(1980, 2, 3);
    p.follow_up_mut(Timepoint::Post).vds = Vds::new(7.5).ok();
    serde_json::to_vec_pretty(&p).expect("serializes")
}

/// `base` with one of a few mutations chosen by `kind` at `at`.
fn mutate(base: &[u8], kind: u8, at: usize, byte: u8) -> Vec<u8> {
    let mut b = base.to_vec();
    let at = at % b.len().max(1);
    match kind % 4 {
        0 => b[at] = byte,
        1 => b.truncate(at),
        2 => b.insert(at, byte),
        _ => {
            let tail = b[at..].to_vec();
            b.extend_from_slice(&tail);
        }
    }
    b
}

fn judge_file(bytes: &[u8], stem: &str) -> Result<(), String> {
    match parse_patient(bytes, stem) {
        FileState::Ok(p) => {
            // Accepted files name themselves: the invariant the store relies on.
            if p.record_id != stem {
                return Err(format!("accepted {} as {stem}", p.record_id));
            }
            let _ = judge(&p, &opts());
            Ok(())
        }
        FileState::Newer(_) | FileState::Damaged(_) => Ok(()),
        FileState::Unreadable(_) | FileState::Gone => Err("parsing did I/O".into()),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_patient_file_reader_takes_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        prop_assert_eq!(judge_file(&bytes, "P-1"), Ok(()));
    }

    #[test]
    fn the_patient_file_reader_takes_any_mutation_of_a_valid_file(
        kind in any::<u8>(), at in any::<usize>(), byte in any::<u8>()
    ) {
        let base = valid_file("P-1");
        prop_assert_eq!(judge_file(&mutate(&base, kind, at, byte), "P-1"), Ok(()));
    }

    #[test]
    fn the_commit_record_reader_and_its_checks_take_any_mutation(
        kind in any::<u8>(), at in any::<usize>(), byte in any::<u8>(),
        offset in prop_oneof![Just(0u64), 0u64..5000, Just(u64::MAX)],
        id in "[A-Za-z0-9./ -]{1,12}",
    ) {
        let t = tempfile::tempdir().expect("tempdir");
        let d = t.path();
        fs::create_dir(d.join(journal::JOURNAL_DIR)).expect("journal dir");
        fs::write(d.join(AUDIT_FILE), "{\"time\":\"t\"}\n".repeat(40)).expect("log");
        let (_, tail) = journal::audit_mark(d).expect("mark");
        let c = Commit {
            format: JOURNAL_FORMAT,
            txn: journal::new_txn_id(),
            audit_offset: offset,
            audit_tail: (kind % 2 == 0).then_some(tail),
            patients: vec![Patient::new(id.as_str(), Subtype::Androgenetic)],
            audit: Vec::new(),
            staged: None,
        };
        let base = serde_json::to_vec(&c).expect("serializes");
        let path = d.join(journal::JOURNAL_DIR).join("1.json");
        fs::write(&path, mutate(&base, kind / 2, at, byte)).expect("record");
        if let Ok(read) = journal::read(&path) {
            // What passes the checks may be applied: its ids name files in patients/.
            if check_commit(d, &read, &opts()).is_ok() {
                for p in &read.patients {
                    prop_assert!(crate::domain::validate::check_record_id(&p.record_id).is_ok());
                    prop_assert!(!p.record_id.contains('/'));
                }
                prop_assert!(read.audit_offset <= 40 * 13);
            }
        }
    }

    #[test]
    fn listing_patients_takes_any_file_name(
        names in prop::collection::vec(prop::collection::vec(1u8..=255, 1..250), 1..8)
    ) {
        use std::os::unix::ffi::OsStrExt;
        let t = tempfile::tempdir().expect("tempdir");
        for mut n in names {
            n.retain(|b| *b != b'/');
            n.extend_from_slice(b".json");
            let _ = fs::write(t.path().join(std::ffi::OsStr::from_bytes(&n)), b"{}");
        }
        let l = guard::list_patients(t.path(), false).expect("lists");
        for name in &l.names {
            // Every name read can also be moved to quarantine with its reason.
            prop_assert!(name.len() - ".json".len() <= RECORD_ID_MAX_BYTES);
        }
    }
}
