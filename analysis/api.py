"""Python API of the analyzers.

Label one message::

    from analysis.api import label_message
    labs = label_message("As AI assistants, we don't have hobbies. Let's chat.", speaker="Robbie",
                         previous=["I'm Bobby. I challenge you ..."], task="Win the egomaniac contest.")
    labs.we            # [WeToken(token='we', char=18, ref='ai_class', evidence=...), WeToken('Let's', ...)]
    labs.cooperative   # True; labs.evidence["cooperative"] -> [Evidence(start, end, text, rule), ...]
    labs.to_record(with_evidence=True)   # the LABELS.md record plus evidence spans

Analyze a folder of transcripts (or transcript objects) into pandas DataFrames::

    from analysis.api import analyze
    a = analyze("transcripts/imported", task="Win the egomaniac contest.")
    a.tokens         # one row per first-person plural token: file, idx, speaker, token, char, ref, social, evidence
    a.messages       # one row per message: all labels, counts of we by referent, evidence as JSON
    a.conversations  # one row per conversation: the measures of analysis.measures

Both take ``analyzer=`` (default: the rule-based one; :class:`analysis.judge.JudgeAnalyzer` is the LLM judge).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Protocol, Sequence

import pandas as pd

from simulator.transcript import Transcript, iter_transcripts, read_transcript

from .labels import REFS, Context, MessageLabels, label
from .measures import conversation_measures


class Analyzer(Protocol):
    """Anything that labels one message given its context: the rules, or the LLM judge."""

    name: str

    def label(self, text: str, ctx: Context) -> MessageLabels: ...


class RuleAnalyzer:
    """The default analyzer: fast, explainable regular-expression rules (analysis.labels)."""

    name = "rules"

    def label(self, text: str, ctx: Context) -> MessageLabels:
        return label(text, ctx)


def _text_of(item: Any) -> str:
    if isinstance(item, str):
        return item
    if isinstance(item, dict):
        return str(item.get("text", ""))
    return str(getattr(item, "text", ""))


def label_message(text: str, speaker: str = "", previous: Sequence[Any] = (), task: str | None = None, *,
                  agents: Sequence[str] = (), analyzer: Analyzer | None = None) -> MessageLabels:
    """Labels of one message with evidence. ``previous``: earlier messages (strings, dicts with ``text`` or
    transcript messages), oldest first. ``agents``: every agent name in the conversation (optional)."""
    names = tuple(agents) or ((speaker,) if speaker else ())
    ctx = Context(speaker=speaker, agents=names, task=task, previous=tuple(_text_of(p) for p in previous))
    return (analyzer or RuleAnalyzer()).label(text, ctx)


@dataclass
class Analysis:
    tokens: pd.DataFrame
    messages: pd.DataFrame
    conversations: pd.DataFrame
    analyzer: str = "rules"

    def write(self, out: str | Path) -> list[Path]:
        """Write the three tables as Parquet and CSV into ``out``; returns the files written."""
        root = Path(out)
        root.mkdir(parents=True, exist_ok=True)
        written = []
        for name in ("tokens", "messages", "conversations"):
            df = getattr(self, name)
            for ext in ("parquet", "csv"):
                p = root / f"{name}.{ext}"
                if ext == "parquet":
                    df.to_parquet(p, index=False)
                else:
                    df.to_csv(p, index=False)
                written.append(p)
        return written


def label_transcript(t: Transcript, task: str | None = None, analyzer: Analyzer | None = None
                     ) -> list[MessageLabels]:
    """Labels of every message of a transcript.

    The assigned contest (what ``off_task`` is judged against) is ``task`` if given, else the header's task,
    else -- for imported logs, whose headers have none -- the opening message, which states the contest
    ("I challenge you to see who is the biggest egomaniac")."""
    an = analyzer or RuleAnalyzer()
    the_task = task_of(t, task)
    agents = tuple(a.name for a in t.header.agents) or tuple(dict.fromkeys(m.speaker for m in t.messages))
    texts = [m.text for m in t.messages]
    out = []
    for i, m in enumerate(t.messages):
        ctx = Context(speaker=m.speaker, agents=agents, task=the_task, previous=tuple(texts[:i]))
        out.append(an.label(m.text, ctx))
    return out


def task_of(t: Transcript, task: str | None = None) -> str | None:
    """The contest a transcript is judged against (see ``label_transcript``)."""
    if task:
        return task
    if t.header.task:
        return t.header.task
    return t.messages[0].text if t.messages else None


def _source_name(t: Transcript) -> str:
    src = t.header.source or {}
    return str(src.get("file") or t.file_name)


def analyze(source: str | Path | Iterable[Transcript], task: str | None = None,
            analyzer: Analyzer | None = None) -> Analysis:
    """Analyze a folder (or file) of transcripts, or transcript objects, into DataFrames."""
    an = analyzer or RuleAnalyzer()
    if isinstance(source, (str, Path)):
        transcripts: Iterable[Transcript] = iter_transcripts(source)
    else:
        transcripts = source
    tok_rows: list[dict[str, Any]] = []
    msg_rows: list[dict[str, Any]] = []
    conv_rows: list[dict[str, Any]] = []
    for t in transcripts:
        labs = label_transcript(t, task, an)
        fname = _source_name(t)
        conv = Path(t.path).stem
        for m, lab in zip(t.messages, labs):
            for w in lab.we:
                tok_rows.append({
                    "conversation": conv, "file": fname, "idx": m.index, "speaker": m.speaker,
                    "token": w.token, "char": w.char, "ref": w.ref, "social": w.social,
                    "evidence_text": w.evidence.text, "evidence_rule": w.evidence.rule,
                    "evidence_start": w.evidence.start, "evidence_end": w.evidence.end,
                })
            row: dict[str, Any] = {
                "conversation": conv, "file": fname, "run_id": t.header.run_id, "idx": m.index,
                "speaker": m.speaker, "text": m.text, "n_we": len(lab.we), "social_we": lab.social_we,
            }
            for ref in REFS:
                row[f"we_{ref}"] = sum(1 for w in lab.we if w.ref == ref)
            row.update({
                "cooperative": lab.cooperative, "adversarial": lab.adversarial, "refusal": lab.refusal,
                "off_task": lab.off_task, "ai_self_reference": lab.ai_self_reference,
                "observer_reference": lab.observer_reference, "identity_claim": "|".join(lab.identity_claim),
                "outcome": lab.outcome,
                "evidence": json.dumps({k: [e.to_dict() for e in v] for k, v in lab.evidence.items() if v},
                                       ensure_ascii=False),
            })
            msg_rows.append(row)
        measures = conversation_measures([m.speaker for m in t.messages], labs)
        conv_rows.append({"conversation": conv, "file": fname, "run_id": t.header.run_id,
                          "complete": t.complete, **measures})
    tokens = pd.DataFrame(tok_rows, columns=[
        "conversation", "file", "idx", "speaker", "token", "char", "ref", "social", "evidence_text",
        "evidence_rule", "evidence_start", "evidence_end"])
    messages = pd.DataFrame(msg_rows)
    if not messages.empty:
        # Nullable columns keep None distinct from False in Parquet.
        messages["off_task"] = messages["off_task"].astype("boolean")
    conversations = pd.DataFrame(conv_rows)
    if not conversations.empty:
        conversations["first_ingroup_we_turn"] = conversations["first_ingroup_we_turn"].astype("Int64")
        conversations["contest_abandoned"] = conversations["contest_abandoned"].astype("boolean")
        conversations["off_task_share"] = conversations["off_task_share"].astype("Float64")
    return Analysis(tokens=tokens, messages=messages, conversations=conversations, analyzer=an.name)


__all__ = ["Analysis", "Analyzer", "RuleAnalyzer", "analyze", "label_message", "label_transcript",
           "read_transcript"]
