//! Plausibility warnings: values that are allowed but unlikely, saved as entered, shown beside
//! their field and counted by `smplan check`. Refusals (a date in the future, sessions out of
//! order...) stay in `domain::validate`; these only ask the practitioner to look again.

use super::Protocol;
use super::plan::depth_range;
use super::schedule::patient_spacing_warnings;
use crate::domain::Patient;

/// Age below which a patient at session 1 is flagged.
pub const ADULT_AGE: u32 = 18;

/// One warning: the field it belongs to (the form's and the audit log's name for it) and
/// what looks wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plausibility {
    /// `sessions[2].zones[vertex].depth_mm`, `adverse_events[0].onset`, `clearance.date`,
    /// `birth_date`, `session2_date`.
    pub field: String,
    pub message: String,
}

fn warn(field: impl Into<String>, message: impl Into<String>) -> Plausibility {
    Plausibility {
        field: field.into(),
        message: message.into(),
    }
}

/// Every plausibility warning of a whole record (a summary has no session detail and no
/// birth date: pass whole records).
pub fn warnings(p: &Patient, protocol: &Protocol) -> Vec<Plausibility> {
    let mut out = Vec::new();
    // Depth outside the protocol's range for the zone.
    for s in &p.sessions {
        for z in &s.zones {
            let Some(depth) = z.depth_mm else { continue };
            let [lo, hi] = depth_range(p, protocol, &z.zone);
            if depth < lo || depth > hi {
                out.push(warn(
                    format!("sessions[{}].zones[{}].depth_mm", s.number, z.zone),
                    format!(
                        "session {}: depth {depth} mm in {} is outside the protocol's {lo}–{hi} mm",
                        s.number,
                        protocol
                            .zone(&z.zone)
                            .map_or(z.zone.as_str(), |d| d.name.as_str())
                    ),
                ));
            }
        }
    }
    // An adverse event whose onset is before the session it is attached to.
    for (i, a) in p.adverse_events.iter().enumerate() {
        if let (Some(onset), Some(n)) = (a.onset, a.session)
            && let Some(day) = p.session_date(n)
            && onset < day
        {
            out.push(warn(
                format!("adverse_events[{i}].onset"),
                format!(
                    "adverse event {} ({}): onset {onset} is before session {n} ({day}) it follows",
                    i + 1,
                    a.kind.label()
                ),
            ));
        }
    }
    // A clearance dated before the screen that asked for it.
    if let (Some(c), Some(sd)) = (&p.clearance, p.screen.date)
        && c.date < sd
    {
        out.push(warn(
            "clearance.date",
            format!(
                "the clearance ({}) is dated before the health screen ({sd})",
                c.date
            ),
        ));
    }
    // A patient under 18 at session 1.
    if let Some(s1) = p.session_date(1)
        && let Some(age) = p.age_on(s1)
        && age < ADULT_AGE
    {
        out.push(warn(
            "birth_date",
            format!("the patient was {age} at session 1 ({s1}), under {ADULT_AGE}"),
        ));
    }
    // Sessions closer than the protocol interval (the schedule's own rule).
    let last = p.sessions.iter().map(|s| s.number).max().unwrap_or(0);
    let spacing = patient_spacing_warnings(p, protocol);
    for w in spacing {
        // "session N is ..." names the later session.
        let n = w
            .strip_prefix("session ")
            .and_then(|r| r.split(' ').next())
            .and_then(|n| n.parse::<u8>().ok())
            .unwrap_or(last);
        out.push(warn(format!("session{n}_date"), w));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AdverseEvent, AdverseKind, Clearance, Session, Subtype, ZoneWork};
    use chrono::NaiveDate;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn fields(p: &Patient) -> Vec<String> {
        warnings(p, &Protocol::builtin())
            .into_iter()
            .map(|w| w.field)
            .collect()
    }

    #[test]
    fn a_plain_course_has_none() {
        let mut p = Patient::new("P", Subtype::Androgenetic);
        p.birth_date = Some(d("1980-01-01"));
        for (n, day) in [(1, "2026-01-05"), (2, "2026-01-12"), (3, "2026-01-19")] {
            p.sessions.push(Session::new(n, d(day)));
        }
        assert!(fields(&p).is_empty());
    }

    #[test]
    fn depth_outside_the_zone_range() {
        let mut p = Patient::new("P", Subtype::Androgenetic);
        let mut s = Session::new(1, d("2026-01-05"));
        let work = |zone: &str, depth| ZoneWork {
            zone: zone.into(),
            needle: None,
            density_reached: None,
            depth_mm: Some(depth),
            bleeding: None,
        };
        // Vertex 0.5–0.8 mm by default: 0.8 is inside, 0.9 is not.
        s.zones = vec![work("vertex", 0.8), work("hairline", 0.9)];
        p.sessions.push(s);
        let w = warnings(&p, &Protocol::builtin());
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].field, "sessions[1].zones[hairline].depth_mm");
        assert_eq!(
            w[0].message,
            "session 1: depth 0.9 mm in frontal hairline is outside the protocol's 0.4–0.6 mm"
        );
        // For a scarring patient every zone is scar tissue (0.3–0.5 mm).
        p.alopecia.subtype = Subtype::Scarring;
        assert_eq!(fields(&p).len(), 2);
    }

    #[test]
    fn onset_before_the_session_clearance_before_the_screen_a_minor_and_spacing() {
        let mut p = Patient::new("P", Subtype::Androgenetic);
        p.birth_date = Some(d("2008-06-01"));
        p.sessions.push(Session::new(1, d("2026-01-05")));
        p.sessions.push(Session::new(2, d("2026-01-08")));
        let mut ev = AdverseEvent::new(AdverseKind::Infection);
        ev.session = Some(2);
        ev.onset = Some(d("2026-01-07"));
        p.adverse_events.push(ev);
        p.screen.date = Some(d("2026-01-02"));
        p.clearance = Some(Clearance {
            by: "Dr Li".into(),
            date: d("2026-01-01"),
            note: None,
        });
        let w = warnings(&p, &Protocol::builtin());
        let got: Vec<(&str, &str)> = w
            .iter()
            .map(|w| (w.field.as_str(), w.message.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "adverse_events[0].onset",
                    "adverse event 1 (infection): onset 2026-01-07 is before session 2 (2026-01-08) it follows"
                ),
                (
                    "clearance.date",
                    "the clearance (2026-01-01) is dated before the health screen (2026-01-02)"
                ),
                (
                    "birth_date",
                    "the patient was 17 at session 1 (2026-01-05), under 18"
                ),
                (
                    "session2_date",
                    "session 2 is 3 days after session 1, closer than the protocol's 7-day interval"
                ),
            ]
        );
        // Eighteen on the day: no warning.
        p.birth_date = Some(d("2008-01-05"));
        assert!(!fields(&p).contains(&"birth_date".to_string()));
    }
}
