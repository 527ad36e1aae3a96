//! A data dictionary in the spirit of REDCap's: one row per field with its label, type,
//! allowed values or range, whether it identifies the patient (or staff), and what
//! `--deidentify` does with it.
//!
//! Allowed values come from the domain enums' `ALL` lists and ranges from
//! [`crate::domain::limits`], the same definitions the validators use, so the dictionary
//! cannot drift from what import accepts. The first rows are the patient CSV's columns (the
//! flat, one-row-per-patient view REDCap uses); the rest are the JSON record's nested fields,
//! named by their path (`sessions[].zones[].needle`).

use crate::domain::{
    Activity, AdverseKind, ConsentStatus, DEFAULT_ZONE_IDS, Fitzpatrick, HairColour, NorwoodStage,
    Pss, ScarCause, Severity, Sex, Subtype, Texture, limits,
};
use crate::export::deidentify::{AGE_CAP, AGE_COLUMN, MAX_SHIFT_DAYS, WITHHELD};
use std::io::{self, Write};
use std::ops::RangeInclusive;

/// One row of the dictionary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    /// CSV column, or JSON path for nested fields.
    pub field: String,
    /// `csv` for the patient CSV's columns; the JSON section otherwise.
    pub form: &'static str,
    pub label: &'static str,
    /// REDCap-like type: text, date_ymd, integer, number, radio, checkbox, yesno, notes.
    pub kind: &'static str,
    /// Allowed values (`code, label | ...`) or the range.
    pub allowed: String,
    /// Identifies a person (patient or staff), or is free text that may.
    pub identifier: bool,
    /// What `--deidentify` does with the field.
    pub deidentify: String,
}

const KEPT: &str = "kept";
const REMOVED: &str = "removed";

fn shifted() -> String {
    format!("shifted back 1 to {MAX_SHIFT_DAYS} days, one offset per patient")
}

fn range<T: std::fmt::Display>(r: &RangeInclusive<T>) -> String {
    format!("{} to {}", r.start(), r.end())
}

fn choices<I: IntoIterator<Item = (String, String)>>(it: I) -> String {
    it.into_iter()
        .map(|(c, l)| if c == l { c } else { format!("{c}, {l}") })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn ids<I: IntoIterator<Item = &'static str>>(it: I) -> String {
    it.into_iter().collect::<Vec<_>>().join(" | ")
}

fn row(
    field: impl Into<String>,
    form: &'static str,
    label: &'static str,
    kind: &'static str,
    allowed: impl Into<String>,
) -> FieldDef {
    FieldDef {
        field: field.into(),
        form,
        label,
        kind,
        allowed: allowed.into(),
        identifier: false,
        deidentify: KEPT.into(),
    }
}

impl FieldDef {
    fn identifying(mut self, action: impl Into<String>) -> Self {
        self.identifier = true;
        self.deidentify = action.into();
        self
    }
    fn dated(mut self) -> Self {
        self.deidentify = shifted();
        self
    }
}

/// Every text the classification column accepts as structured (other text is kept as typed).
fn classification_values() -> String {
    let mut v: Vec<String> = NorwoodStage::ALL
        .iter()
        .map(|n| format!("Norwood {}", n.label()))
        .collect();
    v.extend(["I", "II", "III"].map(|g| format!("Ludwig {g}")));
    v.extend((1..=5).map(|g| format!("Sinclair {g}")));
    v.extend(ScarCause::ALL.iter().map(|c| c.label().to_string()));
    format!("{}; or text typed by hand", v.join(" | "))
}

/// The statuses of a consent part.
fn consent_values() -> String {
    ids(ConsentStatus::ALL.map(ConsentStatus::id))
}

fn date_rule(rule: &str) -> String {
    format!("YYYY-MM-DD, {rule}")
}

/// The dictionary, CSV columns first.
pub fn fields() -> Vec<FieldDef> {
    let zones = format!(
        "zone ids of the clinic protocol, separated by ';' (default: {})",
        DEFAULT_ZONE_IDS.join(" | ")
    );
    let vds = format!(
        "{}, at most one decimal (clinician's Visual Density Score)",
        range(&limits::VDS)
    );
    let pss = choices(
        limits::PSS
            .clone()
            .map(|v| (v.to_string(), Pss::LABELS[v as usize].to_string())),
    );
    let not_future = || date_rule("not in the future");
    let csv = "csv";
    let mut f = vec![
        row(
            "record_id",
            csv,
            "Study id",
            "text",
            format!(
                "letters, digits, '-', '_', '.'; at most {} characters and {} bytes of UTF-8; unique",
                limits::RECORD_ID_MAX_CHARS,
                limits::RECORD_ID_MAX_BYTES
            ),
        )
        // Clinics build ids from names, birth dates and hospital numbers.
        .identifying(
            "replaced by a pseudonym: 'S' and 16 hex digits of HMAC-SHA-256 keyed with the \
             registry's key, the same in every de-identified export of one registry",
        ),
        row("name", csv, "Patient name", "text", "any text").identifying(REMOVED),
        row(
            "sex",
            csv,
            "Sex",
            "radio",
            choices(Sex::ALL.map(|s| (s.code().into(), s.label().into()))),
        ),
        row(
            "birth_date",
            csv,
            "Date of birth",
            "date_ymd",
            date_rule(&format!(
                "not in the future, at most {} years ago",
                limits::MAX_AGE_YEARS
            )),
        )
        .identifying(format!("removed; {AGE_COLUMN} written instead")),
        row(
            AGE_COLUMN,
            csv,
            "Age in whole years at session 1",
            "integer",
            format!("0 to {AGE_CAP} ({AGE_CAP} = {AGE_CAP} or older)"),
        ),
        row(
            "fitzpatrick",
            csv,
            "Fitzpatrick skin type",
            "radio",
            choices(Fitzpatrick::all().map(|f| (f.number().to_string(), f.roman().into()))),
        ),
        row(
            "subtype",
            csv,
            "Alopecia subtype",
            "radio",
            ids(Subtype::ALL.map(Subtype::id)),
        ),
        row(
            "classification",
            csv,
            "Stage or scar cause",
            "text",
            classification_values(),
        )
        .identifying("kept when structured; text typed by hand removed"),
        row("zones", csv, "Zones treated", "checkbox", zones.clone()),
    ];
    for n in 1..=3 {
        f.push(
            row(
                format!("session{n}_date"),
                csv,
                "Date of session",
                "date_ymd",
                date_rule("not in the future, not before the session before"),
            )
            .dated(),
        );
    }
    f.push(
        row(
            "post_date",
            csv,
            "Date of the follow-up after the last session",
            "date_ymd",
            date_rule("not before the last recorded session"),
        )
        .dated(),
    );
    f.extend([
        row(
            "vds_post",
            csv,
            "VDS after the last session",
            "number",
            vds.clone(),
        ),
        row("vds_6m", csv, "VDS at six months", "number", vds.clone()),
        row(
            "pss_post",
            csv,
            "PSS after the last session",
            "radio",
            pss.clone(),
        ),
        row("pss_6m", csv, "PSS at six months", "radio", pss.clone()),
        row(
            "m6_date",
            csv,
            "Date of the six-month follow-up",
            "date_ymd",
            date_rule("not before the post follow-up"),
        )
        .dated(),
        row(
            "adverse_events",
            csv,
            "Adverse events",
            "text",
            format!(
                "event types separated by ';': {}; other text = an 'other' event with that \
                 description; empty = none recorded",
                ids(AdverseKind::ALL.map(AdverseKind::id))
            ),
        ),
        row(
            "touch_up_dates",
            csv,
            "Touch-up sessions after the course",
            "text",
            "dates YYYY-MM-DD separated by ';', each after the last session of the course, \
             not in the future",
        )
        .dated(),
    ]);
    f.extend([
        row(
            "m12_date",
            csv,
            "Date of the 12-month follow-up",
            "date_ymd",
            date_rule("not before the earlier follow-ups"),
        )
        .dated(),
        row("vds_12m", csv, "VDS at 12 months", "number", vds.clone()),
        row("pss_12m", csv, "PSS at 12 months", "radio", pss.clone()),
        row(
            "m24_date",
            csv,
            "Date of the 24-month follow-up",
            "date_ymd",
            date_rule("not before the earlier follow-ups"),
        )
        .dated(),
        row("vds_24m", csv, "VDS at 24 months", "number", vds.clone()),
        row("pss_24m", csv, "PSS at 24 months", "radio", pss.clone()),
        row(
            "data_use_consent",
            csv,
            "Consent to data use",
            "yesno",
            "yes | no | empty = not recorded; no = left out of statistics, the case-series \
             report and de-identified exports",
        ),
    ]);

    let (intake, screen, plan, session, follow_up, adverse) = (
        "json intake",
        "json screen",
        "json plan",
        "json sessions",
        "json follow_ups",
        "json adverse_events",
    );
    let text = "any text";
    let free =
        |field: &str, form, label| row(field, form, label, "notes", text).identifying(REMOVED);
    let staff =
        |field: &str, form, label| row(field, form, label, "text", text).identifying(REMOVED);
    f.extend([
        row(
            "hair_colour",
            intake,
            "Natural hair colour",
            "radio",
            choices(HairColour::ALL.map(|h| (h.id().into(), h.label().into()))),
        ),
        row(
            "grey_percent",
            intake,
            "Share of grey hair, %",
            "integer",
            range(&limits::GREY_PERCENT),
        ),
        row(
            "alopecia.scar.activity",
            intake,
            "Activity of a primary scarring alopecia",
            "radio",
            ids(Activity::ALL.map(Activity::id)),
        ),
        row(
            "alopecia.scar.months_stable",
            intake,
            "Months the scar or disease has been stable",
            "integer",
            "0 or more",
        ),
        row(
            "alopecia.scar.texture",
            intake,
            "Scar surface",
            "radio",
            ids(Texture::ALL.map(Texture::id)),
        ),
        row(
            "zones[].zone",
            intake,
            "Zone treated",
            "text",
            zones.clone(),
        ),
        row(
            "zones[].area_cm2",
            intake,
            "Measured area of the zone, cm²",
            "number",
            format!("above 0, up to {}", limits::AREA_CM2.end()),
        ),
        free(
            "expectations",
            intake,
            "Expectations in the patient's words",
        ),
        row(
            "consent.treatment.status",
            intake,
            "Consent to treatment (needed before any session)",
            "radio",
            consent_values(),
        ),
        row(
            "consent.treatment.date",
            intake,
            "Date consent to treatment was given or refused",
            "date_ymd",
            date_rule("not in the future; on or before every session"),
        )
        .dated(),
        row(
            "consent.photographs.status",
            intake,
            "Consent to photographs (needed before a photograph is attached)",
            "radio",
            consent_values(),
        ),
        row(
            "consent.photographs.date",
            intake,
            "Date consent to photographs was given or refused",
            "date_ymd",
            not_future(),
        )
        .dated(),
        row(
            "consent.data_use.status",
            intake,
            "Consent to data use (refused = left out of research outputs)",
            "radio",
            consent_values(),
        ),
        row(
            "consent.data_use.date",
            intake,
            "Date consent to data use was given, refused or withdrawn",
            "date_ymd",
            not_future(),
        )
        .dated(),
        free("notes", intake, "General notes"),
        row(
            "screen.answers",
            screen,
            "Health-screen answers: item id → yes/no",
            "checkbox",
            "item ids of the clinic protocol's health screen",
        ),
        row(
            "screen.date",
            screen,
            "Date of the health screen",
            "date_ymd",
            date_rule("YYYY-MM-DD"),
        )
        .dated(),
        staff("clearance.by", screen, "Physician who gave clearance")
            .identifying(format!("replaced by '{WITHHELD}'")),
        row(
            "clearance.date",
            screen,
            "Date of clearance",
            "date_ymd",
            not_future(),
        )
        .dated(),
        free("clearance.note", screen, "Clearance note"),
        row(
            "plan.start_date",
            plan,
            "Planned start",
            "date_ymd",
            date_rule("any"),
        )
        .dated(),
        row(
            "plan.session_dates[]",
            plan,
            "Planned date of each session",
            "date_ymd",
            date_rule("any"),
        )
        .dated(),
        row("plan.zones[].zone", plan, "Zone", "text", zones.clone()),
        row(
            "plan.zones[].needle",
            plan,
            "Needle cartridge code (e.g. 0603RL)",
            "text",
            "needle codes of the clinic protocol",
        ),
        row(
            "plan.zones[].depth_min_mm",
            plan,
            "Planned depth, minimum, mm",
            "number",
            range(&limits::DEPTH_MM),
        ),
        row(
            "plan.zones[].depth_max_mm",
            plan,
            "Planned depth, maximum, mm",
            "number",
            format!("{}, not below the minimum", range(&limits::DEPTH_MM)),
        ),
        row(
            "plan.zones[].area_cm2",
            plan,
            "Area, cm²",
            "number",
            range(&limits::AREA_CM2),
        ),
        row(
            "plan.zones[].target_density",
            plan,
            "Target density at 100%, FU/cm²",
            "number",
            range(&limits::TARGET_DENSITY),
        ),
        row(
            "plan.zones[].sessions[].fraction",
            plan,
            "Cumulative share of the target density after the session",
            "number",
            format!("{}, not below the session before", range(&limits::FRACTION)),
        ),
        row(
            "plan.zones[].sessions[].impressions",
            plan,
            "Planned impressions: area × density × (fₛ − fₛ₋₁)",
            "integer",
            "0 or more",
        ),
        row(
            "plan.zones[].sessions[].shade",
            plan,
            "Pigment shade code",
            "text",
            "shade codes of the clinic protocol",
        ),
        row(
            "sessions[].number",
            session,
            "Session number",
            "integer",
            "1, 2, 3, ... without gaps",
        ),
        row(
            "sessions[].date",
            session,
            "Date performed",
            "date_ymd",
            date_rule("not in the future, in session order"),
        )
        .dated(),
        staff("sessions[].operator", session, "Practitioner"),
        row(
            "sessions[].zones[].zone",
            session,
            "Zone worked",
            "text",
            zones,
        ),
        row(
            "sessions[].zones[].needle",
            session,
            "Needle used",
            "text",
            "needle code",
        ),
        row(
            "sessions[].zones[].density_reached",
            session,
            "Cumulative density reached, FU/cm²",
            "number",
            "0 or more",
        ),
        row(
            "sessions[].zones[].depth_mm",
            session,
            "Depth, mm",
            "number",
            "0 or more",
        ),
        row(
            "sessions[].zones[].bleeding",
            session,
            "Bleeding observed (too deep)",
            "yesno",
            "true | false",
        ),
        row(
            "sessions[].pigment_shade",
            session,
            "Pigment shade",
            "text",
            "shade code",
        ),
        row(
            "sessions[].pigment_lot",
            session,
            "Pigment lot",
            "text",
            text,
        )
        .identifying("removed (typed by hand; a lot's dates would undo the shift)"),
        row(
            "sessions[].pigment_expiry",
            session,
            "Pigment expiry",
            "date_ymd",
            date_rule("any"),
        )
        .dated(),
        row(
            "sessions[].duration_min",
            session,
            "Duration, minutes",
            "integer",
            "0 or more",
        ),
        free("sessions[].notes", session, "Session notes"),
        row(
            "sessions[].photos[]",
            session,
            "Photograph file paths",
            "text",
            "file paths",
        )
        .identifying(REMOVED),
        row(
            "follow_ups[].timepoint",
            follow_up,
            "Timepoint",
            "text",
            "post | 6m | 12m | ... (months after the last session)",
        ),
        row(
            "follow_ups[].date",
            follow_up,
            "Date of the visit",
            "date_ymd",
            date_rule("not in the future, not before the last session"),
        )
        .dated(),
        row(
            "follow_ups[].vds",
            follow_up,
            "Visual Density Score",
            "number",
            vds,
        ),
        row(
            "follow_ups[].pss",
            follow_up,
            "Patient Satisfaction Score",
            "radio",
            pss,
        ),
        staff("follow_ups[].assessor", follow_up, "Assessor"),
        row(
            "adverse_events[].kind",
            adverse,
            "Type",
            "radio",
            choices(AdverseKind::ALL.map(|k| (k.id().into(), k.label().into()))),
        ),
        row(
            "adverse_events[].severity",
            adverse,
            "Severity",
            "radio",
            ids(Severity::ALL.map(Severity::id)),
        ),
        row(
            "adverse_events[].resolved",
            adverse,
            "Resolved",
            "yesno",
            "true | false",
        ),
        row(
            "adverse_events[].onset",
            adverse,
            "Onset",
            "date_ymd",
            not_future(),
        )
        .dated(),
        row(
            "adverse_events[].session",
            adverse,
            "Session it followed",
            "integer",
            "a recorded session number",
        ),
        free("adverse_events[].description", adverse, "Description"),
    ]);
    f
}

/// What the patient CSV (the analysis table) holds of a field: `yes` for its own columns;
/// for the JSON record's fields, the column that carries them (or the part it carries), else
/// `no`: such a field lives only in the JSON export and in `smplan backup`, and importing a
/// CSV (with `--update` too) never changes it.
pub fn in_csv(d: &FieldDef) -> String {
    if d.form == "csv" {
        return "yes".into();
    }
    let carried: &[(&str, &str)] = &[
        ("zones[].zone", "yes, column zones (not the areas)"),
        (
            "sessions[].number",
            "sessions 1 to 3, columns session1_date to session3_date",
        ),
        (
            "sessions[].date",
            "sessions 1 to 3, columns session1_date to session3_date (not what was done)",
        ),
        ("follow_ups[].timepoint", "post and 6m only"),
        ("follow_ups[].date", "post and 6m only: post_date, m6_date"),
        ("follow_ups[].vds", "post and 6m only: vds_post, vds_6m"),
        ("follow_ups[].pss", "post and 6m only: pss_post, pss_6m"),
        ("adverse_events[].kind", "yes, column adverse_events"),
        (
            "adverse_events[].description",
            "of an 'other' event only, column adverse_events",
        ),
    ];
    carried
        .iter()
        .find(|(f, _)| *f == d.field)
        .map(|(_, c)| c.to_string())
        .unwrap_or_else(|| "no (JSON export and backup only)".into())
}

/// The dictionary as CSV (UTF-8, header row), ready for a spreadsheet or a REDCap project.
pub fn write_csv(out: &mut dyn Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "field",
        "form",
        "label",
        "type",
        "allowed",
        "identifier",
        "deidentify",
        "in_csv",
    ])?;
    for d in fields() {
        w.write_record([
            d.field.as_str(),
            d.form,
            d.label,
            d.kind,
            &d.allowed,
            if d.identifier { "yes" } else { "no" },
            &d.deidentify,
            &in_csv(&d),
        ])?;
    }
    w.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(field: &str) -> FieldDef {
        fields().into_iter().find(|f| f.field == field).unwrap()
    }

    #[test]
    fn every_csv_column_is_described_once_in_file_order() {
        // The columns import accepts, plus the one de-identified exports write.
        let mut expected: Vec<&str> = crate::io::csv::COLUMNS.to_vec();
        let at = expected.iter().position(|c| *c == "birth_date").unwrap();
        expected.insert(at + 1, AGE_COLUMN);
        let all = fields();
        let csv: Vec<&str> = all
            .iter()
            .filter(|f| f.form == "csv")
            .map(|f| f.field.as_str())
            .collect();
        assert_eq!(csv, expected);
        let mut names: Vec<_> = all.iter().map(|f| f.field.clone()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len(), "a field is listed twice");
    }

    #[test]
    fn allowed_values_come_from_the_domain() {
        assert_eq!(get("vds_post").allowed.split(',').next(), Some("0 to 10"));
        assert_eq!(
            get("pss_6m").allowed,
            "0, not satisfied | 1, somewhat satisfied | 2, satisfied | 3, very satisfied"
        );
        assert_eq!(
            get("fitzpatrick").allowed,
            "1, I | 2, II | 3, III | 4, IV | 5, V | 6, VI"
        );
        assert_eq!(get("subtype").allowed, "androgenetic | scarring");
        let cls = get("classification").allowed;
        assert!(cls.contains("Norwood III-vertex") && cls.contains("FUT strip scar"));
        assert!(get("grey_percent").allowed.starts_with("0 to 100"));
        assert!(
            get("adverse_events")
                .allowed
                .contains("keloid_hypertrophic")
        );
        // Every value the dictionary lists for sex parses back.
        for v in get("sex").allowed.split(" | ") {
            let code = v.split(',').next().unwrap();
            assert!(code.parse::<Sex>().is_ok(), "{code}");
        }
    }

    /// The ranges the dictionary prints are the ones the parsers enforce, at both edges.
    #[test]
    fn printed_ranges_are_what_validation_accepts() {
        use crate::domain::{Fitzpatrick, Vds};
        let bounds = |field: &str| -> (f64, f64) {
            let a = get(field).allowed;
            let mut it = a.split([',', ' ']);
            let lo = it.next().unwrap().parse().unwrap();
            let hi = it
                .find(|w| w.parse::<f64>().is_ok())
                .unwrap()
                .parse()
                .unwrap();
            (lo, hi)
        };
        let (lo, hi) = bounds("vds_6m");
        assert!(Vds::new(lo).is_ok() && Vds::new(hi).is_ok());
        assert!(Vds::new(lo - 0.1).is_err() && Vds::new(hi + 0.1).is_err());
        let pss: Vec<u8> = get("pss_post")
            .allowed
            .split(" | ")
            .map(|c| c.split(',').next().unwrap().parse().unwrap())
            .collect();
        for v in 0..=10u8 {
            assert_eq!(Pss::new(v).is_ok(), pss.contains(&v), "PSS {v}");
        }
        for v in 0..=10u8 {
            let listed = get("fitzpatrick").allowed.starts_with(&format!("{v},"))
                || get("fitzpatrick").allowed.contains(&format!("| {v},"));
            assert_eq!(Fitzpatrick::new(v).is_ok(), listed, "Fitzpatrick {v}");
        }
    }

    #[test]
    fn identifiers_are_flagged() {
        for f in [
            "record_id",
            "name",
            "birth_date",
            "expectations",
            "sessions[].operator",
        ] {
            assert!(get(f).identifier, "{f}");
        }
        assert!(get("record_id").deidentify.contains("pseudonym"));
        for f in ["vds_6m", "subtype", "age_at_session1"] {
            assert!(!get(f).identifier, "{f}");
        }
        assert!(get("session2_date").deidentify.starts_with("shifted"));
    }

    #[test]
    fn csv_has_a_header_and_a_row_per_field() {
        let mut out = Vec::new();
        write_csv(&mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        let mut r = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(r.headers().unwrap().len(), 8);
        assert_eq!(r.records().count(), fields().len());
    }

    /// The dictionary says which fields the CSV does not carry; the mapping names only
    /// fields that exist.
    #[test]
    fn the_dictionary_says_what_the_csv_carries() {
        let all = fields();
        assert_eq!(in_csv(&get("vds_6m")), "yes");
        assert!(in_csv(&get("plan.zones[].needle")).starts_with("no"));
        assert!(in_csv(&get("screen.answers")).starts_with("no"));
        assert!(in_csv(&get("sessions[].zones[].needle")).starts_with("no"));
        assert!(in_csv(&get("zones[].area_cm2")).starts_with("no"));
        let carried = all
            .iter()
            .filter(|d| d.form != "csv" && !in_csv(d).starts_with("no"));
        assert_eq!(carried.count(), 9, "every mapped field exists");
    }
}
