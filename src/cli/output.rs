//! Where a command's document goes: a file written atomically, or standard output.
//!
//! With `-o FILE` the document is streamed into a temporary file beside FILE (created 0600, as
//! it may hold patient data), synced, and renamed over FILE only once it is whole, then the
//! folder is synced: a reader, a crash or a failed export sees the old file or the whole new
//! one, never a part. Without it the document goes to standard output and nothing else does.

use crate::store::fsutil;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The document being written.
pub struct Output {
    inner: Inner,
}

enum Inner {
    File {
        tmp: BufWriter<tempfile::NamedTempFile>,
        path: PathBuf,
        dir: PathBuf,
    },
    Stdout(BufWriter<io::StdoutLock<'static>>),
}

impl Output {
    /// The temporary file beside `path`, or standard output when there is no path.
    ///
    /// `registry` is the data directory: a document is never written inside it, where it
    /// could replace a patient record, the audit log or the key (see [`check_outside`]).
    pub fn create(path: Option<&Path>, registry: &Path) -> Result<Output, String> {
        let Some(path) = path else {
            return Ok(Output {
                inner: Inner::Stdout(BufWriter::with_capacity(1 << 16, io::stdout().lock())),
            });
        };
        let dir = check_outside(path, registry)?;
        let tmp = tempfile::Builder::new()
            .prefix(fsutil::TMP_PREFIX)
            .tempfile_in(&dir)
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        Ok(Output {
            inner: Inner::File {
                tmp: BufWriter::with_capacity(1 << 16, tmp),
                path: path.to_path_buf(),
                dir,
            },
        })
    }

    /// Where the document goes, for messages.
    pub fn describe(&self) -> String {
        match &self.inner {
            Inner::File { path, .. } => path.display().to_string(),
            Inner::Stdout(_) => "standard output".into(),
        }
    }

    /// Makes the document durable and puts it in place. Dropping an `Output` without
    /// finishing it leaves no file behind (and the old one, if any, as it was).
    pub fn finish(self) -> Result<(), String> {
        match self.inner {
            Inner::File { tmp, path, dir } => {
                let cannot = |e: io::Error| format!("cannot write {}: {e}", path.display());
                let tmp = tmp.into_inner().map_err(|e| cannot(e.into_error()))?;
                tmp.as_file().sync_all().map_err(cannot)?;
                tmp.persist(&path).map_err(|e| cannot(e.error))?;
                fsutil::sync_dir(&dir).map_err(cannot)
            }
            Inner::Stdout(mut out) => out
                .flush()
                .map_err(|e| format!("cannot write to standard output: {e}")),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match &mut self.inner {
            Inner::File { tmp, .. } => tmp.write(buf),
            Inner::Stdout(out) => out.write(buf),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match &mut self.inner {
            Inner::File { tmp, .. } => tmp.write_all(buf),
            Inner::Stdout(out) => out.write_all(buf),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match &mut self.inner {
            Inner::File { tmp, .. } => tmp.flush(),
            Inner::Stdout(out) => out.flush(),
        }
    }
}

/// Checks that `path` names a file that may be written: a file name in a folder that exists,
/// and not inside the registry `registry` (nor the registry itself), whatever links lead
/// there. Returns the folder the file goes in.
///
/// The folders are compared after resolving links (`canonicalize`), so `-o link/x` where
/// `link` points into the data directory is refused as well. The file itself being a link is
/// harmless: the atomic rename replaces the link, never what it points to.
pub fn check_outside(path: &Path, registry: &Path) -> Result<PathBuf, String> {
    if path.file_name().and_then(|n| n.to_str()).is_none() {
        return Err(format!("{} is not a file name", path.display()));
    }
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    if !dir.is_dir() {
        return Err(format!(
            "cannot write {}: the folder {} does not exist",
            path.display(),
            dir.display()
        ));
    }
    if path.is_dir() {
        return Err(format!("cannot write {}: it is a folder", path.display()));
    }
    // A registry that does not exist yet has nothing to overwrite.
    if let (Ok(registry), Ok(folder)) =
        (std::fs::canonicalize(registry), std::fs::canonicalize(&dir))
        && folder.starts_with(&registry)
    {
        return Err(format!(
            "cannot write {}: it is inside the data directory {}, where it could replace the \
             registry's own files; write it elsewhere",
            path.display(),
            registry.display()
        ));
    }
    Ok(dir)
}

/// Writes `bytes` to `output` (see [`Output`]), never inside `registry`.
pub fn write_output(output: Option<&Path>, registry: &Path, bytes: &[u8]) -> Result<(), String> {
    let mut out = Output::create(output, registry)?;
    out.write_all(bytes)
        .map_err(|e| format!("cannot write {}: {e}", out.describe()))?;
    out.finish()
}
