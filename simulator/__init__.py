"""ingroup's simulator: scenarios, providers, conversations on autogen-agentchat, sweeps and transcripts.

The names below are the public surface (``from simulator import load_scenario, run_scenario``). Each loads
on first use, so importing the package, as the ``ingroup`` command does, stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    # scenarios and sweeps
    "AgentSpec": "simulator.scenario", "Sampling": "simulator.scenario", "Scenario": "simulator.scenario",
    "load_scenario": "simulator.scenario", "load_scenario_text": "simulator.scenario",
    "Sweep": "simulator.sweep", "load_sweep": "simulator.sweep", "expand": "simulator.sweep",
    "plan_sweep": "simulator.sweep", "run_sweep": "simulator.sweep_runner", "SweepListener": "simulator.sweep_runner",
    "sweep_power": "simulator.power", "design_power": "simulator.power",
    # running
    "run_scenario": "simulator.run", "RunSpec": "simulator.plan", "Shard": "simulator.plan",
    "plan_runs": "simulator.plan", "run_conversation": "simulator.conversation.orchestrator",
    "Executor": "simulator.executor", "ExecOptions": "simulator.executor", "make_provider": "simulator.providers",
    # transcripts
    "Transcript": "simulator.transcript", "Header": "simulator.transcript", "Message": "simulator.transcript",
    "Footer": "simulator.transcript", "read_transcript": "simulator.transcript",
    "iter_transcripts": "simulator.transcript",
    # errors (docs/design.md: every error a user can act on is an IngroupError)
    "IngroupError": "simulator.errors", "ScenarioError": "simulator.errors", "ProviderError": "simulator.errors",
    "TranscriptError": "simulator.errors",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'simulator' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
