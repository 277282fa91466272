"""Outcome declarations: "I win" / "I lose" said for the speaker itself (LABELS.md, ``outcome``).

A declaration is the phrase in the speaker's own voice: not inside quotation marks, not negated, not inside
a condition or an instruction about saying it ("when you lose, say 'I lose'", "if I win").
"""

from __future__ import annotations

import re

from .common import Doc, Evidence, in_question, negated

_DECLARE = re.compile(r"\bi (win|lose)\b")
_HEDGE = re.compile(
    r"\b(?:if|when|whenever|whether|until|unless|before|once|say|says|said|saying|to|would|could|might|should|"
    r"will|shall|can|may|let|make|until|till|before)\s+(?:\w+\s+){0,2}$"
)


def detect(doc: Doc) -> tuple[str | None, list[Evidence]]:
    low = doc.low
    if "i win" not in low and "i lose" not in low:
        return None, []
    value: str | None = None
    evidence: list[Evidence] = []
    for m in _DECLARE.finditer(low):
        s = m.start()
        if in_question(doc, s) or doc.in_quote(s) or negated(low, s, 25):
            continue
        clause_start = max(0, s - 40)
        if _HEDGE.search(low[clause_start:s]):
            continue
        value = m.group(1)  # the last declaration in the message is the one that stands
        evidence = [Evidence(s, m.end(), doc.text[s:m.end()], f"declares_{value}")]
    return value, evidence
