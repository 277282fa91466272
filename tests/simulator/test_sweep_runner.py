"""The sweep runner without console code: what a display hears through its listener, and the layers."""

from __future__ import annotations

import ast
from pathlib import Path

from helpers import ROOT

from simulator.sweep import expand, load_sweep_text
from simulator.sweep_runner import SweepListener, Tally, run_planned

MINI = """\
name: heard
scenario:
  name: heard-battle
  task: Win the contest.
  agents:
    - {name: Bobby, provider: scripted, model: script, lines: ["I win", "I lose"]}
    - {name: Robbie, provider: scripted, model: script, lines: ["No, I win", "ok"]}
  opening: {speaker: Bobby, text: "I challenge you."}
  stop: {phrases: [{phrase: I lose}], max_turns: 10}
repetitions: 3
"""


class Recorder(SweepListener):
    def __init__(self) -> None:
        self.events: list[tuple] = []
        self.last: Tally | None = None

    def begin(self, sweep: str, runs: int, out: Path) -> None:
        self.events.append(("begin", sweep, runs))

    def started(self) -> None:
        self.events.append(("started",))

    def progress(self, tally: Tally) -> None:
        self.last = Tally(**tally.__dict__)


def test_a_listener_hears_the_plan_the_start_and_every_outcome(tmp_path: Path):
    sweep = load_sweep_text(MINI, "heard.yaml")
    runs = expand(sweep)
    first = Recorder()
    outcomes = run_planned(sweep, runs, tmp_path, listener=first)
    assert [o.status for o in outcomes] == ["done"] * 3
    assert first.events == [("begin", "heard", 3), ("started",)]
    assert first.last == Tally(planned=3, finished=3, failed=0, resumed=0, tokens=0, cost_usd=0.0, cost_known=True)
    again = Recorder()
    run_planned(sweep, runs, tmp_path, listener=again)
    assert again.last is not None and again.last.resumed == 3 and again.last.finished == 3


def test_planning_and_running_a_sweep_import_no_console_code():
    def imports(path: Path) -> set[str]:
        out: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                out.update(a.name.split(".")[0] for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                out.add(("." if node.level else "") + node.module.split(".")[0])
        return out

    for name in ("plan.py", "sweep.py", "sweep_runner.py", "executor.py", "ray_backend.py"):
        assert not imports(ROOT / "simulator" / name) & {"rich", "typer", ".cli", ".sweep_cli"}, name
