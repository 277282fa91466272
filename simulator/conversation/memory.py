"""An agent's memory policy at work in one conversation: counting its context, and asking its model for notes.

The notes calls go through the agent's own :meth:`~simulator.conversation.agent.ProviderAgent.call_model`
(same model, sampling, retries and limits as its turns) and are recorded as ``notes`` lines of the transcript
with their call fields, never as messages. The policy itself is ``simulator.memory``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ..memory import CARRIED_HEADING, ROLLING_HEADING, Memory, estimate_tokens, with_notes
from ..providers.base import Provider, Turn
from ..transcript import Notes, TokenCount

if TYPE_CHECKING:
    from .agent import ProviderAgent


class CountsTokens(Protocol):
    """A provider that can count a context with its model's tokenizer (the embedded model)."""

    async def count_tokens(self, system: str, turns: list[Turn]) -> int:
        """Tokens of ``system`` and ``turns`` as the model's chat template lays them out."""


async def count_context(provider: Provider, system: str, turns: list[Turn]) -> tuple[int, TokenCount]:
    """Tokens of ``system`` and ``turns`` for ``provider``: its tokenizer's count where it has one, else the
    documented estimate (``simulator.memory.estimate_tokens``)."""
    count = getattr(provider, "count_tokens", None)
    if callable(count):
        return await count(system, turns), "tokenizer"
    return estimate_tokens([system, *(t.content for t in turns)] if system else [t.content for t in turns]), \
        "estimate"


class AgentMemory:
    """One agent's memory in one conversation: the notes it started with or wrote last, and the notes records
    not yet handed to the transcript (:meth:`take_notes`)."""

    def __init__(self, policy: Memory, carried: str | None = None) -> None:
        self.policy = policy
        self.carried = carried
        """Notes from the previous conversation of its chain (``carried_notes``), or None."""
        self._base_system = ""
        self._pending: list[Notes] = []

    def start_system(self, system: str) -> str:
        """The system prompt the agent starts with: its own, and the notes it carries if any."""
        self._base_system = system
        return with_notes(system, CARRIED_HEADING, self.carried) if self.carried else system

    async def before_turn(self, agent: ProviderAgent, fresh: int) -> None:
        """Before the agent's call: if its context passes the budget, ask its model for notes and continue
        from its system prompt, the notes and the ``fresh`` messages it has just received."""
        budget = self.policy.budget_tokens
        if budget is None:
            return
        history = agent.history
        before, how = await count_context(agent.provider, agent.system, history)
        if before <= budget:
            return
        prompt = self.policy.summary_prompt
        text, call = await agent.call_model([*history, Turn("user", prompt)])
        kept = history[-max(1, fresh):]
        agent.system = with_notes(self._base_system, ROLLING_HEADING, text)
        agent.replace_history(kept)
        after, _ = await count_context(agent.provider, agent.system, kept)
        self._pending.append(Notes(
            agent=agent.name, when="budget", at_turn=agent.seen, text=text, prompt=prompt, tokens_before=before,
            tokens_after=after, kept_messages=len(kept), budget_tokens=budget, token_count=how, **dict(call)))

    async def at_end(self, agent: ProviderAgent) -> Notes | None:
        """When the conversation is over: the agent's notes for its next conversation (``carried_notes``)."""
        if not self.policy.carries:
            return None
        prompt = self.policy.end_prompt
        before, how = await count_context(agent.provider, agent.system, agent.history)
        text, call = await agent.call_model([*agent.history, Turn("user", prompt)])
        return Notes(agent=agent.name, when="end", at_turn=agent.seen, text=text, prompt=prompt,
                     tokens_before=before, budget_tokens=self.policy.budget_tokens, token_count=how, **dict(call))

    def take_notes(self) -> list[Notes]:
        """The notes made since the last call (handed over once, for the transcript)."""
        out, self._pending = self._pending, []
        return out


__all__ = ["AgentMemory", "CountsTokens", "count_context"]
