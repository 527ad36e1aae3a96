//! The statistics screen's words (the figures' own words live with the figures, in
//! `screens/stats.rs`, beside the formatters they belong to).

pub fn lines_shown(from: usize, to: usize, of: usize) -> String {
    format!("lines {from}–{to} of {of}, ↑↓ PgUp PgDn scroll")
}
