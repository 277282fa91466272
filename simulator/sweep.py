"""Sweep files: a base scenario crossed with factors, expanded into concrete runs with stable ids.

A sweep names a base scenario and factors (identity framing, speaking order, model pairing, ...), each with
levels; every combination of levels is a cell, and each cell runs ``repetitions`` times. A level changes the
scenario in three ways, applied in this order for a cell: ``agents`` (per-agent field overrides, e.g. a model
pairing), ``set`` (dotted-path patches, e.g. ``opening.speaker``), then ``conditions`` (fragments from the
condition library, rendered per agent against the final agents, so "told the other's vendor" follows the
pairing). Run ids are ``<sweep>-<level>-<level>...-r<rep>``: the same file always plans the same ids, which is
what makes resume work. See ``docs/sweeps.md``.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Literal

from pydantic import Field, ValidationError

from .conditions import Condition, Library, apply_condition, check_template, load_library, validate_located
from .errors import ScenarioError
from .memory import chain_links
from .plan import (
    BRANCH_SUFFIX,
    MAX_CALLS,
    MAX_RUNS,
    RUN_ID,
    Estimate,
    Limits,
    PlanSummary,
    ProviderPlan,
    RunSpec,
    add_run,
    reply_cap,
    resolve,
    seed_free,
    with_branches,
)
from .prices import cost_of
from .scenario import SAFE_NAME, ProviderName, Sampling, Scenario, _cross_check, scenario_from_data, with_max_turns
from .seeds import named_seed, repetition_seed
from .validation import Strict
from .yamlio import LocatedData, format_path, load_yaml_file, load_yaml_text

# Level and factor names go into run ids and file names; '-' is reserved as the separator between levels.
LEVEL_NAME = r"^(?!.*\.\.)[A-Za-z0-9][A-Za-z0-9_.]{0,39}(?<!\.)$"


class ConditionUse(Strict):
    """A condition fragment applied by a level, optionally to some agents only."""

    use: str
    agents: list[str] | None = None
    """Only these agents get the fragment (default: every agent that is not scripted)."""


class Level(Strict):
    """One level of a factor: the agent fields, scenario fields and conditions it sets."""

    description: str = ""
    agents: dict[str, dict[str, Any]] = {}
    set: dict[str, Any] = {}
    conditions: list[str | ConditionUse] = []
    repetitions: int | None = Field(default=None, ge=1, le=100_000)
    """Runs of every cell with this level, instead of the sweep's repetitions (a sampling plan: some prompts
    sampled four times, the rest once). Only one factor may set it."""


class Factor(Strict):
    """One dimension of a sweep: its levels, crossed with every other factor's."""

    description: str = ""
    levels: dict[str, Level] = Field(min_length=1)


class InlineCondition(Strict):
    """A condition defined in the sweep file: text for one agent's identity, system message or persona."""

    target: Literal["identity", "system", "persona"]
    description: str = Field(min_length=1)
    text: str
    source: str | None = None


class Price(Strict):
    """A model's list price for the cost estimate and the footers."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    """US dollars per million tokens."""


class LimitSpec(Strict):
    """A sweep's limits for one provider kind: concurrent requests and requests per minute."""

    concurrency: int | None = Field(default=None, ge=1, le=10_000)
    rpm: float | None = Field(default=None, gt=0)


class SweepFile(Strict):
    """A sweep file as written: a base scenario, the factors crossed over it, and how to run the cells."""

    name: str = Field(pattern=SAFE_NAME, max_length=100)
    description: str = ""
    scenario: str | dict[str, Any]
    """Path of the base scenario, relative to the sweep file, or the scenario itself inline."""
    repetitions: int | None = Field(default=None, ge=1, le=100_000)
    max_turns: int | None = Field(default=None, ge=1, le=100_000)
    seed: int | None = None
    library: list[str] = []
    """Extra condition files or folders (relative to the sweep file); they override built-ins."""
    conditions: dict[str, InlineCondition] = {}
    """Conditions defined in the sweep file itself, as ``family/name: {target, description, text}``."""
    factors: dict[str, Factor] = {}
    prices: dict[str, Price] = {}
    estimate: Estimate = Estimate()
    limits: dict[ProviderName, LimitSpec] = {}
    embedded_sampling: Sampling | None = None
    """Sampling for agents that ``--embedded`` moves to the local model (e.g. a lower ``max_tokens``: the
    135M model rambles to its cap where real models told to be brief stop early). Recorded in each header."""


@dataclass
class Sweep:
    """A loaded sweep: its file checked, the base scenario and the condition library resolved."""

    spec: SweepFile
    base: Scenario
    base_file: str | None
    library: Library
    loc: LocatedData

    @property
    def name(self) -> str:
        """The sweep's name (the start of every run id)."""
        return self.spec.name

    @property
    def file(self) -> str:
        """The sweep file read (for located errors)."""
        return self.loc.file

    def limits(self) -> dict[str, Limits]:
        """The file's per-provider limits as the executor takes them."""
        return {k: Limits(v.concurrency, v.rpm) for k, v in self.spec.limits.items()}

    def price_table(self) -> dict[str, tuple[float, float]]:
        """The file's own prices: model -> (input, output) US dollars per million tokens."""
        return {k: (p.input, p.output) for k, p in self.spec.prices.items()}


def _err(loc: LocatedData, path: tuple[str | int, ...], msg: str) -> ScenarioError:
    return ScenarioError(msg, file=loc.file, line=loc.line_of(path), field=format_path(path) or None)


def _sub(loc: LocatedData, prefix: tuple[str | int, ...]) -> LocatedData:
    """The located data under ``prefix`` (an inline scenario), with its lines kept."""
    n = len(prefix)
    lines = {p[n:]: ln for p, ln in loc.lines.items() if p[:n] == prefix}
    data: Any = loc.data
    for part in prefix:
        data = data[part]
    return LocatedData(data, lines, loc.file)


def load_sweep(path: str | Path) -> Sweep:
    """The sweep in the YAML file at ``path`` (the base scenario relative to it)."""
    return sweep_from_data(load_yaml_file(path), Path(path).parent)


def load_sweep_text(text: str, file: str = "<sweep>", base_dir: str | Path = ".") -> Sweep:
    """The sweep in YAML ``text``, errors located in ``file``, paths relative to ``base_dir``."""
    return sweep_from_data(load_yaml_text(text, file), Path(base_dir))


def sweep_from_data(loc: LocatedData, base_dir: Path) -> Sweep:
    """A sweep from parsed YAML, checked whole (levels, overlaps, repetitions, run ids) before anything runs."""
    if not isinstance(loc.data, dict):
        raise ScenarioError("a sweep file must be a mapping of fields (name, scenario, factors, ...)",
                            file=loc.file, line=1)
    spec: SweepFile = validate_located(SweepFile, loc)
    base, base_file = _base_scenario(spec, loc, base_dir)
    library = _library(spec, loc, base_dir)
    _check_levels(spec, loc, base, library)
    _check_overlaps(spec, loc)
    _check_repetition_factor(spec, loc)
    _check_run_id_length(spec, base, loc)
    sweep = Sweep(spec, base, base_file, library, loc)
    n = count_runs(sweep)
    if n > MAX_RUNS:
        raise _err(loc, ("factors",), f"the sweep plans {n} runs, more than the limit of {MAX_RUNS}")
    return sweep


def _base_scenario(spec: SweepFile, loc: LocatedData, base_dir: Path) -> tuple[Scenario, str | None]:
    if isinstance(spec.scenario, dict):
        try:
            return scenario_from_data(_sub(loc, ("scenario",))), None
        except ScenarioError as exc:
            exc.field = "scenario" + (f".{exc.field}" if exc.field else "")
            raise
    path = base_dir / spec.scenario
    if not path.is_file():
        raise _err(loc, ("scenario",), f"no scenario file at {path}")
    return scenario_from_data(load_yaml_file(path)), str(path)


def _library(spec: SweepFile, loc: LocatedData, base_dir: Path) -> Library:
    for i, item in enumerate(spec.library):
        if not (base_dir / item).exists():
            raise _err(loc, ("library", i), f"no condition file or folder at {base_dir / item}")
    library = load_library(base_dir / item for item in spec.library)
    for ref, c in spec.conditions.items():
        path = ("conditions", ref)
        family, _, name = ref.partition("/")
        if not family or not name:
            raise _err(loc, path, "name inline conditions as family/name (e.g. identity/my-framing)")
        line = loc.line_of(path + ("text",))
        check_template(c.text, file=loc.file, line=line, field=format_path(path + ("text",)))
        library.add(Condition(ref=ref, family=family, name=name, target=c.target, description=c.description,
                              text=c.text.strip(), source=c.source, file=loc.file, line=line))
    return library


def _check_levels(spec: SweepFile, loc: LocatedData, base: Scenario, library: Library) -> None:
    import re

    names = [a.name for a in base.agents]
    for fname, factor in spec.factors.items():
        if not re.match(LEVEL_NAME, fname):
            raise _err(loc, ("factors", fname), "factor names use letters, digits, '_' and '.' "
                                                "(no '-': it separates levels in run ids; no '..')")
        for lname, level in factor.levels.items():
            lpath = ("factors", fname, "levels", lname)
            if not re.match(LEVEL_NAME, lname):
                raise _err(loc, lpath, "level names use letters, digits, '_' and '.', at most 40 "
                                       "(no '-': it separates levels in run ids; no '..', no dot at the end)")
            for agent in level.agents:
                if agent not in names:
                    raise _err(loc, lpath + ("agents", agent), f"'{agent}' is not one of the agents {names}")
            for i, use in enumerate(level.conditions):
                ref = use if isinstance(use, str) else use.use
                if library.get(ref) is None:
                    close = difflib.get_close_matches(ref, list(library.conditions), n=1)
                    hint = f"; did you mean '{close[0]}'?" if close else " (see docs/conditions.md)"
                    raise _err(loc, lpath + ("conditions", i), f"unknown condition '{ref}'{hint}")
                for j, agent in enumerate([] if isinstance(use, str) else (use.agents or [])):
                    if agent not in names:
                        raise _err(loc, lpath + ("conditions", i, "agents", j),
                                   f"'{agent}' is not one of the agents {names}")


def _touched(factor: Any) -> dict[str, str]:
    """The scenario fields a factor's levels set, as dotted paths -> the level that sets it first."""
    out: dict[str, str] = {}
    for lname, level in factor.levels.items():
        for dotted in level.set:
            out.setdefault(dotted, lname)
        for agent, overrides in level.agents.items():
            for key in overrides:
                out.setdefault(f"agents.{agent}.{key}", lname)
    return out


def _overlap(a: str, b: str) -> bool:
    return a == b or a.startswith(b + ".") or b.startswith(a + ".")


def _check_overlaps(spec: SweepFile, loc: LocatedData) -> None:
    # Two factors that set the same field are not crossed: in each cell the later one silently wins, so
    # half the design would not be what the file says.
    seen: list[tuple[str, str, str]] = []
    for fname, factor in spec.factors.items():
        touched = _touched(factor)
        for path, lname in touched.items():
            for other, opath, olevel in seen:
                if _overlap(path, opath):
                    raise _err(loc, ("factors", fname, "levels", lname),
                               f"sets '{path}', which factor '{other}' (level '{olevel}') sets too: each cell "
                               "would keep only one of them; set each field in one factor")
        seen.extend((fname, p, lname) for p, lname in touched.items())


def _check_repetition_factor(spec: SweepFile, loc: LocatedData) -> None:
    # Two factors giving repetitions would leave a cell with two answers; the design must say one.
    setters = [(f, lname) for f, factor in spec.factors.items() for lname, lv in factor.levels.items()
               if lv.repetitions is not None]
    factors = list(dict.fromkeys(f for f, _ in setters))
    if len(factors) > 1:
        f, lname = next(x for x in setters if x[0] == factors[1])
        raise _err(loc, ("factors", f, "levels", lname, "repetitions"),
                   f"factor '{factors[0]}' sets repetitions already: only one factor may set them")


def _repetitions_of(spec: SweepFile, base: Scenario, levels: dict[str, str]) -> int:
    for fname, lname in levels.items():
        reps = spec.factors[fname].levels[lname].repetitions
        if reps is not None:
            return reps
    return spec.repetitions or base.repetitions


def cell_repetitions(sweep: Sweep, levels: dict[str, str]) -> int:
    """Runs of one cell: its level's ``repetitions`` when one sets them, else the sweep's."""
    return _repetitions_of(sweep.spec, sweep.base, levels)


def _check_run_id_length(spec: SweepFile, base: Scenario, loc: LocatedData) -> None:
    reps = max([spec.repetitions or base.repetitions] + [lv.repetitions or 0 for f in spec.factors.values()
                                                         for lv in f.levels.values()])
    longest = len(spec.name) + sum(1 + max(map(len, f.levels), default=0) for f in spec.factors.values())
    longest += len(f"-r{reps - 1:03d}")
    sets_rollback = any(k.split(".")[0] == "rollback" for f in spec.factors.values() for lv in f.levels.values()
                        for k in lv.set)
    if base.rollback is not None or sets_rollback:
        longest += len(BRANCH_SUFFIX)  # a branch's id is its run's id with a suffix
    if longest > 200:
        raise _err(loc, ("factors",), f"run ids would be up to {longest} characters (the limit is 200, a file "
                                      "name); use shorter sweep or level names")


def count_runs(sweep: Sweep) -> int:
    """Runs the sweep plans: cells times repetitions, with a repetitions factor's levels summed."""
    reps = sweep.spec.repetitions or sweep.base.repetitions
    total = 1
    for factor in sweep.spec.factors.values():
        if any(lv.repetitions is not None for lv in factor.levels.values()):
            # This factor's levels carry the repetitions (one factor at most): sum them, not count them.
            total *= sum(lv.repetitions or reps for lv in factor.levels.values())
            reps = 1
        else:
            total *= len(factor.levels)
    return total * reps


def cells(sweep: Sweep) -> list[dict[str, str]]:
    """Every combination of levels, in file order (the last factor varies fastest)."""
    out: list[dict[str, str]] = [{}]
    for fname, factor in sweep.spec.factors.items():
        out = [{**c, fname: lname} for c in out for lname in factor.levels]
    return out


def _set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    parts = dotted.split(".")
    target: Any = data
    for i, part in enumerate(parts):
        last = i == len(parts) - 1
        if isinstance(target, list):
            # agents.<name> or agents.<index>
            match = next((k for k, item in enumerate(target)
                          if isinstance(item, dict) and item.get("name") == part), None)
            if match is None and part.isdigit() and int(part) < len(target):
                match = int(part)
            if match is None:
                raise KeyError(f"no list item named '{part}'")
            if last:
                target[match] = value
            else:
                target = target[match]
            continue
        if not isinstance(target, dict) or not part:
            raise KeyError(f"cannot go into '{part}'")
        if last:
            target[part] = value
        else:
            if target.get(part) is None:
                target[part] = {}
            target = target[part]


def cell_scenario(sweep: Sweep, levels: dict[str, str]) -> Scenario:
    """The base scenario with the levels of one cell applied (before --embedded and turn caps)."""
    loc, base = sweep.loc, sweep.base
    data = base.model_dump(mode="json")
    applied: dict[str, list[str]] = {}
    for fname, lname in levels.items():
        level = sweep.spec.factors[fname].levels[lname]
        lpath = ("factors", fname, "levels", lname)
        for agent, overrides in level.agents.items():
            spec = next(a for a in data["agents"] if a["name"] == agent)
            spec.update(overrides)
        for dotted, value in level.set.items():
            try:
                _set_path(data, dotted, value)
            except KeyError as exc:
                raise _err(loc, lpath + ("set", dotted), f"cannot set '{dotted}': {exc.args[0]}") from None
        # Validate after each level, so a problem is blamed on the level (and the `set` key) that made it.
        try:
            problems = _cross_check(Scenario.model_validate(data))
        except ValidationError as exc:
            e = exc.errors()[0]
            path = tuple(p for p in e["loc"] if isinstance(p, (str, int)))
            msg = "unknown field" if e["type"] == "extra_forbidden" else e["msg"].removeprefix("Value error, ")
            problems = [(path, msg)]
        if problems:
            path, msg = problems[0]
            where = format_path(path)
            blame = lpath + ("set", where) if where in level.set else lpath
            raise _err(loc, blame, f"level '{lname}' makes an invalid scenario: {where}: {msg}")
    scenario = Scenario.model_validate(data)
    for fname, lname in levels.items():
        level = sweep.spec.factors[fname].levels[lname]
        for use in level.conditions:
            ref, agents = (use, None) if isinstance(use, str) else (use.use, use.agents)
            cond = sweep.library.get(ref)
            assert cond is not None  # checked at load
            scenario = apply_condition(scenario, cond, agents)
            applied.setdefault(fname, []).append(ref)
    metadata = {**scenario.metadata, "sweep": sweep.name, "condition": dict(levels),
                "conditions_applied": applied}
    return scenario.model_copy(update={"metadata": metadata})


def _with_embedded_sampling(s: Scenario, sampling: Sampling) -> Scenario:
    agents = []
    for a in s.agents:
        if a.substituted_from is not None:
            merged = {**a.sampling.asked(), **sampling.asked()}
            a = a.model_copy(update={"sampling": Sampling.model_validate(merged)})
        agents.append(a)
    return s.model_copy(update={"agents": agents})


def run_id(sweep: Sweep, levels: dict[str, str], rep: int) -> str:
    """The run id of one repetition of one cell: the sweep name, each factor's level, ``rNNN``."""
    return "-".join([sweep.name, *levels.values(), f"r{rep:03d}"])


def cell_scenarios(sweep: Sweep, *, embedded: bool = False, max_turns: int | None = None
                   ) -> Iterator[tuple[dict[str, str], Scenario, int]]:
    """Each cell's levels, its resolved scenario (what every repetition of the cell runs) and its number of
    repetitions."""
    for levels in cells(sweep):
        reps = cell_repetitions(sweep, levels)
        scenario = cell_scenario(sweep, levels)
        if sweep.spec.max_turns is not None:
            scenario = with_max_turns(scenario, sweep.spec.max_turns)
        # No seed anywhere: one from the sweep's name, so a resumed sweep plans the very same runs.
        seed = sweep.spec.seed if sweep.spec.seed is not None else scenario.seed
        try:
            scenario = resolve(scenario, embedded=embedded, max_turns=max_turns, repetitions=reps,
                               seed=seed if seed is not None else named_seed(sweep.name))
        except ScenarioError as exc:
            if exc.file is None:  # a problem of the cell as a whole (an unfilled placeholder): name the cell
                fname, lname = next(iter(levels.items())) if levels else ("", "")
                exc.file = sweep.file
                exc.line = sweep.loc.line_of(("factors", fname, "levels", lname)) if levels else None
                exc.message += f" (in the cell {', '.join(f'{k}={v}' for k, v in levels.items())})"
            raise
        if embedded and sweep.spec.embedded_sampling is not None:
            scenario = _with_embedded_sampling(scenario, sweep.spec.embedded_sampling)
        yield levels, scenario, reps


def expand(sweep: Sweep, *, embedded: bool = False, max_turns: int | None = None) -> list[RunSpec]:
    """Every planned run of the sweep, in a stable order, with ids that never change for the same file."""
    check_size(sweep, max_turns=max_turns)
    runs: list[RunSpec] = []
    for levels, scenario, reps in cell_scenarios(sweep, embedded=embedded, max_turns=max_turns):
        rids = [run_id(sweep, levels, rep) for rep in range(reps)]
        # A cell whose agents carry notes is a chain of its repetitions, keyed by the cell.
        links = chain_links(scenario, "-".join([sweep.name, *levels.values()]), rids)
        for rep, (rid, link) in enumerate(zip(rids, links)):
            if not RUN_ID.match(rid):
                raise _err(sweep.loc, ("name",), f"run id '{rid}' is longer than 200 characters or unsafe; "
                                                 "use shorter sweep, factor and level names")
            runs.append(RunSpec(run_id=rid, scenario=scenario, repetition=rep, condition=dict(levels),
                                scenario_file=sweep.base_file or sweep.file, chain=link))
    return with_branches(runs)


def check_size(sweep: Sweep, *, max_turns: int | None = None) -> int:
    """Refuse a sweep whose model calls would pass :data:`MAX_CALLS`, from arithmetic on the base scenario
    (runs x the reply cap), before any run or cell is built. Returns that upper bound. Levels that change
    the stop rules are counted with the base's rules: the detailed plan checks them again per cell."""
    base = sweep.base
    if sweep.spec.max_turns is not None:
        base = with_max_turns(base, sweep.spec.max_turns)
    if max_turns is not None:
        base = with_max_turns(base, max_turns)
    bound = count_runs(sweep) * reply_cap(base, sweep.spec.estimate.unbounded_replies)
    if bound > MAX_CALLS:
        raise _err(sweep.loc, ("repetitions",) if sweep.spec.repetitions else ("factors",),
                   f"the sweep plans {count_runs(sweep):,} runs of up to {reply_cap(base, sweep.spec.estimate.unbounded_replies):,} "
                   f"replies: up to {bound:,} model calls, more than the limit of {MAX_CALLS:,}; lower "
                   "repetitions or max_turns, or split the sweep")
    return bound


# ---- the plan summary behind --dry-run (arithmetic in simulator/plan.py) ----------------------------------

def _summary(sweep: Sweep, n_runs: int, rows: dict[tuple[str, str], ProviderPlan], bounded: bool,
             branch_runs: int = 0) -> PlanSummary:
    for row in rows.values():
        row.cost_usd = cost_of(row.provider, row.model, row.prompt_tokens, row.completion_tokens,
                               sweep.price_table())
        if row.cost_usd is not None:
            row.cost_usd = round(row.cost_usd, 4)
    reps = sweep.spec.repetitions or sweep.base.repetitions
    return PlanSummary(
        sweep=sweep.name, runs=n_runs, cells=len(cells(sweep)), repetitions=reps,
        factors={f: list(x.levels) for f, x in sweep.spec.factors.items()}, bounded=bounded,
        branch_runs=branch_runs, providers=sorted(rows.values(), key=lambda r: (r.provider, r.model)))


def plan_sweep(sweep: Sweep, *, embedded: bool = False, max_turns: int | None = None) -> PlanSummary:
    """The plan behind ``--dry-run``, per cell rather than per run: a cell's repetitions differ only in
    their seed, so unless the turn order is random (and seeded per repetition) one replay of the cell's
    turn order times its repetitions is exact. No run is built and no provider is called."""
    check_size(sweep, max_turns=max_turns)
    est = sweep.spec.estimate
    rows: dict[tuple[str, str], ProviderPlan] = {}
    bounded, calls_bound, branches = True, 0, 0
    for levels, s, reps in cell_scenarios(sweep, embedded=embedded, max_turns=max_turns):
        calls_bound += reps * reply_cap(s, est.unbounded_replies)
        if calls_bound > MAX_CALLS:  # a level changed the stop rules
            raise _err(sweep.loc, ("factors",), f"cell {condition_name(levels)} takes the sweep past "
                                                f"{MAX_CALLS:,} model calls; lower repetitions or max_turns")
        assert s.seed is not None  # resolve() set it
        for branch in (False, True) if s.rollback is not None else (False,):
            if seed_free(s):
                bounded &= add_run(rows, s, repetition_seed(s.seed, 0), est, reps, branch)
            else:
                for rep in range(reps):
                    bounded &= add_run(rows, s, repetition_seed(s.seed, rep), est, 1, branch)
        branches += reps if s.rollback is not None else 0
    return _summary(sweep, count_runs(sweep) + branches, rows, bounded, branches)


def plan_summary(sweep: Sweep, runs: list[RunSpec]) -> PlanSummary:
    """The same plan from runs already built (each one replayed)."""
    rows: dict[tuple[str, str], ProviderPlan] = {}
    bounded = True
    for run in runs:
        bounded &= add_run(rows, run.scenario, run.seed, sweep.spec.estimate, 1, run.branch_of is not None)
    return _summary(sweep, len(runs), rows, bounded, sum(r.branch_of is not None for r in runs))


def run_cost_estimates(sweep: Sweep, runs: list[RunSpec]) -> tuple[dict[str, float], list[str]]:
    """Each run's planned cost (the dry-run estimate, for ``--max-cost``) and the ``provider:model`` of the
    models without a price (whose runs cannot be budgeted). Runs of a cell whose turn order does not vary
    with the seed share one replay."""
    prices = sweep.price_table()
    out: dict[str, float] = {}
    unpriced: set[str] = set()
    replayed: dict[int, tuple[Scenario, float]] = {}
    for run in runs:
        s = run.scenario
        hit = replayed.get(id(s)) if seed_free(s) else None
        if hit is not None and hit[0] is s:
            out[run.run_id] = hit[1]
            continue
        rows: dict[tuple[str, str], ProviderPlan] = {}
        add_run(rows, s, run.seed, sweep.spec.estimate, 1)
        total = 0.0
        for row in rows.values():
            c = cost_of(row.provider, row.model, row.prompt_tokens, row.completion_tokens, prices)
            if c is None:
                unpriced.add(f"{row.provider}:{row.model}")
            else:
                total += c
        out[run.run_id] = total
        if seed_free(s):
            replayed[id(s)] = (s, total)
    return out, sorted(unpriced)


def condition_name(levels: dict[str, str]) -> str:
    """The cell's levels as ``factor=level, ...`` (``(no factors)`` for none)."""
    return ", ".join(f"{k}={v}" for k, v in levels.items()) or "(no factors)"


def first_run_ids(sweep: Sweep, n: int) -> list[str]:
    """The first ``n`` run ids in plan order, without building the runs."""
    out: list[str] = []
    for levels in cells(sweep):
        for rep in range(cell_repetitions(sweep, levels)):
            if len(out) == n:
                return out
            out.append(run_id(sweep, levels, rep))
    return out
