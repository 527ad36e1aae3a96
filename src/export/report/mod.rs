//! Printable reports: one patient's treatment summary, and the case-series report.
//!
//! Both are built as a [`Doc`] and rendered to Markdown or HTML by the caller. The case-series
//! report follows the PROCESS / CARE reporting items for case series: who was treated
//! (cohort characteristics), how (the protocol, as planned and as performed), what came of it
//! (outcomes with n beside every figure and the test and method beside every p-value), what
//! went wrong (adverse events) and who was lost to follow-up. It never prints a name, a birth
//! date or free text, so it can leave the clinic as it is.

mod charts;
mod patient;
mod series;

pub use patient::patient_report;
pub use series::{CaseSeries, case_series};

use crate::protocol::Protocol;
use chrono::NaiveDate;

/// What a report needs besides the records.
#[derive(Debug, Clone)]
pub struct ReportContext<'a> {
    /// The date the report is made (the reports never read the clock).
    pub today: NaiveDate,
    /// The clinic protocol: zone names, health-screen items, and the protocol section.
    pub protocol: &'a Protocol,
    /// Patient files of the registry that could not be read (the case series says so).
    pub unreadable: usize,
}

impl ReportContext<'_> {
    /// The protocol's name for a zone id, the id itself for a zone it does not know.
    pub(super) fn zone(&self, id: &str) -> String {
        self.protocol
            .zone(id)
            .map(|z| z.name.clone())
            .unwrap_or_else(|| id.replace('_', " "))
    }
}

pub(super) fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}

pub(super) fn or_dash<T: ToString>(v: Option<T>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "—".into())
}

pub(super) fn pct(count: usize, of: usize) -> String {
    if of == 0 {
        "—".into()
    } else {
        format!("{:.1}%", 100.0 * count as f64 / of as f64)
    }
}

/// Trims a float to what a practitioner writes: `0.6`, `75`, `22.5`.
pub(super) fn num(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}
