"""``ingroup sweep``: the verb and its printing (the plan, the progress bar, the outcome table); running a
sweep is ``simulator.sweep_runner``."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from rich.console import Console
from typing_extensions import override

from .cli import CacheOption, RuntimeOption, TeamAlias
from .display import terminal_safe
from .sweep_runner import SweepListener, Tally, run_planned
from .sweep_runner import check_out_dir as check_out_dir  # re-exported: bench/scale.py and older callers
from .sweep_runner import run_cost as _run_cost  # noqa: F401  (the same)
from .sweep_runner import run_sweep as run_sweep  # the notebook API, as docs/api.md names it

if TYPE_CHECKING:
    from .plan import PlanSummary, RunSpec, Shard
    from .power import FamilyPower
    from .sweep import Sweep

console = Console()


def print_plan(plan: PlanSummary, run_ids: list[str], show_runs: int = 12, shard: "Shard | None" = None,
               sweep_runs: int | None = None) -> None:
    """The ``--dry-run`` plan on the console (of one shard: its runs out of the sweep's ``sweep_runs``)."""
    branches = f" + {plan.branch_runs} rollback branch(es)" if plan.branch_runs else ""
    design = f"{plan.cells} cell(s) x {plan.repetitions} repetition(s){branches}"
    if shard is None:
        console.print(f"[bold]{terminal_safe(plan.sweep)}[/]: {plan.runs} run(s) = {design}", highlight=False)
    else:
        console.print(f"[bold]{terminal_safe(plan.sweep)}[/] shard {shard}: {plan.runs} of the sweep's "
                      f"{sweep_runs} run(s) ({design})", highlight=False)
    from rich.table import Table

    for f, levels in plan.factors.items():
        console.print(f"  factor {terminal_safe(f)}: {terminal_safe(', '.join(levels))}", highlight=False)
    table = Table(title="model calls and estimates (no model is called)", title_justify="left")
    for col in ("provider", "model", "runs", "calls", "est. prompt tokens", "est. completion tokens", "est. cost"):
        table.add_column(col, justify="right" if col not in ("provider", "model") else "left")
    for p in plan.providers:
        cost = "?" if p.cost_usd is None else f"${p.cost_usd:,.4f}"
        table.add_row(p.provider, terminal_safe(p.model), str(p.runs), str(p.calls), f"{p.prompt_tokens:,}",
                      f"{p.completion_tokens:,}", cost)
    total = f"${plan.cost_usd:,.4f}" + (" + ?" if plan.unpriced else "")
    table.add_row("total", "", str(plan.runs), str(plan.calls), f"{sum(p.prompt_tokens for p in plan.providers):,}",
                  f"{sum(p.completion_tokens for p in plan.providers):,}", total, style="bold")
    console.print(table)
    bound = "upper bounds from the turn caps" if plan.bounded else "assumed lengths (some runs have no turn cap)"
    from .prices import PRICES_AS_OF, PRICES_SOURCE

    console.print(f"calls are {bound}; tokens assume ~4 characters per token and replies of the sweep's "
                  f"estimate.tokens_per_message; list prices as of {PRICES_AS_OF} from {PRICES_SOURCE} "
                  "(simulator/prices.py)", highlight=False)
    if plan.unpriced:
        console.print(f"[yellow]no price known for[/] {terminal_safe(', '.join(plan.unpriced))}: the total leaves "
                      "them out; give their prices under prices: in the sweep file", highlight=False)
    for rid in run_ids[:show_runs]:
        console.print(f"  {rid}", highlight=False)
    if plan.runs > show_runs:
        console.print(f"  ... and {plan.runs - show_runs:,} more", highlight=False)


def print_power(families: list[FamilyPower]) -> None:
    """The smallest difference each family of comparisons can detect (:mod:`simulator.power`)."""
    from .power import ALPHA, POWER

    if not families:
        console.print("one cell: no comparison of conditions to size", highlight=False)
        return
    console.print(f"smallest detectable difference (power {POWER}, alpha {ALPHA}, two-sided; conversations are "
                  "the unit; as Cohen's h and as a difference of two rates centred on 50%):", highlight=False)

    def effect(h: float, d: float) -> str:
        return "none (too few conversations)" if h == float("inf") else f"h {h:.2f} (rates {0.5 - d / 2:.2f} vs " \
            f"{0.5 + d / 2:.2f})"

    for fam in families:
        what = "every pair of cells" if fam.grouping == "cells" else f"levels of {terminal_safe(fam.grouping)}"
        for k, e in fam.effects:
            line = (f"  {what}, {k} of {fam.comparisons} pair(s), {e.n_a} vs {e.n_b} conversations: "
                    f"{effect(e.cohens_h, e.rate_difference)}")
            if fam.comparisons > 1:
                line += f"; after Holm over {fam.comparisons}: {effect(e.cohens_h_holm, e.rate_difference_holm)}"
            if not e.can_reach_alpha:
                line += (f"; [yellow]a permutation p cannot go below {e.min_p:.3g}, so no pair can be "
                         "significant[/]")
            console.print(line, highlight=False)


class ConsoleListener(SweepListener):
    """The progress bar of ``ingroup sweep``: runs done of planned, failures, resumed runs, tokens, cost."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress_bar = Progress(
            BarColumn(bar_width=16), MofNCompleteColumn(),
            TextColumn("runs [red]{task.fields[failed]} failed[/] {task.fields[skipped]} resumed "
                       "{task.fields[tokens]:,} tok {task.fields[cost]}"),
            TimeElapsedColumn(), console=console, transient=False)
        self.task: Any = None

    @override
    def note(self, text: str) -> None:
        console.print(f"note: {terminal_safe(text)}", highlight=False)

    @override
    def begin(self, sweep: str, runs: int, out: Path) -> None:
        # Narrow enough for an 80-column terminal or log: the sweep name goes on its own line.
        console.print(f"[bold]{terminal_safe(sweep)}[/]: {runs} run(s) into {terminal_safe(str(out))}",
                      highlight=False)
        self.task = self.progress_bar.add_task(sweep, total=runs, failed=0, skipped=0, tokens=0, cost="$0.0000")

    @override
    def started(self) -> None:
        # Only once the workers run: the bar's refresh thread would keep them from being forked.
        self.progress_bar.start()

    @override
    def progress(self, tally: Tally) -> None:
        cost = f"${tally.cost_usd:.4f}" + ("" if tally.cost_known else " + ?")
        self.progress_bar.update(self.task, completed=tally.finished, failed=tally.failed, skipped=tally.resumed,
                                 tokens=tally.tokens, cost=cost)

    @override
    def interrupted(self, complete: int, planned: int) -> None:
        self.progress_bar.stop()
        console.print(f"interrupted: {complete} of {planned} run(s) complete; run the same command again to "
                      "resume (unfinished transcripts are moved to .partial/ and redone)", highlight=False)


def execute(sweep: Sweep, runs: list[RunSpec], out: Path, *, concurrency: int, retry_failed: bool,
            make_provider=None, workers: int | None = None, runtime: str = "sequential", backend: str = "local",
            address: str | None = None, shard: "Shard | None" = None, cache: Path | None = None,
            max_cost: float | None = None) -> list:
    """:func:`simulator.sweep_runner.run_planned` with the progress bar on the console."""
    listener = ConsoleListener()
    try:
        return run_planned(sweep, runs, out, concurrency=concurrency, retry_failed=retry_failed,
                           make_provider=make_provider, workers=workers, runtime=runtime,
                           backend=backend, address=address, shard=shard, cache=cache, max_cost=max_cost,  # type: ignore[arg-type]
                           listener=listener)
    finally:
        listener.progress_bar.stop()


BUDGET_STOPPED = 3
"""Exit code of a sweep that ``--max-cost`` stopped before every run was done (and none failed)."""


def print_outcomes(runs: list[RunSpec], outcomes: list, out: Path, max_cost: float | None = None) -> int:
    """The outcome table per condition, the failures, what the cache and the budget did; the exit code."""
    from rich.table import Table

    from .executor import failure_text

    by_cell: dict[str, dict[str, int]] = {}
    status = {o.run_id: o.status for o in outcomes}
    for r in runs:
        key = ", ".join(f"{k}={v}" for k, v in r.condition.items()) or "(no factors)"
        row = by_cell.setdefault(key, {"done": 0, "failed": 0})
        state = status.get(r.run_id)
        if state == "failed":
            row["failed"] += 1
        elif state in ("done", "skipped"):  # a planned run with no outcome is not counted as complete
            row["done"] += 1
    table = Table(title="runs per condition", title_justify="left")
    table.add_column("condition")
    table.add_column("complete", justify="right")
    table.add_column("failed", justify="right")
    for key, row in by_cell.items():
        table.add_row(terminal_safe(key), str(row["done"]), str(row["failed"]))
    console.print(table)
    failed = [o for o in outcomes if o.status == "failed"]
    from .cli import err_console

    for o in failed:
        err_console.print(f"[red]failed[/] {o.run_id}: {terminal_safe(failure_text(o))}",
                          highlight=False)
    complete = sum(row["done"] for row in by_cell.values())
    console.print(f"{complete} of {len(runs)} run(s) complete; transcripts in {out}", highlight=False)
    ran = [o for o in outcomes if o.status != "skipped"]
    cached = sum(o.cached_calls for o in ran)
    if cached:
        console.print(f"{cached} model call(s) answered from the cache (no request, no cost)", highlight=False)
    not_started = len(runs) - len(outcomes)
    if max_cost is not None:
        known = [o.cost_usd for o in ran if o.cost_usd is not None]
        spent = f"${sum(known):.4f}" + (" + ?" if len(known) < len(ran) else "")
        if not_started:
            console.print(f"stopped by --max-cost ${max_cost:g}: spent {spent}; {not_started} run(s) not started, "
                          "since the next one's planned cost would pass the cap; run again (with a higher "
                          "--max-cost) to continue", highlight=False)
        else:
            console.print(f"spent {spent} of --max-cost ${max_cost:g}", highlight=False)
    if failed:
        err_console.print(f"{len(failed)} run(s) failed; failed runs keep their transcript with the error; "
                          "--retry-failed runs them again", highlight=False)
    if failed:
        return 1
    if max_cost is not None and not_started:
        return BUDGET_STOPPED
    return 1 if complete < len(runs) else 0


def register(app: typer.Typer) -> None:
    """Add the ``sweep`` verb to ``app``."""
    @app.command("sweep")
    def sweep_cmd(
        file: Annotated[Path, typer.Argument(help="Sweep file (YAML): a base scenario crossed with factors.")],
        out: Annotated[Optional[Path], typer.Option(
            "--out", help="Folder for the transcripts (default: transcripts/<sweep name>).")] = None,
        embedded: Annotated[bool, typer.Option(
            "--embedded", help="Run every model agent on the embedded local model (no key, no network).")] = False,
        dry_run: Annotated[bool, typer.Option(
            "--dry-run", help="Print the plan (runs, model calls, estimated tokens and cost); call no model.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="With --dry-run: print the plan as JSON.")] = False,
        concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Conversations at once.")] = 4,
        workers: Annotated[Optional[int], typer.Option(
            "--workers", min=1, max=64,
            help="Worker processes sharing the conversations (for large sweeps against fast servers). "
                 "Default: one, or one per core when the embedded model runs in them.")] = None,
        max_turns: Annotated[Optional[int], typer.Option(
            "--max-turns", min=1, help="Cap each conversation at N messages, the opening included.")] = None,
        retry_failed: Annotated[bool, typer.Option(
            "--retry-failed", help="Run again the runs that failed for good (their transcripts go to .failed/).")
        ] = False,
        runtime: RuntimeOption = None,
        team: TeamAlias = None,
        shard: Annotated[Optional[str], typer.Option(
            "--shard", metavar="K/N",
            help="Run only shard K of N (1-based; e.g. a Slurm array task's index); each shard into its own --out.")
        ] = None,
        backend: Annotated[str, typer.Option(
            "--backend", help="Where conversations run: local (this machine) or ray (tasks on a Ray cluster).")
        ] = "local",
        address: Annotated[Optional[str], typer.Option(
            "--address", help="With --backend ray: the cluster's head, host:port (default: a local Ray).")] = None,
        cache: CacheOption = None,
        max_cost: Annotated[Optional[float], typer.Option(
            "--max-cost", min=0, metavar="USD",
            help="Spend at most this many US dollars in this invocation: a run whose planned cost would pass "
                 "it is not started (exit code 3). Cached calls cost nothing.")] = None,
    ) -> None:
        """Run a sweep: every combination of factor levels times repetitions; rerun to resume."""
        from .choices import BACKENDS
        from .cli import runtime_choice
        from .errors import IngroupError
        from .plan import Shard
        from .power import sweep_power
        from .sweep import count_runs, first_run_ids, load_sweep, plan_summary, plan_sweep
        from .sweep_runner import plan_of

        chosen = runtime_choice(runtime, team)
        if backend not in BACKENDS:
            raise IngroupError(f"unknown backend {backend!r}; choose {' or '.join(BACKENDS)}", field="--backend")
        if address is not None and backend != "ray":
            raise IngroupError("names a Ray cluster: give --backend ray too", field="--address")
        part = Shard.parse(shard) if shard is not None else None
        if dry_run and part is None:
            sweep = load_sweep(file)
            plan = plan_sweep(sweep, embedded=embedded, max_turns=max_turns)  # per cell: no run is built
            power = sweep_power(sweep)
            if as_json:
                print(json.dumps({**plan.to_dict(), "detectable_effects": [f.to_dict() for f in power]}, indent=1))
            else:
                print_plan(plan, first_run_ids(sweep, 12))
                print_power(power)
            return
        sweep, runs, part = plan_of(file, embedded=embedded, max_turns=max_turns, shard=part)
        if dry_run:  # one shard: its own runs, each replayed
            plan = plan_summary(sweep, runs)
            if as_json:
                print(json.dumps({**plan.to_dict(), "shard": str(part)}, indent=1))
            else:
                print_plan(plan, [r.run_id for r in runs[:12]], shard=part, sweep_runs=count_runs(sweep))
            return
        out_dir = out or Path("transcripts") / sweep.name
        outcomes = execute(sweep, runs, out_dir, concurrency=concurrency, retry_failed=retry_failed,
                           workers=workers, runtime=chosen, backend=backend, address=address, shard=part,
                           cache=cache, max_cost=max_cost)
        raise typer.Exit(print_outcomes(runs, outcomes, out_dir, max_cost))
