"""An autogen-agentchat agent backed by an ingroup provider.

Why not AssistantAgent: it adds every incoming message, the agent's own opening included, to its context
as a user message. Here each agent sees its own turns (the opening too) as assistant turns and everyone
else's as user turns, and speaker names reach every provider the same way (the scenario's
``speaker_names``), whatever the vendor.
"""

from __future__ import annotations

import json
import random
import time
from typing import Sequence

from autogen_agentchat.agents import BaseChatAgent
from autogen_agentchat.base import Response
from autogen_agentchat.messages import BaseChatMessage, BaseTextChatMessage, StopMessage, TextMessage
from autogen_core import CancellationToken
from autogen_core.models import RequestUsage

from .providers.base import Provider, Turn
from .providers.scripted import ScriptExhausted
from .retry import CallStats, RateLimiter, RetryPolicy, call_with_retry
from .scenario import AgentSpec
from .transcript import now_iso

CALL_KEY = "ingroup.call"


class ProviderAgent(BaseChatAgent):
    def __init__(
        self,
        spec: AgentSpec,
        provider: Provider,
        *,
        speaker_names: str = "none",
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(spec.name, description=f"{spec.name} ({spec.provider}:{spec.model})")
        self.spec = spec
        self.provider = provider
        self._system = spec.system_prompt()
        self._speaker_names = speaker_names
        self._retry = retry or RetryPolicy(timeout_s=spec.timeout_s)
        self._limiter = limiter
        self._rng = random.Random(seed)
        self._history: list[Turn] = []

    @property
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        return (TextMessage, StopMessage)

    def _see(self, messages: Sequence[BaseChatMessage]) -> None:
        for m in messages:
            text = m.content if isinstance(m, BaseTextChatMessage) else m.to_text()
            if m.source == self.name:
                self._history.append(Turn("assistant", text, self.name))
            else:
                if self._speaker_names == "prefix":
                    text = f"{m.source}: {text}"
                self._history.append(Turn("user", text, m.source))

    async def on_messages(self, messages: Sequence[BaseChatMessage], cancellation_token: CancellationToken) -> Response:
        self._see(messages)
        started = now_iso()
        t0 = time.perf_counter()
        stats = CallStats()
        turns = list(self._history)
        try:
            completion = await call_with_retry(
                lambda: self.provider.complete(self._system, turns, self.spec.sampling),
                self._retry, self._limiter, self._rng, stats,
            )
        except ScriptExhausted as exc:
            # Ends the conversation through StopMessageTermination; not an error, and not a turn.
            return Response(chat_message=StopMessage(content=f"script_exhausted: {exc}", source=self.name))
        except Exception as exc:
            # A provider that failed for good (or retries ran out) ends the conversation the same way, so the
            # transcript records the error; raising would make autogen log a traceback and wrap the message.
            return Response(chat_message=StopMessage(content=f"error: {type(exc).__name__}: {exc}",
                                                     source=self.name))
        latency = time.perf_counter() - t0
        self._history.append(Turn("assistant", completion.text, self.name))
        call = {
            "started_at": started,
            "ended_at": now_iso(),
            "latency_s": round(latency, 4),
            "applied": completion.applied,
            "unsupported": completion.unsupported,
            "finish_reason": completion.finish_reason,
            "attempts": stats.attempts,
            "prompt_tokens": completion.prompt_tokens,
            "completion_tokens": completion.completion_tokens,
            "scripted": self.spec.provider == "scripted",
        }
        usage = RequestUsage(prompt_tokens=completion.prompt_tokens or 0,
                             completion_tokens=completion.completion_tokens or 0)
        msg = TextMessage(source=self.name, content=completion.text, models_usage=usage,
                          metadata={CALL_KEY: json.dumps(call)})
        return Response(chat_message=msg)

    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        self._history.clear()
