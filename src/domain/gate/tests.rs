use super::*;
use crate::domain::{
    AdverseEvent, AdverseKind, Clearance, ConsentPart, FollowUp, Subtype, TriageClass, Vds,
};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn rules() -> SafetyRules {
    SafetyRules {
        screen_items: vec![
            ScreenItemDef {
                id: "scalp_infection".into(),
                label: "active scalp infection".into(),
                class: TriageClass::Defer,
            },
            ScreenItemDef {
                id: "anticoagulants".into(),
                label: "bleeding disorder or anticoagulants".into(),
                class: TriageClass::ClearanceNeeded,
            },
        ],
        min_months_stable: 12,
        course_sessions: 3,
    }
}

/// Screened (every item "no") and consented on 2026-01-05.
fn ready() -> Patient {
    let mut p = Patient::new("P-1", Subtype::Androgenetic);
    p.screen.date = Some(d("2026-01-05"));
    p.screen.answers.insert("scalp_infection".into(), false);
    p.screen.answers.insert("anticoagulants".into(), false);
    p.consent.treatment = ConsentPart::given(d("2026-01-05"));
    p
}

fn reasons(r: Result<(), Refusal>) -> Vec<String> {
    r.err()
        .map(|r| r.blockers.into_iter().map(|b| b.reason).collect())
        .unwrap_or_default()
}

#[test]
fn a_new_patient_cannot_be_treated() {
    let p = Patient::new("P-1", Subtype::Androgenetic);
    let e = session_gate(&p, d("2026-01-10"), &rules()).unwrap_err();
    let text = e.to_string();
    assert!(
        text.starts_with("a session on 2026-01-10 cannot be recorded: "),
        "{text}"
    );
    assert!(
        text.contains("no health screen is recorded; answer the health screen"),
        "{text}"
    );
    assert!(
        text.contains("consent to treatment is not recorded"),
        "{text}"
    );
    assert_eq!(e.blockers.len(), 2);
}

#[test]
fn a_complete_dated_screen_and_consent_allow_a_session() {
    let p = ready();
    assert_eq!(session_gate(&p, d("2026-01-05"), &rules()), Ok(()));
    assert_eq!(session_gate(&p, d("2026-01-12"), &rules()), Ok(()));
}

#[test]
fn the_screen_must_be_complete_and_dated_on_or_before() {
    let mut p = ready();
    p.screen.answers.remove("anticoagulants");
    assert_eq!(
        reasons(session_gate(&p, d("2026-01-12"), &rules())),
        vec!["the health screen is incomplete (1 not asked: bleeding disorder or anticoagulants)"]
    );
    let mut p = ready();
    assert_eq!(
        reasons(session_gate(&p, d("2026-01-04"), &rules())),
        vec![
            "the health screen is dated 2026-01-05, after the session (2026-01-04)",
            "consent to treatment is dated 2026-01-05, after the session (2026-01-04)"
        ]
    );
    p.screen.answers.insert("scalp_infection".into(), true);
    let r = reasons(session_gate(&p, d("2026-01-12"), &rules()));
    assert_eq!(r, vec!["treatment is deferred (active scalp infection)"]);
}

#[test]
fn a_needed_clearance_must_be_recorded_and_dated_on_or_before() {
    let mut p = ready();
    p.screen.answers.insert("anticoagulants".into(), true);
    let e = session_gate(&p, d("2026-01-12"), &rules()).unwrap_err();
    assert_eq!(e.blockers[0].kind, BlockerKind::Clearance);
    assert!(
        e.to_string()
            .contains("record who cleared the patient and when")
    );
    p.clearance = Some(Clearance {
        by: "  ".into(),
        date: d("2026-01-06"),
        note: None,
    });
    assert!(session_gate(&p, d("2026-01-12"), &rules()).is_err());
    p.clearance.as_mut().unwrap().by = "Dr Wang".into();
    assert_eq!(session_gate(&p, d("2026-01-12"), &rules()), Ok(()));
    assert_eq!(
        reasons(session_gate(&p, d("2026-01-05"), &rules())),
        vec!["the clearance is dated 2026-01-06, after the session (2026-01-05)"]
    );
}

#[test]
fn treatment_consent_must_be_given_and_dated() {
    let mut p = ready();
    p.consent.treatment = ConsentPart::refused(d("2026-01-08"));
    assert_eq!(
        reasons(session_gate(&p, d("2026-01-12"), &rules())),
        vec!["consent to treatment was refused or withdrawn (2026-01-08)"]
    );
    p.consent.treatment = ConsentPart {
        status: ConsentStatus::Given,
        date: None,
    };
    assert_eq!(
        reasons(session_gate(&p, d("2026-01-12"), &rules())),
        vec!["consent to treatment has no date"]
    );
    // Photo and data-use consent do not gate a session.
    let mut p = ready();
    p.consent.photographs = ConsentPart::refused(d("2026-01-05"));
    p.consent.data_use = ConsentPart::refused(d("2026-01-05"));
    assert_eq!(session_gate(&p, d("2026-01-12"), &rules()), Ok(()));
}

#[test]
fn photographs_need_photo_consent() {
    let mut p = ready();
    let e = photo_gate(&p).unwrap_err();
    assert!(
        e.to_string()
            .contains("consent to photographs is not recorded")
    );
    p.consent.photographs = ConsentPart::refused(d("2026-01-05"));
    assert!(photo_gate(&p).unwrap_err().to_string().contains("refused"));
    p.consent.photographs = ConsentPart::given(d("2026-01-05"));
    assert_eq!(photo_gate(&p), Ok(()));
}

#[test]
fn follow_ups_wait_for_the_course() {
    let mut p = ready();
    p.sessions.push(Session::new(1, d("2026-01-12")));
    let e = follow_up_gate(&p, Timepoint::Post, &rules()).unwrap_err();
    assert_eq!(
        e.blockers[0].reason,
        "the course is not finished (1 of 3 sessions recorded); a post score is taken after session 3"
    );
    assert_eq!(e.blockers[0].remedy, "record session 3 first");
    assert!(follow_up_gate(&p, Timepoint::M6, &rules()).is_err());
    // A post visit dated (an imported course that ended early) is what 6 months count from.
    p.follow_up_mut(Timepoint::Post).date = Some(d("2026-01-12"));
    assert_eq!(follow_up_gate(&p, Timepoint::M6, &rules()), Ok(()));
    p.follow_ups.clear();
    p.sessions.push(Session::new(2, d("2026-01-19")));
    p.sessions.push(Session::new(3, d("2026-01-26")));
    assert_eq!(follow_up_gate(&p, Timepoint::Post, &rules()), Ok(()));
    assert_eq!(follow_up_gate(&p, Timepoint::M6, &rules()), Ok(()));
    // The plan's own length wins over the protocol's.
    p.plan = Some(crate::domain::Plan {
        start_date: None,
        session_dates: vec![None; 4],
        zones: Vec::new(),
    });
    assert!(follow_up_gate(&p, Timepoint::Post, &rules()).is_err());
}

#[test]
fn recording_checks_only_what_changed() {
    let r = rules();
    let old = Patient::new("P-1", Subtype::Androgenetic);
    // The eight-key path: a new patient with a session. Refused.
    let mut new = old.clone();
    new.sessions.push(Session::new(1, d("2026-01-12")));
    let c = check_change(Some(&old), &new, &r, Mode::Record);
    assert_eq!(c.refusals.len(), 1);
    assert_eq!(c.refusals[0].what, "session 1 (2026-01-12)");
    // Screened and consented: allowed, and so is every later edit.
    let old = ready();
    let mut new = old.clone();
    new.sessions.push(Session::new(1, d("2026-01-12")));
    assert!(!check_change(Some(&old), &new, &r, Mode::Record).is_refused());
    // A session recorded before, in a record whose consent is later withdrawn: editing
    // something else is not refused for it (the session is not new).
    let mut old2 = new.clone();
    old2.consent.treatment = ConsentPart::refused(d("2026-02-01"));
    let mut edit = old2.clone();
    edit.notes = Some("called".into());
    assert!(!check_change(Some(&old2), &edit, &r, Mode::Record).is_refused());
    // Moving that session's date is a new recording of it.
    edit.sessions[0].date = d("2026-01-13");
    assert!(check_change(Some(&old2), &edit, &r, Mode::Record).is_refused());
}

#[test]
fn photographs_are_checked_when_added() {
    let r = rules();
    let mut old = ready();
    old.sessions.push(Session::new(1, d("2026-01-12")));
    let mut new = old.clone();
    new.sessions[0].photos.push("photos/front.jpg".into());
    let c = check_change(Some(&old), &new, &r, Mode::Record);
    assert_eq!(c.refusals.len(), 1);
    assert_eq!(c.refusals[0].what, "photographs of session 1 (2026-01-12)");
    new.consent.photographs = ConsentPart::given(d("2026-01-05"));
    assert!(!check_change(Some(&old), &new, &r, Mode::Record).is_refused());
    // A photograph already on file is not re-checked.
    let mut later = new.clone();
    later.consent.photographs = ConsentPart::refused(d("2026-02-01"));
    let mut edit = later.clone();
    edit.notes = Some("x".into());
    assert!(!check_change(Some(&later), &edit, &r, Mode::Record).is_refused());
}

#[test]
fn follow_up_timing_is_refused_when_recording_and_warned_on_import() {
    let r = rules();
    let mut old = ready();
    old.sessions.push(Session::new(1, d("2026-01-12")));
    let mut new = old.clone();
    new.follow_up_mut(Timepoint::Post).vds = Some(Vds::new(8.5).unwrap());
    let c = check_change(Some(&old), &new, &r, Mode::Record);
    assert_eq!(c.refusals.len(), 1);
    assert_eq!(c.refusals[0].what, "the post follow-up");
    let c = check_change(Some(&old), &new, &r, Mode::Import);
    assert!(!c.is_refused());
    assert_eq!(c.warnings.len(), 1);
    assert!(
        c.warnings[0].contains("post score before the course ended"),
        "{:?}",
        c.warnings
    );
    // An assessor typed on an existing follow-up changes no date or score: not checked.
    let mut edit = new.clone();
    edit.follow_up_mut(Timepoint::Post).assessor = Some("Dr Li".into());
    assert!(!check_change(Some(&new), &edit, &r, Mode::Record).is_refused());
}

#[test]
fn imports_keep_historical_records_and_gate_the_others() {
    let r = rules();
    let mut hist = Patient::new("H-1", Subtype::Scarring);
    hist.sessions.push(Session::new(1, d("2024-01-12")));
    hist.sessions[0].photos.push("p.jpg".into());
    hist.consent.data_use = ConsentPart::given(d("2024-01-01"));
    assert!(hist.is_historical());
    let c = check_change(None, &hist, &r, Mode::Import);
    assert!(!c.is_refused(), "{c:?}");
    assert_eq!(c.warnings.len(), 2, "{:?}", c.warnings);
    assert!(
        c.warnings
            .iter()
            .any(|w| w.contains("treated without a recorded screen / consent"))
    );
    // The same record through the UI is refused.
    assert!(check_change(None, &hist, &r, Mode::Record).is_refused());
    // A record carrying a screen is gated on import as well.
    let mut screened = hist.clone();
    screened.screen.date = Some(d("2024-01-01"));
    assert!(!screened.is_historical());
    let c = check_change(None, &screened, &r, Mode::Import);
    assert!(c.is_refused());
}

#[test]
fn only_the_last_session_can_be_unrecorded() {
    let r = rules();
    let mut p = ready();
    assert!(p.can_unrecord_last_session().is_err());
    for (n, day) in [(1, "2026-01-12"), (2, "2026-01-19"), (3, "2026-01-26")] {
        p.sessions.push(Session::new(n, d(day)));
    }
    assert_eq!(p.can_unrecord_last_session(), Ok(3));
    let mut q = p.clone();
    let s = q.unrecord_last_session().unwrap();
    assert_eq!((s.number, s.date), (3, d("2026-01-26")));
    assert_eq!(q.sessions.len(), 2);
    assert!(!check_change(Some(&p), &q, &r, Mode::Record).is_refused());
    // Removing session 2 of 3 (a gap) or two at once is refused by the store's check.
    let mut gap = p.clone();
    gap.sessions.retain(|s| s.number != 2);
    let c = check_change(Some(&p), &gap, &r, Mode::Record);
    assert!(
        c.refusals[0]
            .to_string()
            .contains("only the last recorded session (session 3)")
    );
    let mut two = p.clone();
    two.sessions.truncate(1);
    assert!(check_change(Some(&p), &two, &r, Mode::Record).is_refused());
    // Something depending on it keeps it.
    let mut dep = p.clone();
    dep.follow_up_mut(Timepoint::Post).vds = Some(Vds::new(9.0).unwrap());
    let e = dep.can_unrecord_last_session().unwrap_err();
    assert!(e.contains("the post follow-up is recorded"), "{e}");
    assert!(e.contains("clear its date and scores first"), "{e}");
    let mut dep = p.clone();
    let mut ev = AdverseEvent::new(AdverseKind::Infection);
    ev.session = Some(3);
    dep.adverse_events.push(ev);
    let e = dep.unrecord_last_session().unwrap_err();
    assert!(
        e.contains("adverse event 1 (infection) is attached to session 3"),
        "{e}"
    );
    assert_eq!(dep.sessions.len(), 3);
    // And the store's check refuses the same removal done by hand.
    let mut by_hand = dep.clone();
    by_hand.sessions.pop();
    assert!(check_change(Some(&dep), &by_hand, &r, Mode::Record).is_refused());
    // A touch-up after the course keeps its last session.
    let mut tu = p.clone();
    tu.add_touch_up(crate::domain::TouchUp::new(1, d("2026-09-01")));
    let e = tu.can_unrecord_last_session().unwrap_err();
    assert!(
        e.contains("1 touch-up(s) are recorded after the course (the first on 2026-09-01)")
            && e.contains("remove the touch-ups first"),
        "{e}"
    );
    let mut by_hand = tu.clone();
    by_hand.sessions.pop();
    assert!(check_change(Some(&tu), &by_hand, &r, Mode::Record).is_refused());
}

#[test]
fn findings_count_treatment_without_screen_consent_or_course() {
    let r = rules();
    let mut p = Patient::new("H-1", Subtype::Androgenetic);
    p.sessions.push(Session::new(1, d("2024-01-12")));
    let f = findings(&p, &r);
    assert_eq!(f.len(), 2);
    assert_eq!(f[0].heading(), "treated without a recorded screen");
    assert_eq!(f[0].detail(), "session 1: no health screen is recorded");
    assert_eq!(f[1].heading(), "treated without a recorded consent");
    p.follow_ups.push(FollowUp {
        vds: Some(Vds::new(8.0).unwrap()),
        ..FollowUp::new(Timepoint::Post)
    });
    let f = findings(&p, &r);
    assert_eq!(f[2].heading(), "post score before the course ended");
    assert_eq!(
        f[2].detail(),
        "post follow-up recorded with 1 of 3 sessions"
    );
    // A patient treated by the book has none, and a summary says the same.
    let mut ok = ready();
    for (n, day) in [(1, "2026-01-12"), (2, "2026-01-19"), (3, "2026-01-26")] {
        ok.sessions.push(Session::new(n, d(day)));
    }
    ok.follow_up_mut(Timepoint::Post).vds = Some(Vds::new(9.0).unwrap());
    assert!(findings(&ok, &r).is_empty());
}

#[test]
fn touch_ups_pass_the_same_gates() {
    use crate::domain::TouchUp;
    let r = rules();
    let mut old = ready();
    for (n, day) in [(1, "2026-01-12"), (2, "2026-01-19"), (3, "2026-01-26")] {
        old.sessions.push(Session::new(n, d(day)));
    }
    let mut new = old.clone();
    new.add_touch_up(TouchUp::new(1, d("2026-09-01")));
    assert!(!check_change(Some(&old), &new, &r, Mode::Record).is_refused());
    // Consent withdrawn before it: refused, named by its date.
    let mut withdrawn = new.clone();
    withdrawn.consent.treatment = ConsentPart::refused(d("2026-08-01"));
    let c = check_change(Some(&old), &withdrawn, &r, Mode::Record);
    assert_eq!(c.refusals.len(), 1, "{c:?}");
    assert_eq!(c.refusals[0].what, "the touch-up of 2026-09-01");
    // A photograph on it needs photo consent.
    let mut photo = new.clone();
    photo.touch_ups[0].session.photos.push("tu.jpg".into());
    let c = check_change(Some(&new), &photo, &r, Mode::Record);
    assert_eq!(
        c.refusals[0].what,
        "photographs of the touch-up of 2026-09-01"
    );
    // And findings count a touch-up given without consent.
    let f = findings(&withdrawn, &r);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(
        f[0].detail(),
        "touch-up 2026-09-01: consent to treatment was refused or withdrawn (2026-08-01)"
    );
}
