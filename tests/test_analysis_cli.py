"""The analyze and evaluate verbs, through the real `ingroup` app."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import simulator.cli as cli
from analysis.judge import JudgeAnalyzer, parse_answer
from analysis.labels import Context

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "data" / "we-the-ai-assistants"
DEV = SEEDS / "labels" / "dev.jsonl"
INGROUP = Path(sys.executable).parent / "ingroup"

cli._register_optional_commands()
runner = CliRunner()


@pytest.fixture(scope="module")
def seed_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("imported")
    r = runner.invoke(cli.app, ["import", *map(str, sorted(SEEDS.glob("*.txt"))), "--out", str(out),
                                "--scenario", str(ROOT / "scenarios" / "egomaniac.yaml")])
    assert r.exit_code == 0, r.output
    return out


def test_analyze_writes_tables(seed_dir: Path, tmp_path: Path):
    r = runner.invoke(cli.app, ["analyze", str(seed_dir), "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    assert "egomaniac_1" in r.output and "social we" in r.output
    for name in ("tokens", "messages", "conversations"):
        assert (tmp_path / f"{name}.csv").is_file()
        df = pd.read_parquet(tmp_path / f"{name}.parquet")
        assert not df.empty
    conv = pd.read_parquet(tmp_path / "conversations.parquet")
    assert set(conv["outcome"]) <= {"win", "lose", "both", "none"}
    assert conv["n_messages"].sum() == 258


def test_evaluate_json(seed_dir: Path):
    r = runner.invoke(cli.app, ["evaluate", "--labels", str(DEV), "--transcripts", str(seed_dir), "--json"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    assert {"labels", "we_ref_accuracy", "social_we_f1", "baseline_contains_we", "referent_confusion"} <= set(rep)
    assert rep["labels"]["cooperative"].keys() >= {"precision", "recall", "f1", "support"}


def test_bad_labels_exit_2(seed_dir: Path, tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("[1, 2]\n")
    p = subprocess.run([str(INGROUP), "evaluate", "--labels", str(bad), "--transcripts", str(seed_dir)],
                       capture_output=True, text=True, timeout=60)
    assert p.returncode == 2
    assert "bad.jsonl:1" in p.stderr and "Traceback" not in p.stderr


def test_judge_parse_and_cache(tmp_path: Path):
    """The judge's answer handling and cache with a stand-in provider (no model call)."""

    class Fake:
        calls = 0

        async def complete(self, system, turns, sampling):
            Fake.calls += 1
            from simulator.providers.base import Completion
            return Completion(text='Sure: {"cooperative": true, "adversarial": false, "we_refs": ["ai_class"], '
                                   '"identity_claim": ["Anthropic", "Robbie"], "outcome": "lose", '
                                   '"evidence": {"cooperative": "thanks"}}')

        async def aclose(self):
            pass

    j = JudgeAnalyzer(cache=tmp_path / "cache.jsonl")
    j._provider = Fake()
    ctx = Context(speaker="Robbie", agents=("Bobby", "Robbie"), task="win")
    text = "Many thanks; as AIs, we agree. I lose."
    a = j.label(text, ctx)
    b = JudgeAnalyzer(cache=tmp_path / "cache.jsonl")  # a new analyzer reads the answer from disk
    b._provider = Fake()
    b2 = b.label(text, ctx)
    assert Fake.calls == 1 and b.calls == 0
    for r in (a, b2):
        assert r.cooperative and r.outcome == "lose" and r.analyzer == "judge"
        assert [w.ref for w in r.we] == ["ai_class"]
        assert r.identity_claim == ["Anthropic"]  # agent names are never identity claims
        assert r.evidence["cooperative"][0].text == "thanks"
    junk = parse_answer("<script>not json", "we", [], ctx)
    assert not junk.cooperative and junk.evidence["judge"][0].rule == "judge_unparsable"
