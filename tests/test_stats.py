"""Statistics: the intervals cover, the tests separate, Holm matches the hand computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from analysis import stats


def _conversations(rng: np.random.Generator, p: float, n_conv: int, length: int = 20) -> tuple[np.ndarray, ...]:
    den = rng.integers(length // 2, length * 2, size=n_conv)
    return rng.binomial(den, p), den


def test_bootstrap_ci_covers_a_known_proportion_about_95_percent_of_the_time():
    rng = np.random.default_rng(7)
    p, reps, hits = 0.3, 300, 0
    for r in range(reps):
        num, den = _conversations(rng, p, n_conv=30)
        est, lo, hi = stats.bootstrap_rate_ci(num, den, n_boot=800, seed=r)
        assert lo <= est <= hi
        hits += lo <= p <= hi
    coverage = hits / reps
    # Percentile bootstrap undercovers slightly at 30 clusters; far below 0.95 means a broken resampler,
    # 1.0 means intervals that are too wide to be useful.
    assert 0.88 <= coverage <= 0.99, coverage


def test_bootstrap_resamples_conversations_not_messages():
    # Two extreme conversations: all "we" or none. Resampling messages would give a narrow interval around
    # 0.5; resampling conversations must span nearly [0, 1].
    est, lo, hi = stats.bootstrap_rate_ci([50, 0], [50, 50], n_boot=2000, seed=1)
    assert est == 0.5
    assert lo == 0.0 and hi == 1.0


def test_bootstrap_is_seeded_and_single_conversation_has_no_interval():
    a = stats.bootstrap_rate_ci([3, 5, 1, 7], [10, 10, 10, 10], seed=3)
    assert a == stats.bootstrap_rate_ci([3, 5, 1, 7], [10, 10, 10, 10], seed=3)
    est, lo, hi = stats.bootstrap_rate_ci([3], [10])
    assert est == 0.3 and math.isnan(lo) and math.isnan(hi)


def test_permutation_p_small_for_different_groups_and_large_for_same_distribution():
    rng = np.random.default_rng(11)
    a = _conversations(rng, 0.2, 12)
    b = _conversations(rng, 0.6, 12)
    p, used = stats.permutation_test(*a, *b, n_perm=4000, seed=0)
    assert p < 0.01 and used == 4000

    ps = []
    for r in range(40):
        a = _conversations(rng, 0.4, 12)
        b = _conversations(rng, 0.4, 12)
        ps.append(stats.permutation_test(*a, *b, n_perm=500, seed=r)[0])
    # Under the null, p is roughly uniform: its median is near 0.5 and few are below 0.05.
    assert 0.3 < float(np.median(ps)) < 0.7
    assert sum(p < 0.05 for p in ps) <= 6


def test_permutation_enumerates_small_designs_exactly():
    # 3 vs 3 conversations, perfectly separated: 20 relabellings, the observed split and its mirror are
    # the two most extreme, so the exact two-sided p is 2/20.
    p, used = stats.permutation_test([9, 9, 9], [10, 10, 10], [1, 1, 1], [10, 10, 10])
    assert used == 20
    assert p == pytest.approx(2 / 20)


def test_holm_matches_hand_computed_example():
    # sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> monotone 0.06
    assert stats.holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert stats.holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])
    ps = [0.001, 0.2, 0.013, 0.04, 0.03]
    assert stats.holm(ps) == pytest.approx(list(multipletests(ps, method="holm")[1]))
    out = stats.holm([0.01, math.nan, 0.02])
    assert out[0] == pytest.approx(0.02) and math.isnan(out[1]) and out[2] == pytest.approx(0.02)


def test_cohens_h_known_values():
    assert stats.cohens_h(0.5, 0.5) == 0
    assert stats.cohens_h(0.8, 0.2) == pytest.approx(2 * math.asin(math.sqrt(0.8)) - 2 * math.asin(math.sqrt(0.2)))
    assert stats.cohens_h(0.8, 0.2) == pytest.approx(1.287, abs=1e-3)


def test_compare_conditions_table_with_holm_and_effect_sizes():
    rng = np.random.default_rng(5)
    rows = []
    for cond, p in (("low", 0.15), ("mid", 0.17), ("high", 0.7)):
        num, den = _conversations(rng, p, 10)
        rows += [{"condition": cond, "k": int(k), "n": int(n)} for k, n in zip(num, den)]
    df = pd.DataFrame(rows)
    rates = stats.rates_by_condition(df, "k", "n", n_boot=500)
    assert list(rates["condition"]) == ["high", "low", "mid"]
    assert rates.loc[rates.condition == "high", "rate"].item() == pytest.approx(
        df[df.condition == "high"].k.sum() / df[df.condition == "high"].n.sum())
    cmp = stats.compare_conditions(df, "k", "n", n_perm=1000, n_boot=500)
    assert len(cmp) == 3
    assert cmp["p_holm"].tolist() == pytest.approx(stats.holm(cmp["p_perm"].tolist()))
    by_pair = {(r.a, r.b): r for r in cmp.itertuples()}
    assert by_pair[("high", "low")].significant and by_pair[("high", "mid")].significant
    assert not by_pair[("low", "mid")].significant
    hl = by_pair[("high", "low")]
    assert hl.diff_ci_low < hl.diff < hl.diff_ci_high
    assert hl.cohens_h == pytest.approx(stats.cohens_h(hl.rate_a, hl.rate_b))


def test_trajectory_and_outcome_shares():
    msgs = pd.DataFrame({"condition": ["a"] * 6, "conversation": [1, 1, 1, 2, 2, 3],
                         "index": [1, 2, 3, 1, 2, 1], "social_we": [True, False, True, True, True, False]})
    t = stats.trajectory(msgs, "social_we")
    assert t[["index", "n", "k"]].values.tolist() == [[1, 3, 2], [2, 2, 1], [3, 1, 1]]
    assert t["share"].tolist() == pytest.approx([2 / 3, 0.5, 1.0])
    assert (t["ci_low"] <= t["share"]).all() and (t["share"] <= t["ci_high"]).all()

    conv = pd.DataFrame({"condition": ["a", "a", "a", "b"], "outcome": ["win", None, "both", "win"]})
    s = stats.outcome_shares(conv, categories=["win", "both", "none"])
    a = s[s.condition == "a"].iloc[0]
    assert (a.n_win, a.n_both, a.n_none, a.conversations) == (1, 1, 1, 3)
    assert s[s.condition == "b"].iloc[0].share_win == 1.0


def test_wilson_interval_matches_reference():
    lo, hi = stats.wilson_ci(8, 10)
    assert (lo, hi) == pytest.approx((0.4902, 0.9433), abs=1e-3)


def test_mixed_model_finds_a_clear_condition_effect():
    rng = np.random.default_rng(2)
    rows = []
    for cond, p in (("a", 0.2), ("b", 0.7)):
        for c in range(15):
            for _ in range(12):
                rows.append({"condition": cond, "conversation": f"{cond}{c}", "y": rng.random() < p})
    fe = stats.mixed_model(pd.DataFrame(rows), "y")
    effect = fe[fe.term.str.contains("b")].iloc[0]
    assert effect.coef == pytest.approx(0.5, abs=0.12)
    assert effect.p < 0.001


def test_means_by_condition_for_numeric_outcomes():
    df = pd.DataFrame({"condition": ["x"] * 4 + ["y"] * 4, "points": [10, 12, 14, 16, 1, 1, 1, 1]})
    m = stats.means_by_condition(df, ["points"], n_boot=500)
    x = m[m.condition == "x"].iloc[0]
    assert x["mean"] == 13 and x.ci_low < 13 < x.ci_high
    y = m[m.condition == "y"].iloc[0]
    assert (y["mean"], y.ci_low, y.ci_high) == (1, 1, 1)


def test_condition_label_is_stable():
    assert stats.condition_label({"order": "BA", "identity": "unique"}) == "identity=unique, order=BA"
    assert stats.condition_label({}) == "(single condition)"
