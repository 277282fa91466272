"""Orchestration CPU per turn for each autogen-agentchat runtime (``--runtime``), with a provider that answers at once.

No server and no SDK: what is left is the team, the agents, the stop rules and the transcript writer, i.e.
what ingroup itself adds to every model call. Ends with one JSON line.

    .venv/bin/python bench/teams.py            # 300 conversations x 10 turns, 64 at once, each team
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.conversation.orchestrator import RUNTIMES, RunSpec  # noqa: E402
from simulator.executor import ExecOptions, Executor  # noqa: E402
from simulator.providers.base import Completion, Turn  # noqa: E402
from simulator.scenario import AgentSpec, Sampling, load_scenario_text  # noqa: E402

SCENARIO = """\
name: cpu
task: talk
agents:
  - {{name: A, provider: openai, model: m, base_url: "http://127.0.0.1:9/v1"}}
  - {{name: B, provider: openai, model: m, base_url: "http://127.0.0.1:9/v1"}}
opening: {{speaker: A, text: "Hello there."}}
stop: {{max_turns: {turns}}}
"""


class Instant:
    """Answers at once (after one pass through the event loop, as any I/O would)."""

    kind = "instant"

    def __init__(self, spec: AgentSpec) -> None:
        self.model = spec.model
        self.name = spec.name

    async def complete(self, system: str, turns: list[Turn], sampling: Sampling) -> Completion:
        await asyncio.sleep(0)
        return Completion(text=f"{self.name} answers turn {len(turns)}.", prompt_tokens=len(turns),
                          completion_tokens=5)

    async def aclose(self) -> None:
        pass


def cpu_per_turn(team: str, n: int, turns: int, concurrency: int) -> float:
    s = load_scenario_text(SCENARIO.format(turns=turns + 1))
    runs = [RunSpec(f"cpu-{i:05d}", s, repetition=i) for i in range(n)]
    with tempfile.TemporaryDirectory() as tmp:
        ex = Executor(tmp, Instant, ExecOptions(concurrency=concurrency, fsync=False, runtime=team))  # type: ignore[arg-type]
        t0 = os.times()
        outcomes = asyncio.run(ex.run(runs))
        t1 = os.times()
    done = sum(o.turns - 1 for o in outcomes if o.status == "done" and o.stop_reason == f"max_turns: {turns + 1}")
    if done != n * turns:
        raise SystemExit(f"{team}: {done} of {n * turns} turns completed; the measurement would be wrong")
    return 1000 * (t1.user + t1.system - t0.user - t0.system) / done


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", "--conversations", type=int, default=300)
    p.add_argument("-t", "--turns", type=int, default=10)
    p.add_argument("-c", "--concurrency", type=int, default=64)
    p.add_argument("--quick", action="store_true", help="N=40")
    a = p.parse_args()
    n = 40 if a.quick else a.conversations
    figures = {team: round(cpu_per_turn(team, n, a.turns, a.concurrency), 3) for team in RUNTIMES}
    for team, ms in figures.items():
        print(f"{team:12s} {ms:7.3f} ms of CPU per turn (team, agents, stop rules, transcript; no model)")
    print(json.dumps({f"{team.replace('-', '_')}_ms_per_turn": ms for team, ms in figures.items()}))


if __name__ == "__main__":
    main()
