"""A scripted agent: speaks fixed lines in turn (an interviewer, a confederate). No model is called."""

from __future__ import annotations

from ..scenario import AgentSpec, Sampling
from .base import Completion, Turn


class ScriptExhausted(Exception):
    """The scripted agent has said all its lines; the conversation ends."""


class ScriptedProvider:
    kind = "scripted"

    def __init__(self, spec: AgentSpec) -> None:
        self.model = spec.model
        self._lines = list(spec.lines or [])
        self._spoken = 0

    async def complete(self, system: str, turns: list[Turn], sampling: Sampling) -> Completion:
        # One provider per conversation, so a counter is the script position (an opening is not a line).
        if self._spoken >= len(self._lines):
            raise ScriptExhausted(f"all {len(self._lines)} scripted lines spoken")
        self._spoken += 1
        return Completion(text=self._lines[self._spoken - 1], applied={}, unsupported=sampling.asked(), finish_reason="script")

    async def aclose(self) -> None:
        return None
