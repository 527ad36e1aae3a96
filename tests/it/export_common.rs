//! A small cohort with every identifying and free-text field filled, shared by the export and
//! report tests. Names include Chinese ones; free text includes commas, quotes and newlines.

#![allow(dead_code)]

use chrono::NaiveDate;
use smplan::domain::*;

pub fn d(s: &str) -> NaiveDate {
    validate::parse_date(s).unwrap()
}

fn zone_work(zone: &str, needle: &str, density: f64, depth: f64, bleeding: bool) -> ZoneWork {
    ZoneWork {
        zone: zone.into(),
        needle: Some(needle.into()),
        density_reached: Some(density),
        depth_mm: Some(depth),
        bleeding: Some(bleeding),
    }
}

fn plan(zones: &[(&str, &str, f64)], start: &str) -> Plan {
    let start = d(start);
    Plan {
        start_date: Some(start),
        session_dates: (0..3)
            .map(|i| Some(start + chrono::Days::new(7 * i)))
            .collect(),
        zones: zones
            .iter()
            .map(|(zone, needle, area)| {
                let mut z = ZonePlan {
                    zone: zone.to_string(),
                    needle: needle.to_string(),
                    depth_min_mm: 0.4,
                    depth_max_mm: 0.8,
                    area_cm2: *area,
                    target_density: 75.0,
                    sessions: [(0.3, "S1"), (0.7, "S2"), (1.0, "S2")]
                        .iter()
                        .map(|(f, s)| ZoneSessionPlan {
                            fraction: *f,
                            impressions: 0,
                            shade: s.to_string(),
                        })
                        .collect(),
                    overridden: Default::default(),
                };
                z.recompute_impressions();
                z
            })
            .collect(),
    }
}

/// One complete patient: three sessions, both follow-ups.
#[allow(clippy::too_many_arguments)]
fn patient(
    id: &str,
    name: &str,
    birth: &str,
    subtype: Subtype,
    classification: &str,
    start: &str,
    vds: (f64, Option<f64>),
    pss: (u8, Option<u8>),
) -> Patient {
    let mut p = Patient::new(id, subtype);
    p.name = Some(name.into());
    p.birth_date = Some(d(birth));
    p.sex = Some(if subtype == Subtype::Androgenetic {
        Sex::M
    } else {
        Sex::F
    });
    p.fitzpatrick = Some(Fitzpatrick::new(3).unwrap());
    p.hair_colour = Some(HairColour::Black);
    p.grey_percent = Some(10);
    p.alopecia.classification = Some(Classification::parse(classification));
    let zones: Vec<(&str, &str, f64)> = match subtype {
        Subtype::Androgenetic => vec![("hairline", "0601RL", 20.0), ("vertex", "0803RL", 60.0)],
        Subtype::Scarring => vec![("scar", "0401RL", 8.0)],
    };
    if subtype == Subtype::Scarring {
        p.alopecia.scar = Some(ScarDetails {
            activity: Some(Activity::Quiescent),
            months_stable: Some(24),
            texture: Some(Texture::Flat),
        });
    }
    p.zones = zones
        .iter()
        .map(|(z, _, a)| AffectedZone {
            zone: z.to_string(),
            area_cm2: Some(*a),
        })
        .collect();
    p.expectations = Some(format!("{name} hopes \"nobody notices\", really"));
    p.notes = Some(format!("call {name}'s sister first,\nthen book"));
    p.screen.date = Some(d(start) - chrono::Days::new(10));
    p.screen.answers.insert("anticoagulants".into(), false);
    p.screen
        .answer_remaining(smplan::protocol::Protocol::builtin().screen_items(), false);
    p.consent = Consent::all_given(d(start) - chrono::Days::new(10));
    p.plan = Some(plan(&zones, start));
    for n in 1..=3u8 {
        let date = d(start) + chrono::Days::new(7 * (n as u64 - 1));
        let mut s = Session::new(n, date);
        s.operator = Some("技师 张伟 (Zhang Wei)".into());
        s.zones = zones
            .iter()
            .map(|(z, needle, _)| {
                zone_work(
                    z,
                    needle,
                    75.0 * [0.3, 0.7, 1.0][n as usize - 1],
                    0.6,
                    false,
                )
            })
            .collect();
        s.pigment_shade = Some(format!("S{}", n.min(2)));
        s.pigment_lot = Some(format!("LOT-{id}-{n}"));
        s.pigment_expiry = Some(d("2027-12-31"));
        s.duration_min = Some(90);
        s.notes = Some(format!(
            "{name} session {n}: tolerated well, asked about shampoo"
        ));
        s.photos = vec![format!("photos/{name}-{date}.jpg")];
        p.sessions.push(s);
    }
    let last = d(start) + chrono::Days::new(14);
    let f = p.follow_up_mut(Timepoint::Post);
    f.date = Some(last);
    f.vds = Some(Vds::new(vds.0).unwrap());
    f.pss = Some(Pss::new(pss.0).unwrap());
    f.assessor = Some("Dr 陈静".into());
    if let (Some(v), Some(s)) = (vds.1, pss.1) {
        let f = p.follow_up_mut(Timepoint::M6);
        f.date = Some(last + chrono::Days::new(180));
        f.vds = Some(Vds::new(v).unwrap());
        f.pss = Some(Pss::new(s).unwrap());
        f.assessor = Some("Dr 陈静".into());
    }
    p
}

/// Four patients: two androgenetic, two scarring (one with a classification typed by hand,
/// one lost to follow-up), one adverse event with a description, one clearance with a note.
pub fn cohort() -> Vec<Patient> {
    let mut a = patient(
        "SMP-001",
        "王小明",
        "1985-04-12",
        Subtype::Androgenetic,
        "Norwood V",
        "2025-03-03",
        (9.0, Some(8.5)),
        (3, Some(3)),
    );
    let b = patient(
        "SMP-002",
        "Li Na",
        "1979-11-30",
        Subtype::Androgenetic,
        "Norwood IV",
        "2025-03-10",
        (8.5, Some(7.5)),
        (3, Some(2)),
    );
    let mut c = patient(
        "SMP-003",
        "欧阳娜娜",
        "1992-07-01",
        Subtype::Scarring,
        "after a dog bite in Chengdu",
        "2025-04-07",
        (8.0, Some(6.5)),
        (2, Some(2)),
    );
    let d_ = patient(
        "SMP-004",
        "O'Brien, Siobhán",
        "1970-02-14",
        Subtype::Scarring,
        "FUT strip scar",
        "2025-05-05",
        (7.5, None),
        (2, None),
    );
    a.screen.answers.insert("anticoagulants".into(), true);
    a.clearance = Some(Clearance {
        by: "Dr 刘洋 (cardiology)".into(),
        date: d("2025-02-25"),
        note: Some("warfarin paused two days, INR 1.4".into()),
    });
    let mut ev = AdverseEvent::new(AdverseKind::PigmentMigration);
    ev.severity = Some(Severity::Mild);
    ev.resolved = Some(true);
    ev.onset = Some(d("2025-04-20"));
    ev.session = Some(2);
    ev.description = Some("slight blur at the left temple, 欧阳 noticed it".into());
    c.adverse_events.push(ev);
    vec![a, b, c, d_]
}

/// Every name, birth date and free-text value of the cohort: what a de-identified output must
/// not contain. Birth dates are checked in the forms an export could write them.
pub fn forbidden(patients: &[Patient]) -> Vec<String> {
    let mut out = Vec::new();
    for p in patients {
        out.extend(p.name.clone());
        if let Some(b) = p.birth_date {
            out.push(b.to_string());
            out.push(b.format("%d/%m/%Y").to_string());
            out.push(b.format("%Y%m%d").to_string());
        }
        out.extend(p.expectations.clone());
        out.extend(p.notes.clone());
        if let Some(Classification::Other(t)) = &p.alopecia.classification {
            out.push(t.clone());
        }
        if let Some(c) = &p.clearance {
            out.push(c.by.clone());
            out.extend(c.note.clone());
        }
        for s in &p.sessions {
            out.extend(s.operator.clone());
            out.extend(s.notes.clone());
            out.extend(s.photos.clone());
            out.extend(s.pigment_lot.clone());
        }
        for f in &p.follow_ups {
            out.extend(f.assessor.clone());
        }
        for a in &p.adverse_events {
            out.extend(a.description.clone());
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The forbidden values found in `text`, also looking for them as JSON or Markdown/HTML
/// would escape them.
pub fn leaks(text: &str, forbidden: &[String]) -> Vec<String> {
    forbidden
        .iter()
        .filter(|f| {
            let json = serde_json::to_string(f).unwrap();
            let json = &json[1..json.len() - 1];
            let first_line = f.lines().next().unwrap_or("");
            text.contains(f.as_str())
                || text.contains(json)
                || text.contains(&smplan::export::doc::html(f))
                || text.contains(&smplan::export::doc::md(f))
                || (first_line.len() > 8 && text.contains(first_line))
        })
        .cloned()
        .collect()
}

/// Running the real binary on a registry holding [`cohort`].
pub mod cli {
    use super::{cohort, d};
    use smplan::protocol::Protocol;
    use smplan::store::{OpenOptions, Registry};
    use std::path::Path;
    use std::process::{Command, Output};

    pub const TODAY: &str = "2025-12-01";

    pub fn registry() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = OpenOptions::new(true, "test", d(TODAY));
        opts.known_zones = Protocol::builtin().zone_ids();
        let mut reg = Registry::open(dir.path(), opts).unwrap();
        for p in cohort() {
            reg.save(p).unwrap();
        }
        dir
    }

    pub fn smplan(dir: &Path, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_smplan"))
            .arg("--data-dir")
            .arg(dir)
            .args(args)
            .env("SMPLAN_TODAY", TODAY)
            .env_remove("SMPLAN_DEIDENTIFY_KEY")
            .output()
            .unwrap()
    }

    pub fn stdout(o: &Output) -> String {
        assert!(
            o.status.success(),
            "exit {:?}: {}",
            o.status.code(),
            String::from_utf8_lossy(&o.stderr)
        );
        String::from_utf8(o.stdout.clone()).unwrap()
    }
}
