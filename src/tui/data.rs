//! What the UI needs from the registry and from the clinic protocol, as two small seams.
//!
//! The UI never reads or writes files itself: every change goes through [`PatientStore::save`]
//! (the store validates, writes atomically and audits). Keeping the seam this small lets the
//! screens be tested on an in-memory store and lets the real store slot in unchanged.

use crate::domain::{Patient, ScreenItemDef};
use chrono::NaiveDate;

/// The registry as the UI sees it.
pub trait PatientStore {
    /// Every readable patient (damaged files are quarantined by the store, not listed here).
    fn patients(&self) -> Vec<Patient>;
    /// Validates, writes atomically and audits one patient; the error is one sentence for the
    /// status line.
    fn save(&mut self, patient: Patient) -> Result<(), String>;
    /// Why edits are refused (another process holds the writer lock, newer schema...);
    /// `None` when the UI may write.
    fn read_only_reason(&self) -> Option<String>;
    /// One line per file the store moved aside because it could not be read.
    fn quarantined(&self) -> Vec<String>;
}

/// A zone of the clinic protocol, as the intake form offers it.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneInfo {
    pub id: String,
    pub name: String,
    /// The protocol's rough default area, used when the practitioner has not measured one.
    pub default_area_cm2: f64,
}

/// What is due next for a patient (a session or a follow-up), for the patient list.
#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    pub label: String,
    pub date: NaiveDate,
}

/// The parts of the clinic protocol the screens use.
pub trait ClinicProtocol {
    fn zones(&self) -> &[ZoneInfo];
    fn screen_items(&self) -> &[ScreenItemDef];
    /// The next session or follow-up due for this patient, if any.
    fn next_due(&self, patient: &Patient) -> Option<Due>;
    fn zone_ids(&self) -> Vec<String> {
        self.zones().iter().map(|z| z.id.clone()).collect()
    }
    fn zone_name(&self, id: &str) -> String {
        self.zones()
            .iter()
            .find(|z| z.id == id)
            .map(|z| z.name.clone())
            .unwrap_or_else(|| id.to_string())
    }
}

/// A registry held in memory: for tests and for previews that must not touch disk.
#[derive(Debug, Default, Clone)]
pub struct MemoryStore {
    pub patients: Vec<Patient>,
    pub read_only: Option<String>,
    pub quarantined: Vec<String>,
    /// Number of successful saves, so tests can check that a refused edit wrote nothing.
    pub saves: usize,
}

impl PatientStore for MemoryStore {
    fn patients(&self) -> Vec<Patient> {
        self.patients.clone()
    }
    fn save(&mut self, patient: Patient) -> Result<(), String> {
        if let Some(r) = &self.read_only {
            return Err(format!("read-only: {r}"));
        }
        match self
            .patients
            .iter_mut()
            .find(|p| p.record_id == patient.record_id)
        {
            Some(p) => *p = patient,
            None => self.patients.push(patient),
        }
        self.saves += 1;
        Ok(())
    }
    fn read_only_reason(&self) -> Option<String> {
        self.read_only.clone()
    }
    fn quarantined(&self) -> Vec<String> {
        self.quarantined.clone()
    }
}
