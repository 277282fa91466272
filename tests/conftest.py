"""The suite's fixtures; the constants and helpers they use live in ``tests/helpers.py``."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import ROOT, SEED_FILES


@pytest.fixture(scope="session")
def seed_transcripts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The ten original transcripts imported once per session (with the egomaniac task in the headers)."""
    if not SEED_FILES:
        pytest.skip("../shared/data is not beside the project")
    out = tmp_path_factory.mktemp("seed")
    from simulator.importers.autogen_console import import_console_log
    from simulator.scenario import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "egomaniac.yaml")
    for f in SEED_FILES:
        import_console_log(f, out, scenario)
    return out
