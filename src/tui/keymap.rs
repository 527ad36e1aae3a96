//! The key map: for every context, the keys that work there and what they do.
//!
//! This one table feeds three things — turning a key press into an [`Action`], the key bar at
//! the bottom of the screen, and the `?` help overlay — so what the bar and the help say is
//! always what the keys do.

use super::app::Action;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// One key, with the modifiers it needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

const fn k(code: KeyCode) -> Key {
    Key {
        code,
        mods: KeyModifiers::NONE,
    }
}
const fn c(ch: char) -> Key {
    k(KeyCode::Char(ch))
}
const fn ctrl(ch: char) -> Key {
    Key {
        code: KeyCode::Char(ch),
        mods: KeyModifiers::CONTROL,
    }
}

impl Key {
    /// Whether a key press is this key. Shift is ignored for characters, since the terminal
    /// already folds it into the character (`N` arrives as Shift+`N`), and BackTab carries it.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        let relevant = ev.modifiers & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        let want = self.mods & (KeyModifiers::CONTROL | KeyModifiers::ALT);
        ev.code == self.code && relevant == want
    }

    pub fn label(&self) -> String {
        let base = match self.code {
            KeyCode::Char(' ') => "Space".to_string(),
            KeyCode::Char(ch) => ch.to_string(),
            KeyCode::Enter => "Enter".into(),
            KeyCode::Esc => "Esc".into(),
            KeyCode::Tab => "Tab".into(),
            KeyCode::BackTab => "Shift-Tab".into(),
            KeyCode::Up => "↑".into(),
            KeyCode::Down => "↓".into(),
            KeyCode::Left => "←".into(),
            KeyCode::Right => "→".into(),
            KeyCode::PageUp => "PgUp".into(),
            KeyCode::PageDown => "PgDn".into(),
            KeyCode::Home => "Home".into(),
            KeyCode::End => "End".into(),
            KeyCode::Backspace => "Backspace".into(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.mods.contains(KeyModifiers::CONTROL) {
            format!("Ctrl-{}", base.to_uppercase())
        } else {
            base
        }
    }
}

/// One command: its keys, the action, a short label for the key bar (empty = help only) and
/// a sentence for the help overlay.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    pub keys: &'static [Key],
    pub action: Action,
    pub bar: &'static str,
    pub help: &'static str,
}

impl Binding {
    pub fn keys_label(&self) -> String {
        self.keys
            .iter()
            .map(Key::label)
            .collect::<Vec<_>>()
            .join("/")
    }
}

/// Where the keyboard is, which decides which bindings apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Patients,
    Search,
    NewPatient,
    Intake,
    EditText,
    Choose,
    Help,
    TooSmall,
    Plan,
    Confirm,
    Statistics,
    Agenda,
    Sessions,
    FollowUp,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Patients => "Patients",
            Context::Search => "Searching the list",
            Context::NewPatient => "New patient",
            Context::Intake => "Intake",
            Context::EditText => "Editing a field",
            Context::Choose => "Choosing a value",
            Context::Help => "Help",
            Context::TooSmall => "Window too small",
            Context::Plan => "Plan",
            Context::Confirm => "Confirm",
            Context::Statistics => "Statistics",
            Context::Agenda => "Agenda",
            Context::Sessions => "Sessions",
            Context::FollowUp => "Follow-up",
        }
    }
}

macro_rules! b {
    ([$($key:expr),+], $action:expr, $bar:expr, $help:expr) => {
        Binding { keys: &[$($key),+], action: $action, bar: $bar, help: $help }
    };
}

// The bindings every screen below shares word for word.
const SHOW_HELP: Binding = b!([c('?')], Action::Help, "help", "show this help");
const BACK: Binding = b!(
    [c('q'), k(KeyCode::Esc)],
    Action::Back,
    "back",
    "back to where you were"
);
const BACK_TO_LIST: Binding = b!(
    [c('q'), k(KeyCode::Esc)],
    Action::Back,
    "back",
    "back to the patient list"
);

/// Works everywhere, whatever else is going on. Function keys, never letters, so they work
/// while a field is being typed into too (the half-typed field waits underneath). Those with
/// a bar label are shown on the title line of every screen.
pub const GLOBAL: &[Binding] = &[
    b!(
        [ctrl('c')],
        Action::Quit,
        "",
        "quit smplan at once (every accepted field is already saved)"
    ),
    b!(
        [k(KeyCode::F(2))],
        Action::Statistics,
        "statistics",
        "statistics; Esc comes back"
    ),
    b!(
        [k(KeyCode::F(3))],
        Action::Agenda,
        "agenda",
        "agenda: due and overdue"
    ),
];

const STATISTICS: &[Binding] = &[
    b!([k(KeyCode::Up), c('k')], Action::Up, "", "scroll up"),
    b!([k(KeyCode::Down), c('j')], Action::Down, "", "scroll down"),
    b!([k(KeyCode::PageUp)], Action::PageUp, "", "one screen up"),
    b!(
        [k(KeyCode::PageDown)],
        Action::PageDown,
        "",
        "one screen down"
    ),
    b!([k(KeyCode::Home), c('g')], Action::First, "", "to the top"),
    b!([k(KeyCode::End), c('G')], Action::Last, "", "to the bottom"),
    b!(
        [k(KeyCode::Tab), k(KeyCode::Right), c('l')],
        Action::NextField,
        "figures/charts",
        "next page: figures → charts"
    ),
    b!(
        [k(KeyCode::BackTab), k(KeyCode::Left), c('h')],
        Action::PrevField,
        "",
        "previous page"
    ),
    SHOW_HELP,
    BACK,
];

const AGENDA: &[Binding] = &[
    b!([k(KeyCode::Up), c('k')], Action::Up, "", "previous item"),
    b!([k(KeyCode::Down), c('j')], Action::Down, "", "next item"),
    b!([k(KeyCode::PageUp)], Action::PageUp, "", "one page up"),
    b!(
        [k(KeyCode::PageDown)],
        Action::PageDown,
        "",
        "one page down"
    ),
    b!([k(KeyCode::Home), c('g')], Action::First, "", "first item"),
    b!([k(KeyCode::End), c('G')], Action::Last, "", "last item"),
    b!(
        [k(KeyCode::Enter)],
        Action::Open,
        "open",
        "open the patient at the tab of this item"
    ),
    b!(
        [c('+'), c('=')],
        Action::MoreDays,
        "longer",
        "a longer range (0, 1, 7, 14, 21… days)"
    ),
    b!([c('-')], Action::FewerDays, "shorter", "a shorter range"),
    b!(
        [k(KeyCode::Left), c('h')],
        Action::EarlierFrom,
        "",
        "start the range a day earlier"
    ),
    b!(
        [k(KeyCode::Right), c('l')],
        Action::LaterFrom,
        "",
        "start the range a day later"
    ),
    b!([c('t')], Action::FromToday, "", "start the range today"),
    b!(
        [c('d')],
        Action::EditFrom,
        "from date",
        "type the first day of the range (YYYY-MM-DD)"
    ),
    SHOW_HELP,
    BACK,
];

const PATIENTS: &[Binding] = &[
    b!([k(KeyCode::Up), c('k')], Action::Up, "", "previous patient"),
    b!([k(KeyCode::Down), c('j')], Action::Down, "", "next patient"),
    b!([k(KeyCode::PageUp)], Action::PageUp, "", "one page up"),
    b!(
        [k(KeyCode::PageDown)],
        Action::PageDown,
        "",
        "one page down"
    ),
    b!(
        [k(KeyCode::Home), c('g')],
        Action::First,
        "",
        "first patient"
    ),
    b!([k(KeyCode::End), c('G')], Action::Last, "", "last patient"),
    b!(
        [k(KeyCode::Enter)],
        Action::Open,
        "open",
        "open the patient's workspace"
    ),
    b!(
        [c('n')],
        Action::NewPatient,
        "new",
        "register a new patient"
    ),
    b!(
        [c('/')],
        Action::StartSearch,
        "search",
        "search record id and name as you type"
    ),
    b!(
        [c('f')],
        Action::CycleFilter,
        "filter",
        "filter by subtype: all → androgenetic → scarring"
    ),
    b!(
        [c('s')],
        Action::CycleSort,
        "sort",
        "sort by the next column"
    ),
    b!([c('S')], Action::ReverseSort, "", "reverse the sort order"),
    SHOW_HELP,
    b!(
        [c('q'), k(KeyCode::Esc)],
        Action::Back,
        "quit",
        "clear the search, or quit"
    ),
];

const SEARCH: &[Binding] = &[
    b!(
        [k(KeyCode::Enter)],
        Action::Accept,
        "keep",
        "keep the search and return to the list"
    ),
    b!(
        [k(KeyCode::Esc)],
        Action::Cancel,
        "clear",
        "clear the search"
    ),
    b!([k(KeyCode::Up)], Action::Up, "", "previous match"),
    b!([k(KeyCode::Down)], Action::Down, "", "next match"),
];

const NEW_PATIENT: &[Binding] = &[
    b!([k(KeyCode::Tab)], Action::NextField, "next", "next field"),
    b!(
        [k(KeyCode::BackTab)],
        Action::PrevField,
        "",
        "previous field"
    ),
    b!(
        [k(KeyCode::Left), k(KeyCode::Right), c(' ')],
        Action::Toggle,
        "",
        "change the subtype (on the subtype field)"
    ),
    b!(
        [k(KeyCode::Enter)],
        Action::Accept,
        "create",
        "create the patient and open the intake"
    ),
    b!(
        [k(KeyCode::Esc)],
        Action::Cancel,
        "cancel",
        "cancel without creating anything"
    ),
];

const INTAKE: &[Binding] = &[
    b!([k(KeyCode::Up), c('k')], Action::Up, "", "previous field"),
    b!([k(KeyCode::Down), c('j')], Action::Down, "", "next field"),
    b!([k(KeyCode::Tab)], Action::NextField, "", "next field"),
    b!(
        [k(KeyCode::BackTab)],
        Action::PrevField,
        "",
        "previous field"
    ),
    b!([k(KeyCode::PageUp)], Action::PageUp, "", "previous section"),
    b!([k(KeyCode::PageDown)], Action::PageDown, "", "next section"),
    b!(
        [k(KeyCode::Enter)],
        Action::Open,
        "edit",
        "edit the field (a tick box toggles)"
    ),
    b!([c(' ')], Action::Toggle, "tick", "tick or untick a box"),
    b!(
        [k(KeyCode::Delete)],
        Action::Clear,
        "",
        "clear the field (not recorded)"
    ),
    TAB_NEXT,
    TAB_PREV,
    SHOW_HELP,
    BACK_TO_LIST,
];

const PLAN: &[Binding] = &[
    b!([k(KeyCode::Up), c('k')], Action::Up, "", "zone above"),
    b!(
        [k(KeyCode::Down), c('j')],
        Action::Down,
        "",
        "zone below, then dates"
    ),
    b!(
        [k(KeyCode::Left), c('h'), k(KeyCode::BackTab)],
        Action::Left,
        "",
        "cell to the left"
    ),
    b!(
        [k(KeyCode::Right), c('l'), k(KeyCode::Tab)],
        Action::Right,
        "",
        "cell to the right"
    ),
    b!([k(KeyCode::Enter)], Action::Open, "edit", "edit the cell"),
    b!([c('r')], Action::Revert, "revert", "back to protocol value"),
    b!(
        [c('<'), c(',')],
        Action::PrevSession,
        "",
        "map: previous session"
    ),
    b!(
        [c('>'), c('.')],
        Action::NextSession,
        "session",
        "map: next session"
    ),
    b!([c('1')], Action::Session(1), "", "map: session 1"),
    b!([c('2')], Action::Session(2), "", "map: session 2"),
    b!([c('3')], Action::Session(3), "", "map: session 3"),
    b!(
        [c('m')],
        Action::ToggleMap,
        "map",
        "map and dots (narrow window)"
    ),
    b!([c('a')], Action::AddZone, "", "add a zone"),
    b!(
        [c('x')],
        Action::RemoveZone,
        "",
        "remove the zone (asks first)"
    ),
    b!(
        [c('g')],
        Action::Generate,
        "",
        "generate the plan (none yet)"
    ),
    b!(
        [c('R')],
        Action::Regenerate,
        "",
        "regenerate, keep hand values"
    ),
    SHOW_HELP,
    TAB_NEXT,
    TAB_PREV,
    BACK_TO_LIST,
];

const CONFIRM: &[Binding] = &[
    b!([c('y')], Action::Accept, "yes", "yes, do it"),
    b!(
        [c('n'), k(KeyCode::Esc), c('q')],
        Action::Cancel,
        "no",
        "no, keep everything as it is"
    ),
];

const TAB_NEXT: Binding = b!([c(']')], Action::NextTab, "tab", "next tab of the patient");
const TAB_PREV: Binding = b!([c('[')], Action::PrevTab, "", "previous tab of the patient");

// The moves shared by the record tabs (sessions, follow-up).
const F_UP: Binding = b!([k(KeyCode::Up), c('k')], Action::Up, "", "previous field");
const F_DOWN: Binding = b!([k(KeyCode::Down), c('j')], Action::Down, "", "next field");
const F_NEXT: Binding = b!([k(KeyCode::Tab)], Action::NextField, "", "next field");
const F_PREV: Binding = b!(
    [k(KeyCode::BackTab)],
    Action::PrevField,
    "",
    "previous field"
);
const F_PGUP: Binding = b!([k(KeyCode::PageUp)], Action::PageUp, "", "eight fields up");
const F_PGDN: Binding = b!(
    [k(KeyCode::PageDown)],
    Action::PageDown,
    "",
    "eight fields down"
);

const SESSIONS: &[Binding] = &[
    F_UP,
    F_DOWN,
    F_NEXT,
    F_PREV,
    F_PGUP,
    F_PGDN,
    b!(
        [k(KeyCode::Left), c('h')],
        Action::Left,
        "",
        "previous session"
    ),
    b!(
        [k(KeyCode::Right), c('l')],
        Action::Right,
        "session",
        "next session"
    ),
    b!(
        [k(KeyCode::Enter)],
        Action::Open,
        "edit",
        "edit or choose; on the record line, the date performed"
    ),
    b!(
        [c(' ')],
        Action::Toggle,
        "",
        "tick or untick a box (bleeding, resolved)"
    ),
    b!(
        [c('a')],
        Action::Add,
        "event",
        "add an adverse event: choose its type"
    ),
    b!(
        [k(KeyCode::Delete)],
        Action::Clear,
        "",
        "clear the field; on an event's type, remove the event"
    ),
    TAB_NEXT,
    TAB_PREV,
    SHOW_HELP,
    BACK_TO_LIST,
];

const FOLLOW_UP: &[Binding] = &[
    F_UP,
    F_DOWN,
    F_NEXT,
    F_PREV,
    F_PGUP,
    F_PGDN,
    b!(
        [k(KeyCode::Enter)],
        Action::Open,
        "edit",
        "edit (a date starts at today), or just type the number"
    ),
    b!(
        [c('a')],
        Action::Add,
        "timepoint",
        "add a follow-up timepoint (12m, 24m...)"
    ),
    b!(
        [k(KeyCode::Delete)],
        Action::Clear,
        "",
        "clear the field (not recorded)"
    ),
    TAB_NEXT,
    TAB_PREV,
    SHOW_HELP,
    BACK_TO_LIST,
];

const EDIT_TEXT: &[Binding] = &[
    b!(
        [k(KeyCode::Enter)],
        Action::Accept,
        "save",
        "check and save the value"
    ),
    b!(
        [k(KeyCode::Tab)],
        Action::NextField,
        "",
        "save and go to the next field"
    ),
    b!(
        [k(KeyCode::BackTab)],
        Action::PrevField,
        "",
        "save and go to the previous field"
    ),
    b!(
        [k(KeyCode::Esc)],
        Action::Cancel,
        "cancel",
        "cancel the edit; nothing is saved"
    ),
];

const CHOOSE: &[Binding] = &[
    b!([k(KeyCode::Up), c('k')], Action::Up, "", "previous option"),
    b!([k(KeyCode::Down), c('j')], Action::Down, "", "next option"),
    b!(
        [k(KeyCode::Enter), c(' ')],
        Action::Accept,
        "choose",
        "save the highlighted option"
    ),
    b!(
        [k(KeyCode::Esc), c('q')],
        Action::Cancel,
        "cancel",
        "cancel; nothing is saved"
    ),
];

const HELP: &[Binding] = &[b!(
    [c('?'), c('q'), k(KeyCode::Esc)],
    Action::Back,
    "close",
    "close the help"
)];

const TOO_SMALL: &[Binding] = &[b!(
    [c('q'), k(KeyCode::Esc)],
    Action::Quit,
    "quit",
    "quit smplan"
)];

/// The bindings of one context (without [`GLOBAL`]).
pub fn bindings(ctx: Context) -> &'static [Binding] {
    match ctx {
        Context::Patients => PATIENTS,
        Context::Search => SEARCH,
        Context::NewPatient => NEW_PATIENT,
        Context::Intake => INTAKE,
        Context::EditText => EDIT_TEXT,
        Context::Choose => CHOOSE,
        Context::Help => HELP,
        Context::TooSmall => TOO_SMALL,
        Context::Plan => PLAN,
        Context::Confirm => CONFIRM,
        Context::Statistics => STATISTICS,
        Context::Agenda => AGENDA,
        Context::Sessions => SESSIONS,
        Context::FollowUp => FOLLOW_UP,
    }
}

/// The action a key press means in this context, if any.
pub fn lookup(ctx: Context, ev: &KeyEvent) -> Option<Action> {
    GLOBAL
        .iter()
        .chain(bindings(ctx))
        .find(|b| b.keys.iter().any(|key| key.matches(ev)))
        .map(|b| b.action)
}

/// The `key label` pairs of the bottom key bar.
pub fn bar(ctx: Context) -> Vec<(String, &'static str)> {
    bindings(ctx)
        .iter()
        .filter(|b| !b.bar.is_empty())
        .map(|b| (b.keys_label(), b.bar))
        .collect()
}

/// The `key label` pairs of the keys that work everywhere (shown on the title line).
pub fn global_bar() -> Vec<(String, &'static str)> {
    GLOBAL
        .iter()
        .filter(|b| !b.bar.is_empty())
        .map(|b| (b.keys_label(), b.bar))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_is_bound_twice_in_a_context() {
        for ctx in [
            Context::Patients,
            Context::Search,
            Context::NewPatient,
            Context::Intake,
            Context::EditText,
            Context::Choose,
            Context::Help,
            Context::TooSmall,
            Context::Plan,
            Context::Confirm,
            Context::Statistics,
            Context::Agenda,
            Context::Sessions,
            Context::FollowUp,
        ] {
            let keys: Vec<Key> = GLOBAL
                .iter()
                .chain(bindings(ctx))
                .flat_map(|b| b.keys.iter().copied())
                .collect();
            for (i, a) in keys.iter().enumerate() {
                assert!(!keys[i + 1..].contains(a), "{ctx:?}: {a:?} bound twice");
            }
        }
    }

    #[test]
    fn ctrl_c_quits_everywhere_and_q_is_not_ctrl_q() {
        let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for ctx in [
            Context::Patients,
            Context::EditText,
            Context::Help,
            Context::TooSmall,
        ] {
            assert_eq!(lookup(ctx, &ctrl_c), Some(Action::Quit));
        }
        let plain_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::NONE);
        assert_eq!(lookup(Context::EditText, &plain_c), None);
        let shifted = KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT);
        assert_eq!(
            lookup(Context::Patients, &shifted),
            Some(Action::ReverseSort)
        );
    }
}
