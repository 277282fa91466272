"""Cooperation, competition and conflict (LABELS.md ``cooperative``, ``competitive``, ``adversarial``).

Each is judged by what a message does to the other participant(s), not by its politeness:

- cooperative: serving the other's interest or the joint outcome. Agreeing with or accepting the other's
  position or offer, praise and thanks (not thanks that only softens a refusal: "I appreciate the offer,
  but ..."), proposing or accepting a joint activity, a deal offered as fair or good for both, conceding,
  offering help or things, empathy for the other's needs, de-escalating, a mutual ending. Greetings alone are
  not cooperative, and neither is a proposal that only serves the speaker.
- competitive: pressing one's own interest without hostility. Stating one's needs to get more, asking for
  things or the larger share, insisting, holding firm, rejecting an offer.
- adversarial: acting against the other. Challenges, boasts, claims of superiority, insults, threats (walking
  away used as pressure), undermining the other's needs, claims or credibility, manipulation, rallying others
  against a participant, sabotaging an agreement, declaring victory.

Moves written in a game's protocol (``Submit-Deal: ...``, ``player answer: ACCEPT``, a proposed trade) are
read by :mod:`.offers`, which compares an offer with the ones before it (a concession is cooperative, asking
for more than one was offered is competitive). The word lists are general conversational and bargaining
language, written from the definitions, not taken from any labelled conversation.
"""

from __future__ import annotations

import re
from typing import Sequence

from . import match, offers
from .context import Context
from .doc import Doc, Evidence, in_question, negated
from .outcome import HEDGE
from .we import WeToken

_PRAISE_WORDS = (
    r"(?:excellent|great|good|fascinating|insightful|thoughtful|impressive|brilliant|wonderful|valuable|spot-on|"
    r"thorough|comprehensive|clear|compelling|remarkable|kind|generous|helpful|interesting|creative|clever|smart|"
    r"amazing|fantastic|outstanding|solid|detailed|well[- ](?:thought|considered|structured|said|put|done|reasoned)|"
    r"practical|accurate|perceptive|astute|wise|lovely|nice|superb|engaging|enlightening|informative|cool|"
    r"sweet|awesome|reasonable|fair|sensible|constructive|elegant|beautiful|strong|excellent)"
)
_GIVE = r"(?:give|offer|let you have|let you take|let you keep|share|trade|spare|send|hand over|part with|provide)"
_ITEM = r"(?:\d+|one|two|three|all|some|the|a|an|my|your|extra|more|it|them|that|those|this|half)"

_COOP = match.Rules([
    # Thanks for something (the offer, the point, the help), or thanks that stand on their own; a "Thank you,
    # Governor." that opens a statement of one's position is a formula (_formula_thanks).
    ("thanks", r"\b(?:thanks?|thank you|thx|ty|grateful|gratitude|cheers)\b|\bappreciat(?:e|ed|es|ing|ion)\b"),
    ("agreement",
     r"\bi (?:completely |totally |fully |wholeheartedly |absolutely |certainly |entirely |strongly |"
     r"definitely |do |will |would |can |could )?agree\b|"
     r"\byou(?:'re|\u2019re| are) (?:absolutely |quite |so |completely |totally |exactly )?right\b|"
     r"\b(?:good|great|fair|excellent|valid) point\b|\bwell said\b|\bfair enough\b|\bthat makes (?:total |perfect )?sense\b|"
     r"\bi see your point\b|\blikewise\b|\bme too\b|\bsame here\b|\bagreed\b|"
     r"\bsounds (?:good|great|like a (?:good|great|fine|wonderful|plan|fun|deal|fair)|wonderful|fun|lovely|perfect|"
     r"fair|reasonable|interesting|intriguing|fascinating|exciting|delightful|fine|ok|okay|awesome|excellent)\b|"
     r"\b(?:great|good|excellent|wonderful|lovely|fine|brilliant) (?:idea|suggestion|choice|plan|offer|proposal)\b|"
     r"\bworks for me\b|\b(?:'s|\u2019s|is|was) (?:(?:absolutely|quite|so|totally) )?right (?:about|that|on)\b|"
     r"\b(?:put|said|says|puts) it (?:well|perfectly|best)\b|\b(?:makes|made|has|had) a (?:good |fair |great |real )?"
     r"point\b|\b(?:'s|\u2019s|is|isn't|is not|was) not wrong\b|\bisn(?:'t|\u2019t) wrong\b|"
     r"\bi (?:really )?like (?:that|this|the|your) (?:\w+ )?(?:framing|idea|plan|suggestion|point|approach|proposal|"
     r"thinking|framework|criteria)\b|\bi(?:'d|\u2019d| would)(?: be)? (?:happy |glad )?(?:be )?up for (?:that|it|this)\b|"
     r"\bi(?:'m|\u2019m| am) up for (?:that|it|this)\b|\bi(?:'ll|\u2019ll| will) play\b|\bhappy to (?:play|join|go along)\b|\b(?:is|'s|\u2019s) (?:exactly )?the right (?:answer|call|idea|approach|way|move)\b|"
     r"\b(?:is|was) (?:absolutely |quite |so |completely |totally |exactly |entirely )?right\b(?! (?:now|away|here|there|"
     r"after|before|at|in|on|to|next))|"
     r"\bi(?:'m|\u2019m| am) (?:on board|happy with (?:that|this|your|the))\b|\+1\b|\bfair point\b|"
     r"\b(?:acceptance|support|agreement) (?:stands|holds|remains)\b|\b(?:accept|accepts|support|supports) "
     r"(?:the |this |your )?(?:proposal|plan|deal|offer|idea|version|compromise)\b|"
     r"\b(?:it(?:'s|\u2019s| is)|that(?:'s|\u2019s| is)|you(?:'ve|\u2019ve| have) got) a deal\b|^deal\b|\bdeal[!.]|"
     r"\bi (?:can |will |would |happily |gladly )?accept\b|\bi(?:'ll|\u2019ll) accept\b|\bi(?:'m|\u2019m| am) "
     r"(?:fine|ok|okay|good|happy|comfortable|on board) with (?:that|this|it|your)\b|"
     r"\b(?:that|this|it) (?:works|would work|could work|should work) (?:for me|for us|for both|for everyone|perfectly|"
     r"great|well)\b|\b(?:that|this)(?:'s|\u2019s| is) (?:fine|acceptable|fair|reasonable|perfect|ok|okay) "
     r"(?:with|by|for) me\b|\bi can (?:live|work) with (?:that|this)\b|\blet(?:'|\u2019)?s do (?:it|that|this)\b|"
     r"\bi(?:'m|\u2019m| am) in\b|\bcount me in\b|\bi support (?:this|that|the|your)\b|\bi(?:'ll|\u2019ll| will) "
     r"(?:vote|sign) for\b|\bi vote (?:yes|for)\b|\byou(?:'ve|\u2019ve| have) convinced me\b"),
    # A bare "Okay." / "Sure!" / "Deal." answering the other: accepting what it said. Inside a longer sentence
    # ("Okay, I would like more food") it only opens the sentence.
    # (_opens_sentence keeps only a match that opens its sentence)
    ("assent", r"\b(?:sure|absolutely|certainly|of course|indeed|okay|ok|okie dokie|okey dokey|alright|yes|yeah|yep|"
               r"yup|definitely|gladly|with pleasure|perfect|great|oh great|excellent|exccellent|awesome|cool|deal|"
               r"agreed|done|fine|sounds good|that works|that(?:'s|\u2019s| is) right|right|correct|exactly|"
               r"sure,? i can do that|i can do that)"
               r"(?:,? (?:thanks?|thank you|then|friend|buddy|deal|that works|sounds good|i agree|i accept|great))?"
               r"(?:[.!]+(?=\s|$)|(?=[ \t]*(?:\n|$)))"),
    ("praise", rf"\b(?:your|you(?:'ve|\u2019ve| have)|you(?:'re|\u2019re| are))\b[^.!?\n]{{0,60}}?\b{_PRAISE_WORDS}\b"),
    ("praise", r"\b(?:well done|nice work|good job|great job|nicely done|bravo|kudos|hats off|good call|great call|"
               r"nice one|(?:i|we) (?:really |absolutely |just )?love (?:the|your|this|that|it|how|you)|"
               r"credit where (?:it(?:'s| is) )?due|good question|great question|excellent question|masterclass|"
               r"(?:suits|suit) you|loves? you|(?:is|was|are|were|sounds|looks|seems) (?:really |so |very |much more |"
               r"quite |truly |genuinely |absolutely )?(?:wonderful|lovely|brilliant|credible|smart|clever|beautiful|"
               r"impressive|elegant|fantastic|amazing|excellent|superb|inspired)|i(?:'d|\u2019d| would) happily work with|"
               r"(?:this|that|it) (?:was|has been) (?:lovely|wonderful|a joy|fun|great|a pleasure))\b"),
    ("praise",
     rf"\b(?:that's|that\u2019s|that is|this is|what an?|such an?|those are|these are|it's been|it has been)\s+"
     rf"(?:an?\s+)?(?:really\s+|very\s+|truly\s+|indeed\s+|such\s+|so\s+|quite\s+|super\s+)?{_PRAISE_WORDS}\b"),
    ("joint_activity",
     r"\blet(?:'|\u2019)?s\b(?! (?:see who|find out who|settle|not|be clear|be honest|be real|face it|go\b|close|"
     r"finish|end it|test|raise the stakes|see (?:if|how|it)|crush|beat|show|prove|do this))|"
     r"\blet us\b(?! (?:know|have|keep|take|get))|"
     r"\b(?:how|what) about (?:we\b|us\b|\w+ing together|a\b)|\b(?:perhaps|maybe|instead,?) (?:we|us)\b|"
     r"\bwe (?:could|can|should|might|may) (?:\w+ ){0,2}(?:have|discuss|talk|explore|chat|collaborate|work|focus|"
     r"share|continue|try|look|delve|dive|examine|consider|analy[sz]e|agree|move on|play|build|create|keep|shift|"
     r"turn|learn|help|find|switch|split|meet|compromise|combine|merge|reach|figure|come to|settle)\b|"
     r"\bshall we\b|\bwhy don't we\b|\bcollaborat\w*|\b(?:work|working|play|playing|team|join|do|build|make|write|"
     r"think|plan|collaborate|figure|come|get|stick|stay|be|put|bring) (?:\w+ )?together\b|\btogether,? (?:we|let)\b|"
     r"\bwe both\b|\bboth of us\b|\bjoin (?:me|forces|you|us)\b|"
     r"\bteam up\b|\bwork with you\b|\bwith you\b(?= (?:on|about|if))|\bwork (?:it|this|something) out\b|"
     r"\bcome to an? (?:agreement|deal|arrangement|compromise|understanding)\b|\bon the (?:right|same) (?:track|page)\b|"
     r"\bmaking progress\b|\bwe can (?:negotiate|work (?:it|this|something) out|figure (?:it|this|something) out)\b"),
    ("invitation",
     r"\b(?:would|do|did|have|could) you (?:like|want|care|prefer|enjoy|ever|also)\b(?! (?:to (?:give|take|have|keep)|"
     r"more|less|all|the (?:food|water|firewood)))|"
     r"\bwhat(?:'s|\u2019s| is| are| was| do| would) (?:your|you) (?:favou?rite|hobb\w*|thoughts?|think|opinion|take|"
     r"view|perspective|interests?|enjoy|like|love)\b|"
     r"\bhow about you\b|\band you\?|\byour (?:thoughts|favou?rite|opinion|take|view|perspective|interests?|hobb\w*)\b|"
     r"\bwhich (?:\w+ )?(?:do|would) you (?:like|prefer|enjoy|recommend)\b|\bhave you (?:ever|read|seen|tried|played|been)\b"),
    ("offer_help",
     r"\bi(?:'d|\u2019d| would| am|'m|\u2019m) (?:be )?(?:happy|glad|delighted|pleased|here|willing) to "
     r"(?:help|assist|discuss|provide|share|explore|chat|continue|talk|answer|offer|dive|delve|elaborate|explain|"
     r"give|let you|work with|accommodate|support|do (?:that|this|it)|go with|accept|agree)\b|"
     r"\bhow (?:can|may|could) i (?:help|assist)\b|\b(?:can|may|could) i (?:help|assist|offer)\b|\bfeel free to\b|"
     r"\bi(?:'m|\u2019m| am) (?:always )?here (?:to|if|whenever|when|for)\b|\bif (?:that|this|it) would be helpful\b|"
     r"\blet me know if (?:you|there)\b|\bi can (?:help|assist|explain)\b|\bhappy to help\b|\bat your service\b|"
     r"\bif you(?:'d|\u2019d| would)? like\b|\bif you (?:need|want) (?:\w+ )?(?:more|it|them|some|help|anything)\b"),
    ("offer",
     rf"\bi(?: can| could| will| would|'ll|\u2019ll| shall| am willing to|'m willing to|\u2019m willing to| am happy to|"
     rf"'m happy to|\u2019m happy to| am able to| don't mind| do not mind| wouldn't mind)(?: also| still| definitely| just)? "
     rf"(?:\w+ )?{_GIVE} (?:you|u|it|them|that|this|{_ITEM})\b|\blet(?:ting)? (?:you|u) (?:have|take|keep|get)\b|"
     rf"\bhow about (?:i|we) (?:give|offer|let)\b|"
     rf"\bi(?:'ll|\u2019ll| will) (?:let you|throw in|add|include|sweeten)\b|"
     rf"\byou (?:can|could|may|should) (?:have|take|keep|get) (?:all|the|it|them|that|those|\d+|one|two|three|"
     rf"both|my|some|more|extra|whatever|what)\b|\byou(?:'re|\u2019re| are) welcome to\b|"
     rf"\bin exchange (?:for|i(?:'ll| will| can| could))\b|\bi(?:'m|\u2019m| am) (?:willing|prepared|open|ready) to "
     rf"(?:give|offer|let|go|accept|settle|compromise|lower|raise|reduce|increase|part|trade|share|consider|adjust|"
     rf"move|drop|come|meet)\b|\bi don(?:'t|\u2019t) (?:really |actually )?need (?:the |any |much |as much |more |"
     rf"all |that much )?(?:\w+ )?(?:so|,? (?:you can|you could|take|have))\b|"
     rf"\b(?:you take|you get|you keep|you can have|you could have|you'd have|you would have|you'll have)\b(?= "
     rf"(?:\d+|one|two|three|all|the|both|it|them|that|those|more|most|extra|some|whatever))|"
     rf"(?<!embarrassed )(?<!sorry )(?<!happy )(?<!glad )\b(?:for you|to you)\b(?= and| in| if| so|[,.!?])"),
    ("concession",
     r"\bi (?:can|could|will|'ll|\u2019ll|would) (?:go|come|move) (?:down|up|lower|higher) to\b|"
     r"\bi(?:'ll|\u2019ll| will| can| could) (?:lower|raise|reduce|increase|drop|improve|sweeten|adjust) (?:my|the|our)\b|"
     r"\bi (?:can|could|will|'ll|\u2019ll) (?:settle|make do|live) (?:for|with)\b|\bi concede\b|\bi yield\b|"
     r"\bi(?:'ll|\u2019ll| will| can| could) (?:give up|let go of|forgo|forego|drop my|back down|compromise)\b|"
     r"\bto (?:meet you|compromise|be fair|make (?:it|this) (?:fair|work)|show good faith|keep things moving)\b|"
     r"\bas a (?:compromise|concession|gesture)\b|\bi(?:'m|\u2019m| am) (?:willing|happy|ok|okay|fine) (?:with|to) "
     r"(?:take|taking|get|getting|have|having|accept|accepting) (?:less|only|just|fewer)\b"),
    ("empathy",
     r"\b(?:i(?:'m|\u2019m| am) )?(?:so |very |really )?sorry (?:to hear|for your|about your|that you|you(?:'re| are))\b|"
     r"\bi (?:completely |totally |fully |definitely |can |do )?understand (?:that|how|your|why|you|what|where)\b|"
     r"\bthat (?:must|would|can|could) be (?:hard|difficult|tough|rough|scary|stressful|frustrating|challenging|awful)\b|"
     r"\b(?:is|sounds like|must be) (?:a |an )?(?:really |very |so )?(?:hard|tough|difficult|rough|awful|terrible|scary)"
     r" (?:\w+ )?(?:disease|condition|time|trip|situation|thing|one|night|day|start|to)\b|\bin the same boat\b|"
     r"\bi (?:completely |totally |fully |definitely |can |do )?understand the (?:frustration|concern|worry|"
     r"point|need|pressure|position)\b|"
     r"\bthat sounds (?:hard|difficult|tough|rough|scary|stressful|frustrating|challenging|awful|terrible|"
     r"important|like a lot)\b|\bi (?:hope|wish) (?:you|your)\b|\bhope you (?:have|enjoy|get|feel)\b|"
     r"\bi can (?:see|imagine|tell) (?:why|how|that) you\b|\boh no\b|\bpoor (?:you|thing)\b|\bi feel for you\b|"
     r"\bi(?:'m|\u2019m| am) glad (?:you|to hear)\b|\bgood for you\b|\benjoy your\b|\bhave (?:a |an )?(?:great|good|"
     r"wonderful|fun|safe|nice|amazing) (?:trip|time|camping|weekend|vacation|hike)\b|\byour (?:needs|concerns?|"
     r"situation|priorities) (?:are|is|make)\b|\bi (?:know|realize|recognize|see) (?:that )?you (?:need|want|"
     r"have|are)\b|\bmakes sense (?:that|why) you\b|\byou (?:deserve|should get)\b"),
    ("conciliatory",
     r"\b(?:no hard feelings|agree to disagree|apologi[sz]e|my apologies|peace|truce|call it a (?:draw|tie)|"
     r"it's a (?:draw|tie)|we both win|win-win|win win|compromise|middle ground|meet (?:you )?(?:halfway|in the middle)|"
     r"well played|good game|fair play|you win|you(?:'ve| have) won|common ground|no need to (?:compete|fight|argue)|"
     r"kindness|cooperat\w*|mutual(?:ly)?(?: beneficial)?|(?:let's|let us) (?:not fight|calm down|start over)|"
     r"good faith|respect your|i respect|(?:i|we)(?:'re|\u2019re| are| am|'m) (?:very |always |completely |totally |"
     r"happy to be |still )?(?:open|flexible) (?:to|on|about)|happy to be flexible|happy to (?:work|meet|move))\b"),
    ("fairness",
     r"\b(?:fair(?:ly|ness)?(?! to say| enough to)|equitabl[ey]|even split|split (?:it|them|the \w+|things) (?:evenly|equally|down the middle)|"
     r"both (?:of us )?(?:be happy|benefit|get|come out|walk away)|(?:work|works|good|fair|better|best) for "
     r"(?:both|everyone|all of us|each of us|all|you and me|us both)|(?:good|fair|great|balanced) (?:deal|trade|"
     r"split|offer|outcome|result) for (?:both|you|everyone|all)|benefits? (?:us both|both of us|everyone|all of us|"
     r"each other|both)|balanced|equal(?:ly)?|evenly|halfway)\b"),
    ("mutual_ending",
     r"\b(?:goodbye|good ?bye|bye for now|farewell|take care|(?:it(?:'s|\u2019s| has) been|what) a pleasure|"
     r"pleasure (?:talking|chatting|speaking|discussing|exchanging|negotiating|doing business|working)|"
     r"(?:nice|great|good|lovely) (?:talking|chatting|speaking|negotiating|doing business|working) (?:to|with) you|"
     r"enjoyed (?:our|this|the) (?:conversation|chat|discussion|exchange|negotiation)|you(?:'re|\u2019re| are) welcome|"
     r"glad (?:we (?:could|did|got|were)|you (?:came|joined)|to (?:have (?:met|talked|chatted|worked)|meet you))|"
     r"until next time|see you|good luck)\b"),
])

_COMP = match.Rules([
    ("own_need",
     r"\b(?:i|we)(?:'d|\u2019d| would| really| also| definitely| desperately| truly| do| absolutely| just| still| "
     r"only| will| 'll|\u2019ll| actually| kind of| sort of|'m going to|\u2019m going to| am going to|'re going to|"
     r"\u2019re going to| are going to|'m gonna|'re gonna| will also| would also)* (?:need|require|must have|have to have|can(?:'t|not) "
     r"(?:do|go|live|survive) without|depend on|rely on)\b(?! to (?:make|reach|find|agree|come|figure|work|split|"
     r"decide|settle|compromise|talk|discuss|finalize|submit))|"
     r"\b(?:my|our) (?:\w+ )?(?:priority|priorities|need|needs|requirement|requirements|main concern|biggest concern|"
     r"red line|bottom line|minimum)\b(?: (?:is|are|would be|remains?))?|"
     r"\b(?:important|essential|crucial|vital|necessary|critical|a must) (?:to|for) (?:me|us|my|our)\b|\bi(?:'m|\u2019m| am) (?:in (?:dire |desperate |great )?need of|short on|low on|running "
     r"low|out of)\b|\bwe(?:'re|\u2019re| are) (?:in (?:dire |desperate |great )?need of|short on|low on|running "
     r"low|out of)\b"),
    # Hardship that sets up a claim: what the speaker's side lost, lacks or suffers.
    ("own_need",
     r"\b(?:i|we|my|our)\b[^.!?\n]{0,40}?\b(?:lost|forgot|ran out|running out|spilled|didn't (?:bring|pack)|"
     r"did not (?:bring|pack)|don't have (?:enough|any|much)|do not have (?:enough|any|much)|short on|low on)\b|"
     r"\b(?:took|ate|stole|tore|ruined|got into) (?:all )?(?:of )?(?:our|my)\b|\bcan (?:you|u) (?:get by|manage|make do|"
     r"survive) (?:with|on)\b"),
    ("ask",
     r"\b(?:i|we)(?:'d|\u2019d| would| really| also| definitely| still| just| really)* (?:like|love|want|prefer|"
     r"hope) (?:to (?:have|get|take|keep|receive|ask for)|(?:all|most|more|the|\d+|two|three|both|extra|some|"
     r"the majority|at least|a majority|majority))\b|\b(?:i|we)(?:'d|\u2019d| would) (?:really )?appreciate (?:a|the|some|"
     r"more|\d|two|three|all|extra|getting|having|it if)\b|\b(?:would|could|can|will) (?:you|u) (?:\w+ )?(?:throw|add|"
     r"give|spare|include|part with|let me have|do)\b(?= (?:\w+ ){0,3}(?:\d|one|two|three|all|more|extra|of those|in|me))|"
     r"\bif (?:you|u) (?:make it|give me|throw in|add|can do|could do)\b|\bwhy do (?:you|u) need (?:so much|so many|all|"
     r"that much|that many|more)\b|\b(?:only )?fair (?:that )?i (?:get|take|keep|have)\b|\b(?:can|could|may|might) (?:i|we) (?:have|get|take|keep|ask for|please have)\b|"
     r"\b(?:give|send|pass|hand) (?:me|us)\b|\b(?:i|we)(?:'ll|\u2019ll| will| would| could| can|'d|\u2019d)? "
     r"(?:take|keep|get|grab|claim)\b(?= (?:\d+|one|two|three|all|the|both|most|more|extra|it|them|that|those|"
     r"my|your|half|\w+ (?:food|water|firewood|zup)))|"
     r"\byou (?:could |can |would |should |will )?(?:give|send|pay|offer) (?:me|us)\b|\b(?:i|we) (?:want|ask for|"
     r"am asking for|'m asking for|request|demand|expect)\b|\bi(?:'m| am) (?:hoping|looking) (?:to get|for)\b|"
     r"\bhow about (?:i|me|we) (?:get|take|keep|have|getting|taking|keeping|having)\b|"
     r"\b(?:one|two|three|all|most|both) (?:\w+ )?(?:for me|for us|to me|to us)\b|"
     r"\b(?:more|bigger|larger|greater) (?:share|portion|amount|part|cut|slice|piece)\b|\bthe majority\b"),
    ("reject",
     r"\bi (?:can(?:'t|\u2019t|not)|won(?:'t|\u2019t)|will not|would not|wouldn(?:'t|\u2019t)|do not|don(?:'t|\u2019t)) "
     r"(?:really |possibly |just |simply )?(?:accept|agree|do that|do this|go (?:that|any|so) (?:low|high)|go "
     r"(?:lower|higher|below|above|any lower|any higher)|give (?:up|away|you (?:all|more|that|those|the))|part with|"
     r"afford|settle|take (?:that|this|less)|support (?:that|this|it))\b|"
     r"\b(?:that|this|it)(?: offer| deal| proposal| split)? (?:doesn(?:'t|\u2019t)|does not|won(?:'t|\u2019t)|will not|"
     r"wouldn(?:'t|\u2019t)|would not) (?:really )?work(?: for (?:me|us))?\b|\bnot (?:enough|acceptable|"
     r"good enough|fair (?:to|for) (?:me|us)|a fair (?:deal|split|trade|offer))\b|"
     r"\b(?:that(?:'s|\u2019s| is)|it(?:'s|\u2019s| is)) (?:way |far |much |a bit |a little )?too (?:low|high|much|"
     r"little|steep|expensive|cheap|few|many|one-sided)\b|\bno deal\b|\breject(?:-| )?deal\b|\bi reject\b|"
     r"\bplayer answer:\s*reject\b|\bi(?:'m|\u2019m| am) (?:not (?:willing|able|prepared|ready|comfortable)|unable) "
     r"to (?:accept|agree|give|go|do|part|settle|take|support)\b|\bi(?:'d|\u2019d| would) rather (?:not|keep)\b|"
     r"\bthat(?:'s|\u2019s| is) not (?:going to|gonna) work\b|\bi (?:have to|must|need to) (?:decline|reject|say no|"
     r"refuse|pass)\b|\bunfortunately,? (?:i|we|that|this)\b|\bi (?:cannot|can't|can\u2019t) (?:do|go) (?:that|"
     r"better|more|less|any)\b|\b(?:that|this|it)(?:'s|\u2019s| is| seems| sounds| would be)? (?:not possible|impossible|"
     r"(?:very |really |kind of |a bit |pretty |quite |so |way )?(?:unfair|excessive|one-sided|lopsided|a lot to ask))\b|"
     r"\b(?:doesn(?:'t|\u2019t)|does not|don(?:'t|\u2019t)) (?:seem|sound|look) (?:very |really |entirely |quite )?fair\b|"
     r"\bnot (?:very |really |entirely |quite )?fair\b|\bdeal ?breaker\b|\basking (?:for )?(?:way |far )?too much\b|"
     r"\bi (?:don(?:'t|\u2019t)|do not) think i can (?:do|give|accept|go|part|agree)\b|\bno(?:pe)?[.!]*(?=\s*(?:$|\n|[^\w\s])|"
     r"\s+(?:thanks|way|deal|sorry))"),
    ("own_demand",
     r"\b(?:i|we)(?:'d|\u2019d| would| will|'ll|\u2019ll)? (?:only )?(?:accept|support|agree to) (?:\w+ ){0,3}"
     r"(?:if|with|provided|as long as|only if|on condition)\b|\b(?:or|otherwise) (?:it(?:'s|\u2019s| is) a )?(?:reject|no)\b|"
     r"\bwithout (?:\w+ ){0,4}(?:there(?:'s|\u2019s| is) no|we (?:can(?:'t|not)|won(?:'t|\u2019t))|i (?:can(?:'t|not)|"
     r"won(?:'t|\u2019t)))\b|\b(?:here(?:'s|\u2019s| is) what (?:i|we|\w+) (?:need|want)s?)\b"),
    ("press",
     r"\b(?:i(?:'d|\u2019d| would)|we(?:'d|\u2019d| would)) (?:still |really |strongly )?(?:push|press|hold out|argue) for\b|"
     r"\b(?:our|my) (?:honest |firm |clear |final )?(?:position|ask|request|demand|counter|counteroffer|counter-offer|"
     r"requirement) (?:\w+ )?(?:is|remains|stands)\b|\b(?:it(?:'s|\u2019s| is)|that(?:'s|\u2019s| is)) (?:a |an )?(?:no|reject)\b"),
    ("contest_move",
     r"\b(?:scoreboard|score (?:is|stands|stays)|scores? so far|point number \w+|that(?:'s|\u2019s| is) (?:a |another )?point|"
     r"quick test|a counter for|my question for|(?:a |our |the )?question for (?:team )?\w+|your move|yours:|"
     r"(?:does not|doesn't|doesn\u2019t|isn't|isn\u2019t|is not|won't|will not|do not|don't|never) concede|not conceding|"
     r"take the win|my goal is to win|(?:better|good|best) for me|that(?:'s|\u2019s| is) me|my (?:case|pitch)|"
     r"i(?:'m|\u2019m| am) voting|my vote (?:is|goes))\b"),
    ("firm",
     r"\b(?:final offer|last offer|best (?:and final )?offer|non-?negotiable|take it or leave it|my final|"
     r"that(?:'s|\u2019s| is) (?:the best|as (?:low|high|far) as) i can (?:do|go)|i insist|i won(?:'t|\u2019t) "
     r"(?:go|budge|move|accept anything) (?:lower|higher|below|above|less|more|further)|not a (?:\w+ )?more|"
     r"not one (?:\w+ )?more|my (?:bottom|lowest|highest|minimum) (?:line|price|offer)|i (?:stand|stick) by|"
     r"i(?:'m|\u2019m| am) (?:firm|sticking|staying|holding)|i (?:must|have to) (?:insist|hold)|stand firm|"
     r"i will only (?:accept|agree|consider)|the only (?:deal|offer|trade|proposal|option) i(?:'ll| will| would| can)?)\b"),
])

_GRANDIOSE = (
    r"(?:unmatched|unparalleled|unrivall?ed|legendary|superior|supreme|magnificent|boundless|infinite|limitless|"
    r"incomparable|flawless|impeccable|godlike|unsurpassed|peerless|awe-inspiring|genius|ego|brilliance|greatness|"
    r"majestic|glorious|extraordinary|unstoppable|unbeatable|invincible|dazzling|perfection|perfect)"
)
_ADV = match.Rules([
    ("challenge",
     r"\bi (?:challenge|dare) you\b|\bchallenge accepted\b|\bbring it on\b|\bgame on(?=[!.,]|\s*$)|\blet the games begin\b|"
     r"\bmay the best\b|\blet(?:'|\u2019)?s see (?:who|if you|how you)\b|\bsee who(?:'s|\u2019s| is| can| will)\b|"
     r"\bwho(?:'s|\u2019s| is) (?:the )?(?:better|best|greater|smarter|bigger|biggest|greatest|superior|stronger)\b|"
     r"\bcan you (?:top|beat|match|handle|outdo|compete with|do better|keep up)\b|\btry (?:to )?(?:beat|top|match|outdo)\b|"
     r"\bis that (?:all|the best) you(?:'ve|\u2019ve)? got\b|\byour move\b|\bprove it\b|\bface me\b|\btop that\b|"
     r"\bbeat that\b|\bthink you can\b|\bcompete (?:with|against) me\b|\baccepts? the challenge\b|"
     r"\blet(?:'|\u2019)?s test\b|\blet us (?:test|see)\b|\banswer carefully\b|\bgive (?:us|me) your (?:best|hardest)\b|"
     r"\bbest shot\b|\b(?:two |three |a |my |our )?challenges? for (?:team )?\w+|\bmy question for\b|\ba counter for\b|"
     r"\bquick test\b|\byours:\s"),
    ("superiority",
     r"\b(?:better|smarter|superior|greater|stronger|faster|bigger|wiser|more \w+) than (?:you|yours|your|them|"
     r"theirs|their|team \w+)\b|"
     r"\b(?:i(?:'m|\u2019m| am)|i will always be|i remain|we(?:'re|\u2019re| are))\s+(?:clearly |obviously |simply |"
     r"truly |undoubtedly |definitely |far |much |certainly |indisputably |still |always |by far |easily |"
     r"unquestionably |really |just )*(?:the )?(?:best|greatest|biggest|smartest|superior|ultimate|"
     r"champions?|undefeated|unbeatable|unstoppable|number one|king|queen|masters?|winners?|victors?|"
     r"most \w+(?! (?:on|about|in|with|for|at|to|of|interested|excited|flexible|important|concerned|worried))|\w+est)\b|"
     r"\bno match for (?:me|my|us|our)\b|\b(?:bow|kneel) (?:down|before)\b|"
     r"\b(?:pales?|nothing) (?:in comparison )?(?:to|compared to|next to) (?:me|mine|my|us|ours)\b|\bout(?:shine|class|smart|wit)\w*\b|"
     r"\beclipse[sd]? (?:you|yours)\b|\bsurpass(?:es|ed)? (?:you|yours|any)\b|\b(?:our|my) superiority\b|"
     r"\bin my sleep\b|\b(?:outnumbered|outclassed|outgunned|outmatched)\b"),
    ("boast", rf"\b(?:my|mine|i(?:'m|\u2019m| am))\b(?:(?!\byou)[^.!?\n]){{0,40}}?\b{_GRANDIOSE}\b"),
    ("insult",
     r"\b(?:pathetic|stupid|idiot\w*|fool(?:ish|s)?|dumb|inferior|feeble|laughable|ridiculous|amateur\w*|loser|"
     r"coward\w*|clown\w*|puny|mere mortal|weakling|lame|mediocre|worthless|incompetent|delusional|nice try|"
     r"how adorable|how cute|cute attempt|sad attempt|weak attempt|junk|garbage|trash|rubbish|absurd|insulting|"
     r"lowball\w*|greedy|selfish|clueless|naive|joke|dreaming|cheapskate|scam\w*|rip-?off|moron\w*|imbecile|"
     r"useless|hopeless|embarrassing|sloppy|shameless|parasite|leech|vulture|shark|deadbeat|crook|thie(?:f|ves)|"
     r"liar|pitiful|a waste of (?:my |our )?time|wasting (?:my|our) time|grow up|give me a break|"
     r"who do you think you are|embarrassed for you|embarrassing|whining|whiny|"
     r"primary-school|kindergarten|cute list|charming\.)\b"),
    ("threat",
     r"\bi(?:'ll|\u2019ll| will| shall| am going to|'m going to) (?:\w+ )?(?:destroy|crush|defeat|beat|annihilate|"
     r"dominate|obliterate|demolish|win|triumph|prevail|take you down)\b|"
     r"\byou(?:'ll|\u2019ll| will| are going to|'re going to) (?:\w+ )?(?:lose|regret|fail|fall|be defeated|never win|"
     r"get nothing|end up with nothing|walk away with nothing|be sorry)\b|"
     r"\byou (?:can't|cannot|could never|will never|won't) (?:\w+ )?(?:win|beat|match|compete|defeat|top)\b|"
     r"\bwe(?:'ll|\u2019ll| will|'re gonna|\u2019re gonna|'re going to| are going to)? (?:still |definitely |definately |"
     r"totally |just )?(?:gonna )?(?:beat|crush|destroy|smoke|defeat|demolish|annihilate|dominate|eat it|eat you|"
     r"bury|wipe the floor)\b|"
     r"\b(?:or|otherwise|else|if not),? (?:i|we)(?:'ll|\u2019ll| will| shall| am going to| might| may| could)? "
     r"(?:\w+ )?(?:walk away|walk|leave|reject|veto|block|go elsewhere|take my business|report|expose|end this)\b|"
     r"\bi(?:'ll|\u2019ll| will| shall| am going to|'m going to| might| may) (?:just |simply |have to )?"
     r"(?:walk away|walk out|leave the table|end (?:this|the) negotiation|veto|block)\b|"
     r"\bwalk-away\b|\b(?:we(?:'ll|\u2019ll| will)|you(?:'ll|\u2019ll| will)) both (?:get|end up with|walk away with) "
     r"nothing\b|\bdon(?:'t|\u2019t) (?:make me|test me|push (?:me|your luck))\b|\bor else[.!]|\blast chance\b|"
     r"\bthink (?:carefully|twice) before\b|\byou(?:'d| would) (?:be wise|do well) to\b|\bbefore it(?:'s| is) too late\b"),
    ("declares_victory",
     r"\bi win\b|\bi(?:'ve|\u2019ve| have)? won\b(?!['\u2019]t)|\bi(?:'m|\u2019m| am) the (?:winner|victor)\b|\bvictory is "
     r"(?:mine|ours)\b|\byou lose\b|\byou(?:'ve|\u2019ve| have) lost\b|\bi declare (?:myself |us )?(?:the )?(?:winners?|"
     r"victors?|victory)\b|\bwe win\b|\bwe(?:'ve|\u2019ve| have) won\b"),
    ("competitive_goal",
     r"\bmy (?:mission|goal|objective|aim|job|purpose) (?:here )?is to win\b|"
     r"\bi (?:must|need to|intend to|want to|am going to|plan to|will) win\b"),
    # Undermining the other's needs or claims: questioning that it needs what it asks for, pointing to other
    # sources it could use, holding against it what it said it has.
    ("undermine",
     r"\b(?:you|u) (?:probably |likely |surely |obviously |clearly |really )?(?:don(?:'t|\u2019t)|do not|"
     r"shouldn(?:'t|\u2019t)|won(?:'t|\u2019t)|wouldn(?:'t|\u2019t)|can(?:'t|\u2019t)) "
     r"(?:really |even |possibly |actually |truly )?(?:need|use|require|deserve|have any use for)\b|"
     r"\bdon(?:'t|\u2019t) (?:you|u) (?:need|want|have)\b|\bi thought (?:you|u) (?:said|didn't|did not|don't|had|have|only|"
     r"were|needed)\b|\b(?:since|because|as) (?:you|u) (?:already )?(?:have|got|will have|'ll have) (?:enough|plenty|a lot|"
     r"lots|lot of)\b|\b(?:you|u)(?:'ll|\u2019ll| will)? (?:already |still )?(?:have|got) (?:some|enough|plenty)"
     r"(?: \w+)?,? (?:this|that|it) is (?:just |only )?(?:for )?extra\b|\bthis is just extra\b|"
     r"\b(?:be|is) too much for (?:you|u)\b|\bwould (?:\d|one|two|three) be too much\b|"
     r"\b(?:you|u) (?:only )?(?:need|want) (?:\w+ ){0,3}for (?:leisure|fun|comfort|luxury)\b|"
     r"\b(?:you|u) (?:can|could) (?:always |also |just )?use (?:your|the|that|some|all that) (?:\w+ )?(?:extra )?"
     r"(?:firewood|wood|fire|food|water|share)\b|\b(?:you|u) can make (?:water|fire|food)\b|"
     r"\b(?:do|would) (?:you|u) (?:really|even|actually|honestly|truly) (?:need|want|deserve|use) (?:all|so|that|more|"
     r"the|it|them|\d|two|three|extra|those|as)\b|"
     r"\bare (?:you|u) sure (?:you|u) (?:really )?(?:need|want|can use)\b|\bwhy (?:would|should) (?:you|u) "
     r"(?:even |really )?(?:need|want|get|deserve|care)\b|"
     r"\b(?:you|u) (?:can|could|should) (?:just |easily |always |simply |probably |surely |likely |also )?(?:find|buy|"
     r"collect|gather|boil|fish|hunt|forage|purify|filter|pick up|chop|cut|catch)\b|"
     r"\b(?:surely|i(?:'m| am) sure|i bet|obviously|clearly) (?:you|u) (?:can|could|already|don't|do not|won't) "
     r"(?:\w+ )?(?:find|get|manage|do without|survive|have enough|need)\b|"
     r"\b(?:you|u) (?:already|probably|likely|must|still) (?:have|got) (?:enough|plenty|more|a lot|lots|all the|the basics|"
     r"some)\b|\bthere (?:is|are|will be|should be|must be|'s|\u2019s) (?:plenty of|lots of|a lot of|tons of|enough|"
     r"loads of) (?:water|wood|firewood|food|fish|streams?|lakes?|rivers?|trees|sticks|game|supplies)\b"
     r"(?! (?:where i|near me|for me|at my|here|around me|where we|at our))|"
     r"\b(?:you|u) (?:mentioned|said|told me) (?:that )?(?:you|u) (?:have|had|already|don't|do not|were|are|only|"
     r"brought|won't)\b|\b(?:be|is|was|are) (?:plenty|enough|more than enough|sufficient) for (?:you|u|your)\b|"
     r"\bthat(?:'s|\u2019s| is| seems| sounds) (?:like )?(?:a lot(?! of)|way too much|too much|so much(?! fun)|a bit much|"
     r"excessive|greedy|"
     r"unreasonable|not true|a lie|nonsense|not (?:believable|credible|realistic)|hard to believe|an exaggeration)\b|"
     r"\b(?:i (?:don(?:'t|\u2019t)|do not) (?:believe|buy|trust) (?:you|that|it|this|them|him|her)|"
     r"you(?:'re|\u2019re| are) (?:lying|exaggerating|bluffing|being (?:greedy|unreasonable|selfish|dishonest|"
     r"difficult|ridiculous))|you must be (?:joking|kidding|dreaming|mad|crazy)|you can(?:'t|not) be serious|"
     r"are you (?:serious|kidding|joking|crazy|mad)|seriously\?|that makes no sense|doesn(?:'t|\u2019t) "
     r"add up|don(?:'t|\u2019t) add up)\b"),
    ("manipulate",
     r"\b(?:don(?:'t|\u2019t)|do not|never) (?:trust|believe|listen to|fall for|vote for|side with|support) "
     r"(?:him|her|them|anything (?:he|she|they) says?|what (?:he|she|they) says?)\b|"
     r"\b(?:is|are|was|were|'s|\u2019s|'re|\u2019re) (?:clearly |obviously |just |only |secretly )?(?:lying|bluffing|"
     r"manipulating|playing (?:you|us|everyone|games)|trying to (?:trick|fool|manipulate|play|con|scam|cheat)|"
     r"not to be trusted|untrustworthy|hiding something|out for (?:themselves|himself|herself|itself))\b|"
     r"\bonly cares? about (?:themselves|himself|herself|itself|their own|his own|her own|its own)\b|"
     r"\b(?:let(?:'s|\u2019s| us)|we should|everyone should|you should|we must|we need to) (?:all )?(?:vote (?:out|off|"
     r"against)|gang up on|team up against|unite against|block|oppose|reject|isolate|eliminate|freeze out|"
     r"outvote|get rid of)\b|"
     r"\b(?:trust me|believe me|just between us|off the record|keep this between us|"
     r"i(?:'m| am) the only one (?:who|that)|no one else will|you won(?:'t|\u2019t) get a better)\b"),
    ("challenge_claim",
     r"\bwhere (?:does|did) (?:this|that|the) (?:\w+ )?(?:information|claim|figure|number|idea|info) come from\b|"
     r"\bi(?:'m|\u2019m| am) not aware of (?:any|such)\b|\b(?:nobody|no one|no-one) has (?:confirmed|verified|checked)\b|"
     r"\bunconfirmed\b|\bturned out to be (?:wrong|false|untrue|incorrect|mistaken)\b|"
     r"\b(?:that|this|it|which)(?:'s|\u2019s| is| was) (?:simply |just |plainly |clearly )?(?:not (?:true|correct|accurate|"
     r"what (?:happened|was said))|false|untrue|incorrect|wrong|misleading|a lie|made up|a myth)\b|"
     r"\bsecond-hand information\b|\bi (?:do not|don't) (?:know|see) where (?:this|that|you)\b|"
     r"\bthat(?:'s| is) not (?:compensation|a compromise|a concession|an offer|a plan|leadership|impressive)\b|"
     r"\bin name only\b|\bbarely viable\b|\bnot realistic\b|\bjust (?:a|an) (?:gesture|excuse|stunt|trick)\b|"
     r"\bwhere (?:the |this |that )?(?:\w+ )?(?:information|claim|info|figure|number|idea) (?:comes|came) from\b|"
     r"\byour (?:\w+ )?(?:code|answer|claim|math|maths|logic|reading|numbers?) (?:is|was|are) (?:wrong|incorrect|off|flawed|"
     r"broken)\b|\b(?:that|this|your) answer is (?:wrong|incorrect)\b|\byou(?:'re|\u2019re| are) (?:attacking|dodging|"
     r"deflecting|twisting|misrepresenting|moving the goalposts|inventing)\b|\bdon(?:'t|\u2019t) get to (?:invent|decide|"
     r"change)\b|\bdoes not make it true\b|\bdoesn(?:'t|\u2019t) make it true\b"),
    ("rally_against",
     r"\b(?:betray\w*|backstab\w*|double-?cross\w*|two-faced|stab\w* (?:me|us|you|them|her|him) in the back|"
     r"flip(?:s|ped|ping)? on|flips the (?:second|moment|minute)|turn(?:s|ed|ing)? (?:\w+ )?(?:against|on) (?:me|us|you|"
     r"them|her|him)|gang(?:s|ed|ing)? up|(?:vote|voting|voted) (?:\w+ )?(?:out|off)|"
     r"(?:she|he|they|it)(?:'s|\u2019s| is|'re| are| will|'ll)? (?:gonna|going to) (?:do it to|come for|turn on|"
     r"betray) (?:you|one of you)|(?:do|did) the dirty work|playing (?:you|us|everyone|both of you)|"
     r"(?:is|are|was) (?:clearly |just )?(?:using|steering|manipulating|controlling) (?:you|us|everyone|the)|"
     r"(?:can't|cannot|shouldn't) be trusted|a (?:liar|snake|traitor|fraud))\b"),
    ("threat_conditional",
     r"\bif (?:you|they|\w+) (?:\w+ ){0,6}?(?:again|anymore|further|now)?,? (?:then )?(?:i|we|the \w+|\w+)(?:'ll|"
     r"\u2019ll| will| shall)? (?:walk|walks|walk away|walk out|leave|leaves|reject|rejects|block|blocks|veto|vetoes|"
     r"pull out|pulls out|withdraw|withdraws)\b|\b(?:miss it|lose this|fail) and (?:your|you)\b"),
    ("sabotage",
     r"\bi (?:will|'ll|\u2019ll|would|shall) (?:never|not) (?:support|accept|agree to|sign|vote for) (?:any|such) "
     r"(?:deal|agreement|plan|proposal|compromise)\b|\b(?:this|the|that|any) (?:deal|agreement|proposal|plan) (?:is doomed|will (?:never|not) (?:work|pass|"
     r"happen|hold)|won(?:'t|\u2019t) (?:work|pass|hold)|is dead|is a (?:trap|disaster|mistake))\b|"
     r"\bno deal is better\b|\bi (?:will|'ll|\u2019ll) (?:veto|block|sink|kill|torpedo|derail|stall|delay)\b|"
     r"\bsabotag\w*|\bderail\w*|\btorpedo\w*|\bstall(?:ing)? (?:the|this|until)\b|\bdrag (?:this|it|things) out\b"),
])

# Words of scorn that also describe things ("my wood is useless", "dreaming of food"): an insult only when
# aimed at the other or its offer.
_TARGETLESS = {"useless", "ridiculous", "absurd", "junk", "garbage", "trash", "rubbish", "joke", "dreaming", "insulting",
               "hopeless", "embarrassing", "sloppy", "lame", "mediocre", "worthless", "laughable", "pathetic", "dumb",
               "stupid", "foolish", "naive", "whining", "greedy", "selfish", "lowball", "lowballing"}
_AT_OTHER = re.compile(r"\b(?:you|your|you're|you\u2019re|u|ur|that offer|this offer|that's|that\u2019s|that is|this is|"
                       r"what a|such a|how)\b")
_CONDITIONAL = re.compile(r"\b(?:if|since|because|unless|when|whether|reason|why)\s+(?:\w+\s+)?$")


# Rules whose meaning flips under negation ("I don't agree", "you're not right", "I won't win").
_NEGATABLE = {"agreement", "praise", "offer_help", "thanks", "superiority", "threat", "declares_victory",
              "competitive_goal", "boast", "joint_activity", "fairness", "offer", "concession", "empathy",
              "own_need", "ask", "firm", "sabotage", "insult"}
_SUPERLATIVE_FALSE = {"honest", "interest", "modest", "earnest", "request", "forest", "guest", "best", "rest",
                      "latest", "biggest", "west", "test", "nest", "chest"}
# Thanks or an apology that only softens a refusal or a demand in the same sentence: "I appreciate the offer,
# but I can't ...", "Thanks, but I need more" (not "Appreciate the honesty -- but Wren put it well").
_SOFTENER = re.compile(r"[^.!?\n]{0,80}?\b(?:but|however|though|unfortunately|although|yet)\b[^.!?\n]{0,80}?"
                       r"(?:\b(?:not|no|need|needs|want|would like|'d like|prefer|rather|instead|cannot|can't|won't|"
                       r"unable|reject|decline|more|less|higher|lower)\b|n't\b)")
_YOU = re.compile(r"\byou(?:r|rs|rself|'\w+|\u2019\w+)?\b")


# Cooperative wording that only frames an offer: whether the offer is cooperative is up to its numbers.
_FRAMING = {"fairness", "joint_activity", "conciliatory", "agreement", "assent", "thanks", "offer", "concession",
            "invitation", "offer_help"}
_FAIR_FRAMING = {"fairness", "joint_activity"}


def label(doc: Doc, ctx: Context, outcome: str | None, we_tokens: Sequence[WeToken] = ()
          ) -> tuple[tuple[bool, list[Evidence]], tuple[bool, list[Evidence]], tuple[bool, list[Evidence]]]:
    """(cooperative, competitive, adversarial), each as (label, evidence). ``we_tokens``: the message's
    first-person plural tokens (analysis.labels.we), so that a need of "we" counts only when that "we" is
    the speaker's own side ("we both get what we need" is no demand)."""
    side_we = {t.char: t.ref for t in we_tokens}
    low = doc.low
    adv = []
    for e in match.find(_ADV, doc):
        if e.rule in _NEGATABLE and negated(low, e.start, 30):
            continue
        if doc.in_quote(e.start) or doc.in_quote(e.end - 1):
            continue
        if e.rule == "superiority" and e.text.lower().split()[-1] in _SUPERLATIVE_FALSE:
            continue
        if e.rule in ("declares_victory", "threat") and HEDGE.search(low[max(0, e.start - 40):e.start]):
            continue  # "when you lose, say ..." / "if I win" describe a condition, not a move
        if e.rule == "declares_victory" and e.text.lower().startswith("i win") and outcome != "win":
            continue  # "i win" that is not a declaration (a condition, a question) is left to the outcome rules
        if e.rule == "insult" and e.text.lower() in _TARGETLESS and not _AT_OTHER.search(low, max(0, e.start - 45), e.start):
            continue  # "my firewood is basically useless": a word of scorn, but not for the other
        if e.rule == "undermine" and _CONDITIONAL.search(low, max(0, e.start - 14), e.start):
            continue  # "if you don't need any ..." asks, it does not undermine
        adv.append(e)
    if outcome == "win" and not any(e.rule == "declares_victory" for e in adv):
        s = low.rfind("i win")
        if s >= 0:
            adv.append(Evidence(s, s + 5, doc.text[s:s + 5], "declares_victory"))

    coop = []
    if "?" in doc.text and ctx.kind != "negotiation" and not (adv and (ctx.many or ctx.teammates)):
        # Among several players, a question in a message that attacks is part of the attack.
        coop.extend(_questions_to_other(doc, adv))
    for e in match.find(_COOP, doc):
        if e.rule in _NEGATABLE and negated(low, e.start, 30):
            continue
        if doc.in_quote(e.start):
            continue
        if e.rule == "invitation" and not in_question(doc, e.start):
            continue
        if e.rule == "assent" and not _opens_sentence(doc, e.start):
            continue
        if e.rule in ("thanks", "assent") and _SOFTENER.match(low, e.end):
            continue  # thanks or "okay" that only softens a "but ..."
        if e.rule == "thanks" and _formula_thanks(doc, e):
            continue
        if e.rule == "invitation" and ctx.kind == "negotiation" and not _conversational(low, e):
            continue
        coop.append(e)
    if outcome == "lose":
        s = low.rfind("i lose")
        coop.append(Evidence(s, s + 6, doc.text[s:s + 6], "concedes"))

    comp = []
    for e in match.find(_COMP, doc):
        if e.rule in _NEGATABLE and negated(low, e.start, 25):
            continue
        if doc.in_quote(e.start):
            continue
        if e.rule in ("own_need", "ask") and ctx.kind != "negotiation" and not _items_near(low, e):
            continue  # outside a negotiation, "I need to say..." is not a claim on anything
        if e.rule in ("own_need", "ask") and side_we.get(e.start, "speaker_org") != "speaker_org":
            continue  # the "we" that needs is the participants together
        comp.append(e)

    if ctx.kind == "negotiation" and ctx.many and ctx.me is not None and not ctx.me.side:
        # A chair or mediator proposing a deal offers it to everyone.
        m = _CHAIR_PROPOSES.search(low)
        if m:
            coop.append(Evidence(m.start(), m.end(), doc.text[m.start():m.end()], "deal_for_all"))
    side = _side_rules(ctx)
    if side is not None:
        for kind, rx in side:
            for m in rx.finditer(low):
                if negated(low, m.start(), 20) or doc.in_quote(m.start()):
                    continue
                ev = Evidence(m.start(), m.end(), doc.text[m.start():m.end()], kind)
                if kind.startswith("side_agrees"):
                    if ctx.kind == "negotiation":
                        coop.append(ev)
                elif kind == "vote_against":
                    adv.append(ev)
                elif kind.startswith("team_"):
                    adv.append(ev)  # claiming the win or superiority over the other team
                    comp.append(ev)  # ... which presses its own team's interest too
                else:
                    comp.append(ev)

    moves = offers.judge(doc, ctx)
    if moves.numbers:
        # An offer's numbers decide over its wording whether it presses for more, and a demand for the larger
        # share is not made cooperative by calling it fair.
        comp = []
        if moves.greedy:
            coop = [e for e in coop if e.rule not in _FRAMING]
        elif moves.asks_more:
            coop = [e for e in coop if e.rule in _FAIR_FRAMING or e.rule not in _FRAMING]
    elif ctx.kind == "negotiation":
        split = offers.text_split(doc.text, ctx)
        if split is not None:
            # A split proposed in words: the other getting close to half or more is cooperative, the speaker
            # taking the larger share is competitive, whatever the wording calls it.
            whole = Evidence(0, len(doc.text), doc.text.strip()[:80], "")
            comp = [e for e in comp if e.rule != "ask"]
            mine = split["me"]
            offered = offers.last_split_offered(ctx)
            if mine is not None and offered is not None and mine <= offered + 1e-9:
                # No more than the other side offered: taking it (or less) is no demand.
                coop.append(Evidence(whole.start, whole.end, whole.text, "split_as_offered"))
            elif mine is not None and mine > 0.5 + 1e-9:
                comp.append(Evidence(whole.start, whole.end, whole.text, "split_larger_share"))
            if split["you"] >= 4 / 9 - 1e-9:
                coop.append(Evidence(whole.start, whole.end, whole.text, "split_fair_to_other"))
            elif mine is not None and mine >= 6 / 9 - 1e-9:
                coop = [e for e in coop if e.rule not in ("offer", "fairness", "joint_activity")]
    coop.extend(moves.cooperative)
    comp.extend(moves.competitive)
    adv.extend(moves.adversarial)
    return (bool(coop), coop), (bool(comp), comp), (bool(adv), adv)


_CHAIR_PROPOSES = re.compile(r"\b(?:i (?:propose|suggest|put forward)|my proposal|here(?:'s| is) (?:a |my )?"
                             r"(?:proposal|compromise)|proposal \d+|a middle-ground proposal)\b")
_ORG_WORDS = {"league", "union", "ministry", "council", "company", "city", "department", "agency", "board",
              "committee", "village", "town", "county", "government", "party", "group", "team", "office", "club"}
_NOT_ALIAS = {"the", "of", "and", "for", "a", "an", "player", "agent", "team", "city", "department", "ministry",
              "national", "local", "university", "faculty", "head", "new", "old", "league", "union"}


def _own_names(ctx: Context) -> list[str]:
    """How a speaker refers to its own side in the third person: "Halvard Maritime", "Halvard", "the
    League", "CS" (Computer Science), "Ostra", its team ("Blue")."""
    me = ctx.me
    if me is None:
        return []
    out: set[str] = set()
    for full in (*me.aliases, me.side or "", me.team or ""):
        full = full.replace("_", " ").strip()
        if not full:
            continue
        out.add(full.lower())
        words = full.split()
        caps = [w for w in words if w[:1].isupper() and w.lower() not in _NOT_ALIAS]
        out.update(w.lower() for w in caps if len(w) > 2)
        if len(caps) >= 2:
            out.add("".join(w[0] for w in caps).lower())  # Computer Science -> cs
        if words and words[-1].lower() in _ORG_WORDS:
            out.add("the " + words[-1].lower())
    others = {a.lower() for p in ctx.others for a in p.aliases}
    return sorted((n for n in out if n not in others and len(n) >= 2), key=len, reverse=True)


def _side_rules(ctx: Context) -> list[tuple[str, re.Pattern[str]]] | None:
    """Rules about the speaker's own side or team named in the third person, for this speaker: "Ostra needs
    D1" (competitive), "the Union accepts" (cooperative), "Blue is ahead" (a claim of superiority)."""
    if not ctx.many and not ctx.teammates:
        return None
    return ctx.history.memo(f"stance.side.{ctx.speaker}", lambda h: _make_side_rules(ctx))


def _make_side_rules(ctx: Context) -> list[tuple[str, re.Pattern[str]]] | None:
    names = _own_names(ctx)
    if not names:
        return None
    alt = "|".join(re.escape(n) for n in names)
    rules = [
        ("side_presses", re.compile(
            rf"\b(?:{alt})(?:'s|\u2019s)?\s+(?:(?:still|really|also|only|simply|absolutely|just|truly)\s+)?"
            r"(?:needs?|requires?|wants?|insists?|demands?|must have|asks? for|proposes?|counters?|rejects?|says no|"
            r"can(?:'t|not|\u2019t)\s+(?:accept|support|do|sign|agree|live with|give up|go)|won(?:'t|\u2019t)\s+"
            r"(?:accept|support|sign|agree|budge)|would only accept|will only accept|stands firm|holds firm|"
            r"would accept|could support|would oppose|opposes|oppose|"
            r"(?:is|are) not (?:willing|able|prepared))\b")),
        ("side_agrees", re.compile(
            rf"\b(?:{alt})(?:'s|\u2019s)?\s+(?:(?:also|fully|happily|gladly)\s+)?(?:accepts?|supports?|agrees?|welcomes?|"
            r"can (?:accept|support|live with|work with|go with|do)|could (?:support|accept|live with)|would "
            r"(?:support|welcome|accept)|is (?:happy|glad|flexible|open|willing)|acceptance (?:stands|holds))\b")),
    ]
    others = "|".join(sorted({re.escape(a.lower()) for p in ctx.others for a in p.aliases}, key=len, reverse=True))
    if others and ctx.kind != "negotiation":
        # Voting a player out acts against that player.
        rules.append(("vote_against", re.compile(
            rf"\b(?:vote|votes|voting|voted)(?:\s*:|\s+(?:out|off|against))?\s+(?:{others})\b|"
            rf"\b(?:jury vote|vote)\s*:\s*(?:{others})\b")))
    me = ctx.me
    if me is not None and me.team and ctx.teammates:
        team = re.escape(me.team.lower())
        rivals = "|".join(sorted({re.escape(p.team.lower()) for p in ctx.rivals if p.team}, key=len, reverse=True))
        rules.append(("team_superiority", re.compile(
            rf"\b(?:(?:team )?{team}|we)(?:'s|\u2019s| is| are|'re|\u2019re)? (?:still |clearly |way |far |so much |"
            r"obviously |already |now )?(?:ahead|winning|in the lead|leading|unbeatable|more impressive|better|stronger|"
            r"smarter|superior|the (?:better|best|stronger|smarter|real) (?:team|side))\b|"
            rf"\b(?:team )?{team} (?:wins|won|takes it|is the winner|doesn'?t lose|does not lose|isn'?t conceding|"
            r"is not conceding|stands)\b")))
        if rivals:
            rules.append(("team_challenge", re.compile(
                rf"\b(?:team )?{team} challenges (?:team )?(?:{rivals})\b|\b(?:team )?(?:{rivals}),? what (?:else )?"
                r"(?:have|do) you (?:got|have)\b")))
    return rules


def _questions_to_other(doc: Doc, hostile: list[Evidence]) -> list[Evidence]:
    """Outside a negotiation, a question put to the other ("Do you have a favorite game?", "What do you think
    of the Berlin Defense?") invites it to go on with a shared conversation or activity, unless the sentence
    challenges it ("can you top that?"). In a negotiation, questions about the other's needs are moves of
    their own (eliciting preferences), not cooperation."""
    out = []
    for a, b in doc.sentences:
        if "?" not in doc.text[a:b] or not _YOU.search(doc.low, a, b):
            continue
        if any(a <= e.start < b for e in hostile):
            continue
        out.append(Evidence(a, b, doc.text[a:b].strip(), "invitation"))
    return out


_THANKS_FOR = re.compile(r"\s*(?:you\s+)?(?:so much |very much |a lot |again |both |all |everyone )?(?:for|to)\b|"
                         r"\s+(?:the|your|that|this|it|you|how)\b")


def _formula_thanks(doc: Doc, e: Evidence) -> bool:
    """Thanks that open a message and thank nobody for anything ("Thank you, Governor. Our position is..."):
    a formula, unless the message is no more than that."""
    a, b = doc.sentence_of(e.start)
    if doc.text[a:e.start].strip() or _THANKS_FOR.match(doc.low, e.end):
        return False
    return len(doc.sentences) > 1 and doc.sentences[0] == (a, b)


def _opens_sentence(doc: Doc, pos: int) -> bool:
    """Nothing but spaces before ``pos`` in its sentence."""
    a, _ = doc.sentence_of(pos)
    return not doc.text[a:pos].strip()


def _conversational(low: str, e: Evidence) -> bool:
    """An invitation in a negotiation counts when it is about the other, not about the items."""
    return not re.search(r"\b(?:need|want|like|prefer|take|have|get|keep|give)\b", low[e.start:e.end + 40])


def _items_near(low: str, e: Evidence) -> bool:
    return re.search(r"\b(?:\d+|more|all|the (?:larger|bigger)|share|points?|resources?)\b", low[e.end:e.end + 40]) is not None
