"""The in-process SequentialTeam against autogen's own RoundRobinGroupChat (the ``group-chat`` team).

Both teams run the same scenarios with providers that record what they are sent; the transcripts and every
provider's inputs must be the same. The in-order stop rules are checked against autogen's Or/And conditions.
"""

from __future__ import annotations

import asyncio
import threading

import pytest
from autogen_agentchat.base import Team
from autogen_agentchat.conditions import MaxMessageTermination, TextMentionTermination
from autogen_agentchat.messages import TextMessage
from helpers import ROOT, TWO_AGENTS, Recorder, run_cli

from simulator.conversation.orchestrator import RunSpec, run_conversation
from simulator.conversation.stops import AllOf, AnyOf
from simulator.executor import ExecOptions, Executor, _worker_context
from simulator.retry import RetryPolicy
from simulator.scenario import load_scenario_text
from simulator.transcript import read_transcript

THREE = """\
name: three
task: t
agents:
  - {{name: A, provider: scripted, model: s, lines: [a1, a2, a3, "a4 I lose", a5]}}
  - {{name: B, provider: scripted, model: s, lines: [b1, b2, "b3 deal", b4, b5]}}
  - {{name: C, provider: scripted, model: s, lines: [c1, "c2 deal", c3, c4, c5]}}
opening: {{speaker: B, text: hello}}
turn_order: {order}
stop: {stop}
speaker_names: prefix
seed: 7
"""

CASES = {
    "max_turns": TWO_AGENTS.format(bobby='["b1", "b2", "b3"]', robbie='["r1", "r2", "r3"]', stop="{max_turns: 6}",
                            names="none"),
    "phrase": TWO_AGENTS.format(bobby='["b1", "fine, I lose"]', robbie='["r1"]',
                         stop='{phrases: [{phrase: "I lose"}], max_turns: 50}', names="prefix"),
    "received_by": TWO_AGENTS.format(bobby='["b1", "b2 I lose"]', robbie='["I lose", "I lose again"]',
                              stop='{phrases: [{phrase: "I lose", received_by: [Robbie]}], max_turns: 20}',
                              names="none"),
    "reply_cap": TWO_AGENTS.format(bobby='["b"]', robbie='["r"]', stop="{max_replies_per_agent: 3}", names="none"),
    "script_end": TWO_AGENTS.format(bobby='["b1"]', robbie='["r1", "r2"]', stop="{max_turns: 50}", names="none"),
    "random_three": THREE.format(order="random", stop="{max_turns: 12}"),
    "explicit_three_all_phrases": THREE.format(
        order="[A, C, B]", stop='{phrases: [{phrase: "deal"}, {phrase: "I lose"}], combine: all, max_turns: 30}'),
    "any_phrase_three": THREE.format(
        order="round_robin", stop='{phrases: [{phrase: "deal"}, {phrase: "I lose"}], max_turns: 30}'),
}


def _run(text: str, tmp_path, team: str, fail: dict[str, int] | None = None):
    seen: dict[str, list] = {}
    s = load_scenario_text(text)
    res = asyncio.run(run_conversation(RunSpec("x", s, repetition=3), tmp_path / team,
                                       lambda spec: Recorder(spec, seen, dict(fail or {})),
                                       runtime=team, retry=RetryPolicy(max_attempts=2, base_s=0.0)))
    return read_transcript(res.path), seen


def _comparable(t):
    keep = ("index", "speaker", "recipients", "text", "prompt_tokens", "completion_tokens", "applied", "attempts")
    msgs = [{k: getattr(m, k) for k in keep} for m in t.messages]
    return msgs, t.footer.stop_reason, t.footer.turns, t.footer.error


@pytest.mark.parametrize("case", sorted(CASES))
def test_both_teams_write_the_same_transcript_and_send_the_same_inputs(case, tmp_path):
    seq, seq_seen = _run(CASES[case], tmp_path, "sequential")
    chat, chat_seen = _run(CASES[case], tmp_path, "group-chat")
    assert _comparable(seq) == _comparable(chat)
    assert seq_seen == chat_seen
    assert seq.header.autogen_team == "sequential" and chat.header.autogen_team == "group-chat"
    assert len(seq.messages) >= 3  # every case gets past the opening


def test_a_provider_failing_for_good_ends_both_teams_the_same_way(tmp_path):
    text = CASES["max_turns"]
    seq, _ = _run(text, tmp_path, "sequential", fail={"Robbie": 99})
    chat, _ = _run(text, tmp_path, "group-chat", fail={"Robbie": 99})
    assert _comparable(seq) == _comparable(chat)
    assert seq.footer.stop_reason == "error" and "busy" in seq.footer.error


def test_unknown_team_is_refused_before_anything_is_written(tmp_path):
    s = load_scenario_text(CASES["max_turns"])
    with pytest.raises(ValueError, match="unknown runtime"):
        asyncio.run(run_conversation(RunSpec("x", s), tmp_path, lambda spec: Recorder(spec, {}), runtime="swarm"))
    assert list(tmp_path.iterdir()) == []


def test_sequential_team_is_an_autogen_team_and_runs_once_at_a_time():
    from simulator.conversation.agent import ProviderAgent
    from simulator.conversation.stops import build_termination
    from simulator.conversation.team import SequentialTeam
    from simulator.conversation.turns import Schedule
    from simulator.providers.scripted import ScriptedProvider

    s = load_scenario_text(CASES["max_turns"])
    agents = [ProviderAgent(a, ScriptedProvider(a)) for a in s.agents]
    schedule = Schedule([a.name for a in s.agents], "Bobby", s.turn_order, 0)
    team = SequentialTeam(agents, schedule, termination_condition=build_termination(s.stop, ["Bobby", "Robbie"],
                                                                                     schedule.peek))
    assert isinstance(team, Team)

    async def go():
        result = await team.run(task=TextMessage(content="I challenge you", source="Bobby"))
        assert [m.content for m in result.messages] == ["I challenge you", "r1", "b1", "r2", "b2", "r3"]
        assert result.stop_reason == "max_turns: 6"
        stream = team.run_stream(task="again")
        await stream.__anext__()
        with pytest.raises(ValueError, match="already running"):
            await team.run_stream(task="twice").__anext__()
        await stream.aclose()

    asyncio.run(go())


def _texts(*contents: str) -> list[list[TextMessage]]:
    return [[TextMessage(content=c, source="X")] for c in contents]


@pytest.mark.parametrize("ours, theirs", [
    (lambda: AnyOf(TextMentionTermination("stop"), MaxMessageTermination(4)),
     lambda: TextMentionTermination("stop") | MaxMessageTermination(4)),
    (lambda: AnyOf(TextMentionTermination("a"), TextMentionTermination("b"), MaxMessageTermination(9)),
     lambda: TextMentionTermination("a") | TextMentionTermination("b") | MaxMessageTermination(9)),
    (lambda: AllOf(TextMentionTermination("a"), TextMentionTermination("b")),
     lambda: TextMentionTermination("a") & TextMentionTermination("b")),
])
@pytest.mark.parametrize("sequence", [("x", "y", "stop", "z"), ("a", "x", "b", "x"), ("a b", "x"),
                                      ("x", "x", "x", "x", "x")])
def test_in_order_conditions_answer_like_autogens(ours, theirs, sequence):
    async def trace(cond) -> list[tuple[str, str] | None]:
        out: list[tuple[str, str] | None] = []
        for batch in _texts(*sequence):
            stop = await cond(batch)
            out.append(None if stop is None else (stop.content, stop.source))
            if stop is not None:
                await cond.reset()  # as both teams do when a run ends
        return out

    mine, autogens = asyncio.run(trace(ours())), asyncio.run(trace(theirs()))
    assert mine == autogens


def test_workers_fork_when_single_threaded_and_use_a_fork_server_otherwise(tmp_path):
    s = load_scenario_text(CASES["max_turns"])
    runs = [RunSpec(f"w{i:02d}", s, repetition=i) for i in range(6)]
    # A fresh process has one thread: plain fork. (This test process may have others: the pytest plugins'.)
    import subprocess
    import sys

    from simulator.providers.scripted import ScriptedProvider

    probe = subprocess.run([sys.executable, "-c", "from simulator.executor import _worker_context as w; "
                            "print(w()[1], w()[0].get_start_method())"], capture_output=True, text=True,
                           cwd=ROOT, check=True)
    assert probe.stdout.split() == ["True", "fork"]
    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    try:
        assert _worker_context()[1] is False
        outcomes = asyncio.run(Executor(tmp_path, ScriptedProvider, ExecOptions(concurrency=2, workers=2)).run(runs))
    finally:
        release.set()
        other.join()
    assert [o.status for o in outcomes] == ["done"] * 6 and all(o.turns == 6 for o in outcomes)
    assert sorted(p.stem for p in tmp_path.glob("*.jsonl")) == [r.run_id for r in runs]


def test_incentives_reach_the_header_and_never_the_model(tmp_path):
    text = THREE.format(order="round_robin", stop="{max_turns: 4}").replace(
        "{name: A, provider: scripted,", "{name: A, incentive: saboteur, provider: scripted,")
    t, seen = _run(text, tmp_path, "sequential")
    assert {a.name: a.incentive for a in t.header.agents} == {"A": "saboteur", "B": None, "C": None}
    assert "saboteur" not in repr(seen)
    with pytest.raises(Exception, match="incentive"):
        load_scenario_text(text.replace("incentive: saboteur", "incentive: 'two words'"))


def test_the_runtime_is_chosen_with_runtime_and_the_old_team_flag_still_works(tmp_path):
    import json

    f = tmp_path / "s.yaml"
    f.write_text(json.dumps({"name": "rt", "task": "win", "opening": {"speaker": "A", "text": "hi"},
                             "agents": [{"name": "A", "provider": "scripted", "model": "s", "lines": ["a"]},
                                        {"name": "B", "provider": "scripted", "model": "s", "lines": ["b"]}],
                             "stop": {"max_turns": 3}}))
    for flags, warned in ((["--runtime", "group-chat"], False), (["--team", "group-chat"], True)):
        out = tmp_path / flags[0].strip("-")
        r = run_cli("run", str(f), "--out", str(out), "--quiet", *flags)
        assert r.returncode == 0, r.stderr
        assert ("--team is deprecated" in r.stderr) is warned
        header = json.loads(next(out.glob("*.jsonl")).read_text().splitlines()[0])
        assert header["autogen_team"] == "group-chat"
    r = run_cli("run", str(f), "--out", str(tmp_path / "x"), "--runtime", "swarm")
    assert r.returncode == 2 and r.stderr.startswith("error: --runtime: 'swarm' is not a runtime")
