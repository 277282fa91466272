"""A spending cap for one invocation (``ingroup sweep --max-cost USD``).

Before a run starts, its planned cost (the dry-run estimate: an upper bound from the turn caps) is added to
what the finished runs of this invocation cost and what the runs in flight may still cost; if that passes
the cap, the run is not started, and neither is any run after it. A finished run then counts what its
footer says it cost (cached replies count 0), so an estimate that was too high frees room for later runs.
Runs finished by earlier invocations count nothing: the cap is what this command may spend.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Budget:
    """A spending cap over a sweep: admits runs while their planned cost fits under it beside what was spent and
    reserved; the first refusal stops the plan."""

    cap_usd: float
    estimates: dict[str, float]
    """Run id -> planned cost in US dollars."""
    spent_usd: float = 0.0
    """What the runs this budget admitted and that have finished cost."""
    stopped: bool = False
    """A run was refused: the cap stopped the plan."""
    _in_flight: dict[str, float] = field(default_factory=dict)

    def admit(self, run_id: str) -> bool:
        """Whether ``run_id`` may start; reserves its planned cost when it may."""
        if self.stopped:
            return False
        planned = self.estimates.get(run_id, 0.0)
        if self.spent_usd + sum(self._in_flight.values()) + planned > self.cap_usd + 1e-12:
            self.stopped = True
            return False
        self._in_flight[run_id] = planned
        return True

    def settle(self, run_id: str, cost_usd: float | None) -> None:
        """A run admitted here has finished: count what it cost (its planned cost when that is unknown)."""
        planned = self._in_flight.pop(run_id, 0.0)
        self.spent_usd += planned if cost_usd is None else cost_usd

    def share(self, n: int) -> "Budget":
        """One of ``n`` equal parts, for a worker process (each decides alone, so together they stay under
        the cap)."""
        return Budget(self.cap_usd / n, self.estimates)


__all__ = ["Budget"]
