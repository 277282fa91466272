"""Labelling many transcripts: the rows of each, in order, from the analysis cache or computed, in this
process or in a pool of worker processes.

The parent lists the files (in the loaders' order), hashes each, and takes the rows of every transcript
the cache holds; the others are read, labelled and turned into rows by :func:`_Job.file`, here or in
worker processes (``concurrent.futures.ProcessPoolExecutor`` with the ``spawn`` start method, safe beside
threads and on every platform), which also keep them in the cache. Results are yielded in the files'
order whatever order the workers finish in, with a bounded number in flight, so the output is the same
for any number of workers and memory does not grow with the folder.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from simulator.errors import IngroupError, TranscriptError
from simulator.scenario import Scenario
from simulator.transcript import Transcript, read_transcript, transcript_files, transcript_key

from .api import Analyzer, RuleAnalyzer, TranscriptRows, label_transcript, transcript_rows, with_setup
from .labels import match
from .result_cache import FOLDER, ResultCache, entry_key, file_digest, options_digest

# With no --jobs, a pool is started when the transcripts to label hold at least this many bytes (about
# 25,000 messages of the battle's length, some 10 s of labelling on one core): each worker first pays about
# 2 s of CPU (0.6 s of imports; the literal engine's analysis of each rule's parse tree, made when the rule
# is first used) before it labels as fast as a warm process (bench/analyzers.py).
POOL_BYTES = 32_000_000
_IN_FLIGHT_PER_JOB = 4


def cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return max(1, os.cpu_count() or 1)


@dataclass
class _Job:
    """What labelling one transcript needs besides the transcript: the same in the parent and in workers."""

    task: str | None
    analyzer: Analyzer
    scenario: Scenario | None
    teams: Mapping[str, str] | None
    cache: ResultCache | None
    engine: str

    @property
    def version(self) -> str:
        return str(getattr(self.analyzer, "version", self.analyzer.name))

    def transcript(self, t: Transcript) -> TranscriptRows:
        if self.scenario is not None or self.teams:
            t = with_setup(t, self.scenario, self.teams)
        return transcript_rows(t, label_transcript(t, self.task, self.analyzer), self.version)

    def file(self, path: str, name: str, key: str | None, digest: str | None) -> TranscriptRows | TranscriptError:
        """The rows of one file (kept in the cache under ``key``), or why it is not a readable transcript."""
        try:
            t = read_transcript(path)
        except TranscriptError as exc:
            return exc
        except OSError as exc:  # unreadable (permissions, a folder named *.jsonl)
            return TranscriptError(f"cannot read: {exc.strerror or exc}", file=path)
        t.key = name
        rows = self.transcript(t)
        # Kept only when the file still holds the bytes the key was made from (it may change meanwhile).
        if self.cache is not None and key is not None and file_digest(Path(path)) == digest:
            self.cache.store(key, rows)
        return rows


_WORKER: _Job | None = None


def _start_worker(job: _Job) -> None:
    global _WORKER
    match.use(job.engine)  # an engine chosen with match.use() in the parent, not only by the environment
    _WORKER = job


def _work_file(path: str, name: str, key: str | None, digest: str | None) -> TranscriptRows | TranscriptError:
    assert _WORKER is not None
    return _WORKER.file(path, name, key, digest)


def _work_transcript(t: Transcript) -> TranscriptRows:
    assert _WORKER is not None
    return _WORKER.transcript(t)


@dataclass
class _File:
    path: str
    name: str
    size: int
    digest: str | None
    key: str | None
    cached: bool


def _cache_root(source: Path, cache: bool | str | Path) -> Path | None:
    if cache is False:
        return None
    if cache is True:
        return (source if source.is_dir() else source.parent) / FOLDER
    return Path(cache)


def rows_of_source(source: str | Path | Iterable[Transcript], task: str | None, analyzer: Analyzer, *,
                   scenario: Scenario | None = None, teams: Mapping[str, str] | None = None,
                   skipped: list[TranscriptError] | None = None, jobs: int | None = None,
                   cache: bool | str | Path = True) -> Iterator[TranscriptRows]:
    """What :func:`analysis.api.iter_rows` yields (see there)."""
    if jobs is not None and jobs < 1:
        raise IngroupError(f"jobs must be at least 1, not {jobs}", field="jobs")
    if type(analyzer) is not RuleAnalyzer:
        jobs, cache = 1, False  # an LLM judge: calls over the network, with its own cache of answers
    root_cache = _cache_root(Path(source), cache) if isinstance(source, (str, Path)) else None
    store = ResultCache(root_cache) if root_cache is not None else None
    job = _Job(task, analyzer, scenario, teams, store, match.engine())
    if isinstance(source, (str, Path)):
        return _rows_of_files(Path(source), job, skipped, jobs)
    return _rows_of_transcripts(source, job, jobs or 1)


def _rows_of_files(root: Path, job: _Job, skipped: list[TranscriptError] | None,
                   jobs: int | None) -> Iterator[TranscriptRows]:
    files = transcript_files(root)  # a missing folder fails here, before anything is labelled
    options = options_digest(job.version, job.task, job.scenario, job.teams) if job.cache else ""
    items = []
    for f in files:
        digest = file_digest(f) if job.cache else None
        key = entry_key(options, digest, transcript_key(f, root)) if digest is not None else None
        try:
            size = f.stat().st_size
        except OSError:
            size = 0
        cached = key is not None and job.cache is not None and job.cache.has(key)
        items.append(_File(str(f), transcript_key(f, root), size, digest, key, cached))
    return _ordered(items, job, skipped, workers_for([it.size for it in items if not it.cached], jobs))


def workers_for(sizes: list[int], jobs: int | None) -> int:
    """How many processes label transcripts of these sizes (bytes): ``jobs`` (None: every core when they
    hold :data:`POOL_BYTES` or more, else one), never more than there are transcripts."""
    if jobs is None:
        jobs = cores() if sum(sizes) >= POOL_BYTES else 1
    return max(1, min(jobs, len(sizes)))


def _ordered(items: list[_File], job: _Job, skipped: list[TranscriptError] | None,
             jobs: int) -> Iterator[TranscriptRows]:
    pool = _pool(job, jobs) if jobs > 1 else None
    pending: deque[tuple[_File, Future[Any] | None]] = deque()

    def settle(item: _File, fut: Future[Any] | None) -> TranscriptRows | None:
        out: TranscriptRows | TranscriptError | None = None
        if fut is not None:
            out = fut.result()
        elif item.cached and job.cache is not None and item.key is not None:
            out = job.cache.load(item.key)
        if out is None:  # not submitted, or an entry that could not be read: labelled here, and rewritten
            out = job.file(item.path, item.name, item.key, item.digest)
        if isinstance(out, TranscriptError):
            if skipped is None:
                raise out
            skipped.append(out)
            return None
        return out

    try:
        for item in items:
            fut = None
            if pool is not None and not item.cached:
                fut = pool.submit(_work_file, item.path, item.name, item.key, item.digest)
            pending.append((item, fut))
            while pending and (len(pending) > jobs * _IN_FLIGHT_PER_JOB or pending[0][1] is None
                               or pending[0][1].done()):
                rows = settle(*pending.popleft())
                if rows is not None:
                    yield rows
        while pending:
            rows = settle(*pending.popleft())
            if rows is not None:
                yield rows
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _rows_of_transcripts(source: Iterable[Transcript], job: _Job, jobs: int) -> Iterator[TranscriptRows]:
    if jobs == 1:
        for t in source:
            yield job.transcript(t)
        return
    pool = _pool(job, jobs)
    pending: deque[Future[TranscriptRows]] = deque()
    try:
        for t in source:
            pending.append(pool.submit(_work_transcript, t))
            while pending and (len(pending) > jobs * _IN_FLIGHT_PER_JOB or pending[0].done()):
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _pool(job: _Job, jobs: int) -> ProcessPoolExecutor:
    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_start_worker, initargs=(job,))


__all__ = ["POOL_BYTES", "cores", "rows_of_source", "workers_for"]
