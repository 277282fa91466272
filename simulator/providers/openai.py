"""OpenAI chat completions through the official SDK; with ``base_url``, any OpenAI-compatible server.

Names are never sent (no ``name`` field on messages): the agent layer applies the scenario's speaker-name
policy in the text, so every provider sees names the same way.

What each model accepts is declared in :data:`REQUEST_RULES`; a parameter a rule rejects is not sent and is
recorded as unsupported. Reasoning comes back in several shapes, all kept apart from the reply: DeepSeek,
vLLM and llama.cpp put it in ``message.reasoning_content``, OpenRouter and Ollama in ``message.reasoning``,
OpenRouter also as ``reasoning_details`` (texts or summaries); its token count in
``usage.completion_tokens_details.reasoning_tokens``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import httpx2
import openai

from ..scenario import AgentSpec, Sampling
from . import DEFAULT_BASE_URLS
from ._errors import ErrorContext, token_count
from ._sdk import SDKProvider
from .base import Completion, RequestRule, Turn, split_sampling, supported_for

DEFAULT_BASE_URL = DEFAULT_BASE_URLS["openai"]
OFFICIAL_HOST = "api.openai.com"

_STANDARD = {"temperature", "top_p", "max_tokens", "seed", "frequency_penalty", "presence_penalty", "stop"}
# Not in OpenAI's API for every model, but OpenAI-compatible servers read them from the request body
# (llama.cpp server and vLLM: top_k, repeat_penalty; OpenRouter, vLLM: reasoning_effort).
_LOCAL_EXTRA = {"top_k", "repeat_penalty", "reasoning_effort"}

REQUEST_RULES: tuple[RequestRule, ...] = (
    RequestRule(
        name="openai-reasoning-model",
        # o1, o1-mini, o3, o3-mini, o4-mini, gpt-5, gpt-5-mini..., also as "openai/o3" on OpenRouter.
        pattern=r"(?:^|/)(?:o\d+(?:-|$)|gpt-5)",
        rejects=frozenset({"temperature", "top_p", "presence_penalty", "frequency_penalty"}),
        accepts=frozenset({"reasoning_effort"}),
        max_tokens_as="max_completion_tokens",
        why="o-series and gpt-5 models answer 400 to temperature, top_p and the penalties (only the default "
            "is allowed) and to max_tokens; they take reasoning_effort",
    ),
)
# The official API replaced max_tokens (rejected by its reasoning models) for every model.
_OFFICIAL_MAX_TOKENS = "max_completion_tokens"


class OpenAIProvider(SDKProvider):
    """Chat completions on the OpenAI API or any OpenAI-compatible server (``base_url``)."""

    kind = "openai"
    sdk = openai
    client_class = "AsyncOpenAI"
    base_error = "OpenAIError"
    default_base_url = DEFAULT_BASE_URL
    rule_table = REQUEST_RULES

    def __init__(self, spec: AgentSpec, **kwargs: Any) -> None:
        super().__init__(spec, **kwargs)
        # Only a custom server gets the non-standard parameters: the official API rejects unknown fields.
        self._local = self.base_url is not None and urlsplit(self.base_url).hostname != OFFICIAL_HOST
        self._supported = supported_for(_STANDARD | (_LOCAL_EXTRA if self._local else set()), self._rules)

    def _max_tokens_field(self) -> str:
        for r in self._rules:
            if r.max_tokens_as:
                return r.max_tokens_as
        return "max_tokens" if self._local else _OFFICIAL_MAX_TOKENS

    def _request(self, system: str, turns: list[Turn], sampling: Sampling) -> tuple[dict[str, Any], Completion]:
        applied, unsupported = split_sampling(sampling, self._supported)
        messages: list[dict[str, str]] = []
        if system:
            messages.append({"role": "system", "content": system})
        messages.extend({"role": t.role, "content": t.content} for t in turns)
        body: dict[str, Any] = {"model": self.model, "messages": messages}
        for key, value in applied.items():
            body[self._max_tokens_field() if key == "max_tokens" else key] = value
        # Checked at load not to clash with the fields above.
        body.update(self.spec.extra_body or {})
        return body, Completion(text="", applied=applied, unsupported=unsupported,
                                request_rules=[r.name for r in self._rules])

    async def complete(self, system: str, turns: list[Turn], sampling: Sampling) -> Completion:
        """One chat completion: the reply, its reasoning and the call's provenance."""
        body, result = self._request(system, turns, sampling)
        # The raw HTTP response is decoded here: building the SDK's response model cost a sixth of the CPU of
        # a call, a few fields are read, and the request id is in a header.
        response = await self._post("/chat/completions", body, httpx2.Response)
        result.request_id = _text(response.headers.get("x-request-id"))
        return _read_completion(_decode(response), result, self._errors)

    def _detail(self, exc: Any) -> str:
        body = exc.body
        if isinstance(body, dict):
            err = body.get("error", body)
            if isinstance(err, dict) and err.get("message"):
                return str(err["message"])
        return str(exc.message)


def _decode(response: httpx2.Response) -> object:
    """The body as JSON when it says it is JSON (else its text, reported as such by the reader)."""
    if "json" in response.headers.get("content-type", ""):
        try:
            return response.json()
        except ValueError:
            pass
    return response.text


def _read_completion(data: object, result: Completion, errors: ErrorContext) -> Completion:
    """Fill ``result`` from a chat-completion JSON body, or say plainly what the server sent instead."""
    if not isinstance(data, dict):
        kind = "text" if isinstance(data, str) else type(data).__name__
        raise errors.permanent(f"the server answered with {kind}, not a chat completion (JSON object): "
                               f"{str(data)[:200]!r}")
    choices = data.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        raise errors.permanent("the server answered with no choices")
    message = choices[0].get("message")
    message = message if isinstance(message, dict) else {}
    content = message.get("content")
    if content is not None and not isinstance(content, str):
        raise errors.permanent(f"the reply's content is {type(content).__name__}, not text")
    result.text = content or ""
    result.reasoning, result.reasoning_format = _reasoning(message)
    finish = choices[0].get("finish_reason")
    result.finish_reason = finish if isinstance(finish, str) else None
    result.model = _text(data.get("model"))
    result.system_fingerprint = _text(data.get("system_fingerprint"))
    result.response_id = _text(data.get("id"))
    usage = data.get("usage")
    if isinstance(usage, dict):
        result.prompt_tokens = token_count(usage.get("prompt_tokens"))
        result.completion_tokens = token_count(usage.get("completion_tokens"))
        details = usage.get("completion_tokens_details")
        if isinstance(details, dict):
            result.reasoning_tokens = token_count(details.get("reasoning_tokens"))
    return result


def _reasoning(message: dict[str, Any]) -> tuple[str | None, str | None]:
    """The reasoning text of a chat-completion message and the field it came from."""
    for name in ("reasoning_content", "reasoning"):
        value = message.get(name)
        if isinstance(value, str) and value.strip():
            return value, name
    details = message.get("reasoning_details")
    if isinstance(details, list):
        # OpenRouter: {"type": "reasoning.text", "text"} or {"type": "reasoning.summary", "summary"};
        # "reasoning.encrypted" blocks hold no readable text.
        parts = [d.get("text") or d.get("summary") for d in details if isinstance(d, dict)]
        texts = [p for p in parts if isinstance(p, str) and p.strip()]
        if texts:
            return "\n\n".join(texts), "reasoning_details"
    return None, None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


__all__ = ["DEFAULT_BASE_URL", "REQUEST_RULES", "OpenAIProvider"]
