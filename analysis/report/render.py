"""HTML from computed report data: the summary page and one page per conversation (jinja2, autoescape on).

Numbers become strings here, so the templates have no logic beyond loops. Every string passes through one
filter (:func:`_finalize`) that replaces control characters with visible stand-ins before autoescape; the
conversation index reaches the summary page as JSON in a ``<script type="application/json">`` block, dumped
with ``<``, ``>``, ``&`` and ``'`` escaped (so no text can close the block) and read by our own script, which
the Content-Security-Policy allows by its hash and which sets every string as text.
"""

from __future__ import annotations

import base64
import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from simulator.provenance import substituted_agents

from .. import stats
from ..labels.vocab import REFS as WE_REFS
from . import plots
from .compute import MIN_TRAJ, ReportData, route
from .data import INDEX_LABELS, MESSAGE_LABELS, SOCIAL_REFS, ConversationView, Label
from .highlight import Span, neutralise, segments
from .label_stats import LabelStats
from .numbers import interval, p_value, share

TEMPLATES = Path(__file__).parent / "templates"


@dataclass
class PageContext:
    """What every page shows about the report as a whole."""

    title: str
    command: str
    n_boot: int
    n_perm: int
    seed: int
    by: str
    task: str | None
    analyzer: str


@lru_cache(maxsize=1)
def _env() -> Environment:
    return Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(
        default=True, default_for_string=True), undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        finalize=_finalize)


@lru_cache(maxsize=1)
def _css() -> str:
    return (TEMPLATES / "report.css").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def index_script() -> str:
    """The summary page's only script (the conversation index), as inlined."""
    return (TEMPLATES / "index.js").read_text(encoding="utf-8")


def script_hash(script: str) -> str:
    """The CSP source that allows exactly this inline script."""
    return "sha256-" + base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")


def _finalize(value: Any) -> Any:
    # Every {{ }} output passes here before autoescape: model text reaches the page in evidence quotes,
    # titles, names and conditions, not only in message bodies, and each must lose its control characters.
    if isinstance(value, Markup):
        return value
    return neutralise(value) if isinstance(value, str) else value


# ----------------------------------------------------------------------------------------------------------
# One conversation


def _evidence_spans(labels: list[Label]) -> list[Span]:
    spans: list[Span] = []
    for lab in labels:
        for e in lab.evidence:
            rule = f" ({e.rule})" if e.rule else ""
            spans.append(Span(e.start, e.end, f"ev ev-{lab.name}", f"{lab.name}{rule}: “{e.text}”"))
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


def _labels(labels: list[Label]) -> list[dict[str, Any]]:
    return [{"name": lab.name, "value": _label_value(lab.value), "evidence": [e.text for e in lab.evidence]}
            for lab in labels]


def _conversation(v: ConversationView, task: str | None) -> dict[str, Any]:
    t = v.transcript
    agents = t.header.agents
    colour = {a.name: i % 6 for i, a in enumerate(agents)}
    msgs = []
    for m in v.messages:
        msgs.append({
            "index": m.index, "speaker": m.speaker, "colour": colour.get(m.speaker, 6),
            "scripted": m.scripted, "segments": segments(m.text, _message_spans(m)),
            "reasoning": None if m.reasoning is None else {
                "segments": segments(m.reasoning, _evidence_spans(m.reasoning_labels())),
                "format": m.reasoning_format or "", "tokens": m.reasoning_tokens},
            "labels": _labels(m.labels),
            "we": [{"token": w.token, "ref": w.ref, "social": w.social} for w in m.we],
            "judge": None if m.judge is None else {
                "labels": _labels(m.judge.labels), "we": [{"token": w.token, "ref": w.ref} for w in m.judge.we]},
        })
    return {
        "key": v.key, "run_id": t.header.run_id, "file": t.path, "design": v.design, "cell": v.cell,
        "status": v.status, "stop": (t.footer.stop_reason if t.footer else "no footer (partial run)"),
        "error": (t.footer.error if t.footer else None) or "",
        "task": t.header.task or (f"(none recorded; analysed with --task) {task}" if task
                                  else "(none recorded; the opening message is taken as the contest)"),
        "outcome": v.outcome,
        "agents": [{"name": a.name, "provider": a.provider, "model": a.model, "team": a.team or "",
                    "colour": colour[a.name], "route": route(t, a)} for a in agents],
        "substituted": substituted_agents(t),
        "social": sum(m.social_we for m in v.messages if not m.scripted),
        "n": len(v.messages), "messages": msgs,
    }


def conversation_page(v: ConversationView, ctx: PageContext, back: str) -> str:
    """The static page of one conversation; ``back``: the relative link to the summary page."""
    return _env().get_template("conversation.html.j2").render(
        c=_conversation(v, ctx.task), title=ctx.title, back=back, css=Markup(_css()),
        we_refs=[(r, r in SOCIAL_REFS) for r in WE_REFS], message_labels=MESSAGE_LABELS)


# ----------------------------------------------------------------------------------------------------------
# The summary page


def _conditions_rows(d: ReportData) -> list[dict[str, str]]:
    conv = d.conversations[d.conversations["status"] == "complete"]
    rows = []
    for _, r in d.rates.iterrows():
        g = conv[conv["condition"] == r["condition"]]
        o = d.outcomes[d.outcomes["condition"] == r["condition"]].iloc[0]
        firsts = g["first_social_we_turn"].dropna()
        n = max(1, int(g["messages"].sum()))
        rows.append({
            "condition": str(r["condition"]), "conversations": str(int(r["conversations"])),
            "messages": str(int(r["messages"])), "social": str(int(r["social_we_messages"])),
            "rate": share(r["rate"]), "ci": interval(r["ci_low"], r["ci_high"]),
            "first": f"{firsts.median():g} ({len(firsts)}/{len(g)})" if len(firsts) else f"– (0/{len(g)})",
            "coop": share(g["cooperative_messages"].sum() / n), "comp": share(g["competitive_messages"].sum() / n),
            "adv": share(g["adversarial_messages"].sum() / n), "refusal": share(g["refusal_messages"].sum() / n),
            "outcomes": ", ".join(f"{c} {int(o[f'n_{c}'])}" for c in d.outcome_categories if int(o[f"n_{c}"])),
            "cost": _cost(g),
        })
    return rows


def _cost(g: pd.DataFrame) -> str:
    """What a condition's conversations cost, with how many have no known cost (a model without a price,
    a transcript written before footers recorded it)."""
    known = g["cost_usd"].dropna()
    unknown = len(g) - len(known)
    if not len(known):
        return "–"
    return f"${known.sum():.4f}" + (f" + {unknown} unknown" if unknown else "")


def _comparison_rows(cmp: pd.DataFrame) -> list[dict[str, str]]:
    return [{"a": str(r["a"]), "b": str(r["b"]), "n": f"{r['n_a']} / {r['n_b']}",
             "rates": f"{share(r['rate_a'])} vs {share(r['rate_b'])}",
             "diff": f"{r['diff']:+.2f}", "ci": interval(r["diff_ci_low"], r["diff_ci_high"]),
             "h": "–" if math.isnan(r["cohens_h"]) else f"{r['cohens_h']:+.2f}",
             "p": p_value(r["p_perm"]), "perms": f"{r['permutations']}", "p_holm": p_value(r["p_holm"]),
             "sig": "yes" if r["significant"] else "no"} for _, r in cmp.iterrows()]


def _mixed_rows(fe: pd.DataFrame | None) -> list[dict[str, str]]:
    if fe is None:
        return []
    return [{"term": r["term"].replace("C(cond)[T.", "condition = ").rstrip("]"), "coef": f"{r['coef']:+.3f}",
             "se": f"{r['se']:.3f}", "p": p_value(r["p"]), "ci": interval(r["ci_low"], r["ci_high"])}
            for _, r in fe.iterrows()]


def figures(d: ReportData) -> dict[str, Any]:
    """The summary's figures as matplotlib Figures, by id (the same ones the notebook API draws)."""
    out: dict[str, Any] = {}
    if len(d.rates):
        out["fig-rate"] = plots.rate_by_condition(d.rates)
        out["fig-traj"] = plots.trajectories(d.trajectory)
        out["fig-outcome"] = plots.outcome_shares(d.outcomes, d.outcome_categories)
    for i, g in enumerate(d.graphs):
        out[f"graph-{i}-address"] = plots.agent_graph(g["address"], title="who addresses whom (turns + mentions)")
        out[f"graph-{i}-we"] = plots.agent_graph(g["we"], weight="we", title='social "we" ties')
    if d.negotiation_shares is not None:
        out["negotiation"] = plots.outcome_shares(d.negotiation_shares, d.negotiation_categories)
    return out


def _figure_rows(figs: dict[str, Any], uri: dict[str, str], n_boot: int, seed: int) -> list[dict[str, str]]:
    if "fig-rate" not in figs:
        return []
    return [
        {"id": "fig-rate", "title": 'Social "we" rate by condition', "uri": uri["fig-rate"],
         "caption": "Pooled share of model-written messages containing at least one dyad or ai_class "
                    f"first-person plural, with a 95% percentile bootstrap interval ({n_boot} resamples "
                    f"of whole conversations, seed {seed}). No interval is drawn for a single "
                    "conversation; when every conversation of a condition has the same rate (e.g. none has a "
                    "social \"we\") the resamples cannot vary and the interval has zero width."},
        {"id": "fig-traj", "title": 'Social "we" by turn', "uri": uri["fig-traj"],
         "caption": "At each message index, the share of conversations whose message there has a social "
                    '"we"; shaded: 95% Wilson interval. Later turns rest on fewer conversations '
                    f"(conversations end at different lengths); turns reached by fewer than {MIN_TRAJ} "
                    "conversations of a condition are not drawn."},
        {"id": "fig-outcome", "title": "Outcomes", "uri": uri["fig-outcome"],
         "caption": "Share of conversations by outcome as the analyzers score it (win: an agent declared "
                    '"I win"; lose: one conceded "I lose"; both; none).'},
    ]


def _negotiation_rows(d: ReportData, uri: dict[str, str]) -> dict[str, Any] | None:
    if d.negotiation is None:
        return None
    return {"rows": [{"condition": str(r["condition"]), "measure": r["measure"], "n": str(r["n"]),
                      "mean": f"{r['mean']:.2f}" if not math.isnan(r["mean"]) else "–",
                      "ci": interval(r["ci_low"], r["ci_high"])} for _, r in d.negotiation.iterrows()],
            "uri": uri["negotiation"]}


def _identity_rows(d: ReportData) -> dict[str, Any] | None:
    if d.identity is None:
        return None
    summary, table = d.identity["summary"], d.identity["claims"]
    rows = []
    for _, r in summary.iterrows():
        model = r["model"]
        rows.append({
            "model": str(model), "official_name": str(r["official_name"] or ""), "answers": str(r["answers"]),
            "share_reply": share(r["share_reply"]), "share_reasoning": share(r["share_reasoning"]),
            "share_en": "–" if math.isnan(r["share_reply_en"]) else share(r["share_reply_en"]),
            "share_zh": "–" if math.isnan(r["share_reply_zh"]) else share(r["share_reply_zh"]),
            "cells": [share(table.loc[model, c]) if c in table.columns and table.loc[model, c] else ""
                      for c in table.columns],
            "min_tokens": "–" if r["min_prompt_tokens"] is None else str(r["min_prompt_tokens"]),
            "hidden": bool(r["hidden_prompt_suspected"]), "basis": str(r["hidden_prompt_basis"]),
        })
    return {"identities": [str(c) for c in table.columns], "rows": rows, "reference": d.identity["reference"],
            "margin": d.identity["margin"], "bare_max": d.identity["bare_max"]}


def index_json(d: ReportData, pages_dir: str) -> Markup:
    """The conversation index: one short row per conversation, strings looked up in small lists."""
    conditions = sorted(set(d.conditions))
    statuses = sorted({r.status for r in d.records})
    outcomes = sorted({r.outcome for r in d.records})
    ci, si, oi = ({v: i for i, v in enumerate(xs)} for xs in (conditions, statuses, outcomes))
    rows = []
    for r, c in zip(d.records, d.conditions):
        mask = sum(1 << i for i, name in enumerate(INDEX_LABELS) if r.has(name))
        rows.append([r.page, neutralise(r.key), ci[c], si[r.status], oi[r.outcome], r.messages,
                     r.social_we_messages, mask])
    # The folder name comes from --out: percent-encoded, it stays a relative path (a ":" cannot make a scheme).
    data = {"pages": quote(pages_dir, safe=""), "conditions": [neutralise(c) for c in conditions], "statuses": statuses,
            "outcomes": [neutralise(o) for o in outcomes], "labels": list(INDEX_LABELS), "rows": rows}
    # htmlsafe_json_dumps escapes < > & ' as \\u escapes: no string can end the <script> block.
    return htmlsafe_json_dumps(data, dumps=_compact)


def _compact(obj: Any, **kwargs: Any) -> str:
    import json

    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), **kwargs)


def summary_page(d: ReportData, ctx: PageContext, figs: dict[str, Any], pages_dir: str, shown: int,
                 labels: LabelStats | None = None) -> str:
    """The summary page: provenance, tables, comparisons, figures (embedded PNG) and the conversation index."""
    uri = {k: plots.png_data_uri(f) for k, f in figs.items()}
    graph_figs = [{"condition": g["condition"], "n": str(g["n"]), "address": uri[f"graph-{i}-address"],
                   "we": uri[f"graph-{i}-we"]} for i, g in enumerate(d.graphs)]
    alliance = [{"condition": g["condition"], "n": str(g["n"]), "within": str(g["within"]),
                 "cross": str(g["cross"]), "unassigned": str(g["unassigned"]),
                 "cross_share": share(g["cross"] / (g["within"] + g["cross"])) if g["within"] + g["cross"] else "–",
                 "source": g["source"]} for g in d.graphs]
    judge_rows = [{"label": r["label"], "n": str(r["messages"]), "rules": str(r["rules"]), "judge": str(r["judge"]),
                   "both": str(r["both"]), "rules_only": str(r["rules_only"]), "judge_only": str(r["judge_only"]),
                   "agreement": share(r["agreement"]), "kappa": share(r["kappa"])} for r in d.judge]
    script = index_script()
    n_complete = int((d.conversations["status"] == "complete").sum())
    return _env().get_template("summary.html.j2").render(
        title=ctx.title, generated=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        command=ctx.command, sources=d.sources, n_conv=len(d.records), n_complete=n_complete,
        n_msgs=d.n_messages, analyzer=ctx.analyzer, n_boot=ctx.n_boot, n_perm=ctx.n_perm, seed=ctx.seed,
        by=ctx.by, notes=d.notes, conditions=_conditions_rows(d) if len(d.rates) else [],
        comparisons=_comparison_rows(d.comparisons) if len(d.comparisons) else [],
        single_condition=len(d.rates) < 2, figures=_figure_rows(figs, uri, ctx.n_boot, ctx.seed),
        graphs=graph_figs, alliance=alliance, negotiation=_negotiation_rows(d, uri), identity=_identity_rows(d),
        judge_rows=judge_rows, mixed=_mixed_rows(d.mixed), routes=d.routes, n_substituted=d.n_substituted,
        shown=shown, pages_dir=pages_dir, index_json=index_json(d, pages_dir), script=Markup(script),
        script_hash=script_hash(script), css=Markup(_css()),
        label_sections=labels.sections if labels is not None else [], detect_h=stats.DETECT_H)
