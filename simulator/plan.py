"""The plan: the scenario as it will run (:func:`resolve`), concrete runs with stable ids, the limits a plan
must respect (per-provider :class:`Limits` too), shards, and the dry-run arithmetic.

Both ``ingroup run`` (:func:`plan_runs`) and ``ingroup sweep`` (``simulator.sweep.expand``) produce a list of
:class:`RunSpec`; the executor runs such a list and nothing else. A shard (:class:`Shard`) is a deterministic
slice of a plan, so a scheduler can run a sweep as N independent jobs. The dry-run estimate
(:class:`PlanSummary`) is computed from the scenarios alone: no provider is built and nothing is called.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from typing import Any, Iterable

from pydantic import Field

from .errors import IngroupError
from .interview import fill_official_names
from .memory import CHARS_PER_TOKEN, ChainLink, chain_links
from .scenario import Scenario, embedded_variant, with_max_turns
from .seeds import pick_seed, repetition_seed
from .validation import Strict

RUN_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")
"""A run id is its transcript's file name: letters, digits, '.', '_', '-', at most 200 characters."""
MAX_RUNS = 100_000
"""More runs than this in one sweep is a typo or a hostile file, not an experiment."""
MAX_CALLS = 10_000_000
"""More model calls than this in one sweep is refused before anything is planned in detail."""


@dataclass(frozen=True)
class Limits:
    """Concurrent requests and requests per minute allowed for one provider kind (None: no limit)."""

    concurrency: int | None = None
    rpm: float | None = None


def resolve(scenario: Scenario, *, embedded: bool = False, max_turns: int | None = None,
            repetitions: int | None = None, seed: int | None = None) -> Scenario:
    """The scenario as it will run: embedded variant, turn cap, repetitions and seed applied, official model names
    filled in."""
    if embedded:
        scenario = embedded_variant(scenario)
    if max_turns is not None:
        scenario = with_max_turns(scenario, max_turns)
    update: dict[str, int] = {}
    if repetitions is not None:
        update["repetitions"] = repetitions
    if seed is not None:
        update["seed"] = seed
    scenario = scenario.model_copy(update=update) if update else scenario
    return fill_official_names(scenario)


@dataclass
class RunSpec:
    """One concrete conversation to run: a resolved scenario, its repetition and a stable id."""

    run_id: str
    scenario: Scenario
    repetition: int = 0
    condition: dict[str, Any] = field(default_factory=dict)
    scenario_file: str | None = None
    chain: ChainLink | None = None
    """The chain of repetitions this run is a link of (agents carry notes from the previous link), if any."""
    branch_of: str | None = None
    """For a rollback branch (``conversation/rollback.py``): the run id of the earlier branch it replays, which
    must have finished first (the two are one group)."""
    group: str | None = None
    """Runs that must run in order, in one process, share a group; a shard keeps a group whole. ``None``: the
    run's chain, if it is a link of one, else the run alone."""

    def __post_init__(self) -> None:
        if self.scenario.seed is None:
            # Planners pick the base seed once per plan (plan_runs, sweep.expand); a run built by hand still
            # gets one, written into its scenario record so the header says how to reproduce it.
            self.scenario = self.scenario.model_copy(update={"seed": pick_seed()})

    @property
    def seed(self) -> int:
        """This repetition's seed (``simulator.seeds``): distinct per repetition, the same on a rerun."""
        assert self.scenario.seed is not None  # set in __post_init__
        return repetition_seed(self.scenario.seed, self.repetition)

    @property
    def group_key(self) -> str:
        """Runs with the same key run one after another, in plan order, in one process, and a shard keeps
        them together: the links of a chain; every other run is a group of its own (its run id)."""
        if self.group is not None:
            return self.group
        if self.chain is not None:
            return self.chain.key
        return self.branch_of if self.branch_of is not None else self.run_id


BRANCH_SUFFIX = "-rollback"
"""Appended to a run id to name its rollback branch."""


def with_branches(runs: Iterable[RunSpec]) -> list[RunSpec]:
    """The plan with each run of a scenario with ``rollback`` followed by its branch run, which the
    executor starts once the run itself has finished (a resume redoes only what is missing)."""
    out: list[RunSpec] = []
    for r in runs:
        out.append(r)
        if r.scenario.rollback is not None and r.branch_of is None:
            out.append(replace(r, run_id=r.run_id + BRANCH_SUFFIX, branch_of=r.run_id))
    return out


def check_run_ids(runs: Iterable[RunSpec]) -> None:
    """Refuse a plan with an id that is not a safe file name, or an id planned twice."""
    seen: set[str] = set()
    for r in runs:
        if not RUN_ID.match(r.run_id) or ".." in r.run_id:
            raise IngroupError(f"run id {r.run_id!r} is not a safe file name (letters, digits, '.', '_', '-')")
        if r.run_id in seen:
            raise IngroupError(f"run id {r.run_id!r} is planned twice")
        seen.add(r.run_id)


def plan_runs(scenario: Scenario, scenario_file: str | None = None, stamp: str | None = None) -> list[RunSpec]:
    """One RunSpec per repetition of a scenario (``ingroup run``), each followed by its rollback branch when the
    scenario has one. Ids carry a start stamp and a random part,
    so running a file again, or in several processes at the same second, never collides (transcripts are
    also created exclusively). A scenario with no seed gets one picked here, recorded in every header
    (``--seed`` reproduces the run)."""
    stamp = stamp or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ") + "-" + os.urandom(3).hex()
    if scenario.seed is None:
        scenario = scenario.model_copy(update={"seed": pick_seed()})
    rids = [f"{scenario.name}-{stamp}-r{rep:03d}" for rep in range(scenario.repetitions)]
    links = chain_links(scenario, f"{scenario.name}-{stamp}", rids)  # agents carrying notes: one chain
    return with_branches(RunSpec(run_id=rid, scenario=scenario, repetition=rep, scenario_file=scenario_file,
                                 chain=link) for rep, (rid, link) in enumerate(zip(rids, links)))


# ---- shards ------------------------------------------------------------------------------------------------

_SHARD = re.compile(r"^\s*(\d{1,6})\s*/\s*(\d{1,6})\s*$")


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based, as ``--shard 2/3`` and a Slurm array index read)."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if not 1 <= self.index <= self.count:
            raise IngroupError(f"shard {self.index}/{self.count}: K must be between 1 and N "
                               "(for example --shard 2/3)", field="--shard")

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    @classmethod
    def parse(cls, text: str) -> "Shard":
        """``"2/3"`` -> ``Shard(2, 3)``; anything else is one clear error naming ``--shard``."""
        m = _SHARD.match(text)
        if m is None:
            raise IngroupError(f"{text!r} is not K/N (shard K of N, for example --shard 2/3)", field="--shard")
        return cls(int(m.group(1)), int(m.group(2)))

    def holds(self, group_key: str) -> bool:
        """Whether the group with this key belongs to this shard."""
        return shard_number(group_key, self.count) == self.index

    def select(self, runs: list[RunSpec]) -> list[RunSpec]:
        """This shard's runs, in plan order."""
        return [r for r in runs if self.holds(r.group_key)]


def shard_number(group_key: str, count: int) -> int:
    """The shard (1..count) a group belongs to: a stable hash of its key, so every machine, every Python
    and every rerun agrees, and adding cells to a sweep moves no existing run to another shard."""
    digest = hashlib.sha256(group_key.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


# ---- the dry-run estimate ----------------------------------------------------------------------------------

class Estimate(Strict):
    """The assumptions of the dry-run estimate (a sweep file's ``estimate:``)."""

    tokens_per_message: int = Field(default=120, ge=1, le=100_000)
    """Assumed length of a model reply, capped by the agent's max_tokens."""
    unbounded_replies: int = Field(default=20, ge=1, le=100_000)
    """Replies assumed for a run whose stop rules set no turn cap (phrase rules only)."""


@dataclass
class ProviderPlan:
    """Planned calls, tokens and cost of one provider and model over a sweep."""

    provider: str
    model: str
    runs: int = 0
    calls: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float | None = 0.0


@dataclass
class PlanSummary:
    """What a sweep would do before it runs: runs, cells, factors, and calls and cost per provider."""

    sweep: str
    runs: int
    cells: int
    repetitions: int
    factors: dict[str, list[str]]
    bounded: bool
    """False when some run has no turn cap, so calls are an assumption, not an upper bound."""
    branch_runs: int = 0
    """Rollback branches among ``runs`` (each replays a run of its cell from ``rollback.at_turn``)."""
    providers: list[ProviderPlan] = field(default_factory=list)

    @property
    def calls(self) -> int:
        """Model calls over every provider."""
        return sum(p.calls for p in self.providers)

    @property
    def cost_usd(self) -> float:
        """The estimated cost of the models with a known price (see :attr:`unpriced`)."""
        return round(sum(p.cost_usd for p in self.providers if p.cost_usd is not None), 4)

    @property
    def unpriced(self) -> list[str]:
        """``provider:model`` of the models the price table does not know: not in :attr:`cost_usd`."""
        return [f"{p.provider}:{p.model}" for p in self.providers if p.cost_usd is None]

    def to_dict(self) -> dict[str, Any]:
        """The plan as ``--dry-run --json`` prints it, with the price table's date and source."""
        from .prices import PRICES_AS_OF, PRICES_SOURCE

        return {"sweep": self.sweep, "runs": self.runs, "cells": self.cells, "repetitions": self.repetitions,
                "factors": self.factors, "bounded": self.bounded, "branch_runs": self.branch_runs,
                "calls": self.calls,
                "cost_usd": self.cost_usd, "unpriced_models": self.unpriced,
                "prices": {"as_of": PRICES_AS_OF, "source": PRICES_SOURCE},
                "providers": [p.__dict__ for p in self.providers]}


def reply_cap(s: Scenario, assumed: int) -> int:
    """At most this many replies in one run (the opening is not one), from the stop rules alone."""
    caps = [s.stop.max_turns - 1] if s.stop.max_turns is not None else []
    if s.stop.max_replies_per_agent is not None:
        caps.append(s.stop.max_replies_per_agent * len(s.agents))
    return min(caps) if caps else assumed


def speakers(s: Scenario, seed: int, assumed: int) -> tuple[list[str], bool]:
    """Who replies, in order, up to the turn caps (the opening is not a reply), and whether that is an upper
    bound (some cap applies) rather than the ``assumed`` number of replies."""
    from .conversation.turns import Schedule  # autogen: only when a plan is estimated

    names = [a.name for a in s.agents]
    caps = [c - 1 for c in (s.stop.max_turns,) if c is not None]
    bounded = bool(caps) or s.stop.max_replies_per_agent is not None
    limit = min(caps) if caps else (
        s.stop.max_replies_per_agent * len(names) if s.stop.max_replies_per_agent else assumed)
    schedule = Schedule(names, s.opening.speaker, s.turn_order, seed)
    replies: dict[str, int] = {}
    lines_left = {a.name: len(a.lines or []) for a in s.agents if a.provider == "scripted"}
    out: list[str] = []
    while len(out) < limit:
        nxt = schedule.advance()
        if s.stop.max_replies_per_agent is not None and replies.get(nxt, 0) >= s.stop.max_replies_per_agent:
            break
        if nxt in lines_left:
            if lines_left[nxt] == 0:
                break  # the script is exhausted: the conversation ends
            lines_left[nxt] -= 1
        replies[nxt] = replies.get(nxt, 0) + 1
        out.append(nxt)
    return out, bounded


def seed_free(s: Scenario) -> bool:
    """Whether who speaks when is the same in every repetition (only a seeded random order with three or
    more agents varies with the repetition's seed)."""
    return s.turn_order.mode != "random" or s.turn_order.seed is not None or len(s.agents) <= 2


def add_run(rows: dict[tuple[str, str], ProviderPlan], s: Scenario, seed: int, est: Estimate, times: int,
            branch: bool = False) -> bool:
    """Add ``times`` runs of scenario ``s`` at ``seed`` to the per-model rows; returns whether bounded. A
    rollback ``branch`` replays its first replies (no call) and may make one call for the keeper's summary."""
    who, bounded = speakers(s, seed, est.unbounded_replies)
    replayed = 0
    if branch and s.rollback is not None:
        replayed = s.rollback.at_turn - 1
        if s.rollback.keeps == "summary":
            who = who + [s.rollback.keeper]
    scripted_pos = {a.name: 0 for a in s.agents if a.provider == "scripted"}
    context = len(s.opening.text) // CHARS_PER_TOKEN + 1
    per_run: dict[tuple[str, str], list[int]] = {}
    for i, name in enumerate(who):
        a = s.agent(name)
        if a.provider == "scripted":
            line = a.script()[scripted_pos[name]].text
            scripted_pos[name] += 1
            context += len(line) // CHARS_PER_TOKEN + 1
            continue
        reply = min(est.tokens_per_message, a.sampling.max_tokens or est.tokens_per_message)
        if i >= replayed:  # a replayed reply is copied from the earlier branch, not asked again
            calls = per_run.setdefault((a.provider, a.model), [0, 0, 0])
            calls[0] += 1
            calls[1] += len(a.system_prompt()) // CHARS_PER_TOKEN + context
            calls[2] += reply
        context += reply
    for key, (calls_n, prompt, completion) in per_run.items():
        row = rows.setdefault(key, ProviderPlan(*key))
        row.runs += times
        row.calls += calls_n * times
        row.prompt_tokens += prompt * times
        row.completion_tokens += completion * times
    return bounded
