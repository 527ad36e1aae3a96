//! The case-series report, following the PROCESS / CARE items for case series.

use super::{ReportContext, num, pct};
use crate::domain::gate::findings;
use crate::domain::{Classification, Patient, ResearchFilter, SafetyRules, Subtype, Timepoint};
use crate::export::doc::Doc;
use crate::stats;
use crate::stats::present;
use chrono::NaiveDate;
use std::collections::{BTreeMap, BTreeSet};

/// The case-series report over the whole registry (or a de-identified export of it).
pub fn case_series(patients: &[Patient], ctx: &ReportContext) -> Doc {
    let mut c = CaseSeries::new(ctx);
    for p in patients {
        c.push(p);
    }
    c.finish()
}

/// What the report keeps of one group of patients (all, androgenetic, scarring).
#[derive(Debug, Default)]
struct Group {
    n: usize,
    ages: Vec<f64>,
    sex: BTreeMap<&'static str, usize>,
    fitzpatrick: BTreeMap<&'static str, usize>,
    classification: BTreeMap<String, usize>,
    zones: Vec<f64>,
    area: Vec<f64>,
    treated: usize,
    scored_post: usize,
    scored_6m: usize,
    window_open: usize,
}

impl Group {
    fn push(&mut self, p: &Patient, ctx: &ReportContext) {
        self.n += 1;
        if let Some(a) = crate::export::deidentify::age_at_session1(p) {
            self.ages.push(f64::from(a));
        }
        *self
            .sex
            .entry(p.sex.map(|s| s.code()).unwrap_or("not recorded"))
            .or_insert(0) += 1;
        *self
            .fitzpatrick
            .entry(p.fitzpatrick.map(|f| f.roman()).unwrap_or("not recorded"))
            .or_insert(0) += 1;
        let c = match &p.alopecia.classification {
            Some(Classification::Other(_)) => "other (typed by hand)".to_string(),
            Some(c) => c.to_string(),
            None => "not recorded".into(),
        };
        *self.classification.entry(c).or_insert(0) += 1;
        self.zones.push(p.zones.len() as f64);
        if let Some(pl) = &p.plan {
            self.area.push(pl.zones.iter().map(|z| z.area_cm2).sum());
        }
        self.treated += usize::from(p.sessions_done() > 0);
        self.scored_post += usize::from(scored(p, Timepoint::Post));
        self.scored_6m += usize::from(scored(p, Timepoint::M6));
        self.window_open += usize::from(crate::protocol::schedule::awaiting_6m(
            p,
            ctx.protocol,
            ctx.today,
        ));
    }
}

/// The case-series report built one whole record at a time: each patient leaves only counts,
/// a few numbers per patient and the statistics' row, so a registry of any size is reported
/// without holding its records.
pub struct CaseSeries<'a> {
    ctx: &'a ReportContext<'a>,
    /// all, androgenetic, scarring.
    groups: [Group; 3],
    first: Option<NaiveDate>,
    last: Option<NaiveDate>,
    operators: BTreeSet<String>,
    sessions_done: BTreeMap<usize, usize>,
    intervals: Vec<f64>,
    needles: BTreeMap<String, usize>,
    zone_sessions: usize,
    bleeding: usize,
    bleeding_known: usize,
    with_any_event: usize,
    /// type label → (events, patients, resolved, severe)
    by_kind: BTreeMap<&'static str, (usize, usize, usize, usize)>,
    stats: stats::Summarizer,
    unreadable: usize,
    /// A research output: refusals of data use are left out, and counted.
    consent: ResearchFilter,
    /// The protocol's part of the gates, for the record-safety counts.
    rules: SafetyRules,
    /// Per finding heading, the patients it counts.
    findings: BTreeMap<&'static str, usize>,
}

impl<'a> CaseSeries<'a> {
    /// Patient files that could not be read (known once the stream has ended); the report
    /// says so. Starts as the context's.
    pub fn set_unreadable(&mut self, n: usize) {
        self.unreadable = n;
    }

    pub fn new(ctx: &'a ReportContext<'a>) -> Self {
        CaseSeries {
            ctx,
            groups: Default::default(),
            first: None,
            last: None,
            operators: BTreeSet::new(),
            sessions_done: BTreeMap::new(),
            intervals: Vec::new(),
            needles: BTreeMap::new(),
            zone_sessions: 0,
            bleeding: 0,
            bleeding_known: 0,
            with_any_event: 0,
            by_kind: BTreeMap::new(),
            stats: stats::Summarizer::default(),
            unreadable: ctx.unreadable,
            consent: ResearchFilter::default(),
            rules: ctx.protocol.safety_rules(),
            findings: BTreeMap::new(),
        }
    }

    /// Takes one patient in, unless their data-use consent is refused or withdrawn (then
    /// only counted: the report says how many were left out).
    pub fn push(&mut self, p: &Patient) {
        if !self.consent.admit(p) {
            return;
        }
        let mut seen = BTreeSet::new();
        for f in findings(p, &self.rules) {
            if seen.insert(f.heading()) {
                *self.findings.entry(f.heading()).or_insert(0) += 1;
            }
        }
        let ctx = self.ctx;
        self.groups[0].push(p, ctx);
        let g = match p.subtype() {
            Subtype::Androgenetic => 1,
            Subtype::Scarring => 2,
        };
        self.groups[g].push(p, ctx);
        self.first = self.first.into_iter().chain(p.session_date(1)).min();
        self.last = self.last.into_iter().chain(p.last_session_date()).max();
        for s in &p.sessions {
            if let Some(o) = &s.operator
                && !self.operators.contains(o)
            {
                self.operators.insert(o.clone());
            }
        }
        *self.sessions_done.entry(p.sessions_done()).or_insert(0) += 1;
        let mut dates: Vec<NaiveDate> = p.sessions.iter().map(|s| s.date).collect();
        dates.sort();
        self.intervals
            .extend(dates.windows(2).map(|w| (w[1] - w[0]).num_days() as f64));
        for s in &p.sessions {
            for z in &s.zones {
                self.zone_sessions += 1;
                if let Some(n) = &z.needle {
                    *self.needles.entry(n.clone()).or_insert(0) += 1;
                }
                if let Some(b) = z.bleeding {
                    self.bleeding_known += 1;
                    self.bleeding += usize::from(b);
                }
            }
        }
        self.with_any_event += usize::from(!p.adverse_events.is_empty());
        let mut seen = BTreeSet::new();
        for a in &p.adverse_events {
            let e = self.by_kind.entry(a.kind.label()).or_default();
            e.0 += 1;
            if seen.insert(a.kind) {
                e.1 += 1;
            }
            if a.resolved == Some(true) {
                e.2 += 1;
            }
            if a.severity == Some(crate::domain::Severity::Severe) {
                e.3 += 1;
            }
        }
        self.stats.push(p);
    }

    pub fn finish(self) -> Doc {
        let ctx = self.ctx;
        let n = self.groups[0].n;
        let mut d = Doc::new("Scalp micropigmentation: case-series report");
        d.para(format!(
            "{n} patients in the registry as of {}. Every figure is computed from the patient-level \
             records, with n beside it; p-values are two-sided, with the test and method named.",
            ctx.today
        ));
        d.para(format!(
            "Data-use consent: {n} of the registry's {} patients; {}.",
            n + self.consent.left_out,
            self.consent.sentence()
        ));
        if self.unreadable > 0 {
            d.para(format!(
                "Warning: {} patient file(s) of the registry could not be read and are not counted \
                 here; run `smplan check`.",
                self.unreadable
            ));
        }
        self.methods(&mut d);
        self.cohort(&mut d);
        self.protocol(&mut d);
        let sum = self.stats.clone().finish();
        outcomes(&mut d, &sum);
        durability(&mut d, &sum);
        self.series_adverse(&mut d);
        self.loss_to_follow_up(&mut d, &sum);
        self.record_safety(&mut d);
        d
    }

    /// What the records say of their own safety: patients treated without a screen or a
    /// consent on record as of the session (historical imports), follow-ups before the
    /// course ended.
    fn record_safety(&self, d: &mut Doc) {
        d.h2("Screen, consent and course on record");
        let n = self.groups[0].n;
        let line = |heading: &str| {
            let k = self.findings.get(heading).copied().unwrap_or(0);
            format!("{}: {k} of {n} patients", capitalise(heading))
        };
        d.list(vec![
            line("treated without a recorded screen"),
            line("treated without a recorded consent"),
            line("post score before the course ended"),
        ]);
        d.note(
            "A session counts when the health screen (complete, dated on or before it, not \
             deferring, a needed clearance recorded) or the consent to treatment (given and dated \
             on or before it) on record does not cover it: usually historical data imported \
             without them. `smplan check` names the records.",
        );
    }

    /// PROCESS items the registry can speak to (setting, selection, operators, outcome
    /// measures, statistics); what it cannot know is said so, for the author to complete.
    fn methods(&self, d: &mut Doc) {
        d.h2("Methods");
        let period = match (self.first, self.last) {
            (Some(a), Some(b)) => format!("first session {a}, last session {b}"),
            _ => "no session recorded".into(),
        };
        d.list(vec![
            format!(
                "Design: retrospective case series of every patient in the registry (n = {}); \
                 whether enrolment was consecutive is not recorded and must be stated by the author.",
                self.groups[0].n
            ),
            format!("Period: {period}."),
            format!(
                "Operators: {} distinct operator(s) recorded (names are not printed).",
                self.operators.len()
            ),
            "Outcome measures: Visual Density Score (VDS, clinician-rated 0–10, one decimal) and \
             Patient Satisfaction Score (PSS, 0 not satisfied to 3 very satisfied), immediately \
             after the last session and at six months; fading ΔVDS = VDS post − VDS 6 m; \
             retention = VDS 6 m / VDS post."
                .into(),
            format!(
                "Statistics: smplan {}; mean ± sample SD; paired t and Wilcoxon signed-rank tests \
                 for VDS post vs 6 months; Spearman ρ between VDS and PSS; Welch t and \
                 Mann–Whitney U for fading by subtype, with the mean difference, Hedges' g, the \
                 Hodges–Lehmann shift and the 6-month VDS adjusted for VDS post (OLS); all \
                 two-sided; at n ≤ 10 the exact p (every permutation enumerated) comes first and \
                 the approximation beside it; durability as Kaplan–Meier touch-up-free time and \
                 the log-rank test.",
                env!("CARGO_PKG_VERSION")
            ),
        ]);
    }

    fn cohort(&self, d: &mut Doc) {
        d.h2("Cohort characteristics");
        let mut rows: Vec<Vec<String>> = Vec::new();
        let mut add = |label: &str, f: &dyn Fn(&Group) -> String| {
            let mut r = vec![label.to_string()];
            r.extend(self.groups.iter().map(f));
            rows.push(r);
        };
        add("patients", &|g| g.n.to_string());
        add("age at session 1, years", &|g| summary(&g.ages));
        add("sex", &|g| count_line(g.sex.clone(), g.n));
        add("Fitzpatrick type", &|g| {
            count_line(g.fitzpatrick.clone(), g.n)
        });
        add("classification", &|g| {
            count_line(g.classification.clone(), g.n)
        });
        add("zones treated per patient", &|g| summary(&g.zones));
        add("treated area, cm²", &|g| summary(&g.area));
        d.table(&["", "all", "androgenetic", "scarring"], &[], rows);
        d.note("Mean ± sample SD (range), n = patients with the value recorded; counts as k/n.");
    }

    fn protocol(&self, d: &mut Doc) {
        protocol_as_planned(d, self.ctx);
        d.h3("As performed");
        let n = self.groups[0].n;
        d.list(vec![
            format!(
                "Sessions performed per patient: {}",
                count_line(
                    self.sessions_done
                        .iter()
                        .map(|(k, v)| (format!("{k} sessions"), *v))
                        .collect(),
                    n
                )
            ),
            format!(
                "Days between consecutive sessions: {}",
                summary(&self.intervals)
            ),
            format!(
                "Needles used (zone-sessions): {}",
                count_line(self.needles.clone(), self.zone_sessions)
            ),
            format!(
                "Bleeding observed (zero-bleeding rule broken): {} of {} zone-sessions with the check recorded ({})",
                self.bleeding,
                self.bleeding_known,
                pct(self.bleeding, self.bleeding_known)
            ),
        ]);
    }

    fn series_adverse(&self, d: &mut Doc) {
        d.h2("Adverse events");
        let n = self.groups[0].n;
        let with_any = self.with_any_event;
        d.para(format!(
            "Patients with any adverse event: {with_any} of {n} ({}).",
            pct(with_any, n)
        ));
        if self.by_kind.is_empty() {
            return;
        }
        let rows = self
            .by_kind
            .iter()
            .map(|(k, (events, pats, resolved, severe))| {
                vec![
                    k.to_string(),
                    events.to_string(),
                    format!("{pats} ({})", pct(*pats, n)),
                    resolved.to_string(),
                    severe.to_string(),
                ]
            })
            .collect();
        d.table(
            &["type", "events", "patients", "resolved", "severe"],
            &["events", "patients", "resolved", "severe"],
            rows,
        );
    }

    fn loss_to_follow_up(&self, d: &mut Doc, sum: &stats::Summary) {
        d.h2("Follow-up and loss to follow-up");
        // The six-month window's last day, from the protocol (default 182 + 14 days).
        let m6_window_end = self
            .ctx
            .protocol
            .schedule
            .follow_ups
            .iter()
            .find(|f| f.timepoint == Timepoint::M6)
            .map(|f| i64::from(f.days_after_last_session + f.window_after_days))
            .unwrap_or(182 + 14);
        let mut rows = Vec::new();
        let labels = ["all", "androgenetic", "scarring"];
        for ((label, g), gs) in labels.into_iter().zip(&self.groups).zip(&sum.groups) {
            let lost = &gs.lost_to_follow_up;
            rows.push(vec![
                label.to_string(),
                g.n.to_string(),
                g.treated.to_string(),
                g.scored_post.to_string(),
                g.scored_6m.to_string(),
                format!("{} ({})", lost.count, pct(lost.count, lost.of)),
                g.window_open.to_string(),
            ]);
        }
        let cols = [
            "patients",
            "treated",
            "scored post",
            "scored 6 m",
            "no 6 m score",
            "of which window still open",
        ];
        let header: Vec<&str> = std::iter::once("group").chain(cols).collect();
        d.table(&header, &cols, rows);
        d.note(format!(
            "Lost to follow-up: scored (VDS or PSS) after the last session but not at six months, as \
             a share of those scored post. A patient whose six-month window ({m6_window_end} days \
             after the last session) has not closed yet is counted but may still come."
        ));
    }
}

/// Mean ± SD (range) of whole numbers, with n.
fn summary(v: &[f64]) -> String {
    if v.is_empty() {
        return "n = 0".into();
    }
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    let min = v.iter().copied().fold(f64::INFINITY, f64::min);
    let max = v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sd = if v.len() > 1 {
        let ss: f64 = v.iter().map(|x| (x - mean).powi(2)).sum();
        format!(" ± {:.1}", (ss / (n - 1.0)).sqrt())
    } else {
        String::new()
    };
    format!("{mean:.1}{sd} ({}–{}), n = {}", num(min), num(max), v.len())
}

fn count_line<K: Ord + std::fmt::Display>(counts: BTreeMap<K, usize>, of: usize) -> String {
    if counts.is_empty() {
        return "—".into();
    }
    counts
        .into_iter()
        .map(|(k, c)| format!("{k} {c}/{of}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The protocol section's first half: the clinic protocol as planned.
fn protocol_as_planned(d: &mut Doc, ctx: &ReportContext) {
    d.h2("Protocol");
    let pr = ctx.protocol;
    d.h3(format!("As planned ({})", pr.name));
    let fractions: Vec<String> = pr
        .density
        .session_fractions
        .iter()
        .map(|f| format!("{:.0}%", f * 100.0))
        .collect();
    let follow_ups: Vec<String> = pr
        .schedule
        .follow_ups
        .iter()
        .map(|f| {
            format!(
                "{}: {} days after the last session (window −{}/+{} days)",
                f.timepoint.label(),
                f.days_after_last_session,
                f.window_before_days,
                f.window_after_days
            )
        })
        .collect();
    let shades: Vec<String> = pr
        .shades
        .steps
        .iter()
        .map(|s| format!("{} {}", s.code, s.label))
        .collect();
    d.list(vec![
        format!(
            "{} sessions, {} days apart; density built up to {} of the target",
            fractions.len(),
            pr.schedule.session_interval_days,
            fractions.join(" → ")
        ),
        format!(
            "Target density (100%): {} FU/cm², scar tissue {} FU/cm²",
            num(pr.density.target_fu_per_cm2),
            num(pr.density.scar_target_fu_per_cm2)
        ),
        format!("Follow-up: {}", follow_ups.join("; ")),
        format!("Pigment shade steps: {}", shades.join(", ")),
        "Dots placed at random, not in a grid; zones with thicker residual hair first; \
         depth held at the epidermal–upper dermal junction (bleeding means too deep)"
            .to_string(),
    ]);
    let needle = |map: &BTreeMap<String, String>, zone: &str| {
        map.get(zone)
            .map(|code| match pr.needle(code) {
                Some(n) => format!("{code} ({})", n.describe()),
                None => code.clone(),
            })
            .unwrap_or_else(|| "—".into())
    };
    let rows = pr
        .zones
        .items
        .iter()
        .map(|z| {
            let depth = if z.scar {
                pr.depth.scar_tissue
            } else {
                pr.depth
                    .zones
                    .get(&z.id)
                    .copied()
                    .unwrap_or(pr.depth.scar_tissue)
            };
            vec![
                z.name.clone(),
                num(z.default_area_cm2),
                needle(&pr.needle_by_zone.androgenetic, &z.id),
                needle(&pr.needle_by_zone.scarring, &z.id),
                format!("{}–{}", num(depth[0]), num(depth[1])),
            ]
        })
        .collect();
    d.table(
        &[
            "zone",
            "default area cm²",
            "needle, androgenetic",
            "needle, scarring",
            "depth mm",
        ],
        &["default area cm²"],
        rows,
    );
    d.note(
        "Protocol values are the clinic's defaults, not clinical guidelines; each patient's \
         plan may override them, and the plan records which values were set by hand.",
    );
}

/// One row of the tests table, and a second with the other p-value where there is one.
#[derive(Debug, Clone)]
struct TestLine<'a> {
    group: &'a str,
    comparison: &'a str,
    test: &'a str,
    n: String,
    statistic: String,
}

impl<'a> TestLine<'a> {
    fn new(group: &'a str, comparison: &'a str, test: &'a str, n: String) -> Self {
        TestLine {
            group,
            comparison,
            test,
            n,
            statistic: String::new(),
        }
    }
    fn statistic(self, s: Option<String>) -> Self {
        TestLine {
            statistic: s.unwrap_or_else(|| "—".into()),
            ..self
        }
    }
    /// The test's rows in reading order ([`present::order`]): at small n the exact p first,
    /// the approximation on the row under it; the smallest p the test can reach beside the
    /// first when it is above 0.05.
    fn p(self, t: &impl present::PValues) -> Vec<Vec<String>> {
        let row = |statistic: String, p: String, m: String| {
            vec![
                self.group.to_string(),
                self.comparison.to_string(),
                self.test.to_string(),
                self.n.clone(),
                statistic,
                p,
                m,
            ]
        };
        let Some(ps) = t.ps() else {
            return vec![row(self.statistic.clone(), "—".into(), String::new())];
        };
        let (p, m) = ps.primary;
        let floor = ps
            .floor
            .map(|f| format!("; {}", present::floor_text(ps.n, f)))
            .unwrap_or_default();
        let mut out = vec![row(
            self.statistic.clone(),
            present::p_is(p),
            format!("{m}, two-sided{floor}"),
        )];
        if let Some((p2, m2)) = ps.secondary {
            out.push(row(
                String::new(),
                present::p_is(p2),
                format!("{m2}, two-sided"),
            ));
        }
        out
    }
}

fn outcomes(d: &mut Doc, sum: &stats::Summary) {
    d.h2("Outcomes");
    let g = &sum.groups;
    let row = |label: &str, f: &dyn Fn(&stats::summary::GroupSummary) -> String| {
        let mut r = vec![label.to_string()];
        r.extend(g.iter().map(f));
        r
    };
    let retention = |x: &stats::Describe| match (x.mean, x.sd) {
        (Some(m), Some(sd)) => format!("{:.0}% ± {:.0} (n = {})", m * 100.0, sd * 100.0, x.n),
        (Some(m), None) => format!("{:.0}% (n = {})", m * 100.0, x.n),
        _ => format!("— (n = {})", x.n),
    };
    let share = |s: &stats::summary::Share| match (s.pct, s.ci95) {
        (Some(p), Some(ci)) => format!(
            "{}/{} ({p:.1}%, 95% CI {:.1} to {:.1}%)",
            s.count, s.of, ci.low, ci.high
        ),
        (Some(p), None) => format!("{}/{} ({p:.1}%)", s.count, s.of),
        _ => format!("{}/{}", s.count, s.of),
    };
    let vds = Some(present::VDS_SCALE);
    let rows = vec![
        row("patients", &|x| x.n.to_string()),
        row("VDS post (0–10)", &|x| {
            present::mean_sd(&x.vds_post, 1, vds)
        }),
        row("VDS 6 months", &|x| present::mean_sd(&x.vds_6m, 1, vds)),
        row("fading ΔVDS (post − 6 m)", &|x| {
            present::mean_sd(&x.delta_vds, 2, Some(present::VDS_DIFF_SCALE))
        }),
        row("retention (VDS 6 m / post)", &|x| retention(&x.retention)),
        row("PSS post (patients at 0, 1, 2, 3)", &|x| {
            present::pss_levels(&x.pss_post)
        }),
        row("PSS 6 months", &|x| present::pss_levels(&x.pss_6m)),
        row("very satisfied at 6 m (PSS 3)", &|x| {
            share(&x.very_satisfied_6m)
        }),
    ];
    let header: Vec<&str> = std::iter::once("")
        .chain(g.iter().map(|x| x.group))
        .collect();
    d.table(&header, &[], rows);
    d.note(
        "VDS: mean ± sample SD (n − 1) with the t interval of the mean; an interval that runs \
         outside the scale is flagged (read it with care: at small n the t interval ignores \
         the scale's end). PSS is ordinal: the count of patients at each level and the median \
         (a mean ± t interval of four levels runs off the scale). Shares: Wilson interval. \
         n = patients with the value (for ΔVDS and retention, with both scores).",
    );

    d.h3("Tests");
    let mut rows = Vec::new();
    for x in &sum.groups {
        let t = &x.paired_t_vds;
        let line = TestLine::new(x.group, "VDS post vs 6 m", "paired t", t.n.to_string());
        rows.extend(
            line.clone()
                .statistic(t.t.zip(t.df).map(|(v, df)| format!("t({df}) = {v:.2}")))
                .p(t),
        );
        let w = &x.wilcoxon_vds;
        rows.extend(
            TestLine {
                test: "Wilcoxon signed-rank",
                n: w.n_nonzero.unwrap_or(w.n).to_string(),
                ..line
            }
            .statistic(w.w.map(|v| format!("W = {}", num(v))))
            .p(w),
        );
        for (label, s) in [
            ("VDS vs PSS, post", &x.spearman_vds_pss_post),
            ("VDS vs PSS, 6 m", &x.spearman_vds_pss_6m),
        ] {
            rows.extend(
                TestLine::new(x.group, label, "Spearman ρ", s.n.to_string())
                    .statistic(s.rho.map(|r| format!("ρ = {r:.2}")))
                    .p(s),
            );
        }
    }
    let c = &sum.subtype_comparison_delta_vds;
    let n12 = format!("{} + {}", c.welch_t.n1, c.welch_t.n2);
    let w = &c.welch_t;
    rows.extend(
        TestLine::new(
            "androgenetic vs scarring",
            "fading ΔVDS",
            "Welch t",
            n12.clone(),
        )
        .statistic(w.t.zip(w.df).map(|(t, df)| format!("t({df:.1}) = {t:.2}")))
        .p(w),
    );
    let mw = &c.mann_whitney;
    rows.extend(
        TestLine::new(
            "androgenetic vs scarring",
            "fading ΔVDS",
            "Mann–Whitney U",
            n12,
        )
        .statistic(mw.u.map(|u| format!("U = {}", num(u))))
        .p(mw),
    );
    d.table(
        &[
            "group",
            "comparison",
            "test",
            "n",
            "statistic",
            "p",
            "method",
        ],
        &["n"],
        rows,
    );
    d.note(format!(
        "{} The t approximation of Spearman's p understates it at small n. A dash means too \
         few patients or no variation.",
        present::rules_note()
    ));
    effect_sizes(d, c);
}

/// The size of the subtype difference in fading, with intervals, and the comparison of
/// 6-month VDS adjusted for VDS post.
fn effect_sizes(d: &mut Doc, c: &stats::summary::Comparison) {
    d.h3("Fading by subtype: size of the difference (androgenetic minus scarring)");
    let est = |e: Option<&stats::summary::EstimateOut>, digits: usize| match e {
        Some(stats::summary::EstimateOut {
            estimate: Some(v),
            ci95,
        }) => match ci95 {
            Some(ci) => format!(
                "{} (95% CI {})",
                present::fixed(*v, digits),
                present::interval(*ci, digits)
            ),
            None => present::fixed(*v, digits),
        },
        _ => "—".into(),
    };
    let n12 = format!("{} + {}", c.welch_t.n1, c.welch_t.n2);
    let mut rows = vec![
        vec![
            "mean difference (Welch)".to_string(),
            n12.clone(),
            est(c.welch_t.mean_diff.as_ref(), 2),
        ],
        vec![
            "Hedges' g (pooled SD, small-sample corrected)".into(),
            n12.clone(),
            est(c.hedges_g.as_ref(), 2),
        ],
        vec![
            "Hodges–Lehmann shift (rank interval)".into(),
            n12.clone(),
            est(c.hodges_lehmann.as_ref(), 2),
        ],
        vec![
            "rank-biserial r".into(),
            n12,
            c.rank_biserial
                .map_or("—".into(), |r| present::fixed(r.estimate, 2)),
        ],
    ];
    rows.push(match &c.ancova_vds_6m {
        Some(a) => vec![
            "VDS 6 m adjusted for VDS post (OLS)".into(),
            a.n.to_string(),
            format!(
                "{:.2} (95% CI {}), t({}) = {:.2}, {} (t distribution, two-sided)",
                a.effect,
                present::interval(a.ci95, 2),
                a.df,
                a.t,
                present::p_is(a.p)
            ),
        ],
        None => vec![
            "VDS 6 m adjusted for VDS post (OLS)".into(),
            "—".into(),
            "—".into(),
        ],
    });
    d.table(&["measure", "n", "estimate"], &["n"], rows);
}

/// How long the pigment lasts: touch-up-free time by subtype and VDS at every visit, each
/// table with its figure beside it (HTML).
fn durability(d: &mut Doc, sum: &stats::Summary) {
    let du = &sum.durability;
    d.h2("Durability: touch-ups and VDS over time");
    let pct_ci = |a: &stats::summary::SurvivalAt| match a.s {
        None => "—".to_string(),
        // The estimate carried past the last patient followed says nothing.
        Some(_) if a.at_risk == 0 => "— (no patient followed this long)".to_string(),
        Some(s) => match a.ci95 {
            Some(ci) => format!(
                "{:.0}% ({:.0}–{:.0}), {} at risk",
                s * 100.0,
                ci.low * 100.0,
                ci.high * 100.0,
                a.at_risk
            ),
            None => format!("{:.0}%, {} at risk", s * 100.0, a.at_risk),
        },
    };
    let rows = du
        .touch_up_free
        .iter()
        .map(|(g, f)| {
            let mut r = vec![
                g.to_string(),
                f.n.to_string(),
                f.events.to_string(),
                f.median_days
                    .map_or("not reached".into(), |m| m.to_string()),
            ];
            r.extend(f.at.iter().map(pct_ci));
            r
        })
        .collect();
    d.table(
        &[
            "group",
            "n",
            "touch-ups",
            "median days",
            "free at 6 m",
            "free at 12 m",
            "free at 24 m",
        ],
        &["n", "touch-ups", "median days"],
        rows,
    );
    if let Some(svg) = super::charts::touch_up_free(du) {
        d.figure_beside_last_table(
            svg,
            "Touch-up-free time from session 3 by subtype (Kaplan–Meier; ticks: censored).",
        );
    }
    let n = |g: &str| du.touch_up_free.get(g).map_or(0, |f| f.n);
    d.note(format!(
        "Kaplan–Meier estimate of no touch-up yet, from session 3 to the first touch-up; a \
         patient without one is censored at the latest date in the record; 95% log(−log) \
         interval from Greenwood's variance (lifelines' defaults). Log-rank, androgenetic \
         against scarring (n = {} + {}): {}.",
        n("androgenetic"),
        n("scarring"),
        du.log_rank.map_or(
            "undefined (a subtype empty or no touch-up recorded)".to_string(),
            |l| format!(
                "χ²({}) = {:.2}, {} ({}, two-sided)",
                l.df,
                l.chi2,
                present::p_is(l.p),
                l.method
            )
        )
    ));
    let rows = du
        .vds_over_time
        .iter()
        .map(|(g, pts)| {
            std::iter::once(g.to_string())
                .chain(
                    pts.iter()
                        .map(|p| present::mean_sd(&p.desc, 1, Some(present::VDS_SCALE))),
                )
                .collect()
        })
        .collect();
    d.table(
        &["group", "post", "6 months", "12 months", "24 months"],
        &[],
        rows,
    );
    if let Some(svg) = super::charts::vds_over_time(du) {
        d.figure_beside_last_table(
            svg,
            format!(
                "VDS at each visit: each patient (thin lines; at most {} per subtype) and the \
                 mean of each subtype with its 95% interval.",
                super::charts::MAX_PATIENT_LINES
            ),
        );
    }
    d.note(
        "Every patient scored at a visit counts at that visit, so the groups at later visits \
         are smaller and may differ (a patient touched up before 12 months is scored after \
         the touch-up).",
    );
}

fn scored(p: &Patient, tp: Timepoint) -> bool {
    p.vds_at(tp).is_some() || p.pss_at(tp).is_some()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::*;
    use crate::protocol::Protocol;

    fn d(s: &str) -> NaiveDate {
        validate::parse_date(s).unwrap()
    }

    fn protocol() -> Protocol {
        Protocol::builtin()
    }

    #[test]
    fn html_embeds_the_figures_beside_their_tables_and_markdown_points_to_them() {
        let pr = protocol();
        let today = d("2026-11-25");
        let ps = crate::synth::registry(200, 9, today, &pr);
        let ctx = ReportContext {
            today,
            protocol: &pr,
            unreadable: 0,
        };
        let doc = case_series(&ps, &ctx);
        let html = doc.to_html();
        assert_eq!(html.matches("<div class=\"figure-row\">").count(), 2);
        assert_eq!(html.matches("<svg role=\"img\"").count(), 2);
        for external in ["<script", "<link", "src=", "http://", "https://"] {
            assert!(!html.contains(external), "{external}");
        }
        // The table sits in the same row as its figure.
        let row = &html[html.find("<div class=\"figure-row\">").unwrap()..];
        let row = &row[..row.find("</div>\n</div>").unwrap()];
        assert!(row.contains("</svg>") && row.contains("<th>free at 6 m</th>"));
        let md = doc.to_markdown();
        assert!(!md.contains("<svg"));
        assert_eq!(md.matches("*Figure (in the HTML report): ").count(), 2);
        assert!(md.contains("| free at 6 m |"));
    }

    #[test]
    fn at_small_n_the_exact_p_comes_first() {
        let mk = |id: &str, post: f64, m6: f64, pss: (u8, u8)| {
            let mut p = Patient::new(id, Subtype::Androgenetic);
            let f = p.follow_up_mut(Timepoint::Post);
            f.vds = Some(Vds::new(post).unwrap());
            f.pss = Some(Pss::new(pss.0).unwrap());
            let f = p.follow_up_mut(Timepoint::M6);
            f.vds = Some(Vds::new(m6).unwrap());
            f.pss = Some(Pss::new(pss.1).unwrap());
            p
        };
        let ps = vec![
            mk("A", 9.5, 9.0, (3, 3)),
            mk("B", 9.0, 8.0, (3, 2)),
            mk("C", 8.5, 7.5, (2, 2)),
            mk("D", 8.0, 6.5, (2, 1)),
            mk("E", 7.5, 6.0, (1, 1)),
        ];
        let pr = protocol();
        let ctx = ReportContext {
            today: d("2026-09-01"),
            protocol: &pr,
            unreadable: 0,
        };
        let md = case_series(&ps, &ctx).to_markdown();
        let at = |s: &str| md.find(s).unwrap_or_else(|| panic!("{s} in {md}"));
        // Spearman at post, n = 5: the exact permutation row, then the t approximation.
        let exact = at("| all | VDS vs PSS, post | Spearman ρ | 5 | ρ = 0.95 | p = ");
        let approx = at("| t approximation, two-sided |");
        assert!(exact < approx);
        assert!(md[exact..approx].contains("exact permutation, two-sided"));
        // Wilcoxon at n = 5 cannot go below 0.0625: said beside it.
        assert!(
            md.contains("the smallest p this test can give at n = 5 is 0.0625"),
            "{md}"
        );
    }

    #[test]
    fn summary_formats_mean_sd_range_and_n() {
        assert_eq!(summary(&[]), "n = 0");
        assert_eq!(summary(&[8.0]), "8.0 (8–8), n = 1");
        assert_eq!(summary(&[8.0, 9.0, 10.0]), "9.0 ± 1.0 (8–10), n = 3");
    }

    #[test]
    fn loss_to_follow_up_counts_post_without_6m() {
        let mut a = Patient::new("A", Subtype::Androgenetic);
        a.sessions.push(Session::new(1, d("2025-01-01")));
        a.follow_up_mut(Timepoint::Post).vds = Some(Vds::new(9.0).unwrap());
        let mut b = a.clone();
        b.record_id = "B".into();
        b.follow_up_mut(Timepoint::M6).vds = Some(Vds::new(8.0).unwrap());
        let pr = protocol();
        let ctx = ReportContext {
            today: d("2026-09-01"),
            protocol: &pr,
            unreadable: 0,
        };
        let doc = case_series(&[a, b], &ctx).to_markdown();
        assert!(
            doc.contains("| all | 2 | 2 | 2 | 1 | 1 (50.0%) | 0 |"),
            "{doc}"
        );
    }
}
