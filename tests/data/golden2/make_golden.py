#!/usr/bin/env python3
"""Makes the second round of golden cohorts and the numbers the references give for them.

    pip install scipy statsmodels lifelines   # SciPy 1.17, statsmodels 0.15, lifelines 0.30
    python3 tests/data/golden2/make_golden.py   # rewrites tests/data/golden2/*

Each cohort_K.csv is a registry in the patient CSV format of the contract; cohort_K.expected.json
holds, in the statistics JSON format (contract, "Statistics JSON" and its "additional keys"),
what the named references compute for it:

- descriptive figures: NumPy (mean, std ddof=1), SciPy t.interval for the mean;
- Wilson intervals: statsmodels proportion_confint(method="wilson") x 100;
- paired t: scipy.stats.ttest_rel(post, m6) and its confidence_interval();
- Welch / Student t: scipy.stats.ttest_ind(a, s, equal_var=False / True) and
  confidence_interval();
- Spearman: scipy.stats.spearmanr; interval by the contract's Fisher z / Bonett-Wright formula;
- Wilcoxon: scipy.stats.wilcoxon(d) (zero_method "wilcox");
- Mann-Whitney: scipy.stats.mannwhitneyu(a, s, alternative="two-sided");
- exact p-values (p_exact) and the smallest attainable exact p (p_exact_min): brute force over
  every permutation, split or sign assignment (itertools / NumPy), with the two-sided rule
  "at least as far from the null mean as the observed statistic";
- Hedges' g, rank-biserial: the contract's formulas in NumPy;
- Hodges-Lehmann: np.median of np.subtract.outer(a, s); its interval's rank k is R's
  qwilcox(0.025, n1, n2). R is not available here, so qwilcox is computed as R defines it
  (src/nmath/qwilcox.c): the smallest q with sum_{u<=q} cwilcox(u, m, n) / choose(m+n, n)
  >= p - 10 * DBL_EPSILON, summed in double precision, where cwilcox(u, m, n) is the number
  of splits of 1..m+n into groups of m and n whose Mann-Whitney U is u. The counts come from
  an exact enumeration of the Mann-Whitney distribution (every split of the ranks, counted
  by a subset-sum recursion in Python integers), checked against itertools.combinations for
  small groups;
- durability (durability_K.csv / .expected.json): lifelines KaplanMeierFitter (defaults:
  Greenwood variance, log(-log) "exponential Greenwood" interval) of the days from session 3
  to the first touch-up, censored at the latest date in the record; the estimate at 182, 365
  and 730 days (survival_function_at_times), its interval (confidence_interval_ at the last
  time at or before the day; null while the estimate is 1 or once it is 0, where the
  log(-log) interval is undefined), median_survival_time_ (null when not reached), numbers at
  risk (observed at least that long); lifelines logrank_test androgenetic against scarring;
  VDS at every visit with NumPy;
- the baseline-adjusted comparison: statsmodels OLS(vds_6m, [1, vds_post, androgenetic]);
  null (as the contract's t-tests) when the fit is perfect, its standard error rounding
  noise (at most 1e-12 of the effect).

Differences are taken in whole tenths (the scale's resolution), as the contract says, before
any ranking. Undefined figures are null by the contract's rules (not NaN).

The Rust tests compare against the committed JSON files; they never run this script.
"""

import csv
import itertools
import json
import math
import os
import random
import sys

import numpy as np
import lifelines
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import stats
from lifelines import KaplanMeierFitter
from lifelines.statistics import logrank_test
from statsmodels.stats.proportion import proportion_confint

HERE = os.path.dirname(os.path.abspath(__file__))
Z = 1.959963984540054
DBL_EPSILON = sys.float_info.epsilon
SPEARMAN_EXACT_MAX_N = 10
COLUMNS = [
    "record_id", "subtype", "session1_date", "session2_date", "session3_date",
    "post_date", "vds_post", "pss_post", "m6_date", "vds_6m", "pss_6m", "adverse_events",
]


# ----------------------------------------------------------------------------- helpers

def num(x):
    """A float for JSON, or None for NaN / infinity."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def interval(lo, hi):
    lo, hi = num(lo), num(hi)
    return None if lo is None or hi is None else {"low": lo, "high": hi}


def all_equal(xs):
    return all(x == xs[0] for x in xs)


def desc(xs):
    n = len(xs)
    out = {"n": n, "mean": None, "sd": None, "ci95": None}
    if n == 0:
        return out
    a = np.array(xs, dtype=float)
    out["mean"] = num(np.mean(a))
    if n >= 2:
        sd = 0.0 if all_equal(xs) else float(np.std(a, ddof=1))
        out["sd"] = sd
        if sd > 0:
            lo, hi = stats.t.interval(0.95, n - 1, loc=np.mean(a), scale=sd / math.sqrt(n))
            out["ci95"] = interval(lo, hi)
    return out


def pss_desc(xs):
    d = desc(xs)
    d["levels"] = [sum(1 for x in xs if x == k) for k in range(4)]
    return d


def wilson(count, of):
    if of == 0:
        return None
    lo, hi = proportion_confint(count, of, alpha=0.05, method="wilson")
    return interval(lo * 100, hi * 100)


def share(count, of):
    return {"count": count, "of": of, "pct": (100.0 * count / of) if of else None,
            "ci95": wilson(count, of)}


def rankdata(xs):
    return stats.rankdata(xs, method="average")


# ----------------------------------------------------------------------------- exact tests

_PERMS = {}


def all_permutations(n):
    """Every permutation of range(n) as rows of an int8 array (n! rows), built by inserting
    each new element at every position; checked against itertools for small n."""
    if n not in _PERMS:
        p = np.zeros((1, 0), dtype=np.int8)
        for k in range(n):
            m = p.shape[0]
            out = np.empty((m * (k + 1), k + 1), dtype=np.int8)
            for pos in range(k + 1):
                block = out[pos * m:(pos + 1) * m]
                block[:, :pos] = p[:, :pos]
                block[:, pos] = k
                block[:, pos + 1:] = p[:, pos:]
            p = out
        _PERMS[n] = p
    return _PERMS[n]


assert sorted(map(tuple, all_permutations(5).tolist())) == sorted(itertools.permutations(range(5)))


def spearman_exact(x, y):
    """(p, p_min) over all n! orderings of y's ranks against x's, |rho| >= |rho0|."""
    n = len(x)
    rx = (2 * rankdata(x)).astype(np.int64)
    ry = (2 * rankdata(y)).astype(np.int64)
    total = int(rx.sum()) * int(ry.sum())
    perms = all_permutations(n)
    s = np.concatenate([(ry[perms[i:i + 400_000]] * rx[None, :]).sum(axis=1)
                        for i in range(0, len(perms), 400_000)])
    far = np.abs(n * s - total)
    obs = abs(n * int((rx * ry).sum()) - total)
    return float(np.mean(far >= obs)), float(np.mean(far == far.max()))


def wilcoxon_exact(d):
    """(p, p_min) over all 2^m sign assignments of the ranked non-zero differences."""
    nz = [x for x in d if x != 0]
    r2 = (2 * rankdata([abs(x) for x in nz])).astype(np.int64)
    m = len(nz)
    total = int(r2.sum())
    obs = int(sum(r for r, x in zip(r2, nz) if x > 0))
    # Distribution of the doubled R+ by subset sums, exactly in integers.
    counts = {0: 1}
    for r in r2:
        nxt = dict(counts)
        for s, c in counts.items():
            nxt[s + int(r)] = nxt.get(s + int(r), 0) + c
        counts = nxt
    allc = 2 ** m
    hit = sum(c for s, c in counts.items() if abs(2 * s - total) >= abs(2 * obs - total))
    far = max(abs(2 * s - total) for s in counts)
    at_max = sum(c for s, c in counts.items() if abs(2 * s - total) == far)
    return hit / allc, at_max / allc


def mw_exact(a, s):
    """(p, p_min) over every split of the pooled values, ties kept; None if too many."""
    pooled = list(a) + list(s)
    n, k = len(pooled), len(a)
    if math.comb(n, k) > 300_000:
        return None
    r2 = (2 * rankdata(pooled)).astype(np.int64)
    mean = k * (n + 1)
    obs = abs(int(r2[:k].sum()) - mean)
    fars = np.array([abs(int(r2[list(c)].sum()) - mean)
                     for c in itertools.combinations(range(n), k)])
    return float(np.mean(fars >= obs)), float(np.mean(fars == fars.max()))


def mw_counts(m, n):
    """Number of splits of ranks 1..m+n into m and n with each U = 0..mn (no ties): the
    rank sums of every m-subset of 1..m+n, counted by a subset-sum recursion."""
    # ways[j][s]: j-element subsets of the ranks seen so far with sum s.
    top = sum(range(n + 1, m + n + 1))
    ways = [[0] * (top + 1) for _ in range(m + 1)]
    ways[0][0] = 1
    for r in range(1, m + n + 1):
        for j in range(min(m, r), 0, -1):
            row, prev = ways[j], ways[j - 1]
            for s in range(top, r - 1, -1):
                if prev[s - r]:
                    row[s] += prev[s - r]
    base = m * (m + 1) // 2
    return [ways[m][u + base] for u in range(m * n + 1)]


def mw_counts_brute(m, n):
    counts = [0] * (m * n + 1)
    base = m * (m + 1) // 2
    for c in itertools.combinations(range(1, m + n + 1), m):
        counts[sum(c) - base] += 1
    return counts


def qwilcox(p, m, n):
    """R's qwilcox(p, m, n) for lower_tail = TRUE, log_p = FALSE (nmath/qwilcox.c)."""
    counts = mw_counts(m, n)
    c = float(math.comb(m + n, n))
    x = p - 10 * DBL_EPSILON
    cum, q = 0.0, 0
    while True:
        cum += float(counts[q]) / c
        if cum >= x:
            return q
        q += 1


for (m, n) in [(1, 1), (2, 3), (4, 4), (5, 7), (6, 6)]:
    assert mw_counts(m, n) == mw_counts_brute(m, n), (m, n)


def hodges_lehmann(a, s):
    if not a or not s:
        return None
    n1, n2 = len(a), len(s)
    diffs = np.sort(np.subtract.outer(np.array(a), np.array(s)).ravel())
    est = float(np.median(diffs))
    if n1 < 50 and n2 < 50:
        k = qwilcox(0.025, n1, n2)
    else:
        k = math.floor(n1 * n2 / 2 - Z * math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12))
    k = max(k, 1)
    N = n1 * n2
    ci = interval(diffs[k - 1], diffs[N - k]) if k <= N - k + 1 else None
    return {"estimate": est, "ci95": ci}


# ----------------------------------------------------------------------------- summary

def tenths(v):
    return None if v is None else int(round(v * 10))


def pairs(rows, a, b):
    xs, ys, ds = [], [], []
    for r in rows:
        if r[a] is not None and r[b] is not None:
            xs.append(r[a])
            ys.append(r[b])
            ds.append((tenths(r[a]) - tenths(r[b])) / 10)
    return xs, ys, ds


def spearman_out(x, y):
    n = len(x)
    out = {"n": n, "rho": None, "p": None, "ci95": None}
    if n < 3 or all_equal(x) or all_equal(y):
        return out
    res = stats.spearmanr(x, y)
    rho = float(res.statistic)
    out["rho"], out["p"] = rho, num(res.pvalue)
    if n >= 4 and abs(rho) < 1:
        half = Z * math.sqrt((1 + rho * rho / 2) / (n - 3))
        out["ci95"] = interval(math.tanh(math.atanh(rho) - half),
                               math.tanh(math.atanh(rho) + half))
    if n <= SPEARMAN_EXACT_MAX_N:
        out["p_exact"], out["p_exact_min"] = spearman_exact(x, y)
    return out


def paired_out(post, m6, d):
    n = len(d)
    out = {"n": n, "t": None, "df": None, "p": None,
           "mean_diff": {"estimate": num(np.mean(d)) if n else None, "ci95": None}}
    if n >= 2 and not all_equal(d):
        res = stats.ttest_rel(post, m6)
        ci = res.confidence_interval()
        out.update(t=float(res.statistic), df=int(res.df), p=float(res.pvalue))
        out["mean_diff"] = {"estimate": float(np.mean(np.array(post) - np.array(m6))),
                            "ci95": interval(ci.low, ci.high)}
    return out


def wilcoxon_out(d):
    out = {"n": len(d), "zero_method": "wilcox"}
    nz = [x for x in d if x != 0]
    if not nz:
        out.update(w=None, p=None)
        return out
    res = stats.wilcoxon(d)
    out.update(n_nonzero=len(nz), w=float(res.statistic), p=float(res.pvalue))
    if len(nz) <= 20:
        out["p_exact"], out["p_exact_min"] = wilcoxon_exact(d)
    return out


def group(name, rows):
    post, m6, d = pairs(rows, "vds_post", "vds_6m")
    pss6 = [r["pss_6m"] for r in rows if r["pss_6m"] is not None]
    has_post = [r for r in rows if r["vds_post"] is not None or r["pss_post"] is not None]
    lost = [r for r in has_post if r["vds_6m"] is None and r["pss_6m"] is None]
    with_ae = sum(1 for r in rows if r["adverse"])
    return {
        "group": name,
        "n": len(rows),
        "vds_post": desc([r["vds_post"] for r in rows if r["vds_post"] is not None]),
        "vds_6m": desc([r["vds_6m"] for r in rows if r["vds_6m"] is not None]),
        "delta_vds": desc(d),
        "pss_post": pss_desc([r["pss_post"] for r in rows if r["pss_post"] is not None]),
        "pss_6m": pss_desc(pss6),
        "very_satisfied_6m": share(sum(1 for v in pss6 if v == 3), len(pss6)),
        "paired_t_vds": paired_out(post, m6, d),
        "spearman_vds_pss_post": spearman_out(*pairs(rows, "vds_post", "pss_post")[:2]),
        "spearman_vds_pss_6m": spearman_out(*pairs(rows, "vds_6m", "pss_6m")[:2]),
        "wilcoxon_vds": wilcoxon_out(d),
        "lost_to_follow_up": share(len(lost), len(has_post)),
        "adverse_events": {"patients_with_any": share(with_ae, len(rows))},
    }


def two_group_t(a, s, equal_var):
    out = {"t": None, "df": None, "p": None, "mean_diff": None, "n1": len(a), "n2": len(s)}
    if equal_var:
        defined = len(a) >= 1 and len(s) >= 1 and len(a) + len(s) >= 3
    else:
        defined = len(a) >= 2 and len(s) >= 2
    if not defined or (all_equal(a) and all_equal(s)):
        return out
    res = stats.ttest_ind(a, s, equal_var=equal_var)
    ci = res.confidence_interval()
    out.update(t=float(res.statistic), df=float(res.df), p=float(res.pvalue))
    out["mean_diff"] = {"estimate": float(np.mean(a) - np.mean(s)),
                        "ci95": interval(ci.low, ci.high)}
    return out


def comparison(aga, scar, everyone):
    a = pairs(aga, "vds_post", "vds_6m")[2]
    s = pairs(scar, "vds_post", "vds_6m")[2]
    out = {
        "welch_t": two_group_t(a, s, False),
        "student_t": two_group_t(a, s, True),
        "mann_whitney": {"u": None, "p": None, "n1": len(a), "n2": len(s)},
        "hedges_g": None, "hodges_lehmann": hodges_lehmann(a, s), "rank_biserial": None,
        "ancova_vds_6m": None,
    }
    if a and s:
        u1 = len(a) * len(s) / 2
        if not all_equal(a + s):
            res = stats.mannwhitneyu(a, s, alternative="two-sided")
            u1 = float(res.statistic)
            out["mann_whitney"].update(u=u1, p=float(res.pvalue))
            ex = mw_exact(a, s)
            if ex:
                out["mann_whitney"]["p_exact"], out["mann_whitney"]["p_exact_min"] = ex
        out["rank_biserial"] = {"estimate": 2 * u1 / (len(a) * len(s)) - 1}
        # n1 + n2 = 3: the factor 1 - 3/(4*3 - 9) is 0, g undefined (smplan: null).
        if len(a) + len(s) >= 4 and not (all_equal(a) and all_equal(s)):
            n1, n2 = len(a), len(s)
            sp = math.sqrt(((n1 - 1) * (0 if all_equal(a) else np.var(a, ddof=1))
                            + (n2 - 1) * (0 if all_equal(s) else np.var(s, ddof=1)))
                           / (n1 + n2 - 2))
            g = (np.mean(a) - np.mean(s)) / sp * (1 - 3 / (4 * (n1 + n2) - 9))
            se = math.sqrt((n1 + n2) / (n1 * n2) + g * g / (2 * (n1 + n2)))
            out["hedges_g"] = {"estimate": float(g), "ci95": interval(g - Z * se, g + Z * se)}
    both = [r for r in everyone if r["vds_post"] is not None and r["vds_6m"] is not None]
    ind = [1.0 if r["subtype"] == "androgenetic" else 0.0 for r in both]
    x = [r["vds_post"] for r in both]
    if len(both) >= 4 and 0 < sum(ind) < len(both) and not all_equal(x):
        X = np.column_stack([np.ones(len(both)), x, ind])
        if np.linalg.matrix_rank(X) == 3:
            fit = sm.OLS(np.array([r["vds_6m"] for r in both]), X).fit()
            lo, hi = fit.conf_int(0.05)[2]
            # A perfect fit leaves residuals of rounding noise: no error to estimate, and a
            # t of 1e13 is no evidence (the t-tests' rule). smplan prints null; so does this.
            if fit.bse[2] <= 1e-12 * max(abs(fit.params[2]), 1.0):
                return out
            out["ancova_vds_6m"] = {
                "n": len(both), "effect": float(fit.params[2]), "se": float(fit.bse[2]),
                "t": float(fit.tvalues[2]), "df": float(fit.df_resid),
                "p": float(fit.pvalues[2]), "ci95": interval(lo, hi),
            }
    return out


def summarize(rows):
    aga = [r for r in rows if r["subtype"] == "androgenetic"]
    scar = [r for r in rows if r["subtype"] == "scarring"]
    return {
        "patients": len(rows),
        "groups": [group("all", rows), group("androgenetic", aga), group("scarring", scar)],
        "subtype_comparison_delta_vds": comparison(aga, scar, rows),
    }


# ----------------------------------------------------------------------------- cohorts

def vds(rng, mu, sd):
    return min(10.0, max(0.0, round(rng.gauss(mu, sd) * 2) / 2 if rng.random() < 0.5
                         else round(rng.gauss(mu, sd), 1)))


def make(k, n_aga, n_scar, rng, kind="random"):
    rows = []
    for i in range(n_aga + n_scar):
        sub = "androgenetic" if i < n_aga else "scarring"
        post = vds(rng, 9.0 if sub == "androgenetic" else 8.2, 0.6)
        fade = {"androgenetic": 0.8, "scarring": 1.5}[sub]
        m6 = max(0.0, round(post - max(0.0, rng.gauss(fade, 0.5)), 1))
        pss_p = max(0, min(3, int(round((post - 6.5) / 1.2 + rng.gauss(0, 0.5)))))
        pss_6 = max(0, min(3, int(round((m6 - 6.0) / 1.2 + rng.gauss(0, 0.5)))))
        if kind == "equal_fading":
            # The issue's trap: every patient of a subtype fades by the same non-binary amount.
            m6 = round(post - (0.7 if sub == "androgenetic" else 0.8), 1)
        if kind == "collinear":
            post = 9.0 if sub == "androgenetic" else 8.0
        lost = kind != "equal_fading" and rng.random() < 0.12
        rows.append({
            "record_id": f"G{k:02d}-{i + 1:03d}", "subtype": sub,
            "vds_post": post, "pss_post": pss_p,
            "vds_6m": None if lost else m6, "pss_6m": None if lost else pss_6,
            "adverse": "patchy_fading" if rng.random() < 0.1 else "",
        })
    return rows


def write(k, rows):
    with open(os.path.join(HERE, f"cohort_{k}.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(COLUMNS)
        for j, r in enumerate(rows):
            start = 20 + (j * 37) % 300
            s1 = np.datetime64("2024-01-01") + start
            dates = [str(s1 + 7 * i) for i in range(3)]
            m6d = str(s1 + 14 + 182) if r["vds_6m"] is not None else ""
            fmt = lambda v: "" if v is None else (str(int(v)) if float(v).is_integer() else str(v))
            w.writerow([r["record_id"], r["subtype"], *dates, dates[2], fmt(r["vds_post"]),
                        fmt(r["pss_post"]), m6d, fmt(r["vds_6m"]), fmt(r["pss_6m"]),
                        r["adverse"]])
    expected = summarize(rows)
    expected["_reference"] = (f"SciPy {scipy.__version__}, statsmodels {statsmodels.__version__}, "
                              f"NumPy {np.__version__}; see make_golden.py")
    with open(os.path.join(HERE, f"cohort_{k}.expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


# ----------------------------------------------------------------------------- durability

DUR_COLUMNS = COLUMNS + ["touch_up_dates", "m12_date", "vds_12m", "pss_12m",
                         "m24_date", "vds_24m", "pss_24m"]
TODAY = np.datetime64("2026-11-20")


def km_out(T, E):
    out = {"n": len(T), "events": int(sum(E)), "median_days": None, "at": []}
    kmf = None
    if T:
        kmf = KaplanMeierFitter().fit(T, E)
        med = kmf.median_survival_time_
        out["median_days"] = None if not math.isfinite(med) else int(med)
    for t in (182, 365, 730):
        at = {"days": t, "at_risk": int(sum(1 for x in T if x >= t)), "s": None, "ci95": None}
        if kmf is not None:
            sv = float(kmf.survival_function_at_times(t).iloc[0])
            at["s"] = sv
            ci = kmf.confidence_interval_survival_function_
            row = ci[ci.index <= t]
            if 0 < sv < 1 and len(row):
                lo, hi = sorted(float(v) for v in row.iloc[-1].values)
                at["ci95"] = interval(lo, hi)
        out["at"].append(at)
    return out


def durability(rows):
    def obs(sub):
        T, E = [], []
        for r in rows:
            if sub and r["subtype"] != sub:
                continue
            T.append(r["T"])
            E.append(r["E"])
        return T, E
    free = {name: km_out(*obs(sub)) for name, sub in
            [("all", None), ("androgenetic", "androgenetic"), ("scarring", "scarring")]}
    (Ta, Ea), (Ts, Es) = obs("androgenetic"), obs("scarring")
    lr = None
    if Ta and Ts and sum(Ea) + sum(Es) > 0:
        res = logrank_test(Ta, Ts, event_observed_A=Ea, event_observed_B=Es)
        lr = {"chi2": float(res.test_statistic), "df": float(res.degrees_of_freedom),
              "p": float(res.p_value)}
    over = {}
    for name, sub in [("all", None), ("androgenetic", "androgenetic"), ("scarring", "scarring")]:
        g = [r for r in rows if sub is None or r["subtype"] == sub]
        over[name] = []
        for tp, key in [("post", "vds_post"), ("6m", "vds_6m"), ("12m", "vds_12m"),
                        ("24m", "vds_24m")]:
            d = desc([r[key] for r in g if r[key] is not None])
            d["timepoint"] = tp
            over[name].append(d)
    return {"touch_up_free": free, "log_rank": lr, "vds_over_time": over}


def make_durability(k, n_aga, n_scar, rng, coarse=False, no_touch=None):
    rows = []
    for i in range(n_aga + n_scar):
        sub = "androgenetic" if i < n_aga else "scarring"
        s1 = np.datetime64("2023-01-02") + rng.randrange(0, 900)
        s3 = s1 + 14
        follow = {}
        score = vds(rng, 9.0 if sub == "androgenetic" else 8.2, 0.5)
        fade = 0.6 if sub == "androgenetic" else 1.2
        v = score
        for tp, days in [("post", 0), ("6m", 182), ("12m", 365), ("24m", 730)]:
            d = s3 + days + (rng.randrange(-10, 11) if days else 0)
            if d > TODAY or (tp != "post" and rng.random() < 0.15):
                break
            if tp != "post":
                v = max(0.0, round(v - max(0.0, rng.gauss(fade, 0.3)) * days / 365 / 2, 1))
            follow[tp] = (d, v, max(0, min(3, int(round((v - 6) / 1.2)))))
        mean_days = 600 if sub == "androgenetic" else 320
        touch = []
        if no_touch != sub:
            t = s3 + max(1, int(rng.expovariate(1 / mean_days)))
            while t <= TODAY and len(touch) < 3:
                if coarse:
                    t = s3 + max(30, 30 * round((t - s3).astype(int) / 30))
                if not touch or t > touch[-1]:
                    touch.append(t)
                t = t + max(30, int(rng.expovariate(1 / mean_days)))
        last = max([s3] + [f[0] for f in follow.values()] + touch)
        T = int(((touch[0] if touch else last) - s3).astype(int))
        rows.append({
            "record_id": f"D{k:02d}-{i + 1:03d}", "subtype": sub, "s1": s1,
            "follow": follow, "touch": touch, "T": T, "E": bool(touch),
            **{f"vds_{tp}": (follow[tp][1] if tp in follow else None)
               for tp in ["post", "6m", "12m", "24m"]},
        })
    return rows


def write_durability(k, rows):
    fmt = lambda v: "" if v is None else (str(int(v)) if float(v).is_integer() else str(v))
    with open(os.path.join(HERE, f"durability_{k}.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(DUR_COLUMNS)
        for r in rows:
            fu = r["follow"]
            cell = lambda tp, j: (str(fu[tp][0]) if j == 0 else fmt(fu[tp][j])) if tp in fu else ""
            w.writerow([r["record_id"], r["subtype"], *[str(r["s1"] + 7 * i) for i in range(3)],
                        cell("post", 0), cell("post", 1), cell("post", 2),
                        cell("6m", 0), cell("6m", 1), cell("6m", 2), "",
                        ";".join(str(t) for t in r["touch"]),
                        cell("12m", 0), cell("12m", 1), cell("12m", 2),
                        cell("24m", 0), cell("24m", 1), cell("24m", 2)])
    expected = {"patients": len(rows), "durability": durability(rows),
                "_reference": f"lifelines {lifelines.__version__}, NumPy {np.__version__}; "
                              "see make_golden.py"}
    with open(os.path.join(HERE, f"durability_{k}.expected.json"), "w") as f:
        json.dump(expected, f, indent=1)
        f.write("\n")


def main():
    rng = random.Random(20261202)
    plan = [
        (4, 3, "random"), (6, 4, "random"), (5, 5, "random"), (3, 2, "random"),
        (6, 4, "equal_fading"), (8, 6, "collinear"), (7, 0, "random"), (2, 1, "random"),
        (9, 8, "random"), (12, 9, "random"), (30, 25, "random"), (49, 49, "random"),
        (60, 55, "random"), (150, 120, "random"), (10, 10, "random"), (4, 4, "random"),
    ]
    for k, (na, ns, kind) in enumerate(plan):
        write(k, make(k, na, ns, rng, kind))
        print(f"cohort_{k}: {na} + {ns} ({kind})")
    dplan = [(6, 4, False, None), (30, 25, False, None), (40, 40, True, None),
             (5, 5, False, "androgenetic"), (3, 0, False, None), (200, 150, True, None),
             (8, 8, False, "androgenetic"), (12, 10, True, None)]
    for k, (na, ns, coarse, none) in enumerate(dplan):
        write_durability(k, make_durability(k, na, ns, rng, coarse, none))
        print(f"durability_{k}: {na} + {ns}")


if __name__ == "__main__":
    main()
