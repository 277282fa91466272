"""Analysis of many transcripts: a pool of worker processes gives the same tables as one process, and the
per-transcript cache gives the same tables as labelling again, is used when nothing changed, and is not
used when the transcript, the options or the analysis code changed."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest
from helpers import run_cli

from analysis import batch, result_cache
from analysis.api import analyze, iter_rows
from simulator.errors import TranscriptError
from simulator.transcript import read_transcript

N = 4


def _folder(seed_transcripts: Path, tmp_path: Path) -> Path:
    """Four seed transcripts, two of them in a sub-folder, and one file that is no transcript."""
    d = tmp_path / "runs"
    (d / "sub").mkdir(parents=True)
    for k, f in enumerate(sorted(seed_transcripts.glob("*.jsonl"))[:N]):
        shutil.copy(f, (d / "sub" if k < 2 else d) / f.name)
    (d / "notes.jsonl").write_text("not a transcript\n")
    return d


def _digest(folder: Path) -> dict[str, str]:
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in sorted(folder.iterdir())}


def _entries(folder: Path) -> list[Path]:
    return sorted((folder / result_cache.FOLDER).rglob("*.json"))


def test_workers_and_cache_write_the_same_files_as_one_process(seed_transcripts: Path, tmp_path: Path):
    d = _folder(seed_transcripts, tmp_path)
    r1 = run_cli("analyze", str(d), "--out", str(tmp_path / "one"), "--jobs", "1", "--no-cache")
    assert r1.returncode == 0, r1.stderr
    assert "notes.jsonl" in r1.stderr  # skipped, named, and the rest analysed
    assert not (d / ".ingroup-cache").exists()  # --no-cache writes nothing
    r2 = run_cli("analyze", str(d), "--out", str(tmp_path / "two"), "--jobs", "2")
    assert r2.returncode == 0, r2.stderr
    assert len(_entries(d)) == N  # one entry per transcript, none for the file that is not one
    r3 = run_cli("analyze", str(d), "--out", str(tmp_path / "cached"))
    assert r3.returncode == 0, r3.stderr
    one = _digest(tmp_path / "one")
    assert len(one) == 8 and one == _digest(tmp_path / "two") == _digest(tmp_path / "cached")
    said = [r.stdout.replace(str(tmp_path / name), "OUT") for r, name in ((r1, "one"), (r2, "two"), (r3, "cached"))]
    assert said[0] == said[1] == said[2] and r1.stderr == r2.stderr == r3.stderr


def test_bad_jobs_is_one_line_and_exit_2(seed_transcripts: Path, tmp_path: Path):
    r = run_cli("analyze", str(seed_transcripts), "--out", str(tmp_path / "t"), "--jobs", "0")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "--jobs" in r.stderr
    assert not (tmp_path / "t").exists()


def test_unchanged_transcripts_are_not_labelled_again(seed_transcripts: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch):
    d = _folder(seed_transcripts, tmp_path)
    skipped: list[TranscriptError] = []
    fresh = analyze(d, jobs=1, skipped=skipped)
    assert [e.file for e in skipped] == [str(d / "notes.jsonl")]
    labelled: list[str] = []
    real = batch._Job.transcript

    def counting(self: batch._Job, t):  # type: ignore[no-untyped-def]
        labelled.append(t.key)
        return real(self, t)

    monkeypatch.setattr(batch._Job, "transcript", counting)
    again = analyze(d, jobs=1, skipped=[])
    assert labelled == []
    for name in ("tokens", "messages", "conversations", "agents"):
        assert getattr(again, name).equals(getattr(fresh, name)), name
        assert list(getattr(again, name).dtypes) == list(getattr(fresh, name).dtypes), name

    # Another task gives other rows: the options are part of the key.
    analyze(d, task="Plan a picnic together.", jobs=1, skipped=[])
    assert len(labelled) == N

    # A changed transcript is labelled again, and only that one.
    labelled.clear()
    f = d / "sub" / sorted(p.name for p in (d / "sub").glob("*.jsonl"))[0]
    lines = f.read_text().splitlines(keepends=True)
    rec = json.loads(lines[1])
    rec["text"] = "We are all AI assistants here. " + rec["text"]
    lines[1] = json.dumps(rec) + "\n"
    f.write_text("".join(lines))
    changed = analyze(d, jobs=1, skipped=[])
    assert labelled == [f"sub/{f.stem}"]
    assert changed.messages["text"].str.startswith("We are all AI assistants here.").sum() == 1

    # A corrupt entry is ignored: that transcript is labelled again and its entry rewritten.
    shutil.rmtree(d / result_cache.FOLDER)
    analyze(d, jobs=1, skipped=[])
    labelled.clear()
    entries = _entries(d)
    assert len(entries) == N
    entries[0].write_text('{"format": 1, "key": "')
    entries[1].write_text(json.dumps({"format": 1, "key": "another", "tokens": [], "messages": [],
                                      "conversations": [], "agents": []}))
    repaired = analyze(d, jobs=1, skipped=[])
    assert len(labelled) == 2
    assert repaired.messages.equals(changed.messages)
    assert all(result_cache.ResultCache(d / result_cache.FOLDER).load(e.stem) is not None for e in entries)


def test_analysis_code_is_part_of_the_key(seed_transcripts: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    d = _folder(seed_transcripts, tmp_path)
    analyze(d, jobs=1, skipped=[])
    before = {e.name for e in _entries(d)}
    monkeypatch.setattr(result_cache, "code_digest", lambda: "a rule changed")
    analyze(d, jobs=1, skipped=[])
    assert len({e.name for e in _entries(d)} - before) == N


def test_a_folder_that_cannot_be_written_is_analysed_without_cache(seed_transcripts: Path, tmp_path: Path):
    d = _folder(seed_transcripts, tmp_path)
    if os.geteuid() == 0:
        # root writes anywhere: stand a file where the cache folder would go instead.
        (d / ".ingroup-cache").write_text("in the way")
    else:
        d.chmod(0o555)
    try:
        a = analyze(d, jobs=1, skipped=[])
        assert len(a.conversations) == N
    finally:
        d.chmod(0o755)


def test_rows_stream_in_order_with_workers(seed_transcripts: Path, tmp_path: Path):
    """iter_rows yields one transcript at a time, in the files' order, with a pool as without."""
    d = _folder(seed_transcripts, tmp_path)
    rows = list(iter_rows(d, jobs=2, cache=tmp_path / "cache", skipped=[]))
    alone = list(iter_rows(d, jobs=1, cache=False, skipped=[]))
    names = [r.conversations[0]["conversation"] for r in rows]
    assert names == [r.conversations[0]["conversation"] for r in alone]
    assert names == ["egomaniac_2", "egomaniac_3", "sub/egomaniac_1", "sub/egomaniac_10"]
    assert rows == alone
    assert len(list((tmp_path / "cache").rglob("*.json"))) == N
    # Transcript objects (not files) go to the workers themselves.
    objects = [read_transcript(f) for f in sorted(d.rglob("egomaniac_*.jsonl"))]
    assert list(iter_rows(objects, jobs=2)) == list(iter_rows(objects, jobs=1))


def test_pool_only_for_large_folders():
    assert batch.workers_for([100, 200], None) == 1
    assert batch.workers_for([batch.POOL_BYTES // 2] * 2, None) == min(batch.cores(), 2)
    assert batch.workers_for([10, 10, 10], 8) == 3 and batch.workers_for([], 4) == 1
    assert batch.workers_for([10] * 5, 2) == 2
