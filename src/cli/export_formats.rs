//! The export formats of `crate::export` (FHIR, data dictionary) on the command line, and the
//! registry's de-identification secret that every `--deidentify` export uses.
//!
//! The secret keys the per-patient date shifts (`crate::export::deidentify::shift_days`).
//! It is kept in the data directory (`deidentify.key`, mode 0600), created at the first
//! de-identified export, so every later export of the same registry shifts each patient by the
//! same offset while the offsets cannot be recomputed from the exported record ids by anyone
//! without the registry. `SMPLAN_DEIDENTIFY_KEY` overrides it (tests; or a study whose sites
//! agree to share one key). Losing the file only means later exports use new offsets.

use super::Ctx;
use super::export::Format;
use crate::domain::{Patient, SCHEMA_VERSION};
use crate::export::deidentify::AGE_COLUMN;
use crate::export::{self, ExportRecord, Kind};
use crate::io::csv::{COLUMNS, to_row};
use crate::store::{Registry, fsutil};
use serde::Serialize;
use std::io::{ErrorKind, Read, Write};
use std::path::Path;

/// The bytes of an export this module writes: FHIR, the dictionary, and the de-identified
/// CSV and JSON. `crate::cli::export` opens the registry, checks it and writes the result.
pub fn render(
    ctx: &Ctx,
    registry: &Registry,
    format: Format,
    deidentify: bool,
) -> Result<Vec<u8>, String> {
    let patients: Vec<Patient> = registry.patients().cloned().collect();
    // No patient, no date to shift: an empty registry (or none yet) needs no key file.
    let key = match (deidentify, patients.is_empty()) {
        (false, _) => None,
        (true, true) => Some(Vec::new()),
        (true, false) => Some(secret(ctx)?),
    };
    let records = export::records(&patients, key.as_deref());
    let mut out = Vec::new();
    match format {
        Format::Fhir => export::write_format(Kind::Fhir, &records, &mut out),
        // The dictionary describes the fields, not the patients.
        Format::Dictionary => export::write_format(Kind::Dictionary, &[], &mut out),
        Format::Json => {
            let doc = JsonExport {
                schema_version: SCHEMA_VERSION,
                exported: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                patients: records,
            };
            serde_json::to_writer_pretty(&mut out, &doc)
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n"))
        }
        Format::Csv => write_csv(&mut out, &records).map_err(std::io::Error::from),
    }
    .map_err(|e| e.to_string())?;
    Ok(out)
}

/// The JSON export's document (`crate::cli::export::JsonExport`) with export records, which
/// carry `age_at_session1`.
#[derive(Debug, Serialize)]
struct JsonExport {
    schema_version: u32,
    exported: String,
    patients: Vec<ExportRecord>,
}

/// The patient CSV of the contract, with `age_at_session1` in place of `birth_date` (which a
/// de-identified record no longer has).
fn write_csv(out: &mut Vec<u8>, records: &[ExportRecord]) -> Result<(), csv::Error> {
    let columns: Vec<&str> = COLUMNS
        .iter()
        .map(|c| if *c == "birth_date" { AGE_COLUMN } else { *c })
        .collect();
    let mut w = csv::Writer::from_writer(out);
    w.write_record(&columns)?;
    for r in records {
        // The registry's own row, read by column name so the two writers cannot drift apart.
        let row = serde_json::to_value(to_row(&r.patient)).map_err(std::io::Error::from)?;
        let cells = columns.iter().map(|c| match *c {
            AGE_COLUMN => r.age_at_session1.map(|a| a.to_string()).unwrap_or_default(),
            c => row[c].as_str().unwrap_or_default().to_string(),
        });
        w.write_record(cells)?;
    }
    w.flush()?;
    Ok(())
}

/// File name of the secret in the data directory.
pub const KEY_FILE: &str = "deidentify.key";
/// Environment variable that overrides the file.
pub const KEY_ENV: &str = "SMPLAN_DEIDENTIFY_KEY";

/// The secret: from the environment, else the registry's key file, created if missing.
pub fn secret(ctx: &Ctx) -> Result<Vec<u8>, String> {
    if let Some(k) = std::env::var_os(KEY_ENV).filter(|k| !k.is_empty()) {
        return Ok(k.as_encoded_bytes().to_vec());
    }
    let path = ctx.data_dir.join(KEY_FILE);
    match std::fs::read_to_string(&path) {
        Ok(k) if !k.trim().is_empty() => return Ok(k.trim().as_bytes().to_vec()),
        Ok(_) => {
            return Err(format!(
                "{} is empty; delete it (later exports get new date offsets) or set {KEY_ENV}",
                path.display()
            ));
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    }
    create(&ctx.data_dir, &path)
}

/// Creates the key file without ever replacing one: if another export created it first,
/// its key is used.
fn create(dir: &Path, path: &Path) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| {
        format!(
            "cannot create the de-identification key {}: {e}; set {KEY_ENV} instead",
            path.display()
        )
    };
    let key = random_hex()?;
    let mut tmp = tempfile::Builder::new()
        .prefix(fsutil::TMP_PREFIX)
        .tempfile_in(dir)
        .map_err(cannot)?;
    tmp.write_all(key.as_bytes())
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(cannot)?;
    match tmp.persist_noclobber(path) {
        Ok(_) => {
            fsutil::sync_dir(dir).map_err(cannot)?;
            Ok(key.into_bytes())
        }
        Err(e) if e.error.kind() == ErrorKind::AlreadyExists => std::fs::read_to_string(path)
            .map(|k| k.trim().as_bytes().to_vec())
            .map_err(|e| format!("cannot read {}: {e}", path.display())),
        Err(e) => Err(cannot(e.error)),
    }
}

/// 256 random bits from the operating system, as hex.
fn random_hex() -> Result<String, String> {
    let mut b = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|e| format!("cannot read random bytes for the de-identification key: {e}"))?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(KEY_FILE);
        let a = create(dir.path(), &path).unwrap();
        assert_eq!(a.len(), 64);
        // A second creation finds the first key and keeps it.
        let b = create(dir.path(), &path).unwrap();
        assert_eq!(a, b);
        assert_eq!(std::fs::read(&path).unwrap(), a);
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
