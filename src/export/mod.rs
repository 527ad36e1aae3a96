//! Exports and reports: pure functions from patient records to documents.
//!
//! Nothing here reads or writes the registry; the command line (`crate::cli::export`,
//! `crate::cli::report`) streams the patients through these functions, one at a time, into
//! the output it was asked for.
//!
//! - [`deidentify`]: identifiers and free text out, dates shifted per patient.
//! - [`fhir`]: a FHIR R4 `Bundle` of type `collection`.
//! - [`dictionary`]: a REDCap-style data dictionary generated from the validators' definitions.
//! - [`report`]: a patient's treatment summary and a case-series report, Markdown or HTML.
//! - [`stream`]: the CSV, JSON and FHIR documents written patient by patient.

pub mod deidentify;
pub mod dictionary;
pub mod doc;
pub mod fhir;
pub mod report;
pub mod stream;

pub use deidentify::ExportRecord;

use crate::domain::Patient;
use std::io::{self, Write};

/// The export formats this module writes (CSV and JSON belong to the registry's own I/O).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Fhir,
    Dictionary,
}

/// The records to export: de-identified with the registry's secret when one is given, as
/// they are otherwise.
pub fn records(patients: &[Patient], deidentify_secret: Option<&[u8]>) -> Vec<ExportRecord> {
    match deidentify_secret {
        Some(secret) => deidentify::deidentify(patients, secret),
        None => patients.iter().map(ExportRecord::identified).collect(),
    }
}

/// Writes one of this module's formats: the FHIR bundle of `records` (streamed, as the
/// command line writes it), or the dictionary.
pub fn write_format(kind: Kind, records: &[ExportRecord], out: &mut dyn Write) -> io::Result<()> {
    match kind {
        Kind::Fhir => {
            let mut w = stream::DocWriter::begin(
                stream::Encoder {
                    format: stream::Format::Fhir,
                    deidentify: None,
                },
                "",
                out,
            )?;
            let enc = stream::Encoder {
                format: stream::Format::Fhir,
                deidentify: None,
            };
            for r in records {
                w.push(&enc.piece(r)?)?;
            }
            w.finish().map(|_| ())
        }
        Kind::Dictionary => dictionary::write_csv(out),
    }
}
