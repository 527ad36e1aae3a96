//! `smplan check`: read every file of the registry and report damage (exit 1 when any). A
//! reading command: it never takes the lock and never moves a file.

use super::{Ctx, fail};
use crate::store::Registry;
use std::process::ExitCode;

pub fn run(ctx: &Ctx) -> ExitCode {
    let dir = ctx.data_dir.display();
    // The clinic protocol is a file of the registry too: one that is refused is damage here,
    // while every other command only warns and falls back to the built-in protocol.
    let (protocol, protocol_problems) = crate::protocol::Protocol::load(&ctx.data_dir);
    // Every file is read and checked in full (never taken from the summary index); only
    // the summaries are kept.
    let opts = crate::store::OpenOptions {
        summaries: true,
        ..ctx.open_options(false, &protocol)
    };
    let reg = match Registry::open_verifying(&ctx.data_dir, opts) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if !ctx.data_dir.exists() {
        println!("no registry at {dir} yet: nothing to check");
        return ExitCode::SUCCESS;
    }
    let report = reg.report();
    let mut problems = protocol_problems;
    problems.extend(report.problems());
    match reg.audit_check() {
        Ok(c) => {
            problems.extend(c.problems);
            for n in c.notes {
                println!("{n}");
            }
        }
        Err(e) => problems.push(format!("the audit log cannot be read: {e}")),
    }
    for p in &problems {
        super::say(format_args!("{p}"));
    }
    for w in &report.warnings {
        super::say(format_args!("warning: {w}"));
    }
    if report.pending > 0 {
        println!(
            "{} change(s) in progress or interrupted; the next writer completes them",
            report.pending
        );
    }
    let n = reg.len();
    let record = record_warnings(&reg, &protocol);
    for line in &record.lines {
        super::say(format_args!("warning: {line}"));
    }
    if problems.is_empty() && report.warnings.is_empty() {
        println!("{dir}: {n} patient(s), every file whole and valid");
        print!("{}", record.summary());
        return ExitCode::SUCCESS;
    }
    print!("{}", record.summary());
    fail(format!(
        "{dir}: {n} patient(s) loaded; {} problem(s) and {} warning(s) above",
        problems.len(),
        report.warnings.len()
    ))
}

/// What the records say of themselves, beyond damage: sessions without a screen or consent
/// on record, follow-ups before the course ended ([`crate::domain::gate::findings`]), and
/// plausibility warnings ([`crate::protocol::plausibility`]). Saved as entered, so they are
/// warnings (listed with the record ids, counted) and do not change the exit status, which
/// stays about damage.
struct RecordWarnings {
    /// One line per finding, naming the record.
    lines: Vec<String>,
    /// Per heading, the record ids (in id order).
    counts: Vec<(&'static str, Vec<String>)>,
}

const HEADINGS: [&str; 4] = [
    "treated without a recorded screen",
    "treated without a recorded consent",
    "post score before the course ended",
    "plausibility warnings",
];

fn record_warnings(reg: &Registry, protocol: &crate::protocol::Protocol) -> RecordWarnings {
    let rules = protocol.safety_rules();
    let ids: Vec<String> = reg.patients().map(|p| p.record_id.clone()).collect();
    // Whole records, a few at a time on all cores (the findings read consent and session
    // detail, which summaries do not carry); a file that cannot be read is damage, already
    // reported above.
    let per: Vec<Vec<(&'static str, String)>> = crate::par::par_map(&ids, |id| {
        let Ok(p) = reg.load(id) else {
            return Vec::new();
        };
        let mut v: Vec<(&'static str, String)> = crate::domain::gate::findings(&p, &rules)
            .into_iter()
            .map(|f| (f.heading(), f.detail().to_string()))
            .collect();
        v.extend(
            crate::protocol::plausibility::warnings(&p, protocol)
                .into_iter()
                .map(|w| (HEADINGS[3], format!("{}: {}", w.field, w.message))),
        );
        v
    });
    let mut out = RecordWarnings {
        lines: Vec::new(),
        counts: HEADINGS.iter().map(|h| (*h, Vec::new())).collect(),
    };
    for (id, found) in ids.iter().zip(per) {
        for (heading, detail) in found {
            out.lines.push(format!("{id}: {heading}: {detail}"));
            if let Some((_, ids)) = out.counts.iter_mut().find(|(h, _)| *h == heading)
                && ids.last() != Some(id)
            {
                ids.push(id.clone());
            }
        }
    }
    out
}

impl RecordWarnings {
    /// `post score before the course ended: 2 (A-1, B-7)`, a line per heading.
    fn summary(&self) -> String {
        let mut o = String::from("Record warnings (saved as entered; each named above):\n");
        for (heading, ids) in &self.counts {
            let shown: Vec<&str> = ids.iter().take(10).map(String::as_str).collect();
            let more = ids.len().saturating_sub(shown.len());
            let list = match (shown.is_empty(), more) {
                (true, _) => String::new(),
                (false, 0) => format!(" ({})", shown.join(", ")),
                (false, m) => format!(" ({} and {m} more)", shown.join(", ")),
            };
            o.push_str(&format!("  {heading}: {}{list}\n", ids.len()));
        }
        o
    }
}
