//! The clinic protocol: the practitioner's know-how as data (zones, needles, depth, density
//! ramp, pigment shades, schedule, health-screen items) and the rules that use it: plan
//! generation ([`plan`]), scheduling and the agenda ([`schedule`]), and the rules the
//! gates on sessions, photographs and follow-ups take from it ([`Protocol::safety_rules`]).
//!
//! Every number in the protocol is a clinic's *default*, not a clinical fact. The built-in
//! protocol is `assets/protocol.json`; a clinic overrides it with `<data dir>/protocol.json`.
//! A clinic file that cannot be used is refused as a whole (naming the field at fault) and the
//! built-in protocol is used instead, with a warning, so a typo never silently half-applies.

pub mod plan;
pub mod plausibility;
pub mod schedule;

use crate::domain::{
    Fitzpatrick, HairColour, Patient, SafetyRules, ScreenItemDef, ScreenRules, Subtype, Timepoint,
};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub use plan::{PlanField, apply_edit, generate_plan, regenerate_plan, revert_field};
pub use schedule::{AgendaItem, AgendaKind, Window, agenda, next_due};

/// The protocol file format this program reads.
pub const PROTOCOL_SCHEMA_VERSION: u32 = 1;

/// File name of a clinic's own protocol inside the data directory.
pub const PROTOCOL_FILE: &str = "protocol.json";

/// The built-in protocol text, shipped with the binary.
pub const BUILTIN_JSON: &str = include_str!("../../assets/protocol.json");

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    pub schema_version: u32,
    pub name: String,
    /// What the file is and that its values are defaults.
    pub note: String,
    pub zones: ZoneSection,
    pub needles: NeedleSection,
    pub needle_by_zone: NeedleMap,
    pub depth: DepthSection,
    pub density: DensitySection,
    pub shades: ShadeSection,
    pub schedule: ScheduleSection,
    pub screen: ScreenSection,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneSection {
    pub source: String,
    pub items: Vec<ZoneDef>,
}

/// One scalp zone. `outline` is a closed polygon on a schematic top-down scalp map in
/// -1..1 coordinates: x towards the patient's right, y towards the face (so a canvas with y
/// pointing up draws the face at the top).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoneDef {
    pub id: String,
    pub name: String,
    pub default_area_cm2: f64,
    /// Scar tissue: planned with the scar depth and the scar density target.
    #[serde(default)]
    pub scar: bool,
    pub outline: Vec<[f64; 2]>,
    /// Where to write the zone's name or figures on the map.
    pub label_at: [f64; 2],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedleSection {
    pub source: String,
    pub items: Vec<Needle>,
}

/// A needle cartridge: `0603RL` = gauge #06 (0.20 mm), 3 pins, round liner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Needle {
    pub code: String,
    pub gauge: u8,
    pub diameter_mm: f64,
    pub pins: u8,
    pub configuration: String,
}

impl Needle {
    /// `0.20 mm, 3 pins RL` for display beside the code.
    pub fn describe(&self) -> String {
        let pins = if self.pins == 1 { "pin" } else { "pins" };
        format!(
            "{:.2} mm, {} {pins} {}",
            self.diameter_mm, self.pins, self.configuration
        )
    }
}

/// The default needle per zone, for each subtype.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NeedleMap {
    pub source: String,
    pub androgenetic: BTreeMap<String, String>,
    pub scarring: BTreeMap<String, String>,
}

impl NeedleMap {
    pub fn for_subtype(&self, s: Subtype) -> &BTreeMap<String, String> {
        match s {
            Subtype::Androgenetic => &self.androgenetic,
            Subtype::Scarring => &self.scarring,
        }
    }
}

/// Depth ranges in mm, `[min, max]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DepthSection {
    pub source: String,
    pub zones: BTreeMap<String, [f64; 2]>,
    /// Used for every zone of a scarring-alopecia patient and for scar zones.
    pub scar_tissue: [f64; 2],
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DensitySection {
    pub source: String,
    /// 100% = natural follicular-unit density, FU/cm².
    pub target_fu_per_cm2: f64,
    pub scar_target_fu_per_cm2: f64,
    /// Cumulative fraction of the target after each session; its length is the number of
    /// sessions.
    pub session_fractions: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShadeStep {
    pub code: String,
    pub label: String,
}

/// Shade = step number (1 = lightest) from the skin type, moved by the hair colour and the
/// session, then held inside the list of steps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShadeSection {
    pub source: String,
    pub steps: Vec<ShadeStep>,
    /// Keys are Fitzpatrick types in Roman numerals (`I` to `VI`), values 1-based steps.
    pub base_step_by_fitzpatrick: BTreeMap<String, i32>,
    /// Keys are hair colour ids (`black`, `dark_brown`, ...); a colour not listed moves 0.
    pub hair_colour_offset: BTreeMap<String, i32>,
    /// Per session (index 0 = session 1); missing sessions move 0.
    pub session_offset: Vec<i32>,
    /// Base step when the skin type is not recorded.
    pub when_unknown: i32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSection {
    pub source: String,
    pub session_interval_days: u32,
    /// A session is due on its day and stays in its window this many days after.
    pub session_window_days: u32,
    pub follow_ups: Vec<FollowUpDef>,
    /// When a touch-up review is due: this long after the course's last session, or after
    /// the latest touch-up. Absent from a clinic's file: the default (365 ± 30 days);
    /// `null`: no review in the agenda.
    #[serde(default = "default_touch_up_review")]
    pub touch_up_review: Option<TouchUpReviewDef>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TouchUpReviewDef {
    pub days_after: u32,
    pub window_before_days: u32,
    pub window_after_days: u32,
}

fn default_touch_up_review() -> Option<TouchUpReviewDef> {
    Some(TouchUpReviewDef {
        days_after: 365,
        window_before_days: 30,
        window_after_days: 30,
    })
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUpDef {
    pub timepoint: Timepoint,
    pub days_after_last_session: u32,
    pub window_before_days: u32,
    pub window_after_days: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScreenSection {
    pub source: String,
    pub items: Vec<ScreenItemDef>,
    /// A scar (or a scarring alopecia) stable for fewer months than this defers treatment.
    /// A clinic file written before this field existed gets the default, 12.
    #[serde(default = "default_min_months_stable")]
    pub min_months_stable: u32,
}

/// The *default* minimum stability of a scar before SMP, months.
pub const DEFAULT_MIN_MONTHS_STABLE: u32 = 12;
/// Longest minimum stability accepted, months (ten years: anything longer is a typo).
pub const MAX_MIN_MONTHS_STABLE: u32 = 120;

fn default_min_months_stable() -> u32 {
    DEFAULT_MIN_MONTHS_STABLE
}

/// A problem in a protocol file: the field at fault (a JSON path) and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProtocolError {
    pub field: String,
    pub message: String,
}

impl std::fmt::Display for ProtocolError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "field {}: {}", self.field, self.message)
        }
    }
}

fn err(field: impl Into<String>, message: impl Into<String>) -> ProtocolError {
    ProtocolError {
        field: field.into(),
        message: message.into(),
    }
}

impl Protocol {
    /// The protocol shipped with smplan. Its validity is a test of this crate
    /// (`builtin_protocol_is_valid`), so failing here is a build defect, not a user error.
    #[allow(clippy::expect_used)]
    pub fn builtin() -> Protocol {
        Protocol::parse(BUILTIN_JSON).expect("assets/protocol.json is checked by the test suite")
    }

    /// The clinic's protocol from `<data_dir>/protocol.json` when present, else the built-in
    /// one. A file that cannot be read or is invalid is not used: the built-in protocol is
    /// returned with a warning naming the file and the field at fault.
    pub fn load(data_dir: &Path) -> (Protocol, Vec<String>) {
        let path = data_dir.join(PROTOCOL_FILE);
        // Never through a link (see `store::guard`).
        let text = match crate::store::fsutil::read_regular_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return (Protocol::builtin(), Vec::new());
            }
            Err(e) => {
                return (
                    Protocol::builtin(),
                    vec![format!(
                        "{}: cannot be read ({e}); using the built-in protocol",
                        path.display()
                    )],
                );
            }
        };
        match Protocol::parse(&text) {
            Ok(p) => (p, Vec::new()),
            Err(e) => (
                Protocol::builtin(),
                vec![format!(
                    "{}: {e}; the clinic protocol was refused and the built-in protocol is used",
                    path.display()
                )],
            ),
        }
    }

    /// The protocol a command that changes the registry may work with: the clinic's when it
    /// reads and checks, the built-in one when there is none, and an error naming the file
    /// and the field when the clinic's file is refused. A writer never carries on with the
    /// built-in defaults in place of a protocol the clinic wrote (other needles, depths or
    /// safety rules than the clinic chose); reading commands may, with a warning.
    pub fn load_for_writing(data_dir: &Path) -> Result<Protocol, String> {
        match Protocol::load(data_dir) {
            (p, w) if w.is_empty() => Ok(p),
            (_, w) => Err(w.join("; ")),
        }
    }

    /// Reads and checks a protocol document.
    pub fn parse(text: &str) -> Result<Protocol, ProtocolError> {
        // Read the version first so a newer file gets a clear message rather than an
        // "unknown field" from a format this program does not know.
        if let Ok(v) = serde_json::from_str::<serde_json::Value>(text)
            && let Some(n) = v.get("schema_version").and_then(|n| n.as_u64())
            && n > u64::from(PROTOCOL_SCHEMA_VERSION)
        {
            return Err(err(
                "schema_version",
                format!(
                    "{n} is newer than this program reads ({PROTOCOL_SCHEMA_VERSION}); update smplan"
                ),
            ));
        }
        let p: Protocol = serde_json::from_str(text).map_err(|e| {
            let msg = strip_position(&e.to_string()).to_string();
            let at = format!("line {}, column {}", e.line(), e.column());
            match json_path_at(text, e.line(), e.column()) {
                Some(path) if !e.is_syntax() && !e.is_eof() => err(path, format!("{msg} ({at})")),
                _ => err("", format!("not a valid protocol at {at}: {msg}")),
            }
        })?;
        p.validate()?;
        Ok(p)
    }

    /// Checks the rules serde cannot: ranges, references between sections, completeness.
    pub fn validate(&self) -> Result<(), ProtocolError> {
        if self.schema_version != PROTOCOL_SCHEMA_VERSION {
            return Err(err(
                "schema_version",
                format!(
                    "{} is not a version this program reads ({PROTOCOL_SCHEMA_VERSION})",
                    self.schema_version
                ),
            ));
        }
        self.validate_zones()?;
        self.validate_needles()?;
        self.validate_depth()?;
        self.validate_density()?;
        self.validate_shades()?;
        self.validate_schedule()?;
        self.validate_screen()
    }

    fn validate_zones(&self) -> Result<(), ProtocolError> {
        if self.zones.items.is_empty() {
            return Err(err("zones.items", "the protocol needs at least one zone"));
        }
        let mut seen = BTreeSet::new();
        for (i, z) in self.zones.items.iter().enumerate() {
            let f = |name: &str| format!("zones.items[{i}].{name}");
            check_id(&z.id).map_err(|m| err(f("id"), m))?;
            if !seen.insert(z.id.as_str()) {
                return Err(err(f("id"), format!("'{}' appears twice", z.id)));
            }
            if z.name.trim().is_empty() {
                return Err(err(f("name"), "is empty"));
            }
            if !(z.default_area_cm2.is_finite()
                && z.default_area_cm2 > 0.0
                && z.default_area_cm2 <= MAX_AREA_CM2)
            {
                return Err(err(
                    f("default_area_cm2"),
                    format!(
                        "{} is outside 0..{MAX_AREA_CM2} cm² (must be above 0)",
                        z.default_area_cm2
                    ),
                ));
            }
            if z.outline.len() < 3 {
                return Err(err(
                    f("outline"),
                    "needs at least 3 points to enclose a zone",
                ));
            }
            for (j, pt) in z.outline.iter().enumerate() {
                if !in_unit_square(*pt) {
                    return Err(err(
                        format!("zones.items[{i}].outline[{j}]"),
                        format!("[{}, {}] is outside -1..1", pt[0], pt[1]),
                    ));
                }
            }
            if !in_unit_square(z.label_at) {
                return Err(err(f("label_at"), "is outside -1..1"));
            }
        }
        Ok(())
    }

    fn validate_needles(&self) -> Result<(), ProtocolError> {
        if self.needles.items.is_empty() {
            return Err(err("needles.items", "the catalogue is empty"));
        }
        let mut seen = BTreeSet::new();
        for (i, n) in self.needles.items.iter().enumerate() {
            let f = |name: &str| format!("needles.items[{i}].{name}");
            if !seen.insert(n.code.as_str()) {
                return Err(err(f("code"), format!("'{}' appears twice", n.code)));
            }
            if !(n.diameter_mm.is_finite() && n.diameter_mm > 0.0 && n.diameter_mm <= 1.0) {
                return Err(err(
                    f("diameter_mm"),
                    format!("{} is outside 0..1 mm", n.diameter_mm),
                ));
            }
            if n.pins == 0 {
                return Err(err(f("pins"), "must be at least 1"));
            }
            if n.configuration.trim().is_empty() {
                return Err(err(f("configuration"), "is empty"));
            }
            // The code spells the other fields; a mismatch means one of them is a typo.
            let expected = format!("{:02}{:02}{}", n.gauge, n.pins, n.configuration);
            if n.code != expected {
                return Err(err(
                    f("code"),
                    format!(
                        "'{}' does not match gauge {}, pins {} and configuration {} (expected '{expected}')",
                        n.code, n.gauge, n.pins, n.configuration
                    ),
                ));
            }
        }
        for s in Subtype::ALL {
            let section = format!("needle_by_zone.{}", s.id());
            self.check_zone_map(
                self.needle_by_zone.for_subtype(s),
                &section,
                "a default needle",
                |code| match self.needle(code) {
                    Some(_) => Ok(()),
                    None => Err(format!("'{code}' is not in the needle catalogue")),
                },
            )?;
        }
        Ok(())
    }

    fn validate_depth(&self) -> Result<(), ProtocolError> {
        self.check_zone_map(&self.depth.zones, "depth.zones", "a depth range", |r| {
            check_depth(*r)
        })?;
        check_depth(self.depth.scar_tissue).map_err(|m| err("depth.scar_tissue", m))
    }

    /// A per-zone table must name every zone of the protocol, no other, with valid values.
    fn check_zone_map<V>(
        &self,
        map: &BTreeMap<String, V>,
        section: &str,
        what: &str,
        check: impl Fn(&V) -> Result<(), String>,
    ) -> Result<(), ProtocolError> {
        for z in &self.zones.items {
            let field = format!("{section}.{}", z.id);
            match map.get(&z.id) {
                None => {
                    return Err(err(field, format!("is missing: every zone needs {what}")));
                }
                Some(v) => check(v).map_err(|m| err(field, m))?,
            }
        }
        match map.keys().find(|k| self.zone(k).is_none()) {
            Some(k) => Err(err(
                format!("{section}.{k}"),
                "is not a zone of this protocol",
            )),
            None => Ok(()),
        }
    }

    fn validate_density(&self) -> Result<(), ProtocolError> {
        let d = &self.density;
        for (name, v) in [
            ("density.target_fu_per_cm2", d.target_fu_per_cm2),
            ("density.scar_target_fu_per_cm2", d.scar_target_fu_per_cm2),
        ] {
            check_density(v).map_err(|m| err(name, m))?;
        }
        check_fractions(&d.session_fractions).map_err(|(i, m)| {
            err(
                match i {
                    Some(i) => format!("density.session_fractions[{i}]"),
                    None => "density.session_fractions".to_string(),
                },
                m,
            )
        })
    }

    fn validate_shades(&self) -> Result<(), ProtocolError> {
        let s = &self.shades;
        if s.steps.is_empty() {
            return Err(err("shades.steps", "needs at least one shade"));
        }
        let mut seen = BTreeSet::new();
        for (i, st) in s.steps.iter().enumerate() {
            if st.code.trim().is_empty() {
                return Err(err(format!("shades.steps[{i}].code"), "is empty"));
            }
            if !seen.insert(st.code.as_str()) {
                return Err(err(
                    format!("shades.steps[{i}].code"),
                    format!("'{}' appears twice", st.code),
                ));
            }
        }
        let n = s.steps.len() as i32;
        let in_steps = |v: i32| (1..=n).contains(&v);
        for f in Fitzpatrick::all() {
            match s.base_step_by_fitzpatrick.get(f.roman()) {
                None => {
                    return Err(err(
                        format!("shades.base_step_by_fitzpatrick.{}", f.roman()),
                        "is missing: every skin type I to VI needs a base step",
                    ));
                }
                Some(v) if !in_steps(*v) => {
                    return Err(err(
                        format!("shades.base_step_by_fitzpatrick.{}", f.roman()),
                        format!("{v} is outside 1..{n} (the shade steps)"),
                    ));
                }
                Some(_) => {}
            }
        }
        if let Some(k) = s
            .base_step_by_fitzpatrick
            .keys()
            .find(|k| !Fitzpatrick::all().any(|f| f.roman() == k.as_str()))
        {
            return Err(err(
                format!("shades.base_step_by_fitzpatrick.{k}"),
                "is not a Fitzpatrick type (I to VI)",
            ));
        }
        if let Some(k) = s
            .hair_colour_offset
            .keys()
            .find(|k| !HairColour::ALL.iter().any(|h| h.id() == k.as_str()))
        {
            let allowed: Vec<_> = HairColour::ALL.iter().map(|h| h.id()).collect();
            return Err(err(
                format!("shades.hair_colour_offset.{k}"),
                format!("is not a hair colour; allowed: {}", allowed.join(", ")),
            ));
        }
        if !in_steps(s.when_unknown) {
            return Err(err(
                "shades.when_unknown",
                format!("{} is outside 1..{n} (the shade steps)", s.when_unknown),
            ));
        }
        if s.session_offset.len() > self.session_count() {
            return Err(err(
                "shades.session_offset",
                format!(
                    "has {} entries but the protocol has {} sessions",
                    s.session_offset.len(),
                    self.session_count()
                ),
            ));
        }
        Ok(())
    }

    fn validate_schedule(&self) -> Result<(), ProtocolError> {
        let s = &self.schedule;
        if s.session_interval_days == 0 || s.session_interval_days > 365 {
            return Err(err(
                "schedule.session_interval_days",
                format!("{} is outside 1..365", s.session_interval_days),
            ));
        }
        if s.session_window_days > 365 {
            return Err(err(
                "schedule.session_window_days",
                format!("{} is outside 0..365", s.session_window_days),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, f) in s.follow_ups.iter().enumerate() {
            if !seen.insert(f.timepoint) {
                return Err(err(
                    format!("schedule.follow_ups[{i}].timepoint"),
                    format!("'{}' appears twice", f.timepoint.id()),
                ));
            }
            if f.window_before_days > f.days_after_last_session {
                return Err(err(
                    format!("schedule.follow_ups[{i}].window_before_days"),
                    "opens the window before the last session",
                ));
            }
            if f.days_after_last_session > 3660 || f.window_after_days > 3660 {
                return Err(err(
                    format!("schedule.follow_ups[{i}]"),
                    "more than ten years after the last session",
                ));
            }
        }
        if let Some(r) = &s.touch_up_review {
            if r.days_after == 0 || r.days_after > 3660 {
                return Err(err(
                    "schedule.touch_up_review.days_after",
                    format!("{} is outside 1..3660 days", r.days_after),
                ));
            }
            if r.window_before_days >= r.days_after || r.window_after_days > 3660 {
                return Err(err(
                    "schedule.touch_up_review",
                    "the window must open after the session it counts from and close within ten years",
                ));
            }
        }
        Ok(())
    }

    fn validate_screen(&self) -> Result<(), ProtocolError> {
        if self.screen.min_months_stable > MAX_MIN_MONTHS_STABLE {
            return Err(err(
                "screen.min_months_stable",
                format!(
                    "{} is outside 0..{MAX_MIN_MONTHS_STABLE} months",
                    self.screen.min_months_stable
                ),
            ));
        }
        let mut seen = BTreeSet::new();
        for (i, it) in self.screen.items.iter().enumerate() {
            check_id(&it.id).map_err(|m| err(format!("screen.items[{i}].id"), m))?;
            if !seen.insert(it.id.as_str()) {
                return Err(err(
                    format!("screen.items[{i}].id"),
                    format!("'{}' appears twice", it.id),
                ));
            }
            if it.label.trim().is_empty() {
                return Err(err(format!("screen.items[{i}].label"), "is empty"));
            }
        }
        Ok(())
    }

    pub fn zone(&self, id: &str) -> Option<&ZoneDef> {
        self.zones.items.iter().find(|z| z.id == id)
    }

    /// Where a zone stands in the protocol's order (zones it does not know go last): plans
    /// list their zones in this order.
    pub fn zone_rank(&self, id: &str) -> usize {
        self.zones
            .items
            .iter()
            .position(|z| z.id == id)
            .unwrap_or(usize::MAX)
    }

    /// A plan with no zones and no dates yet, one date slot per protocol session.
    pub fn empty_plan(&self) -> crate::domain::Plan {
        crate::domain::Plan {
            start_date: None,
            session_dates: vec![None; self.session_count()],
            zones: Vec::new(),
        }
    }

    /// The zone ids, in protocol order: the `known_zones` of record validation.
    pub fn zone_ids(&self) -> Vec<String> {
        self.zones.items.iter().map(|z| z.id.clone()).collect()
    }

    pub fn needle(&self, code: &str) -> Option<&Needle> {
        self.needles.items.iter().find(|n| n.code == code)
    }

    /// The needle codes of the catalogue, for pickers and messages.
    pub fn needle_codes(&self) -> Vec<&str> {
        self.needles.items.iter().map(|n| n.code.as_str()).collect()
    }

    /// The shade codes, lightest first.
    pub fn shade_codes(&self) -> Vec<&str> {
        self.shades.steps.iter().map(|s| s.code.as_str()).collect()
    }

    pub fn screen_items(&self) -> &[ScreenItemDef] {
        &self.screen.items
    }

    /// What triage takes from the protocol: the screen items and the scar's minimum
    /// stability.
    pub fn screen_rules(&self) -> ScreenRules<'_> {
        ScreenRules {
            items: &self.screen.items,
            min_months_stable: self.screen.min_months_stable,
        }
    }

    /// What the gates on sessions, photographs and follow-ups take from the protocol
    /// (see [`crate::domain::gate`]).
    pub fn safety_rules(&self) -> SafetyRules {
        SafetyRules {
            screen_items: self.screen.items.clone(),
            min_months_stable: self.screen.min_months_stable,
            course_sessions: u8::try_from(self.session_count()).unwrap_or(u8::MAX),
        }
    }

    /// Number of sessions in the density ramp (3 by default).
    pub fn session_count(&self) -> usize {
        self.density.session_fractions.len()
    }

    pub fn follow_up_def(&self, tp: Timepoint) -> Option<&FollowUpDef> {
        self.schedule.follow_ups.iter().find(|f| f.timepoint == tp)
    }

    pub fn shade_step(&self, code: &str) -> Option<&ShadeStep> {
        self.shades.steps.iter().find(|s| s.code == code)
    }

    /// The shade code for a patient's skin type and hair colour in session `s` (0-based).
    pub fn shade_for(
        &self,
        fitzpatrick: Option<Fitzpatrick>,
        hair: Option<HairColour>,
        s: usize,
    ) -> String {
        let sh = &self.shades;
        let base = fitzpatrick
            .and_then(|f| sh.base_step_by_fitzpatrick.get(f.roman()).copied())
            .unwrap_or(sh.when_unknown);
        let hair = hair
            .and_then(|h| sh.hair_colour_offset.get(h.id()).copied())
            .unwrap_or(0);
        let session = sh.session_offset.get(s).copied().unwrap_or(0);
        let n = sh.steps.len().max(1) as i32;
        let step = (base + hair + session).clamp(1, n);
        sh.steps
            .get((step - 1) as usize)
            .map(|st| st.code.clone())
            .unwrap_or_default()
    }
}

/// Largest zone area accepted, cm² (a whole adult scalp is roughly 600 to 700 cm²).
pub const MAX_AREA_CM2: f64 = 800.0;
/// Largest target density accepted, FU/cm² (natural scalps rarely exceed about 120).
pub const MAX_DENSITY: f64 = 200.0;
/// Deepest depth accepted, mm (published and trade figures reach 1.5 mm).
pub const MAX_DEPTH_MM: f64 = 3.0;

fn in_unit_square(p: [f64; 2]) -> bool {
    p.iter().all(|v| v.is_finite() && (-1.0..=1.0).contains(v))
}

fn check_id(id: &str) -> Result<(), String> {
    if id.is_empty()
        || !id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(format!(
            "'{id}' is not an id (lower-case letters, digits and _ only)"
        ));
    }
    Ok(())
}

pub(crate) fn check_depth(r: [f64; 2]) -> Result<(), String> {
    let [lo, hi] = r;
    if !(lo.is_finite() && hi.is_finite()) || lo <= 0.0 || hi > MAX_DEPTH_MM {
        return Err(format!(
            "[{lo}, {hi}] is outside 0..{MAX_DEPTH_MM} mm (must be above 0)"
        ));
    }
    if lo > hi {
        return Err(format!("[{lo}, {hi}]: the minimum is above the maximum"));
    }
    Ok(())
}

pub(crate) fn check_density(v: f64) -> Result<(), String> {
    if !(v.is_finite() && v > 0.0 && v <= MAX_DENSITY) {
        return Err(format!(
            "{v} is outside 0..{MAX_DENSITY} FU/cm² (must be above 0)"
        ));
    }
    Ok(())
}

/// Fractions must rise strictly, stay within 0..1 and end at 1 (100% of the target).
/// The error carries the index at fault, if one.
pub(crate) fn check_fractions(f: &[f64]) -> Result<(), (Option<usize>, String)> {
    if f.is_empty() {
        return Err((None, "needs at least one session".into()));
    }
    let mut prev = 0.0;
    for (i, v) in f.iter().enumerate() {
        if !(v.is_finite() && *v > 0.0 && *v <= 1.0) {
            return Err((Some(i), format!("{v} is outside 0..1 (must be above 0)")));
        }
        if *v <= prev {
            return Err((
                Some(i),
                format!("{v} does not rise above the previous session's {prev}"),
            ));
        }
        prev = *v;
    }
    if (prev - 1.0).abs() > 1e-9 {
        return Err((
            Some(f.len() - 1),
            format!("the last session reaches {prev}, not 1 (100% of the target)"),
        ));
    }
    Ok(())
}

/// The JSON path (`density.session_fractions[2]`) of the value at a 1-based line and column,
/// where serde_json reports a type or value error. serde_json does not say which field it
/// was reading, and a practitioner editing the file needs the field's name; this short
/// scanner recovers it from the position. `None` at the top level.
fn json_path_at(text: &str, line: usize, column: usize) -> Option<String> {
    enum Frame {
        Obj { key: Option<String>, want_key: bool },
        Arr { index: usize },
    }
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    let end = (line_start + column).min(text.len());
    let bytes = text.as_bytes();
    let mut stack: Vec<Frame> = Vec::new();
    let mut i = 0;
    while i < end {
        match bytes[i] {
            b'{' => stack.push(Frame::Obj {
                key: None,
                want_key: true,
            }),
            b'[' => stack.push(Frame::Arr { index: 0 }),
            // A closing bracket at the reported position is the container the error is
            // about (a missing field): keep it, without its last key.
            b'}' if i + 1 == end => {
                if let Some(Frame::Obj { key, .. }) = stack.last_mut() {
                    *key = None;
                }
            }
            b'}' | b']' => {
                stack.pop();
            }
            b',' => match stack.last_mut() {
                Some(Frame::Obj { want_key, .. }) => *want_key = true,
                Some(Frame::Arr { index }) => *index += 1,
                None => {}
            },
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    if bytes[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                if let Some(Frame::Obj { key, want_key }) = stack.last_mut()
                    && *want_key
                {
                    *key = text.get(start..i.min(text.len())).map(str::to_string);
                    *want_key = false;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let mut path = String::new();
    for f in &stack {
        match f {
            Frame::Obj { key: Some(k), .. } => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(k);
            }
            Frame::Obj { key: None, .. } => {}
            Frame::Arr { index } => path.push_str(&format!("[{index}]")),
        }
    }
    (!path.is_empty()).then_some(path)
}

/// serde_json appends " at line L column C"; the caller already says where.
fn strip_position(s: &str) -> &str {
    s.rfind(" at line ").map(|i| &s[..i]).unwrap_or(s)
}

/// Whether a session dated `date` may be recorded as performed for this patient (see
/// [`crate::domain::gate::session_gate`]): the reason and what would clear it when not.
/// Plans can be drafted in any state; only performing treatment is gated.
pub fn can_record_session(
    patient: &Patient,
    protocol: &Protocol,
    date: chrono::NaiveDate,
) -> Result<(), String> {
    crate::domain::gate::session_gate(patient, date, &protocol.safety_rules())
        .map_err(|r| r.reasons())
}

#[cfg(test)]
mod tests;
