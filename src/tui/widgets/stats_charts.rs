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
use crate::stats::summary::{Durability, VDS_TIMEPOINTS, VdsLine};
use crate::stats::survival::KaplanMeier;
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

/// Writes 0, 1, 2, 3 under their columns on the chart's x label row.
fn pss_labels(inner: Rect, y_label_w: usize, style: Style, buf: &mut Buffer) {
    let ticks: Vec<(f64, String)> = (0..=3u8).map(|k| (f64::from(k), k.to_string())).collect();
    x_ticks(inner, y_label_w, PSS_BOUNDS, &ticks, style, buf);
}

/// Writes each tick's label under its value on the chart's x label row (its last row):
/// ratatui spaces middle labels evenly between the first and the last, which puts them off
/// their values when the y labels take width. The graph starts after the y labels (at most
/// a third of the width, as the chart lays it out) and the axis line; values map to columns
/// as the chart's canvas maps them. The chart itself is given two empty labels, which
/// reserve the row.
fn x_ticks(
    inner: Rect,
    y_label_w: usize,
    bounds: [f64; 2],
    ticks: &[(f64, String)],
    style: Style,
    buf: &mut Buffer,
) {
    if inner.height < 3 || inner.width < 8 {
        return;
    }
    let left = inner.x + (y_label_w as u16).min(inner.width / 3) + 1;
    let graph_w = inner.right().saturating_sub(left);
    if graph_w < 2 {
        return;
    }
    let row = inner.bottom() - 1;
    let span = bounds[1] - bounds[0];
    for (v, text) in ticks {
        let col = ((v - bounds[0]) * f64::from(graph_w - 1) / span).round() as u16;
        let w = width(text) as u16;
        // Centred on its column, kept inside the graph.
        let x = (left + col)
            .saturating_sub(w / 2)
            .clamp(left, inner.right().saturating_sub(w));
        buf.set_stringn(x, row, text, w as usize, style);
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

/// The line pattern and censor glyph of each subtype's touch-up-free curve: solid with `+`
/// for androgenetic, dotted with `×` for scarring, so the curves differ without colour.
pub fn curve_marks(s: Subtype) -> (&'static str, char) {
    match s {
        Subtype::Androgenetic => ("──", '+'),
        Subtype::Scarring => ("··", '×'),
    }
}

/// Points along a polyline a dot apart, drawn as a scatter to make a dotted line: `dx` and
/// `dy` are the spacing in data units along horizontal and vertical runs.
pub fn dotted_path(points: &[(f64, f64)], dx: f64, dy: f64) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for w in points.windows(2) {
        let [(x0, y0), (x1, y1)] = [w[0], w[1]];
        let steps = ((x1 - x0).abs() / dx.max(f64::MIN_POSITIVE))
            .max((y1 - y0).abs() / dy.max(f64::MIN_POSITIVE))
            .ceil()
            .clamp(1.0, 10_000.0) as usize;
        for k in 0..steps {
            let t = k as f64 / steps as f64;
            out.push((x0 + t * (x1 - x0), y0 + t * (y1 - y0)));
        }
    }
    if let Some(&last) = points.last() {
        out.push(last);
    }
    out
}

/// The time axis of the touch-up-free curves, in days: whole six-month steps covering
/// `days` (at least 24 months), each tick labelled in months.
fn month_axis(days: i64) -> (f64, Vec<(f64, String)>) {
    let per = crate::stats::present::DAYS_PER_MONTH;
    let m = crate::stats::present::months(days).max(24);
    let m = (m + 5) / 6 * 6;
    let ticks = (0..=m / 6)
        .map(|k| {
            let months = k * 6;
            let text = if k == m / 6 {
                format!("{months} m")
            } else {
                months.to_string()
            };
            (months as f64 * per, text)
        })
        .collect();
    (m as f64 * per, ticks)
}

/// The graph's size in cells inside `area` (without the y labels and the axes), for the
/// spacing of dotted lines.
fn graph_cells(area: Rect, y_label_w: u16) -> (f64, f64) {
    let w = area.width.saturating_sub(y_label_w + 2).max(4);
    let h = area.height.saturating_sub(3).max(2);
    (f64::from(w), f64::from(h))
}

/// Kaplan–Meier curves of touch-up-free time from session 3, androgenetic (solid, censored
/// `+`) and scarring (dotted, censored `×`), with n and touch-ups in the legend.
#[derive(Debug, Clone)]
pub struct TouchUpFreeChart<'a> {
    durability: &'a Durability,
    theme: Theme,
    block: Option<Block<'a>>,
}

theme_and_block!(TouchUpFreeChart);

impl<'a> TouchUpFreeChart<'a> {
    pub fn new(durability: &'a Durability) -> Self {
        TouchUpFreeChart {
            durability,
            theme: Theme { color: true },
            block: None,
        }
    }
}

impl Widget for TouchUpFreeChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let d = self.durability;
        let curves: Vec<(Subtype, &KaplanMeier)> = [Subtype::Androgenetic, Subtype::Scarring]
            .into_iter()
            .filter_map(|s| d.curves.get(s.id()).filter(|k| k.n > 0).map(|k| (s, k)))
            .collect();
        let last = curves
            .iter()
            .filter_map(|(_, k)| k.steps.last().map(|s| s.days))
            .max()
            .unwrap_or(0);
        let (x_max, ticks) = month_axis(last);
        let inner = self.block.as_ref().map_or(area, |b| b.inner(area));
        let (cols, rows) = graph_cells(inner, 4);
        // A dot every two cells along, every cell down.
        let (dx, dy) = (x_max * 2.0 / cols, 1.0 / rows);
        let stairs: Vec<(Subtype, &KaplanMeier, Vec<(f64, f64)>, Vec<(f64, f64)>)> = curves
            .iter()
            .map(|&(s, k)| {
                let st = k.staircase();
                let line = match s {
                    Subtype::Androgenetic => st,
                    Subtype::Scarring => dotted_path(&st, dx, dy),
                };
                (s, k, line, k.censor_marks())
            })
            .collect();
        let mut datasets = Vec::new();
        for (s, k, line, censored) in &stairs {
            let style = subtype_style(*s, self.theme);
            let (pattern, glyph) = curve_marks(*s);
            let kind = match s {
                Subtype::Androgenetic => GraphType::Line,
                Subtype::Scarring => GraphType::Scatter,
            };
            datasets.push(
                Dataset::default()
                    .name(format!(
                        "{pattern} {} n={}: {} touch-up{}, {glyph} censored",
                        short(*s),
                        k.n,
                        k.events,
                        if k.events == 1 { "" } else { "s" }
                    ))
                    .marker(Marker::Braille)
                    .graph_type(kind)
                    .style(style)
                    .data(line),
            );
            if !censored.is_empty() {
                datasets.push(
                    Dataset::default()
                        .marker(Marker::Custom(glyph))
                        .graph_type(GraphType::Scatter)
                        .style(style)
                        .data(censored),
                );
            }
        }
        let chart = Chart::new(datasets)
            .x_axis(
                Axis::default()
                    .title("months")
                    .bounds([0.0, x_max])
                    .labels(["", ""])
                    .style(self.theme.dim()),
            )
            .y_axis(
                Axis::default()
                    .bounds([0.0, 1.0])
                    .labels(["0%", "50%", "100%"])
                    .style(self.theme.dim()),
            )
            .legend_position(Some(LegendPosition::BottomLeft))
            .hidden_legend_constraints((Constraint::Ratio(3, 4), Constraint::Ratio(1, 2)));
        let chart = match self.block {
            Some(b) => chart.block(b),
            None => chart,
        };
        chart.render(area, buf);
        x_ticks(inner, 4, [0.0, x_max], &ticks, self.theme.dim(), buf);
    }
}

/// The months of each visit of [`VDS_TIMEPOINTS`] (post = 0).
pub fn visit_months() -> [f64; 4] {
    VDS_TIMEPOINTS.map(|tp| match tp {
        Timepoint::Post => 0.0,
        Timepoint::Months(m) => f64::from(m),
    })
}

/// Most patient lines drawn per subtype: beyond it they are a smudge, and only the means
/// are drawn.
pub const MAX_PATIENT_LINES: usize = 20;

/// The glyph of each subtype's mean VDS at a visit.
pub fn mean_glyph(s: Subtype) -> char {
    match s {
        Subtype::Androgenetic => '●',
        Subtype::Scarring => '■',
    }
}

/// VDS over the visits (post, 6, 12, 24 months): each subtype's mean at each visit (`●`
/// androgenetic on a solid line, `■` scarring on a dotted one) over each patient's own line
/// (dim) when there are few enough to read.
#[derive(Debug, Clone)]
pub struct VdsOverTimeChart<'a> {
    durability: &'a Durability,
    theme: Theme,
    block: Option<Block<'a>>,
}

theme_and_block!(VdsOverTimeChart);

impl<'a> VdsOverTimeChart<'a> {
    pub fn new(durability: &'a Durability) -> Self {
        VdsOverTimeChart {
            durability,
            theme: Theme { color: true },
            block: None,
        }
    }
}

/// One patient's visits as (months, VDS).
fn line_points(l: &VdsLine) -> Vec<(f64, f64)> {
    let m = visit_months();
    l.vds
        .iter()
        .zip(m)
        .filter_map(|(v, x)| v.map(|v| (x, v)))
        .collect()
}

impl Widget for VdsOverTimeChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let d = self.durability;
        let months = visit_months();
        let (bounds, labels) = vds_axis(
            d.vds_lines
                .iter()
                .flat_map(|l| l.vds.iter().flatten().copied()),
        );
        let labels_w = labels.iter().map(|l| width(l)).max().unwrap_or(0);
        let inner = self.block.as_ref().map_or(area, |b| b.inner(area));
        let (cols, rows) = graph_cells(inner, labels_w as u16);
        let (dx, dy) = (24.0 * 2.0 / cols, (bounds[1] - bounds[0]) / rows);
        let patient_lines: Vec<(Subtype, Vec<(f64, f64)>)> =
            [Subtype::Androgenetic, Subtype::Scarring]
                .into_iter()
                .filter(|s| {
                    d.vds_lines.iter().filter(|l| l.subtype == *s).count() <= MAX_PATIENT_LINES
                })
                .flat_map(|s| {
                    d.vds_lines
                        .iter()
                        .filter(move |l| l.subtype == s)
                        .map(move |l| (s, line_points(l)))
                })
                .filter(|(_, p)| p.len() >= 2)
                .collect();
        let means: Vec<(Subtype, usize, Vec<(f64, f64)>, Vec<(f64, f64)>)> =
            [Subtype::Androgenetic, Subtype::Scarring]
                .into_iter()
                .filter_map(|s| {
                    let at = d.vds_over_time.get(s.id())?;
                    let pts: Vec<(f64, f64)> = at
                        .iter()
                        .zip(months)
                        .filter_map(|(a, x)| a.desc.mean.map(|m| (x, m)))
                        .collect();
                    if pts.is_empty() {
                        return None;
                    }
                    let line = match s {
                        Subtype::Androgenetic => pts.clone(),
                        Subtype::Scarring => dotted_path(&pts, dx, dy),
                    };
                    let n = at.first().map_or(0, |a| a.desc.n);
                    Some((s, n, line, pts))
                })
                .collect();
        let mut datasets = Vec::new();
        for (_, pts) in &patient_lines {
            datasets.push(
                Dataset::default()
                    .marker(Marker::Braille)
                    .graph_type(GraphType::Line)
                    .style(self.theme.dim())
                    .data(pts),
            );
        }
        for (s, n, line, pts) in &means {
            let style = subtype_style(*s, self.theme);
            let (pattern, _) = curve_marks(*s);
            let kind = match s {
                Subtype::Androgenetic => GraphType::Line,
                Subtype::Scarring => GraphType::Scatter,
            };
            datasets.push(
                Dataset::default()
                    .name(format!(
                        "{pattern}{} {} mean, n={n} post",
                        mean_glyph(*s),
                        short(*s)
                    ))
                    .marker(Marker::Braille)
                    .graph_type(kind)
                    .style(style)
                    .data(line),
            );
            datasets.push(
                Dataset::default()
                    .marker(Marker::Custom(mean_glyph(*s)))
                    .graph_type(GraphType::Scatter)
                    .style(style)
                    .data(pts),
            );
        }
        if !patient_lines.is_empty() {
            datasets.push(
                Dataset::default()
                    .name("dim: each patient")
                    .marker(Marker::Braille)
                    .graph_type(GraphType::Scatter)
                    .style(self.theme.dim())
                    .data(&[]),
            );
        }
        let chart = Chart::new(datasets)
            .x_axis(
                Axis::default()
                    .title("months")
                    .bounds([0.0, 24.0])
                    .labels(["", ""])
                    .style(self.theme.dim()),
            )
            .y_axis(
                Axis::default()
                    .bounds(bounds)
                    .labels(labels)
                    .style(self.theme.dim()),
            );
        let y_label_w = labels_w;
        finish(chart, self.block, LegendPosition::BottomLeft).render(area, buf);
        let ticks: Vec<(f64, String)> = months
            .iter()
            .map(|&m| {
                (
                    m,
                    if m == 0.0 {
                        "post".into()
                    } else {
                        format!("{m:.0} m")
                    },
                )
            })
            .collect();
        x_ticks(inner, y_label_w, [0.0, 24.0], &ticks, self.theme.dim(), buf);
    }
}
