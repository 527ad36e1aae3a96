use super::Ctx;
use std::process::ExitCode;

pub fn run(_ctx: &Ctx) -> ExitCode {
    super::not_built("check")
}
