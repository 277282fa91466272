"""Hostile input: fuzzed scenario files and logs always give one clear error (exit 2), never a traceback."""

from __future__ import annotations

import string

import yaml
from helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.display import terminal_safe
from simulator.errors import IngroupError
from simulator.importers.autogen_console import parse_console_log
from simulator.scenario import load_scenario_text

VALID = {
    "name": "fuzz",
    "task": "win",
    "agents": [{"name": "A", "provider": "scripted", "model": "s", "lines": ["x"]},
               {"name": "B", "provider": "openai", "model": "gpt-4o", "sampling": {"temperature": 0}}],
    "opening": {"speaker": "A", "text": "hi"},
    "stop": {"max_turns": 3, "phrases": [{"phrase": "I lose"}]},
}

scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12), st.floats(allow_nan=True),
                    st.text(max_size=30))
json_like = st.recursive(scalars, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                         st.dictionaries(st.text(max_size=12), kids, max_size=4)),
                         max_leaves=20)


def _mutations():
    paths = [("name",), ("task",), ("agents",), ("agents", 0), ("agents", 1, "provider"), ("agents", 1, "sampling"),
             ("agents", 1, "sampling", "temperature"), ("opening",), ("opening", "speaker"), ("stop",),
             ("stop", "max_turns"), ("stop", "phrases", 0), ("turn_order",), ("speaker_names",), ("repetitions",),
             ("agents", 0, "lines"), ("nonsense",)]
    return st.tuples(st.sampled_from(paths), json_like)


def _apply(doc, path, value):
    import copy

    doc = copy.deepcopy(doc)
    node = doc
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_mutations())
def test_mutated_scenarios_load_or_fail_cleanly(mutation):
    path, value = mutation
    text = yaml.safe_dump(_apply(VALID, path, value), allow_unicode=True)
    try:
        load_scenario_text(text, "fuzz.yaml")
    except IngroupError as exc:
        assert exc.file == "fuzz.yaml"
        assert str(exc).startswith("fuzz.yaml")
        assert exc.line is not None or "empty" in str(exc) or "YAML" in str(exc)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=string.printable + "&*!|>%@`{}[]:#-\u00e9\u4e2d\x00\x1b", max_size=300))
def test_arbitrary_text_as_a_scenario_fails_cleanly(text):
    try:
        load_scenario_text(text, "fuzz.yaml")
    except IngroupError:
        pass


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=500))
def test_arbitrary_text_as_a_console_log_parses_or_fails_cleanly(text):
    try:
        msgs = parse_console_log(text, "log.txt")
    except IngroupError as exc:
        assert "log.txt" in str(exc)
    else:
        assert all(isinstance(s, str) and isinstance(t, str) for s, _, t in msgs)


def test_cli_on_garbage_files(tmp_path):
    for name, data in [("bin.yaml", bytes(range(256))), ("latin.yaml", "name: caf\xe9".encode("latin-1")),
                       ("deep.yaml", b"[" * 5000 + b"]" * 5000), ("tab.yaml", b"name:\t[\n\t- x")]:
        f = tmp_path / name
        f.write_bytes(data)
        r = run_cli("run", str(f), "--out", str(tmp_path / "out"), timeout=60)
        assert r.returncode == 2, (name, r.stderr)
        assert "Traceback" not in r.stderr and r.stderr.startswith("error: "), (name, r.stderr)
        assert len(r.stderr.strip().splitlines()) == 1, (name, r.stderr)
    bin_log = tmp_path / "log.txt"
    bin_log.write_bytes(b"\x00\x01binary")
    r = run_cli("import", str(bin_log), "--out", str(tmp_path / "imp"))
    assert r.returncode == 2 and "binary" in r.stderr and "Traceback" not in r.stderr


def test_terminal_escape_sequences_are_neutralised():
    hostile = "ok\x1b]0;pwned\x07\x1b[2J\x1b[31mred[/]\x9b31m [bold]markup[/bold]\rback\x08"
    safe = terminal_safe(hostile)
    assert "\x1b" not in safe and "\x07" not in safe and "\r" not in safe and "\x9b" not in safe
    assert "\\[bold]" in safe  # rich markup shown as text, not applied
    from io import StringIO

    from rich.console import Console

    buf = StringIO()
    Console(file=buf, force_terminal=True, color_system=None).print(safe)
    assert "[bold]markup[/bold]" in buf.getvalue()
