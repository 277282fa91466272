"""docs/api.md runs as written: each of its ``python`` blocks is one cell of a notebook executed on a real
Jupyter kernel (nbclient + ipykernel), in order, from a folder that holds the project's ``scenarios/``. A
cell that raises fails the test; what the examples wrote is then checked on disk."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from helpers import ROOT
from nbclient import NotebookClient

DOC = ROOT / "docs" / "api.md"
BLOCK = re.compile(r"^```python\n(.*?)^```", re.S | re.M)


def test_the_blocks_are_found():
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert len(blocks) >= 3 and "run_sweep(" in blocks[0] and "build_report(" in blocks[1]


@pytest.mark.slow
def test_docs_api_examples_run_as_written(tmp_path: Path):
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios", target_is_directory=True)
    cells = [nbformat.v4.new_code_cell(code) for code in BLOCK.findall(DOC.read_text(encoding="utf-8"))]
    nb = nbformat.v4.new_notebook(cells=cells)
    # The kernel imports this checkout's code (cwd first on sys.path would be tmp_path, so say so).
    nb.cells.insert(0, nbformat.v4.new_code_cell(f"import sys; sys.path.insert(0, {str(ROOT)!r})"))
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(o.get("text", "") for o in nb.cells[1].outputs if o.get("output_type") == "stream")
    assert "12 of 12 conversations done" in printed, printed
    assert len(list((tmp_path / "runs" / "identity").glob("*.jsonl"))) == 12
    report = tmp_path / "runs" / "identity-report"
    assert (report / "index.html").is_file() and len(list((report / "conversations").glob("*.html"))) == 12
    # The last expression of the statistics cell is shown: one rate per cell of the sweep, with its interval.
    shown = nb.cells[-1].outputs[-1]["data"]["text/plain"]
    assert shown.count("identity=") == 6 and "ci_low" in shown, shown
