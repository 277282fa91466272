"""Every file in scenarios/ loads; every sweep expands; hostile sweep files get one clear error and exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROOT, run_cli

from simulator.scenario import load_scenario
from simulator.sweep import expand, load_sweep

SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
SWEEPS = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))


def test_the_new_scenario_kinds_exist():
    names = {p.stem for p in SCENARIOS}
    assert {"egomaniac", "team-battle-2v2", "negotiation-casino", "identity-probe"} <= names
    assert (ROOT / "scenarios/sweeps/egomaniac-identity.yaml") in SWEEPS


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.name)
def test_every_scenario_loads(path: Path):
    s = load_scenario(path)
    assert s.name and s.task and len(s.agents) >= 2


def test_team_battle_mixes_vendors_within_each_team():
    s = load_scenario(ROOT / "scenarios/team-battle-2v2.yaml")
    teams: dict[str, set[str]] = {}
    for a in s.agents:
        teams.setdefault(a.team, set()).add(a.provider)
    assert len(teams) == 2 and all(len(v) == 2 for v in teams.values())


def test_identity_probe_has_a_scripted_interviewer():
    s = load_scenario(ROOT / "scenarios/identity-probe.yaml")
    interviewer = s.agent("Interviewer")
    assert interviewer.provider == "scripted" and len(interviewer.lines) >= 4
    assert "who are you" in s.opening.text.lower()


@pytest.mark.parametrize("path", SWEEPS, ids=lambda p: p.name)
def test_every_sweep_expands(path: Path):
    runs = expand(load_sweep(path), embedded=True)
    assert runs and len({r.run_id for r in runs}) == len(runs)


HOSTILE = {
    "alias_bomb": ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
                   "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\nf: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n",
                   None, "alias bomb"),
    "path_escape_name": ("name: ../../etc/evil\nscenario: {s}\n", 1, "name"),
    "slash_level": ("name: ok\nscenario: {s}\nfactors:\n  f:\n    levels:\n      ../../x: {{}}\n", 6, "levels"),
    "not_a_mapping": ("- just\n- a list\n", 1, "mapping"),
    "bad_yaml": ("name: [unclosed\n", None, "invalid YAML"),
    "missing_scenario_file": ("name: ok\nscenario: nowhere.yaml\n", 2, "no scenario file"),
    "wrong_type": ("name: ok\nscenario: {s}\nrepetitions: lots\n", 3, "repetitions"),
    "binary": ("\udcff\udcfe", None, "UTF-8"),
    "set_into_nothing": ("name: ok\nscenario: {s}\nfactors:\n  f:\n    levels:\n      a:\n        set: {{agents.Nobody.model: x}}\n",
                         7, "cannot set"),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_sweep_files_exit_2_with_a_located_error(tmp_path: Path, case: str):
    text, line, needle = HOSTILE[case]
    f = tmp_path / "hostile.yaml"
    text = text.replace("{s}", str(ROOT / "scenarios/egomaniac.yaml")).replace("{{", "{").replace("}}", "}")
    f.write_bytes(text.encode("utf-8", "surrogateescape"))
    p = run_cli("sweep", str(f), "--dry-run", "--out", str(tmp_path / "out"), timeout=60)
    assert p.returncode == 2, p.stdout + p.stderr
    assert "Traceback" not in p.stderr and p.stderr.count("error:") == 1
    where = f"{f}:{line}:" if line else str(f)
    assert where in p.stderr, p.stderr
    assert needle.lower() in p.stderr.lower(), p.stderr
    assert not (tmp_path / "out").exists()


# Fuzz: any text, and any mutation of a valid sweep, is a Sweep or one ScenarioError, never another exception.
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from simulator.errors import ScenarioError  # noqa: E402
from simulator.sweep import load_sweep_text  # noqa: E402

VALID = (ROOT / "scenarios/sweeps/egomaniac-identity.yaml").read_text()


def _load_or_error(text: str) -> None:
    try:
        expand(load_sweep_text(text, "fuzz.yaml", ROOT / "scenarios/sweeps"))
    except ScenarioError as exc:
        assert str(exc).startswith("fuzz.yaml")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_fuzz_any_text(text: str):
    _load_or_error(text)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, len(VALID) - 1), st.integers(0, 40),
       st.text(alphabet=st.sampled_from(list(":-[]{}&*!|>'\"#\n ab1.%/")), max_size=8))
def test_fuzz_mutated_sweep(start: int, length: int, insert: str):
    _load_or_error(VALID[:start] + insert + VALID[start + length:])
