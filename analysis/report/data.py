"""One conversation as the report shows it: the transcript joined with the analyzers' typed labels.

The analyzers (:func:`analysis.api.label_transcript`) return one :class:`~analysis.labels.MessageLabels` per
message, with the evidence span of every label; this module turns them into view records without going
through any table, so every highlight sits on the exact characters that were labelled and no column name
or JSON cell is guessed at. The label names come from :mod:`analysis.labels.vocab`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Sequence

from simulator.transcript import Transcript

from ..api import conversation_key, design_of
from ..labels import MessageLabels
from ..labels.doc import Evidence
from ..labels.vocab import FLAGS, NAME_LISTS, REASONING_LABELS
from ..labels.vocab import SOCIAL as SOCIAL_REFS
from ..stats import condition_label

MESSAGE_LABELS = (*FLAGS, *NAME_LISTS, "outcome")
"""Message labels shown in the viewer, in the order of LABELS.md."""
INDEX_LABELS = ("social_we", *FLAGS, *NAME_LISTS)
"""Labels the conversation index filters by: a conversation has one when a model-written message has it."""

__all__ = ["INDEX_LABELS", "MESSAGE_LABELS", "SOCIAL_REFS", "ConversationView", "Label", "MessageView", "WeMark",
           "conversation_view", "message_labels"]


@dataclass
class Label:
    """One message label that is set, with the evidence spans that made it fire."""

    name: str
    value: Any
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class WeMark:
    """A first-person plural token and its referent, at its characters in the message."""

    token: str
    start: int
    end: int
    ref: str
    rule: str = ""
    why: str = ""
    """The text that decided the referent (e.g. "As AI assistants")."""

    @property
    def social(self) -> bool:
        """Refers to the dyad or to AIs as a class: the in-group "we"."""
        return self.ref in SOCIAL_REFS


@dataclass
class MessageView:
    """One message with its labels (and, with a judge, the judge's labels of it)."""

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
        """The message has at least one social "we"."""
        return any(w.social for w in self.we)

    def has(self, name: str) -> bool:
        """Whether the message has label ``name`` (``social_we`` included)."""
        return name == "social_we" and self.social_we or any(lab.name == name for lab in self.labels)


@dataclass
class ConversationView:
    """A transcript with its labelled messages, its design and its condition cell."""

    key: str
    """The analyzers' name of the conversation (its path below the folder read)."""
    transcript: Transcript
    design: str
    cell: str
    """The condition (``factor=level, ...``, or one factor with ``by``), without the design."""
    messages: list[MessageView]
    outcome: str

    @property
    def uid(self) -> str:
        """Unique per file even when run ids repeat (the same sweep copied into two folders)."""
        return str(self.transcript.path)

    @property
    def status(self) -> str:
        """``complete``, ``failed`` (an error footer) or ``partial`` (no footer)."""
        t = self.transcript
        if t.footer is None:
            return "partial"
        return "failed" if t.footer.failed else "complete"


def message_labels(lab: MessageLabels) -> list[Label]:
    """The labels of a message that are set (true flags, non-empty name lists, an outcome), with evidence."""
    out = []
    for name in MESSAGE_LABELS:
        value = getattr(lab, name)
        if value is None or value is False or (isinstance(value, list) and not value):
            continue
        out.append(Label(name, list(value) if isinstance(value, list) else value, list(lab.evidence.get(name, []))))
    return out


def _message_view(m: Any, lab: MessageLabels | None) -> MessageView:
    we = [] if lab is None else [WeMark(w.token, w.char, w.char + len(w.token), w.ref, w.evidence.rule,
                                        w.evidence.text) for w in lab.we]
    return MessageView(m.index, m.speaker, m.text, m.scripted, we, [] if lab is None else message_labels(lab),
                       reasoning=m.reasoning, reasoning_tokens=m.reasoning_tokens,
                       reasoning_format=m.reasoning_format)


def conversation_view(t: Transcript, labels: Sequence[MessageLabels] | None, outcome: str | None, *,
                      by: str | None = None, judged: Sequence[MessageLabels] | None = None) -> ConversationView:
    """Join a transcript with its labels (one per message, in order; None: unlabelled). ``by`` names the cell
    by one sweep factor instead of the whole condition; ``judged``: a second analyzer's labels."""
    msgs = [_message_view(m, labels[i] if labels is not None else None) for i, m in enumerate(t.messages)]
    if judged is not None:
        for mv, m, jl in zip(msgs, t.messages, judged):
            mv.judge = _message_view(m, jl)
    cond = t.header.condition or {}
    cell = f"{by}={cond.get(by, '(unset)')}" if by else condition_label(cond)
    return ConversationView(conversation_key(t), t, design_of(t), cell, msgs, outcome or "none")
