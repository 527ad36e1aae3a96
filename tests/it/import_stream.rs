//! `smplan import` of large files (issue 14, finding 12): the CSV is read a row at a time and
//! the transaction staged on disk (`store::staging`), so memory does not grow with the file;
//! still all or nothing, across a refused row and across `kill -9` at any moment.

use crate::cli_common;

use smplan::store::{OpenOptions, Registry};
use std::path::{Path, PathBuf};
use std::time::Instant;

const TODAY: &str = "2026-06-01";

/// A patient CSV of `rows` rows, ids `P-000000`..., every row with the columns an export
/// writes for a treated patient; `note` goes in the name (to tell imports apart).
fn csv(dir: &Path, name: &str, rows: usize, note: &str, bad_line: Option<usize>) -> PathBuf {
    let mut text = String::from(
        "record_id,name,sex,birth_date,fitzpatrick,subtype,zones,session1_date,\
         session2_date,session3_date,post_date,vds_post,vds_6m,m6_date,data_use_consent\n",
    );
    for i in 0..rows {
        // Line numbers count the header as line 1.
        let vds6 = if bad_line == Some(i + 2) { "11" } else { "7" };
        text.push_str(&format!(
            "P-{i:06},{note} {i},F,1980-02-0{},3,androgenetic,hairline;vertex,2025-01-06,\
             2025-01-13,2025-01-20,2025-01-20,9,{vds6},2025-07-20,yes\n",
            1 + i % 9
        ));
    }
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn opts(write: bool) -> OpenOptions {
    OpenOptions::new(
        write,
        "import-stream-test",
        chrono::NaiveDate::from_ymd_opt(2026, 6, 1).unwrap(),
    )
}

fn journal_entries(reg: &Path) -> Vec<String> {
    match std::fs::read_dir(reg.join("journal")) {
        Ok(r) => r
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// A registry in `dir/reg` holding three patients (`P-000000` to `P-000002`), imported.
fn three_patients(dir: &Path) -> PathBuf {
    let reg = dir.join("reg");
    let first = csv(dir, "first.csv", 3, "first", None);
    let out = cli_common::run(&reg, TODAY, &["import", first.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    reg
}

#[test]
fn a_bad_row_in_the_middle_of_a_large_file_changes_nothing_and_leaves_nothing_staged() {
    let t = tempfile::tempdir().unwrap();
    let reg = three_patients(t.path());
    let before = cli_common::tree(&reg);
    let big = csv(t.path(), "big.csv", 6000, "big", Some(3001));
    let out = cli_common::run(&reg, TODAY, &["import", "--update", big.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        err.contains("line 3001, column vds_6m: 11 is outside 0..10"),
        "{err}"
    );
    assert!(err.contains("nothing imported: 1 problem in"), "{err}");
    let after = cli_common::tree(&reg);
    assert!(
        cli_common::tree_diff(&before, &after).is_empty(),
        "changed: {:?}",
        cli_common::tree_diff(&before, &after)
    );
    assert!(journal_entries(&reg).is_empty());
    // The same file without the bad row goes in whole.
    let good = csv(t.path(), "good.csv", 6000, "big", None);
    let out = cli_common::run(&reg, TODAY, &["import", "--update", good.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("5997 new, 3 updated, 0 unchanged"),
        "{stdout}"
    );
    assert!(
        journal_entries(&reg).is_empty(),
        "{:?}",
        journal_entries(&reg)
    );
    let check = cli_common::run(&reg, TODAY, &["check"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

/// Peak resident memory (kB) of `smplan import FILE` into a new registry, from `wait4` of
/// that very child (other tests' children do not count).
fn import_peak_kb(dir: &Path, file: &Path) -> i64 {
    #[allow(clippy::zombie_processes)] // reaped by wait4 below
    let child = cli_common::command(dir, TODAY, &["import", file.to_str().unwrap()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut status = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: valid pointers to locals; the pid is our child's, not yet waited for.
    let pid = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(pid, child.id() as i32);
    // Reaped by wait4 above; `Child` does not know, so it is forgotten rather than waited on.
    std::mem::forget(child);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "import failed"
    );
    usage.ru_maxrss
}

#[test]
fn import_memory_does_not_grow_with_the_number_of_rows() {
    // Before the import streamed, each row cost about 23 kB (20,000 rows: 459 MB); now what
    // is kept across rows is its id, its line, its file-name key and its file's version.
    let t = tempfile::tempdir().unwrap();
    let small = csv(t.path(), "small.csv", 1500, "s", None);
    let large = csv(t.path(), "large.csv", 6000, "l", None);
    let a = import_peak_kb(&t.path().join("a"), &small);
    let b = import_peak_kb(&t.path().join("b"), &large);
    let per_row = (b - a) as f64 * 1024.0 / 4500.0;
    assert!(
        per_row < 2048.0,
        "peak {a} kB at 1,500 rows, {b} kB at 6,000: {per_row:.0} bytes a row"
    );
}

/// Patients whose name starts with `note`, as a reader and then the next writer see them.
fn marked(reg: &Path, note: &str, write: bool) -> usize {
    let r = Registry::open(reg, opts(write)).unwrap();
    r.patients()
        .filter(|p| p.name.as_deref().is_some_and(|n| n.starts_with(note)))
        .count()
}

#[test]
fn a_large_import_killed_at_any_moment_is_all_or_nothing() {
    const ROWS: usize = 3000;
    let t = tempfile::tempdir().unwrap();
    let reg = t.path().join("reg");
    // One full run, to learn how long an import takes on this machine now.
    let file = csv(t.path(), "r0.csv", ROWS, "round0", None);
    let start = Instant::now();
    let out = cli_common::run(&reg, TODAY, &["import", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let took = start.elapsed();
    let mut rng = 0x9E37_79B9_7F4A_7C15u64;
    println!("import of {ROWS} rows: {took:?}; seed {rng:#x}");
    let mut last_whole = "round0".to_string();
    for round in 1..=8 {
        let note = format!("round{round}");
        let file = csv(t.path(), &format!("r{round}.csv"), ROWS, &note, None);
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        // Anywhere from the start to a little after the end.
        let delay = took.mul_f64((rng % 1100) as f64 / 1000.0);
        let mut child = cli_common::command(&reg, TODAY, &["import", "--update"])
            .arg(&file)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(delay);
        let _ = child.kill();
        let _ = child.wait();
        // A reader before recovery, then the writer that recovers: the same, all or none.
        let seen = marked(&reg, &note, false);
        assert!(
            seen == 0 || seen == ROWS,
            "round {round}: a reader saw {seen} of {ROWS}"
        );
        let after = marked(&reg, &note, true);
        assert_eq!(
            after, seen,
            "round {round}: recovery changed what a reader saw"
        );
        if after == ROWS {
            last_whole = note;
        } else {
            assert_eq!(marked(&reg, &last_whole, false), ROWS, "round {round}");
        }
        let left = journal_entries(&reg);
        assert!(left.is_empty(), "round {round}: left in journal/: {left:?}");
        let check = cli_common::run(&reg, TODAY, &["check"]);
        assert!(
            check.status.success(),
            "round {round}: {}",
            String::from_utf8_lossy(&check.stdout)
        );
    }
}

#[test]
fn running_out_of_memory_is_one_sentence_and_changes_nothing() {
    use std::os::unix::process::CommandExt;
    let t = tempfile::tempdir().unwrap();
    let reg = three_patients(t.path());
    let before = cli_common::tree(&reg);
    // A JSON document with one record whose parse needs far more than the limit below (the
    // import holds one record at a time): 20 million numbers, 40 MB of text, 640 MB parsed.
    let mut doc = String::with_capacity(41 << 20);
    doc.push_str(
        r#"{"schema_version":2,"exported":"2026-01-01","patients":[{"record_id":"P-9","notes":["#,
    );
    for _ in 0..20_000_000 {
        doc.push_str("0,");
    }
    doc.push_str("0]}]}");
    let file = t.path().join("huge.json");
    std::fs::write(&file, doc).unwrap();
    let mut cmd = cli_common::command(&reg, TODAY, &["import", file.to_str().unwrap()]);
    // SAFETY: setrlimit is async-signal-safe and touches no memory of the parent.
    unsafe {
        cmd.pre_exec(|| {
            let limit = libc::rlimit {
                rlim_cur: 512 << 20,
                rlim_max: 512 << 20,
            };
            match libc::setrlimit(libc::RLIMIT_AS, &limit) {
                0 => Ok(()),
                _ => Err(std::io::Error::last_os_error()),
            }
        });
    }
    let out = cmd.output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.starts_with("smplan: out of memory: "), "{err}");
    assert!(err.contains("the registry is opened"), "{err}");
    for noise in ["panicked", "backtrace", "memory allocation of"] {
        assert!(!err.contains(noise), "{err}");
    }
    assert!(cli_common::tree_diff(&before, &cli_common::tree(&reg)).is_empty());
}
