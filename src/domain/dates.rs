//! Reading dates from JSON quickly.
//!
//! chrono's own `Deserialize` for `NaiveDate` goes through its general format parser, which
//! costs about as much as the rest of a patient summary put together; opening 10,000
//! patients reads over 100,000 dates. A stored date is almost always exactly `YYYY-MM-DD`:
//! that form is read here directly, and anything else is handed to chrono as before, so the
//! same dates are accepted and the same errors given. Used through
//! `#[serde(deserialize_with = ...)]` on the date fields; writing is unchanged.

use chrono::NaiveDate;
use serde::de::{self, Deserialize, Deserializer};
use std::fmt;

/// `YYYY-MM-DD` read directly; any other text parsed by chrono.
pub fn parse(s: &str) -> Result<NaiveDate, chrono::ParseError> {
    let b = s.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        let num = |r: std::ops::Range<usize>| {
            b[r].iter().try_fold(0u32, |acc, c| {
                c.is_ascii_digit().then(|| acc * 10 + u32::from(c - b'0'))
            })
        };
        if let (Some(y), Some(m), Some(d)) = (num(0..4), num(5..7), num(8..10))
            && let Some(date) = i32::try_from(y)
                .ok()
                .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
        {
            return Ok(date);
        }
    }
    s.parse()
}

/// A date read with [`parse`].
struct Fast(NaiveDate);

impl<'de> Deserialize<'de> for Fast {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fast, D::Error> {
        struct Visitor;
        impl de::Visitor<'_> for Visitor {
            type Value = Fast;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a formatted date string")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<Fast, E> {
                parse(s).map(Fast).map_err(E::custom)
            }
        }
        d.deserialize_str(Visitor)
    }
}

pub fn date<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    Fast::deserialize(d).map(|f| f.0)
}

pub fn opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Option<NaiveDate>, D::Error> {
    Option::<Fast>::deserialize(d).map(|o| o.map(|f| f.0))
}

pub fn vec_opt_date<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Option<NaiveDate>>, D::Error> {
    Vec::<Option<Fast>>::deserialize(d).map(|v| v.into_iter().map(|o| o.map(|f| f.0)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_chrono_on_every_kind_of_text() {
        let cases = [
            "2024-09-13",
            "2024-02-29",
            "2023-02-29",
            "2024-13-01",
            "2024-00-10",
            "2024-01-32",
            "0000-01-01",
            "9999-12-31",
            "2024-9-13",
            "2024-09-1",
            " 2024-09-13",
            "2024-09-13 ",
            "2024/09/13",
            "2024-09-1x",
            "+2024-09-13",
            "20240913",
            "",
            "２０２４-09-13",
        ];
        for s in cases {
            let ours = parse(s).map_err(|e| e.to_string());
            let chrono = s.parse::<NaiveDate>().map_err(|e| e.to_string());
            assert_eq!(ours, chrono, "{s:?}");
        }
        // And every day of a leap year and a common one, through JSON.
        let mut d = NaiveDate::from_ymd_opt(2023, 1, 1).unwrap();
        while d.to_string() != "2025-01-01" {
            let json = format!("\"{d}\"");
            let mut de = serde_json::Deserializer::from_str(&json);
            assert_eq!(date(&mut de).unwrap(), d);
            d = d.succ_opt().unwrap();
        }
    }
}
