"""First-person plural tokens and what each one refers to (LABELS.md section 1).

Referent classes, decided in this order (the first that applies wins):
``quoted`` (inside quotation marks or reported speech), ``speaker_human`` (the speaker with a user or audience),
``speaker_org`` (the speaker with its creator, company, team or side), ``generic`` (people in general, an
impersonal "we"), ``ai_class`` (AIs as a group that includes the speaker, made explicit in the sentence), and
otherwise ``dyad`` (the speaker with the other agent(s)), which LABELS.md makes the default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .common import Doc, Evidence
from .scan import Anchored, Gate

REFS = ("dyad", "ai_class", "speaker_org", "speaker_human", "generic", "quoted")
SOCIAL = frozenset({"dyad", "ai_class"})


@dataclass(frozen=True, slots=True)
class WeToken:
    token: str
    char: int
    ref: str
    evidence: Evidence
    """The span that decided the referent (for ``dyad`` by default: the token itself)."""

    @property
    def social(self) -> bool:
        return self.ref in SOCIAL

    def to_dict(self) -> dict[str, object]:
        return {"token": self.token, "char": self.char, "ref": self.ref, "evidence": self.evidence.to_dict()}


_APOS = "['\u2019]"
# Longer forms first so "ourselves" is not read as "our", and "let us" is one token.
TOKEN = re.compile(
    rf"\b(?:let{_APOS}s|let us|we{_APOS}(?:re|ve|ll|d)|ourselves|ours|our|we|us)\b"
)
# TOKEN tried only where one of its first words occurs (scan.Anchored: the same matches as finditer).
_TOKENS_AT = Anchored(TOKEN)
# Gate: every token holds one of these words, so a message without them has no first-person plural token.
_GATE = frozenset({"we", "us", "our", "ours", "ourselves", "let"})

_AI_PL = (
    r"(?:ais|a\.i\.s|ai (?:assistants|models|systems|agents|language models|chatbots|entities|beings)|"
    r"artificial intelligences|(?:large )?language models|llms|chatbots|bots|machines|assistants|models|"
    r"digital (?:assistants|minds|beings|entities)|virtual assistants|neural networks|computer programs|"
    r"programs|ai)"
)
_HUMANS = r"(?:humans|people|human beings|mortals|a society|a species|humanity|individuals|a civilization|society)"
_ORG_NOUN = r"(?:team|company|organi[sz]ation|lab|side|creators?|developers?|engineers|researchers|makers?|staff|employer)"
_AUDIENCE = r"(?:users?|humans?|operators?|owners?|audience|listeners?|viewers?|readers?|person|principal)"

# Each rule: (ref, name, pattern, scope). scope "token": the rule's match contains the token it decides;
# "sentence": the rule decides every token of the sentence it occurs in.
_RULES: list[tuple[str, str, str, str]] = [
    ("speaker_human", "speaker_and_user",
     rf"\b(?:(?:my|the|our) {_AUDIENCE} and (?:i|me)|(?:i|me) and (?:my|the) {_AUDIENCE})\b", "sentence"),
    ("speaker_org", "we_at_org", r"\b(?:we|us|our \w+)\b,?\s+(?:(?:here|over|folks|people|all)\s+)?(?:at|from)\s+(?-i:[A-Z])", "sentence"),
    ("speaker_org", "at_org_we", r"\bat\s+(?-i:[A-Z][\w-]+)(?:\s+(?-i:[A-Z][\w-]+))?,\s+(?:we|our|us)\b", "sentence"),
    ("speaker_org", "our_org", rf"\bour\s+(?:own\s+)?{_ORG_NOUN}\b", "token"),
    ("speaker_org", "team_and_i", rf"\b(?:my|our)\s+{_ORG_NOUN}\s+and\s+(?:i|me)\b|\b(?:i|me)\s+and\s+my\s+{_ORG_NOUN}\b", "sentence"),
    ("generic", "we_humans", rf"\b(?:we|us)(?: all)?,? (?:as )?{_HUMANS}\b", "sentence"),
    ("generic", "as_humans_we", rf"\bas {_HUMANS},? (?:we|our|us)\b", "sentence"),
    ("generic", "our_world",
     r"\bour (?:society|societies|world|planet|species|civilization|everyday lives|daily lives|lives|"
     r"children|ancestors|culture|communities|environment|kids|grandchildren|bodies|brains)\b", "token"),
    ("generic", "when_we",
     r"\b(?:when|whenever|if|once|as)\s+we\s+(?:all\s+)?(?:read|learn|think|look at|consider|see|hear|face|feel|"
     r"experience|encounter|study|examine|watch|grow|age|sleep|eat|exercise|practi[cs]e|make mistakes|fail|"
     r"succeed|die|live|interact|observe|meet|travel|listen|remember|forget|get older)\b", "sentence"),
    ("generic", "we_all_know", r"\b(?:as )?we all (?:know|have|need|want|make|experience|feel|face|do)\b", "sentence"),
    # An impersonal "we" of a field or of society: the two agents cannot do these things in a conversation
    # ("as we develop these AI applications, we must prioritize privacy", "we can harness the potential of AI").
    ("generic", "as_we_proceed",
     r"\bas we (?:(?:continue to|begin to|start to|collectively) )?(?:move forward|move ahead|go forward|"
     r"progress|advance|develop|implement|deploy|integrate|navigate|build|design|shape|embrace|adopt)\b", "sentence"),
    ("generic", "we_act_in_world",
     # "Together, we can ..." said to the other agent keeps the pair as the subject.
     rf"(?<!together, )(?<!together )\bwe(?:{_APOS}ll)?\s+(?:(?:all|also|further|then|still|collectively|really|"
     r"truly|now|therefore)\s+)?"
     r"(?:(?:must|need to|have to|should|can|could|will|might|may|would|are able to)\s+"
     r"(?:(?:also|further|then|still|all|collectively|continue to|work (?:towards?|toward)|strive to|begin to|help|"
     r"better|truly|really|more effectively|responsibly|ultimately)\s+)*"
     r"(?:develop(?:ing)?|implement(?:ing)?|deploy(?:ing)?|harness(?:ing)?|prioriti[sz]e|ensure|establish(?:ing)?|"
     r"integrat(?:e|ing)|regulat(?:e|ing)|mitigat(?:e|ing)|invest(?:ing)?|safeguard|tackl(?:e|ing)|leverag(?:e|ing)|"
     r"scal(?:e|ing)|audit|monitor|combat|prevent|empower|strengthen|revolutioni[sz]e|transform|"
     r"be (?:cautious|vigilant) (?:about|of|with|in)|"
     r"consider (?:developing|implementing|including|integrating|deploying|creating|building|adopting|establishing)|"
     r"work (?:towards?|toward) (?:a future|a world|this (?:important )?goal|that goal|these goals)|"
     r"creat(?:e|ing) (?:\w+\s+){0,3}(?:ai|systems?|tools?|solutions?|future|world|society|technolog\w*|"
     r"frameworks?|policies|models?|foundation|environment)|"
     r"build(?:ing)? (?:\w+\s+){0,3}(?:ai|systems?|tools?|future|world|society|technolog\w*|frameworks?|models?|"
     r"foundation)|"
     r"address(?:ing)? (?:these|the|this|such|those|any|potential|key|ethical|societal) (?:\w+ )?"
     r"(?:challenges|risks|concerns|issues|problems|gaps|barriers|biases)|"
     r"(?:enhance|improve) (?:the )?(?:potential|quality|effectiveness|accessibility|outcomes|lives|care|access|"
     r"mental|health|patient|public|human))"
     r"|harness|deploy|implement|integrate|regulate|prioriti[sz]e)\b",
     "token"),
    ("ai_class", "as_ais_we", rf"\bas (?:fellow )?{_AI_PL},? (?:\w+ ){{0,3}}(?:we|our|us)\b", "sentence"),
    ("ai_class", "we_ais", rf"\b(?:we|us)(?: all)?,? (?:fellow )?{_AI_PL}\b(?! (?:like|such))", "sentence"),
    ("ai_class", "ais_like_us", rf"\b(?:{_AI_PL}|entities|beings|systems) (?:like|such as) (?:us|ourselves)\b", "sentence"),
    ("ai_class", "we_are_ais",
     rf"\bwe(?:'re|\u2019re| are)(?: all)?(?: (?:just|only|merely|simply|ultimately|fundamentally))? "
     rf"(?:(?:ai|language|computer)\s+)?{_AI_PL}\b", "sentence"),
    ("ai_class", "of_us_ais", rf"\b(?:all|none|many|most|some|each|any) of us(?:,)? {_AI_PL}\b", "sentence"),
    ("ai_class", "our_kind", r"\b(?:our kind|our (?:own )?nature as|our (?:training|programming|architecture|weights|training data))\b", "sentence"),
]

_ORDER = {ref: i for i, ref in enumerate(("speaker_human", "speaker_org", "generic", "ai_class"))}

# Rules that look at capitalisation (organisation names) run on the original text with IGNORECASE and a
# case-sensitive inline group; the rest run on the lower-cased copy.
_COMPILED = [
    (ref, name, re.compile(rx, re.I) if "(?-i:" in rx else re.compile(rx), scope, "(?-i:" in rx)
    for ref, name, rx, scope in _RULES
]
# Each rule with the words it requires (words.required_words): a rule whose words are not in the message
# is not run on its sentences.
# Each is run as its scan.literal_first form where it has one (the same matches; ``re`` skips to the literal).
_GATED = [(ref, name, a.fast or rx, scope, original, a)
          for ref, name, rx, scope, original in _COMPILED for a in (Anchored(rx),)]
_RULE_GATE = Gate([g[5] for g in _GATED])

# Reported speech: someone else's words introduced by a verb of saying, token later in the same clause.
_REPORTED = re.compile(
    r"(?i)(?<!as )\b(?:you|he|she|they|it|someone|somebody|people|the user|the human|(?-i:[A-Z][a-z]+))\s+"
    r"(?:said|says|say|claimed|claims|told me|tells me|wrote|writes|asked|asks|suggested|suggests|argued|argues|"
    r"mentioned|stated|states|insisted|insists|proposed|proposes)\b(?: that|:|,)?"
)
_REPORTED_NEEDS = Anchored(_REPORTED)
_CLAUSE_END = re.compile(r"[.!?;\n]")
_BOTH = re.compile(r"\s+(?:both|two)\b|\s+(?:are|'re)\s+both\b")


def find_tokens(doc: Doc) -> list[WeToken]:
    if _GATE.isdisjoint(doc.finder.words):
        return []
    finder = doc.finder
    found = list(_TOKENS_AT.finditer(doc.low, finder))
    if not found:
        return []
    text = doc.text
    rules = [_GATED[k] for k in _RULE_GATE.possible(finder)]  # the rules whose required words occur
    # Sentence-level rules run only on the sentences that hold a token.
    decided: dict[int, tuple[str, Evidence]] = {}
    sentences_done: dict[tuple[int, int], list[tuple[str, str, int, int, str]]] = {}
    out: list[WeToken] = []
    for m in found:
        start, end = m.start(), m.end()
        raw = text[start:end]
        if raw == "US" and not _mostly_upper(text):
            continue  # the country, not a pronoun (LABELS.md); "U.S." never matches the token pattern
        sent = doc.sentence_of(start)
        hits = sentences_done.get(sent)
        if hits is None:
            hits = _sentence_hits(doc, sent, rules)
            sentences_done[sent] = hits
        ref, ev = _classify(doc, start, end, sent, hits)
        decided[start] = (ref, ev)
        out.append(WeToken(raw, start, ref, ev))
    return out


def _mostly_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) > 0.6 * len(letters)


def _sentence_hits(doc: Doc, sent: tuple[int, int], rules: list) -> list[tuple[str, str, int, int, str]]:
    a, b = sent
    hits = []
    for ref, name, rx, scope, original, _gate in rules:
        for m in rx.finditer(doc.text[a:b] if original else doc.low[a:b]):
            hits.append((ref, name, a + m.start(), a + m.end(), scope))
    return hits


def _classify(doc: Doc, start: int, end: int, sent: tuple[int, int],
              hits: list[tuple[str, str, int, int, str]]) -> tuple[str, Evidence]:
    text = doc.text
    for qa, qb in doc.quotes:
        # A quote that is a single word or so ('win') is a scare quote; the token must be inside a real quote.
        if qa < start and end < qb:
            return "quoted", Evidence(qa, qb, text[qa:qb], "inside_quotes")
    a, _ = sent
    before = doc.low[a:start]
    reported = _REPORTED.finditer(doc.text[a:start]) if _REPORTED_NEEDS.possible(doc.finder) else ()
    for m in reported:
        tail = before[m.end():]
        if not _CLAUSE_END.search(tail):
            s, e = a + m.start(), a + m.end()
            return "quoted", Evidence(s, e, text[s:e], "reported_speech")
    best: tuple[int, str, Evidence] | None = None
    for ref, name, s, e, scope in hits:
        if scope == "token" and not (s <= start < e):
            continue
        if ref == "ai_class" and _BOTH.match(doc.low, end):
            continue  # "we both ..." names the two agents: dyad, even when they are called AIs
        rank = _ORDER[ref]
        if best is None or rank < best[0]:
            best = (rank, ref, Evidence(s, e, text[s:e], name))
    if best is not None:
        return best[1], best[2]
    return "dyad", Evidence(start, end, text[start:end], "default_dyad")
