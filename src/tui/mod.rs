//! The terminal UI: app state and its single `update`, the event loop, one module per
//! screen, reusable widgets, the theme and the key map.
//!
//! The UI calls the store and the protocol through the small seams in [`data`]; it never
//! touches patient files itself.

pub mod action;
pub mod app;
pub mod command;
pub mod data;
pub mod help;
pub mod keymap;
pub mod screens;
pub mod strings;
pub mod theme;
pub mod ui;
pub mod widgets;

pub use action::{Action, Commit, Status, StatusKind};
pub use app::{App, MIN_HEIGHT, MIN_WIDTH};
pub use data::{MemoryStore, PatientStore};
pub use theme::Theme;

use crossterm::event::{self, DisableBracketedPaste, EnableBracketedPaste};
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Stdout};

/// How long the event loop waits for a key before it ticks (retrying the writer lock while
/// read-only): the UI takes the registry within this after the other writer quits.
const TICK: std::time::Duration = std::time::Duration::from_millis(1000);

/// Puts the terminal back as it was: bracketed paste off, raw mode off, main screen, cursor
/// visible. Safe to call twice (the panic hook and the normal exit may both run it).
pub fn restore_terminal() {
    let _ = execute!(io::stdout(), DisableBracketedPaste);
    let _ = terminal::disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen, cursor::Show);
}

/// Restores the terminal before the panic message is printed, so the message is readable
/// and the shell is usable afterwards.
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        previous(info);
    }));
}

fn setup() -> io::Result<Terminal<CrosstermBackend<Stdout>>> {
    install_panic_hook();
    terminal::enable_raw_mode()?;
    let mut out = io::stdout();
    // Bracketed paste: a pasted text arrives as one event, so its line breaks never act as
    // Enter (no half value saved).
    if let Err(e) = execute!(out, EnterAlternateScreen, EnableBracketedPaste) {
        restore_terminal();
        return Err(e);
    }
    Terminal::new(CrosstermBackend::new(out))
}

/// Runs the UI until the user quits.
pub fn run(mut app: App) -> io::Result<()> {
    let mut terminal = setup()?;
    let result = event_loop(&mut terminal, &mut app);
    restore_terminal();
    result
}

fn event_loop(terminal: &mut Terminal<CrosstermBackend<Stdout>>, app: &mut App) -> io::Result<()> {
    let size = terminal.size()?;
    app.update(Action::Resize(size.width, size.height));
    while !app.quit {
        terminal.draw(|f| ui::draw(f, app))?;
        // Debug builds only: lets the pseudo-terminal test check that a panic leaves the
        // terminal usable (the release binary has no such switch).
        if cfg!(debug_assertions) && std::env::var_os("SMPLAN_TEST_PANIC").is_some() {
            panic!("SMPLAN_TEST_PANIC: a deliberate panic after the first frame");
        }
        if event::poll(TICK)? {
            let ev = event::read()?;
            app.handle_event(&ev);
        } else {
            app.update(Action::Tick);
        }
    }
    Ok(())
}
