use super::Ctx;
use crate::export::Kind;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Json,
    Fhir,
    Dictionary,
}

pub fn run(ctx: &Ctx, format: Format, deidentify: bool, output: Option<&Path>) -> ExitCode {
    match format {
        Format::Fhir => super::export_formats::run(ctx, Kind::Fhir, deidentify, output),
        Format::Dictionary => super::export_formats::run(ctx, Kind::Dictionary, deidentify, output),
        _ => super::not_built("export"),
    }
}
