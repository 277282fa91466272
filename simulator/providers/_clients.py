"""SDK clients shared by every conversation running in one event loop.

Building an SDK client builds an SSL context (about 30 ms of CPU) and a fresh connection pool. A sweep of
thousands of conversations must not pay that per conversation, and a shared pool keeps connections alive
across conversations. Clients are keyed by the running loop, so separate ``asyncio.run`` calls (tests, the
CLI) never share a client bound to a closed loop. The executor closes them when a run ends.

The transport is aiohttp when it is installed: the SDKs offer it (``DefaultAioHttpClient``) for high
concurrency, and it costs about half the CPU per request of the default transport.
"""

from __future__ import annotations

import asyncio
from typing import Any, Callable

_clients: dict[int, dict[tuple[Any, ...], Any]] = {}


def http_client(sdk: Any, timeout: float) -> Any | None:
    """The SDK's aiohttp-backed HTTP client with generous connection limits, or None for the SDK default."""
    try:
        import aiohttp  # noqa: F401
        import httpx2
    except ImportError:
        return None
    limits = httpx2.Limits(max_connections=1000, max_keepalive_connections=1000)
    return sdk.DefaultAioHttpClient(timeout=timeout, limits=limits)


def shared(key: tuple[Any, ...], factory: Callable[[], Any]) -> Any:
    loop_id = id(asyncio.get_running_loop())
    per_loop = _clients.setdefault(loop_id, {})
    client = per_loop.get(key)
    if client is None:
        client = per_loop[key] = factory()
    return client


async def close_shared_clients() -> None:
    """Close the clients of the running loop (called by the executor when its runs are done)."""
    per_loop = _clients.pop(id(asyncio.get_running_loop()), {})
    for client in per_loop.values():
        try:
            await client.close()
        except Exception:
            pass
