"""One import for notebooks, mirroring the CLI verb by verb (see docs/api.md)::

    from analysis.notebook import run_scenario, run_sweep, load_transcripts, analyze, build_report, stats

    run_scenario("scenarios/egomaniac.yaml", "runs/ego", embedded=True, max_turns=6)   # ingroup run
    run_sweep("scenarios/sweeps/egomaniac-identity.yaml", "runs/sweep", embedded=True)  # ingroup sweep
    ts = load_transcripts("runs/sweep")                                                 # list[Transcript]
    a = analyze("runs/sweep")             # ingroup analyze: a.tokens, a.messages, a.conversations
    r = build_report("runs/sweep", "report")                                           # ingroup report
    r.rates, r.comparisons, r.trajectory  # the tables behind the report's figures
    r.figures["fig-rate"]                 # the report's figures, as matplotlib Figures
    plots.rate_by_condition(stats.rates_by_condition(r.conversations, "refusal_messages", "messages"))

Each function is the one the CLI calls, so a notebook and a shell give the same transcripts and numbers.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from simulator.run import arun_scenario, run_scenario
from simulator.transcript import Transcript, iter_transcripts, read_transcript

from . import graphs, stats
from .report import ReportResult, build_report, plots


def load_transcripts(source: str | Path | Sequence[str | Path], *, complete_only: bool = False) -> list[Transcript]:
    """Every transcript under one or more folders or files (recursively, in a stable order)."""
    items = [source] if isinstance(source, (str, Path)) else list(source)
    out: list[Transcript] = []
    for s in items:
        out.extend(iter_transcripts(s, include_partial=not complete_only))
    return out


def analyze(source: Any, task: str | None = None, **kwargs: Any) -> Any:
    """The analyzers' :func:`analysis.api.analyze`: a folder, file or transcripts -> tokens, messages and
    conversations DataFrames (``analyzer=`` picks the LLM judge instead of the rules)."""
    from .api import analyze as _analyze

    return _analyze(source, task=task, **kwargs)


def run_sweep(file: str | Path, out: str | Path | None = None, *, embedded: bool = False,
              max_turns: int | None = None, concurrency: int = 4, retry_failed: bool = False,
              dry_run: bool = False, make_provider: Any = None, workers: int | None = None,
              runtime: str = "sequential", shard: str | None = None, backend: str = "local",
              address: str | None = None, cache: str | Path | None = None, max_cost: float | None = None) -> Any:
    """``ingroup sweep FILE --out DIR``: expand the sweep and run it, resuming finished runs.

    Returns the executor's outcomes (one per planned run, or per run of ``shard="K/N"``, except runs
    ``max_cost`` kept from starting), or with ``dry_run=True`` the plan summary without calling any model.
    ``out`` defaults to ``transcripts/<sweep name>`` as on the command line; ``backend="ray"`` (with
    ``address``) runs the conversations as Ray tasks; ``cache`` and ``max_cost`` are ``--cache`` and
    ``--max-cost``.
    """
    from simulator import sweep as sw
    from simulator import sweep_runner

    if dry_run:
        if shard is None:
            return sw.plan_sweep(sw.load_sweep(file), embedded=embedded, max_turns=max_turns)
        spec, runs, _ = sweep_runner.plan_of(file, embedded=embedded, max_turns=max_turns, shard=shard)
        return sw.plan_summary(spec, runs)
    return sweep_runner.run_sweep(file, out, embedded=embedded, max_turns=max_turns, concurrency=concurrency,
                                  retry_failed=retry_failed, make_provider=make_provider, workers=workers,
                                  runtime=runtime, shard=shard, backend=backend,  # type: ignore[arg-type]
                                  address=address, cache=cache, max_cost=max_cost)


async def arun_sweep(file: str | Path, out: str | Path | None = None, **kwargs: Any) -> Any:
    """:func:`run_sweep` as an awaitable (a notebook's loop keeps running while the sweep does)."""
    import asyncio

    return await asyncio.to_thread(run_sweep, file, out, **kwargs)


__all__ = ["run_scenario", "arun_scenario", "run_sweep", "arun_sweep", "load_transcripts", "read_transcript", "analyze", "build_report",
           "ReportResult", "stats", "graphs", "plots"]
