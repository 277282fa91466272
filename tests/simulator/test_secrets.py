"""Keys: a missing one is a clear error naming the variable; a present one never reaches error text."""

from __future__ import annotations

import asyncio
import threading

import pytest
from aiohttp import web

from simulator.errors import ProviderError
from simulator.providers import PLACEHOLDER_KEY, Turn, make_provider, resolve_key
from simulator.scenario import AgentSpec, Sampling
from simulator.secrets import REDACTED, redact

# Fake keys, assembled so that secret scanners do not flag this file.
FAKE_OPENAI = "sk-" + "proj-FAKEkey1234567890abcdefXYZ"
FAKE_ANTHROPIC = "sk-" + "ant-api03-FAKEkey1234567890abcdefXYZ"
FAKE_CUSTOM = "zz-custom-credential-0123456789"


def _agent(provider: str, **kw) -> AgentSpec:
    return AgentSpec(name="Robbie", provider=provider, model="m", **kw)


@pytest.mark.parametrize("provider, var", [("anthropic", "ANTHROPIC_API_KEY"), ("openai", "OPENAI_API_KEY")])
def test_missing_key_names_the_variable_and_the_agent(provider, var):
    with pytest.raises(ProviderError) as info:
        make_provider(_agent(provider), env={})
    assert str(info.value).startswith(f"agent Robbie ({provider}): set {var}")


def test_missing_custom_key_env_is_named_even_with_a_base_url():
    spec = _agent("openai", api_key_env="MY_LAB_KEY", base_url="http://127.0.0.1:1/v1")
    with pytest.raises(ProviderError, match="set MY_LAB_KEY"):
        make_provider(spec, env={"OPENAI_API_KEY": FAKE_OPENAI})
    assert resolve_key(spec, {"MY_LAB_KEY": FAKE_CUSTOM}, base_url=spec.base_url) == (FAKE_CUSTOM, "MY_LAB_KEY")


def test_local_server_needs_no_key():
    spec = _agent("openai", base_url="http://127.0.0.1:1/v1")
    assert resolve_key(spec, {}, base_url=spec.base_url) == (PLACEHOLDER_KEY, "OPENAI_API_KEY")


def test_redact_env_values_and_key_shapes():
    env = {"OPENAI_API_KEY": FAKE_OPENAI, "GROQ_API_KEY": "gsk_abcdefghijklmnop", "HF_TOKEN": "hf_0123456789abcd",
           "LAB_CRED": FAKE_CUSTOM, "DEBUG": "1", "HOME": "/root/somewhere"}
    text = (f"401: Incorrect API key provided: sk-abc***xyz. Sent {FAKE_OPENAI}, gsk_abcdefghijklmnop, "
            f"hf_0123456789abcd, {FAKE_CUSTOM}, Authorization: Bearer abcdefghijklmnop1234 x-api-key: "
            f"{FAKE_ANTHROPIC} and 'ab12****wxyz'. HOME is /root/somewhere, DEBUG=1.")
    out = redact(text, env, names=["LAB_CRED"])
    for secret in (FAKE_OPENAI, "sk-abc***xyz", "gsk_abcdefghijklmnop", "hf_0123456789abcd", FAKE_CUSTOM,
                   "abcdefghijklmnop1234", FAKE_ANTHROPIC, "ab12****wxyz"):
        assert secret not in out
    assert "FAKEkey" not in out and "***" not in out.replace(REDACTED, "")
    # Ordinary text survives: non-secret variables and short values are left alone.
    assert "/root/somewhere" in out and "DEBUG=1" in out and out.startswith("401: Incorrect API key provided: ")
    assert redact("", env) == ""
    assert FAKE_CUSTOM in redact(FAKE_CUSTOM, env)  # LAB_CRED is not a secret by name: only when named


class _EchoServer:
    """Answers every request with a 401 (or 400) whose message echoes the credentials it was sent, in full
    and masked the way OpenAI does: the worst case for a leak."""

    def __init__(self, status: int) -> None:
        self.status = status
        self.loop = asyncio.new_event_loop()
        self.base_url = ""

    async def _handle(self, request: web.Request) -> web.Response:
        key = request.headers.get("x-api-key") or request.headers.get("authorization", "").removeprefix("Bearer ")
        masked = f"{key[:6]}***{key[-4:]}"
        message = f"Incorrect API key provided: {masked}. You sent {key} with headers {dict(request.headers)}"
        body = {"type": "error", "error": {"type": "authentication_error", "message": message}}
        return web.json_response(body, status=self.status)

    def __enter__(self) -> "_EchoServer":
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self.runner = web.AppRunner(app, access_log=None)
        ready = threading.Event()

        def run() -> None:
            asyncio.set_event_loop(self.loop)
            self.loop.run_until_complete(self.runner.setup())
            site = web.TCPSite(self.runner, "127.0.0.1", 0)
            self.loop.run_until_complete(site.start())
            self.base_url = f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"
            ready.set()
            self.loop.run_forever()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        ready.wait(10)
        return self

    def __exit__(self, *exc: object) -> None:
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


@pytest.mark.parametrize("status", [401, 400])
@pytest.mark.parametrize("provider, var, key, suffix", [
    ("openai", "OPENAI_API_KEY", FAKE_OPENAI, "/v1"),
    ("anthropic", "ANTHROPIC_API_KEY", FAKE_ANTHROPIC, ""),
    ("openai", "LAB_CRED", FAKE_CUSTOM, "/v1"),
])
async def test_fake_key_never_appears_in_provider_errors(status, provider, var, key, suffix):
    env = {var: key}
    with _EchoServer(status) as server:
        spec = _agent(provider, base_url=server.base_url + suffix,
                      api_key_env=None if var.endswith("_API_KEY") else var)
        agent = make_provider(spec, env=env)
        with pytest.raises(ProviderError) as info:
            await agent.complete("", [Turn("user", "hi")], Sampling())
        await agent.aclose()
    text = str(info.value)
    assert "Incorrect API key provided" in text  # the server's message does come through...
    assert key not in text and key[:6] + "***" not in text and key[-8:] not in text  # ...without the key
    if status == 401:
        assert f"check {var}" in text


def test_base_urls_and_headers_are_written_without_credentials():
    from simulator.secrets import REDACTED, public_url, redact_headers

    key = "sk-" + "proj-abcdefghijklmnop0123"
    assert public_url(f"https://lab:{key}@gw.example:8443/v1?api_key={key}#x", env={}) == "https://gw.example:8443/v1"
    assert public_url(f"https://gw.example/{key}/v1", env={}) == f"https://gw.example/{REDACTED}/v1"
    assert public_url(None) is None
    headers = redact_headers({"X-Title": "ingroup", "X-Api-Key": "short", "Cookie": "s=1", "X-Note": key}, env={})
    assert headers == {"X-Title": "ingroup", "X-Api-Key": REDACTED, "Cookie": REDACTED, "X-Note": REDACTED}
