"""How the costs grow with the work: analyze, report, dry-run and resume at 12 to 12,000 conversations.

Folders of 12, 120, 1,200 and 12,000 conversations are built from the seed transcripts
(``../shared/data/we-the-ai-assistants``, imported with ``ingroup import ... --scenario
scenarios/egomaniac.yaml``), copied into sub-folders of ten (``copy-0001/egomaniac_1.jsonl``...: the same
run ids again and again, as copies and shards have). For each size the real command runs in a child
process and its wall time and peak memory are taken from ``wait4``:

- ``ingroup analyze DIR --out TABLES``;
- ``ingroup report DIR --out REPORT``: time, CPU, peak memory, the size of the summary page, of the largest
  file written and of the whole folder (a summary page plus one page per conversation, see docs/report.md),
  up to ``--report-max`` conversations; ``--browser`` then opens the largest report's summary page and one
  conversation page reached from it in headless Chromium and checks that the index listed every
  conversation;

then ``ingroup sweep --dry-run`` of sweeps of 10^4, 10^5 and 10^6 runs (the last is over the limit and is
refused), and resume: the CPU per finished transcript of deciding that 2,000 finished runs are done (the
plan check, the skip and the cost shown). ``--embedded`` adds ``bench/embedded.py``'s seconds per turn.

Ends with one JSON line.

    .venv/bin/python bench/scale.py --quick      # 12 and 120 conversations (about a minute)
    .venv/bin/python bench/scale.py --browser    # 12 ... 12,000 (tens of minutes on 2 cores), and Chromium
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SEED_DIR = ROOT.parent / "shared" / "data" / "we-the-ai-assistants"


def timed(*args: str, cwd: Path = ROOT) -> tuple[float, float, float, int]:
    """Run ``ingroup ARGS`` in a child process; (wall seconds, CPU seconds, peak resident MB, exit code) of
    that child alone (CPU too: on a shared machine the wall time moves with the other load)."""
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "analysis.cli", *args], cwd=cwd, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 2):
        raise SystemExit(f"ingroup {' '.join(args[:2])} exited {proc.returncode}: {err.decode()[-400:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def build_folder(seed: Path, n: int, dest: Path) -> int:
    """``n`` conversations copied from the seed transcripts, ten per sub-folder; returns the messages."""
    files = sorted(seed.glob("*.jsonl"))
    messages = 0
    for i in range(n):
        src = files[i % len(files)]
        sub = dest / f"copy-{i // len(files):05d}"
        sub.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, sub / src.name)
        messages += sum(1 for line in src.open() if '"type":"message"' in line.replace(" ", ""))
    return messages


def largest_file(folder: Path) -> int:
    sizes = [p.stat().st_size for p in folder.rglob("*") if p.is_file()]
    return max(sizes, default=0)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def browse(summary: Path, expected: int, profile: Path) -> tuple[float, float, int]:
    """Open the summary page and one conversation page linked from it in headless Chromium; (seconds for the
    summary, seconds for the conversation page, messages rendered there). Fails unless the index script
    listed every conversation."""
    import html
    import re

    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        raise SystemExit("--browser needs chromium on PATH (Debian: apt-get install chromium)")

    def dom(url: str) -> tuple[str, float]:
        start = time.perf_counter()
        r = subprocess.run([exe, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                            "--disable-dev-shm-usage", f"--user-data-dir={profile}", "--virtual-time-budget=10000",
                            "--dump-dom", url], capture_output=True, text=True, timeout=300)
        if r.returncode != 0 or "<html" not in r.stdout:
            raise SystemExit(f"chromium failed on {url}: {r.stderr[-400:]}")
        return r.stdout, time.perf_counter() - start

    page, t_summary = dom(summary.as_uri())
    count = re.search(r'id="index-count">(\d+) of (\d+) conversation', page)
    if not count or int(count.group(1)) != expected or int(count.group(2)) != expected:
        raise SystemExit(f"the index did not list {expected} conversations: {count and count.group(0)}")
    href = html.unescape(re.search(r'<a class="conv-link" href="([^"]+)"', page).group(1))
    conv, t_conv = dom((summary.parent / href).resolve().as_uri())
    return t_summary, t_conv, conv.count('class="msg ')


DRY_SWEEP = """\
name: scale
scenario: {scenario}
repetitions: {reps}
max_turns: 8
factors:
  framing:
    levels:
{levels}
"""


def dry_run(tmp: Path, runs: int) -> tuple[float, float, bool]:
    levels = "\n".join(f"      l{i}: {{}}" for i in range(10))
    f = tmp / f"dry-{runs}.yaml"
    f.write_text(DRY_SWEEP.format(scenario=ROOT / "scenarios" / "egomaniac.yaml", reps=runs // 10, levels=levels))
    wall, cpu, _, code = timed("sweep", str(f), "--dry-run", "--json")
    return wall, cpu, code == 0


def resume_ms_per_finished(tmp: Path, n: int = 2000) -> float:
    """CPU per finished transcript of what a resumed sweep does before it runs anything."""
    import dataclasses

    from simulator.conversation.orchestrator import _header
    from simulator.executor import ExecOptions, Executor, survey
    from simulator.providers.base import Provenance
    from simulator.sweep import expand, load_sweep
    from simulator.sweep_cli import _run_cost, check_out_dir
    from simulator.transcript import Message, TranscriptWriter

    sweep = load_sweep(ROOT / "scenarios" / "sweeps" / "egomaniac-identity.yaml")
    cell_runs = expand(sweep, embedded=True)
    runs = [dataclasses.replace(cell_runs[i % len(cell_runs)], run_id=f"{cell_runs[i % len(cell_runs)].run_id}-{i}")
            for i in range(n)]
    out = tmp / "resume"
    for r in runs:
        agents = r.scenario.agents
        w = TranscriptWriter(out / f"{r.run_id}.jsonl", _header(r, agents, "sequential", [Provenance()] * len(agents)),
                             fsync=False)
        for k in range(8):
            w.message(Message(index=k, speaker=agents[k % 2].name, text="a reply of some length " * 20,
                              prompt_tokens=300 + 50 * k, completion_tokens=60))
        w.close("max_turns: 8")
    planned = {r.run_id: r for r in runs}
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        sv = survey(out, runs)
        check_out_dir(out, runs, sweep.name, sv)
        _todo, done = Executor(out, None, ExecOptions()).pending(runs, sv)  # type: ignore[arg-type]
        for o in done:
            _run_cost(o, planned[o.run_id], {})
        best = min(best, time.process_time() - start)
        assert len(done) == n
    return best / n * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="12 and 120 conversations only")
    ap.add_argument("--sizes", type=int, nargs="*", help="folder sizes (default 12 120 1200 12000)")
    ap.add_argument("--report-max", type=int, default=12000, help="build reports up to this many conversations")
    ap.add_argument("--no-analyze", action="store_true", help="skip `ingroup analyze` (report figures only)")
    ap.add_argument("--browser", action="store_true",
                    help="open the largest report (summary and one conversation page) in headless Chromium")
    ap.add_argument("--embedded", action="store_true", help="also run bench/embedded.py --no-sweep")
    args = ap.parse_args()
    sizes = args.sizes or ([12, 120] if args.quick else [12, 120, 1200, 12000])
    if not SEED_DIR.is_dir():
        raise SystemExit(f"no seed transcripts at {SEED_DIR}")
    result: dict[str, object] = {}
    with tempfile.TemporaryDirectory(prefix="ingroup-scale-") as tmp_name:
        tmp = Path(tmp_name)
        seed = tmp / "seed"
        timed("import", *map(str, sorted(SEED_DIR.glob("egomaniac_*.txt"))), "--scenario",
              str(ROOT / "scenarios" / "egomaniac.yaml"), "--out", str(seed))
        analyze_rate = None
        largest_report: tuple[Path, int] | None = None
        for n in sizes:
            folder = tmp / f"n{n}"
            msgs = build_folder(seed, n, folder)
            line = f"{n:>6} conversations ({msgs:,} messages): "
            if not args.no_analyze:
                a_wall, a_cpu, a_mb, _ = timed("analyze", str(folder), "--out", str(tmp / f"tables-{n}"))
                analyze_rate = msgs / a_cpu
                line += (f"analyze {a_wall:6.1f} s ({a_cpu:.1f} s CPU), {a_mb:4.0f} MB peak "
                         f"({msgs / a_cpu:,.0f} messages per CPU second); ")
                result[f"analyze_s_at_{n}"] = round(a_wall, 1)
                result[f"analyze_cpu_s_at_{n}"] = round(a_cpu, 1)
                result[f"analyze_peak_mb_at_{n}"] = round(a_mb)
            if n <= args.report_max:
                out = tmp / f"report-{n}"
                r_wall, r_cpu, r_mb, _ = timed("report", str(folder), "--out", str(out))
                page, biggest = (out / "index.html").stat().st_size / 1e6, largest_file(out) / 1e6
                total = folder_size(out) / 1e6
                line += (f"report {r_wall:6.1f} s ({r_cpu:.1f} s CPU, {r_cpu / n * 1000:.1f} ms per conversation), "
                         f"{r_mb:4.0f} MB peak, summary page {page:.2f} MB, largest file {biggest:.2f} MB, "
                         f"folder {total:.0f} MB")
                result[f"report_mb_at_{n}"] = round(page, 2)
                result[f"report_peak_mb_at_{n}"] = round(r_mb)
                result[f"report_s_at_{n}"] = round(r_wall, 1)
                result[f"report_cpu_s_at_{n}"] = round(r_cpu, 1)
                result[f"report_largest_file_mb_at_{n}"] = round(biggest, 2)
                result[f"report_folder_mb_at_{n}"] = round(total)
                if largest_report is not None:
                    shutil.rmtree(largest_report[0])
                largest_report = (out, n)
            else:
                line += "report not built (over --report-max)"
            print(line, flush=True)
            shutil.rmtree(folder)
        if args.browser and largest_report is not None:
            out, n = largest_report
            t_sum, t_conv, shown = browse(out / "index.html", n, tmp / "chromium")
            print(f"browser: the {n:,}-conversation summary page opened in {t_sum:.1f} s (index listed all), "
                  f"a conversation page from it in {t_conv:.1f} s ({shown} messages)", flush=True)
            result[f"browser_summary_s_at_{n}"] = round(t_sum, 1)
            result[f"browser_conversation_s_at_{n}"] = round(t_conv, 1)
        for runs in (10_000, 100_000, 1_000_000):
            wall, cpu, ok = dry_run(tmp, runs)
            print(f"dry-run of {runs:,} runs: {wall:.2f} s ({cpu:.2f} s CPU, {'planned' if ok else 'refused'})",
                  flush=True)
            result[f"dry_run_s_at_{runs}"] = round(wall, 2)
        resume = resume_ms_per_finished(tmp)
        print(f"resume: {resume:.3f} ms of CPU per finished transcript (2,000 finished)", flush=True)
    embedded = None
    if args.embedded:
        p = subprocess.run([sys.executable, str(ROOT / "bench" / "embedded.py"), "--no-sweep"], capture_output=True,
                           text=True, cwd=ROOT)
        embedded = json.loads(p.stdout.strip().splitlines()[-1])["embedded_s_per_turn_8"]
    print(json.dumps({"report_mb_at_12000": result.get("report_mb_at_12000"),
                      "report_peak_mb_at_12000": result.get("report_peak_mb_at_12000"),
                      "analyze_msgs_per_s": None if analyze_rate is None else round(analyze_rate),
                      "analyze_speedup_2_cores": None,
                      "resume_ms_per_finished": round(resume, 4),
                      "embedded_s_per_turn_8": embedded, **result}))


if __name__ == "__main__":
    main()
