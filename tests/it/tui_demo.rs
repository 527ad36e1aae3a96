//! The bundled demo cohort: ten valid, complete patients whose statistics come close to the
//! published case series (Liu et al. 2025).

use chrono::NaiveDate;
use smplan::cli::ui::demo_cohort;
use smplan::domain::*;
use smplan::protocol::Protocol;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len() as f64
}

fn sd(v: &[f64]) -> f64 {
    let m = mean(v);
    (v.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (v.len() - 1) as f64).sqrt()
}

/// Average ranks (ties share the mean of their positions), 1-based.
fn ranks(v: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..v.len()).collect();
    idx.sort_by(|a, b| v[*a].partial_cmp(&v[*b]).unwrap());
    let mut r = vec![0.0; v.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && v[idx[j + 1]] == v[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for k in i..=j {
            r[idx[k]] = avg;
        }
        i = j + 1;
    }
    r
}

fn spearman(x: &[f64], y: &[f64]) -> f64 {
    let (rx, ry) = (ranks(x), ranks(y));
    let (mx, my) = (mean(&rx), mean(&ry));
    let cov: f64 = rx.iter().zip(&ry).map(|(a, b)| (a - mx) * (b - my)).sum();
    let vx: f64 = rx.iter().map(|a| (a - mx).powi(2)).sum();
    let vy: f64 = ry.iter().map(|b| (b - my).powi(2)).sum();
    cov / (vx * vy).sqrt()
}

#[test]
fn ten_valid_complete_patients_of_the_specified_subtypes() {
    let cohort = demo_cohort().unwrap();
    assert_eq!(cohort.len(), 10);
    let protocol = Protocol::builtin();
    let zones = protocol.zone_ids();
    let ctx = ValidationContext {
        today: today(),
        known_zones: &zones,
    };
    let mut stages = Vec::new();
    let mut causes = Vec::new();
    for p in &cohort {
        assert!(
            p.validate(&ctx).is_empty(),
            "{}: {:?}",
            p.record_id,
            p.validate(&ctx)
        );
        match (&p.alopecia.subtype, &p.alopecia.classification) {
            (Subtype::Androgenetic, Some(Classification::Aga(AgaStage::Norwood(n)))) => {
                stages.push(*n)
            }
            (Subtype::Scarring, Some(Classification::Scar(c))) => causes.push(*c),
            other => panic!("{}: {other:?}", p.record_id),
        }
        assert!(p.name.is_some() && p.sex.is_some() && p.birth_date.is_some());
        assert!(p.fitzpatrick.is_some() && p.hair_colour.is_some() && !p.zones.is_empty());
        assert_eq!(
            p.screen.answers.len(),
            protocol.screen.items.len(),
            "every item asked"
        );
        assert_eq!(p.triage(protocol.screen_rules()).triage, Triage::Clear);
        for part in [
            p.consent.treatment,
            p.consent.photographs,
            p.consent.data_use,
        ] {
            assert!(part.is_given() && part.date.is_some(), "{part:?}");
        }
        let plan = p.plan.as_ref().expect("plan");
        assert_eq!(plan.zones.len(), p.zones.len());
        assert_eq!(p.sessions_done(), 3);
        for tp in [Timepoint::Post, Timepoint::M6] {
            let f = p.follow_up(tp).expect("follow-up");
            assert!(f.date.is_some() && f.vds.is_some() && f.pss.is_some());
            assert!(f.date.unwrap() < today(), "follow-ups are in the past");
        }
        assert!(p.adverse_events.is_empty());
        assert!(
            p.sessions
                .iter()
                .flat_map(|s| &s.zones)
                .all(|z| z.bleeding == Some(false))
        );
    }
    stages.sort();
    use NorwoodStage::*;
    assert_eq!(stages, [III, IIIVertex, IV, IVa, V, VI]);
    for c in [
        ScarCause::FutStrip,
        ScarCause::Fue,
        ScarCause::Trauma,
        ScarCause::Burn,
    ] {
        assert!(causes.contains(&c), "{c:?}");
    }
    assert_eq!(causes.len(), 4);
}

#[test]
fn statistics_come_close_to_the_published_ones() {
    let cohort = demo_cohort().unwrap();
    let vds = |tp| -> Vec<f64> { cohort.iter().map(|p| p.vds_at(tp).unwrap()).collect() };
    let pss = |tp| -> Vec<f64> {
        cohort
            .iter()
            .map(|p| p.pss_at(tp).unwrap() as f64)
            .collect()
    };
    let aga: Vec<bool> = cohort
        .iter()
        .map(|p| p.subtype() == Subtype::Androgenetic)
        .collect();
    let pick = |v: &[f64], want: bool| -> Vec<f64> {
        v.iter()
            .zip(&aga)
            .filter(|(_, a)| **a == want)
            .map(|(x, _)| *x)
            .collect()
    };
    let post = vds(Timepoint::Post);
    let m6 = vds(Timepoint::M6);
    let close = |got: f64, want: f64, tol: f64| {
        assert!((got - want).abs() <= tol, "got {got}, published {want}")
    };
    // VDS post 8.7 ± 1.1, androgenetic 9.1 ± 0.5.
    close(mean(&post), 8.7, 0.05);
    close(sd(&post), 1.1, 0.05);
    close(mean(&pick(&post, true)), 9.1, 0.05);
    close(sd(&pick(&post, true)), 0.5, 0.05);
    // Fading 0.9 androgenetic vs 1.6 scarring.
    let fade: Vec<f64> = post.iter().zip(&m6).map(|(a, b)| a - b).collect();
    close(mean(&pick(&fade, true)), 0.9, 0.01);
    close(mean(&pick(&fade, false)), 1.6, 0.01);
    // 6 months: 7.5 (what the subgroup fading implies; 7.7 published) ± 1.4.
    close(mean(&m6), 7.52, 0.01);
    close(sd(&m6), 1.4, 0.1);
    // PSS mean 2.7 (post), Spearman about 0.9 (ties in PSS cap it; see the README).
    close(mean(&pss(Timepoint::Post)), 2.7, 0.01);
    close(spearman(&post, &pss(Timepoint::Post)), 0.80, 0.01);
    close(spearman(&m6, &pss(Timepoint::M6)), 0.874, 0.01);
    // Very satisfied at 6 months among androgenetic: 5 of 6 (85.7% is impossible with 6).
    let very = pick(&pss(Timepoint::M6), true)
        .iter()
        .filter(|p| **p == 3.0)
        .count();
    assert_eq!(very, 5);
}

#[test]
fn demo_plans_are_what_the_built_in_protocol_generates() {
    let protocol = Protocol::builtin();
    for p in demo_cohort().unwrap() {
        let plan = p.plan.clone().unwrap();
        let mut bare = p.clone();
        bare.plan = None;
        let (fresh, warnings) = smplan::protocol::generate_plan(&bare, &protocol);
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(plan.zones, fresh.zones, "{}", p.record_id);
        let start = plan.start_date.unwrap();
        let dates: Vec<_> = smplan::protocol::schedule::session_dates(start, &protocol)
            .into_iter()
            .map(Some)
            .collect();
        assert_eq!(plan.session_dates, dates);
        let done: Vec<_> = p.sessions.iter().map(|s| Some(s.date)).collect();
        assert_eq!(done, dates, "sessions on the planned days");
    }
}
