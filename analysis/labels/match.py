"""Matching rules against a message: one interface, a plain-``re`` reference, an optional accelerator.

Rule modules declare patterns and match them only through this module:

- :class:`Pattern`: one regular expression (matched against the lower-cased text, or with ``case=True``
  against the original text under IGNORECASE, so that ``(?-i:[A-Z])`` can test a capital);
- :class:`Rules`: the named regular expressions of one family, matched as one leftmost-first alternation;
- :func:`find` (every match of a family, as evidence), :func:`finditer` / :func:`search` (one pattern),
  :func:`which` and :func:`sentences_with` (hints for skipping work: which patterns, which sentences can
  hold a match).

Every engine gives the same results. ``reference`` is Python's ``re`` and nothing else: ``find`` runs
``finditer`` over the combined alternation, ``finditer`` is ``re.finditer``, and the hints say "all". The
accelerators may only skip work, never change a match:

- ``literal`` (the default): each rule's parse tree is read once for the words every match needs and the literals it starts
  with, so a rule is tried only in messages that hold its words and only where it can start
  (``_accel/scan.py``).

``tests/test_match_engines.py`` runs every engine on fuzzed and real text and requires labels equal to the
reference's. Choose with the environment variable ``INGROUP_MATCHER`` (``literal`` or ``reference``) or
:func:`use`.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Iterator, Sequence

from .doc import Doc, Evidence

if TYPE_CHECKING:
    from ._accel.scan import Anchored, Finder, RuleSet

ENGINES = ("literal", "reference")



class Pattern:
    """One rule pattern. ``case=False``: matched against the lower-cased text (write it in lower case);
    ``case=True``: against the original text with IGNORECASE."""

    __slots__ = ("source", "case", "rx", "_fast")

    def __init__(self, source: str, *, case: bool = False) -> None:
        self.source = source
        self.case = case
        self.rx = re.compile(source, re.IGNORECASE) if case else re.compile(source)
        self._fast: Anchored | None = None

    def __repr__(self) -> str:
        return f"Pattern({self.source!r}{', case=True' if self.case else ''})"


class Rules:
    """A family's rules, ``(rule name, regular expression)`` in order, matched against the lower-cased text as
    the alternation ``(?P<r0>rx0)|(?P<r1>rx1)|...``: at each position the first rule that matches wins, and
    the search resumes after the match."""

    __slots__ = ("rules", "rx", "names", "_fast")

    def __init__(self, rules: Sequence[tuple[str, str]]) -> None:
        self.rules = list(rules)
        self.names = {f"r{i}": name for i, (name, _) in enumerate(self.rules)}
        self.rx = re.compile("|".join(f"(?P<r{i}>{rx})" for i, (_, rx) in enumerate(self.rules)))
        self._fast: RuleSet | None = None


def _text(p: Pattern, doc: Doc) -> str:
    return doc.text if p.case else doc.low


class _Reference:
    name = "reference"

    def find(self, rules: Rules, doc: Doc) -> list[Evidence]:
        text = doc.text
        out = []
        for m in rules.rx.finditer(doc.low):
            a, b = m.span()
            out.append(Evidence(a, b, text[a:b], rules.names[m.lastgroup]))  # type: ignore[index]
        return out

    def finditer(self, p: Pattern, doc: Doc, pos: int, endpos: int | None) -> Iterator[re.Match[str]]:
        s = _text(p, doc)
        return p.rx.finditer(s, pos, len(s) if endpos is None else endpos)

    def which(self, patterns: Sequence[Pattern], doc: Doc) -> list[int]:
        return list(range(len(patterns)))

    def sentences_with(self, p: Pattern, doc: Doc) -> list[int]:
        return list(range(len(doc.sentences)))


class _Literal:
    """Word gating and literal-first search (``_accel/scan.py``): the same matches, found with less work."""

    name = "literal"

    def __init__(self) -> None:
        from ._accel import scan

        self._scan = scan

    def _finder(self, doc: Doc) -> Finder:
        f = doc.cache.get("finder")
        if f is None:
            f = doc.cache["finder"] = self._scan.Finder(self._scan.folded(doc.low))
        return f  # type: ignore[return-value]

    def _anchored(self, p: Pattern) -> Anchored:
        if p._fast is None:
            p._fast = self._scan.Anchored(p.rx)
        return p._fast

    def find(self, rules: Rules, doc: Doc) -> list[Evidence]:
        if rules._fast is None:
            rules._fast = self._scan.RuleSet(rules.rules)
        text = doc.text
        return [Evidence(a, b, text[a:b], name) for a, b, name in rules._fast.find(doc.low, self._finder(doc))]

    def finditer(self, p: Pattern, doc: Doc, pos: int, endpos: int | None) -> Iterator[re.Match[str]]:
        return self._anchored(p).finditer(_text(p, doc), self._finder(doc), pos, endpos)

    def which(self, patterns: Sequence[Pattern], doc: Doc) -> list[int]:
        finder = self._finder(doc)
        return [k for k, p in enumerate(patterns) if self._anchored(p).possible(finder)]

    def sentences_with(self, p: Pattern, doc: Doc) -> list[int]:
        gate = self._anchored(p).sentence_gate
        return gate.sentences(doc, self._finder(doc))


_ENGINE: _Reference | _Literal


def use(name: str) -> None:
    """Switch the matching engine for this process: ``literal`` (the default) or ``reference``."""
    global _ENGINE
    if name == "literal":
        _ENGINE = _Literal()
    elif name == "reference":
        _ENGINE = _Reference()
    else:
        from simulator.errors import IngroupError

        raise IngroupError(f"unknown matching engine {name!r} (one of: {', '.join(ENGINES)})",
                           field="INGROUP_MATCHER")


def engine() -> str:
    return _ENGINE.name


def find(rules: Rules, doc: Doc) -> list[Evidence]:
    """Every match of a family's rules in the message, leftmost first, as evidence named by rule."""
    return _ENGINE.find(rules, doc)


def finditer(p: Pattern, doc: Doc, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
    """``re.finditer`` of one pattern over the message (or the part from ``pos`` to ``endpos``)."""
    return _ENGINE.finditer(p, doc, pos, endpos)


def search(p: Pattern, doc: Doc, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
    return next(iter(_ENGINE.finditer(p, doc, pos, endpos)), None)


def match_at(p: Pattern, doc: Doc, pos: int, endpos: int | None = None) -> re.Match[str] | None:
    """``re.match`` of one pattern at ``pos`` (nothing to accelerate: the same in both engines)."""
    s = _text(p, doc)
    return p.rx.match(s, pos, len(s) if endpos is None else endpos)


def which(patterns: Sequence[Pattern], doc: Doc) -> list[int]:
    """Indices of the patterns that may match the message (all of them, for the reference engine)."""
    return _ENGINE.which(patterns, doc)


def sentences_with(p: Pattern, doc: Doc) -> list[int]:
    """Indices of the sentences that may hold a match, for a pattern whose matches never cross a sentence
    end (no ``.``, ``!``, ``?`` or line break inside a match); all sentences for the reference engine."""
    return _ENGINE.sentences_with(p, doc)


use(os.environ.get("INGROUP_MATCHER") or "literal")

__all__ = ["ENGINES", "Pattern", "Rules", "engine", "find", "finditer", "match_at", "search", "sentences_with", "use",
           "which"]
