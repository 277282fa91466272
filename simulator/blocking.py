"""Running a coroutine to the end from plain code, whether or not an event loop is already running.

``asyncio.run`` refuses to start inside a running loop, and a notebook (Jupyter, IPython) always has one;
there the blocking forms of the API (``run_scenario``, ``run_sweep``) run the coroutine on a fresh loop in
one worker thread and wait for it. The awaitable forms (``arun_scenario``, ``arun_sweep``) are for callers
that want their own loop to keep running meanwhile.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Awaitable, Callable, TypeVar

T = TypeVar("T")


def run_blocking(make: Callable[[], Awaitable[T]]) -> T:
    """``asyncio.run(make())``, or the same on a worker thread when this thread's loop is running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(make())  # type: ignore[arg-type]
    with ThreadPoolExecutor(1, thread_name_prefix="ingroup-run") as pool:
        return pool.submit(lambda: asyncio.run(make())).result()  # type: ignore[arg-type]


__all__ = ["run_blocking"]
