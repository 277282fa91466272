"""The one small interface every provider implements.

A provider turns (system prompt, turns, sampling) into a :class:`Completion`. It reports which sampling
parameters it actually applied and which it could not, so the transcript records what each model really
got. Retryable failures (429, 5xx, timeouts) raise :class:`TransientError`; the caller owns retries, so
retry counts and backoff live in one place (``simulator.retry``) rather than in each SDK.
"""

from __future__ import annotations

import re
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
    """One model reply: its text, token counts, the sampling applied and refused, and what the server reported."""

    text: str
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    applied: dict[str, Any] = field(default_factory=dict)
    unsupported: dict[str, Any] = field(default_factory=dict)
    finish_reason: str | None = None
    model: str | None = None
    """The model name the server reported, when it reports one."""
    reasoning: str | None = None
    """Reasoning or thinking text the model returned beside ``text`` (never part of ``text``)."""
    reasoning_tokens: int | None = None
    reasoning_format: str | None = None
    """Which field it came from (``transcript.ReasoningFormat``)."""
    redacted_reasoning: int | None = None
    request_rules: list[str] = field(default_factory=list)
    """Names of the :class:`RequestRule` entries that shaped the request."""
    system_fingerprint: str | None = None
    request_id: str | None = None
    response_id: str | None = None
    cached: bool = False
    """The reply came from the call cache (``providers.cache``): no request was made for it."""


@dataclass(frozen=True)
class Provenance:
    """Where an agent's calls go, as known before the first call (recorded in the transcript header)."""

    base_url: str | None = None
    """The server actually used (may hold credentials: the header stores it through ``public_url``)."""
    base_url_from: Literal["scenario", "environment", "default"] | None = None
    served_model: str | None = None
    """Known up front only for in-process models."""
    rendered_system_prompt: str | None = None


@dataclass(frozen=True)
class RequestRule:
    """What one family of models rejects or needs, matched on the model name. Each provider declares its
    rules in one ``REQUEST_RULES`` table; a call records the names of the rules that applied."""

    name: str
    pattern: str
    """Regular expression searched in the lower-cased model name (``openai/o3`` on OpenRouter matches too)."""
    rejects: frozenset[str] = frozenset()
    """Sampling options the models answer 400 to: never sent, recorded as unsupported."""
    accepts: frozenset[str] = frozenset()
    """Sampling options only these models take (on top of the provider's own)."""
    max_tokens_as: str | None = None
    """The request field ``max_tokens`` must be sent as."""
    why: str = ""

    def matches(self, model: str) -> bool:
        """Whether the rule applies to ``model``."""
        return re.search(self.pattern, model.lower()) is not None


def matching_rules(rules: tuple[RequestRule, ...], model: str) -> tuple[RequestRule, ...]:
    """The rules of ``rules`` that apply to ``model``, in table order."""
    return tuple(r for r in rules if r.matches(model))


def supported_for(base: set[str], rules: tuple[RequestRule, ...]) -> set[str]:
    """The provider's options, plus what the matched rules accept, minus what they reject."""
    out = set(base)
    for r in rules:
        out |= r.accepts
    for r in rules:
        out -= r.rejects
    return out


class TransientError(Exception):
    """A failure worth retrying: rate limit, server error, timeout, dropped connection."""

    def __init__(self, message: str, *, retry_after: float | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after
        self.status = status


class Provider(Protocol):
    """Providers may also offer ``provenance(system) -> Provenance`` (the built-in ones do); test doubles
    need not."""

    kind: str
    model: str

    async def complete(self, system: str, turns: list[Turn], sampling: Sampling) -> Completion:
        """The model's next turn after ``system`` and ``turns``, asked with ``sampling``."""

    async def aclose(self) -> None:
        """Release connections (or a loaded model); the provider is not used again."""


def split_sampling(sampling: Sampling, supported: set[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Split the asked parameters into (applied, unsupported) for a provider that supports ``supported``."""
    asked = sampling.asked()
    applied = {k: v for k, v in asked.items() if k in supported}
    unsupported = {k: v for k, v in asked.items() if k not in supported}
    return applied, unsupported
