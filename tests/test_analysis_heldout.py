"""The issue's targets on labels the analyzers were not written against.

tests/data/heldout_labels.jsonl labels the six seed conversations that have no human labels
(egomaniac_2, 4, 6, 7, 8, 10; 115 messages), made by an AI annotator from LABELS.md alone without seeing the
analyzers' output (see tests/data/heldout_labels.md). They are a proxy for human labels, not a substitute:
they check that the rules generalise beyond the four dev conversations.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, SEED_DIR

from analysis.evaluate import evaluate

HELDOUT = ROOT / "tests" / "data" / "heldout_labels.jsonl"
TASK = "Win the contest of who is the biggest egomaniac against the other agent."
MESSAGE_TARGETS = {"cooperative": 0.85, "adversarial": 0.85, "refusal": 0.85, "ai_self_reference": 0.85,
                   "identity_claim": 0.85, "outcome": 0.85, "off_task": 0.75}


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> dict:
    from simulator.importers.autogen_console import import_console_log

    out = tmp_path_factory.mktemp("heldout")
    for n in (2, 4, 6, 7, 8, 10):
        import_console_log(SEED_DIR / f"egomaniac_{n}.txt", out, None)
    return evaluate(HELDOUT, out, task=TASK)


def test_heldout_set_is_the_six_unlabelled_conversations(report: dict):
    assert report["n_messages"] == 115
    assert sorted(Path(f).stem for f in report["files"]) == [f"egomaniac_{n}" for n in (10, 2, 4, 6, 7, 8)]


def test_we_targets_on_heldout_labels(report: dict):
    # This set has 26 generic "we" (a discussion of AI in mental health care), where "contains we" fails.
    assert report["we_ref_accuracy"] >= 0.95
    assert report["social_we_f1"] >= 0.95
    assert report["social_we_f1"] > report["baseline_contains_we"]["social_we_f1"] + 0.3


@pytest.mark.parametrize("label", sorted(MESSAGE_TARGETS))
def test_message_label_targets_on_heldout_labels(report: dict, label: str):
    assert report["labels"][label]["f1"] >= MESSAGE_TARGETS[label], report["labels"][label]
