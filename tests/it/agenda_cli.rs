//! `smplan agenda` end to end: import a CSV registry into a temporary data directory, then
//! ask for the agenda with a fixed "today" (`SMPLAN_TODAY`).

use crate::cli_common;

use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;

const CSV: &str = "\
record_id,subtype,zones,session1_date,session2_date,session3_date,post_date,vds_post,pss_post,m6_date,vds_6m,pss_6m,m12_date
N01,androgenetic,vertex,,,,,,,,,,
S01,androgenetic,vertex;hairline,2026-02-26,,,,,,,,,
S02,scarring,scar,2025-12-01,2025-12-08,,,,,,,,
F01,androgenetic,mid_scalp,2026-02-15,2026-02-22,2026-02-27,,,,,,,
F02,androgenetic,vertex,2025-08-20,2025-08-27,2025-09-03,2025-09-03,9.0,3,,,,
F03,scarring,scar,2025-08-02,2025-08-09,2025-08-16,,,,,,,
C01,androgenetic,frontal,2025-01-01,2025-01-08,2025-01-15,2025-01-15,9.1,3,2025-07-16,8.4,3,2026-01-14
";

fn smplan(dir: &Path, today: &str, args: &[&str]) -> Output {
    cli_common::run(dir, today, args)
}

fn registry() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("patients.csv");
    std::fs::write(&csv, CSV).unwrap();
    let data = dir.path().join("data");
    let out = smplan(&data, "2026-03-01", &["import", csv.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "import failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

fn agenda_json(data: &Path, today: &str, args: &[&str]) -> Value {
    let mut all = vec!["agenda", "--json"];
    all.extend_from_slice(args);
    let out = smplan(data, today, &all);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("stdout is one JSON document")
}

fn item(date: &str, id: &str, kind: &str, label: &str, ws: &str, we: &str, overdue: bool) -> Value {
    json!({"date": date, "record_id": id, "kind": kind, "label": label,
           "window_start": ws, "window_end": we, "overdue": overdue})
}

#[test]
fn agenda_json_follows_the_contract() {
    let dir = registry();
    let data = dir.path().join("data");
    let got = agenda_json(&data, "2026-03-01", &[]);
    let want = json!([
        item(
            "2025-08-16",
            "F03",
            "follow_up",
            "follow-up post",
            "2025-08-16",
            "2025-08-23",
            true
        ),
        item(
            "2025-12-15",
            "S02",
            "session",
            "session 3",
            "2025-12-15",
            "2025-12-22",
            true
        ),
        item(
            "2026-02-14",
            "F03",
            "follow_up",
            "follow-up 6m",
            "2026-01-31",
            "2026-02-28",
            true
        ),
        item(
            "2026-02-27",
            "F01",
            "follow_up",
            "follow-up post",
            "2026-02-27",
            "2026-03-06",
            false
        ),
        item(
            "2026-03-04",
            "F02",
            "follow_up",
            "follow-up 6m",
            "2026-02-18",
            "2026-03-18",
            false
        ),
        item(
            "2026-03-05",
            "S01",
            "session",
            "session 2",
            "2026-03-05",
            "2026-03-12",
            false
        ),
    ]);
    assert_eq!(got, want);
}

#[test]
fn from_and_days_move_the_range() {
    let dir = registry();
    let data = dir.path().join("data");
    // Four days from 03-01: S01's session 2 (due 03-05) is left out; open windows stay.
    let got = agenda_json(&data, "2026-03-01", &["--days", "4"]);
    let ids: Vec<&str> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["record_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["F03", "S02", "F03", "F01", "F02"]);
    // --from wins over today: on 2026-03-20 F01's post window has closed and F02's 6m too.
    let got = agenda_json(
        &data,
        "2026-03-01",
        &["--from", "2026-03-20", "--days", "1"],
    );
    let overdue: Vec<(String, bool)> = got
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                format!(
                    "{} {}",
                    i["record_id"].as_str().unwrap(),
                    i["label"].as_str().unwrap()
                ),
                i["overdue"].as_bool().unwrap(),
            )
        })
        .collect();
    assert!(
        overdue.contains(&("F01 follow-up post".into(), true)),
        "{overdue:?}"
    );
    assert!(
        overdue.contains(&("F02 follow-up 6m".into(), true)),
        "{overdue:?}"
    );
    assert!(
        overdue.contains(&("S01 session 2".into(), true)),
        "{overdue:?}"
    );
}

#[test]
fn table_lists_overdue_first() {
    let dir = registry();
    let data = dir.path().join("data");
    let out = smplan(&data, "2026-03-01", &["agenda"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let rows: Vec<&str> = text.lines().skip(3).collect();
    assert_eq!(rows.len(), 6, "{text}");
    assert!(
        rows[..3].iter().all(|r| r.starts_with("! OVERDUE")),
        "{text}"
    );
    assert!(rows[3..].iter().all(|r| !r.contains("OVERDUE")), "{text}");
    assert!(text.starts_with("Agenda from 2026-03-01 to 2026-03-14 (14 days): 6 items, 3 overdue"));
}

/// The due date of a patient's (only) item.
fn due_of<'a>(agenda: &'a Value, record_id: &str) -> &'a Value {
    &agenda
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["record_id"] == record_id)
        .unwrap()["date"]
}

#[test]
fn clinic_protocol_sets_the_interval_and_a_bad_one_is_refused_with_a_warning() {
    let dir = registry();
    let data = dir.path().join("data");
    let mut proto: Value =
        serde_json::from_str(include_str!("../../assets/protocol.json")).unwrap();
    proto["schedule"]["session_interval_days"] = json!(14);
    std::fs::write(data.join("protocol.json"), proto.to_string()).unwrap();
    let got = agenda_json(&data, "2026-03-01", &["--days", "30"]);
    assert_eq!(due_of(&got, "S01"), "2026-03-12");

    proto["schedule"]["session_interval_days"] = json!("weekly");
    std::fs::write(data.join("protocol.json"), proto.to_string()).unwrap();
    let out = smplan(&data, "2026-03-01", &["agenda", "--json"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("schedule.session_interval_days") && err.contains("built-in"),
        "{err}"
    );
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        due_of(&got, "S01"),
        "2026-03-05",
        "the built-in 7-day interval"
    );
}

#[test]
fn bad_from_is_a_usage_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = smplan(
        dir.path(),
        "2026-03-01",
        &["agenda", "--from", "2026-02-30"],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--from"));
}

#[test]
fn an_empty_registry_has_an_empty_agenda() {
    let dir = tempfile::tempdir().unwrap();
    let got = agenda_json(dir.path(), "2026-03-01", &[]);
    assert_eq!(got, json!([]));
}

#[test]
fn import_accepts_the_zones_of_the_clinic_protocol() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let csv = dir.path().join("nape.csv");
    std::fs::write(&csv, "record_id,subtype,zones\nZ01,scarring,nape\n").unwrap();
    let import = || smplan(&data, "2026-03-01", &["import", csv.to_str().unwrap()]);
    let out = import();
    assert_eq!(
        out.status.code(),
        Some(1),
        "the built-in protocol has no nape zone"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("nape"));

    let mut proto: Value =
        serde_json::from_str(include_str!("../../assets/protocol.json")).unwrap();
    let mut nape = proto["zones"]["items"][8].clone();
    nape["id"] = json!("nape");
    nape["name"] = json!("nape");
    proto["zones"]["items"].as_array_mut().unwrap().push(nape);
    for map in ["androgenetic", "scarring"] {
        proto["needle_by_zone"][map]["nape"] = json!("0601RL");
    }
    proto["depth"]["zones"]["nape"] = json!([0.4, 0.6]);
    std::fs::write(data.join("protocol.json"), proto.to_string()).unwrap();
    let out = import();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
