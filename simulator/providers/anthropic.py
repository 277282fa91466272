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
from typing import Any

import anthropic
from anthropic.resources.messages import AsyncMessages
from anthropic.types import Message as AnthropicMessage

from ..errors import ProviderError
from ..scenario import AgentSpec, Sampling
from . import DEFAULT_BASE_URLS
from ._errors import token_count
from ._sdk import SDKProvider
from .base import Completion, RequestRule, Turn, split_sampling, supported_for

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


class AnthropicProvider(SDKProvider):
    """Claude through the Messages API (``base_url`` for a proxy or a compatible server)."""

    kind = "anthropic"
    sdk = anthropic
    client_class = "AsyncAnthropic"
    base_error = "AnthropicError"
    default_base_url = DEFAULT_BASE_URL
    rule_table = REQUEST_RULES

    def __init__(self, spec: AgentSpec, **kwargs: Any) -> None:
        super().__init__(spec, **kwargs)
        self._supported = supported_for(set(_SUPPORTED), self._rules)
        check_thinking(spec, self._supported)

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
        """One Messages API call: the reply, its thinking and the call's provenance."""
        kwargs, result = self._request(system, turns, sampling)
        # Same JSON as `messages.create(**kwargs)`; the typed method's per-call request transform costs more CPU
        # than the rest of the call (see openai.py).
        response = await self._post("/v1/messages", kwargs, AnthropicMessage)
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

    def _detail(self, exc: Any) -> str:
        return str(exc.api_message or exc.message)


def default_max_tokens(thinking_budget: int | None) -> int:
    """The ``max_tokens`` of a request with ``thinking_budget`` tokens of thinking."""
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

