//! What the UI needs from the registry, as one small seam.
//!
//! The UI never reads or writes files itself: every change goes through [`PatientStore::save`]
//! (the store validates, writes atomically and audits). Keeping the seam this small lets the
//! screens be tested on an in-memory store and lets the real store slot in unchanged. The
//! clinic protocol is used directly (`crate::protocol::Protocol`): it is plain data.

use crate::domain::Patient;

/// The registry as the UI sees it.
pub trait PatientStore {
    /// Every readable patient (damaged files are quarantined by the store, not listed here),
    /// whole or as summaries ([`Patient::summary`]): enough for the list, the agenda and
    /// the statistics. Given to the UI to keep, once, at start: a store may move its copy
    /// out rather than copy it (the registry does, sparing a copy of 10,000 summaries).
    fn take_patients(&mut self) -> Vec<Patient>;
    /// One patient's whole record, to open in the workspace; the error is one sentence.
    fn load(&self, record_id: &str) -> Result<Patient, String>;
    /// Validates, writes atomically and audits one patient; the error is one sentence for the
    /// status line.
    fn save(&mut self, patient: Patient) -> Result<(), String>;
    /// Why edits are refused (another process holds the writer lock, newer schema...);
    /// `None` when the UI may write.
    fn read_only_reason(&self) -> Option<String>;
    /// One line per file the store moved aside because it could not be read.
    fn quarantined(&self) -> Vec<String>;
    /// While read-only because another process holds the writer lock: tries to take it
    /// (cheaply; the UI calls this every second). When taken, the store is writable from now
    /// on and gives the UI the patients afresh (the other writer may have changed them).
    fn retry_writer(&mut self) -> Option<Vec<Patient>> {
        None
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
    /// The gates' protocol rules (`None`: the built-in protocol's), applied as the real
    /// store applies them.
    pub rules: Option<crate::domain::SafetyRules>,
    /// The writer holding the registry has quit: the next [`PatientStore::retry_writer`]
    /// takes the lock (a test double of the real store's lock).
    pub writer_gone: bool,
}

impl PatientStore for MemoryStore {
    /// Summaries, as the real store gives the UI: what the UI shows outside the workspace
    /// must not need more.
    fn take_patients(&mut self) -> Vec<Patient> {
        self.patients.iter().map(Patient::summary).collect()
    }
    fn load(&self, record_id: &str) -> Result<Patient, String> {
        self.patients
            .iter()
            .find(|p| p.record_id == record_id)
            .cloned()
            .ok_or_else(|| format!("patient {record_id} is not in the registry"))
    }
    fn save(&mut self, patient: Patient) -> Result<(), String> {
        if let Some(r) = &self.read_only {
            return Err(format!("read-only: {r}"));
        }
        // As the real store: a summary must never overwrite a whole record.
        if patient.summary_only {
            return Err(format!(
                "patient {} was not saved: only its summary was loaded",
                patient.record_id
            ));
        }
        // As the real store: the gates on sessions, photographs and follow-ups.
        let rules = self
            .rules
            .clone()
            .unwrap_or_else(|| crate::protocol::Protocol::builtin().safety_rules());
        let old = self
            .patients
            .iter()
            .find(|p| p.record_id == patient.record_id);
        let check = crate::domain::gate::check_change(
            old,
            &patient,
            &rules,
            crate::domain::gate::Mode::Record,
        );
        if check.is_refused() {
            let r: Vec<String> = check.refusals.iter().map(|r| r.to_string()).collect();
            return Err(format!(
                "patient {} was not saved: {}",
                patient.record_id,
                r.join("; ")
            ));
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
    fn retry_writer(&mut self) -> Option<Vec<Patient>> {
        if self.read_only.is_some() && self.writer_gone {
            self.read_only = None;
            return Some(self.take_patients());
        }
        None
    }
}

/// The registry on disk, through the store (atomic, audited writes; the writer lock is held
/// for as long as the registry is open).
impl PatientStore for crate::store::Registry {
    fn take_patients(&mut self) -> Vec<Patient> {
        match self.options().summaries {
            true => self.hand_over_summaries(),
            false => self.patients().cloned().collect(),
        }
    }
    fn load(&self, record_id: &str) -> Result<Patient, String> {
        crate::store::Registry::load(self, record_id).map_err(|e| e.to_string())
    }
    fn save(&mut self, patient: Patient) -> Result<(), String> {
        crate::store::Registry::save(self, patient).map_err(|e| e.to_string())
    }
    fn read_only_reason(&self) -> Option<String> {
        crate::store::Registry::read_only_reason(self).map(str::to_string)
    }
    fn quarantined(&self) -> Vec<String> {
        self.report().problems()
    }
    /// Probes the writer lock (no patient file is read while it is still held); once free,
    /// opens the registry again as the writer, with the same options.
    fn retry_writer(&mut self) -> Option<Vec<Patient>> {
        self.report().lock_holder.as_ref()?;
        let dir = self.data_dir().to_path_buf();
        let opts = self.options().clone();
        match crate::store::lock::acquire(&dir, &opts.operator).ok()? {
            crate::store::lock::Acquired::Held(_) => return None,
            // Released at once: the reopen below takes it for good.
            crate::store::lock::Acquired::Mine(l) => drop(l),
        }
        let mut fresh = crate::store::Registry::open(&dir, opts).ok()?;
        fresh.read_only_reason().is_none().then(|| {
            let patients = fresh.take_patients();
            *self = fresh;
            patients
        })
    }
}
