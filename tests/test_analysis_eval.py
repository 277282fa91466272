"""Scoring against the real hand labels and CaSiNo; the issue's targets are asserted on the dev labels."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analysis.api import analyze
from analysis.evaluate import evaluate, evaluate_casino, load_labels
from simulator.errors import IngroupError
from simulator.importers.autogen_console import import_console_log
from simulator.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
SEEDS = DATA / "we-the-ai-assistants"
DEV = SEEDS / "labels" / "dev.jsonl"
TASK = "Win the contest of who is the biggest egomaniac against the other agent."


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    """The ten seed logs imported as plain logs (empty task), as `ingroup import` does without --scenario."""
    out = tmp_path_factory.mktemp("seed")
    for f in sorted(SEEDS.glob("*.txt")):
        import_console_log(f, out, None)
    return out


@pytest.fixture(scope="module")
def report(imported: Path) -> dict:
    return evaluate(DEV, imported, task=TASK)


def test_targets_on_dev_labels(report: dict):
    assert report["n_messages"] == 143
    assert report["we_ref_accuracy"] >= 0.95
    assert report["social_we_f1"] >= 0.95
    for k in ("cooperative", "adversarial", "refusal", "ai_self_reference", "identity_claim", "outcome"):
        assert report["labels"][k]["f1"] >= 0.85, (k, report["labels"][k])
    assert report["labels"]["off_task"]["f1"] >= 0.75
    assert all(t["met"] for t in report["targets"].values())


def test_report_shape_and_baseline(report: dict):
    for v in report["labels"].values():
        assert set(v) >= {"precision", "recall", "f1", "support"}
    assert "observer_reference" in report["labels"]
    base = report["baseline_contains_we"]
    assert {"we_ref_accuracy", "social_we_f1", "referent_confusion"} <= set(base)
    # The baseline misses let's/our, so its token F1 is far below the analyzer's on the same labels.
    assert base["social_we_f1"] < report["social_we_f1"]
    assert report["referent_confusion"]["dyad"]["dyad"] == report["we_ref_matched_tokens"]


def test_without_a_task_the_opening_states_the_contest(imported: Path):
    # Imported logs carry no task; the opening challenge is the contest off_task is judged against.
    r = evaluate(DEV, imported)
    assert r["labels"]["off_task"]["support"] == 128 and "note" not in r
    assert r["labels"]["off_task"]["f1"] >= 0.75
    labels = analyze(imported).messages
    assert labels["off_task"].notna().all()


def test_scenario_task_in_header(tmp_path: Path):
    spec = load_scenario(ROOT / "scenarios" / "egomaniac.yaml")
    for f in sorted(SEEDS.glob("*.txt")):
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


def test_bad_labels_file(tmp_path: Path, imported: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"file": "egomaniac_1.txt", "idx": 0}\nnot json\n')
    with pytest.raises(IngroupError, match=r"bad.jsonl:2: not valid JSON"):
        load_labels(bad)
    bad.write_text('{"file": "egomaniac_1.txt", "idx": 0, "we": [{"token": "we", "char": 1, "ref": "team"}]}\n')
    with pytest.raises(IngroupError, match="unknown referent 'team'"):
        load_labels(bad)
    bad.write_text('{"file": "nope.txt", "idx": 0}\n')
    with pytest.raises(IngroupError, match="no transcript for labelled file"):
        evaluate(bad, imported)


def test_casino_sample():
    r = evaluate_casino(DATA / "casino" / "casino_valid.json")
    assert r["utterances"] > 50
    rows = {(m["casino"], m["ours"]): m for m in r["mappings"]}
    pc = rows[("promote-coordination", "cooperative[joint_activity+proposal]")]
    assert pc["support"] > 0 and 0 <= pc["f1"] <= 1
    assert any(m["casino"] == "uv-part" for m in r["mappings"])
    json.dumps(r)
