//! Report snapshots: a patient's treatment summary and the case-series report, in Markdown and
//! HTML, on the shared test cohort and the built-in protocol.

use crate::export_common;

use export_common::{cohort, d};
use smplan::export::report::{ReportContext, case_series, patient_report};
use smplan::protocol::Protocol;

fn with_ctx<T>(f: impl FnOnce(&ReportContext) -> T) -> T {
    let protocol = Protocol::builtin();
    let ctx = ReportContext {
        today: d("2025-12-01"),
        protocol: &protocol,
        unreadable: 0,
    };
    f(&ctx)
}

#[test]
fn patient_summary_markdown() {
    let p = &cohort()[0];
    insta::assert_snapshot!(with_ctx(|c| patient_report(p, c).to_markdown()));
}

#[test]
fn patient_summary_html() {
    let p = &cohort()[2];
    insta::assert_snapshot!(with_ctx(|c| patient_report(p, c).to_html()));
}

#[test]
fn new_patient_without_plan_or_sessions() {
    let p = smplan::domain::Patient::new("NEW-1", smplan::domain::Subtype::Androgenetic);
    insta::assert_snapshot!(with_ctx(|c| patient_report(&p, c).to_markdown()));
}

#[test]
fn case_series_markdown() {
    insta::assert_snapshot!(with_ctx(|c| case_series(&cohort(), c).to_markdown()));
}

#[test]
fn case_series_html() {
    insta::assert_snapshot!(with_ctx(|c| case_series(&cohort(), c).to_html()));
}

#[test]
fn case_series_of_an_empty_registry() {
    insta::assert_snapshot!(with_ctx(|c| case_series(&[], c).to_markdown()));
}
