//! Draws the whole application from its state: title, banners, the screen, status, key bar.
//! Drawing reads the state and changes nothing (`App::settle` fitted it to the window).

use super::app::{App, Global, MIN_HEIGHT, MIN_WIDTH};
use super::screens::form::TabCtx;
use super::screens::patients::ListView;
use super::screens::{agenda, new_patient, patients, stats, workspace};
use super::{help, strings, widgets};
use ratatui::Frame;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    let theme = app.theme;
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT || app.too_small() {
        let msg = vec![
            Line::styled(strings::TOO_SMALL_TITLE, theme.error()),
            Line::raw(strings::too_small(
                MIN_WIDTH,
                MIN_HEIGHT,
                area.width,
                area.height,
            )),
            Line::raw(strings::TOO_SMALL_HINT),
        ];
        frame.render_widget(Paragraph::new(msg).wrap(Wrap { trim: true }), area);
        return;
    }
    let a = app.frame_areas(area);

    let where_ = match (&app.global, &app.workspace) {
        (Some(Global::Statistics), _) => strings::WHERE_STATISTICS.to_string(),
        (Some(Global::Agenda), _) => strings::WHERE_AGENDA.to_string(),
        (None, Some(ws)) => strings::where_patient(&ws.record_id),
        (None, None) => strings::WHERE_PATIENTS.to_string(),
    };
    let mut title_spans = vec![
        Span::styled(format!(" {} ", strings::APP), theme.selected()),
        Span::raw(" "),
        Span::styled(where_, theme.title()),
        Span::styled(format!("   {}", strings::today_is(app.today)), theme.dim()),
    ];
    // The keys that work everywhere, at the right end of the title line.
    let commands = app.commands();
    let mut global_keys = Vec::new();
    for c in commands.iter().filter(|c| {
        matches!(
            c.action,
            super::action::Action::Statistics | super::action::Action::Agenda
        )
    }) {
        global_keys.push(Span::raw("  "));
        global_keys.push(Span::styled(c.keys_label(), theme.key()));
        global_keys.push(Span::raw(format!(" {}", c.text.bar)));
    }
    let used: usize = title_spans
        .iter()
        .chain(&global_keys)
        .map(|s| s.width())
        .sum();
    if used < a.title.width as usize {
        title_spans.push(Span::raw(" ".repeat(a.title.width as usize - used)));
        title_spans.extend(global_keys);
    }
    frame.render_widget(Paragraph::new(Line::from(title_spans)), a.title);
    frame.render_widget(Paragraph::new(app.banner_lines(a.banner.width)), a.banner);

    let body = a.body;
    match app.global {
        Some(Global::Statistics) => stats::draw(frame, body, &app.stats, &theme),
        Some(Global::Agenda) => agenda::draw(frame, body, &app.agenda, &theme),
        None => match &app.workspace {
            Some(ws) => {
                let c = TabCtx {
                    patient: &ws.patient,
                    protocol: &app.protocol,
                    today: app.today,
                    operator: &app.operator,
                    theme: &theme,
                };
                workspace::draw(frame, body, ws, &c);
            }
            None => patients::draw(
                frame,
                body,
                &app.list,
                &ListView {
                    patients: &app.patients,
                    protocol: &app.protocol,
                    today: app.today,
                    theme: &theme,
                },
            ),
        },
    }
    if let Some(form) = &app.new_patient
        && app.global.is_none()
    {
        new_patient::draw(frame, body, form, &theme);
    }
    if let Some(c) = &app.confirm {
        widgets::confirm(frame, body, &c.question, &theme);
    }
    if let Some(title) = &app.help {
        // The help lists the commands of the screen underneath it.
        help::draw(
            frame,
            body,
            title,
            &app.commands_under_help(),
            app.help_scroll,
            &theme,
        );
    }
    frame.render_widget(
        Paragraph::new(widgets::status_lines(&app.status, &theme, a.status.width)),
        a.status,
    );
    frame.render_widget(
        Paragraph::new(widgets::key_bar(&commands, &theme, a.keys.width)),
        a.keys,
    );
}
