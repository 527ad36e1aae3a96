//! Validation of a whole patient record. Field-level parsing (a VDS typed as text, a date...)
//! lives beside each type (`FromStr`); this module checks what only the whole record can tell:
//! dates in order, known zones, subtype and classification agreeing.

use super::{Classification, Patient, Subtype, Timepoint, limits};
use chrono::NaiveDate;
use std::fmt;

/// One problem with a record: the field at fault and what is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    /// Field name as the CSV contract and the intake form name it (`vds_6m`, `session2_date`...).
    pub field: String,
    pub message: String,
}

impl Invalid {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Invalid {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// What validation needs from outside the record.
#[derive(Debug, Clone)]
pub struct ValidationContext<'a> {
    pub today: NaiveDate,
    /// Zone ids the protocol knows.
    pub known_zones: &'a [String],
}

/// Parses a `YYYY-MM-DD` date with a message naming what is allowed.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    let t = s.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
        if t.len() == 10 && t.as_bytes()[4] == b'-' && t.as_bytes()[7] == b'-' {
            format!("{t} is not a real date (no such day); use YYYY-MM-DD")
        } else {
            format!("'{t}' is not a date; use YYYY-MM-DD")
        }
    })
}

/// Checks a record id: non-empty, no path separators or control characters, at most 64
/// characters and 236 bytes of UTF-8 (it names the patient's file, and every name the store
/// derives from it must fit in the 255 bytes of a file name).
pub fn check_record_id(id: &str) -> Result<(), String> {
    if id.trim().is_empty() {
        return Err("record_id is empty; every patient needs a study id".into());
    }
    if id != id.trim() {
        return Err(format!("'{id}' has leading or trailing spaces"));
    }
    if id.chars().count() > limits::RECORD_ID_MAX_CHARS {
        return Err(format!(
            "record_id is longer than {} characters",
            limits::RECORD_ID_MAX_CHARS
        ));
    }
    if id.len() > limits::RECORD_ID_MAX_BYTES {
        return Err(format!(
            "record_id is {} bytes in UTF-8, more than the {} a record id may have (it names \
             the patient's file, and a file name holds at most {} bytes)",
            id.len(),
            limits::RECORD_ID_MAX_BYTES,
            limits::FILE_NAME_MAX_BYTES
        ));
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '-' | '_' | '.')))
    {
        return Err(format!(
            "'{id}' contains '{c}'; a record id may hold letters, digits, '-', '_' and '.'"
        ));
    }
    if id.starts_with('.') {
        return Err(format!("'{id}' may not start with '.'"));
    }
    Ok(())
}

impl Patient {
    /// Every rule the whole record must satisfy. An empty list means valid.
    pub fn validate(&self, ctx: &ValidationContext) -> Vec<Invalid> {
        let mut out = Vec::new();
        let today = ctx.today;
        if let Err(m) = check_record_id(&self.record_id) {
            out.push(Invalid::new("record_id", m));
        }
        if let Some(b) = self.birth_date {
            if b > today {
                out.push(Invalid::new(
                    "birth_date",
                    format!("{b} is in the future (today is {today})"),
                ));
            } else if today.years_since(b).unwrap_or(0) > limits::MAX_AGE_YEARS {
                out.push(Invalid::new(
                    "birth_date",
                    format!(
                        "{b} would make the patient over {} years old",
                        limits::MAX_AGE_YEARS
                    ),
                ));
            }
        }
        if let Some(g) = self.grey_percent
            && !limits::GREY_PERCENT.contains(&g)
        {
            out.push(Invalid::new(
                "grey_percent",
                format!("{g} is outside 0..100 (percent of grey hair)"),
            ));
        }
        match (&self.alopecia.classification, self.alopecia.subtype) {
            (Some(c @ Classification::Aga(_)), Subtype::Scarring)
            | (Some(c @ Classification::Scar(_)), Subtype::Androgenetic) => {
                out.push(Invalid::new(
                    "classification",
                    format!(
                        "'{c}' does not fit subtype {}; androgenetic takes Norwood, Ludwig or Sinclair stages, scarring takes a scar cause",
                        self.alopecia.subtype
                    ),
                ));
            }
            (Some(Classification::Aga(super::AgaStage::Ludwig(g))), _) if !(1..=3).contains(g) => {
                out.push(Invalid::new(
                    "classification",
                    format!("Ludwig grade {g} does not exist; allowed: I to III"),
                ));
            }
            (Some(Classification::Aga(super::AgaStage::Sinclair(g))), _)
                if !(1..=5).contains(g) =>
            {
                out.push(Invalid::new(
                    "classification",
                    format!("Sinclair grade {g} does not exist; allowed: 1 to 5"),
                ));
            }
            _ => {}
        }
        if self.alopecia.scar.is_some() && self.alopecia.subtype != Subtype::Scarring {
            out.push(Invalid::new(
                "scar",
                "scar details are recorded for scarring alopecia only",
            ));
        }
        for (i, z) in self.zones.iter().enumerate() {
            if !ctx.known_zones.iter().any(|k| k == &z.zone) {
                out.push(Invalid::new(
                    "zones",
                    format!(
                        "'{}' is not a zone of the protocol; allowed: {}",
                        z.zone,
                        ctx.known_zones.join(", ")
                    ),
                ));
            }
            if self.zones[..i].iter().any(|o| o.zone == z.zone) {
                out.push(Invalid::new(
                    "zones",
                    format!("'{}' is listed twice", z.zone),
                ));
            }
            if let Some(a) = z.area_cm2
                && (!a.is_finite() || a <= 0.0 || !limits::AREA_CM2.contains(&a))
            {
                out.push(Invalid::new(
                    "zones",
                    format!("area {a} cm² of '{}' is outside 0..1000 cm²", z.zone),
                ));
            }
        }
        for (part, field) in [
            (&self.consent.treatment, "consent.treatment"),
            (&self.consent.photographs, "consent.photographs"),
            (&self.consent.data_use, "consent.data_use"),
        ] {
            if let Some(d) = part.date
                && d > today
            {
                out.push(Invalid::new(
                    field,
                    format!("{d} is in the future (today is {today})"),
                ));
            }
        }
        if let Some(c) = &self.clearance {
            if c.by.trim().is_empty() {
                out.push(Invalid::new("clearance", "name who gave the clearance"));
            }
            if c.date > today {
                out.push(Invalid::new(
                    "clearance",
                    format!("{} is in the future (today is {today})", c.date),
                ));
            }
        }
        // Sessions: numbered 1.., each once, dates in order, none in the future.
        let mut prev: Option<(u8, NaiveDate)> = None;
        let mut sessions: Vec<_> = self.sessions.iter().collect();
        sessions.sort_by_key(|s| s.number);
        for s in &sessions {
            let field = format!("session{}_date", s.number);
            if s.number == 0 {
                out.push(Invalid::new("sessions", "session numbers start at 1"));
            }
            if s.date > today {
                out.push(Invalid::new(
                    &field,
                    format!(
                        "{} is in the future (today is {today}); record a session once it is done",
                        s.date
                    ),
                ));
            }
            if let Some(b) = self.birth_date
                && s.date < b
            {
                out.push(Invalid::new(
                    &field,
                    format!("{} is before the birth date {b}", s.date),
                ));
            }
            if let Some((pn, pd)) = prev {
                if pn == s.number {
                    out.push(Invalid::new(
                        &field,
                        format!("session {} is recorded twice", s.number),
                    ));
                } else if s.date < pd {
                    out.push(Invalid::new(
                        &field,
                        format!(
                            "{} is before session {pn} ({pd}); sessions must be in order",
                            s.date
                        ),
                    ));
                }
            }
            prev = Some((s.number, s.date));
            for z in &s.zones {
                if !ctx.known_zones.iter().any(|k| k == &z.zone) {
                    out.push(Invalid::new(
                        &field,
                        format!("session {} names unknown zone '{}'", s.number, z.zone),
                    ));
                }
            }
        }
        // Numbering without gaps (duplicates are reported above).
        let mut expected = 1u8;
        for s in &sessions {
            if s.number + 1 == expected {
                continue;
            }
            if s.number != expected {
                out.push(Invalid::new(
                    format!("session{}_date", s.number),
                    format!(
                        "session {} is recorded but session {expected} is missing",
                        s.number
                    ),
                ));
                break;
            }
            expected += 1;
        }
        // Touch-ups: after the course's last session, not in the future, zones known.
        let last = self.last_session_date();
        for t in &self.touch_ups {
            let d = t.date();
            let field = "touch_up_dates";
            match last {
                None => out.push(Invalid::new(
                    field,
                    format!("touch-up on {d}: a touch-up comes after the course, and no session is recorded"),
                )),
                Some(l) if d <= l => out.push(Invalid::new(
                    field,
                    format!("touch-up on {d} is not after the course's last session ({l})"),
                )),
                _ => {}
            }
            if d > today {
                out.push(Invalid::new(
                    field,
                    format!("touch-up on {d} is in the future (today is {today})"),
                ));
            }
            for z in &t.session.zones {
                if !ctx.known_zones.iter().any(|k| k == &z.zone) {
                    out.push(Invalid::new(
                        field,
                        format!("touch-up on {d} names unknown zone '{}'", z.zone),
                    ));
                }
            }
        }
        // Follow-ups: each timepoint once, dates not in the future, not before the last
        // session, later timepoints not before earlier ones.
        let mut fus: Vec<_> = self.follow_ups.iter().collect();
        fus.sort_by_key(|f| f.timepoint);
        let mut prev_fu: Option<(Timepoint, NaiveDate)> = None;
        for (i, f) in fus.iter().enumerate() {
            let field = match f.timepoint {
                Timepoint::Post => "post_date".to_string(),
                Timepoint::Months(m) => format!("m{m}_date"),
            };
            if i > 0 && fus[i - 1].timepoint == f.timepoint {
                out.push(Invalid::new(
                    &field,
                    format!("follow-up {} is recorded twice", f.timepoint.id()),
                ));
            }
            let Some(d) = f.date else { continue };
            if d > today {
                out.push(Invalid::new(
                    &field,
                    format!("{d} is in the future (today is {today})"),
                ));
            }
            if let Some(l) = last
                && d < l
            {
                out.push(Invalid::new(
                    &field,
                    format!("{d} is before the last recorded session ({l})"),
                ));
            }
            if let Some((ptp, pd)) = prev_fu
                && d < pd
            {
                out.push(Invalid::new(
                    &field,
                    format!("{d} is before the {} follow-up ({pd})", ptp.label()),
                ));
            }
            prev_fu = Some((f.timepoint, d));
        }
        for (i, a) in self.adverse_events.iter().enumerate() {
            if let Some(d) = a.onset
                && d > today
            {
                out.push(Invalid::new(
                    "adverse_events",
                    format!("event {}: onset {d} is in the future", i + 1),
                ));
            }
        }
        if let Some(plan) = &self.plan {
            for z in &plan.zones {
                if !ctx.known_zones.iter().any(|k| k == &z.zone) {
                    out.push(Invalid::new(
                        "plan",
                        format!("plan names unknown zone '{}'", z.zone),
                    ));
                }
                for (what, v, range) in [
                    ("area", z.area_cm2, &limits::AREA_CM2),
                    ("target density", z.target_density, &limits::TARGET_DENSITY),
                    ("depth", z.depth_min_mm, &limits::DEPTH_MM),
                    ("depth", z.depth_max_mm, &limits::DEPTH_MM),
                ] {
                    let (lo, hi) = (range.start(), range.end());
                    if !v.is_finite() || !range.contains(&v) {
                        out.push(Invalid::new(
                            "plan",
                            format!("{}: {what} {v} is outside {lo}..{hi}", z.zone),
                        ));
                    }
                }
                if z.depth_min_mm > z.depth_max_mm {
                    out.push(Invalid::new(
                        "plan",
                        format!("{}: depth minimum is above the maximum", z.zone),
                    ));
                }
                let mut pf = 0.0;
                for (s, sp) in z.sessions.iter().enumerate() {
                    if !limits::FRACTION.contains(&sp.fraction) || sp.fraction < pf {
                        out.push(Invalid::new(
                            "plan",
                            format!(
                                "{}: session {} fraction {} must be within 0..1 and not below the session before",
                                z.zone,
                                s + 1,
                                sp.fraction
                            ),
                        ));
                    }
                    pf = sp.fraction;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }
    fn zones() -> Vec<String> {
        ["hairline", "vertex", "scar"].map(String::from).to_vec()
    }
    fn check(p: &Patient) -> Vec<Invalid> {
        let z = zones();
        p.validate(&ValidationContext {
            today: d("2026-06-01"),
            known_zones: &z,
        })
    }
    fn fields(p: &Patient) -> Vec<String> {
        check(p).into_iter().map(|i| i.field).collect()
    }

    #[test]
    fn a_minimal_patient_is_valid() {
        assert!(check(&Patient::new("P-001", Subtype::Androgenetic)).is_empty());
    }

    #[test]
    fn dates_parse_with_clear_messages() {
        assert!(
            parse_date("2026-02-30")
                .unwrap_err()
                .contains("not a real date")
        );
        assert!(parse_date("30/02/2026").unwrap_err().contains("YYYY-MM-DD"));
        assert_eq!(parse_date(" 2026-02-28 ").unwrap(), d("2026-02-28"));
    }

    #[test]
    fn record_ids() {
        assert!(check_record_id("C00-001").is_ok());
        assert!(check_record_id("患者-1").is_ok());
        assert!(check_record_id("").is_err());
        assert!(check_record_id("../etc").is_err());
        assert!(check_record_id("a/b").is_err());
        assert!(check_record_id(".hidden").is_err());
        assert!(check_record_id(" x").is_err());
        // 63 four-byte letters: few enough characters, too many bytes for a file name.
        let wide = "\u{1D400}".repeat(63);
        let e = check_record_id(&wide).unwrap_err();
        assert!(e.contains("252 bytes") && e.contains("236"), "{e}");
        assert!(check_record_id(&"\u{1D400}".repeat(59)).is_ok());
        assert!(check_record_id(&"\u{1D400}".repeat(60)).is_err());
        let mut p = Patient::new("bad id", Subtype::Scarring);
        assert_eq!(fields(&p), vec!["record_id"]);
        p.record_id = "ok".into();
        assert!(fields(&p).is_empty());
    }

    #[test]
    fn birth_date_not_in_future_nor_absurd() {
        let mut p = Patient::new("P", Subtype::Androgenetic);
        p.birth_date = Some(d("2026-06-02"));
        assert_eq!(fields(&p), vec!["birth_date"]);
        p.birth_date = Some(d("1890-01-01"));
        assert_eq!(fields(&p), vec!["birth_date"]);
        p.birth_date = Some(d("1980-01-01"));
        assert!(fields(&p).is_empty());
    }

    #[test]
    fn grey_percent_range() {
        let mut p = Patient::new("P", Subtype::Androgenetic);
        p.grey_percent = Some(101);
        assert_eq!(fields(&p), vec!["grey_percent"]);
    }

    #[test]
    fn classification_must_fit_subtype() {
        let mut p = Patient::new("P", Subtype::Scarring);
        p.alopecia.classification = Some(Classification::parse("Norwood V"));
        assert_eq!(fields(&p), vec!["classification"]);
        p.alopecia.classification = Some(Classification::parse("burn scar"));
        assert!(fields(&p).is_empty());
        p.alopecia.subtype = Subtype::Androgenetic;
        assert_eq!(fields(&p), vec!["classification"]);
        p.alopecia.classification = Some(Classification::Aga(AgaStage::Ludwig(4)));
        assert_eq!(fields(&p), vec!["classification"]);
        p.alopecia.classification = Some(Classification::Aga(AgaStage::Sinclair(0)));
        assert_eq!(fields(&p), vec!["classification"]);
        p.alopecia.classification = Some(Classification::Other("typed".into()));
        p.alopecia.scar = Some(ScarDetails::default());
        assert_eq!(fields(&p), vec!["scar"]);
    }

    #[test]
    fn zones_must_be_known_unique_and_sized() {
        let mut p = Patient::new("P", Subtype::Androgenetic);
        p.zones.push(AffectedZone {
            zone: "crown".into(),
            area_cm2: None,
        });
        let e = check(&p);
        assert_eq!(e[0].field, "zones");
        assert!(e[0].message.contains("hairline, vertex, scar"), "{}", e[0]);
        p.zones[0].zone = "vertex".into();
        p.zones.push(AffectedZone {
            zone: "vertex".into(),
            area_cm2: Some(-3.0),
        });
        assert_eq!(fields(&p), vec!["zones", "zones"]);
    }

    #[test]
    fn touch_ups_come_after_the_course() {
        let mut p = Patient::new("P", Subtype::Scarring);
        p.touch_ups
            .push(crate::domain::TouchUp::new(1, d("2026-02-01")));
        let e = check(&p);
        assert_eq!(e[0].field, "touch_up_dates");
        assert!(e[0].message.contains("no session is recorded"), "{}", e[0]);
        p.sessions.push(Session::new(1, d("2026-01-10")));
        assert!(fields(&p).is_empty());
        p.sessions.push(Session::new(2, d("2026-02-01")));
        let e = check(&p);
        assert!(
            e[0].message.contains("not after the course's last session"),
            "{}",
            e[0]
        );
    }

    #[test]
    fn sessions_in_order_not_future_not_missing() {
        let mut p = Patient::new("P", Subtype::Androgenetic);
        p.sessions.push(Session::new(1, d("2026-01-10")));
        p.sessions.push(Session::new(2, d("2026-01-03")));
        let e = check(&p);
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].field, "session2_date");
        assert!(e[0].message.contains("before session 1"));
        p.sessions[1].date = d("2026-07-01");
        assert_eq!(fields(&p), vec!["session2_date"]);
        p.sessions[1].date = d("2026-01-17");
        assert!(fields(&p).is_empty());
        p.sessions.push(Session::new(2, d("2026-01-20")));
        assert_eq!(fields(&p), vec!["session2_date"]);
        p.sessions.pop();
        p.sessions[1].number = 3;
        assert_eq!(fields(&p), vec!["session3_date"]);
        p.birth_date = Some(d("2026-01-15"));
        p.sessions[1].number = 2;
        assert_eq!(fields(&p), vec!["session1_date"]);
    }

    #[test]
    fn follow_ups_after_sessions_and_in_order() {
        let mut p = Patient::new("P", Subtype::Androgenetic);
        p.sessions.push(Session::new(1, d("2026-01-10")));
        p.follow_up_mut(Timepoint::Post).date = Some(d("2026-01-09"));
        assert_eq!(fields(&p), vec!["post_date"]);
        p.follow_up_mut(Timepoint::Post).date = Some(d("2026-01-10"));
        p.follow_up_mut(Timepoint::M6).date = Some(d("2026-01-05"));
        assert_eq!(fields(&p), vec!["m6_date", "m6_date"]);
        p.follow_up_mut(Timepoint::M6).date = Some(d("2026-07-05"));
        assert_eq!(fields(&p), vec!["m6_date"]);
        p.follow_up_mut(Timepoint::M6).date = Some(d("2026-05-05"));
        assert!(fields(&p).is_empty());
        p.follow_ups.push(FollowUp::new(Timepoint::Post));
        assert!(fields(&p).contains(&"post_date".to_string()));
    }

    #[test]
    fn consent_clearance_and_events_not_in_future() {
        let mut p = Patient::new("P", Subtype::Androgenetic);
        p.consent.treatment = ConsentPart::given(d("2027-01-01"));
        p.clearance = Some(Clearance {
            by: " ".into(),
            date: d("2027-01-01"),
            note: None,
        });
        let mut ev = AdverseEvent::new(AdverseKind::Infection);
        ev.onset = Some(d("2027-01-01"));
        p.adverse_events.push(ev);
        assert_eq!(
            fields(&p),
            vec![
                "consent.treatment",
                "clearance",
                "clearance",
                "adverse_events"
            ]
        );
    }

    #[test]
    fn plan_values_in_range() {
        let mut p = Patient::new("P", Subtype::Androgenetic);
        p.plan = Some(Plan {
            start_date: None,
            session_dates: vec![],
            zones: vec![ZonePlan {
                zone: "vertex".into(),
                needle: "0603RL".into(),
                depth_min_mm: 0.9,
                depth_max_mm: 0.5,
                area_cm2: 30.0,
                target_density: 75.0,
                sessions: [0.3, 0.2, 1.0]
                    .iter()
                    .map(|f| ZoneSessionPlan {
                        fraction: *f,
                        impressions: 0,
                        shade: "S1".into(),
                    })
                    .collect(),
                overridden: Default::default(),
            }],
        });
        assert_eq!(fields(&p), vec!["plan", "plan"]);
    }
}
