//! The home screen: every patient in one table, with search, subtype filter and sort.

use crate::domain::{Patient, Subtype, Triage};
use crate::protocol::Protocol;
use crate::protocol::schedule::{AgendaItem, next_due};
use crate::tui::app::{Action, App};
use crate::tui::widgets;
use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};
use std::cell::{Ref, RefCell};
use std::cmp::Ordering;
use tui_input::Input;
use unicode_width::UnicodeWidthStr;

/// The columns of the table, in display order; sorting works on any of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    RecordId,
    Name,
    Subtype,
    Triage,
    Sessions,
    NextDue,
    Vds,
    Pss,
}

impl Column {
    pub const ALL: [Column; 8] = [
        Column::RecordId,
        Column::Name,
        Column::Subtype,
        Column::Triage,
        Column::Sessions,
        Column::NextDue,
        Column::Vds,
        Column::Pss,
    ];
    pub fn title(self) -> &'static str {
        match self {
            Column::RecordId => "Record",
            Column::Name => "Name",
            Column::Subtype => "Subtype · class",
            Column::Triage => "Triage",
            Column::Sessions => "Sess",
            Column::NextDue => "Next due",
            Column::Vds => "VDS",
            Column::Pss => "PSS",
        }
    }
    /// `id_width`: the longest record id in the registry (see [`PatientList::id_width`]).
    fn width(self, id_width: u16) -> Constraint {
        match self {
            Column::RecordId => Constraint::Length(id_width.clamp(8, 16)),
            Column::Name => Constraint::Fill(2),
            Column::Subtype => Constraint::Fill(3),
            Column::Triage => Constraint::Length(10),
            Column::Sessions => Constraint::Length(4),
            Column::NextDue => Constraint::Length(16),
            Column::Vds => Constraint::Length(4),
            Column::Pss => Constraint::Length(3),
        }
    }
}

/// One patient as the list shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRow {
    pub record_id: String,
    pub name: String,
    pub subtype: Subtype,
    pub class: String,
    pub triage: Triage,
    /// A "clearance needed" triage with the physician's sign-off recorded.
    pub cleared: bool,
    pub sessions: usize,
    pub due: Option<AgendaItem>,
    pub vds: Option<f64>,
    pub pss: Option<u8>,
}

impl ListRow {
    pub fn new(p: &Patient, protocol: &Protocol, today: NaiveDate) -> ListRow {
        let latest = p.latest_scores();
        let tri = p.triage(protocol.screen_rules()).triage;
        ListRow {
            record_id: p.record_id.clone(),
            name: p.name.clone().unwrap_or_default(),
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
        }
    }

    pub fn triage_label(&self) -> &'static str {
        match (self.triage, self.cleared) {
            (Triage::ClearanceNeeded, true) => "cleared",
            (Triage::ClearanceNeeded, false) => "clearance",
            (Triage::NotScreened, _) => "unscreened",
            (Triage::ScreenIncomplete, _) => "incomplete",
            (t, _) => t.label(),
        }
    }

    fn cmp_by(&self, other: &ListRow, col: Column) -> Ordering {
        fn opt<T: PartialOrd>(a: &Option<T>, b: &Option<T>) -> Ordering {
            // Missing values sort last whatever the direction of the others.
            match (a, b) {
                (Some(x), Some(y)) => x.partial_cmp(y).unwrap_or(Ordering::Equal),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            }
        }
        match col {
            Column::RecordId => self.record_id.cmp(&other.record_id),
            Column::Name => self.name.cmp(&other.name),
            Column::Subtype => (self.subtype, &self.class).cmp(&(other.subtype, &other.class)),
            Column::Triage => self.triage.cmp(&other.triage),
            Column::Sessions => self.sessions.cmp(&other.sessions),
            Column::NextDue => opt(
                &self.due.as_ref().map(|d| d.date),
                &other.due.as_ref().map(|d| d.date),
            ),
            Column::Vds => opt(&self.vds, &other.vds),
            Column::Pss => opt(&self.pss, &other.pss),
        }
    }
}

fn short_subtype(s: Subtype) -> &'static str {
    match s {
        Subtype::Androgenetic => "AGA",
        Subtype::Scarring => "scar",
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
    pub search: Input,
    /// The search field has the keyboard.
    pub searching: bool,
    pub filter: Option<Subtype>,
    /// Index into [`Column::ALL`].
    pub sort: usize,
    pub descending: bool,
    pub table: TableState,
    /// First row drawn: only the rows on screen are built into the table each frame.
    offset: usize,
    cache: RefCell<RowCache>,
}

/// The rows of the list, kept between frames so a frame costs the rows on screen, not the
/// registry: one [`ListRow`] per patient (computing triage and the next due item is the
/// expensive part) is built once and updated one patient at a time after a save; the
/// filtered, searched and sorted view is rebuilt only when the search, filter, sort or a
/// patient changes.
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
            let q = self.query().trim().to_lowercase();
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
                    .filter(|r| self.filter.is_none_or(|s| r.subtype == s))
                    .filter(|r| {
                        q.is_empty()
                            || r.record_id.to_lowercase().contains(q.as_str())
                            || r.name.to_lowercase().contains(q.as_str())
                    })
                    .cloned()
                    .collect();
                let col = self.sort_column();
                view.sort_by(|a, b| {
                    let o = a.cmp_by(b, col);
                    let o = if self.descending { o.reverse() } else { o };
                    o.then_with(|| a.record_id.cmp(&b.record_id))
                });
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
            Action::StartSearch => self.searching = true,
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
}

/// Draws the patient list into `area`; returns the cursor position while searching.
pub fn draw(frame: &mut Frame, area: Rect, app: &mut App) {
    let theme = app.theme;
    let n_rows = app.list.rows(&app.patients, &app.protocol, app.today).len();
    if app.list.selected >= n_rows {
        app.list.selected = n_rows.saturating_sub(1);
    }
    let rows = app.list.rows(&app.patients, &app.protocol, app.today);
    let [top, table_area] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);

    // The search / filter / sort line.
    let list = &app.list;
    let mut spans = vec![Span::styled("Search ", theme.header())];
    let q = list.query();
    let search_style = if list.searching {
        theme.editing()
    } else {
        theme.base()
    };
    let search_text = if q.is_empty() && !list.searching {
        "(press /)".to_string()
    } else {
        q.to_string()
    };
    spans.push(Span::styled(
        search_text,
        if q.is_empty() && !list.searching {
            theme.dim()
        } else {
            search_style
        },
    ));
    spans.push(Span::raw("  "));
    spans.push(Span::styled("Filter ", theme.header()));
    spans.push(Span::raw(match list.filter {
        None => "all",
        Some(Subtype::Androgenetic) => "androgenetic",
        Some(Subtype::Scarring) => "scarring",
    }));
    spans.push(Span::raw("  "));
    spans.push(Span::styled("Sort ", theme.header()));
    spans.push(Span::raw(format!(
        "{} {}",
        list.sort_column().title(),
        if list.descending { "↓" } else { "↑" }
    )));
    spans.push(Span::styled(
        format!("  {} of {}", rows.len(), app.patients.len()),
        theme.dim(),
    ));
    frame.render_widget(Paragraph::new(Line::from(spans)), top);
    if list.searching {
        let x = top.x + 7 + list.search.visual_cursor() as u16;
        frame.set_cursor_position((x.min(top.right().saturating_sub(1)), top.y));
    }

    if app.patients.is_empty() {
        let msg = vec![
            Line::raw(""),
            Line::styled("No patients in this registry yet.", theme.header()),
            Line::raw(""),
            Line::raw("Press n to register the first patient."),
            Line::raw("To look around first, quit and run: smplan --demo"),
        ];
        frame.render_widget(Paragraph::new(msg).centered(), table_area);
        return;
    }
    if rows.is_empty() {
        let msg = Line::styled(
            "No patient matches the search or filter (Esc clears the search, f changes the filter).",
            theme.dim(),
        );
        frame.render_widget(
            Paragraph::new(vec![Line::raw(""), msg]).centered(),
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
    let fit = |i: usize, s: &str| widgets::truncate(s, col_w.get(i).copied().unwrap_or(0));
    // Only the rows that fit are built: the table scrolls by moving `offset`.
    let visible = usize::from(table_area.height.saturating_sub(1)).max(1);
    let selected = app.list.selected;
    let mut offset = app.list.offset.min(selected);
    if selected >= offset + visible {
        offset = selected + 1 - visible;
    }
    let end = (offset + visible).min(rows.len());
    let body: Vec<Row> = rows[offset.min(end)..end]
        .iter()
        .map(|r| {
            Row::new(vec![
                Cell::from(fit(0, &r.record_id)),
                Cell::from(fit(1, &r.name)),
                Cell::from(fit(2, &r.class)),
                Cell::from(Span::styled(r.triage_label(), theme.triage(r.triage))),
                Cell::from(format!("{}/3", r.sessions.min(3))),
                Cell::from(
                    r.due
                        .as_ref()
                        .map(|d| format!("{:<4} {}", short_due(&d.label), d.date))
                        .unwrap_or_else(|| "—".into()),
                ),
                Cell::from(r.vds.map(widgets::fmt_score).unwrap_or_else(|| "—".into())),
                Cell::from(r.pss.map(|v| v.to_string()).unwrap_or_else(|| "—".into())),
            ])
        })
        .collect();
    let table = Table::new(body, Column::ALL.map(|c| c.width(id_w)))
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected());
    drop(rows);
    app.list.offset = offset;
    app.list.table = TableState::default().with_selected(Some(selected - offset));
    frame.render_stateful_widget(table, table_area, &mut app.list.table);
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
}
