//! The retention summary of a cohort: the statistics JSON of the contract (`stats --json`),
//! computed from patient-level records only (the published case series does not reconcile
//! with itself, so nothing is ever taken from summaries).
//!
//! Field order is the contract's key order; fields after the contract's are additive keys.

use super::describe::Interval;
use super::effect::{self, Estimate};
use super::survival::{self, Observation};
use super::{
    Describe, MannWhitney, Method, SignedRank, Spearman, TTest, describe, mann_whitney, ols,
    spearman, ttest, wilcoxon,
};
use crate::domain::{AdverseKind, Patient, Subtype, Timepoint};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    pub patients: usize,
    /// "all", "androgenetic", "scarring", in that order.
    pub groups: Vec<GroupSummary>,
    pub subtype_comparison_delta_vds: Comparison,
    /// Additive: how long the pigment lasts (touch-up-free time) and VDS over every visit.
    pub durability: Durability,
}

/// Days from session 3 at which the touch-up-free share is reported: 6, 12 and 24 months.
pub const DURABILITY_DAYS: [i64; 3] = [182, 365, 730];

/// The follow-up visits whose VDS is followed over time.
pub const VDS_TIMEPOINTS: [Timepoint; 4] = [
    Timepoint::Post,
    Timepoint::M6,
    Timepoint::Months(12),
    Timepoint::Months(24),
];

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Durability {
    /// Kaplan–Meier of the time from session 3 to the first touch-up, by group.
    pub touch_up_free: BTreeMap<&'static str, TouchUpFree>,
    /// Androgenetic against scarring; `None` with an empty subtype or no touch-up at all.
    pub log_rank: Option<LogRankOut>,
    /// VDS at each visit (post, 6, 12, 24 months), by group.
    pub vds_over_time: BTreeMap<&'static str, Vec<VdsAt>>,
    pub method: &'static str,
    /// For the charts, not in the JSON: the whole Kaplan–Meier curve of each group.
    #[serde(skip)]
    pub curves: BTreeMap<&'static str, survival::KaplanMeier>,
    /// For the charts, not in the JSON: each patient's VDS at post, 6, 12 and 24 months
    /// (patients with at least one), in the order they came.
    #[serde(skip)]
    pub vds_lines: Vec<VdsLine>,
}

/// One patient's VDS over the visits of [`VDS_TIMEPOINTS`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VdsLine {
    pub subtype: Subtype,
    pub vds: [Option<f64>; 4],
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TouchUpFree {
    /// Patients with session 3 recorded.
    pub n: usize,
    /// Of them, patients with a touch-up.
    pub events: usize,
    /// The first day Ŝ ≤ 0.5; `None` when not reached.
    pub median_days: Option<i64>,
    pub at: Vec<SurvivalAt>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SurvivalAt {
    pub days: i64,
    pub at_risk: usize,
    /// Kaplan–Meier estimate of no touch-up by `days`; `None` with no patient.
    pub s: Option<f64>,
    /// log(−log) interval from Greenwood's variance; `None` while Ŝ is 1 or once it is 0.
    pub ci95: Option<Interval>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LogRankOut {
    pub chi2: f64,
    pub df: f64,
    pub p: f64,
    pub method: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VdsAt {
    pub timepoint: String,
    #[serde(flatten)]
    pub desc: Describe,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    pub group: &'static str,
    pub n: usize,
    pub vds_post: Describe,
    pub vds_6m: Describe,
    /// VDS post minus VDS at 6 months (fading), patients with both.
    pub delta_vds: Describe,
    pub pss_post: PssDescribe,
    pub pss_6m: PssDescribe,
    /// PSS = 3 at six months, of the patients scored then.
    pub very_satisfied_6m: Share,
    pub paired_t_vds: PairedTOut,
    pub spearman_vds_pss_post: SpearmanOut,
    pub spearman_vds_pss_6m: SpearmanOut,
    /// Additive: retention = VDS 6 m / VDS post, patients with both and VDS post > 0.
    pub retention: Describe,
    /// Additive: Wilcoxon signed-rank test of VDS post against 6 m.
    pub wilcoxon_vds: SignedRankOut,
    /// Additive: patients with post scores but no 6-month scores, of those with post scores.
    pub lost_to_follow_up: Share,
    /// Additive: patients with any adverse event, and by type.
    pub adverse_events: AdverseOut,
}

/// PSS, an ordinal score 0–3: the contract's `<desc>` and the count at each level, which is
/// what a reader should see first (a mean ± t interval of four levels runs off the scale).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PssDescribe {
    #[serde(flatten)]
    pub desc: Describe,
    /// Patients scoring 0, 1, 2 and 3.
    pub levels: [usize; 4],
}

/// The mean, SD and the rest read through as for any score.
impl std::ops::Deref for PssDescribe {
    type Target = Describe;
    fn deref(&self) -> &Describe {
        &self.desc
    }
}

/// A count out of a total; `pct` and `ci95` are `None` when the total is 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Share {
    pub count: usize,
    pub of: usize,
    pub pct: Option<f64>,
    /// Wilson score interval in percent (statsmodels `proportion_confint(method="wilson")`).
    pub ci95: Option<Interval>,
}

impl Share {
    pub fn new(count: usize, of: usize) -> Share {
        let pct = (of > 0).then(|| 100.0 * count as f64 / of as f64);
        Share {
            count,
            of,
            pct,
            ci95: effect::wilson_pct(count, of),
        }
    }
}

/// An estimate with its 95% interval, as the JSON prints it: `{"estimate", "ci95"}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct EstimateOut {
    pub estimate: Option<f64>,
    pub ci95: Option<Interval>,
}

impl From<Estimate> for EstimateOut {
    fn from(e: Estimate) -> Self {
        EstimateOut {
            estimate: Some(e.estimate),
            ci95: e.ci95,
        }
    }
}

/// An estimate without an interval: `{"estimate"}`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PointOut {
    pub estimate: f64,
}

/// The baseline-adjusted comparison of 6-month VDS (`ancova_vds_6m`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct AncovaOut {
    pub n: usize,
    /// Androgenetic minus scarring at equal VDS post.
    pub effect: f64,
    pub se: f64,
    pub t: f64,
    pub df: f64,
    pub p: f64,
    pub ci95: Interval,
    pub method: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairedTOut {
    pub n: usize,
    pub t: Option<f64>,
    pub df: Option<usize>,
    pub p: Option<f64>,
    pub method: Option<Method>,
    /// Mean of post − 6 m with its t interval (SciPy `ttest_rel(...).confidence_interval()`);
    /// the interval is `None` with n < 2 or every difference equal.
    pub mean_diff: EstimateOut,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpearmanOut {
    pub n: usize,
    pub rho: Option<f64>,
    pub p: Option<f64>,
    pub method: Option<Method>,
    pub p_exact: Option<f64>,
    pub p_exact_method: Option<Method>,
    /// The smallest p the exact test can give at this n with these ties.
    pub p_exact_min: Option<f64>,
    /// Fisher z interval with the Bonett–Wright standard error.
    pub ci95: Option<Interval>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SignedRankOut {
    pub n: usize,
    pub n_nonzero: Option<usize>,
    pub w: Option<f64>,
    pub p: Option<f64>,
    pub method: Option<Method>,
    pub p_exact: Option<f64>,
    pub p_exact_method: Option<Method>,
    pub p_exact_min: Option<f64>,
    /// Zero differences are dropped before ranking (SciPy's default `"wilcox"`).
    pub zero_method: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdverseOut {
    pub patients_with_any: Share,
    /// Patients with at least one event of each type (type id → patients); types with none
    /// are left out.
    pub by_type: BTreeMap<&'static str, usize>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Comparison {
    /// Androgenetic minus scarring.
    pub welch_t: WelchOut,
    /// U of the androgenetic group.
    pub mann_whitney: MannWhitneyOut,
    /// Additive: Student's t with pooled variance, androgenetic minus scarring.
    pub student_t: WelchOut,
    pub hedges_g: Option<EstimateOut>,
    pub hodges_lehmann: Option<EstimateOut>,
    pub rank_biserial: Option<PointOut>,
    /// 6-month VDS adjusted for VDS post (patients with both), androgenetic minus scarring.
    pub ancova_vds_6m: Option<AncovaOut>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WelchOut {
    pub t: Option<f64>,
    pub df: Option<f64>,
    pub p: Option<f64>,
    pub method: Option<Method>,
    pub n1: usize,
    pub n2: usize,
    /// Difference of the means with the test's t interval (SciPy `ttest_ind(...)
    /// .confidence_interval()`); `None` whenever the test is (the contract's "`welch_t` is
    /// null": its figures are null, the group sizes stay).
    pub mean_diff: Option<EstimateOut>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MannWhitneyOut {
    pub u: Option<f64>,
    pub p: Option<f64>,
    pub method: Option<Method>,
    pub p_exact: Option<f64>,
    pub p_exact_method: Option<Method>,
    pub p_exact_min: Option<f64>,
    pub n1: usize,
    pub n2: usize,
}

/// What the summary needs from one patient, read in a single pass: patient records are large
/// and scattered in memory, so reading each score from them again for every figure cost more
/// than all the statistics together on a big registry. Eight bytes a patient: scores as
/// whole tenths (VDS has one decimal, PSS is whole), [`MISSING`] when not recorded.
#[derive(Debug, Clone, Copy)]
struct Row {
    subtype: Subtype,
    vds_post: u8,
    vds_6m: u8,
    pss_post: u8,
    pss_6m: u8,
    vds_12m: u8,
    vds_24m: u8,
    /// Bit i set: the patient had an event of kind `AdverseKind::ALL[i]`.
    adverse: u16,
    /// Days from session 3 to the first touch-up (`touched`) or to the last contact;
    /// [`NO_ORIGIN`] without session 3.
    days: i32,
    touched: bool,
}

const NO_ORIGIN: i32 = i32::MIN;

const MISSING: u8 = u8::MAX;

/// A score in tenths (VDS 0..=10 with one decimal and PSS 0..=3 both fit a byte).
fn to_tenths(v: Option<f64>) -> u8 {
    v.map_or(MISSING, |v| (v * 10.0).round().clamp(0.0, 254.0) as u8)
}

/// Back from tenths; `t / 10` is the same double as the score read from text.
fn from_tenths(t: u8) -> Option<f64> {
    (t != MISSING).then(|| f64::from(t) / 10.0)
}

impl Row {
    fn of(p: &Patient) -> Row {
        let adverse = p.adverse_events.iter().fold(0u16, |bits, e| {
            let i = AdverseKind::ALL.iter().position(|k| *k == e.kind);
            bits | i.map_or(0, |i| 1 << i)
        });
        let pss = |tp| p.pss_at(tp).map(f64::from);
        // Durability: origin session 3; event the first touch-up; else censored at the
        // latest date in the record.
        let (days, touched) = match p.session_date(3) {
            None => (NO_ORIGIN, false),
            Some(s3) => {
                let (end, touched) = match p.first_touch_up() {
                    Some(t) => (t, true),
                    None => (p.last_contact().unwrap_or(s3), false),
                };
                let d = (end - s3).num_days().clamp(0, i64::from(i32::MAX));
                (d as i32, touched)
            }
        };
        Row {
            subtype: p.subtype(),
            vds_post: to_tenths(p.vds_at(Timepoint::Post)),
            vds_6m: to_tenths(p.vds_at(Timepoint::M6)),
            pss_post: to_tenths(pss(Timepoint::Post)),
            pss_6m: to_tenths(pss(Timepoint::M6)),
            vds_12m: to_tenths(p.vds_at(Timepoint::Months(12))),
            vds_24m: to_tenths(p.vds_at(Timepoint::Months(24))),
            adverse,
            days,
            touched,
        }
    }
}

/// The summary of the contract over `patients` (a slice, or a registry's iterator).
pub fn summarize<'a>(patients: impl IntoIterator<Item = &'a Patient>) -> Summary {
    let mut s = Summarizer::default();
    for p in patients {
        s.push(p);
    }
    s.finish()
}

/// [`summarize`] fed one patient at a time, keeping a few bytes of each (what the tests
/// read), for callers that stream whole records (the case-series report).
#[derive(Debug, Clone, Default)]
pub struct Summarizer {
    rows: Vec<Row>,
}

impl Summarizer {
    pub fn push(&mut self, p: &Patient) {
        self.rows.push(Row::of(p));
    }

    pub fn finish(self) -> Summary {
        summarize_rows(self.rows)
    }
}

fn summarize_rows(all: Vec<Row>) -> Summary {
    let by = |s: Subtype| -> Vec<Row> { all.iter().filter(|r| r.subtype == s).copied().collect() };
    let (aga, scar) = (by(Subtype::Androgenetic), by(Subtype::Scarring));
    let delta = |rows: &[Row]| -> Vec<f64> { pairs(rows, vds_post, vds_6m).2 };
    let (da, ds) = (delta(&aga), delta(&scar));
    let mw = mann_whitney(&da, &ds);
    // Equal values everywhere leave U at its null mean, n₁n₂/2.
    let u1 = mw.map_or(da.len() as f64 * ds.len() as f64 / 2.0, |m| m.u);
    Summary {
        patients: all.len(),
        groups: vec![
            group("all", &all),
            group(Subtype::Androgenetic.id(), &aga),
            group(Subtype::Scarring.id(), &scar),
        ],
        subtype_comparison_delta_vds: Comparison {
            welch_t: welch_out(ttest::welch_t(&da, &ds), &da, &ds),
            mann_whitney: mw_out(mw, &da, &ds),
            student_t: welch_out(ttest::student_t(&da, &ds), &da, &ds),
            hedges_g: effect::hedges_g(&da, &ds).map(EstimateOut::from),
            hodges_lehmann: effect::hodges_lehmann(&da, &ds).map(EstimateOut::from),
            rank_biserial: effect::rank_biserial(u1, da.len(), ds.len())
                .map(|estimate| PointOut { estimate }),
            ancova_vds_6m: ancova(&all),
        },
        durability: durability(&all, &aga, &scar),
    }
}

fn observations(rows: &[Row]) -> Vec<Observation> {
    rows.iter()
        .filter(|r| r.days != NO_ORIGIN)
        .map(|r| Observation {
            days: i64::from(r.days),
            event: r.touched,
        })
        .collect()
}

fn durability(all: &[Row], aga: &[Row], scar: &[Row]) -> Durability {
    let groups = [
        ("all", all),
        (Subtype::Androgenetic.id(), aga),
        (Subtype::Scarring.id(), scar),
    ];
    let curves: BTreeMap<&'static str, survival::KaplanMeier> = groups
        .iter()
        .map(|&(name, rows)| (name, survival::kaplan_meier(&observations(rows))))
        .collect();
    let touch_up_free = curves
        .iter()
        .map(|(&name, km)| {
            let at = DURABILITY_DAYS
                .iter()
                .map(|&days| SurvivalAt {
                    days,
                    at_risk: km.at_risk(days),
                    s: (km.n > 0).then(|| km.survival_at(days)),
                    ci95: km.ci_at(days),
                })
                .collect();
            let free = TouchUpFree {
                n: km.n,
                events: km.events,
                median_days: km.median(),
                at,
            };
            (name, free)
        })
        .collect();
    let vds_over_time = groups
        .iter()
        .map(|&(name, rows)| {
            let scores: [Score; 4] = [vds_post, vds_6m, vds_12m, vds_24m];
            let at = VDS_TIMEPOINTS
                .iter()
                .zip(scores)
                .map(|(tp, f)| VdsAt {
                    timepoint: tp.id(),
                    desc: describe(&values(rows, f)),
                })
                .collect();
            (name, at)
        })
        .collect();
    Durability {
        touch_up_free,
        log_rank: survival::log_rank(&observations(aga), &observations(scar)).map(|l| LogRankOut {
            chi2: l.chi2,
            df: l.df,
            p: l.p,
            method: "log-rank, chi-squared with 1 df",
        }),
        vds_over_time,
        curves,
        vds_lines: all
            .iter()
            .map(|r| VdsLine {
                subtype: r.subtype,
                vds: [r.vds_post, r.vds_6m, r.vds_12m, r.vds_24m].map(from_tenths),
            })
            .filter(|l| l.vds.iter().any(Option::is_some))
            .collect(),
        method: "Kaplan-Meier from session 3 to the first touch-up, censored at the last date \
                 in the record; log(-log) 95% interval from Greenwood's variance",
    }
}

/// A score of a row, in tenths or [`MISSING`].
type Score = fn(&Row) -> u8;

fn vds_post(r: &Row) -> u8 {
    r.vds_post
}
fn vds_6m(r: &Row) -> u8 {
    r.vds_6m
}
fn pss_post(r: &Row) -> u8 {
    r.pss_post
}
fn pss_6m(r: &Row) -> u8 {
    r.pss_6m
}
fn vds_12m(r: &Row) -> u8 {
    r.vds_12m
}
fn vds_24m(r: &Row) -> u8 {
    r.vds_24m
}

/// OLS of VDS 6 m on VDS post and androgenetic, over patients with both scores.
fn ancova(rows: &[Row]) -> Option<AncovaOut> {
    let both: Vec<&Row> = rows
        .iter()
        .filter(|r| r.vds_post != MISSING && r.vds_6m != MISSING)
        .collect();
    let y: Vec<f64> = both.iter().filter_map(|r| from_tenths(r.vds_6m)).collect();
    let x: Vec<f64> = both
        .iter()
        .filter_map(|r| from_tenths(r.vds_post))
        .collect();
    let g: Vec<bool> = both
        .iter()
        .map(|r| r.subtype == Subtype::Androgenetic)
        .collect();
    let a = ols::ancova(&y, &x, &g)?;
    Some(AncovaOut {
        n: a.n,
        effect: a.effect,
        se: a.se,
        t: a.t,
        df: a.df,
        p: a.p,
        ci95: a.ci95,
        method: "ordinary least squares, t distribution",
    })
}

/// PSS figures with the count at each level.
fn pss(values: &[f64]) -> PssDescribe {
    let mut levels = [0usize; 4];
    for &v in values {
        if let Some(l) = levels.get_mut(v as usize) {
            *l += 1;
        }
    }
    PssDescribe {
        desc: describe(values),
        levels,
    }
}

fn values(rows: &[Row], f: Score) -> Vec<f64> {
    rows.iter().filter_map(|r| from_tenths(f(r))).collect()
}

/// Both scores of every patient who has both, and their difference `a − b`. Scores have one
/// decimal, so the difference is taken in whole tenths: in binary 8.7 − 7.6 ≠ 9.7 − 8.6, and
/// that artefact would split ties in the rank tests and make "all differences equal" fail by
/// one ulp.
fn pairs(rows: &[Row], a: Score, b: Score) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = rows.len();
    let mut out = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for r in rows {
        let (x, y) = (a(r), b(r));
        if let (Some(xf), Some(yf)) = (from_tenths(x), from_tenths(y)) {
            out.0.push(xf);
            out.1.push(yf);
            out.2.push(f64::from(i16::from(x) - i16::from(y)) / 10.0);
        }
    }
    out
}

fn group(name: &'static str, rows: &[Row]) -> GroupSummary {
    let (post, m6, delta) = pairs(rows, vds_post, vds_6m);
    let retention: Vec<f64> = post
        .iter()
        .zip(&m6)
        .filter(|(p, _)| **p > 0.0)
        .map(|(p, m)| m / p)
        .collect();
    let pss6 = values(rows, pss_6m);
    let very = pss6.iter().filter(|&&v| v == 3.0).count();
    let has_post = |r: &&Row| r.vds_post != MISSING || r.pss_post != MISSING;
    let has_6m = |r: &&Row| r.vds_6m != MISSING || r.pss_6m != MISSING;
    let with_post = rows.iter().filter(has_post).count();
    let lost = rows.iter().filter(has_post).filter(|r| !has_6m(r)).count();
    GroupSummary {
        group: name,
        n: rows.len(),
        vds_post: describe(&values(rows, vds_post)),
        vds_6m: describe(&values(rows, vds_6m)),
        delta_vds: describe(&delta),
        pss_post: pss(&values(rows, pss_post)),
        pss_6m: pss(&pss6),
        very_satisfied_6m: Share::new(very, pss6.len()),
        paired_t_vds: paired_out(ttest::paired_t_differences(&delta), &delta),
        spearman_vds_pss_post: spearman_pair(rows, vds_post, pss_post),
        spearman_vds_pss_6m: spearman_pair(rows, vds_6m, pss_6m),
        retention: describe(&retention),
        wilcoxon_vds: signed_rank_out(wilcoxon::wilcoxon_differences(&delta), delta.len()),
        lost_to_follow_up: Share::new(lost, with_post),
        adverse_events: adverse(rows),
    }
}

fn spearman_pair(rows: &[Row], a: Score, b: Score) -> SpearmanOut {
    let (x, y, _) = pairs(rows, a, b);
    let s: Option<Spearman> = spearman(&x, &y);
    SpearmanOut {
        n: x.len(),
        rho: s.map(|s| s.rho),
        p: s.map(|s| s.p),
        method: s.map(|s| s.method),
        p_exact: s.and_then(|s| s.p_exact),
        p_exact_method: s.and_then(|s| s.p_exact).map(|_| Method::ExactPermutation),
        p_exact_min: s.and_then(|s| s.p_exact_min),
        ci95: s.and_then(|s| effect::spearman_ci(s.rho, s.n)),
    }
}

fn paired_out(t: Option<TTest>, d: &[f64]) -> PairedTOut {
    PairedTOut {
        n: d.len(),
        t: t.map(|t| t.t),
        df: t.map(|t| t.df as usize),
        p: t.map(|t| t.p),
        method: t.map(|t| t.method),
        // The mean difference exists from one pair on; its interval needs the test.
        mean_diff: EstimateOut {
            estimate: t.map(|t| t.mean_diff).or_else(|| super::describe::mean(d)),
            ci95: t.map(|t| t.ci95),
        },
    }
}

fn signed_rank_out(w: Option<SignedRank>, n: usize) -> SignedRankOut {
    SignedRankOut {
        n,
        n_nonzero: w.map(|w| w.n_nonzero),
        w: w.map(|w| w.w),
        p: w.map(|w| w.p),
        method: w.map(|w| w.method),
        p_exact: w.and_then(|w| w.p_exact),
        p_exact_method: w.and_then(|w| w.p_exact).map(|_| Method::ExactPermutation),
        p_exact_min: w.and_then(|w| w.p_exact_min),
        zero_method: "wilcox",
    }
}

fn welch_out(t: Option<TTest>, a: &[f64], b: &[f64]) -> WelchOut {
    WelchOut {
        t: t.map(|t| t.t),
        df: t.map(|t| t.df),
        p: t.map(|t| t.p),
        method: t.map(|t| t.method),
        n1: a.len(),
        n2: b.len(),
        mean_diff: t.map(|t| EstimateOut {
            estimate: Some(t.mean_diff),
            ci95: Some(t.ci95),
        }),
    }
}

fn mw_out(m: Option<MannWhitney>, a: &[f64], b: &[f64]) -> MannWhitneyOut {
    MannWhitneyOut {
        u: m.map(|m| m.u),
        p: m.map(|m| m.p),
        method: m.map(|m| m.method),
        p_exact: m.and_then(|m| m.p_exact),
        p_exact_method: m.and_then(|m| m.p_exact).map(|_| Method::ExactPermutation),
        p_exact_min: m.and_then(|m| m.p_exact_min),
        n1: a.len(),
        n2: b.len(),
    }
}

fn adverse(rows: &[Row]) -> AdverseOut {
    let by_type = AdverseKind::ALL
        .iter()
        .enumerate()
        .map(|(i, k)| {
            (
                k.id(),
                rows.iter().filter(|r| r.adverse >> i & 1 == 1).count(),
            )
        })
        .filter(|(_, n)| *n > 0)
        .collect();
    let any = rows.iter().filter(|r| r.adverse != 0).count();
    AdverseOut {
        patients_with_any: Share::new(any, rows.len()),
        by_type,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{AdverseEvent, Pss, Vds};

    fn patient(id: &str, s: Subtype, post: Option<(f64, u8)>, m6: Option<(f64, u8)>) -> Patient {
        let mut p = Patient::new(id, s);
        for (tp, sc) in [(Timepoint::Post, post), (Timepoint::M6, m6)] {
            if let Some((v, q)) = sc {
                let f = p.follow_up_mut(tp);
                f.vds = Some(Vds::new(v).unwrap());
                f.pss = Some(Pss::new(q).unwrap());
            }
        }
        p
    }

    #[test]
    fn groups_in_contract_order_with_loss_and_events() {
        let a = Subtype::Androgenetic;
        let mut ps = vec![
            patient("A1", a, Some((9.0, 3)), Some((8.0, 3))),
            patient("A2", a, Some((8.7, 2)), Some((7.6, 2))),
            patient("S1", Subtype::Scarring, Some((9.7, 3)), None),
            patient("S2", Subtype::Scarring, Some((9.7, 2)), Some((8.6, 1))),
        ];
        ps[2]
            .adverse_events
            .push(AdverseEvent::new(AdverseKind::Infection));
        ps[2]
            .adverse_events
            .push(AdverseEvent::new(AdverseKind::Infection));
        let s = summarize(&ps);
        let names: Vec<_> = s.groups.iter().map(|g| g.group).collect();
        assert_eq!(names, ["all", "androgenetic", "scarring"]);
        let all = &s.groups[0];
        assert_eq!((s.patients, all.n, all.vds_6m.n), (4, 4, 3));
        // Deltas are 1.0, 1.1, 1.1: the two 1.1s are equal (tenths), so they tie.
        assert_eq!(all.delta_vds.n, 3);
        assert_eq!(all.lost_to_follow_up, Share::new(1, 4));
        assert_eq!(all.very_satisfied_6m, Share::new(1, 3));
        assert_eq!(all.adverse_events.patients_with_any.count, 1);
        assert_eq!(all.adverse_events.by_type.get("infection"), Some(&1));
        // Scarring: one delta; every figure that needs two is null.
        let scar = &s.groups[2];
        assert_eq!(scar.delta_vds.sd, None);
        assert_eq!(scar.paired_t_vds.t, None);
        // 8.7 − 7.6 and 9.7 − 8.6 differ in binary; after rounding both are 1.1, so the
        // subtype comparison sees deltas {1.0, 1.1} against {1.1}.
        assert_eq!(s.subtype_comparison_delta_vds.welch_t.t, None);
        let mw = s.subtype_comparison_delta_vds.mann_whitney;
        assert_eq!((mw.n1, mw.n2, mw.u), (2, 1, Some(0.5)));
    }

    #[test]
    fn empty_registry_has_no_nan() {
        let s = summarize(&[]);
        let json = serde_json::to_string(&s).unwrap();
        assert!(!json.contains("NaN") && !json.contains("inf"), "{json}");
        assert_eq!(s.groups[0].very_satisfied_6m.pct, None);
        assert_eq!(s.groups[0].vds_post.mean, None);
    }
}
