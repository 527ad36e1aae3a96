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
use ratatui::layout::Rect;
use ratatui::style::{Color, Style};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Bar, BarChart, Block, Chart, Dataset, GraphType, Widget};
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
        let mut legend: Legend = Vec::new();
        for ((s, pairs, lone, (n, n_lone)), dots) in data.iter().zip(&dots) {
            let style = subtype_style(*s, self.theme);
            let lines: Vec<Segment> = match s {
                Subtype::Androgenetic => pairs.iter().map(|p| (&p[..], GraphType::Line)).collect(),
                Subtype::Scarring => dots.iter().map(|d| (&d[..], GraphType::Scatter)).collect(),
            };
            legend.push(legend_entry(
                curve_marks(*s).0.to_string(),
                *s,
                &format!(" n={n}"),
                self.theme,
            ));
            for (points, kind) in lines {
                datasets.push(
                    Dataset::default()
                        .marker(Marker::Braille)
                        .graph_type(kind)
                        .style(style)
                        .data(points),
                );
            }
            if !lone.is_empty() {
                legend.push(legend_entry(
                    "•".into(),
                    *s,
                    &format!(" post only n={n_lone}"),
                    self.theme,
                ));
                datasets.push(
                    Dataset::default()
                        .marker(Marker::Dot)
                        .graph_type(GraphType::Scatter)
                        .style(style)
                        .data(lone),
                );
            }
        }
        let chart_area = frame(area, buf, self.block, ("VDS", ""), legend, self.theme);
        Chart::new(datasets)
            .x_axis(
                Axis::default()
                    .bounds([0.0, 1.0])
                    .labels(["post", "6 months"])
                    .style(self.theme.dim()),
            )
            .y_axis(
                Axis::default()
                    .bounds(bounds)
                    .labels(labels)
                    .style(self.theme.dim()),
            )
            .render(chart_area, buf);
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
                .marker(Marker::Dot)
                .graph_type(GraphType::Scatter)
                .style(style(Color::Cyan))
                .data(&post),
            Dataset::default()
                .marker(Marker::Custom('×'))
                .graph_type(GraphType::Scatter)
                .style(style(Color::Yellow))
                .data(&m6),
        ];
        let legend = vec![
            entry("•", style(Color::Cyan), format!("post n={}", post.len())),
            entry("×", style(Color::Yellow), format!("6 m n={}", m6.len())),
        ];
        let chart_area = frame(area, buf, self.block, ("VDS", "PSS"), legend, self.theme);
        // The chart spaces its middle labels at width / count, which cannot put 0..3 under
        // their columns; two empty labels reserve the row and `pss_labels` writes the values.
        let y_label_w = labels.iter().map(|l| width(l)).max().unwrap_or(0);
        Chart::new(datasets)
            .x_axis(
                Axis::default()
                    .bounds(PSS_BOUNDS)
                    .labels(["", ""])
                    .style(self.theme.dim()),
            )
            .y_axis(
                Axis::default()
                    .bounds(bounds)
                    .labels(labels)
                    .style(self.theme.dim()),
            )
            .render(chart_area, buf);
        pss_labels(chart_area, y_label_w, self.theme.dim(), buf);
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

/// The glyph of each subtype's mean VDS at a visit.
pub fn mean_glyph(s: Subtype) -> char {
    match s {
        Subtype::Androgenetic => '●',
        Subtype::Scarring => '■',
    }
}

/// What the legend of the VDS-over-time chart and the rows of its table show for a
/// subtype's mean: its line pattern with its glyph on it, `──●` or `··■`.
pub fn mean_mark(s: Subtype) -> String {
    let (pattern, _) = curve_marks(s);
    format!("{pattern}{}", mean_glyph(s))
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
/// `days` (at least 24 months), each tick labelled in months
/// ([`present::months`](crate::stats::present::months): days / 30.4375).
pub fn month_axis(days: i64) -> (f64, Vec<(f64, String)>) {
    let per = crate::stats::present::DAYS_PER_MONTH;
    let m = crate::stats::present::months(days).max(24);
    let m = (m + 5) / 6 * 6;
    let ticks = (0..=m / 6)
        .map(|k| (k as f64 * 6.0 * per, (k * 6).to_string()))
        .collect();
    (m as f64 * per, ticks)
}

/// The graph's size in cells inside a chart's `area` (without the y labels and the axes),
/// for the spacing of dotted lines.
fn graph_cells(area: Rect, y_label_w: u16) -> (f64, f64) {
    let w = area.width.saturating_sub(y_label_w + 2).max(4);
    let h = area.height.saturating_sub(3).max(2);
    (f64::from(w), f64::from(h))
}

/// A line's points in data units.
type Points = Vec<(f64, f64)>;

/// A subtype's polyline in its pattern: as it is for androgenetic (drawn solid), a dot
/// every `dx` along and `dy` down for scarring (drawn as dots).
fn in_pattern(s: Subtype, points: &[(f64, f64)], dx: f64, dy: f64) -> Points {
    match s {
        Subtype::Androgenetic => points.to_vec(),
        Subtype::Scarring => dotted_path(points, dx, dy),
    }
}

/// The dataset of a subtype's line made by [`in_pattern`], in the subtype's style.
fn pattern_dataset(s: Subtype, points: &[(f64, f64)], theme: Theme) -> Dataset<'_> {
    let kind = match s {
        Subtype::Androgenetic => GraphType::Line,
        Subtype::Scarring => GraphType::Scatter,
    };
    Dataset::default()
        .marker(Marker::Braille)
        .graph_type(kind)
        .style(subtype_style(s, theme))
        .data(points)
}

/// Points marked with one glyph (censored patients, means) in a subtype's style.
fn glyph_dataset(s: Subtype, glyph: char, points: &[(f64, f64)], theme: Theme) -> Dataset<'_> {
    Dataset::default()
        .marker(Marker::Custom(glyph))
        .graph_type(GraphType::Scatter)
        .style(subtype_style(s, theme))
        .data(points)
}

/// A legend entry of a subtype: its mark in its style, then its short name and `what`.
fn legend_entry(mark: String, s: Subtype, what: &str, theme: Theme) -> Vec<Span<'static>> {
    entry(mark, subtype_style(s, theme), format!("{}{what}", short(s)))
}

/// A legend: entries, each a subtype's (or a timepoint's) mark in its style and its words.
type Legend = Vec<Vec<Span<'static>>>;

/// A legend entry: `mark` in `style`, then `words`.
fn entry(mark: impl Into<String>, style: Style, words: String) -> Vec<Span<'static>> {
    vec![
        Span::styled(mark.into(), style),
        Span::raw(format!(" {words}")),
    ]
}

/// Most rows a legend may take; the chart keeps the rest.
const LEGEND_ROWS: u16 = 3;

/// Frames a chart whose names and legend must never cover its data: the block (the x
/// axis's name, if any, on its bottom border at the right), the y axis's name on the first
/// row inside it, above the y labels, and the legend's entries after it, wrapped onto the
/// rows below when they do not fit (at most [`LEGEND_ROWS`], and only while the chart keeps
/// six rows: a table or the page names the lines of a chart too small for its legend).
/// Returns the area left for the chart itself.
fn frame(
    area: Rect,
    buf: &mut Buffer,
    block: Option<Block<'_>>,
    names: (&str, &str),
    legend: Legend,
    theme: Theme,
) -> Rect {
    let (y_name, x_name) = names;
    let mut block = block.unwrap_or_default();
    if !x_name.is_empty() {
        block =
            block.title_bottom(Line::styled(format!(" {x_name} "), theme.dim()).right_aligned());
    }
    let inner = block.inner(area);
    block.render(area, buf);
    if inner.height < 4 || inner.width < 8 {
        return inner;
    }
    const GAP: usize = 3;
    let room = inner.width as usize;
    let mut rows: Vec<Vec<Span>> = vec![vec![Span::styled(y_name.to_string(), theme.dim())]];
    let mut used = width(y_name);
    for e in legend {
        let w: usize = e.iter().map(|s| width(&s.content)).sum();
        if used > 0 && used + GAP + w > room {
            rows.push(Vec::new());
            used = 0;
        }
        let row = rows.last_mut().expect("a row");
        if used > 0 {
            row.push(Span::raw(" ".repeat(GAP)));
            used += GAP;
        }
        row.extend(e);
        used += w;
    }
    let max_rows = LEGEND_ROWS.min(inner.height.saturating_sub(6)).max(1);
    let shown = (rows.len() as u16).min(max_rows);
    for (i, row) in rows.into_iter().take(shown as usize).enumerate() {
        buf.set_line(inner.x, inner.y + i as u16, &Line::from(row), inner.width);
    }
    Rect {
        y: inner.y + shown,
        height: inner.height - shown,
        ..inner
    }
}

/// Writes `text` on the middle row of a chart's graph (right of its y labels), in the warning
/// style: an empty or flat chart says why instead of reading as "nothing happened".
fn say(chart: Rect, y_label_w: u16, text: &str, theme: Theme, buf: &mut Buffer) {
    let left = chart.x + y_label_w + 2;
    let w = chart.right().saturating_sub(left);
    if chart.height < 3 || w == 0 {
        return;
    }
    let text_w = (width(text) as u16).min(w);
    let x = left + (w - text_w) / 2;
    let y = chart.y + chart.height.saturating_sub(2) / 2;
    buf.set_stringn(x, y, text, text_w as usize, theme.warn());
}

/// Kaplan–Meier curves of touch-up-free time from session 3, androgenetic (solid, censored
/// `+`) and scarring (dotted, censored `×`). The legend names the patterns; n and the
/// touch-ups are in the table under the chart. With no touch-up recorded the curves are flat
/// at 100% and the chart says so.
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

    /// The curves drawn: subtypes with a patient past session 3.
    fn curves(&self) -> Vec<(Subtype, &'a KaplanMeier)> {
        [Subtype::Androgenetic, Subtype::Scarring]
            .into_iter()
            .filter_map(|s| {
                self.durability
                    .curves
                    .get(s.id())
                    .filter(|k| k.n > 0)
                    .map(|k| (s, k))
            })
            .collect()
    }

    /// What the chart says across its middle, if anything: why it is empty, or that it is
    /// flat because nobody has had a touch-up yet.
    pub fn note(&self) -> Option<String> {
        let curves = self.curves();
        let n: usize = curves.iter().map(|(_, k)| k.n).sum();
        if n == 0 {
            return Some(crate::tui::strings::stats::NO_COURSE_ENDED.into());
        }
        if curves.iter().all(|(_, k)| k.events == 0) {
            let last = curves
                .iter()
                .filter_map(|(_, k)| k.steps.last().map(|s| s.days))
                .max()
                .unwrap_or(0);
            return Some(crate::tui::strings::stats::no_touch_ups_yet(
                n,
                &crate::stats::present::months_label(last),
            ));
        }
        None
    }
}

impl Widget for TouchUpFreeChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let curves = self.curves();
        let note = self.note();
        let theme = self.theme;
        let last = curves
            .iter()
            .filter_map(|(_, k)| k.steps.last().map(|s| s.days))
            .max()
            .unwrap_or(0);
        let (x_max, ticks) = month_axis(last);
        let mut legend: Legend = curves
            .iter()
            .map(|&(s, _)| legend_entry(curve_marks(s).0.to_string(), s, "", theme))
            .collect();
        if !curves.is_empty() {
            let glyphs: Vec<String> = curves
                .iter()
                .map(|&(s, _)| curve_marks(s).1.to_string())
                .collect();
            legend.push(vec![Span::raw(format!("{} censored", glyphs.join(" ")))]);
        }
        let chart_area = frame(
            area,
            buf,
            self.block,
            ("touch-up-free", "months since session 3"),
            legend,
            theme,
        );
        const Y_LABEL_W: u16 = 4;
        let (cols, rows) = graph_cells(chart_area, Y_LABEL_W);
        // A dot every two cells along, every cell down.
        let (dx, dy) = (x_max * 2.0 / cols, 1.0 / rows);
        let stairs: Vec<(Subtype, Points, Points)> = curves
            .iter()
            .map(|&(s, k)| (s, in_pattern(s, &k.staircase(), dx, dy), k.censor_marks()))
            .collect();
        let mut datasets = Vec::new();
        for (s, line, censored) in &stairs {
            datasets.push(pattern_dataset(*s, line, theme));
            if !censored.is_empty() {
                datasets.push(glyph_dataset(*s, curve_marks(*s).1, censored, theme));
            }
        }
        Chart::new(datasets)
            .x_axis(
                Axis::default()
                    .bounds([0.0, x_max])
                    .labels(["", ""])
                    .style(theme.dim()),
            )
            .y_axis(
                Axis::default()
                    .bounds([0.0, 1.0])
                    .labels(["0%", "50%", "100%"])
                    .style(theme.dim()),
            )
            .render(chart_area, buf);
        x_ticks(
            chart_area,
            Y_LABEL_W as usize,
            [0.0, x_max],
            &ticks,
            theme.dim(),
            buf,
        );
        if let Some(note) = note {
            say(chart_area, Y_LABEL_W, &note, theme, buf);
        }
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

    /// Each patient's line of `s` drawn: all of them up to [`MAX_PATIENT_LINES`], none
    /// beyond; a patient scored at one visit only has no line.
    fn patient_lines(&self, s: Subtype) -> Vec<Vec<(f64, f64)>> {
        let of: Vec<&VdsLine> = self
            .durability
            .vds_lines
            .iter()
            .filter(|l| l.subtype == s)
            .collect();
        if of.len() > MAX_PATIENT_LINES {
            return Vec::new();
        }
        of.into_iter()
            .map(line_points)
            .filter(|p| p.len() >= 2)
            .collect()
    }
}

/// One patient's visits as (months, VDS).
fn line_points(l: &VdsLine) -> Vec<(f64, f64)> {
    l.vds
        .iter()
        .zip(visit_months())
        .filter_map(|(v, x)| v.map(|v| (x, v)))
        .collect()
}

impl Widget for VdsOverTimeChart<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let d = self.durability;
        let theme = self.theme;
        let months = visit_months();
        let (bounds, labels) = vds_axis(
            d.vds_lines
                .iter()
                .flat_map(|l| l.vds.iter().flatten().copied()),
        );
        let subtypes = [Subtype::Androgenetic, Subtype::Scarring];
        let patient_lines: Vec<Vec<(f64, f64)>> = subtypes
            .iter()
            .flat_map(|&s| self.patient_lines(s))
            .collect();
        let means: Vec<(Subtype, Vec<(f64, f64)>)> = subtypes
            .into_iter()
            .filter_map(|s| {
                let at = d.vds_over_time.get(s.id())?;
                let pts: Vec<(f64, f64)> = at
                    .iter()
                    .zip(months)
                    .filter_map(|(a, x)| a.desc.mean.map(|m| (x, m)))
                    .collect();
                (!pts.is_empty()).then_some((s, pts))
            })
            .collect();
        let mut legend: Legend = means
            .iter()
            .map(|(s, _)| legend_entry(mean_mark(*s), *s, " mean", theme))
            .collect();
        if !patient_lines.is_empty() {
            legend.push(vec![Span::styled("dim: each patient", theme.dim())]);
        }
        // A subtype with more patients than lines drawn says so, not to promise dim lines.
        for s in subtypes {
            if d.vds_lines.iter().filter(|l| l.subtype == s).count() > MAX_PATIENT_LINES {
                legend.push(vec![Span::styled(
                    format!("{} patients not drawn (over {MAX_PATIENT_LINES})", short(s)),
                    theme.dim(),
                )]);
            }
        }
        let chart_area = frame(
            area,
            buf,
            self.block,
            ("VDS", "months after the last session"),
            legend,
            theme,
        );
        let labels_w = labels.iter().map(|l| width(l)).max().unwrap_or(0);
        let (cols, rows) = graph_cells(chart_area, labels_w as u16);
        let (dx, dy) = (24.0 * 2.0 / cols, (bounds[1] - bounds[0]) / rows);
        let dotted_means: Vec<(Subtype, Points, &Points)> = means
            .iter()
            .map(|(s, pts)| (*s, in_pattern(*s, pts, dx, dy), pts))
            .collect();
        let mut datasets = Vec::new();
        for pts in &patient_lines {
            datasets.push(
                Dataset::default()
                    .marker(Marker::Braille)
                    .graph_type(GraphType::Line)
                    .style(theme.dim())
                    .data(pts),
            );
        }
        for (s, line, pts) in &dotted_means {
            datasets.push(pattern_dataset(*s, line, theme));
            datasets.push(glyph_dataset(*s, mean_glyph(*s), pts, theme));
        }
        Chart::new(datasets)
            .x_axis(
                Axis::default()
                    .bounds([0.0, 24.0])
                    .labels(["", ""])
                    .style(theme.dim()),
            )
            .y_axis(
                Axis::default()
                    .bounds(bounds)
                    .labels(labels)
                    .style(theme.dim()),
            )
            .render(chart_area, buf);
        let ticks: Vec<(f64, String)> = months
            .iter()
            .map(|&m| {
                let text = if m == 0.0 {
                    "post".into()
                } else {
                    format!("{m:.0}")
                };
                (m, text)
            })
            .collect();
        x_ticks(chart_area, labels_w, [0.0, 24.0], &ticks, theme.dim(), buf);
        if means.is_empty() {
            say(
                chart_area,
                labels_w as u16,
                crate::tui::strings::stats::NO_VDS_YET,
                theme,
                buf,
            );
        }
    }
}
