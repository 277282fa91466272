"""``ingroup sweep``: expand a sweep file into runs, print the plan, or run it with a progress bar."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console

from .cli import RuntimeOption, TeamAlias
from .display import terminal_safe
from .errors import IngroupError
from .files import ensure_dir, folder_locked, write_atomic

if TYPE_CHECKING:
    from .conversation.orchestrator import RunSpec
    from .executor import Survey
    from .scenario import AgentSpec
    from .sweep import PlanSummary, Sweep

console = Console()


def print_plan(plan: PlanSummary, run_ids: list[str], show_runs: int = 12) -> None:
    branches = f" + {plan.branch_runs} rollback branch(es)" if plan.branch_runs else ""
    console.print(f"[bold]{terminal_safe(plan.sweep)}[/]: {plan.runs} run(s) = {plan.cells} cell(s) x "
                  f"{plan.repetitions} repetition(s){branches}", highlight=False)
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


def check_out_dir(out: Path, runs: list[RunSpec], sweep_name: str | None = None,
                  survey: "Survey | None" = None) -> None:
    """Refuse to resume into a folder whose finished transcripts came from a different plan, or that holds
    another sweep: mixing them would put runs of two designs under one condition label. ``survey`` (the
    executor's, of the same runs) saves reading each footer again."""
    from .executor import transcript_status

    if sweep_name is not None and out.is_dir():
        others = sorted(p.name.removesuffix(".sweep.json") for p in out.glob("*.sweep.json")
                        if p.name != f"{sweep_name}.sweep.json")
        if others:
            raise IngroupError(f"{out} holds the transcripts of sweep '{others[0]}' ({others[0]}.sweep.json); "
                               f"sweep '{sweep_name}' would be pooled with them by every analysis. Use another "
                               "--out folder")

    expected = _PlanKeys()
    for r in runs:
        state, footer = survey[r.run_id] if survey is not None else transcript_status(out / f"{r.run_id}.jsonl")
        if state == "absent":
            continue
        if footer is not None and footer.plan_key is not None and footer.plan_key == expected.of(r):
            continue  # finished under this very plan: its last line says so, the header is not read
        _check_header(out / f"{r.run_id}.jsonl", r)


class _PlanKeys:
    """The plan key each run's transcript must carry, computed once per scenario (runs of a cell share it)."""

    def __init__(self) -> None:
        self._cache: dict[int, tuple[object, str]] = {}

    def of(self, run: RunSpec) -> str:
        s = run.scenario
        hit = self._cache.get(id(s))
        if hit is None or hit[0] is not s:
            from .transcript import plan_key

            servers = {a.name: _server(a) for a in s.agents}
            hit = self._cache[id(s)] = (s, plan_key(s.content_hash(), servers))
        return hit[1]


def _check_header(path: Path, r: RunSpec) -> None:
    from .transcript import iter_records

    for _, obj, _raw in iter_records(path):
        if obj is not None and obj.get("type") == "header":
            if obj.get("scenario_hash") != r.scenario.content_hash():
                raise IngroupError(
                    f"{path} was made from a different scenario than this sweep now plans for "
                    f"{r.run_id} (changed file, --embedded or --max-turns?); use a fresh --out folder")
            _check_same_server(path, obj, r)
        break


def _server(agent: "AgentSpec") -> str | None:
    """Where an agent's requests go, as the header records it (``effective_base_url``)."""
    from .providers import effective_base_url
    from .secrets import public_url

    return public_url(effective_base_url(agent))


def _check_same_server(path: Path, header: dict, run: RunSpec) -> None:
    # The scenario hash does not cover the environment: OPENAI_BASE_URL may now point at another server, and
    # the resumed sweep would mix transcripts of two servers under one design.
    agents = {a.name: a for a in run.scenario.agents}
    for rec in header.get("agents") or []:
        was = rec.get("effective_base_url") if isinstance(rec, dict) else None
        spec = agents.get(str(rec.get("name"))) if isinstance(rec, dict) else None
        if was is None or spec is None:
            continue  # written before ingroup recorded it, or by an agent kind without a server
        now = _server(spec)
        if now != was:
            raise IngroupError(
                f"{path.name} was made with agent {spec.name} on the server {was}, but it would now go to "
                f"{now} (OPENAI_BASE_URL / ANTHROPIC_BASE_URL changed?); resume with the same server, or use "
                "a fresh --out folder")


def write_manifest(out: Path, sweep: Sweep, runs: list[RunSpec]) -> Path:
    """``<out>/<sweep>.sweep.json``: the planned runs and their conditions, so analyses know what was planned
    (a run that never finished is then visible as missing, not silently absent)."""
    ensure_dir(out)
    path = out / f"{sweep.name}.sweep.json"
    data = {"sweep": sweep.name, "file": sweep.file, "factors": {f: list(x.levels) for f, x in sweep.spec.factors.items()},
            "runs": [{"run_id": r.run_id, "condition": r.condition, "repetition": r.repetition,
                      "scenario_hash": r.scenario.content_hash()} for r in runs]}
    return write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False))


def _run_cost(outcome, run: RunSpec, prices: dict[str, tuple[float, float]]) -> float | None:
    """The run's cost from its per-agent token counts (the footer's); None when a model has no price."""
    from .prices import cost_of

    if outcome.by_agent is None:
        return _run_cost_from_file(outcome.path, prices)
    models = {a.name: (a.provider, a.model) for a in run.scenario.agents}
    total = 0.0
    for name, used in outcome.by_agent.items():
        if name not in models:
            continue
        c = cost_of(*models[name], used.prompt_tokens, used.completion_tokens, prices)
        if c is None:
            return None
        total += c
    return total


def _run_cost_from_file(path: Path, prices: dict[str, tuple[float, float]]) -> float | None:
    # Transcripts written before footers held per-agent tokens: add up the messages.
    from .prices import cost_of
    from .transcript import read_transcript

    t = read_transcript(path)
    models = {a.name: (a.provider, a.model) for a in t.header.agents}
    total = 0.0
    for m in t.messages:
        if m.speaker not in models or m.scripted:
            continue
        c = cost_of(*models[m.speaker], m.prompt_tokens or 0, m.completion_tokens or 0, prices)
        if c is None:
            return None
        total += c
    return total


def execute(sweep: Sweep, runs: list[RunSpec], out: Path, *, concurrency: int, retry_failed: bool,
            make_provider=None, workers: int = 1, runtime: str = "sequential") -> list:
    with folder_locked(out, shared=False):
        return _execute(sweep, runs, out, concurrency=concurrency, retry_failed=retry_failed,
                        make_provider=make_provider, workers=workers, runtime=runtime)


def _execute(sweep: Sweep, runs: list[RunSpec], out: Path, *, concurrency: int, retry_failed: bool,
             make_provider=None, workers: int = 1, runtime: str = "sequential") -> list:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .blocking import run_blocking
    from .executor import ExecOptions, Executor, workers_for
    from .executor import survey as survey_of
    from .run import default_provider_factory

    workers, why = workers_for(runs, workers)
    if why:
        console.print(f"note: {why}", highlight=False)
    options = ExecOptions(concurrency=concurrency, limits=sweep.limits(), retry_failed=retry_failed,
                          workers=workers, runtime=runtime)  # type: ignore[arg-type]
    survey = survey_of(out, runs)
    check_out_dir(out, runs, sweep.name, survey)
    write_manifest(out, sweep, runs)
    state = {"tokens": 0, "cost": 0.0, "cost_known": True, "failed": 0, "skipped": 0}
    prices = sweep.price_table()
    planned = {r.run_id: r for r in runs}
    # Narrow enough for an 80-column terminal or log: the sweep name goes on its own line.
    console.print(f"[bold]{terminal_safe(sweep.name)}[/]: {len(runs)} run(s) into {terminal_safe(str(out))}",
                  highlight=False)
    progress = Progress(
        BarColumn(bar_width=16), MofNCompleteColumn(),
        TextColumn("runs [red]{task.fields[failed]} failed[/] {task.fields[skipped]} resumed "
                   "{task.fields[tokens]:,} tok {task.fields[cost]}"),
        TimeElapsedColumn(), console=console, transient=False)
    task = progress.add_task(sweep.name, total=len(runs), failed=0, skipped=0, tokens=0, cost="$0.0000")

    def cost_text() -> str:
        return f"${state['cost']:.4f}" + ("" if state["cost_known"] else " + ?")

    def on_message(msg) -> None:
        state["tokens"] += (msg.prompt_tokens or 0) + (msg.completion_tokens or 0)
        progress.update(task, tokens=state["tokens"])

    def on_outcome(o) -> None:
        if o.status == "failed":
            state["failed"] += 1
        if o.status == "skipped":
            state["skipped"] += 1
        if workers > 1:  # worker processes report per run, not per message
            state["tokens"] += o.prompt_tokens + o.completion_tokens
            progress.update(task, tokens=state["tokens"])
        if o.by_agent is not None or o.path.exists():
            try:
                c = _run_cost(o, planned[o.run_id], prices)
            except Exception:  # the bar is a convenience; a malformed old file must not stop the sweep
                c = None
            if c is None:
                state["cost_known"] = False
            else:
                state["cost"] += c
        progress.update(task, advance=1, failed=state["failed"], skipped=state["skipped"], cost=cost_text())

    # The bar starts once the workers are running: its refresh thread would keep them from being forked.
    executor = Executor(out, make_provider or default_provider_factory(), options,
                        on_outcome=on_outcome, on_message=on_message, on_started=progress.start)
    try:
        outcomes = run_blocking(lambda: executor.run(runs, survey))
    except KeyboardInterrupt:
        progress.stop()
        from .executor import transcript_state

        done = sum(transcript_state(out / f"{r.run_id}.jsonl") == "complete" for r in runs)
        console.print(f"interrupted: {done} of {len(runs)} run(s) complete; run the same command again to "
                      "resume (unfinished transcripts are moved to .partial/ and redone)", highlight=False)
        raise
    finally:
        progress.stop()
    return outcomes


def run_sweep(path: str | Path, out: str | Path | None = None, *, embedded: bool = False,
              max_turns: int | None = None, concurrency: int = 4, retry_failed: bool = False,
              make_provider=None, workers: int = 1, runtime: str = "sequential") -> list:
    """Python API behind ``ingroup sweep`` (for notebooks): run or resume a sweep, return its outcomes."""
    from .sweep import expand, load_sweep

    sweep = load_sweep(path)
    runs = expand(sweep, embedded=embedded, max_turns=max_turns)
    out_dir = Path(out) if out is not None else Path("transcripts") / sweep.name
    return execute(sweep, runs, out_dir, concurrency=concurrency, retry_failed=retry_failed,
                   make_provider=make_provider, workers=workers, runtime=runtime)


def print_outcomes(runs: list[RunSpec], outcomes: list, out: Path) -> int:
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
    if failed:
        err_console.print(f"{len(failed)} run(s) failed; failed runs keep their transcript with the error; "
                          "--retry-failed runs them again", highlight=False)
    return 1 if failed or complete < len(runs) else 0


def register(app: typer.Typer) -> None:
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
        workers: Annotated[int, typer.Option(
            "--workers", min=1, max=64,
            help="Worker processes sharing the conversations (for large sweeps against fast servers).")] = 1,
        max_turns: Annotated[Optional[int], typer.Option(
            "--max-turns", min=1, help="Cap each conversation at N messages, the opening included.")] = None,
        retry_failed: Annotated[bool, typer.Option(
            "--retry-failed", help="Run again the runs that failed for good (their transcripts go to .failed/).")
        ] = False,
        runtime: RuntimeOption = None,
        team: TeamAlias = None,
    ) -> None:
        """Run a sweep: every combination of factor levels times repetitions; rerun to resume."""
        from .cli import runtime_choice
        from .sweep import expand, first_run_ids, load_sweep, plan_sweep

        chosen = runtime_choice(runtime, team)
        sweep = load_sweep(file)
        if dry_run:
            plan = plan_sweep(sweep, embedded=embedded, max_turns=max_turns)
            if as_json:
                print(json.dumps(plan.to_dict(), indent=1))
            else:
                print_plan(plan, first_run_ids(sweep, 12))
            return
        runs = expand(sweep, embedded=embedded, max_turns=max_turns)
        out_dir = out or Path("transcripts") / sweep.name
        outcomes = execute(sweep, runs, out_dir, concurrency=concurrency, retry_failed=retry_failed,
                           workers=workers, runtime=chosen)
        raise typer.Exit(print_outcomes(runs, outcomes, out_dir))
