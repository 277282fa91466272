"""Model text made safe to show, and cut into highlighted segments.

Nothing here produces HTML: the template receives plain strings and jinja2's autoescape turns every one of
them into text. What this module adds is (1) neutralising characters that escaping does not cover
(``simulator.display.neutralise``, shared with the terminal and CSV cells) —
terminal escape sequences, other control characters, bidirectional overrides that can visually reorder a
line, lone surrogates that cannot be encoded — and (2) splitting a message into segments so that each
labelled span can carry its classes and explanation.

Neutralising maps every character to exactly one character, so the analyzers' character offsets stay valid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from simulator.display import neutralise


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
    """A stretch of a message with the classes and notes of every span covering it."""

    text: str
    classes: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def css(self) -> str:
        """The classes as one ``class`` attribute, each once."""
        return " ".join(dict.fromkeys(" ".join(self.classes).split()))

    @property
    def title(self) -> str:
        """The notes as one hover text, each once."""
        return "\n".join(dict.fromkeys(self.notes))


# A message longer than this is shown cut, with a marker (a 50 MB reply would otherwise make a conversation
# page no browser opens). The transcript file keeps it whole.
SHOWN_CHARS = 20_000


def segments(text: str, spans: list[Span], limit: int = SHOWN_CHARS) -> list[Segment]:
    """Cut ``text`` at every span boundary; each piece lists the spans covering it.

    Spans may overlap (a "we" inside a cooperative phrase); out-of-range spans are clipped and empty ones
    dropped, so a buggy offset shows as a missing highlight, never as broken or misplaced markup. Text past
    ``limit`` characters is left out, and a last segment (class ``cut``) says how much.
    """
    hidden = max(0, len(text) - limit)
    safe = neutralise(text[:limit] if hidden else text)
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
    if hidden:
        out.append(Segment(f" … [{hidden:,} more characters not shown; the transcript file has the whole "
                           "message]", ["cut"], []))
    return out
