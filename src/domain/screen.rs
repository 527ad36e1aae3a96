//! The health screen and its triage into five states: not screened, screen incomplete,
//! defer, clearance needed, clear.
//!
//! Triage is decision support, not a guideline: the items and their class come from the
//! clinic's protocol ([`ScreenItemDef`]), as does the minimum time a scar must have been
//! stable ([`ScreenRules`]); this module only applies them. "Clear" is never given for what
//! nobody checked: it needs a dated screen with every protocol item answered (and, for
//! scarring alopecia, the scar's stability recorded), none of them blocking.

use super::{Classification, Patient, Subtype};
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

/// The triage outcome, ordered from least to most in need of attention (the list sorts by
/// it): clear, clearance needed, defer, screen incomplete, not screened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Triage {
    Clear,
    ClearanceNeeded,
    Defer,
    ScreenIncomplete,
    NotScreened,
}

impl Triage {
    pub const ALL: [Triage; 5] = [
        Triage::NotScreened,
        Triage::ScreenIncomplete,
        Triage::Defer,
        Triage::ClearanceNeeded,
        Triage::Clear,
    ];
    /// The id written in reports, FHIR and JSON (the contract's `triage` values).
    pub fn id(self) -> &'static str {
        match self {
            Triage::Clear => "clear",
            Triage::ClearanceNeeded => "clearance_needed",
            Triage::Defer => "defer",
            Triage::ScreenIncomplete => "screen_incomplete",
            Triage::NotScreened => "not_screened",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Triage::Clear => "clear",
            Triage::ClearanceNeeded => "clearance needed",
            Triage::Defer => "defer",
            Triage::ScreenIncomplete => "screen incomplete",
            Triage::NotScreened => "not screened",
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

/// What triage takes from the clinic protocol.
#[derive(Debug, Clone, Copy)]
pub struct ScreenRules<'a> {
    pub items: &'a [ScreenItemDef],
    /// A scar stable for fewer months than this defers treatment (protocol default 12).
    pub min_months_stable: u32,
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

impl HealthScreen {
    /// Answers every protocol item not answered yet (the form's "remaining items: no");
    /// returns how many were answered.
    pub fn answer_remaining(&mut self, items: &[ScreenItemDef], yes: bool) -> usize {
        let mut n = 0;
        for it in items {
            if !self.answers.contains_key(&it.id) {
                self.answers.insert(it.id.clone(), yes);
                n += 1;
            }
        }
        n
    }
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

/// The label of the scar-stability question (asked of every scarring alopecia).
pub const SCAR_STABLE_ITEM: &str = "months the scar has been stable";
/// The label of the activity question (asked of primary scarring alopecias).
pub const SCAR_ACTIVITY_ITEM: &str = "whether the scarring alopecia is active";

/// The triage with the reasons behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriageResult {
    pub triage: Triage,
    /// Labels of the items answered yes whose class is defer, and the scar's own reasons.
    pub defer_reasons: Vec<String>,
    pub clearance_reasons: Vec<String>,
    /// Labels of the protocol items (and scar questions) not answered.
    pub not_asked: Vec<String>,
    /// Answers whose id the protocol does not know (kept, reported, never silently dropped).
    pub unknown_items: Vec<String>,
}

impl TriageResult {
    /// The state in a few words, for a badge or a list cell that has room for one phrase:
    /// `screen incomplete: 3 items not asked`.
    pub fn headline(&self) -> String {
        match self.triage {
            Triage::ScreenIncomplete => {
                let n = self.not_asked.len();
                format!(
                    "screen incomplete: {n} {} not asked",
                    if n == 1 { "item" } else { "items" }
                )
            }
            t => t.label().to_string(),
        }
    }

    /// The reasons behind the state, one phrase (empty when clear).
    pub fn reasons(&self) -> String {
        match self.triage {
            Triage::Clear => String::new(),
            Triage::NotScreened => "no health screen date is recorded".into(),
            Triage::ScreenIncomplete => format!("not asked: {}", self.not_asked.join(", ")),
            Triage::Defer => self.defer_reasons.join(", "),
            Triage::ClearanceNeeded => self.clearance_reasons.join(", "),
        }
    }
}

impl Patient {
    /// The triage of this patient's health screen under the protocol's rules.
    ///
    /// Not screened: no screen date. Defer: any defer item answered yes, an active scarring
    /// alopecia, or a scar stable fewer months than the protocol's minimum (a deferral is
    /// known even while other items are unanswered). Screen incomplete: any protocol item
    /// not answered, or, for scarring alopecia, the scar's stability (and for a primary
    /// scarring alopecia its activity) not recorded. Clearance needed: any clearance item
    /// answered yes. Clear otherwise. A recorded clearance does not change the triage; the
    /// session gate ([`super::gate`]) reads it.
    pub fn triage(&self, rules: ScreenRules<'_>) -> TriageResult {
        let mut defer_reasons = Vec::new();
        let mut clearance_reasons = Vec::new();
        let mut unknown_items = Vec::new();
        for (id, yes) in &self.screen.answers {
            match rules.items.iter().find(|i| &i.id == id) {
                Some(def) if *yes => match def.class {
                    TriageClass::Defer => defer_reasons.push(def.label.clone()),
                    TriageClass::ClearanceNeeded => clearance_reasons.push(def.label.clone()),
                },
                Some(_) => {}
                None => unknown_items.push(id.clone()),
            }
        }
        let mut not_asked: Vec<String> = rules
            .items
            .iter()
            .filter(|i| !self.screen.answers.contains_key(&i.id))
            .map(|i| i.label.clone())
            .collect();
        if self.alopecia.subtype == Subtype::Scarring {
            let scar = self.alopecia.scar.clone().unwrap_or_default();
            if scar.activity == Some(super::Activity::Active) {
                defer_reasons.push("scarring alopecia is active".into());
            }
            match scar.months_stable {
                Some(m) if m < rules.min_months_stable => defer_reasons.push(format!(
                    "scar stable {m} month{} (the protocol asks for at least {})",
                    if m == 1 { "" } else { "s" },
                    rules.min_months_stable
                )),
                Some(_) => {}
                None => not_asked.push(SCAR_STABLE_ITEM.into()),
            }
            let primary = matches!(
                self.alopecia.classification,
                Some(Classification::Scar(c)) if c.is_primary()
            );
            if primary && scar.activity.is_none() {
                not_asked.push(SCAR_ACTIVITY_ITEM.into());
            }
        }
        let triage = if self.screen.date.is_none() {
            Triage::NotScreened
        } else if !defer_reasons.is_empty() {
            Triage::Defer
        } else if !not_asked.is_empty() {
            Triage::ScreenIncomplete
        } else if !clearance_reasons.is_empty() {
            Triage::ClearanceNeeded
        } else {
            Triage::Clear
        };
        TriageResult {
            triage,
            defer_reasons,
            clearance_reasons,
            not_asked,
            unknown_items,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Activity, ScarCause, ScarDetails};

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

    fn rules(items: &[ScreenItemDef]) -> ScreenRules<'_> {
        ScreenRules {
            items,
            min_months_stable: 12,
        }
    }

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 1, 2).unwrap()
    }

    #[test]
    fn nobody_screened_is_not_clear() {
        let it = items();
        let mut p = Patient::new("P", Subtype::Androgenetic);
        assert_eq!(p.triage(rules(&it)).triage, Triage::NotScreened);
        // Answers without a date: still not screened.
        p.screen.answers.insert("scalp_infection".into(), false);
        p.screen.answers.insert("anticoagulants".into(), false);
        assert_eq!(p.triage(rules(&it)).triage, Triage::NotScreened);
        p.screen.date = Some(day());
        assert_eq!(p.triage(rules(&it)).triage, Triage::Clear);
        // "Remaining items: no" answers only what is not answered.
        let mut q = Patient::new("Q", Subtype::Androgenetic);
        q.screen.date = Some(day());
        q.screen.answers.insert("anticoagulants".into(), true);
        assert_eq!(q.screen.answer_remaining(&it, false), 1);
        assert_eq!(q.screen.answers.get("scalp_infection"), Some(&false));
        assert_eq!(q.screen.answers.get("anticoagulants"), Some(&true));
        assert_eq!(q.screen.answer_remaining(&it, false), 0);
        assert_eq!(q.triage(rules(&it)).triage, Triage::ClearanceNeeded);
    }

    #[test]
    fn a_dated_screen_with_items_not_asked_is_incomplete() {
        let it = items();
        let mut p = Patient::new("P", Subtype::Androgenetic);
        p.screen.date = Some(day());
        let r = p.triage(rules(&it));
        assert_eq!(r.triage, Triage::ScreenIncomplete);
        assert_eq!(r.not_asked.len(), 2);
        assert_eq!(r.headline(), "screen incomplete: 2 items not asked");
        p.screen.answers.insert("scalp_infection".into(), false);
        let r = p.triage(rules(&it));
        assert_eq!(r.headline(), "screen incomplete: 1 item not asked");
        assert_eq!(
            r.reasons(),
            "not asked: bleeding disorder or anticoagulants"
        );
        // A clearance item answered yes while another is unanswered: still incomplete.
        p.screen.answers.clear();
        p.screen.answers.insert("anticoagulants".into(), true);
        assert_eq!(p.triage(rules(&it)).triage, Triage::ScreenIncomplete);
        // A defer answer is known even while the screen is incomplete.
        p.screen.answers.clear();
        p.screen.answers.insert("scalp_infection".into(), true);
        assert_eq!(p.triage(rules(&it)).triage, Triage::Defer);
    }

    #[test]
    fn triage_levels() {
        let it = items();
        let mut p = Patient::new("P", Subtype::Androgenetic);
        p.screen.date = Some(day());
        p.screen.answers.insert("scalp_infection".into(), false);
        p.screen.answers.insert("anticoagulants".into(), true);
        let r = p.triage(rules(&it));
        assert_eq!(r.triage, Triage::ClearanceNeeded);
        assert_eq!(r.reasons(), "bleeding disorder or anticoagulants");
        p.screen.answers.insert("scalp_infection".into(), true);
        let r = p.triage(rules(&it));
        assert_eq!(r.triage, Triage::Defer);
        assert_eq!(r.defer_reasons, vec!["active scalp infection".to_string()]);
        p.screen.answers.insert("scalp_infection".into(), false);
        assert_eq!(p.triage(rules(&it)).triage, Triage::ClearanceNeeded);
        p.screen.answers.insert("mystery".into(), true);
        assert_eq!(
            p.triage(rules(&it)).unknown_items,
            vec!["mystery".to_string()]
        );
    }

    #[test]
    fn the_scar_takes_part() {
        let it = items();
        let mut p = Patient::new("P", Subtype::Scarring);
        p.screen.date = Some(day());
        p.screen.answers.insert("scalp_infection".into(), false);
        p.screen.answers.insert("anticoagulants".into(), false);
        // Stability not recorded: the screen is not complete.
        let r = p.triage(rules(&it));
        assert_eq!(r.triage, Triage::ScreenIncomplete);
        assert_eq!(r.not_asked, vec![SCAR_STABLE_ITEM.to_string()]);
        p.alopecia.scar = Some(ScarDetails {
            activity: None,
            months_stable: Some(11),
            texture: None,
        });
        let r = p.triage(rules(&it));
        assert_eq!(r.triage, Triage::Defer);
        assert_eq!(
            r.defer_reasons,
            vec!["scar stable 11 months (the protocol asks for at least 12)".to_string()]
        );
        p.alopecia.scar.as_mut().unwrap().months_stable = Some(12);
        assert_eq!(p.triage(rules(&it)).triage, Triage::Clear);
        // A clinic asking for 18 months defers the same scar.
        let strict = ScreenRules {
            items: &it,
            min_months_stable: 18,
        };
        assert_eq!(p.triage(strict).triage, Triage::Defer);
        // A primary scarring alopecia must say whether it is active.
        p.alopecia.classification = Some(Classification::Scar(ScarCause::LichenPlanopilaris));
        let r = p.triage(rules(&it));
        assert_eq!(r.triage, Triage::ScreenIncomplete);
        assert_eq!(r.not_asked, vec![SCAR_ACTIVITY_ITEM.to_string()]);
        p.alopecia.scar.as_mut().unwrap().activity = Some(Activity::Active);
        let r = p.triage(rules(&it));
        assert_eq!(r.triage, Triage::Defer);
        assert_eq!(
            r.defer_reasons,
            vec!["scarring alopecia is active".to_string()]
        );
        p.alopecia.scar.as_mut().unwrap().activity = Some(Activity::Quiescent);
        assert_eq!(p.triage(rules(&it)).triage, Triage::Clear);
    }

    #[test]
    fn ids_are_the_contract_values() {
        let ids: Vec<_> = Triage::ALL.iter().map(|t| t.id()).collect();
        assert_eq!(
            ids,
            [
                "not_screened",
                "screen_incomplete",
                "defer",
                "clearance_needed",
                "clear"
            ]
        );
        for t in Triage::ALL {
            assert_eq!(serde_json::to_value(t).unwrap(), t.id());
        }
    }
}
