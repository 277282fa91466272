"""Word gating: the whole words every match of a rule must contain, read from the rule's parse tree.

A message is split into words once (:func:`word_set`); a rule whose required words are all absent cannot
match it and is never tried. This is exact, not a heuristic: :func:`required_words` only returns a set of
words when *every* possible match of the pattern contains one of them as a complete word (a maximal run of
``\\w`` characters, the same runs ``re`` sees as words for ``\\b``), so skipping the rule when none of them
occurs changes nothing.

How the words are found. The pattern's top-level sequence (groups flattened) is cut into segments at
elements that are unknown (``\\w+``, ``[^.!?]{0,60}``...) or pure separators (``\\b``, a space, ``\\s+``,
``^``). Each segment's possible texts are listed exactly (``(?:good|great) point`` -> "good point", "great
point"); a word inside such a text is complete when a non-word character or a separator elsewhere in the
pattern bounds it on both sides. If every text of a segment holds a complete word, the segment gives one
word per text (the least common one), and every match contains one of those words.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as C  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]

SEP = "\x00"  # a character, or an edge, that is certainly not a word character
UNK = "\x01"  # anything: possibly word characters
_CAP = 20000  # at most this many texts per segment
_WORD_CHAR = re.compile(r"\w")
_WORD_RUN = re.compile(r"\w+")

# The words of everyday English (and of these conversations) that occur in almost every message: gating a
# rule on one of them saves nothing, so a rarer required word is preferred where the rule has one.
COMMON = frozenset(
    """a an the and or but if so as at by for from in into of on to up with about than then there here this that
    these those it its is are was were be been being am do does did have has had will would can could should may
    might must shall not no yes i me my mine you your yours we us our ours they them their he she his her him
    what which who how why when where all any some one just also very really more most much many well like get
    let s t re ve ll d m what's it's that's i'm you're""".split()
)


def cost(word: str) -> int:
    """Rough cost of gating on ``word``: how often a message can be expected to contain it."""
    if word in COMMON:
        return 1000
    return 30 if len(word) <= 3 else 1


# --- the words of a message -------------------------------------------------------------------------------

# ASCII text: every non-word character becomes a space, then ``str.split`` gives exactly the ``\w+`` runs
# (about half the time of ``re.findall``). Other text goes through ``re.findall``.
_NON_WORD_ASCII = str.maketrans({chr(c): " " for c in range(128) if not _WORD_CHAR.match(chr(c))})


def word_set(low: str) -> frozenset[str]:
    """The ``\\w+`` runs of a lower-cased (and :func:`scan.folded`) text."""
    if low.isascii():
        return frozenset(low.translate(_NON_WORD_ASCII).split())
    return frozenset(_WORD_RUN.findall(low))


# The same table for bytes: ``bytes.translate`` is a plain table lookup, several times faster than
# ``str.translate`` with a dict.
_NON_WORD_BYTES = bytes(c if _WORD_CHAR.match(chr(c)) else 32 for c in range(128)) + bytes(range(128, 256))


def spaced(low: str) -> str:
    """An ASCII text with every non-word character made a space, and a space added at both ends: a word
    ``w`` starts at offset ``i`` of ``low`` exactly where ``" w "`` occurs at ``i`` in it."""
    return (b" " + low.encode("ascii").translate(_NON_WORD_BYTES) + b" ").decode("ascii")


# --- what a pattern can match ----------------------------------------------------------------------------

_Texts = frozenset[str] | None  # None: unknown


def _char(code: int, icase: bool = True) -> str | None:
    ch = chr(code)
    if not ch.isascii() and ch.lower() != ch.upper() and (icase or ch != ch.lower() or ch in FOLD_FIXES):
        return None  # a cased non-ASCII letter under IGNORECASE: its case folding is not modelled
    return ch.lower()


# Characters that IGNORECASE matches to an ASCII letter although ``str.lower`` does not map them to it
# (sre folds with the simple case mapping plus a few extra equivalences). A text holding one of them has it
# replaced before the start literals of a case-insensitive pattern are searched (scan.folded). Checked by
# tests/analysis/test_analysis_golden.py against every code point.
FOLD_FIXES = {"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"}


def _is_wordish(c: str) -> bool:
    """A character that is, or may be, a word character."""
    return c == UNK or bool(_WORD_CHAR.match(c))


def _is_sep(s: str) -> bool:
    """A non-empty text with no word character in it."""
    return bool(s) and UNK not in s and not _WORD_CHAR.search(s)


def _product(a: frozenset[str], b: frozenset[str]) -> frozenset[str] | None:
    if len(a) * len(b) > _CAP:
        return None
    return frozenset(x + y for x in a for y in b)


def _seq_texts(items, icase: bool) -> _Texts:
    out: frozenset[str] = frozenset({""})
    for op, av in items:
        el = _texts(op, av, icase)
        grown = _product(out, el if el is not None else frozenset({UNK}))
        if grown is None:
            return None
        out = grown
    return out


def _class_texts(av) -> _Texts:
    chars: set[str] = set()
    for op, a in av:
        if op is C.LITERAL:
            c = _char(a)
            if c is None:
                return None
            chars.add(c if _WORD_CHAR.match(c) else SEP)
        elif op is C.CATEGORY and a in (C.CATEGORY_SPACE, C.CATEGORY_NOT_WORD):
            chars.add(SEP)
        else:
            return None  # ranges, negation, word categories: many word characters
    if chars == {SEP}:
        return frozenset({SEP})
    return frozenset(chars) if len(chars) <= 8 else None


def _texts(op, av, icase: bool) -> _Texts:
    """Every text the element can match (SEP standing for any non-word characters), or None."""
    if op is C.LITERAL:
        c = _char(av, icase)
        if c is None:
            return None
        return frozenset({c})
    if op is C.IN:
        return _class_texts(av)
    if op is C.AT:
        # \b, ^, $, \A, \Z: zero width, but the other side of a word character next to it is not a word
        # character (or the edge of the text). \B says nothing useful.
        return frozenset({""}) if av is C.AT_NON_BOUNDARY else frozenset({SEP})
    if op is C.ASSERT:
        # (?<=[.!?]\s) or (?=\s): zero width, but the neighbour on that side is certainly not a word
        # character when every text of the condition has a non-word character on that side.
        direction, sub = av
        inner = _seq_texts(sub.data if hasattr(sub, "data") else sub, icase)
        if inner and all(t and not _is_wordish(t[-1] if direction < 0 else t[0]) for t in inner):
            return frozenset({SEP})
        return frozenset({""})
    if op is C.ASSERT_NOT:
        return frozenset({""})  # zero width; ignoring the condition only allows more texts
    if op is C.SUBPATTERN:
        _group, add, delete, sub = av
        ic = (icase or bool(add & re.IGNORECASE)) and not (delete & re.IGNORECASE)
        return _seq_texts(sub.data if hasattr(sub, "data") else sub, ic)
    if op is C.BRANCH:
        out: set[str] = set()
        for alt in av[1]:
            t = _seq_texts(alt.data if hasattr(alt, "data") else alt, icase)
            if t is None:
                return None
            out |= t
        return frozenset(out) if len(out) <= _CAP else None
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        lo, hi, sub = av
        inner = _seq_texts(sub.data if hasattr(sub, "data") else sub, icase)
        if inner is None:
            return None
        if all(_is_sep(t) for t in inner):
            return frozenset({SEP}) if lo >= 1 else frozenset({"", SEP})
        out2: set[str] | None = set() if hi <= 3 else None
        for k in range(lo, hi + 1) if out2 is not None else ():
            acc: frozenset[str] | None = frozenset({""})
            for _ in range(k):
                acc = _product(acc, inner) if acc is not None else None
            if acc is None:
                out2 = None
                break
            assert out2 is not None  # the loop runs only while it is a set
            out2 |= acc
        if out2 is not None and len(out2) <= _CAP:
            return frozenset(out2)
        # Too many texts to list ("(?:just |only |really ){0,3}"): what is known is its edges. When every
        # repetition starts (ends) with a non-word character, so does the whole, if it is not empty.
        head = SEP if all(t and not _is_wordish(t[0]) for t in inner) else ""
        tail = SEP if all(t and not _is_wordish(t[-1]) for t in inner) else ""
        some = head + UNK + tail
        return frozenset({some}) if lo >= 1 else frozenset({"", some})
    return None  # ., [^...], \w, back-references...


def _flatten(items, icase: bool) -> list[tuple[object, object, bool]]:
    """The top-level sequence with plain groups opened, each element with its case flag."""
    out: list[tuple[object, object, bool]] = []
    for op, av in items:
        if op is C.SUBPATTERN:
            _group, add, delete, sub = av
            ic = (icase or bool(add & re.IGNORECASE)) and not (delete & re.IGNORECASE)
            out.extend(_flatten(sub.data if hasattr(sub, "data") else sub, ic))
        else:
            out.append((op, av, icase))
    return out


def _complete_words(text: str) -> list[str]:
    """Word runs of ``text`` bounded on both sides by a non-word character or SEP (UNK bounds nothing)."""
    words = []
    for m in _WORD_RUN.finditer(text):
        a, b = m.start(), m.end()
        if a == 0 or b == len(text):
            continue  # the edges of ``text`` are framed by SEP/UNK below, so this does not happen
        before, after = text[a - 1], text[b]
        if before != UNK and after != UNK and not _WORD_CHAR.match(before) and not _WORD_CHAR.match(after):
            words.append(m.group())
    return words


class Need:
    """Every match contains one of ``words`` as a complete word, or one of ``subs`` as a substring (a
    message meets it when its word set shares a word with ``words`` or its text holds a substring)."""

    __slots__ = ("words", "subs", "cost")

    def __init__(self, words: frozenset[str], subs: frozenset[str]) -> None:
        self.words, self.subs = words, subs
        # A substring is looked for in every message, a word only through the index of the message's words.
        self.cost = sum(cost(w) for w in words) + 3000 * len(subs)

    def __repr__(self) -> str:
        return f"Need({sorted(self.words)}, subs={sorted(self.subs)})"


def _segment_needs(texts: frozenset[str], left: str, right: str) -> list[Need]:
    """What every text of a segment holds, as up to three alternatives: a complete word of each text (its
    least common one); the same but a substring where a text has no complete word ("defeat" in
    "defeat\\w*"); the longest stretch of literal characters of each text ("and you?", "i agree")."""
    words: set[str] | None = set()
    mixed: set[str] | None = set()
    mixed_subs: set[str] = set()
    subs: set[str] | None = set()
    for t in texts:
        complete = _complete_words(left + t + right)
        pieces = [p for p in re.split(f"[{SEP}{UNK}]", t) if len(p.strip()) >= 3]
        if complete:
            best = min(complete, key=lambda w: (cost(w), -len(w)))
            if words is not None:
                words.add(best)
            if mixed is not None:
                mixed.add(best)
        else:
            words = None
            runs = [r for p in pieces for r in _WORD_RUN.findall(p) if len(r) >= 3]
            if runs and mixed is not None:
                mixed_subs.add(max(runs, key=len))
            else:
                mixed = None
        if pieces and subs is not None:
            subs.add(max(pieces, key=len))
        else:
            subs = None
    out: list[Need] = []
    if words:
        out.append(Need(frozenset(words), frozenset()))
    elif mixed is not None and len(mixed_subs) <= 4:
        out.append(Need(frozenset(mixed), frozenset(mixed_subs)))
    if subs and len(subs) <= 8:
        out.append(Need(frozenset(), frozenset(subs)))
    return out


def required_words(pattern: re.Pattern[str] | str, flags: int = 0) -> list[Need]:
    """What every match of ``pattern`` contains (each :class:`Need` is met by every match), cheapest
    first; an empty list when nothing is known."""
    src = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    fl = pattern.flags if isinstance(pattern, re.Pattern) else flags
    tree = _parser.parse(src, fl & ~re.UNICODE)
    items = _flatten(tree.data, bool(tree.state.flags & re.IGNORECASE))
    needs: list[Need] = []
    seg: list[tuple[object, object, bool]] = []
    left = UNK
    for op, av, ic in items + [(None, None, False)]:
        t = _texts(op, av, ic) if op is not None else None
        # Segments are cut at unknown elements and at pure separators (\b, \s+, ^); literal characters,
        # spaces included, stay inside so that "and you?" is one text.
        kind = "end" if op is None else "unk" if t is None else "sep" if t == {SEP} else "seg"
        if kind == "seg":
            seg.append((op, av, ic))
            continue
        # A segment ends here: list its texts and see which words they must hold.
        right = SEP if kind == "sep" else UNK
        if seg:
            texts: _Texts = frozenset({""})
            for sop, sav, sic in seg:
                el = _texts(sop, sav, sic)
                assert el is not None
                texts = _product(texts, el) if texts is not None else None
            if texts is not None:
                needs.extend(_segment_needs(texts, left, right))
        seg = []
        left = right
    needs.sort(key=lambda n: (n.cost, len(n.words) + len(n.subs)))
    return needs


def start_words(pattern: re.Pattern[str] | str, flags: int = 0) -> frozenset[str] | None:
    """Words one of which every match of ``pattern`` starts with, as a complete word (``\bi (?:agree|see)``
    -> {"i"}), or None when that is not certain (the pattern need not start at the beginning of a word)."""
    src = pattern.pattern if isinstance(pattern, re.Pattern) else pattern
    fl = pattern.flags if isinstance(pattern, re.Pattern) else flags
    tree = _parser.parse(src, fl & ~re.UNICODE)
    items = _flatten(tree.data, bool(tree.state.flags & re.IGNORECASE))
    # A word boundary first (\b, ^, a lookbehind on a non-word character): the character before the match
    # is not a word character.
    i = 0
    bounded = False
    while i < len(items) and _texts(*items[i]) == {SEP}:
        bounded = True
        i += 1
    if not bounded:
        return None
    texts: _Texts = frozenset({""})
    j = i
    while j < len(items):
        el = _texts(*items[j])
        if el is None or el == {SEP}:
            break
        texts = _product(texts, el) if texts is not None else None
        j += 1
    if texts is None:
        return None
    right = SEP if j < len(items) and _texts(*items[j]) == {SEP} else UNK
    out: set[str] = set()
    for t in texts:
        m = _WORD_RUN.match(t + right)
        if m is None:
            return None  # the match may start with a non-word character
        end = m.end()
        after = (t + right)[end:end + 1]
        if not after or after == UNK or _WORD_CHAR.match(after):
            return None  # the first word may go on
        out.add(m.group())
    return frozenset(out)


def split_group(alt: str) -> list[str]:
    """``\\b(?:A|B|C)\\b`` -> ``\\b(?:A)\\b``, ``\\b(?:B)\\b``, ``\\b(?:C)\\b``; anything else unchanged.

    At one position ``re`` tries A, B, C in order, each followed by the rest of the pattern, so the
    alternation matches exactly where (and what) the first of the three patterns that matches there does:
    with the leftmost-first merge of :class:`scan.RuleSet` the result is the same. The prefix and suffix
    may only be ``\\b`` or nothing (they match in one way at most, so the order of attempts is unchanged).
    """
    for pre in ("\\b", ""):
        if not alt.startswith(pre + "(?:"):
            continue
        body = alt[len(pre) + 3:]
        close = _closing(body)
        if close is None:
            return [alt]
        suf = body[close + 1:]
        if suf not in ("\\b", ""):
            return [alt]
        subs = split_alternatives(body[:close])
        if len(subs) == 1:
            return [alt]
        return [f"{pre}(?:{s}){suf}" for s in subs]
    return [alt]


def _structure(src: str) -> Iterator[tuple[int, str, int]]:
    """(index, character, group depth before it) for every character of a regex source that is outside an
    escape and a character class: the only places where ``(``, ``)`` and ``|`` are structure."""
    depth, cls, i = 0, False, 0
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if cls:
            if c == "]":
                cls = False
        elif c == "[":
            cls = True
            if src[i + 1:i + 2] == "^":
                i += 1
            if src[i + 1:i + 2] == "]":
                i += 1  # a leading ] is a literal
        else:
            yield i, c, depth
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
        i += 1


def _closing(body: str) -> int | None:
    """Index of the parenthesis closing a group whose body starts at ``body[0]``."""
    return next((i for i, c, depth in _structure(body) if c == ")" and depth == 0), None)


def split_alternatives(rx: str) -> list[str]:
    """The top-level alternatives of a regular expression's source ("a|(b|c)|[|]" -> a, (b|c), [|])."""
    cuts = [i for i, c, depth in _structure(rx) if c == "|" and depth == 0]
    return [rx[a + 1:b] for a, b in zip([-1, *cuts], [*cuts, len(rx)])]


__all__ = ["COMMON", "Need", "required_words", "split_group", "spaced", "start_words", "word_set"]
