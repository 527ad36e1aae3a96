//! The `?` overlay: every command of the screen underneath, from the same list as the key bar
//! (commands that exist but do nothing now are listed dimmed, with the reason).
//!
//! Nothing is cut: each help text is shown whole. Two columns are used only when every text
//! fits whole in its half; otherwise one column, each text wrapped under itself. When the
//! lines do not fit the window, the overlay scrolls (↑/↓, PgUp/PgDn) and its title says
//! which lines are shown.

use super::command::Command;
use super::screens::form::wrap;
use super::strings;
use super::theme::Theme;
use super::widgets;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// One row of the help: its keys, its sentence, and whether it works now.
struct Entry {
    keys: String,
    help: String,
    on: bool,
}

fn entries(commands: &[Command]) -> Vec<Entry> {
    commands
        .iter()
        .map(|c| {
            let keys = if c.keys.is_empty() {
                c.text.bar.to_string()
            } else {
                c.keys_label()
            };
            match &c.disabled {
                None => Entry {
                    keys,
                    help: c.text.help.to_string(),
                    on: true,
                },
                Some(why) => Entry {
                    keys,
                    help: format!("{} ({}: {why})", c.text.help, strings::HELP_DISABLED),
                    on: false,
                },
            }
        })
        .collect()
}

/// The help's lines for a text width of `width` columns.
pub fn lines(commands: &[Command], width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let rows = entries(commands);
    let width = width.max(20);
    let key_w = rows
        .iter()
        .map(|r| widgets::width(&r.keys))
        .max()
        .unwrap_or(0)
        + 2;
    let help_w = rows
        .iter()
        .map(|r| widgets::width(&r.help))
        .max()
        .unwrap_or(0);
    let style = |on: bool| if on { theme.base() } else { theme.dim() };
    let mut out = Vec::new();
    // Two columns, three spaces apart, when the widest entry fits whole in a half.
    if rows.len() > 8 && 2 * (key_w + help_w) + 3 <= width {
        let (a, b) = rows.split_at(rows.len().div_ceil(2));
        for (i, left) in a.iter().enumerate() {
            let mut spans = vec![
                Span::styled(widgets::pad(&left.keys, key_w), theme.key()),
                Span::styled(widgets::pad(&left.help, help_w), style(left.on)),
            ];
            if let Some(right) = b.get(i) {
                spans.push(Span::raw("   "));
                spans.push(Span::styled(widgets::pad(&right.keys, key_w), theme.key()));
                spans.push(Span::styled(right.help.clone(), style(right.on)));
            }
            out.push(Line::from(spans));
        }
    } else {
        let text_w = width.saturating_sub(key_w).max(10);
        for r in &rows {
            for (j, part) in wrap(&r.help, text_w).into_iter().enumerate() {
                let keys = if j == 0 { r.keys.as_str() } else { "" };
                out.push(Line::from(vec![
                    Span::styled(widgets::pad(keys, key_w), theme.key()),
                    Span::styled(part, style(r.on)),
                ]));
            }
        }
    }
    out.push(Line::raw(""));
    for l in wrap(strings::HELP_FOOTER, width) {
        out.push(Line::styled(l, theme.dim()));
    }
    out
}

/// The text width of the help drawn in `area` (inside the border and a margin each side).
fn text_width(area: Rect) -> usize {
    usize::from(area.width).saturating_sub(4)
}

/// How far the help drawn in `area` can scroll: the lines that do not fit (0 when all do).
pub fn max_scroll(commands: &[Command], area: Rect, theme: &Theme) -> usize {
    let n = lines(commands, text_width(area), theme).len();
    n.saturating_sub(usize::from(area.height.saturating_sub(2)))
}

/// Draws the help over `area`, its lines from `scroll` on (clamped to what can scroll).
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    title: &str,
    commands: &[Command],
    scroll: usize,
    theme: &Theme,
) {
    let lines = lines(commands, text_width(area), theme);
    let room = usize::from(area.height.saturating_sub(2)).max(1);
    let scroll = scroll.min(lines.len().saturating_sub(room));
    let title = if lines.len() > room {
        strings::help_title_scrolled(
            title,
            scroll + 1,
            (scroll + room).min(lines.len()),
            lines.len(),
        )
    } else {
        strings::help_title(title)
    };
    let w = lines
        .iter()
        .map(|l| l.width())
        .chain([widgets::width(&title) + 2])
        .max()
        .unwrap_or(20)
        .saturating_add(4)
        .min(usize::from(area.width)) as u16;
    let h = (lines.len() + 2).min(usize::from(area.height)) as u16;
    let inner = widgets::popup(frame, area, w, h, &title, theme);
    frame.render_widget(
        Paragraph::new(lines).scroll((scroll as u16, 0)),
        inner.inner(ratatui::layout::Margin::new(1, 0)),
    );
}
