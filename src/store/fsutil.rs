//! Durable file-system primitives: private directories, atomic replace, directory sync.
//!
//! A rename is atomic but not durable until the directory holding it is synced, and a file's
//! contents are not durable until the file is synced before the rename (otherwise a crash can
//! leave the new name pointing at an empty file). Hence: temp file in the same directory,
//! `sync_all`, rename over the target, sync the directory (as jj's `persist_temp_file`).

use std::fs::{self, DirBuilder, File};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Prefix of our temporary files; leftovers of a crash are removed by the next writer.
pub const TMP_PREFIX: &str = ".tmp-smplan-";

/// Unix mode of the registry's directories: only the owner may list or enter them.
pub const DIR_MODE: u32 = 0o700;
/// Unix mode of the registry's files: only the owner may read or write them.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and missing parents) with mode 0700 and makes the new entry durable.
/// An existing directory is left as it is: the user may have chosen its permissions.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)?;
    // The umask may have removed bits, never added any; set the mode exactly anyway.
    fs::set_permissions(dir, fs::Permissions::from_mode(DIR_MODE))?;
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(parent)?;
    }
    Ok(())
}

/// Makes renames and new entries in `dir` durable.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes `bytes` to `dir/name` atomically: a reader (or a crash) sees the old file or the
/// new one, never a mix. The file is created 0600. The directory is *not* synced here, so a
/// caller writing many files syncs it once; call [`sync_dir`] before acknowledging.
pub fn write_atomic(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    // tempfile creates the file with mode 0600 on Unix.
    let mut tmp = tempfile::Builder::new()
        .prefix(TMP_PREFIX)
        .tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist(dir.join(name)).map_err(|e| e.error)?;
    Ok(())
}

/// Writes many files into `dir`, each atomically, and syncs the directory: durable once this
/// returns. The temporary files are written and synced by several threads at once, because
/// the file system commits concurrent syncs together: 300 files cost about what 15 cost one
/// after the other (measured on this machine's ext4: 7 ms per file in turn, 0.3 ms in
/// parallel, when other builds keep the disk busy).
pub fn write_many_durable(dir: &Path, files: &[(String, Vec<u8>)]) -> io::Result<()> {
    const WORKERS: usize = 16;
    if files.len() <= 1 {
        for (name, bytes) in files {
            write_atomic(dir, name, bytes)?;
        }
        return sync_dir(dir);
    }
    let chunk = files.len().div_ceil(WORKERS);
    let temps = std::thread::scope(|scope| {
        let handles: Vec<_> = files
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter()
                        .map(|(_, bytes)| {
                            let mut tmp = tempfile::Builder::new()
                                .prefix(TMP_PREFIX)
                                .tempfile_in(dir)?;
                            tmp.write_all(bytes)?;
                            tmp.as_file().sync_all()?;
                            // Keep the path, close the file: a transaction of 20 000
                            // patients must not hold 20 000 descriptors open.
                            Ok(tmp.into_temp_path())
                        })
                        .collect::<io::Result<Vec<_>>>()
                })
            })
            .collect();
        let mut all = Vec::with_capacity(files.len());
        for h in handles {
            let part = h
                .join()
                .map_err(|_| io::Error::other("a writer thread panicked"))??;
            all.extend(part);
        }
        Ok::<_, io::Error>(all)
    })?;
    // Every temp file is whole and synced: now the renames, in order, then the directory.
    for (tmp, (name, _)) in temps.into_iter().zip(files) {
        tmp.persist(dir.join(name)).map_err(|e| e.error)?;
    }
    sync_dir(dir)
}

/// [`write_atomic`] then [`sync_dir`]: durable once this returns.
pub fn write_durable(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    write_atomic(dir, name, bytes)?;
    sync_dir(dir)
}

/// Removes temporary files a crashed writer left in `dir`. Only a lock holder calls this (a
/// live writer's temp file must not vanish under it).
pub fn remove_stale_temps(dir: &Path) -> io::Result<()> {
    for (name, path) in entries(dir)? {
        if name.starts_with(TMP_PREFIX) {
            fs::remove_file(path)?;
        }
    }
    Ok(())
}

/// The entries of `dir`, each by name (lossily made text) and path, in no particular order.
/// A directory that does not exist yet has none: the registry creates its directories on
/// first write.
pub fn entries(dir: &Path) -> io::Result<Vec<(String, PathBuf)>> {
    let read = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    read.map(|entry| {
        let entry = entry?;
        Ok((
            entry.file_name().to_string_lossy().into_owned(),
            entry.path(),
        ))
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_dir_and_atomic_file_modes() {
        let t = tempfile::tempdir().unwrap();
        let d = t.path().join("a/b");
        create_private_dir(&d).unwrap();
        assert_eq!(
            fs::metadata(&d).unwrap().permissions().mode() & 0o777,
            0o700
        );
        write_durable(&d, "x.json", b"{}").unwrap();
        let m = fs::metadata(d.join("x.json")).unwrap().permissions().mode();
        assert_eq!(m & 0o777, 0o600);
        write_durable(&d, "x.json", b"[1]").unwrap();
        assert_eq!(fs::read(d.join("x.json")).unwrap(), b"[1]");
        // No temporary file is left behind after a successful write.
        assert_eq!(fs::read_dir(&d).unwrap().count(), 1);
    }

    #[test]
    fn many_files_at_once() {
        let t = tempfile::tempdir().unwrap();
        let files: Vec<(String, Vec<u8>)> = (0..40)
            .map(|i| (format!("f{i}.json"), format!("{i}").into_bytes()))
            .collect();
        write_many_durable(t.path(), &files).unwrap();
        for (name, bytes) in &files {
            assert_eq!(&fs::read(t.path().join(name)).unwrap(), bytes);
            assert_eq!(mode_of(&t.path().join(name)), 0o600);
        }
        assert_eq!(fs::read_dir(t.path()).unwrap().count(), 40);
    }

    fn mode_of(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn entries_of_a_missing_directory_are_none() {
        let t = tempfile::tempdir().unwrap();
        assert!(entries(&t.path().join("absent")).unwrap().is_empty());
        fs::write(t.path().join("a.json"), "{}").unwrap();
        let got = entries(t.path()).unwrap();
        assert_eq!(got, vec![("a.json".to_string(), t.path().join("a.json"))]);
        // A file where a directory is expected is an error, not an empty directory.
        assert!(entries(&t.path().join("a.json")).is_err());
    }

    #[test]
    fn stale_temps_are_removed_and_nothing_else() {
        let t = tempfile::tempdir().unwrap();
        fs::write(t.path().join(format!("{TMP_PREFIX}abc")), b"half").unwrap();
        fs::write(t.path().join("keep.json"), b"{}").unwrap();
        remove_stale_temps(t.path()).unwrap();
        let names: Vec<_> = fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec!["keep.json"]);
    }
}
