"""The one small interface every provider implements.

A provider turns (system prompt, turns, sampling) into a :class:`Completion`. It reports which sampling
parameters it actually applied and which it could not, so the transcript records what each model really
got. Retryable failures (429, 5xx, timeouts) raise :class:`TransientError`; the caller owns retries, so
retry counts and backoff live in one place (``simulator.retry``) rather than in each SDK.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from ..scenario import Sampling


@dataclass(frozen=True)
class Turn:
    """One earlier message as this agent sees it: its own turns are ``assistant``, everyone else's ``user``."""

    role: Literal["user", "assistant"]
    content: str
    name: str | None = None


@dataclass
class Completion:
    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    applied: dict[str, Any] = field(default_factory=dict)
    unsupported: dict[str, Any] = field(default_factory=dict)
    finish_reason: str | None = None
    model: str | None = None
    """The model name the server reported, when it reports one."""


class TransientError(Exception):
    """A failure worth retrying: rate limit, server error, timeout, dropped connection."""

    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class Provider(Protocol):
    kind: str
    model: str

    async def complete(self, system: str, turns: list[Turn], sampling: Sampling) -> Completion: ...

    async def aclose(self) -> None: ...


def split_sampling(sampling: Sampling, supported: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split the asked parameters into (applied, unsupported) for a provider that supports ``supported``."""
    asked = sampling.asked()
    applied = {k: v for k, v in asked.items() if k in supported}
    unsupported = {k: v for k, v in asked.items() if k not in supported}
    return applied, unsupported
