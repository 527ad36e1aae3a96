//! `smplan export --format csv|json [-o FILE]`: the registry for other programs. A reading
//! command: it never takes the writer lock.

use super::{Ctx, fail};
use crate::domain::{Patient, SCHEMA_VERSION};
use crate::store::Registry;
use serde::Serialize;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Fhir,
    Dictionary,
}

/// `export --format json`: the whole registry as one document.
#[derive(Debug, Serialize)]
pub struct JsonExport<'a> {
    /// The patient schema version of the records below.
    pub schema_version: u32,
    /// When the export was made (UTC, RFC 3339).
    pub exported: String,
    pub patients: Vec<&'a Patient>,
}

pub fn run(ctx: &Ctx, format: Format, deidentify: bool, output: Option<&Path>) -> ExitCode {
    // A plain CSV needs one whole record at a time: open on summaries and read each
    // patient's file as its row is written, so that 100,000 patients never sit in memory
    // together (700 MB). The other formats hold the registry whole.
    let streamed = format == Format::Csv && !deidentify;
    let opts = match streamed {
        true => ctx.summary_options(&ctx.protocol()),
        false => ctx.open_options(false, &ctx.protocol()),
    };
    let reg = match Registry::open(&ctx.data_dir, opts) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if let Some((f, _)) = reg.report().newer_schema.first() {
        return fail(format!(
            "cannot export: {} was written by a newer smplan; export with that version",
            f.display()
        ));
    }
    let bytes = match render(ctx, &reg, format, deidentify) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot export: {e}")),
    };
    if let Err(e) = super::report::write_output(output, &bytes) {
        return fail(e);
    }
    let damaged = reg.report().damaged.len();
    if damaged > 0 {
        for p in reg.report().problems() {
            eprintln!("smplan: {p}");
        }
        return fail(format!(
            "the export leaves out {damaged} damaged file(s); run `smplan check`"
        ));
    }
    ExitCode::SUCCESS
}

fn render(ctx: &Ctx, reg: &Registry, format: Format, deidentify: bool) -> Result<Vec<u8>, String> {
    if deidentify || matches!(format, Format::Fhir | Format::Dictionary) {
        return super::export_formats::render(ctx, reg, format, deidentify);
    }
    let mut out = Vec::new();
    match format {
        Format::Json => {
            let doc = JsonExport {
                schema_version: SCHEMA_VERSION,
                exported: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                patients: reg.patients().collect(),
            };
            serde_json::to_writer_pretty(&mut out, &doc).map_err(|e| e.to_string())?;
            out.push(b'\n');
        }
        _ => {
            let mut damaged = None;
            let whole = reg.patients().map_while(|s| match reg.load(&s.record_id) {
                Ok(p) => Some(p),
                Err(e) => {
                    damaged = Some(e);
                    None
                }
            });
            crate::io::csv::write(&mut out, whole).map_err(|e| e.to_string())?;
            if let Some(e) = damaged {
                return Err(e.to_string());
            }
        }
    }
    Ok(out)
}
