"""SDK clients shared by the conversations of one executor run.

Building an SDK client builds an SSL context (about 30 ms of CPU) and a fresh connection pool. A sweep of
thousands of conversations must not pay that per conversation, and a shared pool keeps connections alive
across conversations. The executor opens a pool for the duration of its run (``client_pool``); providers
used outside one (a single call from a notebook, a test) get a client of their own, closed by ``aclose``.

The transport is aiohttp when it is installed: the SDKs offer it (``DefaultAioHttpClient``) for high
concurrency, and it costs about half the CPU per request of their default transport.
"""

from __future__ import annotations

import contextlib
import contextvars
from typing import Any, AsyncIterator, Callable

_POOL: contextvars.ContextVar[dict[tuple[Any, ...], Any] | None] = contextvars.ContextVar("ingroup_clients",
                                                                                        default=None)


def http_client(sdk: Any, timeout: float) -> Any | None:
    """The SDK's aiohttp-backed HTTP client with generous connection limits, or None for the SDK default."""
    try:
        import aiohttp  # noqa: F401
        import httpx2
    except ImportError:
        return None
    limits = httpx2.Limits(max_connections=1000, max_keepalive_connections=1000)
    return sdk.DefaultAioHttpClient(timeout=timeout, limits=limits)


class ClientHandle:
    """What a provider holds: the pooled client when a pool is open, else its own (closed by ``aclose``)."""

    def __init__(self, key: tuple[Any, ...], factory: Callable[[], Any]) -> None:
        self._key = key
        self._factory = factory
        self._own: Any | None = None

    def get(self) -> Any:
        pool = _POOL.get()
        if pool is not None:
            client = pool.get(self._key)
            if client is None:
                client = pool[self._key] = self._factory()
            return client
        if self._own is None:
            self._own = self._factory()
        return self._own

    async def aclose(self) -> None:
        if self._own is not None:
            own, self._own = self._own, None
            await own.close()


@contextlib.asynccontextmanager
async def client_pool() -> AsyncIterator[None]:
    """Share SDK clients among all providers created and used inside this block; close them at the end."""
    pool: dict[tuple[Any, ...], Any] = {}
    token = _POOL.set(pool)
    try:
        yield
    finally:
        _POOL.reset(token)
        for client in pool.values():
            try:
                await client.close()
            except Exception:
                pass
