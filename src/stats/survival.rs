//! Time-to-event statistics for durability: the Kaplan–Meier estimate with Greenwood's
//! variance and the log(−log) interval, and the log-rank test (lifelines
//! `KaplanMeierFitter` with its defaults, and `logrank_test`).
//!
//! Times are whole days (the registry records dates), so ties are the rule: every estimator
//! here works on the distinct times with their counts of events and of censorings.

use super::describe::Interval;
use super::effect::Z975;
use super::finite;
use statrs::distribution::{ChiSquared, ContinuousCDF};

/// One subject: time observed (days) and whether it ended in the event (else censored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Observation {
    pub days: i64,
    pub event: bool,
}

/// One distinct time with what happened at it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Step {
    pub days: i64,
    /// At risk just before `days`: observed for at least this long.
    pub at_risk: usize,
    pub events: usize,
    pub censored: usize,
    /// Ŝ just after `days`.
    pub s: f64,
    /// Greenwood's sum Σ dᵢ / (nᵢ(nᵢ − dᵢ)) up to `days` (infinite once Ŝ reaches 0).
    pub greenwood: f64,
}

/// The Kaplan–Meier curve of a sample.
#[derive(Debug, Clone, PartialEq)]
pub struct KaplanMeier {
    pub n: usize,
    pub events: usize,
    /// One step per distinct time (events or censorings), in order.
    pub steps: Vec<Step>,
}

/// Sorts the observations and counts events and censorings at each distinct time.
pub fn kaplan_meier(obs: &[Observation]) -> KaplanMeier {
    let mut sorted = obs.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    let mut steps = Vec::new();
    let (mut log_s, mut greenwood) = (0.0f64, 0.0f64);
    let mut i = 0;
    while i < n {
        let days = sorted[i].days;
        let at_risk = n - i;
        let mut j = i;
        let mut events = 0;
        while j < n && sorted[j].days == days {
            events += usize::from(sorted[j].event);
            j += 1;
        }
        if events > 0 {
            // lifelines sums logs: Ŝ = exp(Σ (log(n − d) − log n)), which keeps a product
            // that is exactly ½ at ½ (so the median is the same day as lifelines').
            let (d, r) = (events as f64, at_risk as f64);
            log_s += (r - d).ln() - r.ln();
            greenwood += d / (r * (r - d));
        }
        steps.push(Step {
            days,
            at_risk,
            events,
            censored: (j - i) - events,
            s: log_s.exp(),
            greenwood,
        });
        i = j;
    }
    KaplanMeier {
        n,
        events: sorted.iter().filter(|o| o.event).count(),
        steps,
    }
}

impl KaplanMeier {
    /// The last step at or before `days` (`None` before the first time).
    fn step_at(&self, days: i64) -> Option<&Step> {
        let k = self.steps.partition_point(|s| s.days <= days);
        k.checked_sub(1).map(|k| &self.steps[k])
    }

    /// Ŝ(t): 1 before the first event.
    pub fn survival_at(&self, days: i64) -> f64 {
        self.step_at(days).map_or(1.0, |s| s.s)
    }

    /// Subjects observed for at least `days` (event-free and uncensored just before).
    pub fn at_risk(&self, days: i64) -> usize {
        let k = self.steps.partition_point(|s| s.days < days);
        self.steps.get(k).map_or(0, |s| s.at_risk)
    }

    /// The log(−log) ("exponential Greenwood") 95% interval of Ŝ(t), lifelines' default:
    /// `exp(−exp(log(−log Ŝ) ± z·√G / log Ŝ))`. `None` where Ŝ is 1 (nothing has happened
    /// yet, the interval is undefined) or 0.
    pub fn ci_at(&self, days: i64) -> Option<Interval> {
        let st = self.step_at(days)?;
        if st.s >= 1.0 || st.s <= 0.0 || !st.greenwood.is_finite() {
            return None;
        }
        let v = st.s.ln();
        let half = Z975 * st.greenwood.sqrt() / v;
        let a = (-((-v).ln() - half).exp()).exp();
        let b = (-((-v).ln() + half).exp()).exp();
        Some(Interval {
            low: finite(a.min(b))?,
            high: finite(a.max(b))?,
        })
    }

    /// The curve as a staircase from (0, 1) for drawing: at each event time a vertical drop
    /// from the level before to the level after; the last point at the last time observed.
    pub fn staircase(&self) -> Vec<(f64, f64)> {
        let mut pts = vec![(0.0, 1.0)];
        let mut level = 1.0;
        for st in &self.steps {
            let t = st.days as f64;
            if st.events > 0 {
                pts.push((t, level));
                pts.push((t, st.s));
                level = st.s;
            }
        }
        if let Some(last) = self.steps.last() {
            pts.push((last.days as f64, level));
        }
        pts
    }

    /// Where patients were censored (days, Ŝ there), for the tick marks of a chart.
    pub fn censor_marks(&self) -> Vec<(f64, f64)> {
        self.steps
            .iter()
            .filter(|s| s.censored > 0)
            .map(|s| (s.days as f64, s.s))
            .collect()
    }

    /// The median time: the first time Ŝ falls to 0.5 or below; `None` when it never does.
    pub fn median(&self) -> Option<i64> {
        self.steps.iter().find(|s| s.s <= 0.5).map(|s| s.days)
    }
}

/// The log-rank test of two samples (lifelines `logrank_test`): χ² with 1 df.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogRank {
    pub chi2: f64,
    pub df: f64,
    pub p: f64,
}

/// Log-rank test of `a` against `b`. `None` with an empty sample or no event at all.
pub fn log_rank(a: &[Observation], b: &[Observation]) -> Option<LogRank> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let mut all: Vec<(i64, bool, bool)> = a
        .iter()
        .map(|o| (o.days, o.event, true))
        .chain(b.iter().map(|o| (o.days, o.event, false)))
        .collect();
    all.sort_unstable();
    let (mut n_a, mut n) = (a.len() as f64, all.len() as f64);
    let (mut o_minus_e, mut var) = (0.0, 0.0);
    let mut i = 0;
    while i < all.len() {
        let days = all[i].0;
        let (mut d, mut d_a, mut left, mut left_a) = (0.0, 0.0, 0.0, 0.0);
        while i < all.len() && all[i].0 == days {
            let (_, event, in_a) = all[i];
            left += 1.0;
            if in_a {
                left_a += 1.0;
            }
            if event {
                d += 1.0;
                if in_a {
                    d_a += 1.0;
                }
            }
            i += 1;
        }
        if d > 0.0 {
            o_minus_e += d_a - d * n_a / n;
            if n > 1.0 {
                var += d * (n_a / n) * (1.0 - n_a / n) * (n - d) / (n - 1.0);
            }
        }
        n -= left;
        n_a -= left_a;
    }
    if var <= 0.0 {
        return None;
    }
    let chi2 = finite(o_minus_e * o_minus_e / var)?;
    let p = ChiSquared::new(1.0).ok()?.sf(chi2);
    Some(LogRank {
        chi2,
        df: 1.0,
        p: finite(p)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(v: &[(i64, bool)]) -> Vec<Observation> {
        v.iter()
            .map(|&(days, event)| Observation { days, event })
            .collect()
    }

    /// 5 subjects: events at 10 and 30, censored at 20, 40, 40.
    fn five() -> KaplanMeier {
        kaplan_meier(&obs(&[
            (10, true),
            (20, false),
            (30, true),
            (40, false),
            (40, false),
        ]))
    }

    #[test]
    fn staircase_drops_at_events_and_ends_at_the_last_time() {
        // Events at 10 and 30, censored at 20, 40, 40: Ŝ 0.8 after 10, 0.8 · 2/3 after 30.
        let km = five();
        let st = km.staircase();
        let s30 = 0.8 * 2.0 / 3.0;
        assert_eq!(st.len(), 6);
        assert_eq!(
            &st[..3],
            &[(0.0, 1.0), (10.0, 1.0), (10.0, km.survival_at(10))]
        );
        assert!((st[4].1 - s30).abs() < 1e-12 && st[4].0 == 30.0);
        assert_eq!(st[5].0, 40.0);
        assert_eq!(
            km.censor_marks().iter().map(|m| m.0).collect::<Vec<_>>(),
            [20.0, 40.0]
        );
        assert_eq!(kaplan_meier(&[]).staircase(), [(0.0, 1.0)]);
    }

    #[test]
    fn kaplan_meier_by_hand() {
        // 5 subjects: events at 10 and 30, censored at 20, 40, 40.
        // Ŝ(10) = 4/5, Ŝ(30) = 4/5 · 2/3 (3 at risk at 30).
        let km = five();
        assert_eq!((km.n, km.events), (5, 2));
        assert!((km.survival_at(9) - 1.0).abs() < 1e-15);
        assert!((km.survival_at(25) - 0.8).abs() < 1e-12);
        assert!((km.survival_at(30) - 0.8 * 2.0 / 3.0).abs() < 1e-12);
        assert_eq!((km.at_risk(10), km.at_risk(11), km.at_risk(30)), (5, 4, 3));
        assert_eq!(km.median(), None, "Ŝ never falls to one half");
        let all = kaplan_meier(&obs(&[(10, true), (20, true), (30, false)]));
        assert_eq!(all.median(), Some(20));
        assert_eq!(km.ci_at(5), None, "nothing has happened yet");
        let ci = km.ci_at(12).unwrap();
        assert!(ci.low < 0.8 && 0.8 < ci.high && ci.high < 1.0, "{ci:?}");
    }

    #[test]
    fn log_rank_is_null_without_events_and_symmetric() {
        let a = obs(&[(10, true), (20, true), (30, false)]);
        let b = obs(&[(15, false), (40, true), (50, false)]);
        let ab = log_rank(&a, &b).unwrap();
        let ba = log_rank(&b, &a).unwrap();
        assert!((ab.chi2 - ba.chi2).abs() < 1e-12);
        assert!(ab.p > 0.0 && ab.p < 1.0);
        assert_eq!(log_rank(&obs(&[(1, false)]), &obs(&[(2, false)])), None);
        assert_eq!(log_rank(&[], &a), None);
    }
}
