//! Commands computed from state, as gitui's components do: each screen reports the commands
//! that exist where the keyboard is now, each enabled or disabled with the reason, and that one
//! list feeds the key press lookup, the bottom key bar and the `?` help. A key that does
//! nothing here is not in the list, so it is never offered.

use super::action::Action;
use super::keymap::Key;
use crossterm::event::KeyEvent;

/// The words of a command: a short label for the key bar and a sentence for the help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CmdText {
    pub bar: &'static str,
    pub help: &'static str,
}

/// One command available now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    pub keys: &'static [Key],
    pub action: Action,
    pub text: CmdText,
    /// Shown in the bottom key bar (else only in the help).
    pub bar: bool,
    /// Changes the registry: refused at once on a read-only registry.
    pub edits: bool,
    /// Why the command does nothing now; its key says so instead of acting.
    pub disabled: Option<String>,
}

impl Command {
    /// A command shown in the help only.
    pub fn new(keys: &'static [Key], action: Action, text: CmdText) -> Command {
        Command {
            keys,
            action,
            text,
            bar: false,
            edits: false,
            disabled: None,
        }
    }
    /// Also shown in the key bar.
    pub fn bar(mut self) -> Command {
        self.bar = true;
        self
    }
    /// Marks the command as changing the record.
    pub fn edits(mut self) -> Command {
        self.edits = true;
        self
    }
    /// Disables the command, with the reason its key gives.
    pub fn disabled(mut self, why: Option<String>) -> Command {
        if why.is_some() {
            self.disabled = why;
        }
        self
    }
    pub fn enabled(&self) -> bool {
        self.disabled.is_none()
    }
    pub fn keys_label(&self) -> String {
        self.keys
            .iter()
            .map(Key::label)
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// The first command whose keys match the key press.
pub fn lookup<'a>(commands: &'a [Command], ev: &KeyEvent) -> Option<&'a Command> {
    commands
        .iter()
        .find(|c| c.keys.iter().any(|k| k.matches(ev)))
}

/// Disables every command that edits, with `reason` (a read-only registry).
pub fn refuse_edits(commands: &mut [Command], reason: &str) {
    for c in commands.iter_mut().filter(|c| c.edits) {
        c.disabled = Some(super::strings::read_only_refusal(reason));
    }
}

/// Keys bound twice in one list (a test helper: the first binding would hide the second).
pub fn duplicate_keys(commands: &[Command]) -> Vec<String> {
    let mut seen: Vec<Key> = Vec::new();
    let mut dup = Vec::new();
    for k in commands.iter().flat_map(|c| c.keys.iter()) {
        if seen.contains(k) {
            dup.push(k.label());
        } else {
            seen.push(*k);
        }
    }
    dup
}
