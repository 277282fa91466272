"""The orchestrator on autogen-agentchat, driven by providers that need no model.

`Recorder` (tests/helpers.py) is a provider that answers from a fixed script and records exactly what it was
sent, so these tests can check what each agent sees; the real providers have their own tests against real
servers.
"""

from __future__ import annotations

import asyncio
import json

import pytest
from helpers import TWO_AGENTS, Recorder

from simulator.conversation.orchestrator import RunSpec, run_conversation
from simulator.executor import ExecOptions, Executor, transcript_state
from simulator.providers.base import Completion, Turn
from simulator.providers.scripted import ScriptedProvider
from simulator.retry import RetryPolicy
from simulator.scenario import Sampling, load_scenario_text
from simulator.transcript import read_transcript


def scenario(bobby='["b1", "b2", "b3"]', robbie='["r1", "r2", "r3"]', stop="{max_turns: 50}", names="none"):
    return load_scenario_text(TWO_AGENTS.format(bobby=bobby, robbie=robbie, stop=stop, names=names))


def run(s, tmp_path, factory=ScriptedProvider, run_id="x", **kw):
    return asyncio.run(run_conversation(RunSpec(run_id, s), tmp_path, factory, **kw))


def test_each_agent_sees_its_own_turns_as_assistant_and_the_opening_as_its_own(tmp_path):
    seen: dict[str, list] = {}
    run(scenario(), tmp_path, lambda spec: Recorder(spec, seen), run_id="ctx")
    bobby_first = seen["Bobby"][0][1]
    assert bobby_first == [Turn("assistant", "I challenge you", "Bobby"), Turn("user", "r1", "Robbie")]
    robbie_second = seen["Robbie"][1][1]
    assert [(t.role, t.content) for t in robbie_second] == [
        ("user", "I challenge you"), ("assistant", "r1"), ("user", "b1")]


def test_prefix_names_reach_every_provider_the_same_way(tmp_path):
    seen: dict[str, list] = {}
    run(scenario(names="prefix"), tmp_path, lambda spec: Recorder(spec, seen))
    robbie_second = seen["Robbie"][1][1]
    assert [t.content for t in robbie_second] == ["Bobby: I challenge you", "r1", "Bobby: b1"]


def test_phrase_stop_and_transcript_records(tmp_path):
    s = scenario(bobby='["b1", "fine, I lose"]', stop='{phrases: [{phrase: "I lose"}], max_turns: 50}')
    res = run(s, tmp_path)
    t = read_transcript(res.path)
    assert [m.text for m in t.messages] == ["I challenge you", "r1", "b1", "r2", "fine, I lose"]
    assert [m.index for m in t.messages] == list(range(5))
    assert t.footer.stop_reason == "phrase: 'I lose' said by Bobby" and t.footer.turns == 5
    assert t.messages[0].scripted and t.messages[0].recipients == ["Robbie"]
    assert t.header.run_id == "x" and t.header.task == "win"
    assert t.header.scenario_hash.startswith("sha256:")
    assert "autogen-agentchat" in t.header.versions


def test_phrase_received_by_only_counts_messages_to_that_agent(tmp_path):
    # "I lose" said by Robbie is received by Bobby; a rule on what Robbie receives must not fire on it.
    s = scenario(robbie='["I lose", "I lose again"]', bobby='["b1", "b2 I lose"]',
                 stop='{phrases: [{phrase: "I lose", received_by: [Robbie]}], max_turns: 20}')
    t = read_transcript(run(s, tmp_path).path)
    assert t.messages[-1].speaker == "Bobby" and "I lose" in t.messages[-1].text
    assert len(t.messages) == 5


def test_max_turns_counts_the_opening(tmp_path):
    t = read_transcript(run(scenario(stop="{max_turns: 4}"), tmp_path).path)
    assert len(t.messages) == 4 and t.footer.stop_reason == "max_turns: 4"


def test_reply_cap_matches_autogen_02_auto_reply_limit(tmp_path):
    # Each agent replies at most N times: opening + N replies from each = 2N + 1 messages.
    s = scenario(bobby='["b"]', robbie='["r"]', stop="{max_replies_per_agent: 3}")
    seen: dict[str, list] = {}
    t = read_transcript(run(s, tmp_path, lambda spec: Recorder(spec, seen)).path)
    assert len(t.messages) == 7
    assert [m.speaker for m in t.messages].count("Robbie") == 3
    assert t.footer.stop_reason.startswith("max_replies_per_agent")


def test_scripted_agent_running_out_of_lines_ends_the_conversation(tmp_path):
    t = read_transcript(run(scenario(bobby='["b1"]', robbie='["r1", "r2"]'), tmp_path).path)
    assert [m.text for m in t.messages] == ["I challenge you", "r1", "b1", "r2"]
    assert t.footer.stop_reason == "script_exhausted"


def test_transient_errors_are_retried_and_counted(tmp_path):
    seen: dict[str, list] = {}
    fail = {"Robbie": 2}
    policy = RetryPolicy(max_attempts=5, base_s=0.0)
    t = read_transcript(run(scenario(stop="{max_turns: 3}"), tmp_path, lambda spec: Recorder(spec, seen, fail),
                            retry=policy).path)
    assert t.messages[1].attempts == 3 and t.messages[2].attempts == 1
    assert t.messages[1].prompt_tokens == 10 and t.messages[1].applied == {"temperature": 0}


def test_a_provider_that_fails_for_good_is_recorded_not_dropped(tmp_path):
    seen: dict[str, list] = {}
    fail = {"Robbie": 99}
    res = run(scenario(), tmp_path, lambda spec: Recorder(spec, seen, fail), retry=RetryPolicy(max_attempts=2,
                                                                                                base_s=0.0))
    t = read_transcript(res.path)
    assert t.complete and t.footer.stop_reason == "error"
    assert "busy" in t.footer.error
    assert [m.text for m in t.messages] == ["I challenge you"]


class _Buggy(Recorder):
    async def complete(self, system: str, turns: list[Turn], sampling: Sampling) -> Completion:
        return {}["no such key"]  # a programming error, not a provider failure


@pytest.mark.parametrize("runtime", ["sequential", "group-chat"])
def test_a_bug_is_a_crash_with_its_traceback_not_a_provider_failure(tmp_path, runtime):
    res = run(scenario(), tmp_path, lambda spec: _Buggy(spec, {}), runtime=runtime)
    t = read_transcript(res.path)
    assert t.footer.stop_reason == "crash" and t.footer.failed
    assert "Traceback" in t.footer.error and "KeyError: 'no such key'" in t.footer.error
    assert "in complete" in t.footer.error  # the frame that raised is named
    assert transcript_state(res.path) == "failed"


@pytest.mark.parametrize("runtime", ["sequential", "group-chat"])
def test_provider_failure_and_script_end_stop_with_their_own_reasons(tmp_path, runtime):
    failing = run(scenario(), tmp_path, lambda spec: Recorder(spec, {}, {"Robbie": 99}), run_id="f",
                  retry=RetryPolicy(max_attempts=1, base_s=0.0), runtime=runtime)
    t = read_transcript(failing.path)
    assert t.footer.stop_reason == "error" and "TransientError" in t.footer.error and "Traceback" not in t.footer.error
    ended = read_transcript(run(scenario(bobby='["b1"]'), tmp_path, run_id="s", runtime=runtime).path)
    assert ended.footer.stop_reason == "script_exhausted" and ended.footer.error is None and not ended.footer.failed


def test_turn_orders_for_three_agents(tmp_path):
    y = """\
name: three
task: t
agents:
  - {name: A, provider: scripted, model: s, lines: [a, a, a, a, a, a, a, a]}
  - {name: B, provider: scripted, model: s, lines: [b, b, b, b, b, b, b, b]}
  - {name: C, provider: scripted, model: s, lines: [c, c, c, c, c, c, c, c]}
opening: {speaker: B, text: hello}
turn_order: %s
stop: {max_turns: 9}
seed: 7
"""
    def speakers(order: str, rid: str) -> list[str]:
        return [m.speaker for m in read_transcript(run(load_scenario_text(y % order), tmp_path, run_id=rid).path
                                                   ).messages]

    assert speakers("round_robin", "rr") == ["B", "C", "A", "B", "C", "A", "B", "C", "A"]
    assert speakers("[A, A, C]", "ex") == ["B", "A", "A", "C", "A", "A", "C", "A", "A"]
    rnd = speakers("random", "rnd1")
    assert all(a != b for a, b in zip(rnd, rnd[1:]))
    assert rnd == speakers("random", "rnd2")  # seeded
    assert len(set(rnd)) == 3


def test_executor_resume_skips_complete_and_redoes_partial(tmp_path):
    s = scenario(stop="{max_turns: 3}")
    runs = [RunSpec(f"r{i}", s, repetition=i) for i in range(3)]
    # A crash mid-run leaves a file without a footer.
    (tmp_path / "r1.jsonl").write_text(json.dumps({"type": "header", "run_id": "r1", "scenario_name": "t",
                                                   "task": "win", "agents": []}) + "\n")
    assert transcript_state(tmp_path / "r1.jsonl") == "partial"
    ex = Executor(tmp_path, ScriptedProvider, ExecOptions(concurrency=2))
    outcomes = asyncio.run(ex.run(runs))
    assert [o.status for o in outcomes] == ["done", "done", "done"]
    assert all(transcript_state(tmp_path / f"r{i}.jsonl") == "complete" for i in range(3))
    assert len(list((tmp_path / ".partial").iterdir())) == 1  # kept aside, not lost
    again = asyncio.run(Executor(tmp_path, ScriptedProvider).run(runs))
    assert [o.status for o in again] == ["skipped"] * 3
    assert len(list(tmp_path.glob("*.jsonl"))) == 3


def test_unsafe_run_ids_are_rejected(tmp_path):
    from simulator.errors import IngroupError

    with pytest.raises(IngroupError):
        asyncio.run(Executor(tmp_path, ScriptedProvider).run([RunSpec("../escape", scenario())]))
    assert not (tmp_path.parent / "escape.jsonl").exists()


def test_worker_processes_run_every_planned_conversation_once(tmp_path):
    s = scenario(stop="{max_turns: 4}")
    runs = [RunSpec(f"w{i:02d}", s, repetition=i) for i in range(9)]
    seen: list[str] = []
    ex = Executor(tmp_path, ScriptedProvider, ExecOptions(concurrency=4, workers=2),
                  on_outcome=lambda o: seen.append(o.run_id))
    outcomes = asyncio.run(ex.run(runs))
    assert [o.run_id for o in outcomes] == [r.run_id for r in runs]
    assert sorted(seen) == sorted(r.run_id for r in runs)
    assert all(o.status == "done" and o.turns == 4 for o in outcomes)
    assert sorted(p.stem for p in tmp_path.glob("*.jsonl")) == [r.run_id for r in runs]
