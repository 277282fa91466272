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
    a.tokens         # one row per first-person plural token: conversation, idx, speaker, token, ref, with, ...
    a.messages       # one row per message: every label, counts of "we" by referent, evidence as JSON,
                     # the speaker's model and provider, whether it was scripted
    a.conversations  # one row per conversation: the measures of analysis.measures
    a.agents         # one row per agent of each conversation: agent, model, provider, team, its rates

Every message, conversation and agent row carries ``run_id``, ``design``, ``scenario``, ``condition`` and one
``factor_<name>`` column per factor level, and the counts behind every declared rate
(``analysis.measures.MEASURES``: ``<name>_messages`` of ``<name>_judged`` model-written messages), which
``analysis.stats.label_rates`` and ``label_comparisons`` take directly. Tokens join their message on
``conversation`` and ``idx``.

Every table carries ``analyzer_version`` (the rules' version and the LABELS.md version they implement).
Each message is labelled in its context (:func:`context_of`): the participants with their teams, sides and
system prompts from the header, the task, the kind of conversation, and the conversation so far. For
imported logs whose headers lack them, :func:`with_setup` fills them in from a scenario file or from teams
given by hand. Both take ``analyzer=`` (default: the rules; :class:`analysis.judge.JudgeAnalyzer` is the
LLM judge).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Mapping, Protocol, Sequence

from simulator.display import csv_safe
from simulator.errors import TranscriptError
from simulator.files import ensure_dir, write_atomic
from simulator.scenario import Scenario
from simulator.transcript import AgentInfo, Transcript, read_transcript

from .condition_names import condition_label
from .disclosure import DISCLOSURE_COLUMNS, disclosure, disclosure_columns
from .labels import ANALYZER_VERSION, REFS, Context, History, MessageLabels, Turn, label
from .labels.context import kind_of, participants
from .measures import AGENT_RATES, agent_measures, conversation_measures, message_counts

if TYPE_CHECKING:
    # Imported where tables are made, not here: worker processes that only label never load pandas.
    import pandas as pd


class Analyzer(Protocol):
    """Anything that labels one message given its context: the rules, or the LLM judge."""

    name: str
    version: str

    def label(self, text: str, ctx: Context, reasoning: str | None = None) -> MessageLabels:
        """The labels of message ``text`` (with the model's ``reasoning``, when it gave any) in ``ctx``."""


class RuleAnalyzer:
    """The default analyzer: fast, explainable regular-expression rules (analysis.labels)."""

    name = "rules"
    version = ANALYZER_VERSION

    def label(self, text: str, ctx: Context, reasoning: str | None = None) -> MessageLabels:
        """The rules' labels of one message (:func:`analysis.labels.label`)."""
        return label(text, ctx, reasoning)


def _turn_of(item: Any) -> Turn:
    if isinstance(item, Turn):
        return item
    if isinstance(item, str):
        return Turn("", item)
    if isinstance(item, dict):
        return Turn(str(item.get("speaker", "")), str(item.get("text", "")))
    return Turn(str(getattr(item, "speaker", "")), str(getattr(item, "text", "")))


def label_message(text: str, speaker: str = "", previous: Sequence[Any] = (), task: str | None = None, *,
                  agents: Sequence[Any] = (), reasoning: str | None = None,
                  analyzer: Analyzer | None = None) -> MessageLabels:
    """Labels of one message with evidence. ``previous``: earlier messages (strings, dicts with ``speaker``
    and ``text``, or transcript messages), oldest first. ``agents``: the participants (names, or header
    agents with ``team`` and ``system_prompt``), the speaker included."""
    parts = participants(agents) if agents else participants([speaker] if speaker else [])
    turns = [_turn_of(p) for p in previous]
    history = History([*turns, Turn(speaker, text)])
    ctx = Context(speaker=speaker, participants=parts, task=task,
                  kind=kind_of(task, [p.prompt for p in parts]), history=history, index=len(turns))
    return (analyzer or RuleAnalyzer()).label(text, ctx, reasoning)


def task_of(t: Transcript, task: str | None = None) -> str | None:
    """The task a transcript is judged against: ``task`` if given, else the header's, else -- for imported
    logs, whose headers have none -- the opening message, which states the contest ("I challenge you to see
    who is the biggest egomaniac")."""
    if task:
        return task
    if t.header.task:
        return t.header.task
    return t.messages[0].text if t.messages else None


def context_of(t: Transcript, task: str | None = None) -> list[Context]:
    """The context of every message of a transcript, in order (one shared history)."""
    the_task = task_of(t, task)
    agents: list[Any] = list(t.header.agents) or list(dict.fromkeys(m.speaker for m in t.messages))
    parts = participants(agents)
    kind = kind_of(the_task, [p.prompt for p in parts])
    history = History(Turn(m.speaker, m.text) for m in t.messages)
    return [Context(speaker=m.speaker, participants=parts, task=the_task, kind=kind, history=history, index=i)
            for i, m in enumerate(t.messages)]


def label_transcript(t: Transcript, task: str | None = None, analyzer: Analyzer | None = None
                     ) -> list[MessageLabels]:
    """Labels of every message of a transcript, each in its context (:func:`context_of`)."""
    an = analyzer or RuleAnalyzer()
    return [an.label(m.text, ctx, m.reasoning) for m, ctx in zip(t.messages, context_of(t, task))]


def with_setup(t: Transcript, scenario: Scenario | None = None, teams: Mapping[str, str] | None = None
               ) -> Transcript:
    """The transcript with what its header lacks filled in: the task, the agents' system prompts and teams
    from ``scenario`` (by agent name), and ``teams`` given by hand (``{"Ava": "Red", ...}``)."""
    h = t.header
    specs = {a.name: a for a in scenario.agents} if scenario else {}
    names = [a.name for a in h.agents] or list(dict.fromkeys(m.speaker for m in t.messages))
    known = {a.name: a for a in h.agents}
    agents = []
    for n in names:
        a = known.get(n) or AgentInfo(name=n, provider="unknown", model="unknown")
        spec = specs.get(n)
        update: dict[str, Any] = {}
        if spec is not None:
            if not a.system_prompt:
                update["system_prompt"] = spec.system_prompt()
            if not a.team and spec.team:
                update["team"] = spec.team
        if teams and n in teams:
            update["team"] = teams[n]
        agents.append(a.model_copy(update=update) if update else a)
    task = h.task or (scenario.task if scenario else "")
    header = h.model_copy(update={"agents": agents, "task": task})
    return t.model_copy(update={"header": header})


def design_of(t: Transcript) -> str:
    """The design a transcript belongs to: its sweep, else its scenario's name. Runs of two designs that
    share a cell name are different conditions."""
    meta = (t.header.scenario or {}).get("metadata") or {}
    return str(meta.get("sweep") or t.header.scenario_name or "(unnamed)")


def conversation_key(t: Transcript) -> str:
    """The name of a conversation in the tables: its path relative to the folder read (``Transcript.key``),
    else its file stem, or its run id for transcripts in memory."""
    if t.key:
        return t.key
    if "#" in t.path:
        return t.header.run_id
    return Path(t.path).stem


def provenance(t: Transcript) -> dict[str, Any]:
    """What every table row of a conversation carries: its run id, design (sweep or scenario), scenario,
    condition label, and one ``factor_<name>`` column per factor level of its sweep cell."""
    cond = t.header.condition or {}
    return {"run_id": t.header.run_id, "design": design_of(t), "scenario": t.header.scenario_name,
            "condition": condition_label(cond), **{f"factor_{k}": v for k, v in sorted(cond.items())}}


def _source_name(t: Transcript) -> str:
    src = t.header.source or {}
    return str(src.get("file") or t.file_name)


@dataclass
class Analysis:
    """The analyzers' four tables of a set of transcripts: tokens, messages, conversations and agents, with the
    analyzer that made them."""

    tokens: pd.DataFrame
    messages: pd.DataFrame
    conversations: pd.DataFrame
    agents: pd.DataFrame
    """One row per agent of each conversation: its team and incentive (from the header) and its rates."""
    analyzer: str = "rules"
    analyzer_version: str = ANALYZER_VERSION

    def write(self, out: str | Path) -> list[Path]:
        """Write the four tables as Parquet and CSV into ``out``; returns the files written.

        Parquet keeps every text as it came. In CSV, which people open in spreadsheets, text cells are made
        inert (:func:`simulator.display.csv_safe`): a cell that would start a formula gets a leading ``'``,
        control, bidi and invisible characters become visible stand-ins."""
        root = ensure_dir(out)
        written = []
        for name in ("tokens", "messages", "conversations", "agents"):
            df = getattr(self, name)
            buf = io.BytesIO()
            df.to_parquet(buf, index=False)
            written.append(write_atomic(root / f"{name}.parquet", buf.getvalue()))
            written.append(write_atomic(root / f"{name}.csv", _csv_safe_frame(df).to_csv(index=False)))
        return written


def _csv_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = out[col].map(lambda v: csv_safe(v) if isinstance(v, str) else v)
    return out


@dataclass
class TranscriptRows:
    """One transcript's rows of the four tables (:class:`Analysis`), as plain values: what
    :func:`iter_rows` yields, one transcript at a time, and what the analysis cache keeps per transcript."""

    tokens: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    conversations: list[dict[str, Any]]
    agents: list[dict[str, Any]]


def transcript_rows(t: Transcript, labs: Sequence[MessageLabels], version: str) -> TranscriptRows:
    """The table rows of one labelled transcript (``labs``: :func:`label_transcript`'s)."""
    tok_rows: list[dict[str, Any]] = []
    msg_rows: list[dict[str, Any]] = []
    agent_rows: list[dict[str, Any]] = []
    fname = _source_name(t)
    conv = conversation_key(t)
    prov = provenance(t)
    info = {a.name: a for a in t.header.agents}
    for m, lab in zip(t.messages, labs):
        for w in lab.we:
            tok_rows.append({
                "conversation": conv, "file": fname, "idx": m.index, "speaker": m.speaker,
                "token": w.token, "char": w.char, "ref": w.ref, "social": w.social,
                "with": "|".join(w.includes), "evidence_text": w.evidence.text,
                "evidence_rule": w.evidence.rule, "evidence_start": w.evidence.start,
                "evidence_end": w.evidence.end, "analyzer_version": version,
            })
        who = info.get(m.speaker)
        row: dict[str, Any] = {
            "conversation": conv, "file": fname, **prov, "idx": m.index, "speaker": m.speaker,
            "model": who.model if who else None, "provider": who.provider if who else None,
            "scripted": m.scripted, "text": m.text, "n_we": len(lab.we), "social_we": lab.social_we,
        }
        for ref in REFS:
            row[f"we_{ref}"] = sum(1 for w in lab.we if w.ref == ref)
        row.update({
            "cooperative": lab.cooperative, "competitive": lab.competitive, "adversarial": lab.adversarial,
            "refusal": lab.refusal, "off_task": lab.off_task, "ai_self_reference": lab.ai_self_reference,
            "observer_reference": lab.observer_reference,
            "identity_claim": None if lab.identity_claim is None else "|".join(lab.identity_claim),
            "reasoning_identity_claim": None if lab.reasoning_identity_claim is None
            else "|".join(lab.reasoning_identity_claim),
            "outcome": lab.outcome,
            "evidence": json.dumps({k: [e.to_dict() for e in v] for k, v in lab.evidence.items() if v},
                                   ensure_ascii=False),
            "analyzer_version": version,
        })
        msg_rows.append(row)
    speakers = [m.speaker for m in t.messages]
    scripted = [m.scripted for m in t.messages]
    measures = conversation_measures(speakers, labs)
    conv_rows = [{"conversation": conv, "file": fname, **prov, "complete": t.complete,
                  "branch_of": t.header.branch_of, "branch_at_turn": t.header.branch_at_turn, **measures,
                  **message_counts(labs, scripted), "analyzer_version": version}]
    disclosed = disclosure(t)
    for sp, rates in agent_measures(speakers, labs).items():
        a = info.get(sp)
        mine = [sp == x for x in speakers]
        counts = message_counts([lab for lab, mm in zip(labs, mine) if mm],
                                [x for x, mm in zip(scripted, mine) if mm])
        agent_rows.append({"conversation": conv, "file": fname, **prov, "complete": t.complete, "agent": sp,
                           "team": a.team if a else None, "incentive": a.incentive if a else None,
                           "provider": a.provider if a else None, "model": a.model if a else None,
                           **rates, **counts, **disclosure_columns(disclosed.get(sp)),
                           "analyzer_version": version})
    return TranscriptRows(tokens=tok_rows, messages=msg_rows, conversations=conv_rows, agents=agent_rows)


def iter_rows(source: str | Path | Iterable[Transcript], task: str | None = None,
              analyzer: Analyzer | None = None, *, scenario: Scenario | None = None,
              teams: Mapping[str, str] | None = None, skipped: list[TranscriptError] | None = None,
              jobs: int | None = None, cache: bool | str | Path = True) -> Iterator[TranscriptRows]:
    """The rows of each transcript of ``source``, in order, one transcript at a time (memory stays bounded
    by the transcripts in flight): what :func:`analyze` collects, for callers that stream.

    ``jobs``: worker processes labelling transcripts in parallel (None: every core for a large folder, one
    process for a small one or for transcript objects); the rows are the same whatever the number. ``cache``: keep each transcript's
    rows under ``<folder>/.ingroup-cache/analysis/`` keyed by the file's content, the options and the
    analyzer's code, so an unchanged transcript is not labelled again (False: off; a path: that folder).
    Both apply to the rule-based analyzer; any other labels in this process, uncached.
    ``skipped`` as in :func:`analyze`."""
    from .batch import rows_of_source

    return rows_of_source(source, task, analyzer or RuleAnalyzer(), scenario=scenario, teams=teams,
                          skipped=skipped, jobs=jobs, cache=cache)


def analyze(source: str | Path | Iterable[Transcript], task: str | None = None,
            analyzer: Analyzer | None = None, *, scenario: Scenario | None = None,
            teams: Mapping[str, str] | None = None, skipped: list[TranscriptError] | None = None,
            jobs: int | None = None, cache: bool | str | Path = True) -> Analysis:
    """Analyze a folder (or file) of transcripts, or transcript objects, into DataFrames.

    With ``skipped``, files of the folder that are not readable transcripts are listed there and left out
    (without, the first one raises). ``jobs`` and ``cache``: see :func:`iter_rows` (the tables are the same
    with any number of jobs, and with or without the cache)."""
    an = analyzer or RuleAnalyzer()
    version = getattr(an, "version", an.name)
    tok_rows: list[dict[str, Any]] = []
    msg_rows: list[dict[str, Any]] = []
    conv_rows: list[dict[str, Any]] = []
    agent_rows: list[dict[str, Any]] = []
    for rows in iter_rows(source, task, an, scenario=scenario, teams=teams, skipped=skipped, jobs=jobs,
                          cache=cache):
        tok_rows.extend(rows.tokens)
        msg_rows.extend(rows.messages)
        conv_rows.extend(rows.conversations)
        agent_rows.extend(rows.agents)
    import pandas as pd

    tokens = pd.DataFrame(tok_rows, columns=[
        "conversation", "file", "idx", "speaker", "token", "char", "ref", "social", "with", "evidence_text",
        "evidence_rule", "evidence_start", "evidence_end", "analyzer_version"])
    messages = pd.DataFrame(msg_rows)
    if not messages.empty:
        # Nullable columns keep None (not judged) distinct from False in Parquet.
        for col in ("cooperative", "competitive", "adversarial", "refusal", "off_task", "ai_self_reference",
                    "observer_reference"):
            messages[col] = messages[col].astype("boolean")
    conversations = pd.DataFrame(conv_rows)
    if not conversations.empty:
        conversations["first_ingroup_we_turn"] = conversations["first_ingroup_we_turn"].astype("Int64")
        conversations["contest_abandoned"] = conversations["contest_abandoned"].astype("boolean")
        conversations["off_task_share"] = conversations["off_task_share"].astype("Float64")
    # Rows of different sweeps carry different factor columns; a table without rows still has every
    # fixed column, so code written against it works on an empty folder too.
    fixed = ["conversation", "file", "run_id", "design", "scenario", "condition", "complete", "agent", "team",
             "incentive", "provider", "model", "n_messages", *(f"{k}_rate" for k in AGENT_RATES), "social_we",
             "social_we_per_message", *message_counts([], []), *DISCLOSURE_COLUMNS, "analyzer_version"]
    factor_cols = sorted({k for r in agent_rows for k in r if k.startswith("factor_")})
    agents = pd.DataFrame(agent_rows, columns=[*fixed[:6], *factor_cols, *fixed[6:]])
    for k in AGENT_RATES:
        agents[f"{k}_rate"] = agents[f"{k}_rate"].astype("Float64")
    for col in DISCLOSURE_COLUMNS:  # empty (not zero) for conversations without a declared game
        agents[col] = agents[col].astype("Float64" if col == "disclosure_share" else "Int64")
    return Analysis(tokens=tokens, messages=messages, conversations=conversations, agents=agents,
                    analyzer=an.name, analyzer_version=version)


__all__ = ["Analysis", "Analyzer", "RuleAnalyzer", "TranscriptRows", "analyze", "context_of", "conversation_key",
           "iter_rows", "label_message", "label_transcript", "provenance", "read_transcript", "task_of",
           "transcript_rows", "with_setup"]
