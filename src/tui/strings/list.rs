//! The patient list's words.

pub const COL_RECORD: &str = "Record";
pub const COL_NAME: &str = "Name";
pub const COL_AGE: &str = "Age";
pub const COL_CLASS: &str = "Subtype · class";
pub const COL_TRIAGE: &str = "Triage";
pub const COL_SESSIONS: &str = "Sess";
pub const COL_DUE: &str = "Next due";
pub const COL_VDS: &str = "VDS";
pub const COL_PSS: &str = "PSS";
pub const COL_VISIT: &str = "at";
pub const SEARCH: &str = "Search ";
pub const PRESS_SLASH: &str = "(press /)";
pub const FILTER: &str = "Filter ";
pub const SORT: &str = "Sort ";
pub const ALL: &str = "all";
pub const ANDROGENETIC: &str = "androgenetic";
pub const SCARRING: &str = "scarring";
pub fn shown_of(n: usize, of: usize) -> String {
    format!("  {n} of {of}")
}
pub const EMPTY_TITLE: &str = "No patients in this registry yet.";
pub const EMPTY_HINT_1: &str = "Press n to register the first patient.";
pub const EMPTY_HINT_2: &str = "To look around first, quit and run: smplan --demo";
pub const NO_MATCH: &str =
    "No patient matches the search or filter (Esc clears the search, f changes the filter).";
pub fn sessions(done: usize, of: usize) -> String {
    format!("{done}/{of}")
}
/// A due item that is late, in words: `S2 overdue 12d`.
pub fn overdue(label: &str, days: i64) -> String {
    format!("{label} overdue {days}d")
}
pub fn due(label: &str, date: &str) -> String {
    format!("{label} {date}")
}
pub const AGA: &str = "AGA";
pub const SCAR: &str = "scar";
