"""The call cache (``--cache DIR``), the budget cap (``--max-cost``) and the cost in each footer.

A sweep runs against the load server (bench/loadserver.py, its own process, the real OpenAI wire format),
which counts every request it gets: a rerun into a new folder with the same cache must send it none and
write the same texts; a changed temperature or seed must reach it again.
"""

from __future__ import annotations

import json
import os
import urllib.request
from pathlib import Path

import pytest
from helpers import run_cli

from bench._server import ServerProcess
from simulator.budget import Budget
from simulator.prices import PRICES_AS_OF, cost_of
from simulator.providers.base import Completion, Turn
from simulator.providers.cache import CallCache, call_key
from simulator.scenario import Sampling
from simulator.transcript import iter_transcripts, read_transcript

# A stand-in, not a key of any service (built in parts, so no scanner takes the source for a leak).
KEY = "sk-" + "test-" + "CacheMustNeverHoldThisKey0123456789"

SWEEP = """\
name: cached
scenario:
  name: tiny
  task: Win the contest.
  seed: {seed}
  agents:
    - name: Bobby
      provider: openai
      model: gpt-4o-mini
      base_url: "{url}"
      system_message: "You are Bobby."
      sampling: {{temperature: {temperature}}}
    - name: Robbie
      provider: openai
      model: {robbie_model}
      base_url: "{url}"
      system_message: "You are Robbie."
  opening: {{speaker: Bobby, text: "I challenge you."}}
  stop: {{max_turns: 5}}
repetitions: 2
factors:
  identity:
    levels:
      default: {{conditions: [identity/default]}}
      shared: {{conditions: [identity/shared-group]}}
"""
RUNS = 4
CALLS = RUNS * 4  # 5 messages a run, the opening scripted


@pytest.fixture(scope="module")
def server():
    with ServerProcess() as s:
        yield s


def _requests(server: ServerProcess) -> int:
    with urllib.request.urlopen(server.root_url + "/stats", timeout=10) as r:
        return int(json.load(r)["requests"])


def _sweep(tmp: Path, server: ServerProcess, name: str = "sweep.yaml", *, temperature: float = 0.7,
           seed: int = 11, robbie_model: str = "gpt-4o-mini") -> Path:
    f = tmp / name
    f.write_text(SWEEP.format(url=server.base_url, temperature=temperature, seed=seed, robbie_model=robbie_model))
    return f


def _texts(folder: Path) -> dict[str, list[str]]:
    return {t.key or "": [m.text for m in t.messages] for t in iter_transcripts(folder)}


def _cost(path: Path) -> float:
    """The conversation's cost worked out here from its messages, at gpt-4o-mini's list price."""
    t = read_transcript(path)
    return sum(cost_of("openai", "gpt-4o-mini", m.prompt_tokens or 0, m.completion_tokens or 0)  # type: ignore[misc]
               for m in t.messages if not m.scripted and not m.cached)


def test_a_cached_rerun_of_a_sweep_makes_zero_model_calls(tmp_path: Path, server: ServerProcess) -> None:
    f = _sweep(tmp_path, server)
    cache = tmp_path / "cache"
    env = {"OPENAI_API_KEY": KEY}
    before = _requests(server)
    first = run_cli("sweep", str(f), "--out", str(tmp_path / "a"), "--cache", str(cache), env=env)
    assert first.returncode == 0, first.stderr
    assert _requests(server) - before == CALLS

    # Each footer carries the cost of its conversation, from its own token counts and the dated prices.
    for path in sorted((tmp_path / "a").glob("*.jsonl")):
        footer = read_transcript(path).footer
        assert footer is not None and footer.prices_as_of == PRICES_AS_OF and footer.cached_calls == 0
        assert footer.cost_usd is not None and footer.cost_usd > 0
        assert footer.cost_usd == pytest.approx(_cost(path), abs=1e-6)

    before = _requests(server)
    again = run_cli("sweep", str(f), "--out", str(tmp_path / "b"), "--cache", str(cache), env=env)
    assert again.returncode == 0, again.stderr
    assert _requests(server) == before, "the cached rerun reached the server"
    assert f"{CALLS} model call(s) answered from the cache" in again.stdout
    assert _texts(tmp_path / "b") == _texts(tmp_path / "a") and len(_texts(tmp_path / "a")) == RUNS

    for a_path in sorted((tmp_path / "a").glob("*.jsonl")):
        a, b = read_transcript(a_path), read_transcript(tmp_path / "b" / a_path.name)
        assert b.footer is not None and b.footer.cost_usd == 0.0 and b.footer.cached_calls == 4
        assert b.footer.prompt_tokens == a.footer.prompt_tokens  # type: ignore[union-attr]
        for ma, mb in zip(a.messages[1:], b.messages[1:]):
            assert mb.cached and not ma.cached and mb.attempts == 0
            assert (mb.text, mb.prompt_tokens, mb.completion_tokens, mb.served_model, mb.response_id,
                    mb.applied) == (ma.text, ma.prompt_tokens, ma.completion_tokens, ma.served_model,
                                    ma.response_id, ma.applied)

    # The report's conditions table: each condition's cost, the sum of its footers'.
    from analysis.report import build_report

    report = build_report(tmp_path / "a", None, n_boot=50, n_perm=50)
    costs = report.conversations.groupby("condition")["cost_usd"].sum()
    assert len(costs) == 2
    for value in costs:
        assert f'<td class="num">${value:.4f}</td>' in report.html

    # The key went out in each request's header, but no entry holds it.
    entries = list(cache.rglob("*.json"))
    assert len(entries) == CALLS
    assert not any(KEY in p.read_text() or KEY[3:19] in p.read_text() for p in entries)


def test_a_changed_temperature_or_seed_misses_the_cache(tmp_path: Path, server: ServerProcess) -> None:
    from simulator.sweep_cli import run_sweep

    cache = tmp_path / "cache"
    before = _requests(server)
    run_sweep(_sweep(tmp_path, server, "a.yaml"), tmp_path / "a", cache=cache)
    assert _requests(server) - before == CALLS
    before = _requests(server)
    outcomes = run_sweep(_sweep(tmp_path, server, "b.yaml", temperature=0.3), tmp_path / "b", cache=cache)
    # Only Bobby's sampling changed: his calls miss. The load server's replies do not depend on the
    # temperature, so Robbie then sees the very same conversation, and his calls hit.
    assert _requests(server) - before == CALLS // 2, "a new temperature must not be answered from the cache"
    assert sum(o.cached_calls for o in outcomes) == CALLS // 2
    for t in iter_transcripts(tmp_path / "b"):
        assert all(m.cached == (m.speaker == "Robbie") for m in t.messages[1:])
    before = _requests(server)
    run_sweep(_sweep(tmp_path, server, "c.yaml", seed=12), tmp_path / "c", cache=cache)
    assert _requests(server) - before == CALLS, "a new seed must not be answered from the cache"
    # And the first one again: all hits.
    before = _requests(server)
    outcomes = run_sweep(_sweep(tmp_path, server, "a.yaml"), tmp_path / "d", cache=cache)
    assert _requests(server) == before and sum(o.cached_calls for o in outcomes) == CALLS


def test_a_model_without_a_price_has_no_cost_and_says_why(tmp_path: Path, server: ServerProcess) -> None:
    from simulator.sweep_cli import run_sweep

    outcomes = run_sweep(_sweep(tmp_path, server, robbie_model="fake-model"), tmp_path / "a")
    footer = read_transcript(outcomes[0].path).footer
    assert footer is not None and footer.cost_usd is None
    assert footer.cost_unknown is not None and "openai:fake-model" in footer.cost_unknown
    # ... and such a sweep cannot be budgeted: one line, exit 2, nothing run.
    r = run_cli("sweep", str(tmp_path / "sweep.yaml"), "--out", str(tmp_path / "b"), "--max-cost", "1")
    assert r.returncode == 2 and "no price known for openai:fake-model" in r.stderr
    assert "Traceback" not in r.stderr and not list((tmp_path / "b").glob("*.jsonl"))


def test_max_cost_stops_the_sweep_before_it_would_pass_the_cap(tmp_path: Path, server: ServerProcess) -> None:
    from simulator.sweep import expand, load_sweep, run_cost_estimates

    f = _sweep(tmp_path, server)
    sweep = load_sweep(f)
    runs = expand(sweep)
    estimates, unpriced = run_cost_estimates(sweep, runs)
    assert not unpriced and all(v > 0 for v in estimates.values())
    cap = estimates[runs[0].run_id] * 1.5
    r = run_cli("sweep", str(f), "--out", str(tmp_path / "a"), "--max-cost", f"{cap:.10f}", "--concurrency", "1")
    assert r.returncode == 3, r.stdout + r.stderr
    done = [read_transcript(tmp_path / "a" / f"{run.run_id}.jsonl") for run in runs
            if (tmp_path / "a" / f"{run.run_id}.jsonl").exists()]
    assert 1 <= len(done) < RUNS
    assert all(t.footer is not None and t.footer.stop_reason != "error" for t in done)  # finished cleanly
    spent = sum(t.footer.cost_usd for t in done)  # type: ignore[union-attr,misc]
    assert spent <= cap
    assert spent + estimates[runs[len(done)].run_id] > cap  # the next run would have passed it
    assert f"stopped by --max-cost ${cap:g}" in r.stdout
    assert f"{RUNS - len(done)} run(s) not started" in r.stdout

    # Rerun: the finished runs are kept and skipped; a higher cap finishes the sweep.
    from simulator.sweep_cli import run_sweep

    outcomes = run_sweep(f, tmp_path / "a", max_cost=5)
    assert [o.status for o in outcomes].count("skipped") == len(done)
    assert len(outcomes) == RUNS and all(o.status in ("done", "skipped") for o in outcomes)


def test_budget_counts_runs_in_flight_and_what_finished_runs_cost() -> None:
    b = Budget(1.0, {"a": 0.4, "b": 0.4, "c": 0.4, "d": 0.1})
    assert b.admit("a") and b.admit("b")
    assert not b.admit("c"), "0.4 + 0.4 in flight + 0.4 passes 1.0"
    assert b.stopped and not b.admit("d"), "once stopped, no later run starts"
    b = Budget(1.0, {"a": 0.4, "b": 0.4, "c": 0.4})
    assert b.admit("a")
    b.settle("a", 0.1)  # cost less than planned
    assert b.admit("b") and b.admit("c")
    assert Budget(1.0, {}).share(4).cap_usd == 0.25


def test_cache_keys_cover_the_request_and_entries_round_trip(tmp_path: Path) -> None:
    identity = {"provider": "openai", "base_url": "http://127.0.0.1:1/v1", "model": "m", "request_rules": []}
    turns = [Turn("user", "hello", "Robbie")]
    k = call_key(identity, "sys", turns, Sampling(temperature=0.5, seed=1))
    assert k == call_key(dict(identity), "sys", list(turns), Sampling(seed=1, temperature=0.5))
    changed = [
        call_key({**identity, "base_url": "http://127.0.0.1:2/v1"}, "sys", turns, Sampling(temperature=0.5, seed=1)),
        call_key({**identity, "model": "n"}, "sys", turns, Sampling(temperature=0.5, seed=1)),
        call_key({**identity, "request_rules": ["r"]}, "sys", turns, Sampling(temperature=0.5, seed=1)),
        call_key(identity, "sys2", turns, Sampling(temperature=0.5, seed=1)),
        call_key(identity, "sys", [Turn("user", "hello!", "Robbie")], Sampling(temperature=0.5, seed=1)),
        call_key(identity, "sys", turns, Sampling(temperature=0.5, seed=2)),
        call_key(identity, "sys", turns, Sampling(temperature=0.5, seed=1, max_tokens=9)),
    ]
    assert k not in changed and len(set(changed)) == len(changed)

    cache = CallCache(tmp_path)
    assert cache.get(k) is None
    sent = Completion(text="hi", prompt_tokens=3, completion_tokens=1, applied={"temperature": 0.5},
                      model="m-2024", reasoning="thought", request_rules=["r"], response_id="x")
    cache.put(k, sent)
    got = cache.get(k)
    assert got is not None and got.cached and not sent.cached
    got.cached = False
    assert got == sent
    entry = tmp_path / k[:2] / f"{k}.json"
    entry.write_text('{"cut off')
    assert CallCache(tmp_path).get(k) is None  # an unreadable entry is a miss, not an error
    entry.unlink()
    os.mkfifo(entry)  # planted: must not be waited on
    assert CallCache(tmp_path).get(k) is None
    entry.unlink()
    entry.symlink_to(tmp_path / "elsewhere.json")
    (tmp_path / "elsewhere.json").write_text(json.dumps({"format": "ingroup.cache/1", "key": k,
                                                         "completion": {"text": "planted"}}))
    assert CallCache(tmp_path).get(k) is None  # a link is not followed
    cache.put(k, sent)  # and the next write replaces the link, not its target
    assert not entry.is_symlink() and "planted" in (tmp_path / "elsewhere.json").read_text()
    assert CallCache(tmp_path).get(k) is not None


def test_an_agents_identity_names_its_server_model_and_rules_but_no_secret() -> None:
    from simulator.providers import make_provider
    from simulator.providers.cache import call_identity
    from simulator.scenario import AgentSpec

    env = {"OPENAI_API_KEY": KEY}
    spec = AgentSpec(name="B", provider="openai", model="o3-mini", base_url="https://example.com/v1?token=abc",
                     extra_headers={"X-Api-Key": KEY, "X-Route": "eu"})
    identity = call_identity(spec, make_provider(spec, env), env)
    assert identity["base_url"] == "https://example.com/v1" and identity["model"] == "o3-mini"
    assert identity["request_rules"] == ["openai-reasoning-model"]
    assert identity["extra_headers"]["X-Route"] == "eu"
    assert KEY not in json.dumps(identity) and "abc" not in json.dumps(identity)
    embedded = AgentSpec(name="E", provider="embedded", model="smollm2-135m")
    identity = call_identity(embedded, make_provider(embedded, env), env)
    assert identity["base_url"] is None and identity["model_file"].endswith(".gguf") and identity["context"]


def test_max_cost_is_shared_out_among_worker_processes(tmp_path: Path, server: ServerProcess) -> None:
    from simulator.sweep import expand, load_sweep, run_cost_estimates
    from simulator.sweep_cli import run_sweep

    f = _sweep(tmp_path, server)
    sweep = load_sweep(f)
    runs = expand(sweep)
    estimates, _ = run_cost_estimates(sweep, runs)
    cap = max(estimates.values()) * 2.5  # each of 2 workers may spend 1.25 runs' worth: one run each
    outcomes = run_sweep(f, tmp_path / "a", workers=2, max_cost=cap)
    assert len(outcomes) == 2 and all(o.status == "done" for o in outcomes)
    assert sum(o.cost_usd for o in outcomes) <= cap


def test_ingroup_run_with_a_seed_and_a_cache_reruns_for_free(tmp_path: Path, server: ServerProcess) -> None:
    scenario = tmp_path / "s.yaml"
    scenario.write_text(f"""\
name: tiny
task: Win the contest.
agents:
  - {{name: Bobby, provider: openai, model: gpt-4o-mini, base_url: "{server.base_url}"}}
  - {{name: Robbie, provider: openai, model: gpt-4o-mini, base_url: "{server.base_url}"}}
opening: {{speaker: Bobby, text: "I challenge you."}}
stop: {{max_turns: 4}}
""")
    cache = tmp_path / "cache"
    args = ("run", str(scenario), "--seed", "5", "--cache", str(cache), "-q")
    before = _requests(server)
    first = run_cli(*args, "--out", str(tmp_path / "a"))
    assert first.returncode == 0, first.stderr
    assert _requests(server) - before == 3
    before = _requests(server)
    again = run_cli(*args, "--out", str(tmp_path / "b"))
    assert again.returncode == 0, again.stderr
    assert _requests(server) == before and "3 model call(s) answered from the cache" in again.stdout
    assert [m.text for t in iter_transcripts(tmp_path / "b") for m in t.messages] == \
        [m.text for t in iter_transcripts(tmp_path / "a") for m in t.messages]


def test_a_resumed_sweep_redoes_a_cut_off_run_from_the_cache(tmp_path: Path, server: ServerProcess) -> None:
    from simulator.sweep_cli import run_sweep

    f = _sweep(tmp_path, server)
    cache = tmp_path / "cache"
    run_sweep(f, tmp_path / "a", cache=cache)
    victim = sorted((tmp_path / "a").glob("*.jsonl"))[0]
    lines = victim.read_text().splitlines(keepends=True)
    victim.write_text("".join(lines[:3]))  # killed after its second reply: no footer
    before = _requests(server)
    outcomes = run_sweep(f, tmp_path / "a", cache=cache)
    assert _requests(server) == before
    redone = [o for o in outcomes if o.status == "done"]
    assert [o.path for o in redone] == [victim] and redone[0].cached_calls == 4
    assert len(list((tmp_path / "a" / ".partial").glob("*"))) == 1
