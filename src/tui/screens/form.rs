//! A column of labelled fields between headings and notes, shared by the sessions and
//! follow-up tabs.
//!
//! The screen describes its lines afresh from the patient each time ([`Item`]); the form only
//! remembers which field has the focus, the edit in progress and the last refusal. What the
//! user asked for comes back as an [`Event`] for the screen to apply to the patient, so the
//! rules live with the screen and the keyboard handling lives here once.
//!
//! Enter (or Tab) on an edited value saves it and moves to the next field, and a digit typed
//! on a text field starts a fresh edit with that digit: a score is entered as `8.5 Enter 3
//! Enter` without opening anything first.

use super::intake::{Commit, wrap};
use crate::domain::Patient;
use crate::protocol::Protocol;
use crate::tui::app::Action;
use crate::tui::keymap::Context;
use crate::tui::theme::Theme;
use crate::tui::widgets;
use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::{Input, InputRequest};

/// What a record tab needs to know besides its own state.
#[derive(Debug, Clone, Copy)]
pub struct TabCtx<'a> {
    pub patient: &'a Patient,
    pub protocol: &'a Protocol,
    pub today: NaiveDate,
    /// Who is using the UI: the default operator of a session and assessor of a visit.
    pub operator: &'a str,
    pub theme: &'a Theme,
}

/// A tab of the workspace built on [`Form`]: the app drives every such tab the same way.
pub trait RecordTab {
    fn is_editing(&self) -> bool;
    fn context(&self) -> Context;
    /// Applies one action; a change to save goes back to the app.
    fn update(&mut self, action: Action, c: &TabCtx) -> Commit;
    /// The save went through; `c` holds the saved record.
    fn saved(&mut self, c: &TabCtx);
    /// The save was refused with this reason.
    fn refused(&mut self, reason: String);
    fn draw(&mut self, frame: &mut Frame, area: Rect, c: &TabCtx);
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
            form.refused(e.clone());
            Commit::Refused(format!("not saved: {e}"))
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
        Ok(Some((q, what))) => Commit::Save {
            patient: Box::new(q),
            what,
        },
    }
}

/// How a field is changed.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    /// Typed text; `prefill` is what an edit opened with Enter starts from.
    Text { prefill: String },
    /// One of `options`; `current` is highlighted when the list opens.
    Choice {
        options: Vec<String>,
        current: usize,
    },
    /// A yes/no box: Space or Enter flips it.
    Check,
    /// A command shown as a line of the form (record the session, add an event...).
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
}

/// A line of the form.
#[derive(Debug, Clone, PartialEq)]
pub enum Item<K> {
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
    /// Run a button.
    Press(K),
    /// Clear the field (Delete).
    Clear(K),
}

/// The edit in progress.
#[derive(Debug, Clone)]
pub enum Editing {
    Text(Input),
    Choice {
        options: Vec<String>,
        selected: usize,
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

fn keys<K: Copy>(items: &[Item<K>]) -> Vec<K> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Field(f) => Some(f.key),
            Item::Line(_) => None,
        })
        .collect()
}

impl<K: Copy + PartialEq> Form<K> {
    pub fn is_editing(&self) -> bool {
        self.editing.is_some()
    }

    /// The key-map context while this form has the keyboard.
    pub fn context(&self, idle: Context) -> Context {
        match self.editing {
            Some(Editing::Text(_)) => Context::EditText,
            Some(Editing::Choice { .. }) => Context::Choose,
            None => idle,
        }
    }

    /// The focused field, after making sure the focus is on a field that exists.
    pub fn focused<'a>(&mut self, items: &'a [Item<K>]) -> Option<&'a Field<K>> {
        let ks = keys(items);
        if !self.focus.is_some_and(|f| ks.contains(&f)) {
            self.focus = ks.first().copied();
        }
        items.iter().find_map(|i| match i {
            Item::Field(f) if Some(f.key) == self.focus => Some(f),
            _ => None,
        })
    }

    fn step(&mut self, items: &[Item<K>], delta: isize) {
        let ks = keys(items);
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

    /// Applies one action; what to change in the record goes back to the screen.
    pub fn update(&mut self, action: Action, items: &[Item<K>]) -> Event<K> {
        let Some(field) = self.focused(items).cloned() else {
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
            Some(Editing::Choice { options, selected }) => match action {
                Action::Up => {
                    *selected = selected.saturating_sub(1);
                    Event::None
                }
                Action::Down => {
                    *selected = (*selected + 1).min(options.len().saturating_sub(1));
                    Event::None
                }
                Action::Cancel => {
                    self.editing = None;
                    Event::None
                }
                Action::Accept => {
                    self.after = 1;
                    Event::Choice(field.key, *selected)
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
                    self.step(items, -8);
                    Event::None
                }
                Action::PageDown => {
                    self.step(items, 8);
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
                        self.editing = Some(Editing::Text(Input::new(prefill)));
                        self.error = None;
                        Event::None
                    }
                    Kind::Choice { options, current } => {
                        self.editing = Some(Editing::Choice {
                            options,
                            selected: current,
                        });
                        Event::None
                    }
                    Kind::Check => {
                        self.after = 0;
                        Event::Toggle(field.key)
                    }
                    Kind::Button => {
                        self.after = 0;
                        Event::Press(field.key)
                    }
                },
                Action::Toggle if field.kind == Kind::Check => {
                    self.after = 0;
                    Event::Toggle(field.key)
                }
                Action::Clear => {
                    self.after = 0;
                    Event::Clear(field.key)
                }
                // A digit typed on a text field replaces its value: fast score entry.
                Action::Edit(req @ InputRequest::InsertChar(_))
                    if matches!(field.kind, Kind::Text { .. }) =>
                {
                    let mut input = Input::default();
                    input.handle(req);
                    self.editing = Some(Editing::Text(input));
                    self.error = None;
                    Event::None
                }
                _ => Event::None,
            },
        }
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

    /// Nothing to save (the value did not change): close the editor and move on.
    pub fn unchanged(&mut self, items: &[Item<K>]) {
        self.saved(items);
    }

    /// Draws the form, keeping the focused field (or the open option list) in view.
    pub fn draw(&mut self, frame: &mut Frame, area: Rect, items: &[Item<K>], theme: &Theme) {
        self.focused(items);
        let w = area.width as usize;
        let label_w = items
            .iter()
            .filter_map(|i| match i {
                Item::Field(f) => Some(widgets::width(&f.label)),
                Item::Line(_) => None,
            })
            .max()
            .unwrap_or(0)
            .clamp(20, (w * 40 / 100).max(20));
        let value_w = w.saturating_sub(label_w + 3);
        let indent = || Span::raw(" ".repeat(label_w + 3));
        let mut lines: Vec<Line> = Vec::new();
        let mut focus_line = 0;
        let mut cursor: Option<(u16, usize)> = None;
        for it in items {
            let f = match it {
                Item::Line(l) => {
                    lines.push(l.clone());
                    continue;
                }
                Item::Field(f) => f,
            };
            let focused = Some(f.key) == self.focus;
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
                    let scroll = input.visual_scroll(value_w.saturating_sub(1));
                    let mut skipped = 0;
                    let shown: String = input
                        .value()
                        .chars()
                        .skip_while(|c| {
                            let cw = unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
                            let skip = skipped < scroll;
                            if skip {
                                skipped += cw;
                            }
                            skip
                        })
                        .collect();
                    let room = value_w.saturating_sub(widgets::width(&f.hint) + 2).min(30);
                    let box_w = room.max(widgets::width(&shown).min(value_w));
                    spans.push(Span::styled(widgets::pad(&shown, box_w), theme.editing()));
                    if !f.hint.is_empty() {
                        spans.push(Span::styled(format!("  {}", f.hint), theme.dim()));
                    }
                    cursor = Some((
                        (label_w + 3 + input.visual_cursor().saturating_sub(scroll)) as u16,
                        lines.len(),
                    ));
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
            if let Some(Editing::Choice { options, selected }) = editing {
                for (i, o) in options.iter().enumerate() {
                    let sel = i == *selected;
                    if sel {
                        focus_line = lines.len();
                    }
                    lines.push(Line::from(vec![
                        indent(),
                        Span::styled(
                            format!("{}{o}", if sel { "(•) " } else { "( ) " }),
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
        let h = area.height as usize;
        if focus_line < self.scroll {
            self.scroll = focus_line.saturating_sub(1);
        } else if focus_line >= self.scroll + h {
            self.scroll = focus_line + 1 - h;
        }
        self.scroll = self.scroll.min(lines.len().saturating_sub(h));
        let scroll = self.scroll;
        frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), area);
        if let Some((x, line)) = cursor
            && line >= scroll
            && line < scroll + h
        {
            let x = (area.x + x).min(area.right().saturating_sub(1));
            frame.set_cursor_position((x, area.y + (line - scroll) as u16));
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

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::text::Line;

    fn items() -> Vec<Item<u8>> {
        vec![
            Item::Line(Line::raw("heading")),
            Item::Field(Field::text(1, "A", "a").prefill("a")),
            Item::Field(Field::text(2, "B", "")),
            Item::Field(Field::text(3, "C", "").kind(Kind::Check)),
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
        assert_eq!(f.focus, Some(3));
        assert_eq!(f.update(Action::Toggle, &it), Event::Toggle(3));
        f.update(Action::Down, &it);
        assert_eq!(f.focus, Some(3));
        f.update(Action::First, &it);
        assert_eq!(f.focus, Some(1));
    }
}
