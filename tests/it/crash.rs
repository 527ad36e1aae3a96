//! Crash safety: writers killed with SIGKILL at random moments, again and again.
//!
//! Three kinds of child process write to one registry and are killed mid-flight:
//! - a loop of single saves (this test binary re-run as a child, see `crash_child`), which
//!   prints `ACK` after each save returns;
//! - a loop of 300-patient `import_batch --update` transactions (same child, other mode);
//! - the real `smplan import --update` of a 300-row CSV.
//!
//! After every kill: every patient file parses, nothing is quarantined, `smplan check` is
//! clean, every acknowledged save is there, and every import is all or nothing (the 300
//! patients of a batch all carry the same batch marker), both as a reader sees the registry
//! before recovery and in the raw files after the next writer's recovery.

use crate::cli_common;

use smplan::domain::{Patient, Subtype};
use smplan::store::{OpenOptions, Registry};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "SMPLAN_CRASH_CHILD";
const DIR_ENV: &str = "SMPLAN_CRASH_DIR";
const START_ENV: &str = "SMPLAN_CRASH_START";
const BATCH: usize = 200;
const SAVE_IDS: u64 = 20;
const KILLS: usize = 50;

fn opts(write: bool) -> OpenOptions {
    OpenOptions::new(
        write,
        "crash-test",
        chrono::NaiveDate::from_ymd_opt(2026, 1, 15).unwrap(),
    )
}

/// The child's side: does nothing unless started by `writers_killed_at_random_moments`.
#[test]
fn crash_child() {
    let Ok(mode) = std::env::var(CHILD_ENV) else {
        return;
    };
    let dir = PathBuf::from(std::env::var(DIR_ENV).unwrap());
    let mut n: u64 = std::env::var(START_ENV).unwrap().parse().unwrap();
    let mut reg = Registry::open(&dir, opts(true)).unwrap();
    assert!(
        reg.read_only_reason().is_none(),
        "{:?}",
        reg.read_only_reason()
    );
    let mut out = std::io::stdout();
    writeln!(out, "READY").unwrap();
    out.flush().unwrap();
    loop {
        match mode.as_str() {
            "save" => {
                let id = format!("W-{:02}", n % SAVE_IDS);
                let mut p = reg
                    .get(&id)
                    .cloned()
                    .unwrap_or_else(|| Patient::new(&id, Subtype::Androgenetic));
                p.notes = Some(format!("v{n}"));
                reg.save(p).unwrap();
                writeln!(out, "ACK {id} {n}").unwrap();
            }
            _ => {
                let batch = (0..BATCH)
                    .map(|j| {
                        let id = format!("I-{j:03}");
                        let mut p = reg
                            .get(&id)
                            .cloned()
                            .unwrap_or_else(|| Patient::new(&id, Subtype::Scarring));
                        p.notes = Some(format!("batch {n}"));
                        p
                    })
                    .collect();
                reg.import_batch(batch, true).unwrap();
                writeln!(out, "ACK import {n}").unwrap();
            }
        }
        out.flush().unwrap();
        n += 1;
    }
}

/// xorshift: reproducible random kill times without a dependency; the seed is printed.
struct Rng(u64);
impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

/// Starts a child and a thread passing its output lines, timestamped, over a channel.
fn spawn_child(dir: &Path, mode: &str, start: u64) -> (Child, Receiver<(Instant, String)>) {
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash::crash_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, mode)
        .env(DIR_ENV, dir)
        .env(START_ENV, start.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        // The test harness prints "test crash_child ... " before the child's first line.
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let msg = match line.find("ACK ") {
                Some(i) => line[i..].to_string(),
                None if line.ends_with("READY") => "READY".to_string(),
                None => continue,
            };
            if tx.send((Instant::now(), msg)).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// Waits for a line starting with `what` (the child must get there within a minute).
fn wait_for(rx: &Receiver<(Instant, String)>, what: &str, seen: &mut Vec<(Instant, String)>) {
    loop {
        let msg = rx
            .recv_timeout(Duration::from_secs(60))
            .unwrap_or_else(|_| panic!("child never printed {what}"));
        let done = msg.1.starts_with(what);
        seen.push(msg);
        if done {
            return;
        }
    }
}

/// A running estimate of how long one transaction takes, so kills land inside them whether
/// the disk is idle (0.1 s per 300-patient import) or busy (1 s and more).
struct Pace(f64);
impl Pace {
    fn learn(&mut self, seen: &[(Instant, String)]) {
        for w in seen.windows(2) {
            let ms = w[1].0.duration_since(w[0].0).as_secs_f64() * 1000.0;
            self.0 = 0.7 * self.0 + 0.3 * ms;
        }
    }
    /// Somewhere within the next `span` transactions.
    fn random_delay(&self, rng: &mut Rng, span: f64) -> Duration {
        Duration::from_millis(rng.below((self.0 * span) as u64 + 2))
    }
}

fn batch_csv(dir: &Path, round: u64) -> PathBuf {
    let mut text = String::from("record_id,subtype,name\n");
    for j in 0..BATCH {
        text.push_str(&format!(
            "B-{j:03},androgenetic,\"round {round}, 第{round}轮\"\n"
        ));
    }
    let p = dir.join("batch.csv");
    std::fs::write(&p, text).unwrap();
    p
}

/// What has been acknowledged so far.
#[derive(Default)]
struct Acked {
    /// Highest acknowledged version per saved record.
    saves: BTreeMap<String, u64>,
    /// Highest version ever attempted (a kill may land after the commit, before the ACK).
    max_started: u64,
    import: Option<u64>,
    binary_round: Option<u64>,
}

fn marker(p: &Patient, field: &str) -> Option<String> {
    match field {
        "notes" => p.notes.clone(),
        _ => p.name.clone(),
    }
}

/// All patients of a batch carry the same marker, or none of them exists.
fn all_or_nothing(patients: &[Patient], prefix: &str, field: &str) -> Option<String> {
    let members: Vec<&Patient> = patients
        .iter()
        .filter(|p| p.record_id.starts_with(prefix))
        .collect();
    if members.is_empty() {
        return None;
    }
    assert_eq!(members.len(), BATCH, "{prefix}: a partial import");
    let first = marker(members[0], field);
    for m in &members {
        assert_eq!(marker(m, field), first, "{prefix}: {} differs", m.record_id);
    }
    first
}

fn verify(patients: &[Patient], acked: &Acked, when: &str) {
    for (id, v) in &acked.saves {
        let p = patients
            .iter()
            .find(|p| &p.record_id == id)
            .unwrap_or_else(|| panic!("{when}: acknowledged {id} is missing"));
        let have: u64 = p.notes.as_deref().unwrap()[1..].parse().unwrap();
        assert!(
            have >= *v && have <= acked.max_started,
            "{when}: {id} at v{have}, acked v{v}"
        );
    }
    let import = all_or_nothing(patients, "I-", "notes");
    if let Some(k) = acked.import {
        let have: u64 = import.unwrap()["batch ".len()..].parse().unwrap();
        assert!(
            have >= k,
            "{when}: import {k} acknowledged, registry at {have}"
        );
    }
    let round = all_or_nothing(patients, "B-", "name");
    if let Some(k) = acked.binary_round {
        let have = round.expect("acknowledged import present");
        let have: u64 = have["round ".len()..have.find(',').unwrap()]
            .parse()
            .unwrap();
        assert!(
            have >= k,
            "{when}: binary import {k} acknowledged, registry at {have}"
        );
    }
}

fn raw_patients(dir: &Path) -> Vec<Patient> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir.join("patients")).unwrap() {
        let path = e.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        let p: Patient = serde_json::from_slice(&bytes)
            .unwrap_or_else(|e| panic!("{} does not parse: {e}", path.display()));
        out.push(p);
    }
    out
}

#[test]
fn writers_killed_at_random_moments() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let started = Instant::now();
    let t = tempfile::tempdir().unwrap();
    let dir = t.path().join("reg");
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("crash test seed {seed}");
    let mut rng = Rng(seed);
    let mut acked = Acked::default();
    let (mut pending_seen, mut rolled_forward, mut binary_done, mut save_acks) = (0, 0, 0, 0);
    let (mut save_pace, mut import_pace, mut binary_pace) = (Pace(30.0), Pace(300.0), Pace(1000.0));
    for round in 0..KILLS as u64 {
        // Each child counts from its own start, so versions only grow; the offset varies
        // which records a short-lived save child reaches.
        let start = (round + 1) * 1_000_000 + rng.below(SAVE_IDS);
        // Per 8 rounds: 4 save loops, 3 import loops, 1 real `smplan import`.
        match round % 8 {
            0..=6 => {
                let mode = if round % 2 == 1 { "import" } else { "save" };
                let pace = if mode == "save" {
                    &mut save_pace
                } else {
                    &mut import_pace
                };
                let (mut child, rx) = spawn_child(&dir, mode, start);
                let mut seen = Vec::new();
                wait_for(&rx, "READY", &mut seen);
                // Every other import round lets one import finish first, so there are
                // acknowledged imports to look for; then the kill lands somewhere in the next.
                if mode == "import" && round % 4 == 1 {
                    wait_for(&rx, "ACK", &mut seen);
                }
                let span = if mode == "save" { 8.0 } else { 2.0 };
                std::thread::sleep(pace.random_delay(&mut rng, span));
                child.kill().unwrap();
                child.wait().unwrap();
                seen.extend(rx.iter());
                pace.learn(&seen);
                acked.max_started = start + 1_000_000;
                for (_, line) in seen.iter().filter(|(_, l)| l.starts_with("ACK ")) {
                    let parts: Vec<&str> = line.split_whitespace().collect();
                    let n: u64 = parts[2].parse().unwrap();
                    if parts[1] == "import" {
                        acked.import = Some(n);
                    } else {
                        save_acks += 1;
                        acked.saves.insert(parts[1].to_string(), n);
                    }
                }
            }
            _ => {
                let csv = batch_csv(t.path(), round);
                let began = Instant::now();
                let mut child = cli_common::command(&dir, "2026-01-15", &["import", "--update"])
                    .arg(&csv)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                let delay = rng.below((binary_pace.0 * 1.1) as u64 + 1);
                std::thread::sleep(Duration::from_millis(delay));
                match child.try_wait().unwrap() {
                    Some(status) => {
                        assert!(status.success(), "the import itself failed");
                        acked.binary_round = Some(round);
                        binary_done += 1;
                    }
                    None => {
                        // Learn how long a whole import takes from one left to finish.
                        if round % 16 == 7 {
                            let status = child.wait().unwrap();
                            assert!(status.success(), "the import itself failed");
                            acked.binary_round = Some(round);
                            binary_done += 1;
                            binary_pace.0 = began.elapsed().as_secs_f64() * 1000.0;
                        } else {
                            child.kill().unwrap();
                            child.wait().unwrap();
                        }
                    }
                }
            }
        }

        eprintln!(
            "round {round}: {:.1} s, paces {:.0}/{:.0}/{:.0} ms",
            started.elapsed().as_secs_f64(),
            save_pace.0,
            import_pace.0,
            binary_pace.0
        );
        // As a reader sees it, before any recovery.
        let reader = Registry::open(&dir, opts(false)).unwrap();
        let rep = reader.report();
        assert!(
            rep.problems().is_empty(),
            "round {round}: {:?}",
            rep.problems()
        );
        assert!(reader.audit_problems().unwrap().is_empty(), "round {round}");
        pending_seen += rep.pending;
        let seen: Vec<Patient> = reader.patients().cloned().collect();
        verify(&seen, &acked, &format!("round {round}, reader"));
        // `smplan check` runs the same reader; every other round through the binary too.
        if round % 2 == 0 || round + 1 == KILLS as u64 {
            let check = cli_common::run(&dir, "2026-01-15", &["check"]);
            assert!(
                check.status.success(),
                "round {round}: check: {}",
                String::from_utf8_lossy(&check.stderr)
            );
        }

        // The raw files after a writer's recovery (every few rounds: otherwise the next
        // child recovers).
        if round % 4 != 3 && round + 1 != KILLS as u64 {
            continue;
        }
        let writer = Registry::open(&dir, opts(true)).unwrap();
        assert!(writer.read_only_reason().is_none());
        assert!(
            writer.report().is_clean(),
            "round {round}: {:?}",
            writer.report()
        );
        rolled_forward += writer.report().rolled_forward;
        drop(writer);
        let raw = raw_patients(&dir);
        verify(&raw, &acked, &format!("round {round}, files"));
        assert_eq!(
            raw.len(),
            seen.len(),
            "round {round}: the reader saw what recovery made of it"
        );
    }
    eprintln!(
        "{KILLS} kills in {:.1} s: {save_acks} saves acknowledged to {} records, last import {:?}, {binary_done} binary imports finished, {pending_seen} interrupted transactions seen by readers, {rolled_forward} rolled forward",
        started.elapsed().as_secs_f64(),
        acked.saves.len(),
        acked.import
    );
    assert!(
        acked.import.is_some(),
        "no import ever finished: kill times too short"
    );
}
