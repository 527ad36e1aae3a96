//! `smplan backup FILE`, `backup --verify FILE`, `restore FILE DIR` through the real binary:
//! a round trip gives the registry back byte for byte; a backup taken while another process
//! saves restores to one committed state that passes `check`; a damaged, truncated or
//! hostile archive is refused naming the member, and nothing is written.

use crate::cli_common::{self, ok};

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Output;

const TODAY: &str = "2026-06-01";

fn smplan(dir: &Path, args: &[&str]) -> Output {
    cli_common::run_as(dir, TODAY, "tester", args)
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Every file under `dir` by relative path, except what a backup leaves out on purpose
/// (the lock, the summary index, the journal's directory).
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let rel = e
                .path()
                .strip_prefix(dir)
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if ["lock", "index.jsonl", "journal"].contains(&rel.as_str()) {
                continue;
            }
            if e.file_type().unwrap().is_dir() {
                todo.push(e.path());
            } else {
                out.insert(rel, fs::read(e.path()).unwrap());
            }
        }
    }
    out
}

fn mode(p: &Path) -> u32 {
    fs::metadata(p).unwrap().permissions().mode() & 0o777
}

/// A generated registry with a clinic protocol and a de-identification key.
fn registry(dir: &Path, patients: &str) {
    ok(smplan(
        dir,
        &["generate", "--patients", patients, "--seed", "3"],
    ));
    fs::write(
        dir.join("protocol.json"),
        smplan::protocol::BUILTIN_JSON.as_bytes(),
    )
    .unwrap();
    let out = dir.parent().unwrap().join("deid.csv");
    ok(smplan(dir, &["export", "--deidentify", "-o", s(&out)]));
    assert!(dir.join("deidentify.key").exists());
}

/// A temporary directory with a [`registry`] of `patients` in `src/` and its backup.
fn backed_up(patients: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    registry(&src, patients);
    let file = t.path().join("b.tar.gz");
    ok(smplan(&src, &["backup", s(&file)]));
    (t, src, file)
}

#[test]
fn round_trip_gives_every_file_back_byte_for_byte_with_private_modes() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    registry(&src, "20");
    let file = t.path().join("b.tar.gz");
    let o = ok(smplan(&src, &["backup", s(&file)]));
    assert!(text(&o).contains("20 patient(s)"), "{}", text(&o));
    assert_eq!(mode(&file), 0o600);
    let o = ok(smplan(&src, &["backup", "--verify", s(&file)]));
    assert!(text(&o).contains("each whole"), "{}", text(&o));

    let dest = t.path().join("restored");
    let o = ok(smplan(&src, &["restore", s(&file), s(&dest)]));
    let out = text(&o);
    assert!(out.contains("20 patient(s)"), "{out}");
    assert!(out.contains("every file whole and valid"), "{out}");
    let (a, b) = (tree(&src), tree(&dest));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    assert!(a == b, "every file byte for byte");
    assert!(a.contains_key("deidentify.key") && a.contains_key("protocol.json"));
    assert_eq!(mode(&dest), 0o700);
    assert_eq!(mode(&dest.join("patients")), 0o700);
    for rel in b.keys() {
        assert_eq!(mode(&dest.join(rel)), 0o600, "{rel}");
    }
    // The restored registry is a registry: `check` passes (audit chain included) and a
    // writer accepts its permissions and saves into it.
    let o = ok(smplan(&dest, &["check"]));
    assert!(text(&o).contains("chain"), "{}", text(&o));
    let id = a
        .keys()
        .find_map(|k| k.strip_prefix("patients/")?.strip_suffix(".json"))
        .unwrap()
        .to_string();
    let part = t.path().join("one.json");
    fs::write(
        &part,
        format!(r#"{{"schema_version": 1, "patients": [{{"record_id": "{id}", "notes": "n"}}]}}"#),
    )
    .unwrap();
    ok(smplan(&dest, &["import", "--update", s(&part)]));
    assert_ne!(
        tree(&dest)["audit.jsonl"],
        a["audit.jsonl"],
        "the save was written"
    );
    ok(smplan(&dest, &["check"]));
    fs::remove_file(&part).unwrap();
    // Nothing is left beside it.
    let beside: Vec<String> = fs::read_dir(t.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(beside.is_empty(), "{beside:?}");
}

#[test]
fn quarantined_files_are_kept_under_their_folder_and_said() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    registry(&src, "5");
    fs::write(src.join("patients/BROKEN.json"), b"{ not json").unwrap();
    // A writer opening the registry moves the damaged file to quarantine/.
    let first = fs::read_dir(src.join("patients"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .find(|n| n != "BROKEN.json")
        .unwrap();
    let part = t.path().join("one.json");
    let id = first.trim_end_matches(".json");
    fs::write(
        &part,
        format!(r#"{{"schema_version": 1, "patients": [{{"record_id": "{id}", "notes": "n"}}]}}"#),
    )
    .unwrap();
    ok(smplan(&src, &["import", "--update", s(&part)]));
    assert!(src.join("quarantine/BROKEN.json").exists());
    let file = t.path().join("b.tar.gz");
    let o = ok(smplan(&src, &["backup", s(&file)]));
    assert!(text(&o).contains("1 quarantined file(s)"), "{}", text(&o));
    let dest = t.path().join("r");
    let o = smplan(&src, &["restore", s(&file), s(&dest)]);
    // Restored, and the check says what `check` of the original says: one file to repair.
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains("restored to quarantine/"), "{}", text(&o));
    assert!(
        text(&o).contains(&format!(
            "{}/quarantine/BROKEN.json is in quarantine",
            s(&dest)
        )),
        "{}",
        text(&o)
    );
    assert!(tree(&src) == tree(&dest));
}

#[test]
fn links_are_refused_and_foreign_entries_left_out_and_said() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    registry(&src, "3");
    // A link where a registry file should be: refused as every command refuses it.
    let protocol = src.join("protocol.json");
    let elsewhere = t.path().join("protocol-elsewhere.json");
    fs::rename(&protocol, &elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, &protocol).unwrap();
    let file = t.path().join("b.tar.gz");
    let o = smplan(&src, &["backup", s(&file)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains(&format!("{} is a symbolic link", s(&protocol))),
        "{}",
        text(&o)
    );
    assert!(!file.exists());
    fs::remove_file(&protocol).unwrap();
    fs::rename(&elsewhere, &protocol).unwrap();
    // A directory named like a patient file: not a patient file, never opened; left out
    // and said, so that the restored registry holds only what the original's check accepts.
    fs::create_dir(src.join("patients/ODD.json")).unwrap();
    fs::write(src.join("patients/ODD.json/inside"), b"x").unwrap();
    let o = ok(smplan(&src, &["backup", s(&file)]));
    assert!(
        text(&o).contains("patients/ODD.json was not backed up: it is a directory"),
        "{}",
        text(&o)
    );
    let dest = t.path().join("r");
    ok(smplan(&src, &["restore", s(&file), s(&dest)]));
    assert!(!dest.join("patients/ODD.json").exists());
}

#[test]
fn output_inside_the_registry_or_over_a_file_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    registry(&src, "3");
    let before = tree(&src);
    for inside in [src.join("b.tar.gz"), src.join("patients/b.tar.gz")] {
        let o = smplan(&src, &["backup", s(&inside)]);
        assert_eq!(o.status.code(), Some(1));
        assert!(text(&o).contains("is inside the registry"), "{}", text(&o));
        assert!(!inside.exists());
    }
    assert!(tree(&src) == before, "the registry is untouched");
    let existing = t.path().join("old.tar.gz");
    fs::write(&existing, b"keep me").unwrap();
    let o = smplan(&src, &["backup", s(&existing)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("already exists"), "{}", text(&o));
    assert_eq!(fs::read(&existing).unwrap(), b"keep me");
}

#[test]
fn restore_into_a_non_empty_directory_is_refused() {
    let (t, src, file) = backed_up("3");
    let dest = t.path().join("busy");
    fs::create_dir(&dest).unwrap();
    fs::write(dest.join("notes.txt"), b"mine").unwrap();
    let o = smplan(&src, &["restore", s(&file), s(&dest)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("is not empty"), "{}", text(&o));
    assert_eq!(fs::read_dir(&dest).unwrap().count(), 1);
    // An empty one is fine.
    let empty = t.path().join("empty");
    fs::create_dir(&empty).unwrap();
    ok(smplan(&src, &["restore", s(&file), s(&empty)]));
    assert!(empty.join("patients").is_dir());
}

/// The members of a backup as tar headers and bytes.
fn members(file: &Path) -> Vec<(tar::Header, Vec<u8>)> {
    let gz = flate2::read::GzDecoder::new(fs::File::open(file).unwrap());
    let mut a = tar::Archive::new(gz);
    a.entries()
        .unwrap()
        .map(|e| {
            let mut e = e.unwrap();
            let h = e.header().clone();
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut e, &mut bytes).unwrap();
            (h, bytes)
        })
        .collect()
}

fn write_members(file: &Path, members: &[(tar::Header, Vec<u8>)]) {
    let gz = flate2::write::GzEncoder::new(
        fs::File::create(file).unwrap(),
        flate2::Compression::default(),
    );
    let mut b = tar::Builder::new(gz);
    for (h, bytes) in members {
        b.append(h, &bytes[..]).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap();
}

fn raw_header(name: &str, kind: tar::EntryType, size: u64) -> tar::Header {
    let mut h = tar::Header::new_old();
    h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
    h.set_entry_type(kind);
    h.set_size(size);
    h.set_mode(0o600);
    h.set_cksum();
    h
}

/// `--verify` and `restore` both refuse `file`, naming `member`, and write nothing.
fn refused(src: &Path, t: &Path, file: &Path, expect: &str) {
    let o = smplan(src, &["backup", "--verify", s(file)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains(expect), "verify: {}", text(&o));
    let dest = t.join("dest");
    let o = smplan(src, &["restore", s(file), s(&dest)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(text(&o).contains(expect), "restore: {}", text(&o));
    assert!(text(&o).contains("nothing was restored"), "{}", text(&o));
    assert!(!dest.exists(), "nothing written");
    let left: Vec<String> = fs::read_dir(t)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".smplan-restore"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// `all` with one more member right after the manifest.
fn after_manifest(
    all: &[(tar::Header, Vec<u8>)],
    h: tar::Header,
    bytes: &[u8],
) -> Vec<(tar::Header, Vec<u8>)> {
    let mut m = all.to_vec();
    m.insert(1, (h, bytes.to_vec()));
    m
}

/// [`refused`] for an archive of `members`, written as `name`.tar.gz.
fn refused_members(
    src: &Path,
    t: &Path,
    name: &str,
    members: &[(tar::Header, Vec<u8>)],
    expect: &str,
) {
    let file = t.join(format!("{name}.tar.gz"));
    write_members(&file, members);
    refused(src, t, &file, expect);
}

#[test]
fn damaged_truncated_and_hostile_archives_are_refused_naming_the_member() {
    let (t, src, good) = backed_up("4");
    let all = members(&good);
    assert_eq!(all[0].0.path().unwrap().to_str(), Some("manifest.json"));
    let patient = all
        .iter()
        .position(|(h, _)| h.path().unwrap().starts_with("registry/patients"))
        .unwrap();
    let pname = all[patient]
        .0
        .path()
        .unwrap()
        .to_string_lossy()
        .into_owned();

    // Truncated: the compressed file cut in the middle.
    let bytes = fs::read(&good).unwrap();
    let cut = t.path().join("cut.tar.gz");
    fs::write(&cut, &bytes[..bytes.len() * 2 / 3]).unwrap();
    refused(&src, t.path(), &cut, "member registry/");

    // One byte flipped in a patient's file (same size).
    let mut m = all.clone();
    m[patient].1[10] ^= 0x20;
    refused_members(
        &src,
        t.path(),
        "flipped",
        &m,
        &format!("member {pname} is damaged"),
    );

    // A member missing (the last one dropped).
    let mut m = all.clone();
    let last = m
        .pop()
        .unwrap()
        .0
        .path()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    refused_members(
        &src,
        t.path(),
        "short",
        &m,
        &format!("member {last} is missing"),
    );

    // An extra member the manifest does not list.
    let mut m = all.clone();
    let mut h = tar::Header::new_gnu();
    h.set_path("registry/patients/EXTRA.json").unwrap();
    h.set_size(2);
    h.set_mode(0o600);
    h.set_cksum();
    m.insert(2, (h, b"{}".to_vec()));
    refused_members(
        &src,
        t.path(),
        "extra",
        &m,
        "member registry/patients/EXTRA.json is not in the manifest",
    );

    // A member that climbs out of the directory, and one with an absolute path.
    for (name, path, expect) in [
        ("climb", "registry/../../evil", "has a '.' or '..'"),
        ("abs", "/tmp/smplan-evil", "has an absolute path"),
    ] {
        let m = after_manifest(&all, raw_header(path, tar::EntryType::Regular, 4), b"evil");
        refused_members(&src, t.path(), name, &m, &format!("member {path} {expect}"));
    }
    assert!(!t.path().join("evil").exists() && !t.path().parent().unwrap().join("evil").exists());

    // A symbolic link, even under a listed name.
    let mut m = all.clone();
    let mut h = raw_header(&pname, tar::EntryType::Symlink, 0);
    h.set_link_name("/etc/passwd").unwrap();
    h.set_cksum();
    m[patient] = (h, Vec::new());
    refused_members(
        &src,
        t.path(),
        "link",
        &m,
        &format!("member {pname} is a symbolic link"),
    );

    // The same member twice.
    let mut m = all.clone();
    m.push(all[patient].clone());
    refused_members(
        &src,
        t.path(),
        "twice",
        &m,
        &format!("member {pname} appears twice"),
    );

    // And the good one still restores.
    ok(smplan(
        &src,
        &["restore", s(&good), s(&t.path().join("fine"))],
    ));
}

/// Patient files and audit log as a writer left them: one committed state.
fn state(dir: &Path) -> (BTreeMap<String, Vec<u8>>, Vec<u8>) {
    let mut patients = BTreeMap::new();
    for e in fs::read_dir(dir.join("patients")).unwrap() {
        let e = e.unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") && !name.starts_with('.') {
            patients.insert(name, fs::read(e.path()).unwrap());
        }
    }
    (patients, fs::read(dir.join("audit.jsonl")).unwrap())
}

/// Backups taken while another process saves, one save after another, each restored and
/// checked: every one is exactly one of the committed states. No timing is assumed: each
/// backup starts only after two more saves have ended since the one before it finished, so
/// the saves run all through the backups and every backup holds a newer state than the one
/// before (all different, whatever the machine's load). The first copy pass of each backup
/// pauses half way (a debug build's test knob), long enough for saves to land in the middle
/// of it: without the consistency marker that copy mixes files from before and after a save
/// (this test then fails); with it the copy is repeated.
#[test]
fn a_backup_during_a_stream_of_saves_restores_one_committed_state() {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    const BACKUPS: usize = 8;
    const PER_SAVE: usize = 15;
    const PATIENTS: usize = 150;
    let t = tempfile::tempdir().unwrap();
    let src = t.path().join("src");
    ok(smplan(
        &src,
        &[
            "generate",
            "--patients",
            &PATIENTS.to_string(),
            "--seed",
            "5",
        ],
    ));
    let ids: Vec<String> = state(&src)
        .0
        .keys()
        .map(|n| n.trim_end_matches(".json").to_string())
        .collect();
    let committed = std::sync::Mutex::new(vec![state(&src)]);
    let saves = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    let mut backups: Vec<PathBuf> = Vec::new();
    let mut passes = 0;
    std::thread::scope(|scope| {
        // The writer: another process per save (`import --update`), PER_SAVE patients each,
        // until the backups are done; after each save the state it committed is noted
        // (nothing else writes meanwhile), then counted.
        let writer = scope.spawn(|| {
            let mut k = 0;
            while !stop.load(Ordering::SeqCst) {
                let picked: Vec<String> = (0..PER_SAVE)
                    .map(|j| {
                        format!(
                            r#"{{"record_id": "{}", "notes": "version {k}"}}"#,
                            // Spread over the whole registry: both halves of a copy.
                            ids[(k + j * (PATIENTS / PER_SAVE)) % ids.len()]
                        )
                    })
                    .collect();
                let part = t.path().join(format!("part{k}.json"));
                fs::write(
                    &part,
                    format!(
                        r#"{{"schema_version": 1, "patients": [{}]}}"#,
                        picked.join(",")
                    ),
                )
                .unwrap();
                loop {
                    let o = smplan(&src, &["import", "--update", s(&part)]);
                    if o.status.success() {
                        break;
                    }
                    // Only the backup's last resort (the writer lock) may refuse a save.
                    assert!(text(&o).contains("smplan backup"), "{}", text(&o));
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                committed.lock().unwrap().push(state(&src));
                saves.fetch_add(1, Ordering::SeqCst);
                k += 1;
            }
        });
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(600);
        // The save counted last when the previous backup ended: the state on disk then is
        // that one or the next (saved, not yet counted), so two more make a newer one.
        let mut after = 0;
        for i in 0..BACKUPS {
            while saves.load(Ordering::SeqCst) < after + 2 {
                assert!(!writer.is_finished(), "the writer stopped");
                assert!(std::time::Instant::now() < deadline, "the saves stalled");
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            let file = t.path().join(format!("b{i}.tar.gz"));
            let o = cli_common::command(&src, TODAY, &["backup", s(&file)])
                .env("USER", "tester")
                .env(smplan::store::backup::TEST_PAUSE_VAR, "300")
                .output()
                .unwrap();
            let o = ok(o);
            passes += usize::from(text(&o).contains(" passes"));
            backups.push(file);
            after = saves.load(Ordering::SeqCst);
        }
        stop.store(true, Ordering::SeqCst);
    });
    let committed = committed.into_inner().unwrap();
    let mut seen = Vec::new();
    for (i, file) in backups.iter().enumerate() {
        let dest = t.path().join(format!("r{i}"));
        let o = ok(smplan(&src, &["restore", s(file), s(&dest)]));
        assert!(
            text(&o).contains("every file whole and valid"),
            "{}",
            text(&o)
        );
        ok(smplan(&dest, &["check"]));
        let got = state(&dest);
        let Some(at) = committed.iter().position(|c| *c == got) else {
            panic!(
                "backup {i} is not a committed state ({} audit bytes)",
                got.1.len()
            );
        };
        seen.push(at);
    }
    // Each backup a newer committed state than the one before.
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "{seen:?}");
    // And the saves did land in the copies, which were repeated.
    assert!(passes > 0, "no backup saw a save during its copy");
}
