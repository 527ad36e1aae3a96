//! `smplan export --format csv|json|fhir|dictionary [--deidentify] [-o FILE]`: the registry for
//! other programs. A reading command: it never takes the writer lock.
//!
//! Every format streams: the registry's records are read one at a time (a chunk at a time on
//! all cores, `crate::store::stream`), each is turned into its piece of the document
//! (`crate::export::stream`) and written to the output, so an export of 100,000 patients
//! holds a few thousand at most. With `-o FILE` the output is a temporary file renamed over
//! FILE once whole (`crate::cli::output`): a failed export leaves no part of a file behind.

use super::output::Output;
use super::{Ctx, fail};
use crate::domain::{ConsentStatus, ResearchFilter};
use crate::export::stream::{DocWriter, Encoder};
use crate::store::StoreError;
use crate::store::stream::Records;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Fhir,
    Dictionary,
}

/// Why an export stopped.
struct Failed(String);

impl From<StoreError> for Failed {
    fn from(e: StoreError) -> Self {
        Failed(e.to_string())
    }
}

impl From<std::io::Error> for Failed {
    fn from(e: std::io::Error) -> Self {
        Failed(e.to_string())
    }
}

pub fn run(ctx: &Ctx, format: Format, deidentify: bool, output: Option<&Path>) -> ExitCode {
    // Refused before anything is read, so the refusal changes nothing and costs nothing.
    if let Some(Err(e)) = output.map(|o| super::output::check_outside(o, &ctx.data_dir)) {
        return fail(e);
    }
    let format = match format {
        Format::Csv => crate::export::stream::Format::Csv,
        Format::Json => crate::export::stream::Format::Json,
        Format::Fhir => crate::export::stream::Format::Fhir,
        // The dictionary describes the fields, not the patients.
        Format::Dictionary => {
            let mut out = Vec::new();
            if let Err(e) = crate::export::dictionary::write_csv(&mut out) {
                return fail(format!("cannot export: {e}"));
            }
            return match super::output::write_output(output, &ctx.data_dir, &out) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => fail(e),
            };
        }
    };
    let mut records = match Records::open(&ctx.data_dir, ctx.open_options(false, &ctx.protocol())) {
        Ok(r) => r,
        Err(e) => return fail(format!("cannot export: {e}")),
    };
    // No patient, no date to shift: an empty registry (or none yet) needs no key file.
    let key = match (deidentify, records.listed() == 0) {
        (false, _) => None,
        (true, true) => Some(Vec::new()),
        (true, false) => match super::export_formats::secret(ctx) {
            Ok(k) => Some(k),
            Err(e) => return fail(format!("cannot export: {e}")),
        },
    };
    if let Some(k) = &key {
        records.order_by(|id| crate::export::deidentify::pseudonym(k, id));
    }
    let enc = Encoder {
        format,
        deidentify: key.as_deref(),
    };
    let mut out = match Output::create(output, &ctx.data_dir) {
        Ok(o) => o,
        Err(e) => return fail(e),
    };
    let exported = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    // A de-identified export is a research output: a patient whose data-use consent is
    // refused or withdrawn is left out (never encoded), and the count said at the end.
    let mut consent = ResearchFilter::default();
    let written = (|| -> Result<(), Failed> {
        let mut doc = DocWriter::begin(enc, &exported, &mut out)?;
        records.stream(
            |p| {
                let status = p.consent.data_use.status;
                let left_out = deidentify && status == ConsentStatus::Refused;
                (status, (!left_out).then(|| enc.record(&p)))
            },
            |(status, piece)| -> Result<(), Failed> {
                if (!deidentify || consent.admit_status(status))
                    && let Some(piece) = piece
                {
                    doc.push(&piece?)?;
                }
                Ok(())
            },
        )?;
        doc.finish()?;
        Ok(())
    })();
    if deidentify {
        super::say(format_args!(
            "note: de-identified export of {} patients: {}",
            consent.included,
            consent.sentence()
        ));
    }
    if let Err(Failed(e)) = written {
        // Dropping the output removes its temporary file: nothing half-written remains.
        return fail(format!("cannot export to {}: {e}", out.describe()));
    }
    if let Err(e) = out.finish() {
        return fail(e);
    }
    if let Some(why) = records.failure("the export") {
        for p in records.problems() {
            super::say(format_args!("{p}"));
        }
        return fail(why);
    }
    ExitCode::SUCCESS
}
