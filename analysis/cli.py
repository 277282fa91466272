"""The ``ingroup`` command: the composition root that assembles every verb into one app (:func:`make_app`,
:func:`main`), and the ``analyze`` and ``evaluate`` verbs, thin over analysis.api, analysis.evaluate and
analysis.corpora. ``simulator`` defines its own verbs and never imports this package."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from simulator.display import terminal_safe
from simulator.errors import IngroupError, TranscriptError

from .judge_options import JudgeChoice, judge_options

# Wide enough for the summary tables when output is piped (rich falls back to 80 columns there).
console = Console(width=max(Console().width, 150))
err_console = Console(stderr=True, soft_wrap=True)

Scenario_ = Annotated[Optional[Path], typer.Option(
    "--scenario", help="Scenario describing the setup (task, agents' system prompts, teams) where headers lack it.")]


def _teams(spec: list[str] | None) -> dict[str, str] | None:
    if not spec:
        return None
    out: dict[str, str] = {}
    for item in spec:
        for pair in item.split(","):
            name, sep, team = pair.partition("=")
            if not sep or not name.strip() or not team.strip():
                raise IngroupError(f"{pair!r}: write NAME=TEAM (for example Ava=Red,Bea=Blue)", field="--teams")
            out[name.strip()] = team.strip()
    return out


def _fmt(v: Any) -> str:
    if v is None or (isinstance(v, float) and v != v):
        return "-"
    if isinstance(v, float):
        return f"{v:.2f}"
    return str(v)


SUMMARY_MEANS = (("social we/msg", "social_we_per_message"), ("coop", "cooperative_share"),
                 ("comp", "competitive_share"), ("adv", "adversarial_share"), ("off task", "off_task_share"),
                 ("refusals", "refusals"))
"""Per-conversation measures whose mean per condition ``analyze`` prints (the tables hold every row)."""


def summary_table(conv: Any, n_messages: int, version: str) -> Table:
    """Counts and per-condition means: a fixed size whatever the number of conversations."""
    complete = int(conv["complete"].sum())
    table = Table(title=f"{len(conv)} conversation(s) ({complete} complete), {n_messages} message(s) - "
                        f"analyzer: {escape(version)}", title_justify="left")
    for col in ("condition", "conversations", *(name for name, _ in SUMMARY_MEANS), "outcomes"):
        table.add_column(col, justify="left" if col in ("condition", "outcomes") else "right")
    for cond, g in conv.groupby("condition", sort=True):
        outcomes = g["outcome"].value_counts()
        table.add_row(terminal_safe(str(cond)), str(len(g)),
                      *(_fmt(float(g[col].mean())) if g[col].notna().any() else "-" for _, col in SUMMARY_MEANS),
                      ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    return table


def register(app: typer.Typer) -> None:
    """Add the ``analyze`` and ``evaluate`` verbs to ``app``."""

    @app.command("analyze")
    @judge_options()
    def analyze_cmd(
        folder: Annotated[Path, typer.Argument(help="Folder (or file) of transcripts.")],
        out: Annotated[Path, typer.Option("--out", help="Folder for tokens/messages/conversations .parquet and .csv.")],
        task: Annotated[Optional[str], typer.Option(
            "--task", help="The assigned task in one line (imported logs have none in their header).")] = None,
        scenario: Scenario_ = None,
        teams: Annotated[Optional[list[str]], typer.Option(
            "--teams", help="Teams of imported logs' agents, NAME=TEAM[,NAME=TEAM...].")] = None,
        judge: JudgeChoice = JudgeChoice(),
        jobs: Annotated[Optional[int], typer.Option(
            "--jobs", min=1, help="Worker processes labelling transcripts in parallel (default: every core for a "
            "large folder, one for a small one). The tables are the same with any number.")] = None,
        no_cache: Annotated[bool, typer.Option(
            "--no-cache", help="Label every transcript again: neither read nor write FOLDER/.ingroup-cache/analysis/.")] = False,
    ) -> None:
        """Label every message and write per-token, per-message and per-conversation tables."""
        from simulator.scenario import load_scenario

        from .api import analyze

        if not folder.exists():
            raise IngroupError("no such file or folder", file=str(folder))
        spec = load_scenario(scenario) if scenario else None
        an = judge.analyzer()
        skipped: list[TranscriptError] = []
        result = analyze(folder, task=task, analyzer=an, scenario=spec, teams=_teams(teams),
                         skipped=skipped, jobs=jobs, cache=not no_cache)
        if result.messages.empty:
            if skipped:
                raise IngroupError(f"no readable transcript; {len(skipped)} file(s) skipped, the first: "
                                   f"{skipped[0]}")
            raise IngroupError("no transcripts with messages found", file=str(folder))
        for exc in skipped:
            err_console.print(f"[yellow]skipped[/] (not a readable transcript): {terminal_safe(str(exc))}",
                              highlight=False)
        written = result.write(out)
        conv = result.conversations
        console.print(summary_table(conv, len(result.messages), result.analyzer_version))
        if conv["off_task_share"].isna().all():
            console.print("[yellow]no task known: off_task not labelled (pass --task or --scenario for imported "
                          "logs)[/]")
        console.print(f"wrote {len(written)} files to {escape(str(out))} (one row per conversation in "
                      "conversations.csv / .parquet)")

    @app.command("evaluate")
    @judge_options()
    def evaluate_cmd(
        labels: Annotated[Optional[Path], typer.Option("--labels", help="Hand labels (LABELS.md JSONL).")] = None,
        transcripts: Annotated[Optional[list[Path]], typer.Option(
            "--transcripts", help="Transcripts, or raw logs of a format `ingroup import` reads, that --labels label.")] = None,
        casino: Annotated[Optional[list[Path]], typer.Option(
            "--casino", help="CaSiNo JSON file(s): score our labels against its strategy annotations.")] = None,
        corpora: Annotated[Optional[Path], typer.Option(
            "--corpora", help="Manifest of labelled corpora (default: the project's tests/data/corpora.yaml).")] = None,
        corpus: Annotated[Optional[list[str]], typer.Option("--corpus", help="Only this corpus of the manifest.")] = None,
        task: Annotated[Optional[str], typer.Option("--task", help="The assigned task (for off_task).")] = None,
        scenario: Scenario_ = None,
        as_json: Annotated[bool, typer.Option("--json", help="Print the reports as JSON.")] = False,
        judge: JudgeChoice = JudgeChoice(),
    ) -> None:
        """Precision and recall of the analyzers against human labels, per corpus, beside the "contains we"
        baseline. With no corpus given, every corpus of the project's manifest (tests/data/corpora.yaml)."""
        from simulator.scenario import load_scenario

        from .corpora import DEFAULT_MANIFEST, evaluate_manifest, reports_json
        from .evaluate import evaluate, evaluate_casino

        an = judge.analyzer()
        if (labels is None) != (not transcripts):
            raise IngroupError("--labels and --transcripts go together")
        reports: list[Any] = []
        skipped: list[str] = []
        if labels is not None and transcripts:
            spec = load_scenario(scenario) if scenario else None
            reports.append(evaluate(labels, list(transcripts), task=task, analyzer=an, scenario=spec))
        if casino:
            reports.append(evaluate_casino(list(casino), analyzer=an))
        if corpora is not None or corpus or not reports:
            manifest = corpora or DEFAULT_MANIFEST
            if not Path(manifest).is_file():
                raise IngroupError("no manifest of corpora here; give --corpora FILE, or --labels and --transcripts",
                                   file=str(manifest))
            more, skipped = evaluate_manifest(manifest, corpus, an)
            reports += more
        if as_json:
            typer.echo(json.dumps(reports_json(reports, skipped), indent=2, ensure_ascii=False))
            return
        for r in reports:
            _print_report(r)
        _print_summary(reports)
        for name in skipped:
            console.print(f"[yellow]skipped {escape(name)}: its files are not here[/]")


def _print_report(r: Any) -> None:
    title = f"{escape(r.name)}: {r.analyzer_version} on {r.n_messages} labelled messages"
    if r.labels:
        t = Table(title=title, title_justify="left")
        for col in ("label", "precision", "recall", "F1", "support", "missing"):
            t.add_column(col, justify="left" if col == "label" else "right")
        for k, v in r.labels.items():
            t.add_row(k, f"{v.precision:.3f}", f"{v.recall:.3f}", f"{v.f1:.3f}", str(v.support),
                      str(r.missing.get(k, 0) or ""))
        console.print(t)
    if r.tokens is not None:
        b = r.baseline_contains_we
        w = Table(title=f"{escape(r.name)}: first-person plural tokens", title_justify="left")
        for col in ("measure", "analyzer", "baseline: contains 'we'"):
            w.add_column(col)
        w.add_row("we-referent accuracy", f"{r.tokens.we_ref_accuracy:.3f} ({r.tokens.we_ref_matched_tokens} tokens)",
                  f"{b.we_ref_accuracy:.3f}")
        w.add_row("social-we token F1", f"{r.tokens.social_we_tokens.f1:.3f}", f"{b.social_we_tokens.f1:.3f}")
        w.add_row("social-we message F1", f"{r.tokens.social_we_messages.f1:.3f}", f"{b.social_we_messages.f1:.3f}")
        w.add_row("we-token detection F1", f"{r.tokens.we_token_detection.f1:.3f}", f"{b.we_token_detection.f1:.3f}")
        for ref, s in r.tokens.by_ref.items():
            if s.support or s.tp + s.fp:
                w.add_row(f"  {ref}: precision / recall", f"{s.precision:.3f} / {s.recall:.3f} (n={s.support})", "")
        if r.tokens.with_accuracy is not None:
            w.add_row("whom a dyad includes ('with'), exact", f"{r.tokens.with_accuracy:.3f} ({r.tokens.with_tokens})", "")
        console.print(w)
    if r.separations:
        t = Table(title=f"{escape(r.name)}: per-agent rates against the agents' incentives", title_justify="left")
        for col in ("label rate", "incentive", "ROC AUC", "from the hand labels", "agents with it", "other agents"):
            t.add_column(col)
        gold = {g.metric: g.auc for g in r.separations_gold}
        for sep in r.separations:
            g = gold.get(sep.metric)
            t.add_row(sep.label, escape(sep.incentive), f"{sep.auc:.3f}", "-" if g is None else f"{g:.3f}",
                      str(sep.n_with), str(sep.n_others))
        console.print(t)
    if r.mappings:
        t = Table(title=title, title_justify="left")
        hand = any(m.hand is not None for m in r.mappings)
        for col in ("CaSiNo strategies", "our label", "precision", "recall", "F1", "support", "F1 if always true",
                    *(("hand labels: P / R / F1 (n)",) if hand else ())):
            t.add_column(col)
        for m in r.mappings:
            h = m.hand
            t.add_row(escape(m.casino), m.ours, f"{m.score.precision:.3f}", f"{m.score.recall:.3f}",
                      f"{m.score.f1:.3f}", str(m.score.support), f"{m.all_positive_f1:.3f}",
                      *((f"{h.precision:.2f} / {h.recall:.2f} / {h.f1:.2f} ({h.support})" if h else "-",)
                        if hand else ()))
        console.print(t)
    for note in r.notes:
        console.print(f"[dim]{escape(note)}[/]")


def _print_summary(reports: list[Any]) -> None:
    rows = [(r.name, t) for r in reports for t in r.targets]
    if not rows:
        return
    t = Table(title="targets", title_justify="left")
    for col in ("corpus", "figure", "value", "target", ""):
        t.add_column(col)
    for name, tg in rows:
        t.add_row(escape(name), escape(tg.metric), _fmt(tg.value), f"{tg.target:.2f}",
                  "met" if tg.met else "[red]MISSED[/]")
    console.print(t)


def run_summary(paths: list[Path]) -> list[str]:
    """One line per conversation from the rule-based analyzers: the short summary after a run."""
    from simulator.transcript import read_transcript

    from .api import analyze

    result = analyze([read_transcript(p) for p in paths])
    lines = []
    for row in result.conversations.to_dict("records"):
        off, first = row.get("off_task_share"), row.get("first_ingroup_we_turn")
        off_text = "n/a" if off is None or off != off else f"{off:.0%}"  # NaN != NaN
        first_text = "-" if first is None or first != first else str(int(first))
        lines.append(
            f"{row['run_id']}: {row['social_we']} social 'we' in {row['n_messages']} messages "
            f"(first at turn {first_text}), off task {off_text}, refusals {row['refusals']}, "
            f"outcome {row['outcome']}"
        )
    return lines


_ASSEMBLED: list[typer.Typer] = []


def _other_claims(text: str, declared: Any) -> list[str]:
    # Imported when an interviewer first asks: the rule sets stay out of `ingroup --help`.
    from .studies.identity_sweep import other_claims

    return other_claims(text, declared)


def make_app() -> typer.Typer:
    """The ``ingroup`` app with every verb: simulator's (run, sweep, import, schema), then analyze,
    evaluate, report and export; built once per process."""
    if _ASSEMBLED:
        return _ASSEMBLED[0]
    from simulator import cli as simulator_cli

    from . import export_cli, report_cli

    app = simulator_cli.app
    simulator_cli.register_commands(app)
    register(app)
    report_cli.register(app)
    export_cli.register(app)
    simulator_cli.add_run_summary(run_summary)
    from simulator.claims import register_claim_detector

    register_claim_detector(_other_claims)  # the conditional interviewer's claim detector
    _ASSEMBLED.append(app)
    return app


def main() -> None:
    """Entry point of the ``ingroup`` command: every verb, run with the simulator's error handling."""
    from simulator.cli import main as run_app

    run_app(make_app())


if __name__ == "__main__":
    main()
