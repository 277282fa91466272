"""``ingroup export``: the CLI verb over :mod:`analysis.export`."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer


class ExportFormat(str, Enum):
    """What ``ingroup export`` writes."""

    inspect = "inspect"
    hf = "hf"


def register(app: typer.Typer) -> None:
    """Add the ``export`` verb (Inspect logs or a Hugging Face dataset) to ``app``."""
    @app.command("export")
    def export_cmd(
        folder: Annotated[Path, typer.Argument(help="Folder (or file) of transcripts.")],
        out: Annotated[Path, typer.Option("--out", help="Folder to write: the Inspect log dir, or the dataset.")],
        fmt: Annotated[ExportFormat, typer.Option(
            "--format", help="inspect: Inspect eval logs (`inspect view --log-dir OUT`); hf: a Hugging Face "
                             "`datasets` folder (Parquet + dataset card).")] = ExportFormat.inspect,
        task: Annotated[Optional[str], typer.Option(
            "--task", help="The assigned task in one line (imported logs have none in their header).")] = None,
        scenario: Annotated[Optional[Path], typer.Option(
            "--scenario", help="Scenario describing the setup where headers lack it (imported logs).")] = None,
    ) -> None:
        """Export transcripts with the analyzers' labels: Inspect eval logs or a Hugging Face dataset folder."""
        from rich.console import Console

        from simulator.display import terminal_safe
        from simulator.errors import IngroupError
        from simulator.scenario import load_scenario

        from .export.target import out_folder

        # What can be refused at once is, before the analyzers are imported and the folder labelled.
        if not folder.exists():
            raise IngroupError("no such file or folder", file=str(folder))
        out_folder(out)
        spec = load_scenario(scenario) if scenario else None
        from .export import export_hf, export_inspect, load_source
        from .export.inspect_log import require_inspect

        if fmt is ExportFormat.inspect:
            require_inspect()
        source = load_source(folder, task=task, scenario=spec)
        console = Console(soft_wrap=True)
        err = Console(stderr=True, soft_wrap=True)
        for exc in source.skipped:
            err.print(f"[yellow]skipped[/] (not a readable transcript): {terminal_safe(str(exc))}", highlight=False)
        n = len(source.transcripts)
        if fmt is ExportFormat.inspect:
            logs = export_inspect(source, out)
            for log in logs:
                console.print(f"{terminal_safe(log.design)} [{terminal_safe(log.condition)}]: {log.samples} "
                              f"sample(s) -> {terminal_safe(str(log.path))}", highlight=False, markup=False)
            console.print(f"wrote {len(logs)} Inspect log(s) of {n} conversation(s) to {terminal_safe(str(out))} "
                          f"(open with: inspect view --log-dir {terminal_safe(str(out))})", highlight=False,
                          markup=False)
        else:
            ds = export_hf(source, out)
            rows = ", ".join(f"{k} {v}" for k, v in ds.rows.items())
            console.print(f"wrote a dataset of {n} conversation(s) to {terminal_safe(str(out))} ({rows} rows)",
                          highlight=False, markup=False)
