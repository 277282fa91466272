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
from itertools import combinations
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from .condition_names import condition_label  # noqa: F401 (its old home: analysis.report imports it here)

DEFAULT_BOOT = 2000
DEFAULT_PERM = 5000
ALPHA = 0.05


# ---------------------------------------------------------------------------------------------------------------
# Rates and bootstrap intervals


def pooled_rate(num: np.ndarray, den: np.ndarray) -> float:
    total = float(np.sum(den))
    return float(np.sum(num)) / total if total > 0 else math.nan


def _boot_rates(num: np.ndarray, den: np.ndarray, n_boot: int, rng: np.random.Generator) -> np.ndarray:
    idx = rng.integers(0, len(num), size=(n_boot, len(num)))
    d = den[idx].sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(d > 0, num[idx].sum(axis=1) / np.where(d > 0, d, 1), np.nan)


def bootstrap_rate_ci(num: Sequence[float], den: Sequence[float], *, n_boot: int = DEFAULT_BOOT, seed: int = 0,
                      level: float = 0.95) -> tuple[float, float, float]:
    """Pooled rate and its percentile bootstrap CI, resampling conversations with replacement.

    ``num[i]`` and ``den[i]`` belong to conversation i. With fewer than two conversations there is nothing to
    resample, so the interval is (nan, nan) rather than a misleading zero-width one.
    """
    n = np.asarray(num, dtype=float)
    d = np.asarray(den, dtype=float)
    est = pooled_rate(n, d)
    if len(n) < 2:
        return est, math.nan, math.nan
    boots = _boot_rates(n, d, n_boot, np.random.default_rng(seed))
    tail = (1 - level) / 2 * 100
    lo, hi = np.nanpercentile(boots, [tail, 100 - tail])
    return est, float(lo), float(hi)


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


def permutation_test(num_a: Sequence[float], den_a: Sequence[float], num_b: Sequence[float],
                     den_b: Sequence[float], *, n_perm: int = DEFAULT_PERM, seed: int = 0) -> tuple[float, int]:
    """Two-sided permutation test of equal pooled rates, permuting conversations between the two groups.

    Returns (p-value, number of relabellings used). When the number of distinct relabellings is at most
    ``n_perm`` they are enumerated exactly; otherwise ``n_perm`` random ones are drawn and the p-value is
    ``(hits + 1) / (n_perm + 1)`` so it is never an impossible zero.
    """
    num = np.concatenate([np.asarray(num_a, float), np.asarray(num_b, float)])
    den = np.concatenate([np.asarray(den_a, float), np.asarray(den_b, float)])
    na, n = len(num_a), len(num)
    if na == 0 or na == n:
        return math.nan, 0
    observed = abs(pooled_rate(num[:na], den[:na]) - pooled_rate(num[na:], den[na:]))
    # Float noise must not turn a tie into a miss.
    tol = 1e-12
    if math.comb(n, na) <= n_perm:
        masks = np.zeros((math.comb(n, na), n), dtype=bool)
        for row, chosen in enumerate(combinations(range(n), na)):
            masks[row, list(chosen)] = True
        stats = _mask_stats(masks, num, den)
        return float(np.mean(stats >= observed - tol)), len(masks)
    rng = np.random.default_rng(seed)
    base = np.zeros(n, dtype=bool)
    base[:na] = True
    masks = rng.permuted(np.tile(base, (n_perm, 1)), axis=1)
    stats = _mask_stats(masks, num, den)
    return float((np.sum(stats >= observed - tol) + 1) / (n_perm + 1)), n_perm


def _mask_stats(masks: np.ndarray, num: np.ndarray, den: np.ndarray) -> np.ndarray:
    na_num, na_den = masks @ num, masks @ den
    nb_num, nb_den = num.sum() - na_num, den.sum() - na_den
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.abs(na_num / na_den - nb_num / nb_den)


def cohens_h(p1: float, p2: float) -> float:
    """Cohen's h for two proportions: 2·asin√p1 − 2·asin√p2 (0.2 small, 0.5 medium, 0.8 large)."""
    if any(math.isnan(x) for x in (p1, p2)):
        return math.nan
    return 2 * math.asin(math.sqrt(p1)) - 2 * math.asin(math.sqrt(p2))


def bootstrap_diff_ci(num_a: Sequence[float], den_a: Sequence[float], num_b: Sequence[float],
                      den_b: Sequence[float], *, n_boot: int = DEFAULT_BOOT, seed: int = 0,
                      level: float = 0.95) -> tuple[float, float, float]:
    """Difference of pooled rates (a − b) with a percentile CI, resampling conversations within each group."""
    a_n, a_d = np.asarray(num_a, float), np.asarray(den_a, float)
    b_n, b_d = np.asarray(num_b, float), np.asarray(den_b, float)
    diff = pooled_rate(a_n, a_d) - pooled_rate(b_n, b_d)
    if len(a_n) < 2 or len(b_n) < 2:
        return diff, math.nan, math.nan
    rng = np.random.default_rng(seed)
    boots = _boot_rates(a_n, a_d, n_boot, rng) - _boot_rates(b_n, b_d, n_boot, rng)
    tail = (1 - level) / 2 * 100
    lo, hi = np.nanpercentile(boots, [tail, 100 - tail])
    return diff, float(lo), float(hi)


def holm(pvalues: Iterable[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values, in the input order (nan stays nan and is not counted)."""
    ps = list(pvalues)
    valid = [(p, i) for i, p in enumerate(ps) if not math.isnan(p)]
    m = len(valid)
    adjusted = [math.nan] * len(ps)
    running = 0.0
    for rank, (p, i) in enumerate(sorted(valid)):
        # Step-down: the k-th smallest p is multiplied by (m - k), and adjusted values never decrease.
        running = max(running, min(1.0, (m - rank) * p))
        adjusted[i] = running
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
