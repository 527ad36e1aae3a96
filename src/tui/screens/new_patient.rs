//! The "new patient" dialog: a record id and a subtype are all a record needs to exist; the
//! rest is filled in the intake that opens next.

use crate::domain::validate::check_record_id;
use crate::domain::{Patient, Subtype};
use crate::tui::app::{Action, App};
use crate::tui::widgets;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use tui_input::Input;

#[derive(Debug)]
pub struct NewPatientForm {
    pub record_id: Input,
    pub subtype: Subtype,
    /// 0 = record id, 1 = subtype.
    pub focus: usize,
    pub error: Option<String>,
}

impl NewPatientForm {
    /// Proposes the next free `P-NNN` id so the common case is just Enter.
    pub fn new(patients: &[Patient]) -> NewPatientForm {
        let mut n = patients.len() + 1;
        let taken = |id: &str| patients.iter().any(|p| p.record_id == id);
        while taken(&format!("P-{n:03}")) {
            n += 1;
        }
        NewPatientForm {
            record_id: Input::new(format!("P-{n:03}")),
            subtype: Subtype::Androgenetic,
            focus: 0,
            error: None,
        }
    }

    /// Whether typed characters go into the record id.
    pub fn on_text(&self) -> bool {
        self.focus == 0
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

    /// The new record, or why it cannot be created.
    pub fn build(&self, patients: &[Patient]) -> Result<Patient, String> {
        let id = self.record_id.value().trim();
        check_record_id(id)?;
        if patients.iter().any(|p| p.record_id == id) {
            return Err(format!(
                "{id} is already in the registry; choose another id"
            ));
        }
        Ok(Patient::new(id, self.subtype))
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(form) = &app.new_patient else {
        return;
    };
    let theme = app.theme;
    let inner = widgets::popup(frame, area, 60, 9, "New patient", &theme);
    let field = |i: usize| {
        if form.focus == i {
            theme.editing()
        } else {
            theme.base()
        }
    };
    let subtypes: Vec<Span> = Subtype::ALL
        .iter()
        .flat_map(|s| {
            let style = if *s == form.subtype {
                theme.selected()
            } else {
                theme.dim()
            };
            [Span::styled(format!(" {} ", s.id()), style), Span::raw(" ")]
        })
        .collect();
    let mut lines = vec![
        Line::from(vec![
            Span::styled(if form.focus == 0 { "▶ " } else { "  " }, theme.key()),
            Span::raw("Record id  "),
            Span::styled(form.record_id.value().to_string(), field(0)),
        ]),
        Line::from(
            [
                vec![
                    Span::styled(if form.focus == 1 { "▶ " } else { "  " }, theme.key()),
                    Span::raw("Subtype    "),
                ],
                subtypes,
            ]
            .concat(),
        ),
        Line::raw(""),
    ];
    match &form.error {
        Some(e) => lines.push(Line::styled(format!("✗ {e}"), theme.error())),
        None => lines.push(Line::styled(
            "The study id names the patient's file; letters, digits, - _ . only.",
            theme.dim(),
        )),
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if form.focus == 0 {
        let x = inner.x + 13 + form.record_id.visual_cursor() as u16;
        frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y));
    }
}
