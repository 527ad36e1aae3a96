//! The statistics screen: the retention summary of the whole registry (`crate::stats`, the
//! same figures as `smplan stats`) per group, and charts of the patient-level scores.
//!
//! Every figure carries its n and every p-value its test and method, because a case series
//! of ten patients is read differently from a registry of a thousand, and an exact p differs
//! from an approximate one most exactly where these series live. An undefined figure says
//! why ("too few patients", "no variation") instead of showing a number.
//!
//! The summary is recomputed when the registry changes (the app's generation counter moves
//! on every save), never per frame: the exact permutation tests cost far more than a frame.

use crate::domain::gate::post_before_course_end;
use crate::domain::{Patient, ResearchFilter, SafetyRules, Subtype, research_cohort};
use crate::protocol::Protocol;
use crate::stats::summary::{DURABILITY_DAYS, GroupSummary, PssDescribe, Share, VDS_TIMEPOINTS};
use crate::stats::{Describe, Summary, present, summarize};
use crate::tui::action::Action;
use crate::tui::command::Command;
use crate::tui::keymap as keys;
use crate::tui::strings::cmd;
use crate::tui::strings::stats as strings;
use crate::tui::theme::Theme;
use crate::tui::widgets;
use crate::tui::widgets::stats_charts::{
    FadingBars, TouchUpFreeChart, VdsOverTimeChart, VdsPssScatter, VdsSlopeChart, curve_marks,
    mean_mark,
};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

/// What an undefined figure shows when the group is too small for it.
pub const TOO_FEW: &str = "too few patients";
/// What an undefined figure shows when there are patients enough but every value is equal.
pub const NO_VARIATION: &str = "no variation";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Page {
    #[default]
    Retention,
    Comparison,
    TouchUps,
    VdsOverTime,
    Charts,
}

impl Page {
    pub const ALL: [Page; 5] = [
        Page::Retention,
        Page::Comparison,
        Page::TouchUps,
        Page::VdsOverTime,
        Page::Charts,
    ];
    pub fn title(self) -> &'static str {
        match self {
            Page::Retention => "Retention",
            Page::Comparison => "Comparison",
            Page::TouchUps => "Touch-ups",
            Page::VdsOverTime => "VDS over time",
            Page::Charts => "Charts",
        }
    }
    fn index(self) -> usize {
        Page::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
    /// The page after this one (Tab), round to the first.
    pub fn next(self) -> Page {
        Page::ALL[(self.index() + 1) % Page::ALL.len()]
    }
    /// The page before this one (Shift-Tab), round to the last.
    pub fn prev(self) -> Page {
        Page::ALL[(self.index() + Page::ALL.len() - 1) % Page::ALL.len()]
    }
    /// Pages of scrolling text (the others are a chart over a table).
    fn is_text(self) -> bool {
        matches!(self, Page::Retention | Page::Comparison)
    }
}

/// What a page's drawing was made for: a new registry, window, theme or page redraws it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct DrawKey {
    generation: u64,
    area: Rect,
    theme: Theme,
    page: Page,
}

#[derive(Debug, Default)]
pub struct StatsView {
    pub page: Page,
    /// First line of a text page on screen.
    pub scroll: usize,
    /// Lines the text page showed last time, for PgUp/PgDn and the bottom.
    visible: usize,
    /// Lines the text page has, at the last width drawn.
    total: usize,
    /// The summary (durability and the series of the charts included), for the registry's
    /// generation: computed once per change of the registry, never per frame.
    cache: Option<(u64, Summary)>,
    /// A text page laid out.
    lines: Option<(DrawKey, Vec<Line<'static>>)>,
    /// A chart page drawn.
    charts: Option<(DrawKey, Buffer)>,
    /// What the research filter left out, and the patients it admitted when it left any
    /// out (the charts draw those; otherwise the registry's list as it is).
    consent: (ResearchFilter, Option<Vec<Patient>>),
    /// Patients of the summary with a post score before their course ended.
    early: usize,
}

impl StatsView {
    /// The summary of `patients`, recomputed only when `generation` moved. A research
    /// output: patients whose data-use consent is refused or withdrawn are left out (and
    /// counted, see [`StatsView::consent`]).
    pub fn summary(
        &mut self,
        patients: &[Patient],
        generation: u64,
        rules: &SafetyRules,
    ) -> &Summary {
        let stale = self.cache.as_ref().is_none_or(|(g, _)| *g != generation);
        if stale {
            self.cache = None;
        }
        let consent = &mut self.consent;
        let early = &mut self.early;
        &self
            .cache
            .get_or_insert_with(|| {
                let (kept, filter) = research_cohort(patients);
                let summary = summarize(kept.iter().copied());
                *early = kept
                    .iter()
                    .filter(|p| post_before_course_end(p, rules))
                    .count();
                let admitted = (filter.left_out > 0).then(|| kept.into_iter().cloned().collect());
                *consent = (filter, admitted);
                (generation, summary)
            })
            .1
    }

    /// The generation the summary was computed for (`None` before the first).
    pub fn computed_for(&self) -> Option<u64> {
        self.cache.as_ref().map(|(g, _)| *g)
    }

    /// What the last summary left out and kept without a recorded data-use consent.
    pub fn consent(&self) -> ResearchFilter {
        self.consent.0
    }

    pub fn commands(&self) -> Vec<Command> {
        let mut v = vec![
            Command::new(keys::STATS_NEXT, Action::NextField, cmd::NEXT_PAGE).bar(),
            Command::new(keys::STATS_PREV, Action::PrevField, cmd::PREV_PAGE).bar(),
        ];
        if self.page.is_text() && self.total > self.visible {
            v.extend([
                Command::new(keys::UP, Action::Up, cmd::SCROLL_UP),
                Command::new(keys::DOWN, Action::Down, cmd::SCROLL_DOWN),
                Command::new(keys::PAGE_UP, Action::PageUp, cmd::SCREEN_UP),
                Command::new(keys::PAGE_DOWN, Action::PageDown, cmd::SCREEN_DOWN),
                Command::new(keys::FIRST, Action::First, cmd::TOP),
                Command::new(keys::LAST, Action::Last, cmd::BOTTOM),
            ]);
        }
        v
    }

    /// Computes what the page shows for the registry as it is and the area it is drawn in
    /// (the summary when the registry changed, the page laid out or drawn for the area),
    /// and keeps the scroll in range: drawing then only copies.
    pub fn settle(
        &mut self,
        patients: &[Patient],
        protocol: &Protocol,
        generation: u64,
        area: Rect,
        theme: Theme,
    ) {
        if self.computed_for() != Some(generation) {
            self.summary(patients, generation, &protocol.safety_rules());
        }
        let [_, _, body] = page_areas(area);
        let key = DrawKey {
            generation,
            area: body,
            theme,
            page: self.page,
        };
        let Some((_, summary)) = self.cache.as_ref() else {
            return;
        };
        if self.page.is_text() {
            if self.lines.as_ref().is_none_or(|(k, _)| *k != key) {
                let mut rows = match self.page {
                    Page::Comparison => comparison_rows(summary),
                    _ => retention_rows(summary),
                };
                rows.extend([
                    FigureRow::Blank,
                    FigureRow::Heading(strings::CONSENT_HEADING.into()),
                    FigureRow::Wide {
                        label: strings::DATA_USE.into(),
                        value: format!("{}.", self.consent.0.sentence()),
                    },
                    FigureRow::Wide {
                        label: strings::EARLY_POST.into(),
                        value: strings::early_post(self.early),
                    },
                ]);
                self.lines = Some((key, figure_lines(&rows, body.width, &theme)));
            }
            self.total = self.lines.as_ref().map_or(0, |(_, l)| l.len());
            self.visible = body.height as usize;
            self.scroll = self.scroll.min(self.total.saturating_sub(self.visible));
        } else if !self.charts.as_ref().is_some_and(|(k, _)| *k == key) {
            // The patients the summary admitted (the registry's list when none was left
            // out).
            let shown = self.consent.1.as_deref().unwrap_or(patients);
            let buf = match self.page {
                Page::TouchUps => touch_up_buffer(body, summary, theme),
                Page::VdsOverTime => vds_time_buffer(body, summary, theme),
                _ => chart_buffer(body, shown, summary, theme),
            };
            self.charts = Some((key, buf));
        }
    }

    pub fn update(&mut self, action: Action) {
        let page = self.visible.max(1);
        let bottom = self.total.saturating_sub(self.visible);
        match action {
            Action::NextField => self.turn(self.page.next()),
            Action::PrevField => self.turn(self.page.prev()),
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::Down => self.scroll = (self.scroll + 1).min(bottom),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(page),
            Action::PageDown => self.scroll = (self.scroll + page).min(bottom),
            Action::First => self.scroll = 0,
            Action::Last => self.scroll = bottom,
            _ => {}
        }
    }

    /// Another page, from its top.
    fn turn(&mut self, page: Page) {
        self.page = page;
        self.scroll = 0;
    }
}

/// Mean ± SD with n (two decimals); a single value has no SD.
fn desc(d: &Describe) -> String {
    match (d.mean, d.sd) {
        (None, _) => TOO_FEW.to_string(),
        (Some(m), None) => format!("{} n={}", present::fixed(m, 2), d.n),
        (Some(m), Some(sd)) => format!(
            "{} ± {} n={}",
            present::fixed(m, 2),
            present::fixed(sd, 2),
            d.n
        ),
    }
}

/// The 95% interval of a mean in a cell, `*` when it runs outside `scale` (the note under
/// the table says so); `every value equal` when there is no spread.
fn ci_cell(d: &Describe, scale: (f64, f64)) -> String {
    match (d.mean, d.ci95) {
        (None, _) => String::new(),
        (Some(_), Some(c)) if present::outside(c, scale) => {
            format!("{}{OUTSIDE_MARK}", present::interval(c, 2))
        }
        (Some(_), Some(c)) => present::interval(c, 2),
        (Some(_), None) if d.n >= 2 => "every value equal".into(),
        (Some(_), None) => "—".into(),
    }
}

/// The mark of an interval that runs off its scale.
pub const OUTSIDE_MARK: &str = " *";

/// A ratio's mean ± SD as percentages (one decimal).
fn desc_pct(d: &Describe) -> String {
    match (d.mean, d.sd) {
        (None, _) => TOO_FEW.to_string(),
        (Some(m), None) => format!("{:.1}% n={}", m * 100.0, d.n),
        (Some(m), Some(sd)) => format!("{:.1}% ± {:.1} n={}", m * 100.0, sd * 100.0, d.n),
    }
}

fn share(s: &Share) -> String {
    match s.pct {
        None => TOO_FEW.to_string(),
        Some(pct) => format!("{}/{} ({pct:.0}%)", s.count, s.of),
    }
}

fn pss_cell(d: &PssDescribe) -> String {
    match d.median {
        None => TOO_FEW.to_string(),
        Some(_) => present::pss_levels_cell(d),
    }
}

fn pss_median_cell(d: &PssDescribe) -> String {
    d.median.map_or(String::new(), |m| {
        format!("{} n={}", present::pss_median(m), d.n)
    })
}

fn group_title(g: &str) -> &str {
    match g {
        "all" => "all patients",
        other => other,
    }
}

/// One line of the figures page.
#[derive(Debug, Clone, PartialEq)]
pub enum FigureRow {
    Heading(String),
    /// A figure for each group: all, androgenetic, scarring.
    Groups {
        label: String,
        cells: [String; 3],
    },
    /// A figure that spans the width (the subtype comparison, notes).
    Wide {
        label: String,
        value: String,
    },
    Blank,
}

fn groups(label: &str, s: &Summary, f: impl Fn(&GroupSummary) -> String) -> FigureRow {
    let cell = |i: usize| s.groups.get(i).map(&f).unwrap_or_default();
    FigureRow::Groups {
        label: label.to_string(),
        cells: [cell(0), cell(1), cell(2)],
    }
}

/// One row per group of a test's text (the CLI's words), under a heading.
fn per_group(
    rows: &mut Vec<FigureRow>,
    s: &Summary,
    heading: &str,
    f: impl Fn(&GroupSummary) -> String,
) {
    rows.push(FigureRow::Heading(heading.into()));
    for g in &s.groups {
        rows.push(FigureRow::Wide {
            label: format!("  {}", group_title(g.group)),
            value: f(g),
        });
    }
}

/// The retention page: the scores of each group (mean ± SD with n and the interval, PSS as
/// counts per level and the median), then the tests within each group with the primary
/// p first, in the words of `smplan stats`.
pub fn retention_rows(s: &Summary) -> Vec<FigureRow> {
    use FigureRow::{Blank, Heading};
    let vds = present::VDS_SCALE;
    let mut rows = vec![
        groups("", s, |g| g.group.to_string()),
        groups("Patients", s, |g| format!("n={}", g.n)),
        Heading("VDS 0–10: mean ± SD with n, 95% CI".into()),
        groups("VDS post", s, |g| desc(&g.vds_post)),
        groups("  95% CI", s, |g| ci_cell(&g.vds_post, vds)),
        groups("VDS 6 months", s, |g| desc(&g.vds_6m)),
        groups("  95% CI", s, |g| ci_cell(&g.vds_6m, vds)),
        groups("Fading (post − 6 m)", s, |g| desc(&g.delta_vds)),
        groups("  95% CI", s, |g| {
            ci_cell(&g.delta_vds, present::VDS_DIFF_SCALE)
        }),
        groups("Retention (6 m / post)", s, |g| desc_pct(&g.retention)),
        Heading("PSS 0–3 (ordinal): patients at each level".into()),
        groups("PSS post", s, |g| pss_cell(&g.pss_post)),
        groups("  median", s, |g| pss_median_cell(&g.pss_post)),
        groups("PSS 6 months", s, |g| pss_cell(&g.pss_6m)),
        groups("  median", s, |g| pss_median_cell(&g.pss_6m)),
        groups("Very satisfied at 6 m", s, |g| share(&g.very_satisfied_6m)),
        groups("Lost to follow-up", s, |g| share(&g.lost_to_follow_up)),
        groups("Adverse events", s, |g| {
            share(&g.adverse_events.patients_with_any)
        }),
    ];
    let kinds: std::collections::BTreeSet<&str> = s
        .groups
        .iter()
        .flat_map(|g| g.adverse_events.by_type.keys().copied())
        .collect();
    for kind in kinds {
        rows.push(groups(&format!("  {}", kind.replace('_', " ")), s, |g| {
            let n = g.adverse_events.by_type.get(kind).copied().unwrap_or(0);
            format!("{n}/{}", g.n)
        }));
    }
    let with_n = |n: usize, text: String| format!("n = {n}: {text}");
    per_group(
        &mut rows,
        s,
        "Paired t-test, VDS post against 6 months",
        |g| with_n(g.paired_t_vds.n, present::paired_t_text(&g.paired_t_vds)),
    );
    per_group(
        &mut rows,
        s,
        "Wilcoxon signed-rank, VDS post against 6 months",
        |g| with_n(g.wilcoxon_vds.n, present::wilcoxon_text(&g.wilcoxon_vds)),
    );
    per_group(&mut rows, s, "Spearman VDS~PSS post", |g| {
        let sp = &g.spearman_vds_pss_post;
        with_n(sp.n, present::spearman_text(sp))
    });
    per_group(&mut rows, s, "Spearman VDS~PSS 6 m", |g| {
        let sp = &g.spearman_vds_pss_6m;
        with_n(sp.n, present::spearman_text(sp))
    });
    rows.extend([Blank, Heading("Notes".into())]);
    rows.extend(notes());
    rows
}

/// What every text page ends with: the scales, `*`, and the rules of the p-values.
fn notes() -> Vec<FigureRow> {
    vec![
        FigureRow::Wide {
            label: String::new(),
            value: format!(
                "VDS 0–10 and PSS 0–3; SD is the sample SD (n − 1); fading and the tests use \
                 patients scored at both visits; an interval marked{OUTSIDE_MARK} runs outside \
                 the scale."
            ),
        },
        FigureRow::Wide {
            label: String::new(),
            value: present::rules_note(),
        },
    ]
}

/// The group comparison page: fading by subtype, the tests (primary p first), the effect
/// sizes with their intervals, and 6-month VDS adjusted for VDS post.
pub fn comparison_rows(s: &Summary) -> Vec<FigureRow> {
    use FigureRow::{Blank, Heading, Wide};
    let c = &s.subtype_comparison_delta_vds;
    let wide = |label: &str, value: String| Wide {
        label: label.into(),
        value,
    };
    let fading = |i: usize| {
        s.groups.get(i).map_or(TOO_FEW.to_string(), |g| {
            present::mean_sd(&g.delta_vds, 2, Some(present::VDS_DIFF_SCALE))
        })
    };
    let mut rows = vec![
        Heading("Fading (VDS post − 6 m), androgenetic against scarring".into()),
        wide("Androgenetic", fading(1)),
        wide("Scarring", fading(2)),
        Heading("Tests (androgenetic minus scarring)".into()),
        wide(
            "Welch t",
            format!(
                "n = {} vs {}: {}",
                c.welch_t.n1,
                c.welch_t.n2,
                present::t_test_text(&c.welch_t)
            ),
        ),
        wide(
            "Student t (pooled)",
            format!(
                "n = {} vs {}: {}",
                c.student_t.n1,
                c.student_t.n2,
                present::t_test_text(&c.student_t)
            ),
        ),
        wide(
            "Mann–Whitney U",
            format!(
                "n = {} vs {}: {}",
                c.mann_whitney.n1,
                c.mann_whitney.n2,
                present::mann_whitney_text(&c.mann_whitney)
            ),
        ),
        Heading("Effect sizes".into()),
        wide(
            "Hedges' g",
            present::estimate_text(c.hedges_g.as_ref(), "pooled SD, small-sample corrected"),
        ),
        wide(
            "Hodges–Lehmann shift",
            present::estimate_text(
                c.hodges_lehmann.as_ref(),
                "median of pairwise differences, rank interval",
            ),
        ),
        wide(
            "Rank-biserial r",
            present::rank_biserial_text(c.rank_biserial.map(|r| r.estimate)),
        ),
        Heading("VDS at 6 months adjusted for VDS post (OLS)".into()),
        wide(
            "Adjusted difference",
            present::ancova_text(c.ancova_vds_6m.as_ref()),
        ),
        Blank,
        Heading("Notes".into()),
    ];
    rows.extend(notes());
    rows
}

/// The name of a group in a table, short on a narrow window, after `mark` (the chart's
/// pattern or glyph of its subtype: the table is the chart's legend).
fn group_cell(g: &str, wide: bool, mark: impl Fn(Subtype) -> String) -> String {
    let subtype = match g {
        "androgenetic" => Some(Subtype::Androgenetic),
        "scarring" => Some(Subtype::Scarring),
        _ => None,
    };
    let name = match (g, wide) {
        (g, true) => g,
        ("androgenetic", false) => "AGA",
        ("scarring", false) => "scar",
        (g, false) => g,
    };
    match subtype {
        Some(s) => format!("{} {name}", mark(s)),
        None => format!("   {name}"),
    }
}

/// A table's rows laid out in columns as wide as their widest cell, two spaces apart (one
/// when two do not fit `width`). The first row is the header (dim).
fn table(rows: &[Vec<String>], width: usize, theme: &Theme) -> Vec<Line<'static>> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|t| widgets::width(t))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let gap = if widths.iter().sum::<usize>() + 2 * cols.saturating_sub(1) <= width {
        2
    } else {
        1
    };
    rows.iter()
        .enumerate()
        .map(|(i, r)| {
            let text: Vec<String> = r
                .iter()
                .zip(&widths)
                .map(|(t, w)| widgets::pad(t, w + gap))
                .collect();
            let text = text.concat().trim_end().to_string();
            if i == 0 {
                Line::styled(text, theme.dim())
            } else {
                Line::raw(text)
            }
        })
        .collect()
}

/// A touch-up-free share with the number at risk, `82% (17)`; `— (0)` where nobody was
/// followed that long (the curve says nothing there).
fn at_risk_cell(s: Option<f64>, at_risk: usize) -> String {
    match s {
        Some(sv) if at_risk > 0 => format!("{:.0}% ({at_risk})", sv * 100.0),
        _ => format!("— ({at_risk})"),
    }
}

/// The table under the touch-up-free curves: per group the touch-ups, the median time and,
/// at 0, 6, 12 and 24 months, the share touch-up-free with the number still at risk; then the
/// log-rank test.
pub fn touch_up_lines(s: &Summary, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let d = &s.durability;
    let wide = width >= 100;
    let mut head = vec![String::new(), "touch-ups".into(), "median".into()];
    head.push(present::months_label(0));
    head.extend(DURABILITY_DAYS.map(present::months_label));
    let mut rows = vec![head];
    for (name, f) in &d.touch_up_free {
        let mut row = vec![
            group_cell(name, wide, |s| curve_marks(s).0.to_string()),
            f.events.to_string(),
            present::median_time(f.median_days),
            at_risk_cell((f.n > 0).then_some(1.0), f.n),
        ];
        row.extend(f.at.iter().map(|a| at_risk_cell(a.s, a.at_risk)));
        rows.push(row);
    }
    let mut lines = vec![Line::styled(strings::TOUCH_UP_HEADING, theme.header())];
    lines.extend(table(&rows, width as usize, theme));
    let n = |g: &str| d.touch_up_free.get(g).map_or(0, |f| f.n);
    let lr = present::log_rank_text(d.log_rank.as_ref(), n("androgenetic"), n("scarring"));
    let text = format!("{} {lr}", strings::LOG_RANK);
    for part in wrap(&text, width as usize) {
        lines.push(Line::raw(part));
    }
    if widgets::width(strings::AT_RISK_NOTE) <= width as usize {
        lines.push(Line::styled(strings::AT_RISK_NOTE, theme.dim()));
    }
    lines
}

/// Mean ± SD with n of a visit's VDS, `— (n=0)` with no score.
fn visit_cell(d: &Describe) -> String {
    match d.mean {
        None => format!("— (n={})", d.n),
        Some(_) => desc(d),
    }
}

/// The table under the VDS-over-time chart: mean ± SD with n at each visit per group, and
/// each interval under it (marked when it runs outside 0–10).
pub fn vds_time_lines(s: &Summary, width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let d = &s.durability;
    let wide = width >= 100;
    let mut head = vec![String::new()];
    head.extend(VDS_TIMEPOINTS.map(|tp| match tp {
        crate::domain::Timepoint::Post => "post".to_string(),
        crate::domain::Timepoint::Months(m) => format!("{m} m"),
    }));
    let mut rows = vec![head];
    let mut flagged = false;
    for (name, at) in &d.vds_over_time {
        let mut row = vec![group_cell(name, wide, mean_mark)];
        let mut ci = vec![String::new()];
        for a in at {
            row.push(visit_cell(&a.desc));
            let c = ci_cell(&a.desc, present::VDS_SCALE);
            flagged |= c.ends_with(OUTSIDE_MARK);
            ci.push(c);
        }
        rows.push(row);
        rows.push(ci);
    }
    let mut lines = vec![Line::styled(strings::VDS_TIME_HEADING, theme.header())];
    // The interval rows dim, under their means.
    for (i, l) in table(&rows, width as usize, theme).into_iter().enumerate() {
        lines.push(if i > 0 && i % 2 == 0 {
            l.style(theme.dim())
        } else {
            l
        });
    }
    if flagged {
        lines.push(Line::styled(strings::OUTSIDE_NOTE, theme.warn()));
    }
    lines
}

/// Splits `text` into lines of at most `w` columns at spaces (a longer word is cut).
fn wrap(text: &str, w: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if widgets::width(&candidate) <= w || line.is_empty() {
            line = candidate;
        } else {
            out.push(std::mem::replace(&mut line, word.to_string()));
        }
    }
    out.push(line);
    out.into_iter().map(|l| widgets::truncate(&l, w)).collect()
}

/// The figures laid out for a width: a label column and three group columns.
pub fn figure_lines(rows: &[FigureRow], width: u16, theme: &Theme) -> Vec<Line<'static>> {
    let width = width as usize;
    let label_w = if width >= 110 { 26 } else { 23 };
    let cell_w = (width.saturating_sub(label_w) / 3).saturating_sub(1).max(8);
    let mut lines = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        match row {
            FigureRow::Heading(h) => lines.push(Line::styled(h.clone(), theme.header())),
            FigureRow::Blank => lines.push(Line::raw("")),
            FigureRow::Groups { label, cells } => {
                // The first row names the groups: a header.
                let style = if i == 0 { theme.header() } else { theme.base() };
                let mut spans = vec![Span::styled(widgets::pad(label, label_w), theme.dim())];
                for c in cells {
                    spans.push(Span::styled(widgets::pad(c, cell_w), style));
                    spans.push(Span::raw(" "));
                }
                lines.push(Line::from(spans));
            }
            FigureRow::Wide { label, value } => {
                let value_w = width.saturating_sub(label_w).max(10);
                for (j, part) in wrap(value, value_w).into_iter().enumerate() {
                    let l = if j == 0 { label.as_str() } else { "" };
                    lines.push(Line::from(vec![
                        Span::styled(widgets::pad(l, label_w), theme.dim()),
                        Span::raw(part),
                    ]));
                }
            }
        }
    }
    lines
}

/// The page bar: every page's title, the active one marked (reversed and bold, as well as
/// coloured); on a window too narrow for every title the others show their number.
fn page_bar(view: &StatsView, width: u16, theme: &Theme) -> Line<'static> {
    let full: usize = Page::ALL
        .iter()
        .map(|p| widgets::width(p.title()) + 3)
        .sum();
    let short = full > width as usize;
    let mut spans = Vec::new();
    for (i, p) in Page::ALL.into_iter().enumerate() {
        let active = p == view.page;
        let style = if active {
            theme.tab_active()
        } else {
            theme.dim()
        };
        let title = match (short, active) {
            (false, _) => p.title().to_string(),
            (true, true) => format!("{} {}", i + 1, p.title()),
            (true, false) => format!("{}", i + 1),
        };
        spans.push(Span::styled(format!(" {title} "), style));
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}

/// The line under the page bar: who is counted (and who was left out).
fn count_line(view: &StatsView, s: &Summary, theme: &Theme) -> Line<'static> {
    let (aga, scar) = (
        s.groups.get(1).map_or(0, |g| g.n),
        s.groups.get(2).map_or(0, |g| g.n),
    );
    let plural = if s.patients == 1 { "" } else { "s" };
    let mut spans = vec![Span::raw(format!(
        "{} patient{plural}: {aga} androgenetic, {scar} scarring",
        s.patients
    ))];
    let left_out = view.consent().left_out;
    if left_out > 0 {
        spans.push(Span::styled(strings::left_out(left_out), theme.warn()));
    }
    Line::from(spans)
}

fn page_areas(area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(area)
}

/// Draws the page from what `settle` computed; changes nothing.
pub fn draw(frame: &mut Frame, area: Rect, view: &StatsView, theme: &Theme) {
    let [top, gap, body] = page_areas(area);
    let Some((_, summary)) = view.cache.as_ref() else {
        return;
    };
    frame.render_widget(Paragraph::new(page_bar(view, top.width, theme)), top);
    let count = count_line(view, summary, theme);
    let used = count.width() as u16;
    frame.render_widget(Paragraph::new(count), gap);
    if view.page.is_text() {
        let lines = view.lines.as_ref().map_or(&[][..], |(_, l)| &l[..]);
        let more_below = view.scroll + view.visible < view.total;
        let shown: Vec<Line> = lines
            .iter()
            .skip(view.scroll)
            .take(body.height as usize)
            .cloned()
            .collect();
        frame.render_widget(Paragraph::new(shown), body);
        if more_below || view.scroll > 0 {
            let note = strings::lines_shown(
                view.scroll + 1,
                (view.scroll + view.visible).min(view.total),
                view.total,
            );
            let w = widgets::width(&note) as u16;
            if used + 2 + w <= gap.width {
                let at = Rect {
                    x: gap.right().saturating_sub(w),
                    width: w,
                    ..gap
                };
                frame.render_widget(Paragraph::new(Span::styled(note, theme.dim())), at);
            }
        }
    } else if let Some((k, buf)) = view.charts.as_ref()
        && k.area == body
        && k.page == view.page
    {
        let out = frame.buffer_mut();
        for y in body.top()..body.bottom() {
            for x in body.left()..body.right() {
                out[(x, y)] = buf[(x, y)].clone();
            }
        }
    }
}

/// A chart over its table: the table keeps its lines, the chart the rest (at least 8 rows).
fn chart_over_table(
    area: Rect,
    table: Vec<Line<'static>>,
    chart: impl FnOnce(Rect, &mut Buffer),
) -> Buffer {
    let mut buf = Buffer::empty(area);
    let rows = (table.len() as u16).min(area.height.saturating_sub(8));
    let [top, bottom] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(rows)]).areas(area);
    chart(top, &mut buf);
    Paragraph::new(table).render(bottom, &mut buf);
    buf
}

fn chart_block(title: &str, theme: Theme) -> Block<'static> {
    Block::bordered().title(Span::styled(format!(" {title} "), theme.title()))
}

/// The touch-ups page: the touch-up-free curves by subtype over their table and the
/// log-rank test.
fn touch_up_buffer(area: Rect, s: &Summary, theme: Theme) -> Buffer {
    let table = touch_up_lines(s, area.width, &theme);
    chart_over_table(area, table, |at, buf| {
        TouchUpFreeChart::new(&s.durability)
            .theme(theme)
            .block(chart_block(strings::TOUCH_UP_CHART, theme))
            .render(at, buf);
    })
}

/// The VDS-over-time page: means by subtype (and each patient's line) over their table.
fn vds_time_buffer(area: Rect, s: &Summary, theme: Theme) -> Buffer {
    let table = vds_time_lines(s, area.width, &theme);
    chart_over_table(area, table, |at, buf| {
        VdsOverTimeChart::new(&s.durability)
            .theme(theme)
            .block(chart_block(strings::VDS_TIME_CHART, theme))
            .render(at, buf);
    })
}

fn chart_buffer(area: Rect, patients: &[Patient], s: &Summary, theme: Theme) -> Buffer {
    let mut buf = Buffer::empty(area);
    // Three bars with a gap between each, in a border; the point charts keep the rest.
    let bars_h = 7.min(area.height.saturating_sub(10));
    let [top, bottom] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(bars_h)]).areas(area);
    let [left, right] =
        Layout::horizontal([Constraint::Percentage(50), Constraint::Percentage(50)]).areas(top);
    let block =
        |title: &str| Block::bordered().title(Span::styled(format!(" {title} "), theme.title()));
    VdsSlopeChart::new(patients)
        .theme(theme)
        .block(block("VDS post → 6 months, each patient"))
        .render(left, &mut buf);
    VdsPssScatter::new(patients)
        .theme(theme)
        .block(block("VDS against PSS"))
        .render(right, &mut buf);
    FadingBars::new(s)
        .theme(theme)
        .block(block("Fading (VDS post − 6 m), mean by group"))
        .render(bottom, &mut buf);
    // An empty chart would read as "no fading"; say why it is empty instead.
    let scored = s.groups.first().map_or(0, |g| g.vds_post.n);
    if scored == 0 {
        for half in [left, right] {
            let w = widgets::width(TOO_FEW) as u16;
            let mut at = widgets::centered(half, w.min(half.width.saturating_sub(2)), 1);
            at.y = (at.y + 2).min(half.bottom().saturating_sub(3));
            buf.set_stringn(at.x, at.y, TOO_FEW, at.width as usize, theme.warn());
        }
    }
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_figures_say_why() {
        let s = summarize(&[]);
        for rows in [retention_rows(&s), comparison_rows(&s)] {
            let text = format!("{rows:?}");
            assert!(text.contains("too few patients"), "{text}");
            assert!(!text.contains("NaN"));
        }
    }

    #[test]
    fn tab_and_shift_tab_go_round_the_pages() {
        let mut v = StatsView::default();
        let mut seen = vec![v.page];
        for _ in 0..Page::ALL.len() {
            v.update(Action::NextField);
            seen.push(v.page);
        }
        assert_eq!(&seen[..5], &Page::ALL[..]);
        assert_eq!(seen[5], Page::Retention);
        v.update(Action::PrevField);
        assert_eq!(v.page, Page::Charts);
        v.update(Action::PrevField);
        assert_eq!(v.page, Page::VdsOverTime);
    }

    #[test]
    fn the_page_bar_fits_80_columns_and_shortens_below() {
        let v = StatsView::default();
        let t = Theme { color: false };
        let bar = page_bar(&v, 80, &t);
        assert!(bar.width() <= 80, "{}", bar.width());
        for p in Page::ALL {
            assert!(bar.to_string().contains(p.title()), "{bar}");
        }
        let narrow = page_bar(&v, 40, &t);
        assert!(narrow.width() <= 40, "{narrow}");
        assert!(narrow.to_string().contains("1 Retention"), "{narrow}");
    }

    #[test]
    fn intervals_off_the_scale_are_marked_and_equal_values_have_none() {
        let d = crate::stats::describe(&[7.0, 8.0, 9.0]);
        assert_eq!(ci_cell(&d, present::VDS_SCALE), "5.52 to 10.48 *");
        let d = crate::stats::describe(&[8.5, 8.5]);
        assert_eq!(ci_cell(&d, present::VDS_SCALE), "every value equal");
    }

    #[test]
    fn long_text_wraps_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 4), ["abc…"]);
    }
}
