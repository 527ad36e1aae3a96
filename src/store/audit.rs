//! The audit log: `audit.jsonl`, one JSON object per changed field, as REDCap and OpenClinica
//! keep one. Lines are only ever appended (a crash recovery may cut back a half-appended tail
//! of the transaction it replays, see `journal`).
//!
//! **A hash chain makes it tamper-evident**, as git's commits are: every entry carries `prev`,
//! the SHA-256 (hex) of the bytes of the line before it (without its newline), and the first
//! line of a log carries [`GENESIS`]. Changing, removing or inserting a line breaks the link of
//! the line after it, which `smplan check` reports with the line number ([`verify`]). The
//! last hash ([`Verified::head`]) is printed by `check`: written down elsewhere, it also shows
//! a log cut short at its end, which no chain can show by itself. Entries written before the
//! chain existed have no `prev`; a chain then starts at the first entry that has one (whose
//! `prev` is the hash of the unchained line before it), and the older lines are read as they
//! are but not protected.
//!
//! Appending reads only the log's last line (to chain onto it), never the whole log: a save
//! costs the same at 10 or 100,000 patients. A last line without its newline (a write cut
//! short outside any transaction, or a log edited by hand) is never appended to: the writer
//! ends it with a newline, so that it stays one damaged line instead of swallowing the next
//! entry, and writes a [`TORN_TAIL_FIELD`] entry chained onto it, saying so.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};

/// `prev` of the first line of a log: no line before it (as git's null object id).
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The `field` of the entry a writer adds after closing a torn last line (see the module
/// documentation); its `record_id` is empty and its `old` value the torn line's length.
pub const TORN_TAIL_FIELD: &str = "audit_log.torn_line_closed";

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
    /// SHA-256 (hex) of the line before this one, or [`GENESIS`]; set when the entry is
    /// appended (see the module documentation). `None` in entries not yet appended and in
    /// entries written before the chain existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev: Option<String>,
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
    #[serde(borrow, default)]
    prev: Option<std::borrow::Cow<'a, str>>,
}

/// Whether `line` (with its newline) is one whole audit entry: what
/// `serde_json::from_slice::<AuditEntry>` accepts, without building it.
pub fn is_whole_entry(line: &[u8]) -> bool {
    line.ends_with(b"\n") && serde_json::from_slice::<Shape>(line).is_ok()
}

/// SHA-256 (hex) of one line's bytes, without its newline: the `prev` of the line after it.
pub fn line_hash(line: &[u8]) -> String {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    crate::domain::text::hex(&Sha256::digest(line))
}

/// What a line of the log is, for [`verify`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineFacts {
    /// A whole audit entry (with its newline).
    pub whole: bool,
    /// Its `prev`, when it is a whole entry that has one.
    pub prev: Option<String>,
    /// It is a [`TORN_TAIL_FIELD`] entry.
    pub closes_torn_line: bool,
    /// [`line_hash`] of the line.
    pub hash: String,
}

/// One line judged on its own (lines are judged on all cores, then linked in order).
pub fn line_facts(line: &[u8]) -> LineFacts {
    let shape = match line.ends_with(b"\n") {
        true => serde_json::from_slice::<Shape>(line).ok(),
        false => None,
    };
    LineFacts {
        whole: shape.is_some(),
        prev: shape
            .as_ref()
            .and_then(|s| s.prev.as_deref().map(str::to_string)),
        closes_torn_line: shape.as_ref().is_some_and(|s| s.field == TORN_TAIL_FIELD),
        hash: line_hash(line),
    }
}

/// What [`verify`] found in a whole log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verified {
    /// Lines read.
    pub lines: usize,
    /// Whole entries among them.
    pub entries: usize,
    /// The line (1-based) where the chain starts: the first entry with a `prev`.
    pub chain_from: Option<usize>,
    /// The first broken link: line number and what is wrong.
    pub broken: Option<(usize, String)>,
    /// Lines that are not whole entries, and whether a writer closed and recorded them (a
    /// torn line followed by a [`TORN_TAIL_FIELD`] entry chained onto it).
    pub not_whole: Vec<(usize, bool)>,
    /// The hash of the last line: the `prev` the next entry will carry.
    pub head: String,
}

/// Links the facts of every line, in order, into a verdict; feed the lines with
/// [`Verifier::push`] (a few thousand at a time, judged on all cores by [`line_facts`]).
#[derive(Debug, Default)]
pub struct Verifier {
    v: Verified,
    last: Option<LineFacts>,
}

impl Verifier {
    pub fn push(&mut self, facts: LineFacts) {
        let n = self.v.lines + 1;
        self.v.lines = n;
        let expected = match self.last.take() {
            Some(l) => l.hash,
            None => GENESIS.to_string(),
        };
        if facts.whole {
            self.v.entries += 1;
        } else {
            self.v.not_whole.push((n, false));
        }
        match (&facts.prev, self.v.chain_from) {
            (Some(prev), _) if *prev != expected => {
                let what = match n {
                    1 => "its prev is not the genesis value although it is the first line:                           lines before it were removed"
                        .to_string(),
                    _ => format!(
                        "its prev does not match line {}: that line was changed, or lines                          were removed or inserted here",
                        n - 1
                    ),
                };
                self.break_at(n, what);
            }
            (Some(_), None) => self.v.chain_from = Some(n),
            (Some(_), Some(_)) => {}
            (None, Some(from)) => {
                let what = match facts.whole {
                    true => format!(
                        "an entry without prev inside the chain that starts at line {from}:                          inserted or rewritten"
                    ),
                    false => "not a whole audit entry, inside the chain".to_string(),
                };
                // A torn line a later writer closed and recorded is not a break by itself
                // (the next line links to it); it is listed in `not_whole`.
                if facts.whole {
                    self.break_at(n, what);
                }
            }
            (None, None) => {}
        }
        if facts.closes_torn_line
            && facts.prev.as_deref() == Some(expected.as_str())
            && let Some(last) = self.v.not_whole.last_mut()
            && last.0 == n - 1
        {
            last.1 = true;
        }
        self.last = Some(facts);
    }

    fn break_at(&mut self, line: usize, what: String) {
        if self.v.broken.is_none() {
            self.v.broken = Some((line, what));
        }
    }

    pub fn finish(mut self) -> Verified {
        self.v.head = match &self.last {
            Some(l) => l.hash.clone(),
            None => GENESIS.to_string(),
        };
        self.v
    }
}

/// The end of a log as an appender needs it: the `prev` for the next entry, and whether the
/// last line is torn (no newline).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tail {
    pub prev: String,
    /// Length of the torn last line, when the log does not end with a newline.
    pub torn: Option<u64>,
}

/// Reads the last line of `f`, whose length is `len`, backwards a block at a time: the cost
/// is that of the last line, whatever the size of the log.
pub fn read_tail(f: &mut File, len: u64) -> io::Result<Tail> {
    const BLOCK: u64 = 8192;
    if len == 0 {
        return Ok(Tail {
            prev: GENESIS.to_string(),
            torn: None,
        });
    }
    // The last line, newest bytes last; `end` excludes a final newline.
    let mut line: Vec<u8> = Vec::new();
    let mut pos = len;
    let mut first_block = true;
    let mut torn = None;
    'blocks: while pos > 0 {
        let start = pos.saturating_sub(BLOCK);
        let mut block = vec![0u8; usize::try_from(pos - start).unwrap_or(0)];
        f.seek(SeekFrom::Start(start))?;
        f.read_exact(&mut block)?;
        let mut body: &[u8] = &block;
        if first_block {
            first_block = false;
            match body.strip_suffix(b"\n") {
                Some(b) => body = b,
                None => torn = Some(0),
            }
        }
        if let Some(i) = body.iter().rposition(|b| *b == b'\n') {
            let mut l = body[i + 1..].to_vec();
            l.extend_from_slice(&line);
            line = l;
            break 'blocks;
        }
        let mut l = body.to_vec();
        l.extend_from_slice(&line);
        line = l;
        pos = start;
    }
    Ok(Tail {
        torn: torn.map(|_| line.len() as u64),
        prev: line_hash(&line),
    })
}

/// The bytes that append `entries` after `tail`, each entry chained onto the line before it;
/// after a torn line, a newline first and a [`TORN_TAIL_FIELD`] entry (time, operator and
/// transaction of the first entry) before the others.
pub fn chained_lines(tail: &Tail, entries: &[AuditEntry]) -> io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chain = Chain::new(tail);
    for e in entries {
        chain.push(e.clone(), &mut buf)?;
    }
    Ok(buf)
}

/// Entries chained one at a time onto a log's [`Tail`], as [`chained_lines`] chains a slice:
/// what appends the audit lines of a transaction too large to hold (see `staging`).
pub struct Chain {
    prev: String,
    /// The torn last line's length, until the first entry closes it.
    torn: Option<u64>,
}

impl Chain {
    pub fn new(tail: &Tail) -> Chain {
        Chain {
            prev: tail.prev.clone(),
            torn: tail.torn,
        }
    }

    /// Appends `e` (its `prev` set) to `buf`, with its newline.
    pub fn push(&mut self, mut e: AuditEntry, buf: &mut Vec<u8>) -> io::Result<()> {
        if let Some(torn) = self.torn.take() {
            buf.push(b'\n');
            let note = AuditEntry {
                time: e.time.clone(),
                operator: e.operator.clone(),
                record_id: String::new(),
                field: TORN_TAIL_FIELD.to_string(),
                old: Value::from(torn),
                new: Value::from(format!(
                    "the line before this one ({torn} bytes) had no newline: a write cut short or \
                     an edit; it was ended here so that it swallows no entry"
                )),
                txn: e.txn.clone(),
                prev: None,
            };
            self.push(note, buf)?;
        }
        e.prev = Some(std::mem::take(&mut self.prev));
        let start = buf.len();
        serde_json::to_writer(&mut *buf, &e).map_err(io::Error::other)?;
        self.prev = line_hash(&buf[start..]);
        buf.push(b'\n');
        Ok(())
    }
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

    fn tail_of(bytes: &[u8]) -> Tail {
        let t = tempfile::tempdir().unwrap();
        let path = t.path().join("a");
        std::fs::write(&path, bytes).unwrap();
        let mut f = File::open(&path).unwrap();
        read_tail(&mut f, bytes.len() as u64).unwrap()
    }

    #[test]
    fn the_tail_is_the_last_line_however_long() {
        assert_eq!(tail_of(b"").prev, GENESIS);
        assert_eq!(tail_of(b"").torn, None);
        let long = "x".repeat(20_000);
        for last in ["{}", long.as_str()] {
            let text = format!("first\n{last}\n");
            let t = tail_of(text.as_bytes());
            assert_eq!((t.prev, t.torn), (line_hash(last.as_bytes()), None));
            let text = format!("{last}\n");
            assert_eq!(tail_of(text.as_bytes()).prev, line_hash(last.as_bytes()));
            // Torn: the bytes after the last newline are the line.
            let text = format!("first\n{last}");
            let t = tail_of(text.as_bytes());
            assert_eq!(t.prev, line_hash(last.as_bytes()));
            assert_eq!(t.torn, Some(last.len() as u64));
        }
    }

    #[test]
    fn chained_lines_link_each_entry_to_the_one_before() {
        let e = AuditEntry {
            time: "t".into(),
            operator: "ana".into(),
            record_id: "A".into(),
            field: "name".into(),
            old: Value::Null,
            new: json!("x"),
            txn: "1".into(),
            prev: None,
        };
        let tail = Tail {
            prev: GENESIS.into(),
            torn: None,
        };
        let bytes = chained_lines(&tail, &[e.clone(), e.clone()]).unwrap();
        let text = String::from_utf8(bytes).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        let mut v = Verifier::default();
        for l in &lines {
            v.push(line_facts(format!("{l}\n").as_bytes()));
        }
        let v = v.finish();
        assert_eq!((v.broken, v.chain_from, v.entries), (None, Some(1), 2));
        assert_eq!(v.head, line_hash(lines[1].as_bytes()));
        let torn = Tail {
            prev: line_hash(b"{\"ti"),
            torn: Some(4),
        };
        let text = String::from_utf8(chained_lines(&torn, &[e]).unwrap()).unwrap();
        assert!(text.starts_with('\n'), "the torn line is ended first");
        assert!(text.contains(TORN_TAIL_FIELD));
        assert_eq!(text.lines().count(), 3);
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
