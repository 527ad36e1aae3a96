//! `smplan report [RECORD_ID] [--format md|html] [-o FILE]`: a patient's treatment summary, or
//! without a record id the case-series report. A reading command: it never takes the lock.

use super::Ctx;
use crate::export::report::{CaseSeries, ReportContext, patient_report};
use crate::protocol::Protocol;
use crate::store::Registry;
use std::path::Path;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, record_id: Option<&str>, html: bool, output: Option<&Path>) -> ExitCode {
    // Refused before anything is read, so the refusal changes nothing and costs nothing.
    if let Some(Err(e)) = output.map(|o| super::output::check_outside(o, &ctx.data_dir)) {
        return super::fail(e);
    }
    if record_id.is_none() {
        return series(ctx, html, output);
    }
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
        None => return series(ctx, html, output),
    };
    match render(&doc, html, output, &ctx.data_dir) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => super::fail(e),
    }
}

/// The document as Markdown or HTML, written to `output` (never inside `registry`).
fn render(
    doc: &crate::export::doc::Doc,
    html: bool,
    output: Option<&Path>,
    registry: &Path,
) -> Result<(), String> {
    let text = if html {
        doc.to_html()
    } else {
        doc.to_markdown()
    };
    super::output::write_output(output, registry, text.as_bytes())
}

/// The case-series report, streamed: one whole record at a time goes into the report's
/// counts (`CaseSeries`), so 100,000 patients are never held together.
fn series(ctx: &Ctx, html: bool, output: Option<&Path>) -> ExitCode {
    let protocol = ctx.protocol();
    let mut records = match crate::store::stream::Records::open(
        &ctx.data_dir,
        ctx.open_options(false, &protocol),
    ) {
        Ok(r) => r,
        Err(e) => return super::fail(e),
    };
    let rctx = ReportContext {
        today: ctx.today,
        protocol: &protocol,
        unreadable: 0,
    };
    let mut series = CaseSeries::new(&rctx);
    let streamed = records.stream(
        |p| p,
        |p| -> Result<(), crate::store::StoreError> {
            series.push(&p);
            Ok(())
        },
    );
    if let Err(e) = streamed {
        return super::fail(e);
    }
    for p in records.problems() {
        super::say(format_args!("warning: {p}; left out"));
    }
    series.set_unreadable(records.left_out());
    if let Err(e) = render(&series.finish(), html, output, &ctx.data_dir) {
        return super::fail(e);
    }
    if let Some(why) = records.failure("the case series") {
        // As `export` does: the document is written, and the exit status says it is partial.
        return super::fail(why);
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
        super::say(format_args!("warning: {p}; left out"));
    }
    Ok((protocol, registry))
}
