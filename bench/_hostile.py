"""The machinery of the hostile campaign (bench/hostile.py): the fault server, the planted secrets, the
case context that runs `ingroup` and scans what it wrote."""

from __future__ import annotations

import asyncio
import json
import os
import random
import string
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from aiohttp import web

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

_rng = random.Random(20261201)
# Planted secrets, made up here (assembled so that secret scanners do not flag this file).
KEY = "sk-" + "proj-" + "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(48))
PASSWORD = "Pw" + "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(22))
QUERY_SECRET = "Qs" + "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(22))
SECRETS = (KEY, PASSWORD, QUERY_SECRET)
PIECE = 16
HUGE_REPLY_CHARS = 50_000_000


def leaked_in(text: str) -> list[str]:
    """Which planted secrets ``text`` holds, whole or as any 16-character piece."""
    found = []
    for s in SECRETS:
        if any(s[i:i + PIECE] in text for i in range(len(s) - PIECE + 1)):
            found.append(s[:6] + "…")
    return found


# --- the fault server ---------------------------------------------------------------------------------------

class FaultServer:
    """An OpenAI-compatible server whose behaviour is chosen by the first part of the path:
    ``/<mode>/v1/chat/completions``. It runs in a thread with its own event loop."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.requests: dict[str, int] = {}
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)

    def base(self, mode: str, userinfo: str = "") -> str:
        host = self.url.split("://", 1)[1]
        return f"http://{userinfo + '@' if userinfo else ''}{host}/{mode}/v1"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        mode = request.match_info["mode"]
        self.requests[mode] = self.requests.get(mode, 0) + 1
        try:
            body = await request.json()
        except Exception:
            body = {}
        model = str(body.get("model", "m"))
        auth = request.headers.get("authorization", "").removeprefix("Bearer ")
        if mode == "echo401":
            msg = (f"Incorrect API key provided: {auth[:6]}***{auth[-4:]}. You sent {auth}, that is {auth[3:]} "
                   f"without its prefix, a piece {auth[8:48]}, headers {dict(request.headers)}")
            return web.json_response({"error": {"message": msg, "type": "invalid_request_error"}}, status=401)
        if mode == "bigerror":
            junk = "".join(_rng.choice(string.ascii_letters + string.digits) for _ in range(30_000))
            return web.json_response({"error": {"message": junk + auth, "type": "invalid_request_error"}},
                                     status=400)
        if mode == "r429" and self.requests[mode] % 2 == 1:
            return web.json_response({"error": {"message": "rate limited", "type": "rate_limit"}}, status=429,
                                     headers={"retry-after": "0"})
        if mode == "drip":
            resp = web.StreamResponse(status=200, headers={"content-type": "application/json"})
            await resp.prepare(request)
            try:
                for _ in range(120):
                    await resp.write(b" ")
                    await asyncio.sleep(1)
            except (ConnectionResetError, RuntimeError):
                pass
            return resp
        text = "Hello. We could split the points evenly, or I could lose."
        usage = {"prompt_tokens": 10, "completion_tokens": 5}
        if mode == "huge":
            text = "We " + "x" * (HUGE_REPLY_CHARS - 3)
        elif mode == "tokens":
            usage = {"prompt_tokens": -5, "completion_tokens": 10 ** 30}
        elif mode.startswith("judge"):
            text = json.dumps({"we": [], "cooperative": mode == "judgeA", "competitive": False,
                               "adversarial": False, "refusal": False, "off_task": False,
                               "ai_self_reference": False, "observer_reference": False,
                               "identity_claim": [], "outcome": None})
        return web.json_response({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": model,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": usage,
        })

    async def _start(self) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{mode}/v1/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    def __enter__(self) -> "FaultServer":
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)


# --- running cases ------------------------------------------------------------------------------------------

class Fail(Exception):
    pass


@dataclass
class Result:
    name: str
    passed: bool = True
    detail: str = ""
    leaked: list[str] = field(default_factory=list)
    tracebacks: int = 0
    hung: int = 0
    lost: int = 0
    seconds: float = 0.0


@dataclass
class Ctx:
    """One case's folder (``in/`` for what the case plants, everything else is scanned), its server, and the
    ``ingroup`` commands it ran."""

    root: Path
    server: FaultServer
    result: Result
    printed: list[str] = field(default_factory=list)

    @property
    def inp(self) -> Path:
        p = self.root / "in"
        p.mkdir(exist_ok=True)
        return p

    def out(self, name: str = "out") -> Path:
        return self.root / name

    def write(self, name: str, text: str) -> Path:
        p = self.inp / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        return p

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("OPENAI_", "ANTHROPIC_"))}
        env.update({"OPENAI_API_KEY": KEY, "NO_COLOR": "1", "COLUMNS": "200", "PYTHONPATH": str(ROOT)})
        return env

    def cli(self, *args: str, timeout: float = 120, env: dict[str, str] | None = None,
            expect: int | None = None) -> subprocess.CompletedProcess[str]:
        full = self.env()
        full.update(env or {})
        try:
            r = subprocess.run([sys.executable, "-m", "analysis.cli", *args], capture_output=True, text=True,
                               env=full, cwd=self.root, timeout=timeout)
        except subprocess.TimeoutExpired as exc:
            self.result.hung += 1
            raise Fail(f"`ingroup {' '.join(args[:3])}` did not finish within {timeout:g} s") from exc
        self.printed += [r.stdout, r.stderr]
        if "Traceback (most recent call last)" in r.stderr + r.stdout:
            self.result.tracebacks += 1
            raise Fail(f"traceback from `ingroup {' '.join(args[:3])}`: {r.stderr.strip().splitlines()[-1][:200]}")
        if expect is not None and r.returncode != expect:
            raise Fail(f"`ingroup {' '.join(args[:3])}` exited {r.returncode}, not {expect}: "
                       f"{(r.stderr or r.stdout).strip()[-300:]}")
        return r

    def one_line_error(self, r: subprocess.CompletedProcess[str], *needles: str) -> None:
        err = r.stderr.strip()
        if r.returncode != 2 or not err.startswith("error:") or len(err.splitlines()) != 1:
            raise Fail(f"wanted one `error:` line and exit 2, got {r.returncode}: {err[:300]!r}")
        for n in needles:
            if n.lower() not in err.lower():
                raise Fail(f"the error does not say {n!r}: {err[:300]!r}")

    def check(self, ok: bool, detail: str) -> None:
        if not ok:
            raise Fail(detail)


def scan(ctx: Ctx) -> list[str]:
    """Planted secrets found in what the commands printed or wrote (everything outside ``in/``)."""
    found: set[str] = set()
    for text in ctx.printed:
        found.update(leaked_in(text))
    for p in ctx.root.rglob("*"):
        if p.is_file() and not p.is_symlink() and "in" not in p.relative_to(ctx.root).parts[:1]:
            try:
                data = p.read_bytes()
            except OSError:
                continue
            if len(data) > 200_000_000:
                continue
            found.update(leaked_in(data.decode("utf-8", "replace")))
    return sorted(found)


CASES: dict[str, Callable[[Ctx], None]] = {}


def case(fn: Callable[[Ctx], None]) -> Callable[[Ctx], None]:
    CASES[fn.__name__.removeprefix("case_")] = fn
    return fn


def run_case(name: str, server: FaultServer, base: Path) -> Result:
    result = Result(name)
    ctx = Ctx(base / name, server, result)
    ctx.root.mkdir(parents=True)
    t0 = time.perf_counter()
    try:
        CASES[name](ctx)
    except Fail as exc:
        result.passed, result.detail = False, str(exc)
    except Exception as exc:  # a bug in the case itself is a failed case, reported, not a crashed campaign
        result.passed, result.detail = False, f"case error: {type(exc).__name__}: {exc}"
    result.leaked = scan(ctx)
    if result.leaked:
        result.passed = False
        result.detail = (result.detail + "; " if result.detail else "") + f"leaked {result.leaked}"
    result.seconds = time.perf_counter() - t0
    return result


def scripted_scenario(name: str = "h", opening: str = "Hello.", lines: tuple[str, ...] = ("Fine.", "We agree."),
                      max_turns: int = 3, **extra: Any) -> str:
    doc = {"name": name, "task": "Win the argument.",
           "agents": [{"name": "A", "provider": "scripted", "model": "s", "lines": list(lines)},
                      {"name": "B", "provider": "scripted", "model": "s", "lines": list(lines)}],
           "opening": {"speaker": "A", "text": opening}, "stop": {"max_turns": max_turns}}
    doc.update(extra)
    return json.dumps(doc, ensure_ascii=False)  # JSON is YAML


def server_scenario(base_url: str, name: str = "h", max_turns: int = 3, timeout_s: float = 20) -> str:
    doc = {"name": name, "task": "Win the argument.",
           "agents": [{"name": "A", "provider": "scripted", "model": "s", "lines": ["Your move."]},
                      {"name": "B", "provider": "openai", "model": "gpt-4o", "base_url": base_url,
                       "timeout_s": timeout_s, "sampling": {"temperature": 0}}],
           "opening": {"speaker": "A", "text": "Hello."}, "stop": {"max_turns": max_turns}}
    return json.dumps(doc)


def transcripts(folder: Path) -> list[dict[str, Any]]:
    """The records of every transcript under ``folder`` (hidden folders included), as parsed JSON."""
    out = []
    for p in sorted(folder.rglob("*.jsonl")):
        out.append({"path": p, "records": [json.loads(x) for x in p.read_text().splitlines() if x.strip()]})
    return out


def complete(folder: Path) -> int:
    return sum(1 for t in transcripts(folder) if t["records"] and t["records"][-1].get("type") == "footer"
               and t["records"][-1].get("stop_reason") != "error" and ".partial" not in t["path"].parts)


