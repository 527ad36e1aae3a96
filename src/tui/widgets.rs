//! Small drawing helpers shared by the screens: text fitted by display width, the key bar,
//! the status line, a centred popup area.

pub mod dot_preview;
mod panel;
pub mod scalp_map;
pub mod stats_charts;

use super::app::{Status, StatusKind};
use super::keymap::{self, Context};
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

/// The bottom bar: the keys that work here, from the key map.
pub fn key_bar(ctx: Context, theme: &Theme) -> Line<'static> {
    let mut spans = Vec::new();
    for (i, (keys, label)) in keymap::bar(ctx).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw("  "));
        }
        spans.push(Span::styled(keys, theme.key()));
        spans.push(Span::raw(format!(" {label}")));
    }
    if !matches!(ctx, Context::Help | Context::TooSmall) {
        spans.push(Span::raw("  "));
        spans.push(Span::styled("Ctrl-C", theme.key()));
        spans.push(Span::raw(" quit"));
    }
    Line::from(spans)
}

/// The status line: what happened last.
pub fn status_line(status: &Status, theme: &Theme) -> Line<'static> {
    let (mark, style) = match status.kind {
        StatusKind::Ok => ("✓ ", theme.ok()),
        StatusKind::Error => ("✗ ", theme.error()),
        StatusKind::Info => ("", theme.base()),
    };
    Line::from(vec![
        Span::styled(mark, style),
        Span::styled(status.text.clone(), style),
    ])
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
