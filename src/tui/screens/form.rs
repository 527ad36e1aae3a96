//! The one form framework of the UI: a column of labelled fields between headings and notes,
//! used by the intake, sessions and follow-up tabs, and for the cell editing of the plan grid.
//!
//! A screen describes its lines afresh from the patient each time ([`Item`]); the form only
//! remembers which field has the focus, the edit in progress, the last refusal and the scroll.
//! What the user asked for comes back as an [`Event`] for the screen to apply to the patient,
//! so the rules live with the screen and the keyboard handling lives here once. The commands
//! the form offers ([`Form::commands`]) follow the focused field: `Enter edit` on a text
//! field, `Space tick` on a box, `y`/`n` on a question, nothing that would do nothing.
//!
//! Enter (or Tab) on an edited value saves it and moves to the next field; a digit typed on a
//! text field starts a fresh edit with that digit, so a score is entered as `8.5 Enter 3
//! Enter` without opening anything first. A field opened with Enter starts with its value
//! selected: typing replaces it.

use crate::domain::Patient;
use crate::protocol::Protocol;
use crate::tui::action::{Action, Commit};
use crate::tui::command::Command;
use crate::tui::keymap as keys;
use crate::tui::strings::{self, cmd};
use crate::tui::theme::Theme;
use crate::tui::widgets;
use crate::tui::widgets::text_field::TextField;
use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::InputRequest;

/// What a tab of the workspace needs to know besides its own state.
#[derive(Debug, Clone, Copy)]
pub struct TabCtx<'a> {
    pub patient: &'a Patient,
    pub protocol: &'a Protocol,
    pub today: NaiveDate,
    /// Who is using the UI: the default operator of a session and assessor of a visit.
    pub operator: &'a str,
    pub theme: &'a Theme,
}

/// A tab of the workspace: the app drives every tab the same way, through this.
pub trait RecordTab {
    fn is_editing(&self) -> bool;
    /// The commands available now (the app adds tab switching, help, back and undo).
    fn commands(&self, c: &TabCtx) -> Vec<Command>;
    /// What typed characters do here when no command takes them.
    fn typing(&self, c: &TabCtx) -> Typing;
    /// Applies one action; a change to save goes back to the app.
    fn update(&mut self, action: Action, c: &TabCtx) -> Commit;
    /// The save went through; `c` holds the saved record.
    fn saved(&mut self, c: &TabCtx);
    /// The save was refused with this reason.
    fn refused(&mut self, reason: String);
    /// The user said no to the confirmation the tab asked for: nothing was saved.
    fn cancelled(&mut self) {}
    /// Fits the tab's state to the area it will be drawn in (keeps the focus in view).
    fn settle(&mut self, area: Rect, c: &TabCtx);
    /// Draws the tab from its state; changes nothing.
    fn draw(&self, frame: &mut Frame, area: Rect, c: &TabCtx);
}

/// What a typed character does where no command takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Typing {
    /// Nothing.
    No,
    /// A digit starts a fresh edit of the focused text field (fast score entry).
    Digits,
    /// Every character goes into the field being edited.
    Text,
    /// Letters and digits pick an option of the open list.
    Pick,
}

/// Turns a screen's answer to an [`Event`] into what the app should do, telling the form when
/// nothing needs saving.
pub fn commit<K: Copy + PartialEq>(
    form: &mut Form<K>,
    items: &[Item<K>],
    before: &Patient,
    result: Result<Option<(Patient, String)>, String>,
) -> Commit {
    match result {
        Err(e) => {
            let msg = strings::not_saved(&form.label_of(items).unwrap_or_default(), &e);
            form.refused(e);
            Commit::Refused(msg)
        }
        Ok(None) => {
            form.then = None;
            Commit::Nothing
        }
        Ok(Some((q, _))) if q == *before => {
            form.then = None;
            form.unchanged(items);
            Commit::Nothing
        }
        Ok(Some((q, what))) => Commit::save(q, what),
    }
}

/// A save that asks first when the screen has a `question`: the confirmation shows it and
/// the record is saved on yes.
pub fn ask_first(commit: Commit, question: Option<Vec<String>>) -> Commit {
    match (commit, question) {
        (Commit::Save { patient, what }, Some(question)) => Commit::Confirm {
            question,
            patient,
            what,
        },
        (commit, _) => commit,
    }
}

/// One option of a pick list: its label, and other words that pick it when typed (`4` for
/// Fitzpatrick IV, `3v` for Norwood III-vertex).
#[derive(Debug, Clone, PartialEq)]
pub struct Opt {
    pub label: String,
    pub aliases: Vec<String>,
}

impl Opt {
    pub fn new(label: impl Into<String>) -> Opt {
        Opt {
            label: label.into(),
            aliases: Vec::new(),
        }
    }
    pub fn alias(mut self, a: impl Into<String>) -> Opt {
        self.aliases.push(a.into());
        self
    }
    /// Whether `typed` (lower case) names this option: the start of its label (leading
    /// dashes and spaces skipped) or of one of its aliases.
    fn named_by(&self, typed: &str) -> bool {
        let label = self
            .label
            .trim_start_matches(['—', '-', ' '])
            .to_lowercase();
        label.starts_with(typed)
            || self
                .aliases
                .iter()
                .any(|a| a.to_lowercase().starts_with(typed))
    }
}

/// Options from plain labels.
pub fn opts<S: Into<String>>(labels: impl IntoIterator<Item = S>) -> Vec<Opt> {
    labels.into_iter().map(Opt::new).collect()
}

/// How a field is changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Typed text; `prefill` is what an edit opened with Enter starts from (selected).
    Text { prefill: String },
    /// One of `options`; `current` is highlighted when the list opens. Choosing the option at
    /// `typed.0` opens a text edit on `typed.1` instead (an "other — type it" entry).
    Choice {
        options: Vec<Opt>,
        current: usize,
        typed: Option<(usize, String)>,
    },
    /// A yes/no box: Space or Enter flips it.
    Check,
    /// A question answered yes or no, or not yet asked: `y`, `n`, Delete for not asked.
    Answer,
    /// A command shown as a line of the form (record the session...).
    Button,
}

/// One focusable line.
#[derive(Debug, Clone, PartialEq)]
pub struct Field<K> {
    pub key: K,
    pub label: String,
    pub value: String,
    pub kind: Kind,
    /// The format expected, shown dim while editing.
    pub hint: String,
    /// Shown after the value (a warning, the meaning of a score...).
    pub flag: Option<(String, Style)>,
    /// Space ticks this text field on and off (a zone: ticked, with an area to type).
    pub tick: bool,
    /// Enter on the field while it is empty saves this value at once (a visit dated today).
    pub quick: Option<String>,
    /// Delete clears it (there is a value, and it may be cleared).
    pub clear: bool,
    /// The words of Enter here, when not the kind's own ("record", "add"...).
    pub enter: Option<crate::tui::command::CmdText>,
}

impl<K> Field<K> {
    pub fn text(key: K, label: impl Into<String>, value: impl Into<String>) -> Self {
        Field {
            key,
            label: label.into(),
            value: value.into(),
            kind: Kind::Text {
                prefill: String::new(),
            },
            hint: String::new(),
            flag: None,
            tick: false,
            quick: None,
            clear: false,
            enter: None,
        }
    }
    pub fn prefill(mut self, p: impl Into<String>) -> Self {
        self.kind = Kind::Text { prefill: p.into() };
        self
    }
    pub fn hint(mut self, h: impl Into<String>) -> Self {
        self.hint = h.into();
        self
    }
    pub fn flag(mut self, text: impl Into<String>, style: Style) -> Self {
        self.flag = Some((text.into(), style));
        self
    }
    pub fn kind(mut self, k: Kind) -> Self {
        self.kind = k;
        self
    }
    pub fn choice(self, options: Vec<Opt>, current: usize) -> Self {
        self.kind(Kind::Choice {
            options,
            current,
            typed: None,
        })
    }
    pub fn tick(mut self) -> Self {
        self.tick = true;
        self
    }
    pub fn quick(mut self, v: impl Into<String>) -> Self {
        self.quick = Some(v.into());
        self
    }
    /// Delete clears the field when `has_value`.
    pub fn clearable(mut self, has_value: bool) -> Self {
        self.clear = has_value;
        self
    }
    pub fn enter(mut self, text: crate::tui::command::CmdText) -> Self {
        self.enter = Some(text);
        self
    }
}

/// A line of the form.
#[derive(Debug, Clone, PartialEq)]
pub enum Item<K> {
    /// A section heading: PgUp/PgDn jump between sections.
    Heading(Line<'static>),
    Line(Line<'static>),
    Field(Field<K>),
}

/// What the user asked the screen to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Event<K> {
    None,
    /// Save this typed text into the field.
    Text(K, String),
    /// Save the option at this index.
    Choice(K, usize),
    /// Flip a box.
    Toggle(K),
    /// Answer a question: yes, no, or back to not asked.
    Answer(K, Option<bool>),
    /// Run a button.
    Press(K),
    /// Clear the field (Delete).
    Clear(K),
}

/// The edit in progress.
#[derive(Debug, Clone, PartialEq)]
pub enum Editing {
    Text(TextField),
    Choice {
        options: Vec<Opt>,
        selected: usize,
        /// What has been typed to pick an option.
        typed: String,
        typed_at: Option<usize>,
    },
}

#[derive(Debug, Clone)]
pub struct Form<K> {
    pub focus: Option<K>,
    pub editing: Option<Editing>,
    /// Why the last value of a field was refused, shown under it.
    pub error: Option<(K, String)>,
    /// Where focus goes once the pending save succeeds: a step, or a field named by the
    /// screen (the type of a new event, the date of a new timepoint).
    after: isize,
    then: Option<K>,
    scroll: usize,
}

impl<K> Default for Form<K> {
    fn default() -> Self {
        Form {
            focus: None,
            editing: None,
            error: None,
            after: 0,
            then: None,
            scroll: 0,
        }
    }
}

fn keys_of<K: Copy>(items: &[Item<K>]) -> Vec<K> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Field(f) => Some(f.key),
            _ => None,
        })
        .collect()
}

/// The index among the fields of the first field of each section.
fn section_starts<K>(items: &[Item<K>]) -> Vec<usize> {
    let mut starts = Vec::new();
    let mut n = 0;
    let mut take = true;
    for it in items {
        match it {
            Item::Heading(_) => take = true,
            Item::Field(_) => {
                if take {
                    starts.push(n);
                    take = false;
                }
                n += 1;
            }
            Item::Line(_) => {}
        }
    }
    starts
}

/// The index of the option `typed` names, looking from `from` on (so typing the same letter
/// again moves to the next option it names).
fn pick(options: &[Opt], typed: &str, from: usize) -> Option<usize> {
    let n = options.len();
    (0..n)
        .map(|i| (from + i) % n)
        .find(|i| options[*i].named_by(typed))
}

/// What the form's drawing is made of, for a width: the lines, the line of the focus and
/// where the cursor goes.
pub struct Layout {
    pub lines: Vec<Line<'static>>,
    pub focus_line: usize,
    pub cursor: Option<(u16, usize)>,
}

impl<K: Copy + PartialEq> Form<K> {
    pub fn is_editing(&self) -> bool {
        self.editing.is_some()
    }

    /// What typed characters do now.
    pub fn typing(&self, items: &[Item<K>]) -> Typing {
        match &self.editing {
            Some(Editing::Text(_)) => Typing::Text,
            Some(Editing::Choice { .. }) => Typing::Pick,
            None => match self.field(items).map(|f| &f.kind) {
                Some(Kind::Text { .. }) => Typing::Digits,
                Some(Kind::Choice { .. }) => Typing::Digits,
                _ => Typing::No,
            },
        }
    }

    /// The key of the focused field: the focus if it names a field, else the first field.
    pub fn focus_key(&self, items: &[Item<K>]) -> Option<K> {
        let ks = keys_of(items);
        match self.focus {
            Some(f) if ks.contains(&f) => Some(f),
            _ => ks.first().copied(),
        }
    }

    /// The focused field.
    pub fn field<'a>(&self, items: &'a [Item<K>]) -> Option<&'a Field<K>> {
        let key = self.focus_key(items)?;
        items.iter().find_map(|i| match i {
            Item::Field(f) if f.key == key => Some(f),
            _ => None,
        })
    }

    /// The label of the focused field, as on screen (for messages).
    pub fn label_of(&self, items: &[Item<K>]) -> Option<String> {
        self.field(items).map(|f| f.label.trim().to_string())
    }

    fn fix_focus(&mut self, items: &[Item<K>]) {
        self.focus = self.focus_key(items);
    }

    fn step(&mut self, items: &[Item<K>], delta: isize) {
        let ks = keys_of(items);
        if ks.is_empty() {
            return;
        }
        let i = self
            .focus
            .and_then(|f| ks.iter().position(|k| *k == f))
            .unwrap_or(0) as isize;
        let j = (i + delta).clamp(0, ks.len() as isize - 1) as usize;
        self.focus = Some(ks[j]);
    }

    fn jump_section(&mut self, items: &[Item<K>], forward: bool) {
        let ks = keys_of(items);
        let here = self
            .focus
            .and_then(|f| ks.iter().position(|k| *k == f))
            .unwrap_or(0);
        let starts = section_starts(items);
        let to = if forward {
            starts.iter().copied().find(|s| *s > here)
        } else {
            starts.iter().rev().copied().find(|s| *s < here)
        };
        let to = to.unwrap_or(if forward { here } else { 0 });
        if let Some(k) = ks.get(to) {
            self.focus = Some(*k);
        }
    }

    /// The commands of the form where the focus is now.
    pub fn commands(&self, items: &[Item<K>]) -> Vec<Command> {
        match &self.editing {
            Some(Editing::Text(_)) => vec![
                Command::new(keys::ENTER, Action::Accept, cmd::SAVE).bar(),
                Command::new(keys::TAB, Action::NextField, cmd::SAVE_NEXT),
                Command::new(keys::BACKTAB, Action::PrevField, cmd::SAVE_PREV),
                Command::new(keys::ESC, Action::Cancel, cmd::CANCEL_EDIT).bar(),
            ],
            Some(Editing::Choice { .. }) => vec![
                Command::new(keys::ARROW_UP, Action::Up, cmd::PREV_OPTION),
                Command::new(keys::ARROW_DOWN, Action::Down, cmd::NEXT_OPTION),
                Command::new(keys::HOME, Action::First, cmd::FIRST_OPTION),
                Command::new(keys::END, Action::Last, cmd::LAST_OPTION),
                Command::new(keys::ENTER, Action::Accept, cmd::CHOOSE_THIS).bar(),
                Command::new(keys::ESC, Action::Cancel, cmd::CANCEL_CHOICE).bar(),
                Command::new(&[], Action::Pick(' '), cmd::TYPE_TO_PICK).bar(),
            ],
            None => {
                let mut v = vec![
                    Command::new(keys::UP, Action::Up, cmd::PREV_FIELD),
                    Command::new(keys::DOWN, Action::Down, cmd::NEXT_FIELD),
                    Command::new(keys::TAB, Action::NextField, cmd::NEXT_FIELD),
                    Command::new(keys::BACKTAB, Action::PrevField, cmd::PREV_FIELD),
                ];
                if section_starts(items).len() > 1 {
                    v.push(Command::new(
                        keys::PAGE_UP,
                        Action::PageUp,
                        cmd::PREV_SECTION,
                    ));
                    v.push(Command::new(
                        keys::PAGE_DOWN,
                        Action::PageDown,
                        cmd::NEXT_SECTION,
                    ));
                }
                v.push(Command::new(keys::HOME, Action::First, cmd::FIRST_FIELD));
                v.push(Command::new(keys::END, Action::Last, cmd::LAST_FIELD));
                let Some(f) = self.field(items) else {
                    return v;
                };
                let enter = |default| f.enter.unwrap_or(default);
                match &f.kind {
                    Kind::Text { .. } => {
                        let text = match (&f.quick, f.value.trim()) {
                            (Some(_), "" | "—") => enter(cmd::QUICK),
                            _ => enter(cmd::EDIT),
                        };
                        v.push(Command::new(keys::ENTER, Action::Open, text).bar().edits());
                        v.push(Command::new(&[], Action::Open, cmd::TYPE_DIGITS).edits());
                    }
                    Kind::Choice { .. } => {
                        v.push(
                            Command::new(keys::ENTER, Action::Open, enter(cmd::CHOOSE))
                                .bar()
                                .edits(),
                        );
                    }
                    Kind::Check => {
                        v.push(Command::new(keys::ENTER, Action::Open, enter(cmd::TICK)).edits());
                    }
                    Kind::Answer => {
                        v.push(
                            Command::new(keys::YES, Action::Answer(true), cmd::ANSWER_YES)
                                .bar()
                                .edits(),
                        );
                        v.push(
                            Command::new(keys::NO, Action::Answer(false), cmd::ANSWER_NO)
                                .bar()
                                .edits(),
                        );
                    }
                    Kind::Button => {
                        v.push(
                            Command::new(keys::ENTER, Action::Open, enter(cmd::PRESS))
                                .bar()
                                .edits(),
                        );
                    }
                }
                if f.tick || f.kind == Kind::Check {
                    v.push(
                        Command::new(keys::SPACE, Action::Toggle, cmd::TICK)
                            .bar()
                            .edits(),
                    );
                }
                if f.clear {
                    let text = if f.kind == Kind::Answer {
                        cmd::NOT_ASKED
                    } else {
                        cmd::CLEAR
                    };
                    v.push(Command::new(keys::DELETE, Action::Clear, text).edits());
                }
                v
            }
        }
    }

    /// Applies one action; what to change in the record goes back to the screen.
    pub fn update(&mut self, action: Action, items: &[Item<K>]) -> Event<K> {
        self.fix_focus(items);
        let Some(field) = self.field(items).cloned() else {
            return Event::None;
        };
        match self.editing.as_mut() {
            Some(Editing::Text(input)) => match action {
                Action::Edit(req) => {
                    input.handle(req);
                    Event::None
                }
                Action::Cancel => {
                    self.editing = None;
                    self.error = None;
                    Event::None
                }
                Action::Accept | Action::NextField | Action::PrevField => {
                    self.after = if action == Action::PrevField { -1 } else { 1 };
                    Event::Text(field.key, input.value().to_string())
                }
                _ => Event::None,
            },
            Some(Editing::Choice {
                options,
                selected,
                typed,
                typed_at,
            }) => match action {
                Action::Up => {
                    *selected = selected.saturating_sub(1);
                    typed.clear();
                    Event::None
                }
                Action::Down => {
                    *selected = (*selected + 1).min(options.len().saturating_sub(1));
                    typed.clear();
                    Event::None
                }
                Action::First | Action::Last => {
                    *selected = if action == Action::First {
                        0
                    } else {
                        options.len().saturating_sub(1)
                    };
                    typed.clear();
                    Event::None
                }
                Action::Pick(ch) => {
                    let ch = ch.to_lowercase().to_string();
                    let longer = format!("{typed}{ch}");
                    let at = typed_at.unwrap_or(*selected);
                    if let Some(i) = pick(options, &longer, at) {
                        *typed = longer;
                        *typed_at = Some(i);
                        *selected = i;
                    } else if let Some(i) =
                        pick(options, &ch, (*selected + 1) % options.len().max(1))
                    {
                        // A new word: start again from this character (the same letter
                        // again moves on to the next option it names).
                        *typed = ch;
                        *typed_at = Some(i);
                        *selected = i;
                    }
                    Event::None
                }
                Action::Cancel => {
                    self.editing = None;
                    Event::None
                }
                Action::Accept => {
                    let i = *selected;
                    if let Kind::Choice {
                        typed: Some((t, prefill)),
                        ..
                    } = &field.kind
                        && *t == i
                    {
                        self.editing = Some(Editing::Text(TextField::new(prefill.clone())));
                        return Event::None;
                    }
                    self.after = 1;
                    Event::Choice(field.key, i)
                }
                _ => Event::None,
            },
            None => match action {
                Action::Up | Action::PrevField => {
                    self.step(items, -1);
                    Event::None
                }
                Action::Down | Action::NextField => {
                    self.step(items, 1);
                    Event::None
                }
                Action::PageUp => {
                    self.jump_section(items, false);
                    Event::None
                }
                Action::PageDown => {
                    self.jump_section(items, true);
                    Event::None
                }
                Action::First => {
                    self.step(items, isize::MIN / 2);
                    Event::None
                }
                Action::Last => {
                    self.step(items, isize::MAX / 2);
                    Event::None
                }
                Action::Open => match field.kind {
                    Kind::Text { prefill } => {
                        if let Some(q) = field.quick.clone()
                            && matches!(field.value.trim(), "" | "—")
                        {
                            self.after = 1;
                            return Event::Text(field.key, q);
                        }
                        self.editing = Some(Editing::Text(TextField::new(prefill)));
                        self.error = None;
                        Event::None
                    }
                    Kind::Choice {
                        options, current, ..
                    } => {
                        self.editing = Some(Editing::Choice {
                            options,
                            selected: current,
                            typed: String::new(),
                            typed_at: None,
                        });
                        Event::None
                    }
                    Kind::Check => {
                        self.after = 0;
                        Event::Toggle(field.key)
                    }
                    Kind::Answer => Event::None,
                    Kind::Button => {
                        self.after = 0;
                        Event::Press(field.key)
                    }
                },
                Action::Toggle if field.kind == Kind::Check || field.tick => {
                    self.after = 0;
                    Event::Toggle(field.key)
                }
                Action::Answer(yes) if field.kind == Kind::Answer => {
                    self.after = 1;
                    Event::Answer(field.key, Some(yes))
                }
                Action::Clear if field.clear => {
                    self.after = 0;
                    if field.kind == Kind::Answer {
                        Event::Answer(field.key, None)
                    } else {
                        Event::Clear(field.key)
                    }
                }
                // A digit typed on a text field replaces its value: fast entry. On a pick
                // list it opens the list on the option the digit names.
                Action::Edit(req @ InputRequest::InsertChar(ch)) => match field.kind {
                    Kind::Text { .. } => {
                        let mut input = TextField::typed("");
                        input.handle(req);
                        self.editing = Some(Editing::Text(input));
                        self.error = None;
                        Event::None
                    }
                    Kind::Choice {
                        options, current, ..
                    } => {
                        self.editing = Some(Editing::Choice {
                            options,
                            selected: current,
                            typed: String::new(),
                            typed_at: None,
                        });
                        self.update(Action::Pick(ch), items)
                    }
                    _ => Event::None,
                },
                _ => Event::None,
            },
        }
    }

    /// Opens a text edit on the focused field starting from `value` (a choice whose option
    /// asks for typed text).
    pub fn edit_text(&mut self, value: impl Into<String>) {
        self.editing = Some(Editing::Text(TextField::new(value)));
    }

    /// The change was saved: close the editor and move on as Enter/Tab asked, through the
    /// form as it now is (`items` from the saved record).
    pub fn saved(&mut self, items: &[Item<K>]) {
        self.editing = None;
        self.error = None;
        let after = std::mem::take(&mut self.after);
        if after != 0 {
            self.step(items, after);
        }
        if let Some(k) = self.then.take() {
            self.focus = Some(k);
        }
    }

    /// Once the pending save succeeds, focus `k` instead of the next field.
    pub fn focus_after_save(&mut self, k: K) {
        self.then = Some(k);
    }

    /// Nothing was saved: keep the editor open with the reason under the field.
    pub fn refused(&mut self, reason: String) {
        if let Some(f) = self.focus {
            self.error = Some((f, reason));
        }
        self.after = 0;
        self.then = None;
    }

    /// The user said no to the confirmation of the pending save: nothing was saved, the edit
    /// stays open (to correct the value, or `Esc`), and focus stays.
    pub fn cancelled(&mut self) {
        self.after = 0;
        self.then = None;
    }

    /// Nothing to save (the value did not change): close the editor and move on.
    pub fn unchanged(&mut self, items: &[Item<K>]) {
        self.saved(items);
    }

    /// The lines of the form for a width, with the focus and the cursor.
    pub fn layout(&self, width: usize, items: &[Item<K>], theme: &Theme) -> Layout {
        let focus = self.focus_key(items);
        let w = width;
        let label_w = items
            .iter()
            .filter_map(|i| match i {
                Item::Field(f) => Some(widgets::width(&f.label)),
                _ => None,
            })
            .max()
            .unwrap_or(0)
            .clamp(20, (w * 45 / 100).clamp(20, 40));
        let value_w = w.saturating_sub(label_w + 3);
        let indent = || Span::raw(" ".repeat(label_w + 3));
        let mut lines: Vec<Line> = Vec::new();
        let mut focus_line = 0;
        let mut cursor: Option<(u16, usize)> = None;
        for it in items {
            let f = match it {
                Item::Heading(l) => {
                    if !lines.is_empty() && lines.last().is_some_and(|l| l.width() > 0) {
                        lines.push(Line::raw(""));
                    }
                    lines.push(l.clone());
                    continue;
                }
                Item::Line(l) => {
                    lines.push(l.clone());
                    continue;
                }
                Item::Field(f) => f,
            };
            let focused = Some(f.key) == focus;
            let editing = if focused { self.editing.as_ref() } else { None };
            let label_style = if focused && editing.is_none() {
                theme.selected()
            } else {
                theme.base()
            };
            let mut spans = vec![
                Span::styled(if focused { "▶ " } else { "  " }, theme.key()),
                Span::styled(widgets::pad(&f.label, label_w), label_style),
                Span::raw(" "),
            ];
            if focused {
                focus_line = lines.len();
            }
            match editing {
                Some(Editing::Text(input)) => {
                    let room = value_w.saturating_sub(widgets::width(&f.hint) + 2).min(40);
                    let box_w = room
                        .max(widgets::width(input.value()) + 1)
                        .min(value_w)
                        .max(8);
                    let (field_spans, cx) = input.spans(box_w, theme);
                    spans.extend(field_spans);
                    if !f.hint.is_empty() {
                        spans.push(Span::styled(format!("  {}", f.hint), theme.dim()));
                    }
                    cursor = Some(((label_w + 3 + cx) as u16, lines.len()));
                }
                _ => {
                    let style = if focused {
                        theme.selected()
                    } else {
                        theme.base()
                    };
                    let value = widgets::truncate(&f.value, value_w);
                    let used = widgets::width(&value);
                    spans.push(Span::styled(value, style));
                    if let Some((text, st)) = &f.flag {
                        let room = value_w.saturating_sub(used + 2);
                        if room > 3 {
                            spans.push(Span::raw("  "));
                            spans.push(Span::styled(widgets::truncate(text, room), *st));
                        }
                    }
                }
            }
            lines.push(Line::from(spans));
            if let Some(Editing::Choice {
                options, selected, ..
            }) = editing
            {
                for (i, o) in options.iter().enumerate() {
                    let sel = i == *selected;
                    if sel {
                        focus_line = lines.len();
                    }
                    lines.push(Line::from(vec![
                        indent(),
                        Span::styled(
                            widgets::truncate(
                                &format!("{}{}", if sel { "(•) " } else { "( ) " }, o.label),
                                value_w.max(10),
                            ),
                            if sel { theme.selected() } else { theme.base() },
                        ),
                    ]));
                }
            }
            if let Some((k, msg)) = &self.error
                && *k == f.key
            {
                for l in wrap(&format!("✗ {msg}"), value_w.max(20)) {
                    if focused {
                        focus_line = lines.len();
                    }
                    lines.push(Line::from(vec![indent(), Span::styled(l, theme.error())]));
                }
            }
        }
        Layout {
            lines,
            focus_line,
            cursor,
        }
    }

    /// Keeps the focused field (or the open option list, or the refusal) in view of `area`.
    pub fn settle(&mut self, area: Rect, items: &[Item<K>], theme: &Theme) {
        self.fix_focus(items);
        let l = self.layout(area.width as usize, items, theme);
        let h = (area.height as usize).max(1);
        if l.focus_line < self.scroll {
            self.scroll = l.focus_line.saturating_sub(1);
        } else if l.focus_line >= self.scroll + h {
            self.scroll = l.focus_line + 1 - h;
        }
        self.scroll = self.scroll.min(l.lines.len().saturating_sub(h));
    }

    /// Draws the form at its scroll; changes nothing.
    pub fn draw(&self, frame: &mut Frame, area: Rect, items: &[Item<K>], theme: &Theme) {
        let l = self.layout(area.width as usize, items, theme);
        let h = area.height as usize;
        let scroll = self.scroll.min(l.lines.len().saturating_sub(1));
        frame.render_widget(Paragraph::new(l.lines).scroll((scroll as u16, 0)), area);
        if let Some((x, line)) = l.cursor
            && line >= scroll
            && line < scroll + h
        {
            let x = (area.x + x).min(area.right().saturating_sub(1));
            frame.set_cursor_position((x, area.y + (line - scroll) as u16));
        }
    }
}

/// Offers Delete on every text or list field that shows a value (not on command lines, which
/// have their own Enter words).
pub fn clear_where_valued<K>(items: &mut [Item<K>]) {
    for it in items {
        if let Item::Field(f) = it
            && f.enter.is_none()
            && matches!(f.kind, Kind::Text { .. } | Kind::Choice { .. })
        {
            let v = f.value.trim();
            f.clear = !(v.is_empty() || v == strings::DASH);
        }
    }
}

/// Pushes `field`, flagged when a plausibility warning (`crate::protocol::plausibility`)
/// names it, with the warning's whole text on the lines below: saved as entered, and said
/// where the value is.
pub fn with_warning<K>(
    v: &mut Vec<Item<K>>,
    field: Field<K>,
    warning: Option<&str>,
    w: usize,
    theme: &Theme,
) {
    match warning {
        None => v.push(Item::Field(field)),
        Some(m) => {
            v.push(Item::Field(field.flag(strings::IMPLAUSIBLE, theme.warn())));
            v.extend(note_lines(&strings::implausible_note(m), w, theme.warn()));
        }
    }
}

/// A message wrapped to `w` columns as form lines, each indented by two spaces.
pub fn note_lines<K>(text: &str, w: usize, style: Style) -> Vec<Item<K>> {
    wrap(text, w.saturating_sub(2).max(20))
        .into_iter()
        .map(|l| Item::Line(Line::styled(format!("  {l}"), style)))
        .collect()
}

/// Splits `text` into lines of at most `w` columns, at spaces where possible (a longer word
/// is cut).
pub fn wrap(text: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let need = widgets::width(&line) + usize::from(!line.is_empty()) + widgets::width(word);
        if need > w && !line.is_empty() {
            out.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        out.push(line);
    }
    out.into_iter().map(|l| widgets::truncate(&l, w)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::text::Line;

    fn items() -> Vec<Item<u8>> {
        vec![
            Item::Heading(Line::raw("heading")),
            Item::Field(Field::text(1, "A", "a").prefill("a")),
            Item::Field(Field::text(2, "B", "")),
            Item::Field(Field::text(3, "C", "").kind(Kind::Check)),
            Item::Heading(Line::raw("questions")),
            Item::Field(Field::text(4, "Q", "not asked").kind(Kind::Answer)),
            Item::Field(Field::text(5, "Fitz", "—").choice(
                vec![
                    Opt::new("— not recorded"),
                    Opt::new("I").alias("1"),
                    Opt::new("III").alias("3"),
                    Opt::new("IV").alias("4"),
                ],
                0,
            )),
        ]
    }

    #[test]
    fn digit_starts_a_fresh_edit_and_enter_submits_then_moves_on() {
        let it = items();
        let mut f = Form::<u8>::default();
        assert_eq!(
            f.update(Action::Edit(InputRequest::InsertChar('8')), &it),
            Event::None
        );
        assert!(f.is_editing());
        f.update(Action::Edit(InputRequest::InsertChar('.')), &it);
        f.update(Action::Edit(InputRequest::InsertChar('5')), &it);
        assert_eq!(f.update(Action::Accept, &it), Event::Text(1, "8.5".into()));
        f.saved(&it);
        assert_eq!(f.focus, Some(2));
        assert!(!f.is_editing());
    }

    #[test]
    fn a_prefilled_edit_is_replaced_by_typing() {
        let it = items();
        let mut f = Form::<u8>::default();
        f.update(Action::Open, &it);
        f.update(Action::Edit(InputRequest::InsertChar('b')), &it);
        assert_eq!(f.update(Action::Accept, &it), Event::Text(1, "b".into()));
    }

    #[test]
    fn a_refusal_keeps_the_editor_and_the_focus() {
        let it = items();
        let mut f = Form::<u8>::default();
        f.update(Action::Open, &it);
        assert!(f.is_editing());
        f.update(Action::Accept, &it);
        f.refused("no".into());
        assert_eq!(f.focus, Some(1));
        assert!(f.is_editing());
        assert_eq!(f.error, Some((1, "no".into())));
        f.update(Action::Cancel, &it);
        assert!(f.error.is_none() && !f.is_editing());
    }

    #[test]
    fn a_check_toggles_and_focus_stays_in_bounds() {
        let it = items();
        let mut f = Form::<u8>::default();
        f.update(Action::Last, &it);
        assert_eq!(f.focus, Some(5));
        f.update(Action::Up, &it);
        f.update(Action::Up, &it);
        assert_eq!(f.update(Action::Toggle, &it), Event::Toggle(3));
        f.update(Action::Last, &it);
        f.update(Action::Down, &it);
        assert_eq!(f.focus, Some(5));
        f.update(Action::First, &it);
        assert_eq!(f.focus, Some(1));
    }

    #[test]
    fn sections_page_and_questions_take_y_and_n() {
        let it = items();
        let mut f = Form::<u8>::default();
        f.update(Action::PageDown, &it);
        assert_eq!(f.focus, Some(4));
        let offered: Vec<Action> = f.commands(&it).iter().map(|c| c.action).collect();
        assert!(offered.contains(&Action::Answer(false)));
        assert!(!offered.contains(&Action::Open), "no Enter on a question");
        assert_eq!(
            f.update(Action::Answer(false), &it),
            Event::Answer(4, Some(false))
        );
        f.saved(&it);
        assert_eq!(f.focus, Some(5), "an answer moves on");
        f.update(Action::PageUp, &it);
        assert_eq!(f.focus, Some(4), "to the start of this section");
        f.update(Action::PageUp, &it);
        assert_eq!(f.focus, Some(1));
    }

    #[test]
    fn a_pick_list_follows_typed_digits_and_letters() {
        let it = items();
        let mut f = Form::<u8> {
            focus: Some(5),
            ..Default::default()
        };
        f.update(Action::Edit(InputRequest::InsertChar('4')), &it);
        assert!(matches!(
            f.editing,
            Some(Editing::Choice { selected: 3, .. })
        ));
        assert_eq!(f.update(Action::Accept, &it), Event::Choice(5, 3));
        f.saved(&it);
        f.focus = Some(5);
        f.update(Action::Open, &it);
        f.update(Action::Pick('i'), &it);
        assert!(matches!(
            f.editing,
            Some(Editing::Choice { selected: 1, .. })
        ));
        f.update(Action::Pick('i'), &it);
        f.update(Action::Pick('i'), &it);
        assert!(
            matches!(f.editing, Some(Editing::Choice { selected: 2, .. })),
            "iii"
        );
        f.update(Action::Pick('x'), &it);
        assert!(
            matches!(f.editing, Some(Editing::Choice { selected: 2, .. })),
            "a letter naming nothing leaves the choice"
        );
        f.update(Action::Cancel, &it);
        f.update(Action::Open, &it);
        f.update(Action::Pick('i'), &it);
        f.update(Action::Pick('v'), &it);
        assert!(
            matches!(f.editing, Some(Editing::Choice { selected: 3, .. })),
            "iv"
        );
    }
}
