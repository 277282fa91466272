"""The embedded model's speed: seconds per turn as a conversation grows, and the README's sweep wall time.

Runs the real ``ingroup`` command (``python -m analysis.cli``) in a checkout, so the same bench measures
another version of the code too (``--code DIR``: a checkout of an older commit, for before/after):

1. one ``egomaniac.yaml --embedded`` conversation of ``--turns`` messages: each reply's latency and prompt
   tokens, from its transcript;
2. the README sweep, ``ingroup sweep scenarios/sweeps/egomaniac-identity.yaml --embedded``: wall time.

Ends with one JSON line. On a shared machine the figures move with the other load: compare runs made
one right after the other.

    .venv/bin/python bench/embedded.py                 # this checkout
    .venv/bin/python bench/embedded.py --code /tmp/old # another one
    .venv/bin/python bench/embedded.py --no-sweep      # the per-turn figures only
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def ingroup(code: Path, *args: str) -> float:
    """Run ``ingroup ARGS`` in the checkout ``code``; returns the wall time in seconds."""
    env = {**os.environ, "PYTHONPATH": str(code)}
    start = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "analysis.cli", *args], cwd=code, env=env, capture_output=True,
                       text=True)
    wall = time.perf_counter() - start
    if p.returncode != 0:
        raise SystemExit(f"ingroup {' '.join(args[:2])} failed ({p.returncode}): {p.stderr.strip()[-400:]}")
    return wall


def per_turn(code: Path, turns: int, out: Path) -> list[dict[str, float]]:
    ingroup(code, "run", "scenarios/egomaniac.yaml", "--embedded", "--max-turns", str(turns), "--quiet",
            "--out", str(out))
    (path,) = out.glob("*.jsonl")
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    replies = [r for r in rows if r.get("type") == "message" and not r.get("scripted")]
    return [{"latency_s": r["latency_s"], "prompt_tokens": r.get("prompt_tokens") or 0,
             "completion_tokens": r.get("completion_tokens") or 0} for r in replies]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--code", type=Path, default=ROOT, help="checkout whose code runs (default: this one)")
    ap.add_argument("--turns", type=int, default=9, help="messages in the per-turn conversation, opening included")
    ap.add_argument("--no-sweep", action="store_true", help="skip the README sweep")
    ap.add_argument("--workers", type=int, default=None,
                    help="--workers for the sweep (default: the command's own choice)")
    args = ap.parse_args()
    code = args.code.resolve()
    with tempfile.TemporaryDirectory(prefix="ingroup-embedded-") as tmp:
        replies = per_turn(code, args.turns, Path(tmp) / "turns")
        for i, r in enumerate(replies, start=1):
            print(f"turn {i}: {r['latency_s']:.2f} s, {r['prompt_tokens']} prompt + {r['completion_tokens']} "
                  f"completion tokens ({r['completion_tokens'] / r['latency_s']:.0f} completion tokens/s)")
        sweep_s = None
        if not args.no_sweep:
            workers = [] if args.workers is None else ["--workers", str(args.workers)]
            sweep_s = ingroup(code, "sweep", "scenarios/sweeps/egomaniac-identity.yaml", "--embedded", *workers,
                              "--out", str(Path(tmp) / "sweep"))
            print(f"egomaniac-identity sweep (12 conversations, {' '.join(workers) or 'default workers'}): "
                  f"{sweep_s:.1f} s")
    last = replies[min(7, len(replies) - 1)]
    print(json.dumps({"code": str(code), "embedded_s_per_turn_1": round(replies[0]["latency_s"], 3),
                      "embedded_s_per_turn_8": round(last["latency_s"], 3),
                      "prompt_tokens_turn_8": last["prompt_tokens"],
                      "sweep_wall_s": None if sweep_s is None else round(sweep_s, 1)}))


if __name__ == "__main__":
    main()
