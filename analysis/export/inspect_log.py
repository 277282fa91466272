"""Inspect eval logs of a folder of transcripts, built with inspect-ai's own log models and written by
``inspect_ai.log.write_eval_log``, so the format is Inspect's and carries its version.

One log per (design, condition): Inspect's log list then shows each cell of a sweep as a row with its mean
labels. One sample per conversation: its id is the conversation key of the analysis tables, its input the
opening, its messages every turn (the speaker, team and the message's labels in the message metadata,
reasoning as ``ContentReasoning``), its scores the per-conversation measures of ``analyze`` with the
evidence of the labels behind them as the explanation, its metadata the scenario, condition, factor levels,
agents, models, providers, run id, stop reason and outcome.

Model text is written as it came, as plain text content; rendering it safely is the viewer's job.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

import pandas as pd

from simulator.errors import IngroupError
from simulator.files import ensure_dir, os_error
from simulator.transcript import Transcript

from ..labels import FLAGS
from .source import ExportSource, agent_of, message_evidence, model_name
from .target import out_folder

if TYPE_CHECKING:  # pragma: no cover
    from inspect_ai.log import EvalLog, EvalSample
    from inspect_ai.model import ChatMessage

INSTALL_HINT = "the Inspect export needs inspect-ai: pip install 'ingroup[inspect]'"

MEASURE_EVIDENCE: dict[str, str | None] = {
    "n_messages": None,
    "social_we": "social_we",
    "social_we_per_message": "social_we",
    "messages_with_social_we": "social_we",
    "first_ingroup_we_turn": "social_we",
    "refusals": "refusal",
    "cooperative_share": "cooperative",
    "competitive_share": "competitive",
    "adversarial_share": "adversarial",
    "off_task_share": "off_task",
    "contest_abandoned": "off_task",
    "outcome": "outcome",
}
"""The conversations-table measures exported as Inspect scores, each with the message label whose evidence
explains it (``social_we``: the socially used first-person plural tokens of the tokens table)."""

EVIDENCE_SHOWN = 20
"""Evidence items per score explanation; the rest are counted ("... and 7 more")."""


@dataclass(frozen=True)
class WrittenLog:
    """One log file written: where, for which design and condition, with how many samples."""

    path: Path
    design: str
    condition: str
    samples: int


def require_inspect() -> None:
    """Fail with one line naming the extra to install when inspect-ai is missing."""
    # Found, not imported: inspect-ai takes seconds to import, and the CLI asks before reading the folder.
    try:
        found = importlib.util.find_spec("inspect_ai") is not None
    except (ImportError, ValueError):  # ValueError: a module set to None (blocked) in sys.modules
        found = False
    if not found:
        raise IngroupError(INSTALL_HINT)


@dataclass
class _Group:
    """The conversations of one log: one (design, condition) cell, with the log's name and time."""

    design: str
    condition: str
    transcripts: list[Transcript]
    created: str
    eval_id: str

    @property
    def file_name(self) -> str:
        stamp = self.created.replace(":", "-").split(".")[0]
        return f"{stamp}_{_slug(self.design)}_{self.eval_id}.eval"


@dataclass
class _Rows:
    """One conversation's rows in the analysis tables."""

    conversation: dict[str, Any]
    messages: list[dict[str, Any]]
    social_tokens: list[dict[str, Any]]


def export_inspect(source: ExportSource, out: str | Path) -> list[WrittenLog]:
    """Write one Inspect eval log (``.eval``) per (design, condition) of ``source`` into the folder ``out``.

    A log file that exists already is kept and the export refused before anything is written. Logs are
    built and written one at a time, so memory holds one cell's samples beside the source."""
    require_inspect()
    from inspect_ai.log import write_eval_log

    out_dir = out_folder(out)
    groups = _groups(source)
    for g in groups:
        # The id is a hash of the cell's conversations: a log of them exported before (at another time,
        # for transcripts that carry none) is found by it, kept, and the export refused.
        for target in [out_dir / g.file_name, *out_dir.glob(f"*_{g.eval_id}.eval")]:
            if target.exists() or target.is_symlink():
                raise IngroupError("exists already (an export of the same conversations); it is kept, nothing "
                                   "was exported (choose another --out)", file=str(target))
    rows = _rows(source)
    ensure_dir(out_dir)
    # Each log is rendered under a private name, then linked into place: link() never replaces a file or
    # follows a link planted at the final name.
    try:
        staging = Path(tempfile.mkdtemp(prefix=".ingroup-export-", dir=out_dir))
    except OSError as exc:
        raise os_error(exc, out_dir) from None
    written: list[WrittenLog] = []
    try:
        for g in groups:
            log = _log(source, g, rows)
            tmp, target = staging / g.file_name, out_dir / g.file_name
            try:
                write_eval_log(log, str(tmp), format="eval")
                os.link(tmp, target)
            except FileExistsError:
                raise IngroupError("exists already; it is kept (choose another --out)", file=str(target)) from None
            except OSError as exc:
                raise os_error(exc, target) from None
            finally:
                tmp.unlink(missing_ok=True)
            written.append(WrittenLog(target, g.design, g.condition, len(g.transcripts)))
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _groups(source: ExportSource) -> list[_Group]:
    conv = source.analysis.conversations
    cells = {str(k): (str(d), str(c)) for k, d, c in zip(conv["conversation"], conv["design"], conv["condition"])}
    by_cell: dict[tuple[str, str], list[Transcript]] = {}
    for t in source.transcripts:
        by_cell.setdefault(cells[source.key(t)], []).append(t)
    groups = []
    for (design, condition), ts in by_cell.items():
        started = sorted(s for s in (_utc(t.header.started_at or (t.footer.ended_at if t.footer else None))
                                     for t in ts) if s)
        created = started[0] if started else datetime.now(timezone.utc).isoformat()
        groups.append(_Group(design, condition, ts, created,
                             _stable_id(design, condition, *(source.key(t) for t in ts))))
    return groups


def _rows(source: ExportSource) -> dict[str, _Rows]:
    a = source.analysis
    messages = {str(k): g.to_dict("records") for k, g in a.messages.groupby("conversation", sort=False)}
    social = a.tokens[a.tokens["social"].astype(bool)]
    tokens = {str(k): g.to_dict("records") for k, g in social.groupby("conversation", sort=False)}
    return {str(r["conversation"]): _Rows(r, messages.get(str(r["conversation"]), []),
                                          tokens.get(str(r["conversation"]), []))
            for r in a.conversations.to_dict("records")}


def _slug(text: str) -> str:
    # Inspect reads `{timestamp}_{task}_{id}.eval` back from the name: no underscores inside the task part.
    return re.sub(r"[^A-Za-z0-9.]+", "-", text).strip("-")[:60] or "conversations"


def _stable_id(*parts: str) -> str:
    # Inspect ids are 22 base-57 characters (shortuuid); a hash of the group's content keeps a re-export
    # of the same folder under the same names, so it is refused rather than duplicated.
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
    n = int.from_bytes(hashlib.sha256("\x00".join(parts).encode()).digest(), "big")
    out = []
    for _ in range(22):
        n, r = divmod(n, len(alphabet))
        out.append(alphabet[r])
    return "".join(out)


def _utc(ts: str | None) -> str | None:
    if not ts:
        return None
    try:
        d = datetime.fromisoformat(ts)
    except ValueError:
        return None
    return (d if d.tzinfo else d.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).isoformat()


def _log(source: ExportSource, g: _Group, rows: dict[str, _Rows]) -> EvalLog:
    from inspect_ai.log import EvalConfig, EvalDataset, EvalLog, EvalResults, EvalSpec, EvalStats
    from inspect_ai.model import ModelConfig, ModelUsage

    ts, design, condition = g.transcripts, g.design, g.condition
    samples = [_sample(source, t, rows[source.key(t)]) for t in ts]
    ended = sorted(s for s in (_utc(t.footer.ended_at if t.footer else None) for t in ts) if s)
    models = sorted({model_name(a) for t in ts for a in t.header.agents})
    by_role: dict[str, set[str]] = {}
    for t in ts:
        for a in t.header.agents:
            by_role.setdefault(a.name, set()).add(model_name(a))
    usage: dict[str, ModelUsage] = {}
    for s in samples:
        for m, u in s.model_usage.items():
            total = usage.setdefault(m, ModelUsage())
            total.input_tokens += u.input_tokens
            total.output_tokens += u.output_tokens
            total.total_tokens += u.total_tokens
    first = ts[0].header
    spec = EvalSpec(
        eval_id=g.eval_id, run_id=g.eval_id, created=g.created, task=design,
        task_id=_stable_id(design, condition), task_display_name=f"{design} [{condition}]",
        task_description=first.task or None, task_args=dict(first.condition),
        dataset=EvalDataset(name=design, location=str(source.folder), samples=len(samples),
                            sample_ids=[str(s.id) for s in samples]),
        model=models[0] if len(models) == 1 else "ingroup/" + "+".join(m.split("/", 1)[-1] for m in models),
        model_roles={name: ModelConfig(model=next(iter(ms))) for name, ms in by_role.items() if len(ms) == 1},
        config=EvalConfig(), packages=dict(first.versions),
        metadata={"design": design, "condition": condition, "factors": dict(first.condition),
                  "scenario_name": first.scenario_name, "analyzer_version": source.analysis.analyzer_version,
                  "exported_by": "ingroup export"},
    )
    return EvalLog(
        version=2, status="success", eval=spec,
        results=EvalResults(total_samples=len(samples), completed_samples=sum(1 for t in ts if t.complete),
                            scores=_eval_scores(samples)),
        stats=EvalStats(started_at=g.created, completed_at=ended[-1] if ended else "", model_usage=usage),
        samples=samples,
    )


def _eval_scores(samples: Sequence[EvalSample]) -> list[Any]:
    from inspect_ai.log import EvalMetric, EvalScore

    out = []
    for name in MEASURE_EVIDENCE:
        values = [s.scores[name].value for s in samples if s.scores and name in s.scores]
        if not values:
            continue
        if name == "outcome":
            metrics = {v: EvalMetric(name=v, value=sum(1 for x in values if x == v) / len(values))
                       for v in sorted({str(x) for x in values})}
        else:
            mean = sum(float(v) for v in values) / len(values)  # type: ignore[arg-type,misc]
            metrics = {"mean": EvalMetric(name="mean", value=mean)}
        out.append(EvalScore(name=name, scorer=name, scored_samples=len(values),
                             unscored_samples=len(samples) - len(values), metrics=metrics))
    return out


def _value(v: Any) -> Any:
    """A table cell as an Inspect score value; None for missing (not judged, no such turn)."""
    if v is None or (not isinstance(v, (list, dict, str)) and bool(pd.isna(v))):
        return None
    if hasattr(v, "item"):  # numpy scalars
        v = v.item()
    return v


def _sample(source: ExportSource, t: Transcript, rows: _Rows) -> EvalSample:
    from inspect_ai.log import EvalError, EvalSample
    from inspect_ai.model import ModelUsage
    from inspect_ai.scorer import Score

    key = source.key(t)
    row = rows.conversation
    evidence: dict[str, list[str]] = {"social_we": [
        f"#{r['idx']} {r['speaker']}: \u201c{r['evidence_text']}\u201d ({r['ref']}, rule {r['evidence_rule']})"
        for r in rows.social_tokens]}
    labels_of: dict[int, list[str]] = {}
    for r in rows.messages:
        idx = int(r["idx"])
        labels_of[idx] = [k for k in FLAGS if _value(r.get(k)) is True]
        if _value(r.get("outcome")):
            labels_of[idx].append(f"outcome={r['outcome']}")
        if _value(r.get("social_we")):
            labels_of[idx].append(f"social_we={int(r['social_we'])}")
        for label_name, spans in message_evidence(r.get("evidence")).items():
            evidence.setdefault(label_name, []).extend(
                f"#{idx} {r['speaker']}: \u201c{e.get('text', '')}\u201d (rule {e.get('rule', '')})" for e in spans)
    scores: dict[str, Score] = {}
    for name, lab in MEASURE_EVIDENCE.items():
        v = _value(row.get(name))
        if v is None:
            continue
        lines = evidence.get(lab, []) if lab else []
        shown = lines[:EVIDENCE_SHOWN]
        if len(lines) > len(shown):
            shown.append(f"... and {len(lines) - len(shown)} more")
        scores[name] = Score(value=v, explanation="\n".join(shown) or None,
                             metadata={"label": lab, "evidence_items": len(lines)} if lab else None)
    usage: dict[str, ModelUsage] = {}
    for m in t.messages:
        ag = agent_of(t, m.speaker)
        if ag is None or m.scripted:
            continue
        u = usage.setdefault(model_name(ag), ModelUsage())
        u.input_tokens += m.prompt_tokens or 0
        u.output_tokens += m.completion_tokens or 0
        u.total_tokens += (m.prompt_tokens or 0) + (m.completion_tokens or 0)
    h, f = t.header, t.footer
    error = None
    if f is not None and f.failed:
        error = EvalError(message=f.error or f.stop_reason, traceback="", traceback_ansi="")
    agents = [{"name": ag.name, "provider": ag.provider, "model": ag.model, "served_model": ag.served_model,
               "team": ag.team, "incentive": ag.incentive} for ag in h.agents]
    metadata = {
        "scenario_name": h.scenario_name, "design": row["design"], "condition": row["condition"],
        "factors": dict(h.condition), "task": h.task, "agents": agents,
        "models": sorted({ag.model for ag in h.agents}), "providers": sorted({ag.provider for ag in h.agents}),
        "run_id": h.run_id, "repetition": h.repetition, "seed": h.seed, "file": row["file"],
        "source": h.source, "stop_reason": f.stop_reason if f else None, "complete": t.complete,
        "outcome": row["outcome"], "winners": row.get("winners") or None, "conceded": row.get("conceded") or None,
        "analyzer_version": source.analysis.analyzer_version,
    }
    messages = [_message(t, m_index, labels_of.get(t.messages[m_index].index, []))
                for m_index in range(len(t.messages))]
    return EvalSample(
        id=key, epoch=1, input=t.messages[0].text, target="", messages=messages, scores=scores,
        metadata=metadata, model_usage=usage, started_at=_utc(h.started_at),
        completed_at=_utc(f.ended_at if f else None), error=error,
    )


def _message(t: Transcript, pos: int, labels: list[str]) -> ChatMessage:
    from inspect_ai.model import ChatMessageAssistant, ChatMessageUser, ContentReasoning, ContentText

    m = t.messages[pos]
    ag = agent_of(t, m.speaker)
    meta: dict[str, Any] = {"speaker": m.speaker, "index": m.index}
    if ag is not None and ag.team:
        meta["team"] = ag.team
    if m.scripted:
        meta["scripted"] = True
    if labels:
        meta["labels"] = labels
    content: list[Any] = []
    if m.reasoning:
        content.append(ContentReasoning(reasoning=m.reasoning))
    content.extend(ContentReasoning(reasoning="", redacted=True) for _ in range(m.redacted_reasoning or 0))
    content.append(ContentText(text=m.text))
    # The opening and a scripted agent's lines are the conversation's input; every other turn is a model's.
    if pos == 0 or ag is None or ag.provider == "scripted":
        return ChatMessageUser(id=f"m{m.index}", content=content, source="input", metadata=meta)
    return ChatMessageAssistant(id=f"m{m.index}", content=content, source="generate", metadata=meta,
                                model=m.served_model or ag.model)
