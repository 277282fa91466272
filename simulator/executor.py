"""Many conversations at once, with per-provider limits, retries, and resume.

Resume rule: a run whose transcript has a footer is done and skipped; a transcript without a footer
(the process died mid-run) is moved aside to ``.partial/`` (kept, never deleted) and the run is redone.
So running the same plan again ends with exactly one complete transcript per planned run.
"""

from __future__ import annotations

import asyncio
import math
import multiprocessing
import os
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Literal

from .budget import Budget
from .choices import BACKENDS as BACKENDS  # re-exported, with Backend and Limits: the options below use them
from .choices import Backend as Backend
from .conversation.orchestrator import (
    ConversationResult,
    ProviderFactory,
    Runtime,
    run_conversation,
    shared_scenario_records,
)
from .errors import IngroupError
from .files import ensure_subdir
from .plan import RUN_ID as RUN_ID  # re-exported: callers of the executor name it here
from .plan import Limits as Limits
from .plan import RunSpec, check_run_ids
from .providers._clients import client_pool
from .providers.cache import CallCache
from .retry import RateLimiter, RetryPolicy
from .scenario import AgentSpec
from .transcript import AgentTokens, Footer, Message, State, transcript_status
from .transcript import state_of as state_of  # re-exported, with transcript_state: one rule, kept there
from .transcript import transcript_state as transcript_state

Survey = dict[str, tuple[State, "Footer | None"]]
"""Run id -> its transcript's state and footer (:meth:`Executor.survey`)."""


@dataclass
class ExecOptions:
    """How a plan of runs is executed: concurrency, limits, retries, runtime, backend, workers, cache and budget."""

    concurrency: int = 8
    """Conversations in flight at once."""
    limits: dict[str, Limits] = field(default_factory=dict)
    """Per provider kind ("openai", "anthropic", ...): concurrent requests and requests per minute."""
    retry: RetryPolicy | None = None
    retry_failed: bool = False
    """Also redo runs that ended with an error footer (the failed transcript is moved to ``.failed/``)."""
    fsync: bool = True
    runtime: Runtime = "sequential"
    """How each conversation runs on autogen-agentchat (``simulator.choices.RUNTIMES``)."""
    backend: Backend = "local"
    """Where conversations run: ``local`` (this process and its worker processes) or ``ray`` (one Ray task
    per conversation, ``simulator.ray_backend``)."""
    address: str | None = None
    """The Ray cluster to join (``host:port`` of its head); None starts or finds a local one."""
    workers: int = 1
    """Worker processes. One event loop tops out at a few hundred model calls per second (SDK request
    building and parsing and the autogen runtime are CPU-bound), so large sweeps spread conversations over
    cores. Concurrency and provider limits are divided among the workers; ``on_message`` is not called."""
    cache_dir: Path | None = None
    """The call cache's folder (``--cache``): replies found there are not asked for again."""
    prices: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Prices on top of ``simulator/prices.py`` for the footers' cost (a sweep's ``prices:``)."""
    budget: Budget | None = None
    """``--max-cost``: a run whose planned cost would take the spending past the cap is not started. Split
    evenly among worker processes."""

    @property
    def streams_messages(self) -> bool:
        """Whether ``on_message`` is called: only for conversations run in this process."""
        return self.backend == "local" and self.workers <= 1


@dataclass
class RunOutcome:
    """What became of one planned run: done, skipped (complete already) or failed, with its footer's figures."""

    run_id: str
    status: Literal["done", "skipped", "failed"]
    path: Path
    turns: int = 0
    stop_reason: str | None = None
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    by_agent: dict[str, AgentTokens] | None = None
    """Tokens per speaker from the footer (None for transcripts written before footers held them)."""
    cost_usd: float | None = None
    """The footer's cost (cached replies count 0); None when unknown or not recorded (``cost_recorded``)."""
    cost_recorded: bool = False
    """The footer records a cost (files written before /4 do not: their cost is worked out from tokens)."""
    cached_calls: int = 0

    @classmethod
    def of(cls, run_id: str, status: Literal["done", "skipped", "failed"], path: Path, footer: Footer,
           error: str | None = None) -> "RunOutcome":
        """The outcome of a run from its transcript's footer."""
        return cls(run_id, status, path, footer.turns, footer.stop_reason, error or footer.error,
                   footer.prompt_tokens, footer.completion_tokens, footer.by_agent, footer.cost_usd,
                   footer.prices_as_of is not None, footer.cached_calls)


def failure_text(o: RunOutcome) -> str:
    """One line for a failed run: the provider's error, or for a crash (ingroup itself raised) the
    exception's last line and where the whole traceback is."""
    if o.stop_reason == "crash" and o.error:
        last = o.error.strip().splitlines()[-1]
        return f"crashed (a bug in ingroup, please report it): {last}; the traceback is in the transcript footer"
    return o.error or "see its transcript footer"


def _move_aside(path: Path, folder: str) -> Path:
    dest_dir = ensure_subdir(path.parent, folder)
    n = 1
    while (dest := dest_dir / f"{path.stem}.{n}.jsonl.{folder.strip('.')}").exists():
        n += 1
    os.replace(path, dest)
    return dest


def workers_for(runs: list[RunSpec], asked: int | None) -> tuple[int, str | None]:
    """The worker processes to use and, when not what was asked, why. ``asked`` None: one process, unless the
    runs use the embedded (in-process) model; then one worker per core (at most one per group of ``runs``: pass
    the runs still to do), each running the model on its share of the cores (``cores // workers`` threads): a
    second thread makes the tiny model's tokens 1.6x faster, not 2x, so two processes of one thread beat one
    process of two (docs/sweeps.md has the figures)."""
    from .providers import cpu_count

    if not any(a.provider == "embedded" for r in runs for a in r.scenario.agents):
        return asked or 1, None
    cores = cpu_count()
    fit = max(1, min(cores, len(run_groups(runs))))
    if asked is None:
        if fit == 1:
            return 1, None
        return fit, (f"embedded model: {fit} worker process(es) on this {cores}-core machine, each running the "
                     f"model with {cores // fit} thread(s) (--workers 1 for one process)")
    if asked <= cores:
        return asked, None
    return fit, (f"embedded model: {fit} worker process(es) instead of {asked} on this {cores}-core machine "
                 f"({cores // fit} thread(s) each)")


def already_done(state: State, footer: "Footer | None", retry_failed: bool) -> bool:
    """Whether a run whose transcript is in this state is not run again: it finished, or it failed for good
    and ``--retry-failed`` was not given (a transcript without its footer is redone)."""
    return footer is not None and (state == "complete" or (state == "failed" and not retry_failed))


def survey(out_dir: Path, runs: list[RunSpec]) -> Survey:
    """Each planned run's transcript state and footer, from the last line of its file (reads only)."""
    check_run_ids(runs)
    base = os.fspath(out_dir)
    return {r.run_id: transcript_status(os.path.join(base, r.run_id + ".jsonl")) for r in runs}


def run_groups(runs: list[RunSpec]) -> list[list[RunSpec]]:
    """The runs grouped by :attr:`RunSpec.group_key`, in plan order: a chain's links stay together, in
    order, and go to one worker; every other run is a group of one."""
    groups: dict[str, list[RunSpec]] = {}
    for r in runs:
        groups.setdefault(r.group_key, []).append(r)
    return list(groups.values())


class Executor:
    """Runs a plan of conversations into one folder, resuming where an earlier execution stopped."""

    def __init__(self, out_dir: str | Path, make_provider: ProviderFactory, options: ExecOptions | None = None,
                 on_outcome: Callable[[RunOutcome], None] | None = None,
                 on_message: Callable[[Message], None] | None = None,
                 on_started: Callable[[], None] | None = None,
                 on_note: Callable[[str], None] | None = None) -> None:
        self.out_dir = Path(out_dir)
        self.make_provider = make_provider
        self.options = options or ExecOptions()
        self.on_outcome = on_outcome
        self.on_message = on_message
        self.on_started = on_started
        """Called once the plan is checked and any worker processes are running (a progress display starts
        here: its refresh thread would otherwise keep the workers from being forked)."""
        self.on_note = on_note
        """Told what the user should know about where the conversations ran (the Ray backend's nodes)."""
        self._limiters: dict[str, RateLimiter] = {}
        self.worker_stats: list[dict[str, float]] = []
        """Per worker process, once it is done: CPU seconds used and peak resident memory (MB)."""

    def _limiter_for(self, spec: AgentSpec) -> RateLimiter | None:
        lim = self.options.limits.get(spec.provider)
        if lim is None:
            return None
        key = f"{spec.provider}|{spec.base_url or ''}"
        if key not in self._limiters:
            self._limiters[key] = RateLimiter(lim.concurrency, lim.rpm)
        return self._limiters[key]

    def survey(self, runs: list[RunSpec]) -> Survey:
        """Each planned run's transcript state in the output folder (see :func:`survey`)."""
        return survey(self.out_dir, runs)

    def pending(self, runs: list[RunSpec], survey: Survey | None = None
                ) -> tuple[list[RunSpec], list[RunOutcome]]:
        """Split the plan into runs still to do and outcomes of runs already done (moving partials aside).
        ``survey`` is :meth:`survey` of the same plan, when the caller has read it already."""
        if survey is None:
            survey = self.survey(runs)
        todo: list[RunSpec] = []
        done: list[RunOutcome] = []
        for r in runs:
            state, footer = survey[r.run_id]
            if state == "absent":
                todo.append(r)
                continue
            path = self.out_dir / f"{r.run_id}.jsonl"
            if already_done(state, footer, self.options.retry_failed):
                assert footer is not None
                if state == "complete":
                    done.append(RunOutcome.of(r.run_id, "skipped", path, footer))
                else:
                    # Still failed for good: a resumed sweep must not count it as done (nor exit 0).
                    done.append(RunOutcome.of(r.run_id, "failed", path, footer,
                                              footer.error or "failed in an earlier run (--retry-failed redoes it)"))
                continue
            if state == "partial":
                _move_aside(path, ".partial")
            elif state == "failed":
                _move_aside(path, ".failed")
            todo.append(r)
        return todo, done

    async def preflight(self, runs: list[RunSpec]) -> None:
        """Set up each distinct provider once, so a missing key or a request a model would refuse on every
        call (``providers.anthropic.check_thinking``) fails before any transcript is written."""
        seen: set[tuple[str, str, str, str, str]] = set()
        for r in runs:
            for a in r.scenario.agents:
                key = (a.provider, a.model, a.base_url or "", a.api_key_env or "", a.sampling.model_dump_json())
                if key in seen:
                    continue
                seen.add(key)
                provider = self.make_provider(a)
                await provider.aclose()

    async def run(self, runs: list[RunSpec], survey: Survey | None = None) -> list[RunOutcome]:
        """Run every planned run not done yet and return every run's outcome, in plan order."""
        todo, outcomes = self.pending(runs, survey)
        await self.preflight(todo)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        for o in outcomes:
            if self.on_outcome:
                self.on_outcome(o)
        if self.options.backend == "ray":
            from .ray_backend import run_on_ray

            outcomes += await run_on_ray(self, todo)
        elif self.options.workers > 1 and len(todo) > 1:
            outcomes += await self._run_in_workers(todo)
        else:
            if self.on_started:
                self.on_started()
            outcomes += await self.run_here(todo)
        order = {r.run_id: i for i, r in enumerate(runs)}
        return sorted(outcomes, key=lambda o: order[o.run_id])

    async def run_here(self, todo: list[RunSpec]) -> list[RunOutcome]:
        """Run these runs (already checked: no transcript of theirs exists) in this process, on this loop.
        Each worker process and each Ray task ends up here too: one way of writing a transcript."""
        sem = asyncio.Semaphore(max(1, self.options.concurrency))
        cache = CallCache(self.options.cache_dir) if self.options.cache_dir is not None else None
        budget = self.options.budget

        async def one(r: RunSpec) -> RunOutcome | None:
            if r.chain is not None and r.chain.previous is not None:
                prev_state = transcript_state(self.out_dir / f"{r.chain.previous}.jsonl")
                if prev_state != "complete":
                    o = RunOutcome(r.run_id, "failed", self.out_dir / f"{r.run_id}.jsonl", error=(
                        f"not run: the previous run of its chain ({r.chain.previous}) is {prev_state}, so there "
                        "are no notes to start from"))
                    if self.on_outcome:
                        self.on_outcome(o)
                    return o
            async with sem:
                # Checked when the run would start, not when it was queued: by then the runs before it
                # have settled what they cost.
                if budget is not None and not budget.admit(r.run_id):
                    return None
                try:
                    res: ConversationResult = await run_conversation(
                        r, self.out_dir, self.make_provider, limiter_for=self._limiter_for,
                        retry=self.options.retry, on_message=self.on_message, fsync=self.options.fsync,
                        runtime=self.options.runtime, cache=cache, prices=self.options.prices)
                except IngroupError as exc:
                    if r.branch_of is None:
                        raise
                    # The earlier branch is unfinished or failed: nothing is written, a resume tries again.
                    if budget is not None:
                        budget.settle(r.run_id, 0.0)
                    o = RunOutcome(r.run_id, "failed", self.out_dir / f"{r.run_id}.jsonl", error=exc.message)
                    if self.on_outcome:
                        self.on_outcome(o)
                    return o
                if budget is not None:
                    budget.settle(r.run_id, res.footer.cost_usd)
            f = res.footer
            o = RunOutcome.of(r.run_id, "failed" if f.failed else "done", res.path, f)
            if self.on_outcome:
                self.on_outcome(o)
            return o

        async def in_order(group: list[RunSpec]) -> list[RunOutcome]:
            # The links of a chain one after another: each starts from the notes the one before wrote. A link
            # the budget does not start ends the chain there (the later links have no notes to start from).
            done: list[RunOutcome] = []
            for r in group:
                o = await one(r)
                if o is None:
                    break
                done.append(o)
            return done

        with shared_scenario_records():
            async with client_pool():
                return [o for chain in await asyncio.gather(*(in_order(g) for g in run_groups(todo))) for o in chain]

    async def _run_in_workers(self, todo: list[RunSpec]) -> list[RunOutcome]:
        ctx, forked = _worker_context()
        if not forked:
            # The fork server imports the heavy modules once (about 2 s) and forks clean workers from that state.
            ctx.set_forkserver_preload(["simulator.executor", *sorted(_provider_modules(todo))])
        groups = run_groups(todo)
        n = min(self.options.workers, len(groups))
        per = lambda v: None if v is None else max(1, math.ceil(v / n))  # noqa: E731
        options = replace(self.options, workers=1, concurrency=max(1, math.ceil(self.options.concurrency / n)),
                          limits={k: Limits(per(v.concurrency), v.rpm / n if v.rpm else None)
                                  for k, v in self.options.limits.items()},
                          budget=self.options.budget.share(n) if self.options.budget is not None else None)
        queue = ctx.Queue()
        procs = [ctx.Process(target=_worker_main, args=(str(self.out_dir), self.make_provider, options,
                                                         [r for g in groups[i::n] for r in g], queue, os.getpid(),
                                                         forked, n), daemon=True)
                 for i in range(n)]
        for p in procs:
            p.start()
        if self.on_started:
            self.on_started()
        outcomes: list[RunOutcome] = []
        finished, error = 0, None
        loop = asyncio.get_running_loop()
        try:
            while finished < n:
                kind, payload = await loop.run_in_executor(None, queue.get)
                if kind == "outcome":
                    outcomes.append(payload)
                    if self.on_outcome:
                        self.on_outcome(payload)
                elif kind == "error":
                    error = payload if error is None else error
                    finished += 1
                elif kind == "done":
                    self.worker_stats.append(payload)
                    finished += 1
        finally:
            for p in procs:
                p.join(timeout=5)
                if p.is_alive():
                    p.kill()
            # Unblocks the reader thread if the loop above was cancelled (Ctrl-C) or a worker died silently:
            # asyncio.run waits for that thread before it returns.
            queue.put(("stop", None))
        if error is not None:
            raise IngroupError(f"a worker process failed: {error}")
        return outcomes


def _worker_context() -> tuple[Any, bool]:  # a ForkContext or ForkServerContext
    """Plain fork when it is safe, else a fork server; and whether it is plain fork.

    Plain fork starts a worker in milliseconds with everything already imported, where a fork server first
    spends about 2 s importing (a tenth of a 1,000-conversation sweep). It is safe when this process has a
    single thread: no other thread can hold a lock the child would inherit held. The running event loop is
    inherited too; the child sets it aside before starting its own (``_worker_main``)."""
    if _single_threaded() and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork"), True
    return multiprocessing.get_context("forkserver"), False


def _single_threaded() -> bool:
    # Native threads count too (a loaded llama.cpp model keeps its own), and Python does not list them.
    try:
        return len(os.listdir("/proc/self/task")) == 1
    except OSError:
        return threading.active_count() == 1


def _provider_modules(runs: list[RunSpec]) -> set[str]:
    kinds = {a.provider for r in runs for a in r.scenario.agents}
    return {f"simulator.providers.{k}" for k in kinds if k in ("openai", "anthropic", "embedded")}


def _die_with_parent(sweep_pid: int) -> None:
    """A worker must never outlive the sweep process: a resumed sweep would race it for the same files.

    The worker's parent is the fork server, which only notices the sweep's death after a while, so a thread
    watches the sweep process itself (a pidfd becomes readable the moment it exits) and ends the worker at
    once, whatever it is writing; the resumed sweep moves that partial file aside."""
    import select

    try:
        fd = os.pidfd_open(sweep_pid)
    except ProcessLookupError:
        os._exit(1)
    except (AttributeError, OSError):
        fd = None

    def watch() -> None:
        if fd is not None:
            select.select([fd], [], [])
        else:
            while True:
                try:
                    os.kill(sweep_pid, 0)
                except ProcessLookupError:
                    break
                threading.Event().wait(0.05)
        os._exit(1)

    threading.Thread(target=watch, name="ingroup-parent-watch", daemon=True).start()


def _worker_main(out_dir: str, make_provider: ProviderFactory, options: ExecOptions, runs: list[RunSpec],
                 queue: "multiprocessing.Queue", parent_pid: int, forked: bool = False, n_workers: int = 1) -> None:
    import gc
    import logging
    import signal

    from .providers import set_process_share

    if forked:
        # Forked from inside the sweep's event loop: forget that loop (Python 3.12+ does this itself at fork)
        # and take back Ctrl-C, which asyncio.run in the parent had routed to its own loop (unless the sweep
        # ignores it, as a background job does: then the worker ignores it too).
        asyncio.events._set_running_loop(None)
        if signal.getsignal(signal.SIGINT) not in (signal.SIG_IGN, signal.SIG_DFL, None):
            signal.signal(signal.SIGINT, signal.default_int_handler)
    _die_with_parent(parent_pid)
    set_process_share(n_workers)  # in-process models split the cores between the workers

    # The preloaded modules never die: keep the collector from walking them, and collect young objects less
    # often (each conversation allocates many short-lived messages; full passes show as pauses mid-turn).
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)

    logging.getLogger("autogen_core").setLevel(logging.CRITICAL)
    try:
        ex = Executor(out_dir, make_provider, options, on_outcome=lambda o: queue.put(("outcome", o)))
        asyncio.run(ex.run(runs))
    except BaseException as exc:  # reported to the parent, which raises it as one readable error
        queue.put(("error", f"{type(exc).__name__}: {exc}".rstrip(": ")))
        return
    import resource

    usage = resource.getrusage(resource.RUSAGE_SELF)
    queue.put(("done", {"cpu_s": usage.ru_utime + usage.ru_stime, "max_rss_mb": usage.ru_maxrss / 1024}))

