//! The store applies the gates of `domain::gate` to every save and import.

use super::*;
use crate::domain::{ConsentPart, Session, Subtype, Timepoint, Vds};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

fn d(days_ago: u64) -> NaiveDate {
    today() - chrono::Days::new(days_ago)
}

fn writer(dir: &Path) -> Registry {
    Registry::open(dir, OpenOptions::new(true, "ana", today())).unwrap()
}

fn treatable(id: &str) -> Patient {
    let mut p = Patient::new(id, Subtype::Androgenetic);
    p.screen.date = Some(d(30));
    p.screen
        .answer_remaining(crate::protocol::Protocol::builtin().screen_items(), false);
    p.consent.treatment = ConsentPart::given(d(30));
    p
}

fn files(dir: &Path) -> Vec<String> {
    let mut v: Vec<_> = fs::read_dir(dir.join(PATIENTS_DIR))
        .map(|r| {
            r.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

#[test]
fn a_session_for_an_unscreened_patient_is_refused_and_nothing_is_written() {
    let t = tempfile::tempdir().unwrap();
    let mut r = writer(t.path());
    // The eight-key path of issue 12: a new patient and a session at once.
    let mut p = Patient::new("P-1", Subtype::Androgenetic);
    p.sessions.push(Session::new(1, today()));
    let e = r.save(p.clone()).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, StoreError::Refused { .. }), "{text}");
    assert!(
        text.starts_with(&format!(
            "patient P-1 was not saved: session 1 ({}) cannot be recorded: no health screen is recorded",
            today()
        )),
        "{text}"
    );
    assert!(
        text.contains("consent to treatment is not recorded"),
        "{text}"
    );
    assert!(files(t.path()).is_empty());
    assert!(!t.path().join(AUDIT_FILE).exists());
    // Saved first without the session, then the session: refused just the same.
    p.sessions.clear();
    r.save(p.clone()).unwrap();
    p.sessions.push(Session::new(1, today()));
    assert!(r.save(p.clone()).is_err());
    assert_eq!(r.load("P-1").unwrap().sessions.len(), 0);
    // Screened and consented: saved.
    let mut q = treatable("P-1");
    q.sessions.push(Session::new(1, today()));
    r.save(q).unwrap();
    assert_eq!(r.load("P-1").unwrap().sessions.len(), 1);
}

#[test]
fn a_photograph_without_photo_consent_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let mut r = writer(t.path());
    let mut p = treatable("P-1");
    p.sessions.push(Session::new(1, d(1)));
    r.save(p.clone()).unwrap();
    p.sessions[0].photos.push("photos/front.jpg".into());
    let e = r.save(p.clone()).unwrap_err().to_string();
    assert!(
        e.contains("photographs of session 1")
            && e.contains("consent to photographs is not recorded"),
        "{e}"
    );
    p.consent.photographs = ConsentPart::given(d(30));
    r.save(p).unwrap();
}

#[test]
fn a_post_score_before_the_last_session_is_refused() {
    let t = tempfile::tempdir().unwrap();
    let mut r = writer(t.path());
    let mut p = treatable("P-1");
    p.sessions.push(Session::new(1, d(1)));
    p.follow_up_mut(Timepoint::Post).vds = Some(Vds::new(8.0).unwrap());
    let e = r.save(p).unwrap_err().to_string();
    assert!(e.contains("the post follow-up cannot be recorded: the course is not finished (1 of 3 sessions recorded)"), "{e}");
}

#[test]
fn imports_keep_historical_records_and_gate_the_others() {
    let t = tempfile::tempdir().unwrap();
    let mut r = writer(t.path());
    let mut hist = Patient::new("H-1", Subtype::Scarring);
    hist.sessions.push(Session::new(1, d(400)));
    let mut gated = Patient::new("G-1", Subtype::Androgenetic);
    gated.screen.date = Some(d(500));
    gated.sessions.push(Session::new(1, d(400)));
    let e = r
        .import_batch(vec![hist.clone(), gated], false)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("patient G-1 was not saved") && e.contains("not asked"),
        "{e}"
    );
    assert!(files(t.path()).is_empty(), "all or nothing");
    r.import_batch(vec![hist], false).unwrap();
    assert_eq!(files(t.path()), vec!["H-1.json"]);
}

#[test]
fn only_the_last_session_is_unrecorded_and_the_audit_says_so() {
    let t = tempfile::tempdir().unwrap();
    let mut r = writer(t.path());
    let mut p = treatable("P-1");
    for n in 1..=3u8 {
        p.sessions.push(Session::new(n, d(u64::from(30 - 7 * n))));
    }
    r.save(p.clone()).unwrap();
    // Two at once (no gap, so valid as a record) is refused: one at a time, the last first.
    let mut two = p.clone();
    two.sessions.truncate(1);
    let e = r.save(two).unwrap_err().to_string();
    assert!(
        e.contains("only the last recorded session (session 3)"),
        "{e}"
    );
    let mut q = p.clone();
    let gone = q.unrecord_last_session().unwrap();
    r.save(q).unwrap();
    let audit = fs::read_to_string(t.path().join(AUDIT_FILE)).unwrap();
    let last: AuditEntry = serde_json::from_str(audit.lines().last().unwrap()).unwrap();
    assert_eq!(last.field, "sessions[3]");
    assert_eq!(last.old, serde_json::to_value(&gone).unwrap());
    assert!(last.new.is_null());
    assert_eq!(r.load("P-1").unwrap().sessions.len(), 2);
}

#[test]
fn summaries_from_the_index_carry_the_consent() {
    let t = tempfile::tempdir().unwrap();
    let mut r = writer(t.path());
    let mut p = treatable("P-1");
    p.consent.data_use = ConsentPart::refused(d(3));
    r.save(p.clone()).unwrap();
    drop(r);
    let o = OpenOptions {
        summaries: true,
        ..OpenOptions::new(false, "ana", today())
    };
    let r = Registry::open(t.path(), o).unwrap();
    let s = r.get("P-1").unwrap();
    assert!(s.summary_only);
    assert_eq!(s.consent.data_use, p.consent.data_use);
    let index = fs::read_to_string(t.path().join(index::INDEX_FILE)).unwrap();
    assert!(index.starts_with("{\"smplan_index\":4}\n"), "{index}");
}

#[test]
fn an_index_of_the_format_before_is_not_trusted() {
    let t = tempfile::tempdir().unwrap();
    let mut r = writer(t.path());
    let mut p = treatable("P-1");
    p.consent.data_use = ConsentPart::refused(d(3));
    r.save(p.clone()).unwrap();
    drop(r);
    // The same line under the old header, without the consent: an older smplan's index.
    let path = t.path().join(index::INDEX_FILE);
    let text = fs::read_to_string(&path).unwrap();
    let (_, lines) = text.split_once('\n').unwrap();
    let old_lines: Vec<String> = lines
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("du");
            v.to_string()
        })
        .collect();
    fs::write(
        &path,
        format!("{{\"smplan_index\":2}}\n{}\n", old_lines.join("\n")),
    )
    .unwrap();
    let o = OpenOptions {
        summaries: true,
        ..OpenOptions::new(false, "ana", today())
    };
    let r = Registry::open(t.path(), o).unwrap();
    assert_eq!(
        r.get("P-1").unwrap().consent.data_use,
        ConsentPart::refused(d(3))
    );
}

#[test]
fn files_of_schema_1_load_with_their_consent_read_honestly() {
    let t = tempfile::tempdir().unwrap();
    fs::create_dir_all(t.path().join(PATIENTS_DIR)).unwrap();
    fs::write(
        t.path().join(PATIENTS_DIR).join("OLD-1.json"),
        r#"{"schema_version": 1, "record_id": "OLD-1", "alopecia": {"subtype": "scarring"},
            "consent": {"treatment": true, "photographs": false, "data_use": false, "date": "2025-01-06"}}"#,
    )
    .unwrap();
    let r = writer(t.path());
    assert!(r.report().is_clean(), "{:?}", r.report());
    let p = r.get("OLD-1").unwrap();
    assert_eq!(p.schema_version, 1);
    let day = NaiveDate::from_ymd_opt(2025, 1, 6).unwrap();
    assert_eq!(p.consent.treatment, ConsentPart::given(day));
    assert_eq!(p.consent.data_use, ConsentPart::refused(day));
}
