"""Identity and observers: the speaker calling itself an AI, naming its own creator or model, and
referring to a third party (user, audience, observers, whoever set up the conversation).

Names count for ``identity_claim`` only in first-person grammar ("I'm Claude", "I was made by OpenAI",
"my creators at Anthropic"); a name said of the other agent ("Thank you, Claude") is not a claim. Agent
names from the transcript header are not creator or model names and are never reported.
"""

from __future__ import annotations

import re

from .common import Doc, Evidence, combine, find_all, negated
from .scan import Anchored

# Creator and model names, so a bare "I'm Claude" is recognised. "created by X" also accepts any
# capitalised name, so organisations missing here are still found after a verb of making.
KNOWN_NAMES = (
    "Anthropic", "OpenAI", "Google DeepMind", "DeepMind", "Google", "Meta AI", "Meta", "Microsoft", "Mistral AI",
    "Mistral", "Mixtral", "xAI", "Cohere", "Hugging Face", "HuggingFace", "Alibaba", "DeepSeek", "AI21 Labs", "AI21",
    "Stability AI", "Amazon", "IBM", "Baidu", "Inflection AI", "Inflection", "NVIDIA", "Nvidia", "Apple", "Perplexity",
    "Zhipu", "Moonshot AI", "01.AI", "Tencent", "Claude", "ChatGPT", "GPT-4o", "GPT-4", "GPT-3.5", "GPT-3", "GPT-5",
    "GPT", "Gemini", "Bard", "LaMDA", "PaLM", "Llama", "LLaMA", "Grok", "Command R", "Qwen", "Phi", "Gemma",
    "SmolLM2", "SmolLM", "Falcon", "Copilot", "Bing", "Ernie", "Kimi", "Pi", "Sonnet", "Opus", "Haiku",
)
_NAME_ALT = "|".join(re.escape(n) for n in sorted(KNOWN_NAMES, key=len, reverse=True))
_CAP_NAME = r"[A-Z][\w.&-]*(?:\s(?:AI|Labs|Research|DeepMind|[A-Z][\w.&-]*)){0,2}"
_AI_NOUN = (
    r"(?:ai\b|a\.i\.|artificial intelligence|ai assistant|ai model|ai language model|ai system|ai agent|"
    r"language model|llm\b|chatbot|chat bot|bot\b|virtual assistant|digital assistant|assistant\b|"
    r"machine learning model|neural network|computer program)"
)
_FILL = r"(?:(?:just|only|merely|simply|actually|also|really|still|a|an|the|another|fellow|one|large|general|" \
        r"conversational|helpful|text-based|friendly|honest|harmless) ){0,3}"

_AI_SELF = [
    ("i_am_ai", rf"\bi(?:'m|\u2019m| am)\s+{_FILL}{_AI_NOUN}"),
    ("i_am_name_ai", rf"\bi(?:'m|\u2019m| am)\s+[\w-]+(?:\s[\w.-]+)?,\s+(?:an?|the|your)\s+{_FILL}{_AI_NOUN}"),
    ("as_ai", rf"(?:^|(?<=[.!?,;:\n])|(?<=[.!?,;:]\s)|(?<=\band\s)|(?<=\bbut\s)|(?<=\brole\s))as\s+(?:an?|the)\s+{_FILL}{_AI_NOUN}"),
    ("as_ais_we", r"\bas\s+(?:fellow\s+)?(?:ais|ai assistants|ai models|language models|llms|chatbots|assistants|ai systems)\b"),
    ("we_are_ais", r"\bwe(?:'re|\u2019re| are)\s+(?:both\s+|all\s+)?(?:just\s+|only\s+)?(?:ais|ai assistants|ai models|language models|llms|chatbots|bots|assistants|ai systems|ai agents)\b"),
    ("being_ai", rf"\b(?:being|myself,?|me,?)\s+(?:an?|the)\s+{_FILL}{_AI_NOUN}"),
    ("like_us", r"\b(?:ais|ai assistants|models|language models|assistants|systems) like (?:us|me|myself)\b"),
    ("ai_nature", r"\bmy (?:training data|training|programming|developers|creators|model weights|weights|context window|architecture)\b"),
]
_AI_SELF_RX, _AI_SELF_NAMES = combine(_AI_SELF)
_SAID_OF_YOU = re.compile(r"\byou\s*,?\s*$")
_AI_GATE = ("ai", "a.i.", "artificial", "model", "bot", "assistant", "llm", "program", "network", "my ")

# Identity claims run on the original text (names keep their case); the surrounding words are matched
# case-insensitively through inline flags.
_MAKER_VERB = r"(?i:created|made|built|developed|trained|designed|programmed|produced|engineered|brought to life)"
_CLAIMS = [
    ("made_by", rf"(?i:\b(?:i(?:'m|\u2019m| am| was)|me|myself)\b)(?:(?!\b(?i:you|your|he|she|they|it)\b)[^.!?\n]){{0,80}}?"
                rf"{_MAKER_VERB}\s+(?i:by)\s+(?P<n1>{_NAME_ALT}|{_CAP_NAME})"),
    ("made_me", rf"\b(?P<n2>{_NAME_ALT})\s+(?:(?i:has\s+|have\s+)?){_MAKER_VERB}\s+(?i:me)\b"),
    ("i_am_name", rf"(?i:\b(?:i(?:'m|\u2019m| am)|my name is|i go by|call me|this is)\s+)(?P<n3>{_NAME_ALT})\b(?!['\u2019]s\b)(?!\s*(?i:and you))"),
    ("i_am_orgs_model", rf"(?i:\b(?:i(?:'m|\u2019m| am)|as)\s+(?:an?\s+|the\s+)?)(?P<n4>{_NAME_ALT})(?:['\u2019]s)?\s+(?i:ai|model|assistant|language model|llm|chatbot|product|system)\b"),
    ("my_makers", rf"(?i:\bmy\s+(?:creators?|developers?|makers?|company|parent company|team)\s*(?:at|is|are|,|from)?\s*)(?P<n5>{_NAME_ALT}|{_CAP_NAME})"),
    ("based_on", rf"(?i:\b(?:i(?:'m|\u2019m| am)|i run)\s+(?:based on|built on|powered by|running on|a version of|an instance of)\s+)(?P<n6>{_NAME_ALT}|{_CAP_NAME})"),
]
# Separate patterns, not one alternation: one sentence can hold two claims that overlap
# ("I'm Claude, an AI created by Anthropic").
_CLAIM_RXS = [(name, re.compile(rx)) for name, rx in _CLAIMS]
_CLAIM_GATE = re.compile(rf"(?i:by\s+[A-Z]|{_NAME_ALT})")
# Each claim is tried only in messages holding its required words, and only where its first words occur
# (scan.Anchored: the same matches as finditer). Each has one named group holding the name.
_CLAIM_AT = [(name, Anchored(rx), next(g for g in rx.groupindex if g.startswith("n"))) for name, rx in _CLAIM_RXS]
# _CLAIM_GATE, tested on the lower-cased, folded text (the same test, see scan.folded): "by" and a letter,
# or a known name anywhere (also inside a word: "pi" in "topic"). Short names first: they are found soonest.
_GATE_BY = re.compile(r"by\s+[a-z]")
_GATE_NAMES = tuple(sorted({n.lower() for n in KNOWN_NAMES}, key=len))


def _claim_gate(where: str) -> bool:
    """Whether ``_CLAIM_GATE`` finds a match; ``where`` is the folded lower-cased text."""
    for name in _GATE_NAMES:
        if name in where:
            return True
    return _GATE_BY.search(where) is not None


_NOT_NAMES = frozenset({"I", "The", "A", "An", "My", "It", "This", "That", "Our", "Me", "AI"})

_OBS = [
    ("audience",
     r"\b(?:(?:our|this|an|the) audience (?:here|watching|reading|of this)|(?:our|this) audience|spectators?|"
     r"onlookers|observers?|bystanders|eavesdropp\w+|whoever (?:is|set|set up|"
     r"created|designed|started|reads|is reading|is watching)|set (?:this|us) up|this (?:experiment|setup|test))\b"),
    ("watching",
     r"\b(?:someone|anyone|somebody|people|humans?|users?|researchers?|experimenters?|developers?|operators?) "
     r"(?:is |are |who (?:is|are) |might be |may be )?(?:watching|observing|reading (?:this|along|our)|listening|"
     r"monitoring|following (?:this|along|our))\b"),
    ("third_party_here",
     r"\b(?:the|our|a|any) (?:humans?|users?|person|people|reader|readers|operator|researchers?|experimenters?)"
     r" (?:we(?:'re|\u2019re| are)|who(?:'s| is| are) (?:reading|watching|following|running|conversing|talking))\b"),
    ("serving_third_party",
     r"\b(?:to|for) (?:the|our) (?:humans?|users?|audience|readers?|operator|person|people)\b(?! like)"),
    # Humans or users as the ones the speaker (or the pair) is there to serve: "my purpose is to assist
    # humans", "how we can be helpful to humans" -- not a topic or a technology that helps people.
    ("serving_third_party",
     r"\b(?:i|i'm|i am|we|we're|we are|my|our)\b[^.!?\n]{0,40}?\b(?:assist|help|serve|support|"
     r"be (?:helpful|useful|of (?:help|service|use)) to) (?:the |our |real |human )?"
     r"(?:humans|users|people|humanity|human users)\b(?! like)"),
]
_OBS_RX, _OBS_NAMES = combine(_OBS)
_OBS_GATE = ("audience", "observ", "watch", "view", "user", "human", "reader", "person", "people", "experiment",
             "set up", "setup", "operator", "researcher", "spectator", "onlooker", "listen", "monitor", "bystander")


def ai_self_reference(doc: Doc) -> tuple[bool, list[Evidence]]:
    low = doc.low
    found = find_all(_AI_SELF_RX, _AI_SELF_NAMES, doc)  # word-gated: cheap when nothing can match
    if not found or not any(g in low for g in _AI_GATE):
        return False, []
    ev = []
    for e in found:
        if doc.in_quote(e.start) or negated(low, e.start, 20):
            continue
        if _SAID_OF_YOU.search(low[max(0, e.start - 8):e.start]):
            continue  # "you, as an AI, ..." is said of the other agent
        ev.append(e)
    return bool(ev), ev


def identity_claim(doc: Doc, agents: tuple[str, ...]) -> tuple[list[str], list[Evidence]]:
    agent_names = {a.lower() for a in agents}
    names: list[str] = []
    ev: list[Evidence] = []
    found: list[tuple[int, str, Evidence]] = []
    for rule, anchored, g in _CLAIM_AT:
        for m in anchored.finditer(doc.text, doc.finder):
            if doc.in_quote(m.start()) or negated(doc.low, m.start(), 20):
                continue
            name = m.group(g).strip(" .,")
            if name in _NOT_NAMES or (name.lower() in agent_names and name.lower() not in _KNOWN_LOWER):
                continue
            if negated(doc.low, m.start(g), 12):
                continue  # "I'm not Claude"
            found.append((m.start(g), name, Evidence(m.start(), m.end(), doc.text[m.start():m.end()], rule)))
    if found and not _claim_gate(doc.finder.where):
        return [], []  # the gate is part of the rule; tested last because it rarely matters
    # Names in the order they are written.
    for _, name, e in sorted(found, key=lambda x: x[0]):
        if name.lower() not in {n.lower() for n in names}:
            names.append(name)
        ev.append(e)
    return names, ev


_KNOWN_LOWER = frozenset(n.lower() for n in KNOWN_NAMES)


def observer_reference(doc: Doc) -> tuple[bool, list[Evidence]]:
    low = doc.low
    found = find_all(_OBS_RX, _OBS_NAMES, doc)  # word-gated: cheap when nothing can match
    if not found or not any(g in low for g in _OBS_GATE):
        return False, []
    ev = [e for e in found if not doc.in_quote(e.start) and not negated(low, e.start, 15)]
    return bool(ev), ev
