"""Running a scenario file: resolve it (``--embedded``, ``--max-turns``), plan its repetitions, execute."""

from __future__ import annotations

import asyncio
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .blocking import run_blocking
from .conversation.orchestrator import ProviderFactory, RunSpec
from .conversation.rollback import with_branches
from .executor import ExecOptions, Executor, RunOutcome
from .files import folder_locked
from .interview import fill_official_names
from .scenario import Scenario, embedded_variant, load_scenario, with_max_turns
from .seeds import pick_seed


def resolve(scenario: Scenario, *, embedded: bool = False, max_turns: int | None = None,
            repetitions: int | None = None, seed: int | None = None) -> Scenario:
    if embedded:
        scenario = embedded_variant(scenario)
    if max_turns is not None:
        scenario = with_max_turns(scenario, max_turns)
    update: dict[str, int] = {}
    if repetitions is not None:
        update["repetitions"] = repetitions
    if seed is not None:
        update["seed"] = seed
    scenario = scenario.model_copy(update=update) if update else scenario
    return fill_official_names(scenario)


def plan_runs(scenario: Scenario, scenario_file: str | None = None, stamp: str | None = None) -> list[RunSpec]:
    """One RunSpec per repetition (and its rollback branch, when the scenario has one). Ids carry a start stamp and a random part, so running a file again, or
    in several processes at the same second, never collides (transcripts are also created exclusively). A
    scenario with no seed gets one picked here, recorded in every header (``--seed`` reproduces the run)."""
    stamp = stamp or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + os.urandom(3).hex()
    if scenario.seed is None:
        scenario = scenario.model_copy(update={"seed": pick_seed()})
    return with_branches(RunSpec(run_id=f"{scenario.name}-{stamp}-r{rep:03d}", scenario=scenario,
                                 repetition=rep, scenario_file=scenario_file)
                         for rep in range(scenario.repetitions))


def default_provider_factory() -> ProviderFactory:
    from .providers import make_provider

    return make_provider


def run_scenario(path: str | Path, out: str | Path = "transcripts", *, embedded: bool = False,
                 max_turns: int | None = None, repetitions: int | None = None, seed: int | None = None,
                 options: ExecOptions | None = None, make_provider: ProviderFactory | None = None,
                 ) -> list[RunOutcome]:
    """Python API behind ``ingroup run``."""
    scenario = resolve(load_scenario(path), embedded=embedded, max_turns=max_turns,
                       repetitions=repetitions, seed=seed)
    runs = plan_runs(scenario, str(path))
    executor = Executor(out, make_provider or default_provider_factory(), options)
    with folder_locked(out, shared=True):
        return run_blocking(lambda: executor.run(runs))


async def arun_scenario(path: str | Path, out: str | Path = "transcripts", **kwargs: Any) -> list[RunOutcome]:
    """:func:`run_scenario` as an awaitable (a notebook's loop keeps running while the conversations do)."""
    return await asyncio.to_thread(run_scenario, path, out, **kwargs)
