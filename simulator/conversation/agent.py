"""An autogen-agentchat agent backed by an ingroup provider.

Why not AssistantAgent: it adds every incoming message, the agent's own opening included, to its context
as a user message. Here each agent sees its own turns (the opening too) as assistant turns and everyone
else's as user turns, and speaker names reach every provider the same way (the scenario's
``speaker_names``), whatever the vendor. Only the visible text of a turn enters any context: reasoning stays
in the call record the transcript gets (:meth:`ProviderAgent.take_call`).
"""

from __future__ import annotations

import random
import time
import traceback
from typing import Sequence

from autogen_agentchat.agents import BaseChatAgent
from autogen_agentchat.base import Response
from autogen_agentchat.messages import BaseChatMessage, BaseTextChatMessage, TextMessage
from autogen_core import CancellationToken
from autogen_core.models import RequestUsage
from typing_extensions import override

from ..errors import IngroupError, ProviderError
from ..providers.base import Completion, Provider, TransientError, Turn
from ..providers.cache import CallCache, call_identity, call_key
from ..providers.scripted import ScriptExhausted
from ..reasoning import split_think_tags
from ..retry import CallStats, RateLimiter, RetryPolicy, call_with_retry
from ..scenario import AgentSpec, Sampling
from ..secrets import redact
from ..transcript import CallRecord, now_iso
from .memory import AgentMemory
from .messages import AgentStopped, StopKind


class _CacheWriteFailed(Exception):
    pass


class ProviderAgent(BaseChatAgent):
    """An autogen-agentchat agent whose replies come from a provider, with retries, rate limits, the call cache and a
    memory policy."""

    def __init__(
        self,
        spec: AgentSpec,
        provider: Provider,
        *,
        speaker_names: str = "none",
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        seed: int = 0,
        sampling: Sampling | None = None,
        memory: AgentMemory | None = None,
        cache: CallCache | None = None,
    ) -> None:
        super().__init__(spec.name, description=f"{spec.name} ({spec.provider}:{spec.model})")
        self.spec = spec
        self.provider = provider
        self.system = spec.system_prompt()
        """The system prompt each call gets: the agent's own, with its notes once it has some (``memory``)."""
        self._speaker_names = speaker_names
        self._retry = retry or RetryPolicy(timeout_s=spec.timeout_s)
        self._limiter = limiter
        self._rng = random.Random(seed)
        self._sampling = sampling or spec.sampling
        """What each call asks for: the scenario's sampling with the run's seed."""
        self._history: list[Turn] = []
        self._calls: dict[str, CallRecord] = {}
        self.seen = 0
        """Messages of the conversation the agent has taken in, its own included: the index its next reply
        gets."""
        self.memory = memory
        """The agent's memory policy at work (None: it keeps the whole conversation)."""
        if memory is not None:
            self.system = memory.start_system(self.system)
        self._cache = cache
        self._identity = call_identity(spec, provider) if cache is not None else None
        self._recall: tuple[int, list[Turn]] | None = None
        self._given = 0

    @property
    @override
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        return (TextMessage, AgentStopped)

    def _stop(self, kind: StopKind, error: str) -> Response:
        return Response(chat_message=AgentStopped(
            content=f"{kind}: {self.name}", source=self.name, kind=kind,
            error=None if kind == "script_exhausted" else redact(error)[:20_000]))

    def _see(self, messages: Sequence[BaseChatMessage]) -> None:
        self.seen += len(messages)
        for m in messages:
            text = m.content if isinstance(m, BaseTextChatMessage) else m.to_text()
            self._history.append(turn_as_seen(self.name, m.source, text, self._speaker_names))
            self._given += 1
            if self._recall is not None and self._given == self._recall[0]:
                self._history.extend(self._recall[1])

    @override
    async def on_messages(self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken) -> Response:
        self._see(messages)
        try:
            if self.memory is not None:
                await self.memory.before_turn(self, fresh=len(messages))
            text, call = await self.call_model(list(self._history))
        except _CacheWriteFailed as exc:
            return self._stop("provider_error", str(exc))
        except ScriptExhausted as exc:
            # Ends the conversation through StopMessageTermination; not an error, and not a turn.
            return self._stop("script_exhausted", str(exc))
        except (ProviderError, TransientError) as exc:
            # A provider that failed for good (or retries ran out) ends the conversation the same way, so the
            # transcript records the error; raising would make autogen log a traceback and wrap the message.
            return self._stop("provider_error", f"{type(exc).__name__}: {exc}")
        except Exception as exc:  # a bug, not a provider failure: recorded with its traceback, shown as a crash
            return self._stop("crash", "".join(traceback.format_exception(exc)).strip())
        self._history.append(Turn("assistant", text, self.name))
        self.seen += 1
        usage = RequestUsage(prompt_tokens=call.prompt_tokens or 0, completion_tokens=call.completion_tokens or 0)
        msg = TextMessage(source=self.name, content=text, models_usage=usage)
        self._calls[msg.id] = call
        return Response(chat_message=msg)

    def remember(self, after: int, turns: list[Turn]) -> None:
        """A rollback keeper's memory of the earlier branch: ``turns`` enter its context right after the
        ``after``-th message it is given, the last one replayed from that branch (``conversation/rollback.py``)."""
        self._recall = (after, list(turns))

    async def aside(self, turns: list[Turn]) -> tuple[str, CallRecord]:
        """One call outside the conversation on the given context (a rollback keeper writing its summary of
        the earlier branch): its visible text and call record. Provider errors propagate."""
        return await self.call_model(turns)

    async def call_model(self, turns: list[Turn]) -> tuple[str, CallRecord]:
        """One call of the agent's model on ``turns`` under its current system prompt, with retries: the
        visible text (``<think>`` sections moved out when asked) and the call's record. Provider failures
        raise; :meth:`on_messages` turns them into a stop."""
        started = now_iso()
        t0 = time.perf_counter()
        stats = CallStats()
        system = self.system
        key = None
        completion: Completion | None = None
        if self._cache is not None and self._identity is not None:
            key = call_key(self._identity, system, turns, self._sampling)
            completion = self._cache.get(key)
        if completion is None:
            completion = await call_with_retry(
                lambda: self.provider.complete(system, turns, self._sampling),
                self._retry, self._limiter, self._rng, stats,
            )
            if key is not None:
                self._store(key, completion)
        latency = time.perf_counter() - t0
        text, reasoning = completion.text, completion.reasoning
        reasoning_format = completion.reasoning_format
        if self.spec.think_tags:
            text, tagged = split_think_tags(text)
            if tagged is not None:
                reasoning = tagged if reasoning is None else f"{reasoning}\n\n{tagged}"
                reasoning_format = reasoning_format or "think_tags"
        call = CallRecord(
            reasoning=reasoning,
            reasoning_tokens=completion.reasoning_tokens,
            reasoning_format=reasoning_format,  # type: ignore[arg-type]
            redacted_reasoning=completion.redacted_reasoning,
            started_at=started,
            ended_at=now_iso(),
            latency_s=round(latency, 4),
            prompt_tokens=completion.prompt_tokens,
            completion_tokens=completion.completion_tokens,
            applied=completion.applied,
            unsupported=completion.unsupported,
            request_rules=completion.request_rules or None,
            finish_reason=completion.finish_reason,
            served_model=completion.model,
            system_fingerprint=completion.system_fingerprint,
            request_id=completion.request_id,
            response_id=completion.response_id,
            scripted=self.spec.provider == "scripted",
            attempts=stats.attempts,
            cached=completion.cached,
        )
        return text, call

    @property
    def history(self) -> list[Turn]:
        """The agent's context after its system prompt: every turn it has seen and said (or, once it has
        notes, the turns since)."""
        return self._history

    def replace_history(self, turns: list[Turn]) -> None:
        """Make ``turns`` the agent's context (its notes replacing the turns they summarise)."""
        self._history = list(turns)

    def catch_up(self, messages: Sequence[BaseChatMessage]) -> None:
        """Take in messages said after the agent's last turn (before it writes notes at the end)."""
        self._see(messages)

    def _store(self, key: str, completion: Completion) -> None:
        assert self._cache is not None
        try:
            self._cache.put(key, completion)
        except IngroupError as exc:  # a full or read-only cache folder: stop, as a provider failure would
            raise _CacheWriteFailed(f"call cache: {exc}") from None

    def take_call(self, message_id: str) -> CallRecord | None:
        """The record of the call that produced message ``message_id`` (handed over once: the transcript
        writes it, and the agent keeps no growing store)."""
        return self._calls.pop(message_id, None)

    @override
    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        self._history.clear()
        self._given = 0


def turn_as_seen(viewer: str, source: str, text: str, speaker_names: str) -> Turn:
    """Message ``text`` by ``source`` as it enters ``viewer``'s context: its own as ``assistant``, anyone
    else's as ``user`` (``Name: `` before it with ``speaker_names: prefix``)."""
    if source == viewer:
        return Turn("assistant", text, viewer)
    return Turn("user", f"{source}: {text}" if speaker_names == "prefix" else text, source)
