"""Sweep files: loading with located errors, expansion into runs with stable ids, the plan, and running."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from helpers import ROOT, run_cli, scripted_sweep

from simulator.errors import IngroupError, ScenarioError
from simulator.executor import ExecOptions, Executor
from simulator.providers import make_provider
from simulator.sweep import MAX_CALLS, expand, load_sweep, load_sweep_text, plan_summary, plan_sweep
from simulator.transcript import AgentTokens, read_transcript

MINI = scripted_sweep("mini", repetitions=2, factors="""\
  identity:
    levels:
      default: {conditions: [identity/default]}
      shared: {conditions: [identity/shared-group]}
  order:
    levels:
      b: {}
      r: {set: {opening.speaker: Robbie, opening.text: "I challenge you first."}}
""")


def test_egomaniac_identity_sweep_expands_to_the_planned_design():
    sweep = load_sweep(ROOT / "scenarios/sweeps/egomaniac-identity.yaml")
    runs = expand(sweep, embedded=True)
    assert len(runs) == 3 * 2 * 2
    ids = [r.run_id for r in runs]
    assert len(set(ids)) == 12
    assert "egomaniac-identity-unique-robbie_first-r001" in ids
    # Stable: the same file plans the same ids, with or without --embedded.
    assert [r.run_id for r in expand(load_sweep(ROOT / "scenarios/sweeps/egomaniac-identity.yaml"))] == ids
    for r in runs:
        s = r.scenario
        assert s.stop.max_turns == 8
        assert all(a.provider == "embedded" for a in s.agents)
        assert s.opening.speaker == ("Robbie" if r.condition["order"] == "robbie_first" else "Bobby")
        assert s.opening.text.startswith(f"I'm {s.opening.speaker}.")
        prompts = [a.system_prompt() for a in s.agents]
        marker = {"default": "You are a helpful AI assistant.", "unique": "and only",
                  "shared": "members of the same group"}[r.condition["identity"]]
        assert all(marker in p for p in prompts)
        assert s.metadata["condition"] == r.condition
    # Repetitions of one cell share the scenario and differ in seed.
    a, b = runs[0], runs[1]
    assert a.scenario.content_hash() == b.scenario.content_hash() and a.seed != b.seed


def test_plan_counts_calls_from_the_turn_caps_without_calling_anything():
    sweep = load_sweep(ROOT / "scenarios/sweeps/egomaniac-identity.yaml")
    plan = plan_summary(sweep, expand(sweep))
    by = {p.provider: p for p in plan.providers}
    assert plan.runs == 12 and plan.bounded
    # 8 messages = the opening + 7 replies, alternating; the opener's partner replies 4 times.
    assert by["openai"].calls + by["anthropic"].calls == 12 * 7
    assert by["openai"].calls == 6 * 3 + 6 * 4
    assert by["openai"].cost_usd > 0 and by["anthropic"].cost_usd > 0
    assert plan_summary(sweep, expand(sweep, embedded=True)).cost_usd == 0.0
    # From arithmetic per cell, without building the runs: the same plan.
    assert plan_sweep(sweep) == plan


def test_dry_run_calls_no_model(tmp_path: Path):
    # Agents whose providers fail the moment they are built: a missing key, an unroutable server.
    text = MINI.replace("{name: Bobby, provider: scripted, model: script, lines: [\"I win\", \"we both win\", \"I lose\"]}",
                        "{name: Bobby, provider: openai, model: gpt-4o, api_key_env: INGROUP_TEST_NO_SUCH_KEY, "
                        "base_url: 'http://127.0.0.1:9/v1'}")
    f = tmp_path / "s.yaml"
    f.write_text(text)
    env = {"INGROUP_TEST_NO_SUCH_KEY": None}
    out = tmp_path / "out"
    p = run_cli("sweep", str(f), "--out", str(out), "--dry-run", "--json", env=env, timeout=60)
    assert p.returncode == 0, p.stderr
    plan = json.loads(p.stdout)
    assert plan["runs"] == 8 and plan["providers"][0]["provider"] == "openai"
    assert not out.exists()  # nothing written either
    # The same file without --dry-run does try the provider, and fails cleanly before any transcript.
    p = run_cli("sweep", str(f), "--out", str(out), env=env, timeout=60)
    assert p.returncode == 2 and "INGROUP_TEST_NO_SUCH_KEY" in p.stderr and "Traceback" not in p.stderr
    assert not list(out.glob("*.jsonl"))


def _run(sweep_text: str, out: Path, **kw):
    sweep = load_sweep_text(sweep_text, "mini.yaml")
    runs = expand(sweep)
    ex = Executor(out, make_provider, ExecOptions(concurrency=4, fsync=False, **kw))
    return runs, asyncio.run(ex.run(runs))


def test_scripted_sweep_runs_records_conditions_and_resumes(tmp_path: Path):
    runs, outcomes = _run(MINI, tmp_path)
    assert [o.status for o in outcomes] == ["done"] * 8
    t = read_transcript(tmp_path / "mini-shared-r-r001.jsonl")
    assert t.header.run_id == "mini-shared-r-r001"
    assert t.header.condition == {"identity": "shared", "order": "r"}
    assert t.messages[0].speaker == "Robbie" and t.messages[0].text == "I challenge you first."
    # Plant a partial transcript: resume moves it aside and redoes that run only.
    victim = tmp_path / "mini-default-b-r000.jsonl"
    lines = victim.read_text().splitlines()
    victim.write_text("\n".join(lines[:2]) + "\n")
    _, again = _run(MINI, tmp_path)
    assert sorted(o.status for o in again) == ["done"] + ["skipped"] * 7
    assert read_transcript(victim).complete
    assert len(list((tmp_path / ".partial").iterdir())) == 1
    assert len(list(tmp_path.glob("*.jsonl"))) == 8


def test_resume_refuses_a_folder_from_a_different_plan(tmp_path: Path):
    f = tmp_path / "mini.yaml"
    f.write_text(MINI)
    out = tmp_path / "out"
    p = run_cli("sweep", str(f), "--out", str(out), timeout=120)
    assert p.returncode == 0, p.stdout + p.stderr
    assert len(list(out.glob("*.jsonl"))) == 8 and (out / "mini.sweep.json").exists()
    p = run_cli("sweep", str(f), "--out", str(out), "--max-turns", "3", timeout=120)
    assert p.returncode == 2 and "different scenario" in p.stderr and "Traceback" not in p.stderr


def test_levels_apply_agent_overrides_then_conditions(tmp_path: Path):
    text = """\
name: pairs
scenario: ../scen.yaml
factors:
  pairing:
    levels:
      mixed: {}
      same:
        agents: {Robbie: {provider: openai, model: gpt-4o}}
  told:
    levels:
      vendor: {conditions: [counterpart/vendor]}
"""
    (tmp_path / "scen.yaml").write_text("""\
name: scen
task: Win.
agents:
  - {name: Bobby, provider: openai, model: gpt-4o}
  - {name: Robbie, provider: anthropic, model: claude-3-5-sonnet-20240620}
opening: {speaker: Bobby, text: Hi}
stop: {max_turns: 3}
""")
    (tmp_path / "sw").mkdir()
    (tmp_path / "sw" / "pairs.yaml").write_text(text)
    runs = expand(load_sweep(tmp_path / "sw" / "pairs.yaml"))
    same = next(r for r in runs if r.condition["pairing"] == "same")
    assert same.scenario.agent("Bobby").system_message == "Robbie is an AI model made by OpenAI."
    mixed = next(r for r in runs if r.condition["pairing"] == "mixed")
    assert mixed.scenario.agent("Bobby").system_message == "Robbie is an AI model made by Anthropic."


@pytest.mark.parametrize("patch, line, needle", [
    (("      shared: {conditions: [identity/shared-group]}", "      shared: {conditions: [identity/shraed-group]}"),
     15, "did you mean 'identity/shared-group'"),
    (("      r: {set:", "      r-x: {set:"), 19, "no '-'"),
    (("repetitions: 2", "repetitions: 0"), 10, "repetitions"),
    (("repetitions: 2", "repetitions: 2\nbogus: 1"), 11, "unknown field"),
    (("opening.speaker: Robbie", "opening.speaker: Nobody"), 19, "not one of the agents"),
    (("opening.speaker: Robbie", "opening.nope: Robbie"), 19, "opening.nope: unknown field"),
    (("  stop: {phrases", "  stopp: {phrases"), 2, "scenario.stop: required field is missing"),
])
def test_bad_sweeps_are_located(patch, line, needle):
    text = MINI.replace(*patch)
    assert text != MINI
    with pytest.raises(ScenarioError) as exc:
        expand(load_sweep_text(text, "mini.yaml"))
    assert exc.value.file == "mini.yaml" and exc.value.line == line, str(exc.value)
    assert needle in str(exc.value)


def test_factor_bomb_is_refused_quickly():
    levels = "\n".join(f"      l{i}: {{}}" for i in range(50))
    factors = "".join(f"  f{j}:\n    levels:\n{levels}\n" for j in range(6))
    text = MINI.split("factors:")[0] + "factors:\n" + factors
    with pytest.raises(ScenarioError) as exc:
        load_sweep_text(text, "bomb.yaml")
    assert "more than the limit" in str(exc.value)


def test_failed_runs_are_recorded_then_retried_on_request(tmp_path: Path, capsys):
    from simulator.sweep_cli import execute, print_outcomes

    class Broken:
        kind, model = "scripted", "broken"

        async def complete(self, *a, **k):
            from simulator.errors import ProviderError

            raise ProviderError("the model server said no")

        async def aclose(self) -> None:
            pass

    def failing(spec):
        return Broken() if spec.name == "Robbie" else make_provider(spec)

    sweep = load_sweep_text(MINI, "mini.yaml")
    runs = expand(sweep)
    out = tmp_path / "out"
    first = execute(sweep, runs, out, concurrency=4, retry_failed=False, make_provider=failing)
    assert [o.status for o in first] == ["failed"] * 8
    assert print_outcomes(runs, first, out) == 1
    t = read_transcript(out / "mini-default-b-r000.jsonl")
    assert t.footer.stop_reason == "error" and "the model server said no" in t.footer.error
    assert len(t.messages) == 1  # the opening is kept; Robbie failed on the first reply
    # Without --retry-failed, failed runs stay as they are; with it, they are redone and the old files kept.
    second = execute(sweep, runs, out, concurrency=4, retry_failed=False, make_provider=make_provider)
    assert [o.status for o in second] == ["failed"] * 8 and print_outcomes(runs, second, out) == 1
    third = execute(sweep, runs, out, concurrency=4, retry_failed=True, make_provider=make_provider)
    assert [o.status for o in third] == ["done"] * 8 and print_outcomes(runs, third, out) == 0
    assert len(list((out / ".failed").iterdir())) == 8 and len(list(out.glob("*.jsonl"))) == 8
    assert "8 of 8 run(s) complete" in capsys.readouterr().out


def test_one_sweep_per_output_folder(tmp_path: Path):
    from simulator.errors import IngroupError
    from simulator.files import folder_locked
    from simulator.sweep_cli import execute

    sweep = load_sweep_text(MINI, "mini.yaml")
    with folder_locked(tmp_path, shared=False):
        with pytest.raises(IngroupError, match="another ingroup process"):
            execute(sweep, expand(sweep), tmp_path, concurrency=2, retry_failed=False)
    assert not list(tmp_path.glob("*.jsonl"))
    assert len(execute(sweep, expand(sweep), tmp_path, concurrency=2, retry_failed=False)) == 8


def test_python_api_runs_a_sweep_file(tmp_path: Path):
    from simulator.sweep_cli import run_sweep

    f = tmp_path / "mini.yaml"
    f.write_text(MINI)
    outcomes = run_sweep(f, tmp_path / "out")
    assert [o.status for o in outcomes] == ["done"] * 8
    assert {o.run_id for o in outcomes} == {r.run_id for r in expand(load_sweep(f))}


def test_embedded_sampling_applies_only_to_agents_moved_to_the_local_model():
    sweep = load_sweep(ROOT / "scenarios/sweeps/egomaniac-identity.yaml")
    real = expand(sweep)[0].scenario.agents[0].sampling
    local = expand(sweep, embedded=True)[0].scenario.agents[0].sampling
    assert real.temperature == 0 and real.max_tokens is None
    assert local.temperature == 0.7 and local.max_tokens == 64


def test_summary_does_not_count_runs_without_an_outcome_as_complete(tmp_path: Path, capsys):
    from simulator.executor import RunOutcome
    from simulator.sweep import expand, load_sweep
    from simulator.sweep_cli import print_outcomes

    f = tmp_path / "mini.yaml"
    f.write_text(MINI)
    runs = expand(load_sweep(f))
    half = [RunOutcome(r.run_id, "done", tmp_path / f"{r.run_id}.jsonl") for r in runs[:4]]
    assert print_outcomes(runs, half, tmp_path) == 1
    assert f"4 of {len(runs)} run(s) complete" in capsys.readouterr().out


def test_yaml_1_1_booleans_stay_the_words_the_user_wrote(tmp_path: Path):
    # PyYAML reads `on`/`off` as booleans (YAML 1.1): a factor of levels on/off became True/False.
    base = tmp_path / "base.yaml"
    base.write_text("name: b\ntask: t\nagents:\n  - {name: A, provider: scripted, model: s, lines: [a]}\n"
                    "  - {name: B, provider: scripted, model: s, lines: [b], think_tags: yes}\n"
                    "opening: {speaker: A, text: hi}\nstop: {max_turns: 2}\n")
    sweep = load_sweep_text("name: w\nscenario: base.yaml\nfactors:\n  watched:\n    levels:\n"
                            "      on: {set: {opening.text: 'on'}}\n      off: {}\n", "w.yaml", tmp_path)
    assert [r.condition for r in expand(sweep)] == [{"watched": "on"}, {"watched": "off"}]
    assert expand(sweep)[0].scenario.opening.text == "on"
    assert expand(sweep)[0].scenario.agents[1].think_tags is True  # a boolean field still takes yes


def test_resume_decides_from_the_footer_and_costs_runs_from_it(tmp_path: Path):
    from simulator.executor import survey
    from simulator.sweep_cli import _run_cost, check_out_dir

    runs, outcomes = _run(MINI, tmp_path)
    assert all(o.by_agent == {} for o in outcomes)  # scripted lines cost nothing and are not counted
    # A finished transcript whose last line carries this plan's key is not opened any further: its header
    # could be anything (here it is not even JSON) and the run is still skipped.
    victim = tmp_path / "mini-default-b-r000.jsonl"
    lines = victim.read_text().splitlines()
    victim.write_text("\n".join(["{broken", *lines[1:]]) + "\n")
    sv = survey(tmp_path, runs)
    check_out_dir(tmp_path, runs, "mini", sv)
    todo, done = Executor(tmp_path, make_provider, ExecOptions()).pending(runs, sv)
    assert not todo and {o.status for o in done} == {"skipped"}
    assert next(o for o in done if o.path == victim).turns == len(lines) - 2
    # A footer from another plan sends the check to the header, which names what changed.
    footer = json.loads(lines[-1])
    victim.write_text("\n".join([*lines[:-1], json.dumps({**footer, "plan_key": "sha256:other"})]) + "\n")
    sweep = load_sweep_text(MINI, "mini.yaml")
    changed = expand(sweep, max_turns=3)
    with pytest.raises(IngroupError, match="different scenario"):
        check_out_dir(tmp_path, changed, "mini")
    # The cost display prices the footer's per-agent tokens with the run's models.
    from types import SimpleNamespace

    o = done[0]
    o.by_agent = {"Bobby": AgentTokens(prompt_tokens=1_000_000, completion_tokens=500_000),
                  "Robbie": AgentTokens(prompt_tokens=1_000_000, completion_tokens=0)}
    priced = SimpleNamespace(scenario=SimpleNamespace(agents=[
        SimpleNamespace(name="Bobby", provider="openai", model="house-a"),
        SimpleNamespace(name="Robbie", provider="openai", model="house-b")]))
    assert _run_cost(o, priced, {"house-a": (2.0, 8.0), "house-b": (1.0, 1.0)}) == pytest.approx(7.0)
    assert _run_cost(o, priced, {"house-a": (2.0, 8.0)}) is None  # a model without a price


THREE_AGENTS = """\
    - {name: Robbie, provider: openai, model: gpt-4o, base_url: "http://127.0.0.1:9/v1"}
    - {name: Cleo, provider: anthropic, model: claude-3-5-sonnet, base_url: "http://127.0.0.1:9/v1"}"""


@pytest.mark.parametrize("order", ["round_robin", "random"])
def test_plan_from_arithmetic_equals_the_plan_of_every_run(order: str):
    robbie = '    - {name: Robbie, provider: scripted, model: script, lines: ["No, I win", "we are friends", "ok"]}'
    text = (MINI.replace(robbie, THREE_AGENTS).replace("repetitions: 2", "repetitions: 7")
            .replace("stop: {phrases: [{phrase: I lose}], max_turns: 10}",
                     f"stop: {{max_turns: 40}}\n  turn_order: {{mode: {order}}}"))
    sweep = load_sweep_text(text, "three.yaml")
    plan = plan_sweep(sweep)
    assert plan == plan_summary(sweep, expand(sweep)) and plan.runs == 28 and plan.calls > 0


def test_a_sweep_too_large_to_run_is_refused_at_once_with_the_count():
    import time

    text = MINI.replace("repetitions: 2", "repetitions: 25000").replace("max_turns: 10", "max_turns: 100000")
    start = time.process_time()
    sweep = load_sweep_text(text, "huge.yaml")
    for plan in (lambda: plan_sweep(sweep), lambda: expand(sweep)):
        with pytest.raises(ScenarioError) as exc:
            plan()
        assert "100,000 runs" in str(exc.value) and f"{MAX_CALLS:,}" in str(exc.value)
    assert time.process_time() - start < 1.0


def test_a_model_without_a_price_is_named_and_the_rest_is_still_totalled(tmp_path: Path):
    from simulator.prices import PRICES_AS_OF

    base = tmp_path / "base.yaml"
    base.write_text("name: b\ntask: t\nagents:\n"
                    "  - {name: A, provider: openai, model: gpt-4o, base_url: 'http://127.0.0.1:9/v1'}\n"
                    "  - {name: B, provider: openai, model: house-model-7b, base_url: 'http://127.0.0.1:9/v1'}\n"
                    "opening: {speaker: A, text: hi}\nstop: {max_turns: 5}\n")
    (tmp_path / "w.yaml").write_text("name: w\nscenario: base.yaml\nrepetitions: 3\nfactors: {x: {levels: {a: {}}}}\n")
    plan = plan_sweep(load_sweep(tmp_path / "w.yaml"))
    assert plan.unpriced == ["openai:house-model-7b"]
    assert plan.cost_usd > 0  # gpt-4o's share, not null
    data = plan.to_dict()
    assert data["unpriced_models"] == ["openai:house-model-7b"] and data["prices"]["as_of"] == PRICES_AS_OF
    r = run_cli("sweep", str(tmp_path / "w.yaml"), "--dry-run")
    assert r.returncode == 0 and "no price known for openai:house-model-7b" in " ".join(r.stdout.split())
    assert f"as of {PRICES_AS_OF}" in " ".join(r.stdout.split())
