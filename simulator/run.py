"""Running a scenario file: resolve it (``--embedded``, ``--max-turns``), plan its repetitions, execute."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

from .blocking import run_blocking
from .conversation.orchestrator import ProviderFactory
from .executor import ExecOptions, Executor, RunOutcome
from .files import ensure_dir, folder_locked
from .plan import plan_runs, resolve
from .scenario import load_scenario


def default_provider_factory() -> ProviderFactory:
    """The factory that makes each agent's real provider."""
    from .providers import make_provider

    return make_provider


def run_scenario(path: str | Path, out: str | Path = "transcripts", *, embedded: bool = False,
                 max_turns: int | None = None, repetitions: int | None = None, seed: int | None = None,
                 options: ExecOptions | None = None, make_provider: ProviderFactory | None = None,
                 cache: str | Path | None = None) -> list[RunOutcome]:
    """Python API behind ``ingroup run``. ``cache``: the call cache's folder (``--cache``)."""
    if cache is not None:
        options = replace(options or ExecOptions(), cache_dir=ensure_dir(cache))
    scenario = resolve(load_scenario(path), embedded=embedded, max_turns=max_turns,
                       repetitions=repetitions, seed=seed)
    runs = plan_runs(scenario, str(path))
    executor = Executor(out, make_provider or default_provider_factory(), options)
    with folder_locked(out, shared=True):
        return run_blocking(lambda: executor.run(runs))


async def arun_scenario(path: str | Path, out: str | Path = "transcripts", **kwargs: Any) -> list[RunOutcome]:
    """:func:`run_scenario` as an awaitable (a notebook's loop keeps running while the conversations do)."""
    return await asyncio.to_thread(run_scenario, path, out, **kwargs)
