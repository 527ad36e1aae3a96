//! The `smplan` binary: parse the command line, pick a command, run it. Nothing else.

use clap::{Parser, Subcommand, ValueEnum};
use smplan::cli::{self, Ctx};
use std::path::PathBuf;
use std::process::ExitCode;

/// Plan and follow scalp micropigmentation (SMP) treatment, and measure pigment retention.
///
/// Without a command, opens the terminal UI on the registry.
#[derive(Debug, Parser)]
#[command(name = "smplan", version, about, long_about = None)]
struct Args {
    /// Registry directory (else $SMPLAN_DATA_DIR, else the platform data directory).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Who is making changes, for the audit log (else the login name).
    #[arg(long, global = true, value_name = "NAME")]
    operator: Option<String>,
    /// Open the UI on the bundled demo cohort (its own directory, never your registry).
    #[arg(long)]
    demo: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportFormat {
    Csv,
    Json,
    Fhir,
    Dictionary,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ReportFormat {
    Md,
    Html,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import patients from a CSV file or a JSON export (all or none).
    Import {
        /// The patient CSV, or the JSON export (`export --format json`, also de-identified).
        file: PathBuf,
        /// Replace patients already in the registry instead of refusing them.
        #[arg(long)]
        update: bool,
    },
    /// Export the registry.
    Export {
        #[arg(long, value_enum, default_value = "csv")]
        format: ExportFormat,
        /// Drop names, birth dates and free text; shift dates per patient.
        #[arg(long)]
        deidentify: bool,
        /// Write to FILE instead of standard output.
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Retention statistics.
    Stats {
        /// One JSON document on standard output (the statistics contract).
        #[arg(long)]
        json: bool,
        /// Show the published case-series figures beside the registry's.
        #[arg(long)]
        compare_published: bool,
    },
    /// Sessions and follow-ups due, and overdue.
    Agenda {
        /// First day of the range (YYYY-MM-DD; default today).
        #[arg(long, value_name = "YYYY-MM-DD")]
        from: Option<String>,
        /// Length of the range in days.
        #[arg(long, default_value_t = 14)]
        days: u32,
        #[arg(long)]
        json: bool,
    },
    /// A patient's treatment summary, or without RECORD_ID a case-series report.
    Report {
        record_id: Option<String>,
        #[arg(long, value_enum, default_value = "md")]
        format: ReportFormat,
        #[arg(short = 'o', long = "output", value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Check every file of the registry; report damage (exit 1 when any).
    Check,
    /// Back up the whole registry into one compressed file (or check a backup with --verify).
    Backup {
        /// The backup to write (a new file outside the registry), or with --verify to check.
        file: PathBuf,
        /// Check every member of an existing backup against its manifest; write nothing.
        #[arg(long)]
        verify: bool,
    },
    /// Restore a backup into a new or empty directory, and check it.
    Restore {
        /// The backup (`smplan backup FILE`).
        file: PathBuf,
        /// Where the registry goes: a directory that does not exist yet or is empty.
        dir: PathBuf,
    },
    /// Write a synthetic registry into an empty data directory.
    Generate {
        /// How many synthetic patients (at least 1).
        #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
        patients: u32,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

impl Command {
    /// A command that only reads the registry (it never creates one).
    fn reads_only(&self) -> bool {
        match self {
            Command::Export { format, .. } => !matches!(format, ExportFormat::Dictionary),
            Command::Stats { .. } | Command::Agenda { .. } | Command::Report { .. } => true,
            Command::Check => true,
            // `--verify` and `restore` do not touch the data directory.
            Command::Backup { verify, .. } => !verify,
            Command::Import { .. } | Command::Generate { .. } | Command::Restore { .. } => false,
        }
    }
}

/// Running out of memory ends smplan with a sentence, not an abort (see `smplan::oom`).
#[global_allocator]
static ALLOCATOR: smplan::oom::Allocator = smplan::oom::Allocator;

fn main() -> ExitCode {
    restore_sigpipe();
    quiet_panics();
    let args = Args::parse();
    let ctx = match Ctx::from_env(args.data_dir, args.operator, args.demo) {
        Ok(c) => c,
        Err(e) => {
            smplan::cli::say(format_args!("{e}"));
            return ExitCode::from(2);
        }
    };
    let Some(command) = args.command else {
        return cli::ui::run(&ctx);
    };
    if command.reads_only()
        && let Err(e) = ctx.require_registry()
    {
        return cli::fail(e);
    }
    match command {
        Command::Import { file, update } => cli::import::run(&ctx, &file, update),
        Command::Export {
            format,
            deidentify,
            output,
        } => {
            let format = match format {
                ExportFormat::Csv => cli::export::Format::Csv,
                ExportFormat::Json => cli::export::Format::Json,
                ExportFormat::Fhir => cli::export::Format::Fhir,
                ExportFormat::Dictionary => cli::export::Format::Dictionary,
            };
            cli::export::run(&ctx, format, deidentify, output.as_deref())
        }
        Command::Stats {
            json,
            compare_published,
        } => cli::stats::run(&ctx, json, compare_published),
        Command::Agenda { from, days, json } => cli::agenda::run(&ctx, from.as_deref(), days, json),
        Command::Report {
            record_id,
            format,
            output,
        } => {
            let html = matches!(format, ReportFormat::Html);
            cli::report::run(&ctx, record_id.as_deref(), html, output.as_deref())
        }
        Command::Check => cli::check::run(&ctx),
        Command::Backup { file, verify: true } => cli::backup::verify(&file),
        Command::Backup {
            file,
            verify: false,
        } => cli::backup::run(&ctx, &file),
        Command::Restore { file, dir } => cli::backup::restore(&ctx, &file, &dir),
        Command::Generate { patients, seed } => cli::generate::run(&ctx, patients as usize, seed),
    }
}

/// A panic (a bug in smplan) is reported in one sentence with where it happened, without the
/// note about backtraces; with `RUST_BACKTRACE` set, as Rust reports it (with the backtrace).
fn quiet_panics() {
    if std::env::var_os("RUST_BACKTRACE").is_some() {
        return;
    }
    std::panic::set_hook(Box::new(|info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_default();
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        eprintln!(
            "smplan: internal error (a bug in smplan{at}): {what}; the registry is as before \
             the change or as after it (see `smplan check`); please report this with the command \
             that was run"
        );
    }));
}

/// A closed pipe (`smplan stats --json | head -1`) ends smplan quietly, as it ends `cat` or
/// `grep`. Rust ignores SIGPIPE by default, so a write to a closed pipe returns an error that
/// `println!` turns into a panic with a backtrace; the default action is restored instead.
/// Nothing is lost by dying there: a command writing standard output changes no registry file
/// at that point (files are written to a temporary file and renamed only when whole).
fn restore_sigpipe() {
    // SAFETY: called first thing in `main`, before any thread exists; setting the default
    // disposition of one signal has no other effect on the process.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}
