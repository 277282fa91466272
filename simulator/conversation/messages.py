"""The messages ingroup adds to autogen-agentchat's, for what passes between agent, team and orchestrator.

A model's reply travels as autogen's ``TextMessage``, and its call record (tokens, reasoning, where the call
went) is handed over typed by :meth:`simulator.conversation.agent.ProviderAgent.take_call`. An agent that cannot speak
ends the conversation with :class:`AgentStopped`, a ``StopMessage`` (so ``StopMessageTermination`` ends the
run) that says why in typed fields: no text is parsed back.
"""

from __future__ import annotations

from typing import Literal

from autogen_agentchat.messages import StopMessage

StopKind = Literal["script_exhausted", "provider_error", "crash"]


class AgentStopped(StopMessage):
    """An agent ended the conversation: its script ran out (not an error), its provider failed for good
    (retries ran out, a refused key), or something else raised (a bug: the error holds the traceback)."""

    kind: StopKind
    error: str | None = None
    """The redacted error text, for ``provider_error`` and ``crash``."""

    @property
    def failed(self) -> bool:
        """Whether the conversation ended in failure (anything but a finished script)."""
        return self.kind != "script_exhausted"


__all__ = ["AgentStopped", "StopKind"]
