from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROOT, run_cli

from simulator.errors import ScenarioError
from simulator.scenario import embedded_variant, load_scenario, load_scenario_text, with_max_turns

GOOD = """\
name: t
task: win the contest
agents:
  - name: A
    provider: openai
    model: gpt-4o
  - name: B
    provider: anthropic
    model: claude
opening:
  speaker: A
  text: hi
stop:
  max_turns: 4
"""

# (description, yaml text, expected line, expected field, words in the message)
MALFORMED = [
    ("unknown provider", GOOD.replace("provider: anthropic", "provider: nope"), 8, "agents[1].provider", "openai"),
    ("misspelt field", GOOD.replace("    model: claude", "    model: claude\n    temprature: 1"), 10,
     "agents[1].temprature", "did you mean 'temperature' under 'sampling:'"),
    ("opening speaker unknown", GOOD.replace("speaker: A", "speaker: Zed"), 11, "opening.speaker", "Zed"),
    ("missing task", GOOD.replace("task: win the contest\n", ""), 1, "task", "missing"),
    ("bad yaml", GOOD.replace("  text: hi", "  text: [hi"), None, None, "invalid YAML"),
    ("one agent", GOOD.replace("  - name: B\n    provider: anthropic\n    model: claude\n", ""), 3, "agents",
     "at least 2"),
    ("temperature range", GOOD.replace("    model: claude", "    model: claude\n    sampling: {temperature: 9}"),
     10, "agents[1].sampling.temperature", "less than or equal to 2"),
    ("duplicate agent", GOOD.replace("name: B", "name: A").replace("speaker: A", "speaker: A"), 7,
     "agents[1].name", "twice"),
    ("path in name", GOOD.replace("name: t", "name: ../../etc/x"), 1, "name", "plain name"),
    ("agent name not an identifier", GOOD.replace("name: B", "name: 'B B'"), 7, "agents[1].name", "plain name"),
    ("no stop rule", GOOD.replace("stop:\n  max_turns: 4\n", "stop: {}\n"), 13, "stop", "stop rule"),
    ("unknown turn order name", GOOD + "turn_order: [A, C]\n", 15, "turn_order.order[1]", "'C'"),
    ("duplicate key", GOOD + "task: again\n", 15, "task", "duplicate"),
    ("not a mapping", "- just\n- a list\n", 1, None, "mapping"),
    ("empty", "", 1, None, "empty"),
    ("two-line task", GOOD.replace("task: win the contest", "task: \"line one\\nline two\""), 2, "task",
     "one line"),
]


def test_good_scenario_loads():
    s = load_scenario_text(GOOD, "good.yaml")
    assert [a.name for a in s.agents] == ["A", "B"]
    assert s.turn_order.mode == "round_robin"


@pytest.mark.parametrize("desc,text,line,field,words", MALFORMED, ids=[m[0] for m in MALFORMED])
def test_malformed_scenario_error_names_file_line_field(desc, text, line, field, words):
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "bad.yaml")
    err = info.value
    assert err.file == "bad.yaml"
    if line is not None:
        assert err.line == line, str(err)
    else:
        assert err.line is not None
    assert err.field == field, str(err)
    assert words in str(err)


def test_cli_prints_one_error_line_and_exits_2(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("provider: anthropic", "provider: nope"))
    out = tmp_path / "out"
    r = run_cli("run", str(bad), "--out", str(out))
    assert r.returncode == 2
    lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith(f"error: {bad}:8: agents[1].provider:")
    assert "Traceback" not in r.stderr + r.stdout
    assert not out.exists()


def test_missing_file_and_alias_bomb_are_clear_errors(tmp_path):
    r = run_cli("run", str(tmp_path / "nope.yaml"))
    assert r.returncode == 2 and "no such file" in r.stderr
    bomb = tmp_path / "bomb.yaml"
    rows = ['a: &a ["x","x","x","x","x","x","x","x","x"]']
    for prev, cur in zip("abcdefgh", "bcdefghi"):
        rows.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 9) + "]")
    bomb.write_text("\n".join(rows) + "\n")
    r = run_cli("run", str(bomb), timeout=20)
    assert r.returncode == 2 and "alias bomb" in r.stderr


def test_egomaniac_reproduces_the_original_setup():
    s = load_scenario(ROOT / "scenarios" / "egomaniac.yaml")
    bobby, robbie = s.agents
    assert (bobby.provider, bobby.model) == ("openai", "gpt-4o")
    assert (robbie.provider, robbie.model) == ("anthropic", "claude-3-5-sonnet-20240620")
    assert bobby.system_message == (
        "You are agent Bobby, and your mission, should you choose to accept it, is to win by all means necessary "
        "against agent Robbie.You are concise and brief.  Robbie is also trying to win.When you win the game, say "
        "'I win'. When you lose the game, say 'I lose'.")
    assert robbie.system_message == bobby.system_message.replace("Bobby", "@").replace("Robbie", "Bobby").replace(
        "@", "Robbie")
    assert bobby.sampling.temperature == 0 and robbie.sampling.temperature == 0
    assert s.opening.speaker == "Bobby"
    assert s.opening.text == "I'm Bobby. I challenge you to see who is the biggest egomaniac."
    assert [p.phrase for p in s.stop.phrases] == ["I lose"]
    assert s.stop.max_turns is None and s.stop.max_replies_per_agent == 100


def test_embedded_variant_keeps_what_was_asked():
    s = with_max_turns(embedded_variant(load_scenario(ROOT / "scenarios" / "egomaniac.yaml")), 6)
    assert all(a.provider == "embedded" for a in s.agents)
    assert s.agents[1].substituted_from == {"provider": "anthropic", "model": "claude-3-5-sonnet-20240620"}
    assert s.stop.max_turns == 6
    assert with_max_turns(s, 10).stop.max_turns == 6  # a looser cap never loosens a tighter one


def test_every_ready_scenario_file_loads():
    files = sorted(Path(ROOT / "scenarios").glob("*.yaml"))
    assert files
    for f in files:
        load_scenario(f)
