"""The anthropic provider over real HTTP against the load server's Messages endpoint (no SDK mocks)."""

from __future__ import annotations

import time

import pytest

from bench import loadserver
from simulator.errors import ProviderError
from simulator.providers import TransientError, Turn, make_provider
from simulator.providers.anthropic import (
    DEFAULT_MAX_TOKENS,
    LEADING_USER_TURN,
    TRAILING_USER_TURN,
    sdk_sampling_support,
    shape_messages,
)
from simulator.scenario import AgentSpec, Sampling

ENV = {"ANTHROPIC_API_KEY": "sk-" + "ant-test-0123456789abcdef"}  # fake; split for secret scanners


@pytest.fixture(scope="module")
def server():
    handle = loadserver.start_in_thread(latency_ms=1)
    yield handle
    handle.stop()


def _spec(base_url: str, **kw) -> AgentSpec:
    return AgentSpec(name="Robbie", provider="anthropic", model="claude-test", base_url=base_url, **kw)


async def test_reply_comes_from_the_wire_with_system_and_shaped_messages(server):
    provider = make_provider(_spec(server.base_url), ENV)
    turns = [Turn("assistant", "I am the greatest AI."), Turn("user", "No."), Turn("user", "Prove it.")]
    try:
        result = await provider.complete("You are Robbie.", turns, Sampling(max_tokens=64))
    finally:
        await provider.aclose()
    # The load server's reply is a pure function of (model, system, messages): equality proves the system
    # prompt went in `system`, the opener's turn got a leading user turn, and same-role turns were merged.
    expected_messages = [("user", LEADING_USER_TURN), ("assistant", "I am the greatest AI."), ("user", "No.\n\nProve it.")]
    ls = loadserver
    assert result.text == ls.deterministic_reply("claude-test", "You are Robbie.", expected_messages, 0.08)
    assert result.model == "claude-test"
    assert result.finish_reason == "end_turn"
    assert result.prompt_tokens and result.completion_tokens
    assert result.applied == {"max_tokens": 64, "leading_user_turn": LEADING_USER_TURN, "merged_turns": 1}


async def test_parameters_the_sdk_rejects_are_recorded_not_sent():
    handle = loadserver.start_in_thread(latency_ms=1, record_requests=True)
    provider = make_provider(_spec(handle.base_url), ENV)
    sampling = Sampling(temperature=0.0, top_p=0.9, seed=7, repeat_penalty=1.2, stop=["END"])
    try:
        result = await provider.complete("", [Turn("user", "Hello")], sampling)
    finally:
        await provider.aclose()
        handle.stop()
    body = handle.requests[-1]["body"]
    # What the record says was applied is what went on the wire, and nothing it calls unsupported did.
    assert body["max_tokens"] == result.applied["max_tokens"] == DEFAULT_MAX_TOKENS  # the API requires it
    assert body["stop_sequences"] == result.applied["stop"] == ["END"]
    for name, wire in (("temperature", "temperature"), ("top_p", "top_p"), ("seed", "seed"),
                       ("repeat_penalty", "repeat_penalty")):
        assert (name in result.applied) == (wire in body), name
        assert (name in result.unsupported) != (wire in body), name
    # The pinned SDK (constraints.txt) no longer takes temperature or top_p: both recorded as unsupported.
    assert {"temperature", "top_p", "seed", "repeat_penalty"} <= set(result.unsupported)
    assert sdk_sampling_support() == {"max_tokens": "max_tokens", "stop": "stop_sequences", "thinking_budget": "thinking"}


def test_shape_messages_alternates_and_ends_with_user():
    msgs, notes = shape_messages([Turn("user", "hi"), Turn("assistant", "  "), Turn("assistant", "more")])
    assert [m["role"] for m in msgs] == ["user", "assistant", "user"]
    assert msgs[1]["content"].endswith("more") and msgs[2]["content"] == TRAILING_USER_TURN
    assert notes["trailing_user_turn"] == TRAILING_USER_TURN and notes["empty_turns_filled"] == 1
    assert "leading_user_turn" not in notes
    empty, notes = shape_messages([])
    assert empty == [{"role": "user", "content": LEADING_USER_TURN}] and "trailing_user_turn" not in notes


async def test_429_is_transient_with_retry_after():
    with loadserver.start_in_thread(rate_429=1.0, retry_after_s=1.5) as handle:
        provider = make_provider(_spec(handle.base_url), ENV)
        with pytest.raises(TransientError) as info:
            await provider.complete("", [Turn("user", "Hello")], Sampling())
        await provider.aclose()
        assert info.value.status == 429
        assert info.value.retry_after == pytest.approx(1.5)
        assert "Robbie" in str(info.value)
        assert handle.counters.rate_limited == 1 and handle.counters.served == 0


async def test_500_is_transient():
    with loadserver.start_in_thread(rate_500=1.0) as handle:
        provider = make_provider(_spec(handle.base_url), ENV)
        with pytest.raises(TransientError) as info:
            await provider.complete("", [Turn("user", "Hello")], Sampling())
        await provider.aclose()
        assert info.value.status == 500 and info.value.retry_after is None
        assert handle.counters.errors == 1


async def test_hung_request_times_out_as_transient():
    with loadserver.start_in_thread(rate_hang=1.0) as handle:
        provider = make_provider(_spec(handle.base_url, timeout_s=0.5), ENV)
        start = time.monotonic()
        with pytest.raises(TransientError) as info:
            await provider.complete("", [Turn("user", "Hello")], Sampling())
        await provider.aclose()
        assert time.monotonic() - start < 5
        assert "0.5 s" in str(info.value)
        assert handle.counters.hung == 1


async def test_client_error_is_permanent(server):
    # A wrong base_url gives a 404: retrying cannot help, so it is a ProviderError, not a TransientError.
    provider = make_provider(_spec(server.base_url + "/wrong"), ENV)
    with pytest.raises(ProviderError) as info:
        await provider.complete("", [Turn("user", "Hello")], Sampling())
    await provider.aclose()
    assert not isinstance(info.value, TransientError)
    assert "404" in str(info.value) and "agent Robbie (anthropic)" in str(info.value)
