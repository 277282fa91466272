"""Who speaks next: round robin for any number of agents, a seeded random draw, or an explicit list.

The schedule plugs into autogen-agentchat as a RoundRobinGroupChat whose manager asks the schedule
instead of cycling through the participant list.
"""

from __future__ import annotations

import asyncio
import random
from typing import Any, Callable, List, Sequence

from autogen_agentchat.base import TerminationCondition
from autogen_agentchat.messages import BaseAgentEvent, BaseChatMessage, MessageFactory
from autogen_agentchat.teams import RoundRobinGroupChat
from autogen_agentchat.teams._group_chat._events import GroupChatTermination
from autogen_agentchat.teams._group_chat._round_robin_group_chat import RoundRobinGroupChatManager

from ..scenario import TurnOrder
from .messages import AgentStopped


class Schedule:
    """Deterministic speaker order after the opening. ``peek`` tells who speaks next without advancing."""

    def __init__(self, names: Sequence[str], opener: str, order: TurnOrder, seed: int) -> None:
        self.names = list(names)
        self.mode = order.mode
        self.order = list(order.order or [])
        self._rng = random.Random(order.seed if order.seed is not None else seed)
        self._turn = 0
        self._last = opener
        self._peeked: str | None = None

    def peek(self) -> str:
        """The next speaker, drawn once and kept until :meth:`advance`."""
        if self._peeked is None:
            self._peeked = self._choose()
        return self._peeked

    def advance(self) -> str:
        """Move to the next turn and return who speaks in it."""
        name = self.peek()
        self._peeked = None
        self._turn += 1
        self._last = name
        return name

    def _choose(self) -> str:
        if self.mode == "explicit":
            return self.order[self._turn % len(self.order)]
        if self.mode == "random":
            others = [n for n in self.names if n != self._last]
            return self._rng.choice(others)
        i = self.names.index(self._last)
        return self.names[(i + 1) % len(self.names)]


class _ScheduledManager(RoundRobinGroupChatManager):
    schedule: Schedule

    async def select_speaker(self, thread: Sequence[BaseAgentEvent | BaseChatMessage]) -> List[str] | str:
        return self.schedule.advance()


class ScheduledGroupChat(RoundRobinGroupChat):
    """A RoundRobinGroupChat whose speaker order comes from a :class:`Schedule`."""

    def __init__(self, participants: list[Any], schedule: Schedule, *,
                 termination_condition: TerminationCondition | None = None) -> None:
        # The runtime checks every message it passes against the registered types.
        super().__init__(participants, termination_condition=termination_condition,
                         custom_message_types=[AgentStopped])
        self._schedule = schedule

    def _create_group_chat_manager_factory(
        self,
        name: str,
        group_topic_type: str,
        output_topic_type: str,
        participant_topic_types: List[str],
        participant_names: List[str],
        participant_descriptions: List[str],
        output_message_queue: asyncio.Queue[BaseAgentEvent | BaseChatMessage | GroupChatTermination],
        termination_condition: TerminationCondition | None,
        max_turns: int | None,
        message_factory: MessageFactory,
    ) -> Callable[[], RoundRobinGroupChatManager]:
        def _factory() -> RoundRobinGroupChatManager:
            manager = _ScheduledManager(
                name, group_topic_type, output_topic_type, participant_topic_types, participant_names,
                participant_descriptions, output_message_queue, termination_condition, max_turns,
                message_factory, self._emit_team_events,
            )
            manager.schedule = self._schedule
            return manager

        return _factory
