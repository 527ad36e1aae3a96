//! The plan tab's words.

pub const NEEDLE: &str = "needle";
pub const DEPTH: &str = "depth (mm)";
pub const AREA: &str = "area (cm²)";
pub const DENSITY: &str = "target density (FU/cm²)";
pub fn fraction(n: usize) -> String {
    format!("session {n} fraction (%)")
}
pub fn shade(n: usize) -> String {
    format!("session {n} shade")
}
/// A cell named as on screen: `Frontal, target density (FU/cm²)`.
pub fn cell(zone: &str, column: &str) -> String {
    format!("{zone}, {column}")
}
pub const START: &str = "Start date";
pub fn session_date(n: usize) -> String {
    format!("Session {n} date")
}
pub const COL_ZONE: &str = "zone";
pub const COL_NEEDLE: &str = "needle";
pub const COL_DEPTH: &str = "depth mm";
pub const COL_AREA: &str = "cm²";
pub const COL_DENSITY: &str = "FU/cm²";
pub const COL_FRACTION: &str = "%";
pub const COL_IMPRESSIONS: &str = "imp";
pub const COL_SHADE: &str = "sh";
pub fn session_group(n: usize) -> String {
    format!("session {n}")
}
pub const TOTAL: &str = "total";
pub const DATES: &str = "dates  ";
pub const START_SHORT: &str = "start ";
pub fn session_short(n: usize) -> String {
    format!("S{n} ")
}
pub fn map_title(n: usize, of: usize) -> String {
    format!(" Scalp map · session {n} of {of} ")
}
pub fn dots_title(zone: &str) -> String {
    format!(" Dot preview · {zone} ")
}
pub const NO_PLAN: &str = "No plan yet.";
pub const NO_PLAN_HINT_1: &str =
    "Press g to generate it from the protocol for the zones ticked at intake,";
pub const NO_PLAN_HINT_2: &str = "or a to add a zone by hand.";
pub const ADD_WHICH: &str = "Add which zone?";
pub const ADD_WHICH_HINT: &str = "Add which zone? (type its name, Enter adds, Esc cancels)";
pub const OVERRIDE_LEGEND: &str = "* set by hand (r puts back the protocol's value)";
pub fn unplanned(zones: &str) -> String {
    format!("• affected at intake but not planned: {zones} (a adds one, R regenerates)")
}
pub fn impressions(list: &str) -> String {
    format!("impressions {list}")
}
pub const ALL_PLANNED: &str = "every zone of the protocol is already planned";
pub fn zone_added(zone: &str) -> String {
    format!("zone {zone} added to the plan from the protocol")
}
pub fn zone_removed(zone: &str) -> String {
    format!("zone {zone} removed from the plan")
}
pub fn remove_zone_question(zone: &str) -> String {
    format!("Remove zone {zone} from the plan? Its planned needle, depth, density and shades go.")
}
pub const REMOVE_ZONE_UNDO: &str = "(u on the plan undoes it afterwards)";
pub fn already_protocol(cell: &str) -> String {
    format!("{cell} already is the protocol's value")
}
pub fn reverted(cell: &str, value: &str, imp: &str) -> String {
    format!("{cell} back to the protocol's {value} ({imp})")
}
pub const START_CLEARED: &str = "start date cleared";
pub fn session_date_cleared(n: usize) -> String {
    format!("session {n} date cleared")
}
pub fn cell_set(cell: &str, value: &str, imp: &str) -> String {
    format!("{cell} {value} ({imp})")
}
pub fn start_set(d: &str, n: usize, every: u32) -> String {
    format!("start {d}; {n} sessions every {every} days")
}
pub const CLEARED: &str = "cleared";
pub fn session_date_set(n: usize, d: &str, warning: Option<&str>) -> String {
    match warning {
        Some(w) => format!("session {n} date {d} — warning: {w}"),
        None => format!("session {n} date {d}"),
    }
}
pub const NO_ZONE_TO_PLAN: &str =
    "no zone to plan: tick the affected zones in the intake first, or add one with a";
pub fn generated(n: usize) -> String {
    format!("plan generated from the protocol ({n} zones)")
}
pub const ALREADY_PROTOCOL_PLAN: &str = "the plan already is what the protocol gives";
pub const REGENERATED: &str = "plan regenerated from the protocol; overrides kept";

/// The protocol's message about cumulative fractions (0 to 1) in the percent the table shows
/// and the practitioner types: `0.8 does not rise above … 0.9` → `80 % does not rise above …
/// 90 %`.
pub fn fraction_message(msg: &str) -> String {
    let msg = msg
        .replace("outside 0..1", "outside 0 to 100 %")
        .replace("not 1 (100% of the target)", "not 100 % (the whole target)");
    // The fractions stand first, after "session's" and after "reaches".
    let words: Vec<&str> = msg.split(' ').collect();
    words
        .iter()
        .enumerate()
        .map(|(i, w)| {
            let fraction_here = i == 0
                || matches!(
                    words.get(i.wrapping_sub(1)),
                    Some(&"session's" | &"reaches")
                );
            let (core, tail) = match w.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
                Some(j) => w.split_at(j),
                None => (*w, ""),
            };
            match core.parse::<f64>() {
                Ok(v) if fraction_here => {
                    let pct = (v * 1000.0).round() / 10.0;
                    format!("{pct} %{tail}")
                }
                _ => w.to_string(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fraction_messages_speak_percent() {
        assert_eq!(
            fraction_message("0.8 does not rise above the previous session's 0.9"),
            "80 % does not rise above the previous session's 90 %"
        );
        assert_eq!(
            fraction_message("1.8 is outside 0..1 (must be above 0)"),
            "180 % is outside 0 to 100 % (must be above 0)"
        );
    }
}
