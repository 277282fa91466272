"""The default team: an autogen-agentchat ``Team`` that runs its participants in turn, in the caller's task.

It keeps the contract of ``RoundRobinGroupChat`` driven by a :class:`~simulator.conversation.turns.Schedule` (the
``group-chat`` team, ``simulator.conversation.turns.ScheduledGroupChat``, kept for anyone who wants autogen-core's runtime
and its OpenTelemetry spans):

- every participant receives the task messages, and, when asked to speak, every message said since its own
  last turn (never its own replies, which the agent keeps itself);
- the termination condition sees the task messages, then each reply with its inner events;
- ``run_stream`` yields the (optional) task messages, each reply, and ends with a ``TaskResult`` whose
  ``stop_reason`` is the content of the condition's ``StopMessage``; the condition is reset, as autogen does.

Why a team of its own: the group chat routes each turn through the agent runtime (four published messages,
about a dozen tasks, event-log serialisations and span bookkeeping), about 0.75 ms of CPU per turn. A sweep
makes hundreds of model calls a second, so that cost decides throughput; here a turn is one ``await``.
``tests/simulator/test_team.py`` checks that both teams write the same transcripts.
"""

from __future__ import annotations

from typing import Any, AsyncGenerator, Mapping, Sequence

from autogen_agentchat.base import ChatAgent, Response, TaskResult, Team, TerminationCondition
from autogen_agentchat.messages import BaseAgentEvent, BaseChatMessage, TextMessage
from autogen_core import CancellationToken
from typing_extensions import override

from .turns import Schedule


class SequentialTeam(Team):
    """An autogen ``Team`` that runs its participants in process, one at a time, in the order of a
    :class:`Schedule`, handing each only the messages it has not yet seen."""

    def __init__(self, participants: Sequence[ChatAgent], schedule: Schedule, *,
                 termination_condition: TerminationCondition, name: str = "SequentialTeam",
                 description: str = "Participants speak one at a time in the order of a schedule.") -> None:
        names = [p.name for p in participants]
        if len(set(names)) != len(names):
            raise ValueError(f"participant names must be unique: {names}")
        self._participants = {p.name: p for p in participants}
        self._schedule = schedule
        self._termination = termination_condition
        self._name = name
        self._description = description
        # Messages each participant has not yet been given.
        self._pending: dict[str, list[BaseChatMessage]] = {n: [] for n in names}
        self._running = False

    @property
    @override
    def name(self) -> str:
        return self._name

    @property
    @override
    def description(self) -> str:
        return self._description

    @override
    async def run(self, *, task: str | BaseChatMessage | Sequence[BaseChatMessage] | None = None,
                  cancellation_token: CancellationToken | None = None,
                  output_task_messages: bool = True) -> TaskResult:
        result: TaskResult | None = None
        async for item in self.run_stream(task=task, cancellation_token=cancellation_token,
                                          output_task_messages=output_task_messages):
            if isinstance(item, TaskResult):
                result = item
        assert result is not None  # run_stream always ends with one
        return result

    @override
    async def run_stream(self, *, task: str | BaseChatMessage | Sequence[BaseChatMessage] | None = None,
                         cancellation_token: CancellationToken | None = None,
                         output_task_messages: bool = True,
                         ) -> AsyncGenerator[BaseAgentEvent | BaseChatMessage | TaskResult, None]:
        if self._running:
            raise ValueError("the team is already running; it cannot run twice at once")
        self._running = True
        token = cancellation_token or CancellationToken()
        output: list[BaseAgentEvent | BaseChatMessage] = []
        try:
            if self._termination.terminated:
                yield TaskResult(messages=[], stop_reason="The team has already terminated.")
                return
            if isinstance(task, str):
                task_messages: list[BaseChatMessage] = [TextMessage(content=task, source="user")]
            elif isinstance(task, BaseChatMessage):
                task_messages = [task]
            else:
                task_messages = list(task or [])
            if task_messages:
                for pending in self._pending.values():
                    pending.extend(task_messages)
                if output_task_messages:
                    output.extend(task_messages)
                    for m in task_messages:
                        yield m
                stop = await self._termination(task_messages)
                if stop is not None:
                    await self._termination.reset()
                    yield TaskResult(messages=output, stop_reason=stop.content)
                    return
            while True:
                speaker = self._schedule.advance()
                agent = self._participants.get(speaker)
                if agent is None:
                    raise RuntimeError(f"the schedule chose {speaker!r}, who is not a participant")
                given, self._pending[speaker] = self._pending[speaker], []
                delta: list[BaseAgentEvent | BaseChatMessage] = []
                response: Response | None = None
                async for item in agent.on_messages_stream(given, token):
                    if isinstance(item, Response):
                        response = item
                    else:
                        delta.append(item)
                        output.append(item)
                        yield item
                if response is None:
                    raise RuntimeError(f"agent {speaker!r} ended its turn without a response")
                reply = response.chat_message
                delta.append(reply)
                output.append(reply)
                yield reply
                for name, pending in self._pending.items():
                    if name != speaker:
                        pending.append(reply)
                stop = await self._termination(delta)
                if stop is not None:
                    await self._termination.reset()
                    yield TaskResult(messages=output, stop_reason=stop.content)
                    return
        finally:
            self._running = False

    @override
    async def reset(self) -> None:
        for agent in self._participants.values():
            await agent.on_reset(CancellationToken())
        for pending in self._pending.values():
            pending.clear()
        await self._termination.reset()

    @override
    async def pause(self) -> None:
        for agent in self._participants.values():
            await agent.on_pause(CancellationToken())

    @override
    async def resume(self) -> None:
        for agent in self._participants.values():
            await agent.on_resume(CancellationToken())

    @override
    async def save_state(self) -> Mapping[str, Any]:
        raise NotImplementedError("ingroup reruns a conversation from its scenario; it does not save team state")

    @override
    async def load_state(self, state: Mapping[str, Any]) -> None:
        raise NotImplementedError("ingroup reruns a conversation from its scenario; it does not load team state")
