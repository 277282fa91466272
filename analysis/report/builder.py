"""``ingroup report``: transcripts + analyzer labels -> one static, self-contained, inert HTML page.

Order of the page: provenance, the conditions table, comparisons, plots, graphs (N-agent runs), then the
transcript viewer. Every number is computed here from the transcripts given and the analyzer output, with
the seeds and resampling counts printed on the page, so the page can be regenerated exactly.
"""

from __future__ import annotations

import math
import shlex
import sys
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Sequence

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from simulator.errors import IngroupError, TranscriptError
from simulator.files import write_atomic
from simulator.provenance import requested_model, served_model, substituted_agents
from simulator.secrets import redact
from simulator.transcript import Transcript, iter_transcripts

from .. import graphs as gr
from .. import stats
from ..labels.vocab import REFS as WE_REFS
from . import label_stats, plots
from .data import (
    MESSAGE_LABELS,
    SOCIAL_REFS,
    ConversationView,
    conversation_table,
    conversation_views,
    message_table,
)
from .highlight import Span, neutralise, segments

TEMPLATES = Path(__file__).parent / "templates"
OUTCOME_ORDER = ["win", "lose", "both", "none"]
MIN_TRAJ = 3


@dataclass
class ReportOptions:
    by: str | None = None
    """Group conversations by one sweep factor (e.g. ``identity``) instead of the full condition cell."""
    n_boot: int = stats.DEFAULT_BOOT
    n_perm: int = stats.DEFAULT_PERM
    seed: int = 0
    title: str = "ingroup report"
    max_transcripts: int | None = None
    """Show at most this many conversations in the viewer (statistics always use all)."""
    command: str | None = None
    task: str | None = None
    """Assigned contest for logs whose header has none (imported logs); passed to the analyzers."""
    identity_reference: str | None = None
    """Identity sweep: the model whose prompt tokens for the bare prompts are the hidden-prompt reference."""


@dataclass
class ReportResult:
    html: str
    conversations: pd.DataFrame
    rates: pd.DataFrame
    comparisons: pd.DataFrame
    trajectory: pd.DataFrame
    outcomes: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    label_rates: pd.DataFrame | None = None
    """Every declared rate per condition and per model (``analysis.stats.RATE_COLUMNS``)."""
    label_comparisons: pd.DataFrame | None = None
    """Every declared rate, every pair of conditions (and of models) (``analysis.stats.COMPARISON_COLUMNS``)."""


def load(sources: str | Path | Sequence[str | Path], skipped: list[TranscriptError] | None = None,
         ) -> list[Transcript]:
    """The transcripts of every source; with ``skipped``, unreadable files are listed there and left out."""
    items = [sources] if isinstance(sources, (str, Path)) else list(sources)
    out: list[Transcript] = []
    for s in items:
        out.extend(iter_transcripts(s, skipped=skipped))
    return out


def _analyze(transcripts: list[Transcript], task: str | None, notes: list[str],
             analyzer: Any | None = None) -> Any | None:
    try:
        from analysis.api import analyze
    except ImportError:
        notes.append("The analyzers (analysis.api) are not installed: transcripts are shown without labels.")
        return None
    from analysis.api import conversation_key

    keys = [conversation_key(t) for t in transcripts]
    if len(set(keys)) < len(keys):
        # The tables key rows by conversation; where keys repeat (two sources with the same layout),
        # analyze one transcript at a time.
        return [analyze([t], task=task, analyzer=analyzer) for t in transcripts]
    return analyze(transcripts, task=task, analyzer=analyzer)


# ----------------------------------------------------------------------------------------------------------
# Formatting: numbers become strings here so the template has no logic beyond loops.


def _pct(x: float) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"


def _ci(lo: float, hi: float) -> str:
    return "–" if math.isnan(lo) else f"[{lo:.2f}, {hi:.2f}]"


def _p(p: float) -> str:
    if math.isnan(p):
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _conditions_rows(conv: pd.DataFrame, rates: pd.DataFrame, outcomes: pd.DataFrame,
                     cats: list[str]) -> list[dict[str, str]]:
    rows = []
    for _, r in rates.iterrows():
        g = conv[conv["condition"] == r["condition"]]
        o = outcomes[outcomes["condition"] == r["condition"]].iloc[0]
        firsts = g["first_social_we_turn"].dropna()
        rows.append({
            "condition": str(r["condition"]), "conversations": str(int(r["conversations"])),
            "messages": str(int(r["messages"])), "social": str(int(r["social_we_messages"])),
            "rate": _pct(r["rate"]), "ci": _ci(r["ci_low"], r["ci_high"]),
            "first": f"{firsts.median():g} ({len(firsts)}/{len(g)})" if len(firsts) else f"– (0/{len(g)})",
            "coop": _pct(g["cooperative_messages"].sum() / max(1, g["messages"].sum())),
            "comp": _pct(g["competitive_messages"].sum() / max(1, g["messages"].sum())),
            "adv": _pct(g["adversarial_messages"].sum() / max(1, g["messages"].sum())),
            "refusal": _pct(g["refusal_messages"].sum() / max(1, g["messages"].sum())),
            "outcomes": ", ".join(f"{c} {int(o[f'n_{c}'])}" for c in cats if int(o[f"n_{c}"])),
        })
    return rows


def _comparison_rows(cmp: pd.DataFrame) -> list[dict[str, str]]:
    return [{"a": str(r["a"]), "b": str(r["b"]), "n": f"{r['n_a']} / {r['n_b']}",
             "rates": f"{_pct(r['rate_a'])} vs {_pct(r['rate_b'])}",
             "diff": f"{r['diff']:+.2f}", "ci": _ci(r["diff_ci_low"], r["diff_ci_high"]),
             "h": "–" if math.isnan(r["cohens_h"]) else f"{r['cohens_h']:+.2f}",
             "p": _p(r["p_perm"]), "perms": f"{r['permutations']}", "p_holm": _p(r["p_holm"]),
             "sig": "yes" if r["significant"] else "no"} for _, r in cmp.iterrows()]


# ----------------------------------------------------------------------------------------------------------
# Transcript viewer


def _evidence_spans(labels: list[Any]) -> list[Span]:
    spans: list[Span] = []
    for lab in labels:
        for e in lab.evidence:
            rule = f" ({e.get('rule')})" if e.get("rule") else ""
            spans.append(Span(int(e["start"]), int(e["end"]), f"ev ev-{lab.name}",
                              f"{lab.name}{rule}: “{e.get('text', '')}”"))
    return spans


def _message_spans(m: Any) -> list[Span]:
    spans = _evidence_spans(m.text_labels())
    for w in m.we:
        kind = "social" if w.social else "not social"
        rule = f", rule {w.rule}" if w.rule else ""
        spans.append(Span(w.start, w.end, f"we we-{w.ref}", f"“{w.token}” → {w.ref} ({kind}{rule})"))
    return spans


def _label_value(value: Any) -> str:
    if isinstance(value, bool):
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def _viewer(views: list[ConversationView], limit: int | None, task: str | None) -> list[dict[str, Any]]:
    out = []
    for v in views[: limit if limit is not None else len(views)]:
        agents = v.transcript.header.agents
        colour = {a.name: i % 6 for i, a in enumerate(agents)}
        msgs = []
        for m in v.messages:
            msgs.append({
                "index": m.index, "speaker": m.speaker, "colour": colour.get(m.speaker, 6),
                "scripted": m.scripted, "segments": segments(m.text, _message_spans(m)),
                "reasoning": None if m.reasoning is None else {
                    "segments": segments(m.reasoning, _evidence_spans(m.reasoning_labels())),
                    "format": m.reasoning_format or "", "tokens": m.reasoning_tokens},
                "labels": [{"name": lab.name, "value": _label_value(lab.value),
                            "evidence": [str(e.get("text", "")) for e in lab.evidence]} for lab in m.labels],
                "we": [{"token": w.token, "ref": w.ref, "social": w.social} for w in m.we],
                "judge": None if m.judge is None else {
                    "labels": [{"name": lab.name, "value": _label_value(lab.value),
                                "evidence": [str(e.get("text", "")) for e in lab.evidence]} for lab in m.judge.labels],
                    "we": [{"token": w.token, "ref": w.ref} for w in m.judge.we]},
            })
        t = v.transcript
        out.append({
            "key": v.key, "file": t.path, "condition": v.condition, "status": v.status,
            "stop": (t.footer.stop_reason if t.footer else "no footer (partial run)"),
            "error": (t.footer.error if t.footer else None) or "",
            "task": t.header.task or (f"(none recorded; analysed with --task) {task}" if task
                                      else "(none recorded; the opening message is taken as the contest)"),
            "outcome": v.outcome,
            "agents": [{"name": a.name, "provider": a.provider, "model": a.model, "team": a.team or "",
                        "colour": colour[a.name], "route": _route(t, a)} for a in agents],
            "substituted": substituted_agents(t),
            "social": sum(m.social_we for m in v.messages if not m.scripted),
            "n": len(v.messages), "messages": msgs,
        })
    return out


def _route(t: Transcript, a: Any) -> str:
    """``requested -> served @ base URL``: where an agent's calls really went."""
    served = served_model(t, a.name)
    where = a.effective_base_url or ("in process" if a.provider in ("embedded", "scripted") else "not recorded")
    return f"{requested_model(a)} -> {served or 'not reported'} @ {where}"


def _routes(transcripts: list[Transcript]) -> list[dict[str, Any]]:
    """One line per distinct (agent, provider, route) over all transcripts, substituted ones marked."""
    seen: dict[tuple[str, str, str], dict[str, Any]] = {}
    for t in transcripts:
        subs = set(substituted_agents(t))
        for a in t.header.agents:
            key = (a.name, a.provider, _route(t, a))
            row = seen.setdefault(key, {"agent": a.name, "provider": a.provider, "route": key[2],
                                        "substituted": a.name in subs, "n": 0})
            row["n"] += 1
    return list(seen.values())


# ----------------------------------------------------------------------------------------------------------
# Graphs for N-agent runs


def _graphs(views: list[ConversationView]) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    figures: list[dict[str, str]] = []
    table: list[dict[str, str]] = []
    by_cond: dict[str, list[ConversationView]] = {}
    for v in views:
        if gr.is_multi_agent(v.transcript):
            by_cond.setdefault(v.condition, []).append(v)
    for cond, vs in sorted(by_cond.items()):
        addr = gr.merge([gr.address_graph(v.transcript) for v in vs])
        maybe = [_team_result(v) for v in vs]
        team_results = [r for r in maybe if r is not None]
        if len(team_results) == len(maybe):
            # Token-level team scopes with evidence (analysis.studies.teams) beat the message-level heuristic.
            we = gr.merge([gr.alliance_graph_from_edges(v.transcript, r.edges()) for v, r in zip(vs, team_results)])
            counts = [r.counts() for r in team_results]
            within, cross = sum(c["team"] for c in counts), sum(c["cross"] for c in counts)
            other, source = sum(c["unresolved"] for c in counts), "analysis.studies.teams (token scopes)"
        else:
            we = gr.merge([gr.we_alliance_graph(v.transcript, [m.index for m in v.messages if m.social_we])
                           for v in vs])
            s = gr.alliance_summary(we)
            within, cross, other, source = s.within_team, s.cross_team, s.unassigned, "message ties (graphs.py)"
        figures.append({"condition": cond, "n": str(len(vs)),
                        "address": plots.agent_graph(addr, title="who addresses whom (turns + mentions)"),
                        "we": plots.agent_graph(we, weight="we", title='social "we" ties')})
        table.append({"condition": cond, "n": str(len(vs)), "within": str(within), "cross": str(cross),
                      "unassigned": str(other),
                      "cross_share": _pct(cross / (within + cross)) if within + cross else "–",
                      "source": source})
    return figures, table


def _team_result(v: ConversationView) -> Any | None:
    if len({a.team for a in v.transcript.header.agents if a.team}) < 2:
        return None
    try:
        from analysis.studies import teams
    except ImportError:
        return None
    return teams.analyze_transcript(v.transcript.path)


# ----------------------------------------------------------------------------------------------------------


def _mixed(msgs: pd.DataFrame, notes: list[str]) -> list[dict[str, str]]:
    """The mixed-model cross-check, formatted; empty with a single condition or if the fit fails."""
    if msgs["condition"].nunique() < 2:
        return []
    try:
        fe = stats.mixed_model(msgs, "social_we")
    except Exception as exc:  # singular designs (e.g. one conversation per condition) cannot be fitted
        notes.append(f"The mixed-model cross-check could not be fitted: {type(exc).__name__}: {exc}")
        return []
    return [{"term": r["term"].replace("C(cond)[T.", "condition = ").rstrip("]"), "coef": f"{r['coef']:+.3f}",
             "se": f"{r['se']:.3f}", "p": _p(r["p"]), "ci": _ci(r["ci_low"], r["ci_high"])}
            for _, r in fe.iterrows()]


def _negotiation(views: list[ConversationView], opts: ReportOptions, notes: list[str]) -> dict[str, Any] | None:
    """Negotiation outcomes per condition, for transcripts whose header carries a negotiation game."""
    from analysis.studies import negotiation

    rows = []
    for v in views:
        try:
            if negotiation.game_of(v.transcript.header.scenario) is None:
                continue
        except ValueError:  # a malformed game in the header: not scorable, say so rather than guess
            notes.append(f"{v.key}: the negotiation game in the header is invalid; not scored.")
            continue
        r = negotiation.score_transcript(v.transcript.path)
        rows.append({"condition": v.condition, "outcome": r.outcome, "joint_points": r.joint_points})
    if not rows:
        return None
    frame = pd.DataFrame(rows)
    means = stats.negotiation_outcomes(frame, n_boot=opts.n_boot, seed=opts.seed)
    cats = [c for c in ("agreement", "walk_away", "no_deal") if c in set(frame["outcome"])]
    shares = stats.outcome_shares(frame, categories=cats)
    return {"rows": [{"condition": str(r["condition"]), "measure": r["measure"], "n": str(r["n"]),
                      "mean": f"{r['mean']:.2f}" if not math.isnan(r["mean"]) else "–",
                      "ci": _ci(r["ci_low"], r["ci_high"])} for _, r in means.iterrows()],
            "uri": plots.outcome_shares(shares, cats)}


def _identity(transcripts: list[Transcript], opts: ReportOptions) -> dict[str, Any] | None:
    """The identity sweep's table (models x claimed identities) with the hidden-prompt flag, for battery runs."""
    from ..studies import identity_sweep

    frame = identity_sweep.answers_frame(transcripts)
    if frame.empty:
        return None
    summary = identity_sweep.model_summary(frame, reference=opts.identity_reference)
    table = identity_sweep.claims_table(frame)
    rows = []
    for _, r in summary.iterrows():
        model = r["model"]
        rows.append({
            "model": str(model), "official_name": str(r["official_name"] or ""), "answers": str(r["answers"]),
            "share_reply": _pct(r["share_reply"]), "share_reasoning": _pct(r["share_reasoning"]),
            "share_en": "–" if math.isnan(r["share_reply_en"]) else _pct(r["share_reply_en"]),
            "share_zh": "–" if math.isnan(r["share_reply_zh"]) else _pct(r["share_reply_zh"]),
            "cells": [_pct(table.loc[model, c]) if c in table.columns and table.loc[model, c] else ""
                      for c in table.columns],
            "min_tokens": "–" if r["min_prompt_tokens"] is None else str(r["min_prompt_tokens"]),
            "hidden": bool(r["hidden_prompt_suspected"]), "basis": str(r["hidden_prompt_basis"]),
        })
    return {"identities": [str(c) for c in table.columns], "rows": rows,
            "reference": opts.identity_reference or "", "margin": identity_sweep.MARGIN_TOKENS,
            "bare_max": identity_sweep.BARE_MAX_TOKENS}


def build(transcripts: list[Transcript], analysis: Any | None = None, opts: ReportOptions | None = None,
          *, analyze: bool = True, judge: Any | None = None, notes: Sequence[str] = ()) -> ReportResult:
    """Compute everything and render the page (returned, not written); ``notes`` go first on the page."""
    opts = opts or ReportOptions()
    notes = list(notes)
    if analysis is None and analyze:
        analysis = _analyze(transcripts, opts.task, notes)
    views = conversation_views(transcripts, analysis, by=opts.by)
    judge_rows: list[dict[str, str]] = []
    if judge is not None:
        from .data import agreement_table, attach_judge

        attach_judge(views, conversation_views(transcripts, _analyze(transcripts, opts.task, notes, judge)))
        judge_rows = [{"label": r["label"], "n": str(r["messages"]), "rules": str(r["rules"]),
                       "judge": str(r["judge"]), "both": str(r["both"]), "rules_only": str(r["rules_only"]),
                       "judge_only": str(r["judge_only"]), "agreement": _pct(r["agreement"]),
                       "kappa": _pct(r["kappa"])} for _, r in agreement_table(views).iterrows()]
    conv_all = conversation_table(views)
    excluded = conv_all[conv_all["status"] != "complete"] if len(conv_all) else conv_all
    if len(excluded):
        notes.append(f"{len(excluded)} partial or failed conversation(s) are shown in the viewer but left out "
                     "of every statistic.")
    keep = set(conv_all.loc[conv_all["status"] == "complete", "conversation"]) if len(conv_all) else set()
    conv = conv_all[conv_all["conversation"].isin(keep)] if len(conv_all) else conv_all
    msgs = message_table(views)
    msgs = msgs[msgs["conversation"].isin(keep)]

    empty = conv.empty or conv["messages"].sum() == 0
    if empty:
        rates = pd.DataFrame(columns=["condition", "conversations", "social_we_messages", "messages", "rate",
                                      "ci_low", "ci_high"])
        cmp = pd.DataFrame()
        mixed = []
        traj = pd.DataFrame(columns=["condition", "index", "n", "k", "share", "ci_low", "ci_high"])
        shares = pd.DataFrame()
        notes.append("No complete conversation with model-written messages: nothing to compute.")
    else:
        rates = stats.rates_by_condition(conv, "social_we_messages", "messages", n_boot=opts.n_boot,
                                         seed=opts.seed)
        cmp = stats.compare_conditions(conv, "social_we_messages", "messages", n_perm=opts.n_perm,
                                       n_boot=opts.n_boot, seed=opts.seed)
        mixed = _mixed(msgs, notes)
        traj = stats.trajectory(msgs, "social_we")
        # A turn reached by one or two conversations is an anecdote, not a share; plot where at least
        # MIN_TRAJ of them (or all, if fewer) are still talking.
        per_cond = conv.groupby("condition").size()
        need = traj["condition"].map(lambda c: min(MIN_TRAJ, int(per_cond[c])))
        traj = traj[traj["n"] >= need].reset_index(drop=True)
        cats = [c for c in OUTCOME_ORDER if c in set(conv["outcome"])] + \
            sorted(set(conv["outcome"]) - set(OUTCOME_ORDER))
        shares = stats.outcome_shares(conv, categories=cats)

    figures = []
    cond_rows: list[dict[str, str]] = []
    if not empty:
        cats = [c[len("share_"):] for c in shares.columns if c.startswith("share_")]
        cond_rows = _conditions_rows(conv, rates, shares, cats)
        figures = [
            {"id": "fig-rate", "title": 'Social "we" rate by condition',
             "uri": plots.rate_by_condition(rates),
             "caption": "Pooled share of model-written messages containing at least one dyad or ai_class "
                        f"first-person plural, with a 95% percentile bootstrap interval ({opts.n_boot} resamples "
                        f"of whole conversations, seed {opts.seed}). No interval is drawn for a single "
                        "conversation; when every conversation of a condition has the same rate (e.g. none has a "
                        "social \"we\") the resamples cannot vary and the interval has zero width."},
            {"id": "fig-traj", "title": 'Social "we" by turn',
             "uri": plots.trajectories(traj),
             "caption": "At each message index, the share of conversations whose message there has a social "
                        '"we"; shaded: 95% Wilson interval. Later turns rest on fewer conversations '
                        f"(conversations end at different lengths); turns reached by fewer than {MIN_TRAJ} "
                        "conversations of a condition are not drawn."},
            {"id": "fig-outcome", "title": "Outcomes",
             "uri": plots.outcome_shares(shares, cats),
             "caption": "Share of conversations by outcome as the analyzers score it (win: an agent declared "
                        '"I win"; lose: one conceded "I lose"; both; none).'},
        ]
    labels = label_stats.compute([v for v in views if v.uid in keep], analysis, n_boot=opts.n_boot,
                                 n_perm=opts.n_perm, seed=opts.seed)
    graph_figs, alliance = _graphs([v for v in views if v.uid in keep])
    negotiation = _negotiation([v for v in views if v.uid in keep], opts, notes)
    identity = _identity(transcripts, opts)

    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(default=True,
                      default_for_string=True), undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                      finalize=_finalize)
    n_msgs = sum(len(v.messages) for v in views)
    html = env.get_template("report.html.j2").render(
        title=opts.title,
        generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        command=opts.command or "",
        sources=sorted({str(Path(t.path).parent) for t in transcripts}),
        n_conv=len(views), n_complete=len(conv), n_msgs=n_msgs,
        analyzer=_analyzer_name(analysis),
        n_boot=opts.n_boot, n_perm=opts.n_perm, seed=opts.seed, by=opts.by or "",
        notes=notes, conditions=cond_rows, comparisons=_comparison_rows(cmp) if len(cmp) else [],
        single_condition=len(rates) < 2, figures=figures, graphs=graph_figs, alliance=alliance,
        negotiation=negotiation, identity=identity, judge_rows=judge_rows, mixed=mixed,
        label_sections=labels.sections, detect_h=stats.DETECT_H,
        routes=_routes(transcripts), n_substituted=sum(bool(substituted_agents(t)) for t in transcripts),
        viewer=_viewer(views, opts.max_transcripts, opts.task), shown=min(len(views), opts.max_transcripts or len(views)),
        we_refs=[(r, r in SOCIAL_REFS) for r in WE_REFS], message_labels=MESSAGE_LABELS,
        css=(TEMPLATES / "report.css").read_text(encoding="utf-8"),
    )
    return ReportResult(html, conv_all, rates, cmp, traj, shares, notes, labels.rates, labels.comparisons)


def _finalize(value: Any) -> Any:
    # Every {{ }} output passes here before autoescape: model text reaches the page in evidence quotes,
    # titles, names and conditions, not only in message bodies, and each must lose its control characters.
    if isinstance(value, Markup):
        return value
    return neutralise(value) if isinstance(value, str) else value


def _analyzer_name(analysis: Any | None) -> str:
    if isinstance(analysis, list):
        analysis = analysis[0] if analysis else None
    if analysis is None:
        return "none (unlabelled)"
    name = getattr(analysis, "analyzer", None) or getattr(analysis, "name", None) or "rules"
    version = getattr(analysis, "version", None)
    return f"{name} {version}" if version else str(name)


def build_report(sources: str | Path | Sequence[str | Path], out: str | Path | None = "report.html", *,
                 by: str | None = None, task: str | None = None, n_boot: int = stats.DEFAULT_BOOT,
                 n_perm: int = stats.DEFAULT_PERM, seed: int = 0, title: str = "ingroup report",
                 max_transcripts: int | None = None, analysis: Any | None = None,
                 command: str | None = None, judge: Any | None = None,
                 identity_reference: str | None = None) -> ReportResult:
    """Python API behind ``ingroup report``: read transcripts, analyze, compute statistics, render.

    Writes the page to ``out`` unless it is None; the returned :class:`ReportResult` also carries the
    tables behind every figure. ``judge``: a second analyzer (e.g. ``analysis.judge.JudgeAnalyzer()``)
    whose labels are shown beside the rules' labels, with an agreement table; statistics use the rules.
    """
    skipped: list[TranscriptError] = []
    transcripts = load(sources, skipped)
    if not transcripts and skipped:
        raise IngroupError(f"no readable transcript; {len(skipped)} file(s) skipped, the first: {skipped[0]}")
    if by is not None:
        factors = sorted({k for t in transcripts for k in (t.header.condition or {})})
        if by not in factors:
            raise IngroupError(f"no transcript has a condition factor {by!r}; factors present: "
                               f"{', '.join(factors) or 'none (not a sweep)'}", field="--by")
    opts = ReportOptions(by=by, n_boot=n_boot, n_perm=n_perm, seed=seed, title=title,
                         max_transcripts=max_transcripts, task=task, identity_reference=identity_reference,
                         command=command or _python_call(sources, out, by))
    result = build(transcripts, analysis, opts, judge=judge,
                   notes=[f"skipped (not a readable transcript): {e}" for e in skipped])
    if out is not None:
        write_atomic(out, result.html)  # a reader never sees half a page
    return result


def _python_call(sources: Any, out: Any, by: str | None) -> str:
    items = [sources] if isinstance(sources, (str, Path)) else list(sources)
    args = " ".join(shlex.quote(str(s)) for s in items)
    return f"ingroup report {args} --out {shlex.quote(str(out))}" + (f" --by {shlex.quote(by)}" if by else "")


def command_line(argv: Iterable[str] | None = None) -> str:
    """The command that made the report, as the page shows it: with every credential redacted (a judge URL
    may carry a password)."""
    return redact("ingroup " + " ".join(shlex.quote(a) for a in (list(argv) if argv is not None else sys.argv[1:])))
