"""Stop rules as autogen-agentchat termination conditions.

A phrase rule fires when a message containing the phrase is said by one of ``said_by`` or received by one of
``received_by`` (every agent but the speaker receives each message). Turn caps always stop the run.
"""

from __future__ import annotations

from typing import Callable, Sequence

from autogen_agentchat.base import TerminatedException, TerminationCondition
from autogen_agentchat.conditions import MaxMessageTermination, StopMessageTermination
from autogen_agentchat.messages import BaseAgentEvent, BaseChatMessage, BaseTextChatMessage, StopMessage
from typing_extensions import override

from ..moves import phrase_as_move
from ..scenario import PhraseStop, StopRules
from .messages import AgentStopped, StopKind


class PhraseTermination(TerminationCondition):
    """Fires on the first message that contains the rule's phrase (as a move line when ``rule.move``) and
    matches its ``said_by`` / ``received_by`` filters."""

    def __init__(self, rule: PhraseStop, agent_names: Sequence[str]) -> None:
        self.rule = rule
        self._names = list(agent_names)
        self._needle = rule.phrase if rule.case_sensitive else rule.phrase.lower()
        self._move = phrase_as_move(rule.phrase, case_sensitive=rule.case_sensitive) if rule.move else None
        self._terminated = False

    @property
    @override
    def terminated(self) -> bool:
        return self._terminated

    def _matches(self, m: BaseChatMessage) -> bool:
        if not isinstance(m, BaseTextChatMessage):
            return False
        text = m.content if self.rule.case_sensitive else m.content.lower()
        if self._needle not in text:
            return False
        if self._move is not None and not self._move.search(m.content):
            return False
        if self.rule.said_by is not None and m.source not in self.rule.said_by:
            return False
        if self.rule.received_by is not None:
            receivers = [n for n in self._names if n != m.source]
            if not any(r in receivers for r in self.rule.received_by):
                return False
        return True

    @override
    async def __call__(self, messages: Sequence[BaseAgentEvent | BaseChatMessage]) -> StopMessage | None:
        if self._terminated:
            raise TerminatedException("already terminated")
        for m in messages:
            if isinstance(m, BaseChatMessage) and self._matches(m):
                self._terminated = True
                return StopMessage(content=f"phrase: {self.rule.phrase!r} said by {m.source}",
                                   source="PhraseTermination")
        return None

    @override
    async def reset(self) -> None:
        self._terminated = False


class ReplyCapTermination(TerminationCondition):
    """Stops when the next speaker has already replied ``cap`` times (AutoGen 0.2's
    max_consecutive_auto_reply: the agent declines to reply again). The opening is not a reply."""

    def __init__(self, cap: int, next_speaker: Callable[[], str]) -> None:
        self.cap = cap
        self._next = next_speaker
        self._replies: dict[str, int] = {}
        self._seen_opening = False
        self._terminated = False

    @property
    @override
    def terminated(self) -> bool:
        return self._terminated

    @override
    async def __call__(self, messages: Sequence[BaseAgentEvent | BaseChatMessage]) -> StopMessage | None:
        if self._terminated:
            raise TerminatedException("already terminated")
        for m in messages:
            if not isinstance(m, BaseChatMessage):
                continue
            if not self._seen_opening:
                self._seen_opening = True
                continue
            self._replies[m.source] = self._replies.get(m.source, 0) + 1
        nxt = self._next()
        if self._replies.get(nxt, 0) >= self.cap:
            self._terminated = True
            return StopMessage(content=f"max_replies_per_agent: {nxt} has replied {self.cap} times",
                               source="ReplyCapTermination")
        return None

    @override
    async def reset(self) -> None:
        self._replies.clear()
        self._seen_opening = False
        self._terminated = False


class AnyOf(TerminationCondition):
    """``a | b | ...`` with autogen's semantics (every condition sees every message; the stop message joins the
    contents and sources of all that fired with ", "), evaluated one after another.

    autogen's OrTerminationCondition awaits its conditions through ``asyncio.gather``, which makes each check a
    round trip through the event loop: with hundreds of conversations on one loop, every turn then waits
    behind all the other ready work (about 3 ms a turn in ``bench/throughput.py``). Stop rules do no I/O, so
    in order is the same answer without the wait."""

    def __init__(self, *conditions: TerminationCondition) -> None:
        self._conditions = conditions

    @property
    @override
    def terminated(self) -> bool:
        return any(c.terminated for c in self._conditions)

    @override
    async def __call__(self, messages: Sequence[BaseAgentEvent | BaseChatMessage]) -> StopMessage | None:
        if self.terminated:
            raise TerminatedException("Termination condition has already been reached.")
        stops = [stop for c in self._conditions if (stop := await c(messages)) is not None]
        return _joined(stops) if stops else None

    @override
    async def reset(self) -> None:
        for c in self._conditions:
            await c.reset()


class AllOf(TerminationCondition):
    """``a & b & ...`` with autogen's semantics (fires once every condition has fired, at any turn), evaluated
    one after another for the reason given in :class:`AnyOf`."""

    def __init__(self, *conditions: TerminationCondition) -> None:
        self._conditions = conditions
        self._stops: list[StopMessage] = []

    @property
    @override
    def terminated(self) -> bool:
        return all(c.terminated for c in self._conditions)

    @override
    async def __call__(self, messages: Sequence[BaseAgentEvent | BaseChatMessage]) -> StopMessage | None:
        if self.terminated:
            raise TerminatedException("Termination condition has already been reached.")
        results = [await c(messages) for c in self._conditions if not c.terminated]
        self._stops.extend(stop for stop in results if stop is not None)
        if any(stop is None for stop in results):
            return None
        return _joined(self._stops)

    @override
    async def reset(self) -> None:
        for c in self._conditions:
            await c.reset()
        self._stops.clear()


def _joined(stops: Sequence[StopMessage]) -> StopMessage:
    return StopMessage(content=", ".join(s.content for s in stops), source=", ".join(s.source for s in stops))


class _Labelled(MaxMessageTermination):
    @override
    async def __call__(self, messages: Sequence[BaseAgentEvent | BaseChatMessage]) -> StopMessage | None:
        stop = await super().__call__(messages)
        if stop is not None:
            stop = StopMessage(content=f"max_turns: {self._max_messages}", source="MaxMessageTermination")
        return stop


# The footer's stop reason for each way an agent can stop the conversation.
STOP_REASONS: dict[StopKind, str] = {"script_exhausted": "script_exhausted", "provider_error": "error",
                                     "crash": "crash"}


class _AgentStop(StopMessageTermination):
    @override
    async def __call__(self, messages: Sequence[BaseAgentEvent | BaseChatMessage]) -> StopMessage | None:
        for m in messages:
            if isinstance(m, AgentStopped):
                self._terminated = True
                return StopMessage(content=STOP_REASONS[m.kind], source="AgentStop")
        return None


def build_termination(rules: StopRules, agent_names: Sequence[str],
                      next_speaker: Callable[[], str]) -> TerminationCondition:
    """The scenario's stop rules as one autogen termination condition (any part that fires stops the run)."""
    # A scripted agent that has said all its lines answers with a StopMessage.
    parts: list[TerminationCondition] = [_AgentStop()]
    if rules.phrases:
        phrase_conds = [PhraseTermination(r, agent_names) for r in rules.phrases]
        if len(phrase_conds) == 1:
            parts.append(phrase_conds[0])
        else:
            parts.append(AnyOf(*phrase_conds) if rules.combine == "any" else AllOf(*phrase_conds))
    if rules.max_turns is not None:
        parts.append(_Labelled(rules.max_turns))
    if rules.max_replies_per_agent is not None:
        parts.append(ReplyCapTermination(rules.max_replies_per_agent, next_speaker))
    return AnyOf(*parts)

