"""The Ray backend (``--backend ray``): each conversation is one Ray task on a cluster.

The driver (the sweep process) does everything that decides what runs: it holds the folder lock, surveys
the transcripts, moves unfinished ones aside and checks the plan, exactly as for a local sweep. Each task
then runs one conversation through :meth:`simulator.executor.Executor.run_here`, the same code a local
sweep uses, and writes its transcript straight into the sweep's folder with the same exclusive-create and
fsync rules; so a folder shared by the nodes (NFS, a cluster file system) resumes exactly as a local one.
Tasks are never retried by Ray: a task lost with its node leaves a transcript without a footer, which the
next run of the sweep moves to ``.partial/`` and redoes. Ray is an optional extra (``ingroup[ray]``).
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from .errors import IngroupError

if TYPE_CHECKING:
    from .conversation.orchestrator import ProviderFactory
    from .executor import ExecOptions, Executor, RunOutcome
    from .plan import RunSpec


def _ray() -> Any:
    try:
        import ray
    except ImportError:
        raise IngroupError("the Ray backend needs Ray: pip install 'ingroup[ray]' (ray==2.60.0)",
                           field="--backend") from None
    return ray


def connect(address: str | None) -> tuple[Any, bool]:
    """The ``ray`` module, connected to the cluster at ``address`` (None: a local Ray, started if needed),
    and whether this call connected (and so should disconnect)."""
    ray = _ray()
    if ray.is_initialized():
        return ray, False  # a notebook connected already: use its cluster and leave it connected
    if address is not None:
        _check_reachable(address)
    import simulator

    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # a local Ray started here reports nowhere
    # The tasks import this very copy of simulator (shipped to the cluster by Ray), not whatever version the
    # nodes have installed: a transcript must come from the code the driver planned with.
    env = {"py_modules": [os.path.dirname(simulator.__file__)]}
    try:
        ray.init(address=address, runtime_env=env, logging_level=logging.ERROR, log_to_driver=False,
                 configure_logging=True)
    except ConnectionError as exc:
        raise IngroupError(f"cannot reach the Ray cluster at {address}: {str(exc).splitlines()[0]}",
                           field="--address") from None
    return ray, True


def _check_reachable(address: str) -> None:
    # ray.init retries an address that does not answer for a minute or more; a head that is not listening
    # is one clear error at once.
    host, sep, port = address.rpartition(":")
    if not sep or "://" in address or not port.isdigit():
        return  # "auto", a ray:// client address: Ray's own rules
    import socket

    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=5):
            pass
    except OSError as exc:
        raise IngroupError(f"cannot reach the Ray cluster at {address} ({exc.strerror or exc}); is its head "
                           "started (ray start --head)?", field="--address") from None


def _run_task(out_dir: str, make_provider: "ProviderFactory", options: "ExecOptions",
              runs: list["RunSpec"]) -> tuple[list["RunOutcome"], str]:
    # Runs on a Ray worker: one group of runs (usually one run), one after another in plan order, each
    # through the local executor's code on a fresh event loop.
    import ray

    from .executor import Executor

    ex = Executor(out_dir, make_provider, options)
    outcomes = [o for r in runs for o in asyncio.run(ex.run_here([r]))]
    return outcomes, ray.get_runtime_context().get_node_id()


async def run_on_ray(ex: "Executor", todo: list["RunSpec"]) -> list["RunOutcome"]:
    """Run ``todo`` (already checked by ``ex.pending``) as Ray tasks, one per group of runs (``RunSpec.group``:
    runs that must run in order stay in one task; ungrouped runs are a task each), at most
    ``ex.options.concurrency`` in flight; each outcome goes to ``ex.on_outcome`` as it arrives."""
    if ex.on_started:
        ex.on_started()
    if not todo:
        return []  # a resumed sweep with nothing left to do needs no cluster
    ray, connected = connect(ex.options.address)
    try:
        task = ray.remote(num_cpus=1, max_retries=0)(_run_task)
        options = replace(ex.options, backend="local", workers=1, concurrency=1)
        shared = [ray.put(str(ex.out_dir.resolve())), ray.put(ex.make_provider), ray.put(options)]
        groups: dict[str, list[RunSpec]] = {}
        for r in todo:
            groups.setdefault(r.group_key, []).append(r)
        queue = list(groups.values())
        inflight: dict[asyncio.Future, tuple[Any, list[RunSpec]]] = {}
        outcomes: list[RunOutcome] = []
        nodes: set[str] = set()
        error: str | None = None
        try:
            while queue or inflight:
                while queue and len(inflight) < max(1, ex.options.concurrency):
                    group = queue.pop(0)
                    ref = task.remote(*shared, group)
                    inflight[asyncio.wrap_future(ref.future())] = (ref, group)
                done, _ = await asyncio.wait(inflight, return_when=asyncio.FIRST_COMPLETED)
                for fut in done:
                    _, group = inflight.pop(fut)
                    try:
                        done_here, node = fut.result()
                    except Exception as exc:  # a task that died (its node, or ingroup itself): reported at the end
                        from .secrets import redact

                        lines = str(exc).strip().splitlines() or [type(exc).__name__]
                        error = error or f"{group[0].run_id}: {redact(lines[-1])}"
                        continue
                    nodes.add(node)
                    for o in done_here:
                        outcomes.append(o)
                        if ex.on_outcome:
                            ex.on_outcome(o)
        finally:
            # Interrupted (Ctrl-C) or failed: no task may go on writing into the folder once the lock is let go.
            for ref, _ in inflight.values():
                ray.cancel(ref, force=True)
        if ex.on_note:
            alive = sum(1 for n in ray.nodes() if n.get("Alive"))
            ex.on_note(f"ray: {len(outcomes)} conversation(s) ran as tasks on {len(nodes)} of the cluster's "
                       f"{alive} node(s)")
        if error is not None:
            raise IngroupError(f"a Ray task failed: {error}; run the sweep again to redo it")
        return outcomes
    finally:
        if connected:
            ray.shutdown()

