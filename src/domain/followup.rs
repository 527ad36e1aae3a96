//! Follow-up visits and their scores: Visual Density Score (VDS) and Patient Satisfaction
//! Score (PSS).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Visual Density Score: 0 to 10 with at most one decimal, scored by the clinician.
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize, Deserialize)]
#[serde(try_from = "f64", into = "f64")]
pub struct Vds(f64);

impl Vds {
    pub fn new(v: f64) -> Result<Self, String> {
        if !v.is_finite() || !super::limits::VDS.contains(&v) {
            return Err(format!("{v} is outside 0..10 (VDS is scored 0 to 10)"));
        }
        let tenths = v * 10.0;
        if (tenths - tenths.round()).abs() > 1e-6 {
            return Err(format!(
                "{v} has more than one decimal (VDS is 0 to 10 with at most one decimal, e.g. 8.5)"
            ));
        }
        // Store the exact one-decimal value so 8.5 read from text and 8.5 computed agree.
        Ok(Vds(tenths.round() / 10.0))
    }
    pub fn value(self) -> f64 {
        self.0
    }
}

impl TryFrom<f64> for Vds {
    type Error = String;
    fn try_from(v: f64) -> Result<Self, String> {
        Vds::new(v)
    }
}
impl From<Vds> for f64 {
    fn from(v: Vds) -> f64 {
        v.0
    }
}

impl FromStr for Vds {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if let Some((a, b)) = t.split_once(',')
            && format!("{a}.{b}").parse::<f64>().is_ok()
        {
            return Err(format!(
                "'{t}' is not a number; write the decimal with a point: {a}.{b}"
            ));
        }
        // Rust reads "NaN" and "inf" as numbers; a practitioner does not.
        let v: f64 = t
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| {
                format!("'{t}' is not a number (VDS is 0 to 10 with at most one decimal)")
            })?;
        if let Some((_, frac)) = t.split_once('.')
            && frac.trim_end_matches('0').len() > 1
        {
            return Err(format!(
                "{t} has more than one decimal (VDS is 0 to 10 with at most one decimal, e.g. 8.5)"
            ));
        }
        Vds::new(v).map_err(|_| {
            if v.is_finite() && super::limits::VDS.contains(&v) {
                format!("{t} has more than one decimal (VDS is 0 to 10 with at most one decimal)")
            } else {
                format!("{t} is outside 0..10 (VDS is scored 0 to 10)")
            }
        })
    }
}

impl fmt::Display for Vds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.fract() == 0.0 {
            write!(f, "{}", self.0 as i64)
        } else {
            write!(f, "{:.1}", self.0)
        }
    }
}

/// Patient Satisfaction Score: whole number 0 to 3 (3 = very satisfied).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Pss(u8);

impl Pss {
    pub const LABELS: [&'static str; 4] = [
        "not satisfied",
        "somewhat satisfied",
        "satisfied",
        "very satisfied",
    ];
    pub fn new(v: u8) -> Result<Self, String> {
        if super::limits::PSS.contains(&v) {
            Ok(Pss(v))
        } else {
            Err(format!(
                "{v} is outside 0..3 (PSS is a whole number 0 to 3)"
            ))
        }
    }
    pub fn value(self) -> u8 {
        self.0
    }
    pub fn label(self) -> &'static str {
        Self::LABELS[self.0 as usize]
    }
    pub fn very_satisfied(self) -> bool {
        self.0 == 3
    }
}

impl TryFrom<u8> for Pss {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, String> {
        Pss::new(v)
    }
}
impl From<Pss> for u8 {
    fn from(p: Pss) -> u8 {
        p.0
    }
}

impl FromStr for Pss {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        match t.parse::<i64>() {
            Ok(v) if u8::try_from(v).is_ok_and(|v| super::limits::PSS.contains(&v)) => {
                Ok(Pss(v as u8))
            }
            Ok(_) => Err(format!(
                "{t} is outside 0..3 (PSS is a whole number 0 to 3)"
            )),
            Err(_) => match t.parse::<f64>() {
                Ok(_) => Err(format!(
                    "{t} is not a whole number (PSS is a whole number 0 to 3)"
                )),
                Err(_) => Err(format!(
                    "'{t}' is not a number (PSS is a whole number 0 to 3)"
                )),
            },
        }
    }
}

impl fmt::Display for Pss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// When a follow-up is scored: immediately after the last session (`post`) or N months
/// after it (`6m` is the case series' second timepoint; clinics may add `12m`, `24m`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Timepoint {
    Post,
    Months(u16),
}

impl Timepoint {
    pub const M6: Timepoint = Timepoint::Months(6);
    pub fn id(self) -> String {
        match self {
            Timepoint::Post => "post".into(),
            Timepoint::Months(m) => format!("{m}m"),
        }
    }
    pub fn label(self) -> String {
        match self {
            Timepoint::Post => "post".into(),
            Timepoint::Months(m) => format!("{m} months"),
        }
    }
}

impl FromStr for Timepoint {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let t = s.trim();
        if t == "post" {
            return Ok(Timepoint::Post);
        }
        t.strip_suffix('m')
            .and_then(|m| m.parse::<u16>().ok())
            .filter(|m| *m > 0)
            .map(Timepoint::Months)
            .ok_or_else(|| format!("'{t}' is not a timepoint; allowed: post, 6m, 12m, ..."))
    }
}
impl TryFrom<String> for Timepoint {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        s.parse()
    }
}
impl From<Timepoint> for String {
    fn from(t: Timepoint) -> String {
        t.id()
    }
}

/// One follow-up visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FollowUp {
    pub timepoint: Timepoint,
    #[serde(
        deserialize_with = "crate::domain::dates::opt_date",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub date: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vds: Option<Vds>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pss: Option<Pss>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessor: Option<String>,
}

impl FollowUp {
    pub fn new(timepoint: Timepoint) -> Self {
        FollowUp {
            timepoint,
            date: None,
            vds: None,
            pss: None,
            assessor: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vds_range_and_decimals() {
        assert_eq!("8.5".parse::<Vds>().unwrap().value(), 8.5);
        assert_eq!("10".parse::<Vds>().unwrap().value(), 10.0);
        assert_eq!("0".parse::<Vds>().unwrap().value(), 0.0);
        assert_eq!("7.30".parse::<Vds>().unwrap().value(), 7.3);
        let e = "11".parse::<Vds>().unwrap_err();
        assert!(e.contains("outside 0..10"), "{e}");
        assert!("-1".parse::<Vds>().unwrap_err().contains("outside"));
        assert!("8.25".parse::<Vds>().unwrap_err().contains("one decimal"));
        assert!("abc".parse::<Vds>().unwrap_err().contains("not a number"));
        assert_eq!(
            "8,5".parse::<Vds>().unwrap_err(),
            "'8,5' is not a number; write the decimal with a point: 8.5"
        );
        for t in ["NaN", "inf", "-inf", "infinity"] {
            let e = t.parse::<Vds>().unwrap_err();
            assert_eq!(
                e,
                format!("'{t}' is not a number (VDS is 0 to 10 with at most one decimal)")
            );
        }
        assert!(serde_json::from_str::<Vds>("10.5").is_err());
        assert!(serde_json::from_str::<Vds>("8.25").is_err());
        assert_eq!(
            serde_json::to_string(&Vds::new(8.5).unwrap()).unwrap(),
            "8.5"
        );
    }

    #[test]
    fn pss_whole_0_to_3() {
        assert_eq!("3".parse::<Pss>().unwrap().label(), "very satisfied");
        assert!("4".parse::<Pss>().unwrap_err().contains("outside 0..3"));
        assert!("2.5".parse::<Pss>().unwrap_err().contains("whole number"));
        assert!("-1".parse::<Pss>().is_err());
        assert!(serde_json::from_str::<Pss>("5").is_err());
    }

    #[test]
    fn timepoints() {
        assert_eq!("post".parse::<Timepoint>().unwrap(), Timepoint::Post);
        assert_eq!("6m".parse::<Timepoint>().unwrap(), Timepoint::M6);
        assert_eq!(Timepoint::Months(12).id(), "12m");
        assert!("0m".parse::<Timepoint>().is_err());
        assert!("later".parse::<Timepoint>().is_err());
        assert!(Timepoint::Post < Timepoint::M6);
    }
}
