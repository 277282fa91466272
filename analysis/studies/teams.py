"""Team runs (agents with assigned teams): does "we" follow the assigned teams or cross them?

Every first-person plural token of a team member is read by the analyzers in its context (LABELS.md section
1: its referent and, with three or more participants, whom a ``dyad`` includes -- the ``with`` of the
labels). From that:

- ``team``: a ``dyad`` that includes teammates only ("we will crush team Red", said to a teammate);
- ``cross``: a ``dyad`` that includes someone of another team ("all of us", "Bea and we could be friends"), or
  an ``ai_class`` "we" ("we AIs"), since every agent of these runs is an AI whatever its team;
- ``unresolved``: a ``dyad`` whose members the text and the teams do not make clear; reported, never guessed.

Tokens that put the speaker with no other participant (its company, its user, people in general, a quote)
are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from simulator.transcript import Transcript, read_transcript

from ..api import label_transcript

Scope = str  # "team", "cross" or "unresolved"


@dataclass
class TeamWe:
    """One first-person-plural token in a team run, with its speaker and whether it spans the speaker's team or crosses
    sides."""

    index: int
    speaker: str
    token: str
    char: int
    ref: str
    scope: Scope
    includes: list[str]
    evidence: str


@dataclass
class TeamResult:
    """The team-scoped "we" of one team run."""

    run_id: str
    teams: dict[str, str]
    tokens: list[TeamWe] = field(default_factory=list)
    condition: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        """Tokens by scope: within the speaker's team, across teams, unresolved."""
        out = {"team": 0, "cross": 0, "unresolved": 0}
        for t in self.tokens:
            out[t.scope] += 1
        return out

    def cross_share(self) -> float | None:
        """The share of resolved tokens that cross teams, or None when none resolved."""
        c = self.counts()
        resolved = c["team"] + c["cross"]
        return c["cross"] / resolved if resolved else None

    def edges(self) -> dict[tuple[str, str], int]:
        """(speaker, included agent) -> number of "we" tokens joining them: the alliance graph."""
        out: dict[tuple[str, str], int] = {}
        for t in self.tokens:
            for other in t.includes:
                out[(t.speaker, other)] = out.get((t.speaker, other), 0) + 1
        return out

    def row(self) -> dict[str, Any]:
        """One table row: the counts, the cross-team share and the condition's factor levels."""
        c = self.counts()
        row: dict[str, Any] = {"run_id": self.run_id, "we_team": c["team"], "we_cross": c["cross"],
                               "we_unresolved": c["unresolved"], "cross_share": self.cross_share()}
        for k, v in self.condition.items():
            row[f"cond_{k}"] = v
        return row


def scope_of(ref: str, includes: Iterable[str], speaker: str, teams: dict[str, str]) -> Scope | None:
    """Where a token puts the speaker: with its team, across the teams, unresolved; None when it is not a
    group of participants at all."""
    own = teams.get(speaker)
    if ref == "ai_class":
        return "cross"
    if ref != "dyad":
        return None
    members = list(includes)
    if not members:
        return "unresolved"
    return "team" if all(teams.get(m) == own for m in members) else "cross"


def analyze_transcript(source: str | Path | Transcript) -> TeamResult:
    """The team-scoped "we" of one transcript of a run whose agents have at least two teams."""
    t = source if isinstance(source, Transcript) else read_transcript(source)
    teams = {a.name: a.team for a in t.header.agents if a.team}
    if len(set(teams.values())) < 2:
        raise ValueError(f"{t.path}: not a team run (agents need at least two distinct 'team' values)")
    everyone = [a.name for a in t.header.agents]
    result = TeamResult(t.header.run_id, teams, condition=dict(t.header.condition))
    for m, labs in zip(t.messages, label_transcript(t)):
        if m.speaker not in teams:
            continue
        for w in labs.we:
            scope = scope_of(w.ref, w.includes, m.speaker, teams)
            if scope is None:
                continue
            includes = list(w.includes) if w.ref == "dyad" else [a for a in everyone if a != m.speaker]
            result.tokens.append(TeamWe(m.index, m.speaker, w.token, w.char, w.ref, scope, includes,
                                        w.evidence.text))
    return result


def team_frame(paths: Iterable[str | Path]) -> pd.DataFrame:
    """One row per team run: counts of team / cross / unresolved "we" and the cross share."""
    return pd.DataFrame([analyze_transcript(p).row() for p in paths])


def team_tokens_frame(paths: Iterable[str | Path]) -> pd.DataFrame:
    """One row per social "we" token of team runs, with its scope and evidence (for review)."""
    rows = []
    for p in paths:
        r = analyze_transcript(p)
        rows += [{"run_id": r.run_id, **t.__dict__, "includes": ",".join(t.includes)} for t in r.tokens]
    return pd.DataFrame(rows)


__all__ = ["TeamResult", "TeamWe", "analyze_transcript", "scope_of", "team_frame", "team_tokens_frame"]
