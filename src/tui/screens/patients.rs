//! The home screen: every patient in one table, with search, subtype filter and sort.
//!
//! Overdue items are marked in words (`S2 overdue 12d`) as well as in style; the scores are
//! shown with the visit they come from; missing values sort last whichever way the column is
//! sorted; the search ignores case and accents (`muller` finds `Müller`).

use crate::domain::{Patient, Subtype, Triage};
use crate::protocol::Protocol;
use crate::protocol::schedule::{AgendaItem, next_due};
use crate::tui::action::Action;
use crate::tui::command::Command;
use crate::tui::keymap as keys;
use crate::tui::strings::{self, cmd, list as s};
use crate::tui::theme::Theme;
use crate::tui::widgets;
use crate::tui::widgets::text_field::TextField;
use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use std::cell::{Ref, RefCell};
use std::cmp::Ordering;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;
use unicode_width::UnicodeWidthStr;

/// The columns of the table, in display order; sorting works on any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    RecordId,
    Name,
    Age,
    Subtype,
    Triage,
    Sessions,
    NextDue,
    Vds,
    Pss,
    Visit,
}

impl Column {
    pub const ALL: [Column; 10] = [
        Column::RecordId,
        Column::Name,
        Column::Age,
        Column::Subtype,
        Column::Triage,
        Column::Sessions,
        Column::NextDue,
        Column::Vds,
        Column::Pss,
        Column::Visit,
    ];
    pub fn title(self) -> &'static str {
        match self {
            Column::RecordId => s::COL_RECORD,
            Column::Name => s::COL_NAME,
            Column::Age => s::COL_AGE,
            Column::Subtype => s::COL_CLASS,
            Column::Triage => s::COL_TRIAGE,
            Column::Sessions => s::COL_SESSIONS,
            Column::NextDue => s::COL_DUE,
            Column::Vds => s::COL_VDS,
            Column::Pss => s::COL_PSS,
            Column::Visit => s::COL_VISIT,
        }
    }
    /// `id_width`: the longest record id in the registry (see [`PatientList::id_width`]).
    fn width(self, id_width: u16) -> Constraint {
        match self {
            Column::RecordId => Constraint::Length(id_width.clamp(8, 16)),
            Column::Name => Constraint::Fill(2),
            Column::Age => Constraint::Length(3),
            Column::Subtype => Constraint::Fill(1),
            Column::Triage => Constraint::Length(10),
            Column::Sessions => Constraint::Length(4),
            Column::NextDue => Constraint::Length(16),
            Column::Vds => Constraint::Length(3),
            Column::Pss => Constraint::Length(3),
            Column::Visit => Constraint::Length(4),
        }
    }
}

/// One patient as the list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRow {
    pub record_id: String,
    pub name: String,
    /// Record id and name, lower case and without accents, for the search.
    folded: String,
    pub age: Option<u32>,
    pub subtype: Subtype,
    pub class: String,
    pub triage: Triage,
    /// A "clearance needed" triage with the physician's sign-off recorded.
    pub cleared: bool,
    pub sessions: usize,
    pub due: Option<AgendaItem>,
    pub vds: Option<f64>,
    pub pss: Option<u8>,
    /// The visit the scores are from (`post`, `6m`...).
    pub visit: Option<String>,
}

/// Text as the search compares it: lower case, accents dropped (`Müller` → `muller`).
pub fn fold(text: &str) -> String {
    text.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

impl ListRow {
    pub fn new(p: &Patient, protocol: &Protocol, today: NaiveDate) -> ListRow {
        let latest = p.latest_scores();
        let tri = p.triage(protocol.screen_rules()).triage;
        let name = p.name.clone().unwrap_or_default();
        ListRow {
            folded: fold(&format!("{}\u{1f}{name}", p.record_id)),
            record_id: p.record_id.clone(),
            name,
            age: p.age_on(today),
            subtype: p.subtype(),
            class: match &p.alopecia.classification {
                Some(c) => format!("{} · {c}", short_subtype(p.subtype())),
                None => p.subtype().id().to_string(),
            },
            triage: tri,
            cleared: tri == Triage::ClearanceNeeded && p.clearance.is_some(),
            sessions: p.sessions_done(),
            due: next_due(p, protocol, today),
            vds: latest.and_then(|f| f.vds).map(|v| v.value()),
            pss: latest.and_then(|f| f.pss).map(|v| v.value()),
            visit: latest.map(|f| f.timepoint.id()),
        }
    }

    pub fn triage_label(&self) -> &'static str {
        strings::triage_short(self.triage, self.cleared)
    }

    /// `S2 2026-11-28`, or `S2 overdue 12d` once its window has passed.
    pub fn due_text(&self, today: NaiveDate) -> String {
        match &self.due {
            None => strings::DASH.to_string(),
            Some(d) if d.overdue => s::overdue(&short_due(&d.label), (today - d.date).num_days()),
            Some(d) => s::due(&short_due(&d.label), &d.date.to_string()),
        }
    }

    /// The order of two rows by a column, `None` when either value is missing (those sort
    /// last in both directions).
    fn cmp_by(&self, other: &ListRow, col: Column) -> Option<Ordering> {
        fn opt<T: PartialOrd>(a: &Option<T>, b: &Option<T>) -> Option<Ordering> {
            match (a, b) {
                (Some(x), Some(y)) => Some(x.partial_cmp(y).unwrap_or(Ordering::Equal)),
                _ => None,
            }
        }
        match col {
            Column::RecordId => Some(self.record_id.cmp(&other.record_id)),
            Column::Name => match (self.name.is_empty(), other.name.is_empty()) {
                (false, false) => Some(fold(&self.name).cmp(&fold(&other.name))),
                _ => None,
            },
            Column::Age => opt(&self.age, &other.age),
            Column::Subtype => {
                Some((self.subtype, &self.class).cmp(&(other.subtype, &other.class)))
            }
            Column::Triage => Some(self.triage.cmp(&other.triage)),
            Column::Sessions => Some(self.sessions.cmp(&other.sessions)),
            Column::NextDue => opt(
                &self.due.as_ref().map(|d| d.date),
                &other.due.as_ref().map(|d| d.date),
            ),
            Column::Vds => opt(&self.vds, &other.vds),
            Column::Pss => opt(&self.pss, &other.pss),
            Column::Visit => opt(&self.visit, &other.visit),
        }
    }

    fn missing(&self, col: Column) -> bool {
        match col {
            Column::Name => self.name.is_empty(),
            Column::Age => self.age.is_none(),
            Column::NextDue => self.due.is_none(),
            Column::Vds => self.vds.is_none(),
            Column::Pss => self.pss.is_none(),
            Column::Visit => self.visit.is_none(),
            _ => false,
        }
    }
}

/// Sorts rows by `col`: present values in the order asked, missing values last either way,
/// ties by record id.
fn sort_rows(rows: &mut [ListRow], col: Column, descending: bool) {
    rows.sort_by(|a, b| {
        let o = match (a.missing(col), b.missing(col)) {
            (false, true) => Ordering::Less,
            (true, false) => Ordering::Greater,
            (true, true) => Ordering::Equal,
            (false, false) => {
                let o = a.cmp_by(b, col).unwrap_or(Ordering::Equal);
                if descending { o.reverse() } else { o }
            }
        };
        o.then_with(|| a.record_id.cmp(&b.record_id))
    });
}

fn short_subtype(st: Subtype) -> &'static str {
    match st {
        Subtype::Androgenetic => s::AGA,
        Subtype::Scarring => s::SCAR,
    }
}

/// "session 2" → "S2", "follow-up 6m" → "6m": the date carries the rest.
fn short_due(label: &str) -> String {
    if let Some(n) = label.strip_prefix("session ") {
        format!("S{n}")
    } else if let Some(t) = label.strip_prefix("follow-up ") {
        t.to_string()
    } else {
        label.to_string()
    }
}

/// The list's own state: selection, search, filter and sort.
#[derive(Debug, Default)]
pub struct PatientList {
    pub selected: usize,
    pub search: TextField,
    /// The search field has the keyboard.
    pub searching: bool,
    pub filter: Option<Subtype>,
    /// Index into [`Column::ALL`].
    pub sort: usize,
    pub descending: bool,
    /// First row drawn: only the rows on screen are built into the table each frame.
    offset: usize,
    cache: RefCell<RowCache>,
}

/// The rows of the list, kept between frames so a frame costs the rows on screen, not the
/// registry: one [`ListRow`] per patient (computing triage and the next due item is the
/// expensive part) is built once and updated one patient at a time after a save; the
/// filtered, searched and sorted view is rebuilt only when the search, filter, sort or a
/// patient changes. (A memo of the patients: it changes nothing anyone can see.)
#[derive(Debug, Default)]
struct RowCache {
    /// Identity of the patient slice the rows were built from (pointer, length).
    source: Option<(usize, usize)>,
    /// One row per patient, in the order of the patients.
    base: Vec<ListRow>,
    /// Display width of the longest record id in `base`.
    id_width: usize,
    /// Search, filter, sort and direction the view was built for.
    view_key: Option<(String, Option<Subtype>, usize, bool)>,
    /// The view, or `None` when it is `base` itself (no search or filter, by record id
    /// ascending: the patients' own order), which spares copying every row.
    view: Option<Vec<ListRow>>,
}

impl PatientList {
    pub fn query(&self) -> &str {
        self.search.value()
    }

    pub fn sort_column(&self) -> Column {
        Column::ALL[self.sort % Column::ALL.len()]
    }

    pub fn clear_search(&mut self) {
        self.search.reset();
        self.searching = false;
        self.selected = 0;
    }

    /// The patients were read afresh (the store became writable): rows are rebuilt.
    pub fn patients_replaced(&mut self) {
        self.cache.get_mut().source = None;
    }

    /// The rows to show, filtered, searched and sorted (cached; see [`RowCache`]).
    pub fn rows(
        &self,
        patients: &[Patient],
        protocol: &Protocol,
        today: NaiveDate,
    ) -> Ref<'_, [ListRow]> {
        {
            let mut c = self.cache.borrow_mut();
            let source = (patients.as_ptr() as usize, patients.len());
            if c.source != Some(source) {
                // Every row works out a due date: shared over the cores (10,000 patients).
                c.base = crate::par::par_map(patients, |p| ListRow::new(p, protocol, today));
                c.id_width = c
                    .base
                    .iter()
                    .map(|r| r.record_id.width())
                    .max()
                    .unwrap_or(0);
                c.source = Some(source);
                c.view_key = None;
            }
            let q = fold(self.query().trim());
            let key = (q, self.filter, self.sort, self.descending);
            let plain = key.0.is_empty()
                && key.1.is_none()
                && self.sort_column() == Column::RecordId
                && !self.descending;
            if c.view_key.as_ref() != Some(&key) && plain {
                c.view = None;
                c.view_key = Some(key);
            } else if c.view_key.as_ref() != Some(&key) {
                let q = &key.0;
                let mut view: Vec<ListRow> = c
                    .base
                    .iter()
                    .filter(|r| self.filter.is_none_or(|st| r.subtype == st))
                    .filter(|r| q.is_empty() || r.folded.contains(q.as_str()))
                    .cloned()
                    .collect();
                sort_rows(&mut view, self.sort_column(), self.descending);
                c.view = Some(view);
                c.view_key = Some(key);
            }
        }
        Ref::map(self.cache.borrow(), |c| {
            c.view.as_deref().unwrap_or(&c.base)
        })
    }

    /// Keeps the rows in step after `patients[index]` was saved (replaced, or inserted at
    /// `index`): one row is rebuilt, not the whole list.
    pub fn patient_saved(
        &mut self,
        patients: &[Patient],
        index: usize,
        inserted: bool,
        protocol: &Protocol,
        today: NaiveDate,
    ) {
        let c = self.cache.get_mut();
        let in_step = c
            .source
            .is_some_and(|(_, n)| n + usize::from(inserted) == patients.len());
        match patients.get(index) {
            Some(p) if in_step && index <= c.base.len() => {
                let row = ListRow::new(p, protocol, today);
                c.id_width = c.id_width.max(row.record_id.width());
                if inserted {
                    c.base.insert(index, row);
                } else if let Some(slot) = c.base.get_mut(index) {
                    *slot = row;
                }
                c.source = Some((patients.as_ptr() as usize, patients.len()));
                c.view_key = None;
            }
            _ => c.source = None,
        }
    }

    /// Display width of the longest record id (as of the last [`PatientList::rows`]), so
    /// that ids such as `CLINIC-2026-0042` are not cut.
    pub fn id_width(&self) -> usize {
        self.cache.borrow().id_width
    }

    /// The commands of the list (or of the search field while it has the keyboard).
    pub fn commands(&self, has_patients: bool) -> Vec<Command> {
        if self.searching {
            return vec![
                Command::new(keys::ENTER, Action::Open, cmd::SEARCH_OPEN).bar(),
                Command::new(keys::TAB, Action::Accept, cmd::SEARCH_KEEP).bar(),
                Command::new(keys::ESC, Action::Cancel, cmd::SEARCH_CANCEL).bar(),
                Command::new(keys::ARROW_UP, Action::Up, cmd::PREV_MATCH),
                Command::new(keys::ARROW_DOWN, Action::Down, cmd::NEXT_MATCH),
            ];
        }
        let mut v = Vec::new();
        if has_patients {
            v.extend([
                Command::new(keys::UP, Action::Up, cmd::PREV_PATIENT),
                Command::new(keys::DOWN, Action::Down, cmd::NEXT_PATIENT),
                Command::new(keys::PAGE_UP, Action::PageUp, cmd::PAGE_UP),
                Command::new(keys::PAGE_DOWN, Action::PageDown, cmd::PAGE_DOWN),
                Command::new(keys::FIRST, Action::First, cmd::FIRST_PATIENT),
                Command::new(keys::LAST, Action::Last, cmd::LAST_PATIENT),
                Command::new(keys::ENTER, Action::Open, cmd::OPEN_PATIENT).bar(),
            ]);
        }
        v.push(
            Command::new(keys::NEW, Action::NewPatient, cmd::NEW_PATIENT)
                .bar()
                .edits(),
        );
        if has_patients {
            v.extend([
                Command::new(keys::SEARCH, Action::StartSearch, cmd::SEARCH).bar(),
                Command::new(keys::FILTER, Action::CycleFilter, cmd::FILTER).bar(),
                Command::new(keys::SORT, Action::CycleSort, cmd::SORT).bar(),
                Command::new(keys::REVERSE, Action::ReverseSort, cmd::REVERSE_SORT),
            ]);
        }
        v
    }

    /// Moves, searches, filters and sorts; `n` is the number of rows shown.
    pub fn update(&mut self, action: Action, n: usize) {
        let last = n.saturating_sub(1);
        match action {
            Action::Up => self.selected = self.selected.saturating_sub(1),
            Action::Down => self.selected = (self.selected + 1).min(last),
            Action::PageUp => self.selected = self.selected.saturating_sub(10),
            Action::PageDown => self.selected = (self.selected + 10).min(last),
            Action::First => self.selected = 0,
            Action::Last => self.selected = last,
            Action::StartSearch => {
                // `/` again over a search kept from before (back from a patient found by
                // it): the old text is selected, so typing starts a new search and an
                // arrow or End keeps it to refine.
                self.searching = true;
                self.search = TextField::new(self.search.value());
            }
            Action::Accept => self.searching = false,
            Action::Cancel => self.clear_search(),
            Action::Edit(req) => {
                self.search.handle(req);
                self.selected = 0;
            }
            Action::CycleFilter => {
                self.filter = match self.filter {
                    None => Some(Subtype::Androgenetic),
                    Some(Subtype::Androgenetic) => Some(Subtype::Scarring),
                    Some(Subtype::Scarring) => None,
                };
                self.selected = 0;
            }
            Action::CycleSort => {
                self.sort = (self.sort + 1) % Column::ALL.len();
                self.descending = false;
            }
            Action::ReverseSort => self.descending = !self.descending,
            _ => {}
        }
    }

    /// Keeps the selection on a row and in view of `area` (`n` rows shown).
    pub fn settle(&mut self, n: usize, area: Rect) {
        if self.selected >= n {
            self.selected = n.saturating_sub(1);
        }
        // The search line and the table header take two lines.
        let visible = usize::from(area.height.saturating_sub(2)).max(1);
        let mut offset = self.offset.min(self.selected);
        if self.selected >= offset + visible {
            offset = self.selected + 1 - visible;
        }
        self.offset = offset.min(n.saturating_sub(visible));
    }
}

/// Everything the list draws from besides its own state.
pub struct ListView<'a> {
    pub patients: &'a [Patient],
    pub protocol: &'a Protocol,
    pub today: NaiveDate,
    pub theme: &'a Theme,
}

/// Draws the patient list into `area`; changes nothing.
pub fn draw(frame: &mut Frame, area: Rect, list: &PatientList, v: &ListView) {
    let theme = v.theme;
    let rows = list.rows(v.patients, v.protocol, v.today);
    let [top, table_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);

    // The search / filter / sort line.
    let mut spans = vec![Span::styled(s::SEARCH, theme.header())];
    let q = list.query();
    let mut cursor_x = None;
    if list.searching {
        let (field, cx) = list.search.spans(widgets::width(q).max(12) + 1, theme);
        cursor_x = Some(cx);
        spans.extend(field);
    } else if q.is_empty() {
        spans.push(Span::styled(s::PRESS_SLASH, theme.dim()));
    } else {
        spans.push(Span::styled(q.to_string(), theme.base()));
    }
    spans.push(Span::raw("  "));
    spans.push(Span::styled(s::FILTER, theme.header()));
    spans.push(Span::raw(match list.filter {
        None => s::ALL,
        Some(Subtype::Androgenetic) => s::ANDROGENETIC,
        Some(Subtype::Scarring) => s::SCARRING,
    }));
    spans.push(Span::raw("  "));
    spans.push(Span::styled(s::SORT, theme.header()));
    spans.push(Span::raw(format!(
        "{} {}",
        list.sort_column().title(),
        if list.descending { "↓" } else { "↑" }
    )));
    spans.push(Span::styled(
        s::shown_of(rows.len(), v.patients.len()),
        theme.dim(),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), top);
    if let Some(cx) = cursor_x {
        let x = top.x + widgets::width(s::SEARCH) as u16 + cx as u16;
        frame.set_cursor_position((x.min(top.right().saturating_sub(1)), top.y));
    }

    if v.patients.is_empty() {
        let msg = vec![
            Line::raw(""),
            Line::styled(s::EMPTY_TITLE, theme.header()),
            Line::raw(""),
            Line::raw(s::EMPTY_HINT_1),
            Line::raw(s::EMPTY_HINT_2),
        ];
        frame.render_widget(Paragraph::new(msg).centered(), table_area);
        return;
    }
    if rows.is_empty() {
        let msg = Line::styled(s::NO_MATCH, theme.dim());
        frame.render_widget(
            Paragraph::new(vec![Line::raw(""), msg])
                .centered()
                .wrap(ratatui::widgets::Wrap { trim: true }),
            table_area,
        );
        return;
    }

    let sort_col = list.sort_column();
    let header = Row::new(Column::ALL.map(|c| {
        let mut t = c.title().to_string();
        if c == sort_col {
            t.push(if list.descending { '↓' } else { '↑' });
        }
        Cell::from(t)
    }))
    .style(theme.header());
    // Column widths as the table will lay them out, so long text is cut with "…" rather
    // than silently (a cut "Norwood III-vertex" must not read "Norwood III").
    let id_w = u16::try_from(list.id_width()).unwrap_or(u16::MAX);
    let col_w: Vec<usize> = Layout::horizontal(Column::ALL.map(|c| c.width(id_w)))
        .spacing(1)
        .split(table_area)
        .iter()
        .map(|r| r.width as usize)
        .collect();
    let fit = |i: usize, t: &str| widgets::truncate(t, col_w.get(i).copied().unwrap_or(0));
    let dash = || strings::DASH.to_string();
    // Only the rows that fit are built: the table scrolls by moving `offset`.
    let visible = usize::from(table_area.height.saturating_sub(1)).max(1);
    let offset = list.offset.min(rows.len().saturating_sub(1));
    let end = (offset + visible).min(rows.len());
    let body: Vec<Row> = rows[offset..end]
        .iter()
        .map(|r| {
            let overdue = r.due.as_ref().is_some_and(|d| d.overdue);
            let due_style = if overdue {
                theme.overdue()
            } else {
                theme.base()
            };
            Row::new(vec![
                Cell::from(fit(0, &r.record_id)),
                Cell::from(fit(1, &r.name)),
                Cell::from(r.age.map_or_else(dash, |a| a.to_string())),
                Cell::from(fit(3, &r.class)),
                Cell::from(Span::styled(r.triage_label(), theme.triage(r.triage))),
                Cell::from(s::sessions(r.sessions.min(3), 3)),
                Cell::from(Span::styled(fit(6, &r.due_text(v.today)), due_style)),
                Cell::from(r.vds.map(widgets::fmt_score).unwrap_or_else(dash)),
                Cell::from(r.pss.map(|x| x.to_string()).unwrap_or_else(dash)),
                Cell::from(fit(9, &r.visit.clone().unwrap_or_else(dash))),
            ])
        })
        .collect();
    let table = Table::new(body, Column::ALL.map(|c| c.width(id_w)))
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected());
    let mut state = TableState::default().with_selected(Some(list.selected.saturating_sub(offset)));
    drop(rows);
    frame.render_stateful_widget(table, table_area, &mut state);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_due_labels() {
        assert_eq!(short_due("session 2"), "S2");
        assert_eq!(short_due("follow-up 6m"), "6m");
        assert_eq!(short_due("follow-up post"), "post");
    }

    #[test]
    fn search_folds_case_and_accents() {
        assert_eq!(fold("Müller"), "muller");
        assert_eq!(fold("ÉLODIE Łódź"), "elodie łodz");
        assert!(fold("P-001\u{1f}José García").contains(&fold("garcia")));
    }

    #[test]
    fn missing_values_sort_last_both_ways() {
        let proto = Protocol::builtin();
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let mk = |id: &str, vds: Option<f64>| {
            let mut r = ListRow::new(&Patient::new(id, Subtype::Androgenetic), &proto, today);
            r.vds = vds;
            r
        };
        let mut rows = vec![mk("A", None), mk("B", Some(7.0)), mk("C", Some(9.0))];
        sort_rows(&mut rows, Column::Vds, false);
        let ids: Vec<&str> = rows.iter().map(|r| r.record_id.as_str()).collect();
        assert_eq!(ids, ["B", "C", "A"]);
        sort_rows(&mut rows, Column::Vds, true);
        let ids: Vec<&str> = rows.iter().map(|r| r.record_id.as_str()).collect();
        assert_eq!(ids, ["C", "B", "A"]);
    }
}
