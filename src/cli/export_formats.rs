//! The registry's de-identification secret that every `--deidentify` export uses.
//!
//! The secret keys the per-patient date shifts (`crate::export::deidentify::shift_days`).
//! It is kept in the data directory (`deidentify.key`, mode 0600), created at the first
//! de-identified export, so every later export of the same registry shifts each patient by the
//! same offset while the offsets cannot be recomputed from the exported record ids by anyone
//! without the registry. `SMPLAN_DEIDENTIFY_KEY` overrides it (tests; or a study whose sites
//! agree to share one key). Losing the file only means later exports use new offsets.

use super::Ctx;
use crate::store::fsutil;
use std::io::{ErrorKind, Read, Write};
use std::path::Path;

/// File name of the secret in the data directory.
pub const KEY_FILE: &str = "deidentify.key";
/// Environment variable that overrides the file.
pub const KEY_ENV: &str = "SMPLAN_DEIDENTIFY_KEY";

/// The secret: from the environment, else the registry's key file, created if missing.
pub fn secret(ctx: &Ctx) -> Result<Vec<u8>, String> {
    if let Some(k) = from_env() {
        return Ok(k);
    }
    let path = ctx.data_dir.join(KEY_FILE);
    // Never through a link (see `store::guard`).
    match fsutil::read_regular_to_string(&path) {
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

/// The secret if there is one (the environment, else the key file), never creating it:
/// what `import` uses to recognise a de-identified export of this registry.
pub fn existing_secret(ctx: &Ctx) -> Option<Vec<u8>> {
    if let Some(k) = from_env() {
        return Some(k);
    }
    let k = fsutil::read_regular_to_string(&ctx.data_dir.join(KEY_FILE)).ok()?;
    let k = k.trim();
    (!k.is_empty()).then(|| k.as_bytes().to_vec())
}

fn from_env() -> Option<Vec<u8>> {
    std::env::var_os(KEY_ENV)
        .filter(|k| !k.is_empty())
        .map(|k| k.as_encoded_bytes().to_vec())
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
        Err(e) if e.error.kind() == ErrorKind::AlreadyExists => {
            fsutil::read_regular_to_string(path)
                .map(|k| k.trim().as_bytes().to_vec())
                .map_err(|e| format!("cannot read {}: {e}", path.display()))
        }
        Err(e) => Err(cannot(e.error)),
    }
}

/// 256 random bits from the operating system, as hex.
fn random_hex() -> Result<String, String> {
    let mut b = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .map_err(|e| format!("cannot read random bytes for the de-identification key: {e}"))?;
    Ok(crate::domain::text::hex(&b))
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
