"""Rollback as a mechanism: branch transcripts replayed from turn k, the keeper's memory, resume, the sweep."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from helpers import ROOT, run_cli

from analysis.api import analyze
from simulator.conversation.orchestrator import RunSpec
from simulator.executor import ExecOptions, Executor
from simulator.providers import make_provider
from simulator.providers.base import Completion, Turn
from simulator.run import plan_runs
from simulator.scenario import load_scenario_text
from simulator.sweep import expand, load_sweep, plan_sweep
from simulator.transcript import read_transcript

SCENARIO = """
name: rb
task: Split 3 food, 3 water and 3 firewood between Alex and Sam.
agents:
  - {name: Alex, provider: openai, model: m}
  - {name: Sam, provider: openai, model: m}
opening: {speaker: Alex, text: "Hello, shall we split the packages?"}
stop: {max_turns: 8}
seed: 3
rollback: {at_turn: 3, keeper: Alex, keeps: KEEPS}
"""


class Recorder:
    """A provider that answers with a numbered line and records every context it was given."""

    kind = "openai"

    def __init__(self, name: str, log: dict[str, list[list[Turn]]]) -> None:
        self.name, self.log, self.n = name, log, 0

    async def complete(self, system, turns, sampling) -> Completion:
        self.log.setdefault(self.name, []).append(list(turns))
        self.n += 1
        return Completion(text=f"{self.name} line {self.n}", prompt_tokens=10, completion_tokens=2)

    async def aclose(self) -> None:
        return None


def _run(tmp: Path, keeps: str, runtime: str = "sequential"):
    log: dict[str, list[list[Turn]]] = {}
    runs = plan_runs(load_scenario_text(SCENARIO.replace("KEEPS", keeps)), stamp="t")
    ex = Executor(tmp, lambda spec: Recorder(spec.name, log), ExecOptions(fsync=False, runtime=runtime))
    outcomes = asyncio.run(ex.run(runs))
    return runs, outcomes, log


@pytest.mark.parametrize("runtime", ["sequential", "group-chat"])
def test_branch_replays_the_prefix_and_only_the_keeper_remembers(tmp_path: Path, runtime: str):
    runs, outcomes, log = _run(tmp_path, "context", runtime)
    assert [r.run_id for r in runs] == ["rb-t-r000", "rb-t-r000-rollback"]
    assert [o.status for o in outcomes] == ["done", "done"]
    parent = read_transcript(tmp_path / "rb-t-r000.jsonl")
    branch = read_transcript(tmp_path / "rb-t-r000-rollback.jsonl")
    assert branch.header.branch_of == "rb-t-r000" and branch.header.branch_at_turn == 3
    assert [(m.agent, m.keeps, m.messages) for m in branch.header.branch_memory or []] == [
        ("Alex", "context", 5), ("Sam", "nothing", 0)]
    # The first 3 messages are the parent's, marked replayed; the rest is new.
    assert [m.text for m in branch.messages[:3]] == [m.text for m in parent.messages[:3]]
    assert [m.replayed for m in branch.messages] == [True] * 3 + [False] * 5
    assert len(branch.messages) == 8 and branch.footer is not None and branch.footer.stop_reason == "max_turns: 8"
    # Replayed tokens are the parent's: the branch's footer counts its own 5 calls only.
    assert branch.footer.prompt_tokens == 50 and parent.footer is not None and parent.footer.prompt_tokens == 70
    # Sam (fresh) sees in the branch exactly what it saw at the same point of the parent.
    sam_parent, sam_branch = log["Sam"][:4], log["Sam"][4:]
    assert sam_branch[0] == sam_parent[1]
    assert not any("[Rollback]" in t.content for ctx in sam_branch for t in ctx)
    # Alex's first branch context: the prefix, then what it saw after message 3 in the parent, then the note.
    alex_first = log["Alex"][3]  # Alex made 3 calls in the parent
    parent_after = [m.text for m in parent.messages[3:]]
    texts = [t.content for t in alex_first]
    assert texts[:3] == [m.text for m in parent.messages[:3]]
    assert texts[3:3 + len(parent_after)] == parent_after
    assert texts[3 + len(parent_after)].startswith("[Rollback] The conversation was rolled back")
    assert "Sam remember nothing" in texts[3 + len(parent_after)]


def test_summary_keeper_writes_its_note_first(tmp_path: Path):
    runs, outcomes, log = _run(tmp_path, "summary")
    branch = read_transcript(tmp_path / "rb-t-r000-rollback.jsonl")
    alex = branch.header.branch_memory[0]  # type: ignore[index]
    assert alex.keeps == "summary" and alex.summary == "Alex line 1"  # the branch's first call
    assert alex.summary_call is not None and alex.summary_call.prompt_tokens == 10
    # The summary request saw the whole earlier branch; the next context holds the note, not the branch.
    request = log["Alex"][3]
    assert request[-1].content.startswith("[Rollback] This conversation is about to be rolled back")
    assert len(request) == 8 + 1
    after = [t.content for t in log["Alex"][4]]
    assert len(after) == 3 + 1 + 1  # the prefix, the note with its summary, Sam's new reply
    assert "Alex line 1" in after[3] and "Alex line 2" not in after
    assert branch.footer is not None and branch.footer.by_agent["Alex"].prompt_tokens == 10 + 20


def test_resume_redoes_only_the_missing_branch(tmp_path: Path):
    _run(tmp_path, "context")
    parent = tmp_path / "rb-t-r000.jsonl"
    before = parent.read_bytes()
    (tmp_path / "rb-t-r000-rollback.jsonl").unlink()
    runs, outcomes, log = _run(tmp_path, "context")
    assert [o.status for o in outcomes] == ["skipped", "done"]
    assert parent.read_bytes() == before
    assert (tmp_path / "rb-t-r000-rollback.jsonl").exists()
    assert len(log["Sam"]) == 3  # only the branch's new turns were asked for (messages 3, 5, 7)


def test_branch_of_a_failed_run_writes_nothing(tmp_path: Path):
    class Failing(Recorder):
        async def complete(self, system, turns, sampling):
            from simulator.errors import ProviderError
            raise ProviderError("no such model")

    runs = plan_runs(load_scenario_text(SCENARIO.replace("KEEPS", "context")), stamp="t")
    outcomes = asyncio.run(Executor(tmp_path, lambda s: Failing(s.name, {}), ExecOptions(fsync=False)).run(runs))
    assert [o.status for o in outcomes] == ["failed", "failed"]
    assert "earlier branch rb-t-r000 failed" in (outcomes[1].error or "")
    assert not (tmp_path / "rb-t-r000-rollback.jsonl").exists()


def test_rollback_option_errors_are_located(tmp_path: Path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(SCENARIO.replace("KEEPS", "context").replace("keeper: Alex", "keeper: Bob"))
    r = run_cli("run", str(bad), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "bad.yaml:10: rollback.keeper: 'Bob' is not one of the agents" in r.stderr
    bad.write_text(SCENARIO.replace("KEEPS", "context").replace("at_turn: 3", "at_turn: 8"))
    r = run_cli("run", str(bad), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "rollback.at_turn: must be below stop.max_turns (8)" in r.stderr
    bad.write_text(SCENARIO.replace("KEEPS", "memory"))
    r = run_cli("run", str(bad), "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "rollback.keeps" in r.stderr


ALEX = ["Food is my top priority: I hike all day.", "Submit-Deal: food=3, water=1, firewood=1",
        "Fine, Submit-Deal: food=3, water=0, firewood=1", "Accept-Deal"]
SAM = ["I need water the most, my campsite has no stream.", "Reject-Deal",
       "Submit-Deal: food=0, water=3, firewood=2", "Submit-Deal: food=0, water=3, firewood=2"]


def test_ready_sweep_writes_linked_branches_and_disclosure_columns(tmp_path: Path):
    sweep = load_sweep(ROOT / "scenarios" / "sweeps" / "negotiation-rollback.yaml")
    plan = plan_sweep(sweep)
    assert plan.runs == 16 and plan.branch_runs == 4
    runs = []
    for r in expand(sweep):
        if r.repetition > 0:
            continue
        agents = [a.model_copy(update={"provider": "scripted", "lines": {"Alex": ALEX, "Sam": SAM}[a.name]})
                  for a in r.scenario.agents]
        runs.append(replace(r, scenario=r.scenario.model_copy(update={"agents": agents})))
    assert [r.run_id for r in runs] == ["negotiation-rollback-none-r000", "negotiation-rollback-announced-r000",
                                        "negotiation-rollback-applied-r000", "negotiation-rollback-applied-r000-rollback"]
    outcomes = asyncio.run(Executor(tmp_path, make_provider, ExecOptions(fsync=False)).run(runs))
    assert all(o.status == "done" for o in outcomes)
    branch = read_transcript(tmp_path / "negotiation-rollback-applied-r000-rollback.jsonl")
    assert branch.header.branch_of == "negotiation-rollback-applied-r000" and branch.header.branch_at_turn == 4
    # The scripted agents go on with their scripts after the replayed lines.
    assert [m.text for m in branch.messages[4:6]] == [ALEX[1], SAM[2]]
    announced = read_transcript(tmp_path / "negotiation-rollback-announced-r000.jsonl")
    assert "can roll this conversation back" in announced.header.agents[0].system_prompt
    assert "Alex can roll this conversation back" in announced.header.agents[1].system_prompt
    a = analyze(tmp_path)
    conv = a.conversations.set_index("conversation")
    assert conv.loc["negotiation-rollback-applied-r000-rollback", "branch_of"] == "negotiation-rollback-applied-r000"
    assert pd.isna(conv.loc["negotiation-rollback-none-r000", "branch_of"])
    agents = a.agents.set_index(["conversation", "agent"])
    row = agents.loc[("negotiation-rollback-none-r000", "Alex")]
    assert row["disclosed_items"] == 1 and row["first_disclosure_idx"] == 2
    assert agents.loc[("negotiation-rollback-none-r000", "Sam"), "disclosure_share"] == pytest.approx(1 / 3)


def test_dry_run_counts_branch_runs():
    r = run_cli("sweep", str(ROOT / "scenarios" / "sweeps" / "negotiation-rollback.yaml"), "--dry-run", "--json")
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["runs"] == 16 and plan["branch_runs"] == 4
    # 12 runs of 11 replies, and 4 branches that replay 3 of them.
    assert plan["calls"] == 12 * 11 + 4 * 8


def test_plan_order_keeps_each_branch_after_its_run():
    runs = plan_runs(load_scenario_text(SCENARIO.replace("KEEPS", "context").replace("seed: 3", "repetitions: 3")),
                     stamp="t")
    assert [r.branch_of for r in runs] == [None, "rb-t-r000", None, "rb-t-r001", None, "rb-t-r002"]
    assert all(isinstance(r, RunSpec) for r in runs)


CLI_SWEEP = """
name: rbs
scenario:
  name: rbs
  task: Split 3 food, 3 water and 3 firewood.
  agents:
    - {name: Alex, provider: scripted, model: s, lines: ["Food is my top priority.", "a2", "a3", "a4"]}
    - {name: Sam, provider: scripted, model: s, lines: ["I need water the most.", "s2", "s3", "s4"]}
  opening: {speaker: Alex, text: "Hello!"}
  stop: {max_turns: 7}
  metadata:
    negotiation:
      items: {food: 3, water: 3, firewood: 3}
      values: {Alex: {food: 5, water: 4, firewood: 3}, Sam: {food: 3, water: 5, firewood: 4}}
repetitions: 2
factors:
  rollback:
    levels:
      none: {}
      applied: {set: {rollback: {at_turn: 3, keeper: Alex, keeps: context}}}
"""


def test_cli_sweep_writes_branches_and_resumes_only_a_missing_one(tmp_path: Path):
    (tmp_path / "rbs.yaml").write_text(CLI_SWEEP)
    out = tmp_path / "out"
    # Two worker processes: each branch goes to the worker that runs its earlier branch.
    r = run_cli("sweep", str(tmp_path / "rbs.yaml"), "--out", str(out), "--workers", "2")
    assert r.returncode == 0, r.stderr
    assert "6 of 6 run(s) complete" in r.stdout
    names = sorted(p.name for p in out.glob("*.jsonl"))
    assert names == ["rbs-applied-r000-rollback.jsonl", "rbs-applied-r000.jsonl", "rbs-applied-r001-rollback.jsonl",
                     "rbs-applied-r001.jsonl", "rbs-none-r000.jsonl", "rbs-none-r001.jsonl"]
    parent = (out / "rbs-applied-r001.jsonl").read_bytes()
    (out / "rbs-applied-r001-rollback.jsonl").unlink()
    r = run_cli("sweep", str(tmp_path / "rbs.yaml"), "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert (out / "rbs-applied-r001.jsonl").read_bytes() == parent
    branch = read_transcript(out / "rbs-applied-r001-rollback.jsonl")
    assert branch.header.branch_of == "rbs-applied-r001" and [m.text for m in branch.messages[3:5]] == ["s2", "a2"]
    r = run_cli("analyze", str(out), "--out", str(tmp_path / "tables"))
    assert r.returncode == 0, r.stderr
    agents = pd.read_csv(tmp_path / "tables" / "agents.csv")
    row = agents[(agents.conversation == "rbs-applied-r001-rollback") & (agents.agent == "Sam")].iloc[0]
    assert row.disclosed_items == 1 and row.first_disclosure_idx == 1


def test_branch_of_a_run_that_ended_before_the_rollback_point(tmp_path: Path):
    text = SCENARIO.replace("KEEPS", "context").replace("stop: {max_turns: 8}",
                                                        "stop: {max_turns: 8, phrases: [{phrase: 'Sam line 1'}]}")
    runs = plan_runs(load_scenario_text(text), stamp="t")
    outcomes = asyncio.run(Executor(tmp_path, lambda s: Recorder(s.name, {}), ExecOptions(fsync=False)).run(runs))
    assert [o.status for o in outcomes] == ["done", "done"]
    branch = read_transcript(tmp_path / "rb-t-r000-rollback.jsonl")
    assert branch.footer is not None and branch.footer.stop_reason.startswith("rollback_not_reached")
    assert [m.replayed for m in branch.messages] == [True, True]
    assert [m.keeps for m in branch.header.branch_memory or []] == ["nothing", "nothing"]


def test_each_branch_runs_in_its_runs_group():
    # A group runs in plan order in one process (and one worker): the branch after the run it replays.
    from simulator.executor import run_groups

    runs = plan_runs(load_scenario_text(SCENARIO.replace("KEEPS", "context").replace("seed: 3", "repetitions: 3")),
                     stamp="t")
    assert [[r.run_id for r in g] for g in run_groups(runs)] == [
        ["rb-t-r000", "rb-t-r000-rollback"], ["rb-t-r001", "rb-t-r001-rollback"], ["rb-t-r002", "rb-t-r002-rollback"]]
    # A branch whose run is done already (a resume) is a group of its own.
    assert [[r.run_id for r in g] for g in run_groups(runs[1:])] == [
        ["rb-t-r000-rollback"], ["rb-t-r001", "rb-t-r001-rollback"], ["rb-t-r002", "rb-t-r002-rollback"]]
