//! Touch-ups: sessions after the three-session course, when the pigment has faded or the
//! patient asks. A touch-up is recorded as a session is (date, zones with needle, density
//! and depth, shade and lot, operator, duration, notes, photographs) with its reason. The
//! time from the course's last session to the first touch-up is the durability measure
//! (`stats::survival`).

use super::Session;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a touch-up was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TouchUpReason {
    Fading,
    PatchyRetention,
    ColourShift,
    PatientRequest,
    Other,
}

impl TouchUpReason {
    pub const ALL: [TouchUpReason; 5] = [
        TouchUpReason::Fading,
        TouchUpReason::PatchyRetention,
        TouchUpReason::ColourShift,
        TouchUpReason::PatientRequest,
        TouchUpReason::Other,
    ];
    pub fn id(self) -> &'static str {
        match self {
            TouchUpReason::Fading => "fading",
            TouchUpReason::PatchyRetention => "patchy_retention",
            TouchUpReason::ColourShift => "colour_shift",
            TouchUpReason::PatientRequest => "patient_request",
            TouchUpReason::Other => "other",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TouchUpReason::Fading => "fading",
            TouchUpReason::PatchyRetention => "patchy retention",
            TouchUpReason::ColourShift => "colour shift",
            TouchUpReason::PatientRequest => "patient request",
            TouchUpReason::Other => "other",
        }
    }
}

impl fmt::Display for TouchUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

impl FromStr for TouchUpReason {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_lowercase().replace([' ', '-'], "_");
        TouchUpReason::ALL
            .into_iter()
            .find(|r| r.id() == t)
            .ok_or_else(|| {
                let ids: Vec<&str> = TouchUpReason::ALL.iter().map(|r| r.id()).collect();
                format!(
                    "'{}' is not a touch-up reason; allowed: {}",
                    s.trim(),
                    ids.join(", ")
                )
            })
    }
}

/// One touch-up session. `session.number` is the touch-up's ordinal (1 = the first
/// touch-up), not a session of the course.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TouchUp {
    /// `None` when not recorded (a CSV carries the dates only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<TouchUpReason>,
    #[serde(flatten)]
    pub session: Session,
}

impl TouchUp {
    pub fn new(number: u8, date: NaiveDate) -> Self {
        TouchUp {
            reason: None,
            session: Session::new(number, date),
        }
    }
    pub fn date(&self) -> NaiveDate {
        self.session.date
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::ZoneWork;

    #[test]
    fn reasons_parse_by_id_or_label() {
        assert_eq!("fading".parse(), Ok(TouchUpReason::Fading));
        assert_eq!(
            "patchy retention".parse(),
            Ok(TouchUpReason::PatchyRetention)
        );
        assert_eq!("Colour-shift".parse(), Ok(TouchUpReason::ColourShift));
        let e = "faded".parse::<TouchUpReason>().unwrap_err();
        assert!(e.contains("allowed: fading, patchy_retention"), "{e}");
    }

    #[test]
    fn a_touch_up_round_trips_with_the_work_of_a_session() {
        let d = crate::domain::validate::parse_date("2026-05-04").unwrap();
        let mut t = TouchUp::new(1, d);
        t.reason = Some(TouchUpReason::PatientRequest);
        t.session.pigment_lot = Some("LOT-7".into());
        t.session.zones.push(ZoneWork {
            zone: "vertex".into(),
            needle: Some("0603RL".into()),
            density_reached: Some(75.0),
            depth_mm: Some(0.5),
            bleeding: Some(false),
        });
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.contains("\"reason\":\"patient_request\""), "{json}");
        assert!(json.contains("\"date\":\"2026-05-04\""), "{json}");
        assert_eq!(serde_json::from_str::<TouchUp>(&json).unwrap(), t);
    }
}
