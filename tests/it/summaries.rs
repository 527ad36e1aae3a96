//! A large registry opens on summaries (`Patient::summary`, kept in the store's summary
//! index), not whole records. Everything shown outside a patient's workspace must read the
//! same from a summary as from the whole record: the list's rows, what is due and when, the
//! agenda, the statistics and their charts. If a summary ever drops a field one of them
//! reads, this fails.

use chrono::{Days, NaiveDate};
use smplan::domain::{Patient, Timepoint};
use smplan::protocol::Protocol;
use smplan::protocol::schedule::{agenda, awaiting_6m, next_due, out_of_window, pending};
use smplan::stats::summarize;
use smplan::tui::screens::patients::ListRow;
use smplan::tui::widgets::stats_charts::{scatter_points, slopes};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
}

/// 600 synthetic patients (both subtypes, every stage of treatment, lost to follow-up,
/// adverse events), a fifth of them with session 1 moved off the plan's start date, and the
/// bundled demo cohort.
fn cohort(protocol: &Protocol) -> Vec<Patient> {
    let mut rng = smplan::synth::Rng::new(7);
    let mut out: Vec<Patient> = (0..600)
        .map(|k| smplan::synth::patient(k, &mut rng, today(), protocol))
        .collect();
    for p in out.iter_mut().step_by(5) {
        if let Some(plan) = p.plan.as_mut()
            && let (Some(start), Some(first)) = (plan.start_date, plan.session_dates.first_mut())
        {
            *first = Some(start + Days::new(3));
        }
    }
    out.extend(smplan::cli::ui::demo_cohort().unwrap());
    out
}

#[test]
fn summaries_show_what_whole_records_show() {
    let protocol = Protocol::builtin();
    let full = cohort(&protocol);
    let sums: Vec<Patient> = full.iter().map(Patient::summary).collect();
    let days = [
        today(),
        today() - Days::new(400),
        today() - Days::new(60),
        today() + Days::new(90),
    ];
    for (f, s) in full.iter().zip(&sums) {
        assert!(s.summary_only && !f.summary_only);
        let id = &f.record_id;
        for day in days {
            assert_eq!(
                ListRow::new(f, &protocol, day),
                ListRow::new(s, &protocol, day),
                "{id} on {day}"
            );
            assert_eq!(
                next_due(f, &protocol, day),
                next_due(s, &protocol, day),
                "{id}"
            );
            assert_eq!(
                pending(f, &protocol, day),
                pending(s, &protocol, day),
                "{id}"
            );
            assert_eq!(
                awaiting_6m(f, &protocol, day),
                awaiting_6m(s, &protocol, day),
                "{id}"
            );
        }
        assert_eq!(
            out_of_window(f, &protocol),
            out_of_window(s, &protocol),
            "{id}"
        );
        for tp in [Timepoint::Post, Timepoint::M6] {
            assert_eq!(f.vds_at(tp), s.vds_at(tp), "{id}");
            assert_eq!(f.pss_at(tp), s.pss_at(tp), "{id}");
        }
    }
    assert_eq!(summarize(&full), summarize(&sums));
    for day in days {
        assert_eq!(
            agenda(&full, &protocol, day, 30),
            agenda(&sums, &protocol, day, 30)
        );
    }
    for tp in [Timepoint::Post, Timepoint::M6] {
        assert_eq!(scatter_points(&full, tp), scatter_points(&sums, tp));
    }
    assert_eq!(
        format!("{:?}", slopes(&full)),
        format!("{:?}", slopes(&sums))
    );
}

#[test]
fn a_summary_is_a_small_part_of_the_record() {
    let protocol = Protocol::builtin();
    let full = cohort(&protocol);
    let sums: Vec<Patient> = full.iter().map(Patient::summary).collect();
    let full_bytes = serde_json::to_vec(&full).unwrap().len();
    let sum_bytes = serde_json::to_vec(&sums).unwrap().len();
    // A third: every summary carries its whole health screen (triage needs every item
    // answered, and the synthetic screens are complete), and the data-use consent.
    assert!(
        sum_bytes * 3 < full_bytes,
        "summaries {sum_bytes} bytes, records {full_bytes} bytes"
    );
    // Nothing identifying beyond what the list shows (the name, and the birth date for the
    // age column), and no free text.
    for s in &sums {
        assert!(s.sex.is_none() && s.notes.is_none() && s.expectations.is_none());
        assert!(s.adverse_events.iter().all(|a| a.description.is_none()));
    }
}
