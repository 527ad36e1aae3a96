//! Every word the terminal UI shows, in one place and by screen, ready for a translation (a
//! Chinese interface comes later). Fixed texts are constants; texts with values in them are
//! small functions, so a translation can reorder the words. Widths are always measured with
//! unicode-width by the code that lays them out, never assumed from these texts.

pub mod agenda;
pub mod cmd;
pub mod followup;
pub mod intake;
pub mod list;
pub mod new_patient;
pub mod plan;
pub mod sessions;
pub mod stats;

use crate::domain::Triage;

pub const APP: &str = "smplan";
pub const DASH: &str = "—";
pub const NOT_RECORDED: &str = "— not recorded";

pub const WHERE_PATIENTS: &str = "Patients";
pub const WHERE_STATISTICS: &str = "Statistics";
pub const WHERE_AGENDA: &str = "Agenda";
pub fn where_patient(record_id: &str) -> String {
    format!("Patients › {record_id}")
}
pub fn today_is(today: impl std::fmt::Display) -> String {
    format!("today {today}")
}

pub const TOO_SMALL_TITLE: &str = "Window too small";
pub fn too_small(min_w: u16, min_h: u16, w: u16, h: u16) -> String {
    format!("smplan needs at least {min_w}×{min_h}; this one is {w}×{h}.")
}
pub const TOO_SMALL_HINT: &str = "Enlarge the window, or press q to quit.";

pub fn read_only_banner(reason: &str) -> String {
    format!("READ-ONLY: {reason}. Changes are refused.")
}
/// The reason the registry is read-only when the clinic protocol was refused.
pub fn protocol_refused(why: &str) -> String {
    format!(
        "the clinic protocol was refused ({why}); fix it, or move it away to use the built-in one, and restart"
    )
}
pub fn read_only_status(reason: &str) -> String {
    format!("read-only: {reason}")
}
pub fn read_only_refusal(reason: &str) -> String {
    format!("not possible: the registry is read-only ({reason})")
}
pub fn writer_now(reason_was: &str) -> String {
    format!(
        "the registry is writable now: the other smplan has closed it ({reason_was}); edits are saved again"
    )
}
pub fn quarantined(n: usize, list: &str) -> String {
    format!("{n} damaged file(s) moved aside, not shown: {list}")
}
pub fn patients_in_registry(n: usize) -> String {
    format!("{n} patients in the registry")
}

pub fn saved(what: &str) -> String {
    format!("saved: {what}")
}
/// A refusal on the status line, naming the field by its label on screen.
pub fn not_saved(label: &str, why: &str) -> String {
    if label.is_empty() {
        format!("not saved: {why}")
    } else {
        format!("not saved — {label}: {why}")
    }
}
pub fn not_saved_store(why: &str) -> String {
    format!("not saved: {why}")
}
pub fn cannot_open(record_id: &str, why: &str) -> String {
    format!("cannot open {record_id}: {why}")
}
pub fn opened(record_id: &str) -> String {
    format!("opened {record_id}")
}
pub fn saved_new_patient(record_id: &str) -> String {
    format!("saved new patient {record_id}")
}
pub const NO_PATIENT_CREATED: &str = "no patient created";
pub fn undone(what: &str) -> String {
    format!("undone: {what} (written to the registry and its audit log as a change)")
}
pub const NOTHING_TO_UNDO: &str = "nothing to undo for this patient since it was opened";
pub fn undo_what(what: &str) -> String {
    format!("undo of \"{what}\"")
}
pub const CANCELLED: &str = "nothing changed";
/// A plausibility warning beside its field (saved as entered; the whole text is below it).
pub const IMPLAUSIBLE: &str = "⚠ check (see below)";
pub fn implausible_note(message: &str) -> String {
    format!("⚠ {message}")
}
pub const PASTE_WHERE: &str =
    "paste goes into a field being edited: press Enter on the field first";
pub const HELP_FOOTER: &str =
    "Each accepted field is saved at once; the status line says what happened.";
pub fn help_title(screen: &str) -> String {
    format!("Help — {screen} — ? or Esc closes")
}
/// The help's title when it scrolls: which of its lines are shown.
pub fn help_title_scrolled(screen: &str, first: usize, last: usize, of: usize) -> String {
    format!("Help — {screen} — lines {first}–{last} of {of}, ↑↓ scroll, ? or Esc closes")
}
pub const HELP_DISABLED: &str = "not now";
pub const CONFIRM_TITLE: &str = "Confirm";
pub const CONFIRM_KEYS: &str = "y or Enter: yes, do it · n or Esc: no, keep everything as it is";

pub const TAB_INTAKE: &str = "Intake";
pub const TAB_PLAN: &str = "Plan";
pub const TAB_SESSIONS: &str = "Sessions";
pub const TAB_FOLLOW_UP: &str = "Follow-up";

pub const SCREEN_LIST: &str = "Patient list";
pub const SCREEN_SEARCH: &str = "Searching";
pub const SCREEN_NEW_PATIENT: &str = "New patient";
pub const SCREEN_EDIT: &str = "Editing a value";
pub const SCREEN_CHOOSE: &str = "Choosing from a list";
pub const SCREEN_CONFIRM: &str = "Confirm";
pub const SCREEN_TOO_SMALL: &str = "Window too small";

/// The triage in words, as every screen shows it.
pub fn triage(t: Triage) -> &'static str {
    match t {
        Triage::Clear => "clear",
        Triage::ClearanceNeeded => "clearance needed",
        Triage::Defer => "defer",
        Triage::NotScreened => "not screened",
        Triage::ScreenIncomplete => "screen incomplete",
    }
}
/// The triage in a few letters for the list's column (still words, never a colour alone).
pub fn triage_short(t: Triage, cleared: bool) -> &'static str {
    match (t, cleared) {
        (Triage::ClearanceNeeded, true) => "cleared",
        (Triage::ClearanceNeeded, false) => "clearance",
        (Triage::Clear, _) => "clear",
        (Triage::Defer, _) => "defer",
        (Triage::NotScreened, _) => "unscreened",
        (Triage::ScreenIncomplete, _) => "incomplete",
    }
}
/// The triage with what it rests on: `screen incomplete: 3 items not asked`.
pub fn triage_headline(t: Triage, not_asked: usize) -> String {
    match t {
        Triage::ScreenIncomplete => format!(
            "screen incomplete: {not_asked} {} not asked",
            if not_asked == 1 { "item" } else { "items" }
        ),
        t => triage(t).to_string(),
    }
}
/// The badge, in capitals, always in words.
pub fn triage_badge(t: Triage, not_asked: usize) -> String {
    format!(" {} ", triage_headline(t, not_asked).to_uppercase())
}
pub fn cleared_by(by: &str) -> String {
    format!(" CLEARED by {by} ")
}
pub const TRIAGE: &str = "triage ";
