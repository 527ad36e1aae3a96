//! The application state and the one place it changes: [`App::update`].
//!
//! Key presses become [`Action`]s through the commands the screen on top offers now
//! ([`App::commands`], the same list the key bar and `?` help show); `update` applies an action
//! to the state and then fits the visible screen to the window ([`App::settle`]: scroll,
//! selection, caches), so drawing (`ui.rs`) only reads. A test can drive the whole UI with keys
//! and look at the result without a terminal.

use super::command::{self, Command};
use super::data::PatientStore;
use super::keymap as keys;
use super::screens::agenda::{AgendaOutcome, AgendaView};
use super::screens::form::{TabCtx, Typing};
use super::screens::new_patient::NewPatientForm;
use super::screens::patients::PatientList;
use super::screens::stats::StatsView;
use super::screens::workspace;
pub use super::screens::workspace::{Tab, Workspace};
use super::strings::{self, cmd};
use super::theme::Theme;
use super::widgets;
use crate::domain::{Patient, ValidationContext};
use crate::protocol::Protocol;
use chrono::NaiveDate;
use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind};
use ratatui::layout::Rect;
use std::collections::HashMap;
use tui_input::InputRequest;

pub use super::action::{Action, Commit, Status, StatusKind};

/// Smallest window the screens are laid out for.
pub const MIN_WIDTH: u16 = 80;
pub const MIN_HEIGHT: u16 = 24;

/// How many changes of one patient `u` can take back.
const UNDO_DEPTH: usize = 100;

/// A screen over the whole body, one key away from anywhere; `Back` returns to where the user
/// was (the list, a patient's tab, even a half-typed field).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Global {
    Statistics,
    Agenda,
}

/// A change waiting for `y`: what will happen, and the record to save.
#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub question: Vec<String>,
    pub patient: Patient,
    pub what: String,
}

/// One saved change of a patient that `u` can take back: the whole record before it.
#[derive(Debug, Clone)]
struct Undo {
    before: Patient,
    what: String,
}

/// Where the parts of the frame go for a window size (see [`App::frame_areas`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameAreas {
    pub title: Rect,
    pub banner: Rect,
    pub body: Rect,
    pub status: Rect,
    pub keys: Rect,
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
    /// `Some(title of the screen underneath)` while the help overlay is open.
    pub help: Option<String>,
    /// The first line of the help shown (when it is longer than the window).
    pub help_scroll: usize,
    pub status: Status,
    /// Last known window size (from a resize event, or the terminal at start).
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
    /// A change waiting for confirmation.
    pub confirm: Option<Confirm>,
    /// The workspace was opened from the agenda: Back returns there, on the same row.
    pub from_agenda: bool,
    /// Per patient, the records before each change saved since the UI started.
    undo: HashMap<String, Vec<Undo>>,
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
                text: strings::read_only_status(r),
            },
            None => Status {
                kind: StatusKind::Info,
                text: strings::patients_in_registry(patients.len()),
            },
        };
        let mut app = App {
            store,
            protocol,
            today,
            theme,
            patients,
            list: PatientList::default(),
            new_patient: None,
            workspace: None,
            help: None,
            help_scroll: 0,
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
            confirm: None,
            from_agenda: false,
            undo: HashMap::new(),
        };
        app.settle();
        app
    }

    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    fn ctx<'a>(&'a self, ws: &'a Workspace) -> TabCtx<'a> {
        TabCtx {
            patient: &ws.patient,
            protocol: &self.protocol,
            today: self.today,
            operator: &self.operator,
            theme: &self.theme,
        }
    }

    /// The name of the screen the keyboard is on, for the help's title.
    pub fn screen_title(&self) -> String {
        if self.too_small() {
            return strings::SCREEN_TOO_SMALL.into();
        }
        if self.confirm.is_some() {
            return strings::SCREEN_CONFIRM.into();
        }
        match (self.global, &self.new_patient, &self.workspace) {
            (Some(Global::Statistics), ..) => strings::WHERE_STATISTICS.into(),
            (Some(Global::Agenda), ..) => strings::WHERE_AGENDA.into(),
            (None, Some(_), _) => strings::SCREEN_NEW_PATIENT.into(),
            (None, None, Some(ws)) => format!("{} › {}", ws.record_id, ws.tab.title()),
            (None, None, None) if self.list.searching => strings::SCREEN_SEARCH.into(),
            (None, None, None) => strings::SCREEN_LIST.into(),
        }
    }

    /// The commands available now, on the screen on top, with the keys that work everywhere.
    /// On a read-only registry every command that would change a record is disabled with the
    /// reason, so its key says why at once.
    pub fn commands(&self) -> Vec<Command> {
        let mut v = vec![Command::new(keys::QUIT, Action::Quit, cmd::QUIT)];
        if self.too_small() {
            v.push(Command::new(keys::BACK, Action::Quit, cmd::QUIT_APP).bar());
            return v;
        }
        if self.confirm.is_some() {
            v.push(Command::new(keys::CONFIRM_YES, Action::Accept, cmd::CONFIRM_YES).bar());
            v.push(Command::new(keys::CONFIRM_NO, Action::Cancel, cmd::CONFIRM_NO).bar());
            return v;
        }
        if self.help.is_some() {
            v.push(Command::new(keys::CLOSE_HELP, Action::Back, cmd::CLOSE_HELP).bar());
            // Scrolling is offered only when the help is longer than the window.
            if self.help_max_scroll() > 0 {
                v.push(Command::new(keys::DOWN, Action::Down, cmd::HELP_DOWN).bar());
                v.push(Command::new(keys::UP, Action::Up, cmd::HELP_UP));
                v.push(Command::new(
                    keys::PAGE_DOWN,
                    Action::PageDown,
                    cmd::HELP_PAGE_DOWN,
                ));
                v.push(Command::new(
                    keys::PAGE_UP,
                    Action::PageUp,
                    cmd::HELP_PAGE_UP,
                ));
            }
            return v;
        }
        v.push(Command::new(
            keys::STATISTICS,
            Action::Statistics,
            cmd::STATISTICS,
        ));
        v.push(Command::new(keys::AGENDA, Action::Agenda, cmd::AGENDA));
        let mut screen = self.screen_commands();
        if let Some(r) = &self.read_only {
            command::refuse_edits(&mut screen, r);
        }
        v.extend(screen);
        v
    }

    /// The commands of the screen under the help overlay (what `?` lists).
    pub fn commands_under_help(&self) -> Vec<Command> {
        let mut v = vec![Command::new(keys::QUIT, Action::Quit, cmd::QUIT)];
        v.push(Command::new(
            keys::STATISTICS,
            Action::Statistics,
            cmd::STATISTICS,
        ));
        v.push(Command::new(keys::AGENDA, Action::Agenda, cmd::AGENDA));
        let mut screen = self.screen_commands();
        if let Some(r) = &self.read_only {
            command::refuse_edits(&mut screen, r);
        }
        v.extend(screen);
        v
    }

    fn screen_commands(&self) -> Vec<Command> {
        let help = || Command::new(keys::HELP, Action::Help, cmd::HELP).bar();
        match self.global {
            Some(Global::Statistics) => {
                let mut v = self.stats.commands();
                v.push(help());
                v.push(Command::new(keys::BACK, Action::Back, cmd::BACK).bar());
                return v;
            }
            Some(Global::Agenda) => {
                let mut v = self.agenda.commands();
                if !self.agenda.is_editing() {
                    v.push(help());
                    v.push(Command::new(keys::BACK, Action::Back, cmd::BACK).bar());
                }
                return v;
            }
            None => {}
        }
        if let Some(f) = &self.new_patient {
            return f.commands();
        }
        if let Some(ws) = &self.workspace {
            let c = self.ctx(ws);
            let mut v = ws.active().commands(&c);
            if !ws.is_editing() {
                v.push(Command::new(keys::NEXT_TAB, Action::NextTab, cmd::NEXT_TAB).bar());
                v.push(Command::new(keys::PREV_TAB, Action::PrevTab, cmd::PREV_TAB));
                if self.undo.get(&ws.record_id).is_some_and(|u| !u.is_empty()) {
                    v.push(
                        Command::new(keys::UNDO, Action::Undo, cmd::UNDO)
                            .bar()
                            .edits(),
                    );
                }
                v.push(help());
                let back = if self.from_agenda {
                    cmd::BACK_TO_AGENDA
                } else {
                    cmd::BACK_TO_LIST
                };
                v.push(Command::new(keys::BACK, Action::Back, back).bar());
            }
            return v;
        }
        let mut v = self.list.commands(!self.patients.is_empty());
        if !self.list.searching {
            v.push(help());
            let back = if self.list.query().is_empty() {
                cmd::QUIT_APP
            } else {
                cmd::CLEAR_SEARCH_OR_QUIT
            };
            v.push(Command::new(keys::BACK, Action::Back, back).bar());
        }
        v
    }

    /// What a typed character does where no command takes it.
    fn typing(&self) -> Typing {
        if self.too_small() || self.confirm.is_some() || self.help.is_some() {
            return Typing::No;
        }
        match self.global {
            Some(Global::Agenda) if self.agenda.is_editing() => return Typing::Text,
            Some(_) => return Typing::No,
            None => {}
        }
        if let Some(f) = &self.new_patient {
            return if f.on_text() {
                Typing::Text
            } else {
                Typing::No
            };
        }
        if let Some(ws) = &self.workspace {
            return ws.active().typing(&self.ctx(ws));
        }
        if self.list.searching {
            Typing::Text
        } else {
            Typing::No
        }
    }

    /// Turns a key press into an action: a command offered now, else a character typed into
    /// the field being edited. `Err` is why the key does nothing here (a disabled command).
    pub fn action_for_key(&self, key: &KeyEvent) -> Result<Option<Action>, String> {
        let cmds = self.commands();
        if let Some(c) = command::lookup(&cmds, key) {
            return match &c.disabled {
                Some(why) => Err(why.clone()),
                None => Ok(Some(c.action)),
            };
        }
        let req = || tui_input::backend::crossterm::to_input_request(&Event::Key(*key));
        Ok(match self.typing() {
            Typing::No => None,
            Typing::Text => req().map(Action::Edit),
            Typing::Pick => match key.code {
                KeyCode::Char(c) if c.is_alphanumeric() => Some(Action::Pick(c)),
                _ => None,
            },
            Typing::Digits => match key.code {
                KeyCode::Char(c) if c.is_ascii_digit() => {
                    if let Some(r) = &self.read_only {
                        return Err(strings::read_only_refusal(r));
                    }
                    Some(Action::Edit(InputRequest::InsertChar(c)))
                }
                _ => None,
            },
        })
    }

    /// Feeds one terminal event through the commands and `update`: key presses only (not
    /// releases or repeats reported by some terminals), pasted text, resizes.
    pub fn handle_event(&mut self, event: &Event) {
        match event {
            Event::Key(key) if key.kind == KeyEventKind::Press => match self.action_for_key(key) {
                Ok(Some(a)) => self.update(a),
                Ok(None) => {}
                Err(why) => self.set_status(StatusKind::Error, why),
            },
            Event::Paste(text) => {
                if self.typing() == Typing::Text {
                    for ch in text.chars() {
                        self.update(Action::Edit(InputRequest::InsertChar(ch)));
                    }
                } else {
                    self.set_status(StatusKind::Info, strings::PASTE_WHERE);
                }
            }
            Event::Resize(w, h) => self.update(Action::Resize(*w, *h)),
            _ => {}
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
        self.apply(action);
        self.settle();
    }

    fn apply(&mut self, action: Action) {
        match action {
            Action::Quit => {
                self.quit = true;
                return;
            }
            Action::Resize(w, h) => {
                self.size = (w, h);
                return;
            }
            Action::Tick => {
                self.tick();
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
        if self.too_small() {
            return;
        }
        if let Some(c) = self.confirm.take() {
            match action {
                Action::Accept => self.save_and_tell(c.patient, c.what),
                _ => {
                    if let Some(ws) = self.workspace.as_mut() {
                        ws.active_mut().cancelled();
                    }
                    self.set_status(StatusKind::Info, strings::CANCELLED);
                }
            }
            return;
        }
        if self.help.is_some() {
            let max = self.help_max_scroll();
            let page = usize::from(self.help_area().height.saturating_sub(3)).max(1);
            match action {
                Action::Back => self.help = None,
                Action::Down => self.help_scroll = (self.help_scroll + 1).min(max),
                Action::Up => self.help_scroll = self.help_scroll.saturating_sub(1),
                Action::PageDown => self.help_scroll = (self.help_scroll + page).min(max),
                Action::PageUp => self.help_scroll = self.help_scroll.saturating_sub(page),
                _ => {}
            }
            return;
        }
        if action == Action::Help {
            self.help = Some(self.screen_title());
            self.help_scroll = 0;
            return;
        }
        if self.global.is_some() {
            self.update_global(action);
        } else if self.new_patient.is_some() {
            self.update_new_patient(action);
        } else if self.workspace.is_some() {
            self.update_workspace(action);
        } else {
            self.update_list(action);
        }
    }

    /// The store may have become writable: the other smplan holding the writer lock quit.
    fn tick(&mut self) {
        let Some(was) = self.read_only.clone() else {
            return;
        };
        if let Some(patients) = self.store.retry_writer() {
            self.read_only = None;
            self.patients = patients;
            self.patients.sort_by(|a, b| a.record_id.cmp(&b.record_id));
            self.generation += 1;
            self.list.patients_replaced();
            // The open record may have been changed by the writer that held the lock.
            if let Some(ws) = &self.workspace
                && let Ok(p) = self.store.load(&ws.record_id)
                && let Some(ws) = self.workspace.as_mut()
            {
                ws.patient = p;
            }
            self.set_status(StatusKind::Ok, strings::writer_now(&was));
            self.settle();
        }
    }

    fn update_list(&mut self, action: Action) {
        match action {
            Action::Back if !self.list.query().is_empty() => self.list.clear_search(),
            Action::Back => self.quit = true,
            Action::NewPatient => {
                self.new_patient = Some(NewPatientForm::new(&self.patients));
            }
            Action::Open => {
                // Found by search: the patient is wanted for what is due now.
                let found = self.list.searching || !self.list.query().is_empty();
                self.list.searching = false;
                let id = self
                    .list
                    .rows(&self.patients, &self.protocol, self.today)
                    .get(self.list.selected)
                    .map(|row| row.record_id.clone());
                if let Some(id) = id {
                    self.from_agenda = false;
                    self.open_patient(&id);
                    if found {
                        self.land_on_due();
                    }
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
        match (self.global, action) {
            (Some(Global::Statistics), Action::Back) => self.global = None,
            (Some(Global::Statistics), other) => self.stats.update(other),
            (Some(Global::Agenda), other) => {
                let outcome = self.agenda.update(other, self.today);
                match outcome {
                    AgendaOutcome::Stay => {}
                    AgendaOutcome::Back => self.global = None,
                    AgendaOutcome::Refused(e) => self.set_status(StatusKind::Error, e),
                    AgendaOutcome::Open { record_id, tab } => {
                        self.global = None;
                        self.new_patient = None;
                        self.from_agenda = true;
                        self.open_patient(&record_id);
                        if let Some(ws) = self.workspace.as_mut() {
                            ws.tab = tab;
                        }
                        self.land_on_due();
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
                self.set_status(StatusKind::Info, strings::NO_PATIENT_CREATED);
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
                            self.from_agenda = false;
                            self.open_patient(&id);
                            self.set_status(StatusKind::Ok, strings::saved_new_patient(&id));
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

    /// Tab switching, undo and back; everything else goes to the active tab, whichever it
    /// is, and what it asks for is saved the same way for every tab.
    fn update_workspace(&mut self, action: Action) {
        let Some(ws) = self.workspace.as_mut() else {
            return;
        };
        if !ws.is_editing() {
            match action {
                Action::NextTab | Action::PrevTab => {
                    ws.tab = ws.tab.step(if action == Action::NextTab { 1 } else { -1 });
                    return;
                }
                Action::Back => {
                    let id = ws.record_id.clone();
                    self.workspace = None;
                    if self.from_agenda {
                        self.from_agenda = false;
                        self.global = Some(Global::Agenda);
                    } else {
                        self.select_in_list(&id);
                    }
                    return;
                }
                Action::Undo => {
                    self.undo_last();
                    return;
                }
                _ => {}
            }
        }
        let Some(ws) = self.workspace.as_mut() else {
            return;
        };
        let patient = ws.patient.clone();
        let c = TabCtx {
            patient: &patient,
            protocol: &self.protocol,
            today: self.today,
            operator: &self.operator,
            theme: &self.theme,
        };
        let commit = ws.active_mut().update(action, &c);
        self.apply_commit(commit);
    }

    /// Does what the active tab asked for: say a refusal, save a change, or ask first.
    fn apply_commit(&mut self, commit: Commit) {
        match commit {
            Commit::Nothing => {}
            Commit::Refused(msg) => self.set_status(StatusKind::Error, msg),
            Commit::Save { patient, what } => self.save_and_tell(*patient, what),
            Commit::Confirm {
                question,
                patient,
                what,
            } => {
                self.confirm = Some(Confirm {
                    question,
                    patient: *patient,
                    what,
                })
            }
        }
    }

    /// Saves through the store, says how it went on the status line and tells the active tab
    /// (an accepted save ends its edit; a refused one keeps it, with the reason).
    fn save_and_tell(&mut self, patient: Patient, what: String) {
        let result = self.save(patient, &what, true);
        self.tell_tab(result, &what);
    }

    fn tell_tab(&mut self, result: Result<(), String>, what: &str) {
        let status = match &result {
            Ok(()) => (StatusKind::Ok, strings::saved(what)),
            Err(e) => (StatusKind::Error, strings::not_saved_store(e)),
        };
        if let Some(ws) = self.workspace.as_mut() {
            let patient = ws.patient.clone();
            let c = TabCtx {
                patient: &patient,
                protocol: &self.protocol,
                today: self.today,
                operator: &self.operator,
                theme: &self.theme,
            };
            match result {
                Ok(()) => ws.active_mut().saved(&c),
                Err(e) => ws.active_mut().refused(e),
            }
        }
        self.set_status(status.0, status.1);
    }

    /// `u`: the record as it was before the last saved change, saved as a change of its own
    /// (audited like any other), so history is never rewritten.
    fn undo_last(&mut self) {
        let Some(id) = self.workspace.as_ref().map(|w| w.record_id.clone()) else {
            return;
        };
        let Some(u) = self.undo.get_mut(&id).and_then(Vec::pop) else {
            self.set_status(StatusKind::Info, strings::NOTHING_TO_UNDO);
            return;
        };
        let what = strings::undo_what(&u.what);
        match self.save(u.before.clone(), &what, false) {
            Ok(()) => {
                self.tell_tab(Ok(()), &what);
                self.set_status(StatusKind::Ok, strings::undone(&u.what));
            }
            Err(e) => {
                // Kept, so that it can be tried again once the reason is gone.
                self.undo.entry(id).or_default().push(u);
                self.set_status(StatusKind::Error, strings::not_saved_store(&e));
            }
        }
    }

    /// Saves a changed patient through the store, refusing it when it would add a validation
    /// problem the record did not have before (an imported record with an old problem can
    /// still be edited elsewhere). With `remember_undo`, the record as it was goes on the
    /// patient's undo stack.
    fn save(&mut self, patient: Patient, what: &str, remember_undo: bool) -> Result<(), String> {
        if let Some(r) = &self.read_only {
            return Err(strings::read_only_refusal(r));
        }
        let zones = self.protocol.zone_ids();
        let ctx = ValidationContext {
            today: self.today,
            known_zones: &zones,
        };
        let before = self
            .open()
            .filter(|p| p.record_id == patient.record_id)
            .cloned();
        let old_problems = before
            .as_ref()
            .map(|p| p.validate(&ctx))
            .unwrap_or_default();
        let new_problems: Vec<_> = patient
            .validate(&ctx)
            .into_iter()
            .filter(|i| !old_problems.contains(i))
            .collect();
        if let Some(first) = new_problems.first() {
            return Err(first.message.clone());
        }
        self.store.save(patient.clone())?;
        if remember_undo && let Some(b) = before {
            let stack = self.undo.entry(patient.record_id.clone()).or_default();
            stack.push(Undo {
                before: b,
                what: what.to_string(),
            });
            if stack.len() > UNDO_DEPTH {
                stack.remove(0);
            }
        }
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

    /// Opens a patient's workspace on the whole record, read from the store, at the intake.
    pub fn open_patient(&mut self, record_id: &str) {
        let patient = match self.store.load(record_id) {
            Ok(p) => p,
            Err(e) => {
                self.set_status(StatusKind::Error, strings::cannot_open(record_id, &e));
                return;
            }
        };
        self.workspace = Some(Workspace::new(patient));
        self.set_status(StatusKind::Info, strings::opened(record_id));
    }

    /// Puts the open workspace where the work is: the tab and the first empty field of the
    /// visit that is due (the next session, or the follow-up due), else the intake.
    fn land_on_due(&mut self) {
        let Some(ws) = self.workspace.as_mut() else {
            return;
        };
        let due = crate::protocol::schedule::next_due(&ws.patient, &self.protocol, self.today);
        let Some(due) = due else {
            return;
        };
        let patient = ws.patient.clone();
        match due.kind {
            crate::protocol::AgendaKind::Session => {
                ws.tab = Tab::Sessions;
                ws.sessions.land_on_next(&patient, &self.protocol);
            }
            crate::protocol::AgendaKind::TouchUp => {
                ws.tab = Tab::Sessions;
                ws.sessions.land_on_touch_up(&patient, &self.protocol);
            }
            crate::protocol::AgendaKind::FollowUp => {
                ws.tab = Tab::FollowUp;
                ws.followup
                    .land_on_due(&patient, &self.protocol, self.today);
            }
        }
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

    /// The lines of the banners (read-only, damaged files), wrapped to `width`.
    pub fn banner_lines(&self, width: u16) -> Vec<ratatui::text::Line<'static>> {
        let w = width as usize;
        let mut out = Vec::new();
        if let Some(r) = &self.read_only {
            for l in super::screens::form::wrap(&strings::read_only_banner(r), w) {
                out.push(ratatui::text::Line::styled(l, self.theme.error()));
            }
        }
        if !self.quarantined.is_empty() {
            let text = strings::quarantined(self.quarantined.len(), &self.quarantined.join("; "));
            for l in super::screens::form::wrap(&text, w) {
                out.push(ratatui::text::Line::styled(l, self.theme.warn()));
            }
        }
        out
    }

    /// Where the title, banners, body, status line and key bar go in `area`: the banners,
    /// the status and the key bar wrap instead of being cut, and the body takes the rest.
    pub fn frame_areas(&self, area: Rect) -> FrameAreas {
        let keys_h = widgets::key_bar(&self.commands(), &self.theme, area.width)
            .len()
            .clamp(1, 3) as u16;
        self.areas_with_key_bar(area, keys_h)
    }

    /// Where the help overlay goes in the window: the body, under a one-line key bar (what
    /// the help's own keys take). Not from [`App::frame_areas`], whose key bar depends on
    /// the help's commands, which depend on this.
    fn help_area(&self) -> Rect {
        let (w, h) = self.size;
        self.areas_with_key_bar(Rect::new(0, 0, w, h), 1).body
    }

    /// How far the help can scroll in the window (0: it fits).
    fn help_max_scroll(&self) -> usize {
        super::help::max_scroll(&self.commands_under_help(), self.help_area(), &self.theme)
    }

    fn areas_with_key_bar(&self, area: Rect, keys_h: u16) -> FrameAreas {
        let w = area.width;
        let banner_h = self.banner_lines(w).len() as u16;
        let status_h = widgets::status_lines(&self.status, &self.theme, w)
            .len()
            .clamp(1, 3) as u16;
        let body_h = area.height.saturating_sub(1 + banner_h + status_h + keys_h);
        let row = |y: u16, h: u16| Rect {
            x: area.x,
            y,
            width: w,
            height: h,
        };
        let title = row(area.y, 1);
        let banner = row(title.bottom(), banner_h);
        let body = row(banner.bottom(), body_h);
        let status = row(body.bottom(), status_h);
        let keys = row(status.bottom(), keys_h);
        FrameAreas {
            title,
            banner,
            body,
            status,
            keys,
        }
    }

    /// Fits the visible screen to the window: keeps the focus in view, clamps selections, and
    /// computes what the screen derives from the registry (agenda items, statistics). Runs
    /// after every update, so that drawing only reads.
    pub fn settle(&mut self) {
        if self.too_small() {
            return;
        }
        let areas = self.frame_areas(Rect::new(0, 0, self.size.0, self.size.1));
        let body = areas.body;
        match self.global {
            Some(Global::Statistics) => {
                self.stats.settle(
                    &self.patients,
                    &self.protocol,
                    self.generation,
                    body,
                    self.theme,
                );
                return;
            }
            Some(Global::Agenda) => {
                self.agenda
                    .settle(&self.patients, &self.protocol, self.generation, body);
                return;
            }
            None => {}
        }
        if let Some(ws) = self.workspace.as_mut() {
            let patient = ws.patient.clone();
            let c = TabCtx {
                patient: &patient,
                protocol: &self.protocol,
                today: self.today,
                operator: &self.operator,
                theme: &self.theme,
            };
            let head = workspace::header_lines(
                &patient,
                &self.protocol,
                self.today,
                &self.theme,
                body.width,
            );
            let [_, _, _, tab_body] = workspace::areas(body, head.len() as u16);
            ws.active_mut().settle(tab_body, &c);
            return;
        }
        let n = self
            .list
            .rows(&self.patients, &self.protocol, self.today)
            .len();
        self.list.settle(n, body);
    }
}
