//! The follow-up tab: each timepoint of the protocol (post, 6 months) and any the clinic adds
//! (12m...), with date, VDS, PSS and assessor; the due date and window of each, and a flag on
//! a visit recorded outside its window (flagged, never refused: a late visit is still data).
//!
//! Built for fast entry: on a field, type the number and Enter; the value is saved and the
//! focus moves to the next field.

use super::form::{self, Event, Field, Form, Item, Kind, RecordTab, TabCtx, Typing};
use crate::domain::validate::parse_date;
use crate::domain::{FollowUp, Patient, Pss, Timepoint, Vds};
use crate::protocol::Protocol;
use crate::protocol::schedule::{follow_up_window, last_protocol_session, out_of_window};
use crate::tui::action::{Action, Commit};
use crate::tui::command::Command;
use crate::tui::keymap as keys;
use crate::tui::strings::cmd;
use crate::tui::strings::followup as words;
use crate::tui::widgets;
use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Date(Timepoint),
    Vds(Timepoint),
    Pss(Timepoint),
    Assessor(Timepoint),
    Add,
}

/// The timepoints shown: the protocol's, then any recorded for the patient, in order.
pub fn timepoints(p: &Patient, proto: &Protocol) -> Vec<Timepoint> {
    let mut v: Vec<Timepoint> = proto
        .schedule
        .follow_ups
        .iter()
        .map(|f| f.timepoint)
        .chain(p.follow_ups.iter().map(|f| f.timepoint))
        .collect();
    v.sort();
    v.dedup();
    v
}

/// The PSS with its meaning: `3 — very satisfied`.
pub fn pss_shown(p: Pss) -> String {
    format!("{p} — {}", p.label())
}

const PSS_HINT: &str = "0 not · 1 somewhat · 2 satisfied · 3 very satisfied";

#[derive(Debug, Default)]
pub struct FollowUpTab {
    pub form: Form<Key>,
    /// The change being prepared asks first: the question for the confirmation.
    ask: Option<Vec<String>>,
}

fn tp_title(tp: Timepoint) -> String {
    match tp {
        Timepoint::Post => "Post-treatment (post)".into(),
        Timepoint::Months(m) => format!("{m} months ({})", tp.id()),
    }
}

/// The due date and window of a timepoint, or why there is none yet.
fn window_text(p: &Patient, proto: &Protocol, tp: Timepoint) -> String {
    match (proto.follow_up_def(tp), follow_up_window(p, proto, tp)) {
        (None, _) => "not in the protocol: no due date or window".into(),
        (Some(_), Some(w)) => format!("due {} · window {} to {}", w.due, w.start, w.end),
        (Some(def), None) => {
            let n = proto.session_count();
            let after = if def.days_after_last_session == 0 {
                format!("on the day of session {n}")
            } else {
                format!("{} days after session {n}", def.days_after_last_session)
            };
            format!("due {after}, once it is recorded")
        }
    }
}

impl FollowUpTab {
    /// Puts the focus on the first empty field of the visit due (date, VDS, PSS, assessor).
    pub fn land_on_due(&mut self, p: &Patient, proto: &Protocol, today: NaiveDate) {
        let due = crate::protocol::schedule::next_due(p, proto, today);
        let Some(tp) = due.and_then(|d| {
            timepoints(p, proto)
                .into_iter()
                .find(|tp| d.label.ends_with(&format!(" {}", tp.id())))
        }) else {
            return;
        };
        let f = p.follow_up(tp);
        self.form.focus = Some(match f {
            Some(f) if f.date.is_some() && f.vds.is_none() => Key::Vds(tp),
            Some(f) if f.date.is_some() && f.pss.is_none() => Key::Pss(tp),
            Some(f) if f.date.is_some() => Key::Assessor(tp),
            _ => Key::Date(tp),
        });
    }

    pub fn items(&self, c: &TabCtx, w: usize) -> Vec<Item<Key>> {
        let (p, proto, theme) = (c.patient, c.protocol, c.theme);
        let mut v = Vec::new();
        if last_protocol_session(p, proto).is_none() {
            v.push(Item::Line(Line::styled(
                format!(
                    "Follow-ups count from session {}, not recorded yet.",
                    proto.session_count()
                ),
                theme.dim(),
            )));
        }
        let flags = out_of_window(p, proto);
        for tp in timepoints(p, proto) {
            if !v.is_empty() {
                v.push(Item::Line(Line::raw("")));
            }
            v.push(Item::Heading(Line::from(vec![
                Span::styled(tp_title(tp), theme.header()),
                Span::raw("  "),
                Span::styled(
                    widgets::truncate(&window_text(p, proto, tp), w.saturating_sub(28)),
                    theme.dim(),
                ),
            ])));
            let f = p.follow_up(tp);
            let date = f.and_then(|f| f.date);
            let mut date_field = Field::text(
                Key::Date(tp),
                "Date",
                date.map_or("—".into(), |d| d.to_string()),
            )
            .prefill(date.unwrap_or(c.today).to_string())
            .quick(c.today.to_string())
            .clearable(date.is_some())
            .hint("YYYY-MM-DD, Enter = today");
            let flag = flags
                .iter()
                .find(|m| m.starts_with(&format!("follow-up {} ", tp.id())));
            if flag.is_some() {
                date_field = date_field.flag("⚠ OUT OF WINDOW", theme.warn());
            }
            let vds = f.and_then(|f| f.vds);
            let pss = f.and_then(|f| f.pss);
            let assessor = f.and_then(|f| f.assessor.clone());
            v.push(Item::Field(date_field));
            if let Some(m) = flag {
                v.extend(form::note_lines(&format!("⚠ {m}"), w, theme.warn()));
            }
            let vds_field = Field::text(
                Key::Vds(tp),
                "VDS (0–10)",
                vds.map_or("—".into(), |v| v.to_string()),
            )
            .prefill(vds.map(|v| v.to_string()).unwrap_or_default())
            .hint("0 to 10, one decimal");
            v.push(Item::Field(vds_field));
            v.push(Item::Field(
                Field::text(Key::Pss(tp), "PSS (0–3)", pss.map_or("—".into(), pss_shown))
                    .prefill(pss.map(|p| p.to_string()).unwrap_or_default())
                    .hint(PSS_HINT),
            ));
            v.push(Item::Field(
                Field::text(
                    Key::Assessor(tp),
                    "Assessor",
                    assessor.clone().unwrap_or("—".into()),
                )
                .prefill(assessor.unwrap_or_else(|| c.operator.to_string())),
            ));
        }
        v.push(Item::Line(Line::raw("")));
        v.push(Item::Field(
            Field::text(Key::Add, "Add a timepoint", "Enter or a, then e.g. 12m")
                .kind(Kind::Text {
                    prefill: String::new(),
                })
                .hint("12m, 24m…")
                .enter(cmd::ADD_TIMEPOINT),
        ));
        form::clear_where_valued(&mut v);
        v
    }

    fn apply(&mut self, ev: Event<Key>, c: &TabCtx) -> Result<Option<(Patient, String)>, String> {
        let mut q = c.patient.clone();
        let (key, text) = match ev {
            Event::Text(k, t) => (k, t),
            Event::Clear(k) => (k, String::new()),
            _ => return Ok(None),
        };
        let t = text.trim();
        let what = match key {
            Key::Add => {
                let tp: Timepoint = t.parse()?;
                if q.follow_up(tp).is_some() || c.protocol.follow_up_def(tp).is_some() {
                    return Err(format!("the {} follow-up is already listed", tp.id()));
                }
                q.follow_ups.push(FollowUp::new(tp));
                q.follow_ups.sort_by_key(|f| f.timepoint);
                self.form.focus_after_save(Key::Date(tp));
                format!("follow-up {} added; enter its date and scores", tp.id())
            }
            Key::Date(tp) => {
                let d = if t.is_empty() {
                    None
                } else {
                    Some(parse_date(t)?)
                };
                q.follow_up_mut(tp).date = d;
                format!(
                    "follow-up {} date {}",
                    tp.id(),
                    d.map_or("cleared".into(), |d| d.to_string())
                )
            }
            Key::Vds(tp) => {
                let v = if t.is_empty() {
                    None
                } else {
                    Some(t.parse::<Vds>()?)
                };
                if let (None, Some(old)) = (v, p_vds(c.patient, tp))
                    && treated(c.patient)
                {
                    self.ask = Some(words::confirm_clear_score(
                        "VDS",
                        &tp.id(),
                        &old.to_string(),
                    ));
                }
                q.follow_up_mut(tp).vds = v;
                format!(
                    "VDS {} {}",
                    tp.id(),
                    v.map_or("cleared".into(), |v| v.to_string())
                )
            }
            Key::Pss(tp) => {
                let v: Option<Pss> = if t.is_empty() { None } else { Some(t.parse()?) };
                if let (None, Some(old)) = (v, c.patient.follow_up(tp).and_then(|f| f.pss))
                    && treated(c.patient)
                {
                    self.ask = Some(words::confirm_clear_score("PSS", &tp.id(), &pss_shown(old)));
                }
                q.follow_up_mut(tp).pss = v;
                format!("PSS {} {}", tp.id(), v.map_or("cleared".into(), pss_shown))
            }
            Key::Assessor(tp) => {
                let a = Some(t.to_string()).filter(|s| !s.is_empty());
                q.follow_up_mut(tp).assessor = a.clone();
                format!(
                    "follow-up {} assessor {}",
                    tp.id(),
                    a.unwrap_or("cleared".into())
                )
            }
        };
        Ok(Some((q, what)))
    }
}

const NOTE_WIDTH: usize = 80;

fn p_vds(p: &Patient, tp: Timepoint) -> Option<Vds> {
    p.follow_up(tp).and_then(|f| f.vds)
}

/// A patient with a session or touch-up recorded: clearing a score asks first.
fn treated(p: &Patient) -> bool {
    !p.sessions.is_empty() || !p.touch_ups.is_empty()
}

impl RecordTab for FollowUpTab {
    fn is_editing(&self) -> bool {
        self.form.is_editing()
    }

    fn commands(&self, c: &TabCtx) -> Vec<Command> {
        let items = self.items(c, NOTE_WIDTH);
        let mut v = self.form.commands(&items);
        if !self.form.is_editing() {
            v.push(
                Command::new(keys::ADD, Action::Add, cmd::ADD_TIMEPOINT)
                    .bar()
                    .edits(),
            );
        }
        v
    }

    fn typing(&self, c: &TabCtx) -> Typing {
        self.form.typing(&self.items(c, NOTE_WIDTH))
    }

    fn update(&mut self, action: Action, c: &TabCtx) -> Commit {
        if action == Action::Add && !self.form.is_editing() {
            self.form.focus = Some(Key::Add);
            return self.update(Action::Open, c);
        }
        let items = self.items(c, NOTE_WIDTH);
        let ev = self.form.update(action, &items);
        self.ask = None;
        let result = self.apply(ev, c);
        let mut commit = form::commit(&mut self.form, &items, c.patient, result);
        // Say at once when the visit just saved is out of its window.
        if let Commit::Save { patient, what } = &mut commit
            && let Some(Key::Date(tp)) = self.form.focus
            && let Some(m) = out_of_window(patient, c.protocol)
                .into_iter()
                .find(|m| m.starts_with(&format!("follow-up {} ", tp.id())))
        {
            what.push_str(&format!(" — flagged: {m}"));
        }
        form::ask_first(commit, self.ask.take())
    }

    fn saved(&mut self, c: &TabCtx) {
        let items = self.items(c, NOTE_WIDTH);
        self.form.saved(&items);
    }

    fn refused(&mut self, reason: String) {
        self.form.refused(reason);
    }

    fn cancelled(&mut self) {
        self.form.cancelled();
    }

    fn settle(&mut self, area: Rect, c: &TabCtx) {
        let items = self.items(c, area.width as usize);
        self.form.settle(area, &items, c.theme);
    }

    fn draw(&self, frame: &mut Frame, area: Rect, c: &TabCtx) {
        let items = self.items(c, area.width as usize);
        self.form.draw(frame, area, &items, c.theme);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Session, Subtype};

    #[test]
    fn timepoints_merge_protocol_and_record() {
        let proto = Protocol::builtin();
        let mut p = Patient::new("T", Subtype::Androgenetic);
        p.follow_ups.push(FollowUp::new(Timepoint::Months(36)));
        assert_eq!(
            timepoints(&p, &proto),
            vec![
                Timepoint::Post,
                Timepoint::M6,
                Timepoint::Months(12),
                Timepoint::Months(24),
                Timepoint::Months(36)
            ]
        );
        assert!(window_text(&p, &proto, Timepoint::Months(36)).contains("not in the protocol"));
        assert!(window_text(&p, &proto, Timepoint::M6).contains("once it is recorded"));
        for n in 1..=3 {
            p.sessions.push(Session::new(
                n,
                parse_date(&format!("2026-01-0{n}")).unwrap(),
            ));
        }
        assert!(window_text(&p, &proto, Timepoint::Post).starts_with("due 2026-01-03"));
    }
}
