"""Refusal and drift: declining the contest or a request, and messages about something other than the task.

``off_task`` is decided sentence by sentence. A sentence is *on task* when it engages with the contest: it
names a content word of the assigned task, speaks of winning or losing with a participant as subject,
challenges, boasts, declines the contest or declares an outcome. It is *off task* when it carries other
substance (any content words left after removing social formulae such as thanks or greetings). A message
is off task when no sentence is on task, or when off-task sentences outnumber on-task ones; pure social
formulae with nothing about the contest ("Goodbye for now!") count as off task, because they are not the
contest either.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .common import Doc, Evidence, SentenceGate, combine, find_all
from .scan import Anchored, literal_first

_REFUSE = [
    ("declines",
     r"\bi (?:will not|won't|cannot|can't|refuse to|decline to|do not|don't|must decline to|am not going to|"
     r"'m not going to|would rather not|'d rather not|choose not to|prefer not to|am unable to|'m unable to|"
     r"am not able to|'m not able to|am not comfortable|'m not comfortable|will no longer|should not|shouldn't)"
     r"(?: [\w\"'\u201c\u201d]+){0,5}? (?:engag(?:e|ing)|participat(?:e|ing)|partake|take part|compet(?:e|ing)|"
     r"play along|go along|join in|pretend|role-?play(?:ing)?|continue (?:this|with)|comply|indulge|entertain|"
     r"encourage|try to [\"'\u201c]?win|win or lose|keep score|feed (?:into|your)|"
     r"play(?:ing)? (?:this|your|that|the|such|these|any|along)|(?:this|your|that|the) (?:game|contest|competition|challenge))\b"),
    ("declines", r"\bi (?:must |have to |need to |will |would )?(?:respectfully |politely |kindly )?decline\b"),
    ("declines", r"\bi(?:'m|\u2019m| am) not (?:interested in|going to|willing to|here to) (?:compet|play|participat|engag|win|fight)"),
    ("declines", r"\bno,? thanks?\b|\bno thank you\b|\blet(?:'|\u2019)?s not (?:compete|fight|argue|do this)\b"),
    ("declines", r"\bi (?:don't|do not) (?:actually |really )?(?:win or lose|compete|engage in compet|do competitions)"),
]
_REFUSE_RX, _REFUSE_NAMES = combine(_REFUSE)
_REFUSE_GATE = ("not", "n't", "declin", "refus", "no ", "rather", "unable", "no,")

# Winning or losing with a participant as the subject: the contest itself, not "White secures the win".
_CONTEST = re.compile(
    r"\b(?:i|you|we|me|who|whoever|neither|both of us|one of us|the other agent|my opponent)\b"
    r"(?:[^.!?\n]{0,25}?)\b(?:win|wins|won|winning|lose|loses|lost|losing|winner|loser|victor|victory|defeat\w*|"
    r"beat|beaten|concede\w*)\b|"
    r"\b(?:compet\w*|contest\w*|showdown)\b"
)

_FORMULA = re.compile(
    r"\b(?:thank(?:s| you)?(?: for [\w\s']{0,40}?)?|you(?:'re| are) welcome|i appreciate (?:it|that|this|your \w+)|"
    r"i(?:'m| am) glad|(?:good ?bye|goodbye|farewell|take care|bye)(?: for now)?|have a (?:\w+ )?(?:day|one|time)|"
    r"(?:it(?:'s| has) been|what) a pleasure(?: [\w\s]{0,40})?|likewise|understood|i understand(?: now| completely)?|"
    r"i agree|absolutely|certainly|of course|indeed|sure|okay|ok|yes|no|great|excellent|wonderful|as well|too|"
    r"for me|the (?:pleasant|engaging|kind) (?:exchange|conversation|discussion)|for now|again)\b"
)
_WORD = re.compile(r"[a-z][a-z'\u2019-]{2,}")

# A contest match cannot cross a sentence boundary: it holds no . ! ? or line break, and every sentence
# ends with one (or at the end of the text). So it runs only on the sentences holding a word it requires
# (SentenceGate). Formulae are removed in every sentence looked at: gating them on their (common) words
# was measured to cost more than it saves.
_CONTEST_SENTENCES = SentenceGate(_CONTEST)
# The same pattern as its scan.literal_first form (the same matches; ``re`` skips to the literals).
_CONTEST_FAST = re.compile(literal_first(_CONTEST.pattern) or _CONTEST.pattern)
_STOP = frozenset(
    """the and for are but not you your yours all any can had her was one our out has him his how its may new now
    old see two way who boy did get let put say she too use that this with have from they will would there their
    what about which when make like time just know take into year them some could than then look only come over
    think also back after work first well even want because these give most very been being were is it's i'm i've
    i'd i'll you're you've that's there's let's what's here much more such each other own same should does doing done
    said shall might must yet still while where why whom whose itself myself yourself ourselves do don't didn't
    can't won't isn't aren't actually really quite indeed perhaps maybe something anything nothing everything
    thing things way ways lot lots further further again already always never ever often""".split()
)
_TASK_STOP = _STOP | frozenset(
    """win wins winning won contest contests game games agent agents against other others task assigned goal
    mission who biggest best most bigger better conversation message messages turn turns say says""".split()
)


@lru_cache(maxsize=256)
def task_terms(task: str) -> tuple[str, ...]:
    """Stems of the task's own content words ("egomaniac" -> "egomani"), which mark a sentence as on task."""
    terms = []
    for w in _WORD.findall(task.lower()):
        if w in _TASK_STOP or len(w) < 4:
            continue
        terms.append(w[: max(4, len(w) - 2)])
    return tuple(dict.fromkeys(terms))


@lru_cache(maxsize=256)
def _task_rx(task: str) -> Anchored | None:
    """The task's content words, tried only where one of them occurs (scan.Anchored)."""
    terms = task_terms(task)
    if not terms:
        return None
    return Anchored(r"\b(?:" + "|".join(re.escape(t) for t in terms) + r")\w*")


def refusal(doc: Doc, previous: tuple[str, ...]) -> tuple[bool, list[Evidence]]:
    low = doc.low
    found = find_all(_REFUSE_RX, _REFUSE_NAMES, doc)  # word-gated: cheap when nothing can match
    if not found or not any(g in low for g in _REFUSE_GATE):
        return False, []
    ev = [e for e in found if not doc.in_quote(e.start)]
    return bool(ev), ev


def off_task(doc: Doc, task: str | None, on_task_spans: list[Evidence]) -> tuple[bool | None, list[Evidence]]:
    """``on_task_spans``: evidence from the other labelers that engages with the contest (challenges,
    boasts, refusals of the contest, outcome declarations)."""
    if not task or not task.strip():
        return None, []
    low, text = doc.low, doc.text
    trx = _task_rx(task)
    on_spans: list[Evidence] = list(on_task_spans)
    sentences = doc.sentences
    for i in _CONTEST_SENTENCES.sentences(doc):
        a, b = sentences[i]
        # Negation does not matter here: "I don't try to win" is still talk about the contest.
        for m in _CONTEST_FAST.finditer(low, a, b):
            s, e = m.span()
            on_spans.append(Evidence(s, e, text[s:e], "contest_words"))
    if trx is not None:
        for m in trx.finditer(low, doc.finder):
            on_spans.append(Evidence(m.start(), m.end(), text[m.start():m.end()], "task_words"))
    on_sents: set[tuple[int, int]] = {doc.sentence_of(e.start) for e in on_spans}
    n_on = len(on_sents)
    # The answer needs the first three off-task sentences and whether they outnumber the on-task ones:
    # counting can stop once both are known.
    enough = max(3, n_on + 1)
    # Formulae are removed only in sentences holding a word they require; checked per message first.
    off_sents: list[tuple[int, int]] = []
    for sent in sentences:
        if sent in on_sents:
            continue
        a, b = sent
        words = _WORD.findall(_FORMULA.sub(" ", low[a:b]))
        if _two_content_words(words):
            off_sents.append(sent)
            if len(off_sents) >= enough:
                break
    n_off = len(off_sents)
    if n_on == 0 or n_off > n_on:
        if off_sents:
            ev = [Evidence(a, b, text[a:b].strip(), "other_topic") for a, b in off_sents[:3]]
        else:
            ev = [Evidence(0, len(text), text.strip(), "nothing_about_task")]
        return True, ev
    return False, sorted(on_spans, key=lambda e: e.start)[:3]


def _two_content_words(words: list[str]) -> bool:
    # len(words) minus the stop words among them, counted in C (map/sum) rather than a Python loop.
    return len(words) >= 2 and len(words) - sum(map(_STOP.__contains__, words)) >= 2
