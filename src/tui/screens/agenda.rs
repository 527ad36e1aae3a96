//! The agenda screen: what is due and overdue in a chosen range, by the protocol's agenda
//! rules (`crate::protocol::agenda`, the same list `smplan agenda` prints), overdue items
//! first and marked in words, so the mark survives `NO_COLOR`. `Enter` opens the patient at
//! the tab where the item is recorded.

use super::workspace::Tab;
use crate::cli::agenda::status;
use crate::domain::Patient;
use crate::domain::validate::parse_date;
use crate::protocol::{AgendaItem, AgendaKind, Protocol, agenda};
use crate::tui::action::Action;
use crate::tui::command::Command;
use crate::tui::keymap as keys;
use crate::tui::strings::{agenda as s, cmd};
use crate::tui::theme::Theme;
use crate::tui::widgets;
use crate::tui::widgets::text_field::TextField;
use chrono::{Days, NaiveDate};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use std::collections::HashMap;

/// The contract's default range (`smplan agenda` without `--days`).
pub const DEFAULT_DAYS: u32 = 14;
/// Two years: longer than any item's window, so a longer range would list nothing new.
pub const MAX_DAYS: u32 = 728;

/// What the agenda asks the app to do after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgendaOutcome {
    Stay,
    Back,
    Refused(String),
    Open { record_id: String, tab: Tab },
}

/// The items of one range, computed once per (registry generation, from, days).
#[derive(Debug)]
struct Cache {
    key: (u64, NaiveDate, u32),
    items: Vec<AgendaItem>,
    /// Each item's patient name (empty when none), looked up once rather than per frame.
    names: Vec<String>,
}

#[derive(Debug)]
pub struct AgendaView {
    /// First day of the range.
    pub from: NaiveDate,
    pub days: u32,
    pub selected: usize,
    /// The from date being typed, with the reason it was refused.
    editing: Option<TextField>,
    pub error: Option<String>,
    /// First item on screen; only the rows on screen are built each frame.
    offset: usize,
    /// Rows the table showed last time, for PgUp/PgDn.
    visible_rows: usize,
    cache: Option<Cache>,
}

impl AgendaView {
    pub fn new(today: NaiveDate) -> AgendaView {
        AgendaView {
            from: today,
            days: DEFAULT_DAYS,
            selected: 0,
            editing: None,
            error: None,
            offset: 0,
            visible_rows: 10,
            cache: None,
        }
    }

    pub fn is_editing(&self) -> bool {
        self.editing.is_some()
    }

    pub fn commands(&self) -> Vec<Command> {
        if self.editing.is_some() {
            return vec![
                Command::new(keys::ENTER, Action::Accept, cmd::SET_FROM).bar(),
                Command::new(keys::ESC, Action::Cancel, cmd::CANCEL_EDIT).bar(),
            ];
        }
        let mut v = Vec::new();
        if !self.items().is_empty() {
            v.extend([
                Command::new(keys::UP, Action::Up, cmd::PREV_ITEM),
                Command::new(keys::DOWN, Action::Down, cmd::NEXT_ITEM),
                Command::new(keys::PAGE_UP, Action::PageUp, cmd::PAGE_UP),
                Command::new(keys::PAGE_DOWN, Action::PageDown, cmd::PAGE_DOWN),
                Command::new(keys::FIRST, Action::First, cmd::FIRST_ITEM),
                Command::new(keys::LAST, Action::Last, cmd::LAST_ITEM),
                Command::new(keys::ENTER, Action::Open, cmd::OPEN_ITEM).bar(),
            ]);
        }
        if self.days < MAX_DAYS {
            v.push(Command::new(keys::MORE_DAYS, Action::MoreDays, cmd::LONGER).bar());
        }
        if self.days > 0 {
            v.push(Command::new(keys::FEWER_DAYS, Action::FewerDays, cmd::SHORTER).bar());
        }
        v.extend([
            Command::new(keys::LEFT, Action::EarlierFrom, cmd::EARLIER),
            Command::new(keys::RIGHT, Action::LaterFrom, cmd::LATER),
            Command::new(keys::FROM_TODAY, Action::FromToday, cmd::FROM_TODAY),
            Command::new(keys::EDIT_FROM, Action::EditFrom, cmd::EDIT_FROM).bar(),
        ]);
        v
    }

    /// The range's items, overdue first, each part in date order, as of the last
    /// [`AgendaView::settle`].
    pub fn items(&self) -> &[AgendaItem] {
        self.cache.as_ref().map_or(&[], |c| &c.items)
    }

    /// Recomputes the items when the registry or the range changed (a large registry costs
    /// milliseconds per agenda, never per frame), and keeps the selection in view.
    pub fn settle(
        &mut self,
        patients: &[Patient],
        protocol: &Protocol,
        generation: u64,
        area: Rect,
    ) {
        let key = (generation, self.from, self.days);
        if self.cache.as_ref().is_none_or(|c| c.key != key) {
            let items = overdue_first(agenda(patients, protocol, self.from, self.days));
            let by_id: HashMap<&str, &str> = patients
                .iter()
                .map(|p| (p.record_id.as_str(), p.name.as_deref().unwrap_or("")))
                .collect();
            let names = items
                .iter()
                .map(|i| {
                    by_id
                        .get(i.record_id.as_str())
                        .copied()
                        .unwrap_or("")
                        .to_string()
                })
                .collect();
            self.cache = Some(Cache { key, items, names });
        }
        let n = self.items().len();
        self.selected = self.selected.min(n.saturating_sub(1));
        // Range line, hint, gap and the table header.
        let visible = usize::from(area.height.saturating_sub(4)).max(1);
        self.visible_rows = visible;
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + visible {
            self.offset = self.selected + 1 - visible;
        }
        self.offset = self.offset.min(n.saturating_sub(visible));
    }

    pub fn update(&mut self, action: Action, today: NaiveDate) -> AgendaOutcome {
        if let Some(input) = self.editing.as_mut() {
            match action {
                Action::Edit(req) => {
                    input.handle(req);
                }
                Action::Cancel => {
                    self.editing = None;
                    self.error = None;
                }
                Action::Accept | Action::NextField | Action::PrevField => {
                    match parse_date(input.value().trim()) {
                        Ok(d) => {
                            self.from = d;
                            self.editing = None;
                            self.error = None;
                        }
                        Err(e) => {
                            self.error = Some(e.clone());
                            return AgendaOutcome::Refused(s::from_refused(&e));
                        }
                    }
                }
                _ => {}
            }
            return AgendaOutcome::Stay;
        }
        let n = self.items().len();
        let last = n.saturating_sub(1);
        let page = self.visible_rows.max(1);
        match action {
            Action::Back => return AgendaOutcome::Back,
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(page),
            Action::PageDown => self.selected = (self.selected + page).min(last),
            Action::First => self.selected = 0,
            Action::Last => self.selected = last,
            Action::MoreDays => self.days = longer(self.days),
            Action::FewerDays => self.days = shorter(self.days),
            Action::EarlierFrom => self.from = shift(self.from, -1),
            Action::LaterFrom => self.from = shift(self.from, 1),
            Action::FromToday => self.from = today,
            Action::EditFrom => {
                self.editing = Some(TextField::new(self.from.to_string()));
                self.error = None;
            }
            Action::Open => {
                if let Some(it) = self.items().get(self.selected) {
                    return AgendaOutcome::Open {
                        record_id: it.record_id.clone(),
                        tab: tab_for(it.kind),
                    };
                }
            }
            _ => {}
        }
        AgendaOutcome::Stay
    }
}

/// The tab an agenda item leads to. Sessions and follow-ups are recorded on tabs of their
/// own when the workspace has them; on a workspace with the intake only, the intake is where
/// the patient is, and its triage is what gates the next session.
pub fn tab_for(kind: AgendaKind) -> Tab {
    match kind {
        // A touch-up is recorded as a session.
        AgendaKind::Session | AgendaKind::TouchUp => Tab::Sessions,
        AgendaKind::FollowUp => Tab::FollowUp,
    }
}

/// Overdue items first (they need a call today), then the rest; each part keeps the
/// agenda's date order.
pub fn overdue_first(items: Vec<AgendaItem>) -> Vec<AgendaItem> {
    let (mut out, rest): (Vec<_>, Vec<_>) = items.into_iter().partition(|i| i.overdue);
    out.extend(rest);
    out
}

/// The next range length: today only, one day, then whole weeks.
pub fn longer(days: u32) -> u32 {
    match days {
        0 => 1,
        1..=6 => 7,
        d => ((d / 7 + 1) * 7).min(MAX_DAYS),
    }
}

/// The previous range length (the reverse of [`longer`]).
pub fn shorter(days: u32) -> u32 {
    match days {
        0 | 1 => 0,
        2..=7 => 1,
        d => (d - 1) / 7 * 7,
    }
}

fn shift(d: NaiveDate, by: i64) -> NaiveDate {
    let step = Days::new(by.unsigned_abs());
    let moved = if by < 0 {
        d.checked_sub_days(step)
    } else {
        d.checked_add_days(step)
    };
    moved.unwrap_or(d)
}

/// One line describing the range, as `smplan agenda` words it.
fn range_line(from: NaiveDate, days: u32, items: &[AgendaItem]) -> String {
    let range = match days {
        0 => s::on_day(&from.to_string()),
        _ => s::range(
            &from.to_string(),
            &shift(from, i64::from(days) - 1).to_string(),
            days,
        ),
    };
    let overdue = items.iter().filter(|i| i.overdue).count();
    s::range_items(&range, items.len(), overdue)
}

/// Draws the agenda from its state (computed by `settle`); changes nothing.
pub fn draw(frame: &mut Frame, area: Rect, view: &AgendaView, theme: &Theme) {
    let Some(cache) = view.cache.as_ref() else {
        return;
    };
    let items = &cache.items;
    let [head, hint, _gap, table_area] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area);

    let mut spans = vec![Span::styled(s::AGENDA, theme.header())];
    match &view.editing {
        Some(input) => {
            spans.push(Span::raw(s::FROM));
            let (field, cx) = input.spans(11, theme);
            spans.extend(field);
            let x = head.x + (widgets::width(s::AGENDA) + widgets::width(s::FROM) + cx) as u16;
            frame.set_cursor_position((x.min(head.right().saturating_sub(1)), head.y));
            spans.push(Span::raw("  "));
            match &view.error {
                Some(e) => spans.push(Span::styled(format!("✗ {e}"), theme.error())),
                None => spans.push(Span::styled(s::FROM_HINT, theme.dim())),
            }
        }
        None => spans.push(Span::raw(range_line(view.from, view.days, items))),
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), head);
    frame.render_widget(
        Paragraph::new(Line::styled(s::KEYS_HINT, theme.dim())),
        hint,
    );

    if items.is_empty() {
        let msg = vec![
            Line::raw(""),
            Line::styled(s::EMPTY, theme.header()),
            Line::raw(""),
            Line::raw(s::EMPTY_HINT),
        ];
        frame.render_widget(Paragraph::new(msg).centered(), table_area);
        return;
    }

    // Only the rows on screen are built: a large registry can have thousands of items.
    let visible = table_area.height.saturating_sub(1).max(1) as usize;
    let shown = view.offset..(view.offset + visible).min(items.len());

    let wide = area.width >= 110;
    let id_w = items[shown.clone()]
        .iter()
        .map(|i| widgets::width(&i.record_id))
        .max()
        .unwrap_or(6)
        .clamp(6, 14) as u16;
    let mut widths = vec![
        Constraint::Length(9),
        Constraint::Length(10),
        Constraint::Length(id_w),
        Constraint::Fill(1),
        Constraint::Length(14),
    ];
    if wide {
        widths.push(Constraint::Length(24));
    }
    // The note as wide as the longest shown (a held session's reason and its due day), the
    // names keeping at least 10 columns; 26 when there is room and nothing longer.
    let fixed = 9 + 10 + id_w + 14 + if wide { 24 } else { 0 } + (widths.len() as u16);
    let room = table_area.width.saturating_sub(fixed + 10);
    let longest = items[shown.clone()]
        .iter()
        .map(|it| widgets::width(&status(it, view.from).1))
        .max()
        .unwrap_or(0) as u16;
    widths.push(Constraint::Length(longest.max(26).min(room.max(14))));
    let name_w = Layout::horizontal(widths.clone())
        .spacing(1)
        .split(table_area)
        .get(3)
        .map_or(0, |r| r.width as usize);
    let mut header = s::HEADER.to_vec();
    if wide {
        header.push(s::WINDOW);
    }
    header.push("");
    let rows: Vec<Row> = shown
        .clone()
        .map(|i| {
            let it = &items[i];
            let (st, note) = status(it, view.from);
            let st_style = if it.overdue {
                theme.error()
            } else if it.held.is_some() {
                theme.warn()
            } else {
                theme.base()
            };
            let mut cells = vec![
                Cell::from(Span::styled(st, st_style)),
                Cell::from(it.date.to_string()),
                Cell::from(widgets::truncate(&it.record_id, id_w as usize)),
                Cell::from(widgets::truncate(&cache.names[i], name_w)),
                Cell::from(it.label.clone()),
            ];
            if wide {
                cells.push(Cell::from(s::window(
                    &it.window_start.to_string(),
                    &it.window_end.to_string(),
                )));
            }
            cells.push(Cell::from(note));
            Row::new(cells)
        })
        .collect();
    let table = Table::new(rows, widths)
        .header(Row::new(header).style(theme.header()))
        .column_spacing(1)
        .row_highlight_style(theme.selected());
    let mut state =
        TableState::default().with_selected(Some(view.selected.saturating_sub(view.offset)));
    frame.render_stateful_widget(table, table_area, &mut state);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn range_lengths_step_through_today_a_day_and_weeks() {
        let mut d = 0;
        let mut seen = vec![d];
        for _ in 0..4 {
            d = longer(d);
            seen.push(d);
        }
        assert_eq!(seen, [0, 1, 7, 14, 21]);
        for _ in 0..5 {
            d = shorter(d);
        }
        assert_eq!(d, 0);
        assert_eq!(shorter(10), 7);
        assert_eq!(longer(10), 14);
        assert_eq!(longer(MAX_DAYS), MAX_DAYS);
    }

    #[test]
    fn overdue_items_come_first_in_date_order() {
        let d = |s: &str| parse_date(s).unwrap();
        let item = |date: &str, id: &str, overdue: bool| AgendaItem {
            date: d(date),
            record_id: id.into(),
            kind: AgendaKind::Session,
            label: "session 2".into(),
            window_start: d(date),
            window_end: d(date),
            overdue,
            held: None,
        };
        let out = overdue_first(vec![
            item("2026-01-01", "A", true),
            item("2026-01-02", "B", false),
            item("2026-01-03", "C", true),
        ]);
        let ids: Vec<_> = out.iter().map(|i| i.record_id.as_str()).collect();
        assert_eq!(ids, ["A", "C", "B"]);
    }

    #[test]
    fn range_line_says_what_the_range_is() {
        let from = parse_date("2026-11-25").unwrap();
        assert_eq!(
            range_line(from, 14, &[]),
            "2026-11-25 to 2026-12-08 (14 days): 0 items, 0 overdue"
        );
        assert!(range_line(from, 0, &[]).starts_with("on 2026-11-25 only"));
    }
}
