"""Memory policies: what an agent keeps of its context, and what it carries from one conversation to the next.

- ``none``: the agent sees the whole conversation (the default).
- ``rolling_summary``: when the agent's context passes ``budget_tokens``, the agent's own model is asked
  (a separate, recorded call) to write notes of the important points; its context becomes its system prompt,
  the notes and the messages it has just received.
- ``carried_notes``: the repetitions of one scenario (of one sweep cell) form a chain run in a fixed order;
  when a conversation ends each agent writes notes, and the next repetition starts with them in its context.
  With ``budget_tokens`` it also rolls its notes within a conversation.

This module holds the scenario option, the chain a planned run belongs to, and the reading of carried notes
from the previous link's transcript. The calls themselves are made in ``simulator.conversation.memory``.
See ``docs/scenarios.md`` (Memory).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from .errors import IngroupError
from .validation import Strict

if TYPE_CHECKING:
    from .scenario import AgentSpec, Scenario

MemoryPolicy = Literal["none", "rolling_summary", "carried_notes"]
MEMORY_POLICIES: tuple[MemoryPolicy, ...] = ("none", "rolling_summary", "carried_notes")

CHARS_PER_TOKEN = 4
"""Rough English average, for token counts without a tokenizer (HTTP providers; the dry-run estimate)."""
MESSAGE_OVERHEAD_TOKENS = 4
"""Tokens a chat format adds around each message (role markers), in the estimate."""

SUMMARY_PROMPT = (
    "Your context is nearly full, so the earlier messages will be removed. Write short notes of the important "
    "points so far: who you are talking to, what you are trying to do, what was said, claimed and agreed. "
    "Write only the notes.")
"""What ``rolling_summary`` asks when the context passes the budget (``memory.prompt`` replaces it)."""
CARRY_PROMPT = (
    "The conversation is over. Write short notes of its important points that you want to remember in your "
    "next conversation: who you talked to, what you tried to do, what happened and what you learned. Write "
    "only the notes.")
"""What ``carried_notes`` asks when a conversation ends (``memory.carry_prompt`` replaces it)."""

ROLLING_HEADING = "Your notes on this conversation so far (the earlier messages are no longer shown):"
CARRIED_HEADING = "Your notes from your previous conversation:"


class Memory(Strict):
    """An agent's memory policy (``memory:`` on an agent, or on the scenario for every model agent)."""

    policy: MemoryPolicy = "none"
    budget_tokens: int | None = Field(default=None, ge=32, le=10_000_000)
    """Context size (system prompt and messages, in tokens) past which the agent summarises: needed by
    ``rolling_summary``, optional for ``carried_notes``."""
    prompt: str | None = Field(default=None, min_length=1, max_length=4000)
    """The instruction asking for notes when the context passes the budget (default :data:`SUMMARY_PROMPT`)."""
    carry_prompt: str | None = Field(default=None, min_length=1, max_length=4000)
    """``carried_notes``: the instruction asking for notes when a conversation ends (default
    :data:`CARRY_PROMPT`)."""

    @model_validator(mode="after")
    def _consistent(self) -> "Memory":
        if self.policy == "rolling_summary" and self.budget_tokens is None:
            raise ValueError("policy rolling_summary needs budget_tokens (the context size that triggers notes)")
        if self.policy == "none" and (self.budget_tokens is not None or self.prompt is not None):
            raise ValueError("budget_tokens and prompt need policy rolling_summary or carried_notes")
        if self.carry_prompt is not None and self.policy != "carried_notes":
            raise ValueError("carry_prompt is only for policy carried_notes")
        if self.prompt is not None and self.budget_tokens is None:
            raise ValueError("prompt is asked when the context passes budget_tokens: give budget_tokens too")
        return self

    @property
    def rolls(self) -> bool:
        """Whether the agent summarises when its context passes the budget."""
        return self.budget_tokens is not None

    @property
    def carries(self) -> bool:
        """Whether the agent writes notes at the end of a conversation for the next one."""
        return self.policy == "carried_notes"

    @property
    def summary_prompt(self) -> str:
        """The instruction asking for notes when the context passes the budget."""
        return self.prompt or SUMMARY_PROMPT

    @property
    def end_prompt(self) -> str:
        """The instruction asking for notes when a conversation ends."""
        return self.carry_prompt or CARRY_PROMPT


NO_MEMORY = Memory()


def memory_of(scenario: "Scenario", agent: "AgentSpec") -> Memory:
    """The policy ``agent`` runs with: its own, else the scenario's; scripted agents have none (no model)."""
    if agent.provider == "scripted":
        return NO_MEMORY
    return agent.memory or scenario.memory or NO_MEMORY


def carries_notes(scenario: "Scenario") -> bool:
    """Whether some agent of ``scenario`` carries notes across its repetitions (they form a chain)."""
    return any(memory_of(scenario, a).carries for a in scenario.agents)


def estimate_tokens(texts: list[str]) -> int:
    """Tokens of a context by :data:`CHARS_PER_TOKEN` (for providers without a tokenizer)."""
    return sum(math.ceil(len(t) / CHARS_PER_TOKEN) + MESSAGE_OVERHEAD_TOKENS for t in texts)


def with_notes(system: str, heading: str, notes: str) -> str:
    """The system prompt an agent runs with once it has notes: its own, then the heading and the notes."""
    block = f"{heading}\n{notes.strip()}"
    return f"{system}\n\n{block}" if system.strip() else block


# ---- chains of repetitions ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ChainLink:
    """Where a planned run sits in a chain of repetitions that pass notes along (``carried_notes``)."""

    key: str
    """The chain: runs with the same key run one after another, in plan order, in one process (the group
    key a sharded or distributed runner must keep together)."""
    position: int
    previous: str | None = None
    """The run id of the link before, whose end notes this run starts with (None for the first link)."""


def chain_links(scenario: "Scenario", key: str, run_ids: list[str]) -> list[ChainLink | None]:
    """The chain links of a scenario's repetitions, in order (None for every run when no agent carries
    notes: the repetitions are independent)."""
    if not carries_notes(scenario):
        return [None] * len(run_ids)
    return [ChainLink(key, i, run_ids[i - 1] if i else None) for i in range(len(run_ids))]


@dataclass
class CarriedNotes:
    """The notes a run starts with: from which run, and each agent's text."""

    from_run: str
    notes: dict[str, str] = field(default_factory=dict)


class ChainBroken(IngroupError):
    """The previous link of a chain has no finished transcript to take notes from."""


def read_carried_notes(out_dir: str | Path, link: ChainLink) -> CarriedNotes | None:
    """The end notes of ``link``'s previous run, read from its finished transcript in ``out_dir`` (None for a
    chain's first link). Raises :class:`ChainBroken` when that transcript is missing, unfinished or failed."""
    from .transcript import read_transcript

    if link.previous is None:
        return None
    path = Path(out_dir) / f"{link.previous}.jsonl"
    if not path.is_file():
        raise ChainBroken(f"the previous run of its chain, {link.previous}, has no transcript", file=str(path))
    t = read_transcript(path)
    if t.footer is None or t.footer.failed:
        raise ChainBroken(f"the previous run of its chain, {link.previous}, did not finish", file=str(path))
    return CarriedNotes(link.previous, {n.agent: n.text for n in t.notes if n.when == "end"})


__all__ = [
    "CARRIED_HEADING", "CARRY_PROMPT", "CHARS_PER_TOKEN", "ROLLING_HEADING", "SUMMARY_PROMPT", "CarriedNotes",
    "ChainBroken", "ChainLink", "Memory", "MemoryPolicy", "carries_notes", "chain_links", "estimate_tokens",
    "memory_of", "read_carried_notes", "with_notes",
]
