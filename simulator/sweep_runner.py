"""Running a planned sweep into a folder: the lock, the resume checks, the manifest, the executor, the tally.

No console code: a display (the ``ingroup sweep`` progress bar, ``simulator.sweep_cli``) subscribes through
a :class:`SweepListener`; the notebook API (:func:`run_sweep`) runs the same code with none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .choices import BACKENDS
from .errors import IngroupError
from .files import ensure_dir, folder_locked, write_atomic

if TYPE_CHECKING:
    from .budget import Budget
    from .conversation.orchestrator import ProviderFactory
    from .executor import Backend, RunOutcome, Survey
    from .plan import RunSpec, Shard
    from .scenario import AgentSpec
    from .sweep import Sweep
    from .transcript import Message


@dataclass
class Tally:
    """A running sweep's counts, as a display shows them."""

    planned: int
    finished: int = 0
    """Outcomes so far: runs done, failed or resumed from an earlier run."""
    failed: int = 0
    resumed: int = 0
    tokens: int = 0
    cost_usd: float = 0.0
    cost_known: bool = True
    """False once some run used a model without a known price (its cost is not in ``cost_usd``)."""


class SweepListener:
    """What a display hears from a running sweep; every hook does nothing unless overridden."""

    def note(self, text: str) -> None:
        """Something the user should know about how the sweep runs (fewer workers than asked, ...)."""

    def begin(self, sweep: str, runs: int, out: Path) -> None:
        """The plan is checked and the manifest written; ``runs`` runs go into ``out``."""

    def started(self) -> None:
        """The conversations are running (worker processes forked, Ray tasks submitting)."""

    def progress(self, tally: Tally) -> None:
        """The tally changed: a run finished, or, for conversations in this process, a message came."""

    def interrupted(self, complete: int, planned: int) -> None:
        """Ctrl-C: ``complete`` of ``planned`` runs have a complete transcript; the sweep stops."""


def check_out_dir(out: Path, runs: list[RunSpec], sweep_name: str | None = None,
                  survey: "Survey | None" = None, shard: "Shard | None" = None) -> None:
    """Refuse to resume into a folder whose finished transcripts came from a different plan, or that holds
    another sweep (or another shard of this one): mixing them would put runs of two designs under one
    condition label. ``survey`` (the executor's, of the same runs) saves reading each footer again."""
    from .executor import transcript_status

    if sweep_name is not None and out.is_dir():
        others = sorted(p.name.removesuffix(".sweep.json") for p in out.glob("*.sweep.json")
                        if p.name != f"{sweep_name}.sweep.json")
        if others:
            raise IngroupError(f"{out} holds the transcripts of sweep '{others[0]}' ({others[0]}.sweep.json); "
                               f"sweep '{sweep_name}' would be pooled with them by every analysis. Use another "
                               "--out folder")
        _check_same_shard(out / f"{sweep_name}.sweep.json", shard)

    expected = _PlanKeys()
    for r in runs:
        state, footer = survey[r.run_id] if survey is not None else transcript_status(out / f"{r.run_id}.jsonl")
        if state == "absent":
            continue
        if footer is not None and footer.plan_key is not None and footer.plan_key == expected.of(r):
            continue  # finished under this very plan: its last line says so, the header is not read
        _check_header(out / f"{r.run_id}.jsonl", r)


def _check_same_shard(manifest: Path, shard: "Shard | None") -> None:
    # One folder per shard: a second shard's manifest would replace the first's list of planned runs.
    if not manifest.is_file():
        return
    try:
        was = json.loads(manifest.read_text(encoding="utf-8")).get("shard")
    except (OSError, ValueError, AttributeError):
        return  # unreadable: it is rewritten below, as before shards existed
    now = None if shard is None else {"index": shard.index, "count": shard.count}
    if was != now:
        def name(s: Any) -> str:
            return "the whole sweep" if s is None else f"shard {s.get('index')}/{s.get('count')}"
        raise IngroupError(f"{manifest.parent} holds {name(was)} ({manifest.name}); this is {name(now)}: "
                           "give each shard its own --out folder")


class _PlanKeys:
    """The plan key each run's transcript must carry, computed once per scenario (runs of a cell share it)."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[object, str]] = {}

    def of(self, run: RunSpec) -> str:
        s = run.scenario
        hit = self._cache.get(id(s))
        if hit is None or hit[0] is not s:
            from .transcript import plan_key

            servers = {a.name: _server(a) for a in s.agents}
            hit = self._cache[id(s)] = (s, plan_key(s.content_hash(), servers))
        return hit[1]


def _check_header(path: Path, r: RunSpec) -> None:
    from .transcript import iter_records

    for _, obj, _raw in iter_records(path):
        if obj is not None and obj.get("type") == "header":
            if obj.get("scenario_hash") != r.scenario.content_hash():
                raise IngroupError(
                    f"{path} was made from a different scenario than this sweep now plans for "
                    f"{r.run_id} (changed file, --embedded or --max-turns?); use a fresh --out folder")
            _check_same_server(path, obj, r)
        break


def _server(agent: "AgentSpec") -> str | None:
    """Where an agent's requests go, as the header records it (``effective_base_url``)."""
    from .providers import effective_base_url
    from .secrets import public_url

    return public_url(effective_base_url(agent))


def _check_same_server(path: Path, header: dict, run: RunSpec) -> None:
    # The scenario hash does not cover the environment: OPENAI_BASE_URL may now point at another server, and
    # the resumed sweep would mix transcripts of two servers under one design.
    agents = {a.name: a for a in run.scenario.agents}
    for rec in header.get("agents") or []:
        was = rec.get("effective_base_url") if isinstance(rec, dict) else None
        spec = agents.get(str(rec.get("name"))) if isinstance(rec, dict) else None
        if was is None or spec is None:
            continue  # written before ingroup recorded it, or by an agent kind without a server
        now = _server(spec)
        if now != was:
            raise IngroupError(
                f"{path.name} was made with agent {spec.name} on the server {was}, but it would now go to "
                f"{now} (OPENAI_BASE_URL / ANTHROPIC_BASE_URL changed?); resume with the same server, or use "
                "a fresh --out folder")


def write_manifest(out: Path, sweep: Sweep, runs: list[RunSpec], shard: "Shard | None" = None) -> Path:
    """``<out>/<sweep>.sweep.json``: the planned runs and their conditions, so analyses know what was planned
    (a run that never finished is then visible as missing, not silently absent). For a shard, its runs and
    which shard it is (``shard: {index, count}``); ``sweep_runs`` is the whole sweep's count."""
    from .sweep import count_runs

    ensure_dir(out)
    path = out / f"{sweep.name}.sweep.json"
    data = {"sweep": sweep.name, "file": sweep.file, "factors": {f: list(x.levels) for f, x in sweep.spec.factors.items()},
            "shard": None if shard is None else {"index": shard.index, "count": shard.count},
            "sweep_runs": count_runs(sweep),
            "runs": [{"run_id": r.run_id, "condition": r.condition, "repetition": r.repetition,
                      "scenario_hash": r.scenario.content_hash()} for r in runs]}
    return write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False))


def run_cost(outcome: "RunOutcome", run: RunSpec, prices: dict[str, tuple[float, float]]) -> float | None:
    """The run's cost from its per-agent token counts (the footer's); None when a model has no price."""
    from .prices import cost_of

    if outcome.by_agent is None:
        return _run_cost_from_file(outcome.path, prices)
    models = {a.name: (a.provider, a.model) for a in run.scenario.agents}
    total = 0.0
    for name, used in outcome.by_agent.items():
        if name not in models:
            continue
        c = cost_of(*models[name], used.prompt_tokens, used.completion_tokens, prices)
        if c is None:
            return None
        total += c
    return total


def _run_cost_from_file(path: Path, prices: dict[str, tuple[float, float]]) -> float | None:
    # Transcripts written before footers held per-agent tokens: add up the messages.
    from .prices import cost_of
    from .transcript import read_transcript

    t = read_transcript(path)
    models = {a.name: (a.provider, a.model) for a in t.header.agents}
    total = 0.0
    for m in t.messages:
        if m.speaker not in models or m.scripted:
            continue
        c = cost_of(*models[m.speaker], m.prompt_tokens or 0, m.completion_tokens or 0, prices)
        if c is None:
            return None
        total += c
    return total


def run_planned(sweep: Sweep, runs: list[RunSpec], out: Path, *, concurrency: int = 4, retry_failed: bool = False,
                make_provider: "ProviderFactory | None" = None, workers: int | None = None,
                runtime: str = "sequential", backend: "Backend" = "local", address: str | None = None,
                shard: "Shard | None" = None, cache: Path | None = None, max_cost: float | None = None,
                listener: SweepListener | None = None) -> list[RunOutcome]:
    """Run (or resume) ``runs`` of ``sweep`` into ``out`` holding the folder's lock alone; one outcome per
    planned run that ran or was resumed, in plan order. ``shard`` is recorded in the manifest (``runs`` is then
    that shard's); ``cache``: the call cache's folder; ``max_cost``: the most this invocation may spend, in US
    dollars (runs it would pass are not started, and have no outcome); ``workers`` None: chosen for the runs
    (:func:`simulator.executor.workers_for`)."""
    budget = budget_for(sweep, runs, max_cost) if max_cost is not None else None
    if cache is not None:
        ensure_dir(cache)
    if backend == "ray" and workers is not None and workers > 1:
        raise IngroupError("--workers is for the local backend; on Ray each conversation is a task (size the "
                           "cluster with ray start --num-cpus)", field="--workers")
    if backend not in BACKENDS:
        raise IngroupError(f"unknown backend {backend!r} ({' or '.join(BACKENDS)})", field="--backend")
    with folder_locked(out, shared=False):
        return _run_locked(sweep, runs, out, concurrency=concurrency, retry_failed=retry_failed,
                           make_provider=make_provider, workers=workers, runtime=runtime, backend=backend,
                           address=address, shard=shard, cache=cache, budget=budget,
                           listener=listener or SweepListener())


def budget_for(sweep: Sweep, runs: list[RunSpec], max_cost: float) -> "Budget":
    """The ``--max-cost`` budget over these runs' planned costs; refused when a model has no price."""
    from .budget import Budget
    from .sweep import run_cost_estimates

    if max_cost < 0:
        raise IngroupError(f"--max-cost must be 0 or more, not {max_cost:g}", field="--max-cost")
    estimates, unpriced = run_cost_estimates(sweep, runs)
    if unpriced:
        raise IngroupError(f"--max-cost: no price known for {', '.join(unpriced)}, so its runs cannot be "
                           "budgeted; give its price under prices: in the sweep file", file=sweep.file,
                           field="prices")
    return Budget(max_cost, estimates)


def _run_locked(sweep: Sweep, runs: list[RunSpec], out: Path, *, concurrency: int, retry_failed: bool,
                make_provider: "ProviderFactory | None", workers: int | None, runtime: str, backend: "Backend",
                address: str | None, shard: "Shard | None", cache: Path | None, budget: "Budget | None",
                listener: SweepListener) -> list[RunOutcome]:
    from .blocking import run_blocking
    from .executor import ExecOptions, Executor, already_done, transcript_state, workers_for
    from .executor import survey as survey_of
    from .run import default_provider_factory

    survey = survey_of(out, runs)
    # Workers for what is left to do: a resumed sweep with one run to go runs it in this process.
    todo = [r for r in runs if not already_done(*survey[r.run_id], retry_failed)]
    workers, why = workers_for(todo, workers) if backend == "local" else (1, None)
    if why:
        listener.note(why)
    options = ExecOptions(concurrency=concurrency, limits=sweep.limits(), retry_failed=retry_failed,
                          workers=workers, runtime=runtime, backend=backend, address=address,  # type: ignore[arg-type]
                          cache_dir=cache, prices=sweep.price_table(), budget=budget)
    check_out_dir(out, runs, sweep.name, survey, shard)
    write_manifest(out, sweep, runs, shard)
    tally = Tally(planned=len(runs))
    prices = sweep.price_table()
    planned = {r.run_id: r for r in runs}
    listener.begin(sweep.name, len(runs), out)

    def on_message(msg: Message) -> None:
        tally.tokens += (msg.prompt_tokens or 0) + (msg.completion_tokens or 0)
        listener.progress(tally)

    def on_outcome(o: RunOutcome) -> None:
        tally.finished += 1
        tally.failed += o.status == "failed"
        tally.resumed += o.status == "skipped"
        if not options.streams_messages:  # worker processes and Ray tasks report per run, not per message
            tally.tokens += o.prompt_tokens + o.completion_tokens
        if o.cost_recorded or o.by_agent is not None or o.path.exists():
            try:
                c = o.cost_usd if o.cost_recorded else run_cost(o, planned[o.run_id], prices)
            except Exception:  # the tally is a convenience; a malformed old file must not stop the sweep
                c = None
            if c is None:
                tally.cost_known = False
            else:
                tally.cost_usd += c
        listener.progress(tally)

    executor = Executor(out, make_provider or default_provider_factory(), options, on_outcome=on_outcome,
                        on_message=on_message if options.streams_messages else None, on_started=listener.started,
                        on_note=listener.note)
    try:
        return run_blocking(lambda: executor.run(runs, survey))
    except KeyboardInterrupt:
        done = sum(transcript_state(out / f"{r.run_id}.jsonl") == "complete" for r in runs)
        listener.interrupted(done, len(runs))
        raise


def plan_of(path: str | Path, *, embedded: bool = False, max_turns: int | None = None,
            shard: "str | Shard | None" = None) -> tuple[Sweep, list[RunSpec], "Shard | None"]:
    """A sweep file's loaded sweep and planned runs (only the shard's, with ``shard="K/N"``)."""
    from .plan import Shard
    from .sweep import expand, load_sweep

    sweep = load_sweep(path)
    runs = expand(sweep, embedded=embedded, max_turns=max_turns)
    chosen = Shard.parse(shard) if isinstance(shard, str) else shard
    return sweep, (chosen.select(runs) if chosen is not None else runs), chosen


def run_sweep(path: str | Path, out: str | Path | None = None, *, embedded: bool = False,
              max_turns: int | None = None, concurrency: int = 4, retry_failed: bool = False,
              make_provider: "ProviderFactory | None" = None, workers: int | None = None,
              runtime: str = "sequential", shard: "str | Shard | None" = None, backend: "Backend" = "local",
              address: str | None = None,
              cache: str | Path | None = None, max_cost: float | None = None,
              listener: SweepListener | None = None) -> list[RunOutcome]:
    """Python API behind ``ingroup sweep`` (for notebooks): run or resume a sweep (or one shard of it,
    ``shard="2/3"``) into ``out`` (default ``transcripts/<sweep name>``), return its outcomes (a run
    ``max_cost`` kept from starting has none)."""
    sweep, runs, chosen = plan_of(path, embedded=embedded, max_turns=max_turns, shard=shard)
    out_dir = Path(out) if out is not None else Path("transcripts") / sweep.name
    return run_planned(sweep, runs, out_dir, concurrency=concurrency, retry_failed=retry_failed,
                       make_provider=make_provider, workers=workers, runtime=runtime, backend=backend,
                       address=address, shard=chosen, cache=Path(cache) if cache is not None else None,
                       max_cost=max_cost, listener=listener)
