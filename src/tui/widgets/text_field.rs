//! The one single-line text field of the UI, on `tui-input`: every form field, plan cell,
//! search box and dialog entry is one of these.
//!
//! A field opened on a value starts with that value *selected*: the first character typed
//! replaces it (typing `2026-05-11` into a prefilled date gives `2026-05-11`, not
//! `2026-12-022026-05-11`), while Enter keeps it and an arrow key or Home/End starts editing
//! it. Pasted text arrives as typed characters with line breaks turned into spaces, so a
//! pasted newline never saves half a value.

use crate::tui::theme::Theme;
use crate::tui::widgets;
use ratatui::style::Style;
use ratatui::text::Span;
use tui_input::{Input, InputRequest};
use unicode_width::UnicodeWidthChar;

#[derive(Debug, Clone, Default)]
pub struct TextField {
    input: Input,
    /// The whole value is selected: the next character replaces it.
    selected: bool,
}

impl PartialEq for TextField {
    fn eq(&self, other: &Self) -> bool {
        self.input.value() == other.input.value()
            && self.input.cursor() == other.input.cursor()
            && self.selected == other.selected
    }
}

impl TextField {
    /// A field opened on `value`, selected so that typing replaces it.
    pub fn new(value: impl Into<String>) -> TextField {
        let value = value.into();
        TextField {
            selected: !value.is_empty(),
            input: Input::new(value),
        }
    }

    /// A field holding `value` with the cursor at its end, not selected (a search box
    /// typed into, a field opened by its first character).
    pub fn typed(value: impl Into<String>) -> TextField {
        TextField {
            input: Input::new(value.into()),
            selected: false,
        }
    }

    pub fn value(&self) -> &str {
        self.input.value()
    }

    pub fn is_selected(&self) -> bool {
        self.selected
    }

    pub fn reset(&mut self) {
        self.input.reset();
        self.selected = false;
    }

    /// Applies one editing key.
    pub fn handle(&mut self, req: InputRequest) {
        if std::mem::take(&mut self.selected) {
            match req {
                InputRequest::InsertChar(_) => self.input.reset(),
                InputRequest::DeletePrevChar
                | InputRequest::DeleteNextChar
                | InputRequest::DeleteLine
                | InputRequest::DeletePrevWord
                | InputRequest::DeleteNextWord => {
                    self.input.reset();
                    return;
                }
                _ => {}
            }
        }
        let req = match req {
            // A line break or tab typed or pasted is a space: a value is one line.
            InputRequest::InsertChar('\n' | '\r' | '\t') => InputRequest::InsertChar(' '),
            other => other,
        };
        self.input.handle(req);
    }

    /// Pasted text, character by character (line breaks become spaces).
    pub fn paste(&mut self, text: &str) {
        for ch in text.chars() {
            self.handle(InputRequest::InsertChar(ch));
        }
    }

    /// The field drawn `width` columns wide (at least the value, up to `width`): its spans
    /// and the column of the cursor from the start of the field.
    pub fn spans(&self, width: usize, theme: &Theme) -> (Vec<Span<'static>>, usize) {
        let width = width.max(1);
        let scroll = self.input.visual_scroll(width.saturating_sub(1));
        let mut skipped = 0;
        let shown: String = self
            .input
            .value()
            .chars()
            .skip_while(|c| {
                let skip = skipped < scroll;
                if skip {
                    skipped += c.width().unwrap_or(0);
                }
                skip
            })
            .collect();
        let shown = widgets::truncate(&shown, width);
        let used = widgets::width(&shown);
        let style: Style = if self.selected {
            theme.selection()
        } else {
            theme.editing()
        };
        let mut spans = vec![Span::styled(shown, style)];
        if used < width {
            spans.push(Span::styled(" ".repeat(width - used), theme.editing()));
        }
        let cursor = if self.selected {
            0
        } else {
            self.input.visual_cursor().saturating_sub(scroll)
        };
        (spans, cursor.min(width.saturating_sub(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typ(f: &mut TextField, s: &str) {
        for ch in s.chars() {
            f.handle(InputRequest::InsertChar(ch));
        }
    }

    #[test]
    fn typing_replaces_a_prefilled_value() {
        let mut f = TextField::new("2026-12-02");
        typ(&mut f, "2026-05-11");
        assert_eq!(f.value(), "2026-05-11");
    }

    #[test]
    fn an_arrow_keeps_the_value_and_edits_it() {
        let mut f = TextField::new("8.5");
        f.handle(InputRequest::GoToEnd);
        typ(&mut f, "0");
        assert_eq!(f.value(), "8.50");
        let mut g = TextField::new("abc");
        g.handle(InputRequest::DeletePrevChar);
        assert_eq!(g.value(), "", "Backspace on a selection clears it");
    }

    #[test]
    fn a_pasted_newline_is_a_space() {
        let mut f = TextField::new("old");
        f.paste("Anna\nBerg\r\n");
        assert_eq!(f.value(), "Anna Berg  ");
    }
}
