"""The report's "every label" section: each declared rate (``analysis.measures.MEASURES``) per condition and
per model with its 95% CI, comparisons of conditions (and of models) for every rate with Holm's adjustment,
and the small-sample warnings, computed by ``analysis.stats`` from the analyzers' own count columns.

Only complete conversations count (the caller passes those views); a conversation's label counts are the
analyzers' per-conversation row, its per-model counts the agents table's rows of that conversation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .. import stats
from ..measures import MEASURES
from .data import ConversationView, _find, _group

DESCRIPTIONS = {m.name: m.description for m in MEASURES}


@dataclass
class LabelStats:
    """The tables behind the section (``analysis.stats`` schemas) and their rows formatted for the page."""

    rates: pd.DataFrame
    """:data:`analysis.stats.RATE_COLUMNS`, by condition then by model (column ``by``)."""
    comparisons: pd.DataFrame
    """:data:`analysis.stats.COMPARISON_COLUMNS`, between conditions then between models."""
    sections: list[dict[str, Any]] = field(default_factory=list)


def _tables(views: list[ConversationView], analysis: Any | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    per = analysis if isinstance(analysis, list) else [analysis] * len(views)
    conv_rows, agent_rows = [], []
    grouped: dict[int, dict[str, pd.DataFrame]] = {}
    for v, a in zip(views, per):
        if not v.measures or "messages" not in v.measures:
            continue  # no analyzer row, or one from before the count columns
        conv_rows.append({**v.measures, "conversation": v.uid, "condition": v.condition})
        if id(a) not in grouped:
            grouped[id(a)] = _group(getattr(a, "agents", None))
        found = _find(grouped[id(a)], v.transcript)
        if found is not None:
            for r in found.to_dict("records"):
                agent_rows.append({**r, "conversation": v.uid, "condition": v.condition})
    return pd.DataFrame(conv_rows), pd.DataFrame(agent_rows)


def compute(views: list[ConversationView], analysis: Any | None, *, n_boot: int, n_perm: int,
            seed: int) -> LabelStats:
    """Rates and comparisons of every declared measure over ``views`` (complete conversations)."""
    conv, agents = _tables(views, analysis)
    rates, comparisons, sections = [], [], []
    groupings = [("condition", conv)]
    if not agents.empty and agents["model"].nunique() > 0:
        groupings.append(("model", agents))
    for by, table in groupings:
        if table.empty:
            continue
        r = stats.label_rates(table, by=by, n_boot=n_boot, seed=seed)
        c = stats.label_comparisons(table, by=by, n_perm=n_perm, seed=seed, bootstrap=False) \
            if table[by].nunique() > 1 else pd.DataFrame(columns=list(stats.COMPARISON_COLUMNS))
        rates.append(r)
        comparisons.append(c)
        sections.append(_section(by, r, c))
    empty_r = pd.DataFrame(columns=list(stats.RATE_COLUMNS))
    empty_c = pd.DataFrame(columns=list(stats.COMPARISON_COLUMNS))
    return LabelStats(pd.concat(rates, ignore_index=True) if rates else empty_r,
                      pd.concat(comparisons, ignore_index=True) if comparisons else empty_c, sections)


def _num(x: Any) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"


def _ci(lo: float, hi: float) -> str:
    return "–" if math.isnan(lo) else f"[{lo:.2f}, {hi:.2f}]"


def _p(p: float) -> str:
    if math.isnan(p):
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def _section(by: str, rates: pd.DataFrame, cmp: pd.DataFrame) -> dict[str, Any]:
    rows = [{"measure": str(r["measure"]), "description": DESCRIPTIONS.get(r["measure"], ""),
             "level": str(r["level"]), "group": str(r["group"]), "n": str(int(r["n_conversations"])),
             "counts": f"{int(r['k'])} / {int(r['n'])}", "rate": _num(r["estimate"]),
             "ci": _ci(r["ci_low"], r["ci_high"]), "small": bool(r["small_sample"]), "reason": str(r["reason"])}
            for _, r in rates.iterrows()]
    comparisons = [{"measure": str(r["measure"]), "a": str(r["a"]), "b": str(r["b"]),
                    "n": f"{int(r['n_a'])} / {int(r['n_b'])}" + (" paired" if r["paired"] else ""),
                    "rates": f"{_num(r['rate_a'])} vs {_num(r['rate_b'])}",
                    "diff": "–" if math.isnan(r["difference"]) else f"{r['difference']:+.2f}",
                    "h": "–" if math.isnan(r["cohens_h"]) else f"{r['cohens_h']:+.2f}",
                    "p": _p(r["p"]), "p_holm": _p(r["p_holm"]), "sig": bool(r["significant"]),
                    "small": bool(r["small_sample"]), "reason": str(r["reason"])}
                   for _, r in cmp.iterrows()]
    small = rates.groupby("group")["small_sample"].any() if len(rates) else pd.Series(dtype=bool)
    return {"by": by, "rows": rows, "comparisons": comparisons,
            "n_small": int(small.sum()), "n_groups": len(small),
            "n_small_cmp": sum(c["small"] for c in comparisons)}
