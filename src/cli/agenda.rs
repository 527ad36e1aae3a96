use super::Ctx;
use std::process::ExitCode;

pub fn run(_ctx: &Ctx, _from: Option<&str>, _days: u32, _json: bool) -> ExitCode {
    super::not_built("agenda")
}
