//! The vocabulary every screen shares with the app: what the user asked for ([`Action`]) and
//! what a screen asks the app to do about it ([`Commit`]).
//!
//! It lives apart from `app.rs` so that screens and widgets can use it without importing the
//! module that imports every screen.

use crate::domain::Patient;
use tui_input::InputRequest;

/// Everything the user can ask for. Keys map to these through the commands each screen
/// offers (see [`crate::tui::command`]).
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
    /// A character typed into an open pick list: select the option it names.
    Pick(char),
    /// A health-screen style answer on the focused field: `y` (true) or `n` (false).
    Answer(bool),
    /// Answer "no" to every item of the section not answered yet.
    RemainingNo,
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
    /// Time passed without a key (the event loop's tick): retry what waits on the outside
    /// world, such as the writer lock.
    Tick,
    /// Add an item to the tab (an adverse event, a follow-up timepoint).
    Add,
    /// Undo the last saved change of the open patient.
    Undo,
    /// Un-record the session shown (asks first).
    Unrecord,
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

/// What a screen asks the app to do after an action.
#[derive(Debug, PartialEq)]
pub enum Commit {
    Nothing,
    /// Not saved; the message goes to the status line.
    Refused(String),
    /// Save this version of the patient; `what` is said on the status line.
    Save {
        patient: Box<Patient>,
        what: String,
    },
    /// Ask first: show `question` (what will happen), save on yes.
    Confirm {
        question: Vec<String>,
        patient: Box<Patient>,
        what: String,
    },
}

impl Commit {
    pub fn save(patient: Patient, what: impl Into<String>) -> Commit {
        Commit::Save {
            patient: Box::new(patient),
            what: what.into(),
        }
    }
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
