//! Tests of the protocol file, plan generation, the triage gate and scheduling.

use super::plan::revert_field;
use super::*;
use crate::domain::{
    AffectedZone, Clearance, FollowUp, HairColour, Patient, Plan, Pss, Session, Subtype,
    TriageClass, Vds,
};
use chrono::NaiveDate;
use serde_json::{Value, json};

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn builtin_value() -> Value {
    serde_json::from_str(BUILTIN_JSON).unwrap()
}

/// Parses the built-in protocol after `edit` and returns the error.
fn mistake(edit: impl FnOnce(&mut Value)) -> ProtocolError {
    let mut v = builtin_value();
    edit(&mut v);
    Protocol::parse(&v.to_string()).expect_err("the edited protocol should be refused")
}

#[test]
fn builtin_protocol_is_valid() {
    let p = Protocol::builtin();
    assert_eq!(
        p.zone_ids(),
        crate::domain::DEFAULT_ZONE_IDS.map(String::from).to_vec()
    );
    assert_eq!(p.density.session_fractions, vec![0.30, 0.70, 1.00]);
    assert_eq!(p.density.target_fu_per_cm2, 75.0);
    assert!(p.density.scar_target_fu_per_cm2 < p.density.target_fu_per_cm2);
    assert_eq!(p.schedule.session_interval_days, 7);
    let m6 = p.follow_up_def(Timepoint::M6).unwrap();
    assert_eq!(
        (
            m6.days_after_last_session,
            m6.window_before_days,
            m6.window_after_days
        ),
        (182, 14, 14)
    );
    let post = p.follow_up_def(Timepoint::Post).unwrap();
    assert_eq!(
        (post.days_after_last_session, post.window_after_days),
        (0, 7)
    );
    // Every section says where its defaults came from.
    let v = builtin_value();
    for (k, section) in v.as_object().unwrap() {
        if section.is_object() {
            let src = section["source"].as_str().unwrap_or_default();
            assert!(src.len() > 20, "section {k} has no source");
        }
    }
    assert!(p.note.contains("DEFAULT"));
}

#[test]
fn builtin_screen_covers_the_domain_list() {
    let p = Protocol::builtin();
    let defer = p
        .screen
        .items
        .iter()
        .filter(|i| i.class == TriageClass::Defer)
        .count();
    let clearance = p.screen.items.len() - defer;
    assert_eq!((defer, clearance), (10, 9));
    for id in [
        "scalp_infection",
        "anticoagulants",
        "pregnancy_breastfeeding",
        "keloid_tendency",
    ] {
        assert!(p.screen.items.iter().any(|i| i.id == id), "{id}");
    }
}

#[test]
fn builtin_needles_match_the_gauge_table() {
    let p = Protocol::builtin();
    for (gauge, mm) in [(4, 0.18), (6, 0.20), (8, 0.25), (10, 0.30), (12, 0.35)] {
        for n in p.needles.items.iter().filter(|n| n.gauge == gauge) {
            assert_eq!(n.diameter_mm, mm, "{}", n.code);
        }
    }
    assert_eq!(p.needle("0603RL").unwrap().describe(), "0.20 mm, 3 pins RL");
    // Hairline and temples single-point, fill zones triple-point (androgenetic).
    let aga = &p.needle_by_zone.androgenetic;
    for z in ["hairline", "temporal_left", "temporal_right", "scar"] {
        assert_eq!(p.needle(&aga[z]).unwrap().pins, 1, "{z}");
    }
    for z in ["frontal", "mid_scalp", "vertex", "occipital"] {
        assert_eq!(p.needle(&aga[z]).unwrap().pins, 3, "{z}");
    }
}

#[test]
fn zone_outlines_fit_the_map() {
    // Even-odd ray casting: is the label inside the zone it names?
    fn inside([x, y]: [f64; 2], poly: &[[f64; 2]]) -> bool {
        let mut c = false;
        for (i, a) in poly.iter().enumerate() {
            let b = poly[(i + 1) % poly.len()];
            if (a[1] > y) != (b[1] > y) && x < (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]) + a[0] {
                c = !c;
            }
        }
        c
    }
    for z in Protocol::builtin().zones.items {
        assert!(z.outline.len() >= 3, "{}", z.id);
        assert!(
            inside(z.label_at, &z.outline),
            "{} label outside its outline",
            z.id
        );
    }
    // Face at the top: the hairline sits above the crown and the occipital zone.
    let p = Protocol::builtin();
    let y = |id: &str| p.zone(id).unwrap().label_at[1];
    assert!(y("hairline") > y("mid_scalp") && y("mid_scalp") > y("vertex"));
    assert!(y("vertex") > y("occipital"));
    assert!(p.zone("temporal_left").unwrap().label_at[0] < 0.0);
}

#[test]
fn protocol_mistakes_name_the_field() {
    use serde_json::json;
    type Edit = Box<dyn FnOnce(&mut Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        ("line 1", Box::new(|v| *v = json!("not an object"))),
        (
            "density",
            Box::new(|v| {
                v.as_object_mut().unwrap().remove("density");
            }),
        ),
        (
            "target_fu_per_cm2",
            Box::new(|v| v["density"]["target_fu_per_cm2"] = json!("lots")),
        ),
        ("densty", Box::new(|v| v["density"]["densty"] = json!(1))),
        (
            "schema_version",
            Box::new(|v| v["schema_version"] = json!(9)),
        ),
        (
            "zones.items[1].id",
            Box::new(|v| v["zones"]["items"][1]["id"] = json!("hairline")),
        ),
        (
            "zones.items[0].id",
            Box::new(|v| v["zones"]["items"][0]["id"] = json!("Hair Line")),
        ),
        (
            "zones.items[2].default_area_cm2",
            Box::new(|v| v["zones"]["items"][2]["default_area_cm2"] = json!(0)),
        ),
        (
            "zones.items[0].outline[1]",
            Box::new(|v| v["zones"]["items"][0]["outline"][1] = json!([1.5, 0.0])),
        ),
        (
            "zones.items[3].outline",
            Box::new(|v| v["zones"]["items"][3]["outline"] = json!([[0, 0], [0.1, 0.1]])),
        ),
        ("zones.items", Box::new(|v| v["zones"]["items"] = json!([]))),
        (
            "needles.items[2].code",
            Box::new(|v| v["needles"]["items"][2]["pins"] = json!(5)),
        ),
        (
            "needles.items[0].diameter_mm",
            Box::new(|v| v["needles"]["items"][0]["diameter_mm"] = json!(-0.2)),
        ),
        (
            "needles.items[1].code",
            Box::new(|v| v["needles"]["items"][1] = v["needles"]["items"][0].clone()),
        ),
        (
            "needle_by_zone.scarring.vertex",
            Box::new(|v| v["needle_by_zone"]["scarring"]["vertex"] = json!("9999XX")),
        ),
        (
            "needle_by_zone.androgenetic.occipital",
            Box::new(|v| {
                v["needle_by_zone"]["androgenetic"]
                    .as_object_mut()
                    .unwrap()
                    .remove("occipital");
            }),
        ),
        (
            "needle_by_zone.androgenetic.nape",
            Box::new(|v| v["needle_by_zone"]["androgenetic"]["nape"] = json!("0601RL")),
        ),
        (
            "depth.zones.vertex",
            Box::new(|v| v["depth"]["zones"]["vertex"] = json!([0.9, 0.5])),
        ),
        (
            "depth.zones.hairline",
            Box::new(|v| v["depth"]["zones"]["hairline"] = json!([0.4, 5.0])),
        ),
        (
            "depth.zones.frontal",
            Box::new(|v| {
                v["depth"]["zones"]
                    .as_object_mut()
                    .unwrap()
                    .remove("frontal");
            }),
        ),
        (
            "depth.scar_tissue",
            Box::new(|v| v["depth"]["scar_tissue"] = json!([0.0, 0.4])),
        ),
        (
            "density.scar_target_fu_per_cm2",
            Box::new(|v| v["density"]["scar_target_fu_per_cm2"] = json!(-5)),
        ),
        (
            "density.session_fractions[1]",
            Box::new(|v| v["density"]["session_fractions"] = json!([0.3, 0.2, 1.0])),
        ),
        (
            "density.session_fractions[2]",
            Box::new(|v| v["density"]["session_fractions"] = json!([0.3, 0.7, 0.9])),
        ),
        (
            "density.session_fractions",
            Box::new(|v| v["density"]["session_fractions"] = json!([])),
        ),
        (
            "shades.steps",
            Box::new(|v| v["shades"]["steps"] = json!([])),
        ),
        (
            "shades.base_step_by_fitzpatrick.IV",
            Box::new(|v| v["shades"]["base_step_by_fitzpatrick"]["IV"] = json!(9)),
        ),
        (
            "shades.base_step_by_fitzpatrick.VI",
            Box::new(|v| {
                v["shades"]["base_step_by_fitzpatrick"]
                    .as_object_mut()
                    .unwrap()
                    .remove("VI");
            }),
        ),
        (
            "shades.base_step_by_fitzpatrick.VII",
            Box::new(|v| v["shades"]["base_step_by_fitzpatrick"]["VII"] = json!(3)),
        ),
        (
            "shades.hair_colour_offset.purple",
            Box::new(|v| v["shades"]["hair_colour_offset"]["purple"] = json!(1)),
        ),
        (
            "shades.session_offset",
            Box::new(|v| v["shades"]["session_offset"] = json!([-1, 0, 0, 0])),
        ),
        (
            "shades.when_unknown",
            Box::new(|v| v["shades"]["when_unknown"] = json!(0)),
        ),
        (
            "schedule.session_interval_days",
            Box::new(|v| v["schedule"]["session_interval_days"] = json!(0)),
        ),
        (
            "schedule.follow_ups[1].timepoint",
            Box::new(|v| v["schedule"]["follow_ups"][1]["timepoint"] = json!("post")),
        ),
        (
            "timepoint",
            Box::new(|v| v["schedule"]["follow_ups"][1]["timepoint"] = json!("later")),
        ),
        (
            "schedule.follow_ups[0].window_before_days",
            Box::new(|v| v["schedule"]["follow_ups"][0]["window_before_days"] = json!(3)),
        ),
        (
            "screen.items[4].id",
            Box::new(|v| v["screen"]["items"][4]["id"] = v["screen"]["items"][0]["id"].clone()),
        ),
        (
            "screen.items[0].label",
            Box::new(|v| v["screen"]["items"][0]["label"] = json!(" ")),
        ),
        (
            "class",
            Box::new(|v| v["screen"]["items"][0]["class"] = json!("maybe")),
        ),
    ];
    for (field, edit) in cases {
        let e = mistake(edit);
        let shown = e.to_string();
        assert!(shown.contains(field), "expected {field} in: {shown}");
    }
}

#[test]
fn invalid_json_reports_line_and_column() {
    let e = Protocol::parse("{\n  \"schema_version\": 1,\n  oops\n}").unwrap_err();
    assert!(e.to_string().contains("line 3"), "{e}");
}

#[test]
fn load_prefers_the_clinic_file_and_refuses_a_bad_one() {
    let dir = tempfile::tempdir().unwrap();
    let (p, w) = Protocol::load(dir.path());
    assert!(w.is_empty());
    assert_eq!(p, Protocol::builtin());

    let mut v = builtin_value();
    v["schedule"]["session_interval_days"] = json!(10);
    v["name"] = json!("Clinic X");
    std::fs::write(dir.path().join(PROTOCOL_FILE), v.to_string()).unwrap();
    let (p, w) = Protocol::load(dir.path());
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(
        (p.name.as_str(), p.schedule.session_interval_days),
        ("Clinic X", 10)
    );

    v["density"]["target_fu_per_cm2"] = json!(0);
    std::fs::write(dir.path().join(PROTOCOL_FILE), v.to_string()).unwrap();
    let (p, w) = Protocol::load(dir.path());
    assert_eq!(p, Protocol::builtin());
    assert_eq!(w.len(), 1);
    assert!(w[0].contains("density.target_fu_per_cm2"), "{}", w[0]);
    assert!(
        w[0].contains("protocol.json") && w[0].contains("built-in"),
        "{}",
        w[0]
    );
}

// ---- plan generation ----------------------------------------------------------------

fn patient(subtype: Subtype, zones: &[(&str, Option<f64>)]) -> Patient {
    let mut p = Patient::new("P001", subtype);
    p.fitzpatrick = Some(Fitzpatrick::new(3).unwrap());
    p.hair_colour = Some(HairColour::Black);
    p.zones = zones
        .iter()
        .map(|(z, a)| AffectedZone {
            zone: z.to_string(),
            area_cm2: *a,
        })
        .collect();
    p
}

#[test]
fn androgenetic_plan_per_zone() {
    let proto = Protocol::builtin();
    let p = patient(
        Subtype::Androgenetic,
        &[
            ("vertex", Some(20.0)),
            ("hairline", None),
            ("scar", Some(4.0)),
        ],
    );
    let (plan, w) = generate_plan(&p, &proto);
    assert!(w.is_empty(), "{w:?}");
    let ids: Vec<_> = plan.zones.iter().map(|z| z.zone.as_str()).collect();
    assert_eq!(ids, ["hairline", "vertex", "scar"], "protocol order");
    let hair = &plan.zones[0];
    assert_eq!(hair.needle, "0601RL");
    assert_eq!((hair.depth_min_mm, hair.depth_max_mm), (0.4, 0.6));
    assert_eq!(hair.area_cm2, 20.0, "default area");
    assert!(hair.overridden.is_empty());
    let vertex = &plan.zones[1];
    assert_eq!(vertex.needle, "0803RL");
    assert_eq!(vertex.target_density, 75.0);
    let imp: Vec<u32> = vertex.sessions.iter().map(|s| s.impressions).collect();
    assert_eq!(imp, [450, 600, 450]); // 20 × 75 × (0.3, 0.4, 0.3)
    let fr: Vec<f64> = vertex.sessions.iter().map(|s| s.fraction).collect();
    assert_eq!(fr, [0.3, 0.7, 1.0]);
    assert_eq!(vertex.area_cm2, 20.0, "the measured area");
    assert!(
        vertex.overridden.is_empty(),
        "the intake is not a plan edit"
    );
    // A scar zone in an AGA patient: finer needle, shallower, lower target.
    let scar = &plan.zones[2];
    assert_eq!(scar.needle, "0401RL");
    assert!(scar.depth_max_mm < vertex.depth_max_mm && scar.depth_min_mm < vertex.depth_min_mm);
    assert_eq!(scar.target_density, 55.0);
    assert_eq!(scar.sessions[0].impressions, 66); // 4 × 55 × 0.3
    assert_eq!(plan.session_dates, vec![None, None, None]);
}

#[test]
fn scarring_subtype_plans_every_zone_as_scar_tissue() {
    let proto = Protocol::builtin();
    let aga = patient(Subtype::Androgenetic, &[("vertex", None)]);
    let scar = patient(Subtype::Scarring, &[("vertex", None)]);
    let (a, _) = generate_plan(&aga, &proto);
    let (s, _) = generate_plan(&scar, &proto);
    let (a, s) = (&a.zones[0], &s.zones[0]);
    let diam = |code: &str| proto.needle(code).unwrap().diameter_mm;
    assert!(diam(&s.needle) < diam(&a.needle));
    assert_eq!(proto.needle(&s.needle).unwrap().pins, 1);
    assert!(s.depth_max_mm < a.depth_max_mm);
    assert!(s.target_density < a.target_density);
    assert!(s.sessions[2].impressions < a.sessions[2].impressions);
}

#[test]
fn unknown_zone_is_reported_not_planned() {
    let proto = Protocol::builtin();
    let mut p = patient(Subtype::Androgenetic, &[("nape", None), ("vertex", None)]);
    p.fitzpatrick = None;
    let (plan, w) = generate_plan(&p, &proto);
    assert_eq!(plan.zones.len(), 1);
    assert!(w.iter().any(|w| w.contains("'nape'")), "{w:?}");
    assert!(w.iter().any(|w| w.contains("skin type")), "{w:?}");
}

#[test]
fn shades_lighter_in_session_one_and_darker_for_dark_skin_and_hair() {
    let proto = Protocol::builtin();
    let f = |n| Some(Fitzpatrick::new(n).unwrap());
    let step = |code: String| {
        proto
            .shades
            .steps
            .iter()
            .position(|s| s.code == code)
            .unwrap()
    };
    let s1 = step(proto.shade_for(f(3), Some(HairColour::DarkBrown), 0));
    let s2 = step(proto.shade_for(f(3), Some(HairColour::DarkBrown), 1));
    assert!(s1 < s2, "session 1 lighter");
    let fair = step(proto.shade_for(f(1), Some(HairColour::Blond), 1));
    let dark = step(proto.shade_for(f(6), Some(HairColour::Black), 1));
    assert!(fair < s2 && s2 < dark);
    assert_eq!(
        proto.shade_for(f(1), Some(HairColour::Blond), 0),
        "S1",
        "held at the lightest"
    );
    assert_eq!(
        proto.shade_for(f(6), Some(HairColour::Black), 2),
        "S6",
        "held at the darkest"
    );
    assert_eq!(proto.shade_for(None, None, 1), "S3");
}

#[test]
fn edits_are_validated_remembered_and_recompute_impressions() {
    let proto = Protocol::builtin();
    let p = patient(Subtype::Androgenetic, &[("vertex", Some(20.0))]);
    let (mut plan, _) = generate_plan(&p, &proto);
    let z = &mut plan.zones[0];
    apply_edit(z, PlanField::TargetDensity, "60", &proto).unwrap();
    assert_eq!(z.sessions[1].impressions, 480); // 20 × 60 × 0.4
    apply_edit(z, PlanField::Fraction(0), "40%", &proto).unwrap();
    assert_eq!(z.sessions[0].impressions, 480);
    assert_eq!(z.sessions[1].impressions, 360);
    apply_edit(z, PlanField::Needle, "0603rl", &proto).unwrap();
    assert_eq!(z.needle, "0603RL");
    apply_edit(z, PlanField::Depth, "0.45–0.7 mm", &proto).unwrap();
    assert_eq!((z.depth_min_mm, z.depth_max_mm), (0.45, 0.7));
    apply_edit(z, PlanField::Shade(2), "s5", &proto).unwrap();
    let keys: Vec<_> = z.overridden.iter().map(String::as_str).collect();
    assert_eq!(
        keys,
        ["depth", "fraction.1", "needle", "shade.3", "target_density"]
    );

    let before = z.clone();
    for (field, text, msg) in [
        (PlanField::Needle, "0909XX", "not in the catalogue"),
        (PlanField::Depth, "0.8-0.4", "minimum is above"),
        (PlanField::Depth, "deep", "not a range"),
        (PlanField::Area, "-3", "outside"),
        (PlanField::Area, "ten", "not a number"),
        (PlanField::TargetDensity, "0", "outside"),
        (PlanField::Fraction(1), "0.2", "fraction.2"),
        (PlanField::Fraction(2), "0.9", "not 1"),
        (PlanField::Fraction(5), "0.9", "3 sessions"),
        (PlanField::Shade(0), "S9", "not a shade"),
    ] {
        let e = apply_edit(z, field, text, &proto).unwrap_err();
        assert!(e.contains(msg), "{field:?} {text}: {e}");
        assert_eq!(*z, before, "a refused edit changes nothing");
    }

    revert_field(z, PlanField::TargetDensity, &p, &proto).unwrap();
    assert_eq!(z.target_density, 75.0);
    assert!(!z.overridden.contains("target_density"));
    assert_eq!(z.sessions[0].impressions, 600); // 20 × 75 × 0.4 (fraction still overridden)
    apply_edit(z, PlanField::Area, "33.5", &proto).unwrap();
    assert_eq!(z.area_cm2, 33.5);
    revert_field(z, PlanField::Area, &p, &proto).unwrap();
    assert_eq!(
        z.area_cm2, 20.0,
        "back to the measured area, not the default 50"
    );
}

#[test]
fn plan_field_keys_round_trip() {
    for f in [
        PlanField::Needle,
        PlanField::Depth,
        PlanField::Area,
        PlanField::TargetDensity,
        PlanField::Fraction(0),
        PlanField::Shade(2),
    ] {
        assert_eq!(PlanField::from_key(&f.key()), Some(f));
    }
    assert_eq!(PlanField::from_key("fraction.0"), None);
    assert_eq!(PlanField::from_key("colour"), None);
}

#[test]
fn regenerating_keeps_overrides() {
    let proto = Protocol::builtin();
    let p = patient(
        Subtype::Androgenetic,
        &[("vertex", None), ("hairline", None)],
    );
    let (mut plan, _) = generate_plan(&p, &proto);
    apply_edit(&mut plan.zones[1], PlanField::Needle, "1003RL", &proto).unwrap();
    apply_edit(&mut plan.zones[0], PlanField::Area, "12", &proto).unwrap();
    plan.start_date = Some(d("2026-03-02"));
    let mut clinic = proto.clone();
    clinic.density.target_fu_per_cm2 = 70.0;
    let (next, w) = plan::regenerate_plan(&p, &clinic, &plan);
    assert!(w.is_empty(), "{w:?}");
    assert_eq!(next.zones[1].needle, "1003RL");
    assert_eq!(next.zones[1].target_density, 70.0);
    assert_eq!(next.start_date, plan.start_date);
    assert_eq!(
        next.zones[0].area_cm2, 12.0,
        "a plan edit wins over the intake"
    );
    assert_eq!(next.zones[1].area_cm2, 50.0, "default area, no edit");
}

// ---- triage gate --------------------------------------------------------------------

#[test]
fn session_gate_follows_triage_and_clearance() {
    let proto = Protocol::builtin();
    let day = d("2026-02-10");
    let mut p = patient(Subtype::Androgenetic, &[("vertex", None)]);
    let e = can_record_session(&p, &proto, day).unwrap_err();
    assert!(e.contains("no health screen is recorded"), "{e}");
    p.screen.date = Some(d("2026-02-01"));
    let e = can_record_session(&p, &proto, day).unwrap_err();
    assert!(e.contains("19 not asked"), "{e}");
    p.screen.answer_remaining(proto.screen_items(), false);
    p.consent = crate::domain::Consent::all_given(d("2026-02-01"));
    assert!(can_record_session(&p, &proto, day).is_ok());
    p.screen.answers.insert("diabetes".into(), true);
    let e = can_record_session(&p, &proto, day).unwrap_err();
    assert!(e.contains("clearance") && e.contains("diabetes"), "{e}");
    p.clearance = Some(Clearance {
        by: " ".into(),
        date: d("2026-02-01"),
        note: None,
    });
    assert!(
        can_record_session(&p, &proto, day).is_err(),
        "a nameless clearance"
    );
    p.clearance = Some(Clearance {
        by: "Dr Li".into(),
        date: d("2026-02-01"),
        note: None,
    });
    assert!(can_record_session(&p, &proto, day).is_ok());
    p.screen.answers.insert("sunburn_wounds".into(), true);
    let e = can_record_session(&p, &proto, day).unwrap_err();
    assert!(e.contains("deferred") && e.contains("sunburn"), "{e}");
    p.screen.answers.insert("sunburn_wounds".into(), false);
    assert!(can_record_session(&p, &proto, day).is_ok());
}

#[test]
fn min_months_stable_is_read_defaulted_and_checked() {
    let proto = Protocol::builtin();
    assert_eq!(proto.screen.min_months_stable, 12);
    assert_eq!(proto.safety_rules().min_months_stable, 12);
    assert_eq!(proto.safety_rules().course_sessions, 3);
    // A clinic file written before the field existed keeps working, with the default.
    let mut v: serde_json::Value = serde_json::from_str(BUILTIN_JSON).unwrap();
    v["screen"]
        .as_object_mut()
        .unwrap()
        .remove("min_months_stable");
    let p = Protocol::parse(&v.to_string()).unwrap();
    assert_eq!(p.screen.min_months_stable, DEFAULT_MIN_MONTHS_STABLE);
    v["screen"]["min_months_stable"] = json!(18);
    assert_eq!(
        Protocol::parse(&v.to_string())
            .unwrap()
            .screen_rules()
            .min_months_stable,
        18
    );
    v["screen"]["min_months_stable"] = json!(121);
    let e = Protocol::parse(&v.to_string()).unwrap_err();
    assert_eq!(e.field, "screen.min_months_stable");
    assert!(e.message.contains("outside 0..120"), "{e}");
    v["screen"]["min_months_stable"] = json!(-1);
    let e = Protocol::parse(&v.to_string()).unwrap_err();
    assert_eq!(e.field, "screen.min_months_stable");
}

// ---- scheduling ---------------------------------------------------------------------

#[test]
fn session_dates_and_spacing_warnings() {
    let proto = Protocol::builtin();
    assert_eq!(
        schedule::session_dates(d("2026-01-30"), &proto),
        [d("2026-01-30"), d("2026-02-06"), d("2026-02-13")]
    );
    let mut plan = Plan {
        start_date: None,
        session_dates: vec![],
        zones: vec![],
    };
    schedule::schedule_plan(&mut plan, d("2026-12-28"), &proto);
    assert_eq!(plan.start_date, Some(d("2026-12-28")));
    assert_eq!(plan.session_dates[2], Some(d("2027-01-11")));
    assert!(schedule::spacing_warnings(&plan.session_dates, &proto).is_empty());
    let ok = [Some(d("2026-01-01")), Some(d("2026-01-08")), None];
    assert!(schedule::spacing_warnings(&ok, &proto).is_empty());
    let close = [
        Some(d("2026-01-01")),
        Some(d("2026-01-06")),
        Some(d("2026-01-20")),
    ];
    let w = schedule::spacing_warnings(&close, &proto);
    assert_eq!(w.len(), 1);
    assert!(w[0].contains("session 2 is 5 days"), "{}", w[0]);
    let p = with_sessions("P", &["2026-01-01", "2026-01-04", "2026-01-11"]);
    let w = schedule::patient_spacing_warnings(&p, &proto);
    assert_eq!(w.len(), 1, "{w:?}");
    assert!(
        w[0].contains("session 2 is 3 days after session 1"),
        "{}",
        w[0]
    );
    let back = [Some(d("2026-01-08")), Some(d("2026-01-01"))];
    assert!(schedule::spacing_warnings(&back, &proto)[0].contains("before session 1"));
}

fn with_sessions(id: &str, dates: &[&str]) -> Patient {
    let mut p = Patient::new(id, Subtype::Androgenetic);
    for (i, s) in dates.iter().enumerate() {
        p.sessions.push(Session::new(i as u8 + 1, d(s)));
    }
    p
}

fn follow_up(p: &mut Patient, tp: Timepoint, date: Option<&str>, vds: Option<f64>) {
    let mut f = FollowUp::new(tp);
    f.date = date.map(d);
    f.vds = vds.map(|v| Vds::new(v).unwrap());
    p.follow_ups.push(f);
}

#[test]
fn follow_up_windows_and_out_of_window_flags() {
    let proto = Protocol::builtin();
    let mut p = with_sessions("P1", &["2026-01-01", "2026-01-08", "2026-01-15"]);
    let post = schedule::follow_up_window(&p, &proto, Timepoint::Post).unwrap();
    assert_eq!(
        (post.due, post.start, post.end),
        (d("2026-01-15"), d("2026-01-15"), d("2026-01-22"))
    );
    let m6 = schedule::follow_up_window(&p, &proto, Timepoint::M6).unwrap();
    assert_eq!(
        (m6.due, m6.start, m6.end),
        (d("2026-07-16"), d("2026-07-02"), d("2026-07-30"))
    );
    follow_up(&mut p, Timepoint::Post, Some("2026-01-22"), Some(9.0));
    follow_up(&mut p, Timepoint::M6, Some("2026-08-10"), Some(8.0));
    let flags = schedule::out_of_window(&p, &proto);
    assert_eq!(flags.len(), 1, "{flags:?}");
    assert!(
        flags[0].contains("6m") && flags[0].contains("+25 days"),
        "{}",
        flags[0]
    );
    // Before the third session there is no follow-up window.
    let two = with_sessions("P2", &["2026-01-01", "2026-01-08"]);
    assert!(schedule::follow_up_window(&two, &proto, Timepoint::Post).is_none());
}

fn labels(items: &[AgendaItem]) -> Vec<(String, String, String, bool)> {
    items
        .iter()
        .map(|i| {
            (
                i.date.to_string(),
                i.record_id.clone(),
                i.label.clone(),
                i.overdue,
            )
        })
        .collect()
}

fn row(date: &str, id: &str, label: &str, overdue: bool) -> (String, String, String, bool) {
    (date.into(), id.into(), label.into(), overdue)
}

#[test]
fn agenda_on_a_registry_in_every_state() {
    let proto = Protocol::builtin();
    let from = d("2026-03-01");
    // No sessions, no plan: nothing is due (session 1 has no date).
    let none = with_sessions("A-none", &[]);
    // No sessions, session 1 planned within the range.
    let mut planned = with_sessions("B-planned", &[]);
    planned.plan = Some(Plan {
        start_date: Some(d("2026-03-05")),
        session_dates: vec![Some(d("2026-03-05")), None, None],
        zones: vec![],
    });
    // One session, the second due in range.
    let one = with_sessions("C-one", &["2026-02-26"]);
    // Two sessions long ago: session 3 overdue.
    let stalled = with_sessions("D-stalled", &["2025-12-01", "2025-12-08"]);
    // All sessions, no follow-up yet, post window open on `from`.
    let open = with_sessions("E-open", &["2026-02-15", "2026-02-22", "2026-02-27"]);
    // All sessions and post recorded; 6m far off (not listed).
    let mut done_post = with_sessions("F-post", &["2026-01-01", "2026-01-08", "2026-01-15"]);
    follow_up(
        &mut done_post,
        Timepoint::Post,
        Some("2026-01-15"),
        Some(9.0),
    );
    // Post missing (overdue), 6-month window open on `from`.
    let mut lost = with_sessions("G-lost", &["2025-08-20", "2025-08-27", "2025-09-03"]);
    lost.follow_ups.push(FollowUp::new(Timepoint::Post)); // an empty visit is not a record
    // Everything recorded: nothing listed.
    let mut complete = with_sessions("H-done", &["2025-01-01", "2025-01-08", "2025-01-15"]);
    follow_up(&mut complete, Timepoint::Post, None, Some(9.0));
    let mut f = FollowUp::new(Timepoint::M6);
    f.pss = Some(Pss::new(3).unwrap());
    complete.follow_ups.push(f);
    // The 12-month visit (which is also the touch-up review); 24 months not yet due.
    follow_up(
        &mut complete,
        Timepoint::Months(12),
        Some("2026-01-15"),
        None,
    );
    // 6m overdue: window ended the day before `from`.
    let late = with_sessions("I-late", &["2025-08-02", "2025-08-09", "2025-08-16"]);

    let all = [
        &none, &planned, &one, &stalled, &open, &done_post, &lost, &complete, &late,
    ];
    let items = agenda(all, &proto, from, 14);
    assert_eq!(
        labels(&items),
        [
            row("2025-08-16", "I-late", "follow-up post", true),
            row("2025-09-03", "G-lost", "follow-up post", true),
            row("2025-12-15", "D-stalled", "session 3", true),
            row("2026-02-14", "I-late", "follow-up 6m", true),
            row("2026-02-27", "E-open", "follow-up post", false),
            row("2026-03-04", "G-lost", "follow-up 6m", false),
            row("2026-03-05", "B-planned", "session 1", false),
            row("2026-03-05", "C-one", "session 2", false),
        ]
    );
    // Windows: session windows run 7 days from the due date; 6m ± 14.
    let g6 = items
        .iter()
        .find(|i| i.record_id == "G-lost" && i.label.ends_with("6m"))
        .unwrap();
    assert_eq!(
        (g6.window_start, g6.window_end),
        (d("2026-02-18"), d("2026-03-18"))
    );
    let i6 = items
        .iter()
        .find(|i| i.record_id == "I-late" && i.label.ends_with("6m"))
        .unwrap();
    assert_eq!(i6.window_end, d("2026-02-28"));
    // The range is [from, from + days): a due date on from + days is left for later.
    let short = agenda(all, &proto, from, 4);
    assert!(!short.iter().any(|i| i.record_id == "C-one"));
    let edge = agenda(all, &proto, from, 5);
    assert!(edge.iter().any(|i| i.record_id == "C-one"));
}

#[test]
fn agenda_sessions_due_and_overdue() {
    let proto = Protocol::builtin();
    let p = with_sessions("P", &["2026-03-01"]);
    // Session 2 due 03-08, window to 03-15.
    let on = |from: &str, days| labels(&agenda([&p], &proto, d(from), days));
    assert!(on("2026-02-20", 14).is_empty(), "due date after the range");
    assert_eq!(
        on("2026-02-23", 14),
        [row("2026-03-08", "P", "session 2", false)]
    );
    assert_eq!(
        on("2026-03-15", 0),
        [row("2026-03-08", "P", "session 2", false)],
        "window open"
    );
    assert_eq!(
        on("2026-03-16", 0),
        [row("2026-03-08", "P", "session 2", true)],
        "overdue"
    );
    let json = serde_json::to_value(agenda([&p], &proto, d("2026-03-16"), 14)).unwrap();
    assert_eq!(
        json,
        json!([{"date": "2026-03-08", "record_id": "P", "kind": "session", "label": "session 2",
                "window_start": "2026-03-08", "window_end": "2026-03-15", "overdue": true}])
    );
}

#[test]
fn agenda_follows_the_clinic_interval() {
    let mut proto = Protocol::builtin();
    proto.schedule.session_interval_days = 14;
    let p = with_sessions("P", &["2026-03-01"]);
    let items = agenda([&p], &proto, d("2026-03-01"), 30);
    assert_eq!(items[0].date, d("2026-03-15"));
}

#[test]
fn next_due_is_the_earliest_pending_item() {
    let proto = Protocol::builtin();
    let mut p = with_sessions("P", &["2026-01-01", "2026-01-08", "2026-01-15"]);
    let n = next_due(&p, &proto, d("2026-01-16")).unwrap();
    assert_eq!((n.label.as_str(), n.overdue), ("follow-up post", false));
    let n = next_due(&p, &proto, d("2026-02-01")).unwrap();
    assert!(n.overdue);
    follow_up(&mut p, Timepoint::Post, Some("2026-01-15"), None);
    assert_eq!(
        next_due(&p, &proto, d("2026-02-01")).unwrap().label,
        "follow-up 6m"
    );
    follow_up(&mut p, Timepoint::M6, Some("2026-07-15"), None);
    // The default protocol follows up at 12 and 24 months too.
    assert_eq!(
        next_due(&p, &proto, d("2026-02-01")).unwrap().label,
        "follow-up 12m"
    );
    follow_up(&mut p, Timepoint::Months(12), Some("2027-01-15"), None);
    follow_up(&mut p, Timepoint::Months(24), Some("2028-01-15"), None);
    assert_eq!(next_due(&p, &proto, d("2026-02-01")), None);
    assert_eq!(
        next_due(&with_sessions("Q", &[]), &proto, d("2026-02-01")),
        None
    );
}

#[test]
fn mistakes_in_the_pretty_printed_file_name_the_field() {
    let text = BUILTIN_JSON.replace(
        "\"session_interval_days\": 7",
        "\"session_interval_days\": \"weekly\"",
    );
    let e = Protocol::parse(&text).unwrap_err();
    assert_eq!(e.field, "schedule.session_interval_days", "{e}");
    let text = BUILTIN_JSON.replace("\"class\": \"clearance_needed\"}", "\"class\": \"later\"}");
    let e = Protocol::parse(&text).unwrap_err();
    assert_eq!(e.field, "screen.items[10].class", "{e}");
    let text = BUILTIN_JSON.replace("\"scar_target_fu_per_cm2\": 55.0,", "");
    let e = Protocol::parse(&text).unwrap_err();
    assert_eq!(e.field, "density", "{e}");
    assert!(e.message.contains("scar_target_fu_per_cm2"), "{e}");
    let text = BUILTIN_JSON.replace("\"pins\": 3,", "\"pins\": 3, \"colour\": \"red\",");
    let e = Protocol::parse(&text).unwrap_err();
    assert_eq!(e.field, "needles.items[2].colour", "{e}");
    assert!(e.message.contains("colour"), "{e}");
}

proptest::proptest! {
    /// Whatever the area, density and ramp, the sessions add up to area × density within
    /// rounding (half an impression per session), and no session plans a negative count.
    #[test]
    fn impressions_add_up_to_the_target(
        area in 0.5f64..400.0,
        density in 1.0f64..150.0,
        a in 0.05f64..0.45,
        b in 0.5f64..0.95,
    ) {
        let proto = Protocol::builtin();
        let p = patient(Subtype::Androgenetic, &[("vertex", Some(area))]);
        let (mut plan, _) = generate_plan(&p, &proto);
        let z = &mut plan.zones[0];
        apply_edit(z, PlanField::TargetDensity, &density.to_string(), &proto).unwrap();
        apply_edit(z, PlanField::Fraction(0), &a.to_string(), &proto).unwrap();
        apply_edit(z, PlanField::Fraction(1), &b.to_string(), &proto).unwrap();
        let total: u32 = z.sessions.iter().map(|s| s.impressions).sum();
        let want = area * density;
        proptest::prop_assert!((f64::from(total) - want).abs() <= 1.5, "{total} vs {want}");
    }

    /// The agenda is in contract order and `overdue` means the window ended before `from`.
    #[test]
    fn agenda_is_sorted_and_overdue_is_consistent(
        starts in proptest::collection::vec((0u32..400, 0usize..4, proptest::bool::ANY), 1..12),
        from_offset in 0u32..500,
        days in 0u32..60,
    ) {
        let proto = Protocol::builtin();
        let base = d("2025-01-01");
        let patients: Vec<Patient> = starts
            .iter()
            .enumerate()
            .map(|(i, (start, n, post))| {
                let s0 = base + chrono::Days::new(u64::from(*start));
                let dates: Vec<String> = (0..*n)
                    .map(|k| (s0 + chrono::Days::new(7 * k as u64)).to_string())
                    .collect();
                let refs: Vec<&str> = dates.iter().map(String::as_str).collect();
                let mut p = with_sessions(&format!("R{i:02}"), &refs);
                if *post && *n == 3 {
                    follow_up(&mut p, Timepoint::Post, Some(&dates[2]), None);
                }
                p
            })
            .collect();
        let from = base + chrono::Days::new(u64::from(from_offset));
        let items = agenda(&patients, &proto, from, days);
        for w in items.windows(2) {
            proptest::prop_assert!((w[0].date, &w[0].record_id) <= (w[1].date, &w[1].record_id));
        }
        for it in &items {
            proptest::prop_assert_eq!(it.overdue, it.window_end < from);
            proptest::prop_assert!(it.window_start <= it.date && it.date <= it.window_end);
        }
    }
}

#[test]
fn a_missing_six_month_score_is_awaited_until_the_window_closes() {
    let proto = Protocol::builtin();
    let mut p = with_sessions("P1", &["2026-01-01", "2026-01-08", "2026-01-15"]);
    follow_up(&mut p, Timepoint::Post, Some("2026-01-15"), Some(9.0));
    // Default window: 182 + 14 days after session 3 = 2026-07-30.
    assert!(schedule::awaiting_6m(&p, &proto, d("2026-07-30")));
    assert!(!schedule::awaiting_6m(&p, &proto, d("2026-07-31")));
    follow_up(&mut p, Timepoint::M6, Some("2026-07-16"), Some(8.0));
    assert!(
        !schedule::awaiting_6m(&p, &proto, d("2026-03-01")),
        "scored"
    );
    let unscored = with_sessions("P2", &["2026-01-01", "2026-01-08", "2026-01-15"]);
    assert!(!schedule::awaiting_6m(&unscored, &proto, d("2026-03-01")));
}
