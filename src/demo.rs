//! The living demo: `smplan --demo` builds its registry relative to today, so every screen
//! has something to show on the day a newcomer opens it.
//!
//! - The ten completed patients modelled on the published series (`assets/demo/`, see
//!   `examples/demo_cohort.rs`), every date of each record moved by the same number of days
//!   so that the earliest of them reaches its 12-month follow-up this week. Scores and every
//!   interval are unchanged, so their statistics are the bundled cohort's (the README sets
//!   them beside the published figures).
//! - Nine patients in course, dated from today: sessions due this week, one overdue, a post
//!   follow-up due and one overdue, one patient deferred by the health screen, one awaiting a
//!   physician's clearance, and one new patient nobody has screened yet. None has a score, so
//!   the statistics stay those of the ten.
//! - Four touch-ups among the ten, after their 6-month visit (three of the four scarring
//!   patients, one androgenetic), so that the touch-up-free curves and the log-rank test have
//!   something to show. A touch-up changes no VDS or PSS, so the series figures stay as they
//!   are.
//!
//! Every demo patient has a complete, dated health screen and consent, except where the point
//! is that they do not (the deferred, the one awaiting clearance, the new one).

use crate::domain::{
    AffectedZone, AgaStage, Classification, Consent, Fitzpatrick, HairColour, NorwoodStage,
    Patient, Plan, ScarCause, ScarDetails, Session, Sex, Subtype, Texture, Timepoint, TouchUp,
    TouchUpReason, ZoneWork,
};
use crate::protocol::{Protocol, generate_plan, schedule};
use chrono::{Days, NaiveDate};

/// The session `k` (0-based) of a plan as the demo records it: the plan's work per zone as a
/// practitioner writes it, no bleeding, the plan's shade, a pigment lot and its expiry.
pub fn performed_session(
    plan: &Plan,
    k: usize,
    day: NaiveDate,
    lot: &str,
    expiry: NaiveDate,
) -> Session {
    let mut s = Session::new(u8::try_from(k + 1).unwrap_or(u8::MAX), day);
    s.operator = Some("Dr Liu (demo)".into());
    s.zones = plan
        .zones
        .iter()
        .map(|z| ZoneWork {
            bleeding: Some(false),
            ..z.planned_work(k).as_written()
        })
        .collect();
    s.pigment_shade = plan
        .zones
        .first()
        .and_then(|z| z.sessions.get(k))
        .map(|p| p.shade.clone());
    s.pigment_lot = Some(format!("{lot}-{:02}", k + 1));
    s.pigment_expiry = Some(expiry);
    s.duration_min = Some(60 + 15 * u32::try_from(plan.zones.len()).unwrap_or(0));
    s
}

/// The ten completed patients with their dates moved to `today`: the earliest last session of
/// the course falls so that its 12-month follow-up (the protocol's, else 365 days) is due in
/// two days.
pub fn series_as_of(series: Vec<Patient>, today: NaiveDate, protocol: &Protocol) -> Vec<Patient> {
    let Some(first_course_end) = series.iter().filter_map(Patient::last_session_date).min() else {
        return series;
    };
    let year = protocol
        .follow_up_def(Timepoint::Months(12))
        .map_or(365, |f| i64::from(f.days_after_last_session));
    let target = today - chrono::Duration::days(year - 2);
    let shift = target - first_course_end;
    series
        .into_iter()
        .map(|mut p| {
            p.map_dates(|d| d + shift);
            p
        })
        .collect()
}

/// The series' touch-ups: record id, days after session 3, reason. Scar tissue "may require
/// more frequent touch-ups" (the seed series), and the two scarring patients who faded most
/// came back first; one androgenetic patient asked for one.
const SERIES_TOUCH_UPS: [(&str, i64, TouchUpReason); 4] = [
    ("DEMO-03", 290, TouchUpReason::PatientRequest),
    ("DEMO-07", 250, TouchUpReason::PatchyRetention),
    ("DEMO-09", 205, TouchUpReason::Fading),
    ("DEMO-10", 196, TouchUpReason::PatchyRetention),
];

/// `p` with its touch-up from [`SERIES_TOUCH_UPS`], if it has one dated up to `today`: the
/// zones and shade of session 3 again, as a practitioner repeats the course's last pass.
fn with_series_touch_up(mut p: Patient, today: NaiveDate) -> Patient {
    let Some(&(_, after, reason)) = SERIES_TOUCH_UPS.iter().find(|t| t.0 == p.record_id) else {
        return p;
    };
    let Some(s3) = p.sessions.iter().find(|s| s.number == 3).cloned() else {
        return p;
    };
    let day = s3.date + chrono::Duration::days(after);
    if day > today {
        return p;
    }
    let mut t = TouchUp::new(1, day);
    t.reason = Some(reason);
    t.session = Session {
        number: 1,
        date: day,
        pigment_lot: Some(format!("TU-{}", day.format("%y%m"))),
        pigment_expiry: Some(day + Days::new(540)),
        notes: None,
        photos: Vec::new(),
        ..s3
    };
    p.touch_ups.push(t);
    p
}

/// Where one patient in course stands today.
#[derive(Debug, Clone, Copy)]
enum Stage {
    /// Sessions done `ago` days before today, one per protocol interval, ending with the
    /// last entry (`done` of them).
    Sessions { done: u8, last_ago: u64 },
    /// Screened, waiting for session 1 in `in_days`.
    Waiting { in_days: u64 },
    /// Registered today, nothing else.
    New,
}

#[derive(Debug, Clone, Copy)]
enum Screen {
    Clear,
    /// A defer item answered yes.
    Defer(&'static str),
    /// A clearance item answered yes, no clearance recorded yet.
    AwaitingClearance(&'static str),
}

struct InCourse {
    name: &'static str,
    sex: Sex,
    born: &'static str,
    fitzpatrick: u8,
    hair: HairColour,
    class: Classification,
    scar: Option<(u32, Texture)>,
    zones: &'static [(&'static str, f64)],
    expectations: &'static str,
    screen: Screen,
    stage: Stage,
}

fn norwood(n: NorwoodStage) -> Classification {
    Classification::Aga(AgaStage::Norwood(n))
}

fn in_course() -> Vec<InCourse> {
    use HairColour::*;
    vec![
        // Session 2 due today.
        InCourse {
            name: "赵磊",
            sex: Sex::M,
            born: "1985-05-12",
            fitzpatrick: 3,
            hair: Black,
            class: norwood(NorwoodStage::IV),
            scar: None,
            zones: &[("hairline", 18.0), ("frontal", 36.0)],
            expectations: "a hairline that frames the face again",
            screen: Screen::Clear,
            stage: Stage::Sessions {
                done: 1,
                last_ago: 7,
            },
        },
        // Session 3 due (window open this week).
        InCourse {
            name: "钱芳",
            sex: Sex::F,
            born: "1979-10-03",
            fitzpatrick: 4,
            hair: DarkBrown,
            class: Classification::Aga(AgaStage::Ludwig(2)),
            scar: None,
            zones: &[("mid_scalp", 45.0)],
            expectations: "less scalp showing through the parting",
            screen: Screen::Clear,
            stage: Stage::Sessions {
                done: 2,
                last_ago: 4,
            },
        },
        // Session 2 overdue: the window closed days ago.
        InCourse {
            name: "孙浩",
            sex: Sex::M,
            born: "1990-01-22",
            fitzpatrick: 4,
            hair: Black,
            class: norwood(NorwoodStage::V),
            scar: None,
            zones: &[("hairline", 20.0), ("frontal", 40.0), ("vertex", 45.0)],
            expectations: "front and crown evened out",
            screen: Screen::Clear,
            stage: Stage::Sessions {
                done: 1,
                last_ago: 24,
            },
        },
        // Course finished two days ago: the post follow-up is due.
        InCourse {
            name: "李静",
            sex: Sex::F,
            born: "1988-08-15",
            fitzpatrick: 3,
            hair: Black,
            class: Classification::Scar(ScarCause::Trauma),
            scar: Some((30, Texture::Flat)),
            zones: &[("scar", 9.0)],
            expectations: "the scar above the ear no longer catches the eye",
            screen: Screen::Clear,
            stage: Stage::Sessions {
                done: 3,
                last_ago: 2,
            },
        },
        // Course finished twelve days ago, no post visit: overdue.
        InCourse {
            name: "周伟",
            sex: Sex::M,
            born: "1975-12-01",
            fitzpatrick: 4,
            hair: Black,
            class: norwood(NorwoodStage::VI),
            scar: None,
            zones: &[("frontal", 45.0), ("mid_scalp", 60.0), ("vertex", 50.0)],
            expectations: "a close-cropped look over the whole top",
            screen: Screen::Clear,
            stage: Stage::Sessions {
                done: 3,
                last_ago: 12,
            },
        },
        // Screened and consented, session 1 in three days.
        InCourse {
            name: "吴敏",
            sex: Sex::M,
            born: "1993-04-09",
            fitzpatrick: 3,
            hair: Black,
            class: Classification::Scar(ScarCause::FutStrip),
            scar: Some((40, Texture::Flat)),
            zones: &[("scar", 11.0), ("occipital", 30.0)],
            expectations: "the strip scar hidden under a short cut",
            screen: Screen::Clear,
            stage: Stage::Waiting { in_days: 3 },
        },
        // Deferred: sunburn on the scalp. Session 1 planned, refused until it has healed.
        InCourse {
            name: "郑洋",
            sex: Sex::M,
            born: "1987-07-30",
            fitzpatrick: 2,
            hair: MediumBrown,
            class: norwood(NorwoodStage::III),
            scar: None,
            zones: &[("temporal_left", 12.0), ("temporal_right", 12.0)],
            expectations: "temples filled in",
            screen: Screen::Defer("sunburn_wounds"),
            stage: Stage::Waiting { in_days: 2 },
        },
        // Awaiting clearance: on anticoagulants, no physician's sign-off yet.
        InCourse {
            name: "王秀英",
            sex: Sex::F,
            born: "1968-02-18",
            fitzpatrick: 3,
            hair: GreyWhite,
            class: Classification::Aga(AgaStage::Ludwig(3)),
            scar: None,
            zones: &[("frontal", 40.0), ("mid_scalp", 50.0)],
            expectations: "density on top without looking painted",
            screen: Screen::AwaitingClearance("anticoagulants"),
            stage: Stage::Waiting { in_days: 5 },
        },
        // Registered today: nothing screened, no consent, no plan.
        InCourse {
            name: "冯刚",
            sex: Sex::M,
            born: "1982-11-11",
            fitzpatrick: 4,
            hair: Black,
            class: norwood(NorwoodStage::IVa),
            scar: None,
            zones: &[("hairline", 18.0), ("frontal", 35.0)],
            expectations: "to know what is possible",
            screen: Screen::Clear,
            stage: Stage::New,
        },
    ]
}

fn in_course_patient(
    id: String,
    s: &InCourse,
    today: NaiveDate,
    protocol: &Protocol,
) -> Result<Patient, String> {
    let date = |t: &str| crate::domain::validate::parse_date(t);
    let subtype = match s.scar {
        Some(_) => Subtype::Scarring,
        None => Subtype::Androgenetic,
    };
    let mut p = Patient::new(id, subtype);
    p.name = Some(s.name.into());
    p.sex = Some(s.sex);
    p.birth_date = Some(date(s.born)?);
    p.fitzpatrick = Some(Fitzpatrick::new(s.fitzpatrick)?);
    p.hair_colour = Some(s.hair);
    p.alopecia.classification = Some(s.class.clone());
    p.alopecia.scar = s.scar.map(|(months, texture)| ScarDetails {
        activity: None,
        months_stable: Some(months),
        texture: Some(texture),
    });
    p.zones = s
        .zones
        .iter()
        .map(|(z, a)| AffectedZone {
            zone: z.to_string(),
            area_cm2: Some(*a),
        })
        .collect();
    p.expectations = Some(s.expectations.into());
    let interval = u64::from(protocol.schedule.session_interval_days);
    let start = match s.stage {
        Stage::New => return Ok(p),
        Stage::Waiting { in_days } => today + Days::new(in_days),
        Stage::Sessions { done, last_ago } => {
            today - Days::new(last_ago + interval * u64::from(done.saturating_sub(1)))
        }
    };
    // The intake: screened and consented a fortnight before session 1 (or today, when that
    // is later: nothing is dated in the future).
    let intake = (start - Days::new(14)).min(today);
    p.screen.date = Some(intake);
    p.screen.answer_remaining(protocol.screen_items(), false);
    match s.screen {
        Screen::Clear => {}
        Screen::Defer(item) | Screen::AwaitingClearance(item) => {
            p.screen.answers.insert(item.into(), true);
        }
    }
    p.consent = Consent::all_given(intake);
    let (mut plan, warnings) = generate_plan(&p, protocol);
    if !warnings.is_empty() {
        return Err(format!("{}: {}", p.record_id, warnings.join("; ")));
    }
    schedule::schedule_plan(&mut plan, start, protocol);
    if let Stage::Sessions { done, .. } = s.stage {
        for k in 0..usize::from(done) {
            let day = start + Days::new(interval * k as u64);
            let lot = format!("CB-{}", today.format("%y%m"));
            let expiry = today + Days::new(540);
            p.sessions
                .push(performed_session(&plan, k, day, &lot, expiry));
        }
    }
    p.plan = Some(plan);
    Ok(p)
}

/// The whole living demo as of `today`: `series` (the bundled ten) moved to today, then the
/// patients in course (`DEMO-11` on).
pub fn living(
    series: Vec<Patient>,
    today: NaiveDate,
    protocol: &Protocol,
) -> Result<Vec<Patient>, String> {
    let mut out: Vec<Patient> = series_as_of(series, today, protocol)
        .into_iter()
        .map(|p| with_series_touch_up(p, today))
        .collect();
    let first = out.len() + 1;
    for (i, s) in in_course().iter().enumerate() {
        out.push(in_course_patient(
            format!("DEMO-{:02}", first + i),
            s,
            today,
            protocol,
        )?);
    }
    Ok(out)
}
