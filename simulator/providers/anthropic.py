"""Anthropic Messages API through the official SDK.

We send only the sampling parameters the installed SDK's ``messages.create`` accepts (read from its signature
at import time). anthropic 2.x dropped ``temperature``, ``top_p`` and ``top_k``; autogen-ext's client still
sends ``temperature`` and fails, which is why this adapter exists. Everything not sent is recorded as
unsupported.

Context shaping, each step recorded in ``Completion.applied`` so the transcript shows what Claude saw:

* consecutive same-role turns are merged (the API would merge them anyway; we make it visible);
* the Messages API has required the first message to be ``user`` (``messages: first message must use the
  "user" role``), but an opener's context starts with its own opening as an ``assistant`` turn: we put
  :data:`LEADING_USER_TURN` before it (``applied["leading_user_turn"]``);
* a context ending on the agent's own turn would be a prefill, which current models reject: we append
  :data:`TRAILING_USER_TURN` (``applied["trailing_user_turn"]``);
* empty texts are rejected by the API: they become :data:`EMPTY_TURN` (``applied["empty_turns_filled"]``).
"""

from __future__ import annotations

import inspect
import os
from typing import Any, Mapping

import anthropic
from anthropic.types import Message as AnthropicMessage
from anthropic.resources.messages import AsyncMessages

from ..scenario import AgentSpec, Sampling
from . import _clients
from ._errors import ErrorContext
from .base import Completion, Turn, split_sampling

DEFAULT_BASE_URL = "https://api.anthropic.com"
DEFAULT_MAX_TOKENS = 1024
"""The API requires max_tokens; used when the scenario does not ask, and recorded as applied."""
LEADING_USER_TURN = "(The conversation begins.)"
TRAILING_USER_TURN = "(Continue.)"
EMPTY_TURN = "(empty message)"

# Our sampling name -> the SDK's keyword.
_WIRE_NAMES = {
    "max_tokens": "max_tokens",
    "temperature": "temperature",
    "top_p": "top_p",
    "top_k": "top_k",
    "stop": "stop_sequences",
}


def sdk_sampling_support() -> dict[str, str]:
    """The sampling parameters the installed SDK accepts, as {our name: SDK keyword}."""
    accepted = set(inspect.signature(AsyncMessages.create).parameters)
    return {ours: wire for ours, wire in _WIRE_NAMES.items() if wire in accepted}


_SUPPORTED = sdk_sampling_support()


def shape_messages(turns: list[Turn]) -> tuple[list[dict[str, str]], dict[str, Any]]:
    """Turns -> Messages API messages (alternating, starting and ending with ``user``) and what was changed."""
    notes: dict[str, Any] = {}
    merged: list[dict[str, str]] = []
    empty = 0
    merges = 0
    for t in turns:
        text = t.content
        if not text.strip():
            text = EMPTY_TURN
            empty += 1
        if merged and merged[-1]["role"] == t.role:
            merged[-1]["content"] += "\n\n" + text
            merges += 1
        else:
            merged.append({"role": t.role, "content": text})
    if not merged or merged[0]["role"] != "user":
        merged.insert(0, {"role": "user", "content": LEADING_USER_TURN})
        notes["leading_user_turn"] = LEADING_USER_TURN
    if merged[-1]["role"] != "user":
        merged.append({"role": "user", "content": TRAILING_USER_TURN})
        notes["trailing_user_turn"] = TRAILING_USER_TURN
    if merges:
        notes["merged_turns"] = merges
    if empty:
        notes["empty_turns_filled"] = empty
    return merged, notes


class AnthropicProvider:
    kind = "anthropic"

    def __init__(self, spec: AgentSpec, *, api_key: str, key_env: str | None,
                 base_url: str | None = None, env: Mapping[str, str] = os.environ) -> None:
        self.model = spec.model
        self.spec = spec
        self.base_url = base_url or spec.base_url
        self._errors = ErrorContext(spec.name, self.kind, key_env, env, api_key)
        self._api_key = api_key
        key = ("anthropic", self.base_url, api_key, spec.timeout_s)
        # An explicit api_key stops the SDK from looking for profiles or federation credentials on disk.
        self._clients = _clients.ClientHandle(key, lambda: anthropic.AsyncAnthropic(
            api_key=self._api_key,
            base_url=self.base_url or DEFAULT_BASE_URL,
            timeout=self.spec.timeout_s,
            max_retries=0,  # simulator.retry owns retries
            http_client=_clients.http_client(anthropic, self.spec.timeout_s),
        ))

    def _request(self, system: str, turns: list[Turn], sampling: Sampling) -> tuple[dict[str, Any], Completion]:
        applied, unsupported = split_sampling(sampling, set(_SUPPORTED))
        applied.setdefault("max_tokens", DEFAULT_MAX_TOKENS)
        messages, notes = shape_messages(turns)
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages}
        if system:
            kwargs["system"] = system
        for key, value in applied.items():
            kwargs[_SUPPORTED[key]] = value
        return kwargs, Completion(text="", applied={**applied, **notes}, unsupported=unsupported)

    async def complete(self, system: str, turns: list[Turn], sampling: Sampling) -> Completion:
        kwargs, result = self._request(system, turns, sampling)
        try:
            # Same JSON as `messages.create(**kwargs)` through the SDK's documented generic `post`: the typed
            # method's per-call request transform costs more CPU than the rest of the call (see openai.py).
            response = await self._clients.get().post("/v1/messages", body=kwargs, cast_to=AnthropicMessage)
        except anthropic.APIStatusError as exc:
            raise self._errors.status_error(exc.status_code, _detail(exc), exc.response.headers) from None
        except anthropic.APITimeoutError:
            raise self._errors.transient(f"no answer within {self.spec.timeout_s:g} s") from None
        except anthropic.APIConnectionError as exc:
            raise self._errors.transient(f"connection failed: {exc}") from None
        except anthropic.AnthropicError as exc:
            raise self._errors.permanent(f"{type(exc).__name__}: {exc}") from None
        result.text = "".join(getattr(b, "text", "") for b in response.content if b.type == "text")
        result.finish_reason = response.stop_reason
        result.model = response.model
        if response.usage is not None:
            result.prompt_tokens = response.usage.input_tokens
            result.completion_tokens = response.usage.output_tokens
        return result

    async def aclose(self) -> None:
        await self._clients.aclose()


def _detail(exc: anthropic.APIStatusError) -> str:
    return str(exc.api_message or exc.message)
