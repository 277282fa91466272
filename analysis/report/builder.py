"""``ingroup report``: transcripts -> a small summary page and one static page per conversation.

The work streams: each transcript is read, labelled (:func:`analysis.api.label_transcript`), written as its
own page and reduced to a short record (:mod:`.compute`) before the next is read, so memory grows by one
record per conversation, never by the messages. The statistics, figures (:mod:`.plots`) and the summary page
(:mod:`.render`) come from the records at the end. Pages are written into a fresh hidden folder and moved
into place when everything worked, so a failed build leaves an earlier report as it was.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import pandas as pd

from simulator.errors import IngroupError, TranscriptError
from simulator.files import ensure_dir, open_new, os_error, write_atomic
from simulator.secrets import redact
from simulator.transcript import Transcript, iter_records, iter_transcripts, transcript_files

from .. import stats
from ..api import RuleAnalyzer, label_transcript
from ..measures import conversation_measures
from . import label_stats
from .compute import Accumulator
from .data import conversation_view
from .render import PageContext, conversation_page, figures, summary_page


@dataclass
class ReportOptions:
    """How the report groups and resamples, and what it prints about itself."""

    by: str | None = None
    """Group conversations by one sweep factor (e.g. ``identity``) instead of the full condition cell."""
    n_boot: int = stats.DEFAULT_BOOT
    n_perm: int = stats.DEFAULT_PERM
    seed: int = 0
    title: str = "ingroup report"
    max_transcripts: int | None = None
    """Write a page for at most this many conversations (the index and the statistics use all)."""
    command: str | None = None
    task: str | None = None
    """Assigned contest for logs whose header has none (imported logs); passed to the analyzers."""
    identity_reference: str | None = None
    """Identity sweep: the model whose prompt tokens for the bare prompts are the hidden-prompt reference."""


@dataclass(frozen=True)
class ReportPaths:
    """Where a report goes: the summary page and the folder of conversation pages beside it."""

    summary: Path
    pages: Path

    @classmethod
    def for_out(cls, out: str | Path) -> "ReportPaths":
        """``--out DIR``: ``DIR/index.html`` and ``DIR/conversations/``; ``--out NAME.html``: that file and
        ``NAME_conversations/`` beside it (so two reports can share a folder)."""
        p = Path(out)
        if p.suffix.lower() in (".html", ".htm"):
            return cls(p, p.with_name(f"{p.stem}_conversations"))
        return cls(p / "index.html", p / "conversations")

    @property
    def back(self) -> str:
        """The summary page as a conversation page links to it."""
        return os.path.relpath(self.summary, self.pages).replace(os.sep, "/")


@dataclass
class ReportResult:
    """The summary page's HTML and the tables behind it (and where the pages went, if written)."""

    html: str
    conversations: pd.DataFrame
    rates: pd.DataFrame
    comparisons: pd.DataFrame
    trajectory: pd.DataFrame
    outcomes: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict)
    """The summary's matplotlib Figures by id (``fig-rate``, ``fig-traj``, ``fig-outcome``, graphs...)."""
    paths: ReportPaths | None = None
    pages: dict[str, Path] = field(default_factory=dict)
    """Conversation (transcript path) -> its page, for the conversations that got one."""
    label_rates: pd.DataFrame | None = None
    """Every declared rate per condition and per model (``analysis.stats.RATE_COLUMNS``)."""
    label_comparisons: pd.DataFrame | None = None
    """Every declared rate, every pair of conditions (and of models) (``analysis.stats.COMPARISON_COLUMNS``)."""

    def page(self, conversation: str) -> str:
        """The HTML of a conversation's page, by transcript path or by key (its path below the folder read)."""
        if conversation not in self.pages:
            rows = self.conversations[self.conversations["key"] == conversation]
            if len(rows) != 1:
                raise KeyError(conversation)
            conversation = str(rows.iloc[0]["conversation"])
        return self.pages[conversation].read_text(encoding="utf-8")


def load(sources: str | Path | Sequence[str | Path], skipped: list[TranscriptError] | None = None,
         ) -> list[Transcript]:
    """The transcripts of every source; with ``skipped``, unreadable files are listed there and left out."""
    return list(_stream(sources, skipped))


def _stream(sources: str | Path | Sequence[str | Path], skipped: list[TranscriptError] | None,
            ) -> Iterator[Transcript]:
    items = [sources] if isinstance(sources, (str, Path)) else list(sources)
    for s in items:
        yield from iter_transcripts(s, skipped=skipped)


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def page_name(key: str, used: set[str]) -> str:
    """A file name for a conversation's page: its key with anything but letters, digits, ``.``, ``_`` and
    ``-`` replaced (``copy-0001/egomaniac_1`` -> ``copy-0001__egomaniac_1.html``), unique among ``used``
    (compared case-insensitively, for file systems that are)."""
    stem = _UNSAFE.sub("_", key.replace("/", "__")).lstrip("._-")[:120] or "conversation"
    name, n = f"{stem}.html", 1
    while name.casefold() in used:
        n += 1
        name = f"{stem}-{n}.html"
    used.add(name.casefold())
    return name


def _staging(pages: Path) -> Path:
    ensure_dir(pages.parent)
    try:
        return Path(tempfile.mkdtemp(dir=pages.parent, prefix=f".{pages.name}.", suffix=".tmp"))
    except OSError as exc:
        raise os_error(exc, pages.parent, "create the folder") from None


def _publish(staging: Path, pages: Path) -> None:
    """Move the new pages folder into place; an earlier report's folder is replaced, anything else refused."""
    old = None
    if pages.is_symlink() or pages.exists():
        ours = pages.is_dir() and not pages.is_symlink() and all(
            p.is_file() and not p.is_symlink() and p.suffix == ".html" for p in pages.iterdir())
        if not ours:
            raise IngroupError("is in the way of the report's conversation pages and is not an earlier report's "
                               "pages folder (only .html files); not replaced: choose another --out",
                               file=str(pages))
        old = Path(tempfile.mkdtemp(dir=pages.parent, prefix=f".{pages.name}.", suffix=".old"))
        os.replace(pages, old / pages.name)
    try:
        os.chmod(staging, 0o755)  # mkdtemp's folder is private; a report is meant to be read
        os.replace(staging, pages)
    except OSError as exc:
        raise os_error(exc, pages) from None
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _missing_folders(folder: Path) -> list[Path]:
    """The folders of ``folder``'s path that do not exist yet, innermost first."""
    out = []
    while not folder.exists() and folder != folder.parent:
        out.append(folder)
        folder = folder.parent
    return out


def _write_page(folder: Path, name: str, html: str) -> None:
    with open_new(folder / name) as fh:
        fh.write(html)


def build(transcripts: Iterable[Transcript], opts: ReportOptions | None = None, *,
          paths: ReportPaths | None = None, judge: Any | None = None, notes: Sequence[str] = (),
          skipped: list[TranscriptError] | None = None) -> ReportResult:
    """Label, compute and render, one transcript at a time; with ``paths``, write the summary page and the
    conversation pages there (else only the summary's HTML is returned). ``notes`` go first on the page,
    then one per file in ``skipped`` (which the transcript stream fills as it reads)."""
    opts = opts or ReportOptions()
    rules = RuleAnalyzer()
    ctx = PageContext(title=opts.title, command=opts.command or "", n_boot=opts.n_boot, n_perm=opts.n_perm,
                      seed=opts.seed, by=opts.by or "", task=opts.task, analyzer=f"{rules.name} {rules.version}")
    acc = Accumulator()
    made = _missing_folders(paths.pages.parent) if paths is not None else []
    staging = _staging(paths.pages) if paths is not None else None
    used: set[str] = set()
    pages: dict[str, Path] = {}
    stat_rows: list[dict[str, Any]] = []
    stat_agents: list[dict[str, Any]] = []
    try:
        for i, t in enumerate(transcripts):
            labels = label_transcript(t, opts.task, rules)
            outcome = conversation_measures([m.speaker for m in t.messages], labels)["outcome"]
            judged = label_transcript(t, opts.task, judge) if judge is not None else None
            v = conversation_view(t, labels, outcome, by=opts.by, judged=judged)
            name = None
            if staging is not None and paths is not None and (opts.max_transcripts is None
                                                               or i < opts.max_transcripts):
                name = page_name(v.key, used)
                _write_page(staging, name, conversation_page(v, ctx, paths.back))
                pages[v.uid] = paths.pages / name
            acc.add(v, name)
            if v.status == "complete":
                # The condition's label is known once every design has been seen: filled in below.
                row, agent_rows = label_stats.rows_of(v.uid, "", t, labels)
                stat_rows.append(row)
                stat_agents.extend(agent_rows)
        if opts.by is not None and opts.by not in acc.factors:
            raise _no_factor(opts.by, acc.factors)
        data = acc.finish(n_boot=opts.n_boot, n_perm=opts.n_perm, seed=opts.seed,
                          identity_reference=opts.identity_reference)
        data.notes[:0] = [*notes, *(f"skipped (not a readable transcript): {e}" for e in skipped or [])]
        cond_of = {r.uid: c for r, c in zip(data.records, data.conditions)}
        for row in (*stat_rows, *stat_agents):
            row["condition"] = cond_of[row["conversation"]]
        labels_section = label_stats.compute(stat_rows, stat_agents, n_boot=opts.n_boot, n_perm=opts.n_perm,
                                             seed=opts.seed)
        figs = figures(data)
        pages_dir = paths.pages.name if paths is not None else ""
        html = summary_page(data, ctx, figs, pages_dir, len(pages), labels_section)
        if staging is not None and paths is not None:
            _publish(staging, paths.pages)
            staging = None
            write_atomic(paths.summary, html)  # a reader never sees half a page
    finally:
        if staging is not None:  # the build failed: leave nothing behind, not even the folder made for it
            shutil.rmtree(staging, ignore_errors=True)
            for folder in made:  # innermost first; a folder something else was put in stays
                try:
                    folder.rmdir()
                except OSError:
                    break
    return ReportResult(html, data.conversations, data.rates, data.comparisons, data.trajectory, data.outcomes,
                        data.notes, figs, paths, pages, labels_section.rates, labels_section.comparisons)


def _no_factor(by: str, factors: set[str]) -> IngroupError:
    return IngroupError(f"no transcript has a condition factor {by!r}; factors present: "
                        f"{', '.join(sorted(factors)) or 'none (not a sweep)'}", field="--by")


def _header_factors(sources: Sequence[str | Path]) -> set[str]:
    """The condition factors of every header, read from each file's first line only."""
    out: set[str] = set()
    for s in sources:
        try:
            files = transcript_files(s)
        except TranscriptError:
            continue
        for f in files:
            try:
                first = next(iter_records(f), None)
            except OSError:
                continue
            if first is not None and first[1] is not None and isinstance(first[1].get("condition"), dict):
                out.update(first[1]["condition"])
    return out


def build_report(sources: str | Path | Sequence[str | Path], out: str | Path | None = "report.html", *,
                 by: str | None = None, task: str | None = None, n_boot: int = stats.DEFAULT_BOOT,
                 n_perm: int = stats.DEFAULT_PERM, seed: int = 0, title: str = "ingroup report",
                 max_transcripts: int | None = None, command: str | None = None, judge: Any | None = None,
                 identity_reference: str | None = None) -> ReportResult:
    """Python API behind ``ingroup report``: read transcripts, analyze, compute statistics, render.

    ``out``: a folder (``index.html`` and ``conversations/`` in it) or an ``.html`` file (with
    ``NAME_conversations/`` beside it); None writes nothing. The returned :class:`ReportResult` carries the
    tables and figures behind the summary. ``judge``: a second analyzer (e.g.
    ``analysis.judge.JudgeAnalyzer()``) whose labels are shown beside the rules' labels, with an agreement
    table; statistics use the rules.
    """
    items = [sources] if isinstance(sources, (str, Path)) else list(sources)
    if by is not None:
        factors = _header_factors(items)
        if by not in factors:  # said before minutes of labelling, not after
            raise _no_factor(by, factors)
    skipped: list[TranscriptError] = []
    opts = ReportOptions(by=by, n_boot=n_boot, n_perm=n_perm, seed=seed, title=title,
                         max_transcripts=max_transcripts, task=task, identity_reference=identity_reference,
                         command=command or _python_call(items, out, by))
    paths = ReportPaths.for_out(out) if out is not None else None
    stream = _stream(items, skipped)

    def checked() -> Iterator[Transcript]:
        n = 0
        for t in stream:
            n += 1
            yield t
        if not n and skipped:
            raise IngroupError(f"no readable transcript; {len(skipped)} file(s) skipped, the first: {skipped[0]}")

    return build(checked(), opts, paths=paths, judge=judge, skipped=skipped)


def _python_call(items: Sequence[Any], out: Any, by: str | None) -> str:
    args = " ".join(shlex.quote(str(s)) for s in items)
    return f"ingroup report {args} --out {shlex.quote(str(out))}" + (f" --by {shlex.quote(by)}" if by else "")


def command_line(argv: Iterable[str] | None = None) -> str:
    """The command that made the report, as the page shows it: with every credential redacted (a judge URL
    may carry a password)."""
    return redact("ingroup " + " ".join(shlex.quote(a) for a in (list(argv) if argv is not None else sys.argv[1:])))
