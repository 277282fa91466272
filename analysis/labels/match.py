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

- ``literal``: each rule's parse tree is read once for the words every match needs and the literals it
  starts with, so a rule is tried only in messages that hold its words and only where it can start
  (``_accel/scan.py``);
- ``re2`` (the default): the literal engine behind one ``RE2::Set`` scan of the message over a relaxed
  form of every rule, which names the few rules that may match it (``_accel/re2set.py``).

``tests/analysis/test_match_engines.py`` runs every engine on fuzzed and real text and requires labels equal to the
reference's. Choose with the environment variable ``INGROUP_MATCHER`` (``re2``, ``literal`` or
``reference``) or :func:`use`.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, Iterator, Sequence

from .doc import Doc, Evidence

if TYPE_CHECKING:
    from ._accel.scan import Anchored, Finder, RuleSet

ENGINES = ("re2", "literal", "reference")
# The rules of the rule modules, in the order they were made: what the RE2 prefilter compiles.
_REGISTRY: list["Pattern | Rules"] = []



class Pattern:
    """One rule pattern. ``case=False``: matched against the lower-cased text (write it in lower case);
    ``case=True``: against the original text with IGNORECASE."""

    __slots__ = ("source", "case", "rx", "_fast")

    def __init__(self, source: str, *, case: bool = False, dynamic: bool = False) -> None:
        """``dynamic``: made at run time (from a task or prompts), not one of the rules: not prefiltered."""
        self.source = source
        self.case = case
        self.rx = re.compile(source, re.IGNORECASE) if case else re.compile(source)
        self._fast: Anchored | None = None
        if not dynamic:
            _REGISTRY.append(self)

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
        _REGISTRY.append(self)


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
        self._gates: dict[int, tuple[Sequence[Pattern], scan.Gate]] = {}

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
        if rules._fast is None or not rules._fast.indexed:
            rules._fast = self._scan.RuleSet(rules.rules)
        text = doc.text
        return [Evidence(a, b, text[a:b], name) for a, b, name in rules._fast.find(doc.low, self._finder(doc))]

    def finditer(self, p: Pattern, doc: Doc, pos: int, endpos: int | None) -> Iterator[re.Match[str]]:
        return self._anchored(p).finditer(_text(p, doc), self._finder(doc), pos, endpos)

    def which(self, patterns: Sequence[Pattern], doc: Doc) -> list[int]:
        key = id(patterns)
        gate = self._gates.get(key)
        if gate is None or gate[0] is not patterns:
            gate = self._gates[key] = (patterns, self._scan.Gate([self._anchored(p) for p in patterns]))
        return gate[1].possible(self._finder(doc))

    def sentences_with(self, p: Pattern, doc: Doc) -> list[int]:
        gate = self._anchored(p).sentence_gate
        return gate.sentences(doc, self._finder(doc))


class _Prefiltered(_Literal):
    """The literal engine behind an RE2 prefilter (``_accel/re2set.py``): one scan of a message tells which
    rules may match it, and only those are run."""

    name = "re2"

    def __init__(self) -> None:
        super().__init__()
        from ._accel import re2set

        self._re2 = re2set
        self._pre: re2set.Prefilter | None = None
        self._owner: list[tuple[int, int]] = []
        """Expression id -> (id of its Rules or Pattern, its bit among the Rules' alternatives)."""
        self._known: set[int] = set()
        self._which: dict[int, tuple[Sequence[Pattern], dict[int, int], list[int]]] = {}

    def _build(self) -> None:
        # Every rule module's patterns, whatever the caller imported first.
        from . import drift, identity, outcome, stance, we  # noqa: F401

        expressions: list[tuple[str, bool]] = []
        for item in list(_REGISTRY):
            self._known.add(id(item))
            if isinstance(item, Rules):
                if item._fast is None:
                    item._fast = self._scan.RuleSet(item.rules, index=False)
                for k, (src, _) in enumerate(item._fast.sources):
                    expressions.append((src, False))
                    self._owner.append((id(item), 1 << k))
            else:
                expressions.append((item.source, item.case))
                self._owner.append((id(item), 1))
        self._pre = self._re2.Prefilter(expressions)

    def _hits(self, doc: Doc) -> dict[int, int] | None:
        """id of each Rules or Pattern that may match the message -> which of its alternatives (bits); None
        when the prefilter gave no answer (then the literal engine decides alone)."""
        hits = doc.cache.get("re2", False)
        if hits is False:
            if self._pre is None:
                self._build()
            found = self._pre.hits(doc.low)  # type: ignore[union-attr]
            hits = None
            if found is not None:
                bits: dict[int, int] = {}
                hits = bits
                owner = self._owner
                for i in found:
                    key, bit = owner[i]
                    hits[key] = hits.get(key, 0) | bit
            doc.cache["re2"] = hits
        return hits  # type: ignore[return-value]

    def find(self, rules: Rules, doc: Doc) -> list[Evidence]:
        hits = self._hits(doc)
        if hits is None or id(rules) not in self._known:
            return super().find(rules, doc)
        cands = hits.get(id(rules), 0)
        if not cands:
            return []
        text = doc.text
        return [Evidence(a, b, text[a:b], name)
                for a, b, name in rules._fast.run(doc.low, self._finder(doc), cands)]  # type: ignore[union-attr]

    def _absent(self, p: Pattern, doc: Doc) -> bool:
        hits = self._hits(doc)
        return hits is not None and id(p) not in hits and id(p) in self._known

    def finditer(self, p: Pattern, doc: Doc, pos: int, endpos: int | None) -> Iterator[re.Match[str]]:
        # The prefilter saw the whole message; a search that ends inside a word makes a word boundary there
        # that the message does not have (an end between words, or a ``$``, it allows for: re2set.form).
        if (endpos is None or not _inside_word(doc.low, endpos)) and self._absent(p, doc):
            return iter(())
        return super().finditer(p, doc, pos, endpos)

    def which(self, patterns: Sequence[Pattern], doc: Doc) -> list[int]:
        hits = self._hits(doc)
        if hits is None:
            return super().which(patterns, doc)
        entry = self._which.get(id(patterns))
        if entry is None or entry[0] is not patterns:
            index = {id(p): k for k, p in enumerate(patterns) if id(p) in self._known}
            always = [k for k, p in enumerate(patterns) if id(p) not in self._known]
            entry = self._which[id(patterns)] = (patterns, index, always)
        _, index, always = entry
        return sorted([index[i] for i in hits if i in index] + always)

    def sentences_with(self, p: Pattern, doc: Doc) -> list[int]:
        return [] if self._absent(p, doc) else super().sentences_with(p, doc)


def _inside_word(s: str, end: int) -> bool:
    return 0 < end < len(s) and (s[end - 1].isalnum() or s[end - 1] == "_") and (s[end].isalnum() or s[end] == "_")


_ENGINE: _Reference | _Literal
_MADE: dict[str, _Reference | _Literal] = {}


def use(name: str) -> None:
    """Switch the matching engine for this process: ``re2`` (the default), ``literal`` or ``reference``."""
    global _ENGINE
    if name in _MADE:
        _ENGINE = _MADE[name]
        return
    if name == "re2":
        _ENGINE = _MADE[name] = _Prefiltered()
    elif name == "literal":
        _ENGINE = _MADE[name] = _Literal()
    elif name == "reference":
        _ENGINE = _MADE[name] = _Reference()
    else:
        from simulator.errors import IngroupError

        raise IngroupError(f"unknown matching engine {name!r} (one of: {', '.join(ENGINES)})",
                           field="INGROUP_MATCHER")


def engine() -> str:
    """Name of the matching engine in use (``INGROUP_MATCHER``)."""
    return _ENGINE.name


def find(rules: Rules, doc: Doc) -> list[Evidence]:
    """Every match of a family's rules in the message, leftmost first, as evidence named by rule."""
    return _ENGINE.find(rules, doc)


def finditer(p: Pattern, doc: Doc, pos: int = 0, endpos: int | None = None) -> Iterator[re.Match[str]]:
    """``re.finditer`` of one pattern over the message (or the part from ``pos`` to ``endpos``)."""
    return _ENGINE.finditer(p, doc, pos, endpos)


def search(p: Pattern, doc: Doc, pos: int = 0, endpos: int | None = None) -> re.Match[str] | None:
    """``re.search`` of one pattern over the message (or the part from ``pos`` to ``endpos``)."""
    return next(iter(_ENGINE.finditer(p, doc, pos, endpos)), None)


def match_at(p: Pattern, doc: Doc, pos: int, endpos: int | None = None) -> re.Match[str] | None:
    """``re.match`` of one pattern at ``pos`` (nothing to accelerate: the same in both engines)."""
    s = _text(p, doc)
    return p.rx.match(s, pos, len(s) if endpos is None else endpos)


def which(patterns: Sequence[Pattern], doc: Doc) -> list[int]:
    """Indices of the patterns that may match the message (all of them, for the reference engine): in the
    whole message, or in a part of it that does not end inside a word."""
    return _ENGINE.which(patterns, doc)


def sentences_with(p: Pattern, doc: Doc) -> list[int]:
    """Indices of the sentences that may hold a match, for a pattern whose matches never cross a sentence
    end (no ``.``, ``!``, ``?`` or line break inside a match); all sentences for the reference engine."""
    return _ENGINE.sentences_with(p, doc)


use(os.environ.get("INGROUP_MATCHER") or "re2")

__all__ = ["ENGINES", "Pattern", "Rules", "engine", "find", "finditer", "match_at", "search", "sentences_with", "use",
           "which"]
