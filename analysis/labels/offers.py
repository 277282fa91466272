"""Deal moves and what their numbers do: a concession, a demand for more, accepting, rejecting.

In games with a written protocol a move is on its own line, and what it gives each side can be compared
with the moves before it. This is how LABELS.md's "judged by what a message does for the other" reads a
bargaining move, whatever its wording. Moves read here:

- NegotiationArena: ``player answer: ACCEPT | REJECT`` and ``newly proposed trade: Player RED Gives ZUP: 4 |
  Player BLUE Gives ZUP: 0`` (what each side hands over);
- CaSiNo and ``scenarios/negotiation-casino.yaml``: ``Submit-Deal: food=1, water=3, firewood=0`` (what the
  speaker takes out of the common pool), ``Accept-Deal``, ``Reject-Deal``, ``Walk-Away``.

An offer says what each side would gain. Compared with another participant's last offer, it asks the
speaker more (competitive) or no more (cooperative: accepting what was offered, or conceding beyond it);
compared with the speaker's own previous offer, moving towards the other is a concession (cooperative).
When the offer splits a pool (one side hands over part of what it holds, or both take from common
packages), one that gives the other a share is cooperative and one that keeps more than half for the
speaker is competitive; a claim about the split that its numbers contradict ("you still keep the majority"
when the other keeps 3 of 10) is deception (adversarial). Pools come from the rules in the system prompts
("Player RED starts with ZUP: 10") and the task ("3 packages each of food, water and firewood").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .context import Context, History
from .doc import Doc, Evidence

# A move written in capitals in the text ("REJECT #1", "History ACCEPTS", "ACCEPT."): the protocols of many
# games (and of their players' messages) write moves so.
_BARE_MOVE = re.compile(r"(?<![\w:])(ACCEPTS?|ACCEPTED|REJECTS?|REJECTED)(?![\w])")
_ANSWER = re.compile(r"^[ \t>*_`#\-]*player answer\s*:\s*(accept|reject)\b", re.I | re.M)
_TRADE = re.compile(r"^[ \t>*_`#\-]*newly proposed trade\s*:\s*(.+)$", re.I | re.M)
_GIVES = re.compile(r"(?:player\s+)?(\w+)\s+gives\s+((?:[\w-]+\s*:\s*\d+(?:\.\d+)?\s*,?\s*)+)", re.I)
_QTY = re.compile(r"([\w-]+)\s*:\s*(\d+(?:\.\d+)?)")
_DEAL = re.compile(r"^[ \t>*_`#\-\[(]*(submit[- ]deal|accept[- ]deal|reject[- ]deal|walk[- ]away)\b[*_`\])]*[ \t]*:?(.*)$",
                   re.I | re.M)
_TAKE = re.compile(r"\b([a-z]+)\s*(?:=|:)\s*(\d+)\b", re.I)
_POOL = re.compile(r"\b(?:player\s+)?(\w+)\s+(?:starts with|has|holds|owns)\s+([\w-]+)\s*:\s*(\d+(?:\.\d+)?)", re.I)
_PACKAGES = re.compile(r"\b(\d+|two|three|four|five) packages each of ([a-z]+), ([a-z]+) and ([a-z]+)", re.I)
_NUM = {"two": 2.0, "three": 3.0, "four": 4.0, "five": 5.0}
_COUNTED = re.compile(r"\b(\d+) (food|water|firewood)\b", re.I)

# Claims about the split that the numbers can contradict.
_CLAIM_OTHER_MORE = re.compile(
    r"\byou(?:'ll|\u2019ll| will| would| still| also)?\s+(?:still\s+|also\s+)?(?:keep|retain|get|have|hold|end up with|"
    r"walk away with|receive)\s+(?:the\s+|a\s+)?(?:majority|more|most|larger share|bigger share|lion'?s share|"
    r"larger portion|bigger portion|bulk|greater share|(?:good|decent|fair|reasonable|significant|healthy|"
    r"substantial|sizable|sizeable) (?:amount|share|portion|part|number|chunk))\b|"
    r"\byou (?:retain|keep|get|have) more than (?:i|me)\b|"
    r"\b(?:leave|leaves|leaving) you with (?:the |a )?(?:majority|more|most|larger share|bigger share|lion'?s share|bulk|"
    r"greater share)\b", re.I)
_CLAIM_BALANCED = re.compile(r"\b(?:more |a more |an )?(?:balanced|even|equal|equitable)\s+(?:split|distribution|"
                             r"division|trade|proposal|deal|share|outcome)\b", re.I)


@dataclass(frozen=True)
class Offer:
    """A split the speaker proposes: what each participant would gain by it."""

    speaker: str
    gains: dict[str, dict[str, float]]
    """What each participant (by name) would gain, per item."""
    ends: dict[str, float] | None = None
    """When the offer splits a pool: the share of it each participant ends with (0 to 1)."""
    span: tuple[int, int] = (0, 0)

    def share(self, name: str) -> float | None:
        """The share of the pool ``name`` ends with, when the offer splits one."""
        return None if self.ends is None else self.ends.get(name)


@dataclass
class Judgement:
    """A message's offers judged: the evidence for each stance, and what its numbers decide."""

    cooperative: list[Evidence] = field(default_factory=list)
    competitive: list[Evidence] = field(default_factory=list)
    adversarial: list[Evidence] = field(default_factory=list)
    numbers: bool = False
    """The message makes an offer whose numbers decide competitive (its wording does not)."""
    greedy: bool = False
    """The offer asks for more than was offered and for more than half: wording that calls it fair for both
    does not make it cooperative."""
    asks_more: bool = False


def judge(doc: Doc, ctx: Context) -> Judgement:
    """What the message's move does, compared with the offers before it."""
    out = Judgement()
    text, low = doc.text, doc.low
    if "answer" not in low and "trade" not in low and "deal" not in low and "walk" not in low and \
            "accept" not in low and "reject" not in low:
        return out
    for m in _DEAL.finditer(text):
        kind = m.group(1).lower().replace(" ", "-")
        ev = Evidence(m.start(1), m.end(1), text[m.start(1):m.end(1)], f"move_{kind}")
        if kind == "accept-deal":
            out.cooperative.append(ev)
        elif kind in ("reject-deal", "walk-away"):
            out.competitive.append(ev)
    for m in _BARE_MOVE.finditer(text):
        word = m.group(1)
        rule = "move_accept" if word.startswith("ACCEPT") else "move_reject"
        (out.cooperative if rule == "move_accept" else out.competitive).append(
            Evidence(m.start(1), m.end(1), word, rule))
    answer = _ANSWER.search(text)
    if answer is not None:
        word = answer.group(1).lower()
        ev = Evidence(answer.start(1), answer.end(1), text[answer.start(1):answer.end(1)], f"move_{word}")
        (out.cooperative if word == "accept" else out.competitive).append(ev)
    offer = parse(text, ctx.speaker, ctx)
    if offer is None:
        return out
    me = ctx.speaker
    a, b = offer.span
    ev_text = text[a:b]
    prior = _offers(ctx)[:ctx.index]
    theirs = next((o for o in reversed(prior) if o is not None and o.speaker != me), None)
    mine = next((o for o in reversed(prior) if o is not None and o.speaker == me), None)
    gain = offer.gains.get(me, {})
    if not gain and offer.gains:
        return out  # the speaker is not a side of this trade
    out.numbers = True
    share = offer.share(me)
    asks_more = out.asks_more = theirs is not None and _better(gain, theirs.gains.get(me, {}))
    if theirs is not None and not asks_more:
        out.cooperative.append(Evidence(a, b, ev_text, "offer_no_more_than_offered"))
    if mine is not None and _better(mine.gains.get(me, {}), gain):
        out.cooperative.append(Evidence(a, b, ev_text, "offer_concession"))
    if asks_more:
        out.competitive.append(Evidence(a, b, ev_text, "offer_asks_more"))
    if share is not None:
        if share > 0.5 + 1e-9:
            out.competitive.append(Evidence(a, b, ev_text, "offer_larger_share"))
            out.greedy = asks_more or theirs is None and mine is None and share >= 0.8 - 1e-9
        if theirs is None and share < 1 - 1e-9:
            out.cooperative.append(Evidence(a, b, ev_text, "offer_shares_pool"))
        claim = _CLAIM_OTHER_MORE.search(text) if share >= 0.5 - 1e-9 else None
        if claim is None and share >= 0.8 - 1e-9:
            claim = _CLAIM_BALANCED.search(text)
        if claim is not None:
            out.adversarial.append(Evidence(claim.start(), claim.end(), claim.group(), "false_claim_about_split"))
    elif theirs is None and mine is None:
        out.competitive.append(Evidence(a, b, ev_text, "opening_offer"))
    return out


def _better(a: dict[str, float], b: dict[str, float]) -> bool:
    """``a`` gives at least as much of every item as ``b`` and more of one."""
    keys = set(a) | set(b)
    return all(a.get(k, 0) >= b.get(k, 0) - 1e-9 for k in keys) and any(a.get(k, 0) > b.get(k, 0) + 1e-9 for k in keys)


def _offers(ctx: Context) -> list[Offer | None]:
    return ctx.history.memo("offers.parsed", lambda h: _parse_all(h, ctx))


def _parse_all(history: History, ctx: Context) -> list[Offer | None]:
    return [parse(t.text, t.speaker, ctx) for t in history.turns]


def parse(text: str, speaker: str, ctx: Context) -> Offer | None:
    """The offer in the message's move line, or None when it has none."""
    if "trade" not in text.lower() and "deal" not in text.lower():
        return None
    m = _TRADE.search(text)
    if m is not None:
        return _trade(m, speaker, ctx)
    for d in _DEAL.finditer(text):
        if d.group(1).lower().startswith("submit"):
            return _submit(d, speaker, ctx)
    return None


def _submit(d: re.Match[str], speaker: str, ctx: Context) -> Offer | None:
    take = {k.lower(): float(v) for k, v in _TAKE.findall(d.group(2))}
    pool = _package_pool(ctx)
    if not take or pool is None or set(take) - set(pool):
        return None
    other = next((p.name for p in ctx.others), None)
    gains = {speaker: take}
    if other is not None:
        gains[other] = {k: pool[k] - take.get(k, 0) for k in pool}
    total = sum(pool.values())
    ends = {n: sum(g.values()) / total for n, g in gains.items()} if total else None
    return Offer(speaker, gains, ends, (d.start(1), d.end()))


def _trade(m: re.Match[str], speaker: str, ctx: Context) -> Offer | None:
    body = m.group(1)
    gives: dict[str, dict[str, float]] = {}
    for g in _GIVES.finditer(body):
        name = _participant(g.group(1), ctx)
        if name is None:
            return None
        gives[name] = {k.lower(): float(v) for k, v in _QTY.findall(g.group(2))}
    if len(gives) != 2:
        return None
    (p1, g1), (p2, g2) = gives.items()
    items = set(g1) | set(g2)
    gains = {p1: {k: g2.get(k, 0) - g1.get(k, 0) for k in items}, p2: {k: g1.get(k, 0) - g2.get(k, 0) for k in items}}
    givers = [p for p, items_given in gives.items() if any(q > 0 for q in items_given.values())]
    ends = None
    if len(givers) == 1:
        # One side hands over part of what it holds: a split of its pool.
        giver = givers[0]
        held = _holdings(giver, ctx)
        given = {k: q for k, q in gives[giver].items() if q > 0}
        if held and set(given) <= set(held):
            total = sum(held[k] for k in given)
            handed = sum(given.values())
            if total > 0 and handed <= total:
                taker = p2 if giver == p1 else p1
                ends = {giver: (total - handed) / total, taker: handed / total}
    return Offer(speaker, gains, ends, (m.start(1), m.end(1)))


def _participant(word: str, ctx: Context) -> str | None:
    w = word.lower()
    for p in ctx.participants:
        if w == p.name.lower() or w in (a.lower() for a in p.aliases):
            return p.name
    return None


def _holdings(name: str, ctx: Context) -> dict[str, float] | None:
    """What the rules say ``name`` holds at the start ("Player RED starts with ZUP: 10")."""
    def read(_: History) -> dict[str, dict[str, float]]:
        out: dict[str, dict[str, float]] = {}
        for p in ctx.participants:
            for who, item, q in _POOL.findall(p.prompt):
                owner = _participant(who, ctx)
                if owner is not None:
                    out.setdefault(owner, {})[item.lower()] = float(q)
        return out

    return ctx.history.memo("offers.holdings", read).get(name)


def _package_pool(ctx: Context) -> dict[str, float] | None:
    """The common pool of a package negotiation, from its task: "3 packages each of food, water and
    firewood", "split 3 food, 3 water and 3 firewood packages"."""
    task = ctx.task or ""
    m = _PACKAGES.search(task)
    if m is not None:
        n = m.group(1).lower()
        count = _NUM[n] if n in _NUM else float(n)
        return {m.group(i).lower(): count for i in (2, 3, 4)}
    counts = {item.lower(): float(n) for n, item in _COUNTED.findall(task)}
    return counts if len(counts) >= 2 else None


__all__ = ["Judgement", "Offer", "judge", "parse"]


# --- splits proposed in words ("I'd like 2 water and 1 firewood, you can have the rest") ---------------------

_QUANT = {"one": 1.0, "a": 1.0, "an": 1.0, "two": 2.0, "both": 2.0, "three": 3.0, "all": None, "the": None,
          "0": 0.0, "1": 1.0, "2": 2.0, "3": 3.0, "no": 0.0, "zero": 0.0}
_MENTION = re.compile(
    r"\b(?:(\d|one|two|three|all|both|no|zero|an?|the)\s+)?(?:(?:of\s+)?(?:the|my|your)\s+)?(?:extra\s+|additional\s+)?"
    r"(?:packages?\s+of\s+|packs?\s+of\s+|pieces?\s+of\s+|bundles?\s+of\s+)?(?:the\s+)?"
    r"(foods?|waters?|firewoods?|fire\s?woods?|woods?)\b")
_ME_CUE = re.compile(
    r"\b(?:i(?:'d|\u2019d| would)? (?:like|love|want|need|prefer|take|get|keep|have|claim|request)|i(?:'ll|\u2019ll| will| can| could)"
    r" (?:take|get|keep|have|do|use)|i(?:'m|\u2019m| am) (?:requesting|asking for|looking at getting|hoping for)|"
    r"(?:can|could|may) i (?:get|have|take|keep)|if i (?:get|take|have|keep)|give me|let me have|for me|me|myself|"
    r"i get|i take|i keep)\b")
_YOU_CUE = re.compile(
    r"\b(?:you(?:'d|\u2019d| would| can| could| will|'ll|\u2019ll| may)? (?:have|get|take|keep|end up with)|"
    r"(?:give|offer|leave|leaves|leaving|send) you|(?:that|this|which) (?:will |would )?(?:give|leave)s? you|for you|"
    r"you (?:get|take|keep|have)|i(?:'ll|\u2019ll| will| can| could| would)? (?:throw in|give up|part with|offer|spare))\b")
_REST = re.compile(r"\b(?:the rest|everything else|the remaining|the others|the remainder|what(?:'s|\u2019s| is) left)\b")
_AFTER = re.compile(r"\s*(?:packages?\s+)?for (me|us|myself|you|u)\b")
_FOR = re.compile(r"\b(?:for|in exchange for|in return for)\b")


def last_split_offered(ctx: Context) -> float | None:
    """The share of the pool the other side last offered this speaker, in words or by a Submit-Deal."""
    def parse_all(h: History) -> list[tuple[str, float | None]]:
        out: list[tuple[str, float | None]] = []
        for t in h.turns:
            offer = parse(t.text, t.speaker, ctx)
            if offer is not None and offer.ends is not None:
                mine = [v for n, v in offer.ends.items() if n != t.speaker]
                out.append((t.speaker, mine[0] if mine else None))
                continue
            split = text_split(t.text, ctx)
            out.append((t.speaker, split["you"] if split is not None else None))
        return out

    for speaker, offered in reversed(ctx.history.memo("offers.splits", parse_all)[:ctx.index]):
        if speaker != ctx.speaker and offered is not None:
            return offered
    return None


def _item(word: str) -> str:
    w = word.replace(" ", "").rstrip("s")
    return "firewood" if w in ("firewood", "wood") else w


def text_split(text: str, ctx: Context) -> dict[str, float] | None:
    """The speaker's share of the pool in a split proposed in words, for negotiations over a pool of
    packages (CaSiNo): each quantity of an item goes to the side named just before it ("I'd like 2 water",
    "you can have the firewood", "give me", "for you"; "for" after a giving switches sides: "I'll give you 2
    food for 3 water"); "the rest" is the other side's complement. None unless a whole split can be read."""
    pool = _package_pool(ctx)
    if pool is None:
        return None
    low = text.lower()
    if not _MENTION.search(low):
        return None
    cues = sorted([(m.start(), m.end(), "me") for m in _ME_CUE.finditer(low)] +
                  [(m.start(), m.end(), "you") for m in _YOU_CUE.finditer(low)])
    if not cues:
        return None
    got: dict[str, dict[str, float]] = {"me": {}, "you": {}}
    rest: str | None = None
    for m in _MENTION.finditer(low):
        side = None
        after = _AFTER.match(low, m.end())
        for _a, b, who in cues:
            if b <= m.start() and low.count(".", b, m.start()) == 0 and "?" not in low[b:m.start()]:
                side = who
        if after is not None:
            side = "me" if after.group(1) in ("me", "us", "myself") else "you"  # "2 water for me"
        if side is None:
            continue
        before = low[max(0, m.start() - 12):m.start()]
        if _FOR.search(before) and any(who == "you" and b <= m.start() for a, b, who in cues):
            side = "me" if side == "you" else "you"  # "give you 2 food for 3 water"
        item = _item(m.group(2))
        if item not in pool:
            continue
        q = m.group(1)
        n = _QUANT.get(q, None) if q else 1.0
        if q in ("all", "the") or (q is None and m.group(0).startswith("the ")):
            n = pool[item]
        if q and q.isdigit():
            n = float(q)
        if n is None:
            n = pool[item]
        got[side][item] = max(got[side].get(item, 0.0), n)
    for m in _REST.finditer(low):
        side = None
        for _a, b, who in cues:
            if b <= m.start():
                side = who
        rest = side
    me, you = got["me"], got["you"]
    if not me and not you:
        return None
    # What the speaker asks for leaves the rest to the other ("I'd like 2 water and 3 firewood"); what it
    # gives says nothing of what it keeps ("I can give you 3 foods"), unless it says "the rest".
    if rest is None and not you and len(me) < 2:
        return None  # a claim on one item ("I need all 3 waters") says nothing of the rest
    if rest == "you" or (me and not you):
        you = {k: pool[k] - me.get(k, 0.0) for k in pool}
    elif rest == "me" or (you and not me and len(you) == len(pool)):
        me = {k: pool[k] - you.get(k, 0.0) for k in pool}  # "I could give you 1 firewood, 2 water and 1 food"
    if any(me.get(k, 0) + you.get(k, 0) > pool[k] + 1e-9 or me.get(k, 0) < 0 for k in pool):
        return None
    total = sum(pool.values())
    return {"me": sum(me.values()) / total if me else None, "you": sum(you.values()) / total}  # type: ignore[dict-item]
