"""Speed of the rule-based analyzer suite: on one core, with worker processes, and from the cache.

Imports the ten seed logs, replicates the conversations until there are at least --messages messages
(default 100,000), labels every message with its context (speaker, agents, earlier messages, task) on one
core and reports messages per second (wall clock, and per second of CPU time, which another busy process on
the machine disturbs less), plus the ratio of that time to a bare regex count of ``\\bwe\\b`` over the same
text (how many times slower the full suite is than the original "contains we" method).

Then, unless --no-folder, the same conversations are written as transcript files to a temporary folder and
analysed end to end with ``analysis.api.analyze`` (reading, labelling, tables): in one process, with
--jobs worker processes (default 2: the speed-up), and twice with the cache (the first run fills it, the
second finds every transcript unchanged). --breakdown adds the CPU time per message of each stage of
labelling (the message prepared, the RE2 scan, the word index, sentences, then each label family).

    .venv/bin/python bench/analyzers.py [--messages N] [--jobs N] [--no-folder] [--breakdown]
                                        [--seed-dir ../shared/data/we-the-ai-assistants]

The last line of output is JSON: {"messages_per_s": ..., "cpu_messages_per_s": ..., "ratio_to_regex": ...,
and with the folder runs "folder_1_s", "folder_jobs_s", "speedup", "cpu_speedup", "cache_fill_s",
"cache_hit_s"}. On a machine other work keeps busy, the wall-clock speed-up says how much CPU the scheduler
gave (Linux shares it between sessions, not processes); "cpu_speedup" is the one-process run's CPU time over
the pool run's critical path by CPU accounting (the parent's CPU plus one worker's share).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.api import RuleAnalyzer, analyze, context_of, label_transcript  # noqa: E402
from analysis.labels import drift, match, outcome, stance, we  # noqa: E402
from analysis.labels.doc import make_doc  # noqa: E402
from simulator.importers.autogen_console import import_console_log  # noqa: E402
from simulator.scenario import load_scenario  # noqa: E402
from simulator.transcript import read_transcript  # noqa: E402


def _breakdown(transcripts: list[Any]) -> None:
    """CPU time per message of the labelling's stages, each with the ones before it (best of three)."""
    items = [(m.text, c) for t in transcripts for m, c in zip(t.messages, context_of(t))]
    eng: Any = match._ENGINE
    analyzer = RuleAnalyzer()

    def upto(stage: int, text: str, ctx: Any) -> None:
        doc = make_doc(text)
        if stage >= 1 and eng.name == "re2":
            eng._hits(doc)
        if stage >= 2 and eng.name != "reference":
            eng._finder(doc)
        if stage >= 3:
            _ = doc.sentences
        if stage >= 4:
            tokens = we.find_tokens(doc, ctx)
        if stage >= 5:
            out_v, _ev = outcome.detect(doc, ctx)
            stance.label(doc, ctx, out_v, tokens)
        if stage >= 6:
            drift.refusal(doc)
            drift.off_task(doc, ctx, [])

    stages = ["the message, lower-cased", "+ RE2 set scan", "+ word index", "+ sentences", "+ we referents",
              "+ outcome, stance", "+ refusal, off_task (without the others' spans)"]
    print(f"stages, CPU microseconds per message ({match.engine()} engine, {len(items)} messages):")
    for k, name in enumerate([*stages, "all labels (label())"]):
        best = float("inf")
        for _ in range(3):
            c0 = time.process_time()
            if k < len(stages):
                for text, ctx in items:
                    upto(k, text, ctx)
            else:
                for text, ctx in items:
                    analyzer.label(text, ctx)
            best = min(best, time.process_time() - c0)
        print(f"  {name:50s} {best / len(items) * 1e6:7.1f}")


def _cpu() -> tuple[float, float]:
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime, kids.ru_utime + kids.ru_stime


def _timed(label: str, n: int, **kw: Any) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds of this process and CPU seconds of its worker processes of one analyze()."""
    (m0, k0), t0 = _cpu(), time.perf_counter()
    a = analyze(kw.pop("folder"), **kw)
    took = time.perf_counter() - t0
    m1, k1 = _cpu()
    assert len(a.messages) == n
    print(f"  {label}: {took:.2f} s, {n / took:,.0f} messages/s; CPU {m1 - m0:.2f} s here"
          + (f" + {k1 - k0:.2f} s in the workers" if k1 > k0 else ""))
    return took, m1 - m0, k1 - k0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=100_000)
    ap.add_argument("--jobs", type=int, default=2, help="worker processes for the folder run")
    ap.add_argument("--no-folder", action="store_true", help="only the one-core labelling")
    ap.add_argument("--breakdown", action="store_true", help="also the CPU time of each stage of labelling")
    ap.add_argument("--seed-dir", type=Path, default=ROOT.parent / "shared/data/we-the-ai-assistants")
    args = ap.parse_args()
    all_cores = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    if all_cores is not None:
        os.sched_setaffinity(0, {sorted(all_cores)[0]})  # one core, as the target says

    spec = load_scenario(ROOT / "scenarios/egomaniac.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        seed_files = [import_console_log(f, tmp, spec) for f in sorted(args.seed_dir.glob("*.txt"))]
        seeds = [read_transcript(f) for f in seed_files]
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
        t0, c0 = time.perf_counter(), time.process_time()
        labelled = 0
        for t in transcripts:
            labelled += len(label_transcript(t, None, analyzer))
        suite_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
        assert labelled == n
        mps = n / suite_s
        ratio = suite_s / regex_s
        print(f"rule-based suite (all labels, with evidence), one core: {suite_s:.2f} s, {mps:,.0f} messages/s "
              f"({n / cpu_s:,.0f} per CPU second), {ratio:.1f}x the time of the bare regex")
        print(f"target >= 20,000 messages/s: {'met' if mps >= 20_000 else 'NOT met'}")
        if args.breakdown:
            _breakdown(seeds * 4)
        result: dict[str, Any] = {"messages_per_s": round(mps, 1), "cpu_messages_per_s": round(n / cpu_s, 1),
                                  "ratio_to_regex": round(ratio, 2)}
        if not args.no_folder:
            if all_cores is not None:
                os.sched_setaffinity(0, all_cores)
            folder = Path(tmp) / "folder"
            folder.mkdir()
            for r in range(rounds):
                for f in seed_files:
                    shutil.copyfile(f, folder / f"r{r:04d}-{Path(f).name}")
            print(f"analyze() of a folder of {rounds * len(seed_files)} transcript files ({n} messages), "
                  f"{len(all_cores or [1])} core(s):")
            one, one_cpu, _ = _timed("one process, no cache", n, folder=folder, jobs=1, cache=False)
            many, many_here, many_kids = _timed(f"{args.jobs} worker processes, no cache", n, folder=folder,
                                                jobs=args.jobs, cache=False)
            fill = _timed("one process, filling the cache", n, folder=folder, jobs=1, cache=True)[0]
            hit = _timed("one process, every transcript in the cache", n, folder=folder, jobs=1, cache=True)[0]
            # On a busy machine the wall clock says how much CPU the scheduler gave, not how the work splits;
            # the CPU accounting does: with the work shared evenly, each worker's part is kids / jobs.
            bound = many_here + many_kids / args.jobs
            print(f"speed-up with {args.jobs} workers: {one / many:.2f}x by the wall clock; by CPU time "
                  f"{one_cpu / bound:.2f}x (one process {one_cpu:.1f} s against {many_here:.1f} s here + "
                  f"{many_kids / args.jobs:.1f} s per worker); unchanged folder again: {hit / one:.1%} of the time")
            result.update({"folder_1_s": round(one, 2), "folder_jobs_s": round(many, 2), "jobs": args.jobs,
                           "speedup": round(one / many, 2), "cpu_speedup": round(one_cpu / bound, 2),
                           "cache_fill_s": round(fill, 2), "cache_hit_s": round(hit, 2)})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
