//! The keys: what a key is, how it is written in the bar and the help, and the key sets the
//! screens bind their commands to (see [`crate::tui::command`]). Shared sets keep the same key
//! meaning the same thing on every screen.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key, with the modifiers it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

pub const fn k(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}
pub const fn c(ch: char) -> Key {
    k(KeyCode::Char(ch))
}
pub const fn ctrl(ch: char) -> Key {
    Key {
        code: KeyCode::Char(ch),
        mods: KeyModifiers::CONTROL,
    }
}

impl Key {
    /// Whether a key press is this key. Shift is ignored for characters, since the terminal
    /// already folds it into the character (`N` arrives as Shift+`N`), and BackTab carries it.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let relevant = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let want = self.mods & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        ev.code == self.code && relevant == want
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(ch) => ch.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::Delete => "Delete".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{}", base.to_uppercase())
        } else {
            base
        }
    }
}

pub const QUIT: &[Key] = &[ctrl('c')];
pub const STATISTICS: &[Key] = &[k(KeyCode::F(2))];
pub const AGENDA: &[Key] = &[k(KeyCode::F(3))];
pub const HELP: &[Key] = &[c('?')];
pub const CLOSE_HELP: &[Key] = &[c('?'), c('q'), k(KeyCode::Esc)];
pub const BACK: &[Key] = &[c('q'), k(KeyCode::Esc)];
pub const ESC: &[Key] = &[k(KeyCode::Esc)];
pub const UP: &[Key] = &[k(KeyCode::Up), c('k')];
pub const DOWN: &[Key] = &[k(KeyCode::Down), c('j')];
pub const ARROW_UP: &[Key] = &[k(KeyCode::Up)];
pub const ARROW_DOWN: &[Key] = &[k(KeyCode::Down)];
pub const PAGE_UP: &[Key] = &[k(KeyCode::PageUp)];
pub const PAGE_DOWN: &[Key] = &[k(KeyCode::PageDown)];
pub const FIRST: &[Key] = &[k(KeyCode::Home), c('g')];
pub const LAST: &[Key] = &[k(KeyCode::End), c('G')];
pub const HOME: &[Key] = &[k(KeyCode::Home)];
pub const END: &[Key] = &[k(KeyCode::End)];
pub const ENTER: &[Key] = &[k(KeyCode::Enter)];
pub const TAB: &[Key] = &[k(KeyCode::Tab)];
pub const BACKTAB: &[Key] = &[k(KeyCode::BackTab)];
pub const SPACE: &[Key] = &[c(' ')];
pub const DELETE: &[Key] = &[k(KeyCode::Delete)];
pub const LEFT: &[Key] = &[k(KeyCode::Left), c('h')];
pub const RIGHT: &[Key] = &[k(KeyCode::Right), c('l')];
pub const NEXT_TAB: &[Key] = &[c(']')];
pub const PREV_TAB: &[Key] = &[c('[')];
pub const YES: &[Key] = &[c('y')];
pub const NO: &[Key] = &[c('n')];
pub const REMAINING_NO: &[Key] = &[c('N')];
pub const UNDO: &[Key] = &[c('u')];
pub const ADD: &[Key] = &[c('a')];
pub const CONFIRM_YES: &[Key] = &[c('y'), k(KeyCode::Enter)];
pub const CONFIRM_NO: &[Key] = &[c('n'), k(KeyCode::Esc)];
pub const PLAN_LEFT: &[Key] = &[k(KeyCode::Left), c('h'), k(KeyCode::BackTab)];
pub const PLAN_RIGHT: &[Key] = &[k(KeyCode::Right), c('l'), k(KeyCode::Tab)];
pub const REVERT: &[Key] = &[c('r')];
pub const MAP_PREV: &[Key] = &[c('<'), c(',')];
pub const MAP_NEXT: &[Key] = &[c('>'), c('.')];
pub const MAP_1: &[Key] = &[c('1')];
pub const MAP_2: &[Key] = &[c('2')];
pub const MAP_3: &[Key] = &[c('3')];
pub const MAP: &[Key] = &[c('m')];
pub const REMOVE: &[Key] = &[c('x')];
pub const GENERATE: &[Key] = &[c('g')];
pub const REGENERATE: &[Key] = &[c('R')];
pub const UNRECORD: &[Key] = &[c('X')];
pub const SEARCH: &[Key] = &[c('/')];
pub const NEW: &[Key] = &[c('n')];
pub const FILTER: &[Key] = &[c('f')];
pub const SORT: &[Key] = &[c('s')];
pub const REVERSE: &[Key] = &[c('S')];
pub const MORE_DAYS: &[Key] = &[c('+'), c('=')];
pub const FEWER_DAYS: &[Key] = &[c('-')];
pub const FROM_TODAY: &[Key] = &[c('t')];
pub const EDIT_FROM: &[Key] = &[c('d')];
pub const STATS_NEXT: &[Key] = &[k(KeyCode::Tab), k(KeyCode::Right), c('l')];
pub const STATS_PREV: &[Key] = &[k(KeyCode::BackTab), k(KeyCode::Left), c('h')];
pub const NP_TOGGLE: &[Key] = &[k(KeyCode::Left), k(KeyCode::Right), c(' ')];
