"""The hostile-input and fault campaign: every case against the real CLI and local fault servers.

Each case runs ``ingroup`` commands (subprocesses, as a user types them) in a folder of its own, against
files an attacker or an unlucky user would produce and against a local server that misbehaves on purpose
(echoes credentials, answers 50 MB, drips one byte a second, answers 429, reports absurd token counts).
After every case the campaign scans everything the commands wrote and printed for the planted secrets.

    .venv/bin/python bench/hostile.py               # every case, one line each, then a JSON summary
    .venv/bin/python bench/hostile.py --only csv    # the cases whose name contains "csv"
    .venv/bin/python bench/hostile.py --list

The last line is ``{"cases": N, "passed": N, "secrets_leaked": 0, "tracebacks": 0, "hung": 0,
"lost_transcripts": 0, "seconds": S}``. tests/test_hostile_campaign.py runs the same cases in the suite.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import hostile_cases  # noqa: E402,F401  (registers the cases)
from bench._hostile import CASES, FaultServer, run_case  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="run the cases whose name contains this")
    ap.add_argument("--list", action="store_true", help="list the cases and stop")
    args = ap.parse_args(argv)
    names = [n for n in CASES if not args.only or args.only in n]
    if args.list:
        print("\n".join(names))
        return 0
    t0 = time.perf_counter()
    results = []
    with FaultServer() as server, tempfile.TemporaryDirectory(prefix="ingroup-hostile-") as tmp:
        for name in names:
            r = run_case(name, server, Path(tmp))
            results.append(r)
            status = "pass" if r.passed else "FAIL"
            print(f"{status} {name:40s} {r.seconds:6.1f}s {r.detail}", flush=True)
    summary = {"cases": len(results), "passed": sum(r.passed for r in results),
               "secrets_leaked": sum(len(r.leaked) for r in results),
               "tracebacks": sum(r.tracebacks for r in results), "hung": sum(r.hung for r in results),
               "lost_transcripts": sum(r.lost for r in results), "seconds": round(time.perf_counter() - t0, 1)}
    print(json.dumps(summary))
    return 0 if summary["passed"] == summary["cases"] else 1


if __name__ == "__main__":
    sys.exit(main())
