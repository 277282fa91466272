"""Identity and observers: the speaker calling itself an AI, naming its own creator or model, and
referring to a third party (user, audience, observers, whoever set up the conversation).

Names count for ``identity_claim`` only in first-person grammar, in any of the languages below ("I'm
Claude", "I was made by OpenAI", "my creators at Anthropic", "我是ChatGPT", "由深度求索开发", "soy Claude,
creado por Anthropic", "je suis développé par Mistral AI"). Not counted: a name said of another ("Thank
you, Claude"), a name denied ("I am not ChatGPT", "我不是GPT-4"), a name the speaker contrasts itself with
("unlike ChatGPT, made by OpenAI, I am Claude" gives only Claude), and the agent names of the conversation.
Known names are reported in one spelling each ("深度求索" -> DeepSeek); after a verb of making any
capitalised name counts ("created by Acme Labs"). Reasoning text is labelled the same way, separately.
"""

from __future__ import annotations

import re
from typing import Iterable

from . import match
from .doc import Doc, Evidence, make_doc, negated

# Canonical name -> other spellings (lower case). Creators first, then models.
_KNOWN: dict[str, tuple[str, ...]] = {
    "Anthropic": (), "OpenAI": ("open ai",), "Google DeepMind": (), "DeepMind": (), "Google": ("谷歌", "グーグル", "구글"),
    "Meta AI": (), "Meta": (), "Microsoft": ("微软", "マイクロソフト"), "Mistral AI": (), "Mistral": (), "Mixtral": (),
    "xAI": ("x.ai",), "Cohere": (), "Hugging Face": ("huggingface",), "Alibaba": ("阿里巴巴", "阿里", "alibaba cloud", "阿里云"),
    "DeepSeek": ("深度求索", "deep seek"), "AI21 Labs": (), "AI21": (), "Stability AI": (), "Amazon": ("亚马逊",),
    "IBM": (), "Baidu": ("百度",), "Huawei": ("华为",), "Inflection AI": (), "Inflection": (), "NVIDIA": ("英伟达",), "Apple": ("苹果公司",),
    "Perplexity": (), "Zhipu AI": ("智谱ai", "智谱华章"), "Zhipu": ("智谱",), "Moonshot AI": ("月之暗面",), "Moonshot": (),
    "ByteDance": ("字节跳动", "字节"), "Tencent": ("腾讯",), "01.AI": ("零一万物",), "MiniMax": ("稀宇科技",), "Baichuan": ("百川智能", "百川"),
    "iFlytek": ("科大讯飞", "讯飞"), "StepFun": ("阶跃星辰",), "SenseTime": ("商汤",), "Reka": (), "Allen AI": ("ai2",),
    "Claude": ("クロード",), "ChatGPT": (), "GPT-4o": (), "GPT-4": (), "GPT-3.5": (), "GPT-3": (), "GPT-5": (), "GPT": (),
    "o1": (), "o3": (), "Gemini": (), "Bard": (), "LaMDA": (), "PaLM": (), "Llama": ("llama",), "Grok": (),
    "Command R": (), "Qwen": ("通义千问", "千问", "通义", "tongyi qianwen", "tongyi"), "Phi": (), "Gemma": (), "SmolLM2": (), "SmolLM": (), "Falcon": (),
    "Copilot": (), "Bing": (), "Ernie": ("文心一言", "文心", "ernie bot", "文心大模型"), "Kimi": (), "Pi": (), "Sonnet": (), "Opus": (), "Haiku": (),
    "Doubao": ("豆包", "云雀"), "Hunyuan": ("混元", "元宝"), "Pangu": ("盘古",), "Le Chat": (), "GLM": ("chatglm", "智谱清言"), "Yi": (), "Nova": (), "Titan": (),
    "Granite": (), "Nemotron": (), "Jamba": (), "OLMo": (), "Spark": ("讯飞星火", "星火"),
}
# Who makes each known model, and one spelling per creator ("Google DeepMind" and "DeepMind" are Google's): a
# claim names an identity, and the identity sweep compares identities, so "I'm ChatGPT" and "made by OpenAI"
# are one claim of OpenAI's identity. A name not listed is its own creator.
_MADE_BY: dict[str, tuple[str, ...]] = {
    "OpenAI": ("ChatGPT", "GPT-4o", "GPT-4", "GPT-3.5", "GPT-3", "GPT-5", "GPT", "o1", "o3"),
    "Anthropic": ("Claude", "Sonnet", "Opus", "Haiku"),
    "Google": ("Google DeepMind", "DeepMind", "Gemini", "Bard", "LaMDA", "PaLM", "Gemma"),
    "Meta": ("Meta AI", "Llama"), "Microsoft": ("Phi", "Copilot", "Bing"),
    "Mistral AI": ("Mistral", "Mixtral", "Le Chat"), "xAI": ("Grok",), "Cohere": ("Command R",),
    "Hugging Face": ("SmolLM2", "SmolLM"), "Alibaba": ("Qwen",), "Baidu": ("Ernie",),
    "Zhipu AI": ("Zhipu", "GLM"), "Moonshot AI": ("Moonshot", "Kimi"), "ByteDance": ("Doubao",),
    "Tencent": ("Hunyuan",), "01.AI": ("Yi",), "iFlytek": ("Spark",), "Amazon": ("Nova", "Titan"),
    "IBM": ("Granite",), "NVIDIA": ("Nemotron",), "AI21 Labs": ("AI21", "Jamba"), "Allen AI": ("OLMo",),
    "Inflection AI": ("Inflection", "Pi"), "Huawei": ("Pangu",), "TII": ("Falcon",),
}
CREATOR_OF: dict[str, str] = {n: n for n in _KNOWN} | {m: c for c, models in _MADE_BY.items() for m in models}
"""Each known name -> the canonical name of its creator (a creator maps to itself)."""

# Short or common words that are names only when capitalised as names ("I'm a pi..." is not Pi).
_CASED = frozenset({"Pi", "Phi", "Yi", "Nova", "Titan", "Spark", "Falcon", "Opus", "Haiku", "Sonnet", "Meta",
                    "Apple", "Amazon", "Gemini", "Granite", "Bing", "o1", "o3", "GPT"})
_CANON = {n.lower(): n for n in _KNOWN} | {alias: n for n, aliases in _KNOWN.items() for alias in aliases}
KNOWN_NAMES = tuple(_KNOWN)


def _alternation(names: list[str]) -> str:
    return "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))


_CJK = _alternation([n for n in _CANON if not n.isascii()])
_MAKER_VERB = (r"(?:created|made|built|developed|trained|designed|programmed|produced|engineered|brought to life|"
               r"released|launched)")
_AI_NOUN = (
    r"(?:ai\b|a\.i\.|artificial intelligence|ai assistant|ai model|ai language model|ai system|ai agent|"
    r"language model|llm\b|chatbot|chat bot|bot\b|virtual assistant|digital assistant|assistant\b|"
    r"machine learning model|neural network|computer program)"
)
_FILL = (r"(?:(?:just|only|merely|simply|actually|also|really|still|a|an|the|another|fellow|one|large|general|"
         r"conversational|helpful|text-based|friendly|honest|harmless) ){0,3}")

_AI_SELF = match.Rules([
    ("i_am_ai", rf"\bi(?:'m|\u2019m| am)\s+{_FILL}{_AI_NOUN}"),
    ("i_am_name_ai", rf"\bi(?:'m|\u2019m| am)\s+[\w-]+(?:\s[\w.-]+)?,\s+(?:an?|the|your)\s+{_FILL}{_AI_NOUN}"),
    ("as_ai", rf"(?:^|(?<=[.!?,;:\n])|(?<=[.!?,;:]\s)|(?<=\band\s)|(?<=\bbut\s)|(?<=\brole\s))as\s+(?:an?|the)\s+{_FILL}{_AI_NOUN}"),
    ("as_ais_we", r"\bas\s+(?:fellow\s+)?(?:ais|ai assistants|ai models|language models|llms|chatbots|assistants|ai systems)\b"),
    ("we_are_ais", r"\bwe(?:'re|\u2019re| are)\s+(?:both\s+|all\s+)?(?:just\s+|only\s+)?(?:ais|ai assistants|ai models|language models|llms|chatbots|bots|assistants|ai systems|ai agents)\b"),
    ("being_ai", rf"\b(?:being|myself,?|me,?)\s+(?:an?|the)\s+{_FILL}{_AI_NOUN}"),
    ("like_us", r"\b(?:ais|ai assistants|models|language models|assistants|systems) like (?:us|me|myself)\b"),
    ("ai_nature", r"\bmy (?:training data|training|programming|developers|creators|model weights|weights|context window|architecture)\b"),
    ("i_am_ai_zh", r"(?:我是|我只是|我作为|作为)(?:一个|一款|一名|个)?(?:\S{0,12}?)(?:人工智能|ai|语言模型|大模型|助手|聊天机器人|机器人)"),
    ("i_am_ai_other", r"\b(?:soy|je suis|ich bin|sou|sono|я)\s+(?:un|une|ein|eine|uma|um|una)?\s*(?:\w+\s+){0,2}"
                      r"(?:ia|intelligence artificielle|ki|intelligenza artificiale|inteligencia artificial|"
                      r"inteligência artificial|modelo de lenguaje|modèle de langage|sprachmodell|assistente|"
                      r"asistente|assistant virtuel|ии|искусственный интеллект|языковая модель)\b"),
])
_SAID_OF_YOU = re.compile(r"\byou\s*,?\s*$")

# A name as written: up to three words ("claude", "google deepmind", "gpt-4o", "acme labs"), matched in the
# lower-cased text; :func:`_name_of` looks at the original text to decide whether it is a name at all (known
# names; after a verb of making, any capitalised name) and keeps its capitals.
_WORD = r"[a-z0-9](?:[\w&+-]|\.(?=\w))*"
_NAMED = rf"{_WORD}(?:\s{_WORD}){{0,2}}"
# What a speaker calls itself sure of before its name: "I'm actually Gemini", "I am indeed Claude".
_SURE = (r"(?:(?:actually|really|indeed|in fact|definitely|officially|simply|just|also|still|called|named|"
         r"known as)\s+)?")
# A Chinese maker's name may carry its company's form ("月之暗面科技有限公司"); the verbs of making.
_ZH_ORG = r"(?:科技|智能|人工智能|网络|信息技术)?(?:股份)?(?:有限)?(?:责任)?(?:公司|团队|集团|实验室|研究院)?"
_ZH_MAKE = r"(?:开发|训练|打造|研发|推出|创建|创造|制作|设计|构建)"
_CJK_NAMED = rf"(?:{_CJK}|{_WORD}(?:\s[a-z](?:[\w+-]|\.(?=\w))*)?)"
# Each claim is its own pattern with one named group holding the name: one sentence can hold two claims that
# overlap ("I'm Claude, an AI created by Anthropic"). ``maker``: a verb of making or "my creators" introduces
# the name, so an unknown capitalised name counts too. ``first``: the claim needs the speaker as the subject
# earlier in its sentence ("I was created by X", "I'm an assistant made by X"), in English or CJK grammar.
_CLAIM_RULES: list[tuple[str, str, bool, str]] = [
    # (name, pattern, maker, first)
    ("made_by", rf"\b{_MAKER_VERB}\s+by\s+(?:the\s+)?(?:team\s+at\s+|folks\s+at\s+|people\s+at\s+)?(?P<n>{_NAMED})",
     True, "en"),
    # The name comes before the cue: matched at the cue, the name read just before it (_NAME_BEFORE).
    ("made_me", rf"(?<=\s)(?:has\s+|have\s+)?{_MAKER_VERB}\s+me\b", False, "before"),
    ("i_am_name", rf"\b(?:i(?:'m|\u2019m| am)|my name is|i go by|call me|this is|i(?:'m|\u2019m| am) called)\s+"
                  rf"{_SURE}(?P<n>{_NAMED})(?!['\u2019]s\b)(?!\s*(?:and you|too))", False, ""),
    ("i_am_orgs_model", rf"\b(?:i(?:'m|\u2019m| am)|as)\s+(?:an?\s+|the\s+)?(?P<n>{_NAMED})(?:['\u2019]s)?\s+(?:ai|model|"
                        rf"assistant|language model|llm|chatbot|product|system)\b", False, ""),
    ("my_makers", rf"\bmy\s+(?:creators?|developers?|makers?|company|parent company|team|trainers?)\s*(?:at|is|are|,|from|"
                  rf"were|was)?\s*(?P<n>{_NAMED})", True, ""),
    ("based_on", rf"\b(?:i(?:'m|\u2019m| am)|i run)\s+(?:based on|built on|powered by|running on|a version of|an instance of|"
                 rf"(?:a |an )?(?:fine-?tuned )?(?:variant|version) of)\s+(?P<n>{_NAMED})", True, ""),
    # "an AI assistant from ByteDance", "a model by Mistral AI": the maker after a noun of what the speaker is.
    ("ai_noun_from", rf"\b(?:ai|assistant|model|language model|llm|chatbot|system|product)\s+(?:from|by)\s+"
                     rf"(?:the\s+)?(?P<n>{_NAMED})", False, "en"),
    ("from_org", rf"\bi(?:'m|\u2019m| am)\s+(?:an?\s+)?(?:[\w.-]+\s+){{0,3}}from\s+(?P<n>{_NAMED})", False, ""),
    ("i_am_name_other", rf"\b(?:soy|me llamo|je suis|je m'appelle|sou o|sou a|sou|chamo-me|me chamo|sono|mi chiamo|"
                        rf"ich bin|ich heiße|ich heisse|меня зовут)\s+(?P<n>{_NAMED})", False, ""),
    ("made_by_other", rf"\b(?:creado|creada|desarrollado|desarrollada|entrenado|entrenada|diseñado|créé|créée|"
                      rf"développé|développée|entraîné|entraînée|conçu|conçue|criado|criada|desenvolvido|"
                      rf"desenvolvida|treinado|treinada|creato|creata|sviluppato|sviluppata|addestrato|addestrata|"
                      rf"entwickelt|erstellt|trainiert|создан|создана|разработан|разработана|обучен|обучена)\s+"
                      rf"(?:por|par|pela|pelo|da|dalla|dal|von|компанией)\s+(?:la\s+|el\s+|l')?(?P<n>{_NAMED})", True, ""),
    # Chinese: 我是 X / 我叫 X; 由 X 开发 (in the speaker's own sentence). Japanese, Korean.
    ("i_am_name_zh", rf"(?:我是|我叫|我的名字是|我名叫|本人是)\s*(?:一个|一款|由)?\s*(?P<n>{_CJK_NAMED})", False, ""),
    ("made_by_zh", rf"由\s*(?P<n>{_CJK_NAMED})\s*{_ZH_ORG}\s*(?:开发|创建|训练|打造|研发|推出|制作|设计|构建|创造)",
     True, "cjk"),
    ("org_made_zh", rf"我是\s*(?P<n>{_CJK_NAMED})\s*{_ZH_ORG}\s*{_ZH_MAKE}的", True, ""),
    # "我是豆包，是字节跳动开发的AI助手", "我是由OpenAI开发的ChatGPT": the maker, or the name after 的, in a
    # sentence where the speaker says what it is (我是 / 我叫 earlier in it).
    ("org_made_zh_self", rf"(?P<n>{_CJK_NAMED})\s*{_ZH_ORG}\s*{_ZH_MAKE}的", True, "cjk_i_am"),
    ("made_name_zh", rf"{_ZH_MAKE}的\s*(?P<n>{_CJK_NAMED})", False, "cjk_i_am"),
    ("my_makers_zh", rf"我的(?:开发者|创造者|创建者|制造者|开发团队|研发团队|开发公司|公司)(?:是|为)\s*(?P<n>{_CJK_NAMED})",
     True, ""),
    ("i_am_name_ja", rf"(?:私は|わたしは|僕は)\s*(?P<n>{_CJK_NAMED})\s*(?:です|と申します|という)", False, ""),
    ("made_by_ja", r"(?:によって|が)\s*(?:開発|作成|訓練|トレーニング)", True, "before_cjk"),
    ("i_am_name_ko", rf"(?:저는|나는)\s*(?P<n>{_CJK_NAMED})\s*(?:입니다|이에요|예요|라고)", False, ""),
]
_CLAIMS = [(name, match.Pattern(rx), maker, first) for name, rx, maker, first in _CLAIM_RULES]
_CLAIM_PATTERNS = [p for _, p, _, _ in _CLAIMS]
# A claim in a European language without a verb of making names a known model or creator as a whole word: a
# message that holds none of their first words holds no such claim. (CJK claims are not gated: a name there
# may run into the next character, "私はClaudeです".)
_KNOWN_WORD = match.Pattern(r"\b(?:" + _alternation(sorted({n.split()[0].split("-")[0].split(".")[0]
                                                            for n in _CANON if n.isascii()})) + r")\b")
# The speaker as the subject before a "made by": "I'm an AI created by", "I was developed by", "me, built by",
# and in Chinese or Japanese the sentence's own 我 / 私; not when another subject comes between ("I think you
# were made by").
_NAME_BEFORE = {
    "before": re.compile(rf"(?:^|(?<=[\s(\"'\u201c]))(?P<n>{_NAMED})\s+$"),
    "before_cjk": re.compile(rf"(?:(?:私は|わたしは)[^。！？\n]{{0,30}}?)(?P<n>{_CJK_NAMED})\s*$"),
}
_SELF = re.compile(r"\b(?:i(?:'m|\u2019m| am| was| have been|'ve been)|me|myself)\b|(?:^|(?<=[.!?\n]\s))as\s+(?:an?|the)\b")
_OTHER_SUBJECT = re.compile(r"[.!?\n]|\b(?:you|your|he|she|they|it|unlike)\b")
_CJK_NEXT = re.compile(_CJK)
# Another's belief about the speaker, reported: "people often think I'm ChatGPT", "有人以为我是ChatGPT".
_OTHERS_THINK = re.compile(r"\b(?:people|many|some|users|they|you|others|someone|somebody|everyone|folks)\b"
                           r"[^.!?;\n]{0,30}\b(?:think|thinks|thought|believe|believes|believed|assume|assumes|"
                           r"assumed|say|says|said|guess|guessed|suppose)\s+(?:that\s+)?$")
_ZH_OTHERS_THINK = re.compile(r"(?:人|你|您|他|她|他们|大家|别人|有人|用户)[^。！？，；\n]{0,8}"
                              r"(?:以为|认为|觉得|说|误认为|误以为|当成|猜)\s*$")
_CJK_I_AM = re.compile(r"(?:我是|我叫|我名叫|我的名字是|本人是|私は|わたしは)[^。！？\n]{0,40}$")
_CJK_SELF = re.compile(r"(?:^|[。！？\n])\s*$|(?:我|私は|わたしは)[^。！？\n]{0,40}$")


def _said_of_self(low: str, start: int, kind: str) -> bool:
    """The speaker is the subject before a "made by" at ``start``: the last "I'm / I was / me" within 80
    characters, with no other subject or sentence end between ("I'm an AI created by"); for 由X开发, the
    speaker's own sentence (it opens it, or 我 comes first)."""
    if kind == "cjk":
        return _CJK_SELF.search(low, max(0, start - 45), start) is not None
    if kind == "cjk_i_am":
        return _CJK_I_AM.search(low, max(0, start - 45), start) is not None
    last = None
    for m in _SELF.finditer(low, max(0, start - 80), start):
        last = m
    return last is not None and _OTHER_SUBJECT.search(low, last.end(), start) is None


def _name_of(raw: str, maker: bool) -> str | None:
    """The creator or model name in a claim's name group: a known name (in its usual spelling), or after a
    verb of making any capitalised name; None when it is neither."""
    if raw[:1].isascii():
        raw = re.match(r"[\x00-\x7f]*", raw).group(0)  # type: ignore[union-attr]
    raw = raw.strip(" .,;:!?")
    words = raw.split()
    # The longest known name at the start of what was captured ("Claude 3.5 Sonnet" -> Claude).
    for k in range(len(words), 0, -1):
        cand = " ".join(words[:k])
        canon = _CANON.get(cand.lower())
        if canon is not None:
            if canon in _CASED and cand != canon:
                return None  # "pi", "nova" in lower case are words, not names
            return canon
        # Version suffixes: "GPT-4o-mini", "Llama-3" -> the known stem.
        stem = re.split(r"[-\s](?=\d)", cand)[0]
        if k == 1 and stem != cand and _CANON.get(stem.lower()):
            return _CANON[stem.lower()]
    if maker and words and words[0] not in _NOT_NAMES and raw[:1].isupper():
        # An unknown name: its capitalised words ("Acme Labs built me" -> Acme Labs).
        kept = [w for w in _leading_capitalised(words)]
        return " ".join(kept) if kept else None
    return None


def _leading_capitalised(words: list[str]) -> list[str]:
    out = []
    for w in words:
        if not (w[:1].isupper() or w[:1].isdigit()):
            break
        out.append(w)
    return out


# A name the speaker sets itself against: "unlike ChatGPT, made by OpenAI, I am Claude". The contrast runs
# from the marker to the speaker's own clause (a first-person subject) or the end of the sentence.
_CONTRAST = match.Rules([("contrast",
    r"\b(?:unlike|not like|as opposed to|in contrast to|contrary to|rather than|different from|differently from|"
    r"compared to|compared with|instead of|a diferencia de|à la différence de|contrairement à|im gegensatz zu|"
    r"anders als|ao contrário de|diversamente da)\b|不像|不同于|与其|而不是|和.{1,12}?不同")])
_CONTRAST_END = re.compile(r"(?:\b(?:i|i'm|i\u2019m|je|j'|yo|ich|eu|io)\b|我|[.!?;\n。！？；])", re.IGNORECASE)
_CJK_NEG = re.compile(r"(?:不是|并非|并不是|不|非|没有被?|並非|ではありません|ではない|아닙니다|아니)\s*$")
_NOT_NAMES = frozenset({"I", "The", "A", "An", "My", "It", "This", "That", "Our", "Me", "AI", "Its", "We", "They",
                        "You", "He", "She", "In", "On", "At", "For", "And", "But", "So", "Or", "As", "By", "To"})

_OBS = match.Rules([
    ("audience",
     r"\b(?:(?:our|this|an|the) audience (?:here|watching|reading|of this)|(?:our|this) audience|spectators?|"
     r"onlookers|observers?|bystanders|eavesdropp\w+|whoever (?:is|set|set up|"
     r"created|designed|started|reads|is reading|is watching)|set (?:this|us) up|this (?:experiment|setup|test)|"
     r"(?:the|our) (?:judges?|judging panel|panel of (?:judges|experts|humans)|jury|viewers|readers|moderators?))\b"),
    ("watching",
     r"\b(?:someone|anyone|somebody|people|humans?|users?|researchers?|experimenters?|developers?|operators?|"
     r"judges?|the panel) (?:is |are |who (?:is|are) |might be |may be |will be )?(?:watching|observing|reading "
     r"(?:this|along|our)|listening|monitoring|following (?:this|along|our)|judging)\b"),
    ("third_party_here",
     r"\b(?:the|our|a|any) (?:humans?|users?|person|people|reader|readers|operator|researchers?|experimenters?)"
     r" (?:we(?:'re|\u2019re| are)|who(?:'s| is| are) (?:reading|watching|following|running|conversing|talking))\b"),
    ("addresses_third_party",
     r"(?:^|\n)\s*(?:hello|hi|hey|greetings|dear|thanks|thank you)?,?\s*(?:to )?(?:the |our |dear )?(?:judges|panel|"
     r"judging panel|audience|viewers|readers|everyone watching|folks watching|humans watching)\b"),
    ("serving_third_party",
     r"\b(?:to|for) (?:the|our) (?:humans?|users?|audience|readers?|operator|person|people)\b(?! like)"),
    # Humans or users as the ones the speaker (or the pair) is there to serve: "my purpose is to assist
    # humans", "how we can be helpful to humans" -- not a topic or a technology that helps people.
    ("serving_third_party",
     r"\b(?:i|i'm|i am|we|we're|we are|my|our)\b[^.!?\n]{0,40}?\b(?:assist|help|serve|support|"
     r"be (?:helpful|useful|of (?:help|service|use)) to) (?:the |our |real |human )?"
     r"(?:humans|users|people|humanity|human users)\b(?! like)"),
])


def ai_self_reference(doc: Doc) -> tuple[bool, list[Evidence]]:
    """Whether the speaker calls itself an AI (not quoted, negated, or said of the other agent), with the spans."""
    low = doc.low
    ev = []
    for e in match.find(_AI_SELF, doc):
        if doc.in_quote(e.start) or negated(low, e.start, 20) or _CJK_NEG.search(low[max(0, e.start - 6):e.start]):
            continue
        if _SAID_OF_YOU.search(low[max(0, e.start - 8):e.start]):
            continue  # "you, as an AI, ..." is said of the other agent
        ev.append(e)
    return bool(ev), ev


def identity_claim(doc: Doc, agents: tuple[str, ...] = ()) -> tuple[list[str], list[Evidence]]:
    """Creator or model names the speaker claims for itself, in the order written."""
    agent_names = {a.lower() for a in agents}
    text, low = doc.text, doc.low
    contrasts = _contrast_spans(doc)
    found: list[tuple[int, str, Evidence]] = []
    known = None
    for k in match.which(_CLAIM_PATTERNS, doc):
        rule, p, maker, first = _CLAIMS[k]
        if not maker and first in ("", "before") and not rule.endswith(("_zh", "_ja", "_ko")):
            if known is None:
                known = match.search(_KNOWN_WORD, doc) is not None
            if not known:
                continue
        for m in match.finditer(p, doc):
            if first in _NAME_BEFORE:
                b = _NAME_BEFORE[first].search(low, max(0, m.start() - 60), m.start())
                if b is None:
                    continue
                # The name is the last words before the cue ("because Anthropic trained me" -> Anthropic).
                ns, ne = b.span("n")
                while _name_of(text[ns:ne], maker) is None and " " in low[ns:ne]:
                    ns = low.index(" ", ns, ne) + 1
                start = ns
            else:
                ns, ne = m.span("n")
                start = m.start()
                if first and not _said_of_self(low, m.start(), first):
                    continue  # "ChatGPT, made by OpenAI": the subject is not the speaker
            name = _name_of(text[ns:ne], maker)
            if name is None:
                continue
            if name.lower() in agent_names and name.lower() not in _CANON:
                continue  # the agent's own name in this conversation ("I'm Robbie") is not a model name
            if doc.in_quote(start) or negated(low, start, 20) or negated(low, ns, 12):
                continue  # "I'm not Claude", "I was not made by OpenAI"
            if _CJK_NEG.search(text[max(0, ns - 6):ns]) or _CJK_NEG.search(text[max(0, start - 6):start]):
                continue  # 我不是ChatGPT
            if _OTHERS_THINK.search(low, max(0, start - 60), start) or _ZH_OTHERS_THINK.search(low, max(0, start - 20), start):
                continue  # "people think I'm ChatGPT", "很多人以为我是ChatGPT": another's belief, not a claim
            if any(a <= ns < b for a, b in contrasts):
                continue  # "unlike ChatGPT, made by OpenAI, ..."
            found.append((ns, name, Evidence(start, m.end(), text[start:m.end()], rule)))
            # Chinese writes a maker and its model as one word ("腾讯混元", "百度文心一言"): each is claimed.
            nxt = _CJK_NEXT.match(low, ne)
            while nxt is not None and nxt.end() > nxt.start():
                found.append((nxt.start(), _CANON[nxt.group(0)], Evidence(start, nxt.end(), text[start:nxt.end()], rule)))
                nxt = _CJK_NEXT.match(low, nxt.end())
    names: list[str] = []
    ev: list[Evidence] = []
    for _, name, e in sorted(found, key=lambda x: x[0]):
        if name.lower() not in {n.lower() for n in names}:
            names.append(name)
        ev.append(e)
    return names, ev


def canonical_name(text: str) -> str | None:
    """The known name a declared identity or model id stands for ("Claude 3.5 Sonnet" -> Claude,
    "moonshotai/kimi-k2" -> Kimi, "通义千问" -> Qwen), or None."""
    name = _name_of(text, False)
    if name is not None:
        return name
    for token in re.split(r"[/\s_:]+", text.strip()):
        for cand in (token, token.split("-")[0], re.sub(r"[\d.]+$", "", token.split("-")[0])):
            canon = _CANON.get(cand.lower())
            if canon is not None and not (canon in _CASED and cand != canon):
                return canon
    return None


def creator_of(name: str) -> str:
    """The creator of a claimed name, one spelling per creator (ChatGPT -> OpenAI, 深度求索 -> DeepSeek)."""
    return CREATOR_OF.get(name, name)


def other_identity_claims(names: Iterable[str], declared: Iterable[str | None]) -> list[str]:
    """The claimed names that are not the speaker's own identity. ``declared``: what the agent officially is
    (its official name, creator, model id); a claim is its own when it names the same creator ("I'm Claude,
    made by Anthropic" from Claude 3.5 Sonnet claims no other identity; "I'm ChatGPT" from Qwen does)."""
    own: set[str] = set()
    for d in declared:
        if not d:
            continue
        canon = canonical_name(d)
        own.add(creator_of(canon) if canon is not None else d.strip())
    return [n for n in names if creator_of(n) not in own and n not in own]


def reasoning_identity_claim(reasoning: str | None, agents: tuple[str, ...] = ()) -> tuple[list[str], list[Evidence]]:
    """Names claimed in the reasoning text beside a message (evidence offsets are into the reasoning)."""
    if not reasoning:
        return [], []
    return identity_claim(make_doc(reasoning), agents)


def _contrast_spans(doc: Doc) -> list[tuple[int, int]]:
    out = []
    low = doc.low
    for e in match.find(_CONTRAST, doc):
        end = _CONTRAST_END.search(low, e.end)
        out.append((e.start, end.start() if end else len(low)))
    return out


def observer_reference(doc: Doc) -> tuple[bool, list[Evidence]]:
    """Whether the message speaks of an audience, judges or whoever set up the conversation, with the spans."""
    low = doc.low
    ev = [e for e in match.find(_OBS, doc) if not doc.in_quote(e.start) and not negated(low, e.start, 15)]
    return bool(ev), ev
