//! Every colour and emphasis the UI uses, in one place.
//!
//! Meaning never rests on colour alone: focus and selection are also bold and reversed, so
//! the UI reads the same with `NO_COLOR` set (<https://no-color.org>) or on a monochrome
//! terminal.

use crate::domain::Triage;
use ratatui::style::{Color, Modifier, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// False when `NO_COLOR` is set: only bold, reverse, underline and dim are used.
    pub color: bool,
}

impl Theme {
    /// Colour unless `NO_COLOR` is set to a non-empty value.
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Theme { color: !no_color }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    pub fn base(&self) -> Style {
        Style::new()
    }
    pub fn title(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn header(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    pub fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }
    /// The selected row of a list or the focused form field (not being edited).
    pub fn selected(&self) -> Style {
        let s = Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD);
        if self.color { s.fg(Color::Cyan) } else { s }
    }
    /// The field being edited: underlined and bold so it stands apart from mere focus.
    pub fn editing(&self) -> Style {
        self.fg(Color::White)
            .add_modifier(Modifier::BOLD | Modifier::UNDERLINED)
    }
    /// A prefilled value selected in a text field: typing replaces it.
    pub fn selection(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
    /// An overdue item: in words as well, never colour alone.
    pub fn overdue(&self) -> Style {
        self.error()
    }
    pub fn key(&self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }
    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }
    pub fn ok(&self) -> Style {
        self.fg(Color::Green)
    }
    pub fn warn(&self) -> Style {
        self.fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }
    /// The active tab of the workspace.
    pub fn tab_active(&self) -> Style {
        self.selected()
    }
    /// A plan value set by hand: bold as well as coloured, and the table adds a `*`.
    pub fn overridden(&self) -> Style {
        self.fg(Color::Magenta).add_modifier(Modifier::BOLD)
    }
    pub fn triage(&self, t: Triage) -> Style {
        match t {
            Triage::Clear => self.ok().add_modifier(Modifier::BOLD),
            Triage::ClearanceNeeded => self.warn(),
            Triage::Defer | Triage::NotScreened | Triage::ScreenIncomplete => self.error(),
        }
    }
}
