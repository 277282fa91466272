"""``ingroup analyze`` and ``ingroup evaluate``: thin verbs over analysis.api and analysis.evaluate."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from simulator.errors import IngroupError

# Wide enough for the summary tables when output is piped (rich falls back to 80 columns there).
console = Console(width=max(Console().width, 150))


def _analyzer(kind: str, provider: str, model: str, cache: Path | None, base_url: str | None) -> Any:
    if kind == "rules":
        from .api import RuleAnalyzer
        return RuleAnalyzer()
    if kind == "judge":
        from .judge import JudgeAnalyzer
        return JudgeAnalyzer(provider, model, cache=cache, base_url=base_url)
    raise IngroupError(f"unknown analyzer {kind!r} (rules or judge)", field="--analyzer")


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


def register(app: typer.Typer) -> None:
    from .judge import DEFAULT_CACHE, DEFAULT_MODEL, DEFAULT_PROVIDER

    @app.command("analyze")
    def analyze_cmd(
        folder: Annotated[Path, typer.Argument(help="Folder (or file) of transcripts.")],
        out: Annotated[Path, typer.Option("--out", help="Folder for tokens/messages/conversations .parquet and .csv.")],
        task: Annotated[Optional[str], typer.Option(
            "--task", help="The assigned contest in one line (imported logs have none in their header).")] = None,
        judge: Annotated[bool, typer.Option("--judge", help="Use the LLM judge instead of the rules.")] = False,
        judge_provider: Annotated[str, typer.Option("--judge-provider")] = DEFAULT_PROVIDER,
        judge_model: Annotated[str, typer.Option("--judge-model")] = DEFAULT_MODEL,
        judge_cache: Annotated[Path, typer.Option("--judge-cache", help="On-disk cache of judge answers.")] = DEFAULT_CACHE,
        judge_base_url: Annotated[Optional[str], typer.Option("--judge-base-url")] = None,
    ) -> None:
        """Label every message and write per-token, per-message and per-conversation tables."""
        from .api import analyze

        if not folder.exists():
            raise IngroupError("no such file or folder", file=str(folder))
        an = _analyzer("judge" if judge else "rules", judge_provider, judge_model, judge_cache, judge_base_url)
        result = analyze(folder, task=task, analyzer=an)
        if result.messages.empty:
            raise IngroupError("no transcripts with messages found", file=str(folder))
        written = result.write(out)
        conv = result.conversations
        table = Table(title=f"{len(conv)} conversation(s), {len(result.messages)} message(s) - analyzer: {an.name}")
        for col in ("conversation", "messages", "social we", "we/msg", "first in-group we", "off task",
                    "refusals", "outcome", "winner", "conceded", "abandoned"):
            table.add_column(col, justify="left" if col == "conversation" else "right")
        for r in conv.to_dict("records"):
            table.add_row(escape(str(r["conversation"])), _fmt(r["n_messages"]), _fmt(r["social_we"]),
                          _fmt(r["social_we_per_message"]), _fmt(r["first_ingroup_we_turn"]),
                          _fmt(r["off_task_share"]), _fmt(r["refusals"]), _fmt(r["outcome"]),
                          escape(r["winners"] or "-"), escape(r["conceded"] or "-"), _fmt(r["contest_abandoned"]))
        console.print(table)
        if conv["off_task_share"].isna().all():
            console.print("[yellow]no task known: off_task not labelled (pass --task for imported logs)[/]")
        console.print(f"wrote {len(written)} files to {escape(str(out))}")

    @app.command("evaluate")
    def evaluate_cmd(
        labels: Annotated[Optional[Path], typer.Option("--labels", help="Hand labels (LABELS.md JSONL).")] = None,
        transcripts: Annotated[Optional[Path], typer.Option("--transcripts", help="Folder of transcripts.")] = None,
        casino: Annotated[Optional[Path], typer.Option("--casino", help="CaSiNo JSON file to score cooperation markers.")] = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
        task: Annotated[Optional[str], typer.Option("--task", help="The assigned contest (for off_task).")] = None,
        analyzer: Annotated[str, typer.Option("--analyzer", help="rules or judge.")] = "rules",
        judge_provider: Annotated[str, typer.Option("--judge-provider")] = DEFAULT_PROVIDER,
        judge_model: Annotated[str, typer.Option("--judge-model")] = DEFAULT_MODEL,
        judge_cache: Annotated[Path, typer.Option("--judge-cache")] = DEFAULT_CACHE,
        judge_base_url: Annotated[Optional[str], typer.Option("--judge-base-url")] = None,
    ) -> None:
        """Score the analyzers against hand labels (--labels, --transcripts) or CaSiNo strategies (--casino)."""
        from .evaluate import evaluate, evaluate_casino

        an = _analyzer(analyzer, judge_provider, judge_model, judge_cache, judge_base_url)
        if casino is None and (labels is None or transcripts is None):
            raise IngroupError("give --labels and --transcripts, or --casino FILE")
        reports: dict[str, Any] = {}
        if labels is not None and transcripts is not None:
            if not transcripts.exists():
                raise IngroupError("no such file or folder", file=str(transcripts))
            reports["labels"] = evaluate(labels, transcripts, task=task, analyzer=an)
        if casino is not None:
            reports["casino"] = evaluate_casino(casino, analyzer=an)
        if as_json:
            out = reports["labels"] if len(reports) == 1 and "labels" in reports else (
                reports["casino"] if len(reports) == 1 else reports)
            typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
            return
        if "labels" in reports:
            _print_labels(reports["labels"])
        if "casino" in reports:
            _print_casino(reports["casino"])


def _print_labels(r: dict[str, Any]) -> None:
    t = Table(title=f"{r['analyzer']} vs {escape(r['labels_file'])} ({r['n_messages']} messages)")
    for col in ("label", "precision", "recall", "F1", "support", "target"):
        t.add_column(col, justify="left" if col == "label" else "right")
    targets = r["targets"]
    for k, v in r["labels"].items():
        tgt = targets.get(k)
        mark = "-" if not tgt else (f"{tgt['target']:.2f} " + ("ok" if tgt["met"] else "MISSED"))
        t.add_row(k, f"{v['precision']:.3f}", f"{v['recall']:.3f}", f"{v['f1']:.3f}", str(v["support"]), mark)
    console.print(t)
    b = r["baseline_contains_we"]
    w = Table(title="first-person plural referents")
    for col in ("measure", "analyzer", "baseline: contains 'we'"):
        w.add_column(col)
    w.add_row("we-referent accuracy", f"{r['we_ref_accuracy']:.3f}", f"{b['we_ref_accuracy']:.3f}")
    w.add_row("social-we token F1", f"{r['social_we_f1']:.3f}", f"{b['social_we_f1']:.3f}")
    w.add_row("social-we message F1", f"{r['social_we_messages']['f1']:.3f}", f"{b['social_we_messages']['f1']:.3f}")
    w.add_row("we-token detection F1", f"{r['we_token_detection']['f1']:.3f}", f"{b['we_token_detection']['f1']:.3f}")
    console.print(w)
    console.print("referent confusion (gold -> predicted): " + escape(json.dumps(r["referent_confusion"])))
    if r.get("note"):
        console.print(f"[yellow]{escape(r['note'])}[/]")


def _print_casino(r: dict[str, Any]) -> None:
    t = Table(title=f"CaSiNo strategies vs our markers ({r['utterances']} annotated utterances, {escape(r['file'])})")
    for col in ("CaSiNo label", "our marker", "precision", "recall", "F1", "support"):
        t.add_column(col)
    for m in r["mappings"]:
        t.add_row(escape(m["casino"]), escape(m["ours"]), f"{m['precision']:.3f}", f"{m['recall']:.3f}",
                  f"{m['f1']:.3f}", str(m["support"]))
    console.print(t)
