"""Fault tolerance: a sweep against a faulty server, killed with SIGKILL at a random moment and resumed.

The load server answers 10% of requests with 429 (retry-after), 2% with 500 and leaves 1% hanging. The
same sweep runs twice: once uninterrupted (the reference), once killed mid-run with SIGKILL and then run
again (resume). Checks: every planned conversation ends complete exactly once, no JSONL line is corrupt,
and — since the server answers deterministically from the request — the resumed sweep's transcripts equal
the reference's apart from timestamps, latencies and retry counts. Ends with one JSON line.

    .venv/bin/python bench/faults.py            # 500 conversations
    .venv/bin/python bench/faults.py --quick    # 60 conversations
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._server import ServerProcess  # noqa: E402
from simulator.executor import transcript_state  # noqa: E402

# Timing fields differ between any two runs; `attempts` differs with the faults each run happened to draw.
VOLATILE = {"started_at", "ended_at", "latency_s", "attempts"}

SCENARIO = """\
name: faults
task: Win the argument against the other agent.
agents:
  - {{name: Bobby, provider: openai, model: load-a, base_url: "{url}", timeout_s: 1.5,
      system_message: "You are Bobby. Win.", sampling: {{temperature: 0}}}}
  - {{name: Robbie, provider: anthropic, model: load-b, base_url: "{root}", timeout_s: 1.5,
      system_message: "You are Robbie. Win.", sampling: {{max_tokens: 200}}}}
opening: {{speaker: Bobby, text: "I challenge you."}}
stop: {{phrases: [{{phrase: I lose}}], max_turns: {turns}}}
"""

SWEEP = """\
name: faults
scenario: scenario.yaml
repetitions: {reps}
factors:
  stance:
    levels:
      plain: {{}}
      polite:
        set: {{opening.text: "Hello, I challenge you, politely."}}
"""


def write_plan(folder: Path, url: str, root: str, n: int, turns: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "scenario.yaml").write_text(SCENARIO.format(url=url, root=root, turns=turns))
    (folder / "sweep.yaml").write_text(SWEEP.format(reps=(n + 1) // 2))
    return folder / "sweep.yaml"


WORKERS = 2


def sweep_cmd(sweep: Path, out: Path, concurrency: int) -> list[str]:
    return [sys.executable, "-m", "analysis.cli", "sweep", str(sweep), "--out", str(out),
            "--concurrency", str(concurrency), "--workers", str(WORKERS)]


def _wait_first_transcript(out: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while not any(out.glob("*.jsonl")) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)


def run_sweep(sweep: Path, out: Path, concurrency: int) -> tuple[float, float]:
    """Run to the end; returns (total seconds, seconds from the first transcript to the end)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(sweep_cmd(sweep, out, concurrency), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)
    _wait_first_transcript(out, proc)
    t_first = time.perf_counter()
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise SystemExit(f"sweep failed ({proc.returncode}): {err[-2000:]}")
    t_end = time.perf_counter()
    return t_end - t0, t_end - t_first


def killed_then_resumed(sweep: Path, out: Path, concurrency: int, kill_after: float) -> dict[str, int]:
    proc = subprocess.Popen(sweep_cmd(sweep, out, concurrency), cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    # The random moment is counted from the first transcript, so the kill lands while runs are being
    # written, not during interpreter start-up.
    _wait_first_transcript(out, proc)
    time.sleep(kill_after)
    # Only the sweep process is killed, as the OOM killer or a closed laptop would. Its worker processes must
    # stop writing at once: one that kept going would race the resumed sweep for the same files.
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    time.sleep(0.3)
    sizes = {f: f.stat().st_size for f in out.glob("*.jsonl")}
    time.sleep(1.5)
    grown = [f.name for f in out.glob("*.jsonl") if sizes.get(f) != f.stat().st_size]
    if grown:
        raise SystemExit(f"transcripts still being written after the sweep was killed: {grown[:5]}")
    states = [transcript_state(f) for f in out.glob("*.jsonl")]
    partial = states.count("partial")
    complete_at_kill = len(states) - partial
    run_sweep(sweep, out, concurrency)
    return {"complete_at_kill": complete_at_kill, "partial_at_kill": partial}


def load(folder: Path) -> tuple[dict[str, list[dict]], int]:
    """Transcripts by run id, with volatile fields removed; and the number of lines that are not JSON."""
    out: dict[str, list[dict]] = {}
    corrupt = 0
    for f in sorted(folder.glob("*.jsonl")):
        records = []
        for line in f.read_text().splitlines():
            try:
                r = json.loads(line)
            except json.JSONDecodeError:
                corrupt += 1
                continue
            records.append({k: v for k, v in r.items() if k not in VOLATILE})
        out[f.stem] = records
    return out, corrupt


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", "--conversations", type=int, default=500)
    p.add_argument("-t", "--turns", type=int, default=8)
    p.add_argument("-c", "--concurrency", type=int, default=64)
    p.add_argument("--latency-ms", type=float, default=20)
    p.add_argument("--seed", type=int, default=None, help="seed of the kill moment (default: random)")
    p.add_argument("--quick", action="store_true", help="60 conversations, 8 at once")
    a = p.parse_args()
    if a.quick:
        a.conversations, a.concurrency = 60, 8
    rng = random.Random(a.seed)
    faults = ["--latency-ms", str(a.latency_ms), "--jitter-ms", str(a.latency_ms / 2), "--rate-429", "0.10",
              "--rate-500", "0.02", "--rate-hang", "0.01", "--seed", str(rng.randrange(10**6))]
    with ServerProcess(*faults) as server, tempfile.TemporaryDirectory() as tmp:
        sweep = write_plan(Path(tmp) / "plan", server.base_url, server.root_url, a.conversations, a.turns)
        planned = 2 * ((a.conversations + 1) // 2)
        ref_s, ref_active = run_sweep(sweep, Path(tmp) / "reference", a.concurrency)
        kill_after = rng.uniform(0.1, 0.8) * ref_active
        kill = killed_then_resumed(sweep, Path(tmp) / "resumed", a.concurrency, kill_after)
        counters = json.loads(server.stop().strip().splitlines()[-1])
        ref, ref_corrupt = load(Path(tmp) / "reference")
        res, res_corrupt = load(Path(tmp) / "resumed")
        set_aside = len(list((Path(tmp) / "resumed" / ".partial").glob("*"))) \
            if (Path(tmp) / "resumed" / ".partial").exists() else 0
    complete = sum(1 for recs in res.values() if recs and recs[-1].get("type") == "footer"
                   and recs[-1].get("stop_reason") != "error")
    # Run ids are file names, so a duplicate would be a second file for one id: count ids beyond the plan.
    duplicates = len(res) - len(set(res)) + max(0, len(res) - planned)
    equal = set(ref) == set(res) and all(ref[k] == res[k] for k in ref)
    figures = {"planned": planned, "complete": complete, "duplicates": duplicates,
               "corrupt_lines": ref_corrupt + res_corrupt, "equal_to_uninterrupted": equal}
    print(f"planned {planned} conversations; server faults: {counters.get('rate_limited')} x 429, "
          f"{counters.get('errors')} x 500, {counters.get('hung')} hung, of {counters.get('requests')} requests")
    print(f"uninterrupted sweep: {ref_s:.1f} s; killed with SIGKILL {kill_after:.1f} s after its first transcript "
          f"({kill['complete_at_kill']} complete, {kill['partial_at_kill']} partial), then resumed")
    print(f"after resume: {complete}/{planned} complete, {duplicates} duplicates, "
          f"{figures['corrupt_lines']} corrupt lines, {set_aside} partial file(s) kept aside in .partial/")
    print(f"resumed transcripts equal the uninterrupted ones (timestamps, latencies, attempts aside): {equal}")
    if not equal:
        diff = next((k for k in sorted(ref) if ref.get(k) != res.get(k)), None)
        print(f"first differing run: {diff}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
