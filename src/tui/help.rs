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
    let mut lines = vec![Line::styled(under.title(), theme.header()), Line::raw("")];
    // Title, blank, blank, footer and the border: what is left holds the keys. When they do
    // not fit in one column (a screen with many keys on a short window) they go in two,
    // each help text cut to the room left.
    let room = usize::from(area.height).saturating_sub(6).max(1);
    let cols: Vec<&[(String, &str)]> = if rows.len() > room {
        let (a, b) = rows.split_at(rows.len().div_ceil(2));
        vec![a, b]
    } else {
        vec![&rows[..]]
    };
    let key_ws: Vec<usize> = cols
        .iter()
        .map(|c| c.iter().map(|(k, _)| widgets::width(k)).max().unwrap_or(0))
        .collect();
    let col_w = (usize::from(area.width).saturating_sub(4 + 3 * (cols.len() - 1))) / cols.len();
    for i in 0..cols[0].len() {
        let mut spans = Vec::new();
        for (c, col) in cols.iter().enumerate() {
            let Some((k, h)) = col.get(i) else { continue };
            if c > 0 {
                spans.push(Span::raw("   "));
            }
            let help_w = col_w.saturating_sub(key_ws[c] + 2);
            let h = if cols.len() > 1 {
                widgets::pad(h, help_w)
            } else {
                h.to_string()
            };
            spans.push(Span::styled(widgets::pad(k, key_ws[c] + 2), theme.key()));
            spans.push(Span::raw(h));
        }
        lines.push(Line::from(spans));
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
