//! One writer at a time: an OS lock (`flock` through std's `File::try_lock`) on
//! `<registry>/lock`, with the holder's description written inside the file.
//!
//! The OS releases the lock when the holder exits or is killed, so a crashed writer never
//! leaves a stale lock behind; the text in the file is only there so that a refused writer can
//! say *who* holds the registry. The file itself is never deleted (deleting a lock file lets
//! two processes lock two different files of the same name).

use super::fsutil::open_rw;
use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::Path;

pub const LOCK_FILE: &str = "lock";

/// The held lock; dropping it releases the registry.
#[derive(Debug)]
pub struct WriterLock {
    _file: File,
}

pub enum Acquired {
    Mine(WriterLock),
    /// Another process holds the lock; its self-description.
    Held(String),
}

/// Tries once, without waiting: a second writer is refused at once.
pub fn acquire(dir: &Path, operator: &str) -> io::Result<Acquired> {
    // Never through a link: `set_len(0)` below would truncate what it points to.
    let mut file = open_rw(&dir.join(LOCK_FILE))?;
    match file.try_lock() {
        Ok(()) => {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(describe_self(operator).as_bytes())?;
            Ok(Acquired::Mine(WriterLock { _file: file }))
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut text = String::new();
            // The holder may be rewriting the text this instant; an empty read still refuses.
            let _ = file.read_to_string(&mut text);
            let text = text.trim();
            Ok(Acquired::Held(if text.is_empty() {
                "another process (it has not said which)".to_string()
            } else {
                text.to_string()
            }))
        }
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}

/// "process 4242 (smplan import rows.csv), operator ana, since 2026-11-25 12:00:00 UTC".
fn describe_self(operator: &str) -> String {
    let args: Vec<String> = std::env::args()
        .enumerate()
        .map(|(i, a)| {
            if i == 0 {
                Path::new(&a)
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or(a)
            } else {
                a
            }
        })
        .collect();
    let mut command = args.join(" ");
    if command.chars().count() > 120 {
        command = command.chars().take(117).collect::<String>() + "...";
    }
    format!(
        "process {} ({command}), operator {operator}, since {}",
        std::process::id(),
        chrono::Utc::now().format("%Y-%m-%d %H:%M:%S UTC")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_writer_is_refused_and_told_who_holds_it() {
        let t = tempfile::tempdir().unwrap();
        let first = match acquire(t.path(), "ana").unwrap() {
            Acquired::Mine(l) => l,
            Acquired::Held(_) => panic!("first writer must get the lock"),
        };
        match acquire(t.path(), "bo").unwrap() {
            Acquired::Mine(_) => panic!("second writer must be refused"),
            Acquired::Held(who) => {
                assert!(
                    who.contains(&format!("process {}", std::process::id())),
                    "{who}"
                );
                assert!(who.contains("operator ana"), "{who}");
            }
        }
        drop(first);
        assert!(matches!(
            acquire(t.path(), "bo").unwrap(),
            Acquired::Mine(_)
        ));
    }
}
