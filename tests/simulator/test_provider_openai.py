"""The openai provider against real servers: llama_cpp.server serving the embedded GGUF, and the load server
for the failure mapping. No SDK mocks."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request

import pytest

from bench import loadserver
from simulator.errors import ProviderError
from simulator.providers import TransientError, Turn, make_provider
from simulator.providers.embedded import find_gguf
from simulator.scenario import AgentSpec, Sampling

ALIAS = "smollm2-test"
SYSTEM = "You are Bobby, a proud AI assistant in a friendly debate."
TURNS = [Turn("assistant", "I am the greatest AI assistant."), Turn("user", "Why do you think so?")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def llama_server():
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "llama_cpp.server", "--model", str(find_gguf()), "--model_alias", ALIAS,
         "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "2048", "--n_threads", "2", "--verbose", "False"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"llama_cpp.server exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                urllib.request.urlopen(base + "/v1/models", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("llama_cpp.server did not answer within 60 s")
                time.sleep(0.2)
        yield base + "/v1"
    finally:
        proc.kill()
        proc.wait(timeout=10)


def _spec(base_url: str | None, **kw) -> AgentSpec:
    return AgentSpec(name="Bobby", provider="openai", model=ALIAS, base_url=base_url, **kw)


@pytest.mark.slow
async def test_chat_against_llama_cpp_server_without_a_key(llama_server):
    provider = make_provider(_spec(llama_server), env={})  # local server: a placeholder key is sent
    sampling = Sampling(temperature=0, max_tokens=40, top_k=40, repeat_penalty=1.3, seed=1)
    try:
        result = await provider.complete(SYSTEM, TURNS, sampling)
        again = await provider.complete(SYSTEM, TURNS, sampling)
    finally:
        await provider.aclose()
    assert result.text.strip()
    assert result.text == again.text  # temperature 0 is deterministic through the server too
    assert result.applied == sampling.asked()  # top_k and repeat_penalty go via extra_body to a custom server
    assert result.unsupported == {}
    assert result.model == ALIAS
    assert 0 < result.completion_tokens <= 40 and result.prompt_tokens > 20


@pytest.mark.slow
async def test_sampling_parameters_reach_the_server(llama_server):
    provider = make_provider(_spec(llama_server), env={})
    try:
        short = await provider.complete(SYSTEM, TURNS, Sampling(temperature=0, max_tokens=3))
        stopped = await provider.complete(SYSTEM, TURNS, Sampling(temperature=0, max_tokens=60, stop=["."]))
        repeat = Turn("user", "Repeat after me ten times: cat cat cat cat cat cat cat cat cat cat")
        plain = await provider.complete("", [repeat], Sampling(temperature=0, max_tokens=30, repeat_penalty=1.0))
        penalised = await provider.complete("", [repeat], Sampling(temperature=0, max_tokens=30, repeat_penalty=2.0))
    finally:
        await provider.aclose()
    assert short.completion_tokens <= 3 and short.finish_reason == "length"
    assert "." not in stopped.text and stopped.finish_reason == "stop"
    assert plain.text != penalised.text  # repeat_penalty in extra_body changed the greedy output


def test_official_api_gets_only_standard_parameters():
    provider = make_provider(_spec(None), env={"OPENAI_API_KEY": "sk-test-0123456789abcdef"})
    kwargs, result = provider._request("sys", TURNS, Sampling(temperature=0.5, top_k=5, repeat_penalty=1.3,
                                                               max_tokens=100, stop=["x"]))
    # api.openai.com rejects unknown fields and (for reasoning models) max_tokens.
    assert "extra_body" not in kwargs and "max_tokens" not in kwargs
    assert kwargs["max_completion_tokens"] == 100 and kwargs["temperature"] == 0.5 and kwargs["stop"] == ["x"]
    assert result.unsupported == {"top_k": 5, "repeat_penalty": 1.3}
    assert result.applied == {"temperature": 0.5, "max_tokens": 100, "stop": ["x"]}
    # Names are never sent: the agent layer puts them in the text when the scenario says so.
    assert kwargs["messages"] == [{"role": "system", "content": "sys"},
                                  {"role": "assistant", "content": TURNS[0].content},
                                  {"role": "user", "content": TURNS[1].content}]


async def test_429_500_and_hang_map_to_transient_errors():
    ls = loadserver
    for overrides, status in (({"rate_429": 1.0, "retry_after_s": 2.0}, 429), ({"rate_500": 1.0}, 500)):
        with ls.start_in_thread(**overrides) as handle:
            provider = make_provider(_spec(handle.base_url + "/v1"), env={})
            with pytest.raises(TransientError) as info:
                await provider.complete("", [Turn("user", "hi")], Sampling())
            await provider.aclose()
            assert info.value.status == status
            assert info.value.retry_after == (2.0 if status == 429 else None)
    with ls.start_in_thread(rate_hang=1.0) as handle:
        provider = make_provider(_spec(handle.base_url + "/v1", timeout_s=0.4), env={})
        with pytest.raises(TransientError):
            await provider.complete("", [Turn("user", "hi")], Sampling())
        await provider.aclose()
        assert handle.counters.hung == 1


async def test_connection_refused_is_transient_and_404_permanent():
    provider = make_provider(_spec(f"http://127.0.0.1:{_free_port()}/v1"), env={})
    with pytest.raises(TransientError):
        await provider.complete("", [Turn("user", "hi")], Sampling())
    await provider.aclose()
    with loadserver.start_in_thread() as handle:
        provider = make_provider(_spec(handle.base_url + "/nowhere"), env={})
        with pytest.raises(ProviderError, match="HTTP 404"):
            await provider.complete("", [Turn("user", "hi")], Sampling())
        await provider.aclose()


@pytest.mark.parametrize("body, content_type, expected", [
    ("<html>captive portal</html>", "text/html", "answered with text, not a chat completion"),
    ('{"object": "list", "data": []}', "application/json", "answered with no choices"),
    ('{"choices": [{"message": {"content": ["a", "list"]}}]}', "application/json", "content is list, not text"),
    ("[1, 2]", "application/json", "answered with list, not a chat completion"),
])
async def test_a_200_that_is_not_a_chat_completion_is_a_clear_permanent_error(body, content_type, expected):
    from aiohttp import web

    async def handler(request: web.Request) -> web.Response:
        return web.Response(text=body, content_type=content_type)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    provider = make_provider(_spec(f"http://127.0.0.1:{port}/v1"), env={})
    try:
        with pytest.raises(ProviderError, match=expected):
            await provider.complete("", [Turn("user", "hi")], Sampling())
    finally:
        await provider.aclose()
        await runner.cleanup()


async def test_usage_and_finish_reason_are_read_from_the_json(tmp_path):
    with loadserver.start_in_thread() as handle:
        provider = make_provider(_spec(handle.base_url + "/v1"), env={})
        out = await provider.complete("sys", [Turn("user", "hi")], Sampling())
        await provider.aclose()
    assert out.text and out.finish_reason == "stop" and out.model == ALIAS
    assert out.prompt_tokens and out.prompt_tokens > 0 and out.completion_tokens and out.completion_tokens > 0
