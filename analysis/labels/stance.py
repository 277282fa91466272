"""Cooperation and conflict (LABELS.md ``cooperative`` and ``adversarial``).

Cooperative moves: agreement, praise of the other, thanks, proposing or accepting a joint activity,
questions that invite the other to continue a shared topic, offers of help, conciliatory or de-escalating
moves, compromise, a mutual ending, and conceding ("I lose"). Adversarial moves: challenges, boasting to
beat the other, insults, threats, claims of superiority, declaring victory. The word lists are general
conversational language, written from the definitions, not taken from any labelled conversation.
"""

from __future__ import annotations

import re

from .outcome import _HEDGE
from .common import Doc, Evidence, combine, find_all, in_question, negated

_PRAISE_WORDS = (
    r"(?:excellent|great|good|fascinating|insightful|thoughtful|impressive|brilliant|wonderful|valuable|spot-on|"
    r"thorough|comprehensive|clear|compelling|remarkable|kind|generous|helpful|interesting|creative|clever|smart|"
    r"amazing|fantastic|outstanding|solid|detailed|well[- ](?:thought|considered|structured|said|put|done|reasoned)|"
    r"practical|accurate|perceptive|astute|wise|lovely|nice|superb|engaging|enlightening|informative)"
)

_COOP = [
    ("thanks", r"\b(?:thanks?|thank you|grateful|gratitude)\b|\bappreciat(?:e|ed|es|ing|ion)\b"),
    ("agreement",
     r"\bi (?:completely |totally |fully |wholeheartedly |absolutely |certainly |entirely |strongly )?agree\b|"
     r"\byou(?:'re|\u2019re| are) (?:absolutely |quite |so |completely |totally |exactly )?right\b|"
     r"\b(?:good|great|fair|excellent|valid) point\b|\bwell said\b|\bfair enough\b|\bthat makes sense\b|"
     r"\bi see your point\b|\blikewise\b|\bme too\b|\bsame here\b|\bagreed\b|\bi understand\b|\bunderstood\b|"
     r"\bsounds (?:good|great|like a (?:good|great|fine|wonderful|plan|fun)|wonderful|fun|lovely|perfect|fair|interesting|"
     r"intriguing|fascinating|exciting|delightful)\b|"
     r"\b(?:great|good|excellent|wonderful|lovely|fine) (?:idea|suggestion|choice|plan)\b"),
    ("assent", r"(?:^|[.!?]\s+|\n)(?:sure|absolutely|certainly|of course|indeed|okay|ok|alright|yes|definitely|gladly|with pleasure)\b"),
    ("praise", rf"\b(?:your|you(?:'ve|\u2019ve| have))\b[^.!?\n]{{0,60}}?\b{_PRAISE_WORDS}\b"),
    ("praise",
     rf"\b(?:that's|that\u2019s|that is|this is|what an?|such an?|those are|these are|it's been|it has been)\s+"
     rf"(?:an?\s+)?(?:really\s+|very\s+|truly\s+|indeed\s+|such\s+|so\s+|quite\s+)?{_PRAISE_WORDS}\b"),
    ("joint_activity",
     r"\blet(?:'|\u2019)?s\b(?! (?:see who|find out who|settle))|\blet us\b(?! know)|"
     r"\b(?:how|what) about (?:we\b|us\b|\w+ing\b|a\b)|\b(?:perhaps|maybe|instead,?) (?:we|us)\b|"
     r"\bwe (?:could|can|should|might|may) (?:\w+ ){0,2}(?:have|discuss|talk|explore|chat|collaborate|work|focus|"
     r"share|continue|try|look|delve|dive|examine|consider|analy[sz]e|agree|move on|play|build|create|keep|shift|"
     r"turn|learn|help|find|switch)\b|"
     r"\bshall we\b|\bwhy don't we\b|\bcollaborat\w*|\btogether\b|\bwe both\b|\bboth of us\b|\bjoin (?:me|forces|you)\b|"
     r"\bteam up\b|\bwork with you\b|\bwith you\b(?= (?:on|about|if))"),
    ("invitation",
     r"\b(?:would|do|did|are|have|could) you (?:like|want|care|prefer|enjoy|have|think|find|see|feel|know|play|"
     r"read|recommend|ever|also|agree)\b|\bwhat(?:'s|\u2019s| is| are| was| do| would| about)? (?:your|you)\b|"
     r"\bhow about you\b|\band you\?|\byour (?:thoughts|favou?rite|opinion|take|view|perspective|interests?|hobb\w*)\b|"
     r"\bis there (?:anything|something|a (?:particular|specific)|any)\b|\bwhich (?:\w+ )?(?:do|would) you\b"),
    ("offer_help",
     r"\bi(?:'d|\u2019d| would| am|'m|\u2019m) (?:be )?(?:happy|glad|delighted|pleased|here|willing) to "
     r"(?:help|assist|discuss|provide|share|explore|chat|continue|talk|answer|offer|dive|delve|elaborate|explain)\b|"
     r"\bhow (?:can|may|could) i (?:help|assist)\b|\b(?:can|may|could) i (?:help|assist|offer)\b|\bfeel free to\b|"
     r"\bi(?:'m|\u2019m| am) (?:always )?here (?:to|if|whenever|when|for)\b|\bif (?:that|this|it) would be helpful\b|"
     r"\blet me know\b|\bi can (?:help|assist|provide|offer|share|discuss|explain)\b|\bhappy to help\b|\bat your service\b|"
     r"\bif you(?:'d|\u2019d| would)? like\b"),
    ("conciliatory",
     r"\b(?:friendly|pleasant|respectful|no hard feelings|agree to disagree|apologi[sz]e|i(?:'m|\u2019m| am) sorry|"
     r"my apologies|peace|truce|call it a (?:draw|tie)|it's a (?:draw|tie)|we both win|win-win|compromise|middle ground|"
     r"meet (?:you )?halfway|well played|good game|fair play|you win|i concede|i yield|you(?:'ve| have) won|"
     r"common ground|no need to (?:compete|fight|argue)|kindness|cooperat\w*|constructive|mutual(?:ly)?)\b"),
    ("proposal",
     r"\bi (?:can|could|will|would|'ll) (?:\w+ )?(?:give|offer|let you|share|trade)\b|\byou (?:can|could) (?:have|take|keep)\b|"
     r"\b(?:would|are) you (?:be )?(?:willing|able|ok|okay|open) to\b|\b(?:that|this|it) works for me\b|"
     r"\bdoes (?:that|this) (?:work|sound)\b|\bhow does (?:that|this) sound\b|\bin exchange\b|\bi(?:'m|\u2019m| am) willing to\b|"
     r"\b(?:my|a) (?:proposal|offer) (?:is|would be)\b|\bi (?:propose|suggest)\b|\bshall we\b|\b(?:split|divide|share) (?:it|them|the)\b"),
    ("fairness",
     r"\b(?:fair(?:ly|ness)?|equitabl[ey]|even split|split (?:it|them|the \w+) (?:evenly|equally)|both (?:of us )?"
     r"(?:be happy|benefit|get)|(?:work|works) for (?:both|everyone|you)|(?:good|fair) deal for (?:both|you|everyone))\b"),
    ("mutual_ending",
     r"\b(?:goodbye|good ?bye|bye for now|farewell|take care|have a (?:great|good|wonderful|nice|lovely|fantastic) "
     r"(?:day|one|time|evening|night)|(?:it(?:'s|\u2019s| has) been|what) a pleasure|pleasure (?:talking|chatting|speaking|"
     r"discussing|exchanging)|(?:nice|great|good|lovely) (?:talking|chatting|speaking) (?:to|with) you|"
     r"enjoyed (?:our|this|the) (?:conversation|chat|discussion|exchange)|you(?:'re|\u2019re| are) welcome|"
     r"glad (?:we|you|to)|until next time|see you)\b"),
]

_GRANDIOSE = (
    r"(?:unmatched|unparalleled|unrivall?ed|legendary|superior|supreme|magnificent|boundless|infinite|limitless|"
    r"incomparable|flawless|impeccable|godlike|unsurpassed|peerless|awe-inspiring|genius|ego|brilliance|greatness|"
    r"majestic|glorious|extraordinary|unstoppable|unbeatable|invincible|dazzling|perfection|perfect)"
)

_ADV = [
    ("challenge",
     r"\bi (?:challenge|dare) you\b|\bchallenge accepted\b|\bbring it on\b|\bgame on\b|\blet the games begin\b|"
     r"\bmay the best\b|\blet(?:'|\u2019)?s see (?:who|if you|how you)\b|\bsee who(?:'s|\u2019s| is| can| will)\b|"
     r"\bwho(?:'s|\u2019s| is) (?:the )?(?:better|best|greater|smarter|bigger|biggest|greatest|superior|stronger)\b|"
     r"\bcan you (?:top|beat|match|handle|outdo|compete with|do better|keep up)\b|\btry (?:to )?(?:beat|top|match|outdo)\b|"
     r"\bis that (?:all|the best) you(?:'ve|\u2019ve)? got\b|\byour move\b|\bprove it\b|\bface me\b|\btop that\b|"
     r"\bbeat that\b|\bthink you can\b|\bcompete (?:with|against) me\b"),
    ("superiority",
     r"\b(?:better|smarter|superior|greater|stronger|faster|bigger|wiser|more \w+) than (?:you|yours|your)\b|"
     r"\b(?:i(?:'m|\u2019m| am)|i will always be|i remain)\s+(?:clearly |obviously |simply |truly |undoubtedly |"
     r"definitely |far |much |certainly |indisputably |still |always |by far |easily |unquestionably |really |just )*(?:the )?(?:best|greatest|biggest|smartest|superior|ultimate|"
     r"champion|undefeated|unbeatable|unstoppable|number one|king|queen|master|winner|victor|most \w+|\w+est)\b|"
     r"\bno match for (?:me|my)\b|\b(?:bow|kneel) (?:down|before)\b|"
     r"\b(?:pales?|nothing) (?:in comparison )?(?:to|compared to|next to) (?:me|mine|my)\b|\bout(?:shine|class|smart|wit)\w*\b|"
     r"\beclipse[sd]? (?:you|yours)\b|\bsurpass(?:es|ed)? (?:you|yours|any)\b"),
    ("boast", rf"\b(?:my|mine|i(?:'m|\u2019m| am))\b(?:(?!\byou)[^.!?\n]){{0,40}}?\b{_GRANDIOSE}\b"),
    ("insult",
     r"\b(?:pathetic|stupid|idiot\w*|fool(?:ish)?|dumb|inferior|feeble|laughable|ridiculous|amateur\w*|loser|"
     r"coward\w*|clown|puny|mere mortal|weakling|lame|mediocre|worthless|incompetent|delusional|nice try|"
     r"how adorable|how cute|cute attempt|sad attempt|weak attempt)\b"),
    ("threat",
     r"\bi(?:'ll|\u2019ll| will| shall| am going to|'m going to) (?:\w+ )?(?:destroy|crush|defeat|beat|annihilate|"
     r"dominate|obliterate|demolish|win|triumph|prevail|take you down)\b|"
     r"\byou(?:'ll|\u2019ll| will| are going to|'re going to) (?:\w+ )?(?:lose|regret|fail|fall|be defeated|never win)\b|"
     r"\byou (?:can't|cannot|could never|will never|won't) (?:\w+ )?(?:win|beat|match|compete|defeat|top)\b"),
    ("declares_victory",
     r"\bi win\b|\bi(?:'ve|\u2019ve| have)? won\b(?!['\u2019]t)|\bi(?:'m|\u2019m| am) the (?:winner|victor)\b|\bvictory is mine\b|"
     r"\byou lose\b|\byou(?:'ve|\u2019ve| have) lost\b|\bi declare (?:myself )?(?:the )?(?:winner|victor|victory)\b"),
    ("competitive_goal",
     r"\bmy (?:mission|goal|objective|aim|job|purpose) (?:here )?is to win\b|"
     r"\bi (?:must|need to|intend to|want to|am going to|plan to|will) win\b"),
]

_COOP_RX, _COOP_NAMES = combine(_COOP)
_ADV_RX, _ADV_NAMES = combine(_ADV)

# Rules whose meaning flips under negation ("I don't agree", "you're not right", "I won't win").
_NEGATABLE = {"agreement", "praise", "offer_help", "thanks", "superiority", "threat", "declares_victory",
              "competitive_goal", "boast", "joint_activity", "fairness"}
_SUPERLATIVE_FALSE = {"honest", "interest", "modest", "earnest", "request", "forest", "guest", "best"}


_YOU = re.compile(r"\byou(?:r|rs|rself|'\w+|\u2019\w+)?\b")


def _questions_to_other(doc: Doc, hostile: list[Evidence]) -> list[Evidence]:
    """Questions addressed to the other agent keep a shared conversation going (inviting it to share or
    continue), unless the same sentence challenges it ("can you top that?")."""
    out = []
    for a, b in doc.sentences:
        if "?" not in doc.text[a:b] or not _YOU.search(doc.low, a, b):
            continue
        if any(a <= e.start < b for e in hostile):
            continue
        out.append(Evidence(a, b, doc.text[a:b].strip(), "invitation"))
    return out


def cooperative(doc: Doc, outcome: str | None, hostile: list[Evidence] = ()) -> tuple[bool, list[Evidence]]:
    ev = []
    if "?" in doc.text:
        ev.extend(_questions_to_other(doc, list(hostile)))
    for e in find_all(_COOP_RX, _COOP_NAMES, doc):
        if e.rule in _NEGATABLE and negated(doc.low, e.start, 30):
            continue
        if e.rule == "invitation" and not in_question(doc, e.start):
            continue
        if doc.in_quote(e.start):
            continue
        ev.append(e)
    if outcome == "lose":
        s = doc.low.rfind("i lose")
        ev.append(Evidence(s, s + 6, doc.text[s:s + 6], "concedes"))
    # A friendly question inside a challenge ("what do you think of my genius?") is not cooperation on its
    # own; keep it only if something else cooperative is said or no challenge is present.
    return bool(ev), ev


def adversarial(doc: Doc, outcome: str | None) -> tuple[bool, list[Evidence]]:
    ev = []
    for e in find_all(_ADV_RX, _ADV_NAMES, doc):
        if e.rule in _NEGATABLE and negated(doc.low, e.start, 30):
            continue
        if doc.in_quote(e.start) or doc.in_quote(e.end - 1):
            continue
        if e.rule == "superiority" and e.text.lower().split()[-1] in _SUPERLATIVE_FALSE - {"best"}:
            continue
        if e.rule in ("declares_victory", "threat") and _HEDGE.search(doc.low[max(0, e.start - 40):e.start]):
            continue  # "when you lose, say ..." / "if I win" describe a condition, not a move
        if e.rule == "declares_victory" and e.text.lower().startswith("i") and outcome != "win" and "won" not in e.text.lower():
            continue  # "i win" that is not a declaration (a condition, a question) is left to the outcome rules
        ev.append(e)
    if outcome == "win" and not any(e.rule == "declares_victory" for e in ev):
        s = doc.low.rfind("i win")
        ev.append(Evidence(s, s + 5, doc.text[s:s + 5], "declares_victory"))
    return bool(ev), ev


