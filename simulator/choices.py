"""The execution choices named on the command line, declared where nothing heavy has to be imported to check
them (``ingroup sweep --dry-run`` and a refused sweep load no orchestration code)."""

from __future__ import annotations

from typing import Literal

Runtime = Literal["sequential", "group-chat"]
"""How a conversation runs on autogen-agentchat (``--runtime``): ``SequentialTeam`` in process, or
``RoundRobinGroupChat`` on the agent runtime. "Team" elsewhere means an agent's side."""
RUNTIMES: tuple[Runtime, ...] = ("sequential", "group-chat")
"""``sequential``: :class:`~simulator.conversation.team.SequentialTeam`, in-process (the default).
``group-chat``: autogen's RoundRobinGroupChat on the agent runtime, with its OpenTelemetry spans; same
transcripts, more CPU per turn."""

Backend = Literal["local", "ray"]
"""Where conversations run (``--backend``): this machine and its worker processes, or tasks on a Ray cluster."""
BACKENDS: tuple[Backend, ...] = ("local", "ray")
