//! The export documents written patient by patient: the CSV, the JSON export and the FHIR
//! bundle, identified or de-identified, as a header, one piece per patient and a footer, so
//! that an export of any size holds one patient (a chunk of them, encoded on all cores) at a
//! time. The pieces are pure functions of the record; the command line streams the
//! registry's records through them into the atomic output file.

use super::deidentify::{AGE_COLUMN, deidentify_patient};
use super::{ExportRecord, fhir};
use crate::domain::{Patient, SCHEMA_VERSION};
use crate::io::csv::{COLUMNS, to_row};
use serde::Serialize;
use std::io::{self, Write};

/// A document of patients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Fhir,
}

/// How each patient becomes its piece of the document: the format, and the registry's
/// de-identification secret when the export is de-identified.
#[derive(Debug, Clone, Copy)]
pub struct Encoder<'a> {
    pub format: Format,
    pub deidentify: Option<&'a [u8]>,
}

/// Indents every line of a pretty-printed value (strings hold no raw newline: JSON escapes
/// them) to sit at `depth` levels of two spaces inside the document.
fn indented(value: &impl Serialize, depth: usize) -> io::Result<Vec<u8>> {
    let pretty = serde_json::to_vec_pretty(value).map_err(io::Error::other)?;
    let pad = "  ".repeat(depth);
    let mut out = Vec::with_capacity(pretty.len() + pretty.len() / 8);
    for (i, line) in pretty.split(|b| *b == b'\n').enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(pad.as_bytes());
        out.extend_from_slice(line);
    }
    Ok(out)
}

impl Encoder<'_> {
    /// The CSV's columns: the contract's, with `age_at_session1` in place of `birth_date`
    /// when de-identified (the record no longer has one).
    pub fn csv_columns(&self) -> Vec<&'static str> {
        COLUMNS
            .iter()
            .map(|c| match (*c, self.deidentify) {
                ("birth_date", Some(_)) => AGE_COLUMN,
                (c, _) => c,
            })
            .collect()
    }

    /// Everything before the first patient. `exported` is the time of the export (RFC 3339).
    pub fn header(&self, exported: &str) -> io::Result<Vec<u8>> {
        match self.format {
            Format::Csv => csv_line(&self.csv_columns()),
            Format::Json => Ok(format!(
                "{{\n  \"schema_version\": {SCHEMA_VERSION},\n  \"exported\": {},\n  \"patients\": [",
                serde_json::to_string(exported).map_err(io::Error::other)?
            )
            .into_bytes()),
            Format::Fhir => {
                Ok(b"{\n  \"resourceType\": \"Bundle\",\n  \"type\": \"collection\",\n  \"entry\": ["
                    .to_vec())
            }
        }
    }

    /// One patient's piece (for JSON and FHIR, without the separator between pieces).
    pub fn record(&self, p: &Patient) -> io::Result<Vec<u8>> {
        match self.deidentify {
            Some(secret) => self.piece(&deidentify_patient(p, secret)),
            None => self.piece(&ExportRecord::identified(p)),
        }
    }

    /// The piece of a record already de-identified (or not) as this encoder says.
    pub fn piece(&self, r: &ExportRecord) -> io::Result<Vec<u8>> {
        match self.format {
            Format::Csv => {
                // The registry's own row, read by column name so that the identified and the
                // de-identified CSV cannot drift apart.
                let row = serde_json::to_value(to_row(&r.patient)).map_err(io::Error::other)?;
                let cells: Vec<String> = self
                    .csv_columns()
                    .iter()
                    .map(|c| match *c {
                        AGE_COLUMN => r.age_at_session1.map(|a| a.to_string()).unwrap_or_default(),
                        c => row[c].as_str().unwrap_or_default().to_string(),
                    })
                    .collect();
                csv_line(&cells)
            }
            // The identified JSON export holds the patient files as they are (no age).
            Format::Json => match self.deidentify {
                Some(_) => indented(r, 2),
                None => indented(&r.patient, 2),
            },
            Format::Fhir => {
                let mut out = Vec::new();
                for (i, e) in fhir::patient_entries(r).iter().enumerate() {
                    if i > 0 {
                        out.extend_from_slice(b",\n");
                    }
                    out.extend_from_slice(&indented(e, 2)?);
                }
                Ok(out)
            }
        }
    }

    /// Written before every piece but the first.
    fn separator(&self) -> &'static [u8] {
        match self.format {
            Format::Csv => b"",
            Format::Json | Format::Fhir => b",\n",
        }
    }

    /// Everything after the last patient; `any` says whether there was one.
    fn footer(&self, any: bool) -> &'static [u8] {
        match (self.format, any) {
            (Format::Csv, _) => b"",
            (_, true) => b"\n  ]\n}\n",
            (_, false) => b"]\n}\n",
        }
    }
}

fn csv_line<S: AsRef<[u8]>>(cells: &[S]) -> io::Result<Vec<u8>> {
    let mut w = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(cells).map_err(io::Error::other)?;
    w.into_inner().map_err(|e| io::Error::other(e.to_string()))
}

/// A document being written: header written, pieces appended one by one, then finished.
pub struct DocWriter<'a, W: Write> {
    enc: Encoder<'a>,
    out: W,
    any: bool,
}

impl<'a, W: Write> DocWriter<'a, W> {
    pub fn begin(enc: Encoder<'a>, exported: &str, mut out: W) -> io::Result<Self> {
        out.write_all(&enc.header(exported)?)?;
        Ok(DocWriter {
            enc,
            out,
            any: false,
        })
    }

    /// Appends one patient's piece, as [`Encoder::record`] made it.
    pub fn push(&mut self, piece: &[u8]) -> io::Result<()> {
        if self.any {
            self.out.write_all(self.enc.separator())?;
        } else if self.enc.format != Format::Csv {
            self.out.write_all(b"\n")?;
        }
        self.any = true;
        self.out.write_all(piece)
    }

    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(self.enc.footer(self.any))?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// The whole document of `patients` (tests, and callers that hold the records anyway).
pub fn write_all<'p, W: Write>(
    enc: Encoder<'_>,
    exported: &str,
    patients: impl IntoIterator<Item = &'p Patient>,
    out: W,
) -> io::Result<W> {
    let mut w = DocWriter::begin(enc, exported, out)?;
    for p in patients {
        w.push(&enc.record(p)?)?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Subtype;

    fn doc(format: Format, patients: &[Patient]) -> String {
        let enc = Encoder {
            format,
            deidentify: None,
        };
        String::from_utf8(write_all(enc, "2026-01-01T00:00:00Z", patients, Vec::new()).unwrap())
            .unwrap()
    }

    #[test]
    fn the_streamed_json_is_what_serde_would_write_whole() {
        #[derive(Serialize)]
        struct Whole<'a> {
            schema_version: u32,
            exported: &'a str,
            patients: &'a [Patient],
        }
        let mut a = Patient::new("A", Subtype::Scarring);
        a.notes = Some("two\nlines, \"quoted\"".into());
        let b = Patient::new("B", Subtype::Androgenetic);
        for ps in [vec![], vec![a.clone()], vec![a, b]] {
            let whole = Whole {
                schema_version: SCHEMA_VERSION,
                exported: "2026-01-01T00:00:00Z",
                patients: &ps,
            };
            let expected = serde_json::to_string_pretty(&whole).unwrap() + "\n";
            assert_eq!(doc(Format::Json, &ps), expected);
        }
    }

    #[test]
    fn the_streamed_bundle_parses_and_holds_every_entry() {
        let ps = vec![
            Patient::new("A", Subtype::Scarring),
            Patient::new("B", Subtype::Androgenetic),
        ];
        for (ps, entries) in [(vec![], 0), (ps, 4)] {
            let v: serde_json::Value = serde_json::from_str(&doc(Format::Fhir, &ps)).unwrap();
            assert_eq!(v["resourceType"], "Bundle");
            assert_eq!(v["entry"].as_array().unwrap().len(), entries);
        }
    }
}
