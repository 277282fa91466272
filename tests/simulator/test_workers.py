"""How many worker processes a sweep uses: one by default, one per core for the embedded model, and the
transcripts the same whichever is chosen."""

from __future__ import annotations

import json

import pytest
from helpers import IDENTITY_LEVELS, Recorder, run_cli

from simulator import executor, providers
from simulator.sweep import expand, load_sweep
from simulator.sweep_runner import SweepListener, run_planned

# Agents on a vendor's model: --embedded puts the local model in their place.
SWEEP = """\
name: workers
scenario:
  name: workers-battle
  task: Win the contest.
  agents:
    - {{name: Bobby, provider: openai, model: gpt-4o, system_message: "You are Bobby. Win the contest."}}
    - {{name: Robbie, provider: openai, model: gpt-4o, system_message: "You are Robbie. Win the contest."}}
  opening: {{speaker: Bobby, text: "I challenge you."}}
  stop: {{max_turns: 10}}
repetitions: {repetitions}
factors:
{factors}"""


def _sweep_file(tmp_path, repetitions: int, factors: str = IDENTITY_LEVELS):
    f = tmp_path / "w.yaml"
    f.write_text(SWEEP.format(repetitions=repetitions, factors=factors))
    return f


def _runs(tmp_path, repetitions: int, *, embedded: bool):
    return expand(load_sweep(_sweep_file(tmp_path, repetitions)), embedded=embedded)


@pytest.fixture
def two_cores(monkeypatch):
    monkeypatch.setattr(providers, "cpu_count", lambda: 2)


def test_a_sweep_without_the_embedded_model_runs_in_one_process_unless_asked(tmp_path, two_cores):
    runs = _runs(tmp_path, 2, embedded=False)
    assert executor.workers_for(runs, None) == (1, None)
    assert executor.workers_for(runs, 4) == (4, None)


def test_the_embedded_model_gets_one_worker_per_core_each_with_its_share_of_threads(tmp_path, two_cores):
    runs = _runs(tmp_path, 2, embedded=True)  # 6 runs
    n, why = executor.workers_for(runs, None)
    assert n == 2 and why is not None and "2 worker process(es)" in why and "1 thread(s)" in why
    assert executor.workers_for(runs, 1) == (1, None)
    n, why = executor.workers_for(runs, 5)
    assert n == 2 and why is not None and "instead of 5" in why


def test_no_more_embedded_workers_than_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(providers, "cpu_count", lambda: 16)
    runs = _runs(tmp_path, 1, embedded=True)  # 3 runs
    n, why = executor.workers_for(runs, None)
    assert n == 3 and why is not None and "5 thread(s)" in why
    assert executor.workers_for(runs[:1], None) == (1, None)  # one run: nothing to say
    n, why = executor.workers_for(runs, 32)
    assert n == 3 and why is not None and "instead of 32" in why and "5 thread(s)" in why


def _texts(folder):
    return {p.name: [json.loads(line).get("text") for line in p.read_text().splitlines()
                     if '"type":"message"' in line] for p in sorted(folder.glob("*.jsonl"))}


@pytest.mark.slow
def test_embedded_sweep_by_default_in_workers_gives_the_transcripts_of_one_process(tmp_path):
    # Real embedded model: the default (one worker per core, one thread each on two cores) against one
    # process of every thread; llama.cpp's output does not depend on its thread count. On a one-core
    # machine both runs are one process of one thread, and only the equality is checked.
    f = _sweep_file(tmp_path, 1, factors="""\
  identity:
    levels:
      default: {conditions: [identity/default]}
      shared: {conditions: [identity/shared-group]}
""")
    by_default = run_cli("sweep", str(f), "--embedded", "--max-turns", "3", "--out", str(tmp_path / "auto"))
    assert by_default.returncode == 0, by_default.stderr
    one = run_cli("sweep", str(f), "--embedded", "--max-turns", "3", "--workers", "1",
                  "--out", str(tmp_path / "one"))
    assert one.returncode == 0, one.stderr
    cores = providers.cpu_count()
    if cores >= 2:
        assert "worker process(es)" in by_default.stdout + by_default.stderr
    auto, single = _texts(tmp_path / "auto"), _texts(tmp_path / "one")
    assert len(auto) == 2 and auto == single
    assert all(len(texts) == 3 and all(texts) for texts in auto.values())



def test_a_resumed_embedded_sweep_chooses_its_workers_for_the_runs_still_to_do(tmp_path, two_cores):
    # Six embedded runs, answered by a recorder in this process; one transcript is then lost. The resume
    # has one run to do, so it stays in one process and says nothing about workers.
    class Notes(SweepListener):
        def __init__(self) -> None:
            self.notes: list[str] = []

        def note(self, text: str) -> None:
            self.notes.append(text)

    sweep = load_sweep(_sweep_file(tmp_path, 2))
    runs = expand(sweep, embedded=True)
    seen: dict[str, list] = {}

    def make(spec):
        return Recorder(spec.model_copy(update={"lines": ["I win"]}), seen)

    out = tmp_path / "out"
    first = run_planned(sweep, runs, out, make_provider=make, workers=1)
    assert [o.status for o in first] == ["done"] * 6
    (out / f"{runs[2].run_id}.jsonl").unlink()
    listener = Notes()
    again = run_planned(sweep, runs, out, make_provider=make, listener=listener)
    assert [o.status for o in again].count("done") == 1 and len(again) == 6
    assert not [n for n in listener.notes if "worker process" in n]
    assert executor.workers_for(runs, None)[0] == 2  # all six to do: one worker per core
