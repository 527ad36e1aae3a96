//! Small drawing helpers shared by the screens: text fitted by display width, the key bar,
//! the status line, a centred popup area.

pub mod dot_preview;
mod panel;
pub mod scalp_map;
pub mod stats_charts;
pub mod text_field;

use super::action::{Status, StatusKind};
use super::command::Command;
use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// A VDS as the clinic writes it: `9`, `8.5`.
pub fn fmt_score(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v:.1}")
    }
}

/// Display width in terminal columns (a Chinese character takes two).
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `max` columns, ending with `…` when cut; never splits a wide character.
pub fn truncate(s: &str, max: usize) -> String {
    if width(s) <= max {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in s.chars() {
        let w = ch.width().unwrap_or(0);
        if used + w + 1 > max {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.push('…');
    out
}

/// `s` fitted to exactly `w` columns: cut with `…` or padded with spaces.
pub fn pad(s: &str, w: usize) -> String {
    let t = truncate(s, w);
    let fill = w.saturating_sub(width(&t));
    format!("{t}{}", " ".repeat(fill))
}

/// A `w`×`h` rectangle centred in `area` (clipped to it).
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// Clears a centred `w`×`h` box with a border and a title; returns the area inside it.
pub fn popup(frame: &mut Frame, area: Rect, w: u16, h: u16, title: &str, theme: &Theme) -> Rect {
    let outer = centered(area, w, h);
    frame.render_widget(Clear, outer);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(format!(" {title} "), theme.title()));
    let inner = block.inner(outer);
    frame.render_widget(block, outer);
    inner
}

/// The bottom bar: the enabled commands of the screen that have a bar label, in their order,
/// wrapped onto as many lines as `width` needs (never cut). Ctrl-C, which quits from
/// anywhere, comes last.
pub fn key_bar(commands: &[Command], theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let mut items: Vec<(String, String)> = commands
        .iter()
        .filter(|c| c.bar && c.enabled() && !c.text.bar.is_empty())
        .map(|c| {
            let keys = if c.keys.is_empty() {
                String::new()
            } else {
                c.keys_label()
            };
            (keys, c.text.bar.to_string())
        })
        .collect();
    if let Some(q) = commands
        .iter()
        .find(|c| c.action == super::action::Action::Quit && c.text.bar.is_empty())
    {
        items.push((
            q.keys_label(),
            super::strings::cmd::QUIT_APP.bar.to_string(),
        ));
    }
    let w = (width as usize).max(1);
    let mut lines = Vec::new();
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut used = 0;
    for (keys, label) in items {
        let text = if keys.is_empty() {
            label.clone()
        } else {
            format!(" {label}")
        };
        let need = width_of(&keys) + width_of(&text);
        let gap = if spans.is_empty() { 0 } else { 2 };
        if !spans.is_empty() && used + gap + need > w {
            lines.push(Line::from(std::mem::take(&mut spans)));
            used = 0;
        }
        if !spans.is_empty() {
            spans.push(Span::raw("  "));
            used += 2;
        }
        if keys.is_empty() {
            spans.push(Span::styled(text, theme.key()));
        } else {
            spans.push(Span::styled(keys, theme.key()));
            spans.push(Span::raw(text));
        }
        used += need;
    }
    if !spans.is_empty() {
        lines.push(Line::from(spans));
    }
    lines
}

fn width_of(s: &str) -> usize {
    width(s)
}

/// The confirmation modal: what will happen, and the keys that decide.
pub fn confirm(frame: &mut Frame, area: Rect, question: &[String], theme: &Theme) {
    let w = area.width.saturating_sub(4).min(70);
    let text_w = (w as usize).saturating_sub(4).max(20);
    let mut lines: Vec<Line> = Vec::new();
    for q in question {
        for l in super::screens::form::wrap(q, text_w) {
            lines.push(Line::raw(l));
        }
    }
    lines.push(Line::raw(""));
    for l in super::screens::form::wrap(super::strings::CONFIRM_KEYS, text_w) {
        lines.push(Line::styled(l, theme.key()));
    }
    let h = lines.len() as u16 + 2;
    let inner = popup(frame, area, w, h, super::strings::CONFIRM_TITLE, theme);
    frame.render_widget(
        ratatui::widgets::Paragraph::new(lines),
        inner.inner(ratatui::layout::Margin::new(1, 0)),
    );
}

/// The status line: what happened last, wrapped to `width` (never cut).
pub fn status_lines(status: &Status, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let (mark, style) = match status.kind {
        StatusKind::Ok => ("✓ ", theme.ok()),
        StatusKind::Error => ("✗ ", theme.error()),
        StatusKind::Info => ("", theme.base()),
    };
    let text = format!("{mark}{}", status.text);
    super::screens::form::wrap(&text, (width as usize).max(1))
        .into_iter()
        .map(|l| Line::styled(l, style))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_text_is_measured_and_cut_by_columns() {
        assert_eq!(width("王小明"), 6);
        assert_eq!(pad("王小明", 8), "王小明  ");
        assert_eq!(truncate("王小明", 5), "王小…");
        assert_eq!(width(&pad("王小明", 5)), 5);
        assert_eq!(pad("abc", 2), "a…");
    }

    #[test]
    fn scores_print_like_the_clinic_writes_them() {
        assert_eq!(fmt_score(9.0), "9");
        assert_eq!(fmt_score(8.5), "8.5");
    }
}
