//! The registry as a FHIR R4 `Bundle` of type `collection`.
//!
//! Per patient: a `Patient`; a `Condition` for the alopecia subtype (ICD-10 L64.9 or L66.9
//! and the local subtype code, the classification as its stage); a `Procedure` per performed
//! session (date, body sites from the zones, needle / density / depth / bleeding per zone in
//! the `zone-work` extension and in a readable note), and one per touch-up after the course
//! (code `smp-touch-up`, its reason as `reasonCode`); an `Observation` per VDS and per PSS
//! score (local codes, the timepoint in an extension) and one for the age at session 1 (LOINC
//! 30525-0), which is how a de-identified export still carries age; an `AdverseEvent` per
//! event, pointing at the session it followed.
//!
//! The local code systems and extensions are `urn:smplan:fhir:...` names, documented in
//! `docs/exports.md`; a URN says plainly that nothing is to be fetched from it.
//!
//! Resource ids are UUIDs derived from the record id (in a de-identified bundle, from its
//! pseudonym, which is the record id it carries) and the resource's place in the record
//! (RFC 9562 version 8, from SHA-256), so the same registry always gives the same bundle and a
//! re-export can be compared line by line. References use `urn:uuid:` full URLs, as FHIR
//! recommends for bundles that are not tied to a server.

use super::ExportRecord;
use crate::domain::{AdverseEvent, FollowUp, Patient, Session, Severity, Sex, Subtype, TouchUp};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Identifier system of the study record id.
pub const RECORD_ID_SYSTEM: &str = "urn:smplan:record-id";
/// Identifier system of the pseudonym a de-identified bundle carries instead of the record id
/// (`crate::export::deidentify::pseudonym`).
pub const PSEUDONYM_SYSTEM: &str = "urn:smplan:pseudonym";
/// Local code system of the scores: `vds`, `pss`.
pub const SCORE_SYSTEM: &str = "urn:smplan:fhir:CodeSystem:score";
/// Local code system of the procedure: `smp-session`.
pub const PROCEDURE_SYSTEM: &str = "urn:smplan:fhir:CodeSystem:procedure";
/// Local code system of the touch-up reasons (`TouchUpReason` ids).
pub const TOUCH_UP_REASON_SYSTEM: &str = "urn:smplan:fhir:CodeSystem:touch-up-reason";
/// Local code system of the subtype: `androgenetic`, `scarring`.
pub const SUBTYPE_SYSTEM: &str = "urn:smplan:fhir:CodeSystem:subtype";
/// Local code system of the scalp zones: the protocol's zone ids.
pub const ZONE_SYSTEM: &str = "urn:smplan:fhir:CodeSystem:zone";
/// Local code system of the adverse-event types (`AdverseKind` ids).
pub const ADVERSE_SYSTEM: &str = "urn:smplan:fhir:CodeSystem:adverse-event";
/// Extension: what was done in one zone during a session (complex extension).
pub const ZONE_WORK_EXT: &str = "urn:smplan:fhir:StructureDefinition:zone-work";
/// Extension: session number and pigment of a session (complex extension).
pub const SESSION_EXT: &str = "urn:smplan:fhir:StructureDefinition:session";
/// Extension: the follow-up timepoint of a score (`post`, `6m`, ...).
pub const TIMEPOINT_EXT: &str = "urn:smplan:fhir:StructureDefinition:timepoint";
/// Extension: Fitzpatrick skin type 1..6 on the Patient.
pub const FITZPATRICK_EXT: &str = "urn:smplan:fhir:StructureDefinition:fitzpatrick";

const ICD10: &str = "http://hl7.org/fhir/sid/icd-10";
const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";

/// The whole bundle as one value (`crate::export::stream` writes the same bundle patient by
/// patient). No `total`: FHIR allows it on search and history bundles only (bdl-1).
pub fn bundle(records: &[ExportRecord]) -> Value {
    let entry: Vec<Value> = records.iter().flat_map(patient_entries).collect();
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": entry,
    })
}

/// A name-based UUID (version 8) for one resource of one patient.
fn uuid(record_id: &str, key: &str) -> String {
    let h = Sha256::new()
        .chain_update(b"smplan\0")
        .chain_update(record_id.as_bytes())
        .chain_update(b"\0")
        .chain_update(key.as_bytes())
        .finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&h[..16]);
    b[6] = (b[6] & 0x0f) | 0x80; // version 8
    b[8] = (b[8] & 0x3f) | 0x80; // RFC variant
    let hex = crate::domain::text::hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

fn entry(id: String, mut resource: Value) -> Value {
    resource["id"] = json!(id);
    json!({"fullUrl": format!("urn:uuid:{id}"), "resource": resource})
}

fn reference(id: &str) -> Value {
    json!({"reference": format!("urn:uuid:{id}")})
}

fn coding(system: &str, code: &str, display: &str) -> Value {
    json!({"system": system, "code": code, "display": display})
}

fn zone_concept(zone: &str) -> Value {
    json!({"coding": [{"system": ZONE_SYSTEM, "code": zone}], "text": zone.replace('_', " ")})
}

/// The bundle entries of one patient, in the order the bundle holds them.
pub fn patient_entries(r: &ExportRecord) -> Vec<Value> {
    let p = &r.patient;
    let rid = p.record_id.as_str();
    let pid = uuid(rid, "Patient");
    let cid = uuid(rid, "Condition");
    let mut out = vec![
        entry(pid.clone(), patient_resource(p, r.pseudonymous)),
        entry(cid.clone(), condition(p, &pid)),
    ];
    if let Some(age) = r.age_at_session1 {
        let mut obs = json!({
            "resourceType": "Observation",
            "status": "final",
            "code": {"coding": [coding(LOINC, "30525-0", "Age")], "text": "age at session 1"},
            "subject": reference(&pid),
            "valueQuantity": {"value": age, "unit": "years", "system": UCUM, "code": "a"},
        });
        if let Some(d) = p.session_date(1) {
            obs["effectiveDateTime"] = json!(d.to_string());
        }
        out.push(entry(uuid(rid, "age"), obs));
    }
    for s in &p.sessions {
        let id = uuid(rid, &format!("Procedure/{}", s.number));
        out.push(entry(id, procedure(s, &pid, &cid)));
    }
    for t in &p.touch_ups {
        let id = uuid(rid, &format!("TouchUp/{}", t.session.number));
        out.push(entry(id, touch_up(t, &pid, &cid)));
    }
    for f in &p.follow_ups {
        out.extend(observations(rid, f, &pid));
    }
    for (i, a) in p.adverse_events.iter().enumerate() {
        let id = uuid(rid, &format!("AdverseEvent/{i}"));
        out.push(entry(id, adverse_event(rid, a, &pid)));
    }
    out
}

fn patient_resource(p: &Patient, pseudonymous: bool) -> Value {
    let system = match pseudonymous {
        true => PSEUDONYM_SYSTEM,
        false => RECORD_ID_SYSTEM,
    };
    let mut r = json!({
        "resourceType": "Patient",
        "identifier": [{"system": system, "value": p.record_id}],
    });
    if let Some(name) = &p.name {
        r["name"] = json!([{"text": name}]);
    }
    if let Some(sex) = p.sex {
        r["gender"] = json!(match sex {
            Sex::F => "female",
            Sex::M => "male",
            Sex::X => "other",
        });
    }
    if let Some(b) = p.birth_date {
        r["birthDate"] = json!(b.to_string());
    }
    if let Some(f) = p.fitzpatrick {
        r["extension"] = json!([{"url": FITZPATRICK_EXT, "valueInteger": f.number()}]);
    }
    r
}

fn condition(p: &Patient, pid: &str) -> Value {
    let (icd, icd_label) = match p.subtype() {
        Subtype::Androgenetic => ("L64.9", "Androgenic alopecia, unspecified"),
        Subtype::Scarring => ("L66.9", "Cicatricial alopecia, unspecified"),
    };
    let text = match p.subtype() {
        Subtype::Androgenetic => "androgenetic alopecia",
        Subtype::Scarring => "scarring alopecia",
    };
    let mut r = json!({
        "resourceType": "Condition",
        "clinicalStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
            "code": "active"}]},
        "verificationStatus": {"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
            "code": "confirmed"}]},
        "code": {"coding": [
            coding(ICD10, icd, icd_label),
            coding(SUBTYPE_SYSTEM, p.subtype().id(), text),
        ], "text": text},
        "subject": reference(pid),
    });
    if !p.zones.is_empty() {
        r["bodySite"] = p.zones.iter().map(|z| zone_concept(&z.zone)).collect();
    }
    if let Some(c) = &p.alopecia.classification {
        r["stage"] = json!([{"summary": {"text": c.to_string()}}]);
    }
    r
}

fn decimal_mm(v: f64) -> Value {
    json!({"value": v, "unit": "mm", "system": UCUM, "code": "mm"})
}

/// The zone-work extension and a one-line readable summary of one zone.
fn zone_work(z: &crate::domain::ZoneWork) -> (Value, String) {
    let mut parts = vec![json!({"url": "zone", "valueCode": z.zone})];
    let mut text = vec![z.zone.clone()];
    if let Some(n) = &z.needle {
        parts.push(json!({"url": "needle", "valueString": n}));
        text.push(format!("needle {n}"));
    }
    if let Some(d) = z.density_reached {
        parts.push(json!({"url": "densityReached", "valueQuantity":
            {"value": d, "unit": "FU/cm2", "system": UCUM, "code": "/cm2"}}));
        text.push(format!("density {d} FU/cm²"));
    }
    if let Some(d) = z.depth_mm {
        parts.push(json!({"url": "depth", "valueQuantity": decimal_mm(d)}));
        text.push(format!("depth {d} mm"));
    }
    if let Some(b) = z.bleeding {
        parts.push(json!({"url": "bleeding", "valueBoolean": b}));
        text.push(if b { "bleeding" } else { "no bleeding" }.to_string());
    }
    (
        json!({"url": ZONE_WORK_EXT, "extension": parts}),
        text.join(", "),
    )
}

fn procedure(s: &Session, pid: &str, cid: &str) -> Value {
    let mut session_ext = vec![json!({"url": "number", "valuePositiveInt": s.number})];
    if let Some(v) = &s.pigment_shade {
        session_ext.push(json!({"url": "pigmentShade", "valueString": v}));
    }
    if let Some(v) = &s.pigment_lot {
        session_ext.push(json!({"url": "pigmentLot", "valueString": v}));
    }
    if let Some(v) = s.pigment_expiry {
        session_ext.push(json!({"url": "pigmentExpiry", "valueDate": v.to_string()}));
    }
    if let Some(v) = s.duration_min {
        session_ext.push(json!({"url": "duration", "valueQuantity":
            {"value": v, "unit": "min", "system": UCUM, "code": "min"}}));
    }
    let mut extension = vec![json!({"url": SESSION_EXT, "extension": session_ext})];
    let mut notes = Vec::new();
    for z in &s.zones {
        let (ext, line) = zone_work(z);
        extension.push(ext);
        notes.push(json!({"text": line}));
    }
    if let Some(n) = &s.notes {
        notes.push(json!({"text": n}));
    }
    let mut r = json!({
        "resourceType": "Procedure",
        "extension": extension,
        "status": "completed",
        "code": {"coding": [coding(PROCEDURE_SYSTEM, "smp-session", "Scalp micropigmentation session")],
                 "text": format!("scalp micropigmentation, session {}", s.number)},
        "subject": reference(pid),
        "performedDateTime": s.date.to_string(),
        "reasonReference": [reference(cid)],
    });
    if !s.zones.is_empty() {
        r["bodySite"] = s.zones.iter().map(|z| zone_concept(&z.zone)).collect();
    }
    if let Some(op) = &s.operator {
        r["performer"] = json!([{"actor": {"display": op}}]);
    }
    if !notes.is_empty() {
        r["note"] = json!(notes);
    }
    r
}

/// A touch-up after the course: a Procedure like a session's (same extensions), coded
/// `smp-touch-up`, its number the touch-up's ordinal, its reason as `reasonCode`.
fn touch_up(t: &TouchUp, pid: &str, cid: &str) -> Value {
    let mut r = procedure(&t.session, pid, cid);
    r["code"] = json!({"coding": [coding(PROCEDURE_SYSTEM, "smp-touch-up",
        "Scalp micropigmentation touch-up")],
        "text": format!("scalp micropigmentation, touch-up {}", t.session.number)});
    if let Some(reason) = t.reason {
        r["reasonCode"] = json!([{"coding": [coding(TOUCH_UP_REASON_SYSTEM, reason.id(),
            reason.label())], "text": reason.label()}]);
    }
    r
}

fn observations(rid: &str, f: &FollowUp, pid: &str) -> Vec<Value> {
    let tp = f.timepoint.id();
    let base = |code: &str, display: &str| {
        let mut o = json!({
            "resourceType": "Observation",
            "extension": [{"url": TIMEPOINT_EXT, "valueCode": tp}],
            "status": "final",
            "code": {"coding": [coding(SCORE_SYSTEM, code, display)],
                     "text": format!("{display}, {}", f.timepoint.label())},
            "subject": reference(pid),
        });
        if let Some(d) = f.date {
            o["effectiveDateTime"] = json!(d.to_string());
        }
        if let Some(a) = &f.assessor {
            o["performer"] = json!([{"display": a}]);
        }
        o
    };
    let mut out = Vec::new();
    if let Some(v) = f.vds {
        let mut o = base("vds", "Visual Density Score");
        o["valueQuantity"] = json!({"value": v.value(), "unit": "score 0-10"});
        out.push(entry(uuid(rid, &format!("vds/{tp}")), o));
    }
    if let Some(v) = f.pss {
        let mut o = base("pss", "Patient Satisfaction Score");
        o["valueInteger"] = json!(v.value());
        o["interpretation"] = json!([{"text": v.label()}]);
        out.push(entry(uuid(rid, &format!("pss/{tp}")), o));
    }
    out
}

fn adverse_event(rid: &str, a: &AdverseEvent, pid: &str) -> Value {
    let mut event = json!({"coding": [coding(ADVERSE_SYSTEM, a.kind.id(), a.kind.label())]});
    event["text"] = json!(a.description.as_deref().unwrap_or(a.kind.label()));
    let mut r = json!({
        "resourceType": "AdverseEvent",
        "actuality": "actual",
        "event": event,
        "subject": reference(pid),
    });
    if let Some(d) = a.onset {
        r["date"] = json!(d.to_string());
    }
    if let Some(s) = a.severity {
        let code = match s {
            Severity::Mild => "mild",
            Severity::Moderate => "moderate",
            Severity::Severe => "severe",
        };
        r["severity"] = json!({"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/adverse-event-severity",
            "code": code}]});
    }
    if let Some(resolved) = a.resolved {
        r["outcome"] = json!({"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/adverse-event-outcome",
            "code": if resolved { "resolved" } else { "ongoing" }}]});
    }
    if let Some(n) = a.session {
        let id = uuid(rid, &format!("Procedure/{n}"));
        r["suspectEntity"] = json!([{"instance": reference(&id)}]);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;

    fn d(s: &str) -> chrono::NaiveDate {
        validate::parse_date(s).unwrap()
    }

    fn patient() -> Patient {
        let mut p = Patient::new("A-1", Subtype::Androgenetic);
        p.name = Some("李娜".into());
        p.sex = Some(Sex::F);
        p.birth_date = Some(d("1990-05-05"));
        p.alopecia.classification = Some(Classification::parse("Ludwig II"));
        p.zones.push(AffectedZone {
            zone: "vertex".into(),
            area_cm2: Some(40.0),
        });
        let mut s = Session::new(1, d("2026-01-05"));
        s.zones.push(ZoneWork {
            zone: "vertex".into(),
            needle: Some("0603RL".into()),
            density_reached: Some(22.5),
            depth_mm: Some(0.6),
            bleeding: Some(false),
        });
        p.sessions.push(s);
        let f = p.follow_up_mut(Timepoint::Post);
        f.vds = Some(Vds::new(8.5).unwrap());
        f.pss = Some(Pss::new(3).unwrap());
        let mut a = AdverseEvent::new(AdverseKind::Infection);
        a.severity = Some(Severity::Mild);
        a.resolved = Some(true);
        a.session = Some(1);
        p.adverse_events.push(a);
        p
    }

    fn resources(b: &Value, kind: &str) -> Vec<Value> {
        b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["resource"].clone())
            .filter(|r| r["resourceType"] == kind)
            .collect()
    }

    #[test]
    fn one_resource_of_each_kind_per_fact() {
        let b = bundle(&[ExportRecord::identified(&patient())]);
        assert_eq!(b["type"], "collection");
        assert_eq!(resources(&b, "Patient").len(), 1);
        assert_eq!(resources(&b, "Condition").len(), 1);
        assert_eq!(resources(&b, "Procedure").len(), 1);
        // VDS, PSS and age.
        assert_eq!(resources(&b, "Observation").len(), 3);
        assert_eq!(resources(&b, "AdverseEvent").len(), 1);
        let pat = &resources(&b, "Patient")[0];
        assert_eq!(pat["gender"], "female");
        assert_eq!(pat["birthDate"], "1990-05-05");
        assert_eq!(pat["name"][0]["text"], "李娜");
        let cond = &resources(&b, "Condition")[0];
        assert_eq!(cond["code"]["coding"][0]["code"], "L64.9");
        assert_eq!(cond["stage"][0]["summary"]["text"], "Ludwig II");
    }

    #[test]
    fn a_touch_up_is_a_procedure_with_its_reason() {
        let mut p = patient();
        let mut t = TouchUp::new(1, d("2027-01-10"));
        t.reason = Some(crate::domain::TouchUpReason::PatchyRetention);
        t.session.pigment_lot = Some("LOT-7".into());
        p.touch_ups.push(t);
        let b = bundle(&[ExportRecord::identified(&p)]);
        let procs = resources(&b, "Procedure");
        assert_eq!(procs.len(), 2, "the session and the touch-up");
        let tu = &procs[1];
        assert_eq!(tu["code"]["coding"][0]["code"], "smp-touch-up");
        assert_eq!(tu["performedDateTime"], "2027-01-10");
        assert_eq!(
            tu["reasonCode"][0]["coding"][0],
            json!({"system": TOUCH_UP_REASON_SYSTEM, "code": "patchy_retention",
                   "display": "patchy retention"})
        );
        assert!(
            tu["extension"][0]["extension"]
                .as_array()
                .unwrap()
                .contains(&json!({"url": "pigmentLot", "valueString": "LOT-7"}))
        );
        // Its own id, not the session's.
        let ids: std::collections::BTreeSet<&str> = b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["fullUrl"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), b["entry"].as_array().unwrap().len());
    }

    #[test]
    fn procedure_carries_zone_work() {
        let b = bundle(&[ExportRecord::identified(&patient())]);
        let proc_ = &resources(&b, "Procedure")[0];
        assert_eq!(proc_["performedDateTime"], "2026-01-05");
        assert_eq!(proc_["bodySite"][0]["coding"][0]["code"], "vertex");
        let zw = &proc_["extension"][1];
        assert_eq!(zw["url"], ZONE_WORK_EXT);
        let parts = zw["extension"].as_array().unwrap();
        assert!(parts.contains(&json!({"url": "needle", "valueString": "0603RL"})));
        assert!(parts.contains(&json!({"url": "bleeding", "valueBoolean": false})));
        assert_eq!(
            proc_["note"][0]["text"],
            "vertex, needle 0603RL, density 22.5 FU/cm², depth 0.6 mm, no bleeding"
        );
    }

    #[test]
    fn references_resolve_within_the_bundle() {
        let b = bundle(&[ExportRecord::identified(&patient())]);
        let urls: Vec<String> = b["entry"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["fullUrl"].as_str().unwrap().to_string())
            .collect();
        let text = b.to_string();
        let mut refs = 0;
        for part in text.split("\"reference\":\"").skip(1) {
            let target = &part[..part.find('"').unwrap()];
            assert!(urls.iter().any(|u| u == target), "{target} dangles");
            refs += 1;
        }
        // Condition, age, procedure (subject + reason), 2 scores, adverse event (subject + suspect).
        assert_eq!(refs, 8);
    }

    #[test]
    fn ids_are_stable_uuids() {
        let a = uuid("A-1", "Patient");
        assert_eq!(a, uuid("A-1", "Patient"));
        assert_ne!(a, uuid("A-2", "Patient"));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8");
        assert_eq!(
            bundle(&[ExportRecord::identified(&patient())]),
            bundle(&[ExportRecord::identified(&patient())])
        );
    }
}
