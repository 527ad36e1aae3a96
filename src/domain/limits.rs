//! The numeric ranges the validators enforce, named once so that the data dictionary
//! (`crate::export::dictionary`) documents exactly what validation accepts.

use std::ops::RangeInclusive;

/// Visual Density Score, scored by the clinician (at most one decimal).
pub const VDS: RangeInclusive<f64> = 0.0..=10.0;
/// Patient Satisfaction Score, a whole number (3 = very satisfied).
pub const PSS: RangeInclusive<u8> = 0..=3;
/// Fitzpatrick skin phototype I to VI, stored as a number.
pub const FITZPATRICK: RangeInclusive<u8> = 1..=6;
/// Share of grey hair, percent.
pub const GREY_PERCENT: RangeInclusive<u8> = 0..=100;
/// Area of a zone in cm² (an affected zone's area must also be above 0).
pub const AREA_CM2: RangeInclusive<f64> = 0.0..=1000.0;
/// Target density at 100%, follicular units per cm².
pub const TARGET_DENSITY: RangeInclusive<f64> = 0.0..=200.0;
/// Planned needle depth, mm.
pub const DEPTH_MM: RangeInclusive<f64> = 0.0..=3.0;
/// Cumulative share of the target density reached after a session.
pub const FRACTION: RangeInclusive<f64> = 0.0..=1.0;
/// Oldest plausible age; an older birth date is a typing mistake.
pub const MAX_AGE_YEARS: u32 = 120;
/// Longest record id (it names the patient's file).
pub const RECORD_ID_MAX_CHARS: usize = 64;
/// Longest file name the file systems smplan runs on allow, in bytes (`NAME_MAX`).
pub const FILE_NAME_MAX_BYTES: usize = 255;
/// The longest suffix the store adds to a record id to name a file: `<id>.json` in
/// `patients/`, and in `quarantine/` a copy number (up to `.999999`) and `.reason` after it.
/// The store checks its names against this (`store::QUARANTINE_MAX_COPIES`).
pub const RECORD_ID_FILE_SUFFIX_BYTES: usize = ".json".len() + ".999999".len() + ".reason".len();
/// Longest record id in bytes of UTF-8 (236): every name the store derives from it fits in a
/// file name. 64 characters of four bytes each would not (a record that cannot be written).
pub const RECORD_ID_MAX_BYTES: usize = FILE_NAME_MAX_BYTES - RECORD_ID_FILE_SUFFIX_BYTES;
