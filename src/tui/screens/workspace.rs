//! A patient's workspace: a header naming the patient, the tab bar, and the active tab.

use super::{intake, plan};
use crate::tui::app::{App, Tab};
use crate::tui::widgets;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    let Some(p) = app.open().cloned() else {
        return;
    };
    let theme = app.theme;
    let [head, tabs, _gap, body] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);

    let mut spans = vec![
        Span::styled(p.record_id.clone(), theme.title()),
        Span::raw("  "),
    ];
    if let Some(n) = &p.name {
        spans.push(Span::styled(widgets::truncate(n, 24), theme.title()));
        spans.push(Span::raw("  "));
    }
    let mut facts = Vec::new();
    if let Some(s) = p.sex {
        facts.push(s.code().to_string());
    }
    if let Some(a) = p.age_on(app.today) {
        facts.push(format!("{a} y"));
    }
    facts.push(match &p.alopecia.classification {
        Some(c) => format!("{} · {c}", p.subtype()),
        None => p.subtype().to_string(),
    });
    spans.push(Span::raw(facts.join(" · ")));
    spans.push(Span::raw("   "));
    spans.extend(intake::triage_badge(&p, &app.protocol, &theme));
    frame.render_widget(Paragraph::new(Line::from(spans)), head);

    let Some(ws) = app.workspace.as_mut() else {
        return;
    };
    let mut tab_spans = Vec::new();
    for t in Tab::ALL {
        let style = if t == ws.tab {
            theme.tab_active()
        } else {
            theme.dim()
        };
        tab_spans.push(Span::styled(format!(" {} ", t.title()), style));
        tab_spans.push(Span::raw(" "));
    }
    frame.render_widget(Paragraph::new(Line::from(tab_spans)), tabs);

    if let Some(tab) = ws.record_tab() {
        let c = crate::tui::screens::form::TabCtx {
            patient: &p,
            protocol: &app.protocol,
            today: app.today,
            operator: &app.operator,
            theme: &theme,
        };
        tab.draw(frame, body, &c);
        return;
    }
    match ws.tab {
        Tab::Sessions | Tab::FollowUp => {}
        Tab::Intake => intake::draw(
            frame,
            body,
            &mut ws.intake,
            &p,
            &app.protocol,
            app.today,
            &theme,
        ),
        Tab::Plan => plan::draw(
            frame,
            body,
            &mut ws.plan,
            &plan::View {
                patient: &p,
                protocol: &app.protocol,
                theme: &theme,
            },
        ),
    }
}
