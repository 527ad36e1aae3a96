//! Draws the whole application from its state: title, banners, the screen, status, key bar.

use super::app::{App, MIN_HEIGHT, MIN_WIDTH};
use super::keymap::Context;
use super::screens::{new_patient, patients, workspace};
use super::{help, widgets};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn draw(frame: &mut Frame, app: &mut App) {
    let area = frame.area();
    app.size = (area.width, area.height);
    let theme = app.theme;
    if app.too_small() {
        let msg = vec![
            Line::styled("Window too small", theme.error()),
            Line::raw(format!(
                "smplan needs at least {MIN_WIDTH}×{MIN_HEIGHT}; this one is {}×{}.",
                area.width, area.height
            )),
            Line::raw("Enlarge the window, or press q to quit."),
        ];
        frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }

    let mut banners: Vec<Line> = Vec::new();
    if let Some(r) = &app.read_only {
        banners.push(Line::styled(
            format!("READ-ONLY: {r}. Changes are refused."),
            theme.error(),
        ));
    }
    if !app.quarantined.is_empty() {
        banners.push(Line::styled(
            format!(
                "{} damaged file(s) moved aside, not shown: {}",
                app.quarantined.len(),
                app.quarantined.join("; ")
            ),
            theme.warn(),
        ));
    }
    let [title, banner, body, status, keys] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(banners.len() as u16),
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);

    let where_ = match &app.workspace {
        Some(ws) => format!("Patients › {}", ws.record_id),
        None => "Patients".to_string(),
    };
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(" smplan ", theme.selected()),
            Span::raw(" "),
            Span::styled(where_, theme.title()),
            Span::styled(format!("   today {}", app.today), theme.dim()),
        ])),
        title,
    );
    frame.render_widget(Paragraph::new(banners), banner);

    if app.workspace.is_some() {
        workspace::draw(frame, body, app);
    } else {
        patients::draw(frame, body, app);
    }
    if app.new_patient.is_some() {
        new_patient::draw(frame, body, app);
    }
    if let Some(under) = app.help {
        help::draw(frame, body, app, under);
    }
    frame.render_widget(
        Paragraph::new(widgets::status_line(&app.status, &theme)),
        status,
    );
    let ctx = app.context();
    let ctx = if ctx == Context::TooSmall {
        Context::Patients
    } else {
        ctx
    };
    frame.render_widget(Paragraph::new(widgets::key_bar(ctx, &theme)), keys);
}
