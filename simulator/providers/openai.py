"""OpenAI chat completions through the official SDK; with ``base_url``, any OpenAI-compatible server.

Names are never sent (no ``name`` field on messages): the agent layer applies the scenario's speaker-name
policy in the text, so every provider sees names the same way.
"""

from __future__ import annotations

import os
from typing import Any, Mapping

import openai

from ..scenario import AgentSpec, Sampling
from . import _clients
from ._errors import ErrorContext
from .base import Completion, Turn, split_sampling

DEFAULT_BASE_URL = "https://api.openai.com/v1"

_STANDARD = {"temperature", "top_p", "max_tokens", "seed", "frequency_penalty", "presence_penalty", "stop"}
# Not in OpenAI's API, but llama.cpp server and vLLM read them from the request body.
_LOCAL_EXTRA = {"top_k", "repeat_penalty"}


class OpenAIProvider:
    kind = "openai"

    def __init__(self, spec: AgentSpec, *, api_key: str, key_env: str | None,
                 base_url: str | None = None, env: Mapping[str, str] = os.environ) -> None:
        self.model = spec.model
        self.spec = spec
        self.base_url = base_url or spec.base_url
        # Only a custom server gets the non-standard parameters: the official API rejects unknown fields.
        self._local = self.base_url is not None
        self._errors = ErrorContext(spec.name, self.kind, key_env, env, api_key)
        self._api_key = api_key
        key = ("openai", self.base_url, api_key, spec.timeout_s)
        self._clients = _clients.ClientHandle(key, lambda: openai.AsyncOpenAI(
            api_key=self._api_key,
            base_url=self.base_url or DEFAULT_BASE_URL,
            timeout=self.spec.timeout_s,
            max_retries=0,  # simulator.retry owns retries
            http_client=_clients.http_client(openai, self.spec.timeout_s),
        ))

    def _request(self, system: str, turns: list[Turn], sampling: Sampling) -> tuple[dict[str, Any], Completion]:
        supported = _STANDARD | (_LOCAL_EXTRA if self._local else set())
        applied, unsupported = split_sampling(sampling, supported)
        messages: list[dict[str, str]] = []
        if system:
            messages.append({"role": "system", "content": system})
        messages.extend({"role": t.role, "content": t.content} for t in turns)
        kwargs: dict[str, Any] = {"model": self.model, "messages": messages}
        extra_body: dict[str, Any] = {}
        for key, value in applied.items():
            if key in _LOCAL_EXTRA:
                extra_body[key] = value
            elif key == "max_tokens" and not self._local:
                # The official API replaced max_tokens (rejected by its reasoning models) with this one.
                kwargs["max_completion_tokens"] = value
            else:
                kwargs[key] = value
        if extra_body:
            kwargs["extra_body"] = extra_body
        return kwargs, Completion(text="", applied=applied, unsupported=unsupported)

    async def complete(self, system: str, turns: list[Turn], sampling: Sampling) -> Completion:
        kwargs, result = self._request(system, turns, sampling)
        body = {k: v for k, v in kwargs.items() if k != "extra_body"}
        body.update(kwargs.get("extra_body", {}))
        try:
            # The typed `create` spends about 2 ms of CPU per call transforming the message list (a no-op for
            # plain-text messages); the SDK's documented generic `post` sends the same JSON with the same auth
            # and errors for a quarter of that. ``cast_to=object`` returns the decoded JSON as it came: building
            # the SDK's (unvalidated) response model took a sixth of the remaining CPU, and four fields are read.
            data = await self._clients.get().post("/chat/completions", body=body, cast_to=object)
        except openai.APIStatusError as exc:
            raise self._errors.status_error(exc.status_code, _detail(exc), exc.response.headers) from None
        except openai.APITimeoutError:
            raise self._errors.transient(f"no answer within {self.spec.timeout_s:g} s") from None
        except openai.APIConnectionError as exc:
            raise self._errors.transient(f"connection failed: {exc}") from None
        except openai.OpenAIError as exc:
            raise self._errors.permanent(f"{type(exc).__name__}: {exc}") from None
        return _read_completion(data, result, self._errors)

    async def aclose(self) -> None:
        await self._clients.aclose()


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
    content = message.get("content") if isinstance(message, dict) else None
    if content is not None and not isinstance(content, str):
        raise errors.permanent(f"the reply's content is {type(content).__name__}, not text")
    result.text = content or ""
    finish = choices[0].get("finish_reason")
    result.finish_reason = finish if isinstance(finish, str) else None
    model = data.get("model")
    result.model = model if isinstance(model, str) else None
    usage = data.get("usage")
    if isinstance(usage, dict):
        result.prompt_tokens = _count(usage.get("prompt_tokens"))
        result.completion_tokens = _count(usage.get("completion_tokens"))
    return result


def _count(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _detail(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, dict) and err.get("message"):
            return str(err["message"])
    return exc.message
