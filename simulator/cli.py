"""The ``ingroup`` command: thin typer verbs over the same functions the Python API exposes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Callable, Optional

import typer
from rich.console import Console

from .display import terminal_safe
from .errors import IngroupError
from .files import os_error

RuntimeOption = Annotated[Optional[str], typer.Option(
    "--runtime", help="How conversations run on autogen-agentchat: 'sequential' (SequentialTeam in process, the "
                      "default) or 'group-chat' (RoundRobinGroupChat on the agent runtime, with its OpenTelemetry "
                      "spans).")]
CacheOption = Annotated[Optional[Path], typer.Option(
    "--cache", metavar="DIR",
    help="Cache of model calls: a call already made with the same server, model, messages, sampling and "
         "seed is answered from DIR instead of the model (recorded as cached, costs nothing).")]
TeamAlias = Annotated[Optional[str], typer.Option(
    "--team", hidden=True, help="Deprecated name of --runtime ('team' means an agent's side).")]


def runtime_choice(runtime: str | None, team: str | None) -> str:
    """The --runtime value, taking the deprecated --team spelling with a warning."""
    from .choices import RUNTIMES

    if team is not None:
        err_console.print("[yellow]warning:[/] --team is deprecated; use --runtime (team means an agent's side)",
                          highlight=False)
        if runtime is not None and runtime != team:
            raise IngroupError(f"--runtime {runtime!r} and --team {team!r} disagree; give --runtime only")
    value = runtime or team or "sequential"
    if value not in RUNTIMES:
        raise IngroupError(f"{value!r} is not a runtime; choose one of: {', '.join(RUNTIMES)}", field="--runtime")
    return value

app = typer.Typer(
    name="ingroup",
    help="Multi-agent conversation simulator for studying AI-vs-AI identity and in-group dynamics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"ingroup {version('ingroup')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                          help="Print the version and exit.")] = False,
) -> None:
    """Run scenarios and sweeps, import logs, analyze transcripts and build reports."""


@app.command("run")
def run_cmd(
    scenario: Annotated[Path, typer.Argument(help="Scenario file (YAML).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the transcripts.")] = Path("transcripts"),
    embedded: Annotated[bool, typer.Option(
        "--embedded", help="Run every agent on the embedded local model (no key, no network).")] = False,
    max_turns: Annotated[Optional[int], typer.Option(
        "--max-turns", min=1, help="Cap each conversation at N messages, the opening included.")] = None,
    repetitions: Annotated[Optional[int], typer.Option(
        "--repetitions", "-n", min=1, help="Override the scenario's number of repetitions.")] = None,
    seed: Annotated[Optional[int], typer.Option("--seed", help="Override the scenario's seed.")] = None,
    concurrency: Annotated[int, typer.Option("--concurrency", min=1, help="Conversations at once.")] = 4,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Do not print messages as they arrive.")] = False,
    runtime: RuntimeOption = None,
    team: TeamAlias = None,
    cache: CacheOption = None,
) -> None:
    """Run a scenario: one transcript per repetition, written as the conversation goes."""
    import asyncio

    from .display import preview, shown, terminal_safe
    from .executor import ExecOptions, Executor
    from .files import ensure_dir, folder_locked
    from .plan import plan_runs, resolve
    from .run import default_provider_factory
    from .scenario import load_scenario
    from .transcript import Message

    chosen = runtime_choice(runtime, team)
    spec = resolve(load_scenario(scenario), embedded=embedded, max_turns=max_turns,
                   repetitions=repetitions, seed=seed)
    runs = plan_runs(spec, str(scenario))
    many = len(runs) > 1

    def show(msg: Message) -> None:
        if quiet:
            return
        text = terminal_safe(preview(msg.text, 300) if many else shown(msg.text))
        console.print(f"[bold cyan]{terminal_safe(msg.speaker)}[/] [dim]#{msg.index}[/] {text}", highlight=False)

    agents = ", ".join(f"{a.name}={a.provider}:{a.model}" for a in spec.agents)
    console.print(f"[bold]{spec.name}[/]: {len(runs)} conversation(s); {terminal_safe(agents)}; "
                  f"seed {runs[0].scenario.seed}", highlight=False)
    if cache is not None:
        ensure_dir(cache)
    options = ExecOptions(concurrency=concurrency, runtime=chosen, cache_dir=cache)  # type: ignore[arg-type]
    executor = Executor(out, default_provider_factory(), options, on_message=show)
    try:
        with folder_locked(out, shared=True):
            outcomes = asyncio.run(executor.run(runs))
    except KeyboardInterrupt:
        # typer turns this into exit code 130 without a word; say what is on disk.
        err_console.print(f"interrupted; the transcripts written so far are in {terminal_safe(str(out))} "
                          "(an unfinished one has no footer)", highlight=False)
        raise
    raise typer.Exit(_print_outcomes(outcomes))


def _print_outcomes(outcomes: list) -> int:
    """The outcome table and the analyzers' summaries of the finished conversations; failures on stderr.
    Returns the exit code: 1 when any conversation failed for good."""
    from rich.table import Table

    from .executor import failure_text

    table = Table(title="conversations", title_justify="left")
    for col in ("run", "status", "turns", "stop", "tokens in/out", "cost"):
        table.add_column(col, overflow="fold")
    # A failed conversation gets no summary: measures of a cut-off run read as results.
    done = [o.path for o in outcomes if o.status != "failed" and o.path.exists()]
    summaries = [line for summary in _run_summaries for line in summary(done)]
    for o in outcomes:
        table.add_row(o.run_id, o.status, str(o.turns), terminal_safe(o.stop_reason or o.error or ""),
                      f"{o.prompt_tokens}/{o.completion_tokens}",
                      f"${o.cost_usd:.4f}" if o.cost_usd is not None else "?")
    console.print(table)
    for o in outcomes:
        console.print(f"transcript: {o.path}", highlight=False, soft_wrap=True)
    for line in summaries:
        console.print(line, highlight=False)
    if cached := sum(o.cached_calls for o in outcomes):
        console.print(f"{cached} model call(s) answered from the cache (no request, no cost)", highlight=False)
    failed = [o for o in outcomes if o.status == "failed"]
    for o in failed:
        err_console.print(f"[red]failed[/] {o.run_id}: {terminal_safe(failure_text(o))}",
                          highlight=False)
    if failed:
        err_console.print(f"{len(failed)} of {len(outcomes)} conversation(s) failed; their transcripts keep the "
                          "error in the footer", highlight=False)
    return 1 if failed else 0


# One line of measures per finished transcript, printed after a run: the composition root (analysis.cli)
# plugs the analyzers in here, so this layer does not reach up to them.
RunSummary = Callable[[list[Path]], list[str]]
_run_summaries: list[RunSummary] = []


def add_run_summary(summary: RunSummary) -> None:
    """Have ``ingroup run`` print ``summary``'s lines for the transcripts it wrote (added once)."""
    if summary not in _run_summaries:
        _run_summaries.append(summary)


@app.command("import")
def import_cmd(
    files: Annotated[list[Path], typer.Argument(help="Logs to import: AutoGen 0.2 console logs, CaSiNo JSON, "
                                                     "NegotiationArena game_state.json, hand-made JSON.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the transcripts.")] = Path("transcripts/imported"),
    scenario: Annotated[Optional[Path], typer.Option(
        "--scenario", help="Scenario file describing the original setup (task, models, teams) for the headers.")] = None,
    fmt: Annotated[str, typer.Option(
        "--format", help="auto (from the content), autogen-console, casino, negotiationarena or handmade.")] = "auto",
) -> None:
    """Turn logs of other formats into ingroup transcripts (one per conversation)."""
    from . import importers
    from .scenario import load_scenario

    spec = load_scenario(scenario) if scenario else None
    total = n_conv = 0
    for f in files:
        convs = importers.read(f, spec, fmt)
        for conv in convs:
            importers.write(conv, out)
        n = sum(len(c.messages) for c in convs)
        total += n
        n_conv += len(convs)
        where = convs[0].file_stem + ".jsonl" if len(convs) == 1 else f"{len(convs)} transcripts"
        console.print(f"{terminal_safe(str(f))} -> {terminal_safe(str(out))}/{terminal_safe(where)} ({n} messages)", highlight=False,
                      soft_wrap=True)
    console.print(f"imported {n_conv} conversation(s), {total} message(s) into {terminal_safe(str(out))}", highlight=False)


@app.command("schema")
def schema_cmd(
    out: Annotated[Optional[Path], typer.Option("--out", help="Write the JSON Schema here instead of stdout.")] = None,
) -> None:
    """Print the JSON Schema of the transcript format (docs/transcript.schema.json)."""
    import json

    from .transcript import json_schema

    text = json.dumps(json_schema(), indent=2, sort_keys=True) + "\n"
    if out:
        out.write_text(text)
    else:
        sys.stdout.write(text)


def register_commands(app_: typer.Typer) -> None:
    """This layer's verbs beyond run, import and schema (defined above on ``app``)."""
    from . import sweep_cli

    sweep_cli.register(app_)


def main(app_: typer.Typer = app) -> None:
    """Run a CLI app with this project's error handling (the ``ingroup`` entry point is analysis.cli.main)."""
    import logging

    # autogen-core logs every agent exception with a traceback; the CLI reports errors itself.
    logging.getLogger("autogen_core").setLevel(logging.CRITICAL)
    try:
        app_()
    except IngroupError as exc:
        err_console.print(f"[bold red]error:[/] {terminal_safe(str(exc))}", highlight=False)
        sys.exit(2)
    except OSError as exc:
        # The file system refused (read-only or immutable folder, full disk, name too long) somewhere not
        # wrapped in files.os_error: still one line, naming the file, and what was written is kept.
        err_console.print(f"[bold red]error:[/] {terminal_safe(str(os_error(exc, doing='write or read')))}",
                          highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted; transcripts written so far are kept")
        sys.exit(130)
