//! Adverse events after SMP.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The kinds of adverse event domain.md lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdverseKind {
    Infection,
    AllergicReaction,
    GranulomatousReaction,
    LichenoidReaction,
    PigmentMigration,
    ColourShiftBlue,
    ColourShiftGreen,
    ColourShiftOther,
    PatchyFading,
    OverDensity,
    KeloidHypertrophic,
    Lymphadenopathy,
    Hyperpigmentation,
    Hypopigmentation,
    Other,
}

impl AdverseKind {
    pub const ALL: [AdverseKind; 15] = [
        AdverseKind::Infection,
        AdverseKind::AllergicReaction,
        AdverseKind::GranulomatousReaction,
        AdverseKind::LichenoidReaction,
        AdverseKind::PigmentMigration,
        AdverseKind::ColourShiftBlue,
        AdverseKind::ColourShiftGreen,
        AdverseKind::ColourShiftOther,
        AdverseKind::PatchyFading,
        AdverseKind::OverDensity,
        AdverseKind::KeloidHypertrophic,
        AdverseKind::Lymphadenopathy,
        AdverseKind::Hyperpigmentation,
        AdverseKind::Hypopigmentation,
        AdverseKind::Other,
    ];
    pub fn id(self) -> &'static str {
        match self {
            AdverseKind::Infection => "infection",
            AdverseKind::AllergicReaction => "allergic_reaction",
            AdverseKind::GranulomatousReaction => "granulomatous_reaction",
            AdverseKind::LichenoidReaction => "lichenoid_reaction",
            AdverseKind::PigmentMigration => "pigment_migration",
            AdverseKind::ColourShiftBlue => "colour_shift_blue",
            AdverseKind::ColourShiftGreen => "colour_shift_green",
            AdverseKind::ColourShiftOther => "colour_shift_other",
            AdverseKind::PatchyFading => "patchy_fading",
            AdverseKind::OverDensity => "over_density",
            AdverseKind::KeloidHypertrophic => "keloid_hypertrophic",
            AdverseKind::Lymphadenopathy => "lymphadenopathy",
            AdverseKind::Hyperpigmentation => "hyperpigmentation",
            AdverseKind::Hypopigmentation => "hypopigmentation",
            AdverseKind::Other => "other",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            AdverseKind::Infection => "infection",
            AdverseKind::AllergicReaction => "allergic reaction",
            AdverseKind::GranulomatousReaction => "granulomatous reaction",
            AdverseKind::LichenoidReaction => "lichenoid reaction",
            AdverseKind::PigmentMigration => "pigment migration / blurring",
            AdverseKind::ColourShiftBlue => "colour shift: blue",
            AdverseKind::ColourShiftGreen => "colour shift: green",
            AdverseKind::ColourShiftOther => "colour shift: other",
            AdverseKind::PatchyFading => "patchy fading",
            AdverseKind::OverDensity => "over-density (helmet look)",
            AdverseKind::KeloidHypertrophic => "keloid / hypertrophic scarring",
            AdverseKind::Lymphadenopathy => "lymphadenopathy",
            AdverseKind::Hyperpigmentation => "hyperpigmentation",
            AdverseKind::Hypopigmentation => "hypopigmentation",
            AdverseKind::Other => "other",
        }
    }
}

impl FromStr for AdverseKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        AdverseKind::ALL
            .into_iter()
            .find(|k| k.id() == t)
            .ok_or_else(|| {
                let ids: Vec<_> = AdverseKind::ALL.iter().map(|k| k.id()).collect();
                format!(
                    "'{}' is not an adverse event type; allowed: {}",
                    s.trim(),
                    ids.join(", ")
                )
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Mild,
    Moderate,
    Severe,
}

impl Severity {
    pub const ALL: [Severity; 3] = [Severity::Mild, Severity::Moderate, Severity::Severe];
    pub fn id(self) -> &'static str {
        match self {
            Severity::Mild => "mild",
            Severity::Moderate => "moderate",
            Severity::Severe => "severe",
        }
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Severity::ALL
            .into_iter()
            .find(|k| k.id() == s.trim().to_ascii_lowercase())
            .ok_or_else(|| {
                format!(
                    "'{}' is not a severity; allowed: mild, moderate, severe",
                    s.trim()
                )
            })
    }
}

/// One adverse event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdverseEvent {
    pub kind: AdverseKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<Severity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved: Option<bool>,
    #[serde(
        deserialize_with = "crate::domain::dates::opt_date",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub onset: Option<NaiveDate>,
    /// Which session (1-based) it followed, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<u8>,
    /// Free text (dropped by de-identified exports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl AdverseEvent {
    pub fn new(kind: AdverseKind) -> Self {
        AdverseEvent {
            kind,
            severity: None,
            resolved: None,
            onset: None,
            session: None,
            description: None,
        }
    }
}
