//! `smplan backup FILE`, `smplan backup --verify FILE`, `smplan restore FILE DIR`: the
//! commands over [`crate::store::backup`], which holds the format and the rules.

use super::{Ctx, check, fail};
use crate::store::backup::{self, Manifest};
use std::path::Path;
use std::process::ExitCode;

/// `backup FILE`: a consistent copy of the registry, written while writers may run.
pub fn run(ctx: &Ctx, file: &Path) -> ExitCode {
    // A pending change is judged as a reader judges it, against the clinic's protocol.
    let (protocol, _) = crate::protocol::Protocol::load(&ctx.data_dir);
    let opts = ctx.open_options(false, &protocol);
    let created = match backup::create(&ctx.data_dir, file, &opts) {
        Ok(c) => c,
        Err(e) => return fail(format!("{e}; no backup was written")),
    };
    for s in &created.skipped {
        eprintln!("smplan: warning: {s}");
    }
    let m = &created.manifest;
    println!(
        "{}: backup of {} written: {}, {} ({} files, {}), verified",
        file.display(),
        ctx.data_dir.display(),
        counts(m),
        m.created,
        m.members.len() + 1,
        human_bytes(created.bytes),
    );
    if m.quarantined > 0 {
        println!(
            "{} quarantined file(s) are in it under registry/quarantine/, as they are: damaged data not yet repaired",
            m.quarantined
        );
    }
    if m.pending_completed > 0 {
        println!(
            "{} change(s) in progress were completed in the copy, as the next writer completes them",
            m.pending_completed
        );
    }
    if created.passes > 1 {
        let how = if created.locked {
            ", the last under the writer lock"
        } else {
            ""
        };
        println!(
            "the registry changed while it was copied: {} passes{how}; the backup holds one committed state",
            created.passes
        );
    }
    ExitCode::SUCCESS
}

/// `backup --verify FILE`: every member checked against the manifest, nothing written.
pub fn verify(file: &Path) -> ExitCode {
    match backup::verify(file) {
        Ok(m) => {
            println!(
                "{}: smplan backup of {}, made {} by smplan {}: {} members, each whole (size and SHA-256 as listed)",
                file.display(),
                counts(&m),
                m.created,
                m.smplan_version,
                m.members.len()
            );
            ExitCode::SUCCESS
        }
        Err(e) => fail(format!("{}: {e}", file.display())),
    }
}

/// `restore FILE DIR`: into a new or empty directory, checked before it is put in place.
pub fn restore(ctx: &Ctx, file: &Path, dir: &Path) -> ExitCode {
    let shown = dir.display().to_string();
    let result = backup::restore(file, dir, |tmp| {
        let tmp_ctx = Ctx {
            data_dir: tmp.to_path_buf(),
            ..ctx.clone()
        };
        let mut outcome = check::examine(&tmp_ctx)?
            .ok_or_else(|| "the restored registry is empty".to_string())?;
        // Damage in a copy whose every member matched its SHA-256 was in the registry
        // backed up; files in quarantine are data set aside there, restored as they were.
        outcome.relabel(&tmp.display().to_string(), &shown);
        if outcome.damage() > 0 {
            let first = outcome
                .problems
                .iter()
                .find(|p| !p.contains("is in quarantine"));
            return Err(format!(
                "the check of the restored registry found {} problem(s) (they were in the registry backed up; every member matched the manifest), the first: {}",
                outcome.damage(),
                first.map(String::as_str).unwrap_or_default()
            ));
        }
        Ok(outcome)
    });
    match result {
        Ok((m, outcome)) => {
            println!(
                "{}: restored from {}: {} (backup of {} by smplan {})",
                shown,
                file.display(),
                counts(&m),
                m.created,
                m.smplan_version
            );
            println!("check of the restored registry:");
            let status = outcome.print(&shown);
            if m.quarantined > 0 {
                println!(
                    "{} file(s) restored to quarantine/, as in the backup: repair them and move them back to patients/, or delete them",
                    m.quarantined
                );
            }
            status
        }
        Err(e) => fail(format!("{}: {e}; nothing was restored", file.display())),
    }
}

fn counts(m: &Manifest) -> String {
    format!(
        "{} patient(s), {} audit entries{}",
        m.patients,
        m.audit_entries,
        if m.quarantined > 0 {
            format!(", {} quarantined file(s)", m.quarantined)
        } else {
            String::new()
        }
    )
}

fn human_bytes(n: u64) -> String {
    match n {
        n if n >= 10 << 20 => format!("{} MB", n >> 20),
        n if n >= 10 << 10 => format!("{} kB", n >> 10),
        n => format!("{n} bytes"),
    }
}
