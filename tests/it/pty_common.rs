//! The real `smplan` binary in a pseudo-terminal (portable-pty), its screen read back
//! through vt100: shared by the end-to-end tests. `SMPLAN_TODAY=2026-11-25`, `NO_COLOR=1` and
//! `USER=pty-test` keep every run the same.

#![allow(dead_code)]

use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use std::io::{Read, Write};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub const DOWN: &str = "\x1b[B";
pub const RIGHT: &str = "\x1b[C";
pub const PGDN: &str = "\x1b[6~";
pub const ENTER: &str = "\r";
pub const TAB: &str = "\t";
pub const ESC: &str = "\x1b";
pub const CTRL_U: &str = "\x15";
pub const F2: &str = "\x1bOQ";
pub const F3: &str = "\x1bOR";

pub struct Pty {
    screen: Arc<Mutex<vt100::Parser>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
}

impl Pty {
    pub fn start(data_dir: &Path, extra: &[&str]) -> Pty {
        Pty::start_sized(data_dir, extra, 80, 24)
    }

    pub fn start_sized(data_dir: &Path, extra: &[&str], cols: u16, rows: u16) -> Pty {
        Pty::start_with_env(data_dir, extra, cols, rows, &[])
    }

    pub fn start_with_env(
        data_dir: &Path,
        extra: &[&str],
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
    ) -> Pty {
        let pty = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_smplan"));
        cmd.arg("--data-dir");
        cmd.arg(data_dir);
        cmd.args(extra);
        cmd.env("SMPLAN_TODAY", "2026-11-25");
        cmd.env("NO_COLOR", "1");
        cmd.env("TERM", "xterm-256color");
        cmd.env("USER", "pty-test");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pty.slave.spawn_command(cmd).unwrap();
        drop(pty.slave);
        let mut reader = pty.master.try_clone_reader().unwrap();
        let writer = pty.master.take_writer().unwrap();
        let screen = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let s2 = Arc::clone(&screen);
        std::thread::spawn(move || {
            let _keep_master_open = pty.master;
            let mut buf = [0u8; 4096];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 {
                    break;
                }
                s2.lock().unwrap().process(&buf[..n]);
            }
        });
        Pty {
            screen,
            writer,
            child,
        }
    }

    /// Whether the terminal is on the alternate screen, and whether the cursor is hidden.
    pub fn alternate_and_hidden(&self) -> (bool, bool) {
        let p = self.screen.lock().unwrap();
        (p.screen().alternate_screen(), p.screen().hide_cursor())
    }

    pub fn contents(&self) -> String {
        self.screen.lock().unwrap().screen().contents()
    }

    /// Waits until the screen shows `text` (the UI redraws after every key).
    pub fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            let c = self.contents();
            if c.contains(text) {
                return c;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!(
            "timed out waiting for {text:?}; screen:\n{}",
            self.contents()
        );
    }

    /// With NO_COLOR the terminal receives no colour at all, and the row showing `needle`
    /// is marked by reverse video and bold instead.
    pub fn check_no_colour_and_selection(&self, needle: &str) {
        let parser = self.screen.lock().unwrap();
        let screen = parser.screen();
        let (rows, cols) = screen.size();
        let row = (0..rows)
            .find(|r| screen.contents_between(*r, 0, *r, cols).contains(needle))
            .expect("row on screen");
        for r in 0..rows {
            for c in 0..cols {
                let cell = screen.cell(r, c).unwrap();
                assert_eq!(cell.fgcolor(), vt100::Color::Default, "colour at {r},{c}");
                assert_eq!(cell.bgcolor(), vt100::Color::Default, "colour at {r},{c}");
            }
        }
        let first = screen.cell(row, 0).unwrap();
        assert!(
            first.inverse() && first.bold(),
            "selected row is reverse and bold"
        );
    }

    pub fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // Let the UI read each burst as its own events (a lone ESC must not merge with
        // the next key into an escape sequence).
        std::thread::sleep(Duration::from_millis(60));
    }

    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(20) {
            if let Some(st) = self.child.try_wait().unwrap() {
                return st;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.child.kill().unwrap();
        panic!("smplan did not exit; screen:\n{}", self.contents());
    }
}

/// A failed test must not leave smplan running in its pseudo-terminal.
impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
        }
    }
}
