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

pub const TOUCH_UP_CHART: &str = "Touch-up-free since session 3 (Kaplan-Meier), by subtype";
pub const TOUCH_UP_HEADING: &str =
    "Touch-up-free (Kaplan-Meier): share with no touch-up yet, and (at risk)";
pub const NO_COURSE_ENDED: &str = "no patient has finished the course";
/// What the VDS-over-time chart says with no VDS scored at any visit.
pub const NO_VDS_YET: &str = "no VDS scored yet";

/// What the touch-up-free chart says while its curves are flat: `n` patients past session 3,
/// the longest followed `longest` (`8 m`).
pub fn no_touch_ups_yet(n: usize, longest: &str) -> String {
    format!("no touch-ups yet: {n} patient(s) past session 3, followed up to {longest}")
}
pub const LOG_RANK: &str = "Log-rank, androgenetic vs scarring:";
pub const VDS_TIME_CHART: &str = "VDS at each visit: mean by subtype over each patient";
pub const VDS_TIME_HEADING: &str = "VDS at each visit: mean ± SD with n, 95% CI below";
pub const OUTSIDE_NOTE: &str = "* the interval runs outside the 0-10 scale";

/// How the at-risk numbers are counted.
pub const AT_RISK_NOTE: &str =
    "(at risk): followed that long with no touch-up; censored at the last date recorded";
