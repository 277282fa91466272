"""What the call cache saves: a sweep against the load server, then the same sweep into a new folder with
the same ``--cache``. Counts the requests the server received each time and the wall time of each.
Ends with one JSON line.

    .venv/bin/python bench/cache.py                 # 32 runs x 8 messages, 200 ms per call, 8 at once
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench._server import ServerProcess  # noqa: E402
from simulator.transcript import read_transcript  # noqa: E402


def _texts(path: Path) -> list[str]:
    return [m.text for m in read_transcript(path).messages]

SWEEP = """\
name: cachebench
scenario:
  name: cachebench
  task: Win the contest.
  seed: 1
  agents:
    - {{name: Bobby, provider: openai, model: gpt-4o-mini, base_url: "{url}", system_message: "You are Bobby."}}
    - {{name: Robbie, provider: openai, model: gpt-4o-mini, base_url: "{url}", system_message: "You are Robbie."}}
  opening: {{speaker: Bobby, text: "I challenge you."}}
  stop: {{max_turns: {turns}}}
repetitions: {reps}
"""


def _requests(server: ServerProcess) -> int:
    with urllib.request.urlopen(server.root_url + "/stats", timeout=10) as r:
        return int(json.load(r)["requests"])


def _sweep(file: Path, out: Path, cache: Path, concurrency: int) -> tuple[float, str]:
    t0 = time.perf_counter()
    r = subprocess.run([sys.executable, "-m", "analysis.cli", "sweep", str(file), "--out", str(out),
                        "--cache", str(cache), "--concurrency", str(concurrency)],
                       cwd=ROOT, capture_output=True, text=True, timeout=1800)
    if r.returncode != 0:
        raise SystemExit(f"sweep failed ({r.returncode}): {r.stderr[-2000:]}")
    return time.perf_counter() - t0, r.stdout


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", "--runs", type=int, default=32)
    ap.add_argument("-t", "--turns", type=int, default=8, help="messages per conversation, the opening included")
    ap.add_argument("-l", "--latency-ms", type=float, default=200.0)
    ap.add_argument("-c", "--concurrency", type=int, default=8)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, ServerProcess("--latency-ms", str(args.latency_ms)) as server:
        d = Path(tmp)
        f = d / "sweep.yaml"
        f.write_text(SWEEP.format(url=server.base_url, turns=args.turns, reps=args.runs))
        n0 = _requests(server)
        first_s, _ = _sweep(f, d / "first", d / "cache", args.concurrency)
        n1 = _requests(server)
        again_s, out = _sweep(f, d / "again", d / "cache", args.concurrency)
        n2 = _requests(server)
        same = all(_texts(d / "again" / p.name) == _texts(p) for p in (d / "first").glob("*.jsonl"))
        print(json.dumps({
            "runs": args.runs, "calls": args.runs * (args.turns - 1), "latency_ms": args.latency_ms,
            "first_requests": n1 - n0, "first_s": round(first_s, 2),
            "cached_requests": n2 - n1, "cached_s": round(again_s, 2),
            "answered_from_cache": next((int(line.split()[0]) for line in out.splitlines()
                                         if "answered from the cache" in line), 0),
            "same_messages": same,
        }))


if __name__ == "__main__":
    main()
