use super::Ctx;
use std::process::ExitCode;

pub fn run(_ctx: &Ctx, _patients: usize, _seed: u64) -> ExitCode {
    super::not_built("generate")
}
