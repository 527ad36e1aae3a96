//! Intake: demographics, skin and hair, alopecia subtype and its classification, consent.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Sex as recorded at intake (`F`, `M`, `X` in the CSV contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    F,
    M,
    X,
}

impl Sex {
    pub const ALL: [Sex; 3] = [Sex::F, Sex::M, Sex::X];
    pub fn code(self) -> &'static str {
        match self {
            Sex::F => "F",
            Sex::M => "M",
            Sex::X => "X",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Sex::F => "female",
            Sex::M => "male",
            Sex::X => "other / not stated",
        }
    }
}

impl FromStr for Sex {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim() {
            "F" | "f" => Ok(Sex::F),
            "M" | "m" => Ok(Sex::M),
            "X" | "x" => Ok(Sex::X),
            other => Err(format!("'{other}' is not a sex code; allowed: F, M or X")),
        }
    }
}

/// Fitzpatrick skin phototype, I to VI. Stored as the number 1..=6.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Fitzpatrick(u8);

impl Fitzpatrick {
    pub const ROMAN: [&'static str; 6] = ["I", "II", "III", "IV", "V", "VI"];
    pub fn new(n: u8) -> Result<Self, String> {
        if super::limits::FITZPATRICK.contains(&n) {
            Ok(Fitzpatrick(n))
        } else {
            Err(format!(
                "{n} is not a Fitzpatrick type; allowed: 1 to 6 (or I to VI)"
            ))
        }
    }
    pub fn number(self) -> u8 {
        self.0
    }
    pub fn roman(self) -> &'static str {
        Self::ROMAN[(self.0 - 1) as usize]
    }
    pub fn all() -> impl Iterator<Item = Fitzpatrick> {
        super::limits::FITZPATRICK.map(Fitzpatrick)
    }
}

impl TryFrom<u8> for Fitzpatrick {
    type Error = String;
    fn try_from(n: u8) -> Result<Self, String> {
        Fitzpatrick::new(n)
    }
}
impl From<Fitzpatrick> for u8 {
    fn from(f: Fitzpatrick) -> u8 {
        f.0
    }
}

impl FromStr for Fitzpatrick {
    type Err = String;
    /// Accepts `1`..`6` and the Roman numerals `I`..`VI` (any case).
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if let Ok(n) = t.parse::<u8>() {
            return Fitzpatrick::new(n);
        }
        let up = t.to_ascii_uppercase();
        match Self::ROMAN.iter().position(|r| *r == up) {
            Some(i) => Ok(Fitzpatrick(i as u8 + 1)),
            None => Err(format!(
                "'{t}' is not a Fitzpatrick type; allowed: 1 to 6 (or I to VI)"
            )),
        }
    }
}

impl fmt::Display for Fitzpatrick {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.roman())
    }
}

/// Natural hair colour, which with the skin type picks the pigment shade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HairColour {
    Black,
    DarkBrown,
    MediumBrown,
    LightBrown,
    Blond,
    Red,
    GreyWhite,
}

impl HairColour {
    pub const ALL: [HairColour; 7] = [
        HairColour::Black,
        HairColour::DarkBrown,
        HairColour::MediumBrown,
        HairColour::LightBrown,
        HairColour::Blond,
        HairColour::Red,
        HairColour::GreyWhite,
    ];
    pub fn id(self) -> &'static str {
        match self {
            HairColour::Black => "black",
            HairColour::DarkBrown => "dark_brown",
            HairColour::MediumBrown => "medium_brown",
            HairColour::LightBrown => "light_brown",
            HairColour::Blond => "blond",
            HairColour::Red => "red",
            HairColour::GreyWhite => "grey_white",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            HairColour::Black => "black",
            HairColour::DarkBrown => "dark brown",
            HairColour::MediumBrown => "medium brown",
            HairColour::LightBrown => "light brown",
            HairColour::Blond => "blond",
            HairColour::Red => "red",
            HairColour::GreyWhite => "grey / white",
        }
    }
}

impl FromStr for HairColour {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim().to_ascii_lowercase().replace([' ', '-', '/'], "_");
        HairColour::ALL
            .into_iter()
            .find(|h| h.id() == t || h.label().replace([' ', '/'], "_") == t)
            .ok_or_else(|| {
                let allowed: Vec<_> = HairColour::ALL.iter().map(|h| h.id()).collect();
                format!(
                    "'{}' is not a hair colour; allowed: {}",
                    s.trim(),
                    allowed.join(", ")
                )
            })
    }
}

/// The two alopecia subtypes of the case series.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subtype {
    Androgenetic,
    Scarring,
}

impl Subtype {
    pub const ALL: [Subtype; 2] = [Subtype::Androgenetic, Subtype::Scarring];
    pub fn id(self) -> &'static str {
        match self {
            Subtype::Androgenetic => "androgenetic",
            Subtype::Scarring => "scarring",
        }
    }
}

impl FromStr for Subtype {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "androgenetic" => Ok(Subtype::Androgenetic),
            "scarring" => Ok(Subtype::Scarring),
            other => Err(format!(
                "'{other}' is not a subtype; allowed: androgenetic or scarring"
            )),
        }
    }
}

impl fmt::Display for Subtype {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// Norwood–Hamilton stages (men).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum NorwoodStage {
    I,
    II,
    IIa,
    III,
    IIIa,
    IIIVertex,
    IV,
    IVa,
    V,
    Va,
    VI,
    VII,
}

impl NorwoodStage {
    pub const ALL: [NorwoodStage; 12] = [
        NorwoodStage::I,
        NorwoodStage::II,
        NorwoodStage::IIa,
        NorwoodStage::III,
        NorwoodStage::IIIa,
        NorwoodStage::IIIVertex,
        NorwoodStage::IV,
        NorwoodStage::IVa,
        NorwoodStage::V,
        NorwoodStage::Va,
        NorwoodStage::VI,
        NorwoodStage::VII,
    ];
    pub fn label(self) -> &'static str {
        match self {
            NorwoodStage::I => "I",
            NorwoodStage::II => "II",
            NorwoodStage::IIa => "IIa",
            NorwoodStage::III => "III",
            NorwoodStage::IIIa => "IIIa",
            NorwoodStage::IIIVertex => "III-vertex",
            NorwoodStage::IV => "IV",
            NorwoodStage::IVa => "IVa",
            NorwoodStage::V => "V",
            NorwoodStage::Va => "Va",
            NorwoodStage::VI => "VI",
            NorwoodStage::VII => "VII",
        }
    }
}

/// Androgenetic staging: Norwood–Hamilton for men, Ludwig I–III or Sinclair 1–5 for women.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "scale", content = "stage", rename_all = "snake_case")]
pub enum AgaStage {
    Norwood(NorwoodStage),
    /// Ludwig grade 1..=3 (shown as I–III).
    Ludwig(u8),
    /// Sinclair grade 1..=5.
    Sinclair(u8),
}

/// Cause of a scarring alopecia: surgical/traumatic scars and primary scarring alopecias.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScarCause {
    FutStrip,
    Fue,
    Trauma,
    Burn,
    Surgical,
    LichenPlanopilaris,
    FrontalFibrosingAlopecia,
    DiscoidLupus,
    Ccca,
    FolliculitisDecalvans,
}

impl ScarCause {
    pub const ALL: [ScarCause; 10] = [
        ScarCause::FutStrip,
        ScarCause::Fue,
        ScarCause::Trauma,
        ScarCause::Burn,
        ScarCause::Surgical,
        ScarCause::LichenPlanopilaris,
        ScarCause::FrontalFibrosingAlopecia,
        ScarCause::DiscoidLupus,
        ScarCause::Ccca,
        ScarCause::FolliculitisDecalvans,
    ];
    pub fn label(self) -> &'static str {
        match self {
            ScarCause::FutStrip => "FUT strip scar",
            ScarCause::Fue => "FUE scars",
            ScarCause::Trauma => "trauma scar",
            ScarCause::Burn => "burn scar",
            ScarCause::Surgical => "surgical scar",
            ScarCause::LichenPlanopilaris => "lichen planopilaris",
            ScarCause::FrontalFibrosingAlopecia => "frontal fibrosing alopecia",
            ScarCause::DiscoidLupus => "discoid lupus",
            ScarCause::Ccca => "CCCA",
            ScarCause::FolliculitisDecalvans => "folliculitis decalvans",
        }
    }
    /// Primary scarring alopecias can be active; they need a quiescent period before SMP.
    pub fn is_primary(self) -> bool {
        matches!(
            self,
            ScarCause::LichenPlanopilaris
                | ScarCause::FrontalFibrosingAlopecia
                | ScarCause::DiscoidLupus
                | ScarCause::Ccca
                | ScarCause::FolliculitisDecalvans
        )
    }
}

/// The classification line of the CSV (`Norwood V`, `Ludwig II`, `FUT strip scar`): a known
/// stage or cause, or text typed by hand when none fits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Classification {
    Aga(AgaStage),
    Scar(ScarCause),
    /// Free text typed by hand (dropped by de-identified exports).
    Other(String),
}

impl Classification {
    /// Which subtype a structured classification belongs to (`None` for free text).
    pub fn subtype(&self) -> Option<Subtype> {
        match self {
            Classification::Aga(_) => Some(Subtype::Androgenetic),
            Classification::Scar(_) => Some(Subtype::Scarring),
            Classification::Other(_) => None,
        }
    }
    /// Parses the CSV text. Known stages and causes become structured; anything else is kept
    /// as free text, so nothing typed is lost.
    pub fn parse(s: &str) -> Classification {
        let t = s.trim();
        let lower = t.to_ascii_lowercase();
        let words: Vec<&str> = t.split_whitespace().collect();
        if words.len() == 2 {
            let scale = words[0].to_ascii_lowercase();
            let stage = words[1];
            match scale.as_str() {
                "norwood" | "norwood-hamilton" | "hamilton" => {
                    if let Some(n) = NorwoodStage::ALL
                        .into_iter()
                        .find(|n| n.label().eq_ignore_ascii_case(stage))
                    {
                        return Classification::Aga(AgaStage::Norwood(n));
                    }
                }
                "ludwig" => {
                    let g = match stage.to_ascii_uppercase().as_str() {
                        "I" | "1" => Some(1),
                        "II" | "2" => Some(2),
                        "III" | "3" => Some(3),
                        _ => None,
                    };
                    if let Some(g) = g {
                        return Classification::Aga(AgaStage::Ludwig(g));
                    }
                }
                "sinclair" => {
                    if let Ok(g @ 1..=5) = stage.parse::<u8>() {
                        return Classification::Aga(AgaStage::Sinclair(g));
                    }
                }
                _ => {}
            }
        }
        if let Some(c) = ScarCause::ALL
            .into_iter()
            .find(|c| c.label().to_ascii_lowercase() == lower)
        {
            return Classification::Scar(c);
        }
        Classification::Other(t.to_string())
    }
}

impl fmt::Display for Classification {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Classification::Aga(AgaStage::Norwood(n)) => write!(f, "Norwood {}", n.label()),
            Classification::Aga(AgaStage::Ludwig(g)) => {
                let r = ["I", "II", "III"].get((*g as usize).wrapping_sub(1));
                write!(f, "Ludwig {}", r.copied().unwrap_or("?"))
            }
            Classification::Aga(AgaStage::Sinclair(g)) => write!(f, "Sinclair {g}"),
            Classification::Scar(c) => f.write_str(c.label()),
            Classification::Other(s) => f.write_str(s),
        }
    }
}

/// Whether a primary scarring alopecia is still active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Activity {
    Active,
    Quiescent,
}

impl Activity {
    pub const ALL: [Activity; 2] = [Activity::Active, Activity::Quiescent];
    /// The serialized id.
    pub fn id(self) -> &'static str {
        match self {
            Activity::Active => "active",
            Activity::Quiescent => "quiescent",
        }
    }
}

/// Surface of the scar, which decides needle and depth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Texture {
    Flat,
    Raised,
    Atrophic,
}

impl Texture {
    pub const ALL: [Texture; 3] = [Texture::Flat, Texture::Raised, Texture::Atrophic];
    /// The serialized id.
    pub fn id(self) -> &'static str {
        match self {
            Texture::Flat => "flat",
            Texture::Raised => "raised",
            Texture::Atrophic => "atrophic",
        }
    }
}

/// Details recorded for scarring alopecia only.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScarDetails {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activity: Option<Activity>,
    /// Months since the scar or disease has been stable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub months_stable: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub texture: Option<Texture>,
}

/// Subtype, its classification and, for scarring, the scar details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Alopecia {
    pub subtype: Subtype,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<Classification>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scar: Option<ScarDetails>,
}

impl Alopecia {
    pub fn new(subtype: Subtype) -> Self {
        Alopecia {
            subtype,
            classification: None,
            scar: None,
        }
    }
}

/// Where one part of the consent stands. Withdrawal is recorded as [`ConsentStatus::Refused`]
/// with the date it was withdrawn (the audit log keeps the earlier "given").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentStatus {
    Given,
    Refused,
    #[default]
    NotRecorded,
}

impl ConsentStatus {
    pub const ALL: [ConsentStatus; 3] = [
        ConsentStatus::NotRecorded,
        ConsentStatus::Given,
        ConsentStatus::Refused,
    ];
    /// The serialized id.
    pub fn id(self) -> &'static str {
        match self {
            ConsentStatus::Given => "given",
            ConsentStatus::Refused => "refused",
            ConsentStatus::NotRecorded => "not_recorded",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ConsentStatus::Given => "given",
            ConsentStatus::Refused => "refused / withdrawn",
            ConsentStatus::NotRecorded => "not recorded",
        }
    }
    /// The CSV's `data_use_consent` cell: `yes`, `no` or empty.
    pub fn csv_cell(self) -> Option<&'static str> {
        match self {
            ConsentStatus::Given => Some("yes"),
            ConsentStatus::Refused => Some("no"),
            ConsentStatus::NotRecorded => None,
        }
    }
    /// Reads a `data_use_consent` cell (`yes`/`no`, also `y`/`n`, `true`/`false`, `1`/`0`).
    pub fn from_csv_cell(s: &str) -> Result<ConsentStatus, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "" => Ok(ConsentStatus::NotRecorded),
            "yes" | "y" | "true" | "1" => Ok(ConsentStatus::Given),
            "no" | "n" | "false" | "0" => Ok(ConsentStatus::Refused),
            _ => Err(format!(
                "'{}' is not a consent answer; allowed: yes, no or empty (not recorded)",
                s.trim()
            )),
        }
    }
}

/// One part of the consent (treatment, photographs or data use): its status and the date it
/// was given, refused or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct ConsentPart {
    #[serde(default)]
    pub status: ConsentStatus,
    #[serde(
        deserialize_with = "crate::domain::dates::opt_date",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub date: Option<NaiveDate>,
}

impl ConsentPart {
    pub fn given(date: NaiveDate) -> Self {
        ConsentPart {
            status: ConsentStatus::Given,
            date: Some(date),
        }
    }
    pub fn refused(date: NaiveDate) -> Self {
        ConsentPart {
            status: ConsentStatus::Refused,
            date: Some(date),
        }
    }
    pub fn is_given(&self) -> bool {
        self.status == ConsentStatus::Given
    }
    pub fn is_recorded(&self) -> bool {
        self.status != ConsentStatus::NotRecorded
    }
    /// `given 2026-01-05`, `refused / withdrawn 2026-02-01`, `not recorded`.
    pub fn describe(&self) -> String {
        match self.date {
            Some(d) if self.is_recorded() => format!("{} {d}", self.status.label()),
            _ => self.status.label().to_string(),
        }
    }
}

/// Informed consent, each part separately with its own status and date: treatment (needed
/// before any session), photographs (needed before a photograph is attached) and data use
/// (a refusal keeps the patient out of research outputs).
///
/// Files of schema version 1 stored three booleans and one date; they still load (see
/// [`Consent`]'s `Deserialize`): `true` reads as given on that date; `false` with a consent
/// date reads as refused on it (the old form showed an unticked box as "not given" and was
/// saved on that date); `false` without any date reads as not recorded (the default of a
/// form nobody filled in).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Consent {
    #[serde(skip_serializing_if = "part_not_recorded")]
    pub treatment: ConsentPart,
    #[serde(skip_serializing_if = "part_not_recorded")]
    pub photographs: ConsentPart,
    #[serde(skip_serializing_if = "part_not_recorded")]
    pub data_use: ConsentPart,
}

fn part_not_recorded(p: &ConsentPart) -> bool {
    *p == ConsentPart::default()
}

impl Consent {
    /// Every part given on `date`.
    pub fn all_given(date: NaiveDate) -> Self {
        Consent {
            treatment: ConsentPart::given(date),
            photographs: ConsentPart::given(date),
            data_use: ConsentPart::given(date),
        }
    }
    /// The dates of the parts, for date shifting and checks.
    pub fn dates(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        [self.treatment, self.photographs, self.data_use]
            .into_iter()
            .filter_map(|p| p.date)
    }
    /// Every date of the consent, mutably (de-identification shifts them).
    pub fn dates_mut(&mut self) -> [&mut Option<NaiveDate>; 3] {
        [
            &mut self.treatment.date,
            &mut self.photographs.date,
            &mut self.data_use.date,
        ]
    }
}

/// A part as a file may hold it: an object (schema 2) or a boolean (schema 1).
#[derive(Deserialize)]
#[serde(untagged)]
enum PartOnDisk {
    Part(ConsentPart),
    Flag(bool),
}

#[derive(Deserialize)]
struct ConsentOnDisk {
    #[serde(default)]
    treatment: Option<PartOnDisk>,
    #[serde(default)]
    photographs: Option<PartOnDisk>,
    #[serde(default)]
    data_use: Option<PartOnDisk>,
    /// Schema 1: one date for the whole consent.
    #[serde(deserialize_with = "crate::domain::dates::opt_date", default)]
    date: Option<NaiveDate>,
}

impl<'de> Deserialize<'de> for Consent {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = ConsentOnDisk::deserialize(d)?;
        let date = raw.date;
        let part = |p: Option<PartOnDisk>| match p {
            None => ConsentPart::default(),
            Some(PartOnDisk::Part(p)) => p,
            Some(PartOnDisk::Flag(true)) => ConsentPart {
                status: ConsentStatus::Given,
                date,
            },
            Some(PartOnDisk::Flag(false)) => match date {
                Some(_) => ConsentPart {
                    status: ConsentStatus::Refused,
                    date,
                },
                None => ConsentPart::default(),
            },
        };
        Ok(Consent {
            treatment: part(raw.treatment),
            photographs: part(raw.photographs),
            data_use: part(raw.data_use),
        })
    }
}

/// Counts what a research output (statistics, the case-series report, de-identified exports)
/// left out, admitting patients one at a time: a patient whose data-use consent is refused or
/// withdrawn is left out; one with none recorded (historical data imported for analysis
/// often has none) stays in and is counted. Works on whole records and on summaries (the
/// summary carries the consent).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResearchFilter {
    /// Patients admitted.
    pub included: usize,
    /// Left out: data-use consent refused or withdrawn.
    pub left_out: usize,
    /// Admitted without any data-use consent recorded.
    pub not_recorded: usize,
}

impl ResearchFilter {
    /// Whether `p` may appear in a research output; counts it either way.
    pub fn admit(&mut self, p: &super::Patient) -> bool {
        self.admit_status(p.consent.data_use.status)
    }

    /// [`ResearchFilter::admit`] from the data-use status alone (for a stream that has
    /// turned the record into something else already).
    pub fn admit_status(&mut self, status: ConsentStatus) -> bool {
        match status {
            ConsentStatus::Refused => {
                self.left_out += 1;
                false
            }
            ConsentStatus::NotRecorded => {
                self.not_recorded += 1;
                self.included += 1;
                true
            }
            ConsentStatus::Given => {
                self.included += 1;
                true
            }
        }
    }

    /// What the output must say about its cohort, e.g. `1 patient left out (data-use
    /// consent refused or withdrawn); 3 included without a recorded data-use consent`.
    pub fn sentence(&self) -> String {
        let n = |k: usize| if k == 1 { "patient" } else { "patients" };
        format!(
            "{} {} left out (data-use consent refused or withdrawn); {} {} included without a recorded data-use consent",
            self.left_out,
            n(self.left_out),
            self.not_recorded,
            n(self.not_recorded)
        )
    }
}

/// The patients a research output may use, and what was left out.
pub fn research_cohort<'a>(
    patients: impl IntoIterator<Item = &'a super::Patient>,
) -> (Vec<&'a super::Patient>, ResearchFilter) {
    let mut f = ResearchFilter::default();
    let kept = patients.into_iter().filter(|p| f.admit(p)).collect();
    (kept, f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fitzpatrick_accepts_numbers_and_roman() {
        assert_eq!("4".parse::<Fitzpatrick>().unwrap().number(), 4);
        assert_eq!("iv".parse::<Fitzpatrick>().unwrap().number(), 4);
        assert_eq!("VI".parse::<Fitzpatrick>().unwrap().roman(), "VI");
        assert!("7".parse::<Fitzpatrick>().unwrap_err().contains("1 to 6"));
        assert!("0".parse::<Fitzpatrick>().is_err());
        assert!("VII".parse::<Fitzpatrick>().is_err());
        assert!(serde_json::from_str::<Fitzpatrick>("9").is_err());
    }

    #[test]
    fn sex_and_subtype_codes() {
        assert_eq!("F".parse::<Sex>().unwrap(), Sex::F);
        assert!("female".parse::<Sex>().unwrap_err().contains("F, M or X"));
        assert_eq!("Scarring".parse::<Subtype>().unwrap(), Subtype::Scarring);
        assert!("alopecia".parse::<Subtype>().is_err());
    }

    #[test]
    fn hair_colour_parses_ids_and_labels() {
        assert_eq!(
            "dark brown".parse::<HairColour>().unwrap(),
            HairColour::DarkBrown
        );
        assert_eq!(
            "grey_white".parse::<HairColour>().unwrap(),
            HairColour::GreyWhite
        );
        assert!("purple".parse::<HairColour>().is_err());
    }

    #[test]
    fn classification_round_trips_through_text() {
        for text in [
            "Norwood V",
            "Norwood III-vertex",
            "Ludwig II",
            "Sinclair 4",
            "FUT strip scar",
            "burn scar",
            "frontal fibrosing alopecia",
            "patchy after radiotherapy",
        ] {
            let c = Classification::parse(text);
            assert_eq!(c.to_string(), text, "{c:?}");
        }
        assert_eq!(
            Classification::parse("norwood va"),
            Classification::Aga(AgaStage::Norwood(NorwoodStage::Va))
        );
        assert!(matches!(
            Classification::parse("Ludwig IV"),
            Classification::Other(_)
        ));
    }

    #[test]
    fn consent_of_schema_1_reads_honestly() {
        let d = |s| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let read = |j: &str| serde_json::from_str::<Consent>(j).unwrap();
        // true → given on the consent date; false with a date → refused on it.
        let c = read(
            r#"{"treatment": true, "photographs": false, "data_use": true, "date": "2025-01-06"}"#,
        );
        assert_eq!(c.treatment, ConsentPart::given(d("2025-01-06")));
        assert_eq!(c.photographs, ConsentPart::refused(d("2025-01-06")));
        assert_eq!(c.data_use.status, ConsentStatus::Given);
        // false without any date: the default of a form nobody filled in.
        let c = read(r#"{"treatment": false, "photographs": false, "data_use": false}"#);
        assert_eq!(c, Consent::default());
        let c = read(r#"{"treatment": true}"#);
        assert_eq!(c.treatment.status, ConsentStatus::Given);
        assert_eq!(c.treatment.date, None);
        assert_eq!(c.data_use.status, ConsentStatus::NotRecorded);
        assert_eq!(read("{}"), Consent::default());
    }

    #[test]
    fn consent_of_schema_2_round_trips() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let c = Consent {
            treatment: ConsentPart::given(d),
            photographs: ConsentPart::refused(d),
            data_use: ConsentPart::default(),
        };
        let j = serde_json::to_string(&c).unwrap();
        assert_eq!(
            j,
            r#"{"treatment":{"status":"given","date":"2026-01-05"},"photographs":{"status":"refused","date":"2026-01-05"}}"#
        );
        assert_eq!(serde_json::from_str::<Consent>(&j).unwrap(), c);
        assert!(serde_json::from_str::<Consent>(r#"{"treatment":{"status":"maybe"}}"#).is_err());
        assert!(serde_json::from_str::<Consent>(r#"{"treatment":"yes"}"#).is_err());
    }

    #[test]
    fn data_use_cells() {
        assert_eq!(
            ConsentStatus::from_csv_cell("yes"),
            Ok(ConsentStatus::Given)
        );
        assert_eq!(
            ConsentStatus::from_csv_cell(" No "),
            Ok(ConsentStatus::Refused)
        );
        assert_eq!(
            ConsentStatus::from_csv_cell(""),
            Ok(ConsentStatus::NotRecorded)
        );
        let e = ConsentStatus::from_csv_cell("maybe").unwrap_err();
        assert!(e.contains("yes, no or empty"), "{e}");
        for s in ConsentStatus::ALL {
            let back = ConsentStatus::from_csv_cell(s.csv_cell().unwrap_or(""));
            assert_eq!(back, Ok(s));
        }
    }

    #[test]
    fn research_filter_leaves_out_refusals_and_counts_the_unrecorded() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 5).unwrap();
        let mut ps = Vec::new();
        for (i, status) in [
            ConsentStatus::Given,
            ConsentStatus::Refused,
            ConsentStatus::NotRecorded,
            ConsentStatus::NotRecorded,
        ]
        .into_iter()
        .enumerate()
        {
            let mut p = super::super::Patient::new(format!("P{i}"), Subtype::Androgenetic);
            p.consent.data_use = ConsentPart {
                status,
                date: Some(d),
            };
            ps.push(p);
        }
        let (kept, f) = research_cohort(&ps);
        let ids: Vec<_> = kept.iter().map(|p| p.record_id.as_str()).collect();
        assert_eq!(ids, vec!["P0", "P2", "P3"]);
        assert_eq!((f.included, f.left_out, f.not_recorded), (3, 1, 2));
        assert_eq!(
            f.sentence(),
            "1 patient left out (data-use consent refused or withdrawn); 2 patients included without a recorded data-use consent"
        );
        // The summary carries what the filter needs.
        let sums: Vec<_> = ps.iter().map(super::super::Patient::summary).collect();
        assert_eq!(research_cohort(&sums).1, f);
    }
}
