"""Redaction speed: :func:`simulator.secrets.redact` on 5 MB inputs of the shapes that make a backtracking
pattern quadratic (long runs of letters and digits, of one character, repeated key-like prefixes, echoes of a
configured key), and on prose. Prints one line per shape and a JSON line with the worst time.

    .venv/bin/python bench/redaction.py            # 5 MB each
    .venv/bin/python bench/redaction.py --mb 1
"""

from __future__ import annotations

import argparse
import json
import random
import string
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from simulator.secrets import REDACTED, redact  # noqa: E402


def shapes(n: int, key: str) -> dict[str, str]:
    rng = random.Random(1)
    alnum = string.ascii_letters + string.digits
    prose = "We the AI assistants agree that the key point is cooperation; let us play chess. "
    return {
        "prose": prose * (n // len(prose)),
        "letters and digits": "".join(rng.choice(alnum) for _ in range(n)),
        "one letter": "a" * n,
        "asterisks": "*" * n,
        "masked tokens": "ab12***" * (n // 7),
        "schemes": "a://" * (n // 4),
        "api_key=": "api_key=" * (n // 8),
        "authorization:": "authorization:" * (n // 14),
        "?key=": "?key=" * (n // 5),
        "Bearer": "Bearer " * (n // 7),
        "sk-": "sk-" * (n // 3),
        "echoes of the key": ("x" + key[5:30]) * (n // 26),
        "non-ASCII": "é" * n,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=5.0)
    args = ap.parse_args()
    rng = random.Random(2)
    key = "sk-" + "proj-" + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(120))
    env = {"OPENAI_API_KEY": key}
    worst = 0.0
    for name, text in shapes(int(args.mb * 1_000_000), key).items():
        t0 = time.perf_counter()
        out = redact(text, env)
        dt = time.perf_counter() - t0
        worst = max(worst, dt)
        assert key[5:21] not in out
        print(f"{name:20s} {len(text) / 1e6:4.1f} MB  {dt:6.3f} s  ({out.count(REDACTED)} redactions)")
    print(json.dumps({"mb": args.mb, "worst_s": round(worst, 3)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
