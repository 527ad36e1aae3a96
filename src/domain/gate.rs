//! The gates on what may be written into a record: a session (screen, clearance, consent), a
//! photograph (photo consent), a follow-up score (the course it follows), and the removal of
//! a session (only the last, with nothing depending on it).
//!
//! One place for these rules: the store applies [`check_change`] to every save and every
//! import, and the UI asks [`session_gate`], [`follow_up_gate`] and [`photo_gate`] before it
//! offers an action, so the reason it shows is the store's. A refusal names what is wrong and
//! what would clear it ([`Blocker`]).
//!
//! Imports keep history: a record that carries no health screen and no treatment consent
//! ([`Patient::is_historical`]) is a historical record (a registry imported for analysis);
//! its sessions are kept with a warning and counted by `smplan check` and the case-series
//! report ([`findings`]). A record that carries either is gated exactly as the UI is.

use super::{ConsentStatus, Patient, ScreenItemDef, ScreenRules, Session, Timepoint, Triage};
use chrono::NaiveDate;
use std::fmt;

/// What the clinic protocol contributes to the gates (`Protocol::safety_rules`).
#[derive(Debug, Clone, PartialEq)]
pub struct SafetyRules {
    pub screen_items: Vec<ScreenItemDef>,
    /// A scar stable for fewer months defers treatment.
    pub min_months_stable: u32,
    /// Sessions in the protocol's course (used when a patient has no plan).
    pub course_sessions: u8,
}

impl SafetyRules {
    pub fn screen(&self) -> ScreenRules<'_> {
        ScreenRules {
            items: &self.screen_items,
            min_months_stable: self.min_months_stable,
        }
    }
}

/// What part of the record a blocker is about (for counting and for the UI to point at).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlockerKind {
    /// The health screen: missing, incomplete, dated after, or deferring treatment.
    Screen,
    /// A physician clearance needed and missing or dated after.
    Clearance,
    /// Consent (treatment or photographs).
    Consent,
    /// The order of the course (follow-ups after sessions, removing only the last session).
    Course,
}

/// One reason something cannot be written, and what would clear it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    pub kind: BlockerKind,
    pub reason: String,
    pub remedy: String,
}

impl fmt::Display for Blocker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}; {}", self.reason, self.remedy)
    }
}

/// Why a write was refused: what it was (`session 2 (2026-05-11)`) and every blocker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub what: String,
    pub blockers: Vec<Blocker>,
}

impl Refusal {
    /// The blockers alone, for a screen that already says what is being recorded.
    pub fn reasons(&self) -> String {
        self.blockers
            .iter()
            .map(|b| b.to_string())
            .collect::<Vec<_>>()
            .join("; also ")
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} cannot be recorded: ", self.what)?;
        for (i, b) in self.blockers.iter().enumerate() {
            if i > 0 {
                f.write_str("; also ")?;
            }
            write!(f, "{b}")?;
        }
        Ok(())
    }
}

fn blocker(kind: BlockerKind, reason: impl Into<String>, remedy: impl Into<String>) -> Blocker {
    Blocker {
        kind,
        reason: reason.into(),
        remedy: remedy.into(),
    }
}

fn refused(what: String, blockers: Vec<Blocker>) -> Result<(), Refusal> {
    if blockers.is_empty() {
        Ok(())
    } else {
        Err(Refusal { what, blockers })
    }
}

/// `a, b, c and 4 more`.
fn some_of(items: &[String], shown: usize) -> String {
    if items.len() <= shown {
        return items.join(", ");
    }
    format!(
        "{} and {} more",
        items[..shown].join(", "),
        items.len() - shown
    )
}

impl Patient {
    /// A record with no health screen (no date, no answers), no clearance and no treatment
    /// consent recorded: historical data, whose sessions an import keeps with a warning.
    /// Data-use and photo consent do not count: a research CSV carries `data_use_consent`
    /// without being a clinical record.
    pub fn is_historical(&self) -> bool {
        self.screen.date.is_none()
            && self.screen.answers.is_empty()
            && self.clearance.is_none()
            && !self.consent.treatment.is_recorded()
    }

    /// Sessions in this patient's course: the plan's, else the protocol's.
    pub fn course_length(&self, rules: &SafetyRules) -> u8 {
        self.plan
            .as_ref()
            .map(|p| p.session_dates.len())
            .filter(|n| *n > 0)
            .and_then(|n| u8::try_from(n).ok())
            .unwrap_or(rules.course_sessions)
            .max(1)
    }

    /// Whether the last session of the course is recorded.
    pub fn course_complete(&self, rules: &SafetyRules) -> bool {
        self.session(self.course_length(rules)).is_some()
    }
}

/// The screen, clearance and consent blockers of a session dated `date` (empty: allowed).
fn session_blockers(p: &Patient, date: NaiveDate, rules: &SafetyRules) -> Vec<Blocker> {
    use BlockerKind::*;
    let mut out = Vec::new();
    let t = p.triage(rules.screen());
    match t.triage {
        Triage::NotScreened => out.push(blocker(
            Screen,
            "no health screen is recorded",
            "answer the health screen and enter its date",
        )),
        Triage::ScreenIncomplete => out.push(blocker(
            Screen,
            format!(
                "the health screen is incomplete ({} not asked: {})",
                t.not_asked.len(),
                some_of(&t.not_asked, 3)
            ),
            "answer every item (\"no\" is an answer)",
        )),
        Triage::Defer => out.push(blocker(
            Screen,
            format!("treatment is deferred ({})", t.defer_reasons.join(", ")),
            "record the session once these have passed and the health screen is updated",
        )),
        Triage::ClearanceNeeded => {
            match p.clearance.as_ref().filter(|c| !c.by.trim().is_empty()) {
                None => out.push(blocker(
                    Clearance,
                    format!(
                        "physician clearance is needed ({})",
                        t.clearance_reasons.join(", ")
                    ),
                    "record who cleared the patient and when",
                )),
                Some(c) if c.date > date => out.push(blocker(
                    Clearance,
                    format!(
                        "the clearance is dated {}, after the session ({date})",
                        c.date
                    ),
                    "a session needs the clearance on or before its day; correct the date that is wrong",
                )),
                Some(_) => {}
            }
        }
        Triage::Clear => {}
    }
    if let Some(sd) = p.screen.date
        && sd > date
    {
        out.push(blocker(
            Screen,
            format!("the health screen is dated {sd}, after the session ({date})"),
            "a session needs a screen on or before its day; correct the date that is wrong",
        ));
    }
    let c = p.consent.treatment;
    match (c.status, c.date) {
        (ConsentStatus::NotRecorded, _) => out.push(blocker(
            Consent,
            "consent to treatment is not recorded",
            "record the patient's consent to treatment with its date",
        )),
        (ConsentStatus::Refused, d) => out.push(blocker(
            Consent,
            match d {
                Some(d) => format!("consent to treatment was refused or withdrawn ({d})"),
                None => "consent to treatment was refused or withdrawn".into(),
            },
            "record a new consent to treatment, with its date, if the patient gives it",
        )),
        (ConsentStatus::Given, None) => out.push(blocker(
            Consent,
            "consent to treatment has no date",
            "enter the date the consent was given",
        )),
        (ConsentStatus::Given, Some(d)) if d > date => out.push(blocker(
            Consent,
            format!("consent to treatment is dated {d}, after the session ({date})"),
            "consent must be given on or before the session day; correct the date that is wrong",
        )),
        (ConsentStatus::Given, Some(_)) => {}
    }
    out
}

/// May a session dated `date` be recorded for this patient? Refused unless the health screen
/// is complete and dated on or before `date` and does not defer, a needed clearance is
/// recorded and dated on or before `date`, and treatment consent is given and dated on or
/// before `date`. Every blocker is named with what would clear it.
pub fn session_gate(p: &Patient, date: NaiveDate, rules: &SafetyRules) -> Result<(), Refusal> {
    refused(
        format!("a session on {date}"),
        session_blockers(p, date, rules),
    )
}

fn follow_up_blockers(p: &Patient, tp: Timepoint, rules: &SafetyRules) -> Vec<Blocker> {
    let last = p.course_length(rules);
    let done = p.sessions_done();
    match tp {
        Timepoint::Post if !p.course_complete(rules) => vec![blocker(
            BlockerKind::Course,
            format!(
                "the course is not finished ({done} of {last} sessions recorded); a post score is taken after session {last}"
            ),
            format!("record session {last} first"),
        )],
        Timepoint::Months(m)
            if !p.course_complete(rules)
                && p.follow_up(Timepoint::Post).and_then(|f| f.date).is_none() =>
        {
            vec![blocker(
                BlockerKind::Course,
                format!(
                    "the {m}-month follow-up counts from the post visit or the last session, and neither is recorded ({done} of {last} sessions)"
                ),
                format!("record session {last} (or the post visit's date) first"),
            )]
        }
        _ => Vec::new(),
    }
}

/// May the follow-up at `tp` carry a date or scores? A post score needs the last planned
/// session recorded; a later one needs the post visit's date or the last session.
pub fn follow_up_gate(p: &Patient, tp: Timepoint, rules: &SafetyRules) -> Result<(), Refusal> {
    refused(
        format!("the {} follow-up", tp.label()),
        follow_up_blockers(p, tp, rules),
    )
}

fn photo_blockers(p: &Patient) -> Vec<Blocker> {
    let c = p.consent.photographs;
    match c.status {
        ConsentStatus::Given => Vec::new(),
        ConsentStatus::NotRecorded => vec![blocker(
            BlockerKind::Consent,
            "consent to photographs is not recorded",
            "record the patient's consent to photographs with its date",
        )],
        ConsentStatus::Refused => vec![blocker(
            BlockerKind::Consent,
            "the patient refused or withdrew consent to photographs",
            "record a new consent to photographs, with its date, if the patient gives it",
        )],
    }
}

/// May photographs be attached to this patient's record? Only with photo consent given.
pub fn photo_gate(p: &Patient) -> Result<(), Refusal> {
    refused("a photograph".into(), photo_blockers(p))
}

/// What keeps the last session `n` from being un-recorded from `p` (empty: it may go).
fn unrecord_blockers(p: &Patient, n: u8) -> Vec<Blocker> {
    let mut out = Vec::new();
    // A touch-up comes after the course: without its last session it would follow nothing.
    if let Some(t) = p.touch_ups.first() {
        out.push(blocker(
            BlockerKind::Course,
            format!(
                "{} touch-up(s) are recorded after the course (the first on {})",
                p.touch_ups.len(),
                t.date()
            ),
            "remove the touch-ups first",
        ));
    }
    for f in &p.follow_ups {
        if f.date.is_some() || f.vds.is_some() || f.pss.is_some() {
            out.push(blocker(
                BlockerKind::Course,
                format!(
                    "the {} follow-up is recorded and counts from the sessions",
                    f.timepoint.label()
                ),
                "clear its date and scores first",
            ));
        }
    }
    for (i, a) in p.adverse_events.iter().enumerate() {
        if a.session == Some(n) {
            out.push(blocker(
                BlockerKind::Course,
                format!(
                    "adverse event {} ({}) is attached to session {n}",
                    i + 1,
                    a.kind.label()
                ),
                "attach it to another session or remove it first",
            ));
        }
    }
    out
}

impl Patient {
    /// The number of the session [`Patient::unrecord_last_session`] would remove, or why it
    /// cannot (for the UI's key bar and confirmation).
    pub fn can_unrecord_last_session(&self) -> Result<u8, String> {
        let Some(n) = self.sessions.iter().map(|s| s.number).max() else {
            return Err("no session is recorded".into());
        };
        let b = unrecord_blockers(self, n);
        match b.is_empty() {
            true => Ok(n),
            false => Err(Refusal {
                what: format!("un-recording session {n}"),
                blockers: b,
            }
            .to_string()
            .replacen("cannot be recorded", "is refused", 1)),
        }
    }

    /// Removes the last recorded session (only the last, so numbering keeps no gap) and
    /// returns it. Refused while a follow-up or an adverse event depends on it. The save
    /// that follows is audited as the removal of `sessions[N]` with the whole session.
    pub fn unrecord_last_session(&mut self) -> Result<Session, String> {
        let n = self.can_unrecord_last_session()?;
        let i = self
            .sessions
            .iter()
            .position(|s| s.number == n)
            .ok_or_else(|| format!("session {n} is not recorded"))?;
        Ok(self.sessions.remove(i))
    }
}

/// How a write reached the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A practitioner recording (the UI): every rule broken is a refusal.
    Record,
    /// An import: historical records are kept with warnings; follow-up timing is a warning.
    Import,
}

/// The outcome of [`check_change`]: refusals (nothing may be written) and warnings (written,
/// and said).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeCheck {
    pub refusals: Vec<Refusal>,
    pub warnings: Vec<String>,
}

impl ChangeCheck {
    pub fn is_refused(&self) -> bool {
        !self.refusals.is_empty()
    }
}

fn has_content(f: &super::FollowUp) -> bool {
    f.date.is_some() || f.vds.is_some() || f.pss.is_some()
}

/// The whole check of one write, `old` (`None`: a new patient) to `new`.
///
/// - Every session that is new or whose date changed passes [`session_gate`].
/// - Every photograph path not in `old` passes [`photo_gate`].
/// - Every follow-up whose date or scores changed, and that has any, passes
///   [`follow_up_gate`] (on import: a warning, since historical courses sometimes ended
///   early).
/// - When recording, a removed session must be the last one, alone, with nothing depending on
///   it (see [`Patient::unrecord_last_session`]).
///
/// On import, a historical record ([`Patient::is_historical`]) has its sessions and
/// photographs kept with a warning instead of refused.
pub fn check_change(
    old: Option<&Patient>,
    new: &Patient,
    rules: &SafetyRules,
    mode: Mode,
) -> ChangeCheck {
    let mut out = ChangeCheck::default();
    let historical = mode == Mode::Import && new.is_historical();
    let old_session = |n: u8| old.and_then(|o| o.session(n));
    let mut sessions: Vec<&Session> = new.sessions.iter().collect();
    sessions.sort_by_key(|s| s.number);
    let mut unscreened = Vec::new();
    for s in &sessions {
        let what = format!("session {} ({})", s.number, s.date);
        if old_session(s.number).map(|o| o.date) != Some(s.date) {
            let b = session_blockers(new, s.date, rules);
            if !b.is_empty() {
                match historical {
                    true => unscreened.push(s.number.to_string()),
                    false => out.refusals.push(Refusal {
                        what: what.clone(),
                        blockers: b,
                    }),
                }
            }
        }
        let before: &[String] = old_session(s.number).map_or(&[], |o| &o.photos);
        if s.photos.iter().any(|ph| !before.contains(ph)) {
            let b = photo_blockers(new);
            if !b.is_empty() {
                match historical {
                    true => out.warnings.push(format!(
                        "photographs of session {} kept without a recorded photo consent (historical record)",
                        s.number
                    )),
                    false => out.refusals.push(Refusal {
                        what: format!("photographs of {what}"),
                        blockers: b,
                    }),
                }
            }
        }
    }
    // Touch-ups are treatment too: each new one (by date; they are numbered by date) passes
    // the same gate, and their photographs the photo gate.
    let old_touch =
        |date: NaiveDate| old.and_then(|o| o.touch_ups.iter().find(|t| t.date() == date));
    for t in &new.touch_ups {
        let what = format!("the touch-up of {}", t.date());
        let before = old_touch(t.date());
        if before.is_none() {
            let b = session_blockers(new, t.date(), rules);
            if !b.is_empty() {
                match historical {
                    true => unscreened.push(format!("touch-up {}", t.date())),
                    false => out.refusals.push(Refusal {
                        what: what.clone(),
                        blockers: b,
                    }),
                }
            }
        }
        let had: &[String] = before.map_or(&[], |o| &o.session.photos);
        if t.session.photos.iter().any(|ph| !had.contains(ph)) {
            let b = photo_blockers(new);
            if !b.is_empty() {
                match historical {
                    true => out.warnings.push(format!(
                        "photographs of {what} kept without a recorded photo consent (historical record)"
                    )),
                    false => out.refusals.push(Refusal {
                        what: format!("photographs of {what}"),
                        blockers: b,
                    }),
                }
            }
        }
    }
    if !unscreened.is_empty() {
        out.warnings.push(format!(
            "treated without a recorded screen / consent: session {} kept as a historical record (no health screen and no treatment consent recorded)",
            unscreened.join(", ")
        ));
    }
    // Removed sessions (recording only: an import's --update says what it replaces).
    let removed: Vec<u8> = old
        .map(|o| {
            o.sessions
                .iter()
                .map(|s| s.number)
                .filter(|n| new.session(*n).is_none())
                .collect()
        })
        .unwrap_or_default();
    if mode == Mode::Record && !removed.is_empty() {
        let last_old = old
            .and_then(|o| o.sessions.iter().map(|s| s.number).max())
            .unwrap_or(0);
        let mut b = Vec::new();
        if removed.len() > 1 || removed[0] != last_old {
            b.push(blocker(
                BlockerKind::Course,
                format!("only the last recorded session (session {last_old}) can be un-recorded"),
                "un-record sessions one at a time, the last first",
            ));
        } else {
            b.extend(unrecord_blockers(new, removed[0]));
        }
        if !b.is_empty() {
            out.refusals.push(Refusal {
                what: format!(
                    "removing session {}",
                    some_of(
                        &removed.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
                        3
                    )
                ),
                blockers: b,
            });
        }
    }
    for f in &new.follow_ups {
        let before = old.and_then(|o| o.follow_up(f.timepoint));
        let changed = before.map(|b| (b.date, b.vds, b.pss)) != Some((f.date, f.vds, f.pss));
        if !changed || !has_content(f) {
            continue;
        }
        let b = follow_up_blockers(new, f.timepoint, rules);
        if b.is_empty() {
            continue;
        }
        match mode {
            Mode::Record => out.refusals.push(Refusal {
                what: format!("the {} follow-up", f.timepoint.label()),
                blockers: b,
            }),
            Mode::Import => out.warnings.push(format!(
                "{} follow-up kept although the course is not finished (post score before the course ended): {}",
                f.timepoint.id(),
                b[0].reason
            )),
        }
    }
    out
}

/// Whether a follow-up (post or later) is recorded while the course it follows is not
/// finished: historical courses that ended early, kept on import. Works on summaries (the
/// statistics count these).
pub fn post_before_course_end(p: &Patient, rules: &SafetyRules) -> bool {
    p.follow_ups
        .iter()
        .filter(|f| has_content(f))
        .any(|f| !follow_up_blockers(p, f.timepoint, rules).is_empty())
}

/// What `smplan check` and the case-series report count about a record as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Sessions recorded while the screen on record does not allow them (none, incomplete,
    /// dated after, deferring, or a clearance missing): the first reason.
    TreatedWithoutScreen(String),
    /// Sessions recorded without treatment consent given and dated on or before them.
    TreatedWithoutConsent(String),
    /// A post (or later) follow-up recorded while the course is not finished.
    PostBeforeCourseEnded(String),
}

impl Finding {
    /// The heading under which `check` and the reports count it.
    pub fn heading(&self) -> &'static str {
        match self {
            Finding::TreatedWithoutScreen(_) => "treated without a recorded screen",
            Finding::TreatedWithoutConsent(_) => "treated without a recorded consent",
            Finding::PostBeforeCourseEnded(_) => "post score before the course ended",
        }
    }
    pub fn detail(&self) -> &str {
        match self {
            Finding::TreatedWithoutScreen(s)
            | Finding::TreatedWithoutConsent(s)
            | Finding::PostBeforeCourseEnded(s) => s,
        }
    }
}

/// The findings of one record: each session and touch-up checked against the gate as of its
/// own date (a consent withdrawn after a session does not count against it), and the
/// follow-ups against the course. Needs the whole record (a summary carries no
/// treatment consent).
pub fn findings(p: &Patient, rules: &SafetyRules) -> Vec<Finding> {
    let mut screen = None;
    let mut consent = None;
    let treated = p
        .sessions
        .iter()
        .map(|s| (format!("session {}", s.number), s.date))
        .chain(
            p.touch_ups
                .iter()
                .map(|t| (format!("touch-up {}", t.date()), t.date())),
        );
    // A refusal dated after a session is a withdrawal: that session was done under the
    // consent withdrawn later (the audit log holds it), not without one.
    let withdrawn_after = |date: NaiveDate| {
        let c = p.consent.treatment;
        c.status == ConsentStatus::Refused && c.date.is_some_and(|d| d > date)
    };
    for (what, date) in treated {
        for b in session_blockers(p, date, rules) {
            if b.kind == BlockerKind::Consent && withdrawn_after(date) {
                continue;
            }
            let slot = match b.kind {
                BlockerKind::Consent => &mut consent,
                _ => &mut screen,
            };
            if slot.is_none() {
                *slot = Some(format!("{what}: {}", b.reason));
            }
        }
    }
    let mut out = Vec::new();
    out.extend(screen.map(Finding::TreatedWithoutScreen));
    out.extend(consent.map(Finding::TreatedWithoutConsent));
    if post_before_course_end(p, rules)
        && let Some(f) = p
            .follow_ups
            .iter()
            .filter(|f| has_content(f))
            .find(|f| !follow_up_blockers(p, f.timepoint, rules).is_empty())
    {
        out.push(Finding::PostBeforeCourseEnded(format!(
            "{} follow-up recorded with {} of {} sessions",
            f.timepoint.id(),
            p.sessions_done(),
            p.course_length(rules)
        )));
    }
    out
}

#[cfg(test)]
mod tests;
