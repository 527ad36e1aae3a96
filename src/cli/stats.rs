use super::Ctx;
use std::process::ExitCode;

pub fn run(_ctx: &Ctx, _json: bool, _compare_published: bool) -> ExitCode {
    super::not_built("stats")
}
