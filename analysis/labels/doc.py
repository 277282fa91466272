"""One message as the labelers see it: its text, a lower-cased copy, sentences, quotes; evidence spans;
negation and question checks.

Every labeler works on the original text and on one lower-cased copy of it (made once per message), so
patterns can be written in lower case and offsets stay the same. Where lower-casing changes the length (a
few Unicode letters), :func:`lowered` falls back to a copy that keeps offsets aligned.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a label fired: the character span in the message text, the text there, and the rule's name."""

    start: int
    end: int
    text: str
    rule: str

    def to_dict(self) -> dict[str, object]:
        """The evidence as a plain mapping, for the JSON columns of the tables."""
        return {"start": self.start, "end": self.end, "text": self.text, "rule": self.rule}


@dataclass(slots=True)
class Doc:
    """One message prepared for the labelers: text, lower-cased copy, and lazily computed structure."""

    text: str
    low: str
    _sent_starts: list[int] | None = None
    _sent_ends: list[int] | None = None
    _sents: list[tuple[int, int]] | None = None
    _quotes: list[tuple[int, int]] | None = None
    _has_quote_chars: bool | None = None
    cache: dict[str, object] = field(default_factory=dict)
    """Per-message state of whoever needs it (the matching engine keeps its word index here)."""

    @property
    def sentences(self) -> list[tuple[int, int]]:
        """(start, end) of every sentence; the same list object each time (do not modify it)."""
        if self._sents is None:
            if self._sent_starts is None:
                self._split()
            assert self._sent_starts is not None and self._sent_ends is not None
            self._sents = list(zip(self._sent_starts, self._sent_ends))
        return self._sents

    def _split(self) -> None:
        # Whitespace-only pieces (blank lines) are not sentences: _SENTENCE does not match them.
        spans = list(map(_SPAN, _SENTENCE.finditer(self.text)))
        self._sent_starts = [a for a, _ in spans]
        self._sent_ends = [b for _, b in spans]
        self._sents = spans

    def sentence_of(self, pos: int) -> tuple[int, int]:
        """(start, end) of the sentence holding character ``pos`` (the whole text before the first)."""
        if self._sent_starts is None:
            self._split()
        assert self._sent_starts is not None and self._sent_ends is not None
        i = bisect_right(self._sent_starts, pos) - 1
        if i < 0:
            return 0, len(self.text)
        return self._sent_starts[i], self._sent_ends[i]

    @property
    def quotes(self) -> list[tuple[int, int]]:
        """(start, end) of every quoted stretch of the text, computed once."""
        if self._quotes is None:
            self._quotes = quote_spans(self.text)
        return self._quotes

    def in_quote(self, pos: int) -> bool:
        """Whether character ``pos`` lies inside quotation marks (words quoted are not said in one's own voice)."""
        if self._has_quote_chars is None:
            t = self.text
            self._has_quote_chars = '"' in t or "\u201c" in t or "'" in t or "\u2018" in t
        if not self._has_quote_chars:
            return False
        return any(a < pos < b for a, b in self.quotes)


def lowered(text: str) -> str:
    """``text`` lower-cased, with the same length so that offsets into either copy agree."""
    low = text.lower()
    if len(low) == len(text):
        return low
    # A handful of characters (e.g. U+0130) grow when lower-cased; lower char by char to keep offsets.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def make_doc(text: str) -> Doc:
    """A message prepared for the labelers."""
    return Doc(text=text, low=lowered(text))


# A sentence ends at . ! ? (plus closing quotes/brackets) followed by space, or at a line break. Decimal
# points and move numbers ("1.e4") do not end sentences because a space must follow the stop.
# Runs of ordinary characters are taken as one chunk (``[^.!?\n]+``) so ``re`` loops in C; the match is the
# same as one character at a time, because the tail after the longest run always matches.
# Pieces of whitespace only (blank lines, trailing spaces) are not sentences. They end at a line break or at
# the end (a piece holding . ! ? is not blank), so the lookahead (a character other than whitespace before
# the next line break) leaves them out, and so does every later start inside them; a lone line break is not
# a sentence either. The sentences are those of the same pattern without the lookahead and with ``|\n``,
# whitespace-only matches dropped.
_SENTENCE = re.compile(r"(?=[^\S\n]*\S)(?:[^.!?\n]+|[.!?](?![\s\"'\u201d\u2019)]|$))+(?:[.!?]+[\"'\u201d\u2019)]*|\n|$)")
_SPAN = re.Match.span

# Double quotes in either style; single quotes only when not an apostrophe (letters on both sides). Every
# alternative starts with the quote character itself ("'(?<!\w')" is "(?<!\w)'"), so ``re`` skips ahead to
# the next quote character instead of trying the pattern at every position.
_QUOTE = re.compile(
    r"\"[^\"\n]{1,600}\"|\u201c[^\u201d]{1,600}\u201d|'(?<![\w]')(?=\S)[^'\n]{1,300}(?<=\S)'(?![\w])|\u2018[^\u2019]{1,300}\u2019"
)


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every quoted stretch of ``text``, quotation marks included."""
    return [(m.start(), m.end()) for m in _QUOTE.finditer(text)]


_NEGATION = re.compile(
    r"\b(?:not|never|no|nor|without|cannot|can't|won't|don't|doesn't|didn't|isn't|aren't|wasn't|shouldn't|"
    r"wouldn't|couldn't|refuse|decline|neither|hardly|rather than|instead of)\b|n't\b"
)
_CLAUSE_BREAK = re.compile(r"[.!?;:,\n]|\bbut\b|\bhowever\b|\bthough\b")


# Every negation above contains one of these: a window without them is not negated (most are not).
_MAY_NEGATE = re.compile(r"no|n't|never|without|refuse|decline|neither|hardly|rather than|instead of")


def negated(low: str, start: int, window: int = 40) -> bool:
    """True when a negation word precedes ``start`` inside the same clause (up to ``window`` chars back),
    with no other verb's subject between them ("since I don't go alone, I need" is not a negated need)."""
    lo = max(0, start - window)
    chunk = low[lo:start]
    if _MAY_NEGATE.search(chunk) is None:
        return False
    breaks = list(_CLAUSE_BREAK.finditer(chunk))
    if breaks:
        chunk = chunk[breaks[-1].end():]
    m = None
    for m in _NEGATION.finditer(chunk):  # noqa: B007 (the last negation is the one wanted)
        pass
    if m is None:
        return False
    return _NEW_SUBJECT.search(chunk, m.end()) is None


# A subject pronoun after the negation starts another verb's clause: the negation is not about what follows.
_NEW_SUBJECT = re.compile(r"\b(?:i|we|you|he|she|they)\b")


def in_question(doc: Doc, pos: int) -> bool:
    """Whether the sentence holding ``pos`` asks a question from ``pos`` on."""
    if "?" not in doc.text:
        return False
    _, end = doc.sentence_of(pos)
    return "?" in doc.text[pos:end]
