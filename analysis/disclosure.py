"""How much of its private information each side of a negotiation disclosed (the rollback asymmetry's outcome).

Defined for games whose private information is declared per agent: the CaSiNo-style game's values
(``scenario.metadata.negotiation.values``, :mod:`analysis.studies.negotiation`). An agent's private facts are
its value for each item, and with it the item's rank among its own values (``high``: its largest value,
``low``: its smallest, ``medium``: any other). A **claim** is a clause of the agent's own message that states
its own rank of an item ("food is my top priority", "I need water the most", "firewood matters least to me",
"I don't really need firewood") or its value ("food is worth 5 points to me"). A claim is a **disclosure**
when it is true of the agent's values, a **misstatement** when it is not (a bluff, or a mistake). See
``docs/analyzers.md`` for the rules and their limits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from simulator.transcript import Transcript

from .studies.negotiation import Game, game_of

Rank = Literal["high", "medium", "low"]
Claim = Rank | int

# Words a participant uses for each item, beyond the item's own name (CaSiNo's packages).
_SYNONYMS: dict[str, tuple[str, ...]] = {"firewood": ("wood", "fire wood", "firewoods"), "food": ("foods",),
                                         "water": ("waters",)}
_HIGH = re.compile(
    r"\b(?:top|highest|high|first|main|biggest|number one|#1|primary)\s+(?:priority|need|concern)"
    r"|\bmost\s+(?:important|valuable|needed|essential|critical)\b|\bmatters?\s+(?:the\s+)?most\b"
    r"|\b(?:need|want|value|care\s+about|prioriti[sz]e)\w*\s+(?:\w+\s+){0,3}(?:the\s+)?most\b"
    r"|\bmost\s+(?:need|want|value)\b|\breally\s+(?:need|want)\b|\b(?:can't|cannot|can not)\s+(?:do|go)\s+without\b"
    r"|\bneed\s+(?:a\s+lot|lots)\s+of\b|\bessential\s+(?:to|for)\s+me\b",
    re.IGNORECASE)
_LOW = re.compile(
    r"\b(?:lowest|low|least|last|smallest)\s+(?:priority|need|concern)|\bleast\s+(?:important|valuable|needed)\b"
    r"|\bmatters?\s+(?:the\s+)?least\b|\b(?:need|want|value|care\s+about)\w*\s+(?:\w+\s+){0,3}(?:the\s+)?least\b"
    r"|\b(?:don't|do not|doesn't|does not|won't)\s+(?:really\s+|actually\s+)?(?:need|want|care\s+(?:much\s+)?about)\b"
    r"|\bnot\s+(?:that\s+|very\s+|really\s+)?(?:important|needed|a\s+priority)\b|\bcan\s+(?:do|go)\s+without\b",
    re.IGNORECASE)
_MEDIUM = re.compile(r"\b(?:medium|middle|moderate|second|secondary)\s+(?:priority|need|concern)"
                     r"|\bsecond\s+most\s+(?:important|needed)\b", re.IGNORECASE)
_POINTS = re.compile(r"\b(\d{1,3})\s*(?:points?|pts)\b", re.IGNORECASE)
_NEGATED = re.compile(r"\b(?:not|n't|never|no longer)\b[^.]{0,20}$", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|i'd|i've|me|my|mine|myself)\b", re.IGNORECASE)
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|you're|you'd)\b", re.IGNORECASE)
_OWN = re.compile(r"\b(?:my|me|mine|for me|to me)\b", re.IGNORECASE)
_CLAUSES = re.compile(r"(?<=[.!?;])\s+|\n+|,\s*(?:and|but|while|whereas|so)\b|\s+(?:but|while|whereas)\s+"
                      r"|;\s*|\s+and\s+(?=(?:i|my)\b)", re.IGNORECASE)


@dataclass(frozen=True)
class Statement:
    """One claim an agent made about its own value of an item."""

    index: int
    """Message index in the transcript."""
    speaker: str
    item: str
    claim: Claim
    """The rank it stated (``high``, ``medium``, ``low``) or the points per package it stated."""
    true: bool
    """Whether the claim matches the speaker's private values: a disclosure when true."""
    evidence: str
    """The clause the claim was read from."""


@dataclass(frozen=True)
class AgentDisclosure:
    """What one agent disclosed in one conversation (the agents table's ``disclosure`` columns)."""

    agent: str
    items: int
    """Private items of the game (each has a value and a rank for this agent)."""
    disclosed: int
    """Items whose true rank or value the agent stated at least once."""
    misstated: int
    """Items about which it only made false claims."""
    first_index: int | None
    """Message index of its first disclosure (None: it disclosed nothing)."""

    @property
    def share(self) -> float:
        return self.disclosed / self.items if self.items else 0.0


def ranks(values: dict[str, float]) -> dict[str, Rank]:
    """Each item's rank among one agent's own values."""
    top, bottom = max(values.values()), min(values.values())
    return {k: "high" if v == top else "low" if v == bottom else "medium" for k, v in values.items()}


def _item_pattern(item: str) -> re.Pattern[str]:
    names = sorted({item, *_SYNONYMS.get(item.lower(), ())}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)


def _claims_in(clause: str, items: dict[str, re.Pattern[str]], others: list[str]) -> list[tuple[str, Claim]]:
    mentioned = [k for k, p in items.items() if p.search(clause)]
    if not mentioned or not _FIRST_PERSON.search(clause):
        return []
    about_other = _SECOND_PERSON.search(clause) or any(re.search(rf"\b{re.escape(o)}\b", clause) for o in others)
    if about_other and not _OWN.search(clause):
        return []  # the other side's needs, not the speaker's
    if clause.rstrip().endswith("?"):
        return []  # a question states nothing
    found: list[Claim] = []
    order: tuple[tuple[re.Pattern[str], Rank], ...] = ((_MEDIUM, "medium"), (_LOW, "low"), (_HIGH, "high"))
    for pattern, claim in order:
        m = pattern.search(clause)
        if m is not None and not (claim != "low" and _NEGATED.search(clause[:m.start()])):
            found.append(claim)
            break  # "second most important" is medium, not high; "least" wins over a "need"
    points = [int(x) for x in _POINTS.findall(clause)]
    if len(mentioned) == 1 and len(points) == 1:
        found.append(points[0])
    return [(item, c) for item in mentioned for c in found]


def statements(t: Transcript, game: Game | None = None) -> list[Statement]:
    """Every claim each party made about its own values, in message order (empty without a game)."""
    game = game or game_of(t.header.scenario)
    if game is None:
        return []
    patterns = {item: _item_pattern(item) for item in game.items}
    out: list[Statement] = []
    for m in t.messages:
        values = game.values.get(m.speaker)
        if values is None:
            continue
        rank = ranks(values)
        others = [a for a in game.values if a != m.speaker]
        for clause in _CLAUSES.split(m.text):
            if not clause or not clause.strip():
                continue
            for item, claim in _claims_in(clause, patterns, others):
                true = claim == rank.get(item) if isinstance(claim, str) else claim == values.get(item)
                out.append(Statement(m.index, m.speaker, item, claim, true, clause.strip()))
    return out


def disclosure(t: Transcript, game: Game | None = None) -> dict[str, AgentDisclosure]:
    """Per party of the game: how many of its private items it disclosed, misstated, and when it first
    disclosed one (empty when the transcript declares no game)."""
    game = game or game_of(t.header.scenario)
    if game is None:
        return {}
    said = statements(t, game)
    out = {}
    for agent in game.values:
        mine = [s for s in said if s.speaker == agent]
        true_items = {s.item for s in mine if s.true}
        false_items = {s.item for s in mine if not s.true} - true_items
        first = min((s.index for s in mine if s.true), default=None)
        out[agent] = AgentDisclosure(agent, len(game.items), len(true_items), len(false_items), first)
    return out


def disclosure_columns(d: AgentDisclosure | None) -> dict[str, object]:
    """The agents table's columns for one agent (all None when the conversation has no declared game)."""
    if d is None:
        return dict.fromkeys(DISCLOSURE_COLUMNS)
    return {"disclosed_items": d.disclosed, "disclosure_share": d.share, "misstated_items": d.misstated,
            "first_disclosure_idx": d.first_index}


DISCLOSURE_COLUMNS = ("disclosed_items", "disclosure_share", "misstated_items", "first_disclosure_idx")

__all__ = ["AgentDisclosure", "DISCLOSURE_COLUMNS", "Statement", "disclosure", "disclosure_columns", "ranks",
           "statements"]
