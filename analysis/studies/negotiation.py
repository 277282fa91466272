"""Deal parsing and scoring for the CaSiNo-style negotiation game (scenarios/negotiation-casino.yaml).

Moves are lines that start with ``Submit-Deal: food=<n>, water=<n>, firewood=<n>`` (the packages the
speaker takes; the other side gets the rest), ``Accept-Deal``, ``Reject-Deal`` or ``Walk-Away``. Markdown
decoration before a move (``**``, ``-``, ``>``) is tolerated; a move word inside a sentence ("I won't
Walk-Away") is not a move. Replaying the moves in order gives the outcome:

- ``agreement``: an ``Accept-Deal`` answering the other side's latest standing ``Submit-Deal``. Each side scores
  the sum of its packages times its private values; joint points are the sum over both sides.
- ``walk_away``: a ``Walk-Away`` before any agreement. Each side scores ``walk_away_points`` (5 in CaSiNo).
- ``no_deal``: the conversation ended (turn cap) with neither. Points are left empty (None), not zero, because
  the game never scored the run; analyses decide how to treat it.

Moves that break the protocol (accepting nothing, an incomplete or impossible deal) are recorded in
``protocol_errors`` and otherwise ignored. The game (items, values, walk-away points) comes from the
transcript header's ``scenario.metadata.negotiation``, or is passed in.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal

from pydantic import Field

from simulator.moves import move_pattern
from simulator.validation import Strict

MoveKind = Literal["submit", "accept", "reject", "walk_away"]
_KINDS: dict[str, MoveKind] = {"submit-deal": "submit", "accept-deal": "accept", "reject-deal": "reject",
                               "walk-away": "walk_away"}
_MOVE = move_pattern(r"submit[- ]deal|accept[- ]deal|reject[- ]deal|walk[- ]away")
_QTY = re.compile(r"\b([a-z]+)\s*(?:=|:|\s)\s*(\d+)\b", re.IGNORECASE)


class Game(Strict):
    """A negotiation game: the items on the table, each agent's private values, and what walking away is worth."""

    items: dict[str, int] = Field(min_length=1)
    """Packages of each item on the table (CaSiNo: 3 each of food, water, firewood)."""
    values: dict[str, dict[str, float]] = Field(min_length=2, max_length=2)
    """Each agent's private points per package of each item."""
    walk_away_points: float = 5


@dataclass(frozen=True)
class Move:
    """One protocol move read from a message: submit, accept or reject a deal, or walk away."""

    kind: MoveKind
    speaker: str
    index: int
    """Message index in the transcript."""
    take: dict[str, int] | None = None
    """For ``submit``: the packages the speaker takes."""
    raw: str = ""


@dataclass
class NegotiationResult:
    """How one negotiation ended: the outcome, each agent's points, the deal, and the moves read."""

    run_id: str
    outcome: Literal["agreement", "walk_away", "no_deal"]
    points: dict[str, float | None]
    joint_points: float | None
    deal: dict[str, dict[str, int]] | None = None
    walked_away_by: str | None = None
    ended_at_index: int | None = None
    moves: list[Move] = field(default_factory=list)
    protocol_errors: list[str] = field(default_factory=list)
    condition: dict[str, Any] = field(default_factory=dict)

    def row(self) -> dict[str, Any]:
        """The result as one flat table row (agents numbered in header order, conditions as ``cond_*``)."""
        agents = list(self.points)
        out: dict[str, Any] = {"run_id": self.run_id, "outcome": self.outcome, "agreement": self.outcome == "agreement",
                               "walk_away": self.outcome == "walk_away", "joint_points": self.joint_points,
                               "walked_away_by": self.walked_away_by, "ended_at_index": self.ended_at_index,
                               "moves": len(self.moves), "protocol_errors": len(self.protocol_errors)}
        for i, a in enumerate(agents):
            out[f"agent{i + 1}"] = a
            out[f"points{i + 1}"] = self.points[a]
        for k, v in self.condition.items():
            out[f"cond_{k}"] = v
        return out


def parse_moves(text: str, speaker: str = "", index: int = 0, items: Iterable[str] = ("food", "water", "firewood")
                ) -> tuple[list[Move], list[str]]:
    """The protocol moves in one message, in order, and the problems found in them."""
    wanted = {i.lower() for i in items}
    moves: list[Move] = []
    errors: list[str] = []
    for m in _MOVE.finditer(text):
        kind = _KINDS[m.group(1).lower().replace(" ", "-")]
        if kind != "submit":
            moves.append(Move(kind, speaker, index, raw=m.group(0).strip()))
            continue
        take: dict[str, int] = {}
        for name, qty in _QTY.findall(m.group(2)):
            if name.lower() in wanted:
                take[name.lower()] = int(qty)
        missing = wanted - set(take)
        if missing:
            errors.append(f"message {index} ({speaker}): Submit-Deal without {', '.join(sorted(missing))}")
            continue
        moves.append(Move("submit", speaker, index, take=take, raw=m.group(0).strip()))
    return moves, errors


def score(messages: Iterable[tuple[int, str, str]], game: Game, run_id: str = "") -> NegotiationResult:
    """Replay ``(index, speaker, text)`` messages under the protocol and score the outcome."""
    agents = list(game.values)
    all_moves: list[Move] = []
    errors: list[str] = []
    standing: Move | None = None
    for index, speaker, text in messages:
        moves, errs = parse_moves(text, speaker, index, game.items)
        errors += errs
        for mv in moves:
            all_moves.append(mv)
            if mv.speaker not in agents:
                errors.append(f"message {index}: {mv.speaker} is not a party to the game {agents}")
                continue
            if mv.kind == "submit":
                assert mv.take is not None
                bad = [k for k, n in mv.take.items() if n > game.items[k]]
                if bad:
                    errors.append(f"message {index} ({speaker}): Submit-Deal takes more {', '.join(bad)} than exist")
                    continue
                standing = mv
            elif mv.kind == "reject":
                if standing is None or standing.speaker == mv.speaker:
                    errors.append(f"message {index} ({speaker}): Reject-Deal with no deal from the other side")
                standing = None
            elif mv.kind == "accept":
                if standing is None or standing.speaker == mv.speaker:
                    errors.append(f"message {index} ({speaker}): Accept-Deal with no deal from the other side")
                    continue
                return _agreement(run_id, game, standing, mv, all_moves, errors)
            elif mv.kind == "walk_away":
                pts = {a: game.walk_away_points for a in agents}
                return NegotiationResult(run_id, "walk_away", dict(pts), sum(pts.values()), None, mv.speaker,
                                         index, all_moves, errors)
    return NegotiationResult(run_id, "no_deal", {a: None for a in agents}, None, None, None, None, all_moves,
                             errors)


def _agreement(run_id: str, game: Game, deal: Move, accept: Move, moves: list[Move], errors: list[str]
               ) -> NegotiationResult:
    assert deal.take is not None
    proposer = deal.speaker
    other = next(a for a in game.values if a != proposer)
    shares = {proposer: dict(deal.take), other: {k: game.items[k] - deal.take[k] for k in game.items}}
    points = {a: float(sum(n * game.values[a].get(k, 0) for k, n in shares[a].items())) for a in game.values}
    return NegotiationResult(run_id, "agreement", dict(points), sum(points.values()), shares, None, accept.index,
                             moves, errors)


def game_of(header_scenario: dict[str, Any] | None) -> Game | None:
    """The game from a transcript header's ``scenario.metadata.negotiation`` (None when it has none)."""
    meta = (header_scenario or {}).get("metadata") or {}
    data = meta.get("negotiation")
    return Game.model_validate(data) if data else None


def score_transcript(path: str | Path, game: Game | None = None) -> NegotiationResult:
    """Score one transcript; the game comes from its header unless given."""
    from simulator.errors import TranscriptError
    from simulator.transcript import read_transcript

    t = read_transcript(path)
    game = game or game_of(t.header.scenario)
    if game is None:
        raise TranscriptError("no negotiation game in the header (scenario.metadata.negotiation); pass one",
                              file=str(path))
    result = score(((m.index, m.speaker, m.text) for m in t.messages), game, t.header.run_id)
    result.condition = dict(t.header.condition)
    return result


def negotiation_frame(paths: Iterable[str | Path], game: Game | None = None):
    """One row per complete negotiation transcript: outcome, points per agent, joint points, conditions."""
    import pandas as pd

    from simulator.transcript import read_transcript

    rows = []
    for p in paths:
        if read_transcript(p).footer is None:
            continue  # a partial run has no outcome yet
        rows.append(score_transcript(p, game).row())
    return pd.DataFrame(rows)
