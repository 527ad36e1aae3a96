use super::Ctx;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Fhir,
    Dictionary,
}

pub fn run(_ctx: &Ctx, _format: Format, _deidentify: bool, _output: Option<&Path>) -> ExitCode {
    super::not_built("export")
}
