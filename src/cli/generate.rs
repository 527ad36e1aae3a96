//! `smplan generate --patients N [--seed S]`: a synthetic registry in an empty directory.

use super::{Ctx, fail};
use crate::store::Registry;
use crate::synth;
use std::process::ExitCode;

/// Patients written per transaction. Each chunk is all-or-nothing; the run as a whole is
/// refused up front unless the registry is empty, and a run cut short leaves whole patients
/// only, which `generate` into a fresh directory simply repeats.
const CHUNK: usize = 5_000;

pub fn run(ctx: &Ctx, patients: usize, seed: u64) -> ExitCode {
    let protocol = ctx.protocol();
    let opts = ctx.open_options(true, &protocol);
    let mut reg = match Registry::open(&ctx.data_dir, opts) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    if let Some(why) = reg.read_only_reason() {
        return fail(format!("{}: {why}", ctx.data_dir.display()));
    }
    if !reg.is_empty() {
        return fail(format!(
            "{} already holds {} patients; generate writes only into an empty data directory (pass --data-dir with a new folder)",
            ctx.data_dir.display(),
            reg.len()
        ));
    }
    let mut rng = synth::Rng::new(seed);
    let mut next = 0;
    while next < patients {
        let end = (next + CHUNK).min(patients);
        let batch: Vec<_> = (next..end)
            .map(|i| synth::patient(i, &mut rng, ctx.today, &protocol))
            .collect();
        if let Err(e) = reg.import_batch(batch, false) {
            return fail(e);
        }
        next = end;
    }
    super::say(format_args!(
        "wrote {patients} synthetic patients (seed {seed}) to {}",
        ctx.data_dir.display()
    ));
    ExitCode::SUCCESS
}
