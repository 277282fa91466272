"""From transcripts and the analyzers' DataFrames to the tables the report shows.

The analyzers (``analysis.api.analyze``) own the labels; this module only joins their per-token and
per-message tables back to the transcripts, so every highlight sits on the exact characters that were
labelled, and derives the per-conversation table the statistics use. Column names are looked up from a short
list of accepted spellings, so the report keeps working while the analyzer tables gain columns.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from simulator.transcript import Transcript, state_of

from ..api import conversation_key, design_of
from ..labels.vocab import FLAGS, NAME_LISTS, REASONING_LABELS, STANCE
from ..labels.vocab import SOCIAL as SOCIAL_REFS
from ..stats import condition_label

MESSAGE_LABELS = (*FLAGS, *NAME_LISTS, "outcome")

_KEY_COLS = ("path", "run_id", "conversation", "file")
_INDEX_COLS = ("index", "idx", "message_index", "message")
_CHAR_COLS = ("char", "start", "offset")


@dataclass
class Label:
    name: str
    value: Any
    evidence: list[dict[str, Any]] = field(default_factory=list)
    """Each: ``start``, ``end``, ``text``, ``rule`` (as the analyzers give them)."""


@dataclass
class WeMark:
    token: str
    start: int
    end: int
    ref: str
    rule: str = ""
    why: str = ""
    """The text that decided the referent (e.g. "As AI assistants")."""

    @property
    def social(self) -> bool:
        return self.ref in SOCIAL_REFS


@dataclass
class MessageView:
    index: int
    speaker: str
    text: str
    scripted: bool
    we: list[WeMark] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    judge: "MessageView | None" = None
    """The same message as a second analyzer (the LLM judge) labelled it, for side-by-side review."""
    reasoning: str | None = None
    """The reasoning beside the text (shown collapsed; never part of ``text``)."""
    reasoning_tokens: int | None = None
    reasoning_format: str | None = None

    def text_labels(self) -> list[Label]:
        """Labels whose evidence is in ``text``."""
        return [lab for lab in self.labels if lab.name not in REASONING_LABELS]

    def reasoning_labels(self) -> list[Label]:
        """Labels whose evidence is in ``reasoning``."""
        return [lab for lab in self.labels if lab.name in REASONING_LABELS]

    @property
    def social_we(self) -> bool:
        return any(w.social for w in self.we)

    def has(self, name: str) -> bool:
        return name == "social_we" and self.social_we or any(lab.name == name for lab in self.labels)


@dataclass
class ConversationView:
    key: str
    transcript: Transcript
    condition: str
    messages: list[MessageView]
    outcome: str
    measures: dict[str, Any]
    """The analyzers' per-conversation row, as is (shown in the viewer's header)."""

    @property
    def uid(self) -> str:
        """Unique per file even when run ids repeat (the same sweep copied into two folders)."""
        return str(self.transcript.path)

    @property
    def status(self) -> str:
        return state_of(self.transcript.footer)


def _pick(df: pd.DataFrame, names: Iterable[str]) -> str | None:
    return next((n for n in names if n in df.columns), None)


def _keys_for(t: Transcript) -> list[str]:
    # The analyzers key rows by conversation (its path relative to the folder read), run id, path or file
    # name, depending on the table.
    return [conversation_key(t), str(t.path), str(Path(t.path).resolve()), t.header.run_id, Path(t.path).stem,
            t.file_name]


def _group(df: pd.DataFrame | None) -> dict[str, pd.DataFrame]:
    if df is None or df.empty:
        return {}
    key = _pick(df, _KEY_COLS)
    if key is None:
        return {}
    out: dict[str, pd.DataFrame] = {}
    for k, g in df.groupby(df[key].astype(str), sort=False):
        out[k] = g
        if key == "path":
            out[str(Path(k).resolve())] = g
            out[Path(k).name] = g
    return out


def _find(groups: dict[str, pd.DataFrame], t: Transcript) -> pd.DataFrame | None:
    for k in _keys_for(t):
        if k in groups:
            return groups[k]
    return None


def _evidence_list(raw: Any) -> list[dict[str, Any]]:
    if raw is None or (isinstance(raw, float) and math.isnan(raw)):
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError:
            return []
    if isinstance(raw, dict):
        raw = [raw]
    out = []
    for e in raw if isinstance(raw, (list, tuple)) else []:
        if isinstance(e, dict) and "start" in e and "end" in e:
            out.append(e)
        elif hasattr(e, "start") and hasattr(e, "end"):
            out.append({"start": e.start, "end": e.end, "text": getattr(e, "text", ""),
                        "rule": getattr(e, "rule", "")})
    return out


def _label_evidence(row: pd.Series, name: str) -> list[dict[str, Any]]:
    if f"{name}_evidence" in row.index:
        return _evidence_list(row[f"{name}_evidence"])
    if "evidence" in row.index:
        ev = row["evidence"]
        if isinstance(ev, str):
            try:
                ev = json.loads(ev)
            except json.JSONDecodeError:
                return []
        if isinstance(ev, dict):
            return _evidence_list(ev.get(name))
        if isinstance(ev, (list, tuple)):
            return _evidence_list([e for e in ev if isinstance(e, dict) and e.get("label") == name])
    return []


def _is_set(value: Any) -> bool:
    if value is None or value is pd.NA:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    if isinstance(value, (list, tuple)):
        return len(value) > 0
    if hasattr(value, "__len__") and not isinstance(value, str):
        return len(value) > 0
    return bool(value)


def _plain(value: Any) -> Any:
    if value is pd.NA:
        return None
    if hasattr(value, "tolist"):
        return value.tolist()
    return value


def conversation_views(transcripts: list[Transcript], analysis: Any | None, *,
                       by: str | None = None) -> list[ConversationView]:
    """Join each transcript with its labels. ``by`` groups by one sweep factor instead of the whole cell.

    ``analysis`` is one analyzer result for all transcripts, or a list with one result per transcript (in
    the same order), which is what the builder passes when file names repeat across folders.
    """
    per = analysis if isinstance(analysis, list) else [analysis] * len(transcripts)
    grouped: dict[int, tuple[dict, dict, dict]] = {}
    views = []
    # Runs of different designs that share a cell name (two scenarios run once each, two sweeps with the
    # same factors) are different conditions: their labels carry the design's name.
    several = len({design_of(t) for t in transcripts}) > 1
    for t, a in zip(transcripts, per):
        if id(a) not in grouped:
            grouped[id(a)] = (_group(getattr(a, "tokens", None)), _group(getattr(a, "messages", None)),
                              _group(getattr(a, "conversations", None)))
        tokens, messages, convs = grouped[id(a)]
        tok, msg, conv = _find(tokens, t), _find(messages, t), _find(convs, t)
        we_by_msg: dict[int, list[WeMark]] = {}
        if tok is not None:
            icol, ccol = _pick(tok, _INDEX_COLS), _pick(tok, _CHAR_COLS)
            for r in tok.to_dict("records"):
                start = int(r[ccol]) if ccol else -1
                token = str(r.get("token", ""))
                ev = _evidence_list(r.get("evidence"))
                rule = str(r.get("evidence_rule") or (ev[0].get("rule", "") if ev else ""))
                why = str(r.get("evidence_text") or (ev[0].get("text", "") if ev else ""))
                we_by_msg.setdefault(int(r[icol]), []).append(
                    WeMark(token, start, start + len(token), str(r.get("ref", "")), rule, why))
        labels_by_msg: dict[int, list[Label]] = {}
        if msg is not None:
            icol = _pick(msg, _INDEX_COLS)
            for _, row in msg.iterrows():
                labs = []
                for name in MESSAGE_LABELS:
                    if name in row.index and _is_set(row[name]):
                        labs.append(Label(name, _plain(row[name]), _label_evidence(row, name)))
                labels_by_msg[int(row[icol])] = labs
        mviews = [MessageView(m.index, m.speaker, m.text, m.scripted, we_by_msg.get(m.index, []),
                              labels_by_msg.get(m.index, []), reasoning=m.reasoning,
                              reasoning_tokens=m.reasoning_tokens, reasoning_format=m.reasoning_format)
                  for m in t.messages]
        measures = {k: _plain(v) for k, v in conv.iloc[0].to_dict().items()} if conv is not None else {}
        outcome = measures.get("outcome")
        outcome = str(outcome) if _is_set(outcome) else "none"
        cond = t.header.condition or {}
        label = (f"{by}={cond.get(by, '(unset)')}" if by else condition_label(cond))
        if several:
            label = f"{design_of(t)}: {label}"
        views.append(ConversationView(t.header.run_id, t, label, mviews, outcome, measures))
    return views


def conversation_table(views: list[ConversationView]) -> pd.DataFrame:
    """One row per conversation: the counts the statistics resample.

    ``messages`` counts model-written messages only (scripted openings and imported prompts are not the
    models' behaviour); ``social_we_messages`` those with at least one dyad or ai_class token; ``cost_usd``
    is the footer's (None when unknown).
    """
    rows = []
    for v in views:
        own = [m for m in v.messages if not m.scripted]
        first = next((m.index for m in own if m.social_we), None)
        rows.append({
            "conversation": v.uid, "run_id": v.key, "file": v.transcript.file_name, "condition": v.condition,
            "status": v.status,
            "messages": len(own), "social_we_messages": sum(m.social_we for m in own),
            "social_we_tokens": sum(w.social for m in own for w in m.we),
            "we_tokens": sum(len(m.we) for m in own),
            "first_social_we_turn": first,
            **{f"{name}_messages": sum(any(lab.name == name for lab in m.labels) for m in own)
               for name in (*STANCE, "refusal", "off_task")},
            "outcome": v.outcome,
            # The footer's cost (cached replies count 0); None when unknown or not recorded.
            "cost_usd": v.transcript.footer.cost_usd if v.transcript.footer is not None else None,
        })
    return pd.DataFrame(rows)


def message_table(views: list[ConversationView]) -> pd.DataFrame:
    """One row per model-written message: conversation, condition, turn index, speaker, social-we flag."""
    rows = [{"conversation": v.uid, "condition": v.condition, "index": m.index, "speaker": m.speaker,
             "social_we": m.social_we,
             **{name: any(lab.name == name for lab in m.labels) for name in STANCE}}
            for v in views for m in v.messages if not m.scripted]
    return pd.DataFrame(rows, columns=["conversation", "condition", "index", "speaker", "social_we", *STANCE])


def attach_judge(views: list[ConversationView], judged: list[ConversationView]) -> None:
    """Pair each message with the judge's view of it (same transcripts, same order)."""
    for v, j in zip(views, judged):
        for m, jm in zip(v.messages, j.messages):
            m.judge = jm


def agreement_table(views: list[ConversationView]) -> pd.DataFrame:
    """Rules vs judge, per label over model-written messages: counts, raw agreement and Cohen's kappa."""
    pairs = [(m, m.judge) for v in views for m in v.messages if not m.scripted and m.judge is not None]
    rows = []
    for name in ("social_we",) + tuple(n for n in MESSAGE_LABELS):
        a = [m.has(name) for m, _ in pairs]
        b = [j.has(name) for _, j in pairs]
        n = len(pairs)
        if not n:
            continue
        both, rules_only = sum(x and y for x, y in zip(a, b)), sum(x and not y for x, y in zip(a, b))
        judge_only = sum(y and not x for x, y in zip(a, b))
        po = (n - rules_only - judge_only) / n
        pa, pb = sum(a) / n, sum(b) / n
        pe = pa * pb + (1 - pa) * (1 - pb)
        kappa = (po - pe) / (1 - pe) if pe < 1 else math.nan
        rows.append({"label": name, "messages": n, "rules": sum(a), "judge": sum(b), "both": both,
                     "rules_only": rules_only, "judge_only": judge_only, "agreement": po, "kappa": kappa})
    return pd.DataFrame(rows)
