//! A patient's workspace: a header naming the patient, the tab bar, and the active tab.

use super::followup::FollowUpTab;
use super::form::{RecordTab, TabCtx};
use super::intake::{self, IntakeForm};
use super::plan::PlanView;
use super::sessions::SessionsTab;
use crate::domain::Patient;
use crate::protocol::Protocol;
use crate::tui::strings;
use crate::tui::theme::Theme;
use crate::tui::widgets;
use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

/// The tabs of a patient's workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Intake,
    Plan,
    Sessions,
    FollowUp,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Intake, Tab::Plan, Tab::Sessions, Tab::FollowUp];
    pub fn title(self) -> &'static str {
        match self {
            Tab::Intake => strings::TAB_INTAKE,
            Tab::Plan => strings::TAB_PLAN,
            Tab::Sessions => strings::TAB_SESSIONS,
            Tab::FollowUp => strings::TAB_FOLLOW_UP,
        }
    }

    /// The tab `delta` steps along, wrapping around.
    pub fn step(self, delta: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        let i = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0) as isize;
        Tab::ALL[(i + delta).rem_euclid(n) as usize]
    }
}

/// One patient open in the workspace.
#[derive(Debug)]
pub struct Workspace {
    pub record_id: String,
    /// The patient's whole record, read from the store when the workspace opened and
    /// replaced by each save (the list holds summaries only).
    pub patient: Patient,
    pub tab: Tab,
    pub intake: IntakeForm,
    pub plan: PlanView,
    pub sessions: SessionsTab,
    pub followup: FollowUpTab,
}

impl Workspace {
    pub fn new(patient: Patient) -> Workspace {
        Workspace {
            record_id: patient.record_id.clone(),
            patient,
            tab: Tab::Intake,
            intake: IntakeForm::default(),
            plan: PlanView::default(),
            sessions: SessionsTab::default(),
            followup: FollowUpTab::default(),
        }
    }

    /// The active tab.
    pub fn active(&self) -> &dyn RecordTab {
        match self.tab {
            Tab::Intake => &self.intake,
            Tab::Plan => &self.plan,
            Tab::Sessions => &self.sessions,
            Tab::FollowUp => &self.followup,
        }
    }

    pub fn active_mut(&mut self) -> &mut dyn RecordTab {
        match self.tab {
            Tab::Intake => &mut self.intake,
            Tab::Plan => &mut self.plan,
            Tab::Sessions => &mut self.sessions,
            Tab::FollowUp => &mut self.followup,
        }
    }

    pub fn is_editing(&self) -> bool {
        self.active().is_editing()
    }
}

/// The header: record id, name, the facts that matter at a glance, and the triage badge in
/// words. The badge is never cut: the facts give way first, then the name, and on a narrow
/// window the header takes a second line.
pub fn header_lines(
    p: &Patient,
    proto: &Protocol,
    today: NaiveDate,
    theme: &Theme,
    width: u16,
) -> Vec<Line<'static>> {
    let mut facts = Vec::new();
    if let Some(s) = p.sex {
        facts.push(s.code().to_string());
    }
    if let Some(a) = p.age_on(today) {
        facts.push(format!("{a} y"));
    }
    facts.push(match &p.alopecia.classification {
        Some(c) => format!("{} · {c}", p.subtype()),
        None => p.subtype().to_string(),
    });
    let badge = intake::triage_badge(p, proto, theme);
    let badge_w: usize = badge.iter().map(|s| s.width()).sum();
    let mut left = vec![
        Span::styled(p.record_id.clone(), theme.title()),
        Span::raw("  "),
    ];
    if let Some(n) = &p.name {
        left.push(Span::styled(widgets::truncate(n, 24), theme.title()));
        left.push(Span::raw("  "));
    }
    let left_w: usize = left.iter().map(|s| s.width()).sum();
    let w = width as usize;
    let facts = facts.join(" · ");
    let room = w.saturating_sub(left_w + badge_w + 3);
    if widgets::width(&facts) <= room || room >= 20 {
        left.push(Span::raw(widgets::truncate(&facts, room)));
        left.push(Span::raw("   "));
        left.extend(badge);
        vec![Line::from(left)]
    } else {
        left.push(Span::raw(widgets::truncate(
            &facts,
            w.saturating_sub(left_w),
        )));
        vec![Line::from(left), Line::from(badge)]
    }
}

/// The areas of the workspace: header, tab bar, body.
pub fn areas(area: Rect, header_h: u16) -> [Rect; 4] {
    Layout::vertical([
        Constraint::Length(header_h),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area)
}

pub fn draw(frame: &mut Frame, area: Rect, ws: &Workspace, c: &TabCtx) {
    let head = header_lines(ws.patient_ref(), c.protocol, c.today, c.theme, area.width);
    let [head_area, tabs, _gap, body] = areas(area, head.len() as u16);
    frame.render_widget(Paragraph::new(head).wrap(Wrap { trim: false }), head_area);
    let mut tab_spans = Vec::new();
    for t in Tab::ALL {
        let style = if t == ws.tab {
            c.theme.tab_active()
        } else {
            c.theme.dim()
        };
        tab_spans.push(Span::styled(format!(" {} ", t.title()), style));
        tab_spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(tab_spans)), tabs);
    ws.active().draw(frame, body, c);
}

impl Workspace {
    fn patient_ref(&self) -> &Patient {
        &self.patient
    }
}
