//! De-identification end to end: every de-identified output is searched for every name, birth
//! date and free-text value of the input, and the statistics are unchanged.

use crate::export_common;

use export_common::{cohort, d, forbidden, leaks};
use smplan::export::report::{ReportContext, case_series, patient_report};
use smplan::export::{self, ExportRecord, Kind};
use smplan::protocol::Protocol;

const SECRET: &[u8] = b"registry secret for the test";

fn deidentified() -> Vec<ExportRecord> {
    export::records(&cohort(), Some(SECRET))
}

#[test]
fn the_search_finds_what_it_looks_for() {
    // The leak search must be able to fail: the identified outputs contain every value.
    let all = forbidden(&cohort());
    assert!(all.len() > 30, "{all:?}");
    let records = export::records(&cohort(), None);
    let json = serde_json::to_string_pretty(&records).unwrap();
    // Birth dates are also searched as 14/02/1970 and 19700214, which JSON never writes.
    let as_written: Vec<String> = all
        .iter()
        .filter(|v| !v.contains('/') || v.contains("photos/"))
        .filter(|v| !(v.len() == 8 && v.chars().all(|c| c.is_ascii_digit())))
        .cloned()
        .collect();
    assert_eq!(leaks(&json, &all), as_written);
    let mut fhir = Vec::new();
    export::write_format(Kind::Fhir, &records, &mut fhir).unwrap();
    let fhir = String::from_utf8(fhir).unwrap();
    for name in ["王小明", "欧阳娜娜", "O'Brien, Siobhán", "1985-04-12"] {
        assert!(fhir.contains(name), "{name}");
    }
}

#[test]
fn no_identifier_in_the_json_records() {
    let json = serde_json::to_string_pretty(&deidentified()).unwrap();
    assert_eq!(leaks(&json, &forbidden(&cohort())), Vec::<String>::new());
    assert!(json.contains("\"age_at_session1\": 39"), "{json}");
}

#[test]
fn no_identifier_in_the_fhir_bundle() {
    let mut out = Vec::new();
    export::write_format(Kind::Fhir, &deidentified(), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert_eq!(leaks(&text, &forbidden(&cohort())), Vec::<String>::new());
    assert!(!text.contains("birthDate") && !text.contains("\"name\""));
}

#[test]
fn no_identifier_in_the_reports() {
    let protocol = Protocol::builtin();
    let ctx = ReportContext {
        today: d("2025-12-01"),
        protocol: &protocol,
        unreadable: 0,
    };
    let forbidden = forbidden(&cohort());
    let patients: Vec<_> = deidentified().into_iter().map(|r| r.patient).collect();
    let series = case_series(&patients, &ctx);
    let mut outputs = vec![series.to_markdown(), series.to_html()];
    for p in &patients {
        let doc = patient_report(p, &ctx);
        outputs.push(doc.to_markdown());
        outputs.push(doc.to_html());
    }
    for text in outputs {
        assert_eq!(leaks(&text, &forbidden), Vec::<String>::new());
    }
    // The case-series report prints no name or free text even from identified records.
    let series = case_series(&cohort(), &ctx);
    for text in [series.to_markdown(), series.to_html()] {
        assert_eq!(leaks(&text, &forbidden), Vec::<String>::new());
    }
}

#[test]
fn statistics_are_unchanged() {
    let original = smplan::stats::summarize(&cohort());
    let patients: Vec<_> = deidentified().into_iter().map(|r| r.patient).collect();
    assert_eq!(smplan::stats::summarize(&patients), original);
    assert_eq!(
        serde_json::to_string(&smplan::stats::summarize(&patients)).unwrap(),
        serde_json::to_string(&original).unwrap()
    );
}

#[test]
fn intervals_within_each_patient_are_kept() {
    for (p, r) in cohort().iter().zip(deidentified()) {
        let q = &r.patient;
        assert_ne!(p.session_date(1), q.session_date(1), "{}", p.record_id);
        let gaps = |x: &smplan::domain::Patient| -> Vec<i64> {
            let s1 = x.session_date(1).unwrap();
            x.sessions
                .iter()
                .map(|s| (s.date - s1).num_days())
                .chain(
                    x.follow_ups
                        .iter()
                        .filter_map(|f| f.date)
                        .map(|f| (f - s1).num_days()),
                )
                .chain(
                    x.adverse_events
                        .iter()
                        .filter_map(|a| a.onset)
                        .map(|a| (a - s1).num_days()),
                )
                .collect()
        };
        assert_eq!(gaps(p), gaps(q));
    }
}
