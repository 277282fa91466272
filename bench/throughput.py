"""Throughput of the orchestrator against the load server, compared with the ideal and two baselines.

N conversations of T model turns each, C at once, against a server answering in L ms. Prints:
- conversations per minute achieved vs the ideal C / (T * L);
- the same calls made by a bare async loop over the openai SDK (the floor): ratio of wall times;
- the original experiment's way, one conversation after another (measured on a few, extrapolated);
- the orchestrator's own CPU time per turn (process CPU of the ingroup run minus that of the bare SDK loop
  for the same calls, divided by turns) and peak memory (max RSS).
Ends with one JSON line. ``--quick`` shrinks the workload.

    .venv/bin/python bench/throughput.py            # C=128, L=200 ms, T=10, N=1000
    .venv/bin/python bench/throughput.py --quick
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import openai  # noqa: E402

from bench._server import ServerProcess  # noqa: E402
from simulator.conversation.orchestrator import RunSpec  # noqa: E402
from simulator.executor import ExecOptions, Executor  # noqa: E402
from simulator.providers import make_provider  # noqa: E402
from simulator.providers._clients import http_client  # noqa: E402
from simulator.scenario import load_scenario_text  # noqa: E402

SCENARIO = """\
name: load
task: talk
agents:
  - {{name: A, provider: openai, model: load-a, base_url: "{url}", system_message: "You are A."}}
  - {{name: B, provider: openai, model: load-b, base_url: "{url}", system_message: "You are B."}}
opening: {{speaker: A, text: "Hello there."}}
stop: {{max_turns: {turns}}}
"""


def cpu() -> float:
    """CPU seconds of this process (worker processes report theirs through the executor)."""
    t = os.times()
    return t.user + t.system


async def bare_sdk_loop(url: str, n: int, turns: int, concurrency: int) -> float:
    """The floor: the same conversations as plain SDK calls, no orchestration, nothing written. It calls the
    SDK the way the openai provider does (one client, aiohttp transport, the generic ``post`` returning the
    decoded JSON), so the ratio
    measures what orchestration adds, not a difference in how the SDK is driven."""
    client = openai.AsyncOpenAI(base_url=url, api_key="no-key-needed", max_retries=0, timeout=60,
                                http_client=http_client(openai, 60))
    sem = asyncio.Semaphore(concurrency)

    async def conversation() -> None:
        async with sem:
            history = [("A", "Hello there.")]
            for k in range(turns):
                me = "B" if k % 2 == 0 else "A"
                msgs = [{"role": "system", "content": f"You are {me}."}]
                msgs += [{"role": "assistant" if s == me else "user", "content": t} for s, t in history]
                r = await client.post("/chat/completions", body={"model": f"load-{me.lower()}", "messages": msgs},
                                      cast_to=object)
                history.append((me, r["choices"][0]["message"]["content"] or ""))

    t0 = time.perf_counter()
    await asyncio.gather(*(conversation() for _ in range(n)))
    await client.close()
    return time.perf_counter() - t0


def ingroup_run(url: str, n: int, turns: int, concurrency: int, out: Path, workers: int = 1,
                stats: dict[str, float] | None = None, runtime: str = "sequential") -> float:
    s = load_scenario_text(SCENARIO.format(url=url, turns=turns + 1))
    runs = [RunSpec(f"load-{i:05d}", s, repetition=i) for i in range(n)]
    ex = Executor(out, make_provider, ExecOptions(concurrency=concurrency, fsync=False, workers=workers,
                                                  runtime=runtime))  # type: ignore[arg-type]
    t0 = time.perf_counter()
    outcomes = asyncio.run(ex.run(runs))
    dt = time.perf_counter() - t0
    if stats is not None:
        stats["worker_cpu_s"] = sum(w["cpu_s"] for w in ex.worker_stats)
        stats["worker_peak_mb"] = sum(w["max_rss_mb"] for w in ex.worker_stats)
    bad = [o for o in outcomes if o.status != "done" or o.turns != turns + 1]
    if bad:
        raise SystemExit(f"{len(bad)} runs did not complete as planned, e.g. {bad[0]}")
    return dt


def peak_mb(worker_peak_mb: float) -> float:
    """Peak resident memory of the run, counted pessimistically: this process's peak plus every worker's."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 + worker_peak_mb


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", "--conversations", type=int, default=1000)
    p.add_argument("-t", "--turns", type=int, default=10)
    p.add_argument("-c", "--concurrency", type=int, default=128)
    p.add_argument("-l", "--latency-ms", type=float, default=200)
    p.add_argument("--sequential", type=int, default=3, help="conversations timed one after another")
    p.add_argument("-w", "--workers", type=int, default=4, help="ingroup worker processes")
    p.add_argument("--runtime", choices=["sequential", "group-chat"], default="sequential",
                   help="how each conversation runs on autogen-agentchat")
    p.add_argument("--quick", action="store_true", help="N=200, C=64 for a quick look")
    a = p.parse_args()
    if a.quick:
        a.conversations, a.concurrency = 200, 64
    n, t, c, lat = a.conversations, a.turns, a.concurrency, a.latency_ms / 1000
    ideal_cpm = 60 * c / (t * lat)
    with ServerProcess("--latency-ms", str(a.latency_ms), "--lose-rate", "0") as server, \
            tempfile.TemporaryDirectory() as tmp:
        c0 = cpu()
        sdk_s = asyncio.run(bare_sdk_loop(server.base_url, n, t, c))
        sdk_cpu = cpu() - c0
        c0, s0 = cpu(), server.cpu_s()
        stats: dict[str, float] = {}
        ours_s = ingroup_run(server.base_url, n, t, c, Path(tmp) / "concurrent", a.workers, stats, a.runtime)
        ours_cpu = cpu() - c0 + stats.get("worker_cpu_s", 0.0)
        server_cpu = server.cpu_s() - s0
        seq_s = ingroup_run(server.base_url, a.sequential, t, 1, Path(tmp) / "sequential", runtime=a.runtime)
    cpm = 60 * n / ours_s
    seq_cpm = 60 * a.sequential / seq_s
    figures = {
        "ideal_ratio": round(cpm / ideal_cpm, 3),
        "sdk_ratio": round(ours_s / sdk_s, 3),
        "sequential_ratio": round(cpm / seq_cpm, 1),
        "own_ms_per_turn": round(1000 * max(0.0, ours_cpu - sdk_cpu) / (n * t), 3),
        "peak_mb": round(peak_mb(stats.get("worker_peak_mb", 0.0)), 1),
    }
    print(f"workload: N={n} conversations x T={t} turns, C={c} at once, L={a.latency_ms:g} ms, "
          f"{a.workers} worker process(es), {a.runtime} runtime")
    print(f"ideal C/(T*L):            {ideal_cpm:10.0f} conversations/min")
    print(f"ingroup:                  {cpm:10.0f} conversations/min  ({ours_s:.1f} s, "
          f"{figures['ideal_ratio']:.1%} of ideal)")
    print(f"bare openai SDK loop:     {60 * n / sdk_s:10.0f} conversations/min  ({sdk_s:.1f} s; ingroup takes "
          f"{figures['sdk_ratio']:.2f}x)")
    print(f"one after another:        {seq_cpm:10.1f} conversations/min  (ingroup is {figures['sequential_ratio']}x)")
    print(f"orchestrator own CPU:     {figures['own_ms_per_turn']:.3f} ms per turn "
          f"(CPU {ours_cpu:.1f} s vs SDK loop {sdk_cpu:.1f} s)")
    print(f"CPU per turn:             ingroup {1000 * ours_cpu / (n * t):.2f} ms, load server "
          f"{1000 * server_cpu / (n * t):.2f} ms (both share this machine's {os.cpu_count()} cores)")
    print(f"peak memory:              {figures['peak_mb']:.0f} MB")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
