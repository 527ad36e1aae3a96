//! The intake tab's words.

pub const SECTION_PATIENT: &str = "Patient";
pub const SECTION_ALOPECIA: &str = "Alopecia";
pub const SECTION_ZONES: &str = "Zones affected";
pub const SECTION_SCREEN: &str = "Health screen";
pub const SECTION_CLEARANCE: &str = "Clearance";
pub const SECTION_CONSENT: &str = "Consent";
pub const SECTION_NOTES: &str = "Notes";
pub const DECISION_SUPPORT: &str = "  (decision support, not a guideline)";
pub fn needed_for(reasons: &str) -> String {
    format!("  needed for: {reasons}")
}

pub const NAME: &str = "Name";
pub const SEX: &str = "Sex";
pub const BIRTH_DATE: &str = "Date of birth";
pub const FITZPATRICK: &str = "Fitzpatrick type";
pub const HAIR_COLOUR: &str = "Natural hair colour";
pub const GREY: &str = "Grey hair %";
pub const SUBTYPE: &str = "Subtype";
pub const STAGE: &str = "Stage";
pub const SCAR_CAUSE: &str = "Scar cause";
pub const ACTIVITY: &str = "Activity";
pub const MONTHS_STABLE: &str = "Months stable";
pub const TEXTURE: &str = "Scar texture";
pub const EXPECTATIONS: &str = "Expectations";
pub const SCREEN_DATE: &str = "Screened on";
pub const CLEARANCE_BY: &str = "Cleared by (physician)";
pub const CLEARANCE_DATE: &str = "Clearance date";
pub const CLEARANCE_NOTE: &str = "Clearance note";
pub const CONSENT_TREATMENT: &str = "Consent: treatment";
pub const CONSENT_PHOTOS: &str = "Consent: photographs";
pub const CONSENT_DATA: &str = "Consent: data use";
pub const CONSENT_DATE: &str = "Consent date";
pub const NOTES: &str = "Notes";

pub const HINT_DATE: &str = "YYYY-MM-DD";
pub const HINT_GREY: &str = "0 to 100";
pub const HINT_MONTHS: &str = "whole months";
pub const HINT_ZONE: &str = "cm², empty = protocol default";

pub const YES: &str = "[x] yes";
pub const NO: &str = "[ ] no";
pub const NOT_ASKED: &str = "[ ] not asked";
pub const ZONE_OFF: &str = "[ ]";
pub fn zone_area(area: &str) -> String {
    format!("[x] {area} cm²")
}
pub fn zone_default(area: &str) -> String {
    format!("[x] {area} cm² (protocol default)")
}
pub fn age(date: &str, age: u32) -> String {
    format!("{date}  (age {age})")
}
pub fn grey(g: u8) -> String {
    format!("{g} %")
}
pub const TAG_DEFER: &str = "defer";
pub const TAG_CLEARANCE: &str = "clearance";
pub fn unknown_zone(zone: &str) -> String {
    format!("zone '{zone}' is not in the protocol (kept as recorded)")
}
pub fn unknown_answer(id: &str, yes: bool) -> String {
    format!(
        "answer '{id}' = {} is not a question of the protocol",
        if yes { "yes" } else { "no" }
    )
}
pub const OTHER_TYPED: &str = "other — type it…";
pub fn as_typed(c: &str) -> String {
    format!("{c} (as typed)")
}
pub const ACTIVE: &str = "active";
pub const QUIESCENT: &str = "quiescent";
pub const FLAT: &str = "flat";
pub const RAISED: &str = "raised";
pub const ATROPHIC: &str = "atrophic";

// What the status line says after a save.
pub fn cleared(label: &str) -> String {
    format!("{label} cleared")
}
pub fn set(label: &str, value: &str) -> String {
    format!("{label} {value}")
}
pub const CLEARED_VALUE: &str = "(cleared)";
pub fn subtype_set(s: &str) -> String {
    format!("subtype {s}")
}
pub fn subtype_dropped(s: &str, dropped: &str) -> String {
    format!("subtype {s} ({dropped} cleared: they belong to the other subtype)")
}
pub const DROPPED_STAGE: &str = "the stage / cause";
pub const DROPPED_SCAR: &str = "the scar details";
pub const AND: &str = " and ";
pub const SUBTYPE_REQUIRED: &str = "the subtype is required; choose the other one instead";
pub fn not_whole_percent(t: &str) -> String {
    format!("'{t}' is not a whole percent; allowed: 0 to 100 (share of grey hair)")
}
pub fn not_months(t: &str) -> String {
    format!("'{t}' is not a whole number of months (0 or more)")
}
pub fn not_area(t: &str) -> String {
    format!(
        "'{t}' is not an area; allowed: a number of cm² above 0 and up to 1000, or empty for the protocol default"
    )
}
pub fn zone_at_default(zone: &str) -> String {
    format!("{zone} at the protocol's default area")
}
pub fn zone_set(zone: &str, area: &str) -> String {
    format!("{zone} {area} cm²")
}
pub const NO_SUCH_ZONE: &str = "no such zone in the protocol";
pub fn in_future(d: &str, today: &str) -> String {
    format!("{d} is in the future (today is {today})")
}
pub const CLEARANCE_REMOVED: &str = "clearance removed";
pub fn cleared_by(by: &str) -> String {
    format!("cleared by {by}")
}
pub fn cleared_by_today(by: &str, today: &str) -> String {
    format!("cleared by {by}, dated today ({today}); change the date if it was given earlier")
}
pub const CLEARANCE_FIRST: &str = "enter who gave the clearance first (Cleared by)";
pub const CLEARANCE_NEEDS_DATE: &str =
    "a clearance needs its date; clear 'Cleared by' to remove the clearance";
pub fn other_subtype(c: &str) -> String {
    format!("'{c}' belongs to the other subtype; change the subtype first")
}
pub fn answered(label: &str, yes: Option<bool>, triage: &str) -> String {
    let a = match yes {
        Some(true) => "yes",
        Some(false) => "no",
        None => "not asked",
    };
    format!("{label}: {a} (triage: {triage})")
}
pub fn remaining_no(n: usize, triage: &str) -> String {
    format!("{n} health-screen item(s) answered no (triage: {triage}); u undoes")
}
pub fn zone_removed(zone: &str) -> String {
    format!("{zone} removed from the zones affected")
}
pub fn zone_added(zone: &str) -> String {
    format!("{zone} added to the zones affected")
}
pub fn consent(what: &str, state: &str) -> String {
    format!("consent to {what} {state}")
}
pub const CONSENT_TREATMENT_WHAT: &str = "treatment";
pub const CONSENT_PHOTOS_WHAT: &str = "photographs";
pub const CONSENT_DATA_WHAT: &str = "data use";

/// Asked first when the patient is treated (a session or touch-up is recorded).
pub fn confirm_subtype(from: &str, to: &str, sessions: usize, what: &str) -> Vec<String> {
    vec![
        format!("Change the subtype of a treated patient from {from} to {to}?"),
        format!(
            "{sessions} session(s) are recorded under {from}; the statistics and the protocol's depth and density ranges follow the subtype. Saved as: {what}. u undoes it."
        ),
    ]
}
pub fn confirm_zone_removal(zone: &str, sessions: usize) -> Vec<String> {
    vec![
        format!("Remove {zone} from the zones of a treated patient?"),
        format!(
            "{sessions} session(s) are recorded; the sessions keep what was done there, the plan and the statistics of area no longer count it. u undoes it."
        ),
    ]
}
