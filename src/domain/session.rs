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

/// One session as performed. Only `number` and `date` are required: a registry imported from
/// CSV knows the dates alone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// 1-based session number.
    pub number: u8,
    pub date: NaiveDate,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub zones: Vec<ZoneWork>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pigment_shade: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pigment_lot: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
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
