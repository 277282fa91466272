"""The ``ingroup`` command: thin typer verbs over the same functions the Python API exposes."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.markup import escape

from .errors import IngroupError

app = typer.Typer(
    name="ingroup",
    help="Multi-agent conversation simulator for studying AI-vs-AI identity and in-group dynamics.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
console = Console()
err_console = Console(stderr=True, soft_wrap=True)


@app.callback()
def _root() -> None:
    """Run scenarios and sweeps, import logs, analyze transcripts and build reports."""


@app.command("import")
def import_cmd(
    files: Annotated[list[Path], typer.Argument(help="AutoGen 0.2 console logs to import.")],
    out: Annotated[Path, typer.Option("--out", help="Folder for the transcripts.")] = Path("transcripts/imported"),
    scenario: Annotated[Optional[Path], typer.Option(
        "--scenario", help="Scenario file describing the original setup (task, models) for the headers.")] = None,
) -> None:
    """Turn AutoGen 0.2 console logs into ingroup transcripts (one per file)."""
    from .importers.autogen_console import import_console_log
    from .scenario import load_scenario
    from .transcript import read_transcript

    spec = load_scenario(scenario) if scenario else None
    total = 0
    for f in files:
        dest = import_console_log(f, out, spec)
        n = len(read_transcript(dest).messages)
        total += n
        console.print(f"{f} -> {dest} ({n} messages)")
    console.print(f"imported {len(files)} conversation(s), {total} message(s) into {out}")


def _register_optional_commands() -> None:
    # Analysis and experiment verbs live with the code they drive; each registers its own commands.
    for module in ("analysis.cli", "simulator.sweep_cli"):
        try:
            mod = __import__(module, fromlist=["register"])
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        mod.register(app)


def main() -> None:
    _register_optional_commands()
    try:
        app()
    except IngroupError as exc:
        err_console.print(f"[bold red]error:[/] {escape(str(exc))}", highlight=False)
        sys.exit(2)
    except KeyboardInterrupt:
        err_console.print("interrupted; transcripts written so far are kept")
        sys.exit(130)


if __name__ == "__main__":
    main()
