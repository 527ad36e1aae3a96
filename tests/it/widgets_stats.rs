//! The statistics screen's charts drawn into a `TestBackend`: snapshots at the sizes they
//! get, and the facts a reader takes from them checked cell by cell.

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;
use ratatui::widgets::{Block, Widget};
use smplan::domain::*;
use smplan::stats::summarize;
use smplan::stats::survival::{Observation, kaplan_meier};
use smplan::tui::Theme;
use smplan::tui::widgets::stats_charts::{
    FadingBars, TouchUpFreeChart, VdsOverTimeChart, VdsPssScatter, VdsSlopeChart, month_axis,
    scatter_points, slopes,
};

use crate::widgets_common;
use widgets_common::{braille_dots, row, text};

const COLOR: Theme = Theme { color: true };
const NO_COLOR: Theme = Theme { color: false };

fn patient(id: &str, s: Subtype, post: Option<(f64, u8)>, m6: Option<(f64, u8)>) -> Patient {
    let mut p = Patient::new(id, s);
    for (tp, score) in [(Timepoint::Post, post), (Timepoint::M6, m6)] {
        if let Some((v, pss)) = score {
            let f = p.follow_up_mut(tp);
            f.vds = Some(Vds::new(v).unwrap());
            f.pss = Some(Pss::new(pss).unwrap());
        }
    }
    p
}

/// Six androgenetic patients fading about 0.9, four scarring fading about 1.6, and one
/// scarring patient not yet seen at six months.
fn cohort() -> Vec<Patient> {
    use Subtype::*;
    vec![
        patient("A1", Androgenetic, Some((9.5, 3)), Some((8.5, 3))),
        patient("A2", Androgenetic, Some((9.0, 3)), Some((8.0, 3))),
        patient("A3", Androgenetic, Some((9.0, 3)), Some((8.0, 3))),
        patient("A4", Androgenetic, Some((8.5, 3)), Some((7.5, 2))),
        patient("A5", Androgenetic, Some((9.5, 3)), Some((8.8, 3))),
        patient("A6", Androgenetic, Some((8.8, 3)), Some((8.0, 3))),
        patient("S1", Scarring, Some((8.0, 2)), Some((6.5, 2))),
        patient("S2", Scarring, Some((7.5, 2)), Some((5.5, 1))),
        patient("S3", Scarring, Some((8.5, 3)), Some((7.0, 2))),
        patient("S4", Scarring, Some((7.0, 2)), Some((5.6, 1))),
        patient("S5", Scarring, Some((7.8, 2)), None),
    ]
}

fn draw(w: u16, h: u16, widget: impl Widget) -> Buffer {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| f.render_widget(widget, f.area())).unwrap();
    t.backend().buffer().clone()
}

#[test]
fn snapshots() {
    let ps = cohort();
    let summary = summarize(&ps);
    let b = draw(
        60,
        24,
        VdsSlopeChart::new(&ps).block(Block::bordered().title("VDS post → 6 months")),
    );
    insta::assert_snapshot!("slope_60x24", text(&b));
    let b = draw(40, 20, VdsSlopeChart::new(&ps).theme(NO_COLOR));
    insta::assert_snapshot!("slope_40x20_no_color", text(&b));
    let b = draw(
        60,
        24,
        VdsPssScatter::new(&ps).block(Block::bordered().title("VDS against PSS")),
    );
    insta::assert_snapshot!("scatter_60x24", text(&b));
    let b = draw(40, 20, VdsPssScatter::new(&ps).theme(NO_COLOR));
    insta::assert_snapshot!("scatter_40x20_no_color", text(&b));
    let b = draw(
        60,
        8,
        FadingBars::new(&summary).block(Block::bordered().title("Fading ΔVDS, mean ± SD")),
    );
    insta::assert_snapshot!("fading_60x8", text(&b));
}

#[test]
fn slope_data_and_legend_carry_n() {
    let ps = cohort();
    let d = slopes(&ps);
    assert_eq!(d[0].0, Subtype::Androgenetic);
    // Patients counted in full; two androgenetic patients with the same scores share a line.
    assert_eq!(d[0].3, (6, 0));
    assert_eq!((d[0].1.len(), d[0].2.len()), (5, 0));
    assert_eq!(d[1].3, (4, 1));
    assert_eq!((d[1].1.len(), d[1].2.len()), (4, 1));
    assert_eq!(d[1].1[1], [(0.0, 7.5), (1.0, 5.5)]);
    let t = text(&draw(60, 24, VdsSlopeChart::new(&ps)));
    assert!(t.contains("AGA n=6"), "{t}");
    assert!(t.contains("scar n=4"), "{t}");
    assert!(t.contains("scar post only n=1"), "{t}");
    assert!(t.contains("6 months"));
}

/// Subtypes are told apart without colour: androgenetic lines are solid, scarring dotted, so
/// the scarring chart alone has fewer braille dots per line than the androgenetic one.
#[test]
fn subtypes_differ_by_pattern_not_only_colour() {
    use Subtype::*;
    let dots = |ps: &[Patient]| braille_dots(&draw(40, 16, VdsSlopeChart::new(ps).theme(NO_COLOR)));
    let solid = dots(&[patient("A", Androgenetic, Some((9.0, 3)), Some((7.0, 2)))]);
    let dotted = dots(&[patient("S", Scarring, Some((9.0, 3)), Some((7.0, 2)))]);
    assert!(dotted * 2 < solid, "dotted {dotted}, solid {solid}");
    let b = draw(40, 20, VdsSlopeChart::new(&cohort()).theme(NO_COLOR));
    assert!(b.content.iter().all(|c| c.fg == Color::Reset));
    let b = draw(40, 20, VdsSlopeChart::new(&cohort()).theme(COLOR));
    assert!(b.content.iter().any(|c| c.fg == Color::Cyan));
    assert!(b.content.iter().any(|c| c.fg == Color::Magenta));
}

#[test]
fn scatter_spreads_equal_scores_and_labels_its_columns() {
    let ps = cohort();
    let post = scatter_points(&ps, Timepoint::Post);
    let m6 = scatter_points(&ps, Timepoint::M6);
    assert_eq!((post.len(), m6.len()), (11, 10));
    // Post sits left of its PSS, six months right of it.
    assert!(post.iter().all(|p| p.0 < p.0.round()));
    assert!(m6.iter().all(|p| p.0 > p.0.round()));
    // A2 and A3 have the same post scores (9.0, PSS 3): two distinct points.
    let nines: Vec<_> = post.iter().filter(|p| p.1 == 9.0).collect();
    assert_eq!(nines.len(), 2);
    assert_ne!(nines[0].0, nines[1].0);

    // The PSS labels sit between their column's post and six-month points.
    let b = draw(60, 24, VdsPssScatter::new(&ps));
    // The last row names the axis (PSS); the labels are on the row above it.
    let last = row(&b, 22);
    let labels: Vec<usize> = (0..=3)
        .map(|k| last.iter().position(|s| *s == k.to_string()).unwrap())
        .collect();
    assert!(labels.windows(2).all(|w| w[1] > w[0]));
    let gaps: Vec<usize> = labels.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        gaps.iter().max().unwrap() - gaps.iter().min().unwrap() <= 1,
        "{gaps:?}"
    );
    // Row of VDS 9.5 (A1, A5 post, PSS 3): its dot lies just left of the label 3.
    let dot_cols: Vec<usize> = (0..24)
        .flat_map(|y| {
            row(&b, y)
                .iter()
                .enumerate()
                .filter(|(_, s)| **s == "•")
                .map(|(x, _)| x)
                .collect::<Vec<_>>()
        })
        .collect();
    let near_3 = dot_cols
        .iter()
        .filter(|&&x| x < labels[3] && labels[3] - x <= 3);
    assert!(near_3.count() >= 1, "{dot_cols:?} label 3 at {}", labels[3]);
    assert!(text(&b).contains("post n=11"));
    assert!(text(&b).contains("6 m n=10"));
}

#[test]
fn fading_bars_show_the_summary_with_n() {
    let ps = cohort();
    let summary = summarize(&ps);
    let bars = FadingBars::new(&summary).bars();
    let labels: Vec<&str> = bars.iter().map(|b| b.0.as_str()).collect();
    assert_eq!(labels, ["all n=10", "AGA n=6", "scar n=4"]);
    let aga = summary.groups[1].delta_vds.mean.unwrap();
    let scar = summary.groups[2].delta_vds.mean.unwrap();
    assert_eq!(bars[1].1, Some(aga));
    assert!(bars[1].2.starts_with(&format!("{aga:.2} ± ")));
    // The longer fading draws the longer bar.
    let b = draw(60, 8, FadingBars::new(&summary));
    let len = |label: &str| -> usize {
        let y = (0..8)
            .find(|&y| row(&b, y).concat().starts_with(label))
            .unwrap();
        row(&b, y).iter().filter(|s| **s == "█").count()
    };
    assert!(scar > aga);
    assert!(len("scar") > len("AGA"), "{}", text(&b));
    // No patients, no pairs: the chart says so rather than drawing a zero bar.
    let empty = summarize(&[]);
    let bars = FadingBars::new(&empty).bars();
    assert!(bars.iter().all(|b| b.1.is_none() && b.2 == "no pairs"));
    let t = text(&draw(40, 8, FadingBars::new(&empty).theme(NO_COLOR)));
    assert!(t.contains("all n=0") && t.contains("no pairs"), "{t}");
}

#[test]
fn charts_survive_tiny_areas_and_empty_cohorts() {
    let ps = cohort();
    let summary = summarize(&ps);
    for (w, h) in [(1, 1), (2, 2), (5, 3), (12, 4), (80, 2)] {
        draw(w, h, VdsSlopeChart::new(&ps));
        draw(w, h, VdsPssScatter::new(&ps));
        draw(w, h, FadingBars::new(&summary));
        draw(w, h, VdsSlopeChart::new(&[]));
        draw(w, h, VdsPssScatter::new(&[]));
        for d in [&summary.durability, &generated().durability] {
            draw(w, h, TouchUpFreeChart::new(d));
            draw(w, h, VdsOverTimeChart::new(d));
            let block = Block::bordered().title("t");
            draw(w, h, TouchUpFreeChart::new(d).block(block.clone()));
            draw(w, h, VdsOverTimeChart::new(d).block(block));
        }
    }
}

/// Many patients with the same scores stay inside their PSS column, and the placement is
/// linear in the number of patients (a quadratic count took 0.4 s at 10,000 patients).
#[test]
fn repeated_scores_stay_in_their_column() {
    use smplan::domain::{Patient, Pss, Subtype, Timepoint, Vds};
    use smplan::tui::widgets::stats_charts::scatter_points;
    let patients: Vec<Patient> = (0..20_000)
        .map(|i| {
            let mut p = Patient::new(format!("P{i}"), Subtype::Androgenetic);
            let f = p.follow_up_mut(Timepoint::Post);
            f.vds = Vds::new(9.0).ok();
            f.pss = Pss::new(3).ok();
            p
        })
        .collect();
    let pts = scatter_points(&patients, Timepoint::Post);
    assert_eq!(pts.len(), 20_000);
    assert!(pts.iter().all(|(x, y)| (2.5..3.0).contains(x) && *y == 9.0));
    assert!(
        pts[0].0 > pts[1].0,
        "repeats move further from the post side's start"
    );
}

/// The summary of a generated registry of 40 patients (seed 16): touch-ups in both subtypes,
/// censored patients, visits up to 24 months.
fn generated() -> smplan::stats::Summary {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let ps = smplan::synth::registry(40, 16, today, &smplan::protocol::Protocol::builtin());
    summarize(&ps)
}

/// The touch-up-free curves read without colour: the legend names each subtype's pattern
/// and censor glyph, both glyphs are drawn, the axes are named, nothing is coloured.
#[test]
fn touch_up_curves_are_named_and_told_apart_without_colour() {
    let s = generated();
    let chart = || TouchUpFreeChart::new(&s.durability).block(Block::bordered().title(" t "));
    let b = draw(60, 16, chart().theme(NO_COLOR));
    let t = text(&b);
    assert!(t.contains("── AGA   ·· scar   + × censored"), "{t}");
    assert!(
        t.contains("touch-up-free") && t.contains("months since session 3"),
        "{t}"
    );
    assert!(t.contains("100%") && t.contains("0%"), "{t}");
    assert!(t.contains('+') && t.contains('×'), "{t}");
    assert!(b.content.iter().all(|c| c.fg == Color::Reset));
    assert_eq!(chart().note(), None);
    let b = draw(60, 16, chart().theme(COLOR));
    assert!(b.content.iter().any(|c| c.fg == Color::Cyan));
    assert!(b.content.iter().any(|c| c.fg == Color::Magenta));
}

/// The same curve drawn as androgenetic (solid) and as scarring (dotted): the dotted one has
/// far fewer braille dots, so the two differ where colour is off.
#[test]
fn touch_up_curves_differ_by_pattern() {
    let obs: Vec<Observation> = [(100, true), (200, false), (300, true), (500, false)]
        .into_iter()
        .map(|(days, event)| Observation { days, event })
        .collect();
    let dots = |subtype: Subtype| {
        let mut d = summarize(&[]).durability;
        d.curves.insert(subtype.id(), kaplan_meier(&obs));
        braille_dots(&draw(60, 16, TouchUpFreeChart::new(&d).theme(NO_COLOR)))
    };
    let (solid, dotted) = (dots(Subtype::Androgenetic), dots(Subtype::Scarring));
    assert!(dotted * 2 < solid, "dotted {dotted}, solid {solid}");
}

/// Flat curves (no touch-up yet) and no curve at all say so instead of an empty box.
#[test]
fn touch_up_chart_says_why_it_is_flat_or_empty() {
    let demo = summarize(&smplan::cli::ui::demo_cohort().unwrap());
    let note = TouchUpFreeChart::new(&demo.durability).note().unwrap();
    assert_eq!(
        note,
        "no touch-ups yet: 10 patient(s) past session 3, followed up to 6 m"
    );
    let t = text(&draw(80, 14, TouchUpFreeChart::new(&demo.durability)));
    assert!(t.contains(&note), "{t}");
    let empty = summarize(&[]);
    let t = text(&draw(80, 14, TouchUpFreeChart::new(&empty.durability)));
    assert!(t.contains("no patient has finished the course"), "{t}");
}

/// The time axis is in months of 30.4375 days, six months a tick, at least to 24 months.
#[test]
fn the_time_axis_counts_months_of_30_4375_days() {
    let (max, ticks) = month_axis(400);
    assert_eq!(max, 24.0 * 30.4375);
    let labels: Vec<&str> = ticks.iter().map(|t| t.1.as_str()).collect();
    assert_eq!(labels, ["0", "6", "12", "18", "24"]);
    assert_eq!(ticks[1].0, 6.0 * 30.4375);
    // 26 months of follow-up: the axis runs to 30.
    assert_eq!(month_axis(26 * 30 + 20).1.last().unwrap().1, "30");
}

/// VDS over time: the legend names each mean's pattern and glyph and the dim patient lines;
/// an empty registry says so.
#[test]
fn vds_over_time_is_named_and_says_when_empty() {
    let s = generated();
    let b = draw(
        80,
        16,
        VdsOverTimeChart::new(&s.durability)
            .theme(NO_COLOR)
            .block(Block::bordered()),
    );
    let t = text(&b);
    assert!(
        t.contains("──● AGA mean   ··■ scar mean   dim: each patient"),
        "{t}"
    );
    assert!(
        t.contains("months after the last session") && t.contains("VDS"),
        "{t}"
    );
    assert!(t.contains('●') && t.contains('■'), "{t}");
    for tick in ["post", "6", "12", "24"] {
        assert!(t.contains(tick), "{tick}: {t}");
    }
    assert!(b.content.iter().all(|c| c.fg == Color::Reset));
    let empty = summarize(&[]);
    let t = text(&draw(80, 14, VdsOverTimeChart::new(&empty.durability)));
    assert!(t.contains("no VDS scored yet"), "{t}");
}

/// Legends and axis names sit beside the data, never on it: the rows holding the legend
/// hold no plotted dot, and each legend is whole, at the half-screen width of the charts
/// page as well as the full width of the durability pages.
#[test]
fn legends_never_cover_the_data() {
    let ps = cohort();
    let s = generated();
    let is_dot = |c: char| ('\u{2801}'..='\u{28ff}').contains(&c) || "•×+●■".contains(c);
    for w in [38, 60, 118] {
        let cases: Vec<(Buffer, &[&str])> = vec![
            (
                draw(w, 14, VdsSlopeChart::new(&ps).theme(NO_COLOR)),
                &["── AGA n=6", "·· scar n=4", "• scar post only n=1"],
            ),
            (
                draw(w, 14, VdsPssScatter::new(&ps).theme(NO_COLOR)),
                &["• post n=11", "× 6 m n=10"],
            ),
            (
                draw(w, 14, TouchUpFreeChart::new(&s.durability).theme(NO_COLOR)),
                &["── AGA", "·· scar", "+ × censored"],
            ),
            (
                draw(w, 14, VdsOverTimeChart::new(&s.durability).theme(NO_COLOR)),
                &["──● AGA mean", "··■ scar mean", "dim: each patient"],
            ),
        ];
        for (b, entries) in cases {
            let t = text(&b);
            let rows: Vec<String> = t.lines().map(str::to_string).collect();
            // The legend's rows: from the top down to the last one holding an entry.
            let last = entries
                .iter()
                .map(|e| {
                    rows.iter()
                        .position(|r| r.contains(e))
                        .unwrap_or_else(|| panic!("{e:?} not whole at width {w}:\n{t}"))
                })
                .max()
                .unwrap();
            for r in &rows[..=last] {
                // The legend's own marks are not data: drop the entries, then look.
                let mut rest = r.clone();
                for e in entries {
                    rest = rest.replace(e, "");
                }
                assert!(
                    !rest.chars().any(is_dot),
                    "data under the legend: {r:?}\n{t}"
                );
            }
        }
    }
}

/// Over 20 patients a subtype, their lines are not drawn (a smudge), and the legend says so
/// rather than promising dim lines.
#[test]
fn vds_over_time_says_when_patient_lines_are_left_out() {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
    let ps = smplan::synth::registry(300, 1, today, &smplan::protocol::Protocol::builtin());
    let s = summarize(&ps);
    let t = text(&draw(
        100,
        16,
        VdsOverTimeChart::new(&s.durability).theme(NO_COLOR),
    ));
    assert!(t.contains("AGA patients not drawn (over 20)"), "{t}");
    assert!(t.contains("scar patients not drawn (over 20)"), "{t}");
    assert!(!t.contains("dim: each patient"), "{t}");
    // The demo's ten: every line drawn, nothing said to be left out.
    let few = summarize(&smplan::cli::ui::demo_cohort().unwrap());
    let t = text(&draw(
        100,
        16,
        VdsOverTimeChart::new(&few.durability).theme(NO_COLOR),
    ));
    assert!(
        t.contains("dim: each patient") && !t.contains("not drawn"),
        "{t}"
    );
}
