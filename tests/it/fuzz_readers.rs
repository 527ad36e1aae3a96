//! A fuzz target per input reader, as proptest properties with a bounded number of cases so
//! that CI stays fast (issue 14, "How to test"): CSV rows, the JSON export, a patient file, the
//! clinic protocol and a journal commit record, through the public API (the store's private
//! readers have their own targets in `src/store/fuzz_tests.rs`). Each case starts from a valid input and
//! mutates it (bytes flipped, cut, inserted, duplicated; a JSON value replaced by a hostile
//! one), then checks what must hold whatever the input: no panic; a refusal is a message of
//! one printable line; what is accepted is valid; the registry never reaches outside its
//! directory and opens the same way twice.
//!
//! Run longer with `PROPTEST_CASES=5000 cargo test --test it fuzz_readers`.

use proptest::prelude::*;
use serde_json::{Value, json};
use smplan::domain::{Patient, ValidationContext};
use smplan::protocol::Protocol;
use smplan::store::{OpenOptions, Registry};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const DEMO_01: &str = include_str!("../../assets/demo/DEMO-01.json");
const DEMO_02: &str = include_str!("../../assets/demo/DEMO-02.json");
const PROTOCOL: &str = include_str!("../../assets/protocol.json");

const CSV_SEED: &str = "record_id,name,sex,birth_date,fitzpatrick,subtype,classification,zones,session1_date,session2_date,session3_date,post_date,vds_post,vds_6m,pss_post,pss_6m,m6_date,adverse_events,touch_up_dates,data_use_consent
CQ-001,\"王小明, \"\"Ming\"\"\",M,1985-03-02,4,androgenetic,Norwood V,hairline;frontal;vertex,2025-01-06,2025-01-13,2025-01-20,2025-01-20,9,8.1,3,3,2025-07-21,,2025-09-01,yes
CQ-002,李娜,F,1990-05-05,3,scarring,FUT strip scar,scar,2025-02-03,2025-02-10,2025-02-17,2025-02-17,8.5,7,3,2,2025-08-18,\"patchy_fading;itching, mild\",,yes
CQ-003,Jack,X,,6,androgenetic,Ludwig II,mid_scalp,2025-03-03,2025-03-10,,,,,,,,infection,,
";

/// `PROPTEST_CASES` when set (a longer run), else the bounded default.
fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}

fn today() -> chrono::NaiveDate {
    chrono::NaiveDate::from_ymd_opt(2026, 1, 15).expect("date")
}

/// Values a hostile file would put where a valid one has something else.
fn hostile_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        Just(json!(-1)),
        Just(json!(1e308)),
        Just(json!(u64::MAX)),
        Just(json!(0.5)),
        Just(json!(true)),
        Just(json!([])),
        Just(json!({})),
        Just(json!("")),
        Just(json!("../../etc/passwd")),
        Just(json!("/tmp/x")),
        Just(json!("a\nb\u{1b}[2J")),
        Just(json!("𝐀".repeat(70))),
        Just(json!("x".repeat(300))),
        Just(json!("9999-99-99")),
        Just(json!("2026-02-30")),
        Just(json!([[[[[[[[[[1]]]]]]]]]])),
        "\\PC{0,12}".prop_map(Value::String),
        any::<i64>().prop_map(|i| json!(i)),
    ]
}

/// `doc` with the value at a pseudo-random place (chosen by `pick`) replaced by `with`.
fn replace_somewhere(doc: &mut Value, mut pick: usize, with: Value) {
    let mut at = doc;
    loop {
        let n = match at {
            Value::Object(m) => m.len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        // Stop here one time in four, or where there is nothing further down.
        if n == 0 || pick.is_multiple_of(4) {
            *at = with;
            return;
        }
        let i = (pick / 4) % n;
        pick = pick / 4 / n.max(1) + pick % 7;
        at = match at {
            Value::Object(m) => m.values_mut().nth(i).expect("index in range"),
            Value::Array(a) => &mut a[i],
            _ => unreachable!("n > 0 only for objects and arrays"),
        };
    }
}

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Cut(usize),
    Insert(usize, Vec<u8>),
    Duplicate(usize, usize),
    Remove(usize, usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        any::<usize>().prop_map(Edit::Cut),
        (
            any::<usize>(),
            prop_oneof![
                prop::collection::vec(any::<u8>(), 1..6),
                Just(b"\r".to_vec()),
                Just(b"\",\"".to_vec()),
                Just(b"\n".to_vec()),
                Just("\u{202e}".as_bytes().to_vec()),
            ]
        )
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        (any::<usize>(), 1usize..200).prop_map(|(i, n)| Edit::Duplicate(i, n)),
        (any::<usize>(), 1usize..40).prop_map(|(i, n)| Edit::Remove(i, n)),
    ];
    prop::collection::vec(edit, 1..4)
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len().max(1);
        match e {
            Edit::Flip(i, b) if !bytes.is_empty() => bytes[i % len] ^= b | 1,
            Edit::Cut(i) => bytes.truncate(i % len),
            Edit::Insert(i, b) => {
                let at = i % (bytes.len() + 1);
                bytes.splice(at..at, b.iter().copied());
            }
            Edit::Duplicate(i, n) if !bytes.is_empty() => {
                let from = i % len;
                let to = (from + n).min(bytes.len());
                let part = bytes[from..to].to_vec();
                bytes.splice(to..to, part);
            }
            Edit::Remove(i, n) if !bytes.is_empty() => {
                let from = i % len;
                let to = (from + n).min(bytes.len());
                bytes.drain(from..to);
            }
            _ => {}
        }
    }
    bytes
}

/// A JSON document mutated either as bytes or as values.
fn mutated_json(seed: Value) -> impl Strategy<Value = Vec<u8>> {
    let as_bytes = serde_json::to_vec_pretty(&seed).expect("json");
    prop_oneof![
        edits().prop_map(move |e| apply(as_bytes.clone(), &e)),
        prop::collection::vec((any::<usize>(), hostile_value()), 1..4).prop_map(move |changes| {
            let mut doc = seed.clone();
            for (pick, with) in changes {
                replace_somewhere(&mut doc, pick, with);
            }
            serde_json::to_vec(&doc).expect("json")
        }),
    ]
}

/// A message shown to the user: one line, every control character escaped.
fn assert_one_printable_line(message: &str) {
    assert!(
        !message.chars().any(char::is_control),
        "a control character reached a message: {message:?}"
    );
}

fn zones() -> Vec<String> {
    Protocol::builtin().zone_ids()
}

fn assert_valid(patients: &[Patient]) {
    let known = zones();
    let ctx = ValidationContext {
        today: today(),
        known_zones: &known,
    };
    for p in patients {
        let invalid = p.validate(&ctx);
        assert!(
            invalid.is_empty(),
            "{} accepted but invalid: {invalid:?}",
            p.record_id
        );
    }
}

/// Every entry under `dir` (names and bytes), to check what a run left outside the registry.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).expect("read dir") {
            let p = e.expect("entry").path();
            let meta = fs::symlink_metadata(&p).expect("metadata");
            if meta.is_dir() {
                stack.push(p.clone());
                out.insert(p, Vec::new());
            } else {
                out.insert(p.clone(), fs::read(&p).unwrap_or_default());
            }
        }
    }
    out
}

/// Opens the registry in `dir` as a writer and returns what it holds and what it reports,
/// checking that nothing outside `dir` (in `root`) changed.
fn open_and_check(root: &Path, dir: &Path) -> (usize, usize) {
    let outside: BTreeMap<_, _> = tree(root)
        .into_iter()
        .filter(|(p, _)| !p.starts_with(dir))
        .collect();
    let mut opts = OpenOptions::new(true, "fuzz", today());
    opts.known_zones = zones();
    let counts = match Registry::open(dir, opts) {
        Ok(r) => {
            for p in r.report().problems() {
                assert_one_printable_line(&p);
            }
            (r.len(), r.report().problems().len())
        }
        Err(e) => {
            assert_one_printable_line(&e.to_string());
            (0, usize::MAX)
        }
    };
    let after: BTreeMap<_, _> = tree(root)
        .into_iter()
        .filter(|(p, _)| !p.starts_with(dir))
        .collect();
    assert_eq!(
        after, outside,
        "opening the registry changed files outside it"
    );
    counts
}

/// A registry directory `reg` under a new temporary root, with `patients/` (and `journal/`
/// when asked), and a sentinel file outside it that no opening may change.
fn registry_in_temp(journal: bool) -> (tempfile::TempDir, PathBuf) {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("reg");
    fs::create_dir_all(dir.join("patients")).expect("mkdir");
    if journal {
        fs::create_dir_all(dir.join("journal")).expect("mkdir");
    }
    fs::write(root.path().join("outside.json"), b"sentinel").expect("write");
    (root, dir)
}

/// The seeds are valid inputs, so the mutations start from something every reader accepts.
#[test]
fn the_seeds_are_accepted() {
    let known = zones();
    let ctx = ValidationContext {
        today: today(),
        known_zones: &known,
    };
    let file = smplan::io::csv::read(CSV_SEED.as_bytes()).expect("seed csv");
    let patients = smplan::io::csv::plan_import(&file, |_| None, false, &ctx).expect("seed rows");
    assert_eq!(patients.len(), 3);
    Protocol::parse(PROTOCOL).expect("seed protocol");
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("reg");
    fs::create_dir_all(dir.join("patients")).expect("mkdir");
    fs::write(dir.join("patients").join("DEMO-01.json"), DEMO_01).expect("write");
    assert_eq!(open_and_check(root.path(), &dir), (1, 0));
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(96),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn csv_rows(
        bytes in prop_oneof![
            3 => edits().prop_map(|e| apply(CSV_SEED.as_bytes().to_vec(), &e)),
            1 => prop::collection::vec(any::<u8>(), 0..300),
        ],
        update in any::<bool>(),
    ) {
        let known = zones();
        let ctx = ValidationContext { today: today(), known_zones: &known };
        match smplan::io::csv::read(&bytes) {
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for e in errors {
                    assert_one_printable_line(&e.to_string());
                }
            }
            Ok(file) => match smplan::io::csv::plan_import(&file, |_| None, update, &ctx) {
                Ok(patients) => assert_valid(&patients),
                Err(errors) => {
                    prop_assert!(!errors.is_empty());
                    for e in errors {
                        assert_one_printable_line(&e.to_string());
                    }
                }
            },
        }
    }

    #[test]
    fn json_export(bytes in mutated_json(json!({
        "schema_version": 2,
        "exported": "2026-01-15T00:00:00Z",
        "patients": [
            serde_json::from_str::<Value>(DEMO_01).expect("demo"),
            serde_json::from_str::<Value>(DEMO_02).expect("demo"),
        ],
    }))) {
        let known = zones();
        let ctx = ValidationContext { today: today(), known_zones: &known };
        match smplan::io::json::read(&bytes) {
            Err(errors) => {
                for e in errors {
                    assert_one_printable_line(&e.to_string());
                }
            }
            Ok(file) => match smplan::io::json::plan_import(&file, |_| None, false, &ctx) {
                Ok(patients) => assert_valid(&patients),
                Err(errors) => {
                    for e in errors {
                        assert_one_printable_line(&e.to_string());
                    }
                }
            },
        }
    }

    #[test]
    fn clinic_protocol(bytes in mutated_json(serde_json::from_str(PROTOCOL).expect("protocol"))) {
        let text = String::from_utf8_lossy(&bytes);
        if let Ok(p) = Protocol::parse(&text) {
            // An accepted protocol can plan: its zones and rules are usable.
            let _ = p.safety_rules();
            prop_assert!(!p.zone_ids().is_empty());
        }
    }
}

/// The transaction id of the staged record seeds (a process that cannot exist: pid 2e9).
const STAGED_TXN: &str = "00000000000000000001-2000000000-0";

/// Stages three patients of an import into `dir` (an empty registry) as an import
/// cut short right after its commit point leaves them, without the commit record; returns
/// the record it would have written (format 2, `staged`).
fn staged_import(dir: &Path) -> Value {
    use smplan::store::staging::StageWriter;
    fs::create_dir_all(dir.join("journal")).expect("mkdir");
    let mut w = StageWriter::create(dir, STAGED_TXN).expect("stage");
    for i in 0..3 {
        let p = Patient::new(format!("ST-{i}"), smplan::domain::Subtype::Scarring);
        w.add(&p, &[]).expect("add");
    }
    let staged = w.finish().expect("finish");
    json!({
        "format": 2,
        "txn": STAGED_TXN,
        "audit_offset": 0,
        "audit_tail": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "patients": [],
        "audit": [],
        "staged": staged,
    })
}

proptest! {
    // Each case writes and opens a registry on disk: fewer cases.
    #![proptest_config(ProptestConfig {
        cases: cases(32),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn patient_file(bytes in mutated_json(serde_json::from_str(DEMO_01).expect("demo"))) {
        let (root, dir) = registry_in_temp(false);
        fs::write(dir.join("patients").join("DEMO-01.json"), &bytes).expect("write");
        let first = open_and_check(root.path(), &dir);
        // A damaged file is set aside once and reported; the next open sees the same registry.
        let second = open_and_check(root.path(), &dir);
        prop_assert_eq!(first.0, second.0);
        prop_assert!(first.0 <= 1);
    }

    #[test]
    fn journal_commit_record(bytes in mutated_json(json!({
        "format": 1,
        "txn": "00000000000000000001-1-0",
        "audit_offset": 0,
        "patients": [serde_json::from_str::<Value>(DEMO_02).expect("demo")],
        "audit": [],
    }))) {
        let (root, dir) = registry_in_temp(true);
        fs::write(dir.join("journal").join("00000000000000000001-1-0.json"), &bytes)
            .expect("write");
        open_and_check(root.path(), &dir);
        open_and_check(root.path(), &dir);
    }

    /// A staged commit record (an import's, see `store::staging`), mutated: the registry
    /// opens with the import whole or not at all, never reaches outside, and says why.
    #[test]
    fn journal_staged_record(pick in any::<usize>(), with in hostile_value(), raw in any::<bool>(),
                             at in any::<usize>(), byte in any::<u8>()) {
        let (root, dir) = registry_in_temp(false);
        let mut record = staged_import(&dir);
        let bytes = if raw {
            let mut b = serde_json::to_vec(&record).expect("json");
            let i = at % b.len();
            b[i] = byte;
            b
        } else {
            replace_somewhere(&mut record, pick, with);
            serde_json::to_vec(&record).expect("json")
        };
        fs::write(dir.join("journal").join(format!("{STAGED_TXN}.json")), &bytes)
            .expect("write");
        let (held, _) = open_and_check(root.path(), &dir);
        prop_assert!(held == 0 || held == 3, "held {}", held);
        // Opened again: the same (nothing half applied by the first opening).
        let (again, _) = open_and_check(root.path(), &dir);
        prop_assert_eq!(held, again);
    }
}

#[test]
fn the_staged_seed_is_applied_whole() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("reg");
    fs::create_dir_all(dir.join("patients")).expect("mkdir");
    let record = staged_import(&dir);
    fs::write(
        dir.join("journal").join(format!("{STAGED_TXN}.json")),
        serde_json::to_vec(&record).expect("json"),
    )
    .expect("write");
    assert_eq!(open_and_check(root.path(), &dir), (3, 0));
}
