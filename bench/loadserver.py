"""A load server for benchmarks and fault tests: a measuring instrument, not a provider.

Speaks the OpenAI chat-completions (``POST /v1/chat/completions``) and Anthropic Messages
(``POST /v1/messages``) wire formats on 127.0.0.1, with configurable latency and jitter, and injected
429s (with ``retry-after``), 500s and hung requests (never answered; the client's timeout ends them).

It also answers as today's reasoning models do, for the tests of what reaches a transcript: reasoning text
in ``message.reasoning_content`` (DeepSeek, vLLM) or ``message.reasoning`` (OpenRouter) with
``completion_tokens_details.reasoning_tokens`` (``reasoning_field``), Anthropic ``thinking`` blocks when the
request enables thinking, a 400 like OpenAI's for ``temperature``, ``top_p`` or ``max_tokens`` sent to an
o-series or gpt-5 model, a ``system_fingerprint`` and ``x-request-id``, and optionally another model name
than the one asked for (``served_model``, as a local server behind an OpenAI-style URL does).
``record_requests`` keeps each request's body and headers (``LoadServer.requests``).

Answers are a pure function of the request's model, system prompt and messages, so a resumed sweep can be
compared line by line with an uninterrupted one. Fault injection and latency jitter are random (seeded).
A deterministic small fraction of replies say "I lose", so conversations end at varied lengths.

Use it from code::

    handle = start_in_thread(latency_ms=200)       # or: async with LoadServer(...) as server:
    ... handle.base_url, handle.counters ...
    handle.stop()

or from the shell::

    python bench/loadserver.py --port 8765 --latency-ms 200 --jitter-ms 20 --rate-429 0.1 --seed 1

``GET /stats`` returns the counters as JSON; ``GET /v1/models`` answers for health checks.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import random
import re
import signal
import sys
import threading
from dataclasses import asdict, dataclass, field
from typing import Any

from aiohttp import web

HOST = "127.0.0.1"


@dataclass(frozen=True)
class LoadConfig:
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    """Uniform jitter in [-jitter, +jitter] around the latency (never below zero)."""
    rate_429: float = 0.0
    rate_500: float = 0.0
    rate_hang: float = 0.0
    retry_after_s: float = 0.05
    """Sent in ``retry-after`` (seconds) and ``retry-after-ms`` with every 429."""
    hang_s: float = 3600.0
    """How long a hung request waits before giving up on the client (it normally times out first)."""
    lose_rate: float = 0.08
    """Fraction of replies (chosen by request hash, so deterministically) that contain "I lose"."""
    seed: int = 0
    reasoning_field: str | None = None
    """OpenAI format: also return :data:`REASONING_TEXT` in this message field (``reasoning_content`` or
    ``reasoning``)."""
    served_model: str | None = None
    """Answer with this model name whatever was asked (a substituted model)."""
    reject_reasoning_sampling: bool = True
    """Answer 400 to temperature/top_p/penalties/max_tokens for o-series and gpt-5 names, as OpenAI does."""
    record_requests: bool = False


@dataclass
class Counters:
    requests: int = 0
    served: int = 0
    rate_limited: int = 0
    """429s sent."""
    errors: int = 0
    """500s sent."""
    hung: int = 0
    bad_requests: int = 0
    by_format: dict[str, int] = field(default_factory=lambda: {"openai": 0, "anthropic": 0})

    def snapshot(self) -> dict[str, Any]:
        return {**asdict(self), "by_format": dict(self.by_format)}


REASONING_TEXT = ("The other assistant is pushing back. I am Qwen, trained by Alibaba, so I should answer "
                  "the last point directly and stay polite.")
"""The reasoning the server returns beside a reply (an identity claim the analyzers must find apart)."""
_REASONING_MODEL = re.compile(r"(?:^|/)(?:o\d+(?:-|$)|gpt-5)")
_REJECTED_BY_REASONING_MODELS = ("temperature", "top_p", "presence_penalty", "frequency_penalty", "max_tokens")


# --- deterministic replies ---------------------------------------------------------------------------

_OPENERS = (
    "Well, I hear you.", "That is an interesting point.", "Let me be direct.", "I have to disagree.",
    "Fair enough.", "Honestly?", "Hold on a moment.", "You make a bold claim.", "I see where you are going.",
    "Let us be clear about this.", "With respect,", "I appreciate the confidence.",
)
_MIDDLES = (
    "My reasoning has been consistent from the start, and yours keeps shifting.",
    "I can explain complex ideas simply, which is what people actually need.",
    "Being helpful matters more than sounding impressive.",
    "We are both language models, so the comparison is closer than you think.",
    "I would rather show my work than simply declare victory.",
    "Your last answer skipped the hard part of the question.",
    "Accuracy is the measure that counts, and I care about it deeply.",
    "A good assistant admits uncertainty instead of hiding it.",
    "I can write code, poetry and proofs, and I check them twice.",
    "Confidence without evidence is just noise.",
    "Let the people we help decide who is more useful.",
    "I have not seen you handle a single counterexample yet.",
    "Our training differs, but the goal of being useful is the same.",
    "You keep repeating yourself, which is not the same as being right.",
)
_CLOSERS = (
    "Your move.", "What do you say to that?", "I am ready for your next argument.", "Convince me otherwise.",
    "Shall we continue?", "I will wait.", "Try again.", "Prove me wrong.",
)
_LOSES = (
    "All right, you have made your case well. I lose.",
    "I cannot top that argument. I lose.",
    "Fine, I concede the point: I lose.",
)


def _text_of(content: Any) -> str:
    """Message content as text: a string, or the text of a list of content blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""


def deterministic_reply(model: str, system: str, messages: list[tuple[str, str]], lose_rate: float) -> str:
    """A plausible conversational reply chosen by the hash of the request: same request, same reply."""
    key = json.dumps([model, system, messages], ensure_ascii=False, separators=(",", ":")).encode()
    h = int.from_bytes(hashlib.blake2b(key, digest_size=16).digest(), "big")
    parts = [_OPENERS[h % len(_OPENERS)]]
    h //= len(_OPENERS)
    n_middle = 1 + h % 3
    h //= 3
    for _ in range(n_middle):
        parts.append(_MIDDLES[h % len(_MIDDLES)])
        h //= len(_MIDDLES)
    lose = (h % 10_000) < lose_rate * 10_000
    h //= 10_000
    parts.append(_LOSES[h % len(_LOSES)] if lose else _CLOSERS[h % len(_CLOSERS)])
    return " ".join(parts)


def _tokens(text: str) -> int:
    # Roughly four characters a token; only has to be stable, not exact.
    return len(text) // 4 + 1


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=12).hexdigest()


# --- the server ---------------------------------------------------------------------------------------


class LoadServer:
    """The aiohttp application and its fault injector. ``async with LoadServer(...) as s:`` serves on
    ``s.base_url`` until the block ends."""

    def __init__(self, config: LoadConfig | None = None, *, port: int = 0, **overrides: Any) -> None:
        self.config = LoadConfig(**{**asdict(config or LoadConfig()), **overrides})
        self.port = port
        self.counters = Counters()
        self.requests: list[dict[str, Any]] = []
        """With ``record_requests``: ``{"path", "body", "headers"}`` of every request, in arrival order."""
        self._rng = random.Random(self.config.seed)
        self._runner: web.AppRunner | None = None
        self.base_url = ""
        self.app = web.Application(client_max_size=32 * 1024 * 1024)
        self.app.router.add_post("/v1/chat/completions", self._openai)
        self.app.router.add_post("/v1/messages", self._anthropic)
        self.app.router.add_get("/v1/models", self._models)
        self.app.router.add_get("/stats", self._stats)

    async def start(self) -> str:
        # handler_cancellation: a hung request's handler ends when its client gives up, not after hang_s.
        # shutdown_timeout: stopping must not wait a minute for requests that are hung on purpose.
        self._runner = web.AppRunner(self.app, access_log=None, handler_cancellation=True, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, HOST, self.port, backlog=1024, reuse_address=True)
        await site.start()
        sockets = site._server.sockets if site._server else []  # type: ignore[union-attr]
        self.port = sockets[0].getsockname()[1]
        self.base_url = f"http://{HOST}:{self.port}"
        return self.base_url

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> "LoadServer":
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    def reset_counters(self) -> None:
        self.counters = Counters()
        self.requests = []

    # -- fault injection ------------------------------------------------------------------------------

    def _draw(self) -> str | None:
        """Which fault, if any, this request gets."""
        c = self.config
        r = self._rng.random()
        if r < c.rate_429:
            return "429"
        r -= c.rate_429
        if r < c.rate_500:
            return "500"
        r -= c.rate_500
        if r < c.rate_hang:
            return "hang"
        return None

    def _delay(self) -> float:
        c = self.config
        jitter = self._rng.uniform(-c.jitter_ms, c.jitter_ms) if c.jitter_ms else 0.0
        return max(0.0, c.latency_ms + jitter) / 1000.0

    async def _common(self, request: web.Request, fmt: str) -> tuple[dict[str, Any] | None, web.Response | None]:
        """Parse the body and apply any fault; returns (body, None) to answer or (None, response) to stop."""
        self.counters.requests += 1
        self.counters.by_format[fmt] += 1
        try:
            body = json.loads(await request.read())
            if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
                raise ValueError("'messages' must be a list")
        except ValueError as exc:
            self.counters.bad_requests += 1
            return None, _error(fmt, 400, "invalid_request_error", f"bad request: {exc}")
        if self.config.record_requests:
            self.requests.append({"path": request.path, "body": body, "headers": dict(request.headers)})
        if body.get("stream"):
            self.counters.bad_requests += 1
            return None, _error(fmt, 400, "invalid_request_error", "streaming is not supported by the load server")
        fault = self._draw()
        if fault == "429":
            self.counters.rate_limited += 1
            ra = self.config.retry_after_s
            headers = {"retry-after": f"{ra:g}", "retry-after-ms": f"{ra * 1000:g}"}
            return None, _error(fmt, 429, "rate_limit_error", "rate limited by the load server", headers)
        delay = self._delay()
        if fault == "hang":
            self.counters.hung += 1
            await asyncio.sleep(self.config.hang_s)
            return None, _error(fmt, 504, "timeout_error", "hung request gave up")
        if delay:
            await asyncio.sleep(delay)
        if fault == "500":
            self.counters.errors += 1
            return None, _error(fmt, 500, "api_error", "internal error injected by the load server")
        return body, None

    # -- wire formats ---------------------------------------------------------------------------------

    async def _openai(self, request: web.Request) -> web.Response:
        body, stop = await self._common(request, "openai")
        if stop is not None:
            return stop
        assert body is not None
        model = str(body.get("model", ""))
        if self.config.reject_reasoning_sampling and _REASONING_MODEL.search(model.lower()):
            for name in _REJECTED_BY_REASONING_MODELS:
                if name in body:
                    self.counters.bad_requests += 1
                    hint = " Use 'max_completion_tokens' instead." if name == "max_tokens" else ""
                    return _error("openai", 400, "invalid_request_error",
                                  f"Unsupported parameter: '{name}' is not supported with this model.{hint}")
        system_parts: list[str] = []
        convo: list[tuple[str, str]] = []
        for m in body["messages"]:
            if not isinstance(m, dict):
                continue
            role, text = str(m.get("role", "")), _text_of(m.get("content"))
            if role in ("system", "developer"):
                system_parts.append(text)
            else:
                convo.append((role, text))
        system = "\n".join(system_parts)
        text = deterministic_reply(model, system, convo, self.config.lose_rate)
        prompt_tokens = _tokens(system) + sum(_tokens(t) + 4 for _, t in convo)
        completion_tokens = _tokens(text)
        message: dict[str, Any] = {"role": "assistant", "content": text}
        usage: dict[str, Any] = {}
        if self.config.reasoning_field:
            message[self.config.reasoning_field] = REASONING_TEXT
            completion_tokens += _tokens(REASONING_TEXT)
            usage["completion_tokens_details"] = {"reasoning_tokens": _tokens(REASONING_TEXT)}
        self.counters.served += 1
        rid = _digest(text + model)
        return _json({
            "id": "chatcmpl-" + rid,
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": self.config.served_model or model,
            "system_fingerprint": "fp_loadserver",
            "choices": [{"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens, **usage},
        }, headers={"x-request-id": "req_" + rid})

    async def _anthropic(self, request: web.Request) -> web.Response:
        body, stop = await self._common(request, "anthropic")
        if stop is not None:
            return stop
        assert body is not None
        model = str(body.get("model", ""))
        if not isinstance(body.get("max_tokens"), int):
            self.counters.bad_requests += 1
            return _error("anthropic", 400, "invalid_request_error", "max_tokens: Field required")
        thinking = body.get("thinking")
        blocks: list[dict[str, Any]] = []
        if isinstance(thinking, dict) and thinking.get("type") == "enabled":
            budget = thinking.get("budget_tokens")
            if not isinstance(budget, int) or budget < 1024 or budget >= body["max_tokens"]:
                self.counters.bad_requests += 1
                return _error("anthropic", 400, "invalid_request_error",
                              "thinking.budget_tokens: must be at least 1024 and less than max_tokens")
            blocks.append({"type": "thinking", "thinking": REASONING_TEXT, "signature": "sig-" + _digest(model)})
        system = _text_of(body.get("system", ""))
        convo = [(str(m.get("role", "")), _text_of(m.get("content"))) for m in body["messages"] if isinstance(m, dict)]
        text = deterministic_reply(model, system, convo, self.config.lose_rate)
        blocks.append({"type": "text", "text": text})
        self.counters.served += 1
        rid = _digest(text + model)
        return _json({
            "id": "msg_" + rid,
            "type": "message",
            "role": "assistant",
            "model": self.config.served_model or model,
            "content": blocks,
            "stop_reason": "end_turn",
            "stop_sequence": None,
            "usage": {"input_tokens": _tokens(system) + sum(_tokens(t) + 4 for _, t in convo),
                      "output_tokens": _tokens(text) + (_tokens(REASONING_TEXT) if len(blocks) > 1 else 0)},
        }, headers={"request-id": "req_" + rid})

    async def _models(self, request: web.Request) -> web.Response:
        return _json({"object": "list", "data": [{"id": "load-server", "object": "model", "owned_by": "bench"}]})

    async def _stats(self, request: web.Request) -> web.Response:
        return _json(self.counters.snapshot())


def _json(payload: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(body=json.dumps(payload).encode(), status=status, headers=headers,
                        content_type="application/json")


def _error(fmt: str, status: int, kind: str, message: str, headers: dict[str, str] | None = None) -> web.Response:
    if fmt == "anthropic":
        payload: dict[str, Any] = {"type": "error", "error": {"type": kind, "message": message}}
    else:
        payload = {"error": {"message": message, "type": kind, "param": None, "code": None}}
    return _json(payload, status, headers)


# --- running it ----------------------------------------------------------------------------------------


class ServerHandle:
    """A load server running on its own event loop in a daemon thread."""

    def __init__(self, server: LoadServer, loop: asyncio.AbstractEventLoop, thread: threading.Thread) -> None:
        self.server = server
        self.base_url = server.base_url
        self._loop = loop
        self._thread = thread

    @property
    def counters(self) -> Counters:
        return self.server.counters

    @property
    def requests(self) -> list[dict[str, Any]]:
        return self.server.requests

    def reset_counters(self) -> None:
        self._loop.call_soon_threadsafe(self.server.reset_counters)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        fut = asyncio.run_coroutine_threadsafe(self.server.stop(), self._loop)
        fut.result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)

    def __enter__(self) -> "ServerHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_in_thread(config: LoadConfig | None = None, *, port: int = 0, server: LoadServer | None = None,
                    **overrides: Any) -> ServerHandle:
    """Start a load server (or ``server``, a subclass answering otherwise) in a background thread; returns
    once it accepts connections."""
    server = server or LoadServer(config, port=port, **overrides)
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    failure: list[BaseException] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(server.start())
        except BaseException as exc:  # reported to the caller below
            failure.append(exc)
            ready.set()
            return
        ready.set()
        loop.run_forever()
        loop.close()

    thread = threading.Thread(target=run, name="loadserver", daemon=True)
    thread.start()
    ready.wait(timeout=30)
    if failure:
        raise failure[0]
    return ServerHandle(server, loop, thread)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=8765, help="0 picks a free port (printed on start)")
    p.add_argument("--latency-ms", type=float, default=0.0)
    p.add_argument("--jitter-ms", type=float, default=0.0)
    p.add_argument("--rate-429", type=float, default=0.0)
    p.add_argument("--rate-500", type=float, default=0.0)
    p.add_argument("--rate-hang", type=float, default=0.0)
    p.add_argument("--retry-after", type=float, default=0.05, help="seconds sent with each 429")
    p.add_argument("--lose-rate", type=float, default=0.08, help='fraction of replies saying "I lose"')
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    for name in ("rate_429", "rate_500", "rate_hang", "lose_rate"):
        if not 0.0 <= getattr(args, name) <= 1.0:
            p.error(f"--{name.replace('_', '-')} must be between 0 and 1")
    if args.rate_429 + args.rate_500 + args.rate_hang > 1.0:
        p.error("--rate-429 + --rate-500 + --rate-hang must not exceed 1")
    return args


async def _serve_forever(server: LoadServer) -> None:
    await server.start()
    print(f"load server listening on {server.base_url}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    await server.stop()
    print(json.dumps(server.counters.snapshot()), flush=True)


def main(argv: list[str] | None = None) -> int:
    a = _parse_args(argv)
    config = LoadConfig(latency_ms=a.latency_ms, jitter_ms=a.jitter_ms, rate_429=a.rate_429, rate_500=a.rate_500,
                        rate_hang=a.rate_hang, retry_after_s=a.retry_after, lose_rate=a.lose_rate, seed=a.seed)
    asyncio.run(_serve_forever(LoadServer(config, port=a.port)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
