//! The `?` overlay: every key of the screen underneath, from the same key map as the bar.

use super::app::App;
use super::keymap::{self, Context};
use super::widgets;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, under: Context) {
    let theme = app.theme;
    let rows: Vec<(String, &str)> = keymap::bindings(under)
        .iter()
        .chain(keymap::GLOBAL)
        .map(|b| (b.keys_label(), b.help))
        .collect();
    let key_w = rows
        .iter()
        .map(|(k, _)| widgets::width(k))
        .max()
        .unwrap_or(0);
    let mut lines = vec![Line::styled(under.title(), theme.header()), Line::raw("")];
    for (k, h) in &rows {
        lines.push(Line::from(vec![
            Span::styled(widgets::pad(k, key_w + 2), theme.key()),
            Span::raw(h.to_string()),
        ]));
    }
    lines.push(Line::raw(""));
    lines.push(Line::styled(
        "Each accepted field is saved at once; the status line says what happened.",
        theme.dim(),
    ));
    let w = lines
        .iter()
        .map(|l| l.width())
        .max()
        .unwrap_or(20)
        .saturating_add(4) as u16;
    let h = lines.len() as u16 + 2;
    let inner = widgets::popup(frame, area, w, h, "Help — ? or Esc closes", &theme);
    frame.render_widget(
        Paragraph::new(lines),
        inner.inner(ratatui::layout::Margin::new(1, 0)),
    );
}
