//! `smplan export --format csv|json [-o FILE]`: the registry for other programs. A reading
//! command: it never takes the writer lock.

use super::{Ctx, fail, not_built};
use crate::domain::{Patient, SCHEMA_VERSION};
use crate::store::{Registry, fsutil};
use serde::Serialize;
use std::io::Write;
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
    match format {
        Format::Fhir => return not_built("export --format fhir"),
        Format::Dictionary => return not_built("export --format dictionary"),
        Format::Csv | Format::Json => {}
    }
    if deidentify {
        return not_built("export --deidentify");
    }
    let reg = match Registry::open(&ctx.data_dir, ctx.open_options(false, &ctx.protocol())) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if let Some((f, _)) = reg.report().newer_schema.first() {
        return fail(format!(
            "cannot export: {} was written by a newer smplan; export with that version",
            f.display()
        ));
    }
    let bytes = match render(&reg, format) {
        Ok(b) => b,
        Err(e) => return fail(format!("cannot export: {e}")),
    };
    let written = match output {
        None => std::io::stdout()
            .lock()
            .write_all(&bytes)
            .and_then(|()| std::io::stdout().flush()),
        Some(path) => write_file(path, &bytes),
    };
    if let Err(e) = written {
        let to = output.map_or("standard output".to_string(), |p| p.display().to_string());
        return fail(format!("cannot write {to}: {e}"));
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

fn render(reg: &Registry, format: Format) -> Result<Vec<u8>, String> {
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
        _ => crate::io::csv::write(&mut out, reg.patients()).map_err(|e| e.to_string())?,
    }
    Ok(out)
}

/// Atomically, 0600 (an export holds identifying data): a failed export leaves no half file.
fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .ok_or_else(|| std::io::Error::other("not a file name"))?
        .to_string_lossy();
    fsutil::write_durable(dir, &name, bytes)
}
