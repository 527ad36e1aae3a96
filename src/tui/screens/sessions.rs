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
use crate::domain::{
    AdverseEvent, AdverseKind, Patient, Session, Severity, TouchUp, TouchUpReason, ZoneWork,
};
use crate::protocol::plausibility::Plausibility;
use crate::protocol::schedule::{Window, patient_spacing_warnings, session_window};
use crate::protocol::{Protocol, can_record_session};
use crate::tui::action::{Action, Commit};
use crate::tui::command::Command;
use crate::tui::keymap as keys;
use crate::tui::strings::sessions as words;
use crate::tui::strings::{self, cmd};
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
    RecordTouchUp,
    Reason,
    /// A touch-up: the zone (index among [`touch_up_zones`]) was touched up.
    Touched(usize),
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

/// What the tab shows under the list: a session of the course, a recorded touch-up (index in
/// the record's touch-ups, in date order), or the next touch-up to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Session(u8),
    TouchUp(usize),
    NewTouchUp,
}

/// Whether a touch-up may be offered: after the course (its last session recorded).
fn touch_ups_offered(p: &Patient, proto: &Protocol) -> bool {
    p.course_complete(&proto.safety_rules())
}

/// The positions ←/→ move through: the course's sessions, the touch-ups, then a new one.
fn positions(p: &Patient, proto: &Protocol) -> u8 {
    let extra = p.touch_ups.len() + usize::from(touch_ups_offered(p, proto));
    session_count(proto).saturating_add(u8::try_from(extra).unwrap_or(u8::MAX))
}

/// What position `pos` (1-based) shows.
pub fn shown_at(p: &Patient, proto: &Protocol, pos: u8) -> Shown {
    let n = session_count(proto);
    if pos <= n {
        return Shown::Session(pos.max(1));
    }
    let i = usize::from(pos - n - 1);
    if i < p.touch_ups.len() {
        Shown::TouchUp(i)
    } else {
        Shown::NewTouchUp
    }
}

/// The zones a touch-up may touch: the plan's, else the intake's, with any the touch-up
/// names besides.
pub fn touch_up_zones(p: &Patient, t: Option<&TouchUp>) -> Vec<String> {
    let mut v: Vec<String> = match &p.plan {
        Some(plan) if !plan.zones.is_empty() => plan.zones.iter().map(|z| z.zone.clone()).collect(),
        _ => p.zones.iter().map(|z| z.zone.clone()).collect(),
    };
    for z in t.iter().flat_map(|t| &t.session.zones) {
        if !v.contains(&z.zone) {
            v.push(z.zone.clone());
        }
    }
    v
}

/// A touch-up on `date`, prefilled as the course's last session was planned: every zone
/// with its planned needle, final density and middle depth; the reason is chosen after.
pub fn new_touch_up(p: &Patient, proto: &Protocol, date: NaiveDate, operator: &str) -> TouchUp {
    let last = session_count(proto).max(1);
    TouchUp {
        reason: None,
        session: new_session(p, last, date, operator),
    }
}

/// The date offered for recording session `n`: its planned date when that has passed, else
/// today.
pub fn record_date(p: &Patient, n: u8, today: NaiveDate) -> (NaiveDate, words::DateFrom) {
    match planned_date(p, n).filter(|d| *d < today) {
        Some(d) => (d, words::DateFrom::Planned),
        None => (today, words::DateFrom::Today),
    }
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
    /// The position shown (1-based: the sessions, then the touch-ups, see [`shown_at`]);
    /// `None` until the tab is first used, then the next session due.
    pub selected: Option<u8>,
    pub form: Form<Key>,
    /// The change being prepared asks first: the question for the confirmation.
    ask: Option<Vec<String>>,
    /// Once the touch-up of this date is saved, show it.
    show_touch_up: Option<NaiveDate>,
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

fn reason_options() -> Vec<String> {
    std::iter::once(strings::NOT_RECORDED.to_string())
        .chain(TouchUpReason::ALL.iter().map(|r| r.label().to_string()))
        .collect()
}

/// Pushes `field` with the plausibility warning on the record's field `name`, if any.
fn warned(
    v: &mut Vec<Item<Key>>,
    field: Field<Key>,
    plaus: &[Plausibility],
    name: &str,
    w: usize,
    theme: &crate::tui::theme::Theme,
) {
    let m = plaus
        .iter()
        .find(|x| x.field == name)
        .map(|x| x.message.as_str());
    form::with_warning(v, field, m, w, theme);
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

    /// Shows the next touch-up to record (a touch-up review is due).
    pub fn land_on_touch_up(&mut self, p: &Patient, proto: &Protocol) {
        if touch_ups_offered(p, proto) {
            self.selected = Some(positions(p, proto));
            self.form.focus = Some(Key::RecordTouchUp);
        }
    }

    /// The position shown, chosen on first use as the next session to record (else the last).
    fn shown(&self, p: &Patient, proto: &Protocol) -> u8 {
        let n = session_count(proto).max(1);
        self.selected
            .unwrap_or_else(|| next_to_record(p, proto).unwrap_or(n))
            .clamp(1, positions(p, proto).max(1))
    }

    /// What is shown under the list.
    pub fn view(&self, p: &Patient, proto: &Protocol) -> Shown {
        shown_at(p, proto, self.shown(p, proto))
    }

    /// The lines of the tab for position `pos`.
    pub fn items(&self, c: &TabCtx, pos: u8, w: usize) -> Vec<Item<Key>> {
        let (p, proto, theme) = (c.patient, c.protocol, c.theme);
        let shown = shown_at(p, proto, pos);
        let mut v: Vec<Item<Key>> = Vec::new();
        v.push(Item::Line(Line::styled(
            format!(
                "  #  {:<11} Status   (sessions every {} days; ←/→ choose)",
                "Planned", proto.schedule.session_interval_days
            ),
            theme.header(),
        )));
        let mark = |here: bool, label: String| {
            Span::styled(
                format!("{} {label}", if here { "›" } else { " " }),
                if here {
                    theme.title().add_modifier(Modifier::REVERSED)
                } else {
                    theme.base()
                },
            )
        };
        for k in 1..=session_count(proto) {
            let st = status(p, proto, k, c.today);
            let style = match st {
                Status::Done(_) => theme.ok(),
                Status::Due(_) => theme.warn(),
                Status::Overdue(_) => theme.error(),
                Status::Planned => theme.base(),
            };
            let planned = planned_date(p, k).map_or("—".to_string(), |d| d.to_string());
            let mut spans = vec![
                mark(shown == Shown::Session(k), k.to_string()),
                Span::raw(format!("  {planned:<11} ")),
                Span::styled(st.label(), style),
            ];
            if let Some(o) = p.session(k).and_then(|s| s.operator.clone()) {
                spans.push(Span::styled(format!(" · {o}"), theme.dim()));
            }
            v.push(Item::Line(Line::from(spans)));
        }
        for (i, t) in p.touch_ups.iter().enumerate() {
            v.push(Item::Line(Line::from(vec![
                mark(shown == Shown::TouchUp(i), format!("T{}", i + 1)),
                Span::raw(format!(" {:<11} ", "touch-up")),
                Span::styled(
                    words::touch_up_row(i + 1, t.date(), t.reason.map(|r| r.label())),
                    theme.ok(),
                ),
            ])));
        }
        if touch_ups_offered(p, proto) {
            v.push(Item::Line(Line::from(vec![
                mark(
                    shown == Shown::NewTouchUp,
                    format!("T{}", p.touch_ups.len() + 1),
                ),
                Span::raw(format!(" {:<11} ", "touch-up")),
                Span::styled(words::TOUCH_UP_NEW_ROW, theme.dim()),
            ])));
        }
        for warn in patient_spacing_warnings(p, proto) {
            v.extend(form::note_lines(&format!("⚠ {warn}"), w, theme.warn()));
        }
        v.push(Item::Line(Line::raw("")));
        let plaus = crate::protocol::plausibility::warnings(p, proto);
        match shown {
            Shown::Session(n) => match p.session(n) {
                Some(s) => self.session_items(&mut v, c, s, None, &plaus, w),
                None => {
                    v.push(Item::Heading(Line::styled(
                        format!("Session {n} — not recorded"),
                        theme.header(),
                    )));
                    let (date, from) = record_date(p, n, c.today);
                    match record_refusal(p, proto, n, date) {
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
                                    words::RECORD_LABEL,
                                    words::record_value(date, from),
                                )
                                .kind(Kind::Text {
                                    prefill: date.to_string(),
                                })
                                .hint(words::RECORD_HINT)
                                .flag(from_plan, theme.dim())
                                .enter(cmd::RECORD),
                            ));
                        }
                    }
                }
            },
            Shown::TouchUp(i) => {
                if let Some(t) = p.touch_ups.get(i) {
                    self.session_items(&mut v, c, &t.session, Some((i, t)), &plaus, w);
                }
            }
            Shown::NewTouchUp => {
                let k = p.touch_ups.len() + 1;
                v.push(Item::Heading(Line::styled(
                    words::touch_up_heading(k, false),
                    theme.header(),
                )));
                match can_record_session(p, proto, c.today) {
                    Err(why) => v.extend(form::note_lines(
                        &format!("Recording refused: {why}."),
                        w,
                        theme.error(),
                    )),
                    Ok(()) => v.push(Item::Field(
                        Field::text(
                            Key::RecordTouchUp,
                            words::RECORD_TOUCH_UP_LABEL,
                            words::record_touch_up_value(c.today),
                        )
                        .kind(Kind::Text {
                            prefill: c.today.to_string(),
                        })
                        .hint(words::RECORD_HINT)
                        .enter(cmd::RECORD_TOUCH_UP),
                    )),
                }
            }
        }
        v.push(Item::Line(Line::raw("")));
        self.event_items(&mut v, c, &plaus, w);
        form::clear_where_valued(&mut v);
        v
    }

    fn session_items(
        &self,
        v: &mut Vec<Item<Key>>,
        c: &TabCtx,
        s: &Session,
        touch_up: Option<(usize, &TouchUp)>,
        plaus: &[Plausibility],
        w: usize,
    ) {
        let (proto, theme) = (c.protocol, c.theme);
        let heading = match touch_up {
            Some((i, _)) => words::touch_up_heading(i + 1, true),
            None => format!("Session {} — recorded", s.number),
        };
        v.push(Item::Heading(Line::styled(heading, theme.header())));
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
        let mut fields = fields.into_iter();
        v.extend(fields.next().map(Item::Field));
        if let Some((_, t)) = touch_up {
            let current = t
                .reason
                .and_then(|r| TouchUpReason::ALL.iter().position(|x| *x == r))
                .map_or(0, |i| i + 1);
            v.push(Item::Field(
                Field::text(
                    Key::Reason,
                    words::REASON,
                    dash(t.reason.map(|r| r.label().to_string())),
                )
                .kind(Kind::Choice {
                    options: opts(reason_options()),
                    current,
                    typed: None,
                }),
            ));
        }
        v.extend(fields.map(Item::Field));
        let plan_zone = |id: &str| {
            c.patient
                .plan
                .as_ref()
                .and_then(|pl| pl.zones.iter().find(|z| z.zone == id))
        };
        // A touch-up is compared with the course's last planned session.
        let si = match touch_up {
            Some(_) => usize::from(session_count(proto).saturating_sub(1)),
            None => usize::from(s.number.saturating_sub(1)),
        };
        let zone_name = |id: &str| proto.zone(id).map_or(id.to_string(), |d| d.name.clone());
        // A touch-up lists every zone it may touch, each with its tick; a session its own.
        let rows: Vec<(Option<usize>, String)> = match touch_up {
            Some((_, t)) => touch_up_zones(c.patient, Some(t))
                .into_iter()
                .enumerate()
                .map(|(k, id)| (Some(k), id))
                .collect(),
            None => s.zones.iter().map(|z| (None, z.zone.clone())).collect(),
        };
        for (tick, id) in rows {
            let name = zone_name(&id);
            let found = s.zones.iter().position(|z| z.zone == id);
            let header = |planned: String| {
                Item::Line(Line::from(vec![
                    Span::styled(format!("Zone {name}"), theme.title()),
                    Span::styled(
                        widgets::truncate(&planned, w.saturating_sub(20)),
                        theme.dim(),
                    ),
                ]))
            };
            let planned = plan_zone(&id).map_or(String::new(), |pz| {
                format!(
                    "  plan: {} · {} FU/cm² · {}–{} mm",
                    pz.needle,
                    num(pz.density_after(si)),
                    num(pz.depth_min_mm),
                    num(pz.depth_max_mm)
                )
            });
            if let Some(k) = tick {
                v.push(header(planned.clone()));
                v.push(Item::Field(
                    Field::text(
                        Key::Touched(k),
                        words::TOUCHED,
                        words::touched(found.is_some()),
                    )
                    .kind(Kind::Check),
                ));
            }
            let Some(i) = found else { continue };
            let z = &s.zones[i];
            if tick.is_none() {
                v.push(header(planned));
            }
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
                ]
                .into_iter()
                .map(Item::Field),
            );
            let depth = Field::text(
                Key::Depth(i),
                "  Depth",
                dash(z.depth_mm.map(|d| format!("{} mm", num(d)))),
            )
            .prefill(z.depth_mm.map(num).unwrap_or_default())
            .hint("mm, 0 to 3");
            let field = format!("sessions[{}].zones[{}].depth_mm", s.number, z.zone);
            match touch_up {
                None => warned(v, depth, plaus, &field, w, theme),
                Some(_) => v.push(Item::Field(depth)),
            }
            v.push(Item::Field(bleeding));
        }
        if s.zones.is_empty() && touch_up.is_some() {
            v.push(Item::Line(Line::styled(
                words::NO_TOUCH_UP_ZONES,
                theme.dim(),
            )));
        } else if s.zones.is_empty() {
            v.push(Item::Line(Line::styled(
                "  no zones recorded (plan the zones on the Plan tab)",
                theme.dim(),
            )));
        }
    }

    fn event_items(&self, v: &mut Vec<Item<Key>>, c: &TabCtx, plaus: &[Plausibility], w: usize) {
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
                ]
                .into_iter()
                .map(Item::Field),
            );
            let onset = Field::text(
                Key::EvOnset(i),
                "  Onset",
                dash(e.onset.map(|d| d.to_string())),
            )
            .prefill(e.onset.map_or(c.today.to_string(), |d| d.to_string()))
            .hint("YYYY-MM-DD");
            warned(
                v,
                onset,
                plaus,
                &format!("adverse_events[{i}].onset"),
                w,
                theme,
            );
            v.extend(
                [
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
        shown: Shown,
    ) -> Result<Option<(Patient, String)>, String> {
        let mut q = c.patient.clone();
        let proto = c.protocol;
        let what = match ev {
            Event::None | Event::Press(_) | Event::Answer(..) => return Ok(None),
            Event::Text(Key::Record, t) => {
                let Shown::Session(n) = shown else {
                    return Ok(None);
                };
                let date = parse_date(&t)?;
                if let Some(why) = record_refusal(&q, proto, n, date) {
                    return Err(why);
                }
                q.sessions.push(new_session(&q, n, date, c.operator));
                q.sessions.sort_by_key(|s| s.number);
                self.form.focus_after_save(Key::Date);
                let (offered, from) = record_date(c.patient, n, c.today);
                let from = if offered == date {
                    from
                } else {
                    words::DateFrom::Typed
                };
                self.ask = Some(words::confirm_record(n, date, from, c.today));
                words::recorded(n, date)
            }
            Event::Text(Key::RecordTouchUp, t) => {
                let date = parse_date(&t)?;
                can_record_session(&q, proto, date)?;
                q.add_touch_up(new_touch_up(&q, proto, date, c.operator));
                let i = q
                    .touch_ups
                    .iter()
                    .rposition(|x| x.date() == date)
                    .unwrap_or(0);
                // Once saved, the new touch-up is shown.
                self.show_touch_up = Some(date);
                self.form.focus_after_save(Key::Reason);
                self.ask = Some(words::confirm_touch_up(i + 1, date, c.today));
                words::touch_up_recorded(i + 1, date)
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
            Event::Text(k, t) => self.apply_text(&mut q, c, shown, k, &t)?,
            Event::Clear(k) => self.apply_text(&mut q, c, shown, k, "")?,
            Event::Choice(k, i) => apply_choice(&mut q, proto, shown, k, i)?,
            Event::Toggle(k) => toggle(&mut q, proto, shown, k)?,
        };
        Ok(Some((q, what)))
    }

    fn apply_text(
        &self,
        q: &mut Patient,
        c: &TabCtx,
        shown: Shown,
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
        let label = shown_label(shown);
        let s = target(q, shown)?;
        let what = match key {
            Key::Date => {
                if t.trim().is_empty() {
                    return Err("a recorded session needs the date it was performed".into());
                }
                s.date = parse_date(t)?;
                let what = format!("{label} date {}", s.date);
                q.renumber_touch_ups();
                what
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
            Key::Shade | Key::Needle(_) | Key::Reason => {
                return apply_choice(q, c.protocol, shown, key, 0);
            }
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

/// The session (of the course, or a touch-up's) the fields shown edit.
fn target(q: &mut Patient, shown: Shown) -> Result<&mut Session, String> {
    match shown {
        Shown::Session(n) => q
            .sessions
            .iter_mut()
            .find(|s| s.number == n)
            .ok_or_else(|| format!("session {n} is not recorded")),
        Shown::TouchUp(i) => q
            .touch_ups
            .get_mut(i)
            .map(|t| &mut t.session)
            .ok_or_else(|| format!("touch-up {} is not recorded", i + 1)),
        Shown::NewTouchUp => Err("the touch-up is not recorded yet".into()),
    }
}

/// How the status line names what is shown: `session 2`, `touch-up 1`.
fn shown_label(shown: Shown) -> String {
    match shown {
        Shown::Session(n) => format!("session {n}"),
        Shown::TouchUp(i) => format!("touch-up {}", i + 1),
        Shown::NewTouchUp => "the new touch-up".into(),
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
    shown: Shown,
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
        Key::Reason => {
            let Shown::TouchUp(t) = shown else {
                return Err("only a touch-up has a reason".into());
            };
            let tu = q.touch_ups.get_mut(t).ok_or("no such touch-up")?;
            tu.reason = i
                .checked_sub(1)
                .and_then(|i| TouchUpReason::ALL.get(i).copied());
            return Ok(words::touch_up_reason(
                t + 1,
                &dash(tu.reason.map(|r| r.label().to_string())),
            ));
        }
        _ => {}
    }
    let label = shown_label(shown);
    let s = target(q, shown)?;
    match key {
        Key::Shade => {
            s.pigment_shade = i
                .checked_sub(1)
                .and_then(|i| proto.shades.steps.get(i))
                .map(|st| st.code.clone());
            Ok(format!(
                "{label} pigment shade {}",
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
                "{label} {} needle {}",
                zw.zone,
                dash(zw.needle.clone())
            ))
        }
        _ => Err("this field is not a list".into()),
    }
}

/// Flips a box: bleeding observed, event resolved. Unrecorded counts as "no".
fn toggle(q: &mut Patient, proto: &Protocol, shown: Shown, key: Key) -> Result<String, String> {
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
        Key::Touched(k) => {
            let Shown::TouchUp(t) = shown else {
                return Err("only a touch-up lists zones to tick".into());
            };
            let id = touch_up_zones(q, q.touch_ups.get(t))
                .get(k)
                .cloned()
                .ok_or("no such zone")?;
            let prefill = new_touch_up(q, proto, NaiveDate::MIN, "");
            let tu = q.touch_ups.get_mut(t).ok_or("no such touch-up")?;
            let zones = &mut tu.session.zones;
            let yes = match zones.iter().position(|z| z.zone == id) {
                Some(i) => {
                    zones.remove(i);
                    false
                }
                None => {
                    let work = prefill.session.zones.into_iter().find(|z| z.zone == id);
                    zones.push(work.unwrap_or(ZoneWork {
                        zone: id.clone(),
                        needle: None,
                        density_reached: None,
                        depth_mm: None,
                        bleeding: None,
                    }));
                    true
                }
            };
            let name = proto.zone(&id).map_or(id.clone(), |d| d.name.clone());
            Ok(words::touch_up_zone(t + 1, &name, yes))
        }
        Key::Bleeding(z) => {
            let label = shown_label(shown);
            let s = target(q, shown)?;
            let zw = s.zones.get_mut(z).ok_or("no such zone in this session")?;
            let v = !zw.bleeding.unwrap_or(false);
            zw.bleeding = Some(v);
            Ok(format!(
                "{label} {}: bleeding {}",
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

impl SessionsTab {
    /// `X`: what un-recording the session or touch-up shown would do, or why it cannot;
    /// `None` when nothing recorded is shown.
    fn unrecord(&self, c: &TabCtx) -> Option<Result<Commit, String>> {
        let p = c.patient;
        match self.view(p, c.protocol) {
            Shown::Session(n) => {
                p.session(n)?;
                Some(match p.can_unrecord_last_session() {
                    Ok(last) if last == n => {
                        let mut q = p.clone();
                        q.unrecord_last_session().map(|gone| Commit::Confirm {
                            question: words::confirm_unrecord(n, gone.date),
                            patient: Box::new(q),
                            what: words::unrecorded(n, gone.date),
                        })
                    }
                    Ok(last) => Err(words::only_last_unrecords(last)),
                    Err(why) => Err(why),
                })
            }
            Shown::TouchUp(i) => {
                let t = p.touch_ups.get(i)?;
                let mut q = p.clone();
                q.touch_ups.remove(i);
                q.renumber_touch_ups();
                Some(Ok(Commit::Confirm {
                    question: words::confirm_remove_touch_up(i + 1, t.date()),
                    patient: Box::new(q),
                    what: words::touch_up_removed(i + 1, t.date()),
                }))
            }
            Shown::NewTouchUp => None,
        }
    }
}

impl RecordTab for SessionsTab {
    fn is_editing(&self) -> bool {
        self.form.is_editing()
    }

    fn commands(&self, c: &TabCtx) -> Vec<Command> {
        let pos = self.shown(c.patient, c.protocol);
        let items = self.items(c, pos, NOTE_WIDTH);
        let mut v = self.form.commands(&items);
        if !self.form.is_editing() {
            let count = positions(c.patient, c.protocol).max(1);
            if pos > 1 {
                v.push(Command::new(keys::LEFT, Action::Left, cmd::PREV_SESSION));
            }
            if pos < count {
                v.push(Command::new(keys::RIGHT, Action::Right, cmd::NEXT_SESSION).bar());
            }
            v.push(
                Command::new(keys::ADD, Action::Add, cmd::ADD_EVENT)
                    .bar()
                    .edits(),
            );
            if let Some(r) = self.unrecord(c) {
                v.push(
                    Command::new(keys::UNRECORD, Action::Unrecord, cmd::UNRECORD)
                        .bar()
                        .edits()
                        .disabled(r.err()),
                );
            }
        }
        v
    }

    fn typing(&self, c: &TabCtx) -> Typing {
        let pos = self.shown(c.patient, c.protocol);
        self.form.typing(&self.items(c, pos, NOTE_WIDTH))
    }

    fn update(&mut self, action: Action, c: &TabCtx) -> Commit {
        let pos = self.shown(c.patient, c.protocol);
        // The position shown stays shown once the tab is used (recording a session does not
        // jump to the next).
        self.selected = Some(pos);
        self.ask = None;
        self.show_touch_up = None;
        if !self.form.is_editing() {
            let count = positions(c.patient, c.protocol).max(1);
            match action {
                Action::Left | Action::Right => {
                    let next = if action == Action::Left {
                        pos.saturating_sub(1).max(1)
                    } else {
                        (pos + 1).min(count)
                    };
                    self.selected = Some(next);
                    self.form.error = None;
                    return Commit::Nothing;
                }
                Action::Add => {
                    self.form.focus = Some(Key::AddEvent);
                    return self.update(Action::Open, c);
                }
                Action::Unrecord => {
                    return match self.unrecord(c) {
                        None => Commit::Nothing,
                        Some(Ok(commit)) => commit,
                        Some(Err(why)) => Commit::Refused(why),
                    };
                }
                _ => {}
            }
        }
        let shown = shown_at(c.patient, c.protocol, pos);
        let items = self.items(c, pos, NOTE_WIDTH);
        // Pressing Enter on "record" when it is refused says why at once.
        let ev = self.form.update(action, &items);
        let result = self.apply(ev, c, shown);
        let mut commit = form::commit(&mut self.form, &items, c.patient, result);
        if let Commit::Save { patient, what } = &mut commit {
            let warnings = patient_spacing_warnings(patient, c.protocol);
            if !warnings.is_empty() {
                what.push_str(&format!(" — warning: {}", warnings.join("; ")));
            }
        }
        // Recording asks first, with the date.
        form::ask_first(commit, self.ask.take())
    }

    fn saved(&mut self, c: &TabCtx) {
        if let Some(date) = self.show_touch_up.take()
            && let Some(i) = c.patient.touch_ups.iter().position(|t| t.date() == date)
        {
            self.selected =
                Some(session_count(c.protocol).saturating_add(u8::try_from(i + 1).unwrap_or(0)));
        }
        let pos = self.shown(c.patient, c.protocol);
        let items = self.items(c, pos, NOTE_WIDTH);
        self.form.saved(&items);
    }

    fn refused(&mut self, reason: String) {
        self.form.refused(reason);
    }

    fn cancelled(&mut self) {
        self.show_touch_up = None;
        self.form.cancelled();
    }

    fn settle(&mut self, area: Rect, c: &TabCtx) {
        let pos = self.shown(c.patient, c.protocol);
        let items = self.items(c, pos, area.width as usize);
        self.form.settle(area, &items, c.theme);
    }

    fn draw(&self, frame: &mut Frame, area: Rect, c: &TabCtx) {
        let pos = self.shown(c.patient, c.protocol);
        let items = self.items(c, pos, area.width as usize);
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
