"""Speed of the rule-based analyzer suite on one core.

Imports the ten seed logs, replicates the conversations until there are at least --messages messages
(default 100,000), labels every message with its context (speaker, agents, earlier messages, task) and reports
messages per second, plus the ratio of that time to a bare regex count of ``\\bwe\\b`` over the same text
(how many times slower the full suite is than the original "contains we" method).

    .venv/bin/python bench/analyzers.py [--messages N] [--seed-dir ../shared/data/we-the-ai-assistants]

The last line of output is JSON: {"messages_per_s": ..., "ratio_to_regex": ...}
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.api import RuleAnalyzer, label_transcript  # noqa: E402
from simulator.importers.autogen_console import import_console_log  # noqa: E402
from simulator.scenario import load_scenario  # noqa: E402
from simulator.transcript import read_transcript  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--seed-dir", type=Path, default=ROOT.parent / "shared/data/we-the-ai-assistants")
    args = ap.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {sorted(os.sched_getaffinity(0))[0]})  # one core, as the target says

    spec = load_scenario(ROOT / "scenarios/egomaniac.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        seeds = [read_transcript(import_console_log(f, tmp, spec)) for f in sorted(args.seed_dir.glob("*.txt"))]
    per_round = sum(len(t.messages) for t in seeds)
    rounds = -(-args.messages // per_round)
    transcripts = seeds * rounds
    n = per_round * rounds
    texts = [m.text for t in transcripts for m in t.messages]
    chars = sum(len(x) for x in texts)
    print(f"{len(seeds)} seed conversations x {rounds} = {len(transcripts)} conversations, {n} messages, "
          f"{chars / 1e6:.1f} M characters")

    we = re.compile(r"\bwe\b", re.I)
    t0 = time.perf_counter()
    count = sum(len(we.findall(x)) for x in texts)
    regex_s = time.perf_counter() - t0
    print(f"bare regex \\bwe\\b count: {count} matches in {regex_s:.3f} s ({n / regex_s:,.0f} messages/s)")

    analyzer = RuleAnalyzer()
    t0 = time.perf_counter()
    labelled = 0
    for t in transcripts:
        labelled += len(label_transcript(t, None, analyzer))
    suite_s = time.perf_counter() - t0
    assert labelled == n
    mps = n / suite_s
    ratio = suite_s / regex_s
    print(f"rule-based suite (all labels, with evidence): {suite_s:.2f} s, {mps:,.0f} messages/s, "
          f"{ratio:.1f}x the time of the bare regex")
    print(f"target >= 20,000 messages/s: {'met' if mps >= 20_000 else 'NOT met'}")
    print(json.dumps({"messages_per_s": round(mps, 1), "ratio_to_regex": round(ratio, 2)}))


if __name__ == "__main__":
    main()
