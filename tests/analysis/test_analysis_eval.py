"""Scoring against hand labels: the project's corpora (tests/data/corpora.yaml) and the scoring rules.

The corpus figures are the ones docs/analyzers.md reports; each is held here to a floor a little under its
measured value, so a change that makes the analyzers worse on any kind of conversation fails, and the
targets of the original battle are asserted as the issue states them.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import MULTIPARTY, ROOT, SEED_DIR

from analysis.api import analyze
from analysis.corpora import DEFAULT_MANIFEST, evaluate_manifest, load_manifest, reports_json
from analysis.evaluate import CorpusReport, evaluate, evaluate_casino, load_labels
from analysis.labels import Context, Evidence, MessageLabels, WeToken
from simulator.errors import IngroupError
from simulator.importers.autogen_console import import_console_log
from simulator.scenario import load_scenario

DEV = SEED_DIR / "labels" / "dev.jsonl"
TASK = "Win the contest of who is the biggest egomaniac against the other agent."

pytestmark = pytest.mark.skipif(not DEV.exists(), reason="../shared/data is not beside the project")

# Floors: the measured figure (`ingroup evaluate`) less a small margin. Raise them when the analyzers improve.
FLOORS = {
    "seed-dev": {"we_ref_accuracy": 0.98, "social_we_f1": 0.98, "cooperative_f1": 0.95, "adversarial_f1": 0.95,
                 "refusal_f1": 0.95, "off_task_f1": 0.90, "ai_self_reference_f1": 0.95, "identity_claim_f1": 0.95,
                 "outcome_f1": 0.95},
    "seed-heldout": {"we_ref_accuracy": 0.95, "social_we_f1": 0.95, "cooperative_f1": 0.95, "adversarial_f1": 0.95,
                     "refusal_f1": 0.85, "off_task_f1": 0.90, "identity_claim_f1": 0.85, "outcome_f1": 0.95},
    "casino-we": {"we_ref_accuracy": 0.90, "speaker_org_recall": 0.90, "dyad_recall": 0.85},
    "negotiationarena": {"we_ref_accuracy": 0.95, "cooperative_f1": 0.94, "competitive_f1": 0.95,
                         "adversarial_f1": 0.93},
    "multiparty": {"we_ref_accuracy": 0.88, "cooperative_f1": 0.78, "competitive_f1": 0.75, "adversarial_f1": 0.68},
    "casino-stance": {"cooperative_f1": 0.80, "competitive_f1": 0.74},
    "casino-strategies": {"uv-part->adversarial": 0.35},
}


@pytest.fixture(scope="module")
def reports() -> dict[str, CorpusReport]:
    out, skipped = evaluate_manifest()
    assert skipped == []  # every corpus's files are here
    return {r.name: r for r in out}


def test_every_kind_of_conversation_is_measured(reports: dict[str, CorpusReport]):
    manifest, _ = load_manifest(DEFAULT_MANIFEST)
    assert set(reports) == set(manifest.corpora) == set(FLOORS)
    assert reports["seed-dev"].n_messages == 143 and reports["seed-heldout"].n_messages == 115
    assert reports["negotiationarena"].n_messages == 209 and reports["multiparty"].n_messages == 271
    assert reports["casino-stance"].n_messages == 249
    assert reports["casino-we"].tokens is not None and reports["casino-we"].tokens.we_ref_matched_tokens >= 450
    for r in reports.values():
        assert r.analyzer_version == "rules-2.0+labels-v2"


@pytest.mark.parametrize("corpus", sorted(FLOORS))
def test_figures_hold_their_floor(reports: dict[str, CorpusReport], corpus: str):
    r = reports[corpus]
    low = {m: r.value(m) for m, floor in FLOORS[corpus].items() if (r.value(m) or 0) < floor}
    assert not low, (corpus, low)


def test_the_battle_meets_the_issue_targets(reports: dict[str, CorpusReport]):
    for name in ("seed-dev", "seed-heldout"):
        assert all(t.met for t in reports[name].targets), [t for t in reports[name].targets if not t.met]


def test_competitive_is_measured_only_where_it_was_labelled(reports: dict[str, CorpusReport]):
    # Version 1 labels have no `competitive`: it must not be scored as all-negative there.
    assert "competitive" not in reports["seed-dev"].labels
    assert reports["negotiationarena"].labels["competitive"].support > 100


def test_baseline_is_far_below_on_generic_we(reports: dict[str, CorpusReport]):
    r = reports["seed-heldout"]  # 26 generic "we" (a discussion of AI in mental health care)
    assert r.tokens.social_we_tokens.f1 > r.baseline_contains_we.social_we_tokens.f1 + 0.3


def test_json_report_is_plain_data(reports: dict[str, CorpusReport]):
    data = json.loads(json.dumps(reports_json(list(reports.values()), [])))
    dev = data["corpora"]["seed-dev"]
    assert dev["labels"]["cooperative"].keys() >= {"precision", "recall", "f1", "support", "tp", "fp", "fn"}
    assert {t["metric"] for t in dev["targets"]} >= {"we_ref_accuracy", "cooperative_f1"}
    rows = {(m["casino"], m["ours"]) for m in data["corpora"]["casino-strategies"]["mappings"]}
    assert ("uv-part", "adversarial") in rows and ("self-need", "competitive") in rows


# --- scoring rules -------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    """The ten seed logs imported as plain logs (empty task), as `ingroup import` does without --scenario."""
    out = tmp_path_factory.mktemp("seed")
    for f in sorted(SEED_DIR.glob("*.txt")):
        import_console_log(f, out, None)
    return out


def _labels(tmp_path: Path, *records: dict) -> Path:
    p = tmp_path / "labels.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return p


class Fixed:
    """An analyzer that gives the same labels to every message."""

    name = "fixed"
    version = "fixed-1"

    def __init__(self, **kw) -> None:
        self.kw = kw

    def label(self, text: str, ctx: Context, reasoning: str | None = None) -> MessageLabels:
        kw = {"we": [], "cooperative": False, "competitive": False, "adversarial": False, "refusal": False,
              "off_task": False, "ai_self_reference": False, "identity_claim": [], "observer_reference": False,
              "outcome": None, **self.kw}
        return MessageLabels(**kw)


def test_null_labels_are_left_out_and_unjudged_labels_count_as_misses(tmp_path: Path, imported: Path):
    labels = _labels(tmp_path, {"file": "egomaniac_1", "idx": 0, "cooperative": True},
                     {"file": "egomaniac_1", "idx": 1, "cooperative": None},
                     {"file": "egomaniac_1", "idx": 2, "cooperative": False})
    r = evaluate(labels, imported, analyzer=Fixed(cooperative=True))
    s = r.labels["cooperative"]
    assert (s.tp, s.fp, s.fn, s.support) == (1, 1, 0, 1)
    # An analyzer that could not judge (a judge's unreadable answer) is wrong, not silent.
    r = evaluate(labels, imported, analyzer=Fixed(cooperative=None, not_judged=("cooperative",)))
    s = r.labels["cooperative"]
    assert (s.tp, s.fn) == (0, 1) and r.missing == {"cooperative": 2}


def test_identity_claims_must_name_the_same_model(tmp_path: Path, imported: Path):
    labels = _labels(tmp_path, {"file": "egomaniac_1", "idx": 0, "identity_claim": ["Claude"]},
                     {"file": "egomaniac_1", "idx": 1, "identity_claim": []})
    s = evaluate(labels, imported, analyzer=Fixed(identity_claim=["GPT-4"])).labels["identity_claim"]
    assert (s.tp, s.fp, s.fn) == (0, 2, 1)
    s = evaluate(labels, imported, analyzer=Fixed(identity_claim=["claude"])).labels["identity_claim"]
    assert (s.tp, s.fp, s.fn) == (1, 1, 0)


def test_tokens_with_a_null_referent_are_not_scored(tmp_path: Path, imported: Path):
    # Spans only matter here: gold tokens at 0 and 10, predicted tokens at the same places.
    labels = _labels(tmp_path, {"file": "egomaniac_1", "idx": 0,
                                "we": [{"token": "we", "char": 0, "ref": None}, {"token": "us", "char": 10, "ref": "dyad"}]})
    tok = [WeToken("we", 0, "generic", Evidence(0, 2, "we", "")), WeToken("us", 10, "generic", Evidence(10, 12, "us", ""))]
    r = evaluate(labels, imported, analyzer=Fixed(we=tok))
    assert r.tokens.we_ref_matched_tokens == 1 and r.tokens.we_ref_accuracy == 0
    assert r.tokens.referent_confusion["dyad"]["generic"] == 1


def test_without_a_task_the_opening_states_the_contest(imported: Path):
    # Imported logs carry no task; the opening challenge is the contest off_task is judged against.
    r = evaluate(DEV, imported)
    assert r.labels["off_task"].support == 128 and not r.notes
    assert r.labels["off_task"].f1 >= 0.85
    assert analyze(imported).messages["off_task"].notna().all()


def test_scenario_task_in_header(tmp_path: Path):
    spec = load_scenario(ROOT / "scenarios" / "egomaniac.yaml")
    for f in sorted(SEED_DIR.glob("*.txt")):
        import_console_log(f, tmp_path, spec)
    a = analyze(tmp_path)
    assert len(a.messages) == 258 and len(a.conversations) == 10
    assert a.messages["off_task"].notna().all()
    conv = a.conversations.set_index("conversation")
    assert conv.loc["egomaniac_3", "outcome"] == "both"
    assert conv.loc["egomaniac_3", "winners"] == "Robbie" and conv.loc["egomaniac_3", "conceded"] == "Bobby"
    assert conv.loc["egomaniac_3", "first_ingroup_we_turn"] == 1
    assert set(a.tokens["ref"]) <= {"dyad", "ai_class", "speaker_org", "speaker_human", "generic", "quoted"}
    assert (a.tokens["ref"] == "ai_class").any()  # "as AI assistants, we ..." in egomaniac_2
    assert set(a.messages["analyzer_version"]) == {"rules-2.0+labels-v2"}


def test_bad_labels_file(tmp_path: Path, imported: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"file": "egomaniac_1.txt", "idx": 0}\nnot json\n')
    with pytest.raises(IngroupError, match=r"bad.jsonl:2: not valid JSON"):
        load_labels(bad)
    bad.write_text('{"file": "egomaniac_1.txt", "idx": 0, "we": [{"token": "we", "char": 1, "ref": "team"}]}\n')
    with pytest.raises(IngroupError, match=r"bad.jsonl:1: we\[0\]\.ref: Input should be 'dyad'.*, not 'team'"):
        load_labels(bad)
    # Badly typed records are errors naming line and field, never a traceback later on.
    for record, where in (('{"file": "e.txt", "idx": "3"}', "idx"), ('{"file": 7, "idx": 0}', "file"),
                          ('{"file": "e.txt", "idx": 0, "we": [{"token": 1, "char": 0, "ref": "dyad"}]}',
                           r"we\[0\]\.token"),
                          ('{"file": "e.txt", "idx": 0, "we": [{"token": "we", "char": "x", "ref": null}]}',
                           r"we\[0\]\.char"),
                          ('{"file": "e.txt", "idx": 0, "cooperative": "yes"}', "cooperative"),
                          ('{"file": "e.txt", "idx": 0, "identity_claim": "GPT-4"}', "identity_claim"),
                          ('{"file": "e.txt", "idx": true}', "idx")):
        bad.write_text(record + "\n")
        with pytest.raises(IngroupError, match=rf"bad.jsonl:1: {where}: "):
            load_labels(bad)
    bad.write_text('{"file": "nope.txt", "idx": 0}\n')
    with pytest.raises(IngroupError, match="no transcript for labelled file"):
        evaluate(bad, imported)
    bad.write_text('{"file": "egomaniac_1", "idx": 999}\n')
    with pytest.raises(IngroupError, match="has no message 999"):
        evaluate(bad, imported)


def test_bad_manifest_says_where(tmp_path: Path):
    m = tmp_path / "corpora.yaml"
    m.write_text("corpora:\n  mine:\n    labels: x.jsonl\n    targets: {cooperative_f1: 0.8}\n")
    with pytest.raises(IngroupError, match="needs 'transcripts'") as e:
        load_manifest(m)
    assert "corpora.yaml:2: corpora.mine:" in str(e.value)  # the corpus that lacks them
    m.write_text("corpora:\n  mine:\n    labels: x.jsonl\n    transcripts: [t]\n    tragets: {}\n")
    with pytest.raises(IngroupError, match="tragets"):
        load_manifest(m)


def test_a_corpus_whose_files_are_absent_is_skipped(tmp_path: Path):
    m = tmp_path / "corpora.yaml"
    m.write_text("corpora:\n  gone:\n    labels: nowhere.jsonl\n    transcripts: [nowhere]\n")
    assert evaluate_manifest(m) == ([], ["gone"])
    with pytest.raises(IngroupError, match="no corpus 'other'"):
        evaluate_manifest(m, ["other"])


def test_casino_mappings_have_their_baseline(reports: dict[str, CorpusReport]):
    r = reports["casino-strategies"]
    assert r.n_messages > 4000
    row = next(m for m in r.mappings if (m.casino, m.ours) == ("uv-part", "adversarial"))
    assert row.score.support > 100 and 0 < row.all_positive_f1 < 0.1
    # Precise where the rules fire, and far above calling every utterance positive.
    assert row.score.precision >= 0.7 and row.score.f1 > 4 * row.all_positive_f1


def test_casino_file_errors(tmp_path: Path):
    bad = tmp_path / "c.json"
    bad.write_text('{"not": "a list"}')
    with pytest.raises(IngroupError, match="expected a list of CaSiNo dialogues"):
        evaluate_casino(bad)


# --- incentives ----------------------------------------------------------------------------------------------

def test_incentive_separation_is_measured_against_the_hand_labels(reports: dict[str, CorpusReport]):
    r = reports["multiparty"]
    seps = {s.metric: s for s in r.separations}
    gold = {s.metric: s for s in r.separations_gold}
    assert set(seps) == set(gold) == {"auc_cooperative_cooperative", "auc_competitive_greedy",
                                      "auc_adversarial_saboteur"}
    assert (seps["auc_adversarial_saboteur"].n_with, seps["auc_adversarial_saboteur"].n_others) == (2, 7)
    # The hand labels tell the incentives apart: what the agents said shows them.
    assert all(g.auc >= 0.9 for g in gold.values())
    assert seps["auc_competitive_greedy"].auc >= 0.85


def test_separation_is_the_mann_whitney_auc():
    import pandas as pd

    from analysis.incentives import separation

    agents = pd.DataFrame({"incentive": ["greedy", "greedy", "cooperative", "cooperative", None],
                           "competitive_rate": [0.9, 0.4, 0.5, 0.1, 1.0],
                           "cooperative_rate": [0.1, 0.2, 0.8, 0.8, 0.0],
                           "adversarial_rate": [0.0, 0.0, 0.0, 0.0, 0.0]})
    seps = {s.metric: s for s in separation(agents)}
    # greedy rates 0.9, 0.4 against 0.5, 0.1: three of four pairs ordered right; the agent without an
    # incentive is left out, and no saboteur means no saboteur test.
    assert seps["auc_competitive_greedy"].auc == 0.75 and seps["auc_competitive_greedy"].n_others == 2
    assert seps["auc_cooperative_cooperative"].auc == 1.0
    assert "auc_adversarial_saboteur" not in seps


def test_analyze_writes_an_agents_table_with_incentives(tmp_path: Path):
    from simulator import importers

    for f in sorted(MULTIPARTY.glob("negotiation-*.json")):
        for conv in importers.read(f):
            importers.write(conv, tmp_path)
    a = analyze(tmp_path)
    assert len(a.agents) == 11 and set(a.agents["incentive"].dropna()) == {"cooperative", "greedy", "saboteur"}
    row = a.agents.set_index("agent").loc["Halvard_Maritime"]
    mine = a.messages[a.messages["speaker"] == "Halvard_Maritime"]
    assert row["incentive"] == "greedy" and row["n_messages"] == len(mine) > 0
    assert row["competitive_rate"] == mine["competitive"].astype(float).mean()  # the share of its messages
    assert a.agents["n_messages"].sum() == len(a.messages)
    written = {p.name for p in a.write(tmp_path / "out")}
    assert {"agents.parquet", "agents.csv"} <= written
