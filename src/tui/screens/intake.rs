//! The intake tab: every intake field of the record, edited in place, on the shared form.
//!
//! Each field is saved on its own the moment it is accepted, so nothing typed is lost when the
//! practitioner is called away. A value that does not parse, or that would make the record
//! invalid, is shown with the reason next to the field and not saved. The health screen is
//! answered with `y`/`n` per item (the focus moves on), and `N` answers "no" to every item not
//! asked yet.

use super::form::{
    self, Event, Field as FormField, Form, Item, Kind, Opt, RecordTab, TabCtx, Typing,
};
use crate::domain::validate::parse_date;
use crate::domain::{
    Activity, AffectedZone, AgaStage, Classification, Clearance, ConsentPart, ConsentStatus,
    Fitzpatrick, HairColour, NorwoodStage, Patient, ScarCause, ScarDetails, Sex, Subtype, Texture,
    Triage,
};
use crate::protocol::Protocol;
use crate::tui::action::{Action, Commit};
use crate::tui::command::Command;
use crate::tui::keymap as keys;
use crate::tui::strings::{self, cmd, intake as s};
use crate::tui::theme::Theme;
use crate::tui::widgets;
use chrono::NaiveDate;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

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

#[derive(Debug, Default)]
pub struct IntakeForm {
    pub form: Form<Field>,
    /// The change being prepared asks first: the question for the confirmation.
    ask: Option<Vec<String>>,
}

/// Sessions and touch-ups recorded: a patient with any is treated, and changing what the
/// treatment rests on (subtype, zones) asks first.
fn treated(p: &Patient) -> usize {
    p.sessions.len() + p.touch_ups.len()
}

fn scar(p: &Patient) -> Option<&ScarDetails> {
    p.alopecia.scar.as_ref()
}

fn activity_label(a: Activity) -> &'static str {
    match a {
        Activity::Active => s::ACTIVE,
        Activity::Quiescent => s::QUIESCENT,
    }
}

fn texture_label(t: Texture) -> &'static str {
    match t {
        Texture::Flat => s::FLAT,
        Texture::Raised => s::RAISED,
        Texture::Atrophic => s::ATROPHIC,
    }
}

fn label(field: Field, p: &Patient, proto: &Protocol) -> String {
    use Field::*;
    match field {
        Name => s::NAME.into(),
        Sex => s::SEX.into(),
        BirthDate => s::BIRTH_DATE.into(),
        Fitzpatrick => s::FITZPATRICK.into(),
        HairColour => s::HAIR_COLOUR.into(),
        GreyPercent => s::GREY.into(),
        Subtype => s::SUBTYPE.into(),
        Classification => match p.subtype() {
            crate::domain::Subtype::Androgenetic => s::STAGE.into(),
            crate::domain::Subtype::Scarring => s::SCAR_CAUSE.into(),
        },
        Activity => s::ACTIVITY.into(),
        MonthsStable => s::MONTHS_STABLE.into(),
        Texture => s::TEXTURE.into(),
        Zone(i) => proto
            .zones
            .items
            .get(i)
            .map(|z| z.name.clone())
            .unwrap_or_default(),
        Expectations => s::EXPECTATIONS.into(),
        ScreenDate => s::SCREEN_DATE.into(),
        ScreenItem(i) => proto
            .screen_items()
            .get(i)
            .map(|d| d.label.clone())
            .unwrap_or_default(),
        ClearanceBy => s::CLEARANCE_BY.into(),
        ClearanceDate => s::CLEARANCE_DATE.into(),
        ClearanceNote => s::CLEARANCE_NOTE.into(),
        ConsentTreatment => s::CONSENT_TREATMENT.into(),
        ConsentPhotographs => s::CONSENT_PHOTOS.into(),
        ConsentDataUse => s::CONSENT_DATA.into(),
        ConsentDate => s::CONSENT_DATE.into(),
        Notes => s::NOTES.into(),
    }
}

/// The label in a sentence of the status line (lower case, as said).
fn said(field: Field, p: &Patient, proto: &Protocol) -> String {
    match field {
        Field::Fitzpatrick => s::FITZPATRICK.into(),
        Field::HairColour => "hair colour".into(),
        Field::GreyPercent => "grey hair".into(),
        f => label(f, p, proto).to_lowercase(),
    }
}

fn dash() -> String {
    strings::DASH.to_string()
}

/// The value as shown (not editing).
fn display(field: Field, p: &Patient, proto: &Protocol, today: NaiveDate) -> String {
    use Field::*;
    match field {
        Name => p.name.clone().unwrap_or_else(dash),
        Sex => p
            .sex
            .map(|x| format!("{} — {}", x.code(), x.label()))
            .unwrap_or_else(dash),
        BirthDate => match p.birth_date {
            Some(d) => match p.age_on(today) {
                Some(a) => s::age(&d.to_string(), a),
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
        GreyPercent => p.grey_percent.map(s::grey).unwrap_or_else(dash),
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
                }) => s::zone_area(&widgets::fmt_score(*a)),
                Some(_) => s::zone_default(&widgets::fmt_score(z.default_area_cm2)),
                None => s::ZONE_OFF.into(),
            }
        }
        Expectations => p.expectations.clone().unwrap_or_else(dash),
        ScreenDate => p.screen.date.map(|d| d.to_string()).unwrap_or_else(dash),
        ScreenItem(i) => match answer(p, proto, i) {
            Some(true) => s::YES.into(),
            Some(false) => s::NO.into(),
            None => s::NOT_ASKED.into(),
        },
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

fn answer(p: &Patient, proto: &Protocol, i: usize) -> Option<bool> {
    let id = proto.screen.items.get(i).map(|d| d.id.as_str())?;
    p.screen.answers.get(id).copied()
}

/// The text an edit starts from.
fn raw(field: Field, p: &Patient, proto: &Protocol) -> String {
    use Field::*;
    let d = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    match field {
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
        Zone(i) => proto
            .zones
            .items
            .get(i)
            .and_then(|z| p.zones.iter().find(|a| a.zone == z.id))
            .and_then(|a| a.area_cm2)
            .map(widgets::fmt_score)
            .unwrap_or_default(),
        _ => String::new(),
    }
}

/// A hint shown beside an editing field: the format expected.
fn hint(field: Field) -> &'static str {
    use Field::*;
    match field {
        BirthDate | ScreenDate | ClearanceDate | ConsentDate => s::HINT_DATE,
        GreyPercent => s::HINT_GREY,
        MonthsStable => s::HINT_MONTHS,
        Zone(_) => s::HINT_ZONE,
        _ => "",
    }
}

/// The options of a choice field, with "not recorded" first where the field is optional;
/// each can be picked by typing (a digit for a Fitzpatrick type or a stage, the first letter).
fn choices(field: Field, p: &Patient) -> Vec<(Opt, Choice)> {
    let unset = || (Opt::new(strings::NOT_RECORDED), Choice::Unset);
    let mut v = Vec::new();
    match field {
        Field::Sex => {
            v.push(unset());
            v.extend(Sex::ALL.map(|x| {
                (
                    Opt::new(format!("{} — {}", x.code(), x.label())),
                    Choice::Sex(x),
                )
            }));
        }
        Field::Fitzpatrick => {
            v.push(unset());
            v.extend(Fitzpatrick::all().enumerate().map(|(i, f)| {
                (
                    Opt::new(f.roman()).alias((i + 1).to_string()),
                    Choice::Fitzpatrick(f),
                )
            }));
        }
        Field::HairColour => {
            v.push(unset());
            v.extend(HairColour::ALL.map(|h| (Opt::new(h.label()), Choice::Hair(h))));
        }
        Field::Subtype => {
            v.extend(Subtype::ALL.map(|x| (Opt::new(x.id()), Choice::Subtype(x))));
        }
        Field::Classification => {
            v.push(unset());
            if let Some(c @ Classification::Other(_)) = &p.alopecia.classification {
                v.push((
                    Opt::new(s::as_typed(&c.to_string())),
                    Choice::Class(c.clone()),
                ));
            }
            match p.subtype() {
                Subtype::Androgenetic => {
                    for n in NorwoodStage::ALL {
                        let c = Classification::Aga(AgaStage::Norwood(n));
                        let label = c.to_string();
                        let alias = norwood_alias(&label);
                        v.push((Opt::new(label).alias(alias), Choice::Class(c)));
                    }
                    for g in 1..=3 {
                        let c = Classification::Aga(AgaStage::Ludwig(g));
                        v.push((
                            Opt::new(c.to_string()).alias(format!("l{g}")),
                            Choice::Class(c),
                        ));
                    }
                    for g in 1..=5 {
                        let c = Classification::Aga(AgaStage::Sinclair(g));
                        v.push((
                            Opt::new(c.to_string()).alias(format!("s{g}")),
                            Choice::Class(c),
                        ));
                    }
                }
                Subtype::Scarring => {
                    for c in ScarCause::ALL.map(Classification::Scar) {
                        v.push((Opt::new(c.to_string()), Choice::Class(c)));
                    }
                }
            }
            v.push((Opt::new(s::OTHER_TYPED), Choice::TypeOther));
        }
        Field::Activity => {
            v.push(unset());
            v.extend(
                [Activity::Active, Activity::Quiescent]
                    .map(|a| (Opt::new(activity_label(a)), Choice::Activity(a))),
            );
        }
        Field::Texture => {
            v.push(unset());
            v.extend(
                [Texture::Flat, Texture::Raised, Texture::Atrophic]
                    .map(|t| (Opt::new(texture_label(t)), Choice::Texture(t))),
            );
        }
        _ => {}
    }
    v
}

/// "Norwood IIIa" → "3a", "Norwood III-vertex" → "3v": a Norwood stage picked by its number.
fn norwood_alias(label: &str) -> String {
    let roman = label.trim_start_matches("Norwood").trim();
    let (num, rest) = match roman.find(|c: char| !matches!(c, 'I' | 'V' | 'X')) {
        Some(i) => roman.split_at(i),
        None => (roman, ""),
    };
    let n = match num {
        "I" => 1,
        "II" => 2,
        "III" => 3,
        "IV" => 4,
        "V" => 5,
        "VI" => 6,
        "VII" => 7,
        _ => 0,
    };
    let suffix: String = rest
        .trim_start_matches('-')
        .chars()
        .take(1)
        .collect::<String>()
        .to_lowercase();
    format!("{n}{suffix}")
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

fn is_choice(f: Field) -> bool {
    use Field::*;
    matches!(
        f,
        Sex | Fitzpatrick | HairColour | Subtype | Classification | Activity | Texture
    )
}

fn is_check(f: Field) -> bool {
    matches!(
        f,
        Field::ConsentTreatment | Field::ConsentPhotographs | Field::ConsentDataUse
    )
}

/// The form field for `f`, as the patient has it now.
fn form_field(
    f: Field,
    p: &Patient,
    proto: &Protocol,
    today: NaiveDate,
    theme: &Theme,
) -> FormField<Field> {
    let value = display(f, p, proto, today);
    let has_value = value != strings::DASH;
    let base = FormField::text(f, label(f, p, proto), value).hint(hint(f));
    match f {
        _ if is_choice(f) => {
            let opts = choices(f, p);
            let cur = current_choice(f, p);
            let current = opts.iter().position(|(_, c)| *c == cur).unwrap_or(0);
            let typed = opts
                .iter()
                .position(|(_, c)| *c == Choice::TypeOther)
                .map(|i| (i, raw(f, p, proto)));
            base.kind(Kind::Choice {
                options: opts.into_iter().map(|(o, _)| o).collect(),
                current,
                typed,
            })
            .clearable(has_value && f != Field::Subtype)
        }
        _ if is_check(f) => base.kind(Kind::Check),
        Field::ScreenItem(i) => {
            let tag = proto.screen.items.get(i).map(|d| match d.class {
                crate::domain::TriageClass::Defer => s::TAG_DEFER,
                crate::domain::TriageClass::ClearanceNeeded => s::TAG_CLEARANCE,
            });
            let mut fld = base
                .kind(Kind::Answer)
                .clearable(answer(p, proto, i).is_some());
            if let Some(tag) = tag {
                fld = fld.flag(tag, theme.dim());
            }
            fld
        }
        Field::Zone(_) => base.prefill(raw(f, p, proto)).tick().clearable(false),
        _ => base.prefill(raw(f, p, proto)).clearable(has_value),
    }
}

/// The width notes under a field are wrapped to (the intake's lines do not depend on the
/// window, so the commands see the same fields as the drawing).
const NOTE_WIDTH: usize = 78;

/// The form's lines for this patient and protocol.
pub fn items(p: &Patient, proto: &Protocol, today: NaiveDate, theme: &Theme) -> Vec<Item<Field>> {
    use Field::*;
    let field = |f: Field| Item::Field(form_field(f, p, proto, today, theme));
    let heading = |t: &'static str| Item::Heading(Line::styled(t, theme.header()));
    // Plausibility warnings beside their fields (the birth date, the clearance's date).
    let plaus = crate::protocol::plausibility::warnings(p, proto);
    let warned = |v: &mut Vec<Item<Field>>, f: Field, name: &str| {
        let m = plaus.iter().find(|w| w.field == name);
        let m = m.map(|w| w.message.as_str());
        form::with_warning(
            v,
            form_field(f, p, proto, today, theme),
            m,
            NOTE_WIDTH,
            theme,
        );
    };
    let mut v = vec![heading(s::SECTION_PATIENT)];
    v.extend([Name, Sex].into_iter().map(field));
    warned(&mut v, BirthDate, "birth_date");
    v.extend(
        [Fitzpatrick, HairColour, GreyPercent]
            .into_iter()
            .map(field),
    );
    v.push(heading(s::SECTION_ALOPECIA));
    v.push(field(Subtype));
    v.push(field(Classification));
    if p.subtype() == crate::domain::Subtype::Scarring {
        v.extend([Activity, MonthsStable, Texture].into_iter().map(field));
    }
    v.push(heading(s::SECTION_ZONES));
    v.extend((0..proto.zones.items.len()).map(|i| field(Zone(i))));
    for z in &p.zones {
        if !proto.zones.items.iter().any(|k| k.id == z.zone) {
            v.push(Item::Line(Line::styled(
                format!("  {}", s::unknown_zone(&z.zone)),
                theme.dim(),
            )));
        }
    }
    v.push(field(Expectations));
    let mut screen_head = vec![
        Span::styled(s::SECTION_SCREEN, theme.header()),
        Span::raw("  "),
    ];
    screen_head.extend(triage_badge(p, proto, theme));
    screen_head.push(Span::styled(s::DECISION_SUPPORT, theme.dim()));
    v.push(Item::Heading(Line::from(screen_head)));
    v.push(field(ScreenDate));
    v.extend((0..proto.screen.items.len()).map(|i| field(ScreenItem(i))));
    for (id, yes) in &p.screen.answers {
        if !proto.screen.items.iter().any(|d| &d.id == id) {
            v.push(Item::Line(Line::styled(
                format!("  {}", s::unknown_answer(id, *yes)),
                theme.dim(),
            )));
        }
    }
    let mut clear_head = vec![Span::styled(s::SECTION_CLEARANCE, theme.header())];
    let r = p.triage(proto.screen_rules());
    if r.triage == Triage::ClearanceNeeded && p.clearance.is_none() {
        clear_head.push(Span::styled(
            s::needed_for(&r.clearance_reasons.join(", ")),
            theme.warn(),
        ));
    }
    v.push(Item::Heading(Line::from(clear_head)));
    v.push(field(ClearanceBy));
    warned(&mut v, ClearanceDate, "clearance.date");
    v.push(field(ClearanceNote));
    v.push(heading(s::SECTION_CONSENT));
    v.extend(
        [
            ConsentTreatment,
            ConsentPhotographs,
            ConsentDataUse,
            ConsentDate,
        ]
        .map(field),
    );
    v.push(heading(s::SECTION_NOTES));
    v.push(field(Notes));
    v
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
fn apply_choice(p: &mut Patient, field: Field, c: Choice, proto: &Protocol) -> String {
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
            return s::cleared(&said(field, p, proto));
        }
        Choice::Sex(x) => p.sex = Some(x),
        Choice::Fitzpatrick(f) => p.fitzpatrick = Some(f),
        Choice::Hair(h) => p.hair_colour = Some(h),
        Choice::Subtype(st) => {
            let name = st.to_string();
            if st == p.subtype() {
                return s::subtype_set(&name);
            }
            p.alopecia.subtype = st;
            let mut dropped = Vec::new();
            if p.alopecia
                .classification
                .as_ref()
                .and_then(|c| c.subtype())
                .is_some_and(|cs| cs != st)
            {
                p.alopecia.classification = None;
                dropped.push(s::DROPPED_STAGE);
            }
            if st == Subtype::Androgenetic && p.alopecia.scar.take().is_some() {
                dropped.push(s::DROPPED_SCAR);
            }
            return if dropped.is_empty() {
                s::subtype_set(&name)
            } else {
                s::subtype_dropped(&name, &dropped.join(s::AND))
            };
        }
        Choice::Class(c) => p.alopecia.classification = Some(c),
        Choice::TypeOther => {}
        Choice::Activity(a) => scar_mut(p).activity = Some(a),
        Choice::Texture(t) => scar_mut(p).texture = Some(t),
    }
    let value = match field {
        Field::Sex => p.sex.map(|x| x.code().to_string()).unwrap_or_default(),
        _ => display(field, p, proto, NaiveDate::MIN),
    };
    s::set(&said(field, p, proto), &value)
}

fn opt_text(t: &str) -> Option<String> {
    let t = t.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn opt_date(t: &str) -> Result<Option<NaiveDate>, String> {
    if t.trim().is_empty() {
        Ok(None)
    } else {
        parse_date(t).map(Some)
    }
}

fn not_future(d: Option<NaiveDate>, today: NaiveDate) -> Result<Option<NaiveDate>, String> {
    match d {
        Some(d) if d > today => Err(s::in_future(&d.to_string(), &today.to_string())),
        other => Ok(other),
    }
}

fn shown(v: Option<String>) -> String {
    v.unwrap_or_else(|| s::CLEARED_VALUE.into())
}

/// Parses typed text into the field; returns what was saved, for the status line.
fn apply_text(
    p: &mut Patient,
    field: Field,
    text: &str,
    proto: &Protocol,
    today: NaiveDate,
) -> Result<String, String> {
    let lbl = said(field, p, proto);
    let done = |v: Option<String>| Ok(s::set(&lbl, &shown(v)));
    match field {
        Field::Name => {
            p.name = opt_text(text);
            done(p.name.clone())
        }
        Field::BirthDate => {
            p.birth_date = opt_date(text)?;
            done(p.birth_date.map(|d| d.to_string()))
        }
        Field::GreyPercent => {
            let t = text.trim();
            p.grey_percent = if t.is_empty() {
                None
            } else {
                match t.trim_end_matches('%').trim().parse::<u8>() {
                    Ok(g) if g <= 100 => Some(g),
                    _ => return Err(s::not_whole_percent(t)),
                }
            };
            done(p.grey_percent.map(s::grey))
        }
        Field::MonthsStable => {
            let t = text.trim();
            let v = if t.is_empty() {
                None
            } else {
                Some(t.parse::<u32>().map_err(|_| s::not_months(t))?)
            };
            scar_mut(p).months_stable = v;
            tidy_scar(p);
            done(v.map(|m| m.to_string()))
        }
        Field::Zone(i) => {
            let z = proto
                .zones
                .items
                .get(i)
                .ok_or_else(|| s::NO_SUCH_ZONE.to_string())?;
            let t = text.trim().trim_end_matches("cm²").trim();
            let area = if t.is_empty() {
                None
            } else {
                match t.parse::<f64>() {
                    Ok(a) if a.is_finite() && a > 0.0 && a <= 1000.0 => Some(a),
                    _ => return Err(s::not_area(t)),
                }
            };
            match p.zones.iter_mut().find(|a| a.zone == z.id) {
                Some(a) => a.area_cm2 = area,
                None => p.zones.push(AffectedZone {
                    zone: z.id.clone(),
                    area_cm2: area,
                }),
            }
            Ok(match area {
                Some(a) => s::zone_set(&z.name, &widgets::fmt_score(a)),
                None => s::zone_at_default(&z.name),
            })
        }
        Field::Expectations => {
            p.expectations = opt_text(text);
            done(p.expectations.clone())
        }
        Field::ScreenDate => {
            p.screen.date = not_future(opt_date(text)?, today)?;
            done(p.screen.date.map(|d| d.to_string()))
        }
        Field::ClearanceBy => match (opt_text(text), p.clearance.as_mut()) {
            (None, _) => {
                p.clearance = None;
                Ok(s::CLEARANCE_REMOVED.into())
            }
            (Some(by), Some(c)) => {
                c.by = by;
                Ok(s::cleared_by(&c.by))
            }
            (Some(by), None) => {
                p.clearance = Some(Clearance {
                    by: by.clone(),
                    date: today,
                    note: None,
                });
                Ok(s::cleared_by_today(&by, &today.to_string()))
            }
        },
        Field::ClearanceDate => {
            let Some(c) = p.clearance.as_mut() else {
                return Err(s::CLEARANCE_FIRST.into());
            };
            match opt_date(text)? {
                Some(d) => c.date = d,
                None => return Err(s::CLEARANCE_NEEDS_DATE.into()),
            }
            Ok(s::set(&lbl, &c.date.to_string()))
        }
        Field::ClearanceNote => {
            let Some(c) = p.clearance.as_mut() else {
                return Err(s::CLEARANCE_FIRST.into());
            };
            c.note = opt_text(text);
            done(c.note.clone())
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
            done(date.map(|d| d.to_string()))
        }
        Field::Classification => {
            p.alopecia.classification = match opt_text(text) {
                None => None,
                Some(t) => {
                    let c = Classification::parse(&t);
                    if c.subtype().is_some_and(|st| st != p.subtype()) {
                        return Err(s::other_subtype(&c.to_string()));
                    }
                    Some(c)
                }
            };
            done(p.alopecia.classification.as_ref().map(|c| c.to_string()))
        }
        Field::Notes => {
            p.notes = opt_text(text);
            done(p.notes.clone())
        }
        _ => Ok(String::new()),
    }
}

/// Ticks or unticks a box (a consent, a zone); returns what changed.
fn toggle(p: &mut Patient, field: Field, proto: &Protocol) -> Option<String> {
    match field {
        Field::Zone(i) => {
            let z = proto.zones.items.get(i)?;
            if let Some(pos) = p.zones.iter().position(|a| a.zone == z.id) {
                p.zones.remove(pos);
                Some(s::zone_removed(&z.name))
            } else {
                p.zones.push(AffectedZone {
                    zone: z.id.clone(),
                    area_cm2: None,
                });
                Some(s::zone_added(&z.name))
            }
        }
        Field::ConsentTreatment | Field::ConsentPhotographs | Field::ConsentDataUse => {
            // Not recorded → given → refused / withdrawn → not recorded.
            let date = consent_date(&p.consent);
            let (part, what) = match field {
                Field::ConsentTreatment => (&mut p.consent.treatment, s::CONSENT_TREATMENT_WHAT),
                Field::ConsentPhotographs => (&mut p.consent.photographs, s::CONSENT_PHOTOS_WHAT),
                _ => (&mut p.consent.data_use, s::CONSENT_DATA_WHAT),
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
            Some(s::consent(what, &part.describe()))
        }
        _ => None,
    }
}

/// Answers health-screen item `i` (`None`: back to not asked).
fn set_answer(p: &mut Patient, proto: &Protocol, i: usize, a: Option<bool>) -> Option<String> {
    let def = proto.screen.items.get(i)?;
    match a {
        Some(b) => {
            p.screen.answers.insert(def.id.clone(), b);
        }
        None => {
            p.screen.answers.remove(&def.id);
        }
    }
    let tri = p.triage(proto.screen_rules()).triage;
    Some(s::answered(&def.label, a, strings::triage(tri)))
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

/// The protocol's health-screen items not answered yet.
fn unanswered(p: &Patient, proto: &Protocol) -> Vec<usize> {
    (0..proto.screen.items.len())
        .filter(|i| answer(p, proto, *i).is_none())
        .collect()
}

impl IntakeForm {
    pub fn is_editing(&self) -> bool {
        self.form.is_editing()
    }

    fn apply(&mut self, ev: Event<Field>, c: &TabCtx) -> Result<Option<(Patient, String)>, String> {
        let (p, proto) = (c.patient, c.protocol);
        let mut q = p.clone();
        let what = match ev {
            Event::None | Event::Press(_) => return Ok(None),
            Event::Text(f, t) => apply_text(&mut q, f, &t, proto, c.today)?,
            Event::Clear(f) if is_choice(f) => {
                if f == Field::Subtype {
                    return Err(s::SUBTYPE_REQUIRED.into());
                }
                apply_choice(&mut q, f, Choice::Unset, proto)
            }
            Event::Clear(f) => apply_text(&mut q, f, "", proto, c.today)?,
            Event::Choice(f, i) => {
                let Some((_, ch)) = choices(f, p).get(i).cloned() else {
                    return Ok(None);
                };
                let what = apply_choice(&mut q, f, ch, proto);
                if treated(p) > 0 && q.subtype() != p.subtype() {
                    self.ask = Some(s::confirm_subtype(
                        &p.subtype().to_string(),
                        &q.subtype().to_string(),
                        treated(p),
                        &what,
                    ));
                }
                what
            }
            Event::Toggle(f) => match toggle(&mut q, f, proto) {
                Some(w) => {
                    if let Field::Zone(i) = f
                        && treated(p) > 0
                        && q.zones.len() < p.zones.len()
                    {
                        let name = proto.zones.items.get(i).map(|z| z.name.clone());
                        self.ask = Some(s::confirm_zone_removal(
                            &name.unwrap_or_default(),
                            treated(p),
                        ));
                    }
                    w
                }
                None => return Ok(None),
            },
            Event::Answer(Field::ScreenItem(i), a) => match set_answer(&mut q, proto, i, a) {
                Some(w) => w,
                None => return Ok(None),
            },
            Event::Answer(..) => return Ok(None),
        };
        Ok(Some((q, what)))
    }

    /// `N`: every item not answered yet is answered no, in one save.
    fn remaining_no(&mut self, c: &TabCtx) -> Commit {
        let (p, proto) = (c.patient, c.protocol);
        let todo = unanswered(p, proto);
        if todo.is_empty() {
            return Commit::Nothing;
        }
        let mut q = p.clone();
        for i in &todo {
            set_answer(&mut q, proto, *i, Some(false));
        }
        let tri = q.triage(proto.screen_rules()).triage;
        // The focus moves past the health screen, to the first clearance field.
        self.form.focus_after_save(Field::ClearanceBy);
        Commit::save(q, s::remaining_no(todo.len(), strings::triage(tri)))
    }
}

impl RecordTab for IntakeForm {
    fn is_editing(&self) -> bool {
        self.form.is_editing()
    }

    fn commands(&self, c: &TabCtx) -> Vec<Command> {
        let items = items(c.patient, c.protocol, c.today, c.theme);
        let mut v = self.form.commands(&items);
        if !self.form.is_editing() && !unanswered(c.patient, c.protocol).is_empty() {
            v.push(
                Command::new(keys::REMAINING_NO, Action::RemainingNo, cmd::REMAINING_NO)
                    .bar()
                    .edits(),
            );
        }
        v
    }

    fn typing(&self, c: &TabCtx) -> Typing {
        self.form
            .typing(&items(c.patient, c.protocol, c.today, c.theme))
    }

    fn update(&mut self, action: Action, c: &TabCtx) -> Commit {
        if action == Action::RemainingNo && !self.form.is_editing() {
            return self.remaining_no(c);
        }
        let items = items(c.patient, c.protocol, c.today, c.theme);
        let ev = self.form.update(action, &items);
        self.ask = None;
        let result = self.apply(ev, c);
        form::ask_first(
            form::commit(&mut self.form, &items, c.patient, result),
            self.ask.take(),
        )
    }

    fn saved(&mut self, c: &TabCtx) {
        let items = items(c.patient, c.protocol, c.today, c.theme);
        self.form.saved(&items);
    }

    fn refused(&mut self, reason: String) {
        self.form.refused(reason);
    }

    fn cancelled(&mut self) {
        self.form.cancelled();
    }

    fn settle(&mut self, area: Rect, c: &TabCtx) {
        let items = items(c.patient, c.protocol, c.today, c.theme);
        self.form.settle(area, &items, c.theme);
    }

    fn draw(&self, frame: &mut Frame, area: Rect, c: &TabCtx) {
        let items = items(c.patient, c.protocol, c.today, c.theme);
        self.form.draw(frame, area, &items, c.theme);
    }
}

/// The triage of the health screen as a badge, in words, with the clearance when one is
/// recorded.
pub fn triage_badge(p: &Patient, proto: &Protocol, theme: &Theme) -> Vec<Span<'static>> {
    let r = p.triage(proto.screen_rules());
    let text = match (r.triage, &p.clearance) {
        (Triage::ClearanceNeeded, Some(c)) => strings::cleared_by(&c.by),
        (t, _) => strings::triage_badge(t, r.not_asked.len()),
    };
    vec![
        Span::raw(strings::TRIAGE),
        Span::styled(
            text,
            theme
                .triage(r.triage)
                .add_modifier(ratatui::style::Modifier::REVERSED),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn norwood_stages_are_picked_by_their_number() {
        assert_eq!(norwood_alias("Norwood III"), "3");
        assert_eq!(norwood_alias("Norwood IIIa"), "3a");
        assert_eq!(norwood_alias("Norwood III-vertex"), "3v");
        assert_eq!(norwood_alias("Norwood VII"), "7");
    }
}
