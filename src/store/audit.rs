//! The audit log: `audit.jsonl`, one JSON object per changed field, as REDCap and OpenClinica
//! keep one. Lines are only ever appended (a crash recovery may cut back a half-appended tail
//! of the transaction it replays, see `journal`).

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const AUDIT_FILE: &str = "audit.jsonl";

/// One changed field of one record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// UTC, RFC 3339 with milliseconds.
    pub time: String,
    pub operator: String,
    pub record_id: String,
    /// Path of the field in the patient file: `name`, `follow_ups[post].vds`,
    /// `sessions[2].date`, `adverse_events[0].resolved`.
    pub field: String,
    /// `null` when the field did not exist before.
    pub old: Value,
    /// `null` when the field was removed.
    pub new: Value,
    /// The transaction the change belongs to (one save, or one whole import).
    pub txn: String,
}

/// The shape of an audit entry, to check a line of the log without building its values
/// (`smplan check` reads a log of half a gigabyte at 100,000 patients).
#[derive(Deserialize)]
#[allow(dead_code)] // read only to be checked
struct Shape<'a> {
    #[serde(borrow)]
    time: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    operator: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    record_id: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    field: std::borrow::Cow<'a, str>,
    old: serde::de::IgnoredAny,
    new: serde::de::IgnoredAny,
    #[serde(borrow)]
    txn: std::borrow::Cow<'a, str>,
}

/// Whether `line` (with its newline) is one whole audit entry: what
/// `serde_json::from_slice::<AuditEntry>` accepts, without building it.
pub fn is_whole_entry(line: &[u8]) -> bool {
    line.ends_with(b"\n") && serde_json::from_slice::<Shape>(line).is_ok()
}

/// Field-level differences between two JSON documents, as (path, old, new).
///
/// Objects are compared key by key. Arrays of objects are matched by their natural key when
/// every element has a distinct one (`timepoint`, `number`, `zone`, `id`), so inserting a
/// follow-up does not show every later one as changed; otherwise by position. Anything else
/// (numbers, strings, arrays of scalars, a whole object appearing) is one leaf.
pub fn diff(old: &Value, new: &Value) -> Vec<(String, Value, Value)> {
    let mut out = Vec::new();
    diff_at(String::new(), old, new, &mut out);
    out
}

const ARRAY_KEYS: [&str; 4] = ["timepoint", "number", "zone", "id"];

fn diff_at(path: String, old: &Value, new: &Value, out: &mut Vec<(String, Value, Value)>) {
    if old == new {
        return;
    }
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
            for k in keys {
                let child = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                diff_at(
                    child,
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        (Value::Array(a), Value::Array(b)) if all_objects(a) && all_objects(b) => {
            match ARRAY_KEYS.iter().find(|k| keyed_by(a, k) && keyed_by(b, k)) {
                Some(key) => {
                    let mut order: Vec<String> = Vec::new();
                    for e in a.iter().chain(b) {
                        let id = key_of(e, key);
                        if !order.contains(&id) {
                            order.push(id);
                        }
                    }
                    for id in order {
                        let find = |v: &[Value]| {
                            v.iter()
                                .find(|e| key_of(e, key) == id)
                                .cloned()
                                .unwrap_or(Value::Null)
                        };
                        diff_at(format!("{path}[{id}]"), &find(a), &find(b), out);
                    }
                }
                None => {
                    for i in 0..a.len().max(b.len()) {
                        diff_at(
                            format!("{path}[{i}]"),
                            a.get(i).unwrap_or(&Value::Null),
                            b.get(i).unwrap_or(&Value::Null),
                            out,
                        );
                    }
                }
            }
        }
        _ => out.push((path, old.clone(), new.clone())),
    }
}

fn all_objects(v: &[Value]) -> bool {
    v.iter().all(Value::is_object)
}

fn key_of(e: &Value, key: &str) -> String {
    match e.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

fn keyed_by(v: &[Value], key: &str) -> bool {
    let mut seen = std::collections::HashSet::new();
    v.iter().all(|e| {
        matches!(e.get(key), Some(Value::String(_) | Value::Number(_)))
            && seen.insert(key_of(e, key))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn paths(a: Value, b: Value) -> Vec<String> {
        diff(&a, &b).into_iter().map(|(p, _, _)| p).collect()
    }

    #[test]
    fn nested_fields_are_named_by_path() {
        let a = json!({"name": "A", "follow_ups": [{"timepoint": "post", "vds": 8.5}]});
        let b = json!({"name": "A", "follow_ups": [{"timepoint": "post", "vds": 9.0}]});
        let d = diff(&a, &b);
        assert_eq!(
            d,
            vec![("follow_ups[post].vds".into(), json!(8.5), json!(9.0))]
        );
    }

    #[test]
    fn keyed_arrays_match_by_key_not_position() {
        let a = json!({"follow_ups": [{"timepoint": "6m", "vds": 7}]});
        let b =
            json!({"follow_ups": [{"timepoint": "post", "vds": 9}, {"timepoint": "6m", "vds": 7}]});
        assert_eq!(paths(a, b), vec!["follow_ups[post]"]);
        let a = json!({"sessions": [{"number": 1, "date": "2026-01-01"}]});
        let b = json!({"sessions": [{"number": 1, "date": "2026-01-02"}]});
        assert_eq!(paths(a, b), vec!["sessions[1].date"]);
    }

    #[test]
    fn unkeyed_arrays_by_position_and_scalars_whole() {
        let a = json!({"adverse_events": [{"kind": "infection"}], "photos": ["a"]});
        let b = json!({"adverse_events": [{"kind": "infection", "resolved": true}], "photos": ["a", "b"]});
        assert_eq!(paths(a, b), vec!["adverse_events[0].resolved", "photos"]);
    }

    #[test]
    fn a_new_record_lists_each_top_level_field() {
        let d = diff(
            &json!({}),
            &json!({"record_id": "P1", "alopecia": {"subtype": "scarring"}}),
        );
        assert_eq!(d.len(), 2);
        assert_eq!(d[0].0, "alopecia");
        assert_eq!(d[0].1, Value::Null);
        assert_eq!(d[1], ("record_id".into(), Value::Null, json!("P1")));
        assert!(diff(&json!({"a": 1}), &json!({"a": 1})).is_empty());
    }
}
