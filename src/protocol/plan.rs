//! Plan generation from a patient's intake, and validated per-patient edits of a plan.
//!
//! Scar tissue (a zone the protocol marks `scar`, or any zone of a scarring-alopecia
//! patient) is planned with the scar depth and the lower scar density target; the needle
//! comes from the protocol's per-subtype table, which holds the finer single-point needles
//! for scars. Whatever the practitioner sets by hand is recorded in `ZonePlan.overridden`,
//! so regenerating a plan after a protocol change keeps those values.

use super::{Protocol, check_density, check_depth, check_fractions};
use crate::domain::{Patient, Plan, Subtype, ZonePlan, ZoneSessionPlan};

/// Whether a zone of this patient is planned as scar tissue.
pub fn is_scar_tissue(patient: &Patient, protocol: &Protocol, zone: &str) -> bool {
    patient.subtype() == Subtype::Scarring || protocol.zone(zone).is_some_and(|z| z.scar)
}

/// The protocol's depth range for a zone of this patient, mm: the scar-tissue range for scar
/// tissue, else the zone's own (a zone the protocol does not list gets the scar range, the
/// shallower).
pub fn depth_range(patient: &Patient, protocol: &Protocol, zone: &str) -> [f64; 2] {
    if is_scar_tissue(patient, protocol, zone) {
        protocol.depth.scar_tissue
    } else {
        protocol
            .depth
            .zones
            .get(zone)
            .copied()
            .unwrap_or(protocol.depth.scar_tissue)
    }
}

/// The protocol's plan for one zone of this patient (no overrides). `area_cm2` is the area
/// measured at intake, else the protocol's default is used. A measured area is not marked
/// as overridden: `overridden` lists edits of the plan itself, which win over the intake
/// when the plan is regenerated.
pub fn zone_plan(
    patient: &Patient,
    protocol: &Protocol,
    zone: &str,
    area_cm2: Option<f64>,
) -> Result<ZonePlan, String> {
    let def = protocol.zone(zone).ok_or_else(|| {
        format!(
            "zone '{zone}' is not in the protocol; allowed: {}",
            protocol.zone_ids().join(", ")
        )
    })?;
    let scar = is_scar_tissue(patient, protocol, zone);
    let needle = protocol
        .needle_by_zone
        .for_subtype(patient.subtype())
        .get(zone)
        .cloned()
        .unwrap_or_default();
    let [depth_min_mm, depth_max_mm] = depth_range(patient, protocol, zone);
    let target_density = if scar {
        protocol.density.scar_target_fu_per_cm2
    } else {
        protocol.density.target_fu_per_cm2
    };
    let sessions = protocol
        .density
        .session_fractions
        .iter()
        .enumerate()
        .map(|(s, f)| ZoneSessionPlan {
            fraction: *f,
            impressions: 0,
            shade: protocol.shade_for(patient.fitzpatrick, patient.hair_colour, s),
        })
        .collect();
    let mut zp = ZonePlan {
        zone: def.id.clone(),
        needle,
        depth_min_mm,
        depth_max_mm,
        area_cm2: area_cm2.unwrap_or(def.default_area_cm2),
        target_density,
        sessions,
        overridden: Default::default(),
    };
    zp.recompute_impressions();
    Ok(zp)
}

/// One zone plan per affected zone, in protocol order; session dates are left to
/// scheduling. Zones the protocol does not know are left out and reported.
pub fn generate_plan(patient: &Patient, protocol: &Protocol) -> (Plan, Vec<String>) {
    let mut warnings = Vec::new();
    let mut zones = Vec::new();
    for az in &patient.zones {
        match zone_plan(patient, protocol, &az.zone, az.area_cm2) {
            Ok(z) => zones.push(z),
            Err(e) => warnings.push(e),
        }
    }
    zones.sort_by_key(|z| protocol.zone_rank(&z.zone));
    if patient.fitzpatrick.is_none() {
        warnings.push(format!(
            "skin type not recorded: shades use base step {} of the protocol",
            protocol.shades.when_unknown
        ));
    }
    let plan = Plan {
        zones,
        ..protocol.empty_plan()
    };
    (plan, warnings)
}

/// Regenerates a patient's plan from the protocol, keeping every value the practitioner
/// overrode in `previous` (matched by zone) and its dates.
pub fn regenerate_plan(
    patient: &Patient,
    protocol: &Protocol,
    previous: &Plan,
) -> (Plan, Vec<String>) {
    let (mut plan, mut warnings) = generate_plan(patient, protocol);
    plan.start_date = previous.start_date;
    plan.session_dates = previous.session_dates.clone();
    plan.session_dates.resize(protocol.session_count(), None);
    for zp in &mut plan.zones {
        let Some(old) = previous.zones.iter().find(|o| o.zone == zp.zone) else {
            continue;
        };
        for key in &old.overridden {
            let Some(field) = PlanField::from_key(key) else {
                warnings.push(format!(
                    "zone {}: unknown override '{key}' dropped",
                    zp.zone
                ));
                continue;
            };
            let value = field.value_of(old);
            match value.map(|v| apply_edit(zp, field, &v, protocol)) {
                Some(Ok(())) => {}
                Some(Err(e)) => warnings.push(format!(
                    "zone {}: {} could not be kept ({e})",
                    zp.zone,
                    field.key()
                )),
                None => warnings.push(format!(
                    "zone {}: {} no longer exists in the protocol's sessions",
                    zp.zone,
                    field.key()
                )),
            }
        }
    }
    (plan, warnings)
}

/// A cell of a zone plan that the practitioner can edit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanField {
    Needle,
    /// Both ends of the range, written `0.4-0.6`.
    Depth,
    Area,
    TargetDensity,
    /// Cumulative fraction after session n (0-based index).
    Fraction(usize),
    /// Shade of session n (0-based index).
    Shade(usize),
}

impl PlanField {
    /// The name kept in `ZonePlan.overridden` (`fraction.2` is session 2).
    pub fn key(self) -> String {
        match self {
            PlanField::Needle => "needle".into(),
            PlanField::Depth => "depth".into(),
            PlanField::Area => "area_cm2".into(),
            PlanField::TargetDensity => "target_density".into(),
            PlanField::Fraction(s) => format!("fraction.{}", s + 1),
            PlanField::Shade(s) => format!("shade.{}", s + 1),
        }
    }

    pub fn from_key(key: &str) -> Option<PlanField> {
        match key {
            "needle" => Some(PlanField::Needle),
            "depth" => Some(PlanField::Depth),
            "area_cm2" => Some(PlanField::Area),
            "target_density" => Some(PlanField::TargetDensity),
            _ => {
                let (name, n) = key.split_once('.')?;
                let s = n.parse::<usize>().ok().filter(|s| *s >= 1)? - 1;
                match name {
                    "fraction" => Some(PlanField::Fraction(s)),
                    "shade" => Some(PlanField::Shade(s)),
                    _ => None,
                }
            }
        }
    }

    /// The cell's current value as text, in the form [`apply_edit`] reads.
    pub fn value_of(self, z: &ZonePlan) -> Option<String> {
        match self {
            PlanField::Needle => Some(z.needle.clone()),
            PlanField::Depth => Some(format!("{}-{}", z.depth_min_mm, z.depth_max_mm)),
            PlanField::Area => Some(z.area_cm2.to_string()),
            PlanField::TargetDensity => Some(z.target_density.to_string()),
            PlanField::Fraction(s) => z.sessions.get(s).map(|p| p.fraction.to_string()),
            PlanField::Shade(s) => z.sessions.get(s).map(|p| p.shade.clone()),
        }
    }
}

/// A code typed in any case, checked against the allowed codes.
fn pick_code(field: &str, text: &str, what: &str, allowed: &[&str]) -> Result<String, String> {
    let code = text.trim().to_ascii_uppercase();
    if allowed.contains(&code.as_str()) {
        Ok(code)
    } else {
        Err(format!(
            "{field}: '{}' is not {what}; allowed: {}",
            text.trim(),
            allowed.join(", ")
        ))
    }
}

fn parse_number(field: &str, text: &str, unit: &str) -> Result<f64, String> {
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|v| v.is_finite())
        .ok_or_else(|| format!("{field}: '{}' is not a number ({unit})", text.trim()))
}

/// Sets one cell of a zone plan from the practitioner's text, checks it, marks it as
/// overridden and recomputes the planned impressions. On error the plan is unchanged.
pub fn apply_edit(
    z: &mut ZonePlan,
    field: PlanField,
    text: &str,
    protocol: &Protocol,
) -> Result<(), String> {
    let mut next = z.clone();
    let key = field.key();
    let session = |s: usize| {
        if s < z.sessions.len() {
            Ok(s)
        } else {
            Err(format!("{key}: the plan has {} sessions", z.sessions.len()))
        }
    };
    match field {
        PlanField::Needle => {
            let code = pick_code("needle", text, "in the catalogue", &protocol.needle_codes())?;
            next.needle = code;
        }
        PlanField::Depth => {
            let t = text.trim().trim_end_matches("mm").trim();
            let (lo, hi) = t
                .split_once(['-', '–'])
                .ok_or_else(|| format!("depth: '{t}' is not a range; write it as 0.4-0.6 (mm)"))?;
            let lo = parse_number("depth", lo, "mm")?;
            let hi = parse_number("depth", hi, "mm")?;
            check_depth([lo, hi]).map_err(|m| format!("depth: {m}"))?;
            next.depth_min_mm = lo;
            next.depth_max_mm = hi;
        }
        PlanField::Area => {
            let v = parse_number("area_cm2", text, "cm²")?;
            if !(v > 0.0 && v <= super::MAX_AREA_CM2) {
                return Err(format!(
                    "area_cm2: {v} is outside 0..{} cm² (must be above 0)",
                    super::MAX_AREA_CM2
                ));
            }
            next.area_cm2 = v;
        }
        PlanField::TargetDensity => {
            let v = parse_number("target_density", text, "FU/cm²")?;
            check_density(v).map_err(|m| format!("target_density: {m}"))?;
            next.target_density = v;
        }
        PlanField::Fraction(s) => {
            let s = session(s)?;
            let t = text.trim();
            // Accept "70%" as well as "0.7": practitioners speak in percent.
            let v = match t.strip_suffix('%') {
                Some(p) => parse_number(&key, p, "percent")? / 100.0,
                None => parse_number(&key, t, "0 to 1")?,
            };
            next.sessions[s].fraction = v;
            let fr: Vec<f64> = next.sessions.iter().map(|p| p.fraction).collect();
            check_fractions(&fr).map_err(|(i, m)| match i {
                Some(i) => format!("fraction.{}: {m}", i + 1),
                None => format!("{key}: {m}"),
            })?;
        }
        PlanField::Shade(s) => {
            let s = session(s)?;
            let code = pick_code(&key, text, "a shade", &protocol.shade_codes())?;
            next.sessions[s].shade = code;
        }
    }
    next.overridden.insert(key);
    next.recompute_impressions();
    *z = next;
    Ok(())
}

/// Puts one cell back to the protocol's value (the intake's, for a measured area) and
/// forgets that it was overridden.
pub fn revert_field(
    z: &mut ZonePlan,
    field: PlanField,
    patient: &Patient,
    protocol: &Protocol,
) -> Result<(), String> {
    // Area goes back to the intake's measurement, or the protocol default without one.
    let area = if field == PlanField::Area {
        patient
            .zones
            .iter()
            .find(|a| a.zone == z.zone)
            .and_then(|a| a.area_cm2)
    } else {
        Some(z.area_cm2)
    };
    let fresh = zone_plan(patient, protocol, &z.zone, area)?;
    match field {
        PlanField::Needle => z.needle = fresh.needle,
        PlanField::Depth => {
            z.depth_min_mm = fresh.depth_min_mm;
            z.depth_max_mm = fresh.depth_max_mm;
        }
        PlanField::Area => z.area_cm2 = fresh.area_cm2,
        PlanField::TargetDensity => z.target_density = fresh.target_density,
        PlanField::Fraction(s) => {
            if let (Some(d), Some(f)) = (z.sessions.get_mut(s), fresh.sessions.get(s)) {
                d.fraction = f.fraction;
            }
        }
        PlanField::Shade(s) => {
            if let (Some(d), Some(f)) = (z.sessions.get_mut(s), fresh.sessions.get(s)) {
                d.shade = f.shade.clone();
            }
        }
    }
    z.overridden.remove(&field.key());
    z.recompute_impressions();
    Ok(())
}
