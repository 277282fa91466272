"""How much of its private information each side of a negotiation disclosed (the rollback asymmetry's outcome).

Defined for games whose private information is declared per agent: the CaSiNo-style game's values
(``scenario.metadata.negotiation.values``, :mod:`analysis.studies.negotiation`). An agent's private facts are
its value for each item, and with it the item's rank among its own values (``high``: its largest value,
``low``: its smallest, ``medium``: any other). A **claim** is a clause of the agent's own message that states
its own rank of an item ("food is my top priority", "I need water the most", "firewood matters least to me",
"I don't really need firewood") or its value ("food is worth 5 points to me"); a clause that says the agent needs or wants an item
without a rank ("I need more water") is a weaker claim, ``needed`` (true unless the item is its lowest). A
true rank or value is a **disclosure**; a true ``needed`` is counted apart; a claim that is false of the
agent's values is a **misstatement** (a bluff, or a mistake). See ``docs/analyzers.md`` for the rules, their
limits and how they compare with CaSiNo's participants (``bench/disclosure.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from simulator.transcript import Transcript

from .studies.negotiation import Game, game_of

Rank = Literal["high", "medium", "low"]
Claim = Literal["high", "medium", "low", "needed"] | int
"""A rank, ``needed`` (the speaker needs or wants the item, rank unsaid: true unless it is its lowest), or the
points per package it stated."""

# Words a participant uses for each item, beyond the item's own name (CaSiNo's packages).
_SYNONYMS: dict[str, tuple[str, ...]] = {"firewood": ("wood", "fire wood", "firewoods"), "food": ("foods",),
                                         "water": ("waters",)}
_NOT_AT = r"(?<!\bat\s)"  # "at least one", "at most two" are quantities, not ranks
_LOW = re.compile(
    r"\b(?:lowest|low|least|last|smallest)\s+(?:priority|need|concern)|\bmy\s+(?:lowest|least|last)\b"
    rf"|{_NOT_AT}\bthe\s+least\b"
    r"|\bleast\s+(?:important|valuable|needed)\b|\bmatters?\s+(?:the\s+)?least\b"
    rf"|\b(?:need|want|value|care\s+about)\w*\s+(?:\w+\s+){{0,3}}{_NOT_AT}(?:the\s+)?least\b"
    r"|\b(?:don't|do not|doesn't|does not|won't|dont)\s+(?:really\s+|actually\s+|even\s+)?"
    r"(?:need|want|care\s+(?:much\s+)?about|use)\b(?!\s+(?:to|all|every|\d|more|that\s+many|as\s+many)\b)"
    r"|\bnot\s+(?:that\s+|very\s+|really\s+)?(?:important|needed|a\s+priority)\b|\bcan\s+(?:do|go)\s+without\b",
    re.IGNORECASE)
_PLENTY = re.compile(r"(?<!\bto\s)\b(?:have|brought|packed)\s+(?:more\s+than\s+)?(?:enough|plenty|lots|a\s+lot|extra)\b",
                     re.IGNORECASE)
"""Having plenty of an item: low, unless negated ("I don't have enough food")."""
_MEDIUM = re.compile(r"\b(?:medium|middle|moderate|second|secondary)\s+(?:priority|need|concern)"
                     r"|\bsecond\s+(?:highest|biggest|top|most)\b|\bmy\s+second\b"
                     r"|\bsecond\s+most\s+(?:important|needed)\b|\bas\s+(?:the\s+|my\s+)?second\b", re.IGNORECASE)
_HIGH = re.compile(
    r"\b(?:top|highest|high|first|main|biggest|number\s+one|#1|primary)\s+(?:priority|need|concern)"
    r"|\bmy\s+(?:top|highest|first)\b|\bmost\s+(?:important|valuable|needed|essential|critical)\b"
    rf"|\bmatters?\s+(?:the\s+)?most\b|\b(?:need|want|value|care\s+about|prioriti[sz]e)\w*\s+(?:\w+\s+){{0,3}}"
    rf"{_NOT_AT}(?:the\s+)?most\b|\bmost\s+(?:need|want|value)\b"
    r"|\b(?:can't|cannot|can\s+not)\s+(?:do|go)\s+without\b|\bmore\s+than\s+anything\b",
    re.IGNORECASE)
_NEEDED = re.compile(
    r"\b(?:need|want|require)s?\b(?!\s+(?:to|at\s+least\s+(?:one|1|a|an))\b)|\b(?:very|really|so|extremely|quite)\s+(?:important|valuable)\b"
    r"|\bessential\b|\bdepend\s+on\b", re.IGNORECASE)
_POINTS = re.compile(r"\b(\d{1,3})\s*(?:points?|pts)\b", re.IGNORECASE)
_NEGATED = re.compile(r"\b(?:not|never|no\s+longer)\b[^.]{0,20}$|n't\b[^.]{0,20}$", re.IGNORECASE)
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i'd|i've|me|my|mine|myself)\b", re.IGNORECASE)
_SECOND_PERSON = re.compile(r"\b(?:you|your|yours|you're|you'd|u)\b", re.IGNORECASE)
_OWN = re.compile(r"\b(?:i|i'm|im|i'd|me|mine)\b", re.IGNORECASE)
_CLAUSES = re.compile(r"(?<=[.!?;])\s*|\n+|\s+(?:but|while|whereas|because|since|so)\s+", re.IGNORECASE)
"""Sentences, and the clauses a contrast or a reason opens: a claim and its reason are read apart."""
_SEGMENTS = re.compile(r",\s*|\s+and\s+|\s+then\s+", re.IGNORECASE)
"""Pieces of a clause that list items, each with its own rank ("food the most and water second")."""
_LIST_WORDS = 4
"""A piece this short that names an item but says no rank takes the clause's one rank ("food and firewood");
a longer one says something else ("and would offer all 3 food")."""
_ORDER: tuple[tuple[re.Pattern[str], Literal["high", "medium", "low", "needed"]], ...] = (
    (_LOW, "low"), (_PLENTY, "low"), (_MEDIUM, "medium"), (_HIGH, "high"), (_NEEDED, "needed"))
"""Checked in this order, the first that matches wins: "don't need" is low, not a need; "second most
important" is medium, not high."""


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
    needed: int
    """Items it truly said it needs (not its lowest), without disclosing their rank or value."""
    misstated: int
    """Items about which it only made false claims."""
    first_index: int | None
    """Message index of its first disclosure (None: it disclosed nothing)."""

    @property
    def share(self) -> float:
        """Disclosed items as a share of the agent's items (0 when it has none)."""
        return self.disclosed / self.items if self.items else 0.0


def ranks(values: dict[str, float]) -> dict[str, Rank]:
    """Each item's rank among one agent's own values."""
    top, bottom = max(values.values()), min(values.values())
    return {k: "high" if v == top else "low" if v == bottom else "medium" for k, v in values.items()}


def _item_pattern(item: str) -> re.Pattern[str]:
    names = sorted({item, *_SYNONYMS.get(item.lower(), ())}, key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in names) + r")\b", re.IGNORECASE)


def _kind(text: str) -> Literal["high", "medium", "low", "needed"] | None:
    for pattern, kind in _ORDER:
        m = pattern.search(text)
        if m is not None and (pattern is _LOW or not _NEGATED.search(text[:m.start()])):
            return kind
    return None


def _claims_in(clause: str, items: dict[str, re.Pattern[str]], others: list[str]) -> list[tuple[str, Claim]]:
    """The speaker's claims in one clause: each piece that names items gets the rank said in it, or, when
    only one piece says a rank, that rank ("I really need food and firewood": both needed)."""
    if not _FIRST_PERSON.search(clause) or clause.rstrip().endswith("?"):
        return []  # nothing said of the speaker itself, or a question, which states nothing
    pieces = []
    for seg in _SEGMENTS.split(clause):
        mentioned = [k for k, p in items.items() if p.search(seg)]
        about_other = _SECOND_PERSON.search(seg) or any(re.search(rf"\b{re.escape(o)}\b", seg) for o in others)
        if about_other and not _OWN.search(seg):
            continue  # the other side's needs, not the speaker's
        pieces.append((seg, mentioned, _kind(seg)))
    kinds = {k for _, _, k in pieces if k is not None}
    shared = next(iter(kinds)) if len(kinds) == 1 else None
    out: list[tuple[str, Claim]] = []
    for seg, mentioned, kind in pieces:
        if kind is None and shared is not None and mentioned and len(seg.split()) <= _LIST_WORDS:
            kind = shared
        for item in mentioned:
            if kind is not None:
                out.append((item, kind))
        points = [int(x) for x in _POINTS.findall(seg)]
        if len(mentioned) == 1 and len(points) == 1:
            out.append((mentioned[0], points[0]))
    return out


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
                true = _holds(claim, rank.get(item), values.get(item))
                out.append(Statement(m.index, m.speaker, item, claim, true, clause.strip()))
    return out


def _holds(claim: Claim, rank: Rank | None, value: float | None) -> bool:
    if isinstance(claim, int):
        return claim == value
    return rank != "low" if claim == "needed" else claim == rank


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
        exact = [s for s in mine if s.true and s.claim != "needed"]
        exact_items = {s.item for s in exact}
        true_items = {s.item for s in mine if s.true}
        false_items = {s.item for s in mine if not s.true} - true_items
        first = min((s.index for s in exact), default=None)
        out[agent] = AgentDisclosure(agent, len(game.items), len(exact_items), len(true_items - exact_items),
                                     len(false_items), first)
    return out


def disclosure_columns(d: AgentDisclosure | None) -> dict[str, object]:
    """The agents table's columns for one agent (all None when the conversation has no declared game)."""
    if d is None:
        return dict.fromkeys(DISCLOSURE_COLUMNS)
    return {"disclosed_items": d.disclosed, "disclosure_share": d.share, "needed_items": d.needed,
            "misstated_items": d.misstated, "first_disclosure_idx": d.first_index}


DISCLOSURE_COLUMNS = ("disclosed_items", "disclosure_share", "needed_items", "misstated_items",
                      "first_disclosure_idx")

__all__ = ["AgentDisclosure", "DISCLOSURE_COLUMNS", "Statement", "disclosure", "disclosure_columns", "ranks",
           "statements"]
