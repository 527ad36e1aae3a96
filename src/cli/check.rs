//! `smplan check`: read every file of the registry and report damage (exit 1 when any). A
//! reading command: it never takes the lock and never moves a file.

use super::{Ctx, fail};
use crate::store::Registry;
use std::process::ExitCode;

pub fn run(ctx: &Ctx) -> ExitCode {
    let dir = ctx.data_dir.display().to_string();
    match examine(ctx) {
        Ok(None) => {
            println!("no registry at {dir} yet: nothing to check");
            ExitCode::SUCCESS
        }
        Ok(Some(outcome)) => outcome.print(&dir),
        Err(e) => fail(e),
    }
}

/// What the check of a registry found, to print (see [`Outcome::print`]).
pub struct Outcome {
    pub patients: usize,
    /// Damage, quarantined files included, in the order they are printed.
    pub problems: Vec<String>,
    /// How many of `problems` are files in quarantine (data already set aside, not yet
    /// repaired), as opposed to damage found now.
    pub quarantined: usize,
    pub warnings: Vec<String>,
    pub pending: usize,
    /// What the audit log's check says beyond problems (the chain's head, where it starts).
    pub notes: Vec<String>,
    record: RecordWarnings,
}

impl Outcome {
    /// Problems beyond the files already in quarantine.
    pub fn damage(&self) -> usize {
        self.problems.len() - self.quarantined
    }

    /// Names the registry `to` in every message that names it `from` (a check made on a
    /// copy before it was moved into place).
    pub fn relabel(&mut self, from: &str, to: &str) {
        for m in self.problems.iter_mut().chain(&mut self.warnings) {
            *m = m.replace(from, to);
        }
    }

    pub fn is_clean(&self) -> bool {
        self.problems.is_empty() && self.warnings.is_empty()
    }

    /// Prints the check as `smplan check` does, naming the registry `dir`; the exit status
    /// is 1 when anything was found.
    pub fn print(&self, dir: &str) -> ExitCode {
        for n in &self.notes {
            println!("{n}");
        }
        for p in &self.problems {
            super::say(format_args!("{p}"));
        }
        for w in &self.warnings {
            super::say(format_args!("warning: {w}"));
        }
        if self.pending > 0 {
            println!(
                "{} change(s) in progress or interrupted; the next writer completes them",
                self.pending
            );
        }
        for line in &self.record.lines {
            super::say(format_args!("warning: {line}"));
        }
        let n = self.patients;
        if self.is_clean() {
            println!("{dir}: {n} patient(s), every file whole and valid");
            print!("{}", self.record.summary());
            return ExitCode::SUCCESS;
        }
        print!("{}", self.record.summary());
        fail(format!(
            "{dir}: {n} patient(s) loaded; {} problem(s) and {} warning(s) above",
            self.problems.len(),
            self.warnings.len()
        ))
    }
}

/// Checks the registry in `ctx.data_dir` as `smplan check` does; `None` when there is none.
pub fn examine(ctx: &Ctx) -> Result<Option<Outcome>, String> {
    // The clinic protocol is a file of the registry too: one that is refused is damage here,
    // while every other command only warns and falls back to the built-in protocol.
    let (protocol, protocol_problems) = crate::protocol::Protocol::load(&ctx.data_dir);
    // Every file is read and checked in full (never taken from the summary index); only
    // the summaries are kept.
    let opts = crate::store::OpenOptions {
        summaries: true,
        ..ctx.open_options(false, &protocol)
    };
    let reg = Registry::open_verifying(&ctx.data_dir, opts).map_err(|e| e.to_string())?;
    if !ctx.data_dir.exists() {
        return Ok(None);
    }
    let report = reg.report();
    let mut problems = protocol_problems;
    problems.extend(report.problems());
    let mut notes = Vec::new();
    match reg.audit_check() {
        Ok(c) => {
            problems.extend(c.problems);
            notes = c.notes;
        }
        Err(e) => problems.push(format!("the audit log cannot be read: {e}")),
    }
    Ok(Some(Outcome {
        patients: reg.len(),
        problems,
        quarantined: report.quarantine.len(),
        warnings: report.warnings.clone(),
        pending: report.pending,
        notes,
        record: record_warnings(&reg, &protocol),
    }))
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
