//! The commands behind the command line. Each takes a [`Ctx`] and returns the process exit
//! status of the contract: 0 success, 1 the command ran and found a problem, 2 usage error.
//! Errors go to standard error as one sentence each.

pub mod agenda;
pub mod backup;
pub mod check;
pub mod export;
pub mod export_formats;
pub mod generate;
pub mod import;
pub mod output;
pub mod report;
pub mod stats;
pub mod ui;

use chrono::NaiveDate;
use std::path::PathBuf;
use std::process::ExitCode;

/// What every command needs from outside: where the registry is, who is working, and the
/// date (read once here, so everything below takes "today" as a value).
#[derive(Debug, Clone)]
pub struct Ctx {
    pub data_dir: PathBuf,
    pub operator: String,
    pub today: NaiveDate,
    /// `--demo`: the data directory is the demo copy.
    pub demo: bool,
}

impl Ctx {
    /// Resolves the data directory as the contract says: `--data-dir`, else
    /// `$SMPLAN_DATA_DIR`, else the platform data directory (`~/.local/share/smplan`).
    /// `--demo` uses `<platform data dir>/demo` (or `<--data-dir>/demo`? no: the demo never
    /// shares a directory with a real registry) — see [`demo_dir`].
    ///
    /// `SMPLAN_TODAY=YYYY-MM-DD` fixes "today" (for tests and for replaying a day).
    pub fn from_env(
        data_dir: Option<PathBuf>,
        operator: Option<String>,
        demo: bool,
    ) -> Result<Ctx, String> {
        let today = match std::env::var("SMPLAN_TODAY") {
            Ok(s) if !s.is_empty() => {
                crate::domain::validate::parse_date(&s).map_err(|e| format!("SMPLAN_TODAY: {e}"))?
            }
            _ => chrono::Local::now().date_naive(),
        };
        let operator = operator
            .or_else(|| std::env::var("USER").ok())
            .or_else(|| std::env::var("LOGNAME").ok())
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "unknown".to_string());
        let data_dir = if demo {
            demo_dir(data_dir)?
        } else {
            resolve_data_dir(data_dir)?
        };
        Ok(Ctx {
            data_dir,
            operator,
            today,
            demo,
        })
    }
}

impl Ctx {
    /// For a command that only reads: the data directory must exist. Otherwise a mistyped
    /// `--data-dir` would print an empty agenda or empty statistics as if they were true.
    pub fn require_registry(&self) -> Result<(), String> {
        match std::fs::symlink_metadata(&self.data_dir) {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(format!(
                "no registry at {}; check --data-dir (or SMPLAN_DATA_DIR), or create one with \
                 `smplan import FILE`",
                self.data_dir.display()
            )),
            Err(e) => Err(format!(
                "cannot open the registry {}: {e}",
                self.data_dir.display()
            )),
        }
    }

    /// The clinic protocol (`<data dir>/protocol.json`, else the built-in one). A clinic file
    /// that was refused is reported on standard error, naming the field at fault.
    pub fn protocol(&self) -> crate::protocol::Protocol {
        let (protocol, warnings) = crate::protocol::Protocol::load(&self.data_dir);
        for w in warnings {
            say(format_args!("warning: {w}"));
        }
        protocol
    }

    /// The clinic protocol for a command that changes the registry (see
    /// [`crate::protocol::Protocol::load_for_writing`]): refused, it stops the command.
    pub fn protocol_for_writing(&self) -> Result<crate::protocol::Protocol, String> {
        crate::protocol::Protocol::load_for_writing(&self.data_dir).map_err(|why| {
            format!("nothing changed: {why}; fix the clinic protocol (or move it away to use the built-in one)")
        })
    }

    /// Registry options for this command: its operator and date, and the protocol's zones
    /// as the zones a record may name.
    pub fn open_options(
        &self,
        write: bool,
        protocol: &crate::protocol::Protocol,
    ) -> crate::store::OpenOptions {
        crate::store::OpenOptions {
            known_zones: protocol.zone_ids(),
            rules: protocol.safety_rules(),
            ..crate::store::OpenOptions::new(write, &self.operator, self.today)
        }
    }

    /// For reading commands that need no more than each patient's summary (statistics,
    /// agenda): opening takes them from the summary index.
    pub fn summary_options(
        &self,
        protocol: &crate::protocol::Protocol,
    ) -> crate::store::OpenOptions {
        crate::store::OpenOptions {
            summaries: true,
            ..self.open_options(false, protocol)
        }
    }
}

/// `--data-dir`, else `$SMPLAN_DATA_DIR`, else `directories::ProjectDirs`.
pub fn resolve_data_dir(flag: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(d) = flag {
        return Ok(d);
    }
    if let Some(d) = std::env::var_os("SMPLAN_DATA_DIR").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(d));
    }
    directories::ProjectDirs::from("", "", "smplan")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or_else(|| {
            "cannot find a home directory for the registry; pass --data-dir DIR or set SMPLAN_DATA_DIR"
                .to_string()
        })
}

/// The demo's own directory: `--data-dir` if given explicitly (a throwaway place chosen by
/// the user), else `smplan-demo` in the platform data directory, never the real registry.
pub fn demo_dir(flag: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(d) = flag {
        return Ok(d);
    }
    directories::ProjectDirs::from("", "", "smplan-demo")
        .map(|p| p.data_dir().to_path_buf())
        .ok_or_else(|| "cannot find a home directory for the demo; pass --data-dir DIR".to_string())
}

/// Prints a message on standard error as `smplan: MESSAGE`. Whatever came from outside (a
/// cell, a file name, a record id) is shown with its control characters escaped, so a crafted
/// value cannot forge a line or drive the terminal; the message's own line breaks stay.
pub fn say(msg: impl std::fmt::Display) {
    let msg = msg.to_string();
    eprintln!("smplan: {}", crate::domain::text::printable(&msg, true));
}

/// Prints one error sentence (see [`say`]) and returns exit status 1.
pub fn fail(msg: impl std::fmt::Display) -> ExitCode {
    say(msg);
    ExitCode::from(1)
}
