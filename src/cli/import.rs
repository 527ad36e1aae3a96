use super::Ctx;
use std::path::Path;
use std::process::ExitCode;

pub fn run(_ctx: &Ctx, _file: &Path, _update: bool) -> ExitCode {
    super::not_built("import")
}
