//! The commands behind the command line. Each takes a [`Ctx`] and returns the process exit
//! status of the contract: 0 success, 1 the command ran and found a problem, 2 usage error.
//! Errors go to standard error as one sentence each.

pub mod agenda;
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
    /// The clinic protocol (`<data dir>/protocol.json`, else the built-in one). A clinic file
    /// that was refused is reported on standard error, naming the field at fault.
    pub fn protocol(&self) -> crate::protocol::Protocol {
        let (protocol, warnings) = crate::protocol::Protocol::load(&self.data_dir);
        for w in warnings {
            eprintln!("smplan: warning: {w}");
        }
        protocol
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

/// Prints one error sentence and returns exit status 1.
pub fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("smplan: {msg}");
    ExitCode::from(1)
}
