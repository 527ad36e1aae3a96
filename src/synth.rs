//! Synthetic registries for demonstrations, tests and benchmarks (`smplan generate`).
//!
//! Patients are drawn from distributions shaped on the reference case series (see
//! `domain.md`): androgenetic patients fade less than scarring ones, satisfaction follows the
//! visual density score, a share is lost to follow-up and a few have adverse events. The same
//! seed always gives the same registry: the generator uses its own small PRNG (SplitMix64)
//! rather than a crate whose stream could change between versions.

use crate::domain::*;
use crate::protocol::schedule::schedule_plan;
use crate::protocol::{Protocol, generate_plan};
use chrono::{Duration, NaiveDate};

/// SplitMix64: tiny, fast, and its output is fixed by its definition, so a seed reproduces a
/// registry across versions and platforms.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x5EED_5A17_0000_0001)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform integer in `lo..=hi`.
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next_u64() % ((hi - lo + 1) as u64)) as i64
    }
    pub fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.range(0, items.len() as i64 - 1) as usize]
    }
    /// Normal(mean, sd) by Box–Muller.
    pub fn normal(&mut self, mean: f64, sd: f64) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        mean + sd * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

const FAMILY_ZH: [&str; 12] = [
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙",
];
const GIVEN_ZH: [&str; 12] = [
    "伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "杰", "婷",
];
const FAMILY_LATIN: [&str; 10] = [
    "Smith", "García", "Müller", "Rossi", "Kowalski", "O'Brien", "Nguyen", "Silva", "Okafor",
    "Jensen",
];
const GIVEN_M: [&str; 8] = [
    "James", "Luca", "Omar", "Mateo", "Jan", "Kwame", "Ethan", "Arjun",
];
const GIVEN_F: [&str; 8] = [
    "Maria", "Aisha", "Sofia", "Emma", "Yuki", "Chloe", "Nadia", "Ana",
];

/// Rounds a score to the nearest half point within 0..=10 (how clinicians score VDS).
fn half_point(v: f64) -> Vds {
    let r = ((v * 2.0).round() / 2.0).clamp(0.0, 10.0);
    Vds::new(r).unwrap_or_else(|_| unreachable!("a half point in 0..=10 is a valid VDS"))
}

/// PSS from VDS: satisfaction follows visible density, with some spread.
fn pss_for(vds: f64, rng: &mut Rng) -> Pss {
    let raw = (vds - 5.5) / 1.2 + rng.normal(0.0, 0.35);
    let v = raw.round().clamp(0.0, 3.0) as u8;
    Pss::new(v).unwrap_or_else(|_| unreachable!("clamped to 0..=3"))
}

/// One synthetic patient. `index` makes the record id; `today` bounds every date.
pub fn patient(index: usize, rng: &mut Rng, today: NaiveDate, protocol: &Protocol) -> Patient {
    let scarring = rng.chance(0.4);
    let subtype = if scarring {
        Subtype::Scarring
    } else {
        Subtype::Androgenetic
    };
    let mut p = Patient::new(format!("SYN-{:06}", index + 1), subtype);
    let male = if scarring {
        rng.chance(0.6)
    } else {
        rng.chance(0.85)
    };
    p.sex = Some(if male { Sex::M } else { Sex::F });
    p.name = Some(if rng.chance(0.6) {
        format!("{}{}", rng.pick(&FAMILY_ZH), rng.pick(&GIVEN_ZH))
    } else {
        let given = if male {
            rng.pick(&GIVEN_M)
        } else {
            rng.pick(&GIVEN_F)
        };
        format!("{given} {}", rng.pick(&FAMILY_LATIN))
    });
    // Treatment starts within the last two and a half years; a few are still to come.
    let start = today - Duration::days(rng.range(-20, 900));
    let age = rng.range(20, 66);
    p.birth_date = start
        .checked_sub_signed(Duration::days(age * 365 + rng.range(0, 364)))
        .filter(|b| *b < start);
    p.fitzpatrick = Fitzpatrick::new(*rng.pick(&[1, 2, 3, 3, 3, 4, 4, 4, 5, 6])).ok();
    p.hair_colour = Some(*rng.pick(&[
        HairColour::Black,
        HairColour::Black,
        HairColour::Black,
        HairColour::DarkBrown,
        HairColour::DarkBrown,
        HairColour::MediumBrown,
        HairColour::LightBrown,
        HairColour::Blond,
        HairColour::Red,
    ]));
    p.grey_percent = Some(rng.range(0, 6) as u8 * 10);
    let zones: Vec<&str> = if scarring {
        let cause = *rng.pick(&[
            ScarCause::FutStrip,
            ScarCause::FutStrip,
            ScarCause::Fue,
            ScarCause::Fue,
            ScarCause::Trauma,
            ScarCause::Burn,
            ScarCause::Surgical,
            ScarCause::LichenPlanopilaris,
            ScarCause::FrontalFibrosingAlopecia,
        ]);
        p.alopecia.classification = Some(Classification::Scar(cause));
        p.alopecia.scar = Some(ScarDetails {
            activity: cause.is_primary().then_some(Activity::Quiescent),
            months_stable: Some(rng.range(12, 60) as u32),
            texture: Some(*rng.pick(&[
                Texture::Flat,
                Texture::Flat,
                Texture::Atrophic,
                Texture::Raised,
            ])),
        });
        match cause {
            ScarCause::FutStrip | ScarCause::Fue => vec!["scar", "occipital"],
            ScarCause::FrontalFibrosingAlopecia => vec!["scar", "hairline"],
            _ => vec!["scar"],
        }
    } else if male {
        let stage = *rng.pick(&[
            NorwoodStage::III,
            NorwoodStage::IIIVertex,
            NorwoodStage::IV,
            NorwoodStage::IVa,
            NorwoodStage::V,
            NorwoodStage::Va,
            NorwoodStage::VI,
        ]);
        p.alopecia.classification = Some(Classification::Aga(AgaStage::Norwood(stage)));
        match stage {
            NorwoodStage::III | NorwoodStage::IIIa => {
                vec!["hairline", "temporal_left", "temporal_right"]
            }
            NorwoodStage::IIIVertex => vec!["hairline", "vertex"],
            NorwoodStage::IV | NorwoodStage::IVa => {
                vec![
                    "hairline",
                    "frontal",
                    "temporal_left",
                    "temporal_right",
                    "vertex",
                ]
            }
            _ => vec![
                "hairline",
                "frontal",
                "temporal_left",
                "temporal_right",
                "mid_scalp",
                "vertex",
            ],
        }
    } else {
        let g = rng.range(1, 3) as u8;
        p.alopecia.classification = Some(Classification::Aga(AgaStage::Ludwig(g)));
        if g == 1 {
            vec!["mid_scalp"]
        } else {
            vec!["frontal", "mid_scalp", "vertex"]
        }
    };
    p.zones = zones
        .into_iter()
        .map(|z| AffectedZone {
            zone: z.to_string(),
            area_cm2: rng.chance(0.7).then(|| (rng.range(8, 90)) as f64),
        })
        .collect();
    let intake = start - Duration::days(rng.range(7, 30));
    let intake = intake.min(today);
    p.screen.date = Some(intake);
    if rng.chance(0.08) {
        p.screen.answers.insert("diabetes".into(), true);
        p.clearance = Some(Clearance {
            by: "Dr. Synthetic".into(),
            date: intake,
            note: None,
        });
    }
    // Every other item answered "no": a complete screen, so the sessions pass the gate.
    p.screen.answer_remaining(protocol.screen_items(), false);
    let part = |given: bool| match given {
        true => ConsentPart::given(intake),
        false => ConsentPart::refused(intake),
    };
    p.consent = Consent {
        treatment: ConsentPart::given(intake),
        photographs: part(rng.chance(0.9)),
        data_use: part(rng.chance(0.85)),
    };
    let (mut plan, _) = generate_plan(&p, protocol);
    schedule_plan(&mut plan, start, protocol);
    // Sessions at the weekly interval, sometimes a day or two late; only those in the past.
    let mut date = start;
    for n in 1..=3u8 {
        if date > today {
            break;
        }
        let mut s = Session::new(n, date);
        s.operator = Some("synthetic".into());
        s.duration_min = Some(rng.range(90, 240) as u32);
        let i = usize::from(n - 1);
        s.zones = plan
            .zones
            .iter()
            .map(|z| ZoneWork {
                bleeding: Some(rng.chance(0.02)),
                ..z.planned_work(i)
            })
            .collect();
        s.pigment_shade = plan
            .zones
            .first()
            .and_then(|z| z.sessions.get(i))
            .map(|sp| sp.shade.clone());
        s.pigment_lot = Some(format!("LOT-{}", rng.range(1000, 9999)));
        s.pigment_expiry = Some(date + Duration::days(rng.range(120, 700)));
        p.sessions.push(s);
        date += Duration::days(7 + rng.range(0, 2) * i64::from(rng.chance(0.2)));
    }
    p.plan = Some(plan);
    let Some(last) = p.session_date(3) else {
        return p;
    };
    let (post_mean, post_sd, fade_mean, fade_sd) = if scarring {
        (8.0, 1.2, 1.6, 0.6)
    } else {
        (9.1, 0.5, 0.9, 0.5)
    };
    let post = half_point(rng.normal(post_mean, post_sd).min(10.0));
    let fu = p.follow_up_mut(Timepoint::Post);
    fu.date = Some(last);
    fu.vds = Some(post);
    let mut prng = rng.clone();
    fu.pss = Some(pss_for(post.value(), &mut prng));
    *rng = prng;
    let m6 = last + Duration::days(182 + rng.range(-10, 12));
    if m6 <= today && !rng.chance(0.15) {
        let v6 = half_point(post.value() - rng.normal(fade_mean, fade_sd).max(0.0));
        let pss6 = pss_for(v6.value(), rng);
        let fu = p.follow_up_mut(Timepoint::M6);
        fu.date = Some(m6);
        fu.vds = Some(v6);
        fu.pss = Some(pss6);
    }
    if rng.chance(0.03) {
        let mut ev = AdverseEvent::new(*rng.pick(&[
            AdverseKind::Infection,
            AdverseKind::PigmentMigration,
            AdverseKind::ColourShiftBlue,
            AdverseKind::PatchyFading,
            AdverseKind::AllergicReaction,
        ]));
        ev.severity = Some(*rng.pick(&[Severity::Mild, Severity::Mild, Severity::Moderate]));
        ev.resolved = Some(rng.chance(0.8));
        ev.onset = Some(last.min(today));
        ev.session = Some(3);
        p.adverse_events.push(ev);
    }
    let work = plan_work(&p);
    later_visits(&mut p, rng, today, &work, scarring, post.value());
    p
}

/// What a touch-up repeats of the course: the zones of session 3 as planned, with its shade.
fn plan_work(p: &Patient) -> Option<(Vec<ZoneWork>, Option<String>)> {
    let s3 = p.sessions.iter().find(|s| s.number == 3)?;
    Some((s3.zones.clone(), s3.pigment_shade.clone()))
}

/// Touch-ups and the 12- and 24-month follow-ups, for durability: the time from session 3 to
/// the first touch-up is Weibull, shorter for scarring alopecia (the seed series: scar tissue
/// "may require more frequent touch-ups"; median about 14 months against 3 years); a
/// scarring patient sometimes needs a second one. VDS keeps fading after six months and
/// comes back near its post score after a touch-up. Only dates up to `today` are kept.
fn later_visits(
    p: &mut Patient,
    rng: &mut Rng,
    today: NaiveDate,
    work: &Option<(Vec<ZoneWork>, Option<String>)>,
    scarring: bool,
    post: f64,
) {
    let Some(s3) = p.session_date(3) else {
        return;
    };
    let weibull = |rng: &mut Rng, scale: f64, shape: f64| -> i64 {
        let u = rng.unit().max(1e-12);
        (scale * (-u.ln()).powf(1.0 / shape)).round() as i64
    };
    let (scale, shape) = if scarring {
        (560.0, 1.4)
    } else {
        (1250.0, 1.6)
    };
    let mut touch_ups = vec![s3 + Duration::days(60 + weibull(rng, scale, shape))];
    if scarring && rng.chance(0.4) {
        let first = touch_ups[0];
        touch_ups.push(first + Duration::days(60 + weibull(rng, scale, shape)));
    }
    // How long the clinic stays in touch: a patient lost at six months (no score though it
    // was due) or dropping out before 12 or 24 months comes back for no touch-up after that
    // (the durability analysis censors at the last contact, so events after it would bias
    // it); one who stays is in touch up to today.
    let lost_at_6m = p.vds_at(Timepoint::M6).is_none() && s3 + Duration::days(200) <= today;
    let (stay_12, stay_24) = (!rng.chance(0.2), !rng.chance(0.2));
    let horizon = match (lost_at_6m, stay_12, stay_24) {
        (true, ..) => s3 + Duration::days(182),
        (false, false, _) => s3 + Duration::days(300),
        (false, true, false) => s3 + Duration::days(640),
        (false, true, true) => today,
    }
    .min(today);
    // The follow-ups kept, and the last contact: a touch-up is recorded only up to it, so
    // that a patient without one is censored where the record ends (independent censoring).
    let visits: Vec<(u16, NaiveDate)> = [12u16, 24]
        .into_iter()
        .map(|m| {
            let days = i64::from(m) * 365 / 12;
            (m, s3 + Duration::days(days + rng.range(-25, 25)))
        })
        .filter(|(_, d)| *d <= horizon)
        .collect();
    let last_contact = [p.follow_up(Timepoint::M6).and_then(|f| f.date), Some(s3)]
        .into_iter()
        .flatten()
        .chain(visits.iter().map(|v| v.1))
        .max()
        .unwrap_or(s3);
    touch_ups.retain(|d| *d <= last_contact);
    let reasons: &[TouchUpReason] = if scarring {
        &[
            TouchUpReason::PatchyRetention,
            TouchUpReason::PatchyRetention,
            TouchUpReason::Fading,
            TouchUpReason::PatientRequest,
        ]
    } else {
        &[
            TouchUpReason::Fading,
            TouchUpReason::Fading,
            TouchUpReason::PatientRequest,
            TouchUpReason::ColourShift,
        ]
    };
    for (i, date) in touch_ups.iter().enumerate() {
        let mut t = TouchUp::new(i as u8 + 1, *date);
        t.reason = Some(*rng.pick(reasons));
        t.session.operator = Some("synthetic".into());
        t.session.duration_min = Some(rng.range(45, 120) as u32);
        if let Some((zones, shade)) = work {
            t.session.zones = zones
                .iter()
                .map(|z| ZoneWork {
                    bleeding: Some(rng.chance(0.02)),
                    ..z.clone()
                })
                .collect();
            t.session.pigment_shade = shade.clone();
        }
        t.session.pigment_lot = Some(format!("LOT-{}", rng.range(1000, 9999)));
        t.session.pigment_expiry = Some(*date + Duration::days(rng.range(120, 700)));
        p.touch_ups.push(t);
    }
    // Fading per month after the course, faster on scar tissue.
    let per_month = if scarring { 0.22 } else { 0.12 };
    for (months, date) in visits {
        // Months since the pigment was last laid down (session 3 or the latest touch-up).
        let since = touch_ups
            .iter()
            .rev()
            .find(|t| **t <= date)
            .map_or(months as f64, |t| (date - *t).num_days() as f64 / 30.4);
        let v = half_point(post - rng.normal(per_month * since, 0.4).max(0.0));
        let pss = pss_for(v.value(), rng);
        let fu = p.follow_up_mut(Timepoint::Months(months));
        fu.date = Some(date);
        fu.vds = Some(v);
        fu.pss = Some(pss);
    }
}

/// A whole synthetic registry of `n` patients.
pub fn registry(n: usize, seed: u64, today: NaiveDate, protocol: &Protocol) -> Vec<Patient> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| patient(i, &mut rng, today, protocol))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn same_seed_same_registry_other_seed_other() {
        let a = registry(200, 7, today(), &Protocol::builtin());
        let b = registry(200, 7, today(), &Protocol::builtin());
        let c = registry(200, 8, today(), &Protocol::builtin());
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn every_synthetic_patient_is_valid() {
        let zones: Vec<String> = DEFAULT_ZONE_IDS.iter().map(|s| s.to_string()).collect();
        let ctx = ValidationContext {
            today: today(),
            known_zones: &zones,
        };
        for p in registry(2000, 1, today(), &Protocol::builtin()) {
            let e = p.validate(&ctx);
            assert!(e.is_empty(), "{}: {e:?}", p.record_id);
        }
    }

    #[test]
    fn the_registry_is_realistic() {
        let ps = registry(2000, 3, today(), &Protocol::builtin());
        let scar = ps
            .iter()
            .filter(|p| p.subtype() == Subtype::Scarring)
            .count();
        assert!((600..1000).contains(&scar), "{scar}");
        let complete = ps.iter().filter(|p| p.sessions_done() == 3).count();
        let with_post = ps
            .iter()
            .filter(|p| p.vds_at(Timepoint::Post).is_some())
            .count();
        let with_6m = ps
            .iter()
            .filter(|p| p.vds_at(Timepoint::M6).is_some())
            .count();
        let lost = ps
            .iter()
            .filter(|p| {
                p.vds_at(Timepoint::Post).is_some()
                    && p.vds_at(Timepoint::M6).is_none()
                    && p.session_date(3)
                        .is_some_and(|d| d + Duration::days(200) < today())
            })
            .count();
        let events = ps.iter().filter(|p| !p.adverse_events.is_empty()).count();
        assert!(complete > 1500, "{complete}");
        assert_eq!(with_post, complete);
        assert!(with_6m > 1000, "{with_6m}");
        assert!(lost > 100, "lost to follow-up: {lost}");
        assert!(events > 20, "adverse events: {events}");
        // Scarring fades more than androgenetic, as in the series.
        let fade = |st: Subtype| {
            let d: Vec<f64> = ps
                .iter()
                .filter(|p| p.subtype() == st)
                .filter_map(|p| Some(p.vds_at(Timepoint::Post)? - p.vds_at(Timepoint::M6)?))
                .collect();
            d.iter().sum::<f64>() / d.len() as f64
        };
        assert!(fade(Subtype::Scarring) > fade(Subtype::Androgenetic) + 0.4);
        // Touch-ups: more often and earlier for scarring; later follow-ups recorded.
        let touched = |st: Subtype| {
            let of: Vec<&Patient> = ps
                .iter()
                .filter(|p| p.subtype() == st && p.sessions_done() == 3)
                .collect();
            let with = of.iter().filter(|p| !p.touch_ups.is_empty()).count();
            with as f64 / of.len() as f64
        };
        let (scar_t, aga_t) = (touched(Subtype::Scarring), touched(Subtype::Androgenetic));
        assert!(scar_t > aga_t + 0.1 && aga_t > 0.02, "{scar_t} vs {aga_t}");
        assert!(
            ps.iter().all(|p| p
                .touch_ups
                .iter()
                .all(|t| p.session_date(3).is_some_and(|s3| t.date() > s3) && t.date() <= today())),
            "touch-ups after session 3, none in the future"
        );
        for months in [12, 24] {
            let n = ps
                .iter()
                .filter(|p| p.vds_at(Timepoint::Months(months)).is_some())
                .count();
            assert!(n > 50, "{months} months: {n}");
        }
        let s = crate::stats::summarize(&ps);
        let median = |g: &str| s.durability.touch_up_free[g].median_days;
        assert!(
            median("scarring").is_some_and(|m| median("androgenetic").is_none_or(|a| m < a)),
            "{:?} vs {:?}",
            median("scarring"),
            median("androgenetic")
        );
        assert!(s.durability.log_rank.is_some_and(|l| l.p < 0.001));
    }
}
