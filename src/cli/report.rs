//! `smplan report [RECORD_ID] [--format md|html] [-o FILE]`: a patient's treatment summary, or
//! without a record id the case-series report. A reading command: it never takes the lock.

use super::Ctx;
use crate::domain::Patient;
use crate::export::report::{ReportContext, case_series, patient_report};
use crate::protocol::Protocol;
use crate::store::{Registry, fsutil};
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, record_id: Option<&str>, html: bool, output: Option<&Path>) -> ExitCode {
    let (protocol, registry) = match open_for_reading(ctx) {
        Ok(v) => v,
        Err(e) => return super::fail(e),
    };
    let damaged = registry.report().damaged.len();
    let rctx = ReportContext {
        today: ctx.today,
        protocol: &protocol,
        unreadable: damaged,
    };
    let doc = match record_id {
        Some(id) => match registry.get(id) {
            Some(p) => patient_report(p, &rctx),
            None => {
                let file = crate::store::journal::patient_file_name(id);
                let report = registry.report();
                let damaged = report
                    .damaged
                    .iter()
                    .map(|d| (&d.file, &d.reason))
                    .chain(report.quarantine.iter().map(|q| (&q.file, &q.reason)))
                    .find(|(f, _)| f.file_name().is_some_and(|n| n == file.as_str()));
                return super::fail(match damaged {
                    Some((f, why)) => format!(
                        "the file of patient '{id}' is damaged ({} {why}); run `smplan check`",
                        f.display()
                    ),
                    None => format!(
                        "no patient with record id '{id}' in {}",
                        ctx.data_dir.display()
                    ),
                });
            }
        },
        None => {
            let patients: Vec<Patient> = registry.patients().cloned().collect();
            case_series(&patients, &rctx)
        }
    };
    let text = if html {
        doc.to_html()
    } else {
        doc.to_markdown()
    };
    if let Err(e) = write_output(output, text.as_bytes()) {
        return super::fail(e);
    }
    if record_id.is_none() && damaged > 0 {
        // As `export` does: the document is written, and the exit status says it is partial.
        return super::fail(format!(
            "the case series leaves out {damaged} damaged file(s); run `smplan check`"
        ));
    }
    ExitCode::SUCCESS
}

/// The clinic protocol and the registry, opened for reading; warnings about either (a clinic
/// protocol refused, damaged files) go to standard error, so standard output stays the
/// document alone.
pub(crate) fn open_for_reading(ctx: &Ctx) -> Result<(Protocol, Registry), String> {
    let protocol = ctx.protocol();
    let registry = Registry::open(&ctx.data_dir, ctx.open_options(false, &protocol))
        .map_err(|e| e.to_string())?;
    for p in registry.report().problems() {
        eprintln!("smplan: warning: {p}; left out");
    }
    Ok((protocol, registry))
}

/// Writes to `output` atomically (a reader or a crash sees the old file or the whole new
/// one, created 0600 as it may hold patient data), or to standard output.
pub(crate) fn write_output(output: Option<&Path>, bytes: &[u8]) -> Result<(), String> {
    match output {
        Some(path) => {
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| format!("{} is not a file name", path.display()))?;
            let dir = match path.parent() {
                Some(d) if !d.as_os_str().is_empty() => d,
                _ => Path::new("."),
            };
            if !dir.is_dir() {
                return Err(format!(
                    "cannot write {}: the folder {} does not exist",
                    path.display(),
                    dir.display()
                ));
            }
            fsutil::write_durable(dir, name, bytes)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(bytes)
                .and_then(|()| out.flush())
                .map_err(|e| format!("cannot write to standard output: {e}"))
        }
    }
}
