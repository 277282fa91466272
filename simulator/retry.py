"""Retries with backoff, and per-provider limits on concurrent requests and requests per minute.

Providers raise :class:`TransientError` for 429, 5xx, timeouts and dropped connections; this module is the
one place that decides how long to wait and how often to try again.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from typing import Awaitable, Callable, TypeVar

from .providers.base import TransientError

T = TypeVar("T")


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long a provider call is retried: attempts, exponential back-off with full jitter, a cap, and a
    per-attempt deadline."""

    max_attempts: int = 6
    base_s: float = 0.5
    cap_s: float = 30.0
    timeout_s: float = 120.0
    """Per-attempt deadline: a hung request becomes a retryable timeout."""

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before attempt ``attempt + 1``: the server's Retry-After if given (capped), else full
        jitter."""
        if retry_after is not None:
            return min(max(retry_after, 0.0), self.cap_s)
        # Full jitter: spreads retries of many conversations that failed together.
        return rng.uniform(0, min(self.cap_s, self.base_s * (2 ** (attempt - 1))))


class RateLimiter:
    """Caps concurrent requests and requests per minute for one provider endpoint."""

    def __init__(self, concurrency: int | None = None, rpm: float | None = None) -> None:
        self._sem = asyncio.Semaphore(concurrency) if concurrency else None
        self._interval = 60.0 / rpm if rpm else 0.0
        self._next = 0.0
        self._lock = asyncio.Lock() if rpm else None

    async def __aenter__(self) -> "RateLimiter":
        if self._sem is not None:
            await self._sem.acquire()
        if self._lock is not None:
            async with self._lock:
                now = time.monotonic()
                wait = self._next - now
                self._next = max(now, self._next) + self._interval
            if wait > 0:
                await asyncio.sleep(wait)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._sem is not None:
            self._sem.release()


@dataclass
class CallStats:
    """What retrying one call took (attempts made), for the transcript's provenance."""

    attempts: int = 0


async def call_with_retry(
    fn: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    limiter: RateLimiter | None = None,
    rng: random.Random | None = None,
    stats: CallStats | None = None,
) -> T:
    """Await ``fn`` under ``policy``: retry retryable provider errors and timeouts, wait for the rate limiter, and
    raise the last error when attempts run out."""
    rng = rng or random.Random()
    stats = stats if stats is not None else CallStats()
    attempt = 0
    while True:
        attempt += 1
        stats.attempts = attempt
        try:
            # asyncio.timeout, not wait_for: wait_for wraps every call in an extra task, which shows in
            # large sweeps.
            if limiter is not None:
                async with limiter:
                    async with asyncio.timeout(policy.timeout_s):
                        return await fn()
            async with asyncio.timeout(policy.timeout_s):
                return await fn()
        except (TransientError, TimeoutError) as exc:
            if attempt >= policy.max_attempts:
                if isinstance(exc, TimeoutError):
                    raise TransientError(f"timed out after {policy.timeout_s:g}s, {attempt} attempts") from None
                raise
            retry_after = exc.retry_after if isinstance(exc, TransientError) else None
            await asyncio.sleep(policy.delay(attempt, retry_after, rng))
