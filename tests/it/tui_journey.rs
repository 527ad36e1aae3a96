//! End to end in a real terminal: the `smplan` binary in a pseudo-terminal (portable-pty,
//! read back through vt100), `NO_COLOR=1` and `SMPLAN_TODAY` fixed.
//!
//! What the statistics and agenda screens show must be what `smplan stats --json` and
//! `smplan agenda --json` say about the same registry: the screen is read cell by cell and
//! every figure is compared with the JSON, formatted by the rules the screen promises
//! (two decimals, n beside every figure, "too few patients" where the JSON has null).

use crate::cli_common;

use crate::pty_common;

use pty_common::*;
use serde_json::Value;
use std::path::Path;

const TODAY: &str = "2026-11-25";

/// Leaves whatever screen is up and quits with Ctrl-C; smplan must exit cleanly.
fn quit(ui: &mut Pty) {
    ui.send(ESC);
    ui.send("\x03");
    let status = ui.wait_exit();
    assert!(status.success(), "{status:?}");
}

fn smplan(data_dir: &Path, args: &[&str]) -> std::process::Output {
    let out = cli_common::command(data_dir, TODAY, args)
        .env("USER", "pty-test")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "smplan {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn json(data_dir: &Path, args: &[&str]) -> Value {
    serde_json::from_slice(&smplan(data_dir, args).stdout).unwrap()
}

// ---- the statistics screen against `stats --json` ----------------------------------------

fn f(v: &Value) -> Option<f64> {
    v.as_f64()
}

/// `<desc>` as the screen shows it.
fn desc(d: &Value) -> String {
    match (f(&d["mean"]), f(&d["sd"])) {
        (None, _) => "too few patients".into(),
        (Some(m), None) => format!("{m:.2} n={}", d["n"]),
        (Some(m), Some(sd)) => format!("{m:.2} ± {sd:.2} n={}", d["n"]),
    }
}

/// A p as the screen (and `smplan stats`) writes it: three significant figures, at least
/// two decimals, or `p < 0.001`.
fn p_is(p: f64) -> String {
    if p < 0.001 {
        "p < 0.001".into()
    } else {
        let decimals = (2.0 - p.log10().floor()).max(2.0) as usize;
        format!("p = {p:.decimals$}")
    }
}

/// A test's p-values in the order the screen promises: at n <= 10 the exact p first with
/// the approximation beside it, each naming its method and "two-sided"; `None` when the
/// JSON has no p.
fn p_values(t: &Value, n: u64) -> Option<String> {
    let p = f(&t["p"])?;
    let method = t["method"].as_str()?;
    Some(match f(&t["p_exact"]) {
        _ if method.starts_with("exact") => format!("{} ({method}, two-sided)", p_is(p)),
        Some(e) if n <= 10 => format!(
            "{} (exact permutation, two-sided); {method} {} (two-sided)",
            p_is(e),
            p_is(p)
        ),
        Some(e) => format!(
            "{} ({method}, two-sided); exact permutation {} (two-sided)",
            p_is(p),
            p_is(e)
        ),
        None => format!("{} ({method}, two-sided)", p_is(p)),
    })
}

/// PSS as the screen shows it: patients at each level, then the median with n.
fn pss_levels(d: &Value) -> String {
    let l: Vec<u64> = (0..4).map(|i| d["levels"][i].as_u64().unwrap()).collect();
    match f(&d["median"]) {
        None => "too few patients".into(),
        Some(_) => format!("0:{} 1:{} 2:{} 3:{}", l[0], l[1], l[2], l[3]),
    }
}

fn pss_median(d: &Value) -> String {
    match f(&d["median"]) {
        None => String::new(),
        Some(m) if m.fract() == 0.0 => format!("{m:.0} n={}", d["n"]),
        Some(m) => format!("{m:.1} n={}", d["n"]),
    }
}

/// Expected (label, cell per group) rows of the retention page, from the JSON alone.
fn expected_rows(stats: &Value) -> Vec<(String, Vec<String>)> {
    let groups = stats["groups"].as_array().unwrap();
    let row = |label: &str, cell: &dyn Fn(&Value) -> String| {
        (label.to_string(), groups.iter().map(cell).collect())
    };
    let very = |g: &Value| {
        let v = &g["very_satisfied_6m"];
        match f(&v["pct"]) {
            Some(pct) => format!("{}/{} ({pct:.0}%)", v["count"], v["of"]),
            None => "too few patients".into(),
        }
    };
    vec![
        row("Patients", &|g| format!("n={}", g["n"])),
        row("VDS post", &|g| desc(&g["vds_post"])),
        row("VDS 6 months", &|g| desc(&g["vds_6m"])),
        row("Fading (post − 6 m)", &|g| desc(&g["delta_vds"])),
        row("PSS post", &|g| pss_levels(&g["pss_post"])),
        row("  median", &|g| pss_median(&g["pss_post"])),
        row("PSS 6 months", &|g| pss_levels(&g["pss_6m"])),
        row("  median", &|g| pss_median(&g["pss_6m"])),
        row("Very satisfied at 6 m", &very),
    ]
}

/// For each group, its name and the texts its row must hold.
type GroupRows = Vec<(String, Vec<String>)>;

/// Expected tests of the retention page, from the JSON alone: (heading, for each group its
/// name and what its row must say: the n and the p-values in the promised order, or why
/// there is none).
fn expected_tests(stats: &Value) -> Vec<(&'static str, GroupRows)> {
    let groups = stats["groups"].as_array().unwrap();
    let tests: [(&str, &str, &str, u64); 4] = [
        (
            "Paired t-test, VDS post against 6 months",
            "paired_t_vds",
            "n",
            2,
        ),
        (
            "Wilcoxon signed-rank, VDS post against 6 months",
            "wilcoxon_vds",
            "n_nonzero",
            1,
        ),
        ("Spearman VDS~PSS post", "spearman_vds_pss_post", "n", 3),
        ("Spearman VDS~PSS 6 m", "spearman_vds_pss_6m", "n", 3),
    ];
    tests
        .iter()
        .map(|&(heading, key, n_key, need)| {
            let rows = groups
                .iter()
                .map(|g| {
                    let t = &g[key];
                    let n = t["n"].as_u64().unwrap();
                    let name = match g["group"].as_str().unwrap() {
                        "all" => "all patients".to_string(),
                        other => other.to_string(),
                    };
                    let mut want = vec![format!("n = {n}:")];
                    match p_values(t, t[n_key].as_u64().unwrap_or(n)) {
                        Some(ps) => want.push(ps),
                        None if n < need => want.push("too few patients".into()),
                        None => want.push("undefined".into()),
                    }
                    (name, want)
                })
                .collect();
            (heading, rows)
        })
        .collect()
}

/// Checks every expected row against the screen: the row's label starts a line, and the
/// line holds the three groups' cells in order; then each test's rows under its heading
/// (a row's text may wrap onto the lines below it).
fn assert_screen_agrees(screen: &str, stats: &Value) {
    let lines: Vec<&str> = screen.lines().collect();
    let mut from = 0;
    for (label, cells) in expected_rows(stats) {
        let i = (from..lines.len())
            .find(|&i| {
                let rest = lines[i].strip_prefix(label.as_str());
                rest.is_some_and(|r| r.starts_with("  ") || r.starts_with(" n") || r.is_empty())
            })
            .unwrap_or_else(|| panic!("row {label:?} not on screen after line {from}:\n{screen}"));
        let mut at = label.len();
        for c in &cells {
            let found = lines[i][at..]
                .find(c.as_str())
                .unwrap_or_else(|| panic!("{label:?}: {c:?} not in {:?}", lines[i]));
            at += found + c.len();
        }
        from = i + 1;
    }
    for (heading, rows) in expected_tests(stats) {
        let h = (from..lines.len())
            .find(|&i| lines[i].starts_with(heading))
            .unwrap_or_else(|| panic!("{heading:?} not on screen after line {from}:\n{screen}"));
        let mut at = h + 1;
        for (group, want) in rows {
            let i = (at..lines.len())
                .find(|&i| lines[i].starts_with(&format!("  {group} ")))
                .unwrap_or_else(|| panic!("{heading}: {group} not on screen:\n{screen}"));
            // The row and the lines it wrapped onto (they start blank under the label).
            let mut text = lines[i].trim_end().to_string();
            for l in &lines[i + 1..] {
                if l.starts_with("          ") && !l.trim().is_empty() {
                    text.push(' ');
                    text.push_str(l.trim());
                } else {
                    break;
                }
            }
            for w in &want {
                assert!(
                    text.contains(w.as_str()),
                    "{heading}, {group}: {w:?} not in {text:?}"
                );
            }
            at = i + 1;
        }
        from = at;
    }
    // The counts line names every patient.
    let n = stats["patients"].as_u64().unwrap();
    let header = format!("{n} patient{}:", if n == 1 { "" } else { "s" });
    assert!(
        screen.contains(&header),
        "{header:?} not on screen:\n{screen}"
    );
}

/// Six patients: four scored at both visits (two per subtype), one between sessions with
/// the second one overdue, one whose post visit is due now.
const SEED_CSV: &str = "\
record_id,subtype,classification,session1_date,session2_date,session3_date,post_date,vds_post,pss_post,m6_date,vds_6m,pss_6m
J-1,androgenetic,Norwood IV,2026-01-05,2026-01-12,2026-01-19,2026-01-19,9.5,3,2026-07-20,8.5,3
J-2,androgenetic,Norwood V,2026-01-06,2026-01-13,2026-01-20,2026-01-20,9,3,2026-07-21,8,2
J-3,scarring,FUT strip scar,2026-01-07,2026-01-14,2026-01-21,2026-01-21,8,2,2026-07-22,6.5,2
J-4,scarring,Burn scar,2026-01-08,2026-01-15,2026-01-22,2026-01-22,8.5,3,2026-07-23,7,1
J-5,androgenetic,Norwood III,2026-11-10,,,,,,,,
J-6,scarring,Trauma scar,2026-11-04,2026-11-11,2026-11-18,,,,,,
";

#[test]
fn statistics_and_agenda_screens_agree_with_the_json_commands() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("registry");
    let csv = dir.path().join("seed.csv");
    std::fs::write(&csv, SEED_CSV).unwrap();
    smplan(&data, &["import", csv.to_str().unwrap()]);
    let stats = json(&data, &["stats", "--json"]);
    assert_eq!(stats["patients"], 6);

    // Tall enough for the whole retention page, its tests included.
    let mut ui = Pty::start_sized(&data, &[], 120, 70);
    ui.wait_for("J-6");
    ui.send(F2);
    let screen = ui.wait_for("Data use");
    assert_screen_agrees(&screen, &stats);
    // The comparison can fail: a wrong count is noticed.
    let mut wrong = stats.clone();
    wrong["groups"][0]["vds_post"]["n"] = 5.into();
    let caught = std::panic::catch_unwind(|| assert_screen_agrees(&screen, &wrong));
    assert!(caught.is_err(), "a changed figure must not agree");

    // The agenda: every item of `agenda --json`, overdue ones marked in words.
    ui.send(F3);
    let screen = ui.wait_for("Agenda 2026-11-25 to 2026-12-08");
    let items = json(&data, &["agenda", "--json"]);
    let items = items.as_array().unwrap();
    assert!(!items.is_empty());
    let rows: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("session") || l.contains("follow-up"))
        .collect();
    assert_eq!(rows.len(), items.len(), "{screen}");
    let overdue = items.iter().filter(|i| i["overdue"] == true).count();
    assert!(overdue > 0, "J-5's second session is overdue");
    for it in items {
        let (id, label, date) = (
            it["record_id"].as_str().unwrap(),
            it["label"].as_str().unwrap(),
            it["date"].as_str().unwrap(),
        );
        let row = rows
            .iter()
            .find(|r| r.contains(id) && r.contains(label) && r.contains(date))
            .unwrap_or_else(|| panic!("{id} {label} {date} not on screen:\n{screen}"));
        assert_eq!(row.starts_with("! OVERDUE"), it["overdue"] == true, "{row}");
    }
    // Overdue rows come first.
    assert!(rows[..overdue].iter().all(|r| r.starts_with("! OVERDUE")));
    quit(&mut ui);
}

/// The whole journey by keyboard on an empty registry: a new patient, the intake, a plan
/// generated from the protocol, three sessions, both follow-ups scored; then the statistics
/// screen counts the patient and agrees with `smplan stats --json`, and a score changed in
/// the same run shows there at once.
#[test]
fn whole_journey_by_keyboard_ends_counted_on_the_statistics_screen() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("registry");
    let mut ui = Pty::start_sized(&data, &[], 120, 70);
    ui.wait_for("No patients in this registry yet");
    ui.send(F2);
    ui.wait_for("0 patients: 0 androgenetic, 0 scarring");
    ui.wait_for("too few patients");
    ui.send(ESC);

    // New patient, then the intake: a name, a zone with its area, the screen date, consent.
    ui.send("n");
    ui.wait_for("New patient");
    ui.send(CTRL_U);
    ui.send("J-1");
    ui.send(ENTER);
    ui.wait_for("saved new patient J-1");
    ui.send(ENTER);
    ui.send("林美");
    ui.send(TAB);
    ui.wait_for("saved: name 林美");
    ui.send(PGDN);
    ui.send(PGDN);
    ui.send(" ");
    ui.wait_for("frontal hairline added");
    ui.send(ENTER);
    ui.send("24.5");
    ui.send(ENTER);
    ui.wait_for("saved: frontal hairline 24.5 cm²");
    ui.send(PGDN);
    ui.send(ENTER);
    ui.send("2026-05-01");
    ui.send(ENTER);
    ui.wait_for("saved: screened on 2026-05-01");
    // Every item answered "no" at once (N), from the first item where the focus moved: a
    // session needs a complete screen, never "clear" for what nobody asked.
    ui.send("N");
    ui.wait_for("(triage: clear)");
    // The focus moved on to the clearance; one section on: the consent.
    ui.send(PGDN);
    ui.send(" ");
    ui.wait_for("consent to treatment given");
    // And the date it was given (a session needs consent dated on or before it).
    for _ in 0..3 {
        ui.send(DOWN);
    }
    ui.send(ENTER);
    ui.send("2026-05-01");
    ui.send(ENTER);
    ui.wait_for("saved: consent date 2026-05-01");

    // Plan: generated from the protocol.
    ui.send("]");
    ui.wait_for("No plan yet");
    ui.send("g");
    ui.wait_for("Scalp map");

    // Three sessions, a week apart, in May.
    ui.send("]");
    ui.wait_for("Record as performed");
    for (i, day) in ["2026-05-04", "2026-05-11", "2026-05-18"]
        .iter()
        .enumerate()
    {
        if i > 0 {
            ui.send(RIGHT);
        }
        ui.send(ENTER);
        ui.send(CTRL_U);
        ui.send(day);
        ui.send(ENTER);
        // Recording asks first, with the date.
        ui.wait_for(&format!("Record session {} as performed on {day}", i + 1));
        ui.send("y");
        ui.wait_for(&format!("session {} recorded", i + 1));
    }

    // Both follow-ups by fast entry: date, VDS, PSS, assessor.
    ui.send("]");
    ui.wait_for("Post-treatment (post)");
    for keys in ["2026-05-18", ENTER, "9.5", ENTER, "3", ENTER, ENTER, ENTER] {
        ui.send(keys);
    }
    ui.wait_for("assessor pty-test");
    // The statistics already count the post scores; the 6-month ones are not there yet.
    ui.send(F2);
    let screen = ui.wait_for("1 patient: 1 androgenetic, 0 scarring");
    let six = screen
        .lines()
        .find(|l| l.starts_with("VDS 6 months"))
        .unwrap();
    assert!(six.contains("too few patients"), "{screen}");
    assert!(screen.contains("9.50 n=1"), "{screen}");
    ui.send(ESC);
    ui.wait_for("Post-treatment (post)");
    for keys in ["2026-11-16", ENTER, "8.5", ENTER, "2", ENTER, ENTER, ENTER] {
        ui.send(keys);
    }
    ui.wait_for("2 — satisfied");

    // The statistics screen counts the new patient, as `stats --json` does, with the
    // six-month score saved a moment ago: no restart.
    ui.send(F2);
    ui.wait_for("8.50 n=1");
    let screen = ui.wait_for("Data use");
    let stats = json(&data, &["stats", "--json"]);
    assert_eq!(stats["patients"], 1);
    assert_eq!(stats["groups"][0]["vds_6m"]["n"], 1);
    assert_screen_agrees(&screen, &stats);
    assert!(
        screen.contains("9.50 n=1") && screen.contains("8.50 n=1"),
        "{screen}"
    );
    assert!(screen.contains("1.00 n=1"), "fading 9.5 − 8.5:\n{screen}");
    assert!(
        screen.contains("1 patient: 1 androgenetic, 0 scarring"),
        "{screen}"
    );
    quit(&mut ui);

    let text = std::fs::read_to_string(data.join("patients").join("J-1.json")).unwrap();
    let p: smplan::domain::Patient = serde_json::from_str(&text).unwrap();
    assert_eq!(p.sessions.len(), 3);
    assert!(p.plan.is_some());
}
