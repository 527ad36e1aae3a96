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
use crate::domain::{Patient, ResearchFilter, SafetyRules, research_cohort};
use crate::protocol::Protocol;
use crate::stats::summary::{
    GroupSummary, MannWhitneyOut, PairedTOut, Share, SignedRankOut, SpearmanOut, WelchOut,
};
use crate::stats::{Describe, Method, Summary, summarize};
use crate::tui::action::Action;
use crate::tui::command::Command;
use crate::tui::keymap as keys;
use crate::tui::strings::cmd;
use crate::tui::strings::stats as strings;
use crate::tui::theme::Theme;
use crate::tui::widgets;
use crate::tui::widgets::stats_charts::{FadingBars, VdsPssScatter, VdsSlopeChart};
use ratatui::Frame;
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

/// What an undefined figure shows when the group is too small for it.
pub const TOO_FEW: &str = "too few patients";
/// What an undefined figure shows when there are patients enough but every value is equal.
pub const NO_VARIATION: &str = "no variation";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Page {
    #[default]
    Figures,
    Charts,
}

impl Page {
    pub const ALL: [Page; 2] = [Page::Figures, Page::Charts];
    pub fn title(self) -> &'static str {
        match self {
            Page::Figures => "Figures",
            Page::Charts => "Charts",
        }
    }
}

#[derive(Debug, Default)]
pub struct StatsView {
    pub page: Page,
    /// First line of the figures page on screen.
    pub scroll: usize,
    /// Lines the figures page showed last time, for PgUp/PgDn and the bottom.
    visible: usize,
    /// Lines the figures page has, at the last width drawn.
    total: usize,
    cache: Option<(u64, Summary)>,
    /// The figures laid out, for (generation, width, theme).
    lines: Option<((u64, u16, Theme), Vec<Line<'static>>)>,
    charts: Option<(ChartKey, Buffer)>,
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

    /// What the last summary left out and kept without a recorded data-use consent.
    pub fn consent(&self) -> ResearchFilter {
        self.consent.0
    }

    pub fn commands(&self) -> Vec<Command> {
        let mut v = vec![
            Command::new(keys::STATS_NEXT, Action::NextField, cmd::NEXT_PAGE).bar(),
            Command::new(keys::STATS_PREV, Action::PrevField, cmd::PREV_PAGE),
        ];
        if self.page == Page::Figures && self.total > self.visible {
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
    /// (the summary when the registry changed, the figures laid out for the width, the
    /// charts), and keeps the scroll in range: drawing then only copies.
    pub fn settle(
        &mut self,
        patients: &[Patient],
        protocol: &Protocol,
        generation: u64,
        area: Rect,
        theme: Theme,
    ) {
        if self.cache.as_ref().is_none_or(|(g, _)| *g != generation) {
            self.summary(patients, generation, &protocol.safety_rules());
        }
        let [_, _, body] = page_areas(area);
        match self.page {
            Page::Figures => {
                let key = (generation, body.width, theme);
                if self.lines.as_ref().is_none_or(|(k, _)| *k != key)
                    && let Some((_, summary)) = self.cache.as_ref()
                {
                    let mut rows = figure_rows(summary);
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
            }
            Page::Charts => {
                let key = ChartKey {
                    generation,
                    area: body,
                    theme,
                };
                if !self.charts.as_ref().is_some_and(|(k, _)| *k == key)
                    && let Some((_, summary)) = self.cache.as_ref()
                {
                    // The patients the summary admitted (the registry's list when none was
                    // left out).
                    let shown = self.consent.1.as_deref().unwrap_or(patients);
                    self.charts = Some((key, chart_buffer(body, shown, summary, theme)));
                }
            }
        }
    }

    pub fn update(&mut self, action: Action) {
        let page = self.visible.max(1);
        let bottom = self.total.saturating_sub(self.visible);
        match action {
            Action::NextField | Action::PrevField => {
                self.page = match self.page {
                    Page::Figures => Page::Charts,
                    Page::Charts => Page::Figures,
                }
            }
            Action::Up => self.scroll = self.scroll.saturating_sub(1),
            Action::Down => self.scroll = (self.scroll + 1).min(bottom),
            Action::PageUp => self.scroll = self.scroll.saturating_sub(page),
            Action::PageDown => self.scroll = (self.scroll + page).min(bottom),
            Action::First => self.scroll = 0,
            Action::Last => self.scroll = bottom,
            _ => {}
        }
    }
}

/// A method in a few letters, for table cells; [`legend`] spells each one out.
pub fn short_method(m: Method) -> &'static str {
    match m {
        Method::TApproximation => "t approx",
        Method::TDistribution => "t dist",
        Method::WelchSatterthwaite => "Welch",
        Method::Exact => "exact",
        Method::ExactPermutation => "permut.",
        Method::NormalTieContinuity => "normal+cc",
        Method::NormalTie => "normal",
    }
}

const ALL_METHODS: [Method; 7] = [
    Method::TDistribution,
    Method::TApproximation,
    Method::WelchSatterthwaite,
    Method::Exact,
    Method::ExactPermutation,
    Method::NormalTie,
    Method::NormalTieContinuity,
];

/// A p-value as a reader quotes it: four decimals, or `<0.0001`.
pub fn fmt_p(p: f64) -> String {
    if p < 0.0001 {
        "p<0.0001".to_string()
    } else {
        format!("p={p:.4}")
    }
}

fn p_cell(p: Option<f64>, method: Option<Method>) -> String {
    match (p, method) {
        (Some(p), Some(m)) => format!("{} {}", fmt_p(p), short_method(m)),
        (Some(p), None) => fmt_p(p),
        _ => "—".to_string(),
    }
}

/// Mean ± SD with n (two decimals); a single value has no SD.
fn desc(d: &Describe) -> String {
    match (d.mean, d.sd) {
        (None, _) => TOO_FEW.to_string(),
        (Some(m), None) => format!("{m:.2} n={}", d.n),
        (Some(m), Some(sd)) => format!("{m:.2} ± {sd:.2} n={}", d.n),
    }
}

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

/// Why a test that needs `need` values has no result for `n` of them.
fn undefined(n: usize, need: usize) -> String {
    if n < need {
        TOO_FEW.to_string()
    } else {
        format!("{NO_VARIATION} n={n}")
    }
}

fn paired_t(t: &PairedTOut) -> [String; 2] {
    match (t.t, t.df) {
        (Some(tv), Some(df)) => [
            format!("t={tv:.2} df={df} n={}", t.n),
            p_cell(t.p, t.method),
        ],
        _ => [undefined(t.n, 2), "—".into()],
    }
}

fn spearman(s: &SpearmanOut) -> [String; 3] {
    match s.rho {
        Some(rho) => [
            format!("ρ={rho:.2} n={}", s.n),
            p_cell(s.p, s.method),
            match s.p_exact {
                Some(p) => fmt_p(p),
                None => format!("only n≤{}", crate::stats::SPEARMAN_EXACT_MAX_N),
            },
        ],
        None => [undefined(s.n, 3), "—".into(), "—".into()],
    }
}

fn wilcoxon(w: &SignedRankOut) -> [String; 3] {
    match w.w {
        Some(stat) => [
            format!("W={stat:.1} n={}", w.n_nonzero.unwrap_or(w.n)),
            p_cell(w.p, w.method),
            w.p_exact.map_or_else(|| "too costly".into(), fmt_p),
        ],
        None if w.n == 0 => [TOO_FEW.into(), "—".into(), "—".into()],
        None => [format!("no change n={}", w.n), "—".into(), "—".into()],
    }
}

fn method_long(m: Option<Method>) -> String {
    m.map(|m| format!(" ({})", m.label())).unwrap_or_default()
}

fn welch(w: &WelchOut) -> String {
    let n = format!("n={} vs {}", w.n1, w.n2);
    match (w.t, w.df, w.p) {
        (Some(t), Some(df), Some(p)) => format!(
            "t={t:.2} df={df:.2} {}{}, {n}",
            fmt_p(p),
            method_long(w.method)
        ),
        _ if w.n1 < 2 || w.n2 < 2 => format!("{TOO_FEW} ({n}; needs 2 in each)"),
        _ => format!("{NO_VARIATION} ({n})"),
    }
}

fn mann_whitney(m: &MannWhitneyOut) -> String {
    let n = format!("n={} vs {}", m.n1, m.n2);
    match (m.u, m.p) {
        (Some(u), Some(p)) => {
            let exact = m
                .p_exact
                .map(|e| format!("; exact permutation {}", fmt_p(e)))
                .unwrap_or_default();
            format!("U={u:.1} {}{}{exact}, {n}", fmt_p(p), method_long(m.method))
        }
        _ if m.n1 == 0 || m.n2 == 0 => format!("{TOO_FEW} ({n}; needs 1 in each)"),
        _ => format!("{NO_VARIATION} ({n})"),
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

/// Every figure of the summary, in reading order.
pub fn figure_rows(s: &Summary) -> Vec<FigureRow> {
    use FigureRow::{Blank, Heading, Wide};
    let mut rows = vec![
        groups("", s, |g| g.group.to_string()),
        groups("Patients", s, |g| format!("n={}", g.n)),
        Heading("Scores (mean ± SD)".into()),
        groups("VDS post", s, |g| desc(&g.vds_post)),
        groups("VDS 6 months", s, |g| desc(&g.vds_6m)),
        groups("Fading (post − 6 m)", s, |g| desc(&g.delta_vds)),
        groups("Retention (6 m / post)", s, |g| desc_pct(&g.retention)),
        groups("PSS post", s, |g| desc(&g.pss_post)),
        groups("PSS 6 months", s, |g| desc(&g.pss_6m)),
        groups("Very satisfied at 6 m", s, |g| share(&g.very_satisfied_6m)),
        Heading("VDS post against 6 months".into()),
        groups("Paired t", s, |g| paired_t(&g.paired_t_vds)[0].clone()),
        groups("  p", s, |g| paired_t(&g.paired_t_vds)[1].clone()),
        groups("Wilcoxon signed-rank", s, |g| {
            wilcoxon(&g.wilcoxon_vds)[0].clone()
        }),
        groups("  p", s, |g| wilcoxon(&g.wilcoxon_vds)[1].clone()),
        groups("  p, exact permutation", s, |g| {
            wilcoxon(&g.wilcoxon_vds)[2].clone()
        }),
    ];
    for (label, pick) in [
        (
            "Spearman VDS~PSS post",
            (|g: &GroupSummary| g.spearman_vds_pss_post) as fn(&GroupSummary) -> SpearmanOut,
        ),
        ("Spearman VDS~PSS 6 m", |g: &GroupSummary| {
            g.spearman_vds_pss_6m
        }),
    ] {
        rows.push(groups(label, s, |g| spearman(&pick(g))[0].clone()));
        rows.push(groups("  p", s, |g| spearman(&pick(g))[1].clone()));
        rows.push(groups("  p, exact permutation", s, |g| {
            spearman(&pick(g))[2].clone()
        }));
    }
    rows.push(Heading("Follow-up and safety".into()));
    rows.push(groups("Lost to follow-up", s, |g| {
        share(&g.lost_to_follow_up)
    }));
    rows.push(groups("Adverse events", s, |g| {
        share(&g.adverse_events.patients_with_any)
    }));
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
    let c = &s.subtype_comparison_delta_vds;
    rows.extend([
        Heading("Fading, androgenetic against scarring".into()),
        Wide {
            label: "Welch t".into(),
            value: welch(&c.welch_t),
        },
        Wide {
            label: "Student t (pooled)".into(),
            value: welch(&c.student_t),
        },
        Wide {
            label: "Mann–Whitney U".into(),
            value: mann_whitney(&c.mann_whitney),
        },
        Blank,
        Heading("Notes".into()),
        Wide {
            label: String::new(),
            value: "VDS 0–10 and PSS 0–3; SD is the sample SD (n − 1); fading and the tests \
                    use patients scored at both visits; every p is two-sided."
                .into(),
        },
    ]);
    for m in ALL_METHODS {
        rows.push(Wide {
            label: format!("  {}", short_method(m)),
            value: m.label().to_string(),
        });
    }
    rows
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

fn page_bar(view: &StatsView, s: &Summary, theme: &Theme) -> Line<'static> {
    let (aga, scar) = (
        s.groups.get(1).map_or(0, |g| g.n),
        s.groups.get(2).map_or(0, |g| g.n),
    );
    let mut spans = vec![Span::styled("Statistics ", theme.header())];
    for p in Page::ALL {
        let style = if p == view.page {
            theme.tab_active()
        } else {
            theme.dim()
        };
        spans.push(Span::styled(format!(" {} ", p.title()), style));
        spans.push(Span::raw(" "));
    }
    let plural = if s.patients == 1 { "" } else { "s" };
    spans.push(Span::raw(format!(
        " {} patient{plural}: {aga} androgenetic, {scar} scarring",
        s.patients
    )));
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
    frame.render_widget(Paragraph::new(page_bar(view, summary, theme)), top);
    match view.page {
        Page::Figures => {
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
                let note = crate::tui::strings::stats::lines_shown(
                    view.scroll + 1,
                    (view.scroll + view.visible).min(view.total),
                    view.total,
                );
                let w = widgets::width(&note) as u16;
                let at = Rect {
                    x: gap.right().saturating_sub(w),
                    width: w.min(gap.width),
                    ..gap
                };
                frame.render_widget(Paragraph::new(Span::styled(note, theme.dim())), at);
            }
        }
        Page::Charts => {
            if let Some((k, buf)) = view.charts.as_ref()
                && k.area == body
            {
                let out = frame.buffer_mut();
                for y in body.top()..body.bottom() {
                    for x in body.left()..body.right() {
                        out[(x, y)] = buf[(x, y)].clone();
                    }
                }
            }
        }
    }
}

/// What the charts buffer was drawn for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct ChartKey {
    generation: u64,
    area: Rect,
    theme: Theme,
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
        let rows = figure_rows(&s);
        let text = format!("{rows:?}");
        assert!(text.contains(TOO_FEW));
        assert!(!text.contains("NaN"));
        assert_eq!(undefined(5, 3), "no variation n=5");
        assert_eq!(undefined(2, 3), TOO_FEW);
    }

    #[test]
    fn p_values_print_four_decimals_or_a_floor() {
        assert_eq!(fmt_p(0.0123456), "p=0.0123");
        assert_eq!(fmt_p(0.00001), "p<0.0001");
        assert_eq!(
            p_cell(Some(0.5), Some(Method::NormalTieContinuity)),
            "p=0.5000 normal+cc"
        );
    }

    #[test]
    fn long_text_wraps_at_spaces() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 4), ["abc…"]);
    }
}
