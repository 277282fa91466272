"""Fast, exact ``finditer`` for the rule patterns: try a pattern only in messages holding the words it
requires, and only where a match can start.

Python's ``re`` cannot skip ahead on a pattern that starts with ``\\b`` or a named group, so a combined
alternation of rules is tried at every character of the message (15-40 us for one pass over a 550-character
message). Instead, each alternative of each rule is read once, from its parse tree, for

- the words every match must contain (:func:`words.required_words`): a message's words are listed once
  (:class:`Finder`), and an alternative whose words are absent is never tried -- most are absent;
- where a match can start: the whole words it starts with (:func:`words.start_words`, found through the
  message's word index) or else the literal strings it starts with (:func:`start_literals`, found with
  ``str.find``); ``pattern.match`` is called only there.

This gives exactly the matches of ``pattern.finditer``: ``finditer`` tries each position in order and, after
a match, resumes at its end; a position where no start word or literal occurs cannot start a match, and a
message without a required word holds no match, so skipping either changes nothing. ``match(s, p)`` sees the
whole string (lookbehind, ``\\b`` and ``^`` behave as in a search). A pattern whose start cannot be pinned
down is tried at every position where ``search`` finds it. :class:`RuleSet` merges the alternatives of a
family in the order of the combined alternation (leftmost match first, then the first alternative).

Most alternatives are run as their :func:`literal_first` form: ``\\bthank`` becomes ``thank(?<!\\w.{5})``
(the same test, made after the literal), which ``re`` finds with its fast literal-prefix scan in C instead of
trying the pattern at every position; ``\\b(?:a|b)REST`` becomes ``a'REST|b'REST`` (:func:`expand_group`), an
alternation whose first characters ``re`` can skip to.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from itertools import chain, islice
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from typing import TYPE_CHECKING, Iterator, Pattern

if TYPE_CHECKING:
    from ..doc import Doc

from .words import (
    _WORD_CHAR,
    FOLD_FIXES,
    Need,
    _closing,
    required_words,
    spaced,
    split_alternatives,
    split_group,
    start_words,
    word_set,
)

_MAX_LEN = 8  # longer start literals are cut: more selective, and still exact as prefixes
_MAX_N = 32  # beyond this many alternatives the literals are shortened

_FOLD_TABLE = str.maketrans(FOLD_FIXES)


def folded(low: str) -> str:
    """``low`` with the characters that IGNORECASE folds differently from ``str.lower`` replaced."""
    if low.isascii():
        return low
    for c in FOLD_FIXES:
        if c in low:
            return low.translate(_FOLD_TABLE)
    return low


_Pre = frozenset[tuple[str, bool]]  # (literal, exact): exact means the element matched exactly this text
_UNKNOWN: _Pre = frozenset({("", False)})
_EMPTY: _Pre = frozenset({("", True)})
AT_START = "\x02"  # stands for "position 0" among start literals
_AT0: _Pre = frozenset({(AT_START, False)})


def _shrink(items: set[tuple[str, bool]], max_n: int) -> set[tuple[str, bool]]:
    if len(items) <= max_n:
        return items
    longest = max(len(s) for s, _ in items)
    for n in range(longest - 1, -1, -1):
        cut = {(s[:n], False) if len(s) > n else (s, e) for s, e in items}
        if len(cut) <= max_n:
            return cut
    return set(_UNKNOWN)


def _seq(items: list, icase: bool, max_n: int = _MAX_N) -> _Pre:
    out: set[tuple[str, bool]] = {("", True)}
    for op, av in items:
        el = _elem(op, av, icase, max_n)
        nxt: set[tuple[str, bool]] = set()
        for s, exact in out:
            if not exact:
                nxt.add((s, False))
                continue
            for t, ex2 in el:
                u = s + t
                if len(u) >= _MAX_LEN:
                    nxt.add((u[:_MAX_LEN], False))
                else:
                    nxt.add((u, ex2))
        out = _shrink(nxt, max_n)
        if all(not e for _, e in out):
            break
    return frozenset(out)


def _char(code: int, icase: bool) -> _Pre | None:
    # Literals are searched in the lower-cased text whether or not the pattern ignores case: a text that
    # holds "Anthropic" holds "anthropic" at the same offset once lower-cased.
    ch = chr(code)
    if not ch.isascii() and ch.lower() != ch.upper() and (icase or ch != ch.lower() or ch in FOLD_FIXES):
        # A cased non-ASCII letter under IGNORECASE: its folding is not worth modelling. Without IGNORECASE a
        # lower-case letter is itself in the lower-cased text (scan.folded changes none but FOLD_FIXES).
        return None
    return frozenset({(ch.lower(), True)})


def _elem(op, av, icase: bool, max_n: int = _MAX_N) -> _Pre:
    if op is C.LITERAL:
        return _char(av, icase) or _UNKNOWN
    if op is C.IN:
        chars: set[tuple[str, bool]] = set()
        for iop, iav in av:
            if iop is not C.LITERAL:
                return _UNKNOWN  # ranges, categories, negation: any of many characters
            c = _char(iav, icase)
            if c is None:
                return _UNKNOWN
            chars |= c
        return frozenset(chars) if len(chars) <= 6 else _UNKNOWN
    if op is C.AT and av in (C.AT_BEGINNING, C.AT_BEGINNING_STRING):
        return _AT0  # "^" (without MULTILINE): a match can start only at position 0
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return _EMPTY  # zero width: ignoring the condition only adds candidate positions
    if op is C.SUBPATTERN:
        _group, add, delete, sub = av
        ic = (icase or bool(add & re.IGNORECASE)) and not (delete & re.IGNORECASE)
        return _seq(sub.data if hasattr(sub, "data") else sub, ic, max_n)
    if op is C.BRANCH:
        out: set[tuple[str, bool]] = set()
        for alt in av[1]:
            out |= _seq(alt.data if hasattr(alt, "data") else alt, icase, max_n)
        return frozenset(_shrink(out, max_n))
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        lo, _hi, sub = av
        inner = _seq(sub.data if hasattr(sub, "data") else sub, icase, max_n)
        once = {(s, False) for s, _ in inner}
        return frozenset(once | {("", True)}) if lo == 0 else frozenset(once)
    return _UNKNOWN


def start_literals(pattern: Pattern[str], max_n: int = _MAX_N) -> tuple[str, ...] | None:
    """Literal strings one of which every match of ``pattern`` starts with (lower-cased where the pattern
    ignores case), or None when some match could start with anything."""
    tree = _parser.parse(pattern.pattern, pattern.flags & ~re.UNICODE)
    if tree.getwidth()[0] == 0:
        return None  # an empty match would need finditer's special stepping
    icase = bool(pattern.flags & re.IGNORECASE)
    lits = {s for s, _ in _seq(tree.data, icase, max_n)}
    if "" in lits:
        return None
    if any(s.startswith(AT_START) for s in lits):
        if pattern.flags & re.MULTILINE or re.search(r"\(\?[a-zA-Z-]*m", pattern.pattern):
            return None  # "^" would also match after each line break
        lits = {AT_START if s.startswith(AT_START) else s for s in lits}
    # Drop literals that extend another one: the shorter one already finds those positions.
    keep = sorted(lits, key=len)
    out: list[str] = []
    for s in keep:
        if not any(s.startswith(t) for t in out):
            out.append(s)
    return tuple(sorted(out))


class Finder:
    """One message as the rules see it: its words (:func:`words.word_set`, a frozenset), where a word or a
    start literal occurs (found once each with ``str.find`` and shared by all rules). ``where`` is the
    lower-cased, :func:`folded` text."""

    __slots__ = ("where", "ascii", "words", "_memo", "_spaced", "_at_words", "_at_word")

    def __init__(self, where: str) -> None:
        self.where = where
        self.ascii = where.isascii()
        self._memo: dict[str | tuple[str, ...], list[int]] = {}
        self._at_words: dict[frozenset[str], list[int]] = {}
        self._at_word: dict[str, list[int]] = {}
        if self.ascii:
            self._spaced = spaced(where)
            self.words: frozenset[str] = frozenset(self._spaced.split())
        else:
            self._spaced = ""
            self.words = word_set(where)

    def word_starts(self, words: frozenset[str]) -> list[int]:
        """Where one of ``words`` occurs as a whole word, in order (ASCII text only)."""
        present = words.intersection(self.words)
        if not present:
            return []
        if len(present) == 1:
            for w in present:
                return self._word_at(w)
        key = frozenset(present)
        found = self._at_words.get(key)
        if found is None:
            found = sorted(chain.from_iterable(map(self._word_at, present)))
            self._at_words[key] = found
        return found

    def _word_at(self, w: str) -> list[int]:
        """Offsets of the word ``w``: where " w " occurs in the spaced copy (one character ahead)."""
        found = self._at_word.get(w)
        if found is None:
            found = self._at_word[w] = _offsets(self._spaced, f" {w} ")
        return found

    def positions_any(self, lits: tuple[str, ...]) -> list[int]:
        """Where any of ``lits`` occurs, in order (many rules share the same start literals)."""
        found = self._memo.get(lits)  # type: ignore[call-overload]
        if found is None:
            acc: set[int] = set()
            for lit in lits:
                acc.update(self.positions(lit))
            found = sorted(acc)
            self._memo[lits] = found  # type: ignore[index]
        return found

    def positions(self, lit: str) -> list[int]:
        found = self._memo.get(lit)
        if found is None:
            found = [0] if lit == AT_START else _offsets(self.where, lit)
            self._memo[lit] = found
        return found


def _offsets(text: str, sub: str) -> list[int]:
    """Every offset of ``sub`` in ``text``, overlapping ones included."""
    found, find = [], text.find
    i = find(sub)
    while i >= 0:
        found.append(i)
        i = find(sub, i + 1)
    return found


def _useful(needs: list[Need]) -> tuple[Need, ...]:
    """The requirements worth checking: the cheapest first (RuleSet indexes it), then the next two."""
    if not needs:
        return ()
    # After the first (which RuleSet indexes): word checks (one set operation each) before substring checks
    # (a search per substring), and no long lists of substrings.
    rest = [n for n in needs[1:] if len(n.subs) <= 3]
    rest.sort(key=lambda n: (len(n.subs), n.cost))
    return (needs[0],) + tuple(rest[:2])


def _all_met(needs: tuple[Need, ...], words: frozenset[str], where: str) -> bool:
    for n in needs:
        if n.words.isdisjoint(words):
            for sub in n.subs:
                if sub in where:
                    break
            else:
                return False
    return True


def _first_words(lits: tuple[str, ...] | None) -> tuple[str, ...] | None:
    """Start literals cut after their first word and the character after it ("i'd be h" -> "i'"): fewer
    distinct literals to search for, shared between rules, at the price of a few more quick failed matches."""
    if lits is None:
        return None
    cut = set()
    for lit in lits:
        m = _FIRST_WORD.match(lit)
        cut.add(lit[:m.end()] if m else lit)
    out: list[str] = []
    for s in sorted(cut, key=len):
        if not any(s.startswith(t) for t in out):
            out.append(s)
    return tuple(sorted(out))


_FIRST_WORD = re.compile(r"\w+\W")


class Anchored:
    """A compiled pattern with its start literals and required words; :meth:`finditer` gives exactly
    ``pattern.finditer``, running its :func:`literal_first` form (or else trying the pattern only where a
    start literal occurs), and not at all when a required word is missing from the message."""

    __slots__ = ("rx", "lits", "ascii_lits", "first", "needs", "fast", "_gate")

    def __init__(self, pattern: Pattern[str] | str, flags: int = 0, max_n: int = _MAX_N) -> None:
        """``max_n``: how many start literals at most; more literals are more selective but each one costs
        a ``str.find`` pass."""
        self.rx = re.compile(pattern, flags) if isinstance(pattern, str) else pattern
        self.lits = _first_words(start_literals(self.rx, max_n))
        # An ASCII message holds no literal with other characters ("i\u2019m"): no need to look for them.
        self.ascii_lits = tuple(lit for lit in self.lits if lit.isascii()) if self.lits is not None else None
        self.needs = _useful(required_words(self.rx))
        # When every match starts with one of a few whole words, an ASCII message gives their positions
        # from its word index instead of a search for each start literal.
        self.first = start_words(self.rx)
        # The same pattern with its literal prefix first (literal_first): ``finditer`` skips to it in C.
        lit = literal_first(self.rx.pattern)
        if lit is not None and self.rx.flags & re.IGNORECASE and len(split_alternatives(lit)) > 1:
            lit = None  # no skipping on a set of first characters when case is ignored: measured slower
        if lit is not None and self.first is not None and max(map(len, self.first)) <= 2:
            lit = None  # a one- or two-letter first word: found through the word index (see RuleSet)
        self.fast = re.compile(lit, self.rx.flags) if lit is not None else None
        self._gate: SentenceGate | None = None

    def possible(self, finder: Finder) -> bool:
        """False when the message lacks a word every match needs (or, in an ASCII message, every word a
        match may start with, or every start literal)."""
        if finder.ascii and (self.ascii_lits == () or self.first is not None and self.first.isdisjoint(finder.words)):
            return False
        return not self.needs or _all_met(self.needs, finder.words, finder.where)

    def starts(self, s: str, finder: Finder) -> list[int]:
        """Positions, in order, where a match may start: where a start literal occurs, or (when the start
        cannot be pinned down) every position where the pattern matches."""
        if self.first is not None and finder.ascii:
            return finder.word_starts(self.first)
        if self.lits is None:
            out, search, p = [], self.rx.search, 0
            while (m := search(s, p)) is not None:
                out.append(m.start())
                p = m.start() + 1
            return out
        lits = self.ascii_lits if finder.ascii else self.lits
        assert lits is not None  # ascii_lits is None only when lits is, handled above
        if len(lits) == 1:
            return finder.positions(lits[0])
        return finder.positions_any(lits)

    def finditer(self, s: str, finder: Finder, pos: int = 0, endpos: int | None = None
                 ) -> Iterator[re.Match[str]]:
        """Matches of the pattern in ``s[pos:endpos]`` (as ``pattern.finditer(s, pos, endpos)``); ``finder``
        indexes ``s`` lower-cased and :func:`folded`."""
        end = len(s) if endpos is None else min(endpos, len(s))
        if 0 < end < len(s) and _WORD_CHAR.match(s, end - 1) and _WORD_CHAR.match(s, end):
            # An end inside a word makes a word boundary there that the message's word index does not know.
            yield from self.rx.finditer(s, pos, end)
            return
        if not self.possible(finder):
            return
        if self.fast is not None:
            yield from self.fast.finditer(s, pos, end)
            return
        if self.lits is None:
            yield from self.rx.finditer(s, pos, end)
            return
        match = self.rx.match
        for p in self.starts(s, finder):
            if p < pos:
                continue
            if p >= end:
                break
            m = match(s, p, end)
            if m is not None:
                yield m
                pos = m.end()

    @property
    def sentence_gate(self) -> "SentenceGate":
        gate = self._gate
        if gate is None:
            gate = self._gate = SentenceGate(self.rx)
        return gate


class SentenceGate:
    """Which sentences of a message may hold a match of ``pattern``: those where a word (or substring) that
    one of its alternatives requires occurs (words.required_words). Only for patterns whose matches never
    cross a sentence boundary."""

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

    def sentences(self, doc: "Doc", finder: Finder) -> list[int]:
        """Indices of the sentences that may hold a match, in order."""
        if self.everywhere:
            return list(range(len(doc.sentences)))
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
        return _sentences_at(doc.sentences, sorted(positions))


def _sentences_at(sents: list[tuple[int, int]], positions: list[int]) -> list[int]:
    """Indices of the sentences holding any of the (sorted) positions, in order."""
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


class Gate:
    """Which of several patterns a message may hold a match of (each pattern's required words, looked up
    through one index word -> patterns, as in :class:`RuleSet`)."""

    __slots__ = ("anchored", "index", "triggers", "by_sub", "always")

    def __init__(self, anchored: list[Anchored]) -> None:
        self.anchored = anchored
        index: dict[str, list[int]] = {}
        by_sub: list[tuple[str, int]] = []
        always: list[int] = []
        for k, a in enumerate(anchored):
            if not a.needs:
                always.append(k)
                continue
            for w in a.needs[0].words:
                index.setdefault(w, []).append(k)
            by_sub.extend((sub, k) for sub in a.needs[0].subs)
        self.index = {w: tuple(ks) for w, ks in index.items()}
        self.triggers = frozenset(index)
        self.by_sub = tuple(by_sub)
        self.always = tuple(always)

    def possible(self, finder: Finder) -> list[int]:
        """Indices, in order, of the patterns whose requirements the message meets."""
        words, where = finder.words, finder.where
        cands: set[int] = set(self.always)
        for w in self.triggers.intersection(words):
            cands.update(self.index[w])
        for sub, k in self.by_sub:
            if sub in where:
                cands.add(k)
        anchored = self.anchored
        return [k for k in sorted(cands) if anchored[k].possible(finder)]


class RuleSet:
    """The rules of one family as one leftmost-first alternation, like ``combine()`` compiles them, but
    each alternative of each rule is its own pattern (top-level ``|`` split, and ``\\b(?:a|b)\\b`` split into
    ``\\b(?:a)\\b``, ``\\b(?:b)\\b``: :func:`words.split_group`; ``\\b(?:a|b)REST`` split likewise:
    :func:`expand_group`).

    For a message, only the alternatives whose required words it contains are candidates (one set
    intersection against an index word -> alternatives). Each candidate's next match is found with
    ``search`` on its :func:`literal_first` form (or ``match`` at its start literals when it has none); the
    leftmost of them, the first alternative on a tie, is the next match; the scan resumes at its end. That
    is what ``finditer`` over the alternation does, and an alternative that is not a candidate could not
    have matched anywhere."""

    __slots__ = ("sources", "parts", "levels", "checks", "first_words", "first_keys", "first_free", "fast", "_flags",
                 "_max_n", "indexed")

    def __init__(self, rules: list[tuple[str, str]], flags: int = 0, max_n: int = _MAX_N, *, index: bool = True
                 ) -> None:
        """``index=False``: no index of required words (:meth:`candidates` is not available), and each
        alternative is analysed only when it first is a candidate of :meth:`run` (for a prefilter that
        names the candidates itself: most alternatives never are one)."""
        self.sources = [(part, name) for name, rx in rules for alt in split_alternatives(rx)
                        for sub in split_group(alt) for part in expand_group(sub)]
        self._flags, self._max_n = flags, max_n
        n = len(self.sources)
        self.parts: list[tuple[Anchored, str] | None] = [None] * n
        self.fast: list[Pattern[str] | None] = [None] * n
        self.checks: tuple[tuple[Need, ...], ...] = ((),) * n
        self.indexed = index
        if not index:
            return
        for k in range(n):
            self._make(k)
        self._index()

    def _make(self, k: int) -> tuple[Anchored, str]:
        part, name = self.sources[k]
        a = Anchored(part, self._flags, self._max_n)
        lit = literal_first(part)
        if lit is not None and a.first is not None and max(map(len, a.first)) <= 2:
            # A one- or two-letter first word ("i", "we"): the message's word index finds its places; a
            # literal search would stop at every "i" inside a word.
            lit = None
        self.fast[k] = re.compile(lit, self._flags) if lit is not None else None
        made = self.parts[k] = (a, name)
        return made

    def _index(self) -> None:
        # The alternatives a message may match, as one bit each: for each requirement level (the cheapest
        # requirement of every alternative, then the next ones), the alternatives a word or substring of the
        # message meets; an alternative is a candidate when the message meets all its levels. The words a
        # match starts with are one more level in an ASCII message.
        levels: list[tuple[dict[str, int], list[tuple[str, int]], int]] = []
        first_words: dict[str, int] = {}
        first_free = 0
        checks: list[tuple[Need, ...]] = []
        has: list[int] = []
        for k, made in enumerate(self.parts):
            assert made is not None
            a = made[0]
            if _parser.parse(a.rx.pattern, a.rx.flags & ~re.UNICODE).getwidth()[0] == 0:
                raise ValueError(f"rule can match the empty string: {a.rx.pattern!r}")
            bit = 1 << k
            # Beyond the first level only word requirements go into the bits (a substring would be looked
            # for in every message); the others are checked for the candidates alone.
            bitwise = [n for j, n in enumerate(a.needs) if j == 0 or not n.subs]
            checks.append(tuple(n for j, n in enumerate(a.needs) if j > 0 and n.subs))
            for j, need in enumerate(bitwise):
                while len(levels) <= j:
                    levels.append(({}, [], 0))
                words, subs, _free = levels[j]
                for w in need.words:
                    words[w] = words.get(w, 0) | bit
                subs.extend((sub, bit) for sub in need.subs)
            has.append(len(bitwise))
            if a.first is None:
                first_free |= bit
            else:
                for w in a.first:
                    first_words[w] = first_words.get(w, 0) | bit
        every = (1 << len(self.parts)) - 1
        out = []
        for j, (words, subs, _free) in enumerate(levels):
            holds = 0
            for k, n in enumerate(has):
                if n > j:
                    holds |= 1 << k
            by_sub: dict[str, int] = {}
            for sub, bit in subs:
                by_sub[sub] = by_sub.get(sub, 0) | bit
            out.append((words, frozenset(words), tuple(by_sub.items()), every & ~holds))
        self.levels = tuple(out)
        self.checks = tuple(checks)
        self.first_words = first_words
        self.first_keys = frozenset(first_words)
        self.first_free = first_free

    def find(self, s: str, finder: Finder) -> list[tuple[int, int, str]]:
        """(start, end, rule name) of every match, as ``finditer`` over the combined pattern gives them.

        Each candidate alternative keeps its next match at or after the current position (its
        :func:`literal_first` form found by ``search``, which skips in C to its literal prefix; or else
        ``match`` at its start positions). The leftmost of these (the first alternative on a tie) is the
        match ``finditer`` over the alternation gives; the scan resumes at its end, and the alternatives
        whose next match started before that end look again from there."""
        cands = self.candidates(finder)
        return self.run(s, finder, cands) if cands else []

    def candidates(self, finder: Finder) -> int:
        """The alternatives whose required words the message holds, as bits (bit k: ``parts[k]``)."""
        words, where = finder.words, finder.where
        cands = -1
        for index, keys, by_sub, free in self.levels:
            met = free
            for w in keys.intersection(words):
                met |= index[w]
            for sub, bits in by_sub:
                if sub in where:
                    met |= bits
            cands &= met
            if not cands:
                return 0
        if finder.ascii:
            met = self.first_free
            fw = self.first_words
            for w in self.first_keys.intersection(words):
                met |= fw[w]
            cands &= met
        return cands & ((1 << len(self.parts)) - 1)

    def run(self, s: str, finder: Finder, cands: int) -> list[tuple[int, int, str]]:
        """The matches of ``find`` when only the alternatives in ``cands`` (bits) can match."""
        words, where = finder.words, finder.where
        parts, fast, checks = self.parts, self.fast, self.checks
        heads: list[tuple[int, int, re.Match[str]]] = []
        slow: dict[int, list[int]] = {}
        while cands:
            low = cands & -cands
            k = low.bit_length() - 1
            cands ^= low
            if checks[k] and not _all_met(checks[k], words, where):
                continue
            made = parts[k] or self._make(k)
            f = fast[k]
            if f is not None:
                m = f.search(s)
            else:
                a = made[0]
                at = slow[k] = a.starts(s, finder)
                m = _match_from(a.rx, at, s, 0)
            if m is not None:
                heads.append((m.start(), k, m))
        if not heads:
            return []
        out: list[tuple[int, int, str]] = []
        while len(heads) > 1:
            p, k, m = min(heads)
            e = m.end()
            out.append((p, e, parts[k][1]))  # type: ignore[index]
            nxt = []
            for h in heads:
                if h[0] < e:
                    j = h[1]
                    f = fast[j]
                    mj = f.search(s, e) if f is not None else _match_from(parts[j][0].rx, slow[j], s, e)  # type: ignore[index]
                    if mj is not None:
                        nxt.append((mj.start(), j, mj))
                else:
                    nxt.append(h)
            heads = nxt
        if heads:
            p, k, m = heads[0]
            name = parts[k][1]  # type: ignore[index]
            f = fast[k]
            while m is not None:
                e = m.end()
                out.append((m.start(), e, name))
                m = f.search(s, e) if f is not None else _match_from(parts[k][0].rx, slow[k], s, e)  # type: ignore[index]
        return out


def _match_from(rx: Pattern[str], at: list[int], s: str, pos: int) -> re.Match[str] | None:
    """The first match of ``rx`` at one of the sorted positions ``at`` that is >= ``pos``."""
    match = rx.match
    for p in islice(at, bisect_left(at, pos), None):
        m = match(s, p)
        if m is not None:
            return m
    return None


def expand_group(src: str) -> list[str]:
    """``\\b(?:A|B)REST`` as ``\\bA REST``, ``\\bB REST`` (the group opened when it has one alternative).

    At one position the alternation tries A followed by REST (with all of REST's backtracking) before B
    followed by REST, which is what the two patterns tried in this order do; so the leftmost-first merge of
    :class:`RuleSet` gives the same matches. Only when the group is not repeated (no quantifier after it)."""
    if not src.startswith("\\b(?:"):
        return [src]
    body = src[5:]
    close = _closing(body)
    if close is None:
        return [src]
    rest = body[close + 1:]
    if rest[:1] in ("?", "*", "+", "{"):
        return [src]
    alts = split_alternatives(body[:close])
    return ["\\b" + alt + rest for alt in alts]


_LIT_CHAR = frozenset("abcdefghijklmnopqrstuvwxyz0123456789 ',-")
_HEX4 = re.compile(r"[0-9a-fA-F]{4}")


def literal_first(src: str) -> str | None:
    """``\\bLREST`` (L: literal characters, the first a word character) rewritten as ``L(?<!\\w.{n})REST``,
    n = len(L): the lookbehind, after L, says what ``\\b`` said before it (the character before L is not a
    word character, or there is none), so both match the same text at the same positions. ``re`` finds the
    literal prefix L of the rewritten pattern with a fast scan instead of trying every position. None when
    the pattern does not start that way."""
    alts = split_alternatives(src)
    if len(alts) > 1:
        return _all_or_none([literal_first(alt) for alt in alts])
    if not src.startswith("\\b"):
        return None
    body = src[2:]
    if body.startswith("(?:"):
        # \b(?:A|B)REST -> A'REST|B'REST: the same attempts in the same order (A then all of REST, then B
        # then REST, see expand_group); an alternation whose alternatives all start with a literal lets
        # ``re`` skip to the characters they start with.
        close = _closing(body[3:])
        if close is None:
            return None
        rest = body[3 + close + 1:]
        if rest[:1] in ("?", "*", "+", "{") or "(?P" in rest:
            return None  # a repeated group; a named group cannot be repeated in two alternatives
        return _all_or_none([literal_first("\\b" + alt + rest) for alt in split_alternatives(body[3:3 + close])])
    units: list[int] = []  # end offsets of the literal characters
    i = 0
    while i < len(body):
        c = body[i]
        if c in _LIT_CHAR:
            i += 1
        elif c == "\\" and body[i + 1:i + 2] == "u" and _HEX4.fullmatch(body, i + 2, i + 6):
            i += 6
        else:
            break
        units.append(i)
    if units and i < len(body) and body[i] in "?*+{":
        units.pop()  # the last character is repeated (or optional)
    if not units or not body[0].isalnum():
        return None
    cut = units[-1]
    return body[:cut] + f"(?<!\\w.{{{len(units)}}})" + body[cut:]


def _all_or_none(forms: list[str | None]) -> str | None:
    if any(f is None for f in forms):
        return None
    return "|".join(forms)  # type: ignore[arg-type]
