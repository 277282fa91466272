"""``ingroup report``: the CLI verb over :func:`analysis.report.build_report`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from .judge_options import JudgeChoice, judge_options


def register(app: typer.Typer) -> None:
    """Add the ``report`` verb (the HTML report) to ``app``."""
    @app.command("report")
    @judge_options("Also label with the LLM judge and show its labels beside the rules'.")
    def report_cmd(
        sources: Annotated[list[Path], typer.Argument(help="Transcript folders or files (JSONL).")],
        out: Annotated[Path, typer.Option(
            "--out", help="Report folder (index.html + conversations/), or an .html file for the summary page "
                          "(conversation pages in NAME_conversations/ beside it).")] = Path("report.html"),
        by: Annotated[Optional[str], typer.Option(
            "--by", help="Group by one sweep factor (e.g. identity) instead of the full condition cell.")] = None,
        task: Annotated[Optional[str], typer.Option(
            "--task", help="Assigned contest for logs whose header has none (imported logs).")] = None,
        title: Annotated[str, typer.Option("--title", help="Page title.")] = "ingroup report",
        n_boot: Annotated[int, typer.Option("--bootstrap", min=100, help="Bootstrap resamples.")] = 2000,
        n_perm: Annotated[int, typer.Option("--permutations", min=100, help="Permutations per test.")] = 5000,
        seed: Annotated[int, typer.Option("--seed", help="Seed of the resampling.")] = 0,
        max_transcripts: Annotated[Optional[int], typer.Option(
            "--max-transcripts", min=0, help="Write pages for at most N conversations (index and stats use all).")] = None,
        judge: JudgeChoice = JudgeChoice(),
        identity_reference: Annotated[Optional[str], typer.Option(
            "--identity-reference", help="Identity sweep: the model (as the scenario names it) whose bare-prompt "
                                         "token counts are the hidden-system-prompt reference.")] = None,
    ) -> None:
        """Build a static HTML report: a summary page (tables, plots, graphs, a filterable conversation index) and
        one labelled page per conversation."""
        from rich.console import Console

        from simulator.display import terminal_safe

        from .report.builder import build_report, command_line

        second = judge.judge() if judge.use else None
        try:
            result = build_report(sources, out, by=by, task=task, n_boot=n_boot, n_perm=n_perm, seed=seed,
                                  title=title, max_transcripts=max_transcripts, command=command_line(),
                                  judge=second, identity_reference=identity_reference)
        finally:
            if second is not None:
                second.close()
        console = Console()
        for note in result.notes:
            console.print(f"[yellow]note:[/] {terminal_safe(note)}", highlight=False)
        n = len(result.conversations)
        where = result.paths.summary if result.paths else out
        pages = f" ({len(result.pages)} conversation page(s) in {terminal_safe(str(result.paths.pages))})" \
            if result.paths else ""
        console.print(f"report of {n} conversation(s) written to {terminal_safe(str(where))}{pages}", highlight=False)
