from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# bench/ is not an installed package; tests import its load server as `bench.loadserver`.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
SEED_DIR = SHARED / "data" / "we-the-ai-assistants"
SEED_FILES = sorted(SEED_DIR.glob("egomaniac_*.txt"))
INGROUP = [sys.executable, "-m", "analysis.cli"]


def run_cli(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real `ingroup` command in a subprocess (what a user types)."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    return subprocess.run([*INGROUP, *args], capture_output=True, text=True, env=full_env,
                          cwd=cwd or ROOT, timeout=timeout)


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
