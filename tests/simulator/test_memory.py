"""Memory policies: rolling summaries and notes carried along a chain of repetitions, on a local server that
speaks the OpenAI wire protocol (bench/loadserver.py), with resume; the policy's checks; the chain grouping."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli

from bench import loadserver
from simulator.conversation.orchestrator import RunSpec
from simulator.errors import ScenarioError
from simulator.executor import run_groups
from simulator.memory import CARRIED_HEADING, CARRY_PROMPT, ROLLING_HEADING, SUMMARY_PROMPT
from simulator.scenario import load_scenario_text
from simulator.sweep import expand, load_sweep
from simulator.sweep_cli import run_sweep
from simulator.transcript import read_transcript

ENV = {"OPENAI_API_KEY": "sk-" + "test-0123456789abcd"}

SCENARIO = """name: mem
task: Win the contest against the other agent.
agents:
  - {name: Bobby, provider: openai, model: gpt-4o, base_url: "BASE", system_message: "You are Bobby."}
  - {name: Robbie, provider: openai, model: gpt-4o, base_url: "BASE", system_message: "You are Robbie."}
opening: {speaker: Bobby, text: "I challenge you to see who is the biggest egomaniac."}
stop: {max_turns: 7}
seed: 1
"""

SWEEP = """name: memsweep
scenario: scenario.yaml
repetitions: REPS
factors:
  memory:
    levels:
      none: {}
      rolling:
        set: {memory: {policy: rolling_summary, budget_tokens: 150}}
      carried:
        set: {memory: {policy: carried_notes}}
"""


def _write(tmp: Path, base_url: str, reps: int) -> Path:
    (tmp / "scenario.yaml").write_text(SCENARIO.replace("BASE", base_url + "/v1"))
    path = tmp / "sweep.yaml"
    path.write_text(SWEEP.replace("REPS", str(reps)))
    return path


def _requests(handle: loadserver.ServerHandle) -> list[dict]:
    return [r["body"] for r in handle.server.requests if r["path"].endswith("/chat/completions")]


def _system(body: dict) -> str:
    return next(m["content"] for m in body["messages"] if m["role"] == "system")


@pytest.fixture()
def server():
    with loadserver.start_in_thread(lose_rate=0.0, record_requests=True) as handle:
        yield handle


def test_rolling_summary_writes_notes_and_continues_from_them(tmp_path: Path, server):
    sweep = _write(tmp_path, server.base_url, reps=1)
    out = tmp_path / "out"
    outcomes = run_sweep(sweep, out, make_provider=None, concurrency=1)
    assert {o.status for o in outcomes} == {"done"}
    t = read_transcript(out / "memsweep-rolling-r000.jsonl")
    assert t.footer is not None and t.footer.turns == len(t.messages) == 7  # notes are not turns
    assert [m.index for m in t.messages] == list(range(7))
    assert t.notes, "the context passed 150 tokens: notes must have been made"
    for n in t.notes:
        assert n.when == "budget" and n.prompt == SUMMARY_PROMPT and n.text.strip()
        assert n.tokens_before > 150 and n.tokens_after is not None and n.tokens_after < n.tokens_before
        assert n.token_count == "estimate" and n.budget_tokens == 150 and n.kept_messages == 1
        assert n.prompt_tokens and n.completion_tokens and n.served_model and n.request_id  # a recorded call
        assert 1 <= n.at_turn < 7 and t.messages[n.at_turn].speaker == n.agent
    # The footer counts the notes calls' tokens (a cost) beside the messages'.
    assert t.footer.prompt_tokens == sum(m.prompt_tokens or 0 for m in t.messages) + sum(
        n.prompt_tokens or 0 for n in t.notes)
    # The server saw the summarise request, then the agent's next call from system + notes + one message.
    bodies = _requests(server)
    first = t.notes[0]
    ask = next(b for b in bodies if b["messages"][-1]["content"] == SUMMARY_PROMPT
               and _system(b) == f"You are {first.agent}.")
    after = bodies[bodies.index(ask) + 1]
    assert _system(after) == f"You are {first.agent}.\n\n{ROLLING_HEADING}\n{first.text.strip()}"
    assert [m["role"] for m in after["messages"]] == ["system", "user"]
    assert after["messages"][1]["content"] == t.messages[first.at_turn - 1].text
    # Without a policy nothing changes: no notes, every call sees the whole conversation.
    plain = read_transcript(out / "memsweep-none-r000.jsonl")
    assert plain.notes == [] and plain.header.chain is None and plain.header.carried_notes is None


def test_carried_notes_chain_and_resume(tmp_path: Path, server):
    sweep = _write(tmp_path, server.base_url, reps=3)
    runs = expand(load_sweep(sweep))
    carried = [r for r in runs if r.condition == {"memory": "carried"}]
    assert [r.chain.previous if r.chain else "-" for r in carried] == [
        None, "memsweep-carried-r000", "memsweep-carried-r001"]
    assert all(r.chain is None for r in runs if r.condition != {"memory": "carried"})
    out = tmp_path / "out"
    assert {o.status for o in run_sweep(sweep, out, concurrency=8)} == {"done"}

    links = [read_transcript(out / f"memsweep-carried-r{i:03d}.jsonl") for i in range(3)]
    for i, t in enumerate(links):
        ends = {n.agent: n for n in t.notes if n.when == "end"}
        assert set(ends) == {"Bobby", "Robbie"} and all(n.prompt == CARRY_PROMPT for n in ends.values())
        assert all(n.at_turn == 7 and n.text.strip() for n in ends.values())
        assert t.header.chain == "memsweep-carried"
        if i == 0:
            assert t.header.notes_from is None and t.header.carried_notes is None
        else:
            prev = {n.agent: n.text for n in links[i - 1].notes if n.when == "end"}
            assert t.header.notes_from == f"memsweep-carried-r{i - 1:03d}" and t.header.carried_notes == prev
    # What the model got: the second link's first call of Robbie has the first link's notes in its system.
    robbie_notes = links[0].notes[-1].text if links[0].notes[-1].agent == "Robbie" else links[0].notes[0].text
    assert any(_system(b) == f"You are Robbie.\n\n{CARRIED_HEADING}\n{robbie_notes.strip()}"
               for b in _requests(server))

    # Resume: the second link killed mid-run (no footer), the third never run. The chain restarts at its
    # first unfinished link, from the finished first link's notes on disk.
    first_bytes = (out / "memsweep-carried-r000.jsonl").read_bytes()
    second = out / "memsweep-carried-r001.jsonl"
    second.write_text("".join(second.read_text().splitlines(keepends=True)[:-1]))
    (out / "memsweep-carried-r002.jsonl").unlink()
    outcomes = {o.run_id: o.status for o in run_sweep(sweep, out, concurrency=8)}
    assert outcomes["memsweep-carried-r001"] == outcomes["memsweep-carried-r002"] == "done"
    assert outcomes["memsweep-carried-r000"] == "skipped"
    assert (out / "memsweep-carried-r000.jsonl").read_bytes() == first_bytes
    redone = read_transcript(second)
    assert redone.header.notes_from == "memsweep-carried-r000"
    assert redone.header.carried_notes == {n.agent: n.text for n in links[0].notes}
    third = read_transcript(out / "memsweep-carried-r002.jsonl")
    assert third.header.carried_notes == {n.agent: n.text for n in redone.notes if n.when == "end"}
    assert list((out / ".partial").iterdir())  # the killed link is kept aside, not deleted


def test_a_chain_stops_at_a_failed_link(tmp_path: Path, server):
    sweep = _write(tmp_path, server.base_url, reps=2)
    out = tmp_path / "out"
    run_sweep(sweep, out, concurrency=2)
    # The first link failed for good (its footer says so): the next one has no notes to start from.
    first = out / "memsweep-carried-r000.jsonl"
    lines = first.read_text().splitlines()
    footer = json.loads(lines[-1])
    footer.update(stop_reason="error", error="APIError: gone")
    first.write_text("\n".join([*lines[:-1], json.dumps(footer)]) + "\n")
    (out / "memsweep-carried-r001.jsonl").unlink()
    outcomes = {o.run_id: o for o in run_sweep(sweep, out, concurrency=2)}
    blocked = outcomes["memsweep-carried-r001"]
    assert blocked.status == "failed" and "memsweep-carried-r000" in (blocked.error or "")
    assert not (out / "memsweep-carried-r001.jsonl").exists()


def test_analysis_does_not_count_notes_as_messages(tmp_path: Path, server):
    from analysis.api import analyze

    sweep = _write(tmp_path, server.base_url, reps=1)
    out = tmp_path / "out"
    run_sweep(sweep, out, concurrency=4)
    result = analyze(out)
    per_conv = result.messages.groupby("conversation").size().to_dict()
    assert per_conv == {"memsweep-none-r000": 7, "memsweep-rolling-r000": 7, "memsweep-carried-r000": 7}
    notes_texts = {n.text for n in read_transcript(out / "memsweep-rolling-r000.jsonl").notes}
    assert notes_texts and not notes_texts & set(result.messages["text"])


def test_chains_stay_together_and_in_order():
    s = load_scenario_text(SCENARIO.replace("BASE", "http://127.0.0.1:9/v1")
                           + "memory: {policy: carried_notes}\nrepetitions: 3\n")
    from simulator.memory import chain_links

    links = chain_links(s, "c", ["c-r000", "c-r001", "c-r002"])
    chained = [RunSpec(f"c-r{i:03d}", s, i, chain=link) for i, link in enumerate(links)]
    single = [RunSpec(f"x-r{i:03d}", s, i) for i in range(2)]
    groups = run_groups([chained[0], single[0], chained[1], single[1], chained[2]])
    assert [[r.run_id for r in g] for g in groups] == [["c-r000", "c-r001", "c-r002"], ["x-r000"], ["x-r001"]]
    assert {r.group_key for r in chained} == {"c"}


@pytest.mark.parametrize("memory, field, message", [
    ("{policy: rolling_summary}", "agents[0].memory", "needs budget_tokens"),
    ("{policy: forgetful}", "agents[0].memory.policy", "rolling_summary"),
    ("{policy: none, budget_tokens: 100}", "agents[0].memory", "need policy"),
    ("{policy: rolling_summary, budget_tokens: 100, carry_prompt: hi}", "agents[0].memory", "carry_prompt"),
    ("{policy: carried_notes, budget: 100}", "agents[0].memory.budget", "budget_tokens"),
])
def test_bad_memory_options_are_located(memory: str, field: str, message: str):
    text = SCENARIO.replace("BASE", "http://127.0.0.1:9/v1").replace(
        'system_message: "You are Bobby."}', f'system_message: "You are Bobby.", memory: {memory}}}')
    with pytest.raises(ScenarioError) as exc:
        load_scenario_text(text, "s.yaml")
    assert exc.value.field == field and exc.value.line == 4 and message in exc.value.message


def test_scripted_agents_have_no_memory(tmp_path: Path):
    text = SCENARIO.replace("BASE", "http://127.0.0.1:9/v1").replace(
        '{name: Robbie, provider: openai, model: gpt-4o, base_url: "http://127.0.0.1:9/v1", '
        'system_message: "You are Robbie."}',
        '{name: Robbie, provider: scripted, model: x, lines: [hi], memory: {policy: carried_notes}}')
    path = tmp_path / "s.yaml"
    path.write_text(text)
    r = run_cli("run", str(path), "--out", str(tmp_path / "o"), env=ENV)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "s.yaml:5" in r.stderr and "scripted agent has no model" in r.stderr
    # The scenario-wide default leaves scripted agents alone.
    from simulator.memory import memory_of

    s = load_scenario_text(text.replace(", memory: {policy: carried_notes}", "")
                           + "memory: {policy: carried_notes}\n")
    assert memory_of(s, s.agents[1]).policy == "none" and memory_of(s, s.agents[0]).policy == "carried_notes"


EMBEDDED = """name: mem-embedded
task: Win the contest of who is the biggest egomaniac against the other agent.
agents:
  - {name: Bobby, provider: embedded, model: SmolLM2-135M-Instruct, system_message: "You are Bobby. Be brief.",
     sampling: {max_tokens: 24, temperature: 0.7}}
  - {name: Robbie, provider: embedded, model: SmolLM2-135M-Instruct, system_message: "You are Robbie. Be brief.",
     sampling: {max_tokens: 24, temperature: 0.7}}
opening: {speaker: Bobby, text: "I'm Bobby. I challenge you to see who is the biggest egomaniac."}
stop: {max_turns: 4}
memory: {policy: carried_notes, budget_tokens: 60}
repetitions: 2
seed: 3
"""


@pytest.mark.slow
def test_notes_on_the_embedded_model(tmp_path: Path):
    """The real local model writes the notes: rolled past a tokenizer-counted budget, and carried from the
    first repetition of ``ingroup run -n 2`` (a chain) into the second."""
    from simulator.run import run_scenario

    path = tmp_path / "s.yaml"
    path.write_text(EMBEDDED)
    outcomes = run_scenario(path, tmp_path / "out")
    assert [o.status for o in outcomes] == ["done", "done"]
    first, second = (read_transcript(o.path) for o in outcomes)
    rolled = [n for n in first.notes if n.when == "budget"]
    assert rolled and all(n.token_count == "tokenizer" and n.tokens_before > 60 and n.text for n in rolled)
    ends = {n.agent: n.text for n in first.notes if n.when == "end"}
    assert set(ends) == {"Bobby", "Robbie"} and all(ends.values())
    assert second.header.notes_from == first.header.run_id and second.header.carried_notes == ends
    assert first.header.chain == second.header.chain is not None
    assert len(first.messages) == len(second.messages) == 4


def test_both_runtimes_write_the_same_notes(tmp_path: Path, server):
    sweep = _write(tmp_path, server.base_url, reps=2)
    seen = {}
    for runtime in ("sequential", "group-chat"):
        out = tmp_path / runtime
        assert {o.status for o in run_sweep(sweep, out, concurrency=4, runtime=runtime)} == {"done"}
        seen[runtime] = {
            f.stem: ([(n.agent, n.when, n.at_turn, n.text, n.tokens_before, n.tokens_after) for n in t.notes],
                     [m.text for m in t.messages], t.header.carried_notes)
            for f in sorted(out.glob("*.jsonl")) for t in [read_transcript(f)]}
    assert seen["sequential"] == seen["group-chat"]
    assert any(notes for notes, _, _ in seen["sequential"].values())


def test_a_chain_stays_in_one_worker_and_in_order(tmp_path: Path, server):
    sweep = _write(tmp_path, server.base_url, reps=3)
    out = tmp_path / "out"
    outcomes = run_sweep(sweep, out, concurrency=8, workers=3)
    assert {o.status for o in outcomes} == {"done"}, [o.error for o in outcomes]
    for i in (1, 2):
        t = read_transcript(out / f"memsweep-carried-r{i:03d}.jsonl")
        prev = read_transcript(out / f"memsweep-carried-r{i - 1:03d}.jsonl")
        assert t.header.notes_from == prev.header.run_id
        assert t.header.carried_notes == {n.agent: n.text for n in prev.notes if n.when == "end"}
        assert prev.footer is not None and prev.footer.ended_at is not None
        assert t.header.started_at is not None and t.header.started_at >= prev.footer.ended_at
