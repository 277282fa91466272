"""Statistics over analysed conversations: rates with bootstrap CIs, condition comparisons, trajectories.

Plain functions over pandas DataFrames. The unit of replication is the *conversation*: messages inside one
conversation are not independent (a "we" invites a "we" back), so every interval and test here resamples or
permutes whole conversations, never single messages.

The typical input is a per-conversation table with a condition column and, for a rate, a numerator and a
denominator column (e.g. ``social_we_messages`` out of ``messages``). A rate is the pooled ratio
``sum(numerator) / sum(denominator)`` over the conversations of a condition, so long conversations weigh as
much as their messages do, and the same estimator is used by the CI, the permutation test and the effect size.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Iterable, Sequence

import numpy as np
import pandas as pd

Counts = Sequence[float] | np.ndarray
"""Per-conversation counts: a list or an array, one value per conversation."""

from .condition_names import condition_label  # noqa: F401 (its old home: analysis.report imports it here)

DEFAULT_BOOT = 2000
DEFAULT_PERM = 5000
ALPHA = 0.05
_RESAMPLE_CELLS = 1 << 21
"""Most values one batch of resamples may hold (16 MB as floats). scipy resamples all at once by default:
at 12,000 conversations one permutation test then peaks near 3 GB. Batching gives the same draws."""


def _batch(rows: int, resamples: int) -> int:
    """Resamples per batch so that a batch of ``rows``-long resamples stays within :data:`_RESAMPLE_CELLS`."""
    return max(1, min(resamples, _RESAMPLE_CELLS // max(1, rows)))


# ---------------------------------------------------------------------------------------------------------------
# Rates and bootstrap intervals


def pooled_rate(num: np.ndarray, den: np.ndarray) -> float:
    """Sum of ``num`` over sum of ``den``: a rate pooled over conversations (NaN when nothing was judged)."""
    total = float(np.sum(den))
    return float(np.sum(num)) / total if total > 0 else math.nan


def _ratio(num: np.ndarray, den: np.ndarray, axis: int = -1) -> np.ndarray:
    """Pooled rate along ``axis`` (nan where the denominator is 0): the statistic every resampling uses."""
    d = np.sum(den, axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(d > 0, np.sum(num, axis=axis) / np.where(d > 0, d, 1), np.nan)


def _percentile_ci(data: tuple[np.ndarray, ...], statistic: Any, *, paired: bool, n_boot: int, seed: int,
                   level: float) -> tuple[float, float]:
    """scipy.stats.bootstrap's percentile interval (resampling whole rows: conversations)."""
    from scipy.stats import bootstrap

    with warnings.catch_warnings():
        # A group whose conversations all have the same rate is degenerate: the interval is its point.
        warnings.simplefilter("ignore")
        res = bootstrap(data, statistic, paired=paired, vectorized=True, n_resamples=n_boot, confidence_level=level,
                        method="percentile", rng=np.random.default_rng(seed),
                        batch=_batch(sum(len(d) for d in data), n_boot))
    return float(res.confidence_interval.low), float(res.confidence_interval.high)


def bootstrap_rate_ci(num: Counts, den: Counts, *, n_boot: int = DEFAULT_BOOT, seed: int = 0,
                      level: float = 0.95) -> tuple[float, float, float]:
    """Pooled rate and its percentile bootstrap CI, resampling conversations with replacement
    (``scipy.stats.bootstrap``, the pairs ``num[i]``, ``den[i]`` of conversation i resampled together).

    With fewer than two conversations there is nothing to resample, so the interval is (nan, nan) rather
    than a misleading zero-width one.
    """
    n = np.asarray(num, dtype=float)
    d = np.asarray(den, dtype=float)
    est = pooled_rate(n, d)
    if len(n) < 2 or math.isnan(est):
        return est, math.nan, math.nan
    lo, hi = _percentile_ci((n, d), _ratio, paired=True, n_boot=n_boot, seed=seed, level=level)
    return est, lo, hi


def rates_by_condition(conversations: pd.DataFrame, num_col: str, den_col: str, *, by: str = "condition",
                       n_boot: int = DEFAULT_BOOT, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """One row per condition: conversations, numerator and denominator totals, pooled rate, CI bounds."""
    rows = []
    for i, (cond, g) in enumerate(conversations.groupby(by, sort=True, dropna=False)):
        # A distinct seed per condition keeps the draws independent yet reproducible.
        est, lo, hi = bootstrap_rate_ci(g[num_col].to_numpy(), g[den_col].to_numpy(), n_boot=n_boot,
                                        seed=seed + i, level=level)
        rows.append({by: cond, "conversations": len(g), num_col: int(g[num_col].sum()),
                     den_col: int(g[den_col].sum()), "rate": est, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=[by, "conversations", num_col, den_col, "rate", "ci_low", "ci_high"])


def wilson_ci(k: int, n: int, level: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for k successes in n independent trials (nan when n == 0)."""
    if n == 0:
        return math.nan, math.nan
    from scipy.stats import norm

    z = float(norm.ppf(1 - (1 - level) / 2))
    p = k / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


# ---------------------------------------------------------------------------------------------------------------
# Comparing conditions


def permutation_test(num_a: Counts, den_a: Counts, num_b: Counts, den_b: Counts, *, n_perm: int = DEFAULT_PERM,
                     seed: int = 0, paired: bool = False) -> tuple[float, int]:
    """Two-sided permutation test of equal pooled rates (``scipy.stats.permutation_test``), relabelling whole
    conversations between the two groups; ``paired``: conversation i of a and of b are the same conversation
    (two agents of it), and only the labels within each pair are swapped.

    Returns (p-value, number of relabellings used). When the distinct relabellings number at most ``n_perm``
    they are enumerated exactly; otherwise ``n_perm`` random ones are drawn and the p-value is
    ``(hits + 1) / (n_perm + 1)`` so it is never an impossible zero.
    """
    from scipy.stats import permutation_test as scipy_permutation_test

    num = np.concatenate([np.asarray(num_a, float), np.asarray(num_b, float)])
    den = np.concatenate([np.asarray(den_a, float), np.asarray(den_b, float)])
    na, n = len(num_a), len(num)
    if na == 0 or na == n or (paired and na != n - na):
        return math.nan, 0
    if math.isnan(pooled_rate(num[:na], den[:na])) or math.isnan(pooled_rate(num[na:], den[na:])):
        return math.nan, 0

    def gap(ia: np.ndarray, ib: np.ndarray, axis: int = -1) -> np.ndarray:
        # The samples are row numbers into num/den, so a conversation's two counts move together.
        ia, ib = ia.astype(int), ib.astype(int)
        return np.abs(_ratio(num[ia], den[ia], axis) - _ratio(num[ib], den[ib], axis))

    total = 2 ** na if paired else math.comb(n, na)
    if paired and na == 1:
        return 1.0, 2  # one conversation: its swap is the mirror of the observed split
    if not paired and min(na, n - na) == 1:
        # scipy needs two observations per sample; with a group of one the n relabellings are which
        # conversation is alone, each compared with the rest.
        observed = float(gap(np.arange(na), np.arange(na, n)))
        with np.errstate(invalid="ignore", divide="ignore"):
            split = np.abs(num / den - (num.sum() - num) / (den.sum() - den))
        return float(np.mean(split >= observed - 1e-12)), n  # float noise must not turn a tie into a miss
    res = scipy_permutation_test((np.arange(na), np.arange(na, n)), gap, vectorized=True, n_resamples=n_perm,
                                 permutation_type="samples" if paired else "independent", alternative="greater",
                                 rng=np.random.default_rng(seed), batch=_batch(n, n_perm))
    return float(res.pvalue), min(total, n_perm)


def cohens_h(p1: float, p2: float) -> float:
    """Cohen's h for two proportions: 2·asin√p1 − 2·asin√p2 (0.2 small, 0.5 medium, 0.8 large)."""
    if any(math.isnan(x) for x in (p1, p2)):
        return math.nan
    return 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2))


def bootstrap_diff_ci(num_a: Counts, den_a: Counts, num_b: Counts, den_b: Counts, *, n_boot: int = DEFAULT_BOOT,
                      seed: int = 0, level: float = 0.95, paired: bool = False) -> tuple[float, float, float]:
    """Difference of pooled rates (a − b) with a percentile CI (``scipy.stats.bootstrap``), resampling
    conversations within each group, or, ``paired``, the shared conversations of both."""
    a_n, a_d = np.asarray(num_a, float), np.asarray(den_a, float)
    b_n, b_d = np.asarray(num_b, float), np.asarray(den_b, float)
    diff = pooled_rate(a_n, a_d) - pooled_rate(b_n, b_d)
    if len(a_n) < 2 or len(b_n) < 2 or math.isnan(diff):
        return diff, math.nan, math.nan
    if paired:
        def paired_gap(an: np.ndarray, ad: np.ndarray, bn: np.ndarray, bd: np.ndarray, axis: int = -1) -> np.ndarray:
            return _ratio(an, ad, axis) - _ratio(bn, bd, axis)

        lo, hi = _percentile_ci((a_n, a_d, b_n, b_d), paired_gap, paired=True, n_boot=n_boot, seed=seed, level=level)
    else:
        num, den, na = np.concatenate([a_n, b_n]), np.concatenate([a_d, b_d]), len(a_n)

        def gap(ia: np.ndarray, ib: np.ndarray, axis: int = -1) -> np.ndarray:
            ia, ib = ia.astype(int), ib.astype(int)
            return _ratio(num[ia], den[ia], axis) - _ratio(num[ib], den[ib], axis)

        lo, hi = _percentile_ci((np.arange(na), np.arange(na, len(num))), gap, paired=False, n_boot=n_boot,
                                seed=seed, level=level)
    return diff, lo, hi


def holm(pvalues: Iterable[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values (statsmodels ``multipletests``), in the input order; nan stays nan
    and is not counted."""
    from statsmodels.stats.multitest import multipletests

    ps = list(pvalues)
    valid = [i for i, p in enumerate(ps) if not math.isnan(p)]
    adjusted = [math.nan] * len(ps)
    if valid:
        for i, q in zip(valid, multipletests([ps[i] for i in valid], method="holm")[1]):
            adjusted[i] = float(q)
    return adjusted


def compare_conditions(conversations: pd.DataFrame, num_col: str, den_col: str, *, by: str = "condition",
                       n_perm: int = DEFAULT_PERM, n_boot: int = DEFAULT_BOOT, seed: int = 0,
                       alpha: float = ALPHA) -> pd.DataFrame:
    """All pairwise comparisons of pooled rates between conditions.

    Per pair: both rates, the difference a − b with a bootstrap CI, Cohen's h, the permutation p-value and the
    Holm-adjusted p-value across all pairs in this table; ``significant`` uses the adjusted value.
    """
    groups = {c: g for c, g in conversations.groupby(by, sort=True, dropna=False)}
    rows = []
    for k, (a, b) in enumerate(combinations(groups, 2)):
        ga, gb = groups[a], groups[b]
        args = (ga[num_col].to_numpy(), ga[den_col].to_numpy(), gb[num_col].to_numpy(), gb[den_col].to_numpy())
        p, used = permutation_test(*args, n_perm=n_perm, seed=seed + k)
        diff, lo, hi = bootstrap_diff_ci(*args, n_boot=n_boot, seed=seed + k)
        ra, rb = pooled_rate(args[0], args[1]), pooled_rate(args[2], args[3])
        rows.append({"a": a, "b": b, "n_a": len(ga), "n_b": len(gb), "rate_a": ra, "rate_b": rb,
                     "diff": diff, "diff_ci_low": lo, "diff_ci_high": hi, "cohens_h": cohens_h(ra, rb),
                     "p_perm": p, "permutations": used})
    cols = ["a", "b", "n_a", "n_b", "rate_a", "rate_b", "diff", "diff_ci_low", "diff_ci_high", "cohens_h",
            "p_perm", "permutations", "p_holm", "significant"]
    out = pd.DataFrame(rows, columns=cols[:-2])
    out["p_holm"] = holm(out["p_perm"].tolist())
    out["significant"] = out["p_holm"] < alpha
    return out[cols]


def mixed_model(messages: pd.DataFrame, outcome: str, *, by: str = "condition",
                group: str = "conversation") -> pd.DataFrame:
    """Linear-probability mixed model ``outcome ~ C(by)`` with a random intercept per conversation.

    A model-based cross-check of the permutation tests, over message-level 0/1 outcomes. Returns the fixed
    effects (term, coefficient, standard error, z, p, CI). Raises ValueError if there is a single condition.
    """
    import warnings

    import statsmodels.formula.api as smf

    data = pd.DataFrame({"y": messages[outcome].astype(float), "cond": messages[by].astype(str),
                         "grp": messages[group].astype(str)})
    if data["cond"].nunique() < 2:
        raise ValueError("a mixed model needs at least two conditions")
    with warnings.catch_warnings():
        # Small designs often sit on the boundary (zero random-effect variance); the estimates stay usable.
        warnings.simplefilter("ignore")
        fit = smf.mixedlm("y ~ C(cond)", data, groups=data["grp"]).fit(reml=True)
    ci = fit.conf_int()
    terms = [t for t in fit.fe_params.index]
    return pd.DataFrame({"term": terms, "coef": [fit.fe_params[t] for t in terms],
                         "se": [fit.bse[t] for t in terms], "z": [fit.tvalues[t] for t in terms],
                         "p": [fit.pvalues[t] for t in terms], "ci_low": [ci.loc[t, 0] for t in terms],
                         "ci_high": [ci.loc[t, 1] for t in terms]})


# ---------------------------------------------------------------------------------------------------------------
# Every declared rate, per group, with comparisons: tidy tables


DETECT_H = 0.8
"""The effect a cell must be able to detect before its figures go unflagged: Cohen's h = 0.8, "large"
(25 conversations per group at power 0.8, alpha 0.05); ``detect_h`` changes it."""

RATE_COLUMNS = ("measure", "level", "by", "group", "n_conversations", "k", "n", "estimate", "ci_low", "ci_high",
                "small_sample", "reason")
"""The columns of :func:`label_rates`: the measure (``analysis.measures.MEASURES``) and whether it counts
messages or conversations; the grouping column and this row's group; conversations with anything judged;
the pooled count ``k`` of ``n``; the pooled rate with its percentile bootstrap CI over conversations;
whether the group is too small (``reason`` says why, empty otherwise)."""

COMPARISON_COLUMNS = ("measure", "level", "by", "a", "b", "n_a", "n_b", "paired", "rate_a", "rate_b",
                      "difference", "ci_low", "ci_high", "cohens_h", "p", "permutations", "p_holm",
                      "significant", "small_sample", "reason")
"""The columns of :func:`label_comparisons`: per measure and pair of groups, the conversations of each,
whether they are the same conversations (two agents of each, compared within it), both rates, ``a − b``
with a bootstrap CI, Cohen's h, the two-sided permutation p, the relabellings used, Holm's p across every
row of the table, significance after Holm, and the small-sample flag with its reason."""


@dataclass(frozen=True)
class _Unit:
    """One group's conversations: the pooled counts of each (rows of one conversation summed)."""

    keys: list[str]
    num: np.ndarray
    den: np.ndarray


def _units(table: pd.DataFrame, m: Any, by: str, unit: str) -> dict[Any, _Unit]:
    num, den = m.counts(table)
    groups, group_names = pd.factorize(table[by], sort=True)
    units, unit_names = pd.factorize(table[unit].astype(str), sort=True)
    # One bin per (group, conversation): the rows of a conversation in a group are summed.
    cell = groups * len(unit_names) + units
    size = len(group_names) * len(unit_names)
    cell_num = np.bincount(cell, weights=num, minlength=size).reshape(len(group_names), len(unit_names))
    cell_den = np.bincount(cell, weights=den, minlength=size).reshape(len(group_names), len(unit_names))
    out = {}
    for g, name in enumerate(group_names):
        keep = cell_den[g] > 0  # a conversation with nothing judged has no say in the rate
        if keep.any():
            out[name] = _Unit([str(u) for u in unit_names[keep]], cell_num[g][keep], cell_den[g][keep])
    return out


def _measures(measures: Sequence[str] | None, table: pd.DataFrame) -> list[Any]:
    from .measures import MEASURES, measure

    chosen = [measure(n) for n in measures] if measures is not None else list(MEASURES)
    # A per-agent table has no conversation-level columns (an outcome belongs to the conversation).
    return [m for m in chosen if (m.numerator in table.columns if m.level == "message" else m.column in table.columns)]


def _small_rate(n: int, detect_h: float, alpha: float) -> str:
    from simulator.power import required_n

    if n < 2:
        return "one conversation: no interval"
    need = required_n(detect_h, alpha=alpha)
    if n < need:
        return f"{n} conversations; detecting h = {detect_h:g} at power 0.8 needs {need:g} per group"
    return ""


def label_rates(table: pd.DataFrame, *, by: str = "condition", measures: Sequence[str] | None = None,
                unit: str = "conversation", n_boot: int = DEFAULT_BOOT, seed: int = 0, level: float = 0.95,
                detect_h: float = DETECT_H, alpha: float = ALPHA) -> pd.DataFrame:
    """Every declared rate (or ``measures``) per value of ``by``, long format (:data:`RATE_COLUMNS`).

    ``table``: ``analyze()``'s ``conversations`` (one row per conversation) or ``agents`` (one per agent of
    a conversation; ``by="model"``, ``"agent"`` or ``"provider"``). Rows of one conversation in one group (two
    agents on the same model) are summed first: the conversation stays the unit that is resampled.
    """
    rows = []
    for j, m in enumerate(_measures(measures, table)):
        for i, (g, u) in enumerate(_units(table, m, by, unit).items()):
            est, lo, hi = bootstrap_rate_ci(u.num, u.den, n_boot=n_boot, seed=seed + 1000 * j + i, level=level)
            reason = _small_rate(len(u.keys), detect_h, alpha)
            rows.append({"measure": m.name, "level": m.level, "by": by, "group": g, "n_conversations": len(u.keys),
                         "k": int(u.num.sum()), "n": int(u.den.sum()), "estimate": est, "ci_low": lo, "ci_high": hi,
                         "small_sample": bool(reason), "reason": reason})
    return pd.DataFrame(rows, columns=list(RATE_COLUMNS))


def _small_comparison(n_a: int, n_b: int, paired: bool, detect_h: float, alpha: float) -> str:
    from simulator.power import min_permutation_p, required_n

    reasons = []
    floor = 2 / 2 ** n_a if paired else min_permutation_p(n_a, n_b)
    if floor > alpha:
        reasons.append(f"with {n_a} vs {n_b} conversations a permutation p cannot go below {floor:.3g}")
    need = required_n(detect_h, alpha=alpha)
    if min(n_a, n_b) < need:
        reasons.append(f"detecting h = {detect_h:g} at power 0.8 needs {need:g} conversations per group")
    return "; ".join(reasons)


def label_comparisons(table: pd.DataFrame, *, by: str = "condition", measures: Sequence[str] | None = None,
                      unit: str = "conversation", n_perm: int = DEFAULT_PERM, n_boot: int = DEFAULT_BOOT,
                      seed: int = 0, alpha: float = ALPHA, detect_h: float = DETECT_H,
                      bootstrap: bool = True) -> pd.DataFrame:
    """Every pair of groups of ``by`` for every declared rate (or ``measures``), long format
    (:data:`COMPARISON_COLUMNS`), with Holm's adjustment across all rows of the table together.

    Two groups made of the same conversations (two agents, each on its own model, in every conversation)
    are compared within each conversation: a paired permutation test (the two labels swapped within a
    conversation) and a paired bootstrap. Groups that share only some conversations are compared as if
    independent, which the ``reason`` says. ``bootstrap=False`` leaves out the difference's CI (faster).
    """
    rows = []
    k = 0
    for m in _measures(measures, table):
        units = _units(table, m, by, unit)
        for a, b in combinations(units, 2):
            ua, ub = units[a], units[b]
            shared = set(ua.keys) & set(ub.keys)
            paired = bool(shared) and len(shared) == len(ua.keys) == len(ub.keys)
            if paired:
                order_b = {key: i for i, key in enumerate(ub.keys)}
                idx = [order_b[key] for key in ua.keys]
                ub = _Unit(ua.keys, ub.num[idx], ub.den[idx])
            args = (ua.num, ua.den, ub.num, ub.den)
            ra, rb = pooled_rate(ua.num, ua.den), pooled_rate(ub.num, ub.den)
            if ua.num.sum() == 0 and ub.num.sum() == 0 or ua.num.sum() == ua.den.sum() and ub.num.sum() == ub.den.sum():
                # Every relabelling gives the same (zero) difference: p is 1 without drawing any.
                p, used = 1.0, 0
            else:
                p, used = permutation_test(*args, n_perm=n_perm, seed=seed + k, paired=paired)
            lo = hi = math.nan
            if bootstrap:
                _, lo, hi = bootstrap_diff_ci(*args, n_boot=n_boot, seed=seed + k, paired=paired)
            reason = _small_comparison(len(ua.keys), len(ub.keys), paired, detect_h, alpha)
            if shared and not paired:
                reason = "; ".join(filter(None, [reason, f"{len(shared)} conversation(s) in both groups: "
                                                         "compared as independent"]))
            rows.append({"measure": m.name, "level": m.level, "by": by, "a": a, "b": b, "n_a": len(ua.keys),
                         "n_b": len(ub.keys), "paired": paired, "rate_a": ra, "rate_b": rb, "difference": ra - rb,
                         "ci_low": lo, "ci_high": hi, "cohens_h": cohens_h(ra, rb), "p": p, "permutations": used,
                         "small_sample": bool(reason), "reason": reason})
            k += 1
    out = pd.DataFrame(rows, columns=[c for c in COMPARISON_COLUMNS if c not in ("p_holm", "significant")])
    out.insert(COMPARISON_COLUMNS.index("p_holm"), "p_holm", holm(out["p"].astype(float).tolist()))
    out.insert(COMPARISON_COLUMNS.index("significant"), "significant", out["p_holm"] < alpha)
    return out[list(COMPARISON_COLUMNS)]


# ---------------------------------------------------------------------------------------------------------------
# Trajectories and outcomes


def trajectory(messages: pd.DataFrame, value_col: str, *, turn_col: str = "index", by: str = "condition",
               level: float = 0.95) -> pd.DataFrame:
    """Per condition and turn: how many conversations reached the turn, the share whose message at that turn
    has ``value_col`` true, and a Wilson interval (messages at one turn come from distinct conversations, so
    they are independent trials)."""
    rows = []
    flag = messages[value_col].astype(bool)
    for (cond, turn), g in messages.assign(_v=flag).groupby([by, turn_col], sort=True, dropna=False):
        k, n = int(g["_v"].sum()), len(g)
        lo, hi = wilson_ci(k, n, level)
        rows.append({by: cond, turn_col: int(turn), "n": n, "k": k, "share": k / n if n else math.nan,
                     "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=[by, turn_col, "n", "k", "share", "ci_low", "ci_high"])


def outcome_shares(conversations: pd.DataFrame, outcome_col: str = "outcome", *, by: str = "condition",
                   categories: Sequence[str] | None = None) -> pd.DataFrame:
    """Counts and shares of each outcome per condition (rows: conditions; columns: ``n_<outcome>``,
    ``share_<outcome>``, ``conversations``). Missing outcomes count as "none"."""
    values = conversations[outcome_col].fillna("none").astype(str)
    cats = list(categories) if categories is not None else sorted(values.unique())
    counts = pd.crosstab(conversations[by], values).reindex(columns=cats, fill_value=0)
    total = counts.sum(axis=1)
    out = pd.DataFrame({by: counts.index})
    out["conversations"] = total.to_numpy()
    for c in cats:
        out[f"n_{c}"] = counts[c].to_numpy()
    for c in cats:
        out[f"share_{c}"] = (counts[c] / total).to_numpy()
    return out.reset_index(drop=True)


def means_by_condition(conversations: pd.DataFrame, value_cols: Sequence[str], *, by: str = "condition",
                       n_boot: int = DEFAULT_BOOT, seed: int = 0, level: float = 0.95) -> pd.DataFrame:
    """Mean of numeric per-conversation values (e.g. negotiation points, walk-away 0/1) per condition, each
    with a percentile bootstrap CI over conversations. Long format: condition, measure, n, mean, CI."""
    rows = []
    tail = (1 - level) / 2 * 100
    for i, (cond, g) in enumerate(conversations.groupby(by, sort=True, dropna=False)):
        for j, col in enumerate(value_cols):
            v = pd.to_numeric(g[col], errors="coerce").dropna().to_numpy(dtype=float)
            mean = float(v.mean()) if len(v) else math.nan
            lo = hi = math.nan
            if len(v) >= 2:
                rng = np.random.default_rng(seed + 1000 * i + j)
                boots = v[rng.integers(0, len(v), size=(n_boot, len(v)))].mean(axis=1)
                lo, hi = (float(x) for x in np.percentile(boots, [tail, 100 - tail]))
            rows.append({by: cond, "measure": col, "n": len(v), "mean": mean, "ci_low": lo, "ci_high": hi})
    return pd.DataFrame(rows, columns=[by, "measure", "n", "mean", "ci_low", "ci_high"])


def negotiation_outcomes(frame: pd.DataFrame, *, by: str = "condition", n_boot: int = DEFAULT_BOOT,
                         seed: int = 0) -> pd.DataFrame:
    """Negotiation outcomes per condition from a per-conversation frame (``analysis.studies.negotiation``'s
    ``NegotiationResult.row()``: ``outcome``, ``agreement``, ``walk_away``, ``joint_points``, ``points1``...).

    Long format like :func:`means_by_condition`: the agreement and walk-away shares (means of 0/1) and mean
    joint points, each with a bootstrap CI over conversations. Joint points are averaged over the runs that
    were scored (agreement or walk-away); a run that hit the turn cap with no deal has no points, and
    ``no_deal`` shows how many such runs each condition had.
    """
    df = frame.copy()
    df["agreement"] = df["outcome"].eq("agreement").astype(float)
    df["walk_away"] = df["outcome"].eq("walk_away").astype(float)
    df["no_deal"] = df["outcome"].eq("no_deal").astype(float)
    cols = ["agreement", "walk_away", "no_deal", "joint_points"]
    return means_by_condition(df, cols, by=by, n_boot=n_boot, seed=seed)
