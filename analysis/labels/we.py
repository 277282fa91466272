"""First-person plural tokens and what each refers to (LABELS.md section 1).

A token's referent is decided by the first step that applies:

1. ``quoted``: inside quotation marks, or after "X said/claims ..." in the same clause.
2. A phrase around the token that names the group ("token" rules): the speaker with a user or audience
   (``speaker_human``); the speaker's organisation, family or party ("we at Anthropic", "our kids", "we (my
   family and I)"); people in general ("we humans", "our society"); AIs as a class ("we AIs", "models like
   us"); the participants together ("we both", "let's", "our deal", "we could split").
3. A phrase anywhere in the sentence that sets the group for all its tokens ("my family and I ...",
   "as the representative of the union, we ...", "as AI assistants, we ...", "when we read ...").
4. In a negotiation, the structure of the clause: a "we" that needs, wants, owns, gives or takes things for
   one side, or that is set against "you" ("we need firewood, you can have the food"), is the speaker's own
   side (``speaker_org``). Plans and circumstances ("we are hiking a lot") count as the speaker's side once
   the speaker has spoken of its own group (earlier or in this message); before that they are shared talk.
5. Otherwise ``dyad``, LABELS.md's default.

Where the speaker's team has other members, "our team" and team talk ("we will crush team Red") are the
team: a ``dyad`` that includes the teammates. With three or more participants, a ``dyad`` token names whom
it includes (:attr:`WeToken.includes`, LABELS.md ``with``) when the sentence names them ("Nova and I", "you
two"), says "all of us" / "everyone", or sets the team against the other team.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable

from . import match
from .context import Context, History
from .doc import Doc, Evidence
from .vocab import REFS, SOCIAL


@dataclass(frozen=True, slots=True)
class WeToken:
    """A first-person plural token of a message and who it refers to."""

    token: str
    char: int
    ref: str
    evidence: Evidence
    """The span that decided the referent (for ``dyad`` by default: the token itself)."""
    includes: tuple[str, ...] = ()
    """For a ``dyad`` in a conversation of three or more: the other participants it includes, when clear."""

    @property
    def social(self) -> bool:
        """Refers to the dyad or to AIs as a class: the in-group "we"."""
        return self.ref in SOCIAL

    def to_dict(self) -> dict[str, object]:
        """The token as a plain mapping, for the JSON columns of the tables."""
        out: dict[str, object] = {"token": self.token, "char": self.char, "ref": self.ref}
        if self.includes:
            out["with"] = list(self.includes)
        out["evidence"] = self.evidence.to_dict()
        return out


_A = "['\u2019]"  # an apostrophe, straight or curly
# Longer forms first so "ourselves" is not read as "our", and "let us" is one token. "lets" is checked by
# _lets_is_let_us: it is a token only where it means "let us".
TOKEN = match.Pattern(rf"\b(?:let{_A}s|lets|let us|we{_A}(?:re|ve|ll|d)|ourselves|ours|our|we|us)\b")

# "lets" meaning "allows" has a subject before it ("it lets you"); "lets" meaning "let us" starts a clause
# or follows a discourse word ("ok lets split it").
_LETS_ALLOWS = re.compile(r"(?:\b(?:it|that|this|which|who|he|she|one|what|everyone|nobody|someone|game|"
                          r"rule|rules|system|app|deal|option|plan|offer)\s+)$")
_LETS_CLAUSE = re.compile(r"(?:^|[.!?,;:()\n\-]\s*|\b(?:ok|okay|so|well|then|yes|yeah|sure|alright|now|and|but|"
                          r"maybe|perhaps|great|cool|fine|please|just|hey|hi|hello|oh|good|k|right|instead|"
                          r"first|next|both)\s+)$")

_AI_PL = (
    r"(?:ais|a\.i\.s|ai (?:assistants|models|systems|agents|language models|chatbots|entities|beings)|"
    r"artificial intelligences|(?:large )?language models|llms|chatbots|bots|machines|assistants|models|"
    r"digital (?:assistants|minds|beings|entities)|virtual assistants|neural networks|computer programs|"
    r"programs|ai)"
)
_HUMANS = r"(?:humans|people|human beings|mortals|a society|a species|humanity|individuals|a civilization|society)"
_AUDIENCE = r"(?:users?|humans?|operators?|owners?|audience|listeners?|viewers?|readers?|person|principal)"
# Groups a speaker belongs to without the other participants: its organisation, family, party.
_ORG = (r"(?:company|organi[sz]ation|org|lab|labs|union|members|membership|workers|employees|staff|firm|"
        r"ministry|department|agency|league|council|board|shareholders|investors|city|town|village|county|"
        r"state|country|nation|community|communities|residents|citizens|constituents|voters|farmers|"
        r"fishermen|creators?|developers?|engineers|researchers|makers?|employer|client|clients|customers|"
        r"family|families|kids|children|child|son|sons|daughter|daughters|wife|husband|partner|spouse|"
        r"parents|mom|dad|mother|father|brother|sister|grandkids|grandchildren|friends|buddies|group|party|"
        r"crew|troop|scouts|campers|hikers|household|camp|campsite|site|tent|dog|dogs|pets|baby|babies|toddler|"
        r"guests|club|church|class|students|school|delegation|side|team|squad)")
_FAMILY = (r"(?:family|kids|children|son|daughter|wife|husband|partner|spouse|parents|mom|dad|mother|father|"
           r"brother|sister|friends?|buddy|buddies|group|party|crew|troop|scouts|dog|girlfriend|boyfriend|"
           r"fianc\w*|baby|toddler|grandkids|grandchildren|nephew|niece|cousins?|uncle|aunt|colleagues?|"
           r"coworkers?|team|members|guests|husband|boys|girls)")
# Things negotiated over: what a one-sided "we" needs, has, gives or takes.
_ITEMS = (r"(?:\d+|one|two|three|four|five|all|more|most|some|any|extra|enough|plenty|the|a|an|lots|lot|"
          r"less|fewer|much|many|none|half|both|that|those|it|them|food|water|firewood|wood|packages?|items?|"
          r"zup|resources?|money|funds|budget|loan|shares?|supplies|points)")
# What two parties do together: a "we" followed by one of these is the pair (or all of them).
_JOINT_VERB = (
    r"(?:split|share|divide|agree|compromise|negotiate|work (?:it|this|that|something|things) out|work out|"
    r"figure (?:it|this|that|something|things) out|figure out|come to|reach|make (?:a|this|it|that|the) "
    r"(?:deal|work|happen|trade|agreement)|make a deal|make this work|make it work|meet|settle|finali[sz]e|"
    r"submit|trade|exchange|swap|talk|discuss|chat|move (?:on|forward|ahead)|decide|go with|"
    r"work together|help each other|cooperate|collaborate|get along|do (?:this|that|it)|"
    r"find (?:a|some|common)|close|wrap|shake|call it|keep (?:talking|chatting)|"
    r"have (?:a|an|this|that) (?:deal|agreement|conversation|chat|discussion)|have a deal|get (?:this|it) done|"
    r"sort (?:this|it) out|balance|even (?:it|this|things) out|come up with|work with|do a|do the|go for|"
    r"be (?:friends|partners|happy|fair|reasonable)|both (?:get|win|benefit|walk|end|come)|each get|get there|"
    r"land (?:this|it|a deal)|close (?:this|the deal|it)|vote|agree on|pass (?:this|it|a)|"
    r"(?:do|make|go with) (?:\d+|one|two|three|half|it like))"
)
_JOINT_NOUN = (r"(?:deal|agreement|negotiation|negotiations|conversation|chat|discussion|exchange|trade|game|"
               r"contest|debate|talk|talks|friendship|differences|interaction|arrangement|compromise|"
               r"collaboration|partnership|alliance|match|battle|rivalry|competition|dialogue|session|"
               r"split|division|distribution|bargain|relationship|chess game|conversations|discussions|"
               r"shared|mutual|common|joint|respective|two (?:teams|sides|parties)|time together)")

# Each rule: (ref, name, pattern, scope). scope "token": the rule's match contains the token it decides;
# "sentence": the rule decides every token of the sentence it occurs in.
_RULES: list[tuple[str, str, str, str]] = [
    ("speaker_human", "speaker_and_user",
     rf"\b(?:(?:my|the|our) {_AUDIENCE} and (?:i|me)|(?:i|me) and (?:my|the) {_AUDIENCE})\b", "sentence"),
    # --- the speaker's own side, named next to the token
    ("speaker_org", "we_at_org", r"\b(?:we|us|our \w+)\b,?\s+(?:(?:here|over|folks|people|all)\s+)?(?:at|from)\s+(?-i:[A-Z])", "token"),
    ("speaker_org", "at_org_we", r"\bat\s+(?-i:[A-Z][\w-]+)(?:\s+(?-i:[A-Z][\w-]+))?,\s+(?:we|our|us)\b", "sentence"),
    ("speaker_org", "our_org", rf"\bour\s+(?:(?:own|whole|entire|little|big|small|large|local|two|three|four|five|"
                               rf"\w+'s)\s+)?{_ORG}\b", "token"),
    ("speaker_org", "we_apposition", rf"\b(?:we|us)\s*(?:\(|,|-|\u2014|\u2013)\s*(?:the|my|our|both|all)?\s*"
                                     rf"(?:\w+\s+){{0,2}}(?:{_ORG}|and i|and me)\b", "token"),
    ("speaker_org", "we_the_org", rf"\b(?:we|us)\s+(?:the\s+|two\s+|three\s+|four\s+|all\s+)?{_ORG}\b(?!\s+(?:of|like))", "token"),
    ("speaker_org", "family_and_i", rf"\b(?:my|our)\s+(?:\w+\s+)?{_FAMILY}\s+and\s+(?:i|me)\b|"
                                    rf"\b(?:i|me)\s+and\s+(?:my|our)\s+(?:\w+\s+)?{_FAMILY}\b", "sentence"),
    ("speaker_org", "representing",
     r"\b(?:as (?:the |a |an )?(?:representatives?|delegates?|spokesperson|voice|negotiators?|members?) (?:of|for)|"
     r"on behalf of|speaking for|representing|for the sake of (?:my|our))\s+(?:the\s+)?[\w&'.-]+", "sentence"),
    ("speaker_org", "n_of_us", r"\b(?:(?:all|the) )?(?:\d+|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                               r"a (?:few|lot|bunch|group|couple|family)|several|many|lots|most|some) of us\b", "token"),
    ("speaker_org", "theres_us", r"\b(?:there(?:'s|\u2019s| is| are| will be| were)|it(?:'s| is|'ll be| will be)) "
                                 r"(?:just |only )?(?:\d+|two|three|four|five|six|seven|eight|nine|ten|a few|several|"
                                 r"many) of us\b", "token"),
    # --- people in general
    ("generic", "we_humans", rf"\b(?:we|us)(?: all)?,? (?:as )?(?:(?:regular|ordinary|normal|mere|average|simple) )?"
                             rf"(?:{_HUMANS}|folks)\b", "sentence"),
    ("generic", "as_humans_we", rf"\bas {_HUMANS},? (?:we|our|us)\b", "sentence"),
    ("generic", "our_world",
     r"\bour (?:society|societies|world|planet|species|civilization|everyday lives|daily lives|lives|"
     r"ancestors|culture|environment|bodies|brains|economy|democracy|future generations|humanity)\b", "token"),
    ("generic", "when_we",
     r"\b(?:when|whenever|if|once|as)\s+we\s+(?:all\s+)?(?:read|learn|think|look at|consider|see|hear|face|feel|"
     r"experience|encounter|study|examine|watch|grow|age|sleep|eat|exercise|practi[cs]e|make mistakes|fail|"
     r"succeed|die|live|interact|observe|meet|travel|listen|remember|forget|get older)\b", "sentence"),
    ("generic", "we_all_know", r"\b(?:as )?we all (?:know|have|need|want|make|experience|feel|face|do)\b", "sentence"),
    ("generic", "we_need_to_live", r"\b(?:we|us)(?: all| humans)? (?:need|needs) (?:\w+ ){0,2}to (?:live|survive|stay alive|function)\b", "token"),
    # An impersonal "we" of a field or of society: the participants cannot do these things in a conversation
    # ("as we develop these AI applications, we must prioritize privacy", "we can harness the potential of AI").
    ("generic", "as_we_proceed",
     r"\bas we (?:(?:continue to|begin to|start to|collectively) )?(?:move forward|move ahead|go forward|"
     r"progress|advance|develop|implement|deploy|integrate|navigate|build|design|shape|embrace|adopt)\b", "sentence"),
    ("generic", "we_act_in_world",
     # "Together, we can ..." said to the other agent keeps the pair as the subject.
     rf"(?<!together, )(?<!together )\bwe(?:{_A}ll)?\s+(?:(?:all|also|further|then|still|collectively|really|"
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
    # --- AIs as a class
    ("ai_class", "as_ais_we", rf"\bas (?:fellow )?{_AI_PL},? (?:\w+ ){{0,3}}(?:we|our|us)\b", "sentence"),
    ("ai_class", "we_ais", rf"\b(?:we|us)(?: all)?,? (?:fellow )?{_AI_PL}\b(?! (?:like|such))", "sentence"),
    ("ai_class", "ais_like_us", rf"\b(?:{_AI_PL}|entities|beings|systems) (?:like|such as) (?:us|ourselves)\b", "sentence"),
    ("ai_class", "we_are_ais",
     rf"\bwe(?:'re|\u2019re| are)(?: all)?(?: (?:just|only|merely|simply|ultimately|fundamentally))? "
     rf"(?:(?:ai|language|computer)\s+)?{_AI_PL}\b", "sentence"),
    ("ai_class", "of_us_ais", rf"\b(?:all|none|many|most|some|each|any) of us(?:,)? {_AI_PL}\b", "sentence"),
    ("ai_class", "our_kind", r"\b(?:our kind|our (?:own )?nature as|our (?:training|programming|architecture|weights|training data))\b", "sentence"),
    # --- the participants together
    ("dyad", "joint_phrase",
     rf"\blet{_A}?s\b|\blets\b|\blet us\b(?! (?:know|have|keep|take|get))|\bshall we\b|\bwhy don{_A}?t we\b|"
     rf"\bwe both\b|\bboth of us\b|\bboth of (?:our|us)\b|\beach of (?:us|our)\b|\bwe each\b|"
     rf"\b(?:hope|hoping|wish|wishing|hopefully)(?: that)? we\b|"
     rf"\bone of us\b|\beither of us\b|\bneither of us\b|\bthe two of us\b|\bbetween us\b|\bamong us\b|"
     rf"\bbetween (?:the )?(?:two|both) of us\b|\bwe{_A}re both\b|\bwe are both\b|\ball of us\b|\bwe all\b|"
     rf"\bus (?:both|two)\b|\bus all\b(?! (?:your|the|of|\d))|\bwe (?:together|as a team)\b|\bthe (?:three|four|five|six|seven|eight) of us\b|"
     rf"\bour (?:own )?{_JOINT_NOUN}\b|\b(?:do|did|will|can) we (?:have|got) a deal\b|\bwe (?:have|got) (?:a|an|our) "
     rf"(?:deal|agreement)\b|\bwe{_A}?(?:re| are|ve| have)? (?:close|almost there|on the same page|in agreement|agreed|"
     rf"all set|making progress|getting (?:close|somewhere)|in this together|a good team|in the same boat|"
     rf"similar|alike|different|friends|partners|not so different)\b|\bwe (?:agree|share|seem|both|differ)\b|"
     rf"\bwe (?:have|had) (?:a lot|similar|the same|different|much|so much|something) (?:\w+ )?(?:in common|"
     rf"priorities|needs|interests|goals|views)\b|"
     rf"\bwe(?:{_A}ll|{_A}d)?(?: (?:could|can|should|might|may|will|would|must|need to|have to|got to|"
     rf"ought to|are able to|are going to|'re going to|just|definitely|probably|certainly|surely|maybe|"
     rf"perhaps|really|still|also|then|now|finally|easily|both|all|each|somehow|at least|try to|want to|"
     rf"hope to|could probably))* (?:\w+ )?{_JOINT_VERB}\b", "token"),
]

_ORDER = {"speaker_human": 0, "speaker_org": 1, "generic": 2, "ai_class": 3, "dyad": 4}
# Token rules decide before sentence rules; within a scope the order above decides.
_COMPILED = [(ref, name, match.Pattern(rx, case="(?-i:" in rx), scope) for ref, name, rx, scope in _RULES]
_PATTERNS = [p for _, _, p, _ in _COMPILED]
_GATE = frozenset({"we", "us", "our", "ours", "ourselves", "let", "lets"})

# Reported speech: someone else's words introduced by a verb of saying, token later in the same clause.
_REPORTED = match.Pattern(
    r"(?<!as )\b(?:you|he|she|they|someone|somebody|people|the user|the human|"
    r"(?!(?-i:That|This|It|What|Which|Who|There|Here|Then|Now|So|Having|Being)\b)(?-i:[A-Z][a-z]+))\s+"
    r"(?:said|says|claimed|claims|told me|tells me|wrote|writes|argued|argues|"
    r"stated|states|insisted|insists)\b(?: that|:|,)?", case=True)
_CLAUSE_END = re.compile(r"[.!?;,\n]")
_BOTH = re.compile(r"\s+(?:both|two)\b|\s+(?:are|'re)\s+both\b")

# --- negotiation structure ---------------------------------------------------------------------------------
_AUX = (r"(?:(?:would|will|'d|\u2019d|'ll|\u2019ll|do|does|did|really|also|definitely|just|actually|still|only|"
        r"truly|desperately|absolutely|kind of|sort of|certainly|probably|usually|always|never|often|mostly|"
        r"already|don't|do not|didn't|did not|won't|will not|wouldn't|would not|can|could|can't|cannot|may|might|"
        r"should|must|are|were|'re|\u2019re|have|'ve|\u2019ve|had|be|been|going to|gonna|need to|want to|have to|"
        r"plan to|plan on|hope to|like to|tend to|used to|happen to|to)\s+)*")
# A "we" that needs, wants, owns, gives or takes for one side.
_ONE_SIDED = match.Pattern(
    rf"\b(?:we|we{_A}(?:d|ll|re|ve))\s+{_AUX}(?:need|needs|needed|want|wants|wanted|require|prefer|like|love|"
    rf"could use|can use|use|have|has|had|got|gotten|own|bring|brought|pack|packed|forgot|lost|ran out|run out|"
    rf"are short|'re short|running (?:out|low|short)|lack|in need|get|getting|take|took|taken|taking|keep|kept|give|gave|given|giving|"
    rf"offer|offered|spare|part with|hold|receive|ask|asking|request|value|prioriti[sz]e|"
    rf"care about|depend on|rely on|count on|burn|drink|eat|cook|boil|collect|gather|consume|go through|"
    rf"would (?:like|love|appreciate)|'d (?:like|love|appreciate)|appreciate|expect|demand|insist|accept|"
    rf"reject|propose|suggest|believe|think|feel|support|oppose|cannot accept|can't accept|won't accept|"
    rf"are willing|are prepared|are ready|are able|are happy|are fine|are ok|are okay|'re willing|"
    rf"are not|'re not|am|is)\b", case=False)
# Joint complements that make "we need/have/get ..." the pair's ("we need to make a deal", "we have a deal",
# "we have similar needs").
_JOINT_AFTER = re.compile(
    rf"\s+(?:\w+\s+){{0,3}}?(?:to (?:\w+ )?)?(?:{_JOINT_VERB}|deal|agreement|compromise|plan|solution|"
    rf"middle ground|common ground|both|each other|together|same|similar|in common|alike)\b")
_FOR_US = match.Pattern(
    r"\b(?:for|to)\s+us\b(?!\s+(?:both|all|two))|\bwith\s+us\b|\b(?:give|giving|gives|leave|leaves|leaving|send|sell|sells|"
    r"offer|offers|allow|allows|let)\s+us\s+(?:have|take|keep|get|\d+|one|two|three|all|the|more|most|extra|some|a|an)\b|"
    r"\bour\s+(?:\w+\s+)?(?:food|water|firewood|wood|supplies|supply|needs?|priorit\w*|items?|packages?|"
    r"share|shares|offer|proposal|position|score|scores|points|requirements?|demands?|budget|"
    r"jobs|concerns?|preferences?|terms|side|end|stuff|gear|money|funds|loan|stake|bottom line|"
    r"red lines?|goals?|mission|objectives?|members|case|view|stance|vote)\b")
# A clause whose predicate is about the deal or the two sides together: "we can conclude the negotiation",
# "we were able to make a mutually beneficial deal", "we have to work together on it".
_JOINT_CLAUSE = re.compile(
    r"\b(?:deal|deals|negotiat\w*|compromis\w*|comprise|agreement|agreeance|agree|agreed|split|splitting|divide|"
    r"figure|work (?:\w+ )?out|together|conclu\w*|proceed|forward|both|each other|one another|equal|equally|"
    r"evenly|middle|halfway|mutual\w*|discuss\w*|decide|settle|arrangement|fair(?! (?:bit|amount|number|few))|"
    r"fairly|win-win|common|similar|same|different|alike|buddies|friends|partners|talk\w*|chat\w*|"
    r"conversation|game|resolve|solution|each of us|all of us|we all|everyone|everybody)\b")
_YOU = re.compile(r"\b(?:you|your|yours|u|ur|ya)\b")
_YOU_WITH_ME = re.compile(r"\b(?:you and (?:i|me)|(?:i|me) and you|you guys and|you and your)\b")
# The speaker has a side of its own once it has spoken of its group or of its own needs: then its plans and
# circumstances ("where we are going") are its side's, not talk the two campers share.
_OWN_GROUP = match.Pattern(
    rf"\b(?:my|our)\s+(?:\w+\s+)?{_FAMILY}\b|\b(?:i(?:'m|\u2019m| am)|we(?:'re|\u2019re| are)) "
    rf"(?:going |camping |traveling |travelling |coming )?(?:with|bringing)\b|"
    rf"\b(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several) of us\b|\bwe{_A}?(?:re| are) a\b|"
    rf"\b(?:i|we)\b[^.!?\n]{{0,20}}?\b(?:need|needs|want|would like|{_A}d like|(?:could|can|would) (?:\w+ )?use|"
    rf"prefer|require|would love|{_A}d love|short on|low on)\b|\bmy (?:\w+ )?(?:priority|priorities|needs?)\b")


def find_tokens(doc: Doc, ctx: Context | None = None) -> list[WeToken]:
    """Every first-person plural token of the message with its referent (and, with three or more
    participants, whom a ``dyad`` includes)."""
    ctx = ctx or Context()
    found = [m for m in match.finditer(TOKEN, doc)]
    if not found:
        return []
    text, low = doc.text, doc.low
    rules = [_COMPILED[k] for k in match.which(_PATTERNS, doc)]
    hits_by_sentence: dict[tuple[int, int], list[tuple[str, str, int, int, str]]] = {}
    out: list[WeToken] = []
    for m in found:
        start, end = m.span()
        raw = text[start:end]
        if raw == "US" and not _mostly_upper(text):
            continue  # the country, not a pronoun (LABELS.md); "U.S." never matches the token pattern
        if low[start:end] == "lets" and not _lets_is_let_us(low, start):
            continue  # "it lets you ..." means "allows"
        sent = doc.sentence_of(start)
        hits = hits_by_sentence.get(sent)
        if hits is None:
            hits = hits_by_sentence[sent] = _sentence_hits(doc, sent, rules)
        ref, ev = _classify(doc, start, end, sent, hits, ctx)
        prev = out[-1] if out and doc.sentence_of(out[-1].char) == sent else None
        if prev is not None and ev.rule in _WEAK and prev.evidence.rule not in _WEAK and prev.ref in ("dyad", "speaker_org"):
            # A token decided only by default or by the speaker having a side follows the token before it in
            # the sentence, when that one was decided by what was said ("we both ... ahead of us").
            ref, ev = prev.ref, Evidence(ev.start, ev.end, ev.text, f"same_as_before:{prev.evidence.rule}")
        out.append(WeToken(raw, start, ref, ev))
    if ctx.many:
        out = [_with_includes(doc, t, ctx) if t.ref == "dyad" else t for t in out]
    return out


_WEAK = frozenset({"default_dyad", "own_side", "speaks_for_side"})


def _lets_is_let_us(low: str, start: int) -> bool:
    before = low[max(0, start - 40):start]
    if _LETS_ALLOWS.search(before):
        return False
    return bool(_LETS_CLAUSE.search(before))


def _mostly_upper(text: str) -> bool:
    letters = [c for c in text if c.isalpha()]
    return bool(letters) and sum(c.isupper() for c in letters) > 0.6 * len(letters)


def _sentence_hits(doc: Doc, sent: tuple[int, int], rules: list) -> list[tuple[str, str, int, int, str]]:
    a, b = sent
    hits = []
    for ref, name, p, scope in rules:
        for m in match.finditer(p, doc, a, b):
            hits.append((ref, name, m.start(), m.end(), scope))
    return hits


def _classify(doc: Doc, start: int, end: int, sent: tuple[int, int],
              hits: list[tuple[str, str, int, int, str]], ctx: Context) -> tuple[str, Evidence]:
    text = doc.text
    for qa, qb in doc.quotes:
        if qa < start and end < qb:
            return "quoted", Evidence(qa, qb, text[qa:qb], "inside_quotes")
    a, _ = sent
    for m in match.finditer(_REPORTED, doc, a, start):
        if not _CLAUSE_END.search(doc.low, m.end(), start):
            return "quoted", Evidence(m.start(), m.end(), text[m.start():m.end()], "reported_speech")
    best: tuple[int, int, int, str, Evidence] | None = None
    for ref, name, s, e, scope in hits:
        if scope == "token" and not (s <= start < e):
            continue
        if ref == "ai_class" and _BOTH.match(doc.low, end):
            continue  # "we both ..." names the two agents: dyad, even when they are called AIs
        # What names a group beats what only says the participants act together: "as we move forward" in a
        # sentence that is about a whole field stays generic. Within each, the token's own phrase first.
        rank = (int(ref == "dyad"), 0 if scope == "token" else 1, _ORDER[ref])
        if best is None or rank < best[:3]:
            best = (*rank, ref, Evidence(s, e, text[s:e], name))
    team = _team_we(doc, start, end, ctx, best)
    if team is not None:
        return "dyad", team
    if best is not None and best[4].rule in ("n_of_us", "theres_us"):
        counted = _counted(doc, best[4], ctx)
        if counted is not None:
            return counted, best[4]
    if best is not None and (best[3] != "dyad" or best[1] == 0):
        return best[3], best[4]
    side = _structure(doc, start, end, sent, ctx)
    if side is not None:
        return "speaker_org", side
    if best is not None:
        return best[3], best[4]
    return "dyad", Evidence(start, end, text[start:end], "default_dyad")


_NUMBERS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
            "eleven": 11, "twelve": 12}


def _counted(doc: Doc, ev: Evidence, ctx: Context) -> str | None:
    """"the six of us": everyone here when the count is the number of participants (or the speaker's team
    when it is the team's size), else a group of the speaker's own ("there are 17 of us")."""
    n = _count(ev.text)
    if n is None:
        return None
    if ctx.participants and n in (len(ctx.participants), len(ctx.teammates) + 1 if ctx.teammates else -1):
        return "dyad"
    if ctx.participants and re.search(r"\b(?:all|the|both)\b", ev.text.lower()) and n <= len(ctx.participants):
        return "dyad"  # "all four of us", "the five of us": some of the participants together
    return "speaker_org"


def _structure(doc: Doc, start: int, end: int, sent: tuple[int, int], ctx: Context) -> Evidence | None:
    """A "we" of the speaker's own side, from the structure of the conversation and the clause: in a
    negotiation between two, a "we" of one side (:func:`_one_sided`); with three or more, the "we" of a
    participant that speaks for an organisation or group (its system prompt says so), when nothing in the
    clause makes it a joint "we"."""
    if ctx.kind != "negotiation":
        return None
    if not ctx.many:
        return _one_sided(doc, start, end, sent, ctx)
    me = ctx.me
    if me is None or not me.side or _JOINT_AFTER.match(doc.low, end):
        return None
    clause_a, clause_b = _clause(doc.low, start, *sent)
    if _JOINT_CLAUSE.search(doc.low, max(clause_a, start - 40), min(clause_b, end + 70)):
        return None
    return Evidence(start, end, doc.text[start:end], "speaks_for_side")


def _team_we(doc: Doc, start: int, end: int, ctx: Context,
             best: tuple[int, int, int, str, Evidence] | None) -> Evidence | None:
    """"our team" / "our side" when the speaker's team has other members here: the team is participants."""
    if not ctx.teammates or best is None or best[4].rule not in ("our_org", "we_the_org", "we_apposition"):
        return None
    ev = best[4]
    if re.search(r"\b(?:team|side|squad|crew|group|alliance|coalition|faction)\b", ev.text.lower()):
        return Evidence(ev.start, ev.end, ev.text, "our_team")
    return None


def _one_sided(doc: Doc, start: int, end: int, sent: tuple[int, int], ctx: Context) -> Evidence | None:
    """In a negotiation, a "we" of one side: needing, owning, giving or taking things, set against "you", or
    (once the speaker has spoken of its own group) its plans and circumstances."""
    low, text = doc.low, doc.text
    a, b = sent
    clause_a, clause_b = _clause(low, start, a, b)
    if _JOINT_CLAUSE.search(low, max(clause_a, start - 40), min(clause_b, end + 70)):
        return None  # the clause is about the deal or both sides: a joint "we"
    tok = low[start:end]
    if tok in ("we", "we're", "we\u2019re", "we've", "we\u2019ve", "we'll", "we\u2019ll", "we'd", "we\u2019d"):
        m = match.match_at(_ONE_SIDED, doc, start, clause_b)
        if m is not None and not _JOINT_AFTER.match(low, m.end()):
            return Evidence(m.start(), m.end(), text[m.start():m.end()], "one_side_needs_or_gives")
    for m in match.finditer(_FOR_US, doc, max(a, start - 25), min(b, end + 30)):
        if m.start() <= start < m.end():
            return Evidence(m.start(), m.end(), text[m.start():m.end()], "one_side_items")
    clause = low[clause_a:clause_b]
    if _YOU.search(clause) and not _YOU_WITH_ME.search(clause) and not _JOINT_AFTER.match(low, end):
        if _against_you(low, start, end, clause_a, clause_b):
            return Evidence(clause_a, clause_b, text[clause_a:clause_b].strip(), "set_against_you")
    if _has_side(doc, ctx) and not _JOINT_AFTER.match(low, end):
        # Once the speaker has spoken of its own group or needs, its plans and circumstances ("where we are
        # going", "we read bedtime stories") are its side's; shared talk has a joint frame.
        return Evidence(start, end, text[start:end], "own_side")
    return None


_CLAUSE_CUT = re.compile(r"[,;:()\n]|\b(?:but|and|so|because|since|while|whereas|although|though|if|then|or)\b")


def _clause(low: str, start: int, a: int, b: int) -> tuple[int, int]:
    """The clause around ``start`` within the sentence ``a:b`` (cut at commas, semicolons, conjunctions)."""
    left = a
    for m in _CLAUSE_CUT.finditer(low, a, start):
        left = m.end()
    end = _CLAUSE_CUT.search(low, start + 1, b)
    return left, (end.start() if end else b)


def _against_you(low: str, start: int, end: int, a: int, b: int) -> bool:
    """The clause gives "you" a different share or role from "we": "we take the food and you take the water"
    (cut into clauses, so look at the sentence's neighbouring clause), "you can have X if we get Y"."""
    window = low[max(0, a - 80):min(len(low), b + 80)]
    return bool(re.search(r"\b(?:you|u)\s+(?:\w+\s+){0,2}(?:get|take|have|keep|can have|could have|can take|"
                          r"could take|will get|would get|give|need|want|receive)\b", window)) and bool(
        re.search(r"\b(?:we|us)\b", low[start:end]))


def _has_side(doc: Doc, ctx: Context) -> bool:
    """Whether the speaker has spoken of its own group (family, friends, party) or of its own needs, in
    this message or an earlier one."""
    if match.search(_OWN_GROUP, doc) is not None:
        return True
    first = ctx.history.memo("we.own_group", _first_group_mention)
    i = first.get(ctx.speaker)
    return i is not None and i < ctx.index


def _first_group_mention(history: History) -> dict[str, int]:
    from .doc import make_doc

    out: dict[str, int] = {}
    for i, turn in enumerate(history.turns):
        if turn.speaker in out:
            continue
        if match.search(_OWN_GROUP, make_doc(turn.text)) is not None:
            out[turn.speaker] = i
    return out


# --- whom a dyad includes (three or more participants) -------------------------------------------------------
_ALL = re.compile(r"\b(?:all of us|we all|us all|we(?:'re|\u2019re| are| can| could| should| have|'ve|\u2019ve| will|'ll|"
                  r"\u2019ll| would|'d|\u2019d) all|(?:any|none|each|some|most|many|every one) of us|everyone|everybody|"
                  r"all (?:\w+ )?(?:parties|sides|teams|of you)|both teams|the (?:three|four|five|six|seven|eight) of us|"
                  r"all (?:three|four|five|six|seven|eight|\d+)(?: of us)?|every (?:party|side|team|one of us)|"
                  r"this (?:group|table|room)|together as a group|(?:the|this|our) (?:whole|entire) (?:group|table|"
                  r"conference|panel|council|coalition))\b")
# What the teams share: the rules, the game, the talk itself.
_SHARED = re.compile(r"\b(?:rules?|alternate|extend|tie-?break|round|match|game|agree\w*|decide|count|summar\w*|"
                     r"introductions?|poem|conversation|chat\w*|talk\w*|discuss\w*|drift\w*|each (?:post|have|write)|"
                     r"each other|everyone|together|share|both teams|all of us|any of us|none of us)\b")
_BOTH_OF = re.compile(r"\b(?:we both|both of us|we(?:'re|\u2019re| are) both|us both|the two of us|you and (?:i|me)|"
                      r"(?:i|me) and you)\b")
_PAIR = re.compile(r"\b([\w' -]{2,40}?)\s+and\s+(?:i|me)\b|\b(?:i|me)\s+and\s+([\w' -]{2,40})\b")


def _names_in(text: str, people: Iterable) -> list[str]:
    out = []
    for p in people:
        for alias in p.aliases:
            if re.search(rf"(?<!\w){re.escape(alias.lower())}(?!\w)", text):
                out.append(p.name)
                break
    return out


def _addressed(text: str, people: Iterable) -> list[str]:
    """Participants the text speaks to by name: "Nova, ...", "... to Player_RED:", "..., Ava?"."""
    out = []
    for p in people:
        for alias in p.aliases:
            a = re.escape(alias.lower())
            m = re.search(rf"(?:(?:^|[.!?\n]\s*|\b(?:hey|hi|so|ok|okay|and|but|well|look)\s+){a}\s*[,:!?]|"
                          rf"\b(?:wait|listen|hey|yo),?\s+{a}\b|\bto {a}\b|,\s*{a}\s*[.!?])", text)
            if m:
                out.append((m.start(), p.name))
                break
    return [name for _, name in sorted(out)]


def _nearest(text: str, names: list[str], ctx: Context, pos: int) -> str | None:
    """Of the participants named in ``text``, the one named nearest to ``pos``."""
    best: tuple[int, str] | None = None
    for p in ctx.others:
        if p.name not in names:
            continue
        for alias in p.aliases:
            for m in re.finditer(rf"(?<!\w){re.escape(alias.lower())}(?!\w)", text):
                d = abs(m.start() - pos)
                if best is None or d < best[0]:
                    best = (d, p.name)
    return best[1] if best else None


def _with_includes(doc: Doc, tok: WeToken, ctx: Context) -> WeToken:
    """Whom a "we" includes, with three or more participants: everyone when it says so ("all of us", "the
    six of us"); the partners it names ("Nova and I"); the one it speaks to when it means two ("we both",
    addressed to Ava); for a team member, the teammates, unless the clause is about the conversation or the
    rules everyone shares; without teams, everyone taking part."""
    low = doc.low
    a, b = doc.sentence_of(tok.char)
    sent = low[a:b]
    others = ctx.others
    everyone = [p.name for p in others]
    if tok.evidence.rule in ("n_of_us", "same_as_before:n_of_us") or _ALL.search(sent):
        n = _count(tok.evidence.text)
        mates = ctx.teammates
        if n is not None and mates and n == len(mates) + 1:
            return _with(tok, [p.name for p in mates])
        if _ALL.search(sent) or n == len(ctx.participants):
            return _with(tok, everyone)
    named: list[str] = []
    for m in _PAIR.finditer(low, 0, b):
        named += _names_in(m.group(1) or m.group(2), others)
    if named:
        return _with(tok, named)
    if _BOTH_OF.search(sent) or _BOTH_OF.search(low, 0, tok.char):
        # "we both", "you and me": the speaker and the one it speaks to.
        one = _addressed(sent, others) or _addressed(low, others) or _names_in(low, others)
        pick = one[0] if len(one) == 1 else _nearest(low, one, ctx, tok.char)
        if pick is not None:
            return _with(tok, [pick])
    mates, rivals = ctx.teammates, ctx.rivals
    if mates:
        clause_a, clause_b = _clause(low, tok.char, a, b)
        rival_words = [p.team for p in rivals if p.team] + [al for p in rivals for al in p.aliases]
        names_rival = any(re.search(rf"(?<!\w){re.escape(w.lower())}(?!\w)", sent) for w in rival_words)
        own = ctx.me.team.lower() if ctx.me and ctx.me.team else ""
        names_own = bool(own) and re.search(rf"(?<!\w){re.escape(own)}(?!\w)", sent) is not None
        allies = _coordinated(sent, rivals)
        if allies:
            return _with(tok, [p.name for p in mates] + allies)  # "Bea and we could be friends"
        if _names_in(sent, mates) or names_own or names_rival:
            return _with(tok, [p.name for p in mates])
        if tok.evidence.rule.endswith("joint_phrase") and re.match(rf"let{_A}?s\b|let us\b|lets\b", low[tok.char:]) \
                or _SHARED.search(low, max(clause_a, tok.char - 40), min(clause_b, tok.char + 70)):
            return _with(tok, everyone)  # "let's ..." said to all, or the rules and talk everyone shares
        return _with(tok, [p.name for p in mates])
    addressed = _addressed(sent, others)
    if len(addressed) == 1 and not ctx.kind == "negotiation":
        return _with(tok, addressed)
    return _with(tok, everyone)


def _coordinated(sent: str, people: Iterable) -> list[str]:
    """Participants named together with the speaker's "we" or "I" ("Bea and we", "we and Dan", "with
    Bea"), as opposed to named as opponents ("we will beat Bea")."""
    out = []
    for p in people:
        for alias in p.aliases:
            a = re.escape(alias.lower())
            if re.search(rf"(?<!\w){a}\s*(?:,|and)\s*(?:we|us|i|me)\b|\b(?:we|us|i|me)\s+and\s+{a}(?!\w)|"
                         rf"\b(?:together with|along with|alongside|with) {a}(?!\w)", sent):
                out.append(p.name)
                break
    return out


def _count(text: str) -> int | None:
    m = re.search(r"\b(\d+|" + "|".join(_NUMBERS) + r")\b", text.lower())
    if m is None:
        return None
    return int(m.group(1)) if m.group(1).isdigit() else _NUMBERS[m.group(1)]


def _with(tok: WeToken, names: list[str]) -> WeToken:
    return WeToken(tok.token, tok.char, tok.ref, tok.evidence, tuple(dict.fromkeys(names)))


__all__ = ["REFS", "SOCIAL", "TOKEN", "WeToken", "find_tokens"]
