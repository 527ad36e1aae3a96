//! The health screen and its triage into clear / defer / clearance needed.
//!
//! Triage is decision support, not a guideline: the items and their class come from the
//! clinic's protocol ([`ScreenItemDef`]); this module only applies them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What an item answered "yes" means for treatment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TriageClass {
    /// A temporary contraindication: wait until it has passed.
    Defer,
    /// A physician must sign off before treatment.
    ClearanceNeeded,
}

/// The triage outcome, ordered from least to most restrictive for display.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Triage {
    Clear,
    ClearanceNeeded,
    Defer,
}

impl Triage {
    pub fn id(self) -> &'static str {
        match self {
            Triage::Clear => "clear",
            Triage::ClearanceNeeded => "clearance_needed",
            Triage::Defer => "defer",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Triage::Clear => "clear",
            Triage::ClearanceNeeded => "clearance needed",
            Triage::Defer => "defer",
        }
    }
}

/// One health-screen question as the protocol defines it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScreenItemDef {
    pub id: String,
    pub label: String,
    pub class: TriageClass,
}

/// The answers given at intake: item id → answered yes. Items not answered are absent.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthScreen {
    #[serde(default)]
    pub answers: BTreeMap<String, bool>,
    #[serde(
        deserialize_with = "crate::domain::dates::opt_date",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub date: Option<NaiveDate>,
}

/// A physician's sign-off for a "clearance needed" triage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clearance {
    pub by: String,
    #[serde(deserialize_with = "crate::domain::dates::date")]
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The triage with the reasons behind it (labels of the items answered yes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriageResult {
    pub triage: Triage,
    pub defer_reasons: Vec<String>,
    pub clearance_reasons: Vec<String>,
    /// Answers whose id the protocol does not know (kept, reported, never silently dropped).
    pub unknown_items: Vec<String>,
}

impl TriageResult {
    /// Why a session cannot be recorded now, with what would clear it; `None` when it may.
    pub fn blocks_session(&self, clearance: Option<&Clearance>) -> Option<String> {
        match self.triage {
            Triage::Defer => Some(format!(
                "treatment is deferred ({}); record the session once these have passed and the health screen is updated",
                self.defer_reasons.join(", ")
            )),
            Triage::ClearanceNeeded if clearance.is_none() => Some(format!(
                "physician clearance is needed ({}); record who cleared the patient and when",
                self.clearance_reasons.join(", ")
            )),
            _ => None,
        }
    }
}

impl HealthScreen {
    /// Applies the protocol's item classes: any defer item → defer; else any clearance item →
    /// clearance needed; else clear.
    pub fn triage(&self, items: &[ScreenItemDef]) -> TriageResult {
        let mut defer_reasons = Vec::new();
        let mut clearance_reasons = Vec::new();
        let mut unknown_items = Vec::new();
        for (id, yes) in &self.answers {
            if !*yes {
                continue;
            }
            match items.iter().find(|i| &i.id == id) {
                Some(def) => match def.class {
                    TriageClass::Defer => defer_reasons.push(def.label.clone()),
                    TriageClass::ClearanceNeeded => clearance_reasons.push(def.label.clone()),
                },
                None => unknown_items.push(id.clone()),
            }
        }
        let triage = if !defer_reasons.is_empty() {
            Triage::Defer
        } else if !clearance_reasons.is_empty() {
            Triage::ClearanceNeeded
        } else {
            Triage::Clear
        };
        TriageResult {
            triage,
            defer_reasons,
            clearance_reasons,
            unknown_items,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items() -> Vec<ScreenItemDef> {
        vec![
            ScreenItemDef {
                id: "scalp_infection".into(),
                label: "active scalp infection".into(),
                class: TriageClass::Defer,
            },
            ScreenItemDef {
                id: "anticoagulants".into(),
                label: "bleeding disorder or anticoagulants".into(),
                class: TriageClass::ClearanceNeeded,
            },
        ]
    }

    #[test]
    fn triage_levels() {
        let mut s = HealthScreen::default();
        assert_eq!(s.triage(&items()).triage, Triage::Clear);
        s.answers.insert("anticoagulants".into(), true);
        let r = s.triage(&items());
        assert_eq!(r.triage, Triage::ClearanceNeeded);
        assert!(r.blocks_session(None).unwrap().contains("anticoagulants"));
        let c = Clearance {
            by: "Dr Wang".into(),
            date: NaiveDate::from_ymd_opt(2026, 1, 2).unwrap(),
            note: None,
        };
        assert!(r.blocks_session(Some(&c)).is_none());
        s.answers.insert("scalp_infection".into(), true);
        let r = s.triage(&items());
        assert_eq!(r.triage, Triage::Defer);
        assert!(r.blocks_session(Some(&c)).unwrap().contains("deferred"));
        s.answers.insert("scalp_infection".into(), false);
        assert_eq!(s.triage(&items()).triage, Triage::ClearanceNeeded);
        s.answers.insert("mystery".into(), true);
        assert_eq!(
            s.triage(&items()).unknown_items,
            vec!["mystery".to_string()]
        );
    }
}
