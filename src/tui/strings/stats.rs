//! The statistics screen's words (the figures' own words live with the figures, in
//! `screens/stats.rs`, beside the formatters they belong to).

pub fn lines_shown(from: usize, to: usize, of: usize) -> String {
    format!("lines {from}–{to} of {of}, ↑↓ PgUp PgDn scroll")
}

/// The page bar's note when patients were left out for their data-use consent.
pub fn left_out(n: usize) -> String {
    format!(" ({n} left out: data-use consent)")
}

pub const CONSENT_HEADING: &str = "Research consent";
pub const DATA_USE: &str = "Data use";
pub const EARLY_POST: &str = "Early post score";

pub fn early_post(n: usize) -> String {
    format!("{n} patient(s): a post score recorded before the last session (kept as recorded)")
}
