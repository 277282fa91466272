"""An RE2 prefilter over every rule: one scan of a message says which rules may match it.

Every alternative of every :class:`~analysis.labels.match.Rules` family (as :class:`scan.RuleSet` splits
them) and every :class:`~analysis.labels.match.Pattern` goes, in a relaxed form that matches wherever the
pattern does and possibly elsewhere, into one ``RE2::Set``: a rule the set does not report cannot match the
message, and only the reported ones are run with Python's ``re``: the matches are ``re``'s.

Relaxed forms, and why they match at least where ``re`` does:

- lookarounds are dropped (RE2 has none; dropping an assertion only widens), and so is ``$`` (a search
  that stops early, at ``endpos``, has an end where the message has none); ``(?-i:...)`` becomes an ordinary
  group;
- the sets read bytes (Latin-1). ASCII text without U+000B and U+001C..U+001F (which ``re``'s ``\\s``
  matches and RE2's does not) is scanned as it is, against the *narrow* form, where ``\\w``, ``\\b``, ``\\d``
  and ``\\s`` mean for bytes what ``re`` means for such text; a non-ASCII character of a pattern becomes the
  byte 0xFF, which such text never holds;
- any other text is scanned with each of those characters as the one byte 0xFF, against the *wide* form,
  which takes 0xFF wherever ``re`` could match one of them: ``\\w``, ``\\d``, ``\\s`` and every character
  class take it, word boundaries are dropped, a negated class that names non-ASCII characters takes any
  byte, and in case-insensitive patterns the letters IGNORECASE folds from non-ASCII ones (i, k, s) take it.

A pattern RE2 cannot compile is left out and always treated as a candidate. RE2's DFA can run out of its
memory budget, which ``RE2::Set`` reports as "no match": a pattern that matches every text is added to each
set, and a scan that does not report it is not trusted (the caller then runs every rule).

Hyperscan's prefilter mode was tried first and rejected: on this project's rules it failed to report a
pattern that matches (docs/analyzers.md has the case), and a prefilter that misses a match changes labels.
"""

from __future__ import annotations

import re
from typing import Sequence

import re2

_NAMED = re.compile(r"\(\?P<\w+>")
_ODD = re.compile(r"[^\x00-\x0a\x0c-\x1b\x20-\x7f]")
_ODD_ASCII = "\x0b\x1c\x1d\x1e\x1f"  # the ASCII characters _ODD matches
_HEX = {"u": 4, "U": 8, "x": 2}
# Letters that IGNORECASE matches to a non-ASCII character (words.FOLD_FIXES, the other way round).
_FOLDED_FROM = frozenset("iksIKS")
_LOOK = ("(?=", "(?!", "(?<=", "(?<!")


def _escape_len(src: str, i: int) -> int:
    """Length of the escape starting at ``src[i] == "\\\\"``."""
    return 2 + _HEX.get(src[i + 1:i + 2], 0)


def _non_ascii_escape(esc: str) -> bool:
    return esc[1] in _HEX and int(esc[2:], 16) > 0x7F


def _class_end(src: str, i: int) -> int:
    """Index just past the character class opening at ``src[i] == "["``."""
    j = i + 1
    if src[j:j + 1] == "^":
        j += 1
    if src[j:j + 1] == "]":
        j += 1
    while j < len(src) and src[j] != "]":
        j += _escape_len(src, j) if src[j] == "\\" else 1
    return j + 1


def _group_end(src: str, i: int) -> int:
    """Index just past the group opening at ``src[i] == "("``."""
    depth, j = 0, i
    while j < len(src):
        c = src[j]
        if c == "\\":
            j += _escape_len(src, j)
            continue
        if c == "[":
            j = _class_end(src, j)
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return j


def form(src: str, *, wide: bool, caseless: bool = False) -> str:
    """The relaxed pattern the prefilter compiles (see the module docstring)."""
    src = _NAMED.sub("(?:", src.replace("(?-i:", "(?:"))
    out: list[str] = []
    i = 0
    while i < len(src):
        c = src[i]
        if c == "\\":
            n = _escape_len(src, i)
            esc = src[i:i + n]
            i += n
            if _non_ascii_escape(esc):
                out.append(r"\xff")
            elif wide and esc in (r"\w", r"\d", r"\s"):
                out.append(f"[{esc}\\xff]")
            elif wide and esc in (r"\b", r"\B"):
                pass
            else:
                out.append(esc)
        elif c == "[":
            j = _class_end(src, i)
            out.append(_class(src[i:j], wide))
            i = j
        elif c == "(" and src.startswith(_LOOK, i):
            i = _group_end(src, i)
        elif c == "$":
            i += 1
        elif ord(c) > 0x7F:
            out.append(r"\xff")
            i += 1
        elif wide and caseless and c in _FOLDED_FROM:
            out.append(f"[{c}\\xff]")
            i += 1
        else:
            out.append(c)
            i += 1
    return ("(?i)" if caseless else "") + "".join(out)


def _class(cls: str, wide: bool) -> str:
    negated = cls.startswith("[^")
    body = cls[2:-1] if negated else cls[1:-1]
    members: list[str] = []
    odd = False
    i = 0
    while i < len(body):
        if body[i] == "\\":
            n = _escape_len(body, i)
            esc = body[i:i + n]
            i += n
            odd = odd or _non_ascii_escape(esc)
            members.append(r"\xff" if _non_ascii_escape(esc) else esc)
        else:
            odd = odd or ord(body[i]) > 0x7F
            members.append(r"\xff" if ord(body[i]) > 0x7F else body[i])
            i += 1
    if members[:1] == ["]"]:
        members[0] = r"\]"  # a literal "]" first: escaped, so that it may move
    if negated:
        # "[^’]" on a non-ASCII character other than ’ is a match that 0xFF cannot tell apart: any byte.
        return r"[\x00-\xff]" if wide and odd else "[^" + "".join(members) + "]"
    if wide:
        members.insert(0, r"\xff")  # first: at the end it could close a range ("[\w.-]")
    return "[" + "".join(members) + "]"


def narrow_text(low: str) -> bytes | None:
    """The bytes the narrow set scans, or None when the text needs the wide one."""
    # The same test as _ODD.search, in C without the regex engine: ASCII, and none of its five odd characters.
    if not low.isascii() or any(c in low for c in _ODD_ASCII):
        return None
    return low.encode("ascii")


def wide_text(low: str) -> bytes:
    return _ODD.sub("\xff", low).encode("latin-1")


class _Set:
    def __init__(self, forms: list[str]) -> None:
        opts = re2.Options()
        opts.encoding = re2.Options.Encoding.LATIN1
        opts.max_mem = 64 << 20
        opts.log_errors = False
        self.set = re2.Set.SearchSet(opts)
        self.ids: list[int] = []
        """Set index -> expression id."""
        self.always: set[int] = set()
        for k, f in enumerate(forms):
            try:
                self.set.Add(f.encode("latin-1"))
            except re2.error:
                self.always.add(k)  # RE2 cannot read it: a candidate everywhere
                continue
            self.ids.append(k)
        self.sentinel = len(self.ids)
        self.set.Add(b"")
        self.set.Compile()

    def hits(self, data: bytes) -> set[int] | None:
        found = self.set.Match(data) or ()
        if self.sentinel not in found:
            return None  # the DFA gave up: no answer
        ids = self.ids
        out = {ids[i] for i in found if i != self.sentinel}
        return out | self.always if self.always else out


class Prefilter:
    """The sets of ``(source, caseless)`` expressions; :meth:`hits` gives the ids that may match."""

    def __init__(self, expressions: Sequence[tuple[str, bool]]) -> None:
        self.expressions = list(expressions)
        self._narrow = _Set([form(s, wide=False, caseless=c) for s, c in self.expressions])
        self._wide: _Set | None = None

    def hits(self, low: str) -> set[int] | None:
        """Ids of the expressions that may match the (lower-cased) message; None when RE2 gave no answer."""
        data = narrow_text(low)
        if data is not None:
            return self._narrow.hits(data)
        if self._wide is None:
            self._wide = _Set([form(s, wide=True, caseless=c) for s, c in self.expressions])
        return self._wide.hits(wide_text(low))
