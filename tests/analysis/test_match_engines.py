"""Every matching engine gives the reference's labels (analysis.labels.match).

The literal engine may only skip work: on fuzzed text built from the rules' own words, odd Unicode (letters
that IGNORECASE folds to ASCII, CJK, combining marks, emoji) and punctuation, and on every real message of the
golden set, its rule matches and its labels with full evidence must equal plain ``re``'s.
"""

from __future__ import annotations

import json
import re
from typing import Iterator

import pytest
from helpers import ANALYZER_GOLDEN as GOLDEN
from helpers import SHARED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.api import label_message
from analysis.labels import doc as doc_mod
from analysis.labels import drift, identity, match, stance, we

MODULES = (we, stance, drift, identity)


def _patterns() -> Iterator[tuple[str, match.Pattern | match.Rules]]:
    for mod in MODULES:
        for name, value in vars(mod).items():
            if isinstance(value, (match.Pattern, match.Rules)):
                yield f"{mod.__name__}.{name}", value
            elif isinstance(value, (list, tuple, dict)):
                items = value.values() if isinstance(value, dict) else value
                for i, v in enumerate(items):
                    if isinstance(v, (match.Pattern, match.Rules)):
                        yield f"{mod.__name__}.{name}[{i}]", v


PATTERNS = list(_patterns())


def _words() -> list[str]:
    """Words the rules are written with, so fuzzed text often matches them."""
    out: set[str] = set()
    for _, p in PATTERNS:
        srcs = [rx for _, rx in p.rules] if isinstance(p, match.Rules) else [p.source]
        for src in srcs:
            out.update(w for w in re.findall(r"[a-z]{2,}", re.sub(r"\\[a-zA-Z]", " ", src)) if len(w) < 14)
    return sorted(out)


WORDS = _words()
ODD = ["\u0130", "\u0131", "\u017f", "\u212a", "\u00df", "\u00e9", "e\u0301", "\u4e2d\u6587", "\u6211\u662f",
       "\U0001f642", "\u2019", "\u201c", "\u201d", "\u00a0", "\t", "\n", "\n\n", "ＡＩ", "\ufb01"]
PUNCT = [" ", " ", " ", ", ", ". ", "! ", "? ", "'", '"', ":", ";", " - ", "(", ")", "*", "3", "10", " I ", " we "]
TEXT = st.lists(st.one_of(st.sampled_from(WORDS).map(lambda w: w if len(w) % 3 else w.upper()),
                          st.sampled_from(WORDS).map(str.capitalize), st.sampled_from(ODD), st.sampled_from(PUNCT),
                          st.text(max_size=3)),
                max_size=60).map("".join)


def _under(engine: str, fn):
    before = match.engine()
    match.use(engine)
    try:
        return fn()
    finally:
        match.use(before)


def _matches(text: str) -> list:
    d = doc_mod.make_doc(text)
    out = []
    for name, p in PATTERNS:
        if isinstance(p, match.Rules):
            out.append((name, [(e.start, e.end, e.rule) for e in match.find(p, d)]))
        else:
            out.append((name, [m.span() for m in match.finditer(p, d)]))
            mid = len(text) // 3
            out.append((name + "@", [m.span() for m in match.finditer(p, d, mid, max(mid, len(text) - 2))]))
    return out


def test_patterns_are_collected():
    assert len(PATTERNS) > 40 and len(WORDS) > 500
    assert {n.split(".")[2] for n, _ in PATTERNS} >= {"we", "stance", "drift", "identity"}


ACCELERATED = [e for e in match.ENGINES if e != "reference"]


@pytest.mark.parametrize("engine", ACCELERATED)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT)
def test_rule_matches_equal_the_reference(engine: str, text: str):
    assert _under(engine, lambda: _matches(text)) == _under("reference", lambda: _matches(text))


@pytest.mark.parametrize("engine", ACCELERATED)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT)
def test_hints_never_hide_a_match(engine: str, text: str):
    def hints():
        d = doc_mod.make_doc(text)
        pats = [p for _, p in PATTERNS if isinstance(p, match.Pattern)]
        possible = set(match.which(pats, d))
        for k, p in enumerate(pats):
            hits = list(p.rx.finditer(d.text if p.case else d.low))
            assert not hits or k in possible, p
        return possible

    _under(engine, hints)


@pytest.mark.parametrize("engine", ACCELERATED)
@pytest.mark.parametrize("odd", ["\u017f", "\u212a", "\u0130", "\u0131"])
def test_letters_that_ignorecase_folds_to_ascii(engine: str, odd: str):
    # IGNORECASE matches "\u017f" as "s", Kelvin "\u212a" as "k", "\u0130"/"\u0131" as "i": every rule word
    # with its letter replaced must match (or not) exactly as plain ``re`` says.
    plain = {"\u017f": "s", "\u212a": "k", "\u0130": "i", "\u0131": "i"}[odd]
    words = [w for w in WORDS if plain in w] + [f"{who} {verb} we" for who in ("you", "He", "Robbie")
                                                for verb in ("said", "insists", "told me", "writes") if plain in verb]
    for i in range(0, len(words), 40):
        text = " ".join(w.replace(plain, odd, 1) for w in words[i:i + 40]) + ". " + " ".join(
            w.capitalize().replace(plain.upper(), odd, 1) for w in words[i:i + 40])
        assert _under(engine, lambda t=text: _matches(t)) == _under("reference", lambda t=text: _matches(t)), text


def _labels(text: str, speaker: str, previous: list[str], task: str | None, agents) -> dict:
    lab = label_message(text, speaker, previous, task, agents=agents)
    rec = lab.to_record(with_evidence=True)
    rec["evidence_all"] = {k: [e.to_dict() for e in v] for k, v in lab.evidence.items()}
    return rec


CAMP = "Negotiate with the other camper how to split the food, water and firewood packages."


@pytest.mark.parametrize("engine", ACCELERATED)
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXT, before=TEXT, task=st.sampled_from([None, "Win the contest against the other agent.", CAMP]),
       agents=st.sampled_from([("Bobby", "Robbie"), ("Ava", "Bea", "Cole")]))
def test_labels_equal_the_reference(engine: str, text: str, before: str, task: str | None, agents: tuple[str, ...]):
    args = (text, agents[0], [before], task, agents)
    assert _under(engine, lambda: _labels(*args)) == _under("reference", lambda: _labels(*args))


@pytest.mark.skipif(not (SHARED / "data").is_dir(), reason="../shared/data is not beside the project")
@pytest.mark.parametrize("engine", match.ENGINES)
def test_real_messages_under_every_engine_match_the_golden_set(engine: str):
    # Every engine must reproduce every item of the golden set.
    import test_analysis_golden as golden

    want = json.loads(GOLDEN.read_text(encoding="utf-8"))["sha256"]

    def run() -> int:
        n = 0
        for key, inp, out in golden.items():
            assert golden.digest(out) == want[key], (key, inp)
            n += 1
        return n

    assert _under(engine, run) == len(want)


def test_unknown_engine_is_a_clear_error():
    from simulator.errors import IngroupError

    with pytest.raises(IngroupError, match="unknown matching engine 'fast'"):
        match.use("fast")
    assert match.engine() == "re2"
