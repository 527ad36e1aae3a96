//! De-identification for pooling outcomes across clinics.
//!
//! What goes, and why:
//! - **names** of patients; and of staff too (session operator, follow-up assessor, the
//!   physician who gave clearance): a clinician's name plus a date narrows a patient down to a
//!   handful of visits at one clinic, so staff names are identifying in a small series.
//!   The fact that clearance was given is kept (`by` becomes [`WITHHELD`]).
//! - **birth dates**, replaced by the age in whole years at session 1, computed on the true
//!   dates; ages of 90 and over are written as 90 (HIPAA Safe Harbor's rule for the very old).
//! - **free text**: notes, expectations, adverse-event descriptions, a classification typed by
//!   hand (`Classification::Other`), the clearance note, photograph paths (file names often
//!   carry a name or a date) and pigment lot numbers (typed by hand, and a lot with its
//!   purchase date would undo the date shift).
//!
//! **Dates** are all shifted back by one offset per patient, 1 to 364 days, as REDCap does:
//! every interval within a patient (session spacing, time to follow-up, onset of an event) is
//! kept exactly, while calendar dates no longer match clinic diaries. Shifting *back* keeps
//! every date in the past, so a de-identified export still passes validation on import.
//! The offset is HMAC-SHA-256(secret, record_id) reduced to 1..=364: deterministic, so two
//! exports of the same registry agree (a later export can be pooled with an earlier one and
//! a patient keeps one offset), and secret, so nobody without the registry's key can compute
//! the offsets back from the kept record ids. The key lives with the registry (see
//! `crate::cli::export`), never in the export.
//!
//! **Record ids** are replaced by a pseudonym, `S` and 16 lowercase hex digits of
//! HMAC-SHA-256(secret, "record-id:" + record id): clinics build ids from names, birth dates
//! and hospital numbers, so the id is an identifier. The pseudonym is stable per registry
//! (re-exports line up patient by patient) and cannot be linked back to the id without the
//! key; the "record-id:" prefix keeps it independent of the date shift, which is keyed on the
//! bare id. 64 bits: two of 100,000 patients share one with a chance of about 3 in 10^10.
//!
//! **Kept**: sex, Fitzpatrick type, hair colour and grey share,
//! subtype with structured classification and scar details, zones and areas, health-screen
//! answers (protocol item ids), consent flags, the plan, session parameters, scores and
//! adverse-event types, severities and outcomes. Nothing that the statistics read changes.

use crate::domain::{Classification, Patient};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Largest shift in days (REDCap's range is 0 to 364; 0 is excluded here so that no date
/// of any patient is left as it was).
pub const MAX_SHIFT_DAYS: u64 = 364;

/// Ages at or above this are written as this value.
pub const AGE_CAP: u32 = 90;

/// The CSV column de-identified exports write instead of `birth_date`.
pub const AGE_COLUMN: &str = "age_at_session1";

/// What a removed staff name is replaced with where the record needs a value.
pub const WITHHELD: &str = "withheld";

/// The first character of every pseudonym (a record id must start with a letter or digit).
pub const PSEUDONYM_PREFIX: char = 'S';

/// One patient as exported: the record, and the age at session 1 (the value de-identified
/// exports carry instead of the birth date; also filled for identified exports when the birth
/// date is known, so both kinds of export have the same columns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportRecord {
    #[serde(flatten)]
    pub patient: Patient,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_at_session1: Option<u32>,
    /// True when `patient.record_id` is a [`pseudonym`] (a de-identified record); the FHIR
    /// bundle then names its identifier system accordingly. Not written.
    #[serde(skip)]
    pub pseudonymous: bool,
}

impl ExportRecord {
    /// The record as it is, with the age computed from the birth date.
    pub fn identified(p: &Patient) -> Self {
        ExportRecord {
            age_at_session1: age_at_session1(p),
            patient: p.clone(),
            pseudonymous: false,
        }
    }
}

/// Age in whole years on the day of session 1, capped at [`AGE_CAP`].
pub fn age_at_session1(p: &Patient) -> Option<u32> {
    p.session_date(1)
        .and_then(|d| p.age_on(d))
        .map(|a| a.min(AGE_CAP))
}

/// HMAC-SHA-256 (RFC 2104), written out over `sha2` to avoid another dependency.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut k = [0u8; BLOCK];
    if key.len() > BLOCK {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| k.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// The patient's date shift in days, 1..=[`MAX_SHIFT_DAYS`], from the registry secret.
pub fn shift_days(secret: &[u8], record_id: &str) -> u64 {
    let mac = hmac_sha256(secret, record_id.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&mac[..8]);
    // 2^64 mod 364 is tiny next to 2^64: the modulo bias is below 1e-16.
    u64::from_be_bytes(first) % MAX_SHIFT_DAYS + 1
}

/// The record id of a de-identified export: `S` + the first 8 bytes, as lowercase hex, of
/// HMAC-SHA-256(secret, "record-id:" + record_id). A valid record id itself, so a
/// de-identified export imports into a new registry.
pub fn pseudonym(secret: &[u8], record_id: &str) -> String {
    let mut message = Vec::with_capacity(10 + record_id.len());
    message.extend_from_slice(b"record-id:");
    message.extend_from_slice(record_id.as_bytes());
    let mac = hmac_sha256(secret, &message);
    format!("{PSEUDONYM_PREFIX}{}", crate::domain::text::hex(&mac[..8]))
}

/// Removes identifiers and free text from every patient and shifts their dates.
pub fn deidentify(patients: &[Patient], secret: &[u8]) -> Vec<ExportRecord> {
    patients
        .iter()
        .map(|p| deidentify_patient(p, secret))
        .collect()
}

/// One patient: see the module documentation for what is removed and what is kept.
pub fn deidentify_patient(p: &Patient, secret: &[u8]) -> ExportRecord {
    let age = age_at_session1(p);
    let days = Days::new(shift_days(secret, &p.record_id));
    let shift = |d: NaiveDate| d.checked_sub_days(days).unwrap_or(NaiveDate::MIN);

    let mut q = p.clone();
    q.record_id = pseudonym(secret, &p.record_id);
    q.name = None;
    q.birth_date = None;
    q.expectations = None;
    q.notes = None;
    if matches!(q.alopecia.classification, Some(Classification::Other(_))) {
        q.alopecia.classification = None;
    }
    if let Some(c) = &mut q.clearance {
        c.by = WITHHELD.to_string();
        c.note = None;
    }
    let sessions = q
        .sessions
        .iter_mut()
        .chain(q.touch_ups.iter_mut().map(|t| &mut t.session));
    for s in sessions {
        s.operator = None;
        s.notes = None;
        s.photos.clear();
        s.pigment_lot = None;
    }
    for f in &mut q.follow_ups {
        f.assessor = None;
    }
    for a in &mut q.adverse_events {
        a.description = None;
    }
    // Every date, moved back together (the birth date is gone already).
    q.map_dates(shift);
    ExportRecord {
        patient: q,
        age_at_session1: age,
        pseudonymous: true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;

    fn d(s: &str) -> NaiveDate {
        validate::parse_date(s).unwrap()
    }

    /// A patient with every identifying and free-text field filled.
    fn full() -> Patient {
        let mut p = Patient::new("C01-007", Subtype::Scarring);
        p.name = Some("王小明".into());
        p.birth_date = Some(d("1988-03-15"));
        p.sex = Some(Sex::M);
        p.expectations = Some("hide the scar from my barber".into());
        p.notes = Some("prefers Saturday mornings".into());
        p.alopecia.classification = Some(Classification::Other("after a dog bite".into()));
        p.screen.date = Some(d("2026-01-02"));
        p.clearance = Some(Clearance {
            by: "Dr Li Hua".into(),
            date: d("2026-01-03"),
            note: Some("INR stable".into()),
        });
        p.consent = crate::domain::Consent::all_given(d("2026-01-02"));
        let mut s = Session::new(1, d("2026-01-10"));
        s.operator = Some("Zhang Wei".into());
        s.notes = Some("client anxious".into());
        s.photos = vec!["photos/wang_2026-01-10.jpg".into()];
        s.pigment_lot = Some("LOT-4471".into());
        s.pigment_expiry = Some(d("2027-05-01"));
        p.sessions.push(s);
        p.sessions.push(Session::new(2, d("2026-01-17")));
        let f = p.follow_up_mut(Timepoint::Post);
        f.date = Some(d("2026-01-17"));
        f.vds = Some(Vds::new(8.5).unwrap());
        f.assessor = Some("Dr Chen".into());
        let mut ev = AdverseEvent::new(AdverseKind::Other);
        ev.onset = Some(d("2026-01-12"));
        ev.description = Some("itching behind left ear".into());
        p.adverse_events.push(ev);
        p
    }

    #[test]
    fn shift_is_deterministic_secret_dependent_and_in_range() {
        let a = shift_days(b"k1", "C01-007");
        assert_eq!(a, shift_days(b"k1", "C01-007"));
        let ids: Vec<String> = (0..500).map(|i| format!("P{i}")).collect();
        let with_k1: Vec<u64> = ids.iter().map(|i| shift_days(b"k1", i)).collect();
        let with_k2: Vec<u64> = ids.iter().map(|i| shift_days(b"k2", i)).collect();
        assert!(with_k1.iter().all(|s| (1..=MAX_SHIFT_DAYS).contains(s)));
        assert_ne!(with_k1, with_k2, "the secret must matter");
        // Spread over the range, not clumped: 500 draws from 364 values hit many of them.
        let distinct: std::collections::BTreeSet<_> = with_k1.iter().collect();
        assert!(distinct.len() > 200, "{}", distinct.len());
    }

    #[test]
    fn hmac_matches_rfc_4231_test_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex = crate::domain::text::hex(&mac);
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        // Keys longer than a block are hashed first (RFC 4231 test case 6).
        let mac = hmac_sha256(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First",
        );
        let hex = crate::domain::text::hex(&mac);
        assert_eq!(
            hex,
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
        );
    }

    #[test]
    fn removes_names_birth_date_and_free_text() {
        let r = deidentify_patient(&full(), b"secret");
        let q = &r.patient;
        assert_eq!(q.name, None);
        assert_eq!(q.birth_date, None);
        assert_eq!(r.age_at_session1, Some(37));
        assert_eq!(q.expectations, None);
        assert_eq!(q.notes, None);
        assert_eq!(q.alopecia.classification, None);
        let c = q.clearance.as_ref().unwrap();
        assert_eq!((c.by.as_str(), c.note.as_deref()), (WITHHELD, None));
        let s = &q.sessions[0];
        assert_eq!(s.operator, None);
        assert_eq!(s.notes, None);
        assert!(s.photos.is_empty());
        assert_eq!(s.pigment_lot, None);
        assert_eq!(q.follow_ups[0].assessor, None);
        assert_eq!(q.adverse_events[0].description, None);
        assert_eq!(q.adverse_events[0].kind, AdverseKind::Other);
        assert_eq!(q.record_id, pseudonym(b"secret", "C01-007"));
        assert_eq!(q.sex, Some(Sex::M));
        assert_eq!(q.vds_at(Timepoint::Post), Some(8.5));
    }

    #[test]
    fn pseudonyms_are_keyed_stable_and_valid_ids() {
        let a = pseudonym(b"k1", "WANG-19850412");
        assert_eq!(a, pseudonym(b"k1", "WANG-19850412"));
        assert_ne!(a, pseudonym(b"k2", "WANG-19850412"), "the key must matter");
        assert_ne!(a, pseudonym(b"k1", "WANG-19850413"));
        assert_eq!(a.len(), 17);
        assert!(a.starts_with('S'));
        assert!(
            a[1..]
                .chars()
                .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_eq!(crate::domain::validate::check_record_id(&a), Ok(()));
        // Python: hmac.new(b"Jefe", b"record-id:x", hashlib.sha256).hexdigest()[:16]
        assert_eq!(pseudonym(b"Jefe", "x"), "S95bde9cf69368f75");
    }

    #[test]
    fn structured_classification_is_kept() {
        let mut p = full();
        p.alopecia.classification = Some(Classification::Scar(ScarCause::Burn));
        let r = deidentify_patient(&p, b"s");
        assert_eq!(
            r.patient.alopecia.classification,
            Some(Classification::Scar(ScarCause::Burn))
        );
    }

    #[test]
    fn every_date_moves_by_the_same_offset() {
        let p = full();
        let q = deidentify_patient(&p, b"secret").patient;
        let k = shift_days(b"secret", "C01-007") as i64;
        let moved = |a: NaiveDate, b: NaiveDate| (a - b).num_days();
        assert_eq!(moved(p.sessions[0].date, q.sessions[0].date), k);
        assert_eq!(moved(p.sessions[1].date, q.sessions[1].date), k);
        let pairs = [
            (p.screen.date, q.screen.date),
            (p.consent.treatment.date, q.consent.treatment.date),
            (p.consent.photographs.date, q.consent.photographs.date),
            (p.consent.data_use.date, q.consent.data_use.date),
            (p.follow_ups[0].date, q.follow_ups[0].date),
            (p.adverse_events[0].onset, q.adverse_events[0].onset),
            (p.sessions[0].pigment_expiry, q.sessions[0].pigment_expiry),
        ];
        for (a, b) in pairs {
            assert_eq!(moved(a.unwrap(), b.unwrap()), k);
        }
        let (a, b) = (p.clearance.unwrap().date, q.clearance.unwrap().date);
        assert_eq!(moved(a, b), k);
    }

    #[test]
    fn ages_are_capped_and_need_session_one() {
        let mut p = full();
        p.birth_date = Some(d("1920-01-01"));
        assert_eq!(age_at_session1(&p), Some(AGE_CAP));
        p.sessions.clear();
        assert_eq!(age_at_session1(&p), None);
    }

    #[test]
    fn de_identified_record_still_validates() {
        let zones = DEFAULT_ZONE_IDS.map(String::from).to_vec();
        let ctx = ValidationContext {
            today: d("2026-02-01"),
            known_zones: &zones,
        };
        let q = deidentify_patient(&full(), b"secret").patient;
        assert_eq!(q.validate(&ctx), vec![]);
    }
}
