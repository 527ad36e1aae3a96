//! The intake tab: every intake field of the record, edited in place.
//!
//! Each field is saved on its own the moment it is accepted, so nothing typed is lost when the
//! practitioner is called away. A value that does not parse, or that would make the record
//! invalid, is shown with the reason next to the field and not saved.

use crate::domain::validate::parse_date;
use crate::domain::{
    Activity, AffectedZone, AgaStage, Classification, Clearance, ConsentPart, ConsentStatus,
    Fitzpatrick, HairColour, NorwoodStage, Patient, ScarCause, ScarDetails, Sex, Subtype, Texture,
    Triage,
};
use crate::protocol::Protocol;
use crate::tui::app::Action;
use crate::tui::keymap::Context;
use crate::tui::theme::Theme;
use crate::tui::widgets;
use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;

/// One editable intake field. Zones and health-screen items are indices into the protocol's
/// lists, so a clinic's own protocol decides what is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    Sex,
    BirthDate,
    Fitzpatrick,
    HairColour,
    GreyPercent,
    Subtype,
    Classification,
    Activity,
    MonthsStable,
    Texture,
    Zone(usize),
    Expectations,
    ScreenDate,
    ScreenItem(usize),
    ClearanceBy,
    ClearanceDate,
    ClearanceNote,
    ConsentTreatment,
    ConsentPhotographs,
    ConsentDataUse,
    ConsentDate,
    Notes,
}

/// How a field is edited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    Choice,
    Check,
    /// A zone: Space ticks it, Enter edits its area.
    Zone,
}

/// A line of the form: a section heading or a field.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Section(&'static str),
    Field(Field),
    /// Something recorded that the protocol does not know (shown, never dropped).
    Note(String),
}

/// A value offered by a choice list.
#[derive(Debug, Clone, PartialEq)]
enum Choice {
    Unset,
    Sex(Sex),
    Fitzpatrick(Fitzpatrick),
    Hair(HairColour),
    Subtype(Subtype),
    Class(Classification),
    Activity(Activity),
    Texture(Texture),
    /// Type a classification none of the listed stages or causes fits.
    TypeOther,
}

/// The edit in progress.
#[derive(Debug)]
pub enum Editing {
    Text(Input),
    Choice {
        options: Vec<String>,
        selected: usize,
    },
}

/// What the form asks the app to do after an action.
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
}

/// Where focus goes once a save succeeds (Tab while editing saves and moves on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum After {
    Stay,
    Next,
    Prev,
}

#[derive(Debug)]
pub struct IntakeForm {
    pub focus: Field,
    pub editing: Option<Editing>,
    /// The reason the last value of a field was refused, shown beside it.
    pub error: Option<(Field, String)>,
    after: After,
    scroll: usize,
}

impl Default for IntakeForm {
    fn default() -> Self {
        IntakeForm {
            focus: Field::Name,
            editing: None,
            error: None,
            after: After::Stay,
            scroll: 0,
        }
    }
}

/// The form's lines for this patient and protocol.
pub fn items(p: &Patient, proto: &Protocol) -> Vec<Item> {
    use Field::*;
    let mut v = vec![Item::Section("Patient")];
    v.extend(
        [Name, Sex, BirthDate, Fitzpatrick, HairColour, GreyPercent]
            .into_iter()
            .map(Item::Field),
    );
    v.push(Item::Section("Alopecia"));
    v.push(Item::Field(Subtype));
    v.push(Item::Field(Classification));
    if p.subtype() == crate::domain::Subtype::Scarring {
        v.extend(
            [Activity, MonthsStable, Texture]
                .into_iter()
                .map(Item::Field),
        );
    }
    v.push(Item::Section("Zones affected"));
    v.extend((0..proto.zones.items.len()).map(|i| Item::Field(Zone(i))));
    for z in &p.zones {
        if !proto.zones.items.iter().any(|k| k.id == z.zone) {
            v.push(Item::Note(format!(
                "zone '{}' is not in the protocol (kept as recorded)",
                z.zone
            )));
        }
    }
    v.push(Item::Field(Expectations));
    v.push(Item::Section("Health screen"));
    v.push(Item::Field(ScreenDate));
    v.extend((0..proto.screen.items.len()).map(|i| Item::Field(ScreenItem(i))));
    for (id, yes) in &p.screen.answers {
        if !proto.screen.items.iter().any(|d| &d.id == id) {
            v.push(Item::Note(format!(
                "answer '{id}' = {} is not a question of the protocol",
                if *yes { "yes" } else { "no" }
            )));
        }
    }
    v.push(Item::Section("Clearance"));
    v.extend([ClearanceBy, ClearanceDate, ClearanceNote].map(Item::Field));
    v.push(Item::Section("Consent"));
    v.extend(
        [
            ConsentTreatment,
            ConsentPhotographs,
            ConsentDataUse,
            ConsentDate,
        ]
        .map(Item::Field),
    );
    v.push(Item::Section("Notes"));
    v.push(Item::Field(Notes));
    v
}

fn fields(p: &Patient, proto: &Protocol) -> Vec<Field> {
    items(p, proto)
        .into_iter()
        .filter_map(|i| match i {
            Item::Field(f) => Some(f),
            _ => None,
        })
        .collect()
}

impl Field {
    pub fn kind(self) -> Kind {
        use Field::*;
        match self {
            Sex | Fitzpatrick | HairColour | Subtype | Classification | Activity | Texture => {
                Kind::Choice
            }
            ScreenItem(_) | ConsentTreatment | ConsentPhotographs | ConsentDataUse => Kind::Check,
            Zone(_) => Kind::Zone,
            _ => Kind::Text,
        }
    }

    pub fn label(self, p: &Patient, proto: &Protocol) -> String {
        use Field::*;
        match self {
            Name => "Name".into(),
            Sex => "Sex".into(),
            BirthDate => "Date of birth".into(),
            Fitzpatrick => "Fitzpatrick type".into(),
            HairColour => "Natural hair colour".into(),
            GreyPercent => "Grey hair %".into(),
            Subtype => "Subtype".into(),
            Classification => match p.subtype() {
                crate::domain::Subtype::Androgenetic => "Stage".into(),
                crate::domain::Subtype::Scarring => "Scar cause".into(),
            },
            Activity => "Activity".into(),
            MonthsStable => "Months stable".into(),
            Texture => "Scar texture".into(),
            Zone(i) => proto
                .zones
                .items
                .get(i)
                .map(|z| z.name.clone())
                .unwrap_or_default(),
            Expectations => "Expectations".into(),
            ScreenDate => "Screened on".into(),
            ScreenItem(i) => proto
                .screen_items()
                .get(i)
                .map(|d| d.label.clone())
                .unwrap_or_default(),
            ClearanceBy => "Cleared by (physician)".into(),
            ClearanceDate => "Clearance date".into(),
            ClearanceNote => "Clearance note".into(),
            ConsentTreatment => "Consent: treatment".into(),
            ConsentPhotographs => "Consent: photographs".into(),
            ConsentDataUse => "Consent: data use".into(),
            ConsentDate => "Consent date".into(),
            Notes => "Notes".into(),
        }
    }

    /// The value as shown (not editing).
    pub fn display(self, p: &Patient, proto: &Protocol, today: NaiveDate) -> String {
        use Field::*;
        let dash = || "—".to_string();
        match self {
            Name => p.name.clone().unwrap_or_else(dash),
            Sex => p
                .sex
                .map(|s| format!("{} — {}", s.code(), s.label()))
                .unwrap_or_else(dash),
            BirthDate => match p.birth_date {
                Some(d) => match p.age_on(today) {
                    Some(a) => format!("{d}  (age {a})"),
                    None => d.to_string(),
                },
                None => dash(),
            },
            Fitzpatrick => p
                .fitzpatrick
                .map(|f| f.roman().to_string())
                .unwrap_or_else(dash),
            HairColour => p
                .hair_colour
                .map(|h| h.label().to_string())
                .unwrap_or_else(dash),
            GreyPercent => p
                .grey_percent
                .map(|g| format!("{g} %"))
                .unwrap_or_else(dash),
            Subtype => p.subtype().id().to_string(),
            Classification => p
                .alopecia
                .classification
                .as_ref()
                .map(|c| c.to_string())
                .unwrap_or_else(dash),
            Activity => scar(p)
                .and_then(|s| s.activity)
                .map(|a| activity_label(a).to_string())
                .unwrap_or_else(dash),
            MonthsStable => scar(p)
                .and_then(|s| s.months_stable)
                .map(|m| m.to_string())
                .unwrap_or_else(dash),
            Texture => scar(p)
                .and_then(|s| s.texture)
                .map(|t| texture_label(t).to_string())
                .unwrap_or_else(dash),
            Zone(i) => {
                let Some(z) = proto.zones.items.get(i) else {
                    return dash();
                };
                match p.zones.iter().find(|a| a.zone == z.id) {
                    Some(AffectedZone {
                        area_cm2: Some(a), ..
                    }) => format!("[x] {} cm²", widgets::fmt_score(*a)),
                    Some(_) => format!(
                        "[x] {} cm² (protocol default)",
                        widgets::fmt_score(z.default_area_cm2)
                    ),
                    None => "[ ]".into(),
                }
            }
            Expectations => p.expectations.clone().unwrap_or_else(dash),
            ScreenDate => p.screen.date.map(|d| d.to_string()).unwrap_or_else(dash),
            ScreenItem(i) => {
                let id = proto.screen.items.get(i).map(|d| d.id.as_str());
                match id.and_then(|id| p.screen.answers.get(id)) {
                    Some(true) => "[x] yes".into(),
                    Some(false) => "[ ] no".into(),
                    None => "[ ] not asked".into(),
                }
            }
            ClearanceBy => p
                .clearance
                .as_ref()
                .map(|c| c.by.clone())
                .unwrap_or_else(dash),
            ClearanceDate => p
                .clearance
                .as_ref()
                .map(|c| c.date.to_string())
                .unwrap_or_else(dash),
            ClearanceNote => p
                .clearance
                .as_ref()
                .and_then(|c| c.note.clone())
                .unwrap_or_else(dash),
            ConsentTreatment => consent_box(p.consent.treatment),
            ConsentPhotographs => consent_box(p.consent.photographs),
            ConsentDataUse => consent_box(p.consent.data_use),
            ConsentDate => consent_date(&p.consent)
                .map(|d| d.to_string())
                .unwrap_or_else(dash),
            Notes => p.notes.clone().unwrap_or_else(dash),
        }
    }

    /// The text an edit starts from.
    fn raw(self, p: &Patient) -> String {
        use Field::*;
        let d = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        match self {
            Name => p.name.clone().unwrap_or_default(),
            BirthDate => d(p.birth_date),
            GreyPercent => p.grey_percent.map(|g| g.to_string()).unwrap_or_default(),
            MonthsStable => scar(p)
                .and_then(|s| s.months_stable)
                .map(|m| m.to_string())
                .unwrap_or_default(),
            Expectations => p.expectations.clone().unwrap_or_default(),
            ScreenDate => d(p.screen.date),
            ClearanceBy => p
                .clearance
                .as_ref()
                .map(|c| c.by.clone())
                .unwrap_or_default(),
            ClearanceDate => d(p.clearance.as_ref().map(|c| c.date)),
            ClearanceNote => p
                .clearance
                .as_ref()
                .and_then(|c| c.note.clone())
                .unwrap_or_default(),
            ConsentDate => d(consent_date(&p.consent)),
            Notes => p.notes.clone().unwrap_or_default(),
            Classification => match &p.alopecia.classification {
                Some(crate::domain::Classification::Other(t)) => t.clone(),
                _ => String::new(),
            },
            _ => String::new(),
        }
    }

    /// A hint shown beside an empty or editing field: the format expected.
    fn hint(self) -> &'static str {
        use Field::*;
        match self {
            BirthDate | ScreenDate | ClearanceDate | ConsentDate => "YYYY-MM-DD",
            GreyPercent => "0 to 100",
            MonthsStable => "whole months",
            Zone(_) => "cm², empty = protocol default",
            _ => "",
        }
    }
}

fn scar(p: &Patient) -> Option<&ScarDetails> {
    p.alopecia.scar.as_ref()
}

fn activity_label(a: Activity) -> &'static str {
    match a {
        Activity::Active => "active",
        Activity::Quiescent => "quiescent",
    }
}

fn texture_label(t: Texture) -> &'static str {
    match t {
        Texture::Flat => "flat",
        Texture::Raised => "raised",
        Texture::Atrophic => "atrophic",
    }
}

/// The options of a choice field, with "not recorded" first where the field is optional.
fn choices(field: Field, p: &Patient) -> Vec<(String, Choice)> {
    let unset = || ("— not recorded".to_string(), Choice::Unset);
    let mut v = Vec::new();
    match field {
        Field::Sex => {
            v.push(unset());
            v.extend(Sex::ALL.map(|s| (format!("{} — {}", s.code(), s.label()), Choice::Sex(s))));
        }
        Field::Fitzpatrick => {
            v.push(unset());
            v.extend(Fitzpatrick::all().map(|f| (f.roman().to_string(), Choice::Fitzpatrick(f))));
        }
        Field::HairColour => {
            v.push(unset());
            v.extend(HairColour::ALL.map(|h| (h.label().to_string(), Choice::Hair(h))));
        }
        Field::Subtype => {
            v.extend(Subtype::ALL.map(|s| (s.id().to_string(), Choice::Subtype(s))));
        }
        Field::Classification => {
            v.push(unset());
            let classes: Vec<Classification> = match p.subtype() {
                Subtype::Androgenetic => NorwoodStage::ALL
                    .map(|n| Classification::Aga(AgaStage::Norwood(n)))
                    .into_iter()
                    .chain((1..=3).map(|g| Classification::Aga(AgaStage::Ludwig(g))))
                    .chain((1..=5).map(|g| Classification::Aga(AgaStage::Sinclair(g))))
                    .collect(),
                Subtype::Scarring => ScarCause::ALL.map(Classification::Scar).to_vec(),
            };
            if let Some(c @ Classification::Other(_)) = &p.alopecia.classification {
                v.push((format!("{c} (as typed)"), Choice::Class(c.clone())));
            }
            v.extend(
                classes
                    .into_iter()
                    .map(|c| (c.to_string(), Choice::Class(c))),
            );
            v.push(("other — type it…".to_string(), Choice::TypeOther));
        }
        Field::Activity => {
            v.push(unset());
            v.extend(
                [Activity::Active, Activity::Quiescent]
                    .map(|a| (activity_label(a).to_string(), Choice::Activity(a))),
            );
        }
        Field::Texture => {
            v.push(unset());
            v.extend(
                [Texture::Flat, Texture::Raised, Texture::Atrophic]
                    .map(|t| (texture_label(t).to_string(), Choice::Texture(t))),
            );
        }
        _ => {}
    }
    v
}

/// Which option shows the current value.
fn current_choice(field: Field, p: &Patient) -> Choice {
    let s = scar(p);
    let or_unset = |c: Option<Choice>| c.unwrap_or(Choice::Unset);
    match field {
        Field::Sex => or_unset(p.sex.map(Choice::Sex)),
        Field::Fitzpatrick => or_unset(p.fitzpatrick.map(Choice::Fitzpatrick)),
        Field::HairColour => or_unset(p.hair_colour.map(Choice::Hair)),
        Field::Subtype => Choice::Subtype(p.subtype()),
        Field::Classification => or_unset(p.alopecia.classification.clone().map(Choice::Class)),
        Field::Activity => or_unset(s.and_then(|s| s.activity).map(Choice::Activity)),
        Field::Texture => or_unset(s.and_then(|s| s.texture).map(Choice::Texture)),
        _ => Choice::Unset,
    }
}

fn scar_mut(p: &mut Patient) -> &mut ScarDetails {
    p.alopecia.scar.get_or_insert_with(ScarDetails::default)
}

/// Drops scar details left with nothing in them, so an empty object is not stored.
fn tidy_scar(p: &mut Patient) {
    if p.alopecia.scar.as_ref() == Some(&ScarDetails::default()) {
        p.alopecia.scar = None;
    }
}

/// Applies a chosen option; returns what changed, for the status line.
fn apply_choice(p: &mut Patient, field: Field, c: Choice) -> String {
    let label = |p: &Patient| field_status_label(field, p);
    match c {
        Choice::Unset => {
            match field {
                Field::Sex => p.sex = None,
                Field::Fitzpatrick => p.fitzpatrick = None,
                Field::HairColour => p.hair_colour = None,
                Field::Classification => p.alopecia.classification = None,
                Field::Activity => scar_mut(p).activity = None,
                Field::Texture => scar_mut(p).texture = None,
                _ => {}
            }
            tidy_scar(p);
            return format!("{} cleared", label(p));
        }
        Choice::Sex(s) => p.sex = Some(s),
        Choice::Fitzpatrick(f) => p.fitzpatrick = Some(f),
        Choice::Hair(h) => p.hair_colour = Some(h),
        Choice::Subtype(s) => {
            if s == p.subtype() {
                return format!("subtype {s}");
            }
            p.alopecia.subtype = s;
            let mut dropped = Vec::new();
            if p.alopecia
                .classification
                .as_ref()
                .and_then(|c| c.subtype())
                .is_some_and(|cs| cs != s)
            {
                p.alopecia.classification = None;
                dropped.push("the stage / cause");
            }
            if s == Subtype::Androgenetic && p.alopecia.scar.take().is_some() {
                dropped.push("the scar details");
            }
            return if dropped.is_empty() {
                format!("subtype {s}")
            } else {
                format!(
                    "subtype {s} ({} cleared: they belong to the other subtype)",
                    dropped.join(" and ")
                )
            };
        }
        Choice::Class(c) => p.alopecia.classification = Some(c),
        Choice::TypeOther => {}
        Choice::Activity(a) => scar_mut(p).activity = Some(a),
        Choice::Texture(t) => scar_mut(p).texture = Some(t),
    }
    format!("{} {}", label(p), field_value_for_status(field, p))
}

fn field_status_label(field: Field, p: &Patient) -> String {
    match field {
        Field::Classification => match p.subtype() {
            Subtype::Androgenetic => "stage".into(),
            Subtype::Scarring => "scar cause".into(),
        },
        Field::Fitzpatrick => "Fitzpatrick type".into(),
        Field::HairColour => "hair colour".into(),
        Field::Texture => "scar texture".into(),
        Field::Sex => "sex".into(),
        Field::Activity => "activity".into(),
        _ => format!("{field:?}").to_lowercase(),
    }
}

fn field_value_for_status(field: Field, p: &Patient) -> String {
    match field {
        Field::Sex => p.sex.map(|s| s.code().to_string()).unwrap_or_default(),
        Field::Fitzpatrick => p
            .fitzpatrick
            .map(|f| f.roman().to_string())
            .unwrap_or_default(),
        Field::HairColour => p
            .hair_colour
            .map(|h| h.label().to_string())
            .unwrap_or_default(),
        Field::Classification => p
            .alopecia
            .classification
            .as_ref()
            .map(|c| c.to_string())
            .unwrap_or_default(),
        Field::Activity => scar(p)
            .and_then(|s| s.activity)
            .map(|a| activity_label(a).to_string())
            .unwrap_or_default(),
        Field::Texture => scar(p)
            .and_then(|s| s.texture)
            .map(|t| texture_label(t).to_string())
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// A consent part as the form shows it: `[x] given 2026-01-05`, `[-] refused / withdrawn ...`.
fn consent_box(c: ConsentPart) -> String {
    let mark = match c.status {
        ConsentStatus::Given => "[x]",
        ConsentStatus::Refused => "[-]",
        ConsentStatus::NotRecorded => "[ ]",
    };
    format!("{mark} {}", c.describe())
}

/// The date the form's single "Consent date" shows: the first recorded part's.
fn consent_date(c: &crate::domain::Consent) -> Option<NaiveDate> {
    [c.treatment, c.photographs, c.data_use]
        .into_iter()
        .filter(|p| p.is_recorded())
        .find_map(|p| p.date)
}

fn opt_text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn opt_date(s: &str) -> Result<Option<NaiveDate>, String> {
    if s.trim().is_empty() {
        Ok(None)
    } else {
        parse_date(s).map(Some)
    }
}

fn not_future(d: Option<NaiveDate>, today: NaiveDate) -> Result<Option<NaiveDate>, String> {
    match d {
        Some(d) if d > today => Err(format!("{d} is in the future (today is {today})")),
        other => Ok(other),
    }
}

/// Parses typed text into the field; returns what was saved, for the status line.
fn apply_text(
    p: &mut Patient,
    field: Field,
    text: &str,
    proto: &Protocol,
    today: NaiveDate,
) -> Result<String, String> {
    let shown = |v: &Option<String>| v.clone().unwrap_or_else(|| "(cleared)".into());
    match field {
        Field::Name => {
            p.name = opt_text(text);
            Ok(format!("name {}", shown(&p.name)))
        }
        Field::BirthDate => {
            p.birth_date = opt_date(text)?;
            Ok(format!(
                "date of birth {}",
                shown(&p.birth_date.map(|d| d.to_string()))
            ))
        }
        Field::GreyPercent => {
            let t = text.trim();
            p.grey_percent = if t.is_empty() {
                None
            } else {
                match t.trim_end_matches('%').trim().parse::<u8>() {
                    Ok(g) if g <= 100 => Some(g),
                    _ => {
                        return Err(format!(
                            "'{t}' is not a whole percent; allowed: 0 to 100 (share of grey hair)"
                        ));
                    }
                }
            };
            Ok(format!(
                "grey hair {}",
                shown(&p.grey_percent.map(|g| format!("{g} %")))
            ))
        }
        Field::MonthsStable => {
            let t = text.trim();
            let v =
                if t.is_empty() {
                    None
                } else {
                    Some(t.parse::<u32>().map_err(|_| {
                        format!("'{t}' is not a whole number of months (0 or more)")
                    })?)
                };
            scar_mut(p).months_stable = v;
            tidy_scar(p);
            Ok(format!(
                "months stable {}",
                shown(&v.map(|m| m.to_string()))
            ))
        }
        Field::Zone(i) => {
            let z = proto
                .zones
                .items
                .get(i)
                .ok_or_else(|| "no such zone in the protocol".to_string())?;
            let t = text.trim().trim_end_matches("cm²").trim();
            let area = if t.is_empty() {
                None
            } else {
                match t.parse::<f64>() {
                    Ok(a) if a.is_finite() && a > 0.0 && a <= 1000.0 => Some(a),
                    _ => {
                        return Err(format!(
                            "'{t}' is not an area; allowed: a number of cm² above 0 and up to 1000, or empty for the protocol default"
                        ));
                    }
                }
            };
            match p.zones.iter_mut().find(|a| a.zone == z.id) {
                Some(a) => a.area_cm2 = area,
                None => p.zones.push(AffectedZone {
                    zone: z.id.clone(),
                    area_cm2: area,
                }),
            }
            Ok(format!(
                "{} {}",
                z.name,
                area.map(|a| format!("{} cm²", widgets::fmt_score(a)))
                    .unwrap_or_else(|| "at the protocol's default area".into())
            ))
        }
        Field::Expectations => {
            p.expectations = opt_text(text);
            Ok(format!("expectations {}", shown(&p.expectations)))
        }
        Field::ScreenDate => {
            p.screen.date = not_future(opt_date(text)?, today)?;
            Ok(format!(
                "screen date {}",
                shown(&p.screen.date.map(|d| d.to_string()))
            ))
        }
        Field::ClearanceBy => match (opt_text(text), p.clearance.as_mut()) {
            (None, _) => {
                p.clearance = None;
                Ok("clearance removed".into())
            }
            (Some(by), Some(c)) => {
                c.by = by;
                Ok(format!("cleared by {}", c.by))
            }
            (Some(by), None) => {
                p.clearance = Some(Clearance {
                    by: by.clone(),
                    date: today,
                    note: None,
                });
                Ok(format!(
                    "cleared by {by}, dated today ({today}); change the date if it was given earlier"
                ))
            }
        },
        Field::ClearanceDate => {
            let Some(c) = p.clearance.as_mut() else {
                return Err("enter who gave the clearance first (Cleared by)".into());
            };
            match opt_date(text)? {
                Some(d) => c.date = d,
                None => {
                    return Err(
                        "a clearance needs its date; clear 'Cleared by' to remove the clearance"
                            .into(),
                    );
                }
            }
            Ok(format!("clearance date {}", c.date))
        }
        Field::ClearanceNote => {
            let Some(c) = p.clearance.as_mut() else {
                return Err("enter who gave the clearance first (Cleared by)".into());
            };
            c.note = opt_text(text);
            Ok(format!("clearance note {}", shown(&c.note)))
        }
        Field::ConsentDate => {
            // One date for the parts recorded (the consent is usually signed at once).
            let date = opt_date(text)?;
            for part in [
                &mut p.consent.treatment,
                &mut p.consent.photographs,
                &mut p.consent.data_use,
            ] {
                if part.is_recorded() {
                    part.date = date;
                }
            }
            Ok(format!(
                "consent date {}",
                shown(&date.map(|d| d.to_string()))
            ))
        }
        Field::Classification => {
            p.alopecia.classification = match opt_text(text) {
                None => None,
                Some(t) => {
                    let c = Classification::parse(&t);
                    if c.subtype().is_some_and(|s| s != p.subtype()) {
                        return Err(format!(
                            "'{c}' belongs to the other subtype; change the subtype first"
                        ));
                    }
                    Some(c)
                }
            };
            Ok(format!(
                "{} {}",
                field_status_label(field, p),
                shown(&p.alopecia.classification.as_ref().map(|c| c.to_string()))
            ))
        }
        Field::Notes => {
            p.notes = opt_text(text);
            Ok(format!("notes {}", shown(&p.notes)))
        }
        other => Err(format!("{other:?} is not a text field")),
    }
}

/// Ticks or unticks a box; returns what changed.
fn toggle(p: &mut Patient, field: Field, proto: &Protocol) -> Option<String> {
    match field {
        Field::ScreenItem(i) => {
            let def = proto.screen.items.get(i)?;
            let v = !p.screen.answers.get(&def.id).copied().unwrap_or(false);
            p.screen.answers.insert(def.id.clone(), v);
            let tri = p.triage(proto.screen_rules()).triage;
            Some(format!(
                "{}: {} (triage: {})",
                def.label,
                if v { "yes" } else { "no" },
                tri.label()
            ))
        }
        Field::Zone(i) => {
            let z = proto.zones.items.get(i)?;
            if let Some(pos) = p.zones.iter().position(|a| a.zone == z.id) {
                p.zones.remove(pos);
                Some(format!("{} removed from the zones affected", z.name))
            } else {
                p.zones.push(AffectedZone {
                    zone: z.id.clone(),
                    area_cm2: None,
                });
                Some(format!("{} added to the zones affected", z.name))
            }
        }
        Field::ConsentTreatment | Field::ConsentPhotographs | Field::ConsentDataUse => {
            let date = consent_date(&p.consent);
            let (part, what) = match field {
                Field::ConsentTreatment => (&mut p.consent.treatment, "treatment"),
                Field::ConsentPhotographs => (&mut p.consent.photographs, "photographs"),
                _ => (&mut p.consent.data_use, "data use"),
            };
            part.status = match part.status {
                ConsentStatus::NotRecorded => ConsentStatus::Given,
                ConsentStatus::Given => ConsentStatus::Refused,
                ConsentStatus::Refused => ConsentStatus::NotRecorded,
            };
            part.date = if part.is_recorded() {
                part.date.or(date)
            } else {
                None
            };
            Some(format!("consent to {what} {}", part.describe()))
        }
        _ => None,
    }
}

impl IntakeForm {
    pub fn is_editing(&self) -> bool {
        self.editing.is_some()
    }

    pub fn context(&self) -> Context {
        match self.editing {
            Some(Editing::Text(_)) => Context::EditText,
            Some(Editing::Choice { .. }) => Context::Choose,
            None => Context::Intake,
        }
    }

    /// The save went through: close the editor and move on if Tab asked to.
    pub fn saved(&mut self, p: &Patient, proto: &Protocol) {
        self.editing = None;
        self.error = None;
        self.finish_move(&fields(p, proto));
    }

    /// The store or the record's rules refused the value: keep the editor open with the
    /// reason beside the field.
    pub fn refused(&mut self, reason: String) {
        self.error = Some((self.focus, reason));
        self.after = After::Stay;
    }

    fn move_focus(&mut self, fields: &[Field], delta: isize) {
        let i = fields.iter().position(|f| *f == self.focus).unwrap_or(0) as isize;
        let n = fields.len() as isize;
        if n == 0 {
            return;
        }
        let j = (i + delta).clamp(0, n - 1) as usize;
        self.focus = fields[j];
    }

    fn jump_section(&self, p: &Patient, proto: &Protocol, forward: bool) -> Field {
        // First field of each section, in order.
        let mut starts = Vec::new();
        let mut take = false;
        for it in items(p, proto) {
            match it {
                Item::Section(_) => take = true,
                Item::Field(f) if take => {
                    starts.push(f);
                    take = false;
                }
                _ => {}
            }
        }
        let all = fields(p, proto);
        let pos = |f: &Field| all.iter().position(|x| x == f).unwrap_or(0);
        let here = pos(&self.focus);
        if forward {
            starts
                .into_iter()
                .find(|f| pos(f) > here)
                .unwrap_or(self.focus)
        } else {
            starts
                .into_iter()
                .rev()
                .find(|f| pos(f) < here)
                .unwrap_or(all.first().copied().unwrap_or(self.focus))
        }
    }

    /// Applies one action to the form; what to save, if anything, goes back to the app.
    pub fn update(
        &mut self,
        action: Action,
        p: &Patient,
        proto: &Protocol,
        today: NaiveDate,
    ) -> Commit {
        let all = fields(p, proto);
        if !all.contains(&self.focus) {
            self.focus = all.first().copied().unwrap_or(Field::Name);
        }
        let field = self.focus;
        match self.editing.as_mut() {
            Some(Editing::Text(input)) => match action {
                Action::Edit(req) => {
                    input.handle(req);
                    Commit::Nothing
                }
                Action::Cancel => {
                    self.editing = None;
                    self.error = None;
                    Commit::Nothing
                }
                Action::Accept | Action::NextField | Action::PrevField => {
                    self.after = match action {
                        Action::NextField => After::Next,
                        Action::PrevField => After::Prev,
                        _ => After::Stay,
                    };
                    let text = input.value().to_string();
                    let mut q = p.clone();
                    match apply_text(&mut q, field, &text, proto, today) {
                        Err(e) => {
                            self.error = Some((field, e.clone()));
                            self.after = After::Stay;
                            Commit::Refused(format!("not saved: {e}"))
                        }
                        Ok(_) if q == *p => {
                            self.editing = None;
                            self.error = None;
                            self.finish_move(&all);
                            Commit::Nothing
                        }
                        Ok(what) => Commit::Save {
                            patient: Box::new(q),
                            what,
                        },
                    }
                }
                _ => Commit::Nothing,
            },
            Some(Editing::Choice { options, selected }) => match action {
                Action::Up => {
                    *selected = selected.saturating_sub(1);
                    Commit::Nothing
                }
                Action::Down => {
                    *selected = (*selected + 1).min(options.len().saturating_sub(1));
                    Commit::Nothing
                }
                Action::Cancel => {
                    self.editing = None;
                    Commit::Nothing
                }
                Action::Accept => {
                    let opts = choices(field, p);
                    let Some((_, c)) = opts.get(*selected).cloned() else {
                        return Commit::Nothing;
                    };
                    if c == Choice::TypeOther {
                        self.editing = Some(Editing::Text(Input::new(field.raw(p))));
                        return Commit::Nothing;
                    }
                    let mut q = p.clone();
                    let what = apply_choice(&mut q, field, c);
                    if q == *p {
                        self.editing = None;
                        return Commit::Nothing;
                    }
                    self.after = After::Stay;
                    Commit::Save {
                        patient: Box::new(q),
                        what,
                    }
                }
                _ => Commit::Nothing,
            },
            None => match action {
                Action::Up | Action::PrevField => {
                    self.move_focus(&all, -1);
                    Commit::Nothing
                }
                Action::Down | Action::NextField => {
                    self.move_focus(&all, 1);
                    Commit::Nothing
                }
                Action::PageDown => {
                    self.focus = self.jump_section(p, proto, true);
                    Commit::Nothing
                }
                Action::PageUp => {
                    self.focus = self.jump_section(p, proto, false);
                    Commit::Nothing
                }
                Action::Toggle => self.toggle(p, field, proto),
                Action::Open => match field.kind() {
                    Kind::Check => self.toggle(p, field, proto),
                    Kind::Choice => {
                        let opts = choices(field, p);
                        let cur = current_choice(field, p);
                        let selected = opts.iter().position(|(_, c)| *c == cur).unwrap_or(0);
                        self.editing = Some(Editing::Choice {
                            options: opts.into_iter().map(|(l, _)| l).collect(),
                            selected,
                        });
                        Commit::Nothing
                    }
                    Kind::Text | Kind::Zone => {
                        let raw = match field {
                            Field::Zone(i) => proto
                                .zones
                                .items
                                .get(i)
                                .and_then(|z| p.zones.iter().find(|a| a.zone == z.id))
                                .and_then(|a| a.area_cm2)
                                .map(widgets::fmt_score)
                                .unwrap_or_default(),
                            f => f.raw(p),
                        };
                        self.editing = Some(Editing::Text(Input::new(raw)));
                        self.error = None;
                        Commit::Nothing
                    }
                },
                Action::Clear => {
                    let mut q = p.clone();
                    let res = match field.kind() {
                        Kind::Choice if field == Field::Subtype => {
                            Err("the subtype is required; choose the other one instead".into())
                        }
                        Kind::Choice => Ok(apply_choice(&mut q, field, Choice::Unset)),
                        Kind::Text => apply_text(&mut q, field, "", proto, today),
                        Kind::Zone | Kind::Check => Err("use Space to untick".to_string()),
                    };
                    match res {
                        Err(e) => Commit::Refused(e),
                        Ok(_) if q == *p => Commit::Nothing,
                        Ok(what) => {
                            self.after = After::Stay;
                            Commit::Save {
                                patient: Box::new(q),
                                what,
                            }
                        }
                    }
                }
                _ => Commit::Nothing,
            },
        }
    }

    fn toggle(&mut self, p: &Patient, field: Field, proto: &Protocol) -> Commit {
        let mut q = p.clone();
        match toggle(&mut q, field, proto) {
            Some(what) => {
                self.after = After::Stay;
                Commit::Save {
                    patient: Box::new(q),
                    what,
                }
            }
            None => Commit::Nothing,
        }
    }

    fn finish_move(&mut self, all: &[Field]) {
        match std::mem::replace(&mut self.after, After::Stay) {
            After::Next => self.move_focus(all, 1),
            After::Prev => self.move_focus(all, -1),
            After::Stay => {}
        }
    }
}

/// Width of the label column: the longest label, between 26 and 40 columns and at most 45% of
/// the width,
/// so protocol questions read whole on a wide terminal and values keep room on a narrow one.
fn label_width(labels: impl Iterator<Item = String>, w: usize) -> usize {
    let longest = labels.map(|l| widgets::width(&l)).max().unwrap_or(0);
    longest.clamp(26, (w * 45 / 100).clamp(26, 40))
}

/// Splits `text` into lines of at most `w` columns, at spaces where possible.
pub fn wrap(text: &str, w: usize) -> Vec<String> {
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

/// The triage of the health screen as a badge, with the clearance when one is recorded.
pub fn triage_badge(p: &Patient, proto: &Protocol, theme: &Theme) -> Vec<Span<'static>> {
    let r = p.triage(proto.screen_rules());
    let text = match (r.triage, &p.clearance) {
        (Triage::ClearanceNeeded, Some(c)) => format!(" CLEARED by {} ", c.by),
        _ => format!(" {} ", r.headline().to_uppercase()),
    };
    vec![
        Span::raw("triage "),
        Span::styled(
            text,
            theme
                .triage(r.triage)
                .add_modifier(ratatui::style::Modifier::REVERSED),
        ),
    ]
}

/// Draws the form into `area`, keeping the focused field (or the highlighted option) in view.
pub fn draw(
    frame: &mut Frame,
    area: Rect,
    form: &mut IntakeForm,
    p: &Patient,
    proto: &Protocol,
    today: NaiveDate,
    theme: &Theme,
) {
    let w = area.width as usize;
    let label_w = label_width(fields(p, proto).into_iter().map(|f| f.label(p, proto)), w);
    let value_w = w.saturating_sub(label_w + 3);
    let mut lines: Vec<Line> = Vec::new();
    let mut cursor_line = 0;
    let mut cursor_pos: Option<(u16, usize)> = None;
    for it in items(p, proto) {
        match it {
            Item::Section(title) => {
                if !lines.is_empty() {
                    lines.push(Line::raw(""));
                }
                let mut spans = vec![Span::styled(title, theme.header())];
                if title == "Health screen" {
                    spans.push(Span::raw("  "));
                    spans.extend(triage_badge(p, proto, theme));
                    spans.push(Span::styled(
                        "  (decision support, not a guideline)",
                        theme.dim(),
                    ));
                }
                if title == "Clearance" {
                    let r = p.triage(proto.screen_rules());
                    if r.triage == Triage::ClearanceNeeded && p.clearance.is_none() {
                        spans.push(Span::styled(
                            format!("  needed for: {}", r.clearance_reasons.join(", ")),
                            theme.warn(),
                        ));
                    }
                }
                lines.push(Line::from(spans));
            }
            Item::Note(n) => lines.push(Line::styled(format!("  {n}"), theme.dim())),
            Item::Field(f) => {
                let focused = f == form.focus;
                let label = widgets::pad(&f.label(p, proto), label_w);
                let marker = if focused { "▶ " } else { "  " };
                let editing_here = focused && form.editing.is_some();
                let mut spans = vec![Span::styled(marker, theme.key())];
                let label_style = if focused && !editing_here {
                    theme.selected()
                } else {
                    theme.base()
                };
                spans.push(Span::styled(label, label_style));
                spans.push(Span::raw(" "));
                match (&form.editing, editing_here) {
                    (Some(Editing::Text(input)), true) => {
                        let scroll = input.visual_scroll(value_w.saturating_sub(1));
                        let shown: String = {
                            // Skip `scroll` columns of the value.
                            let mut used = 0;
                            input
                                .value()
                                .chars()
                                .skip_while(|c| {
                                    let cw =
                                        unicode_width::UnicodeWidthChar::width(*c).unwrap_or(0);
                                    if used < scroll {
                                        used += cw;
                                        true
                                    } else {
                                        false
                                    }
                                })
                                .collect()
                        };
                        let hint = f.hint();
                        let room = value_w.saturating_sub(widgets::width(hint) + 2).min(40);
                        let box_w = room.max(widgets::width(&shown).min(value_w));
                        spans.push(Span::styled(widgets::pad(&shown, box_w), theme.editing()));
                        if !hint.is_empty() {
                            spans.push(Span::styled(format!("  {hint}"), theme.dim()));
                        }
                        cursor_pos = Some((
                            (2 + label_w + 1 + input.visual_cursor().saturating_sub(scroll)) as u16,
                            lines.len(),
                        ));
                    }
                    _ => {
                        let v = f.display(p, proto, today);
                        let style = if focused {
                            theme.selected()
                        } else {
                            theme.base()
                        };
                        spans.push(Span::styled(widgets::truncate(&v, value_w), style));
                        if let Field::ScreenItem(i) = f
                            && let Some(d) = proto.screen.items.get(i)
                        {
                            let tag = match d.class {
                                crate::domain::TriageClass::Defer => "defer",
                                crate::domain::TriageClass::ClearanceNeeded => "clearance",
                            };
                            spans.push(Span::styled(format!("  {tag}"), theme.dim()));
                        }
                    }
                }
                if focused {
                    cursor_line = lines.len();
                }
                lines.push(Line::from(spans));
                if let (true, Some(Editing::Choice { options, selected })) =
                    (focused, &form.editing)
                {
                    for (i, o) in options.iter().enumerate() {
                        let sel = i == *selected;
                        let style = if sel { theme.selected() } else { theme.base() };
                        let mark = if sel { "(•) " } else { "( ) " };
                        if sel {
                            cursor_line = lines.len();
                        }
                        lines.push(Line::from(vec![
                            Span::raw(" ".repeat(label_w + 3)),
                            Span::styled(format!("{mark}{o}"), style),
                        ]));
                    }
                }
                if let Some((ef, msg)) = &form.error
                    && *ef == f
                {
                    for (i, l) in wrap(&format!("✗ {msg}"), w.saturating_sub(label_w + 3))
                        .into_iter()
                        .enumerate()
                    {
                        if focused && i == 0 {
                            // Keep the reason on screen with the field.
                            cursor_line = cursor_line.max(lines.len());
                        }
                        lines.push(Line::from(vec![
                            Span::raw(" ".repeat(label_w + 3)),
                            Span::styled(l, theme.error()),
                        ]));
                    }
                }
            }
        }
    }
    let h = area.height as usize;
    if cursor_line < form.scroll {
        form.scroll = cursor_line.saturating_sub(1);
    } else if cursor_line >= form.scroll + h {
        form.scroll = cursor_line + 1 - h;
    }
    // A section heading just above the focus is worth showing.
    form.scroll = form.scroll.min(lines.len().saturating_sub(h));
    let scroll = form.scroll;
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), area);
    if let Some((x, line)) = cursor_pos
        && line >= scroll
        && line < scroll + h
    {
        let x = (area.x + x).min(area.right().saturating_sub(1));
        frame.set_cursor_position((x, area.y + (line - scroll) as u16));
    }
}
