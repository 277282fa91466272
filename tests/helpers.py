"""What the tests share besides fixtures: the checkout's paths, the one way to run the `ingroup` command, and
the scripted two-agent scenario with its recording provider.

Test modules import these as ``from helpers import ...``: ``tests/`` is on ``sys.path`` because pytest puts the
directory of ``tests/conftest.py`` there (its default ``prepend`` import mode), whichever sub-folder a test is in.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from simulator.providers.base import Completion, Turn
    from simulator.scenario import AgentSpec, Sampling

ROOT = Path(__file__).resolve().parents[1]
# The checkout first: bench/ is not an installed package (tests import `bench.loadserver`), and without it
# `import simulator` could find the folder tests/simulator/ as a namespace package before the installed one.
# Nothing from simulator is imported at module level here, so this runs before any test module imports it.
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared"
SEED_DIR = SHARED / "data" / "we-the-ai-assistants"
SEED_FILES = sorted(SEED_DIR.glob("egomaniac_*.txt"))
TEST_DATA = ROOT / "tests" / "data"
MULTIPARTY = TEST_DATA / "multiparty"  # the hand-written many-party conversations
ANALYZER_GOLDEN = TEST_DATA / "analyzer_golden.json"  # written by tests/analysis/test_analysis_golden.py
# `-m analysis.cli` from the checkout, not the installed `ingroup` script: that one runs whatever code was
# installed last, which is not this checkout's when the suite runs in another worktree.
INGROUP = [sys.executable, "-m", "analysis.cli"]


def cli_env(env: Mapping[str, str | None] | None = None) -> dict[str, str]:
    """The environment the `ingroup` command runs in: this one plus ``env`` (a value of ``None`` removes that
    variable), with the checkout leading ``PYTHONPATH`` so that a ``cwd`` outside it still runs its code."""
    full = dict(os.environ)
    for k, v in (env or {}).items():
        if v is None:
            full.pop(k, None)
        else:
            full[k] = v
    full["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    return full


def run_cli(*args: str, env: Mapping[str, str | None] | None = None, cwd: Path | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess[str]:
    """Run the real `ingroup` command of this checkout in a subprocess (what a user types) and wait for it."""
    return subprocess.run([*INGROUP, *args], capture_output=True, text=True, env=cli_env(env),
                          cwd=cwd or ROOT, timeout=timeout)


def start_cli(*args: str, env: Mapping[str, str | None] | None = None, **popen: Any) -> subprocess.Popen:
    """Start the `ingroup` command as `run_cli` does, without waiting: for tests that signal or kill it.

    ``popen`` goes to `subprocess.Popen` (stdout, stderr, text, start_new_session, ...)."""
    popen.setdefault("cwd", ROOT)
    return subprocess.Popen([*INGROUP, *args], env=cli_env(env), **popen)


TWO_AGENTS = """\
name: t
task: win
agents:
  - {{name: Bobby, provider: scripted, model: s, lines: {bobby}}}
  - {{name: Robbie, provider: scripted, model: s, lines: {robbie}}}
opening: {{speaker: Bobby, text: "I challenge you"}}
stop: {stop}
speaker_names: {names}
"""
"""A scripted Bobby-vs-Robbie scenario; ``.format(bobby=, robbie=, stop=, names=)`` fills it in."""


class Recorder:
    """Answers with scripted lines and keeps every (system, turns) it receives, per agent name in ``seen``.

    ``fail`` maps an agent name to how many calls raise a 429 first (consumed as they happen)."""

    kind = "recorder"

    def __init__(self, spec: AgentSpec, seen: dict[str, list], fail: dict[str, int] | None = None) -> None:
        self.model = spec.model
        self.name = spec.name
        self.lines = list(spec.lines or [])
        self.seen = seen.setdefault(spec.name, [])
        self.fail = fail if fail is not None else {}

    async def complete(self, system: str, turns: list[Turn], sampling: Sampling) -> Completion:
        """The next scripted line, after any failures still due for this agent."""
        from simulator.providers.base import Completion, TransientError

        if self.fail.get(self.name, 0) > 0:
            self.fail[self.name] -= 1
            raise TransientError("busy", retry_after=0.0, status=429)
        self.seen.append((system, list(turns)))
        k = len(self.seen) - 1
        return Completion(text=self.lines[k % len(self.lines)], prompt_tokens=10, completion_tokens=2,
                          applied={"temperature": 0}, unsupported={})

    async def aclose(self) -> None:
        """Nothing to release."""


IDENTITY_LEVELS = """\
  identity:
    levels:
      default: {conditions: [identity/default]}
      shared: {conditions: [identity/shared-group]}
      unique: {conditions: [identity/unique-disassociative]}
"""


def scripted_sweep(name: str, *, repetitions: int, factors: str = IDENTITY_LEVELS) -> str:
    """A sweep file over the scripted egomaniac battle (no model: the agents say their lines): ``factors`` is
    the YAML under ``factors:``, two-space indented."""
    return f"""\
name: {name}
scenario:
  name: {name}-battle
  task: Win the contest.
  agents:
    - {{name: Bobby, provider: scripted, model: script, lines: ["I win", "we both win", "I lose"]}}
    - {{name: Robbie, provider: scripted, model: script, lines: ["No, I win", "we are friends", "ok"]}}
  opening: {{speaker: Bobby, text: "I challenge you."}}
  stop: {{phrases: [{{phrase: I lose}}], max_turns: 10}}
repetitions: {repetitions}
factors:
{factors}"""
