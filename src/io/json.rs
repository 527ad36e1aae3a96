//! The JSON export read back (`smplan import FILE.json`): the lossless way into a registry.
//!
//! The file is the document `export --format json` writes (`schema_version`, `exported`,
//! `patients`), identified or de-identified. Each patient is read with the registry's own
//! types, so every value is checked by the parser the store uses (a VDS of 11, a date that
//! does not exist, a zone the protocol does not know...), and then by the whole-record rules.
//! Every problem names the record and the field, as a JSON path inside the patient:
//! `record SMP-007, field plan.zones[2].needle: invalid type: integer `3`, expected a string`.
//! A key the format does not have is an error, not silently dropped (a typo would otherwise
//! lose the value it holds).
//!
//! Import is all-or-nothing, like the CSV's: [`plan_import`] returns every patient or every
//! problem. With `--update`, a patient already in the registry is changed key by key at the
//! top level of its record: a key absent from the file leaves that part of the record as it
//! is, `null` clears it (not recorded), any other value replaces it. Without `--update` (and
//! into an empty registry) the record is taken as it is, so export then import gives back
//! byte-identical patient files.
//!
//! A de-identified record (it has `age_at_session1` and no `birth_date`) is checked and
//! imported without the age (a registry keeps birth dates, not ages). A file holding one is
//! never an update (`--update` refuses it whole): its record ids are pseudonyms and its dates
//! shifted.

use crate::domain::text::printable;
use crate::domain::validate::check_record_id;
use crate::domain::{Patient, SCHEMA_VERSION, ValidationContext};
use crate::export::deidentify::{AGE_CAP, AGE_COLUMN, age_at_session1};
use serde_json::{Map, Value};
use std::collections::HashMap;
use std::fmt;

/// The top-level keys of the export document.
pub const DOCUMENT_KEYS: [&str; 3] = ["schema_version", "exported", "patients"];

/// One problem in the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// `record SMP-007`, `patients[3]` (a record without a usable id), or empty for the
    /// document as a whole.
    pub record: String,
    /// The field at fault: a JSON path inside the record (`plan.zones[2].needle`), or a
    /// validation field (`session2_date`).
    pub field: Option<String>,
    pub message: String,
}

impl RecordError {
    fn document(message: impl Into<String>) -> Self {
        RecordError {
            record: String::new(),
            field: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // One problem, one line: what came from the file is shown escaped.
        let (record, message) = (
            printable(&self.record, false),
            printable(&self.message, false),
        );
        match (self.record.is_empty(), &self.field) {
            (true, _) => f.write_str(&message),
            (false, Some(field)) => {
                write!(f, "{record}, field {}: {message}", printable(field, false))
            }
            (false, None) => write!(f, "{record}: {message}"),
        }
    }
}

/// A parsed document: its patient schema version and its patients, as JSON objects.
#[derive(Debug, Clone)]
pub struct JsonFile {
    pub schema_version: u32,
    pub patients: Vec<Value>,
}

impl JsonFile {
    /// How a record is named in messages: `record <id>`, or `patients[i]` when it has no
    /// usable id.
    pub fn label(&self, index: usize) -> String {
        label(&self.patients[index], index)
    }

    /// True when some record is de-identified (see [`plan_import`]).
    pub fn is_deidentified(&self) -> bool {
        self.patients.iter().any(is_deidentified)
    }

    /// True when some record was de-identified (the age was checked but not stored).
    pub fn has_ages(&self) -> bool {
        self.patients
            .iter()
            .any(|p| p.get(AGE_COLUMN).is_some_and(|a| !a.is_null()))
    }
}

/// A de-identified record: it has `age_at_session1` and no `birth_date` (see the module
/// documentation).
fn is_deidentified(value: &Value) -> bool {
    value.get(AGE_COLUMN).is_some_and(|a| !a.is_null())
        && value.get("birth_date").is_none_or(Value::is_null)
}

fn label(value: &Value, index: usize) -> String {
    match value.get("record_id").and_then(Value::as_str) {
        Some(id) if check_record_id(id).is_ok() => format!("record {id}"),
        _ => format!("patients[{index}]"),
    }
}

/// Whether `bytes` look like a JSON document rather than a CSV file: the first character
/// that is not white space (after a byte-order mark) is `{`.
pub fn looks_like_json(bytes: &[u8]) -> bool {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{')
}

/// Reads the document. Problems of the document itself (not JSON, not an export, a newer
/// schema, an unknown top-level key) refuse the file at once.
pub fn read(bytes: &[u8]) -> Result<JsonFile, Vec<RecordError>> {
    let mut patients = Vec::new();
    let parts = for_each(bytes, |_, v| patients.push(v)).map_err(|e| {
        vec![RecordError::document(format!(
            "line {}, column {}: not valid JSON ({e})",
            e.line(),
            e.column()
        ))]
    })?;
    let schema_version = check_parts(&parts)?;
    Ok(JsonFile {
        schema_version,
        patients,
    })
}

/// A document read a record at a time ([`for_each`]): what it holds besides its records.
#[derive(Debug, Default)]
pub struct Parts {
    /// Not an object at all.
    pub not_object: bool,
    /// Top-level keys that are not [`DOCUMENT_KEYS`], and keys given twice.
    pub unknown: Vec<String>,
    pub twice: Vec<String>,
    pub schema_version: Option<Value>,
    pub exported: Option<Value>,
    /// `None`: no `patients`; `Some(None)`: not an array; `Some(Some(n))`: `n` records.
    pub patients: Option<Option<usize>>,
}

/// Reads the document from `source` (a byte-order mark skipped), passing each record of
/// `patients` to `each` as it is read, never the whole array: the JSON import of a file of
/// any size. `Err` is the parser's (not valid JSON).
pub fn for_each(
    source: impl std::io::Read,
    mut each: impl FnMut(usize, Value),
) -> Result<Parts, serde_json::Error> {
    use serde::de::DeserializeSeed;
    let mut de = serde_json::Deserializer::from_reader(crate::io::csv::without_bom(source));
    let parts = DocSeed(&mut each).deserialize(&mut de)?;
    de.end()?;
    Ok(parts)
}

/// The checks [`read`] makes of the document itself, on what [`for_each`] read: its patient
/// schema version, or every problem.
pub fn check_parts(parts: &Parts) -> Result<u32, Vec<RecordError>> {
    if parts.not_object {
        return Err(vec![RecordError::document(
            "not an smplan export: the document must be an object with schema_version and patients",
        )]);
    }
    let mut errors = Vec::new();
    let mut unknown = parts.unknown.clone();
    unknown.sort();
    for k in unknown {
        errors.push(RecordError::document(format!(
            "unknown key '{k}' in the document; allowed: {}",
            DOCUMENT_KEYS.join(", ")
        )));
    }
    for k in &parts.twice {
        errors.push(RecordError::document(format!(
            "the key '{k}' appears twice in the document"
        )));
    }
    let version = match &parts.schema_version {
        Some(v) => match v.as_u64().and_then(|v| u32::try_from(v).ok()) {
            Some(v) if v > SCHEMA_VERSION => {
                return Err(vec![RecordError::document(format!(
                    "the file was written by a newer smplan (schema version {v}; this one knows \
                     {SCHEMA_VERSION}); import it with that version"
                ))]);
            }
            Some(0) | None => {
                errors.push(RecordError::document(format!(
                    "schema_version {v} is not a schema version; allowed: 1 to {SCHEMA_VERSION}"
                )));
                SCHEMA_VERSION
            }
            Some(v) => v,
        },
        None => {
            errors.push(RecordError::document(
                "the document has no schema_version; an smplan export starts with it",
            ));
            SCHEMA_VERSION
        }
    };
    if let Some(e) = &parts.exported
        && !e.is_string()
    {
        errors.push(RecordError::document(
            "exported must be a date and time as text (RFC 3339)",
        ));
    }
    match parts.patients {
        Some(Some(_)) => {}
        Some(None) => errors.push(RecordError::document(
            "patients must be an array of records",
        )),
        None => errors.push(RecordError::document("the document has no patients array")),
    }
    match errors.is_empty() {
        true => Ok(version),
        false => Err(errors),
    }
}

/// The refusals [`plan_import`] makes of the records as a whole: none (`count` 0), or a
/// de-identified one (the label of the first, when any) with `--update`.
pub fn check_records(
    count: usize,
    first_deidentified: Option<&str>,
    update: bool,
) -> Result<(), Vec<RecordError>> {
    if count == 0 {
        return Err(vec![RecordError::document(
            "the document has no patients to import",
        )]);
    }
    if update && let Some(label) = first_deidentified {
        return Err(vec![RecordError::document(
            crate::io::csv::deidentified_update_refusal(&format!(
                "this file is de-identified ({label} has {AGE_COLUMN} and no birth_date)"
            )),
        )]);
    }
    Ok(())
}

/// What a record tells of the file as a whole: whether it is de-identified (see
/// [`plan_import`]) and whether it carries an age; and how it is named.
pub fn record_facts(value: &Value, index: usize) -> (bool, bool, String) {
    (
        is_deidentified(value),
        value.get(AGE_COLUMN).is_some_and(|a| !a.is_null()),
        label(value, index),
    )
}

struct DocSeed<'f, F>(&'f mut F);

impl<'de, F: FnMut(usize, Value)> serde::de::DeserializeSeed<'de> for DocSeed<'_, F> {
    type Value = Parts;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Parts, D::Error> {
        d.deserialize_any(self)
    }
}

/// Any value but an object: not an export.
macro_rules! not_object {
    ($($f:ident: $t:ty),*) => {
        $(fn $f<E: serde::de::Error>(self, _: $t) -> Result<Parts, E> {
            Ok(Parts { not_object: true, ..Parts::default() })
        })*
    };
}

impl<'de, F: FnMut(usize, Value)> serde::de::Visitor<'de> for DocSeed<'_, F> {
    type Value = Parts;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an smplan export")
    }
    not_object!(visit_bool: bool, visit_i64: i64, visit_u64: u64, visit_f64: f64, visit_str: &str);
    fn visit_unit<E: serde::de::Error>(self) -> Result<Parts, E> {
        Ok(Parts {
            not_object: true,
            ..Parts::default()
        })
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Parts, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(Parts {
            not_object: true,
            ..Parts::default()
        })
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Parts, A::Error> {
        let mut parts = Parts::default();
        let mut keys: Vec<String> = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            if keys.contains(&key) {
                parts.twice.push(key.clone());
            } else {
                keys.push(key.clone());
            }
            match key.as_str() {
                "patients" => {
                    let n = map.next_value_seed(PatientsSeed(&mut *self.0))?;
                    parts.patients = Some(n);
                }
                "schema_version" => parts.schema_version = Some(map.next_value()?),
                "exported" => parts.exported = Some(map.next_value()?),
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                    parts.unknown.push(key);
                }
            }
        }
        Ok(parts)
    }
}

/// The `patients` value: each record passed on as it is read; `None` when not an array.
struct PatientsSeed<'f, F>(&'f mut F);

impl<'de, F: FnMut(usize, Value)> serde::de::DeserializeSeed<'de> for PatientsSeed<'_, F> {
    type Value = Option<usize>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de, F: FnMut(usize, Value)> serde::de::Visitor<'de> for PatientsSeed<'_, F> {
    type Value = Option<usize>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of patient records")
    }
    fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Option<usize>, E> {
        Ok(None)
    }
    fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Option<usize>, E> {
        Ok(None)
    }
    fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Option<usize>, E> {
        Ok(None)
    }
    fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Option<usize>, E> {
        Ok(None)
    }
    fn visit_str<E: serde::de::Error>(self, _: &str) -> Result<Option<usize>, E> {
        Ok(None)
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Option<usize>, E> {
        Ok(None)
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(
        self,
        mut map: A,
    ) -> Result<Option<usize>, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(None)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> Result<Option<usize>, A::Error> {
        let mut n = 0;
        while let Some(v) = seq.next_element::<Value>()? {
            (self.0)(n, v);
            n += 1;
        }
        Ok(Some(n))
    }
}

/// Turns every record into a patient, checked against the file and the registry: duplicate
/// ids, ids already present without `update`, every value, and the whole-record rules.
/// Either every record is good (returned in file order), or every problem is returned.
pub fn plan_import<'a>(
    file: &JsonFile,
    existing: impl Fn(&str) -> Option<&'a Patient>,
    update: bool,
    ctx: &ValidationContext,
) -> Result<Vec<Patient>, Vec<RecordError>> {
    if file.patients.is_empty() {
        return Err(vec![RecordError::document(
            "the document has no patients to import",
        )]);
    }
    if update && let Some(i) = file.patients.iter().position(is_deidentified) {
        return Err(vec![RecordError::document(
            crate::io::csv::deidentified_update_refusal(&format!(
                "this file is de-identified ({} has {AGE_COLUMN} and no birth_date)",
                file.label(i)
            )),
        )]);
    }
    let mut planner = Planner::new(file.schema_version, update);
    let mut errors = Vec::new();
    let mut patients = Vec::with_capacity(file.patients.len());
    for (i, value) in file.patients.iter().enumerate() {
        match planner.record(i, value, |id| existing(id).cloned(), ctx) {
            Ok(p) => patients.push(p),
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() {
        Ok(patients)
    } else {
        Err(errors)
    }
}

/// The rules of [`plan_import`] a record at a time, for a document read a record at a time
/// ([`for_each`]): what it keeps across records is each record id and its index.
pub struct Planner {
    version: u32,
    update: bool,
    seen: HashMap<Box<str>, usize>,
}

impl Planner {
    pub fn new(version: u32, update: bool) -> Planner {
        Planner {
            version,
            update,
            seen: HashMap::new(),
        }
    }

    /// The patient of record `i` (on top of the registry's record, `existing`, asked only
    /// for an id not seen yet), or its problems.
    pub fn record(
        &mut self,
        i: usize,
        value: &Value,
        existing: impl FnOnce(&str) -> Option<Patient>,
        ctx: &ValidationContext,
    ) -> Result<Patient, Vec<RecordError>> {
        let mut errors = Vec::new();
        let update = self.update;
        let record = label(value, i);
        let err = |field: Option<&str>, message: String| RecordError {
            record: record.clone(),
            field: field.map(str::to_string),
            message,
        };
        let Value::Object(obj) = value else {
            errors.push(err(None, "is not a patient record (an object)".into()));
            return Err(errors);
        };
        let id = match obj.get("record_id") {
            Some(Value::String(id)) => match check_record_id(id) {
                Ok(()) => id.as_str(),
                Err(m) => {
                    errors.push(err(Some("record_id"), m));
                    return Err(errors);
                }
            },
            Some(_) => {
                errors.push(err(Some("record_id"), "must be text".into()));
                return Err(errors);
            }
            None => {
                errors.push(err(
                    Some("record_id"),
                    "is missing; every patient needs a study id".into(),
                ));
                return Err(errors);
            }
        };
        if let Some(first) = self.seen.insert(id.into(), i) {
            errors.push(err(
                Some("record_id"),
                format!("'{id}' is already patients[{first}]; each patient is listed once"),
            ));
            return Err(errors);
        }
        let age = match obj.get(AGE_COLUMN) {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64().and_then(|a| u32::try_from(a).ok()) {
                Some(a) if a <= AGE_CAP => Some(a),
                _ => {
                    errors.push(err(
                        Some(AGE_COLUMN),
                        format!(
                            "{v} is not an age; allowed: a whole number of years 0 to {AGE_CAP} \
                                 ({AGE_CAP} = {AGE_CAP} or older)"
                        ),
                    ));
                    return Err(errors);
                }
            },
        };
        let base = existing(id);
        let base = base.as_ref();
        if base.is_some() && !update {
            errors.push(err(
                Some("record_id"),
                format!("'{id}' is already in the registry; import with --update to change it"),
            ));
            return Err(errors);
        }
        if let Some(v) = obj.get("schema_version").and_then(Value::as_u64)
            && v > u64::from(SCHEMA_VERSION)
        {
            errors.push(err(
                Some("schema_version"),
                format!(
                    "{v} was written by a newer smplan (this one knows {SCHEMA_VERSION}); import \
                         it with that version"
                ),
            ));
            return Err(errors);
        }
        let merged = match merge(base, obj, self.version) {
            Ok(m) => m,
            Err(m) => {
                errors.push(err(None, m));
                return Err(errors);
            }
        };
        let p = match read_patient(&merged) {
            Ok(p) => p,
            Err(problems) => {
                errors.extend(problems.into_iter().map(|(f, m)| err(Some(&f), m)));
                return Err(errors);
            }
        };
        if let (Some(age), Some(expected)) = (age, age_at_session1(&p))
            && age != expected
        {
            errors.push(err(
                Some(AGE_COLUMN),
                format!(
                    "{age} does not agree with birth_date and sessions[0].date (age {expected}); \
                         correct one of them or leave {AGE_COLUMN} out"
                ),
            ));
        }
        for inv in p.validate(ctx) {
            errors.push(err(Some(&inv.field), inv.message));
        }
        match errors.is_empty() {
            true => Ok(p),
            false => Err(errors),
        }
    }
}

/// The record to read: the file's object as it is for a new patient; for an update, the
/// registry's record with each top-level key of the file's object put over it (`null`
/// removes the key: not recorded).
fn merge(base: Option<&Patient>, obj: &Map<String, Value>, version: u32) -> Result<Value, String> {
    let mut out = match base {
        Some(b) => match serde_json::to_value(b) {
            Ok(Value::Object(m)) => m,
            _ => return Err("the registry's record cannot be read back (a bug in smplan)".into()),
        },
        None => {
            let mut m = Map::new();
            m.insert("schema_version".into(), Value::from(version));
            m
        }
    };
    for (k, v) in obj {
        if k == AGE_COLUMN {
            continue;
        }
        if v.is_null() {
            out.remove(k);
        } else {
            out.insert(k.clone(), v.clone());
        }
    }
    Ok(Value::Object(out))
}

/// Reads one record with the registry's types: every value that does not parse and every key
/// the format does not have, each with its path.
fn read_patient(value: &Value) -> Result<Patient, Vec<(String, String)>> {
    let mut unknown = Vec::new();
    let mut note = |path: serde_ignored::Path<'_>| unknown.push(json_path(&path));
    let de = serde_ignored::Deserializer::new(value, &mut note);
    let parsed: Result<Patient, _> = serde_path_to_error::deserialize(de);
    let mut problems: Vec<(String, String)> = unknown
        .into_iter()
        .map(|path| {
            (
                path,
                "unknown key; docs/exports.md and `smplan export --format dictionary` list the \
                 keys of a record"
                    .to_string(),
            )
        })
        .collect();
    match parsed {
        Ok(p) if problems.is_empty() => Ok(p),
        Ok(_) => Err(problems),
        Err(e) => {
            let path = e.path().to_string();
            let path = if path == "." {
                "(the record)".to_string()
            } else {
                path
            };
            problems.push((path, e.into_inner().to_string()));
            Err(problems)
        }
    }
}

/// A `serde_ignored` path written as `serde_path_to_error` writes one: `plan.zones[2].x`.
fn json_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", json_path(parent)),
        Path::Map { parent, key } => {
            let p = json_path(parent);
            if p.is_empty() {
                key.to_string()
            } else {
                format!("{p}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => json_path(parent),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use serde_json::json;

    fn ctx_zones() -> Vec<String> {
        DEFAULT_ZONE_IDS.map(String::from).to_vec()
    }

    fn plan(text: &str, existing: &[Patient], update: bool) -> Result<Vec<Patient>, Vec<String>> {
        let zones = ctx_zones();
        let ctx = ValidationContext {
            today: validate::parse_date("2026-01-15").unwrap(),
            known_zones: &zones,
        };
        let file = read(text.as_bytes())
            .map_err(|e| e.iter().map(|e| e.to_string()).collect::<Vec<_>>())?;
        plan_import(
            &file,
            |id| existing.iter().find(|p| p.record_id == id),
            update,
            &ctx,
        )
        .map_err(|e| e.iter().map(|e| e.to_string()).collect())
    }

    fn doc(patients: &str) -> String {
        format!(
            r#"{{"schema_version": 1, "exported": "2026-01-15T00:00:00Z", "patients": [{patients}]}}"#
        )
    }

    #[test]
    fn a_bad_value_is_named_by_record_and_path() {
        let errs = plan(
            &doc(
                r#"{"schema_version": 1, "record_id": "SMP-007", "alopecia": {"subtype": "androgenetic"},
                   "plan": {"zones": [
                     {"zone": "vertex", "needle": "0603RL", "depth_min_mm": 0.4, "depth_max_mm": 0.8,
                      "area_cm2": 40, "target_density": 75, "sessions": []},
                     {"zone": "hairline", "needle": "0603RL", "depth_min_mm": 0.4, "depth_max_mm": 0.8,
                      "area_cm2": 40, "target_density": 75, "sessions": []},
                     {"zone": "frontal", "needle": 3, "depth_min_mm": 0.4, "depth_max_mm": 0.8,
                      "area_cm2": 40, "target_density": 75, "sessions": []}]}}"#,
            ),
            &[],
            false,
        )
        .unwrap_err();
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert!(
            errs[0].starts_with(
                "record SMP-007, field plan.zones[2].needle: invalid type: integer `3`"
            ),
            "{errs:?}"
        );
    }

    #[test]
    fn unknown_keys_and_out_of_range_scores_are_refused() {
        let errs = plan(
            &doc(
                r#"{"schema_version": 1, "record_id": "A-1", "alopecia": {"subtype": "scarring"},
                    "nmae": "typo", "sessions": [{"number": 1, "date": "2025-01-01", "nedle": 1}]},
                   {"schema_version": 1, "record_id": "A-2", "alopecia": {"subtype": "scarring"},
                    "follow_ups": [{"timepoint": "6m", "vds": 11}]}"#,
            ),
            &[],
            false,
        )
        .unwrap_err();
        for key in ["nmae", "sessions[0].nedle"] {
            let expect = format!("record A-1, field {key}: unknown key");
            assert!(errs.iter().any(|e| e.starts_with(&expect)), "{errs:?}");
        }
        assert!(
            errs.iter()
                .any(|e| e.starts_with("record A-2, field follow_ups[0].vds: 11 is outside 0..10")),
            "{errs:?}"
        );
    }

    #[test]
    fn whole_record_rules_and_duplicates() {
        let p = r#"{"schema_version": 1, "record_id": "A-1", "alopecia": {"subtype": "scarring"},
                    "sessions": [{"number": 1, "date": "2026-03-01"}]}"#;
        let errs = plan(&doc(&format!("{p}, {p}")), &[], false).unwrap_err();
        assert!(
            errs.iter()
                .any(|e| e
                    .starts_with("record A-1, field session1_date: 2026-03-01 is in the future")),
            "{errs:?}"
        );
        assert!(
            errs.iter()
                .any(|e| e.contains("'A-1' is already patients[0]")),
            "{errs:?}"
        );
        let errs = plan(
            &doc(r#"{"record_id": "a b", "alopecia": {}}, 7"#),
            &[],
            false,
        )
        .unwrap_err();
        assert!(
            errs[0].starts_with("patients[0], field record_id: 'a b' contains ' '"),
            "{errs:?}"
        );
        assert!(
            errs[1].starts_with("patients[1]: is not a patient record"),
            "{errs:?}"
        );
    }

    #[test]
    fn the_document_is_checked_first() {
        for (text, expect) in [
            ("[1, 2]", "not an smplan export"),
            (
                "{\"schema_version\": 1, \"patients\": [], }",
                "line 1, column",
            ),
            (
                r#"{"schema_version": 9, "patients": []}"#,
                "newer smplan (schema version 9",
            ),
            (
                r#"{"schema_version": 1, "patient": []}"#,
                "unknown key 'patient'",
            ),
            (
                r#"{"schema_version": 1, "patients": []}"#,
                "no patients to import",
            ),
        ] {
            let errs = plan(text, &[], false).unwrap_err();
            assert!(errs.iter().any(|e| e.contains(expect)), "{text}: {errs:?}");
        }
    }

    #[test]
    fn update_replaces_the_keys_it_has_and_keeps_the_rest() {
        let mut old = Patient::new("A-1", Subtype::Scarring);
        old.name = Some("Ana".into());
        old.notes = Some("keep me".into());
        old.consent.treatment =
            crate::domain::ConsentPart::given(chrono::NaiveDate::from_ymd_opt(2025, 1, 2).unwrap());
        let text = doc(r#"{"record_id": "A-1", "name": "Ana B", "notes": null}"#);
        let err = plan(&text, std::slice::from_ref(&old), false).unwrap_err();
        assert!(err[0].contains("import with --update"), "{err:?}");
        let got = plan(&text, std::slice::from_ref(&old), true).unwrap();
        assert_eq!(got[0].name.as_deref(), Some("Ana B"));
        assert_eq!(got[0].notes, None, "null clears");
        assert!(got[0].consent.treatment.is_given(), "absent keeps");
        assert_eq!(got[0].alopecia.subtype, Subtype::Scarring);
    }

    #[test]
    fn a_deidentified_record_is_checked_and_never_updates() {
        let rec = r#"{"schema_version": 1, "record_id": "A-1", "alopecia": {"subtype": "scarring"},
                      "age_at_session1": 44, "sessions": [{"number": 1, "date": "2025-01-01"}]}"#;
        let got = plan(&doc(rec), &[], false).unwrap();
        assert_eq!(got[0].birth_date, None);
        let old = Patient::new("A-1", Subtype::Scarring);
        let err = plan(&doc(rec), &[old], true).unwrap_err();
        assert!(err[0].contains("is de-identified"), "{err:?}");
        // By its shape, not by its ids: a pseudonym is never in the registry.
        let err = plan(&doc(rec), &[], true).unwrap_err();
        assert!(
            err[0].contains("this file is de-identified (record A-1 has"),
            "{err:?}"
        );
        let bad = rec.replace("44", "44.5");
        let err = plan(&doc(&bad), &[], false).unwrap_err();
        assert!(
            err[0].starts_with("record A-1, field age_at_session1: 44.5 is not an age"),
            "{err:?}"
        );
        let wrong = rec.replace(
            r#""age_at_session1": 44"#,
            r#""age_at_session1": 44, "birth_date": "1990-06-01""#,
        );
        let err = plan(&doc(&wrong), &[], false).unwrap_err();
        assert!(err[0].contains("does not agree with birth_date"), "{err:?}");
    }

    /// The document read a record at a time: its records passed on in order, and each
    /// problem of the document itself named.
    #[test]
    fn streamed_document_checks_name_each_problem() {
        let mut seen = Vec::new();
        let parts = for_each(
            br#"{"patients": [1, {"x": [2]}], "schema_version": 1}"#.as_slice(),
            |i, v| seen.push((i, v)),
        )
        .unwrap();
        assert_eq!(check_parts(&parts).unwrap(), 1);
        assert_eq!(seen, vec![(0, json!(1)), (1, json!({"x": [2]}))]);
        let cases = [
            (
                r#"{"schema_version": 1, "patients": [], "extra": 1, "another": [1]}"#,
                "unknown key 'another'",
            ),
            (r#"[1, 2]"#, "not an smplan export"),
            (r#""text""#, "not an smplan export"),
            (
                r#"{"schema_version": 1, "patients": {"a": 1}}"#,
                "patients must be an array",
            ),
            (r#"{"schema_version": 99, "patients": []}"#, "newer smplan"),
            (
                r#"{"schema_version": 0, "exported": 5, "patients": []}"#,
                "schema_version 0 is not a schema version",
            ),
            (r#"{"schema_version": 1}"#, "no patients array"),
        ];
        for (d, says) in cases {
            let e = read(d.as_bytes()).unwrap_err();
            assert!(e[0].to_string().contains(says), "{d}: {e:?}");
        }
        // Not JSON: the parser's error, as for the whole document.
        assert!(for_each(&b"{\"patients\": [1,"[..], |_, _| {}).is_err());
        // A key given twice is refused (the whole document kept the last one silently).
        let parts = for_each(
            &br#"{"schema_version": 1, "patients": [], "patients": []}"#[..],
            |_, _| {},
        )
        .unwrap();
        let e = check_parts(&parts).unwrap_err();
        assert!(
            e[0].to_string().contains("'patients' appears twice"),
            "{e:?}"
        );
    }
}
