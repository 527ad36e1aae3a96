//! The retention summary of a cohort: the statistics JSON of the contract (`stats --json`),
//! computed from patient-level records only (the published case series does not reconcile
//! with itself, so nothing is ever taken from summaries).
//!
//! Field order is the contract's key order; fields after the contract's are additive keys.

use super::{
    Describe, MannWhitney, Method, SignedRank, Spearman, TTest, describe, mann_whitney, spearman,
    ttest, wilcoxon,
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
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupSummary {
    pub group: &'static str,
    pub n: usize,
    pub vds_post: Describe,
    pub vds_6m: Describe,
    /// VDS post minus VDS at 6 months (fading), patients with both.
    pub delta_vds: Describe,
    pub pss_post: Describe,
    pub pss_6m: Describe,
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

/// A count out of a total; `pct` is `None` when the total is 0.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Share {
    pub count: usize,
    pub of: usize,
    pub pct: Option<f64>,
}

impl Share {
    pub fn new(count: usize, of: usize) -> Share {
        let pct = (of > 0).then(|| 100.0 * count as f64 / of as f64);
        Share { count, of, pct }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PairedTOut {
    pub n: usize,
    pub t: Option<f64>,
    pub df: Option<usize>,
    pub p: Option<f64>,
    pub method: Option<Method>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SpearmanOut {
    pub n: usize,
    pub rho: Option<f64>,
    pub p: Option<f64>,
    pub method: Option<Method>,
    pub p_exact: Option<f64>,
    pub p_exact_method: Option<Method>,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct WelchOut {
    pub t: Option<f64>,
    pub df: Option<f64>,
    pub p: Option<f64>,
    pub method: Option<Method>,
    pub n1: usize,
    pub n2: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MannWhitneyOut {
    pub u: Option<f64>,
    pub p: Option<f64>,
    pub method: Option<Method>,
    pub p_exact: Option<f64>,
    pub p_exact_method: Option<Method>,
    pub n1: usize,
    pub n2: usize,
}

/// VDS is scored to one decimal, so a difference of two scores is too. Rounding it to tenths
/// removes binary artefacts (8.7 − 7.6 ≠ 9.7 − 8.6 in floating point) that would otherwise
/// split ties in the rank tests and make "all differences equal" fail by one ulp.
fn tenths(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// What the summary needs from one patient, read in a single pass: patient records are large
/// and scattered in memory, so reading each score from them again for every figure cost more
/// than all the statistics together on a big registry.
#[derive(Debug, Clone, Copy)]
struct Row {
    subtype: Subtype,
    vds_post: Option<f64>,
    vds_6m: Option<f64>,
    pss_post: Option<f64>,
    pss_6m: Option<f64>,
    /// Bit i set: the patient had an event of kind `AdverseKind::ALL[i]`.
    adverse: u32,
}

impl Row {
    fn of(p: &Patient) -> Row {
        let adverse = p.adverse_events.iter().fold(0u32, |bits, e| {
            let i = AdverseKind::ALL.iter().position(|k| *k == e.kind);
            bits | i.map_or(0, |i| 1 << i)
        });
        Row {
            subtype: p.subtype(),
            vds_post: p.vds_at(Timepoint::Post),
            vds_6m: p.vds_at(Timepoint::M6),
            pss_post: p.pss_at(Timepoint::Post).map(f64::from),
            pss_6m: p.pss_at(Timepoint::M6).map(f64::from),
            adverse,
        }
    }
}

/// The summary of the contract over `patients` (a slice, or a registry's iterator).
pub fn summarize<'a>(patients: impl IntoIterator<Item = &'a Patient>) -> Summary {
    let all: Vec<Row> = patients.into_iter().map(Row::of).collect();
    let by = |s: Subtype| -> Vec<Row> { all.iter().filter(|r| r.subtype == s).copied().collect() };
    let (aga, scar) = (by(Subtype::Androgenetic), by(Subtype::Scarring));
    let delta = |rows: &[Row]| -> Vec<f64> { pairs(rows, vds_post, vds_6m).2 };
    let (da, ds) = (delta(&aga), delta(&scar));
    Summary {
        patients: all.len(),
        groups: vec![
            group("all", &all),
            group(Subtype::Androgenetic.id(), &aga),
            group(Subtype::Scarring.id(), &scar),
        ],
        subtype_comparison_delta_vds: Comparison {
            welch_t: welch_out(ttest::welch_t(&da, &ds), &da, &ds),
            mann_whitney: mw_out(mann_whitney(&da, &ds), &da, &ds),
            student_t: welch_out(ttest::student_t(&da, &ds), &da, &ds),
        },
    }
}

type Score = fn(&Row) -> Option<f64>;

fn vds_post(r: &Row) -> Option<f64> {
    r.vds_post
}
fn vds_6m(r: &Row) -> Option<f64> {
    r.vds_6m
}
fn pss_post(r: &Row) -> Option<f64> {
    r.pss_post
}
fn pss_6m(r: &Row) -> Option<f64> {
    r.pss_6m
}

fn values(rows: &[Row], f: Score) -> Vec<f64> {
    rows.iter().filter_map(f).collect()
}

/// Both scores of every patient who has both, and their difference `a − b` in tenths.
fn pairs(rows: &[Row], a: Score, b: Score) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let n = rows.len();
    let mut out = (
        Vec::with_capacity(n),
        Vec::with_capacity(n),
        Vec::with_capacity(n),
    );
    for r in rows {
        if let (Some(x), Some(y)) = (a(r), b(r)) {
            out.0.push(x);
            out.1.push(y);
            out.2.push(tenths(x - y));
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
    let has_post = |r: &&Row| r.vds_post.is_some() || r.pss_post.is_some();
    let has_6m = |r: &&Row| r.vds_6m.is_some() || r.pss_6m.is_some();
    let with_post = rows.iter().filter(has_post).count();
    let lost = rows.iter().filter(has_post).filter(|r| !has_6m(r)).count();
    GroupSummary {
        group: name,
        n: rows.len(),
        vds_post: describe(&values(rows, vds_post)),
        vds_6m: describe(&values(rows, vds_6m)),
        delta_vds: describe(&delta),
        pss_post: describe(&values(rows, pss_post)),
        pss_6m: describe(&pss6),
        very_satisfied_6m: Share::new(very, pss6.len()),
        paired_t_vds: paired_out(ttest::paired_t_differences(&delta), delta.len()),
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
    }
}

fn paired_out(t: Option<TTest>, n: usize) -> PairedTOut {
    PairedTOut {
        n,
        t: t.map(|t| t.t),
        df: t.map(|t| t.df as usize),
        p: t.map(|t| t.p),
        method: t.map(|t| t.method),
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
    }
}

fn mw_out(m: Option<MannWhitney>, a: &[f64], b: &[f64]) -> MannWhitneyOut {
    MannWhitneyOut {
        u: m.map(|m| m.u),
        p: m.map(|m| m.p),
        method: m.map(|m| m.method),
        p_exact: m.and_then(|m| m.p_exact),
        p_exact_method: m.and_then(|m| m.p_exact).map(|_| Method::ExactPermutation),
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
