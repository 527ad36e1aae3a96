//! Sessions as performed.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What was done in one zone during a session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneWork {
    pub zone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub needle: Option<String>,
    /// Cumulative density reached in the zone, FU/cm².
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub density_reached: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub depth_mm: Option<f64>,
    /// The zero-bleeding check: bleeding means the needle went too deep.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bleeding: Option<bool>,
}

impl ZoneWork {
    /// The figures as a practitioner writes them in the record: density to 0.1 FU/cm², depth
    /// to 0.01 mm (a plan's arithmetic leaves more digits than anyone measures).
    pub fn as_written(mut self) -> Self {
        let round = |v: f64, places: i32| {
            let f = 10f64.powi(places);
            (v * f).round() / f
        };
        self.density_reached = self.density_reached.map(|d| round(d, 1));
        self.depth_mm = self.depth_mm.map(|d| round(d, 2));
        self
    }
}

/// One session as performed. Only `number` and `date` are required: a registry imported from
/// CSV knows the dates alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// 1-based session number.
    pub number: u8,
    #[serde(deserialize_with = "crate::domain::dates::date")]
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<ZoneWork>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pigment_shade: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pigment_lot: Option<String>,
    #[serde(
        deserialize_with = "crate::domain::dates::opt_date",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub pigment_expiry: Option<NaiveDate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_min: Option<u32>,
    /// Free text (dropped by de-identified exports).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Paths of photographs taken at this session.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub photos: Vec<String>,
}

impl Session {
    pub fn new(number: u8, date: NaiveDate) -> Self {
        Session {
            number,
            date,
            operator: None,
            zones: Vec::new(),
            pigment_shade: None,
            pigment_lot: None,
            pigment_expiry: None,
            duration_min: None,
            notes: None,
            photos: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn work_as_written_rounds_density_and_depth_only() {
        let w = ZoneWork {
            zone: "vertex".into(),
            needle: Some("0803RL".into()),
            density_reached: Some(31.0 / 3.0),
            depth_mm: Some(0.655_000_1),
            bleeding: Some(true),
        }
        .as_written();
        assert_eq!(w.density_reached, Some(10.3));
        assert_eq!(w.depth_mm, Some(0.66));
        assert_eq!(w.needle.as_deref(), Some("0803RL"));
        assert_eq!(w.bleeding, Some(true));
        let none = ZoneWork {
            zone: "crown".into(),
            needle: None,
            density_reached: None,
            depth_mm: None,
            bleeding: None,
        };
        assert_eq!(none.clone().as_written(), none);
    }
}
