//! The sessions screen's words.

use chrono::NaiveDate;

/// Where the date offered for recording comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateFrom {
    /// The plan's date, already past.
    Planned,
    Today,
    /// Typed by the practitioner.
    Typed,
}

fn date_said(date: NaiveDate, from: DateFrom, today: NaiveDate) -> String {
    match from {
        DateFrom::Planned => format!(
            "{date}, the planned date ({} days ago)",
            (today - date).num_days()
        ),
        DateFrom::Today => format!("{date} (today)"),
        DateFrom::Typed if date == today => format!("{date} (today)"),
        DateFrom::Typed => format!("{date} ({} days ago)", (today - date).num_days()),
    }
}

/// The line of a session not recorded yet.
pub fn record_value(date: NaiveDate, from: DateFrom) -> String {
    match from {
        DateFrom::Planned => format!("Enter: date (the planned {date}), then confirm"),
        _ => format!("Enter: date (today {date}), then confirm"),
    }
}
pub const RECORD_HINT: &str = "date performed, YYYY-MM-DD; Enter asks to confirm";
pub const RECORD_LABEL: &str = "Record as performed";
pub const RECORD_TOUCH_UP_LABEL: &str = "Record a touch-up";
pub fn record_touch_up_value(today: NaiveDate) -> String {
    format!("Enter: date (today {today}), then confirm; reason and zones after")
}

pub fn confirm_record(n: u8, date: NaiveDate, from: DateFrom, today: NaiveDate) -> Vec<String> {
    vec![
        format!("Record session {n} as performed on {}?", date_said(date, from, today)),
        "Zones, needle, density, depth and shade are prefilled from the plan: check them on the next lines. X un-records the session (asks first); u undoes it.".into(),
    ]
}
pub fn confirm_touch_up(k: usize, date: NaiveDate, today: NaiveDate) -> Vec<String> {
    vec![
        format!(
            "Record touch-up {k} as performed on {}?",
            date_said(date, DateFrom::Typed, today)
        ),
        "Every planned zone is prefilled from the last session of the plan: untick the zones not touched up, and choose the reason. X removes the touch-up (asks first); u undoes it.".into(),
    ]
}
pub fn recorded(n: u8, date: NaiveDate) -> String {
    format!("session {n} recorded as performed on {date}; check the details below")
}
pub fn touch_up_recorded(k: usize, date: NaiveDate) -> String {
    format!("touch-up {k} recorded on {date}; choose its reason and check the zones below")
}

pub fn confirm_unrecord(n: u8, date: NaiveDate) -> Vec<String> {
    vec![
        format!("Un-record session {n} (performed {date})?"),
        "Everything recorded for it (zones, lot, photographs, notes) leaves the record; the audit log keeps it as the removal of the session, and u puts it back.".into(),
    ]
}
pub fn unrecorded(n: u8, date: NaiveDate) -> String {
    format!("session {n} ({date}) un-recorded")
}
pub fn only_last_unrecords(last: u8) -> String {
    format!("only the last recorded session (session {last}) can be un-recorded; show it with →")
}
pub fn confirm_remove_touch_up(k: usize, date: NaiveDate) -> Vec<String> {
    vec![
        format!("Remove touch-up {k} (performed {date}) from the record?"),
        "The audit log keeps it as the removal of the touch-up, and u puts it back.".into(),
    ]
}
pub fn touch_up_removed(k: usize, date: NaiveDate) -> String {
    format!("touch-up {k} ({date}) removed")
}

pub fn touch_up_heading(k: usize, recorded: bool) -> String {
    match recorded {
        true => format!("Touch-up {k} — recorded"),
        false => format!("Touch-up {k} — not recorded"),
    }
}
pub fn touch_up_row(k: usize, date: NaiveDate, reason: Option<&str>) -> String {
    match reason {
        Some(r) => format!("done {date} · {r}"),
        None => format!("T{k} done {date} · reason not recorded"),
    }
}
pub const TOUCH_UP_NEW_ROW: &str = "after the course: record one";
pub const REASON: &str = "Reason";
pub const TOUCHED: &str = "  Touched up";
pub fn touched(yes: bool) -> &'static str {
    match yes {
        true => "[x] yes",
        false => "[ ] no",
    }
}
pub fn touch_up_reason(k: usize, reason: &str) -> String {
    format!("touch-up {k} reason {reason}")
}
pub fn touch_up_zone(k: usize, zone: &str, yes: bool) -> String {
    match yes {
        true => format!("touch-up {k}: {zone} touched up"),
        false => format!("touch-up {k}: {zone} not touched up"),
    }
}
pub const NO_TOUCH_UP_ZONES: &str = "  no zones: tick the zones touched up";
