//! The application state and the one place it changes: [`App::update`].
//!
//! Key presses become [`Action`]s through the key map; `update` applies an action to the
//! state. Drawing only reads the state (see `ui.rs`), so a test can drive the whole UI with
//! keys and look at the result without a terminal.

use super::data::PatientStore;
use super::keymap::{self, Context};
use super::screens::agenda::{AgendaOutcome, AgendaView};
use super::screens::followup::FollowUpTab;
use super::screens::form::{RecordTab, TabCtx};
use super::screens::intake::{Commit, IntakeForm};
use super::screens::new_patient::NewPatientForm;
use super::screens::patients::PatientList;
use super::screens::plan::PlanView;
use super::screens::sessions::SessionsTab;
use super::screens::stats::StatsView;
use super::theme::Theme;
use crate::domain::{Patient, ValidationContext};
use crate::protocol::Protocol;
use chrono::NaiveDate;
use crossterm::event::{Event, KeyEvent, KeyEventKind};
use tui_input::InputRequest;

/// Smallest window the screens are laid out for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// Everything the user can ask for. Keys map to these through [`keymap`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Back,
    Help,
    Up,
    Down,
    PageUp,
    PageDown,
    First,
    Last,
    Open,
    NewPatient,
    StartSearch,
    CycleFilter,
    CycleSort,
    ReverseSort,
    NextField,
    PrevField,
    Toggle,
    Accept,
    Cancel,
    Clear,
    /// A key typed into the text field being edited.
    Edit(InputRequest),
    /// Sideways within a tab (the previous / next cell or session).
    Left,
    Right,
    /// The next / previous tab of the patient's workspace.
    NextTab,
    PrevTab,
    /// Plan tab: the session shown on the map (`Session(n)` is 1-based).
    PrevSession,
    NextSession,
    Session(u8),
    /// Plan tab: map and dot preview instead of the table on a narrow window.
    ToggleMap,
    AddZone,
    RemoveZone,
    /// Put the focused plan cell back to the protocol's value.
    Revert,
    /// Generate the plan from the protocol (when there is none).
    Generate,
    /// Regenerate from the protocol, keeping the values set by hand.
    Regenerate,
    Resize(u16, u16),
    /// Add an item to the tab (an adverse event, a follow-up timepoint).
    Add,
    /// The statistics screen, from anywhere.
    Statistics,
    /// The agenda screen, from anywhere.
    Agenda,
    /// Agenda: a longer / shorter range.
    MoreDays,
    FewerDays,
    /// Agenda: the range starts a day earlier / later, or today.
    EarlierFrom,
    LaterFrom,
    FromToday,
    /// Agenda: type the first day of the range.
    EditFrom,
}

/// A screen over the whole body, one key away from anywhere; `Back` returns to where the user
/// was (the list, a patient's tab, even a half-typed field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Global {
    Statistics,
    Agenda,
}

/// How the last thing went, for the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusKind {
    Info,
    Ok,
    Error,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub kind: StatusKind,
    pub text: String,
}

/// The tabs of a patient's workspace. Only tabs that exist are listed; the plan, sessions and
/// follow-up tabs are added here as they are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Intake,
    Plan,
    Sessions,
    FollowUp,
}

impl Tab {
    pub const ALL: [Tab; 4] = [Tab::Intake, Tab::Plan, Tab::Sessions, Tab::FollowUp];
    pub fn title(self) -> &'static str {
        match self {
            Tab::Intake => "Intake",
            Tab::Plan => "Plan",
            Tab::Sessions => "Sessions",
            Tab::FollowUp => "Follow-up",
        }
    }

    /// The tab `delta` steps along, wrapping around.
    pub fn step(self, delta: isize) -> Tab {
        let n = Tab::ALL.len() as isize;
        let i = Tab::ALL.iter().position(|t| *t == self).unwrap_or(0) as isize;
        Tab::ALL[(i + delta).rem_euclid(n) as usize]
    }
}

/// One patient open in the workspace.
#[derive(Debug)]
pub struct Workspace {
    pub record_id: String,
    /// The patient's whole record, read from the store when the workspace opened and
    /// replaced by each save (the list holds summaries only).
    pub patient: Patient,
    pub tab: Tab,
    pub intake: IntakeForm,
    pub plan: PlanView,
    pub sessions: SessionsTab,
    pub followup: FollowUpTab,
}

impl Workspace {
    /// The active tab when it is one of the record tabs built on the shared form.
    pub fn record_tab(&mut self) -> Option<&mut dyn RecordTab> {
        match self.tab {
            Tab::Intake | Tab::Plan => None,
            Tab::Sessions => Some(&mut self.sessions),
            Tab::FollowUp => Some(&mut self.followup),
        }
    }

    fn is_editing(&self) -> bool {
        match self.tab {
            Tab::Intake => self.intake.is_editing(),
            Tab::Plan => self.plan.is_editing(),
            Tab::Sessions => self.sessions.is_editing(),
            Tab::FollowUp => self.followup.is_editing(),
        }
    }
}

pub struct App {
    store: Box<dyn PatientStore>,
    pub protocol: Protocol,
    pub today: NaiveDate,
    pub theme: Theme,
    /// The store's patients as summaries ([`Patient::summary`]), in record-id order,
    /// updated by every save. The patient open in the workspace is held whole there.
    pub patients: Vec<Patient>,
    pub list: PatientList,
    pub new_patient: Option<NewPatientForm>,
    pub workspace: Option<Workspace>,
    /// `Some(context underneath)` while the help overlay is open.
    pub help: Option<Context>,
    pub status: Status,
    /// Last known window size (from drawing or a resize event).
    pub size: (u16, u16),
    pub quit: bool,
    pub read_only: Option<String>,
    pub quarantined: Vec<String>,
    /// The statistics or agenda screen, when shown.
    pub global: Option<Global>,
    pub stats: StatsView,
    pub agenda: AgendaView,
    /// Counts changes to `patients`: screens that derive figures from them (statistics,
    /// agenda) recompute when it moves, and not on every frame.
    pub generation: u64,
    /// Who is using the UI: the default operator of a session and assessor of a follow-up.
    pub operator: String,
}

impl App {
    pub fn new(
        mut store: Box<dyn PatientStore>,
        protocol: Protocol,
        today: NaiveDate,
        theme: Theme,
    ) -> App {
        let mut patients = store.take_patients();
        patients.sort_by(|a, b| a.record_id.cmp(&b.record_id));
        let read_only = store.read_only_reason();
        let quarantined = store.quarantined();
        let status = match &read_only {
            Some(r) => Status {
                kind: StatusKind::Error,
                text: format!("read-only: {r}"),
            },
            None => Status {
                kind: StatusKind::Info,
                text: format!("{} patients in the registry", patients.len()),
            },
        };
        App {
            store,
            protocol,
            today,
            theme,
            patients,
            list: PatientList::default(),
            new_patient: None,
            workspace: None,
            help: None,
            status,
            size: (MIN_WIDTH, MIN_HEIGHT),
            quit: false,
            read_only,
            quarantined,
            global: None,
            stats: StatsView::default(),
            agenda: AgendaView::new(today),
            generation: 0,
            operator: String::new(),
        }
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    /// Where the keyboard is now.
    pub fn context(&self) -> Context {
        if self.too_small() {
            Context::TooSmall
        } else if self.help.is_some() {
            Context::Help
        } else if let Some(g) = self.global {
            match g {
                Global::Statistics => Context::Statistics,
                Global::Agenda => self.agenda.context(),
            }
        } else if self.new_patient.is_some() {
            Context::NewPatient
        } else if let Some(ws) = &self.workspace {
            match ws.tab {
                Tab::Intake => ws.intake.context(),
                Tab::Plan => ws.plan.context(),
                Tab::Sessions => ws.sessions.context(),
                Tab::FollowUp => ws.followup.context(),
            }
        } else if self.list.searching {
            Context::Search
        } else {
            Context::Patients
        }
    }

    /// Turns a terminal event into an action: key presses only (not releases or repeats
    /// reported by some terminals), through the key map, else into the text being edited.
    pub fn action_for(&self, event: &Event) -> Option<Action> {
        match event {
            Event::Key(key) if key.kind == KeyEventKind::Press => self.action_for_key(key),
            Event::Resize(w, h) => Some(Action::Resize(*w, *h)),
            _ => None,
        }
    }

    pub fn action_for_key(&self, key: &KeyEvent) -> Option<Action> {
        let ctx = self.context();
        if let Some(a) = keymap::lookup(ctx, key) {
            return Some(a);
        }
        let typing = match ctx {
            Context::Search | Context::EditText => true,
            Context::NewPatient => self.new_patient.as_ref().is_some_and(|f| f.on_text()),
            // A digit on a record tab starts entering a value (fast score entry).
            Context::Sessions | Context::FollowUp => {
                matches!(key.code, crossterm::event::KeyCode::Char(c) if c.is_ascii_digit())
            }
            _ => false,
        };
        if typing {
            tui_input::backend::crossterm::to_input_request(&Event::Key(*key)).map(Action::Edit)
        } else {
            None
        }
    }

    /// Feeds one terminal event through the key map and `update`.
    pub fn handle_event(&mut self, event: &Event) {
        if let Some(a) = self.action_for(event) {
            self.update(a);
        }
    }

    pub fn set_status(&mut self, kind: StatusKind, text: impl Into<String>) {
        self.status = Status {
            kind,
            text: text.into(),
        };
    }

    /// The one place the state changes.
    pub fn update(&mut self, action: Action) {
        match action {
            Action::Quit => {
                self.quit = true;
                return;
            }
            Action::Resize(w, h) => {
                self.size = (w, h);
                return;
            }
            Action::Statistics | Action::Agenda if !self.too_small() => {
                self.help = None;
                self.global = Some(if action == Action::Statistics {
                    Global::Statistics
                } else {
                    Global::Agenda
                });
                return;
            }
            _ => {}
        }
        if self.global.is_some() && self.help.is_none() && !self.too_small() {
            self.update_global(action);
            return;
        }
        match self.context() {
            Context::TooSmall => {}
            Context::Help => {
                if action == Action::Back {
                    self.help = None;
                }
            }
            Context::NewPatient => self.update_new_patient(action),
            Context::Intake
            | Context::EditText
            | Context::Choose
            | Context::Plan
            | Context::Confirm
            | Context::Sessions
            | Context::FollowUp => self.update_workspace(action),
            Context::Patients | Context::Search => self.update_list(action),
            // Reached through `update_global` above.
            Context::Statistics | Context::Agenda => {}
        }
    }

    fn update_list(&mut self, action: Action) {
        match action {
            Action::Help => self.help = Some(self.context()),
            Action::Back if !self.list.query().is_empty() => self.list.clear_search(),
            Action::Back => self.quit = true,
            Action::NewPatient => {
                if let Some(r) = &self.read_only {
                    let text = format!("cannot add a patient: read-only ({r})");
                    self.set_status(StatusKind::Error, text);
                } else {
                    self.new_patient = Some(NewPatientForm::new(&self.patients));
                }
            }
            Action::Open => {
                let id = self
                    .list
                    .rows(&self.patients, &self.protocol, self.today)
                    .get(self.list.selected)
                    .map(|row| row.record_id.clone());
                if let Some(id) = id {
                    self.open_patient(&id);
                }
            }
            other => {
                let n = self
                    .list
                    .rows(&self.patients, &self.protocol, self.today)
                    .len();
                self.list.update(other, n);
            }
        }
    }

    fn update_global(&mut self, action: Action) {
        let ctx = self.context();
        match (self.global, action) {
            (_, Action::Help) if ctx != Context::EditText => self.help = Some(ctx),
            (Some(Global::Statistics), Action::Back) => self.global = None,
            (Some(Global::Statistics), other) => self.stats.update(other),
            (Some(Global::Agenda), other) => {
                let outcome = self.agenda.update(
                    other,
                    &self.patients,
                    &self.protocol,
                    self.generation,
                    self.today,
                );
                match outcome {
                    AgendaOutcome::Stay => {}
                    AgendaOutcome::Back => self.global = None,
                    AgendaOutcome::Refused(e) => self.set_status(StatusKind::Error, e),
                    AgendaOutcome::Open { record_id, tab } => {
                        self.global = None;
                        self.new_patient = None;
                        self.open_patient(&record_id);
                        if let Some(ws) = self.workspace.as_mut() {
                            ws.tab = tab;
                        }
                    }
                }
            }
            (None, _) => {}
        }
    }

    fn update_new_patient(&mut self, action: Action) {
        let Some(form) = self.new_patient.as_mut() else {
            return;
        };
        match action {
            Action::Cancel => {
                self.new_patient = None;
                self.set_status(StatusKind::Info, "no patient created");
            }
            Action::Accept => match form.build(&self.patients) {
                Err(e) => form.error = Some(e),
                Ok(p) => {
                    let id = p.record_id.clone();
                    match self.store.save(p.clone()) {
                        Ok(()) => {
                            self.new_patient = None;
                            self.remember(p);
                            self.list.clear_search();
                            self.open_patient(&id);
                            self.set_status(StatusKind::Ok, format!("saved new patient {id}"));
                        }
                        Err(e) => {
                            form.error = Some(e.clone());
                            self.set_status(StatusKind::Error, e);
                        }
                    }
                }
            },
            other => form.update(other),
        }
    }

    /// Tab switching, then the active tab.
    fn update_workspace(&mut self, action: Action) {
        let Some(ws) = self.workspace.as_mut() else {
            return;
        };
        if !ws.is_editing() && matches!(action, Action::NextTab | Action::PrevTab) {
            ws.tab = ws.tab.step(if action == Action::NextTab { 1 } else { -1 });
            return;
        }
        match ws.tab {
            Tab::Intake => self.update_intake(action),
            Tab::Plan => self.update_plan(action),
            Tab::Sessions | Tab::FollowUp => self.update_record_tab(action),
        }
    }

    fn update_plan(&mut self, action: Action) {
        let Some(patient) = self.open().cloned() else {
            self.workspace = None;
            return;
        };
        let Some(ws) = self.workspace.as_mut() else {
            return;
        };
        if !ws.plan.is_editing() {
            match action {
                Action::Help => {
                    self.help = Some(self.context());
                    return;
                }
                Action::Back => {
                    self.workspace = None;
                    self.select_in_list(&patient.record_id);
                    return;
                }
                _ => {}
            }
        }
        let read_only = self.read_only.clone();
        let commit = ws
            .plan
            .update(action, &patient, &self.protocol, read_only.as_deref());
        self.apply_commit(commit);
    }

    /// The sessions and follow-up tabs: the tab turns the action into a change, the app saves
    /// it through the store and tells the tab how it went.
    fn update_record_tab(&mut self, action: Action) {
        let Some(patient) = self.open().cloned() else {
            self.workspace = None;
            return;
        };
        let Some(ws) = self.workspace.as_mut() else {
            return;
        };
        let editing = ws.is_editing();
        if action == Action::Help && !editing {
            self.help = Some(self.context());
            return;
        }
        if action == Action::Back && !editing {
            self.workspace = None;
            self.select_in_list(&patient.record_id);
            return;
        }
        let operator = self.operator.clone();
        let c = TabCtx {
            patient: &patient,
            protocol: &self.protocol,
            today: self.today,
            operator: &operator,
            theme: &self.theme,
        };
        let Some(tab) = ws.record_tab() else {
            return;
        };
        match tab.update(action, &c) {
            Commit::Nothing => {}
            Commit::Refused(msg) => self.set_status(StatusKind::Error, msg),
            Commit::Save { patient: q, what } => {
                let result = self.save(*q);
                let Some(saved) = self.open().cloned() else {
                    return;
                };
                let c = TabCtx {
                    patient: &saved,
                    protocol: &self.protocol,
                    today: self.today,
                    operator: &operator,
                    theme: &self.theme,
                };
                let Some(tab) = self.workspace.as_mut().and_then(|w| w.record_tab()) else {
                    return;
                };
                let status = match result {
                    Ok(()) => {
                        tab.saved(&c);
                        (StatusKind::Ok, format!("saved: {what}"))
                    }
                    Err(e) => {
                        tab.refused(e.clone());
                        (StatusKind::Error, format!("not saved: {e}"))
                    }
                };
                self.set_status(status.0, status.1);
            }
        }
    }

    fn update_intake(&mut self, action: Action) {
        let Some(patient) = self.open().cloned() else {
            self.workspace = None;
            return;
        };
        let Some(ws) = self.workspace.as_mut() else {
            return;
        };
        if action == Action::Help && !ws.intake.is_editing() {
            self.help = Some(self.context());
            return;
        }
        if action == Action::Back && !ws.intake.is_editing() {
            self.workspace = None;
            self.select_in_list(&patient.record_id);
            return;
        }
        let commit = ws
            .intake
            .update(action, &patient, &self.protocol, self.today);
        self.apply_commit(commit);
    }

    /// Saves what the active tab asked for, says how it went on the status line and tells the
    /// tab (an accepted save ends its edit; a refused one keeps it, with the reason).
    fn apply_commit(&mut self, commit: Commit) {
        match commit {
            Commit::Nothing => {}
            Commit::Refused(msg) => self.set_status(StatusKind::Error, msg),
            Commit::Save { patient, what } => {
                let result = self.save(*patient);
                let saved = self.open().cloned();
                let Some(ws) = self.workspace.as_mut() else {
                    return;
                };
                match result {
                    Ok(()) => {
                        if let Some(p) = &saved {
                            match ws.tab {
                                Tab::Intake => ws.intake.saved(p, &self.protocol),
                                Tab::Plan => ws.plan.saved(p, &self.protocol),
                                // The record tabs are told through `update_record_tab`.
                                Tab::Sessions | Tab::FollowUp => {}
                            }
                        }
                        self.set_status(StatusKind::Ok, format!("saved: {what}"));
                    }
                    Err(e) => {
                        match ws.tab {
                            Tab::Intake => ws.intake.refused(e.clone()),
                            Tab::Plan => ws.plan.refused(e.clone()),
                            Tab::Sessions | Tab::FollowUp => {}
                        }
                        self.set_status(StatusKind::Error, format!("not saved: {e}"));
                    }
                }
            }
        }
    }

    /// Saves a changed patient through the store, refusing it when it would add a validation
    /// problem the record did not have before (an imported record with an old problem can
    /// still be edited elsewhere).
    fn save(&mut self, patient: Patient) -> Result<(), String> {
        if let Some(r) = &self.read_only {
            return Err(format!("the registry is read-only ({r})"));
        }
        let zones = self.protocol.zone_ids();
        let ctx = ValidationContext {
            today: self.today,
            known_zones: &zones,
        };
        let before = self
            .open()
            .filter(|p| p.record_id == patient.record_id)
            .map(|p| p.validate(&ctx))
            .unwrap_or_default();
        let new_problems: Vec<_> = patient
            .validate(&ctx)
            .into_iter()
            .filter(|i| !before.contains(i))
            .collect();
        if let Some(first) = new_problems.first() {
            return Err(first.message.clone());
        }
        self.store.save(patient.clone())?;
        self.remember(patient);
        Ok(())
    }

    /// Puts a patient the store has just saved into the UI's copy, in record-id order, and
    /// updates its row of the list: a save costs the same whatever the size of the registry.
    /// Moves the generation on, so the statistics and the agenda recompute.
    fn remember(&mut self, patient: Patient) {
        self.generation += 1;
        let patient = match self.workspace.as_mut() {
            Some(ws) if ws.record_id == patient.record_id => {
                let summary = patient.summary();
                ws.patient = patient;
                summary
            }
            _ => patient.summary(),
        };
        let (index, inserted) = match self
            .patients
            .binary_search_by(|p| p.record_id.as_str().cmp(patient.record_id.as_str()))
        {
            Ok(i) => {
                self.patients[i] = patient;
                (i, false)
            }
            Err(i) => {
                self.patients.insert(i, patient);
                (i, true)
            }
        };
        self.list
            .patient_saved(&self.patients, index, inserted, &self.protocol, self.today);
    }

    /// Opens a patient's workspace on the whole record, read from the store.
    pub fn open_patient(&mut self, record_id: &str) {
        let patient = match self.store.load(record_id) {
            Ok(p) => p,
            Err(e) => {
                self.set_status(StatusKind::Error, format!("cannot open {record_id}: {e}"));
                return;
            }
        };
        self.workspace = Some(Workspace {
            patient,
            record_id: record_id.to_string(),
            tab: Tab::Intake,
            intake: IntakeForm::default(),
            plan: PlanView::default(),
            sessions: SessionsTab::default(),
            followup: FollowUpTab::default(),
        });
        self.set_status(StatusKind::Info, format!("opened {record_id}"));
    }

    fn select_in_list(&mut self, record_id: &str) {
        let found = self
            .list
            .rows(&self.patients, &self.protocol, self.today)
            .iter()
            .position(|r| r.record_id == record_id);
        if let Some(i) = found {
            self.list.selected = i;
        }
    }

    /// The patient open in the workspace, whole.
    pub fn open(&self) -> Option<&Patient> {
        self.workspace.as_ref().map(|ws| &ws.patient)
    }
}
