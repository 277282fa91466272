"""The notebook API in a real notebook: nbclient executes it on a real ipykernel, whose event loop is running
while each cell runs (where asyncio.run refuses to start)."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
from helpers import ROOT
from nbclient import NotebookClient


def _scenario(folder: Path) -> Path:
    f = folder / "s.yaml"
    f.write_text(json.dumps({
        "name": "nb", "task": "win", "opening": {"speaker": "A", "text": "We should both win."},
        "agents": [{"name": "A", "provider": "scripted", "model": "s", "lines": ["We agree.", "Let us play chess."]},
                   {"name": "B", "provider": "scripted", "model": "s", "lines": ["We do.", "I lose."]}],
        "stop": {"max_turns": 5}}))
    sweep = folder / "w.yaml"
    sweep.write_text(f"name: nbw\nscenario: {f}\nrepetitions: 2\nfactors:\n  tone:\n    levels:\n"
                     "      plain: {}\n      warm: {set: {opening.text: 'Hello, friend.'}}\n")
    return f


def test_the_api_runs_inside_a_notebooks_event_loop(tmp_path: Path):
    _scenario(tmp_path)
    cells = [
        "import asyncio\nasyncio.get_running_loop()  # the kernel's loop is running",
        "from analysis.notebook import analyze, arun_scenario, arun_sweep, load_transcripts, run_scenario, run_sweep",
        f"done = run_scenario({str(tmp_path / 's.yaml')!r}, {str(tmp_path / 'blocking')!r})\n"
        "assert [o.status for o in done] == ['done']",
        f"done = await arun_scenario({str(tmp_path / 's.yaml')!r}, {str(tmp_path / 'awaited')!r})\n"
        "assert [o.status for o in done] == ['done']",
        f"sweep = run_sweep({str(tmp_path / 'w.yaml')!r}, {str(tmp_path / 'sweep')!r})\n"
        f"again = await arun_sweep({str(tmp_path / 'w.yaml')!r}, {str(tmp_path / 'sweep')!r})\n"
        "assert [o.status for o in sweep] == ['done'] * 4 and [o.status for o in again] == ['skipped'] * 4",
        f"a = analyze({str(tmp_path / 'sweep')!r})\n"
        "print(len(load_transcripts(" + repr(str(tmp_path)) + ")), len(a.conversations), "
        "sorted(set(a.conversations['condition'])))",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    NotebookClient(nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}}).execute()
    out = "".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert out.split("\n")[0] == "6 4 ['tone=plain', 'tone=warm']", out
