//! The plan tab: zones × sessions, every cell editable, with the dates of the series.
//!
//! The table is the protocol's plan for this patient; a value typed by hand is checked by
//! `protocol::plan::apply_edit`, marked as overridden (`*`, bold) and saved at once, and
//! `r` puts it back to the protocol's value. Planned impressions are never typed: they follow
//! from area × density × the step of the cumulative fraction, and are recomputed on every edit.
//! Beside the table (or behind `m` on a narrow window) the scalp map shows the selected
//! session and the dot preview the selected zone.

use crate::domain::validate::parse_date;
use crate::domain::{Patient, Plan, ZonePlan};
use crate::protocol::plan::{PlanField, apply_edit, generate_plan, regenerate_plan, revert_field};
use crate::protocol::schedule::{schedule_plan, spacing_warnings};
use crate::protocol::{Protocol, plan::zone_plan};
use crate::tui::app::Action;
use crate::tui::keymap::Context;
use crate::tui::screens::intake::Commit;
use crate::tui::theme::Theme;
use crate::tui::widgets;
use crate::tui::widgets::dot_preview::DotPreview;
use crate::tui::widgets::scalp_map::ScalpMap;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};
use tui_input::Input;

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
    pub editing: Option<Input>,
    /// The reason the last value typed into a cell was refused, shown under that cell.
    pub error: Option<(Cell, String)>,
    /// The zone (by id) waiting for `y` to be removed.
    pub confirm_remove: Option<String>,
    /// Zones of the protocol not yet planned, offered by `a`, and the highlighted one.
    pub adding: Option<(Vec<String>, usize)>,
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
            editing: None,
            error: None,
            confirm_remove: None,
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
        PlanField::Needle => "needle".into(),
        PlanField::Depth => "depth".into(),
        PlanField::Area => "area".into(),
        PlanField::TargetDensity => "target density".into(),
        PlanField::Fraction(s) => format!("session {} fraction", s + 1),
        PlanField::Shade(s) => format!("session {} shade", s + 1),
    }
}

/// "impressions 450/600/450", said after an edit so the recomputation is seen.
fn impressions_summary(z: &ZonePlan) -> String {
    let v: Vec<String> = z
        .sessions
        .iter()
        .map(|s| s.impressions.to_string())
        .collect();
    format!("impressions {}", v.join("/"))
}

impl PlanView {
    pub fn is_editing(&self) -> bool {
        self.editing.is_some() || self.adding.is_some() || self.confirm_remove.is_some()
    }

    pub fn context(&self) -> Context {
        if self.editing.is_some() {
            Context::EditText
        } else if self.adding.is_some() {
            Context::Choose
        } else if self.confirm_remove.is_some() {
            Context::Confirm
        } else {
            Context::Plan
        }
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
            other => other,
        };
    }

    /// After a save went through: the edit is over.
    pub fn saved(&mut self, p: &Patient, proto: &Protocol) {
        self.editing = None;
        self.error = None;
        self.clamp(p.plan.as_ref(), proto.session_count());
        let step = std::mem::take(&mut self.after);
        if step != 0 {
            self.move_col(proto.session_count(), step);
        }
    }

    /// After the store refused a save: the reason goes beside the cell, the edit stays open.
    pub fn refused(&mut self, msg: String) {
        self.after = 0;
        self.error = Some((self.focus, msg));
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
            Cell::SessionDate(n) if delta < 0 => Cell::SessionDate(n - 1),
            Cell::SessionDate(n) if n + 1 < sessions => Cell::SessionDate(n + 1),
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

    /// Applies one action. Edits come back as [`Commit::Save`] with the whole patient, for
    /// the app to save through the store; nothing here writes.
    pub fn update(
        &mut self,
        action: Action,
        p: &Patient,
        proto: &Protocol,
        read_only: Option<&str>,
    ) -> Commit {
        let sessions = proto.session_count();
        self.clamp(p.plan.as_ref(), sessions);
        if let Some(id) = self.confirm_remove.clone() {
            return match action {
                Action::Accept => {
                    self.confirm_remove = None;
                    let mut q = p.clone();
                    if let Some(plan) = q.plan.as_mut() {
                        plan.zones.retain(|z| z.zone != id);
                    }
                    save(q, format!("zone {id} removed from the plan"))
                }
                Action::Cancel => {
                    self.confirm_remove = None;
                    Commit::Nothing
                }
                _ => Commit::Nothing,
            };
        }
        if let Some((ids, sel)) = self.adding.as_mut() {
            return match action {
                Action::Up => {
                    *sel = sel.saturating_sub(1);
                    Commit::Nothing
                }
                Action::Down => {
                    *sel = (*sel + 1).min(ids.len().saturating_sub(1));
                    Commit::Nothing
                }
                Action::Cancel => {
                    self.adding = None;
                    Commit::Nothing
                }
                Action::Accept => {
                    let Some(id) = ids.get(*sel).cloned() else {
                        return Commit::Nothing;
                    };
                    self.adding = None;
                    self.add_zone(p, proto, &id)
                }
                _ => Commit::Nothing,
            };
        }
        if let Some(input) = self.editing.as_mut() {
            return match action {
                Action::Edit(req) => {
                    input.handle(req);
                    Commit::Nothing
                }
                Action::Cancel => {
                    self.editing = None;
                    self.error = None;
                    Commit::Nothing
                }
                Action::Accept | Action::NextField | Action::PrevField => {
                    let text = input.value().to_string();
                    let commit = self.commit_text(p, proto, &text);
                    // Tab moves on once the store has taken the value (see `saved`).
                    self.after = match action {
                        Action::NextField => 1,
                        Action::PrevField => -1,
                        _ => 0,
                    };
                    commit
                }
                _ => Commit::Nothing,
            };
        }
        let Some(plan) = p.plan.as_ref() else {
            return match action {
                Action::Generate | Action::Regenerate => {
                    if let Some(r) = read_only {
                        return Commit::Refused(format!("cannot plan: read-only ({r})"));
                    }
                    let (plan, notes) = generate_plan(p, proto);
                    if plan.zones.is_empty() {
                        return Commit::Refused(
                            "no zone to plan: tick the affected zones in the intake first, or add one with a"
                                .into(),
                        );
                    }
                    self.notes = notes;
                    let mut q = p.clone();
                    let n = plan.zones.len();
                    q.plan = Some(plan);
                    save(q, format!("plan generated from the protocol ({n} zones)"))
                }
                Action::AddZone => self.start_adding(p, proto, read_only),
                Action::PrevSession | Action::NextSession | Action::Session(_) => {
                    self.step_session(action, sessions);
                    Commit::Nothing
                }
                Action::ToggleMap => {
                    self.show_map = !self.show_map;
                    Commit::Nothing
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
            Action::PrevSession | Action::NextSession | Action::Session(_) => {
                self.step_session(action, sessions)
            }
            Action::ToggleMap => self.show_map = !self.show_map,
            _ if read_only.is_some() && mutates(action) => {
                let r = read_only.unwrap_or_default();
                let msg = format!("cannot change the plan: the registry is read-only ({r})");
                self.error = Some((self.focus, msg.clone()));
                return Commit::Refused(msg);
            }
            Action::Open => {
                let text = match self.focus {
                    Cell::Zone { row, field } => plan
                        .zones
                        .get(row)
                        .map(|z| raw(z, field))
                        .unwrap_or_default(),
                    Cell::Start => plan.start_date.map(|d| d.to_string()).unwrap_or_default(),
                    Cell::SessionDate(n) => plan
                        .session_dates
                        .get(n)
                        .copied()
                        .flatten()
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                };
                self.editing = Some(Input::new(text));
                self.error = None;
            }
            Action::Clear | Action::Revert => return self.revert(p, proto),
            Action::AddZone => return self.start_adding(p, proto, read_only),
            Action::RemoveZone => match self.focus {
                Cell::Zone { row, .. } => {
                    if let Some(z) = plan.zones.get(row) {
                        self.confirm_remove = Some(z.zone.clone());
                    }
                }
                _ => return Commit::Refused("move to a zone row to remove a zone".into()),
            },
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
                    return Commit::Refused("the plan already is what the protocol gives".into());
                }
                return save(
                    q,
                    "plan regenerated from the protocol; overrides kept".into(),
                );
            }
            _ => {}
        }
        Commit::Nothing
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

    fn start_adding(&mut self, p: &Patient, proto: &Protocol, read_only: Option<&str>) -> Commit {
        if let Some(r) = read_only {
            return Commit::Refused(format!("cannot add a zone: read-only ({r})"));
        }
        let planned: Vec<&str> = p
            .plan
            .iter()
            .flat_map(|pl| pl.zones.iter().map(|z| z.zone.as_str()))
            .collect();
        let free: Vec<String> = proto
            .zones
            .items
            .iter()
            .filter(|z| !planned.contains(&z.id.as_str()))
            .map(|z| z.id.clone())
            .collect();
        if free.is_empty() {
            return Commit::Refused("every zone of the protocol is already planned".into());
        }
        self.adding = Some((free, 0));
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
        save(q, format!("zone {id} added to the plan from the protocol"))
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
                if !is_overridden(z, field) {
                    return Commit::Refused(format!(
                        "{} of {} already is the protocol's value",
                        field_name(field),
                        z.zone
                    ));
                }
                if let Err(e) = revert_field(z, field, p, proto) {
                    self.error = Some((self.focus, e.clone()));
                    return Commit::Refused(e);
                }
                let what = format!(
                    "{} {} back to the protocol's {} ({})",
                    z.zone,
                    field_name(field),
                    show(z, field),
                    impressions_summary(z)
                );
                save(q, what)
            }
            Cell::Start => {
                plan.start_date = None;
                save(q, "start date cleared".into())
            }
            Cell::SessionDate(n) => {
                if let Some(d) = plan.session_dates.get_mut(n) {
                    *d = None;
                }
                save(q, format!("session {} date cleared", n + 1))
            }
        }
    }

    /// Checks the text typed into the focused cell; on success the patient to save.
    fn commit_text(&mut self, p: &Patient, proto: &Protocol, text: &str) -> Commit {
        let mut q = p.clone();
        let Some(plan) = q.plan.as_mut() else {
            return Commit::Nothing;
        };
        let focus = self.focus;
        let result = match focus {
            Cell::Zone { row, field } => match plan.zones.get_mut(row) {
                None => return Commit::Nothing,
                Some(z) => {
                    if raw(z, field) == text.trim() {
                        // Unchanged: not an override.
                        self.editing = None;
                        return Commit::Nothing;
                    }
                    apply_edit(z, field, text, proto).map(|()| {
                        format!(
                            "{} {} {} ({})",
                            z.zone,
                            field_name(field),
                            show(z, field),
                            impressions_summary(z)
                        )
                    })
                }
            },
            Cell::Start => parse_date(text).map(|d| {
                schedule_plan(plan, d, proto);
                let n = plan.session_dates.len();
                format!(
                    "start {d}; {n} sessions every {} days",
                    proto.schedule.session_interval_days
                )
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
                    let d = d.map(|d| d.to_string()).unwrap_or_else(|| "cleared".into());
                    match warn.first() {
                        Some(w) => format!("session {} date {d} — warning: {w}", n + 1),
                        None => format!("session {} date {d}", n + 1),
                    }
                })
            }
        };
        match result {
            Err(e) => {
                self.error = Some((focus, e.clone()));
                Commit::Refused(format!("not saved: {e}"))
            }
            Ok(_) if q == *p => {
                self.editing = None;
                Commit::Nothing
            }
            Ok(what) => save(q, what),
        }
    }
}

fn save(patient: Patient, what: String) -> Commit {
    Commit::Save {
        patient: Box::new(patient),
        what,
    }
}

/// Whether an action would change the plan (refused on a read-only registry).
fn mutates(a: Action) -> bool {
    matches!(
        a,
        Action::Open
            | Action::Clear
            | Action::Revert
            | Action::AddZone
            | Action::RemoveZone
            | Action::Generate
            | Action::Regenerate
    )
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
        needle: col(PlanField::Needle, "needle"),
        depth: col(PlanField::Depth, "depth mm"),
        area: col(PlanField::Area, "cm²"),
        density: col(PlanField::TargetDensity, "FU/cm²"),
        frac: per_session(&PlanField::Fraction, "%"),
        imp,
        shade: per_session(&PlanField::Shade, "sh"),
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

/// Draws the tab: the table (and the dates) with, on a wide window, the map beside it.
pub fn draw(frame: &mut Frame, area: Rect, view: &mut PlanView, v: &View) {
    let side = area.width >= SIDE_BY_SIDE_WIDTH;
    if !side && view.show_map && !view.is_editing() && v.patient.plan.is_some() {
        draw_map(frame, area, view, v);
        return;
    }
    let table_w = if side {
        area.width.min(78).max(area.width * 6 / 10)
    } else {
        area.width
    };
    let table_area = Rect {
        width: table_w,
        ..area
    };
    draw_table(frame, table_area, view, v);
    if side && v.patient.plan.is_some() {
        let map_area = Rect {
            x: area.x + table_w + 1,
            width: area.width.saturating_sub(table_w + 1),
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
    let title = format!(" Scalp map · session {} of {sessions} ", view.session + 1);
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
        let title = format!(" Dot preview · {} ", zone_label(&z.zone));
        let dots = DotPreview::new(z, view.session)
            .name(name)
            .theme(*v.theme)
            .block(Block::bordered().title(Span::styled(title, v.theme.title())));
        frame.render_widget(dots, dots_area);
    }
}

fn draw_table(frame: &mut Frame, area: Rect, view: &mut PlanView, v: &View) {
    let theme = v.theme;
    let p = v.patient;
    let proto = v.protocol;
    let sessions = proto.session_count();
    let Some(plan) = p.plan.as_ref() else {
        let mut lines = vec![
            Line::styled("No plan yet.", theme.header()),
            Line::raw(""),
            Line::raw("Press g to generate it from the protocol for the zones ticked at intake,"),
            Line::raw("or a to add a zone by hand."),
        ];
        if let Some((ids, sel)) = &view.adding {
            lines.push(Line::raw(""));
            lines.extend(add_list(ids, *sel, proto, theme, area.width as usize));
        }
        frame.render_widget(Paragraph::new(lines), area);
        return;
    };
    let w = widths(plan, sessions, area.width as usize);
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor: Option<(u16, usize)> = None;
    let mut focus_line = HEADER_LINES;

    // Header: the session groups (the one on the map underlined), then the column names.
    let lead = w.zone + 1 + w.needle + 1 + w.depth + 1 + w.area + 1 + w.density;
    let group = 1 + w.frac + 1 + w.imp + 1 + w.shade;
    let mut head1 = vec![Span::raw(" ".repeat(lead))];
    for s in 0..sessions {
        let label = widgets::pad(&format!("│session {}", s + 1), group);
        let style = if s == view.session {
            theme.header().add_modifier(Modifier::UNDERLINED)
        } else {
            theme.header()
        };
        head1.push(Span::styled(label, style));
    }
    lines.push(Line::from(head1));
    let mut head2 = format!(
        "{} {} {} {} {}",
        widgets::pad("zone", w.zone),
        widgets::pad("needle", w.needle),
        widgets::pad("depth mm", w.depth),
        rpad("cm²", w.area),
        rpad("FU/cm²", w.density)
    );
    for _ in 0..sessions {
        head2.push_str(&format!(
            "│{} {} {}",
            rpad("%", w.frac),
            rpad("imp", w.imp),
            widgets::pad("sh", w.shade)
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
            if focused && let Some(input) = &view.editing {
                let shown =
                    widgets::pad(input.value(), width.max(widgets::width(input.value()) + 1));
                cursor = Some(((x + input.visual_cursor()) as u16, lines.len()));
                let wdt = widgets::width(&shown);
                spans.push(Span::styled(shown, theme.editing()));
                x += wdt;
                err_x = Some(x - wdt);
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
        for s in 0..sessions {
            let fr = PlanField::Fraction(s);
            let sh = PlanField::Shade(s);
            cell(&mut spans, "│", Some(fr), cell_text(z, fr), w.frac, true);
            let imp = z
                .sessions
                .get(s)
                .map(|p| p.impressions.to_string())
                .unwrap_or_default();
            cell(&mut spans, " ", None, imp, w.imp, true);
            cell(&mut spans, " ", Some(sh), cell_text(z, sh), w.shade, false);
        }
        if row_focused {
            focus_line = lines.len();
        }
        lines.push(Line::from(spans));
        if let Some((Cell::Zone { row: r, .. }, msg)) = &view.error
            && *r == row
        {
            lines.extend(error_lines(
                msg,
                err_x.unwrap_or(0),
                area.width as usize,
                theme,
            ));
            if row_focused {
                focus_line = lines.len() - 1;
            }
        }
    }
    // Totals per session.
    let mut total = widgets::pad("total", lead);
    for s in 0..sessions {
        total.push_str(&format!(
            "│{} {} {}",
            " ".repeat(w.frac),
            rpad(&session_total(plan, s).to_string(), w.imp),
            " ".repeat(w.shade)
        ));
    }
    lines.push(Line::styled(total, theme.dim()));
    lines.push(Line::raw(""));

    // Dates: the start schedules the series; a session date moves only that session.
    let mut dates = vec![Span::styled("dates  ", theme.header())];
    let mut x = 7;
    let mut date_err_x = None;
    let mut date_cell = |dates: &mut Vec<Span<'static>>,
                         label: String,
                         cell: Cell,
                         value: Option<chrono::NaiveDate>| {
        dates.push(Span::raw(label.clone()));
        x += widgets::width(&label);
        let focused = view.focus == cell;
        if focused && let Some(input) = &view.editing {
            let shown = widgets::pad(input.value(), 10);
            cursor = Some(((x + input.visual_cursor()) as u16, usize::MAX));
            date_err_x = Some(x);
            x += widgets::width(&shown);
            dates.push(Span::styled(shown, theme.editing()));
        } else {
            let text = value
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".to_string());
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
    date_cell(&mut dates, "start ".into(), Cell::Start, plan.start_date);
    for s in 0..sessions {
        let d = plan.session_dates.get(s).copied().flatten();
        date_cell(&mut dates, format!("S{} ", s + 1), Cell::SessionDate(s), d);
    }
    let dates_line = lines.len();
    if matches!(view.focus, Cell::Start | Cell::SessionDate(_)) {
        focus_line = dates_line;
    }
    lines.push(Line::from(dates));
    if let Some((Cell::Start | Cell::SessionDate(_), msg)) = &view.error {
        lines.extend(error_lines(
            msg,
            date_err_x.unwrap_or(0),
            area.width as usize,
            theme,
        ));
    }
    for wmsg in spacing_warnings(&plan.session_dates, proto) {
        for l in wrap_at(&format!("⚠ {wmsg}"), area.width as usize) {
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
        let text = format!(
            "• affected at intake but not planned: {} (a adds one, R regenerates)",
            unplanned.join(", ")
        );
        for l in wrap_at(&text, area.width as usize) {
            lines.push(Line::styled(l, theme.warn()));
        }
    }
    for n in &view.notes {
        for l in wrap_at(&format!("• {n}"), area.width as usize) {
            lines.push(Line::styled(l, theme.dim()));
        }
    }
    if let Some(id) = &view.confirm_remove {
        focus_line = lines.len();
        lines.push(Line::styled(
            format!("Remove zone {id} from the plan? y removes, n or Esc keeps it"),
            theme.warn().add_modifier(Modifier::REVERSED),
        ));
    }
    if let Some((ids, sel)) = &view.adding {
        focus_line = lines.len() + 1 + sel;
        lines.extend(add_list(ids, *sel, proto, theme, area.width as usize));
    }
    lines.push(Line::styled(
        "* set by hand (r puts back the protocol's value)",
        theme.dim(),
    ));

    // The two header lines stay; the body scrolls to keep the focus in view.
    let body_h = (area.height as usize).saturating_sub(HEADER_LINES);
    let fl = focus_line.saturating_sub(HEADER_LINES);
    if fl < view.scroll {
        view.scroll = fl;
    } else if fl >= view.scroll + body_h {
        view.scroll = fl + 1 - body_h;
    }
    view.scroll = view
        .scroll
        .min((lines.len() - HEADER_LINES).saturating_sub(body_h));
    let body = lines.split_off(HEADER_LINES);
    let [head_area, body_area] =
        Layout::vertical([Constraint::Length(HEADER_LINES as u16), Constraint::Fill(1)])
            .areas(area);
    frame.render_widget(Paragraph::new(lines), head_area);
    frame.render_widget(
        Paragraph::new(body).scroll((view.scroll as u16, 0)),
        body_area,
    );
    if let Some((cx, line)) = cursor {
        let line = if line == usize::MAX { dates_line } else { line };
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
    let mut out = vec![Line::styled(
        "Add which zone? (Enter adds, Esc cancels)",
        theme.header(),
    )];
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
