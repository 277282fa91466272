"""Model text made safe to show, and cut into highlighted segments.

Nothing here produces HTML: the template receives plain strings and jinja2's autoescape turns every one of
them into text. What this module adds is (1) neutralising characters that escaping does not cover —
terminal escape sequences, other control characters, bidirectional overrides that can visually reorder a
line, lone surrogates that cannot be encoded — and (2) splitting a message into segments so that each
labelled span can carry its classes and explanation.

Neutralising maps every character to exactly one character, so the analyzers' character offsets stay valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field


def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for c in range(0x20):
        if c not in (0x09, 0x0A):  # tab and newline are layout, not control
            table[c] = chr(0x2400 + c)  # the Unicode "control picture": ESC shows as ␛
    table[0x7F] = "\u2421"
    for c in range(0x80, 0xA0):
        table[c] = "\ufffd"
    # Bidi embeddings, overrides and isolates ("Trojan Source"), and invisible direction marks.
    for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C):
        table[c] = "\ufffd"
    for c in range(0xD800, 0xE000):  # lone surrogates from JSON "\ud800" escapes would break utf-8 output
        table[c] = "\ufffd"
    return table


_NEUTRAL = _table()


def neutralise(text: str) -> str:
    """Same length as ``text``; control, bidi and surrogate characters replaced by visible stand-ins."""
    return text.translate(_NEUTRAL)


@dataclass(frozen=True)
class Span:
    """A labelled stretch of a message: [start, end) in the message text."""

    start: int
    end: int
    css: str
    """CSS class, e.g. ``we we-dyad`` or ``ev ev-cooperative``."""
    note: str
    """Plain-text explanation shown on hover (label, rule, evidence)."""


@dataclass
class Segment:
    text: str
    classes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def css(self) -> str:
        return " ".join(dict.fromkeys(" ".join(self.classes).split()))

    @property
    def title(self) -> str:
        return "\n".join(dict.fromkeys(self.notes))


def segments(text: str, spans: list[Span]) -> list[Segment]:
    """Cut ``text`` at every span boundary; each piece lists the spans covering it.

    Spans may overlap (a "we" inside a cooperative phrase); out-of-range spans are clipped and empty ones
    dropped, so a buggy offset shows as a missing highlight, never as broken or misplaced markup.
    """
    safe = neutralise(text)
    n = len(safe)
    clean = [s for s in ((Span(max(0, sp.start), min(n, sp.end), sp.css, sp.note)) for sp in spans)
             if s.start < s.end]
    cuts = sorted({0, n, *(s.start for s in clean), *(s.end for s in clean)})
    out: list[Segment] = []
    for a, b in zip(cuts, cuts[1:]):
        covering = [s for s in clean if s.start <= a and b <= s.end]
        # Token marks go last so their colour wins over an evidence underline on the same characters.
        covering.sort(key=lambda s: s.css.startswith("we"))
        out.append(Segment(safe[a:b], [s.css for s in covering], [s.note for s in covering]))
    return out
