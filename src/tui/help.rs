//! The `?` overlay: every command of the screen underneath, from the same list as the key bar
//! (commands that exist but do nothing now are listed dimmed, with the reason).

use super::command::Command;
use super::strings;
use super::theme::Theme;
use super::widgets;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, title: &str, commands: &[Command], theme: &Theme) {
    let rows: Vec<(String, String, bool)> = commands
        .iter()
        .map(|c| {
            let keys = if c.keys.is_empty() {
                c.text.bar.to_string()
            } else {
                c.keys_label()
            };
            match &c.disabled {
                None => (keys, c.text.help.to_string(), true),
                Some(why) => (
                    keys,
                    format!("{} ({}: {why})", c.text.help, strings::HELP_DISABLED),
                    false,
                ),
            }
        })
        .collect();
    let max_w = usize::from(area.width).saturating_sub(4).max(20);
    let mut lines = Vec::new();
    // Title, blanks, footer and the border: what is left holds the keys. When they do not
    // fit in one column they go in two, each help text wrapped to the room left.
    let room = usize::from(area.height).saturating_sub(6).max(1);
    let two = rows.len() > room;
    let cols: Vec<&[(String, String, bool)]> = if two {
        let (a, b) = rows.split_at(rows.len().div_ceil(2));
        vec![a, b]
    } else {
        vec![&rows[..]]
    };
    let key_ws: Vec<usize> = cols
        .iter()
        .map(|c| {
            c.iter()
                .map(|(k, _, _)| widgets::width(k))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let col_w = (max_w.saturating_sub(3 * (cols.len() - 1))) / cols.len();
    for i in 0..cols[0].len() {
        let mut spans = Vec::new();
        for (c, col) in cols.iter().enumerate() {
            let Some((k, h, on)) = col.get(i) else {
                continue;
            };
            if c > 0 {
                spans.push(Span::raw("   "));
            }
            let help_w = col_w.saturating_sub(key_ws[c] + 2);
            let style = if *on { theme.base() } else { theme.dim() };
            spans.push(Span::styled(widgets::pad(k, key_ws[c] + 2), theme.key()));
            let h = if two {
                widgets::pad(h, help_w)
            } else {
                widgets::truncate(h, help_w)
            };
            spans.push(Span::styled(h, style));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::raw(""));
    for l in super::screens::form::wrap(strings::HELP_FOOTER, max_w) {
        lines.push(Line::styled(l, theme.dim()));
    }
    let w = lines
        .iter()
        .map(|l| l.width())
        .max()
        .unwrap_or(20)
        .saturating_add(4) as u16;
    let h = lines.len() as u16 + 2;
    let inner = widgets::popup(frame, area, w, h, &strings::help_title(title), theme);
    frame.render_widget(
        Paragraph::new(lines),
        inner.inner(ratatui::layout::Margin::new(1, 0)),
    );
}
