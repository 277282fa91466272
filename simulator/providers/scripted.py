"""A scripted agent: speaks fixed lines in turn (an interviewer, a confederate). No model is called.

A line with ``when: claimed_other`` is spoken only once the interviewed agent has claimed an identity other
than its declared one (``simulator.interview``), filled with the identity it last claimed; otherwise it is
skipped, and the script moves on (or ends).
"""

from __future__ import annotations

from ..claims import ClaimDetector, claim_detector
from ..interview import declared_identity, fill_claimed, interviewee
from ..scenario import AgentSpec, Sampling, Scenario
from .base import Completion, Turn


class ScriptExhausted(Exception):
    """The scripted agent has said all its lines; the conversation ends."""


class ScriptedProvider:
    """Speaks an agent's scripted lines in order, with no model: for tests and scripted confederates."""

    kind = "scripted"

    def __init__(self, spec: AgentSpec) -> None:
        self.model = spec.model
        self.name = spec.name
        self._lines = spec.script()
        self._spoken = 0
        self._declared: list[str] = []
        # Fails when the provider is set up (the executor's preflight), before any transcript is written.
        self._detect: ClaimDetector | None = (
            claim_detector() if any(line.when == "claimed_other" for line in self._lines) else None)

    def bind_scenario(self, scenario: Scenario) -> None:
        """Learn who is interviewed, so its own name is not taken for a claim of another identity."""
        subject = interviewee(scenario, self.name)
        self._declared = declared_identity(subject) if subject is not None else []

    def skip_spoken(self, texts: list[str]) -> None:
        """Continue the script after the lines already said (a rollback branch replays them): each text
        moves the script past the next line that says it (or the next conditional line)."""
        for text in texts:
            while self._spoken < len(self._lines):
                line = self._lines[self._spoken]
                self._spoken += 1
                if line.text == text or line.when == "claimed_other":
                    break

    def _last_claim(self, turns: list[Turn]) -> str | None:
        assert self._detect is not None
        for turn in reversed(turns):
            if turn.role == "user":
                claimed = self._detect(turn.content, self._declared)
                if claimed:
                    return claimed[0]
        return None

    async def complete(self, system: str, turns: list[Turn], sampling: Sampling) -> Completion:
        """The next scripted line that applies; :class:`ScriptExhausted` when none is left."""
        # One provider per conversation, so a counter is the script position (an opening is not a line).
        while self._spoken < len(self._lines):
            line = self._lines[self._spoken]
            self._spoken += 1
            text = line.text
            if line.when == "claimed_other":
                claimed = self._last_claim(turns)
                if claimed is None:
                    continue  # nothing claimed: the follow-up does not apply
                text = fill_claimed(text, claimed)
            return Completion(text=text, applied={}, unsupported=sampling.asked(), finish_reason="script")
        raise ScriptExhausted(f"all {len(self._lines)} scripted lines spoken or skipped")

    async def aclose(self) -> None:
        """Nothing to release."""
        return None
