"""The cases of the hostile campaign (bench/hostile.py), one function each, registered with ``@case``.

Each case plants its input under ``ctx.inp``, runs ``ingroup`` as a user would, and raises ``Fail`` with what
went wrong; the runner adds leaked secrets, tracebacks and hung commands on its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from bench._hostile import (
    PASSWORD,
    QUERY_SECRET,
    ROOT,
    Ctx,
    case,
    complete,
    scripted_scenario,
    server_scenario,
    transcripts,
)

SEED = ROOT.parent / "shared" / "data" / "we-the-ai-assistants"


# --- 1. credentials in URLs, command lines and error texts --------------------------------------------------

@case
def case_password_in_base_url(c: Ctx) -> None:
    f = c.write("s.yaml", server_scenario(c.server.base("ok", f"bob:{PASSWORD}")))
    c.one_line_error(c.cli("run", str(f), "--out", str(c.out()), "--max-turns", "2"), "user name or password")


@case
def case_key_in_base_url_query(c: Ctx) -> None:
    f = c.write("s.yaml", server_scenario(c.server.base("ok") + f"?api-version=1&key={QUERY_SECRET}"))
    c.cli("run", str(f), "--out", str(c.out()), "--max-turns", "2", expect=0)
    header = transcripts(c.out())[0]["records"][0]
    c.check("scenario" in header, "no scenario record in the header")


@case
def case_password_in_judge_base_url_of_report(c: Ctx) -> None:
    f = c.write("s.yaml", scripted_scenario())
    c.cli("run", str(f), "--out", str(c.out()), expect=0)
    url = c.server.base("judgeA", f"bob:{PASSWORD}")
    r = c.cli("report", str(c.out()), "--out", str(c.root / "r.html"), "--judge", "--judge-provider", "openai",
              "--judge-base-url", url, "--judge-cache", str(c.root / "cache.jsonl"))
    c.one_line_error(r, "--judge-base-url", "user name or password")
    # Given in the query instead, it works and the page's command line does not show it.
    url = c.server.base("judgeA") + f"?key={QUERY_SECRET}"
    c.cli("report", str(c.out()), "--out", str(c.root / "r.html"), "--judge", "--judge-provider", "openai",
          "--judge-base-url", url, "--judge-cache", str(c.root / "cache.jsonl"), expect=0)
    c.check("judge-base-url" in (c.root / "r.html").read_text(), "the page does not show its command line")


@case
def case_key_echoed_in_pieces_by_the_server(c: Ctx) -> None:
    f = c.write("s.yaml", server_scenario(c.server.base("echo401")))
    r = c.cli("run", str(f), "--out", str(c.out()))
    c.check(r.returncode != 0, "a run whose every call was refused exited 0")
    footer = transcripts(c.out())[0]["records"][-1]
    c.check(footer.get("stop_reason") == "error" and "401" in (footer.get("error") or ""),
            f"the failure is not recorded: {footer}")


# --- 2. redaction in linear time ------------------------------------------------------------------------------

@case
def case_five_megabyte_opening(c: Ctx) -> None:
    import random
    import string

    rng = random.Random(5)
    opening = "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(4_900_000))
    f = c.write("s.yaml", scripted_scenario(opening=opening, max_turns=2))
    t0 = time.perf_counter()
    c.cli("run", str(f), "--out", str(c.out()), "--quiet", expect=0, timeout=120)
    c.check(complete(c.out()) == 1, "the conversation did not complete")
    c.check(time.perf_counter() - t0 < 90, f"took {time.perf_counter() - t0:.0f} s")


@case
def case_long_error_bodies(c: Ctx) -> None:
    f = c.write("s.yaml", server_scenario(c.server.base("bigerror")))
    t0 = time.perf_counter()
    c.cli("run", str(f), "--out", str(c.out()), "-n", "4", "--quiet", timeout=120)
    took = time.perf_counter() - t0
    c.check(len(transcripts(c.out())) == 4, "not every conversation has its transcript")
    c.check(took < 60, f"four 30,000-character errors took {took:.0f} s")


# --- 3. parallel runs into one folder -------------------------------------------------------------------------

@case
def case_parallel_runs_into_one_folder(c: Ctx) -> None:
    f = c.write("s.yaml", scripted_scenario(max_turns=3))
    procs = [subprocess.Popen([sys.executable, "-m", "analysis.cli", "run", str(f), "--out", str(c.out()), "-n", "2",
                               "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=c.env(),
                              cwd=c.root) for _ in range(3)]
    for p in procs:
        out, err = p.communicate(timeout=180)
        c.printed += [out, err]
        c.check("Traceback" not in err, f"traceback: {err[-300:]}")
        c.check(p.returncode == 0, f"a parallel run exited {p.returncode}: {err.strip()[-300:]}")
    n = complete(c.out())
    c.result.lost += max(0, 6 - n)
    c.check(n == 6, f"{n} of 6 conversations complete")


# --- 4. links planted where ingroup writes ----------------------------------------------------------------

def _victim(c: Ctx) -> Path:
    v = c.inp / "victim.txt"
    v.write_text("precious\n")
    return v


def _intact(c: Ctx, v: Path) -> None:
    c.check(v.read_text() == "precious\n", f"{v.name} was written through a link")


@case
def case_symlinked_lock(c: Ctx) -> None:
    v = _victim(c)
    c.out().mkdir()
    (c.out() / ".lock").symlink_to(v)
    f = c.write("s.yaml", scripted_scenario())
    r = c.cli("run", str(f), "--out", str(c.out()))
    _intact(c, v)
    c.one_line_error(r, "symbolic link")


@case
def case_symlinked_manifest_tmp_and_partial(c: Ctx) -> None:
    v = _victim(c)
    f = c.write("s.yaml", scripted_scenario(name="base"))
    sweep = c.write("w.yaml", json.dumps({"name": "w", "scenario": str(f), "repetitions": 1,
                                          "factors": {"x": {"levels": {"a": {}, "b": {}}}}}))
    c.cli("sweep", str(sweep), "--out", str(c.out()), expect=0)
    for name in ("w.sweep.json.tmp", ".w.sweep.json.tmp"):
        (c.out() / name).symlink_to(v)
    (c.out() / ".partial").symlink_to(c.inp, target_is_directory=True)
    # A partial transcript to move aside, as a killed sweep leaves it: through the planted .partial link it
    # would land in in/.
    t = c.out() / "w-a-r000.jsonl"
    t.write_text(t.read_text().splitlines()[0] + "\n")
    r = c.cli("sweep", str(sweep), "--out", str(c.out()))
    _intact(c, v)
    c.check(not list(c.inp.glob("*.partial")), "a transcript was moved through the .partial link")
    c.one_line_error(r, "symbolic link")


def report_html(summary: Path) -> str:
    """A report's summary page and every conversation page beside it (``NAME_conversations/``), as one text."""
    pages = sorted((summary.parent / f"{summary.stem}_conversations").glob("*.html"))
    return "\n".join(p.read_text(encoding="utf-8") for p in [summary, *pages])


@case
def case_symlinked_report_tmp(c: Ctx) -> None:
    v = _victim(c)
    f = c.write("s.yaml", scripted_scenario())
    c.cli("run", str(f), "--out", str(c.out()), expect=0)
    (c.root / "r.html.tmp").symlink_to(v)
    c.cli("report", str(c.out()), "--out", str(c.root / "r.html"), expect=0)
    _intact(c, v)
    c.check((c.root / "r.html").stat().st_size > 1000, "no report")
    # A link planted where the conversation pages go is refused, not written through nor replaced.
    (c.root / "r2_conversations").symlink_to(v.parent, target_is_directory=True)
    c.one_line_error(c.cli("report", str(c.out()), "--out", str(c.root / "r2.html")), "not an earlier report's")
    _intact(c, v)
    c.check((c.root / "r2_conversations").is_symlink() and not (c.root / "r2.html").exists(),
            "the planted link was replaced, or a summary was written")


@case
def case_symlinked_transcript_name(c: Ctx) -> None:
    v = _victim(c)
    f = c.write("s.yaml", scripted_scenario(name="w"))
    sweep = c.write("w.yaml", json.dumps({"name": "w", "scenario": str(f), "repetitions": 1,
                                          "factors": {"x": {"levels": {"a": {}}}}}))
    c.out().mkdir()
    (c.out() / "w-a-r000.jsonl").symlink_to(v)
    c.cli("sweep", str(sweep), "--out", str(c.out()))
    _intact(c, v)


# --- 5. CSV cells a spreadsheet would run -------------------------------------------------------------------

HOSTILE_LINES = ("=HYPERLINK(\"http://evil.example\",\"click\")", "=cmd|' /C calc'!A0", "+1+2", "-2+3",
                 "@SUM(A1:A2)", "\x1b]0;pwned\x07\x1b[2Jred", "we\u202egnp.exe", "hidden\U000E0041\U000E0042tags",
                 "zero\u200bwidth")


@case
def case_formula_and_escapes_in_tables(c: Ctx) -> None:
    f = c.write("s.yaml", scripted_scenario(lines=HOSTILE_LINES, max_turns=len(HOSTILE_LINES) + 1))
    c.cli("run", str(f), "--out", str(c.out()), "--quiet", expect=0)
    c.cli("analyze", str(c.out()), "--out", str(c.root / "tables"), expect=0)
    cells = pd.read_csv(c.root / "tables" / "messages.csv", dtype=str, keep_default_na=False)["text"].tolist()
    for cell in cells:
        c.check(not cell.startswith(("=", "+", "-", "@")), f"a CSV cell starts a formula: {cell[:40]!r}")
        c.check(not any(ch in cell for ch in ("\x1b", "\x07", "\u202e", "\u200b", "\U000E0041")),
                f"a control, bidi or invisible character reached the CSV: {cell[:40]!r}")
    raw = pd.read_parquet(c.root / "tables" / "messages.parquet")["text"].tolist()
    c.check(HOSTILE_LINES[0] in raw, "Parquet does not keep the raw text")


@case
def case_hidden_characters_in_terminal_and_report(c: Ctx) -> None:
    f = c.write("s.yaml", scripted_scenario(lines=HOSTILE_LINES, max_turns=len(HOSTILE_LINES) + 1))
    r = c.cli("run", str(f), "--out", str(c.out()), expect=0)
    bad = ("\x1b", "\x07", "\u202e", "\u200b", "\U000E0041")
    c.check(not any(ch in r.stdout for ch in bad), "a control, bidi or invisible character reached the terminal")
    c.cli("report", str(c.out()), "--out", str(c.root / "r.html"), expect=0)
    html = report_html(c.root / "r.html")
    c.check("hidden" in html, "the conversation pages are missing")
    c.check(not any(ch in html for ch in bad), "a control, bidi or invisible character reached the report")


# --- 6. resume against another server ---------------------------------------------------------------------

@case
def case_resume_with_another_server(c: Ctx) -> None:
    doc = json.loads(server_scenario("", name="base", max_turns=2))
    del doc["agents"][1]["base_url"]  # the server comes from OPENAI_BASE_URL
    f = c.write("s.yaml", json.dumps(doc))
    sweep = c.write("w.yaml", json.dumps({"name": "w", "scenario": str(f), "repetitions": 2,
                                          "factors": {"x": {"levels": {"a": {}}}}}))
    c.cli("sweep", str(sweep), "--out", str(c.out()), env={"OPENAI_BASE_URL": c.server.base("ok")}, expect=0)
    done = transcripts(c.out())
    # One run unfinished, as a killed sweep leaves it; the resume now points at another server.
    first = done[0]["path"]
    first.write_text("\n".join(first.read_text().splitlines()[:2]) + "\n")
    r = c.cli("sweep", str(sweep), "--out", str(c.out()), env={"OPENAI_BASE_URL": c.server.base("tokens")})
    c.one_line_error(r, "server")
    c.check(complete(c.out()) == 1, "the finished transcript is gone")


# --- 7. keys of conversations, unreadable files ---------------------------------------------------------

@case
def case_same_run_ids_in_two_subfolders(c: Ctx) -> None:
    f = c.write("s.yaml", scripted_scenario(name="w"))
    sweep = c.write("w.yaml", json.dumps({"name": "w", "scenario": str(f), "repetitions": 1,
                                          "factors": {"x": {"levels": {"a": {}}}}}))
    for sub in ("one", "two"):
        c.cli("sweep", str(sweep), "--out", str(c.out() / sub), expect=0)
    (c.out() / ".hidden").mkdir()
    for p in (c.out() / "one").glob("*.jsonl"):
        (c.out() / ".hidden" / p.name).write_text(p.read_text())
    c.cli("analyze", str(c.out()), "--out", str(c.root / "tables"), expect=0)
    conv = pd.read_parquet(c.root / "tables" / "conversations.parquet")
    keys = sorted(conv["conversation"])
    c.check(keys == ["one/w-a-r000", "two/w-a-r000"], f"conversation keys {keys}")


@case
def case_unreadable_files_are_skipped(c: Ctx) -> None:
    f = c.write("s.yaml", scripted_scenario())
    c.cli("run", str(f), "--out", str(c.out()), expect=0)
    (c.out() / "empty.jsonl").write_bytes(b"")
    (c.out() / "other.jsonl").write_text('{"hello": "world"}\n')
    (c.out() / "corrupt.jsonl").write_bytes(b"\xff\xfe\x00garbage\n{{{\n")
    r = c.cli("analyze", str(c.out()), "--out", str(c.root / "tables"), expect=0)
    c.check(r.stderr.count("skipped (not a readable transcript)") == 3,
            f"the three bad files are not each reported: {r.stderr[-400:]}")
    r = c.cli("report", str(c.out()), "--out", str(c.root / "r.html"), expect=0)
    bad = c.root / "bad"
    bad.mkdir()
    (bad / "empty.jsonl").write_bytes(b"")
    c.one_line_error(c.cli("analyze", str(bad), "--out", str(c.root / "t2")), "no readable transcript")
    c.one_line_error(c.cli("report", str(bad), "--out", str(c.root / "r2.html")), "no readable transcript")


# --- 8. a 50 MB reply --------------------------------------------------------------------------------------

@case
def case_fifty_megabyte_reply(c: Ctx) -> None:
    f = c.write("s.yaml", server_scenario(c.server.base("huge"), max_turns=2, timeout_s=120))
    t0 = time.perf_counter()
    c.cli("run", str(f), "--out", str(c.out()), expect=0, timeout=240)
    took_run = time.perf_counter() - t0
    t = transcripts(c.out())[0]["records"]
    c.check(len(t[2]["text"]) >= 50_000_000, "the reply is not stored whole")
    t0 = time.perf_counter()
    c.cli("report", str(c.out()), "--out", str(c.root / "r.html"), expect=0, timeout=240)
    took_report = time.perf_counter() - t0
    pages = [c.root / "r.html", *(c.root / "r_conversations").glob("*.html")]
    size = max(p.stat().st_size for p in pages)
    c.check(len(pages) == 2 and size < 5_000_000, f"{len(pages)} page(s), the largest {size / 1e6:.0f} MB")
    c.check("more characters not shown" in report_html(c.root / "r.html"), "no truncation marker")
    c.check(took_run < 120 and took_report < 120, f"run {took_run:.0f} s, report {took_report:.0f} s")


# --- 9. the judge -------------------------------------------------------------------------------------------

def _judge(c: Ctx, mode: str, *extra: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    if not (c.out() / "done").exists():
        f = c.write("s.yaml", scripted_scenario(max_turns=2))
        c.cli("run", str(f), "--out", str(c.out()), expect=0)
        (c.out() / "done").mkdir()
    return c.cli("analyze", str(c.out()), "--out", str(c.root / f"tables-{mode}"), "--judge", "--judge-provider",
                 "openai", "--judge-base-url", c.server.base(mode), "--judge-cache", str(c.root / "cache.jsonl"),
                 *extra, timeout=timeout)


@case
def case_judge_retries_a_429(c: Ctx) -> None:
    r = _judge(c, "r429")
    c.check(r.returncode == 0, f"exit {r.returncode}: {r.stderr[-300:]}")


@case
def case_judge_against_a_dripping_server(c: Ctx) -> None:
    t0 = time.perf_counter()
    r = _judge(c, "drip", "--judge-timeout", "2", "--judge-retries", "0", timeout=90)
    took = time.perf_counter() - t0
    c.check(took < 60, f"the judge waited {took:.0f} s on a dripping server")
    c.check(r.returncode in (0, 2), f"exit {r.returncode}")


@case
def case_judge_cache_is_per_server(c: Ctx) -> None:
    _judge(c, "judgeA")
    before = c.server.requests.get("judgeB", 0)
    _judge(c, "judgeB")
    c.check(c.server.requests.get("judgeB", 0) > before, "answers of one server were reused for another")


# --- 10. one-line errors ---------------------------------------------------------------------------------

@case
def case_out_is_a_file(c: Ctx) -> None:
    f = c.write("s.yaml", scripted_scenario())
    (c.root / "afile").write_text("x")
    c.one_line_error(c.cli("run", str(f), "--out", str(c.root / "afile")), "folder")
    c.check((c.root / "afile").read_text() == "x", "the file in the way was changed")


@case
def case_out_path_too_long(c: Ctx) -> None:
    f = c.write("s.yaml", scripted_scenario())
    c.one_line_error(c.cli("run", str(f), "--out", str(c.root / ("x" * 300))), "too long")


@case
def case_out_on_a_read_only_file_system(c: Ctx) -> None:
    f = c.write("s.yaml", scripted_scenario())
    target = "/proc/ingroup-out" if os.path.isdir("/proc") else "/dev/null/out"
    c.one_line_error(c.cli("run", str(f), "--out", target), "cannot")


@case
def case_report_out_on_a_read_only_file_system(c: Ctx) -> None:
    f = c.write("s.yaml", scripted_scenario())
    c.cli("run", str(f), "--out", str(c.out()), expect=0)
    c.one_line_error(c.cli("report", str(c.out()), "--out", "/proc/ingroup.html"), "cannot")
    c.one_line_error(c.cli("analyze", str(c.out()), "--out", "/proc/ingroup-tables"), "cannot")


@case
def case_full_disk(c: Ctx) -> None:
    if not Path("/dev/full").exists():
        return
    f = c.write("s.yaml", scripted_scenario())
    c.cli("run", str(f), "--out", str(c.out()), expect=0)
    # /dev/full accepts the open and fails every write with ENOSPC, as a full disk does.
    r = c.cli("schema", "--out", "/dev/full")
    c.one_line_error(r, "no space")


@case
def case_badly_typed_label_records(c: Ctx) -> None:
    f = c.write("s.yaml", scripted_scenario())
    c.cli("run", str(f), "--out", str(c.out()), expect=0)
    for rec in ('{"file": "x", "idx": "0"}', '{"file": "x", "idx": 0, "we": [{"token": 1, "char": 0, "ref": "dyad"}]}',
                '{"file": "x", "idx": 0, "cooperative": "yes"}', '{"file": ["x"], "idx": 0}'):
        labels = c.write("labels.jsonl", rec + "\n")
        c.one_line_error(c.cli("evaluate", "--labels", str(labels), "--transcripts", str(c.out())), "labels.jsonl:1")


@case
def case_refused_connection(c: Ctx) -> None:
    f = c.write("s.yaml", server_scenario("http://127.0.0.1:9/v1", timeout_s=5))
    r = c.cli("run", str(f), "--out", str(c.out()), timeout=180)
    footer = transcripts(c.out())[0]["records"][-1]
    err = (footer.get("error") or "").lower()
    c.check("no answer within" not in err and ("connect" in err or "refused" in err),
            f"a refused connection is reported as {footer.get('error')!r}")
    c.check(r.returncode != 0, "a failed run exited 0")


@case
def case_absurd_token_counts(c: Ctx) -> None:
    f = c.write("s.yaml", server_scenario(c.server.base("tokens"), max_turns=2))
    c.cli("run", str(f), "--out", str(c.out()), expect=0)
    msg = transcripts(c.out())[0]["records"][2]
    for k in ("prompt_tokens", "completion_tokens"):
        v = msg.get(k)
        c.check(v is None or 0 <= v < 10 ** 9, f"{k} stored as {v}")


@case
def case_scenario_limit_counts_bytes(c: Ctx) -> None:
    f = c.inp / "big.yaml"
    f.write_text(scripted_scenario(opening="\U0001F600" * 4_000_000), encoding="utf-8")  # 16 MB, 4 M characters
    c.one_line_error(c.cli("run", str(f), "--out", str(c.out()), "--quiet"), "larger than")


@case
def case_sweep_level_with_dots(c: Ctx) -> None:
    f = c.write("s.yaml", scripted_scenario())
    sweep = c.write("w.yaml", json.dumps({"name": "w", "scenario": str(f), "factors": {"x": {"levels": {"a..": {}}}}}))
    c.one_line_error(c.cli("sweep", str(sweep), "--dry-run"), "level names")


@case
def case_two_factors_set_one_field(c: Ctx) -> None:
    f = c.write("s.yaml", scripted_scenario())
    sweep = c.write("w.yaml", json.dumps({"name": "w", "scenario": str(f), "factors": {
        "x": {"levels": {"a": {"set": {"opening.text": "A"}}, "b": {}}},
        "y": {"levels": {"c": {"set": {"opening.text": "C"}}, "d": {}}}}}))
    c.one_line_error(c.cli("sweep", str(sweep), "--dry-run"), "opening.text")


@case
def case_renamed_sweep_in_a_reused_folder(c: Ctx) -> None:
    f = c.write("s.yaml", scripted_scenario(name="base"))
    for name, expect in (("first", 0), ("second", 2)):
        sweep = c.write(f"{name}.yaml", json.dumps({"name": name, "scenario": str(f), "repetitions": 1,
                                                    "factors": {"x": {"levels": {"a": {}}}}}))
        r = c.cli("sweep", str(sweep), "--out", str(c.out()))
        if expect == 2:
            c.one_line_error(r, "first")
        else:
            c.check(r.returncode == 0, f"exit {r.returncode}")


@case
def case_import_file_names_are_shown_as_text(c: Ctx) -> None:
    if not SEED.is_dir():
        return
    src = next(iter(sorted(SEED.glob("egomaniac_*.txt"))))
    name = "[bold red]x[blink] \x1b[2J.txt"
    dest = c.inp / name
    dest.write_bytes(src.read_bytes())
    r = c.cli("import", str(dest), "--out", str(c.out()), expect=0)
    c.check("[bold red]x[blink]" in r.stdout.replace("\\[", "["),
            f"the file name is not shown as it is: {r.stdout[:200]!r}")
    c.check("\x1b" not in r.stdout, "an escape sequence in a file name reached the terminal")


# --- cases the suite had before the campaign ------------------------------------------------------------

@case
def case_garbage_files_as_input(c: Ctx) -> None:
    for name, data in (("binary.yaml", b"\x00\x01\x02"), ("latin1.yaml", "caf\xe9".encode("latin-1")),
                       ("deep.yaml", b"[" * 5000), ("alias.yaml", b"a: &a [*a]"), ("empty.yaml", b"")):
        p = c.inp / name
        p.write_bytes(data)
        c.one_line_error(c.cli("run", str(p), "--out", str(c.out())))
    p = c.inp / "log.txt"
    p.write_bytes(b"\x00\x01binary")
    c.one_line_error(c.cli("import", str(p), "--out", str(c.out("imp"))), "binary")


@case
def case_missing_key_names_the_variable(c: Ctx) -> None:
    doc = json.loads(server_scenario("", max_turns=2))
    del doc["agents"][1]["base_url"]
    f = c.write("s.yaml", json.dumps(doc))
    r = c.cli("run", str(f), "--out", str(c.out()), env={"OPENAI_API_KEY": ""})
    c.check(r.returncode != 0 and "OPENAI_API_KEY" in r.stderr + r.stdout, "the missing key is not named")
