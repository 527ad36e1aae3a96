//! Scheduling from the protocol: session dates, spacing warnings, follow-up windows, and
//! the agenda of what is due (the "Agenda JSON" contract).
//!
//! Everything takes "today" (or `--from`) as a value; nothing here reads the clock.

use super::Protocol;
use crate::domain::{FollowUp, Patient, Timepoint, Triage};
use chrono::{Days, NaiveDate};
use serde::Serialize;

fn add_days(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_days(Days::new(u64::from(n)))
        .unwrap_or(NaiveDate::MAX)
}

fn sub_days(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_sub_days(Days::new(u64::from(n)))
        .unwrap_or(NaiveDate::MIN)
}

/// Planned session dates from a start date at the protocol interval.
pub fn session_dates(start: NaiveDate, protocol: &Protocol) -> Vec<NaiveDate> {
    (0..protocol.session_count() as u32)
        .map(|i| {
            add_days(
                start,
                i.saturating_mul(protocol.schedule.session_interval_days),
            )
        })
        .collect()
}

/// Sets a plan's start date and fills its session dates at the protocol interval. Dates
/// the practitioner already set for later sessions are replaced: moving the start moves the
/// whole series, as booking a new first appointment does.
pub fn schedule_plan(plan: &mut crate::domain::Plan, start: NaiveDate, protocol: &Protocol) {
    plan.start_date = Some(start);
    plan.session_dates = session_dates(start, protocol)
        .into_iter()
        .map(Some)
        .collect();
}

/// Warnings (never refusals) for sessions closer together than the protocol interval, or
/// out of order. `dates[i]` is session i + 1; `None` = not yet recorded or planned.
pub fn spacing_warnings(dates: &[Option<NaiveDate>], protocol: &Protocol) -> Vec<String> {
    let interval = i64::from(protocol.schedule.session_interval_days);
    let mut out = Vec::new();
    let mut prev: Option<(usize, NaiveDate)> = None;
    for (i, d) in dates.iter().enumerate() {
        let Some(d) = *d else { continue };
        if let Some((j, p)) = prev {
            let gap = (d - p).num_days();
            if gap < 0 {
                out.push(format!(
                    "session {} ({d}) is before session {} ({p})",
                    i + 1,
                    j + 1
                ));
            } else if gap < interval {
                out.push(format!(
                    "session {} is {gap} days after session {}, closer than the protocol's {interval}-day interval",
                    i + 1,
                    j + 1
                ));
            }
        }
        prev = Some((i, d));
    }
    out
}

/// Spacing warnings for the sessions a patient has had (see [`spacing_warnings`]).
pub fn patient_spacing_warnings(patient: &Patient, protocol: &Protocol) -> Vec<String> {
    let last = patient.sessions.iter().map(|s| s.number).max().unwrap_or(0);
    let dates: Vec<Option<NaiveDate>> = (1..=last).map(|n| patient.session_date(n)).collect();
    spacing_warnings(&dates, protocol)
}

/// A due date with the window around it (both ends included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub due: NaiveDate,
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Window {
    pub fn contains(&self, d: NaiveDate) -> bool {
        self.start <= d && d <= self.end
    }
}

/// When the next session (`number`, 1-based) is due: the protocol interval after the previous
/// recorded session. Session 1 has no previous session: it is due on the plan's date, if any.
pub fn session_window(patient: &Patient, protocol: &Protocol, number: u8) -> Option<Window> {
    let s = &protocol.schedule;
    let due = if number <= 1 {
        patient
            .plan
            .as_ref()
            .and_then(|p| p.session_dates.first().copied().flatten().or(p.start_date))?
    } else {
        add_days(patient.session_date(number - 1)?, s.session_interval_days)
    };
    Some(Window {
        due,
        start: due,
        end: add_days(due, s.session_window_days),
    })
}

/// The date of the last session of the protocol (the third by default), once recorded:
/// follow-ups count from it.
pub fn last_protocol_session(patient: &Patient, protocol: &Protocol) -> Option<NaiveDate> {
    let n = u8::try_from(protocol.session_count()).ok()?;
    patient.session_date(n)
}

/// The follow-up window at `tp`, once the last session is recorded.
pub fn follow_up_window(patient: &Patient, protocol: &Protocol, tp: Timepoint) -> Option<Window> {
    let def = protocol.follow_up_def(tp)?;
    let last = last_protocol_session(patient, protocol)?;
    let due = add_days(last, def.days_after_last_session);
    Some(Window {
        due,
        start: sub_days(due, def.window_before_days),
        end: add_days(due, def.window_after_days),
    })
}

/// The touch-up review: `touch_up_review.days_after` after the course's last session or the
/// latest touch-up, whichever is later, with its window. `None` without the course's last
/// session or when the protocol has no review.
pub fn touch_up_review_window(patient: &Patient, protocol: &Protocol) -> Option<Window> {
    let def = protocol.schedule.touch_up_review?;
    let last = last_protocol_session(patient, protocol)?;
    let anchor = patient
        .touch_ups
        .iter()
        .map(|t| t.date())
        .fold(last, NaiveDate::max);
    let due = add_days(anchor, def.days_after);
    Some(Window {
        due,
        start: sub_days(due, def.window_before_days),
        end: add_days(due, def.window_after_days),
    })
}

/// A review is done at any visit from its window's start on: a follow-up dated then (the
/// practitioner sees the pigment) or a touch-up (which moves the next review on). It is not
/// listed on its own when a protocol follow-up falls due inside its window: the review is
/// made at that visit (the default 12-month follow-up and the first review coincide).
pub fn touch_up_review_done(patient: &Patient, protocol: &Protocol, w: &Window) -> bool {
    let visited = patient
        .follow_ups
        .iter()
        .filter_map(|f| f.date)
        .chain(patient.touch_ups.iter().map(|t| t.date()))
        .any(|d| d >= w.start);
    let at_a_follow_up = protocol.schedule.follow_ups.iter().any(|def| {
        follow_up_window(patient, protocol, def.timepoint).is_some_and(|f| w.contains(f.due))
    });
    visited || at_a_follow_up
}

/// Scored (VDS or PSS) after the last session, not scored at six months, and the six-month
/// window has not closed by `today`: a missing 6-month score that is not a loss to follow-up
/// yet. A patient whose window cannot be computed (the last session is not recorded) is not
/// waiting.
pub fn awaiting_6m(patient: &Patient, protocol: &Protocol, today: NaiveDate) -> bool {
    let scored = |tp| patient.vds_at(tp).is_some() || patient.pss_at(tp).is_some();
    scored(Timepoint::Post)
        && !scored(Timepoint::M6)
        && follow_up_window(patient, protocol, Timepoint::M6).is_some_and(|w| w.end >= today)
}

/// A follow-up counts as done once it has a date or a score.
pub fn follow_up_recorded(f: &FollowUp) -> bool {
    f.date.is_some() || f.vds.is_some() || f.pss.is_some()
}

/// Follow-ups recorded outside their window: flagged for the practitioner and the analyst,
/// never refused.
pub fn out_of_window(patient: &Patient, protocol: &Protocol) -> Vec<String> {
    let mut out = Vec::new();
    for f in &patient.follow_ups {
        let (Some(date), Some(w)) = (f.date, follow_up_window(patient, protocol, f.timepoint))
        else {
            continue;
        };
        if !w.contains(date) {
            let days = (date - w.due).num_days();
            out.push(format!(
                "follow-up {} on {date} is outside its window {} to {} ({}{days} days from the due date {})",
                f.timepoint.id(),
                w.start,
                w.end,
                if days > 0 { "+" } else { "" },
                w.due
            ));
        }
    }
    out
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AgendaKind {
    Session,
    FollowUp,
    /// A touch-up review: whether the pigment needs refreshing (protocol
    /// `schedule.touch_up_review`).
    TouchUp,
}

/// One line of the agenda, serialised exactly as the "Agenda JSON" contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgendaItem {
    /// The due date.
    pub date: NaiveDate,
    pub record_id: String,
    pub kind: AgendaKind,
    /// `session 2`, `follow-up post`, `follow-up 6m`.
    pub label: String,
    pub window_start: NaiveDate,
    pub window_end: NaiveDate,
    /// The window ended before the reference date and nothing was recorded.
    pub overdue: bool,
    /// Set by [`agenda`]: a session the health screen holds back (deferred, awaiting a clearance, screen
    /// incomplete or not done): due by the schedule, but it cannot be recorded until that is
    /// settled, so the agenda says so instead of listing it as if it could go ahead. Not in
    /// the JSON, whose shape the contract fixes (its readers see the triage in the exports).
    #[serde(skip)]
    pub held: Option<Triage>,
}

impl AgendaItem {
    fn new(patient: &Patient, kind: AgendaKind, label: String, w: Window, from: NaiveDate) -> Self {
        AgendaItem {
            date: w.due,
            record_id: patient.record_id.clone(),
            kind,
            label,
            window_start: w.start,
            window_end: w.end,
            overdue: w.end < from,
            held: None,
        }
    }
}

/// Every item of this patient not yet recorded whose due date is known, with `overdue`
/// judged on `from`. At most one session is pending (the one after the last recorded); the
/// follow-ups are pending once the last session is recorded.
pub fn pending(patient: &Patient, protocol: &Protocol, from: NaiveDate) -> Vec<AgendaItem> {
    let mut items = Vec::new();
    let n = protocol.session_count();
    // The first session of the protocol not yet recorded.
    if let Some(next) = (1..=n as u8).find(|k| patient.session(*k).is_none())
        && let Some(w) = session_window(patient, protocol, next)
    {
        items.push(AgendaItem::new(
            patient,
            AgendaKind::Session,
            format!("session {next}"),
            w,
            from,
        ));
    }
    for def in &protocol.schedule.follow_ups {
        if patient
            .follow_up(def.timepoint)
            .is_some_and(follow_up_recorded)
        {
            continue;
        }
        if let Some(w) = follow_up_window(patient, protocol, def.timepoint) {
            items.push(AgendaItem::new(
                patient,
                AgendaKind::FollowUp,
                format!("follow-up {}", def.timepoint.id()),
                w,
                from,
            ));
        }
    }
    if let Some(w) = touch_up_review_window(patient, protocol)
        && !touch_up_review_done(patient, protocol, &w)
    {
        items.push(AgendaItem::new(
            patient,
            AgendaKind::TouchUp,
            "touch-up review".to_string(),
            w,
            from,
        ));
    }
    items
}

/// What is due from `from` for `days` days, plus everything overdue, as the contract says:
/// an unrecorded item is listed when it is overdue, when its due date falls in
/// `[from, from + days)`, or when its window is open on `from`. Sorted by date, then
/// record_id.
pub fn agenda<'a>(
    patients: impl IntoIterator<Item = &'a Patient>,
    protocol: &Protocol,
    from: NaiveDate,
    days: u32,
) -> Vec<AgendaItem> {
    let until = add_days(from, days);
    let mut out: Vec<AgendaItem> = patients
        .into_iter()
        .flat_map(|p| {
            pending(p, protocol, from)
                .into_iter()
                .filter(|it| {
                    it.overdue
                        || (from <= it.date && it.date < until)
                        || (it.window_start <= from && from <= it.window_end)
                })
                // Only the sessions listed pay for the triage (the patient list's next due
                // item, from `pending`, does not need it).
                .map(move |mut it| {
                    if it.kind == AgendaKind::Session {
                        let t = p.triage(protocol.screen_rules()).triage;
                        it.held = (t != Triage::Clear).then_some(t);
                    }
                    it
                })
        })
        .collect();
    out.sort_by(|a, b| {
        (a.date, &a.record_id, a.kind, &a.label).cmp(&(b.date, &b.record_id, b.kind, &b.label))
    });
    out
}

/// The patient's next unrecorded item (earliest due), for the patient list.
pub fn next_due(patient: &Patient, protocol: &Protocol, today: NaiveDate) -> Option<AgendaItem> {
    pending(patient, protocol, today)
        .into_iter()
        .min_by_key(|it| it.date)
}
