//! The plan tab: zones × sessions, every cell editable, with the dates of the series.
//!
//! The table is the protocol's plan for this patient; a value typed by hand is checked by
//! `protocol::plan::apply_edit`, marked as overridden (`*`, bold) and saved at once, and
//! `r` puts it back to the protocol's value. Planned impressions are never typed: they follow
//! from area × density × the step of the cumulative fraction, and are recomputed on every edit.
//! Beside the table (or behind `m` on a narrow window) the scalp map shows the selected
//! session and the dot preview the selected zone.

use super::form::{Editing, Event, Field, Form, Item, Opt, RecordTab, TabCtx, Typing};
use crate::domain::validate::parse_date;
use crate::domain::{Patient, Plan, ZonePlan};
use crate::protocol::plan::{PlanField, apply_edit, generate_plan, regenerate_plan, revert_field};
use crate::protocol::schedule::{schedule_plan, spacing_warnings};
use crate::protocol::{Protocol, plan::zone_plan};
use crate::tui::action::{Action, Commit};
use crate::tui::command::Command;
use crate::tui::keymap as keys;
use crate::tui::strings::{cmd, plan as s};
use crate::tui::theme::Theme;
use crate::tui::widgets;
use crate::tui::widgets::dot_preview::DotPreview;
use crate::tui::widgets::scalp_map::ScalpMap;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

/// Width from which the map and the dot preview sit beside the table; below it they are
/// shown instead of the table while `m` is on.
pub const SIDE_BY_SIDE_WIDTH: u16 = 110;

/// A cell of the plan tab that can take focus.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cell {
    /// A cell of zone row `row` (index into `plan.zones`).
    Zone { row: usize, field: PlanField },
    /// The start date: setting it schedules the whole series at the protocol interval.
    Start,
    /// The date of session `n` (0-based), set on its own (a warning when too close).
    SessionDate(usize),
    /// The list of zones `a` offers (not a cell of the table: the edit of "add a zone").
    AddZone,
}

/// The editable columns of a zone row, left to right. Impressions are computed, not edited,
/// so focus passes over them.
pub fn zone_columns(sessions: usize) -> Vec<PlanField> {
    let mut v = vec![
        PlanField::Needle,
        PlanField::Depth,
        PlanField::Area,
        PlanField::TargetDensity,
    ];
    for s in 0..sessions {
        v.push(PlanField::Fraction(s));
        v.push(PlanField::Shade(s));
    }
    v
}

#[derive(Debug)]
pub struct PlanView {
    pub focus: Cell,
    /// The session shown on the map and the dot preview (0-based).
    pub session: usize,
    /// The edit of the focused cell (or of the zone list `a` opened): the shared form's.
    pub form: Form<Cell>,
    /// Zones of the protocol not yet planned, offered by `a`.
    pub adding: Option<Vec<String>>,
    /// On a narrow window: show the map and dot preview instead of the table.
    pub show_map: bool,
    /// What the last generation or regeneration could not keep, shown under the dates.
    pub notes: Vec<String>,
    /// First line of the table body shown (the two header lines stay put).
    scroll: usize,
    /// Cells to move right (or left) once the edit being saved is accepted.
    after: i32,
}

impl Default for PlanView {
    fn default() -> Self {
        PlanView {
            focus: Cell::Zone {
                row: 0,
                field: PlanField::Needle,
            },
            session: 0,
            form: Form::default(),
            adding: None,
            show_map: false,
            notes: Vec::new(),
            scroll: 0,
            after: 0,
        }
    }
}

/// A number as the clinic writes it: `22`, `22.5`, `0.45`.
fn num(v: f64) -> String {
    format!("{}", (v * 1000.0).round() / 1000.0)
}

/// A cumulative fraction as a percentage: `30%`, `35.5%`.
pub fn percent(f: f64) -> String {
    let p = (f * 1000.0).round() / 10.0;
    format!("{}%", p)
}

/// The value of a cell as shown in the table, without the override mark.
fn show(z: &ZonePlan, field: PlanField) -> String {
    match field {
        PlanField::Needle => z.needle.clone(),
        PlanField::Depth => format!("{}-{}", num(z.depth_min_mm), num(z.depth_max_mm)),
        PlanField::Area => num(z.area_cm2),
        PlanField::TargetDensity => num(z.target_density),
        PlanField::Fraction(s) => z
            .sessions
            .get(s)
            .map(|p| percent(p.fraction))
            .unwrap_or_default(),
        PlanField::Shade(s) => z
            .sessions
            .get(s)
            .map(|p| p.shade.clone())
            .unwrap_or_default(),
    }
}

/// The text an edit of the cell starts from (fractions in percent, as they are shown).
fn raw(z: &ZonePlan, field: PlanField) -> String {
    match field {
        PlanField::Fraction(_) | PlanField::Depth => show(z, field),
        f => f.value_of(z).unwrap_or_default(),
    }
}

/// A zone id short enough for the table: `temporal_left` → `temporal L`.
pub fn zone_label(id: &str) -> String {
    let t = if let Some(b) = id.strip_suffix("_left") {
        format!("{b} L")
    } else if let Some(b) = id.strip_suffix("_right") {
        format!("{b} R")
    } else {
        id.to_string()
    };
    t.replace('_', " ")
}

fn is_overridden(z: &ZonePlan, field: PlanField) -> bool {
    z.overridden.contains(&field.key())
}

fn field_name(field: PlanField) -> String {
    match field {
        PlanField::Needle => s::NEEDLE.into(),
        PlanField::Depth => s::DEPTH.into(),
        PlanField::Area => s::AREA.into(),
        PlanField::TargetDensity => s::DENSITY.into(),
        PlanField::Fraction(n) => s::fraction(n + 1),
        PlanField::Shade(n) => s::shade(n + 1),
    }
}

/// "impressions 450/600/450", said after an edit so the recomputation is seen.
fn impressions_summary(z: &ZonePlan) -> String {
    let v: Vec<String> = z
        .sessions
        .iter()
        .map(|s| s.impressions.to_string())
        .collect();
    s::impressions(&v.join("/"))
}

impl PlanView {
    pub fn is_editing(&self) -> bool {
        self.form.is_editing()
    }

    /// Keeps focus on a cell that exists after the plan changed (a zone removed, ...).
    fn clamp(&mut self, plan: Option<&Plan>, sessions: usize) {
        let zones = plan.map(|p| p.zones.len()).unwrap_or(0);
        self.session = self.session.min(sessions.saturating_sub(1));
        self.focus = match self.focus {
            Cell::Zone { .. } if zones == 0 => Cell::Start,
            Cell::Zone { row, field } => Cell::Zone {
                row: row.min(zones - 1),
                field,
            },
            Cell::SessionDate(n) if n >= sessions => Cell::Start,
            Cell::AddZone => Cell::Start,
            other => other,
        };
    }

    fn move_row(&mut self, plan: &Plan, delta: i32) {
        let zones = plan.zones.len();
        self.focus = match (self.focus, delta > 0) {
            (Cell::Zone { row, field }, true) if row + 1 < zones => Cell::Zone {
                row: row + 1,
                field,
            },
            (Cell::Zone { field, .. }, true) => match field {
                PlanField::Fraction(s) | PlanField::Shade(s) => Cell::SessionDate(s),
                _ => Cell::Start,
            },
            (Cell::Zone { row, field }, false) => Cell::Zone {
                row: row.saturating_sub(1),
                field,
            },
            (date, false) if zones > 0 => {
                let field = match date {
                    Cell::SessionDate(s) => PlanField::Fraction(s),
                    _ => PlanField::Needle,
                };
                Cell::Zone {
                    row: zones - 1,
                    field,
                }
            }
            (other, _) => other,
        };
    }

    fn move_col(&mut self, sessions: usize, delta: i32) {
        self.focus = match self.focus {
            Cell::Zone { row, field } => {
                let cols = zone_columns(sessions);
                let i = cols.iter().position(|f| *f == field).unwrap_or(0);
                let j = (i as i32 + delta).clamp(0, cols.len() as i32 - 1) as usize;
                Cell::Zone {
                    row,
                    field: cols[j],
                }
            }
            Cell::Start if delta > 0 && sessions > 0 => Cell::SessionDate(0),
            Cell::SessionDate(0) if delta < 0 => Cell::Start,
            Cell::SessionDate(n) if delta < 0 => {
                Cell::SessionDate(n.saturating_sub((-delta) as usize))
            }
            Cell::SessionDate(n) if n + 1 < sessions => {
                Cell::SessionDate((n + delta as usize).min(sessions - 1))
            }
            other => other,
        };
    }

    /// The selected zone's plan, if focus is on a zone row.
    pub fn selected_zone<'a>(&self, plan: &'a Plan) -> Option<&'a ZonePlan> {
        match self.focus {
            Cell::Zone { row, .. } => plan.zones.get(row),
            _ => plan.zones.last(),
        }
    }

    /// What the shared form edits now: the focused cell, or the list of zones to add.
    fn edit_items(&self, p: &Patient, proto: &Protocol) -> Vec<Item<Cell>> {
        if let Some(ids) = &self.adding {
            let options = ids
                .iter()
                .map(|id| {
                    let name = proto.zone(id).map(|z| z.name.clone()).unwrap_or_default();
                    Opt::new(format!("{id} — {name}")).alias(name)
                })
                .collect();
            return vec![Item::Field(
                Field::text(Cell::AddZone, s::ADD_WHICH, "").choice(options, 0),
            )];
        }
        let Some(plan) = p.plan.as_ref() else {
            return Vec::new();
        };
        let (label, text) = match self.focus {
            Cell::Zone { row, field } => match plan.zones.get(row) {
                Some(z) => (cell_label(z, field, proto), raw(z, field)),
                None => return Vec::new(),
            },
            Cell::Start => (
                s::START.to_string(),
                plan.start_date.map(|d| d.to_string()).unwrap_or_default(),
            ),
            Cell::SessionDate(n) => (
                s::session_date(n + 1),
                plan.session_dates
                    .get(n)
                    .copied()
                    .flatten()
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            ),
            Cell::AddZone => return Vec::new(),
        };
        vec![Item::Field(
            Field::text(self.focus, label, text.clone()).prefill(text),
        )]
    }

    fn form_focus(&mut self) {
        self.form.focus = Some(if self.adding.is_some() {
            Cell::AddZone
        } else {
            self.focus
        });
    }

    /// Whether the focused cell holds a value set by hand (or a date), which `r` resets.
    fn revertable(&self, p: &Patient) -> bool {
        let Some(plan) = p.plan.as_ref() else {
            return false;
        };
        match self.focus {
            Cell::Zone { row, field } => {
                plan.zones.get(row).is_some_and(|z| is_overridden(z, field))
            }
            Cell::Start => plan.start_date.is_some(),
            Cell::SessionDate(n) => plan.session_dates.get(n).copied().flatten().is_some(),
            Cell::AddZone => false,
        }
    }

    fn free_zones(p: &Patient, proto: &Protocol) -> Vec<String> {
        let planned: Vec<&str> = p
            .plan
            .iter()
            .flat_map(|pl| pl.zones.iter().map(|z| z.zone.as_str()))
            .collect();
        proto
            .zones
            .items
            .iter()
            .filter(|z| !planned.contains(&z.id.as_str()))
            .map(|z| z.id.clone())
            .collect()
    }

    fn step_session(&mut self, action: Action, sessions: usize) {
        let last = sessions.saturating_sub(1);
        self.session = match action {
            Action::PrevSession => self.session.saturating_sub(1),
            Action::NextSession => (self.session + 1).min(last),
            Action::Session(n) => usize::from(n).saturating_sub(1).min(last),
            _ => self.session,
        };
    }

    fn start_adding(&mut self, p: &Patient, proto: &Protocol) -> Commit {
        let free = Self::free_zones(p, proto);
        if free.is_empty() {
            return Commit::Refused(s::ALL_PLANNED.into());
        }
        self.adding = Some(free);
        self.form_focus();
        let items = self.edit_items(p, proto);
        self.form.update(Action::Open, &items);
        Commit::Nothing
    }

    fn add_zone(&mut self, p: &Patient, proto: &Protocol, id: &str) -> Commit {
        let area = p
            .zones
            .iter()
            .find(|a| a.zone == id)
            .and_then(|a| a.area_cm2);
        let zp = match zone_plan(p, proto, id, area) {
            Ok(z) => z,
            Err(e) => return Commit::Refused(e),
        };
        let mut q = p.clone();
        let plan = q.plan.get_or_insert_with(|| proto.empty_plan());
        plan.zones.push(zp);
        plan.zones.sort_by_key(|z| proto.zone_rank(&z.zone));
        if let Some(row) = plan.zones.iter().position(|z| z.zone == id) {
            self.focus = Cell::Zone {
                row,
                field: PlanField::Area,
            };
        }
        save(q, s::zone_added(&zone_name(proto, id)))
    }

    fn revert(&mut self, p: &Patient, proto: &Protocol) -> Commit {
        let mut q = p.clone();
        let Some(plan) = q.plan.as_mut() else {
            return Commit::Nothing;
        };
        match self.focus {
            Cell::Zone { row, field } => {
                let Some(z) = plan.zones.get_mut(row) else {
                    return Commit::Nothing;
                };
                let label = cell_label(z, field, proto);
                if !is_overridden(z, field) {
                    return Commit::Refused(s::already_protocol(&label));
                }
                if let Err(e) = revert_field(z, field, p, proto) {
                    self.form.focus = Some(self.focus);
                    self.form.refused(e.clone());
                    return Commit::Refused(e);
                }
                let what = s::reverted(&label, &show(z, field), &impressions_summary(z));
                save(q, what)
            }
            Cell::Start => {
                plan.start_date = None;
                save(q, s::START_CLEARED.into())
            }
            Cell::SessionDate(n) => {
                if let Some(d) = plan.session_dates.get_mut(n) {
                    *d = None;
                }
                save(q, s::session_date_cleared(n + 1))
            }
            Cell::AddZone => Commit::Nothing,
        }
    }

    /// Checks the text typed into the focused cell; on success the patient to save.
    fn commit_text(&mut self, p: &Patient, proto: &Protocol, text: &str) -> Commit {
        let mut q = p.clone();
        let Some(plan) = q.plan.as_mut() else {
            return Commit::Nothing;
        };
        let focus = self.focus;
        let label = match focus {
            // The cell's column goes with the reason itself.
            Cell::Zone { row, .. } => plan
                .zones
                .get(row)
                .map(|z| zone_name(proto, &z.zone))
                .unwrap_or_default(),
            _ => self
                .form
                .label_of(&self.edit_items(p, proto))
                .unwrap_or_default(),
        };
        let result = match focus {
            Cell::Zone { row, field } => match plan.zones.get_mut(row) {
                None => return Commit::Nothing,
                Some(z) => {
                    if raw(z, field) == text.trim() {
                        // Unchanged: not an override.
                        self.form.editing = None;
                        return Commit::Nothing;
                    }
                    let typed = typed_as_shown(field, text);
                    apply_edit(z, field, &typed, proto)
                        .map_err(|e| on_screen(field, &e))
                        .map(|()| {
                            s::cell_set(
                                &cell_label(z, field, proto),
                                &show(z, field),
                                &impressions_summary(z),
                            )
                        })
                }
            },
            Cell::Start => parse_date(text).map(|d| {
                schedule_plan(plan, d, proto);
                let n = plan.session_dates.len();
                s::start_set(&d.to_string(), n, proto.schedule.session_interval_days)
            }),
            Cell::SessionDate(n) => {
                let t = text.trim();
                let d = if t.is_empty() {
                    Ok(None)
                } else {
                    parse_date(t).map(Some)
                };
                d.map(|d| {
                    plan.session_dates.resize(proto.session_count(), None);
                    if let Some(slot) = plan.session_dates.get_mut(n) {
                        *slot = d;
                    }
                    let warn = spacing_warnings(&plan.session_dates, proto);
                    let d = d
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| s::CLEARED.into());
                    s::session_date_set(n + 1, &d, warn.first().map(String::as_str))
                })
            }
            Cell::AddZone => return Commit::Nothing,
        };
        match result {
            Err(e) => {
                self.form.refused(e.clone());
                Commit::Refused(crate::tui::strings::not_saved(&label, &e))
            }
            Ok(_) if q == *p => {
                self.form.editing = None;
                Commit::Nothing
            }
            Ok(what) => save(q, what),
        }
    }
}

impl RecordTab for PlanView {
    fn is_editing(&self) -> bool {
        self.form.is_editing()
    }

    fn commands(&self, c: &TabCtx) -> Vec<Command> {
        let p = c.patient;
        if self.form.is_editing() {
            let mut v = self.form.commands(&self.edit_items(p, c.protocol));
            if self.adding.is_some() {
                for cmd in v.iter_mut().filter(|x| x.action == Action::Accept) {
                    cmd.text = cmd::ADD_THIS_ZONE;
                }
            }
            return v;
        }
        let mut v = Vec::new();
        let planned = p.plan.is_some();
        if planned {
            v.extend([
                Command::new(keys::UP, Action::Up, cmd::ZONE_ABOVE),
                Command::new(keys::DOWN, Action::Down, cmd::ZONE_BELOW),
                Command::new(keys::PLAN_LEFT, Action::Left, cmd::CELL_LEFT),
                Command::new(keys::PLAN_RIGHT, Action::Right, cmd::CELL_RIGHT),
                Command::new(keys::HOME, Action::First, cmd::ROW_START),
                Command::new(keys::END, Action::Last, cmd::ROW_END),
                Command::new(keys::ENTER, Action::Open, cmd::EDIT_CELL)
                    .bar()
                    .edits(),
            ]);
            if self.revertable(p) {
                let text = match self.focus {
                    Cell::Zone { .. } => cmd::REVERT,
                    _ => cmd::CLEAR_DATE,
                };
                v.push(
                    Command::new(keys::REVERT, Action::Revert, text)
                        .bar()
                        .edits(),
                );
                v.push(Command::new(keys::DELETE, Action::Clear, text).edits());
            }
        }
        v.extend([
            Command::new(keys::MAP_PREV, Action::PrevSession, cmd::MAP_PREV),
            Command::new(keys::MAP_NEXT, Action::NextSession, cmd::MAP_NEXT).bar(),
            Command::new(keys::MAP_1, Action::Session(1), cmd::MAP_1),
            Command::new(keys::MAP_2, Action::Session(2), cmd::MAP_2),
            Command::new(keys::MAP_3, Action::Session(3), cmd::MAP_3),
        ]);
        if planned {
            v.push(Command::new(keys::MAP, Action::ToggleMap, cmd::TOGGLE_MAP).bar());
        }
        let all_planned = Self::free_zones(p, c.protocol)
            .is_empty()
            .then(|| s::ALL_PLANNED.to_string());
        let bar = all_planned.is_none();
        let mut add = Command::new(keys::ADD, Action::AddZone, cmd::ADD_ZONE).edits();
        add.bar = bar;
        v.push(add.disabled(all_planned));
        if matches!(self.focus, Cell::Zone { .. }) && planned {
            v.push(Command::new(keys::REMOVE, Action::RemoveZone, cmd::REMOVE_ZONE).edits());
        }
        if planned {
            v.push(Command::new(keys::REGENERATE, Action::Regenerate, cmd::REGENERATE).edits());
        } else {
            v.push(
                Command::new(keys::GENERATE, Action::Generate, cmd::GENERATE)
                    .bar()
                    .edits(),
            );
        }
        v
    }

    fn typing(&self, c: &TabCtx) -> Typing {
        if self.form.is_editing() {
            self.form.typing(&self.edit_items(c.patient, c.protocol))
        } else {
            // Digits choose the session on the map.
            Typing::No
        }
    }

    /// Applies one action. Edits come back as [`Commit::Save`] with the whole patient, for
    /// the app to save through the store; nothing here writes.
    fn update(&mut self, action: Action, c: &TabCtx) -> Commit {
        let (p, proto) = (c.patient, c.protocol);
        let sessions = proto.session_count();
        self.clamp(p.plan.as_ref(), sessions);
        self.form_focus();
        if self.form.is_editing() {
            let items = self.edit_items(p, proto);
            let ev = self.form.update(action, &items);
            if !self.form.is_editing() && self.adding.is_some() {
                // The zone list was cancelled.
                self.adding = None;
            }
            return match ev {
                Event::Choice(Cell::AddZone, i) => {
                    let id = self.adding.take().and_then(|ids| ids.get(i).cloned());
                    self.form.editing = None;
                    match id {
                        Some(id) => self.add_zone(p, proto, &id),
                        None => Commit::Nothing,
                    }
                }
                Event::Text(_, text) => {
                    // Tab moves on once the store has taken the value (see `saved`).
                    self.after = match action {
                        Action::NextField => 1,
                        Action::PrevField => -1,
                        _ => 0,
                    };
                    self.commit_text(p, proto, &text)
                }
                _ => Commit::Nothing,
            };
        }
        match action {
            Action::PrevSession | Action::NextSession | Action::Session(_) => {
                self.step_session(action, sessions);
                return Commit::Nothing;
            }
            Action::ToggleMap => {
                self.show_map = !self.show_map;
                return Commit::Nothing;
            }
            Action::AddZone => return self.start_adding(p, proto),
            _ => {}
        }
        let Some(plan) = p.plan.as_ref() else {
            return match action {
                Action::Generate | Action::Regenerate => {
                    let (plan, notes) = generate_plan(p, proto);
                    if plan.zones.is_empty() {
                        return Commit::Refused(s::NO_ZONE_TO_PLAN.into());
                    }
                    self.notes = notes;
                    let mut q = p.clone();
                    let n = plan.zones.len();
                    q.plan = Some(plan);
                    save(q, s::generated(n))
                }
                _ => Commit::Nothing,
            };
        };
        match action {
            Action::Up => self.move_row(plan, -1),
            Action::Down => self.move_row(plan, 1),
            Action::Left | Action::PrevField => self.move_col(sessions, -1),
            Action::Right | Action::NextField => self.move_col(sessions, 1),
            Action::First => self.move_col(sessions, -100),
            Action::Last => self.move_col(sessions, 100),
            Action::Open | Action::Edit(_) => {
                let items = self.edit_items(p, proto);
                self.form.update(action, &items);
            }
            Action::Clear | Action::Revert => return self.revert(p, proto),
            Action::RemoveZone => {
                if let Cell::Zone { row, .. } = self.focus
                    && let Some(z) = plan.zones.get(row)
                {
                    let mut q = p.clone();
                    let name = zone_name(proto, &z.zone);
                    if let Some(plan) = q.plan.as_mut() {
                        plan.zones.retain(|x| x.zone != z.zone);
                    }
                    return Commit::Confirm {
                        question: vec![s::remove_zone_question(&name), s::REMOVE_ZONE_UNDO.into()],
                        patient: Box::new(q),
                        what: s::zone_removed(&name),
                    };
                }
            }
            Action::Regenerate | Action::Generate => {
                let (fresh, notes) = regenerate_plan(p, proto, plan);
                self.notes = notes;
                let mut q = p.clone();
                let mut fresh = fresh;
                // Zones added by hand (not ticked at intake) stay in the plan.
                for z in &plan.zones {
                    if !fresh.zones.iter().any(|f| f.zone == z.zone) {
                        fresh.zones.push(z.clone());
                    }
                }
                q.plan = Some(fresh);
                if q == *p {
                    return Commit::Refused(s::ALREADY_PROTOCOL_PLAN.into());
                }
                return save(q, s::REGENERATED.into());
            }
            _ => {}
        }
        Commit::Nothing
    }

    /// After a save went through: the edit is over.
    fn saved(&mut self, c: &TabCtx) {
        self.form.editing = None;
        self.form.error = None;
        self.adding = None;
        self.clamp(c.patient.plan.as_ref(), c.protocol.session_count());
        let step = std::mem::take(&mut self.after);
        if step != 0 {
            self.move_col(c.protocol.session_count(), step);
        }
    }

    /// After the store refused a save: the reason goes beside the cell, the edit stays open.
    fn refused(&mut self, msg: String) {
        self.after = 0;
        self.form.focus = Some(self.focus);
        self.form.refused(msg);
    }

    fn settle(&mut self, area: Rect, c: &TabCtx) {
        self.clamp(c.patient.plan.as_ref(), c.protocol.session_count());
        let v = View {
            patient: c.patient,
            protocol: c.protocol,
            theme: c.theme,
        };
        let table = table_area(area, self, &v);
        if let Some(t) = table {
            let l = table_lines(t.width as usize, self, &v);
            let body_h = (t.height as usize).saturating_sub(HEADER_LINES).max(1);
            let fl = l.focus_line.saturating_sub(HEADER_LINES);
            if fl < self.scroll {
                self.scroll = fl;
            } else if fl >= self.scroll + body_h {
                self.scroll = fl + 1 - body_h;
            }
            self.scroll = self.scroll.min(
                l.lines
                    .len()
                    .saturating_sub(HEADER_LINES)
                    .saturating_sub(body_h),
            );
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, c: &TabCtx) {
        draw(
            frame,
            area,
            self,
            &View {
                patient: c.patient,
                protocol: c.protocol,
                theme: c.theme,
            },
        );
    }
}

/// The label of a cell as the table and the status line name it: the zone by its name in
/// the protocol, the column by its header.
fn cell_label(z: &ZonePlan, field: PlanField, proto: &Protocol) -> String {
    s::cell(&zone_name(proto, &z.zone), &field_name(field))
}

/// A zone as the table names it (`temporal L`), never its id (`temporal_left`).
fn zone_name(_proto: &Protocol, id: &str) -> String {
    zone_label(id)
}

/// A fraction is typed as the table shows it, in percent: `80` means 80 %.
fn typed_as_shown(field: PlanField, text: &str) -> String {
    match field {
        PlanField::Fraction(_) if !text.trim().ends_with('%') => format!("{}%", text.trim()),
        _ => text.to_string(),
    }
}

/// The protocol's message about a cell, with the cell's own words: its `key:` prefix dropped
/// (the label goes before it) and fractions said in percent, as typed.
fn on_screen(field: PlanField, e: &str) -> String {
    let (key, msg) = match e.split_once(": ") {
        Some((k, rest)) if !k.contains(' ') => (Some(k), rest.to_string()),
        _ => (None, e.to_string()),
    };
    match field {
        PlanField::Fraction(_) => {
            let msg = s::fraction_message(&msg);
            // The session at fault may be another one than the cell typed into.
            let n = key
                .and_then(|k| k.strip_prefix("fraction."))
                .and_then(|n| n.parse().ok());
            match (n, field) {
                (Some(n), _) => format!("{}: {msg}", s::fraction(n)),
                (None, PlanField::Fraction(i)) => format!("{}: {msg}", s::fraction(i + 1)),
                _ => msg,
            }
        }
        f => format!("{}: {msg}", field_name(f)),
    }
}

fn save(patient: Patient, what: String) -> Commit {
    Commit::Save {
        patient: Box::new(patient),
        what,
    }
}

/// Column widths of the table: fitted to the content, the zone column taking what is left.
struct Widths {
    zone: usize,
    needle: usize,
    depth: usize,
    area: usize,
    density: usize,
    frac: usize,
    imp: usize,
    shade: usize,
}

fn cell_text(z: &ZonePlan, field: PlanField) -> String {
    let mark = if is_overridden(z, field) { "*" } else { "" };
    format!("{}{mark}", show(z, field))
}

fn widths(plan: &Plan, sessions: usize, total: usize) -> Widths {
    let col = |field: PlanField, head: &str| {
        plan.zones
            .iter()
            .map(|z| widgets::width(&cell_text(z, field)))
            .chain([widgets::width(head)])
            .max()
            .unwrap_or(0)
    };
    let per_session = |f: &dyn Fn(usize) -> PlanField, head: &str| {
        (0..sessions).map(|s| col(f(s), head)).max().unwrap_or(0)
    };
    let imp = plan
        .zones
        .iter()
        .flat_map(|z| z.sessions.iter().map(|s| s.impressions.to_string().len()))
        .chain([3, total_width_of_sums(plan, sessions)])
        .max()
        .unwrap_or(3);
    let mut w = Widths {
        zone: 0,
        needle: col(PlanField::Needle, s::COL_NEEDLE),
        depth: col(PlanField::Depth, s::COL_DEPTH),
        area: col(PlanField::Area, s::COL_AREA),
        density: col(PlanField::TargetDensity, s::COL_DENSITY),
        frac: per_session(&PlanField::Fraction, "%"),
        imp,
        shade: per_session(&PlanField::Shade, s::COL_SHADE),
    };
    let fixed = w.needle + w.depth + w.area + w.density + 4 + 1;
    let sess = sessions * (1 + w.frac + 1 + w.imp + 1 + w.shade);
    let longest = plan
        .zones
        .iter()
        .map(|z| widgets::width(&zone_label(&z.zone)))
        .chain([5])
        .max()
        .unwrap_or(5);
    w.zone = total.saturating_sub(fixed + sess).clamp(4, longest.max(6));
    w
}

fn total_width_of_sums(plan: &Plan, sessions: usize) -> usize {
    (0..sessions)
        .map(|s| session_total(plan, s).to_string().len())
        .max()
        .unwrap_or(0)
}

/// Planned impressions of a session over every zone.
pub fn session_total(plan: &Plan, s: usize) -> u32 {
    plan.zones
        .iter()
        .filter_map(|z| z.sessions.get(s))
        .map(|p| p.impressions)
        .sum()
}

fn rpad(s: &str, w: usize) -> String {
    let t = widgets::truncate(s, w);
    format!("{}{t}", " ".repeat(w.saturating_sub(widgets::width(&t))))
}

/// Everything the tab draws from.
pub struct View<'a> {
    pub patient: &'a Patient,
    pub protocol: &'a Protocol,
    pub theme: &'a Theme,
}

/// Where the table goes in the tab's area (`None` when the map is shown instead).
fn table_area(area: Rect, view: &PlanView, v: &View) -> Option<Rect> {
    let side = area.width >= SIDE_BY_SIDE_WIDTH;
    if !side && view.show_map && !view.is_editing() && v.patient.plan.is_some() {
        return None;
    }
    let table_w = if side {
        area.width.min(78).max(area.width * 6 / 10)
    } else {
        area.width
    };
    Some(Rect {
        width: table_w,
        ..area
    })
}

/// Draws the tab: the table (and the dates) with, on a wide window, the map beside it.
pub fn draw(frame: &mut Frame, area: Rect, view: &PlanView, v: &View) {
    let Some(table) = table_area(area, view, v) else {
        draw_map(frame, area, view, v);
        return;
    };
    draw_table(frame, table, view, v);
    if area.width >= SIDE_BY_SIDE_WIDTH && v.patient.plan.is_some() {
        let map_area = Rect {
            x: area.x + table.width + 1,
            width: area.width.saturating_sub(table.width + 1),
            ..area
        };
        draw_map(frame, map_area, view, v);
    }
}

/// The scalp map for the selected session and the dot preview of the selected zone: one over
/// the other in a side panel, side by side when they fill a narrow window on their own.
fn draw_map(frame: &mut Frame, area: Rect, view: &PlanView, v: &View) {
    let Some(plan) = v.patient.plan.as_ref() else {
        return;
    };
    let sessions = v.protocol.session_count();
    let [map_area, dots_area] = if area.width >= 2 * area.height + 20 {
        Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)]).areas(area)
    } else {
        Layout::vertical([Constraint::Percentage(60), Constraint::Fill(1)]).areas(area)
    };
    let zone = view.selected_zone(plan);
    let title = s::map_title(view.session + 1, sessions);
    let map = ScalpMap::new(v.protocol, plan, view.session)
        .selected(zone.map(|z| z.zone.as_str()))
        .theme(*v.theme)
        .block(Block::bordered().title(Span::styled(title, v.theme.title())));
    frame.render_widget(map, map_area);
    if let Some(z) = zone {
        let name = v
            .protocol
            .zone(&z.zone)
            .map_or(z.zone.as_str(), |d| d.name.as_str());
        let title = s::dots_title(&zone_label(&z.zone));
        let dots = DotPreview::new(z, view.session)
            .name(name)
            .theme(*v.theme)
            .block(Block::bordered().title(Span::styled(title, v.theme.title())));
        frame.render_widget(dots, dots_area);
    }
}

/// The edit box of the cell being typed into, `width` wide (wider for a longer value).
fn edit_box(
    view: &PlanView,
    width: usize,
    theme: &Theme,
) -> Option<(Vec<Span<'static>>, usize, usize)> {
    match &view.form.editing {
        Some(Editing::Text(input)) => {
            let w = width.max(widgets::width(input.value()) + 1);
            let (spans, cx) = input.spans(w, theme);
            Some((spans, cx, w))
        }
        _ => None,
    }
}

/// The lines of the table for a width: header, zones, totals, dates and notes, with the line
/// of the focus and the cursor (`usize::MAX` for the dates line).
struct TableLayout {
    lines: Vec<Line<'static>>,
    focus_line: usize,
    cursor: Option<(u16, usize)>,
}

fn table_lines(width: usize, view: &PlanView, v: &View) -> TableLayout {
    let theme = v.theme;
    let p = v.patient;
    let proto = v.protocol;
    let sessions = proto.session_count();
    let error = view.form.error.as_ref();
    let Some(plan) = p.plan.as_ref() else {
        let mut lines = vec![
            Line::styled(s::NO_PLAN, theme.header()),
            Line::raw(""),
            Line::raw(s::NO_PLAN_HINT_1),
            Line::raw(s::NO_PLAN_HINT_2),
        ];
        let mut focus_line = 0;
        if let Some(Editing::Choice { selected, .. }) = &view.form.editing
            && let Some(ids) = &view.adding
        {
            lines.push(Line::raw(""));
            focus_line = lines.len() + 1 + selected;
            lines.extend(add_list(ids, *selected, proto, theme, width));
        }
        return TableLayout {
            lines,
            focus_line,
            cursor: None,
        };
    };
    let w = widths(plan, sessions, width);
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor: Option<(u16, usize)> = None;
    let mut focus_line = HEADER_LINES;

    // Header: the session groups (the one on the map underlined), then the column names.
    let lead = w.zone + 1 + w.needle + 1 + w.depth + 1 + w.area + 1 + w.density;
    let group = 1 + w.frac + 1 + w.imp + 1 + w.shade;
    let mut head1 = vec![Span::raw(" ".repeat(lead))];
    for sn in 0..sessions {
        let label = widgets::pad(&format!("│{}", s::session_group(sn + 1)), group);
        let style = if sn == view.session {
            theme.header().add_modifier(Modifier::UNDERLINED)
        } else {
            theme.header()
        };
        head1.push(Span::styled(label, style));
    }
    lines.push(Line::from(head1));
    let mut head2 = format!(
        "{} {} {} {} {}",
        widgets::pad(s::COL_ZONE, w.zone),
        widgets::pad(s::COL_NEEDLE, w.needle),
        widgets::pad(s::COL_DEPTH, w.depth),
        rpad(s::COL_AREA, w.area),
        rpad(s::COL_DENSITY, w.density)
    );
    for _ in 0..sessions {
        head2.push_str(&format!(
            "│{} {} {}",
            rpad(s::COL_FRACTION, w.frac),
            rpad(s::COL_IMPRESSIONS, w.imp),
            widgets::pad(s::COL_SHADE, w.shade)
        ));
    }
    lines.push(Line::styled(head2, theme.header()));

    for (row, z) in plan.zones.iter().enumerate() {
        let row_focused = matches!(view.focus, Cell::Zone { row: r, .. } if r == row);
        let mut spans = vec![Span::styled(
            widgets::pad(&zone_label(&z.zone), w.zone),
            if row_focused {
                theme.title()
            } else {
                theme.base()
            },
        )];
        let mut x = w.zone;
        let mut err_x = None;
        let mut cell = |spans: &mut Vec<Span<'static>>,
                        sep: &'static str,
                        field: Option<PlanField>,
                        text: String,
                        width: usize,
                        right: bool| {
            spans.push(Span::raw(sep));
            x += widgets::width(sep);
            let focused = field.is_some_and(|f| view.focus == Cell::Zone { row, field: f });
            if focused && let Some((box_spans, cx, bw)) = edit_box(view, width, theme) {
                cursor = Some(((x + cx) as u16, lines.len()));
                spans.extend(box_spans);
                err_x = Some(x);
                x += bw;
                return;
            }
            let body = if right {
                rpad(&text, width)
            } else {
                widgets::pad(&text, width)
            };
            let over = field.is_some_and(|f| is_overridden(z, f));
            let mut style = if focused {
                theme.selected()
            } else {
                theme.base()
            };
            if over {
                style = style.patch(theme.overridden());
            }
            if focused {
                err_x = Some(x);
            }
            x += widgets::width(&body);
            spans.push(Span::styled(body, style));
        };
        for (field, width, right) in [
            (PlanField::Needle, w.needle, false),
            (PlanField::Depth, w.depth, false),
            (PlanField::Area, w.area, true),
            (PlanField::TargetDensity, w.density, true),
        ] {
            cell(
                &mut spans,
                " ",
                Some(field),
                cell_text(z, field),
                width,
                right,
            );
        }
        for sn in 0..sessions {
            let fr = PlanField::Fraction(sn);
            let sh = PlanField::Shade(sn);
            cell(&mut spans, "│", Some(fr), cell_text(z, fr), w.frac, true);
            let imp = z
                .sessions
                .get(sn)
                .map(|p| p.impressions.to_string())
                .unwrap_or_default();
            cell(&mut spans, " ", None, imp, w.imp, true);
            cell(&mut spans, " ", Some(sh), cell_text(z, sh), w.shade, false);
        }
        if row_focused {
            focus_line = lines.len();
        }
        lines.push(Line::from(spans));
        if let Some((Cell::Zone { row: r, .. }, msg)) = error
            && *r == row
        {
            lines.extend(error_lines(msg, err_x.unwrap_or(0), width, theme));
            if row_focused {
                focus_line = lines.len() - 1;
            }
        }
    }
    // Totals per session.
    let mut total = widgets::pad(s::TOTAL, lead);
    for sn in 0..sessions {
        total.push_str(&format!(
            "│{} {} {}",
            " ".repeat(w.frac),
            rpad(&session_total(plan, sn).to_string(), w.imp),
            " ".repeat(w.shade)
        ));
    }
    lines.push(Line::styled(total, theme.dim()));
    lines.push(Line::raw(""));

    // Dates: the start schedules the series; a session date moves only that session.
    let dates_line = lines.len();
    let mut dates = vec![Span::styled(s::DATES, theme.header())];
    let mut x = widgets::width(s::DATES);
    let mut date_err_x = None;
    let mut date_cell = |dates: &mut Vec<Span<'static>>,
                         label: String,
                         cell: Cell,
                         value: Option<chrono::NaiveDate>| {
        dates.push(Span::raw(label.clone()));
        x += widgets::width(&label);
        let focused = view.focus == cell;
        if focused && let Some((box_spans, cx, bw)) = edit_box(view, 10, theme) {
            cursor = Some(((x + cx) as u16, dates_line));
            date_err_x = Some(x);
            x += bw;
            dates.extend(box_spans);
        } else {
            let text = value
                .map(|d| d.to_string())
                .unwrap_or_else(|| crate::tui::strings::DASH.to_string());
            let style = if focused {
                date_err_x = Some(x);
                theme.selected()
            } else {
                theme.base()
            };
            x += widgets::width(&text);
            dates.push(Span::styled(text, style));
        }
        dates.push(Span::raw("  "));
        x += 2;
    };
    date_cell(
        &mut dates,
        s::START_SHORT.into(),
        Cell::Start,
        plan.start_date,
    );
    for sn in 0..sessions {
        let d = plan.session_dates.get(sn).copied().flatten();
        date_cell(
            &mut dates,
            s::session_short(sn + 1),
            Cell::SessionDate(sn),
            d,
        );
    }
    if matches!(view.focus, Cell::Start | Cell::SessionDate(_)) {
        focus_line = dates_line;
    }
    lines.push(Line::from(dates));
    if let Some((Cell::Start | Cell::SessionDate(_), msg)) = error {
        lines.extend(error_lines(msg, date_err_x.unwrap_or(0), width, theme));
    }
    for wmsg in spacing_warnings(&plan.session_dates, proto) {
        for l in wrap_at(&format!("⚠ {wmsg}"), width) {
            lines.push(Line::styled(l, theme.warn()));
        }
    }
    let unplanned: Vec<&str> = p
        .zones
        .iter()
        .map(|a| a.zone.as_str())
        .filter(|id| !plan.zones.iter().any(|z| z.zone == *id))
        .collect();
    if !unplanned.is_empty() {
        for l in wrap_at(&s::unplanned(&unplanned.join(", ")), width) {
            lines.push(Line::styled(l, theme.warn()));
        }
    }
    for n in &view.notes {
        for l in wrap_at(&format!("• {n}"), width) {
            lines.push(Line::styled(l, theme.dim()));
        }
    }
    if let Some(Editing::Choice { selected, .. }) = &view.form.editing
        && let Some(ids) = &view.adding
    {
        focus_line = lines.len() + 1 + selected;
        lines.extend(add_list(ids, *selected, proto, theme, width));
    }
    lines.push(Line::styled(s::OVERRIDE_LEGEND, theme.dim()));
    TableLayout {
        lines,
        focus_line,
        cursor,
    }
}

fn draw_table(frame: &mut Frame, area: Rect, view: &PlanView, v: &View) {
    let TableLayout {
        mut lines, cursor, ..
    } = table_lines(area.width as usize, view, v);
    if v.patient.plan.is_none() {
        frame.render_widget(Paragraph::new(lines), area);
        return;
    }
    // The two header lines stay; the body scrolls to keep the focus in view.
    let body_h = (area.height as usize).saturating_sub(HEADER_LINES);
    let body = lines.split_off(HEADER_LINES.min(lines.len()));
    let [head_area, body_area] =
        Layout::vertical([Constraint::Length(HEADER_LINES as u16), Constraint::Fill(1)])
            .areas(area);
    frame.render_widget(Paragraph::new(lines), head_area);
    frame.render_widget(
        Paragraph::new(body).scroll((view.scroll as u16, 0)),
        body_area,
    );
    if let Some((cx, line)) = cursor {
        let shown = line
            .checked_sub(HEADER_LINES + view.scroll)
            .filter(|l| *l < body_h);
        if let Some(l) = shown {
            let cx = (area.x + cx).min(area.right().saturating_sub(1));
            frame.set_cursor_position((cx, body_area.y + l as u16));
        }
    }
}

/// The session groups and the column names, above the scrolling rows.
const HEADER_LINES: usize = 2;

fn add_list(
    ids: &[String],
    sel: usize,
    proto: &Protocol,
    theme: &Theme,
    w: usize,
) -> Vec<Line<'static>> {
    let mut out = vec![Line::styled(s::ADD_WHICH_HINT, theme.header())];
    for (i, id) in ids.iter().enumerate() {
        let name = proto.zone(id).map(|z| z.name.clone()).unwrap_or_default();
        let (mark, style) = if i == sel {
            ("(•) ", theme.selected())
        } else {
            ("( ) ", theme.base())
        };
        let text = widgets::truncate(&format!("  {mark}{id} — {name}"), w);
        out.push(Line::styled(text, style));
    }
    out
}

fn wrap_at(text: &str, w: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        if !line.is_empty() && widgets::width(&line) + 1 + widgets::width(word) > w {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out
}

/// The reason a value was refused, under the cell it was typed into (moved left when the
/// message would not fit).
fn error_lines(msg: &str, x: usize, w: usize, theme: &Theme) -> Vec<Line<'static>> {
    let text = format!("✗ {msg}");
    let room = w.saturating_sub(x);
    let indent = if widgets::width(&text) <= room || room >= 40 {
        x
    } else {
        w.saturating_sub(widgets::width(&text)).min(x)
    };
    wrap_at(&text, w.saturating_sub(indent).max(20))
        .into_iter()
        .map(|l| {
            Line::from(vec![
                Span::raw(" ".repeat(indent)),
                Span::styled(l, theme.error()),
            ])
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_and_numbers_print_as_the_clinic_writes_them() {
        assert_eq!(percent(0.3), "30%");
        assert_eq!(percent(0.355), "35.5%");
        assert_eq!(percent(1.0), "100%");
        assert_eq!(num(0.45), "0.45");
        assert_eq!(num(75.0), "75");
        assert_eq!(zone_label("temporal_left"), "temporal L");
        assert_eq!(zone_label("mid_scalp"), "mid scalp");
    }

    #[test]
    fn focus_skips_impressions_and_walks_every_editable_column() {
        let cols = zone_columns(3);
        assert_eq!(cols.len(), 4 + 3 * 2);
        assert_eq!(cols[4], PlanField::Fraction(0));
        assert_eq!(cols[5], PlanField::Shade(0));
    }
}
