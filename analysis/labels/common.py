"""Shared pieces of the rule-based labelers: evidence spans, message context, sentences, quotes, negation.

Every labeler works on the original text and on one lower-cased copy of it (made once per message), so
patterns can be compiled without IGNORECASE and offsets stay the same. Where lower-casing changes the
length (a few Unicode letters), :func:`lowered` falls back to a copy that keeps offsets aligned.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Iterable, Pattern

from .scan import Finder, RuleSet, folded, split_alternatives
from .words import required_words, split_group


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a label fired: the character span in the message text, the text there, and the rule's name."""

    start: int
    end: int
    text: str
    rule: str

    def to_dict(self) -> dict[str, object]:
        return {"start": self.start, "end": self.end, "text": self.text, "rule": self.rule}


@dataclass(slots=True)
class Context:
    """What a labeler may know besides the message text."""

    speaker: str = ""
    agents: tuple[str, ...] = ()
    """Every agent name in the conversation (the speaker included)."""
    task: str | None = None
    previous: tuple[str, ...] = ()
    """Texts of the earlier messages, oldest first."""


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
    _finder: Finder | None = None

    @property
    def finder(self) -> Finder:
        """Start-literal positions in the lower-cased text, shared by every anchored rule (scan.py)."""
        if self._finder is None:
            self._finder = Finder(folded(self.low))
        return self._finder

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
        if self._sent_starts is None:
            self._split()
        assert self._sent_starts is not None and self._sent_ends is not None
        i = bisect_right(self._sent_starts, pos) - 1
        if i < 0:
            return 0, len(self.text)
        return self._sent_starts[i], self._sent_ends[i]

    @property
    def quotes(self) -> list[tuple[int, int]]:
        if self._quotes is None:
            self._quotes = quote_spans(self.text)
        return self._quotes

    def in_quote(self, pos: int) -> bool:
        if self._has_quote_chars is None:
            t = self.text
            self._has_quote_chars = '"' in t or "\u201c" in t or "'" in t or "\u2018" in t
        if not self._has_quote_chars:
            return False
        return any(a < pos < b for a, b in self.quotes)


def lowered(text: str) -> str:
    low = text.lower()
    if len(low) == len(text):
        return low
    # A handful of characters (e.g. U+0130) grow when lower-cased; lower char by char to keep offsets.
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def make_doc(text: str) -> Doc:
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
    return [(m.start(), m.end()) for m in _QUOTE.finditer(text)]


_NEGATION = re.compile(
    r"\b(?:not|never|no|nor|without|cannot|can't|won't|don't|doesn't|didn't|isn't|aren't|wasn't|shouldn't|"
    r"wouldn't|couldn't|refuse|decline|neither|hardly|rather than|instead of)\b|n't\b"
)
_CLAUSE_BREAK = re.compile(r"[.!?;:,\n]|\bbut\b|\bhowever\b|\bthough\b")


# Every negation above contains one of these: a window without them is not negated (most are not).
_MAY_NEGATE = re.compile(r"no|n't|never|without|refuse|decline|neither|hardly|rather than|instead of")


def negated(low: str, start: int, window: int = 40) -> bool:
    """True when a negation word precedes ``start`` inside the same clause (up to ``window`` chars back)."""
    lo = max(0, start - window)
    chunk = low[lo:start]
    if _MAY_NEGATE.search(chunk) is None:
        return False
    breaks = list(_CLAUSE_BREAK.finditer(chunk))
    if breaks:
        chunk = chunk[breaks[-1].end():]
    return _NEGATION.search(chunk) is not None


# The RuleSet of every combined pattern (see combine). find_all looks it up by the pattern's id: hashing
# a compiled pattern hashes its whole compiled code, every time (7 us for the cooperative alternation).
# The patterns are module constants, kept alive by _RULESETS, so their ids stay valid.
_RULESETS: dict[Pattern[str], RuleSet] = {}
_RULESETS_BY_ID: dict[int, RuleSet] = {}


def combine(rules: Iterable[tuple[str, str]]) -> tuple[Pattern[str], dict[str, str]]:
    """One compiled alternation with a named group per rule: a single pass finds any rule's trigger.

    Returns the pattern and a map from group name to rule name. :func:`find_all` does not run the
    alternation itself: it gives the same matches through a :class:`scan.RuleSet` built from the rules
    (each alternative tried only in messages holding its required words, and only where it can start).
    """
    rules = list(rules)
    parts = []
    names: dict[str, str] = {}
    for i, (name, rx) in enumerate(rules):
        g = f"r{i}"
        names[g] = name
        parts.append(f"(?P<{g}>{rx})")
    pattern = re.compile("|".join(parts))
    _RULESETS[pattern] = _RULESETS_BY_ID[id(pattern)] = RuleSet(rules)
    return pattern, names


def find_all(pattern: Pattern[str], names: dict[str, str], doc: Doc) -> list[Evidence]:
    """Every match of a :func:`combine` pattern in the lower-cased text, as evidence on the original."""
    text = doc.text
    rules = _RULESETS_BY_ID.get(id(pattern))
    if rules is None:
        rules = _RULESETS[pattern]  # not a pattern from combine(): KeyError, as before
    return [Evidence(a, b, text[a:b], name) for a, b, name in rules.find(doc.low, doc.finder)]


class SentenceGate:
    """Which sentences of a message may hold a match of ``pattern``: those where a word (or substring) that
    one of its alternatives requires occurs (words.required_words). Only for patterns whose matches never
    cross a sentence boundary; the caller says why that holds."""

    def __init__(self, pattern: Pattern[str]) -> None:
        words: set[str] = set()
        subs: set[str] = set()
        self.everywhere = False
        for alt in split_alternatives(pattern.pattern):
            for part in split_group(alt):
                needs = required_words(part, pattern.flags)
                if not needs:
                    self.everywhere = True
                    continue
                words |= needs[0].words
                subs |= needs[0].subs
        self.words = frozenset(words)
        self.subs = tuple(sorted(subs))

    def possible(self, doc: Doc) -> bool:
        """Whether any sentence of the message may hold a match."""
        if self.everywhere:
            return True
        finder = doc.finder
        return not self.words.isdisjoint(finder.words) or any(s in finder.where for s in self.subs)

    def sentences(self, doc: Doc) -> list[int]:
        """Indices of the sentences that may hold a match, in order."""
        if self.everywhere:
            return list(range(len(doc.sentences)))
        finder = doc.finder
        present = self.words.intersection(finder.words)
        subs = [s for s in self.subs if s in finder.where]
        if not present and not subs:
            return []
        if finder.ascii:
            positions = list(finder.word_starts(present)) if present else []
        else:  # substring positions: a superset of where the words occur
            positions = [p for w in present for p in finder.positions(w)]
        for sub in subs:
            positions.extend(finder.positions(sub))
        return _sentences_at(doc, sorted(positions))


def _sentences_at(doc: Doc, positions: list[int]) -> list[int]:
    """Indices of the sentences holding any of the (sorted) positions, in order."""
    sents = doc.sentences
    out: list[int] = []
    i, n = 0, len(sents)
    for p in positions:
        while i < n and sents[i][1] <= p:
            i += 1
        if i == n:
            break
        if sents[i][0] <= p and (not out or out[-1] != i):
            out.append(i)
    return out


def in_question(doc: Doc, pos: int) -> bool:
    if "?" not in doc.text:
        return False
    _, end = doc.sentence_of(pos)
    return "?" in doc.text[pos:end]
