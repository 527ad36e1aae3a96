//! `smplan stats`: retention statistics of the registry.
//!
//! `--json` prints the statistics JSON of the contract (one document, nothing else on standard
//! output). Without it, a table per group written for a reader of a paper: n beside every
//! figure, the test and its method beside every p, and "too few patients" where a figure is
//! undefined. `--compare-published` adds the reference case series' figures beside the
//! registry's and says which the data cannot reproduce.

use super::{Ctx, fail};
use crate::domain::{Subtype, research_cohort};
use crate::stats::describe::Describe;
use crate::stats::summary::{
    Durability, EstimateOut, GroupSummary, MannWhitneyOut, PairedTOut, PssDescribe, Share,
    SignedRankOut, SpearmanOut, Summary, WelchOut,
};
use crate::stats::{present, summarize};
use crate::store::Registry;
use serde::Serialize;
use std::fmt::Write as _;
use std::process::ExitCode;

pub fn run(ctx: &Ctx, json: bool, compare_published: bool) -> ExitCode {
    let reg = match Registry::open(&ctx.data_dir, ctx.summary_options(&ctx.protocol())) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    // Statistics are computed on what could be read; when something could not, they are
    // still printed whole, the damage is named and the exit status is 1 (as for `export`).
    let problems = reg.report().problems().len();
    let done = || {
        if problems == 0 {
            return ExitCode::SUCCESS;
        }
        fail(format!(
            "{problems} file(s) of the registry could not be used and are not in these statistics; run `smplan check` for details"
        ))
    };
    // A research output: patients who refused (or withdrew) consent to data use are left
    // out, and counted; those with none recorded stay in, and are counted.
    let (cohort, consent) = research_cohort(reg.patients());
    // Per group ("all", androgenetic, scarring): missing 6-month scores whose window is open.
    let protocol = ctx.protocol();
    let mut awaiting = [0usize; 3];
    for p in cohort.iter().copied() {
        if crate::protocol::schedule::awaiting_6m(p, &protocol, ctx.today) {
            awaiting[0] += 1;
            awaiting[if p.subtype() == Subtype::Androgenetic {
                1
            } else {
                2
            }] += 1;
        }
    }
    let summary = summarize(cohort.iter().copied());
    // Follow-ups kept on import although their course had not ended (counted, not hidden:
    // their scores are in the figures above as recorded).
    let rules = protocol.safety_rules();
    let early = cohort
        .iter()
        .filter(|p| crate::domain::gate::post_before_course_end(p, &rules))
        .count();
    if json {
        let doc = JsonDoc {
            summary: &summary,
            data_use_consent: DataUseJson {
                left_out: consent.left_out,
                not_recorded: consent.not_recorded,
            },
            post_score_before_course_end: early,
            awaiting_6m_window: AwaitingJson {
                all: awaiting[0],
                androgenetic: awaiting[1],
                scarring: awaiting[2],
            },
            published_comparison: compare_published.then(|| published_json(&summary)),
        };
        match serde_json::to_string_pretty(&doc) {
            Ok(s) => println!("{s}"),
            Err(e) => return fail(format!("cannot write the statistics as JSON: {e}")),
        }
        return done();
    }
    let mut out = render(&summary, &ctx.data_dir.display().to_string(), &awaiting);
    let _ = writeln!(out, "\nData-use consent: {}.", consent.sentence());
    let _ = writeln!(
        out,
        "Post score before the course ended: {early} patient(s) (kept as recorded; `smplan check` names them)."
    );
    if compare_published {
        out.push('\n');
        out.push_str(&render_published(&summary));
    }
    print!("{out}");
    done()
}

fn num(x: f64, decimals: usize) -> String {
    present::fixed(x, decimals)
}

pub use crate::stats::present::{fmt_p, p_is};

fn pct(s: &Share) -> String {
    match (s.pct, s.ci95) {
        (Some(p), Some(ci)) => format!(
            "{} of {} ({:.1}%, 95% CI {:.1} to {:.1}%, Wilson)",
            s.count, s.of, p, ci.low, ci.high
        ),
        (Some(p), None) => format!("{} of {} ({:.1}%)", s.count, s.of, p),
        (None, _) => format!("{} of {} (too few patients)", s.count, s.of),
    }
}

/// The text report: one block per group, then the subtype comparison and durability.
/// `awaiting`: per group (in the summary's order), patients without 6-month scores whose
/// window is still open.
pub fn render(s: &Summary, where_: &str, awaiting: &[usize; 3]) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Retention statistics: {} patient(s) in {where_}",
        s.patients
    );
    if s.patients == 0 {
        let _ = writeln!(o, "No patients yet: import a CSV or record patients first.");
        return o;
    }
    let _ = writeln!(
        o,
        "SD is the sample SD (n - 1); CI is the 95% confidence interval (of the mean: t; of a share: Wilson; of rho: Fisher z)."
    );
    let _ = writeln!(o, "{}", crate::stats::present::rules_note());
    for (g, waiting) in s.groups.iter().zip(awaiting) {
        render_group(&mut o, g, *waiting);
    }
    render_comparison(&mut o, &s.subtype_comparison_delta_vds);
    render_durability(&mut o, &s.durability);
    o
}

/// A score's line. `scale`: the score's range, to flag an interval that runs outside it.
fn desc_line(
    o: &mut String,
    label: &str,
    d: &Describe,
    decimals: usize,
    scale: Option<(f64, f64)>,
) {
    let f = |x: Option<f64>| x.map_or("-".to_string(), |x| num(x, decimals));
    let body = match (d.mean, d.sd) {
        (None, _) => "no patients scored".to_string(),
        (Some(m), None) => format!("{} (SD: {})", num(m, decimals), present::undefined(d.n, 2)),
        (Some(m), Some(sd)) => {
            let ci = present::mean_ci(d, decimals, scale)
                .unwrap_or_else(|| "- (every value equal)".to_string());
            format!(
                "{} ± {}   median {}   range {} to {}   CI {}",
                num(m, decimals),
                num(sd, decimals),
                f(d.median),
                f(d.min),
                f(d.max),
                ci
            )
        }
    };
    let _ = writeln!(o, "  {label:<24} n = {:<4} {body}", d.n);
}

/// PSS is ordinal (0 to 3): counts per level and the median first; the mean ± SD only as
/// the contract's figure, without a t interval (which would run off a four-level scale).
fn pss_line(o: &mut String, label: &str, d: &PssDescribe) {
    let body = match d.median {
        None => "no patients scored".to_string(),
        Some(_) => format!(
            "{}   (mean {}{})",
            present::pss_levels(d),
            d.mean.map_or("-".into(), |m| num(m, 2)),
            d.sd.map_or(String::new(), |sd| format!(" ± {}", num(sd, 2)))
        ),
    };
    let _ = writeln!(o, "  {label:<24} n = {:<4} {body}", d.n);
}

fn paired_line(o: &mut String, t: &PairedTOut) {
    let body = present::paired_t_text(t);
    let _ = writeln!(o, "    {:<30} n = {:<4} {body}", "paired t-test", t.n);
}

fn wilcoxon_line(o: &mut String, w: &SignedRankOut) {
    let body = present::wilcoxon_text(w);
    let _ = writeln!(
        o,
        "    {:<30} n = {:<4} {body}",
        "Wilcoxon signed-rank", w.n
    );
}

fn spearman_line(o: &mut String, label: &str, sp: &SpearmanOut) {
    let body = present::spearman_text(sp);
    let _ = writeln!(o, "    {label:<30} n = {:<4} {body}", sp.n);
}

fn render_group(o: &mut String, g: &GroupSummary, awaiting: usize) {
    let title = match g.group {
        "all" => "All patients",
        "androgenetic" => "Androgenetic alopecia",
        "scarring" => "Scarring alopecia",
        other => other,
    };
    let vds = Some(present::VDS_SCALE);
    let _ = writeln!(o, "\n{title} (n = {})", g.n);
    desc_line(o, "VDS post", &g.vds_post, 2, vds);
    desc_line(o, "VDS 6 months", &g.vds_6m, 2, vds);
    desc_line(
        o,
        "Delta VDS (post - 6 m)",
        &g.delta_vds,
        2,
        Some(present::VDS_DIFF_SCALE),
    );
    desc_line(o, "Retention (6 m / post)", &g.retention, 3, None);
    pss_line(o, "PSS post (levels 0-3)", &g.pss_post);
    pss_line(o, "PSS 6 months", &g.pss_6m);
    let _ = writeln!(
        o,
        "  {:<24} {}",
        "Very satisfied at 6 m",
        pct(&g.very_satisfied_6m)
    );
    let _ = writeln!(
        o,
        "  {:<24} {} with post scores have no 6-month scores, {awaiting} of them still within the 6-month window",
        "Lost to follow-up",
        pct(&g.lost_to_follow_up)
    );
    let ae = &g.adverse_events;
    let kinds: Vec<String> = ae.by_type.iter().map(|(k, n)| format!("{k} {n}")).collect();
    let _ = writeln!(
        o,
        "  {:<24} {} patients{}",
        "Adverse events",
        pct(&ae.patients_with_any),
        if kinds.is_empty() {
            String::new()
        } else {
            format!(": {}", kinds.join(", "))
        }
    );
    let _ = writeln!(o, "  Tests");
    let _ = writeln!(o, "   VDS post vs 6 months");
    paired_line(o, &g.paired_t_vds);
    wilcoxon_line(o, &g.wilcoxon_vds);
    let _ = writeln!(o, "   Spearman correlation of VDS and PSS");
    spearman_line(o, "at post", &g.spearman_vds_pss_post);
    spearman_line(o, "at 6 months", &g.spearman_vds_pss_6m);
}

fn t_line(o: &mut String, label: &str, t: &WelchOut) {
    let body = present::t_test_text(t);
    let _ = writeln!(o, "    {label:<30} n = {} vs {:<3} {body}", t.n1, t.n2);
}

fn mw_line(o: &mut String, m: &MannWhitneyOut) {
    let body = present::mann_whitney_text(m);
    let _ = writeln!(
        o,
        "    {:<30} n = {} vs {:<3} {body}",
        "Mann-Whitney U", m.n1, m.n2
    );
}

fn estimate_line(o: &mut String, label: &str, e: Option<&EstimateOut>, how: &str) {
    let body = present::estimate_text(e, how);
    let _ = writeln!(o, "    {label:<30} {body}");
}

fn render_comparison(o: &mut String, c: &crate::stats::summary::Comparison) {
    let _ = writeln!(
        o,
        "\nFading (delta VDS) by subtype, androgenetic minus scarring"
    );
    t_line(o, "Welch t-test", &c.welch_t);
    mw_line(o, &c.mann_whitney);
    t_line(o, "Student t-test (pooled)", &c.student_t);
    let _ = writeln!(o, "   Effect sizes");
    estimate_line(
        o,
        "Hedges' g",
        c.hedges_g.as_ref(),
        "pooled SD, small-sample corrected",
    );
    estimate_line(
        o,
        "Hodges-Lehmann shift",
        c.hodges_lehmann.as_ref(),
        "median of pairwise differences, rank interval",
    );
    let rb = present::rank_biserial_text(c.rank_biserial.map(|r| r.estimate));
    let _ = writeln!(o, "    {:<30} {rb}", "rank-biserial r");
    let _ = writeln!(o, "   VDS at 6 months adjusted for VDS post (OLS)");
    let body = present::ancova_text(c.ancova_vds_6m.as_ref());
    let _ = writeln!(o, "    {body}");
}

fn render_durability(o: &mut String, d: &Durability) {
    let _ = writeln!(
        o,
        "\nDurability: time from session 3 to the first touch-up (Kaplan-Meier; censored at the last date in the record)"
    );
    for (group, f) in &d.touch_up_free {
        let median = present::median_time(f.median_days);
        let at: Vec<String> =
            f.at.iter()
                .map(|a| {
                    // `6 m (182 d)`: the months the screen shows, the days counted.
                    let when = format!("{} ({} d)", present::months_label(a.days), a.days);
                    match a.s {
                        Some(_) if a.at_risk == 0 => {
                            format!("{when}: - (no patient followed this long)")
                        }
                        Some(s) => format!(
                            "{when}: {:.0}% touch-up-free (CI {}), {} at risk",
                            s * 100.0,
                            a.ci95.map_or("-".into(), |c| format!(
                                "{:.0} to {:.0}%",
                                c.low * 100.0,
                                c.high * 100.0
                            )),
                            a.at_risk
                        ),
                        None => format!("{when}: -"),
                    }
                })
                .collect();
        let _ = writeln!(
            o,
            "  {group:<13} n = {:<4} touch-ups {:<4} median {median}; {}",
            f.n,
            f.events,
            at.join("; ")
        );
    }
    let n = |g: &str| d.touch_up_free.get(g).map_or(0, |f| f.n);
    let lr = present::log_rank_text(d.log_rank.as_ref(), n("androgenetic"), n("scarring"));
    let _ = writeln!(o, "  log-rank, androgenetic vs scarring: {lr}");
    let _ = writeln!(o, "  VDS over time (mean ± SD, n)");
    for (group, points) in &d.vds_over_time {
        let cells: Vec<String> = points
            .iter()
            .map(|p| match (p.desc.mean, p.desc.sd) {
                (Some(m), Some(sd)) => {
                    format!("{} {m:.2} ± {sd:.2} (n = {})", p.timepoint, p.desc.n)
                }
                (Some(m), None) => format!("{} {m:.2} (n = {})", p.timepoint, p.desc.n),
                _ => format!("{} - (n = 0)", p.timepoint),
            })
            .collect();
        let _ = writeln!(o, "    {group:<13} {}", cells.join("   "));
    }
}

/// How a published figure compares with the registry's.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Matches,
    Differs,
    /// The registry cannot give this figure, whatever its scores: the reason.
    Impossible(String),
    NoData,
}

/// One line of the published comparison.
#[derive(Debug, Clone, PartialEq)]
pub struct PublishedRow {
    pub figure: &'static str,
    pub published: &'static str,
    pub registry: String,
    pub verdict: Verdict,
}

/// Whether `x` rounds to `published` at the published number of decimals.
fn rounds_to(x: Option<f64>, published: f64, decimals: i32) -> Verdict {
    match x {
        None => Verdict::NoData,
        Some(x) => {
            let scale = 10f64.powi(decimals);
            if ((x * scale).round() - (published * scale).round()).abs() < 0.5 {
                Verdict::Matches
            } else {
                Verdict::Differs
            }
        }
    }
}

fn both(a: Verdict, b: Verdict) -> Verdict {
    match (a, b) {
        (Verdict::NoData, _) | (_, Verdict::NoData) => Verdict::NoData,
        (Verdict::Matches, Verdict::Matches) => Verdict::Matches,
        _ => Verdict::Differs,
    }
}

fn either(a: Verdict, b: Verdict) -> Verdict {
    match (a, b) {
        (Verdict::Matches, _) | (_, Verdict::Matches) => Verdict::Matches,
        (Verdict::NoData, Verdict::NoData) => Verdict::NoData,
        _ => Verdict::Differs,
    }
}

fn mean_sd(d: &Describe) -> String {
    match (d.mean, d.sd) {
        (Some(m), Some(sd)) => format!("{m:.2} ± {sd:.2} (n = {})", d.n),
        (Some(m), None) => format!("{m:.2} (n = {})", d.n),
        _ => format!("no scores (n = {})", d.n),
    }
}

fn opt(x: Option<f64>, decimals: usize) -> String {
    x.map_or("-".to_string(), |x| num(x, decimals))
}

/// The reference case series (Liu et al., J Cosmet Dermatol 2025;24(9):e70375) beside the
/// registry, figure by figure.
pub fn published_rows(s: &Summary) -> Vec<PublishedRow> {
    let [all, aga, scar] = [&s.groups[0], &s.groups[1], &s.groups[2]];
    let mut rows = Vec::new();
    rows.push(PublishedRow {
        figure: "patients (androgenetic / scarring)",
        published: "10 (6 / 4)",
        registry: format!("{} ({} / {})", s.patients, aga.n, scar.n),
        verdict: if (s.patients, aga.n, scar.n) == (10, 6, 4) {
            Verdict::Matches
        } else {
            Verdict::Differs
        },
    });
    for (figure, published, d, m, sd) in [
        ("VDS post, all", "8.7 ± 1.1", &all.vds_post, 8.7, 1.1),
        (
            "VDS post, androgenetic",
            "9.1 ± 0.5",
            &aga.vds_post,
            9.1,
            0.5,
        ),
        ("VDS 6 months, all", "7.7 ± 1.4", &all.vds_6m, 7.7, 1.4),
    ] {
        rows.push(PublishedRow {
            figure,
            published,
            registry: mean_sd(d),
            verdict: both(rounds_to(d.mean, m, 1), rounds_to(d.sd, sd, 1)),
        });
    }
    for (figure, published, d, m) in [
        ("delta VDS, androgenetic", "0.9", &aga.delta_vds, 0.9),
        ("delta VDS, scarring", "1.6", &scar.delta_vds, 1.6),
    ] {
        rows.push(PublishedRow {
            figure,
            published,
            registry: format!("{} (n = {})", opt(d.mean, 2), d.n),
            verdict: rounds_to(d.mean, m, 1),
        });
    }
    let c = &s.subtype_comparison_delta_vds;
    rows.push(PublishedRow {
        figure: "delta VDS by subtype, p (test not named)",
        published: "0.03",
        registry: format!(
            "Welch t {}, Mann-Whitney U {} (n = {} vs {})",
            present::p_text(&c.welch_t),
            present::p_text(&c.mann_whitney),
            c.welch_t.n1,
            c.welch_t.n2
        ),
        verdict: either(
            rounds_to(c.welch_t.p, 0.03, 2),
            rounds_to(c.mann_whitney.p, 0.03, 2),
        ),
    });
    rows.push(PublishedRow {
        figure: "mean PSS (timepoint not named)",
        published: "2.7",
        registry: format!(
            "post {} (n = {}), 6 m {} (n = {})",
            opt(all.pss_post.mean, 2),
            all.pss_post.n,
            opt(all.pss_6m.mean, 2),
            all.pss_6m.n
        ),
        verdict: either(
            rounds_to(all.pss_post.mean, 2.7, 1),
            rounds_to(all.pss_6m.mean, 2.7, 1),
        ),
    });
    let sp = |x: &SpearmanOut| -> Verdict {
        match (x.rho, x.p) {
            (Some(_), Some(p)) if p < 0.001 => rounds_to(x.rho, 0.91, 2),
            (Some(_), Some(_)) => Verdict::Differs,
            _ => Verdict::NoData,
        }
    };
    let sp_text = |x: &SpearmanOut| match (x.rho, x.p) {
        (Some(r), Some(_)) => format!("{r:.2}, {} (n = {})", present::p_text(x), x.n),
        _ => format!("- (n = {})", x.n),
    };
    rows.push(PublishedRow {
        figure: "Spearman rho(VDS, PSS) (timepoint not named)",
        published: "0.91, p < 0.001",
        registry: format!(
            "post {}; 6 m {}",
            sp_text(&all.spearman_vds_pss_post),
            sp_text(&all.spearman_vds_pss_6m)
        ),
        verdict: either(sp(&all.spearman_vds_pss_post), sp(&all.spearman_vds_pss_6m)),
    });
    let vs = &aga.very_satisfied_6m;
    let attainable = (0..=vs.of).any(|k| {
        let p = 100.0 * k as f64 / vs.of as f64;
        (p * 10.0).round() == 857.0
    });
    rows.push(PublishedRow {
        figure: "very satisfied, androgenetic",
        published: "85.7%",
        registry: pct(vs),
        verdict: if vs.of == 0 {
            Verdict::NoData
        } else if !attainable {
            Verdict::Impossible(format!(
                "with {} androgenetic patient(s) scored at 6 m no count gives 85.7% (it is 6 of 7)",
                vs.of
            ))
        } else {
            rounds_to(vs.pct, 85.7, 1)
        },
    });
    let ae = &all.adverse_events.patients_with_any;
    rows.push(PublishedRow {
        figure: "adverse events",
        published: "none",
        registry: format!("{} of {} patients", ae.count, ae.of),
        verdict: if ae.count == 0 {
            Verdict::Matches
        } else {
            Verdict::Differs
        },
    });
    rows
}

/// `stats --json`: the summary in the contract's key order, and with `--compare-published`
/// the comparison as an additive key.
#[derive(Serialize)]
struct JsonDoc<'a> {
    #[serde(flatten)]
    summary: &'a Summary,
    /// Of the patients counted in each group's `lost_to_follow_up` (post score, no 6-month
    /// score), those whose 6-month window has not closed yet: not lost, only not yet due.
    awaiting_6m_window: AwaitingJson,
    /// Patients left out (data-use consent refused or withdrawn) and patients counted in
    /// `patients` without any data-use consent recorded.
    data_use_consent: DataUseJson,
    /// Patients with a post (or later) follow-up recorded before the last session of their
    /// course (imported historical courses that ended early).
    post_score_before_course_end: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    published_comparison: Option<Vec<PublishedJson>>,
}

#[derive(Debug, Serialize)]
struct DataUseJson {
    left_out: usize,
    not_recorded: usize,
}

#[derive(Debug, Serialize)]
struct AwaitingJson {
    all: usize,
    androgenetic: usize,
    scarring: usize,
}

#[derive(Debug, Serialize)]
struct PublishedJson {
    figure: &'static str,
    published: &'static str,
    registry: String,
    verdict: &'static str,
    reason: Option<String>,
}

fn published_json(s: &Summary) -> Vec<PublishedJson> {
    published_rows(s)
        .into_iter()
        .map(|r| {
            let (verdict, reason) = match r.verdict {
                Verdict::Matches => ("matches", None),
                Verdict::Differs => ("differs", None),
                Verdict::Impossible(why) => ("cannot be reproduced", Some(why)),
                Verdict::NoData => ("no data", None),
            };
            PublishedJson {
                figure: r.figure,
                published: r.published,
                registry: r.registry,
                verdict,
                reason,
            }
        })
        .collect()
}

/// The published comparison as text.
pub fn render_published(s: &Summary) -> String {
    let mut o = String::new();
    let _ = writeln!(
        o,
        "Published case series (Liu et al., J Cosmet Dermatol 2025;24(9):e70375, 10 patients)"
    );
    let _ = writeln!(
        o,
        "Published figures are rounded; a registry figure matches when it rounds to the same value."
    );
    for r in published_rows(s) {
        let verdict = match &r.verdict {
            Verdict::Matches => "matches".to_string(),
            Verdict::Differs => "DIFFERS".to_string(),
            Verdict::Impossible(why) => format!("CANNOT BE REPRODUCED: {why}"),
            Verdict::NoData => "no data in the registry".to_string(),
        };
        let _ = writeln!(o, "  {}", r.figure);
        let _ = writeln!(
            o,
            "      published {:<18} registry {}   -> {verdict}",
            r.published, r.registry
        );
    }
    let _ = writeln!(
        o,
        "Note: the published summary does not reconcile with itself (85.7% of 6 patients is not a whole count; the subgroup fading figures imply a 6-month mean near 7.5, not 7.7), so no registry can match every figure; smplan computes from patient-level records only."
    );
    o
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Patient, Pss, Subtype, Timepoint, Vds};

    fn patient(id: &str, s: Subtype, post: (f64, u8), m6: Option<(f64, u8)>) -> Patient {
        let mut p = Patient::new(id, s);
        let f = p.follow_up_mut(Timepoint::Post);
        f.vds = Some(Vds::new(post.0).unwrap());
        f.pss = Some(Pss::new(post.1).unwrap());
        if let Some((v, q)) = m6 {
            let f = p.follow_up_mut(Timepoint::M6);
            f.vds = Some(Vds::new(v).unwrap());
            f.pss = Some(Pss::new(q).unwrap());
        }
        p
    }

    fn small_cohort() -> Vec<Patient> {
        let a = Subtype::Androgenetic;
        let s = Subtype::Scarring;
        vec![
            patient("A1", a, (9.5, 3), Some((9.0, 3))),
            patient("A2", a, (9.0, 3), Some((8.5, 3))),
            patient("A3", a, (8.5, 2), Some((7.5, 2))),
            patient("A4", a, (9.0, 3), None),
            patient("S1", s, (8.0, 2), Some((6.5, 1))),
        ]
    }

    /// Durability times read in months (days / 30.4375, rounded) with the days counted, as
    /// the screen's table heads them; the log-rank line is the screen's.
    #[test]
    fn durability_times_in_months_with_their_days() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        let ps = crate::synth::registry(40, 16, today, &crate::protocol::Protocol::builtin());
        let sum = summarize(&ps);
        let mut out = String::new();
        render_durability(&mut out, &sum.durability);
        for when in ["6 m (182 d): ", "12 m (365 d): ", "24 m (730 d): "] {
            assert!(out.contains(when), "{when}: {out}");
        }
        let n = |g: &str| sum.durability.touch_up_free[g].n;
        let lr = present::log_rank_text(
            sum.durability.log_rank.as_ref(),
            n("androgenetic"),
            n("scarring"),
        );
        assert!(
            out.contains(&format!("log-rank, androgenetic vs scarring: {lr}")),
            "{out}"
        );
    }

    #[test]
    fn table_shows_n_methods_and_too_few() {
        let out = render(&summarize(&small_cohort()), "/tmp/reg", &[1, 1, 0]);
        assert!(out.contains("5 patient(s) in /tmp/reg"), "{out}");
        assert!(out.contains("Scarring alopecia (n = 1)"), "{out}");
        // One scarring patient: SD and every test are undefined for want of patients.
        assert!(out.contains("too few patients (n = 1, needs 2)"), "{out}");
        assert!(out.contains("too few patients (n = 1, needs 3)"), "{out}");
        assert!(out.contains("(t distribution, two-sided)"), "{out}");
        // n <= 10: the exact p first, the approximation beside it, and the floor of the
        // exact test said where it is above 0.05 (Spearman at n = 4: 2/24 with no ties).
        assert!(
            out.contains("(exact permutation, two-sided); t approximation p = "),
            "{out}"
        );
        assert!(
            out.contains("the smallest p this test can give at n = 4 is"),
            "{out}"
        );
        // PSS: counts per level and the median first.
        assert!(
            out.contains("0: 0, 1: 0, 2: 1, 3: 3; median 3 (n = 4)"),
            "{out}"
        );
        assert!(out.contains(present::EXACT_RULE), "{out}");
        assert!(out.contains("Lost to follow-up"), "{out}");
        assert!(
            out.contains("1 of 4 (25.0%, 95% CI 4.6 to 69.9%, Wilson)"),
            "{out}"
        );
        // A missing 6-month score whose window is still open is not yet a loss: say so.
        assert!(
            out.contains(
                "1 of 4 (25.0%, 95% CI 4.6 to 69.9%, Wilson) with post scores have no 6-month scores, 1 of them still within the 6-month window"
            ),
            "{out}"
        );
        assert!(!out.contains("NaN") && !out.contains("inf"), "{out}");
    }

    #[test]
    fn empty_registry_says_so() {
        let out = render(&summarize(&[]), "/x", &[0; 3]);
        assert!(out.contains("No patients yet"), "{out}");
    }

    #[test]
    fn published_comparison_flags_the_impossible_share() {
        let rows = published_rows(&summarize(&small_cohort()));
        let vs = rows
            .iter()
            .find(|r| r.figure == "very satisfied, androgenetic")
            .unwrap();
        // 3 androgenetic patients scored at 6 m: 85.7% is not k/3 for any k.
        assert!(matches!(vs.verdict, Verdict::Impossible(_)), "{vs:?}");
        let ae = rows.iter().find(|r| r.figure == "adverse events").unwrap();
        assert_eq!(ae.verdict, Verdict::Matches);
        let n = rows
            .iter()
            .find(|r| r.figure.starts_with("patients"))
            .unwrap();
        assert_eq!(n.verdict, Verdict::Differs);
        let text = render_published(&summarize(&small_cohort()));
        assert!(text.contains("CANNOT BE REPRODUCED"), "{text}");
    }

    /// Every p-value of the comparison names its test and method, with n, as the tables do.
    #[test]
    fn published_comparison_names_each_p_values_method() {
        let rows = published_rows(&summarize(&small_cohort()));
        let row = |f: &str| rows.iter().find(|r| r.figure.starts_with(f)).unwrap();
        let sp = &row("Spearman").registry;
        // Small n: the exact p first, the t approximation beside it.
        assert!(
            sp.contains("p = 0.100 (exact permutation, two-sided); t approximation p = 0.0439"),
            "{sp}"
        );
        let mut ps = vec![
            patient("A9", Subtype::Androgenetic, (9.0, 3), Some((8.0, 3))),
            patient("S2", Subtype::Scarring, (8.0, 2), Some((6.0, 1))),
        ];
        ps.extend(small_cohort());
        let rows = published_rows(&summarize(&ps));
        let cmp = &rows
            .iter()
            .find(|r| r.figure.starts_with("delta VDS by subtype"))
            .unwrap()
            .registry;
        assert!(
            cmp.contains("Welch t p = ") && cmp.contains("(t distribution, Welch"),
            "{cmp}"
        );
        assert!(cmp.contains("Mann-Whitney U p = "), "{cmp}");
    }

    #[test]
    fn published_comparison_in_json() {
        let s = summarize(&small_cohort());
        let doc = JsonDoc {
            summary: &s,
            awaiting_6m_window: AwaitingJson {
                all: 0,
                androgenetic: 0,
                scarring: 0,
            },
            data_use_consent: DataUseJson {
                left_out: 0,
                not_recorded: 0,
            },
            post_score_before_course_end: 0,
            published_comparison: Some(published_json(&s)),
        };
        let text = serde_json::to_string(&doc).unwrap();
        // Contract keys first, in the contract's order; the comparison after them.
        let at = |k: &str| text.find(&format!("\"{k}\"")).unwrap();
        assert!(at("patients") < at("groups"));
        assert!(at("groups") < at("subtype_comparison_delta_vds"));
        assert!(at("subtype_comparison_delta_vds") < at("published_comparison"));
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let rows = v["published_comparison"].as_array().unwrap();
        assert!(rows.iter().any(|r| r["verdict"] == "cannot be reproduced"
            && r["reason"].as_str().unwrap().contains("85.7%")));
    }

    #[test]
    fn rounding_comparison() {
        assert_eq!(rounds_to(Some(8.66), 8.7, 1), Verdict::Matches);
        assert_eq!(rounds_to(Some(8.64), 8.7, 1), Verdict::Differs);
        assert_eq!(rounds_to(None, 8.7, 1), Verdict::NoData);
    }
}
