use super::Ctx;
use std::path::Path;
use std::process::ExitCode;

pub fn run(_ctx: &Ctx, _record_id: Option<&str>, _html: bool, _output: Option<&Path>) -> ExitCode {
    super::not_built("report")
}
