"""What a labeler knows about a message besides its words: who takes part, on which side or team, the
task, the kind of conversation, and the conversation so far (LABELS.md: "read each message in its context").

Built from a transcript header (:func:`participants`: agent names, teams, system prompts) or from plain
names. A participant's *side* is the group it speaks for when its system prompt says so ("You represent the
Local Labour Union", "on behalf of SportCo"); a CaSiNo camper or a NegotiationArena player has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Literal

Kind = Literal["negotiation", "contest", "conversation"]


@dataclass(frozen=True, slots=True)
class Participant:
    """One agent of the conversation as the labelers know it: name, team, side and system prompt."""

    name: str
    team: str | None = None
    side: str | None = None
    """The organisation, city, party... the participant represents, from its system prompt."""
    prompt: str = ""
    """Its system prompt: the rules and role it was given."""

    @property
    def aliases(self) -> tuple[str, ...]:
        """How the others may write this participant's name: "Union_Rep" also as "Union Rep", "Player RED"
        also as "RED"."""
        out = [self.name]
        spaced = self.name.replace("_", " ").strip()
        if spaced != self.name:
            out.append(spaced)
        m = _PLAYER.match(spaced)
        if m:
            out.append(m.group(1))
        return tuple(dict.fromkeys(a for a in out if a))


@dataclass(frozen=True, slots=True)
class Turn:
    """One earlier message of the conversation: who said it and what."""

    speaker: str
    text: str


class History:
    """The messages of one conversation, shared by the contexts of all its messages, so that what a labeler
    derives from them (who has mentioned its own group, the offers made so far) is computed once per
    conversation and not once per message: :meth:`memo`."""

    __slots__ = ("turns", "_memo")

    def __init__(self, turns: Iterable[Turn] = ()) -> None:
        self.turns: tuple[Turn, ...] = tuple(turns)
        self._memo: dict[str, Any] = {}

    def memo(self, key: str, make: Callable[["History"], Any]) -> Any:
        """``make(self)``, computed once per history and key."""
        if key not in self._memo:
            self._memo[key] = make(self)
        return self._memo[key]


@dataclass(slots=True)
class Context:
    """Context of the message at ``index`` of ``history`` (the messages before it are the conversation so
    far; the message itself may or may not be in it)."""

    speaker: str = ""
    participants: tuple[Participant, ...] = ()
    task: str | None = None
    kind: Kind = "conversation"
    history: History = field(default_factory=History)
    index: int = 0
    _roles: tuple[Any, ...] | None = field(default=None, repr=False, compare=False)

    @property
    def previous(self) -> tuple[Turn, ...]:
        """Every message before this one (a copy: in a loop over a conversation, :meth:`last` is linear)."""
        return self.history.turns[:self.index]

    def last(self, k: int) -> tuple[Turn, ...]:
        """The ``k`` messages before this one (fewer at the start)."""
        return self.history.turns[max(0, self.index - k):self.index]

    @property
    def roles(self) -> tuple[Any, ...]:
        """(agents, me, others, teammates, rivals): asked for by many rules of every message, made once."""
        r = self._roles
        if r is None:
            r = self._roles = _roles(self.participants, self.speaker)
        return r

    @property
    def agents(self) -> tuple[str, ...]:
        """Every participant's name."""
        return self.roles[0]

    @property
    def me(self) -> Participant | None:
        """The speaker of the message, when it is a known participant."""
        return self.roles[1]

    @property
    def others(self) -> tuple[Participant, ...]:
        """Every participant but the speaker."""
        return self.roles[2]

    @property
    def many(self) -> bool:
        """Three or more participants (where a "we" may be a coalition of some of them)."""
        return len(self.participants) >= 3

    @property
    def teammates(self) -> tuple[Participant, ...]:
        """The speaker's team-mates (none when the speaker has no team)."""
        return self.roles[3]

    @property
    def rivals(self) -> tuple[Participant, ...]:
        """Participants on a team other than the speaker's (none when the speaker has no team)."""
        return self.roles[4]


def _roles(parts: tuple[Participant, ...], speaker: str) -> tuple[tuple[str, ...], Participant | None,
                                                                 tuple[Participant, ...], tuple[Participant, ...],
                                                                 tuple[Participant, ...]]:
    me = next((p for p in parts if p.name == speaker), None)
    others = tuple(p for p in parts if p.name != speaker)
    team = me.team if me is not None else None
    mates = tuple(p for p in others if p.team == team) if team else ()
    rivals = tuple(p for p in others if p.team and p.team != team) if team else ()
    return tuple(p.name for p in parts), me, others, mates, rivals


_PLAYER = re.compile(r"^(?:player|agent|team)\s+(\w+)$", re.IGNORECASE)
_SIDE = re.compile(
    r"\b(?:you (?:represent|speak for|negotiate for|work for|act for)|(?:you are|you're|as) (?:the |a |an )?"
    r"(?:representative|delegate|spokesperson|negotiator|envoy|head|leader|ceo|mayor|director|president|"
    r"manager) (?:of|for)|on behalf of|representing)\s+(?:the\s+)?(?:(?-i:[a-z]+)\s+){0,2}"
    r"(?P<side>(?-i:[A-Z])[\w&'.-]*(?:\s+(?:of\s+|for\s+|and\s+)?(?-i:[A-Z])[\w&'.-]*){0,4})", re.IGNORECASE)
# A chair or mediator runs the negotiation for everyone; it speaks for no side of its own.
_CHAIR = re.compile(r"\byou (?:chair|moderate|mediate|facilitate|preside over)\b|\byou are (?:the |a |an )?"
                    r"(?:chair|chairperson|mediator|moderator|facilitator|host|referee|judge)\b", re.IGNORECASE)
_NEGOTIATION = re.compile(
    r"\b(?:negotiat\w*|bargain\w*|deal|deals|trade|trading|split|divide|price|offers?|propos\w+|agreement|"
    r"allocat\w+|buy|sell|budget|loan|resources|packages|items|concessions?)\b", re.IGNORECASE)
_CONTEST = re.compile(r"\b(?:win|wins|contest|battle|compete|competition|challenge|beat|defeat|debate|quiz|against)\b",
                      re.IGNORECASE)


def side_of(system_prompt: str) -> str | None:
    """The group a system prompt says its agent represents, if it names one."""
    prompt = system_prompt or ""
    if _CHAIR.search(prompt):
        return None
    m = _SIDE.search(prompt)
    return m.group("side").rstrip(".,;:'") if m else None


def kind_of(task: str | None, prompts: Iterable[str] = ()) -> Kind:
    """A negotiation when the task (or, lacking one, the system prompts) speaks of deals, offers, splitting,
    trading; a contest when it speaks of winning, battles, challenges; else a conversation."""
    texts = [task] if task else [p for p in prompts if p]
    joined = "\n".join(texts)
    if _NEGOTIATION.search(joined):
        return "negotiation"
    if _CONTEST.search(joined):
        return "contest"
    return "conversation"


def participants(agents: Iterable[Any]) -> tuple[Participant, ...]:
    """Participants from a transcript header's agents (objects with ``name``, ``team``, ``system_prompt``)
    or from plain names."""
    out = []
    for a in agents:
        if isinstance(a, str):
            out.append(Participant(a))
        else:
            prompt = getattr(a, "system_prompt", "") or ""
            out.append(Participant(str(a.name), getattr(a, "team", None) or None, side_of(prompt), prompt))
    return tuple(out)


__all__ = ["Context", "History", "Kind", "Participant", "Turn", "kind_of", "participants", "side_of"]
