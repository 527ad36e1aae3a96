//! The "new patient" dialog: a record id and a subtype are all a record needs to exist; the
//! rest is filled in the intake that opens next.

use crate::domain::text::file_name_key;
use crate::domain::validate::check_record_id;
use crate::domain::{Patient, Subtype};
use crate::tui::action::Action;
use crate::tui::command::Command;
use crate::tui::keymap as keys;
use crate::tui::strings::{cmd, new_patient as s};
use crate::tui::theme::Theme;
use crate::tui::widgets;
use crate::tui::widgets::text_field::TextField;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

#[derive(Debug)]
pub struct NewPatientForm {
    pub record_id: TextField,
    pub subtype: Subtype,
    /// 0 = record id, 1 = subtype.
    pub focus: usize,
    pub error: Option<String>,
}

impl NewPatientForm {
    /// Proposes the next free `P-NNN` id so the common case is just Enter (typing replaces
    /// the proposal).
    pub fn new(patients: &[Patient]) -> NewPatientForm {
        let mut n = patients.len() + 1;
        let taken = |id: &str| {
            let key = file_name_key(id);
            patients.iter().any(|p| file_name_key(&p.record_id) == key)
        };
        while taken(&format!("P-{n:03}")) {
            n += 1;
        }
        NewPatientForm {
            record_id: TextField::new(format!("P-{n:03}")),
            subtype: Subtype::Androgenetic,
            focus: 0,
            error: None,
        }
    }

    /// Whether typed characters go into the record id.
    pub fn on_text(&self) -> bool {
        self.focus == 0
    }

    pub fn commands(&self) -> Vec<Command> {
        let mut v = vec![
            Command::new(keys::TAB, Action::NextField, cmd::NP_NEXT).bar(),
            Command::new(keys::BACKTAB, Action::PrevField, cmd::NP_PREV),
        ];
        if self.focus == 1 {
            v.push(Command::new(keys::NP_TOGGLE, Action::Toggle, cmd::NP_SUBTYPE).bar());
        }
        v.push(
            Command::new(keys::ENTER, Action::Accept, cmd::NP_CREATE)
                .bar()
                .edits(),
        );
        v.push(Command::new(keys::ESC, Action::Cancel, cmd::NP_CANCEL).bar());
        v
    }

    pub fn update(&mut self, action: Action) {
        match action {
            Action::NextField | Action::PrevField => self.focus = 1 - self.focus,
            Action::Toggle if self.focus == 1 => {
                self.subtype = match self.subtype {
                    Subtype::Androgenetic => Subtype::Scarring,
                    Subtype::Scarring => Subtype::Androgenetic,
                }
            }
            Action::Edit(req) if self.focus == 0 => {
                self.record_id.handle(req);
                self.error = None;
            }
            _ => {}
        }
    }

    /// The new record, or why it cannot be created (naming the field as the dialog does).
    pub fn build(&self, patients: &[Patient]) -> Result<Patient, String> {
        let id = self.record_id.value().trim();
        if id.is_empty() {
            return Err(s::ID_EMPTY.into());
        }
        check_record_id(id).map_err(|e| s::id_refused(&e))?;
        if patients.iter().any(|p| p.record_id == id) {
            return Err(s::id_taken(id));
        }
        // `smp-a` beside `SMP-A` would be one file on a case-insensitive disk.
        let key = file_name_key(id);
        if let Some(p) = patients.iter().find(|p| file_name_key(&p.record_id) == key) {
            return Err(s::id_case_taken(id, &p.record_id));
        }
        Ok(Patient::new(id, self.subtype))
    }
}

pub fn draw(frame: &mut Frame, area: Rect, form: &NewPatientForm, theme: &Theme) {
    let inner = widgets::popup(frame, area, 60, 9, s::TITLE, theme);
    let subtypes: Vec<Span> = Subtype::ALL
        .iter()
        .flat_map(|st| {
            let style = if *st == form.subtype {
                theme.selected()
            } else {
                theme.dim()
            };
            [
                Span::styled(format!(" {} ", st.id()), style),
                Span::raw(" "),
            ]
        })
        .collect();
    let label_w = widgets::width(s::RECORD_ID).max(widgets::width(s::SUBTYPE)) + 2;
    let mut id_line = vec![
        Span::styled(if form.focus == 0 { "▶ " } else { "  " }, theme.key()),
        Span::raw(widgets::pad(s::RECORD_ID, label_w)),
    ];
    let mut cursor = None;
    if form.focus == 0 {
        let (field, cx) = form.record_id.spans(20, theme);
        id_line.extend(field);
        cursor = Some(2 + label_w + cx);
    } else {
        id_line.push(Span::raw(form.record_id.value().to_string()));
    }
    let mut lines = vec![
        Line::from(id_line),
        Line::from(
            [
                vec![
                    Span::styled(if form.focus == 1 { "▶ " } else { "  " }, theme.key()),
                    Span::raw(widgets::pad(s::SUBTYPE, label_w)),
                ],
                subtypes,
            ]
            .concat(),
        ),
        Line::raw(""),
    ];
    match &form.error {
        Some(e) => lines.push(Line::styled(format!("✗ {e}"), theme.error())),
        None => lines.push(Line::styled(s::ID_HINT, theme.dim())),
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let Some(cx) = cursor {
        let x = inner.x + cx as u16;
        frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_differing_only_in_case_from_a_patient_is_refused_and_never_proposed() {
        let patients = vec![Patient::new("p-001", Subtype::Androgenetic)];
        let mut form = NewPatientForm::new(&patients);
        assert_eq!(form.record_id.value(), "P-002");
        form.record_id = TextField::new("P-001".to_string());
        let err = form.build(&patients).expect_err("refused");
        assert!(err.contains("only in letter case"), "{err}");
        form.record_id = TextField::new("P-003".to_string());
        assert!(form.build(&patients).is_ok());
    }
}
