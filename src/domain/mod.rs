//! The clinical data model and its rules: plain data, no I/O, no terminal, no clock.
//!
//! Everything that reads "today" takes it as an argument, so every rule is testable with a
//! fixed date. Validation messages are written for a practitioner: they name the field and say
//! what is allowed.

pub mod adverse;
pub mod dates;
pub mod followup;
pub mod gate;
pub mod intake;
pub mod limits;
pub mod patient;
pub mod plan;
pub mod screen;
pub mod session;
pub mod text;
pub mod touchup;
pub mod validate;

pub use adverse::{AdverseEvent, AdverseKind, Severity};
pub use followup::{FollowUp, Pss, Timepoint, Vds};
pub use gate::{
    Blocker, BlockerKind, ChangeCheck, Finding, Refusal, SafetyRules, check_change, follow_up_gate,
    photo_gate, session_gate,
};
pub use intake::{
    Activity, AgaStage, Alopecia, Classification, Consent, ConsentPart, ConsentStatus, Fitzpatrick,
    HairColour, NorwoodStage, ResearchFilter, ScarCause, ScarDetails, Sex, Subtype, Texture,
    research_cohort,
};
pub use patient::{AffectedZone, DEFAULT_ZONE_IDS, Patient, SCHEMA_VERSION};
pub use plan::{Plan, ZonePlan, ZoneSessionPlan};
pub use screen::{
    Clearance, HealthScreen, ScreenItemDef, ScreenRules, Triage, TriageClass, TriageResult,
};
pub use session::{Session, ZoneWork};
pub use touchup::{TouchUp, TouchUpReason};
pub use validate::{Invalid, ValidationContext};
