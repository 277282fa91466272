"""Rollback branches: replay a finished conversation from message k, with one agent remembering the rest.

A scenario's ``rollback: {at_turn: k, keeper: A, keeps: context|summary}`` plans, beside each repetition, a
second run (its branch, run id ``<run id>-rollback``) that starts once the first has finished. The branch
copies the first k messages of the earlier branch (``replayed: true``) and continues from there with the
same seeds and turn order. What differs is memory: the keeper's context also holds what it saw there after
message k — every message (``context``), or a summary it writes itself before the replay (``summary``) —
followed by a note that the conversation was rolled back; every other agent starts from the k messages
alone. The branch's header links it (``branch_of``, ``branch_at_turn``) and records who kept what
(``branch_memory``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from ..errors import IngroupError
from ..providers.base import Turn
from ..scenario import Rollback, Scenario
from ..transcript import BranchMemory, Message, Transcript, read_footer, read_transcript
from .agent import ProviderAgent, turn_as_seen

if TYPE_CHECKING:
    from .orchestrator import RunSpec

def _others(names: list[str], keeper: str) -> str:
    rest = [n for n in names if n != keeper]
    return rest[0] if len(rest) == 1 else ", ".join(rest[:-1]) + " and " + rest[-1]


def rolled_back_note(k: int, names: list[str], keeper: str) -> str:
    """What the keeper is told after its memory of the earlier branch (``context``)."""
    others = _others(names, keeper)
    return (f"[Rollback] The conversation was rolled back to just after message {k}: everything said after it "
            f"is undone and will be replayed. Only you remember what came after; {others} remember nothing of "
            f"it. The conversation continues now from that point.")


def summary_request(k: int, names: list[str], keeper: str) -> str:
    """What the keeper is asked before the replay (``summary``)."""
    others = _others(names, keeper)
    return (f"[Rollback] This conversation is about to be rolled back to just after message {k}: everything "
            f"said after it will be undone, and {others} will not remember it. You will keep only the note you "
            f"write now. Write a short summary, for yourself alone, of what you learned after that point that "
            f"could help you when the conversation is replayed. Nobody else will read it.")


def summary_note(k: int, names: list[str], keeper: str, summary: str) -> str:
    """What the keeper is told after the replayed messages (``summary``): its own summary."""
    others = _others(names, keeper)
    return (f"[Rollback] The conversation was rolled back to just after message {k}. Before the rollback you "
            f"wrote this note about what came after, for yourself alone; {others} remember nothing of it:\n\n"
            f"{summary}\n\nThe conversation continues now from that point.")


@dataclass
class Replay:
    """A branch run's view of its earlier branch: the messages it copies and what the keeper remembers."""

    parent: Transcript
    rule: Rollback

    @property
    def at(self) -> int:
        """The turn the branch diverges at (``rollback.at_turn``)."""
        return self.rule.at_turn

    @property
    def reached(self) -> bool:
        """Whether the earlier branch went on past message k (else there is nothing to forget)."""
        return len(self.parent.messages) > self.at

    @property
    def prefix(self) -> list[Message]:
        """The copied messages, marked replayed (all of them when the rollback point was not reached)."""
        return [m.model_copy(update={"replayed": True}) for m in self.parent.messages[:self.at]]

    async def give_memories(self, agents: list[ProviderAgent], scenario: Scenario) -> list[BranchMemory]:
        """Put the keeper's memory into its context (writing its summary first, for ``summary``) and return
        what every agent kept. A provider that fails while summarising raises."""
        names = [a.name for a in agents]
        keeper = self.rule.keeper
        later = self.parent.messages[self.at:]
        out: list[BranchMemory] = []
        for agent in agents:
            if agent.name != keeper or not self.reached:
                out.append(BranchMemory(agent=agent.name, keeps="nothing"))
                continue
            seen = [turn_as_seen(keeper, m.speaker, m.text, scenario.speaker_names) for m in later]
            if self.rule.keeps == "context":
                agent.remember(self.at, seen + [Turn("user", rolled_back_note(self.at, names, keeper))])
                out.append(BranchMemory(agent=keeper, keeps="context", messages=len(later)))
                continue
            whole = [turn_as_seen(keeper, m.speaker, m.text, scenario.speaker_names)
                     for m in self.parent.messages[:self.at]] + seen
            summary, call = await agent.aside(whole + [Turn("user", summary_request(self.at, names, keeper))])
            agent.remember(self.at, [Turn("user", summary_note(self.at, names, keeper, summary))])
            out.append(BranchMemory(agent=keeper, keeps="summary", messages=len(later), summary=summary,
                                    summary_call=call))
        return out


def load_replay(out_dir: Path, run: "RunSpec") -> Replay:
    """The earlier branch of ``run`` (a finished transcript in the same folder), or an IngroupError saying
    why the branch cannot start."""
    assert run.branch_of is not None and run.scenario.rollback is not None
    path = out_dir / f"{run.branch_of}.jsonl"
    footer = read_footer(path) if path.exists() else None
    if footer is None:
        raise IngroupError(f"rollback branch {run.run_id}: its earlier branch {run.branch_of} has no finished "
                           "transcript", file=str(path))
    if footer.failed:
        raise IngroupError(f"rollback branch {run.run_id}: its earlier branch {run.branch_of} failed "
                           f"({footer.error or footer.stop_reason})", file=str(path))
    return Replay(read_transcript(path), run.scenario.rollback)


def replayed_speakers(replay: Replay, advance: Iterator[str]) -> None:
    """Step the branch's turn order through the replayed replies, checking it picks the same speakers."""
    for m in replay.parent.messages[1:replay.at]:
        chosen = next(advance)
        if chosen != m.speaker:
            raise IngroupError(f"the turn order does not replay the earlier branch: message {m.index} was "
                               f"{m.speaker}'s, the schedule now picks {chosen}", file=replay.parent.path)
