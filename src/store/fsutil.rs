//! Durable file-system primitives: private directories, atomic replace, directory sync.
//!
//! A rename is atomic but not durable until the directory holding it is synced, and a file's
//! contents are not durable until the file is synced before the rename (otherwise a crash can
//! leave the new name pointing at an empty file). Hence: temp file in the same directory,
//! `sync_all`, rename over the target, sync the directory (as jj's `persist_temp_file`).

use std::ffi::OsString;
use std::fs::{self, DirBuilder, File};
use std::io::{self, Read, Write};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Prefix of our temporary files; leftovers of a crash are removed by the next writer.
pub const TMP_PREFIX: &str = ".tmp-smplan-";

/// Unix mode of the registry's directories: only the owner may list or enter them.
pub const DIR_MODE: u32 = 0o700;
/// Unix mode of the registry's files: only the owner may read or write them.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and missing parents) with mode 0700 and makes the new entry durable.
/// An existing directory is left as it is: the user may have chosen its permissions (a
/// writer refuses one that others may write, see `super::permission_problems`). A symbolic
/// link where the directory should be is an error, never followed.
pub fn create_private_dir(dir: &Path) -> io::Result<()> {
    match fs::symlink_metadata(dir) {
        Ok(m) if m.file_type().is_dir() => return Ok(()),
        Ok(m) if m.file_type().is_symlink() => return Err(link_error()),
        Ok(_) => {
            return Err(io::Error::new(
                io::ErrorKind::AlreadyExists,
                "is not a directory",
            ));
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => return Err(e),
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
    fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
        .open(dir)
        .map_err(name_link)?
        .sync_all()
}

/// The error of opening a symbolic link without following it, in words.
fn link_error() -> io::Error {
    io::Error::other("is a symbolic link, and smplan does not follow links inside a registry")
}

/// `ELOOP` (what `O_NOFOLLOW` gives on a link) said as [`link_error`] says it.
fn name_link(e: io::Error) -> io::Error {
    if e.raw_os_error() == Some(libc::ELOOP) {
        link_error()
    } else {
        e
    }
}

/// Opens a file of the registry for reading. A symbolic link is refused, never followed
/// (`O_NOFOLLOW`), and anything but a regular file is refused without waiting on it (a FIFO
/// is opened with `O_NONBLOCK`, so that it cannot hang the opening; the flag changes nothing
/// for a regular file).
pub fn open_regular(path: &Path) -> io::Result<(File, fs::Metadata)> {
    let f = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(name_link)?;
    let meta = f.metadata()?;
    if !meta.file_type().is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("is {}, not a regular file", kind_name(&meta.file_type())),
        ));
    }
    Ok((f, meta))
}

/// [`open_regular`], then the whole file.
pub fn read_regular(path: &Path) -> io::Result<Vec<u8>> {
    let (mut f, meta) = open_regular(path)?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    f.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// [`read_regular`] as text.
pub fn read_regular_to_string(path: &Path) -> io::Result<String> {
    String::from_utf8(read_regular(path)?)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// Opens (creating it 0600 if needed) a file of the registry for reading and writing, never
/// through a symbolic link. Truncates nothing.
pub fn open_rw(path: &Path) -> io::Result<File> {
    let f = fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(path)
        .map_err(name_link)?;
    if !f.metadata()?.file_type().is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "is not a regular file",
        ));
    }
    Ok(f)
}

/// "a named pipe", "a directory"...: what an entry that is not a regular file is.
pub fn kind_name(t: &fs::FileType) -> &'static str {
    use std::os::unix::fs::FileTypeExt;
    if t.is_dir() {
        "a directory"
    } else if t.is_symlink() {
        "a symbolic link"
    } else if t.is_fifo() {
        "a named pipe (FIFO)"
    } else if t.is_socket() {
        "a socket"
    } else if t.is_block_device() || t.is_char_device() {
        "a device"
    } else if t.is_file() {
        "a regular file"
    } else {
        "not a regular file"
    }
}

/// The owner of `path` (not following a link), when it can be `stat`ed.
pub fn owner_of(path: &Path) -> Option<u32> {
    fs::symlink_metadata(path).ok().map(|m| m.uid())
}

/// The effective user id of this process.
pub fn my_uid() -> u32 {
    // SAFETY: geteuid has no arguments, touches no memory of ours and cannot fail.
    unsafe { libc::geteuid() }
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

/// Syncs many files already written, from several threads at once (see
/// [`write_many_durable`]: the file system commits concurrent syncs together).
pub fn sync_files(paths: &[PathBuf]) -> io::Result<()> {
    const WORKERS: usize = 16;
    if paths.is_empty() {
        return Ok(());
    }
    let chunk = paths.len().div_ceil(WORKERS);
    std::thread::scope(|scope| {
        let handles: Vec<_> = paths
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || part.iter().try_for_each(|p| File::open(p)?.sync_all()))
            })
            .collect();
        for h in handles {
            h.join()
                .map_err(|_| io::Error::other("a sync thread panicked"))??;
        }
        Ok(())
    })
}

/// Whether [`sync_fs`] makes every file written before it durable in one call (Linux's
/// `syncfs`); elsewhere each file is synced on its own.
pub const SYNC_FS: bool = cfg!(target_os = "linux");

/// Makes everything written to the file system holding `dir` durable, data and names, in
/// one call: what a staged import does once for its many files instead of one `fsync` each
/// (see `staging`). A no-op where [`SYNC_FS`] is false.
pub fn sync_fs(dir: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let d = fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY | libc::O_NOFOLLOW)
            .open(dir)
            .map_err(name_link)?;
        // SAFETY: a valid open descriptor, owned by `d` for the whole call.
        if unsafe { libc::syncfs(d.as_raw_fd()) } != 0 {
            return Err(io::Error::last_os_error());
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = dir;
    Ok(())
}

/// Creates `path` (which must not exist yet, never through a link), mode 0600, with
/// `bytes`; synced unless [`SYNC_FS`] will sync it with the others.
pub fn write_new(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = create_new(path)?;
    f.write_all(bytes)?;
    if !SYNC_FS {
        f.sync_all()?;
    }
    Ok(())
}

/// Creates `path` for writing (it must not exist yet, never through a link), mode 0600.
pub fn create_new(path: &Path) -> io::Result<File> {
    fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .custom_flags(libc::O_NOFOLLOW)
        .open(path)
        .map_err(name_link)
}

/// [`write_atomic`] then [`sync_dir`]: durable once this returns.
pub fn write_durable(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    write_atomic(dir, name, bytes)?;
    sync_dir(dir)
}

/// Removes temporary files a crashed writer left in `dir`. Only a lock holder calls this (a
/// live writer's temp file must not vanish under it).
pub fn remove_stale_temps(dir: &Path) -> io::Result<()> {
    for e in entries(dir)? {
        if e.is_temp() {
            fs::remove_file(e.path)?;
        }
    }
    Ok(())
}

/// One entry of a directory, as listing it tells (nothing is opened or followed).
#[derive(Debug, Clone)]
pub struct Entry {
    /// The name, when it is UTF-8 (`None` for any other: such a name is never made text
    /// lossily, which would name another file).
    pub name: Option<String>,
    pub os_name: OsString,
    pub path: PathBuf,
    /// The type of the entry itself (a link is a link, not what it points to).
    pub kind: fs::FileType,
}

impl Entry {
    /// A temporary file of ours (a crashed writer's leftover when no writer is running).
    pub fn is_temp(&self) -> bool {
        self.os_name
            .as_encoded_bytes()
            .starts_with(TMP_PREFIX.as_bytes())
    }
}

/// The entries of `dir`, in no particular order. A directory that does not exist yet has
/// none: the registry creates its directories on first write.
pub fn entries(dir: &Path) -> io::Result<Vec<Entry>> {
    let read = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    read.map(|entry| {
        let entry = entry?;
        let os_name = entry.file_name();
        Ok(Entry {
            name: os_name.to_str().map(str::to_string),
            kind: entry.file_type()?,
            path: entry.path(),
            os_name,
        })
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
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].name.as_deref(), Some("a.json"));
        assert_eq!(got[0].path, t.path().join("a.json"));
        assert!(got[0].kind.is_file());
        // A file where a directory is expected is an error, not an empty directory.
        assert!(entries(&t.path().join("a.json")).is_err());
    }

    #[test]
    fn links_and_fifos_are_never_opened_through() {
        use std::os::unix::ffi::OsStrExt;
        let t = tempfile::tempdir().unwrap();
        let target = t.path().join("target");
        fs::write(&target, b"secret").unwrap();
        let link = t.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = read_regular(&link).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        let e = open_rw(&link).unwrap_err();
        assert!(e.to_string().contains("symbolic link"), "{e}");
        assert_eq!(fs::read(&target).unwrap(), b"secret");
        // A link where a directory should be is not taken for the directory.
        let dlink = t.path().join("dlink");
        std::os::unix::fs::symlink(t.path(), &dlink).unwrap();
        assert!(create_private_dir(&dlink).is_err());
        assert!(sync_dir(&dlink).is_err());
        // A FIFO is refused at once, not waited on.
        let fifo = t.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_bytes()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = read_regular(&fifo).unwrap_err();
        assert!(e.to_string().contains("named pipe"), "{e}");
        assert!(open_rw(&fifo).is_err());
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
