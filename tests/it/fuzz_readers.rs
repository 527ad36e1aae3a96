//! Fuzz targets for the readers of files a person hands smplan: the patient CSV (import) and
//! the clinic protocol, as bounded proptest runs (512 cases each, about a second): arbitrary
//! bytes and mutations of valid files (a byte changed, cut short, inserted, spliced) never
//! make them panic, and what they accept passes validation. The store's own readers (patient
//! file, commit record, listing of `patients/`) are fuzzed in `src/store/fuzz_tests.rs`.

use proptest::prelude::*;
use smplan::domain::ValidationContext;
use smplan::io::csv;
use smplan::protocol::{BUILTIN_JSON, Protocol};

const CSV: &str = "record_id,name,sex,birth_date,fitzpatrick,subtype,zones,session1_date,\
session2_date,session3_date,post_date,vds_post,pss_post,m6_date,vds_6m,pss_6m,adverse_events,\
data_use_consent\n\
A-1,\"Ana, \"\"Q\"\"\",F,1980-02-03,III,androgenetic,hairline;vertex,2025-01-06,2025-01-13,\
2025-01-20,2025-01-20,8.5,3,2025-07-21,7.5,2,,yes\n\
B-2,王小明,M,,2,scarring,scar,2025-02-03,,,,,,,,,infection,no\n";

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

/// Reads and plans an import of `bytes` into an empty registry; what is accepted is valid.
fn import(bytes: &[u8]) -> Result<(), String> {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 15).expect("a date");
    let zones: Vec<String> = Protocol::builtin().zone_ids();
    let ctx = ValidationContext {
        today,
        known_zones: &zones,
    };
    let Ok(file) = csv::read(bytes) else {
        return Ok(());
    };
    if let Ok(patients) = csv::plan_import(&file, |_| None, false, &ctx) {
        for p in patients {
            let problems = p.validate(&ctx);
            if !problems.is_empty() {
                return Err(format!("accepted {} with {problems:?}", p.record_id));
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_csv_reader_takes_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        prop_assert_eq!(import(&bytes), Ok(()));
    }

    #[test]
    fn the_csv_reader_takes_any_mutation_of_a_valid_file(
        kind in any::<u8>(), at in any::<usize>(), byte in any::<u8>()
    ) {
        prop_assert_eq!(import(&mutate(CSV.as_bytes(), kind, at, byte)), Ok(()));
    }

    #[test]
    fn the_protocol_reader_takes_any_mutation_of_the_builtin_one(
        kind in any::<u8>(), at in any::<usize>(), byte in any::<u8>()
    ) {
        let bytes = mutate(BUILTIN_JSON.as_bytes(), kind, at, byte);
        if let Ok(text) = std::str::from_utf8(&bytes)
            && let Ok(p) = Protocol::parse(text)
        {
            // An accepted protocol is usable: its zones and rules are there.
            prop_assert!(!p.zone_ids().is_empty());
            let _ = p.safety_rules();
        }
    }
}

/// The seed the mutations start from is itself accepted whole (else they would only ever
/// reach the refusals).
#[test]
fn the_seed_csv_imports() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 1, 15).expect("a date");
    let zones = Protocol::builtin().zone_ids();
    let ctx = ValidationContext {
        today,
        known_zones: &zones,
    };
    let file = csv::read(CSV.as_bytes()).expect("reads");
    let planned = csv::plan_import(&file, |_| None, false, &ctx);
    assert_eq!(planned.map(|p| p.len()).map_err(|e| format!("{e:?}")), Ok(2));
}
