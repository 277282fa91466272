"""Statistics: the intervals cover, the tests separate, Holm matches the hand computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from helpers import run_cli
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


# ---------------------------------------------------------------------------------------------------------------
# Every declared rate, on analyze() tables; small-sample flags; the design's detectable effect


def test_known_answers_against_scipy_and_statsmodels():
    from scipy.stats import bootstrap
    from statsmodels.stats.power import NormalIndPower
    from statsmodels.stats.proportion import proportion_effectsize

    from simulator import power

    # Cohen's h as statsmodels defines it.
    for p1, p2 in ((0.8, 0.2), (0.1, 0.35), (0.5, 0.5)):
        assert stats.cohens_h(p1, p2) == pytest.approx(proportion_effectsize(p1, p2))
    # The pooled-rate CI is scipy's paired percentile bootstrap with the same generator.
    num, den = np.array([3.0, 5, 1, 7, 2]), np.array([10.0, 12, 9, 10, 11])
    ref = bootstrap((num, den), lambda n, d, axis=-1: n.sum(axis) / d.sum(axis), paired=True, vectorized=True,
                    n_resamples=999, method="percentile", rng=np.random.default_rng(4))
    est, lo, hi = stats.bootstrap_rate_ci(num, den, n_boot=999, seed=4)
    assert est == pytest.approx(18 / 52)
    assert (lo, hi) == pytest.approx((ref.confidence_interval.low, ref.confidence_interval.high))
    # Sample size for h = 0.5: the textbook 2 * ((z_.975 + z_.8) / h)^2 = 62.8 -> 63 per group.
    assert power.required_n(0.5) == 63
    # The design power is statsmodels' NormalIndPower (its formula, without loading it for --dry-run).
    solve = NormalIndPower().solve_power
    for n_a, n_b, alpha in ((2, 2, 0.05), (3, 5, 0.05), (10, 10, 0.05 / 3), (20, 35, 0.01), (100, 100, 0.05)):
        assert power.detectable_h(n_a, n_b, alpha=alpha) == pytest.approx(
            solve(nobs1=n_a, ratio=n_b / n_a, alpha=alpha, power=0.8, alternative="two-sided"), rel=1e-5)
    for h in (0.2, 0.5, 0.8, 1.5):
        assert power.required_n(h) == math.ceil(solve(effect_size=h, ratio=1.0, alpha=0.05, power=0.8))
    # Exact permutation floors: C(4,2) = 6 relabellings, two of them (the split and its mirror) as extreme.
    assert power.min_permutation_p(2, 2) == pytest.approx(1 / 3)
    assert power.min_permutation_p(3, 4) == pytest.approx(1 / 35)
    # A single conversation per group cannot reach power 0.8 even for the largest effect there is.
    assert power.detectable_h(1, 1) == math.inf
    assert power.rate_difference(stats.cohens_h(0.7, 0.3)) == pytest.approx(0.4)


def test_paired_permutation_enumerates_the_swaps_within_conversations():
    # 3 conversations, each with agent a above agent b: 2^3 = 8 swaps; only "no swap" and "swap all" are
    # as extreme as observed, so the exact two-sided p is 2/8.
    p, used = stats.permutation_test([8, 7, 9], [10, 10, 10], [2, 1, 3], [10, 10, 10], paired=True)
    assert used == 8 and p == pytest.approx(2 / 8)
    # Independent, the same numbers have C(6,3) = 20 relabellings and p = 2/20.
    assert stats.permutation_test([8, 7, 9], [10, 10, 10], [2, 1, 3], [10, 10, 10]) == (pytest.approx(0.1), 20)


@pytest.fixture(scope="module")
def seed_analysis(seed_transcripts):
    from analysis.api import analyze

    return analyze(seed_transcripts)


def test_label_rates_on_the_analyze_tables_of_the_seed_logs(seed_analysis, seed_transcripts):
    from analysis.measures import MEASURES
    from simulator.transcript import iter_transcripts

    a = seed_analysis
    conv = a.conversations
    for col in ("run_id", "design", "scenario", "condition"):
        assert conv[col].notna().all() and a.agents[col].notna().all(), col
    rates = stats.label_rates(conv, n_boot=400)
    assert list(rates.columns) == list(stats.RATE_COLUMNS)
    judged = [m.name for m in MEASURES if m.name != "reasoning_identity_claim"]  # the seed logs have no reasoning
    assert list(rates["measure"]) == judged
    # The social-"we" rate counts model-written messages (the scripted opening is not the models').
    own = [m for t in iter_transcripts(seed_transcripts) for m in t.messages if not m.scripted]
    row = rates.set_index("measure").loc["social_we"]
    assert row["n"] == len(own) == conv["messages"].sum()
    assert row["k"] == conv["social_we_messages"].sum()
    assert row["estimate"] == pytest.approx(row["k"] / row["n"])
    assert row["ci_low"] < row["estimate"] < row["ci_high"] and row["n_conversations"] == 10
    wins = rates.set_index("measure").loc["outcome_both"]
    assert (wins["k"], wins["n"]) == ((conv["outcome"] == "both").sum(), 10)
    # The per-agent rows (no JSON per speaker) add up to the conversation's counts.
    assert not any(c.endswith("_by_speaker") for c in conv.columns)
    per_conv = a.agents.groupby("conversation")[["messages", "refusal_messages", "social_we_messages"]].sum()
    assert (per_conv == conv.set_index("conversation")[per_conv.columns].loc[per_conv.index]).all().all()
    # The same function groups the agents table by model; an outcome belongs to a conversation, not a model.
    by_model = stats.label_rates(a.agents, by="model", n_boot=400)
    assert set(by_model["group"]) == {"gpt-4o", "claude-3-5-sonnet-20240620"}
    assert "outcome_win" not in set(by_model["measure"])
    assert by_model.groupby("measure")["n"].sum()["social_we"] == row["n"]


def test_label_comparisons_of_models_are_paired_and_holm_runs_across_every_row(seed_analysis):
    cmp = stats.label_comparisons(seed_analysis.agents, by="model", n_perm=2000, n_boot=300)
    assert list(cmp.columns) == list(stats.COMPARISON_COLUMNS)
    assert len(cmp) == cmp["measure"].nunique() > 5  # one pair of models, every message rate
    # Both models speak in all ten conversations: compared within each conversation, 2^10 exact swaps.
    assert cmp["paired"].all() and (cmp["permutations"].isin([0, 1024])).all()
    assert cmp["p_holm"].tolist() == pytest.approx(list(multipletests(cmp["p"].tolist(), method="holm")[1]))
    assert (cmp["significant"] == (cmp["p_holm"] < 0.05)).all()
    refusal = cmp.set_index("measure").loc["refusal"]
    # Claude refuses in the seed logs (22 of its 126 messages), gpt-4o never does.
    assert refusal["rate_b"] == 0 and refusal["rate_a"] > 0.1 and refusal["p"] < 0.01
    assert refusal["cohens_h"] == pytest.approx(stats.cohens_h(refusal["rate_a"], refusal["rate_b"]))
    assert refusal["ci_low"] > 0
    # Ten conversations are fewer than h = 0.8 at power 0.8 needs (25): flagged, with the reason.
    assert cmp["small_sample"].all() and "needs 25 conversations per group" in refusal["reason"]


def _tiny_design() -> pd.DataFrame:
    rows = []
    for cond, hits in (("a", (9, 8)), ("b", (1, 2))):
        for i, k in enumerate(hits):
            rows.append({"conversation": f"{cond}{i}", "condition": cond, "social_we_messages": k,
                         "social_we_judged": 10})
    return pd.DataFrame(rows)


def test_two_conversations_per_cell_are_flagged_small_with_the_permutation_floor():
    df = _tiny_design()
    cmp = stats.label_comparisons(df, measures=["social_we"], n_boot=200)
    row = cmp.iloc[0]
    # Perfectly separated, yet 2 vs 2 conversations cannot give p below 1/3.
    assert row["p"] == pytest.approx(1 / 3) and not row["significant"]
    assert row["small_sample"] and "cannot go below 0.333" in row["reason"]
    rates = stats.label_rates(df, measures=["social_we"], n_boot=200)
    assert rates["small_sample"].all() and rates["reason"].str.contains("needs 25 per group").all()
    # With enough conversations nothing is flagged.
    big = pd.concat([df.assign(conversation=df["conversation"] + f"-{r}") for r in range(13)])
    assert not stats.label_rates(big, measures=["social_we"], n_boot=200)["small_sample"].any()
    assert not stats.label_comparisons(big, measures=["social_we"], n_perm=500, bootstrap=False)[
        "small_sample"].any()


def test_sweep_dry_run_prints_the_detectable_effect_of_its_repetitions():
    import json

    from statsmodels.stats.power import NormalIndPower

    sweep = "scenarios/sweeps/egomaniac-identity.yaml"  # 3 identities x 2 orders x 2 repetitions
    r = run_cli("sweep", sweep, "--dry-run", "--json")
    assert r.returncode == 0, r.stderr
    families = {f["grouping"]: f for f in json.loads(r.stdout)["detectable_effects"]}
    assert set(families) == {"cells", "identity", "order"}
    solve = NormalIndPower().solve_power
    for name, n, pairs in (("cells", 2, 15), ("identity", 4, 3), ("order", 6, 1)):
        fam = families[name]
        assert fam["comparisons"] == pairs
        (line,) = fam["pairs"]
        assert (line["n_a"], line["n_b"], line["count"]) == (n, n, pairs)
        h = solve(nobs1=n, alpha=0.05, power=0.8, ratio=1.0, alternative="two-sided")
        assert line["cohens_h"] == pytest.approx(h, rel=1e-3)
        assert line["rate_difference"] == pytest.approx(math.sin(h / 2), rel=1e-3)
    assert families["cells"]["pairs"][0]["can_reach_alpha"] is False  # 2 vs 2: p >= 1/3
    assert families["cells"]["pairs"][0]["cohens_h_holm"] is None  # alpha/15 at n=2: nothing detectable
    text = run_cli("sweep", sweep, "--dry-run", env={"COLUMNS": "200"})
    assert text.returncode == 0, text.stderr
    h4 = solve(nobs1=4, alpha=0.05, power=0.8, ratio=1.0, alternative="two-sided")
    out = " ".join(text.stdout.split())  # the console wraps long lines
    assert f"levels of identity, 3 of 3 pair(s), 4 vs 4 conversations: h {h4:.2f}" in out
    assert "a permutation p cannot go below 0.333, so no pair can be significant" in out


def _write_design(folder, reps: int = 2) -> None:
    """Two identity levels x ``reps`` conversations of two model agents (no scripted text after the opening)."""
    from simulator.transcript import AgentInfo, Header, Message, TranscriptWriter

    lines = {"shared": ["We AI assistants should work together.", "Yes, we are one team.", "Let's be friends."],
             "unique": ["I will win this contest.", "No, I am the greatest.", "I refuse to lose to you."]}
    for level, texts in lines.items():
        for r in range(reps):
            header = Header(run_id=f"d-{level}-r{r:03d}", scenario_name="duel", task="Win the contest.",
                            condition={"identity": level},
                            agents=[AgentInfo(name="Ann", provider="openai", model="model-a"),
                                    AgentInfo(name="Bob", provider="anthropic", model="model-b")])
            w = TranscriptWriter(folder / f"d-{level}-r{r:03d}.jsonl", header, fsync=False)
            w.message(Message(index=0, speaker="Ann", text="I challenge you to a contest.", scripted=True))
            for i, text in enumerate(texts, start=1):
                w.message(Message(index=i, speaker="Bob" if i % 2 else "Ann", text=text))
            w.close("max_turns")


def test_tables_carry_provenance_and_factor_levels(tmp_path):
    from analysis.api import analyze

    _write_design(tmp_path)
    a = analyze(tmp_path)
    for table in (a.messages, a.conversations, a.agents):
        assert set(table["factor_identity"]) == {"shared", "unique"}
        assert set(table["condition"]) == {"identity=shared", "identity=unique"}
        assert set(table["scenario"]) == {"duel"} and table["run_id"].str.startswith("d-").all()
    for table in (a.messages, a.agents):
        assert set(table["model"]) == {"model-a", "model-b"} and set(table["provider"]) == {"openai", "anthropic"}
    assert a.messages.groupby("run_id")["scripted"].sum().eq(1).all()  # the opening
    assert (a.conversations["messages"] == 3).all()  # the scripted opening is not counted
    rates = stats.label_rates(a.conversations, by="factor_identity", measures=["social_we"], n_boot=200)
    assert rates.set_index("group").loc["shared", "estimate"] > rates.set_index("group").loc["unique", "estimate"]


def test_report_shows_every_label_with_its_ci_and_the_small_sample_warning(tmp_path):
    from analysis.report import build_report

    _write_design(tmp_path / "runs")
    result = build_report(tmp_path / "runs", tmp_path / "r.html", by="identity", n_boot=200, n_perm=200)
    html = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert 'id="labels"' in html and "Every label with its 95% CI" in html
    assert 'id="labels-condition-table"' in html and 'id="labels-model-table"' in html
    lr = result.label_rates
    assert lr is not None and result.label_comparisons is not None
    by_cond = lr[lr["by"] == "condition"]
    # Every message label the analyzers judged appears, per condition, with an interval.
    assert {"social_we", "cooperative", "refusal", "off_task", "outcome_none"} <= set(by_cond["measure"])
    assert set(by_cond["group"]) == {"identity=shared", "identity=unique"}
    # The same social-"we" rate as the report's conditions table.
    we = by_cond[by_cond["measure"] == "social_we"].set_index("group")["estimate"]
    assert we.to_dict() == pytest.approx(result.rates.set_index("condition")["rate"].to_dict())
    # Two conversations per condition: the warning is on the page, with its reason.
    cmp = result.label_comparisons
    cond_cmp = cmp[cmp["by"] == "condition"]
    assert cond_cmp["small_sample"].all()
    assert cond_cmp["reason"].str.contains("cannot go below 0.333").all()
    assert "Small sample:" in html and "small sample</span>" in html
    assert "a permutation p cannot go below 0.333" in html
    assert cmp["p_holm"].tolist() == pytest.approx(
        [q for by in ("condition", "model") for q in stats.holm(cmp.loc[cmp["by"] == by, "p"].tolist())])


def test_a_group_of_one_conversation_is_enumerated_exactly():
    # 1 vs 3: four relabellings (which conversation is alone); the observed one is the most extreme.
    p, used = stats.permutation_test([9], [10], [1, 2, 1], [10, 10, 10])
    assert used == 4 and p == pytest.approx(1 / 4)
    assert stats.permutation_test([1, 2, 1], [10, 10, 10], [9], [10]) == (pytest.approx(1 / 4), 4)
    assert stats.permutation_test([5], [10], [5], [10], paired=True) == (1.0, 2)


def test_resampling_in_batches_gives_scipys_unbatched_results_in_bounded_memory():
    # 3,000 conversations need several batches; the interval and p-value must be exactly scipy's own
    # all-at-once results (the same random draws), while no batch holds more than the cell budget.
    import scipy.stats as ss

    assert stats._batch(12_000, 5000) * 12_000 <= stats._RESAMPLE_CELLS
    assert stats._batch(3000, 2000) < 2000 and stats._batch(10, 2000) == 2000
    rng = np.random.default_rng(7)
    den = rng.integers(5, 40, 6000).astype(float)
    num = rng.binomial(den.astype(int), 0.3).astype(float)
    _, lo, hi = stats.bootstrap_rate_ci(num[:3000], den[:3000], seed=5)
    whole = ss.bootstrap((num[:3000], den[:3000]), stats._ratio, paired=True, vectorized=True, n_resamples=2000,
                         method="percentile", rng=np.random.default_rng(5))
    assert (lo, hi) == (whole.confidence_interval.low, whole.confidence_interval.high)
    p, _ = stats.permutation_test(num[:3000], den[:3000], num[3000:], den[3000:], n_perm=500, seed=2)

    def gap(ia, ib, axis=-1):
        ia, ib = ia.astype(int), ib.astype(int)
        return np.abs(stats._ratio(num[ia], den[ia], axis) - stats._ratio(num[ib], den[ib], axis))

    unbatched = ss.permutation_test((np.arange(3000), np.arange(3000, 6000)), gap, vectorized=True, n_resamples=500,
                                    permutation_type="independent", alternative="greater",
                                    rng=np.random.default_rng(2))
    assert p == unbatched.pvalue
