//! Charts of the statistics screen: each patient's VDS from just after the last session to six
//! months ([`VdsSlopeChart`]), VDS against satisfaction ([`VdsPssScatter`]), and fading by
//! subtype ([`FadingBars`]).
//!
//! The two point charts read patient-level records, as every figure in smplan does; the bar
//! chart reads the [`Summary`] the screen's table shows, so chart and table cannot disagree.
//! Subtypes and timepoints are told apart by their marker as well as their colour, so the
//! charts read the same with `NO_COLOR`, and every legend and label carries its n.

use crate::domain::{Patient, Subtype, Timepoint};
use crate::stats::Summary;
use crate::tui::theme::Theme;
use crate::tui::widgets::panel::theme_and_block;
use crate::tui::widgets::width;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::Line;
use ratatui::widgets::{
    Axis, Bar, BarChart, Block, Chart, Dataset, GraphType, LegendPosition, Widget,
};
use std::collections::{HashMap, HashSet};

/// Short subtype names for legends and bar labels.
fn short(s: Subtype) -> &'static str {
    match s {
        Subtype::Androgenetic => "AGA",
        Subtype::Scarring => "scar",
    }
}

/// Each subtype's colour; without colour the line pattern tells them apart (solid for
/// androgenetic, dotted for scarring).
fn subtype_style(s: Subtype, theme: Theme) -> Style {
    let colour = match s {
        Subtype::Androgenetic => Color::Cyan,
        Subtype::Scarring => Color::Magenta,
    };
    if theme.color {
        Style::new().fg(colour)
    } else {
        Style::new()
    }
}

/// The points of one patient's line and how the chart joins them.
type Segment<'p> = (&'p [(f64, f64)], GraphType);

/// Points along a segment, drawn as a scatter to make a dotted line.
const DOTTED_STEPS: usize = 12;

fn dotted(pair: &[(f64, f64); 2]) -> Vec<(f64, f64)> {
    let [(x0, y0), (x1, y1)] = *pair;
    (0..=DOTTED_STEPS)
        .map(|k| {
            let t = k as f64 / DOTTED_STEPS as f64;
            (x0 + t * (x1 - x0), y0 + t * (y1 - y0))
        })
        .collect()
}

/// The VDS axis: from a whole number a little below the lowest score to 10, so a cohort
/// scored 6 to 10 uses the height of the chart. Returns bounds and three labels.
fn vds_axis(scores: impl Iterator<Item = f64>) -> ([f64; 2], Vec<String>) {
    let low = scores.fold(10.0_f64, f64::min);
    let lo = (low.floor() - 1.0).clamp(0.0, 8.0);
    let mid = (lo + 10.0) / 2.0;
    let fmt = |v: f64| {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            format!("{v:.1}")
        }
    };
    ([lo, 10.0], vec![fmt(lo), fmt(mid), "10".into()])
}

fn finish<'a>(chart: Chart<'a>, block: Option<Block<'a>>, legend: LegendPosition) -> Chart<'a> {
    let chart = chart
        .legend_position(Some(legend))
        .hidden_legend_constraints((Constraint::Ratio(2, 3), Constraint::Ratio(1, 2)));
    match block {
        Some(b) => chart.block(b),
        None => chart,
    }
}

/// Each patient's VDS after the last session and at six months, one line per patient, AGA
/// and scarring drawn with different markers. Patients scored only after the last session are
/// a lone point at "post" (lost to follow-up, or not yet due).
#[derive(Debug, Clone)]
pub struct VdsSlopeChart<'a> {
    patients: &'a [Patient],
    theme: Theme,
    block: Option<Block<'a>>,
}

theme_and_block!(VdsSlopeChart);

impl<'a> VdsSlopeChart<'a> {
    pub fn new(patients: &'a [Patient]) -> Self {
        VdsSlopeChart {
            patients,
            theme: Theme { color: true },
            block: None,
        }
    }
}

/// Per subtype: the distinct post→6 m pairs, the distinct post-only scores, and how many
/// patients had each kind (the legend's n).
type Slopes = Vec<(
    Subtype,
    Vec<[(f64, f64); 2]>,
    Vec<(f64, f64)>,
    (usize, usize),
)>;

/// The slope chart's data, by subtype. Patients with the same two scores draw the same line,
/// so each line is kept once: a registry of 10,000 patients has only a few hundred distinct
/// lines, and drawing each once keeps the chart quick to redraw after a save.
pub fn slopes(patients: &[Patient]) -> Slopes {
    let tenths = |v: f64| (v * 10.0).round() as i64;
    [Subtype::Androgenetic, Subtype::Scarring]
        .into_iter()
        .map(|s| {
            let mut pairs = Vec::new();
            let mut lone = Vec::new();
            let mut seen_pairs = HashSet::new();
            let mut seen_lone = HashSet::new();
            let (mut n_pairs, mut n_lone) = (0, 0);
            for p in patients.iter().filter(|p| p.subtype() == s) {
                match (p.vds_at(Timepoint::Post), p.vds_at(Timepoint::M6)) {
                    (Some(a), Some(b)) => {
                        n_pairs += 1;
                        if seen_pairs.insert((tenths(a), tenths(b))) {
                            pairs.push([(0.0, a), (1.0, b)]);
                        }
                    }
                    (Some(a), None) => {
                        n_lone += 1;
                        if seen_lone.insert(tenths(a)) {
                            lone.push((0.0, a));
                        }
                    }
                    _ => {}
                }
            }
            (s, pairs, lone, (n_pairs, n_lone))
        })
        .collect()
}

impl Widget for VdsSlopeChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let data = slopes(self.patients);
        let (bounds, labels) = vds_axis(
            data.iter()
                .flat_map(|(_, p, l, _)| p.iter().flatten().chain(l.iter()).map(|pt| pt.1)),
        );
        // Scarring lines are dotted: their points must outlive the datasets that borrow them.
        let dots: Vec<Vec<Vec<(f64, f64)>>> = data
            .iter()
            .map(|(_, pairs, _, _)| pairs.iter().map(dotted).collect())
            .collect();
        let mut datasets = Vec::new();
        for ((s, pairs, lone, (n, n_lone)), dots) in data.iter().zip(&dots) {
            let style = subtype_style(*s, self.theme);
            let (mark, lines): (&str, Vec<Segment>) = match s {
                Subtype::Androgenetic => (
                    "──",
                    pairs.iter().map(|p| (&p[..], GraphType::Line)).collect(),
                ),
                Subtype::Scarring => (
                    "··",
                    dots.iter().map(|d| (&d[..], GraphType::Scatter)).collect(),
                ),
            };
            for (i, (points, kind)) in lines.into_iter().enumerate() {
                let mut d = Dataset::default()
                    .marker(Marker::Braille)
                    .graph_type(kind)
                    .style(style)
                    .data(points);
                if i == 0 {
                    d = d.name(format!("{mark} {} n={n}", short(*s)));
                }
                datasets.push(d);
            }
            if !lone.is_empty() {
                datasets.push(
                    Dataset::default()
                        .name(format!("•  {} post only n={n_lone}", short(*s)))
                        .marker(Marker::Dot)
                        .graph_type(GraphType::Scatter)
                        .style(style)
                        .data(lone),
                );
            }
        }
        let chart = Chart::new(datasets)
            .x_axis(
                Axis::default()
                    .bounds([0.0, 1.0])
                    .labels(["post", "6 months"])
                    .style(self.theme.dim()),
            )
            .y_axis(
                Axis::default()
                    .title("VDS")
                    .bounds(bounds)
                    .labels(labels)
                    .style(self.theme.dim()),
            );
        finish(chart, self.block, LegendPosition::BottomLeft).render(area, buf);
    }
}

/// VDS (vertical) against PSS (horizontal, 0 to 3), after the last session (`•`) and at six
/// months (`×`). PSS is a whole number, so each column holds post on its left and six months
/// on its right, and equal scores are spread sideways so that every patient stays visible.
#[derive(Debug, Clone)]
pub struct VdsPssScatter<'a> {
    patients: &'a [Patient],
    theme: Theme,
    block: Option<Block<'a>>,
}

theme_and_block!(VdsPssScatter);

impl<'a> VdsPssScatter<'a> {
    pub fn new(patients: &'a [Patient]) -> Self {
        VdsPssScatter {
            patients,
            theme: Theme { color: true },
            block: None,
        }
    }
}

/// Sideways offset of post (left) and six-month (right) points in a PSS column.
const SIDE: f64 = 0.15;
/// Further offset of each repeat of the same (PSS, VDS) pair.
const SPREAD: f64 = 0.07;
/// Repeats spread sideways at most this many steps (0.15 + 4 × 0.07 < 0.5: inside the column).
const MAX_SPREAD: usize = 4;

/// The scatter's points at `tp`: (PSS + offset, VDS) of every patient with both scores.
pub fn scatter_points(patients: &[Patient], tp: Timepoint) -> Vec<(f64, f64)> {
    let side = if tp == Timepoint::Post { -SIDE } else { SIDE };
    let mut out: Vec<(f64, f64)> = Vec::new();
    // Repeats of each (PSS, VDS in tenths) pair so far: one lookup per patient, so a large
    // registry costs linear time.
    let mut seen: HashMap<(u8, i64), usize> = HashMap::new();
    for p in patients {
        if let (Some(v), Some(s)) = (p.vds_at(tp), p.pss_at(tp)) {
            let n = seen.entry((s, (v * 10.0).round() as i64)).or_insert(0);
            // Beyond a few repeats the points would leave their column: they stack instead.
            let repeats = (*n).min(MAX_SPREAD);
            *n += 1;
            out.push((
                f64::from(s) + side * (1.0 + SPREAD / SIDE * repeats as f64),
                v,
            ));
        }
    }
    out
}

impl Widget for VdsPssScatter<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let post = scatter_points(self.patients, Timepoint::Post);
        let m6 = scatter_points(self.patients, Timepoint::M6);
        let (bounds, labels) = vds_axis(post.iter().chain(&m6).map(|p| p.1));
        let style = |c: Color| {
            if self.theme.color {
                Style::new().fg(c)
            } else {
                Style::new()
            }
        };
        let datasets = vec![
            Dataset::default()
                .name(format!("post n={}", post.len()))
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(style(Color::Cyan))
                .data(&post),
            Dataset::default()
                .name(format!("6 m n={}", m6.len()))
                .marker(Marker::Custom('×'))
                .graph_type(GraphType::Scatter)
                .style(style(Color::Yellow))
                .data(&m6),
        ];
        // The chart spaces its middle labels at width / count, which cannot put 0..3 under
        // their columns; two empty labels reserve the row and `pss_labels` writes the values.
        let y_label_w = labels.iter().map(|l| width(l)).max().unwrap_or(0);
        let chart = Chart::new(datasets)
            .x_axis(
                Axis::default()
                    .title("PSS")
                    .bounds(PSS_BOUNDS)
                    .labels(["", ""])
                    .style(self.theme.dim()),
            )
            .y_axis(
                Axis::default()
                    .title("VDS")
                    .bounds(bounds)
                    .labels(labels)
                    .style(self.theme.dim()),
            );
        let inner = self.block.as_ref().map_or(area, |b| b.inner(area));
        finish(chart, self.block, LegendPosition::TopLeft).render(area, buf);
        pss_labels(inner, y_label_w, self.theme.dim(), buf);
    }
}

const PSS_BOUNDS: [f64; 2] = [-0.5, 3.5];

/// Writes 0, 1, 2, 3 under their columns on the chart's x label row (its last row). The graph
/// starts after the y labels (at most a third of the width, as the chart lays it out) and the
/// axis line; points map to columns as the chart's canvas maps them.
fn pss_labels(inner: Rect, y_label_w: usize, style: Style, buf: &mut Buffer) {
    if inner.height < 3 || inner.width < 8 {
        return;
    }
    let left = inner.x + (y_label_w as u16).min(inner.width / 3) + 1;
    let graph_w = inner.right().saturating_sub(left);
    if graph_w < 2 {
        return;
    }
    let row = inner.bottom() - 1;
    let span = PSS_BOUNDS[1] - PSS_BOUNDS[0];
    for k in 0..=3u8 {
        let col = ((f64::from(k) - PSS_BOUNDS[0]) * f64::from(graph_w - 1) / span).round() as u16;
        buf.set_string(left + col, row, k.to_string(), style);
    }
}

/// Mean fading (ΔVDS = VDS post − VDS at 6 months) of all patients and by subtype, from the
/// statistics summary, n and SD in the labels. A negative mean (scores rose) is drawn as an
/// empty bar with its value written.
#[derive(Debug, Clone)]
pub struct FadingBars<'a> {
    summary: &'a Summary,
    theme: Theme,
    block: Option<Block<'a>>,
}

theme_and_block!(FadingBars);

impl<'a> FadingBars<'a> {
    pub fn new(summary: &'a Summary) -> Self {
        FadingBars {
            summary,
            theme: Theme { color: true },
            block: None,
        }
    }

    /// One bar per group: (label, mean ΔVDS if any, value text).
    pub fn bars(&self) -> Vec<(String, Option<f64>, String)> {
        self.summary
            .groups
            .iter()
            .map(|g| {
                let name = match g.group {
                    "androgenetic" => short(Subtype::Androgenetic),
                    "scarring" => short(Subtype::Scarring),
                    other => other,
                };
                let d = &g.delta_vds;
                let label = format!("{name} n={}", d.n);
                let text = match (d.mean, d.sd) {
                    (Some(m), Some(sd)) => format!("{m:.2} ± {sd:.2}"),
                    (Some(m), None) => format!("{m:.2}"),
                    _ => "no pairs".to_string(),
                };
                (label, d.mean, text)
            })
            .collect()
    }
}

/// Bars are drawn in hundredths of a VDS point (the chart takes whole numbers).
fn hundredths(v: f64) -> u64 {
    if v.is_finite() && v > 0.0 {
        (v * 100.0).round() as u64
    } else {
        0
    }
}

impl Widget for FadingBars<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let bar_style = if self.theme.color {
            Style::new().fg(Color::Cyan)
        } else {
            Style::new()
        };
        let rows = self.bars();
        let label_w = rows.iter().map(|r| r.0.chars().count()).max().unwrap_or(0);
        let bars: Vec<Bar> = rows
            .into_iter()
            .map(|(label, mean, text)| {
                Bar::default()
                    .label(Line::from(format!("{label:<label_w$}")))
                    .value(hundredths(mean.unwrap_or(0.0)))
                    .text_value(text)
            })
            .collect();
        // The scale runs from a fading of 0 to the largest mean, or 2 VDS points if more, so
        // bars of different cohorts compare at a glance.
        let top = self
            .summary
            .groups
            .iter()
            .filter_map(|g| g.delta_vds.mean)
            .map(hundredths)
            .fold(200, u64::max);
        let mut chart = BarChart::horizontal(bars)
            .bar_width(1)
            .bar_gap(1)
            .max(top)
            .bar_style(bar_style)
            .value_style(
                self.theme
                    .base()
                    .add_modifier(ratatui::style::Modifier::BOLD),
            )
            .label_style(self.theme.base());
        if let Some(b) = self.block {
            chart = chart.block(b);
        }
        chart.render(area, buf);
    }
}
