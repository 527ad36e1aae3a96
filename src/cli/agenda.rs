//! `smplan agenda [--from YYYY-MM-DD] [--days N] [--json]`: sessions and follow-ups due,
//! and everything overdue, by the rules of the contract's "Agenda JSON" section (see
//! [`crate::protocol::schedule::agenda`]). With `--json` standard output is the JSON array
//! and nothing else; without it, a table with the overdue items first and marked.

use super::Ctx;
use crate::domain::Triage;
use crate::domain::validate::parse_date;
use crate::protocol::{AgendaItem, agenda};
use crate::store::Registry;
use chrono::{Days, NaiveDate};
use std::process::ExitCode;
use unicode_width::UnicodeWidthStr;

pub fn run(ctx: &Ctx, from: Option<&str>, days: u32, json: bool) -> ExitCode {
    let from = match from.map(parse_date).transpose() {
        Ok(d) => d.unwrap_or(ctx.today),
        Err(e) => {
            super::say(format_args!("--from: {e}"));
            return ExitCode::from(2);
        }
    };
    let protocol = ctx.protocol();
    // A reading command: no lock, so the agenda works while the UI is open.
    let reg = match Registry::open(&ctx.data_dir, ctx.summary_options(&protocol)) {
        Ok(r) => r,
        Err(e) => return super::fail(e),
    };
    // Damaged files are left out; the agenda is still printed whole, then the damage is
    // named and the exit status is 1 (as for `export`).
    let problems = reg.report().problems().len();
    let items = agenda(reg.patients(), &protocol, from, days);
    if json {
        match serde_json::to_string_pretty(&items) {
            Ok(s) => println!("{s}"),
            Err(e) => return super::fail(format!("cannot write the agenda as JSON: {e}")),
        }
    } else {
        print!("{}", table(&items, from, days));
    }
    if problems > 0 {
        return super::fail(format!(
            "{problems} damaged file(s) in the registry are left out of the agenda; run `smplan check`"
        ));
    }
    ExitCode::SUCCESS
}

/// How an item stands on `from`, for the table's status column and its note.
pub fn status(it: &AgendaItem, from: NaiveDate) -> (&'static str, String) {
    let plural = |n: i64| if n == 1 { "" } else { "s" };
    if it.overdue {
        let n = (from - it.window_end).num_days();
        let note = format!("window closed {n} day{} ago", plural(n));
        return match it.held {
            Some(t) => ("! OVERDUE", format!("{} · {note}", held_reason(t))),
            None => ("! OVERDUE", note),
        };
    }
    let to_due = (it.date - from).num_days();
    let open = it.window_start <= from && from <= it.window_end;
    let note = match to_due {
        0 => "due today".to_string(),
        n if n > 0 => format!("due in {n} day{}", plural(n)),
        n => format!("due {} day{} ago", -n, plural(-n)),
    };
    match it.held {
        // The reason first: it is what a narrow screen must not cut.
        Some(t) => ("held", format!("{} · {note}", held_reason(t))),
        None => (if open { "open" } else { "" }, note),
    }
}

/// Why a session due by the schedule cannot be recorded yet (see [`AgendaItem::held`]).
fn held_reason(t: Triage) -> &'static str {
    match t {
        Triage::Defer => "deferred by the screen",
        Triage::ClearanceNeeded => "awaiting clearance",
        Triage::ScreenIncomplete => "health screen incomplete",
        Triage::NotScreened => "not screened",
        Triage::Clear => "",
    }
}

/// The readable agenda: overdue items first (marked `! OVERDUE`), then the rest, each in
/// date order.
pub fn table(items: &[AgendaItem], from: NaiveDate, days: u32) -> String {
    let last = from
        .checked_add_days(Days::new(u64::from(days.saturating_sub(1))))
        .unwrap_or(from);
    let range = if days == 0 {
        format!("on {from} (windows open that day, and overdue)")
    } else {
        format!(
            "from {from} to {last} ({days} day{})",
            if days == 1 { "" } else { "s" }
        )
    };
    let overdue = items.iter().filter(|i| i.overdue).count();
    if items.is_empty() {
        return format!("Agenda {range}: nothing due and nothing overdue.\n");
    }
    let mut out = format!(
        "Agenda {range}: {} item{}, {overdue} overdue\n\n",
        items.len(),
        if items.len() == 1 { "" } else { "s" }
    );
    let ordered: Vec<&AgendaItem> = items
        .iter()
        .filter(|i| i.overdue)
        .chain(items.iter().filter(|i| !i.overdue))
        .collect();
    let rows: Vec<[String; 6]> = ordered
        .iter()
        .map(|it| {
            let (st, note) = status(it, from);
            [
                st.to_string(),
                it.date.to_string(),
                it.record_id.clone(),
                it.label.clone(),
                format!("{} to {}", it.window_start, it.window_end),
                note,
            ]
        })
        .collect();
    let header = ["status", "due", "record", "item", "window", ""].map(String::from);
    let mut widths = [0usize; 6];
    for r in std::iter::once(&header).chain(rows.iter()) {
        for (w, cell) in widths.iter_mut().zip(r) {
            *w = (*w).max(cell.width());
        }
    }
    for r in std::iter::once(&header).chain(rows.iter()) {
        let mut line = String::new();
        for (i, (cell, w)) in r.iter().zip(widths).enumerate() {
            line.push_str(cell);
            if i + 1 < r.len() {
                line.push_str(&" ".repeat(w - cell.width() + 2));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::AgendaKind;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    fn item(date: &str, id: &str, label: &str, end: &str, overdue: bool) -> AgendaItem {
        AgendaItem {
            date: d(date),
            record_id: id.into(),
            kind: AgendaKind::Session,
            label: label.into(),
            window_start: d(date),
            window_end: d(end),
            overdue,
            held: None,
        }
    }

    #[test]
    fn a_session_the_screen_holds_back_says_so_in_its_status_and_note() {
        let mut it = item("2026-03-05", "A", "session 1", "2026-03-12", false);
        it.held = Some(Triage::Defer);
        let (st, note) = status(&it, d("2026-03-03"));
        assert_eq!(st, "held");
        assert_eq!(note, "deferred by the screen · due in 2 days");
        it.held = Some(Triage::ClearanceNeeded);
        it.overdue = true;
        let (st, note) = status(&it, d("2026-03-20"));
        assert_eq!(st, "! OVERDUE");
        assert_eq!(note, "awaiting clearance · window closed 8 days ago");
    }

    #[test]
    fn table_lists_overdue_first_and_marked() {
        let items = [
            item("2026-02-20", "P-1", "session 2", "2026-02-27", true),
            item("2026-02-27", "P-2", "session 3", "2026-03-06", false),
            item("2026-02-28", "P-3", "session 2", "2026-03-07", true),
            item("2026-03-05", "P-4", "session 2", "2026-03-12", false),
        ]
        .map(|mut i| {
            // The fourth row is the pure date-ordered agenda's; overdue ones move up.
            if i.record_id == "P-3" {
                i.window_end = d("2026-02-28");
            }
            i
        });
        let t = table(&items, d("2026-03-01"), 14);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "Agenda from 2026-03-01 to 2026-03-14 (14 days): 4 items, 2 overdue"
        );
        assert!(lines[2].starts_with("status"));
        assert!(lines[3].starts_with("! OVERDUE") && lines[3].contains("P-1"));
        assert!(
            lines[3].ends_with("window closed 2 days ago"),
            "{}",
            lines[3]
        );
        assert!(lines[4].starts_with("! OVERDUE") && lines[4].contains("P-3"));
        assert!(lines[5].starts_with("open") && lines[5].ends_with("due 2 days ago"));
        assert!(lines[6].contains("P-4") && lines[6].ends_with("due in 4 days"));
        assert!(!lines[6].starts_with("open"));
        // Columns line up.
        let col = lines[2].find("due").unwrap();
        assert!(lines[3..].iter().all(|l| &l[col..col + 4] == "2026"));
    }

    #[test]
    fn empty_agenda_says_so() {
        let t = table(&[], d("2026-03-01"), 14);
        assert_eq!(
            t,
            "Agenda from 2026-03-01 to 2026-03-14 (14 days): nothing due and nothing overdue.\n"
        );
        assert!(table(&[], d("2026-03-01"), 0).contains("windows open that day"));
    }
}
