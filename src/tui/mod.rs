//! The terminal UI: app state and its single `update`, the event loop, one module per
//! screen, reusable widgets, the theme and the key map.
//!
//! The UI calls the store and the protocol through the small seams in [`data`]; it never
//! touches patient files itself.

pub mod app;
pub mod data;
pub mod help;
pub mod keymap;
pub mod screens;
pub mod theme;
pub mod ui;
pub mod widgets;

pub use app::{Action, App, MIN_HEIGHT, MIN_WIDTH, Status, StatusKind};
pub use data::{MemoryStore, PatientStore};
pub use theme::Theme;

use crossterm::event;
use crossterm::terminal::{self, EnterAlternateScreen, LeaveAlternateScreen};
use crossterm::{cursor, execute};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Stdout};

/// Puts the terminal back as it was: raw mode off, main screen, cursor visible. Safe to
/// call twice (the panic hook and the normal exit may both run it).
pub fn restore_terminal() {
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
    if let Err(e) = execute!(out, EnterAlternateScreen) {
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
    while !app.quit {
        terminal.draw(|f| ui::draw(f, app))?;
        // Debug builds only: lets the pseudo-terminal test check that a panic leaves the
        // terminal usable (the release binary has no such switch).
        if cfg!(debug_assertions) && std::env::var_os("SMPLAN_TEST_PANIC").is_some() {
            panic!("SMPLAN_TEST_PANIC: a deliberate panic after the first frame");
        }
        let ev = event::read()?;
        app.handle_event(&ev);
    }
    Ok(())
}
