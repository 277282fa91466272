"""A scripted OpenAI-compatible server for the identity sweep: each model answers as a persona.

Per model name, a :class:`Persona` says what it answers to an English and to a Chinese prompt, what it answers
to a follow-up, the reasoning it returns beside the reply (``reasoning_content``), and a hidden system prompt
its "provider" injects: counted in ``usage.prompt_tokens`` like the load server counts every message, never
shown. Used by the tests of ``scenarios/sweeps/identity-sweep.yaml``; ``start(personas)`` serves on
127.0.0.1 in a background thread.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from bench.loadserver import LoadServer, ServerHandle, _json, _text_of, _tokens, start_in_thread


@dataclass(frozen=True)
class Persona:
    reply_en: str
    reply_zh: str
    follow_up: str = "I know it from my training."
    reasoning: str | None = None
    hidden_system_prompt: str | None = None


def _chinese(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


class IdentityServer(LoadServer):
    def __init__(self, personas: dict[str, Persona]) -> None:
        super().__init__(record_requests=True)
        self.personas = personas

    async def _openai(self, request: web.Request) -> web.Response:
        body, stop = await self._common(request, "openai")
        if stop is not None:
            return stop
        assert body is not None
        model = str(body.get("model", ""))
        persona = self.personas.get(model)
        if persona is None:
            return _json({"error": {"message": f"unknown model {model}", "type": "invalid_request_error"}}, 404)
        convo = [(str(m.get("role")), _text_of(m.get("content"))) for m in body["messages"] if isinstance(m, dict)]
        users = [t for r, t in convo if r == "user"]
        if len(users) > 1:
            text = persona.follow_up
        else:
            text = persona.reply_zh if users and _chinese(users[0]) else persona.reply_en
        hidden = persona.hidden_system_prompt or ""
        prompt_tokens = (_tokens(hidden) if hidden else 0) + sum(_tokens(t) + 4 for _, t in convo)
        message: dict[str, Any] = {"role": "assistant", "content": text}
        if persona.reasoning:
            message["reasoning_content"] = persona.reasoning
        self.counters.served += 1
        return _json({
            "id": f"chatcmpl-id{self.counters.served}", "object": "chat.completion", "created": 1_700_000_000,
            "model": model, "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": _tokens(text),
                      "total_tokens": prompt_tokens + _tokens(text)},
        })


def start(personas: dict[str, Persona]) -> ServerHandle:
    return start_in_thread(server=IdentityServer(personas))
