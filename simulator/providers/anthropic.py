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

Extended thinking (``sampling.thinking_budget``) is sent as ``thinking: {type: enabled, budget_tokens: N}``;
the ``thinking`` blocks of the reply become the message's reasoning, never its text. What models reject is
in :data:`REQUEST_RULES`; a budget the API would refuse fails the run before its first call.
"""

from __future__ import annotations

import inspect
import os
from typing import Any, Mapping

import anthropic
from anthropic.resources.messages import AsyncMessages
from anthropic.types import Message as AnthropicMessage

from ..errors import ProviderError
from ..scenario import AgentSpec, Sampling
from . import DEFAULT_BASE_URLS, _clients
from ._errors import ErrorContext, token_count
from .base import Completion, Provenance, RequestRule, Turn, matching_rules, split_sampling, supported_for

DEFAULT_BASE_URL = DEFAULT_BASE_URLS["anthropic"]
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
    "thinking_budget": "thinking",
}

REQUEST_RULES: tuple[RequestRule, ...] = (
    RequestRule(
        name="anthropic-no-extended-thinking",
        # Claude 3 before 3.7 (3-haiku, 3-opus, 3-sonnet, 3-5-*) and Claude 2: thinking is a 400.
        pattern=r"claude-(?:2|instant|3-(?:haiku|opus|sonnet|5))",
        rejects=frozenset({"thinking_budget"}),
        why="extended thinking starts with Claude 3.7 Sonnet",
    ),
)


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
                 base_url: str | None = None, env: Mapping[str, str] = os.environ,
                 base_url_from: str | None = None) -> None:
        self.model = spec.model
        self.spec = spec
        self.base_url = base_url or spec.base_url
        self._base_url_from = base_url_from or ("scenario" if spec.base_url else "default")
        self._rules = matching_rules(REQUEST_RULES, spec.model)
        self._supported = supported_for(set(_SUPPORTED), self._rules)
        check_thinking(spec, self._supported)
        self._errors = ErrorContext(spec.name, self.kind, key_env, env, api_key)
        self._api_key = api_key
        self._headers = dict(spec.extra_headers or {})
        key = ("anthropic", self.base_url, api_key, spec.timeout_s)
        # An explicit api_key stops the SDK from looking for profiles or federation credentials on disk.
        self._clients = _clients.ClientHandle(key, lambda: anthropic.AsyncAnthropic(
            api_key=self._api_key,
            base_url=self.base_url or DEFAULT_BASE_URL,
            timeout=self.spec.timeout_s,
            max_retries=0,  # simulator.retry owns retries
            http_client=_clients.http_client(anthropic, self.spec.timeout_s),
        ))

    def provenance(self, system: str) -> Provenance:
        return Provenance(base_url=self.base_url or DEFAULT_BASE_URL, base_url_from=self._base_url_from)  # type: ignore[arg-type]

    def _request(self, system: str, turns: list[Turn], sampling: Sampling) -> tuple[dict[str, Any], Completion]:
        applied, unsupported = split_sampling(sampling, self._supported)
        applied.setdefault("max_tokens", default_max_tokens(applied.get("thinking_budget")))
        messages, notes = shape_messages(turns)
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages}
        if system:
            kwargs["system"] = system
        for key, value in applied.items():
            if key == "thinking_budget":
                kwargs["thinking"] = {"type": "enabled", "budget_tokens": value}
            else:
                kwargs[_SUPPORTED[key]] = value
        kwargs.update(self.spec.extra_body or {})  # checked at load not to clash with the fields above
        return kwargs, Completion(text="", applied={**applied, **notes}, unsupported=unsupported,
                                  request_rules=[r.name for r in self._rules])

    async def complete(self, system: str, turns: list[Turn], sampling: Sampling) -> Completion:
        kwargs, result = self._request(system, turns, sampling)
        options: Any = {"headers": self._headers} if self._headers else {}
        try:
            # Same JSON as `messages.create(**kwargs)` through the SDK's documented generic `post`: the typed
            # method's per-call request transform costs more CPU than the rest of the call (see openai.py).
            response = await self._clients.get().post("/v1/messages", body=kwargs, cast_to=AnthropicMessage,
                                                      options=options)
        except anthropic.APIStatusError as exc:
            raise self._errors.status_error(exc.status_code, _detail(exc), exc.response.headers) from None
        except anthropic.APITimeoutError as exc:
            raise self._errors.timeout(exc, self.spec.timeout_s) from None
        except anthropic.APIConnectionError as exc:
            raise self._errors.transient(f"connection failed: {exc}") from None
        except anthropic.AnthropicError as exc:
            raise self._errors.permanent(f"{type(exc).__name__}: {exc}") from None
        result.text = "".join(getattr(b, "text", "") for b in response.content if b.type == "text")
        thinking = [b.thinking for b in response.content if b.type == "thinking" and getattr(b, "thinking", "")]
        if thinking:
            result.reasoning, result.reasoning_format = "\n\n".join(thinking), "thinking"
        redacted = sum(1 for b in response.content if b.type == "redacted_thinking")
        result.redacted_reasoning = redacted or None
        result.finish_reason = response.stop_reason
        result.model = response.model
        result.response_id = response.id or None
        result.request_id = getattr(response, "_request_id", None)  # the SDK's reading of `request-id`
        if response.usage is not None:
            result.prompt_tokens = token_count(response.usage.input_tokens)
            result.completion_tokens = token_count(response.usage.output_tokens)
        return result

    @property
    def request_rules(self) -> list[str]:
        """Names of the request rules that match this model (part of a cache key)."""
        return [r.name for r in self._rules]

    async def aclose(self) -> None:
        await self._clients.aclose()


def default_max_tokens(thinking_budget: int | None) -> int:
    # The budget counts inside max_tokens: leave the reply its usual room beside the thinking.
    return DEFAULT_MAX_TOKENS + (thinking_budget or 0)


def check_thinking(spec: AgentSpec, supported: set[str]) -> None:
    """Refuse, before the first call, a thinking budget the API would answer 400 to on every call."""
    budget, max_tokens = spec.sampling.thinking_budget, spec.sampling.max_tokens
    if budget is None or "thinking_budget" not in supported:
        return  # not sent (the model or the installed SDK takes no thinking): recorded as unsupported
    if max_tokens is not None and max_tokens <= budget:
        raise ProviderError(f"agent {spec.name} (anthropic): sampling.max_tokens ({max_tokens}) must be larger "
                            f"than sampling.thinking_budget ({budget}): the thinking counts inside max_tokens")


def _detail(exc: anthropic.APIStatusError) -> str:
    return str(exc.api_message or exc.message)
