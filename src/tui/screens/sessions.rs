//! The sessions tab: the protocol's sessions with their planned dates and status, recording
//! one as performed (prefilled from the plan), editing what was recorded, and adverse events.
//!
//! Recording is refused while the health screen forbids treatment
//! ([`crate::protocol::can_record_session`]); the reason and what would clear it stay on the
//! tab, not only on the status line, because the practitioner needs them while talking to the
//! patient. Sessions are recorded in order; a session closer to the previous one than the
//! protocol interval is a warning, never a refusal (the clinic may have had a reason).

use super::form::{self, Event, Field, Form, Item, Kind, RecordTab, TabCtx, Typing, opts};
use crate::domain::validate::parse_date;
use crate::domain::{AdverseEvent, AdverseKind, Patient, Session, Severity, ZoneWork};
use crate::protocol::schedule::{Window, patient_spacing_warnings, session_window};
use crate::protocol::{Protocol, can_record_session};
use crate::tui::action::{Action, Commit};
use crate::tui::command::Command;
use crate::tui::keymap as keys;
use crate::tui::strings::cmd;
use crate::tui::widgets;
use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};

/// A field of the tab. Zone and event fields carry their index in the session's zones and
/// the patient's adverse events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Record,
    Date,
    Operator,
    Shade,
    Lot,
    Expiry,
    Duration,
    Notes,
    Photos,
    Needle(usize),
    Density(usize),
    Depth(usize),
    Bleeding(usize),
    AddEvent,
    EvKind(usize),
    EvSeverity(usize),
    EvOnset(usize),
    EvResolved(usize),
    EvSession(usize),
    EvDescription(usize),
}

/// Where a session stands today.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Done(NaiveDate),
    /// The next session, inside its window.
    Due(Window),
    /// The next session, its window passed.
    Overdue(Window),
    /// Not yet due (or no date known).
    Planned,
}

impl Status {
    pub fn label(self) -> String {
        match self {
            Status::Done(d) => format!("done {d}"),
            Status::Due(w) => format!("due (window {} to {})", w.start, w.end),
            Status::Overdue(w) => format!("OVERDUE (window ended {})", w.end),
            Status::Planned => "planned".into(),
        }
    }
}

/// The first session of the protocol not yet recorded: the only one that may be recorded.
pub fn next_to_record(p: &Patient, proto: &Protocol) -> Option<u8> {
    (1..=session_count(proto)).find(|n| p.session(*n).is_none())
}

fn session_count(proto: &Protocol) -> u8 {
    u8::try_from(proto.session_count()).unwrap_or(u8::MAX)
}

/// The planned date of session `n` from the plan, if any.
pub fn planned_date(p: &Patient, n: u8) -> Option<NaiveDate> {
    p.plan
        .as_ref()?
        .session_dates
        .get(usize::from(n).checked_sub(1)?)
        .copied()
        .flatten()
}

/// Where session `n` stands on `today`.
pub fn status(p: &Patient, proto: &Protocol, n: u8, today: NaiveDate) -> Status {
    if let Some(s) = p.session(n) {
        return Status::Done(s.date);
    }
    if next_to_record(p, proto) != Some(n) {
        return Status::Planned;
    }
    match session_window(p, proto, n) {
        Some(w) if today > w.end => Status::Overdue(w),
        Some(w) if today >= w.start => Status::Due(w),
        _ => Status::Planned,
    }
}

fn round_to(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// A number as the clinic writes it: no trailing zeros (`0.65`, `22.5`, `75`).
fn num(v: f64) -> String {
    let s = format!("{:.2}", round_to(v, 2));
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Session `n` performed on `date` by `operator`, prefilled from the plan: per zone the
/// planned needle, the density planned after this session and the middle of the depth range;
/// the plan's shade for this session. Bleeding is left unrecorded: it is an observation.
pub fn new_session(p: &Patient, n: u8, date: NaiveDate, operator: &str) -> Session {
    let mut s = Session::new(n, date);
    let i = usize::from(n.saturating_sub(1));
    s.operator = Some(operator.trim().to_string()).filter(|o| !o.is_empty());
    match &p.plan {
        Some(plan) => {
            s.zones = plan
                .zones
                .iter()
                .map(|z| z.planned_work(i).as_written())
                .collect();
            s.pigment_shade = plan
                .zones
                .iter()
                .find_map(|z| z.sessions.get(i).map(|sp| sp.shade.clone()));
        }
        None => {
            s.zones = p
                .zones
                .iter()
                .map(|z| ZoneWork {
                    zone: z.zone.clone(),
                    needle: None,
                    density_reached: None,
                    depth_mm: None,
                    bleeding: None,
                })
                .collect();
        }
    }
    s
}

/// Why session `n` cannot be recorded on `date`, with what would allow it.
pub fn record_refusal(p: &Patient, proto: &Protocol, n: u8, date: NaiveDate) -> Option<String> {
    if p.session(n).is_some() {
        return Some(format!("session {n} is already recorded; edit it below"));
    }
    match next_to_record(p, proto) {
        None => return Some("all sessions of the protocol are recorded".into()),
        Some(k) if k != n => {
            return Some(format!(
                "record session {k} first: sessions are recorded in order"
            ));
        }
        _ => {}
    }
    can_record_session(p, proto, date).err()
}

#[derive(Debug, Default)]
pub struct SessionsTab {
    /// The session shown (1-based); `None` until the tab is first used, then the next one due.
    pub selected: Option<u8>,
    pub form: Form<Key>,
}

fn opt_text(t: &str) -> Option<String> {
    Some(t.trim().to_string()).filter(|s| !s.is_empty())
}

fn opt_date(t: &str) -> Result<Option<NaiveDate>, String> {
    if t.trim().is_empty() {
        Ok(None)
    } else {
        parse_date(t).map(Some)
    }
}

/// A number within `lo..=hi`, or nothing when empty.
fn opt_num(t: &str, what: &str, lo: f64, hi: f64, unit: &str) -> Result<Option<f64>, String> {
    let t = t.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && (lo..=hi).contains(&v) => Ok(Some(v)),
        _ => Err(format!(
            "'{t}' is not a {what}; allowed: {} to {} {unit}",
            num(lo),
            num(hi)
        )),
    }
}

fn yes_no(b: Option<bool>, yes: &str) -> String {
    match b {
        Some(true) => format!("[x] {yes}"),
        Some(false) => "[ ] no".into(),
        None => "[ ] not recorded".into(),
    }
}

fn dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "—".into())
}

fn needle_options(proto: &Protocol) -> Vec<String> {
    std::iter::once("— not recorded".to_string())
        .chain(
            proto
                .needles
                .items
                .iter()
                .map(|n| format!("{} — {}", n.code, n.describe())),
        )
        .collect()
}

fn shade_options(proto: &Protocol) -> Vec<String> {
    std::iter::once("— not recorded".to_string())
        .chain(
            proto
                .shades
                .steps
                .iter()
                .map(|s| format!("{} — {}", s.code, s.label)),
        )
        .collect()
}

fn severity_options() -> Vec<String> {
    std::iter::once("— not recorded".to_string())
        .chain(Severity::ALL.iter().map(|s| s.id().to_string()))
        .collect()
}

fn kind_options() -> Vec<String> {
    AdverseKind::ALL
        .iter()
        .map(|k| k.label().to_string())
        .collect()
}

impl SessionsTab {
    /// Shows the next session to record, with the focus on its "record" line.
    pub fn land_on_next(&mut self, p: &Patient, proto: &Protocol) {
        self.selected = next_to_record(p, proto);
        self.form.focus = Some(Key::Record);
    }

    /// The session shown, chosen on first use as the next one to record (else the last).
    fn shown(&self, p: &Patient, proto: &Protocol) -> u8 {
        let n = session_count(proto).max(1);
        self.selected
            .unwrap_or_else(|| next_to_record(p, proto).unwrap_or(n))
            .clamp(1, n)
    }

    /// The lines of the tab for session `n`.
    pub fn items(&self, c: &TabCtx, n: u8, w: usize) -> Vec<Item<Key>> {
        let (p, proto, theme) = (c.patient, c.protocol, c.theme);
        let mut v: Vec<Item<Key>> = Vec::new();
        v.push(Item::Line(Line::styled(
            format!(
                "  #  {:<11} Status   (sessions every {} days; ←/→ choose)",
                "Planned", proto.schedule.session_interval_days
            ),
            theme.header(),
        )));
        for k in 1..=session_count(proto) {
            let st = status(p, proto, k, c.today);
            let style = match st {
                Status::Done(_) => theme.ok(),
                Status::Due(_) => theme.warn(),
                Status::Overdue(_) => theme.error(),
                Status::Planned => theme.base(),
            };
            let mark = if k == n { "›" } else { " " };
            let planned = planned_date(p, k).map_or("—".to_string(), |d| d.to_string());
            let mut spans = vec![
                Span::styled(
                    format!("{mark} {k}"),
                    if k == n {
                        theme.title().add_modifier(Modifier::REVERSED)
                    } else {
                        theme.base()
                    },
                ),
                Span::raw(format!("  {planned:<11} ")),
                Span::styled(st.label(), style),
            ];
            if let Some(o) = p.session(k).and_then(|s| s.operator.clone()) {
                spans.push(Span::styled(format!(" · {o}"), theme.dim()));
            }
            v.push(Item::Line(Line::from(spans)));
        }
        for warn in patient_spacing_warnings(p, proto) {
            v.extend(form::note_lines(&format!("⚠ {warn}"), w, theme.warn()));
        }
        v.push(Item::Line(Line::raw("")));
        match p.session(n) {
            Some(s) => self.session_items(&mut v, c, s, w),
            None => {
                v.push(Item::Heading(Line::styled(
                    format!("Session {n} — not recorded"),
                    theme.header(),
                )));
                match record_refusal(p, proto, n, c.today) {
                    Some(why) => {
                        v.extend(form::note_lines(
                            &format!("Recording refused: {why}."),
                            w,
                            theme.error(),
                        ));
                    }
                    None => {
                        let from_plan = if p.plan.is_some() {
                            "prefilled from the plan"
                        } else {
                            "no plan yet: zones from the intake, nothing prefilled"
                        };
                        v.push(Item::Field(
                            Field::text(
                                Key::Record,
                                "Record as performed",
                                format!("Enter: date (today {}), then details", c.today),
                            )
                            .kind(Kind::Text {
                                prefill: c.today.to_string(),
                            })
                            .hint("date performed, YYYY-MM-DD")
                            .flag(from_plan, theme.dim())
                            .enter(cmd::RECORD),
                        ));
                    }
                }
            }
        }
        v.push(Item::Line(Line::raw("")));
        self.event_items(&mut v, c);
        form::clear_where_valued(&mut v);
        v
    }

    fn session_items(&self, v: &mut Vec<Item<Key>>, c: &TabCtx, s: &Session, w: usize) {
        let (proto, theme) = (c.protocol, c.theme);
        v.push(Item::Heading(Line::styled(
            format!("Session {} — recorded", s.number),
            theme.header(),
        )));
        let shade_i = s
            .pigment_shade
            .as_ref()
            .and_then(|sh| proto.shades.steps.iter().position(|st| &st.code == sh))
            .map_or(0, |i| i + 1);
        let shade_shown = s
            .pigment_shade
            .as_ref()
            .map(|sh| match proto.shade_step(sh) {
                Some(st) => format!("{sh} — {}", st.label),
                None => format!("{sh} (not in the protocol)"),
            });
        let mut expiry = Field::text(
            Key::Expiry,
            "Pigment expiry",
            dash(s.pigment_expiry.map(|d| d.to_string())),
        )
        .prefill(s.pigment_expiry.map(|d| d.to_string()).unwrap_or_default())
        .hint("YYYY-MM-DD");
        if s.pigment_expiry.is_some_and(|e| e < s.date) {
            expiry = expiry.flag("⚠ expired before the session", theme.warn());
        }
        let fields = [
            Field::text(Key::Date, "Date performed", s.date.to_string())
                .prefill(s.date.to_string())
                .hint("YYYY-MM-DD"),
            Field::text(Key::Operator, "Operator", dash(s.operator.clone()))
                .prefill(s.operator.clone().unwrap_or_else(|| c.operator.to_string())),
            Field::text(Key::Shade, "Pigment shade", dash(shade_shown)).kind(Kind::Choice {
                options: opts(shade_options(proto)),
                current: shade_i,
                typed: None,
            }),
            Field::text(Key::Lot, "Pigment lot", dash(s.pigment_lot.clone()))
                .prefill(s.pigment_lot.clone().unwrap_or_default()),
            expiry,
            Field::text(
                Key::Duration,
                "Duration",
                dash(s.duration_min.map(|m| format!("{m} min"))),
            )
            .prefill(s.duration_min.map(|m| m.to_string()).unwrap_or_default())
            .hint("whole minutes"),
            Field::text(Key::Notes, "Notes", dash(s.notes.clone()))
                .prefill(s.notes.clone().unwrap_or_default()),
            Field::text(
                Key::Photos,
                "Photographs",
                if s.photos.is_empty() {
                    "—".to_string()
                } else {
                    s.photos.join("; ")
                },
            )
            .prefill(s.photos.join("; "))
            .hint("file paths, separated by ;"),
        ];
        v.extend(fields.into_iter().map(Item::Field));
        let plan_zone = |id: &str| {
            c.patient
                .plan
                .as_ref()
                .and_then(|pl| pl.zones.iter().find(|z| z.zone == id))
        };
        let si = usize::from(s.number.saturating_sub(1));
        for (i, z) in s.zones.iter().enumerate() {
            let name = proto
                .zone(&z.zone)
                .map_or(z.zone.clone(), |d| d.name.clone());
            let planned = plan_zone(&z.zone).map_or(String::new(), |pz| {
                format!(
                    "  plan: {} · {} FU/cm² · {}–{} mm",
                    pz.needle,
                    num(pz.density_after(si)),
                    num(pz.depth_min_mm),
                    num(pz.depth_max_mm)
                )
            });
            v.push(Item::Line(Line::from(vec![
                Span::styled(format!("Zone {name}"), theme.title()),
                Span::styled(
                    widgets::truncate(&planned, w.saturating_sub(20)),
                    theme.dim(),
                ),
            ])));
            let needle_i = z
                .needle
                .as_ref()
                .and_then(|n| proto.needles.items.iter().position(|x| &x.code == n))
                .map_or(0, |i| i + 1);
            let mut bleeding = Field::text(
                Key::Bleeding(i),
                "  Bleeding observed",
                yes_no(z.bleeding, "yes"),
            )
            .kind(Kind::Check);
            if z.bleeding == Some(true) {
                bleeding = bleeding.flag("⚠ the needle went too deep", theme.warn());
            }
            v.extend(
                [
                    Field::text(Key::Needle(i), "  Needle", dash(z.needle.clone())).kind(
                        Kind::Choice {
                            options: opts(needle_options(proto)),
                            current: needle_i,
                            typed: None,
                        },
                    ),
                    Field::text(
                        Key::Density(i),
                        "  Density reached",
                        dash(z.density_reached.map(|d| format!("{} FU/cm²", num(d)))),
                    )
                    .prefill(z.density_reached.map(num).unwrap_or_default())
                    .hint("FU/cm², 0 to 200"),
                    Field::text(
                        Key::Depth(i),
                        "  Depth",
                        dash(z.depth_mm.map(|d| format!("{} mm", num(d)))),
                    )
                    .prefill(z.depth_mm.map(num).unwrap_or_default())
                    .hint("mm, 0 to 3"),
                    bleeding,
                ]
                .into_iter()
                .map(Item::Field),
            );
        }
        if s.zones.is_empty() {
            v.push(Item::Line(Line::styled(
                "  no zones recorded (plan the zones on the Plan tab)",
                theme.dim(),
            )));
        }
    }

    fn event_items(&self, v: &mut Vec<Item<Key>>, c: &TabCtx) {
        let (p, theme) = (c.patient, c.theme);
        v.push(Item::Heading(Line::styled(
            format!("Adverse events ({})", p.adverse_events.len()),
            theme.header(),
        )));
        for (i, e) in p.adverse_events.iter().enumerate() {
            let kind_i = AdverseKind::ALL
                .iter()
                .position(|k| *k == e.kind)
                .unwrap_or(0);
            let sev_i = e
                .severity
                .and_then(|s| Severity::ALL.iter().position(|x| *x == s))
                .map_or(0, |i| i + 1);
            v.extend(
                [
                    Field::text(
                        Key::EvKind(i),
                        format!("Event {}: type", i + 1),
                        e.kind.label(),
                    )
                    .kind(Kind::Choice {
                        options: opts(kind_options()),
                        current: kind_i,
                        typed: None,
                    })
                    .flag("Delete removes the event", theme.dim()),
                    Field::text(
                        Key::EvSeverity(i),
                        "  Severity",
                        dash(e.severity.map(|s| s.id().to_string())),
                    )
                    .kind(Kind::Choice {
                        options: opts(severity_options()),
                        current: sev_i,
                        typed: None,
                    }),
                    Field::text(
                        Key::EvOnset(i),
                        "  Onset",
                        dash(e.onset.map(|d| d.to_string())),
                    )
                    .prefill(e.onset.map_or(c.today.to_string(), |d| d.to_string()))
                    .hint("YYYY-MM-DD"),
                    Field::text(Key::EvResolved(i), "  Resolved", yes_no(e.resolved, "yes"))
                        .kind(Kind::Check),
                    Field::text(
                        Key::EvSession(i),
                        "  After session",
                        dash(e.session.map(|s| s.to_string())),
                    )
                    .prefill(e.session.map(|s| s.to_string()).unwrap_or_default())
                    .hint("session number, empty = unknown"),
                    Field::text(
                        Key::EvDescription(i),
                        "  Description",
                        dash(e.description.clone()),
                    )
                    .prefill(e.description.clone().unwrap_or_default()),
                ]
                .into_iter()
                .map(Item::Field),
            );
        }
        v.push(Item::Field(
            Field::text(
                Key::AddEvent,
                "Add adverse event",
                "Enter or a: choose its type",
            )
            .kind(Kind::Choice {
                options: opts(kind_options()),
                current: 0,
                typed: None,
            })
            .enter(cmd::ADD_EVENT),
        ));
    }

    /// Applies an event to the patient: the changed record and what to say, `None` when
    /// there is nothing to save.
    fn apply(
        &mut self,
        ev: Event<Key>,
        c: &TabCtx,
        n: u8,
    ) -> Result<Option<(Patient, String)>, String> {
        let mut q = c.patient.clone();
        let proto = c.protocol;
        let what = match ev {
            Event::None | Event::Press(_) | Event::Answer(..) => return Ok(None),
            Event::Text(Key::Record, t) => {
                let date = parse_date(&t)?;
                if let Some(why) = record_refusal(&q, proto, n, date) {
                    return Err(why);
                }
                q.sessions.push(new_session(&q, n, date, c.operator));
                q.sessions.sort_by_key(|s| s.number);
                self.form.focus_after_save(Key::Date);
                format!("session {n} recorded as performed on {date}; check the details below")
            }
            Event::Clear(Key::EvKind(i)) => {
                if i >= q.adverse_events.len() {
                    return Ok(None);
                }
                let e = q.adverse_events.remove(i);
                format!("adverse event {} ({}) removed", i + 1, e.kind.label())
            }
            Event::Choice(Key::AddEvent, k) => {
                let kind = AdverseKind::ALL
                    .get(k)
                    .copied()
                    .unwrap_or(AdverseKind::Other);
                let mut e = AdverseEvent::new(kind);
                e.onset = Some(c.today);
                e.session = q.sessions.iter().map(|s| s.number).max();
                q.adverse_events.push(e);
                self.form
                    .focus_after_save(Key::EvSeverity(q.adverse_events.len() - 1));
                format!(
                    "adverse event {} added: {} (onset today; set severity and the rest)",
                    q.adverse_events.len(),
                    kind.label()
                )
            }
            Event::Text(k, t) => self.apply_text(&mut q, c, n, k, &t)?,
            Event::Clear(k) => self.apply_text(&mut q, c, n, k, "")?,
            Event::Choice(k, i) => apply_choice(&mut q, proto, n, k, i)?,
            Event::Toggle(k) => toggle(&mut q, n, k)?,
        };
        Ok(Some((q, what)))
    }

    fn apply_text(
        &self,
        q: &mut Patient,
        c: &TabCtx,
        n: u8,
        key: Key,
        t: &str,
    ) -> Result<String, String> {
        if let Some(e) = event_index(key) {
            let nsessions = session_count(c.protocol);
            let ev = q.adverse_events.get_mut(e).ok_or("no such adverse event")?;
            let label = format!("adverse event {}", e + 1);
            return match key {
                Key::EvOnset(_) => {
                    ev.onset = opt_date(t)?;
                    Ok(format!(
                        "{label} onset {}",
                        dash(ev.onset.map(|d| d.to_string()))
                    ))
                }
                Key::EvSession(_) => {
                    let t = t.trim();
                    ev.session = if t.is_empty() {
                        None
                    } else {
                        match t.parse::<u8>() {
                            Ok(s) if (1..=nsessions).contains(&s) => Some(s),
                            _ => {
                                return Err(format!(
                                    "'{t}' is not a session; allowed: 1 to {nsessions}, or empty when unknown"
                                ));
                            }
                        }
                    };
                    Ok(format!(
                        "{label} after session {}",
                        dash(ev.session.map(|s| s.to_string()))
                    ))
                }
                Key::EvDescription(_) => {
                    ev.description = opt_text(t);
                    Ok(format!(
                        "{label} description {}",
                        dash(ev.description.clone())
                    ))
                }
                _ => Err("this field is chosen from a list (Enter)".into()),
            };
        }
        let s = q
            .sessions
            .iter_mut()
            .find(|s| s.number == n)
            .ok_or_else(|| format!("session {n} is not recorded"))?;
        let label = format!("session {n}");
        let what = match key {
            Key::Date => {
                if t.trim().is_empty() {
                    return Err("a recorded session needs the date it was performed".into());
                }
                s.date = parse_date(t)?;
                format!("{label} date {}", s.date)
            }
            Key::Operator => {
                s.operator = opt_text(t);
                format!("{label} operator {}", dash(s.operator.clone()))
            }
            Key::Lot => {
                s.pigment_lot = opt_text(t);
                format!("{label} pigment lot {}", dash(s.pigment_lot.clone()))
            }
            Key::Expiry => {
                s.pigment_expiry = opt_date(t)?;
                format!(
                    "{label} pigment expiry {}",
                    dash(s.pigment_expiry.map(|d| d.to_string()))
                )
            }
            Key::Duration => {
                let t = t.trim().trim_end_matches("min").trim();
                s.duration_min = if t.is_empty() {
                    None
                } else {
                    match t.parse::<u32>() {
                        Ok(m) if (1..=1440).contains(&m) => Some(m),
                        _ => {
                            return Err(format!(
                                "'{t}' is not a duration; allowed: whole minutes, 1 to 1440"
                            ));
                        }
                    }
                };
                format!(
                    "{label} duration {}",
                    dash(s.duration_min.map(|m| format!("{m} min")))
                )
            }
            Key::Notes => {
                s.notes = opt_text(t);
                format!("{label} notes {}", dash(s.notes.clone()))
            }
            Key::Photos => {
                s.photos = t.split(';').filter_map(opt_text).collect();
                format!("{label}: {} photograph path(s)", s.photos.len())
            }
            Key::Density(i) | Key::Depth(i) => {
                let z = s.zones.get_mut(i).ok_or("no such zone in this session")?;
                if let Key::Density(_) = key {
                    z.density_reached = opt_num(t, "density", 0.0, 200.0, "FU/cm²")?;
                    format!(
                        "{label} {} density {}",
                        z.zone,
                        dash(z.density_reached.map(|d| format!("{} FU/cm²", num(d))))
                    )
                } else {
                    z.depth_mm = opt_num(t, "depth", 0.0, 3.0, "mm")?;
                    format!(
                        "{label} {} depth {}",
                        z.zone,
                        dash(z.depth_mm.map(|d| format!("{} mm", num(d))))
                    )
                }
            }
            // Delete on a list field: back to "not recorded" (option 0).
            Key::Shade | Key::Needle(_) => return apply_choice(q, c.protocol, n, key, 0),
            Key::Bleeding(i) => {
                let z = s.zones.get_mut(i).ok_or("no such zone in this session")?;
                z.bleeding = None;
                format!("{label} {} bleeding not recorded", z.zone)
            }
            _ => return Err("this field cannot be typed into".into()),
        };
        Ok(what)
    }
}

fn event_index(k: Key) -> Option<usize> {
    match k {
        Key::EvKind(i)
        | Key::EvSeverity(i)
        | Key::EvOnset(i)
        | Key::EvResolved(i)
        | Key::EvSession(i)
        | Key::EvDescription(i) => Some(i),
        _ => None,
    }
}

/// Saves a chosen option; index 0 of optional lists is "not recorded".
fn apply_choice(
    q: &mut Patient,
    proto: &Protocol,
    n: u8,
    key: Key,
    i: usize,
) -> Result<String, String> {
    match key {
        Key::EvKind(e) => {
            let ev = q.adverse_events.get_mut(e).ok_or("no such adverse event")?;
            ev.kind = AdverseKind::ALL.get(i).copied().ok_or("no such type")?;
            return Ok(format!("adverse event {} type {}", e + 1, ev.kind.label()));
        }
        Key::EvSeverity(e) => {
            let ev = q.adverse_events.get_mut(e).ok_or("no such adverse event")?;
            ev.severity = i.checked_sub(1).and_then(|i| Severity::ALL.get(i).copied());
            return Ok(format!(
                "adverse event {} severity {}",
                e + 1,
                dash(ev.severity.map(|s| s.id().to_string()))
            ));
        }
        _ => {}
    }
    let s = q
        .sessions
        .iter_mut()
        .find(|s| s.number == n)
        .ok_or_else(|| format!("session {n} is not recorded"))?;
    match key {
        Key::Shade => {
            s.pigment_shade = i
                .checked_sub(1)
                .and_then(|i| proto.shades.steps.get(i))
                .map(|st| st.code.clone());
            Ok(format!(
                "session {n} pigment shade {}",
                dash(s.pigment_shade.clone())
            ))
        }
        Key::Needle(z) => {
            let zw = s.zones.get_mut(z).ok_or("no such zone in this session")?;
            zw.needle = i
                .checked_sub(1)
                .and_then(|i| proto.needles.items.get(i))
                .map(|nd| nd.code.clone());
            Ok(format!(
                "session {n} {} needle {}",
                zw.zone,
                dash(zw.needle.clone())
            ))
        }
        _ => Err("this field is not a list".into()),
    }
}

/// Flips a box: bleeding observed, event resolved. Unrecorded counts as "no".
fn toggle(q: &mut Patient, n: u8, key: Key) -> Result<String, String> {
    match key {
        Key::EvResolved(e) => {
            let ev = q.adverse_events.get_mut(e).ok_or("no such adverse event")?;
            let v = !ev.resolved.unwrap_or(false);
            ev.resolved = Some(v);
            Ok(format!(
                "adverse event {} {}",
                e + 1,
                if v { "resolved" } else { "not resolved" }
            ))
        }
        Key::Bleeding(z) => {
            let s = q
                .sessions
                .iter_mut()
                .find(|s| s.number == n)
                .ok_or_else(|| format!("session {n} is not recorded"))?;
            let zw = s.zones.get_mut(z).ok_or("no such zone in this session")?;
            let v = !zw.bleeding.unwrap_or(false);
            zw.bleeding = Some(v);
            Ok(format!(
                "session {n} {}: bleeding {}",
                zw.zone,
                if v {
                    "observed (the needle went too deep)"
                } else {
                    "not observed"
                }
            ))
        }
        _ => Err("this field is not a tick box".into()),
    }
}

/// The width notes are wrapped to when the real width is not known (in `update`): only the
/// focusable fields matter there, and they do not depend on it.
const NOTE_WIDTH: usize = 80;

impl RecordTab for SessionsTab {
    fn is_editing(&self) -> bool {
        self.form.is_editing()
    }

    fn commands(&self, c: &TabCtx) -> Vec<Command> {
        let n = self.shown(c.patient, c.protocol);
        let items = self.items(c, n, NOTE_WIDTH);
        let mut v = self.form.commands(&items);
        if !self.form.is_editing() {
            let count = session_count(c.protocol).max(1);
            if n > 1 {
                v.push(Command::new(keys::LEFT, Action::Left, cmd::PREV_SESSION));
            }
            if n < count {
                v.push(Command::new(keys::RIGHT, Action::Right, cmd::NEXT_SESSION).bar());
            }
            v.push(
                Command::new(keys::ADD, Action::Add, cmd::ADD_EVENT)
                    .bar()
                    .edits(),
            );
        }
        v
    }

    fn typing(&self, c: &TabCtx) -> Typing {
        let n = self.shown(c.patient, c.protocol);
        self.form.typing(&self.items(c, n, NOTE_WIDTH))
    }

    fn update(&mut self, action: Action, c: &TabCtx) -> Commit {
        let n = self.shown(c.patient, c.protocol);
        // The session shown stays shown once the tab is used (recording one does not jump to
        // the next).
        self.selected = Some(n);
        if !self.form.is_editing() {
            let count = session_count(c.protocol).max(1);
            match action {
                Action::Left | Action::Right => {
                    let next = if action == Action::Left {
                        n.saturating_sub(1).max(1)
                    } else {
                        (n + 1).min(count)
                    };
                    self.selected = Some(next);
                    self.form.error = None;
                    return Commit::Nothing;
                }
                Action::Add => {
                    self.form.focus = Some(Key::AddEvent);
                    return self.update(Action::Open, c);
                }
                _ => {}
            }
        }
        let items = self.items(c, n, NOTE_WIDTH);
        // Pressing Enter on "record" when it is refused says why at once.
        let ev = self.form.update(action, &items);
        let result = self.apply(ev, c, n);
        let mut commit = form::commit(&mut self.form, &items, c.patient, result);
        if let Commit::Save { patient, what } = &mut commit {
            let warnings = patient_spacing_warnings(patient, c.protocol);
            if !warnings.is_empty() {
                what.push_str(&format!(" — warning: {}", warnings.join("; ")));
            }
        }
        commit
    }

    fn saved(&mut self, c: &TabCtx) {
        let n = self.shown(c.patient, c.protocol);
        let items = self.items(c, n, NOTE_WIDTH);
        self.form.saved(&items);
    }

    fn refused(&mut self, reason: String) {
        self.form.refused(reason);
    }

    fn settle(&mut self, area: Rect, c: &TabCtx) {
        let n = self.shown(c.patient, c.protocol);
        let items = self.items(c, n, area.width as usize);
        self.form.settle(area, &items, c.theme);
    }

    fn draw(&self, frame: &mut Frame, area: Rect, c: &TabCtx) {
        let n = self.shown(c.patient, c.protocol);
        let items = self.items(c, n, area.width as usize);
        self.form.draw(frame, area, &items, c.theme);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Subtype;
    use crate::protocol::generate_plan;

    fn d(s: &str) -> NaiveDate {
        parse_date(s).unwrap()
    }

    fn planned() -> (Patient, Protocol) {
        let proto = Protocol::builtin();
        let mut p = Patient::new("T-1", Subtype::Androgenetic);
        p.zones.push(crate::domain::AffectedZone {
            zone: "vertex".into(),
            area_cm2: Some(20.0),
        });
        let (mut plan, _) = generate_plan(&p, &proto);
        crate::protocol::schedule::schedule_plan(&mut plan, d("2026-11-10"), &proto);
        p.plan = Some(plan);
        p.screen.date = Some(d("2026-11-01"));
        p.screen.answer_remaining(proto.screen_items(), false);
        p.consent = crate::domain::Consent::all_given(d("2026-11-01"));
        (p, proto)
    }

    #[test]
    fn a_new_session_is_prefilled_from_the_plan() {
        let (p, _) = planned();
        let s = new_session(&p, 2, d("2026-11-17"), " Ana ");
        let z = &p.plan.as_ref().unwrap().zones[0];
        assert_eq!(s.operator.as_deref(), Some("Ana"));
        assert_eq!(s.zones.len(), 1);
        assert_eq!(s.zones[0].needle.as_deref(), Some(z.needle.as_str()));
        assert_eq!(
            s.zones[0].density_reached,
            Some(round_to(z.density_after(1), 1))
        );
        let mid = (z.depth_min_mm + z.depth_max_mm) / 2.0;
        assert!((s.zones[0].depth_mm.unwrap() - mid).abs() < 0.006);
        assert_eq!(s.zones[0].bleeding, None);
        assert_eq!(
            s.pigment_shade.as_deref(),
            Some(z.sessions[1].shade.as_str())
        );
    }

    #[test]
    fn status_follows_the_windows_and_order() {
        let (mut p, proto) = planned();
        assert_eq!(status(&p, &proto, 1, d("2026-11-09")), Status::Planned);
        assert!(matches!(
            status(&p, &proto, 1, d("2026-11-12")),
            Status::Due(_)
        ));
        assert!(matches!(
            status(&p, &proto, 1, d("2026-11-18")),
            Status::Overdue(_)
        ));
        assert_eq!(status(&p, &proto, 2, d("2026-11-18")), Status::Planned);
        p.sessions.push(Session::new(1, d("2026-11-10")));
        assert_eq!(
            status(&p, &proto, 1, d("2026-11-18")),
            Status::Done(d("2026-11-10"))
        );
        assert!(matches!(
            status(&p, &proto, 2, d("2026-11-18")),
            Status::Due(_)
        ));
    }

    #[test]
    fn recording_is_in_order_and_gated_by_triage() {
        let (mut p, proto) = planned();
        let day = d("2026-11-20");
        let why = record_refusal(&p, &proto, 2, day).unwrap();
        assert!(why.contains("record session 1 first"), "{why}");
        assert!(record_refusal(&p, &proto, 1, day).is_none());
        let defer = proto
            .screen
            .items
            .iter()
            .find(|i| i.class == crate::domain::TriageClass::Defer)
            .unwrap();
        p.screen.answers.insert(defer.id.clone(), true);
        let why = record_refusal(&p, &proto, 1, day).unwrap();
        assert!(why.contains("deferred"), "{why}");
    }

    #[test]
    fn numbers_print_without_trailing_zeros() {
        assert_eq!(num(0.65), "0.65");
        assert_eq!(num(22.5), "22.5");
        assert_eq!(num(75.0), "75");
    }
}
