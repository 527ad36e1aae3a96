//! The patient record: everything smplan knows about one patient, stored as one JSON file.

use super::{
    AdverseEvent, Alopecia, Clearance, Consent, Fitzpatrick, FollowUp, HairColour, HealthScreen,
    Plan, Session, Sex, Subtype, Timepoint, TouchUp,
};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// The version of the patient file format this program writes. A file with a higher version
/// opens the registry read-only. Version 2: consent in three parts, each with a status
/// (given, refused, not recorded) and its own date; version 1 files still load (see
/// [`Consent`]).
pub const SCHEMA_VERSION: u32 = 2;

/// The zone ids of the default protocol, as the CSV contract lists them. The clinic's
/// protocol is the authority on which zones exist; this list is its built-in default.
pub const DEFAULT_ZONE_IDS: [&str; 10] = [
    "hairline",
    "frontal",
    "temporal_left",
    "temporal_right",
    "mid_scalp",
    "vertex",
    "parietal_left",
    "parietal_right",
    "occipital",
    "scar",
];

/// A zone affected by alopecia, with its measured area.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AffectedZone {
    /// Zone id from the protocol (`hairline`, `vertex`, `scar`, ...).
    pub zone: String,
    /// Area in cm² as measured by the practitioner; `None` = use the protocol's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub area_cm2: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Patient {
    pub schema_version: u32,
    /// Study id, unique in the registry; kept by de-identified exports.
    pub record_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(
        deserialize_with = "crate::domain::dates::opt_date",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub birth_date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fitzpatrick: Option<Fitzpatrick>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hair_colour: Option<HairColour>,
    /// Share of grey hair, percent 0..=100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grey_percent: Option<u8>,
    pub alopecia: Alopecia,
    #[serde(default)]
    pub zones: Vec<AffectedZone>,
    /// The patient's expectations in their words (free text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expectations: Option<String>,
    #[serde(default)]
    pub screen: HealthScreen,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clearance: Option<Clearance>,
    #[serde(default)]
    pub consent: Consent,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<Plan>,
    /// Sessions as performed, in order of number.
    #[serde(default)]
    pub sessions: Vec<Session>,
    /// Touch-up sessions after the course, in date order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub touch_ups: Vec<TouchUp>,
    #[serde(default)]
    pub follow_ups: Vec<FollowUp>,
    #[serde(default)]
    pub adverse_events: Vec<AdverseEvent>,
    /// General free-text notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// True for a [`Patient::summary`]: a copy without the detail, which the store refuses
    /// to save (saving it would erase the plan and the sessions' work). Never stored.
    #[serde(skip)]
    pub summary_only: bool,
}

impl Patient {
    /// A new patient with nothing but an id and a subtype.
    pub fn new(record_id: impl Into<String>, subtype: Subtype) -> Self {
        Patient {
            schema_version: SCHEMA_VERSION,
            record_id: record_id.into(),
            name: None,
            sex: None,
            birth_date: None,
            fitzpatrick: None,
            hair_colour: None,
            grey_percent: None,
            alopecia: Alopecia::new(subtype),
            zones: Vec::new(),
            expectations: None,
            screen: HealthScreen::default(),
            clearance: None,
            consent: Consent::default(),
            plan: None,
            sessions: Vec::new(),
            touch_ups: Vec::new(),
            follow_ups: Vec::new(),
            adverse_events: Vec::new(),
            notes: None,
            summary_only: false,
        }
    }

    /// What the patient list, the agenda and the statistics read of a patient, and no more:
    /// id, name, alopecia, health screen and clearance (triage), the data-use consent (the
    /// research outputs leave out its refusals), planned and performed session dates,
    /// follow-up scores and adverse events (without free text). No demographics, zones,
    /// plan detail, session detail or notes: about a tenth of
    /// the record. The store keeps these in its summary index so that opening a large
    /// registry does not parse every patient file. The copy is marked
    /// [`Patient::summary_only`]; the test `summaries_show_what_whole_records_show` checks
    /// that the list, the agenda and the statistics read the same from it.
    pub fn summary(&self) -> Patient {
        Patient {
            schema_version: self.schema_version,
            record_id: self.record_id.clone(),
            name: self.name.clone(),
            sex: None,
            // The patient list shows the age.
            birth_date: self.birth_date,
            fitzpatrick: None,
            hair_colour: None,
            grey_percent: None,
            alopecia: self.alopecia.clone(),
            zones: Vec::new(),
            expectations: None,
            screen: self.screen.clone(),
            clearance: self.clearance.as_ref().map(|c| Clearance {
                by: c.by.clone(),
                date: c.date,
                note: None,
            }),
            consent: Consent {
                data_use: self.consent.data_use,
                ..Consent::default()
            },
            plan: self.plan.as_ref().map(|p| Plan {
                start_date: p.start_date,
                session_dates: p.session_dates.clone(),
                zones: Vec::new(),
            }),
            sessions: self
                .sessions
                .iter()
                .map(|s| Session::new(s.number, s.date))
                .collect(),
            touch_ups: self
                .touch_ups
                .iter()
                .map(|t| TouchUp {
                    reason: t.reason,
                    ..TouchUp::new(t.session.number, t.date())
                })
                .collect(),
            follow_ups: self
                .follow_ups
                .iter()
                .map(|f| FollowUp {
                    assessor: None,
                    ..f.clone()
                })
                .collect(),
            adverse_events: self
                .adverse_events
                .iter()
                .map(|a| AdverseEvent {
                    description: None,
                    ..a.clone()
                })
                .collect(),
            notes: None,
            summary_only: true,
        }
    }

    pub fn subtype(&self) -> Subtype {
        self.alopecia.subtype
    }

    /// The performed session with this 1-based number.
    pub fn session(&self, number: u8) -> Option<&Session> {
        self.sessions.iter().find(|s| s.number == number)
    }

    pub fn session_date(&self, number: u8) -> Option<NaiveDate> {
        self.session(number).map(|s| s.date)
    }

    /// Number of sessions performed.
    pub fn sessions_done(&self) -> usize {
        self.sessions.len()
    }

    /// Date of the last performed session.
    pub fn last_session_date(&self) -> Option<NaiveDate> {
        self.sessions.iter().map(|s| s.date).max()
    }

    /// Touch-up dates in order.
    pub fn touch_up_dates(&self) -> Vec<NaiveDate> {
        let mut d: Vec<NaiveDate> = self.touch_ups.iter().map(TouchUp::date).collect();
        d.sort();
        d
    }

    /// The first touch-up after the course, if any.
    pub fn first_touch_up(&self) -> Option<NaiveDate> {
        self.touch_ups.iter().map(TouchUp::date).min()
    }

    /// The latest date anywhere in the record: any session, touch-up or follow-up (the last
    /// contact, at which a patient without a touch-up is censored).
    pub fn last_contact(&self) -> Option<NaiveDate> {
        let sessions = self.sessions.iter().map(|s| s.date);
        let touch_ups = self.touch_ups.iter().map(TouchUp::date);
        let follow_ups = self.follow_ups.iter().filter_map(|f| f.date);
        sessions.chain(touch_ups).chain(follow_ups).max()
    }

    /// Adds a touch-up, numbered after the others, keeping them in date order.
    pub fn add_touch_up(&mut self, mut t: TouchUp) {
        t.session.number = u8::try_from(self.touch_ups.len() + 1).unwrap_or(u8::MAX);
        self.touch_ups.push(t);
        self.renumber_touch_ups();
    }

    /// Sorts touch-ups by date and numbers them 1, 2, ... in that order.
    pub fn renumber_touch_ups(&mut self) {
        self.touch_ups.sort_by_key(TouchUp::date);
        for (i, t) in self.touch_ups.iter_mut().enumerate() {
            t.session.number = u8::try_from(i + 1).unwrap_or(u8::MAX);
        }
    }

    pub fn follow_up(&self, tp: Timepoint) -> Option<&FollowUp> {
        self.follow_ups.iter().find(|f| f.timepoint == tp)
    }

    /// The follow-up at `tp`, created empty if absent.
    pub fn follow_up_mut(&mut self, tp: Timepoint) -> &mut FollowUp {
        if let Some(i) = self.follow_ups.iter().position(|f| f.timepoint == tp) {
            return &mut self.follow_ups[i];
        }
        self.follow_ups.push(FollowUp::new(tp));
        self.follow_ups.sort_by_key(|f| f.timepoint);
        let i = self
            .follow_ups
            .iter()
            .position(|f| f.timepoint == tp)
            .unwrap_or(0);
        &mut self.follow_ups[i]
    }

    pub fn vds_at(&self, tp: Timepoint) -> Option<f64> {
        self.follow_up(tp).and_then(|f| f.vds).map(|v| v.value())
    }

    pub fn pss_at(&self, tp: Timepoint) -> Option<u8> {
        self.follow_up(tp).and_then(|f| f.pss).map(|p| p.value())
    }

    /// The latest follow-up with a VDS score (by timepoint).
    pub fn latest_scores(&self) -> Option<&FollowUp> {
        self.follow_ups
            .iter()
            .filter(|f| f.vds.is_some() || f.pss.is_some())
            .max_by_key(|f| f.timepoint)
    }

    /// Age in whole years on `on`.
    pub fn age_on(&self, on: NaiveDate) -> Option<u32> {
        self.birth_date.and_then(|b| on.years_since(b))
    }

    /// Applies `f` to every date of the record: birth date, screen, clearance, consent, plan,
    /// sessions and touch-ups (with their pigment expiry), follow-ups and adverse-event onsets.
    /// One list of the record's dates, for everything that moves them together
    /// (de-identification shifts them back; the living demo forward to today).
    pub fn map_dates(&mut self, f: impl Fn(NaiveDate) -> NaiveDate) {
        let opt = |d: &mut Option<NaiveDate>| *d = d.map(&f);
        opt(&mut self.birth_date);
        opt(&mut self.screen.date);
        if let Some(c) = &mut self.clearance {
            c.date = f(c.date);
        }
        self.consent.dates_mut().into_iter().for_each(opt);
        if let Some(plan) = &mut self.plan {
            opt(&mut plan.start_date);
            plan.session_dates.iter_mut().for_each(opt);
        }
        let sessions = self
            .sessions
            .iter_mut()
            .chain(self.touch_ups.iter_mut().map(|t| &mut t.session));
        for s in sessions {
            s.date = f(s.date);
            opt(&mut s.pigment_expiry);
        }
        for fu in &mut self.follow_ups {
            opt(&mut fu.date);
        }
        for a in &mut self.adverse_events {
            opt(&mut a.onset);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AdverseEvent, AdverseKind, ConsentPart, TouchUp};

    /// Every `YYYY-MM-DD` string in the record as JSON.
    fn dates_in(p: &Patient) -> Vec<String> {
        let text = serde_json::to_string(p).unwrap();
        let b = text.as_bytes();
        (0..b.len().saturating_sub(11))
            .filter(|&i| {
                b[i] == b'"'
                    && b[i + 11] == b'"'
                    && crate::domain::dates::parse(&text[i + 1..i + 11]).is_ok()
            })
            .map(|i| text[i + 1..i + 11].to_string())
            .collect()
    }

    #[test]
    fn map_dates_moves_every_date_of_the_record() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let day = d("2025-01-06");
        let mut p = Patient::new("P", Subtype::Scarring);
        p.birth_date = Some(day);
        p.screen.date = Some(day);
        p.clearance = Some(Clearance {
            by: "Dr".into(),
            date: day,
            note: None,
        });
        p.consent.treatment = ConsentPart::given(day);
        p.consent.photographs = ConsentPart::given(day);
        p.consent.data_use = ConsentPart::refused(day);
        p.plan = Some(Plan {
            start_date: Some(day),
            session_dates: vec![Some(day), None],
            zones: Vec::new(),
        });
        let mut s = Session::new(1, day);
        s.pigment_expiry = Some(day);
        p.sessions.push(s.clone());
        let mut t = TouchUp::new(1, day);
        t.session.pigment_expiry = Some(day);
        p.touch_ups.push(t);
        p.follow_up_mut(Timepoint::Post).date = Some(day);
        let mut a = AdverseEvent::new(AdverseKind::Infection);
        a.onset = Some(day);
        p.adverse_events.push(a);
        let before = dates_in(&p);
        assert_eq!(before.len(), 14, "{before:?}");
        p.map_dates(|x| x + chrono::Days::new(10));
        assert_eq!(dates_in(&p), vec!["2025-01-16".to_string(); 14]);
    }
}
