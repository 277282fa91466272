"""The benchmark load server: deterministic answers, seeded faults, counters, CLI."""

from __future__ import annotations

import json
import subprocess
import sys

import aiohttp
from helpers import ROOT

from bench import loadserver


def _openai_body(i: int) -> dict:
    return {"model": "m", "messages": [{"role": "system", "content": "Be brief."},
                                       {"role": "user", "content": f"message {i}"}]}


async def test_same_request_same_reply_and_usage_in_both_formats():
    with loadserver.start_in_thread(seed=1, jitter_ms=2) as handle:
        async with aiohttp.ClientSession() as s:
            async def post(path: str, body: dict) -> dict:
                async with s.post(handle.base_url + path, json=body) as r:
                    assert r.status == 200
                    return await r.json()

            a = await post("/v1/chat/completions", _openai_body(1))
            b = await post("/v1/chat/completions", {**_openai_body(1), "temperature": 0.3})
            c = await post("/v1/chat/completions", _openai_body(2))
            m1 = await post("/v1/messages", {"model": "m", "max_tokens": 10, "system": "Be brief.",
                                             "messages": [{"role": "user", "content": "message 1"}]})
            m2 = await post("/v1/messages", {"model": "m", "max_tokens": 99, "system": [{"type": "text", "text": "Be brief."}],
                                             "messages": [{"role": "user", "content": [{"type": "text", "text": "message 1"}]}]})
        assert a["choices"][0]["message"]["content"] == b["choices"][0]["message"]["content"]
        assert a["usage"] == b["usage"]
        assert a["choices"][0]["message"]["content"] != c["choices"][0]["message"]["content"]
        # Same conversation through the other wire format: the same text (string and block content alike).
        assert m1["content"][0]["text"] == m2["content"][0]["text"] == a["choices"][0]["message"]["content"]
        assert m1["usage"] == m2["usage"]
        assert handle.counters.served == 5 and handle.counters.by_format == {"openai": 3, "anthropic": 2}


def test_a_small_deterministic_fraction_of_replies_lose():
    ls = loadserver
    replies = [ls.deterministic_reply("m", "s", [("user", f"turn {i}")], 0.08) for i in range(2000)]
    losing = sum("I lose" in r for r in replies)
    assert 0.05 * 2000 < losing < 0.11 * 2000
    assert replies == [ls.deterministic_reply("m", "s", [("user", f"turn {i}")], 0.08) for i in range(2000)]
    assert not any("I lose" in ls.deterministic_reply("m", "s", [("user", f"t{i}")], 0.0) for i in range(500))


async def test_seeded_fault_rates_and_counters():
    outcomes = []
    for _ in range(2):
        with loadserver.start_in_thread(rate_429=0.3, rate_500=0.1, seed=7, retry_after_s=0.25) as handle:
            statuses = []
            async with aiohttp.ClientSession() as s:
                for i in range(300):
                    async with s.post(handle.base_url + "/v1/chat/completions", json=_openai_body(i)) as r:
                        statuses.append(r.status)
                        if r.status == 429:
                            assert r.headers["retry-after"] == "0.25" and r.headers["retry-after-ms"] == "250"
                            assert (await r.json())["error"]["type"] == "rate_limit_error"
            c = handle.counters
            assert (c.rate_limited, c.errors, c.served) == (statuses.count(429), statuses.count(500), statuses.count(200))
            assert 60 < c.rate_limited < 120 and 12 < c.errors < 50 and c.requests == 300
            outcomes.append(statuses)
    assert outcomes[0] == outcomes[1]  # same seed, same sequence of faults


def test_cli_starts_serves_and_reports_counters():
    proc = subprocess.Popen([sys.executable, str(ROOT / "bench" / "loadserver.py"), "--port", "0", "--latency-ms", "1"],
                            stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.startswith("load server listening on http://127.0.0.1:")
        url = line.split()[-1]
        import urllib.request
        req = urllib.request.Request(url + "/v1/chat/completions", data=json.dumps(_openai_body(0)).encode(),
                                     headers={"content-type": "application/json"})
        assert json.loads(urllib.request.urlopen(req, timeout=5).read())["object"] == "chat.completion"
        assert json.loads(urllib.request.urlopen(url + "/stats", timeout=5).read())["served"] == 1
    finally:
        proc.terminate()
        out, _ = proc.communicate(timeout=10)
    assert json.loads(out.strip().splitlines()[-1])["served"] == 1


def test_cli_rejects_impossible_rates():
    r = subprocess.run([sys.executable, str(ROOT / "bench" / "loadserver.py"), "--rate-429", "0.7", "--rate-500", "0.5"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2 and "must not exceed 1" in r.stderr
