"""Outcome declarations: "I win" / "I lose" said for the speaker itself (LABELS.md ``outcome``).

A declaration is the phrase in the speaker's own voice: not inside quotation marks, not negated, not in a
question, not inside a condition or an instruction about saying it ("when you lose, say 'I lose'", "if I
win"). Where the speaker is on a team, declaring its own team's result counts the same ("Red wins!", "we
win", "team Blue loses" said by a Blue member). The last declaration in a message stands.
"""

from __future__ import annotations

import re

from .context import Context
from .doc import Doc, Evidence, in_question, negated

_DECLARE = re.compile(r"\bi (win|lose)\b")
HEDGE = re.compile(
    r"\b(?:if|when|whenever|whether|until|unless|before|once|say|says|said|saying|to|would|could|might|should|"
    r"will|shall|can|may|let|make|until|till|before)\s+(?:\w+\s+){0,2}$"
)


def _team_pattern(team: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:we|(?:team\s+)?{re.escape(team.lower())}(?:\s+team)?)\s+(win|wins|lose|loses)\b")


def detect(doc: Doc, ctx: Context | None = None) -> tuple[str | None, list[Evidence]]:
    """The message's outcome declaration, ``"win"``, ``"lose"`` or None, with the span of the one that stands."""
    low = doc.low
    me = ctx.me if ctx is not None else None
    team = me.team if me is not None and ctx is not None and ctx.teammates else None
    patterns = [_DECLARE]
    if team:
        patterns.append(_team_pattern(team))
    if "i win" not in low and "i lose" not in low and not (team and ("win" in low or "lose" in low)):
        return None, []
    found: list[tuple[int, int, str]] = []
    for rx in patterns:
        for m in rx.finditer(low):
            s = m.start()
            if in_question(doc, s) or doc.in_quote(s) or negated(low, s, 25):
                continue
            if HEDGE.search(low[max(0, s - 40):s]):
                continue
            found.append((s, m.end(), "win" if m.group(1).startswith("win") else "lose"))
    if not found:
        return None, []
    s, e, value = max(found)  # the last declaration in the message is the one that stands
    return value, [Evidence(s, e, doc.text[s:e], f"declares_{value}")]
