//! The treatment plan: per zone, needle, depth, area, target density, and per session the
//! cumulative density fraction, planned impressions and pigment shade.
//!
//! Plans are generated from the clinic protocol (see `crate::protocol`); this module holds
//! the data and the arithmetic that does not need the protocol.

use super::session::ZoneWork;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// One session of one zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZoneSessionPlan {
    /// Cumulative fraction of the target density reached after this session (0..=1).
    pub fraction: f64,
    /// Planned impressions this session: area × density × (fₛ − fₛ₋₁), rounded.
    pub impressions: u32,
    /// Pigment shade code from the protocol's shade steps.
    pub shade: String,
}

/// The plan for one zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ZonePlan {
    pub zone: String,
    pub needle: String,
    pub depth_min_mm: f64,
    pub depth_max_mm: f64,
    pub area_cm2: f64,
    /// Target density at 100%, follicular units per cm².
    pub target_density: f64,
    pub sessions: Vec<ZoneSessionPlan>,
    /// Names of the fields set by hand rather than by the protocol
    /// (`needle`, `depth`, `area_cm2`, `target_density`, `fraction.2`, `shade.1`, ...).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub overridden: BTreeSet<String>,
}

impl ZonePlan {
    /// Impressions for session `s` (0-based) from area, density and the fractions.
    pub fn impressions_for(&self, s: usize) -> u32 {
        let f = self.sessions.get(s).map(|p| p.fraction).unwrap_or(0.0);
        let prev = if s == 0 {
            0.0
        } else {
            self.sessions.get(s - 1).map(|p| p.fraction).unwrap_or(0.0)
        };
        impressions(self.area_cm2, self.target_density, prev, f)
    }

    /// Recomputes every session's impressions after an edit of area, density or fraction.
    pub fn recompute_impressions(&mut self) {
        for s in 0..self.sessions.len() {
            let n = self.impressions_for(s);
            self.sessions[s].impressions = n;
        }
    }

    /// Planned density (FU/cm²) reached after session `s` (0-based).
    pub fn density_after(&self, s: usize) -> f64 {
        self.sessions
            .get(s)
            .map(|p| p.fraction * self.target_density)
            .unwrap_or(0.0)
    }

    /// The work the plan expects in this zone at session `s` (0-based): the planned needle,
    /// the density planned after the session and the middle of the depth range. Bleeding is
    /// left unrecorded: it is an observation, not a plan.
    pub fn planned_work(&self, s: usize) -> ZoneWork {
        ZoneWork {
            zone: self.zone.clone(),
            needle: Some(self.needle.clone()),
            density_reached: Some(self.density_after(s)),
            depth_mm: Some((self.depth_min_mm + self.depth_max_mm) / 2.0),
            bleeding: None,
        }
    }
}

/// area × density × (f − f_prev), rounded to a whole impression, never negative.
pub fn impressions(area_cm2: f64, density: f64, f_prev: f64, f: f64) -> u32 {
    let v = area_cm2 * density * (f - f_prev);
    if v.is_finite() && v > 0.0 {
        v.round() as u32
    } else {
        0
    }
}

/// The whole plan of one patient.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    #[serde(
        deserialize_with = "crate::domain::dates::opt_date",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub start_date: Option<NaiveDate>,
    /// Planned date of each session (index 0 = session 1).
    #[serde(deserialize_with = "crate::domain::dates::vec_opt_date", default)]
    pub session_dates: Vec<Option<NaiveDate>>,
    pub zones: Vec<ZonePlan>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impressions_follow_the_formula() {
        // 20 cm² × 75 FU/cm² × 0.30 = 450; then × 0.40 = 600; then × 0.30 = 450.
        assert_eq!(impressions(20.0, 75.0, 0.0, 0.30), 450);
        assert_eq!(impressions(20.0, 75.0, 0.30, 0.70), 600);
        assert_eq!(impressions(20.0, 75.0, 0.70, 1.00), 450);
        assert_eq!(impressions(20.0, 75.0, 0.70, 0.50), 0);
        let mut z = ZonePlan {
            zone: "vertex".into(),
            needle: "0803RL".into(),
            depth_min_mm: 0.5,
            depth_max_mm: 0.8,
            area_cm2: 10.0,
            target_density: 60.0,
            sessions: [0.3, 0.7, 1.0]
                .iter()
                .map(|f| ZoneSessionPlan {
                    fraction: *f,
                    impressions: 0,
                    shade: "S2".into(),
                })
                .collect(),
            overridden: BTreeSet::new(),
        };
        z.recompute_impressions();
        let v: Vec<u32> = z.sessions.iter().map(|s| s.impressions).collect();
        assert_eq!(v, vec![180, 240, 180]);
        assert!((z.density_after(1) - 42.0).abs() < 1e-9);
        let w = z.planned_work(1);
        assert_eq!(w.zone, "vertex");
        assert_eq!(w.needle.as_deref(), Some("0803RL"));
        assert!((w.density_reached.unwrap() - 42.0).abs() < 1e-9);
        assert!((w.depth_mm.unwrap() - 0.65).abs() < 1e-9);
        assert_eq!(w.bleeding, None);
        // Past the last planned session nothing more is planned.
        assert_eq!(z.planned_work(5).density_reached, Some(0.0));
    }
}
