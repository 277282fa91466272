"""The report's "every label" section: each declared rate (``analysis.measures.MEASURES``) per condition and
per model with its 95% CI, comparisons of conditions (and of models) for every rate with Holm's adjustment,
and the small-sample warnings, computed by ``analysis.stats`` from the analyzers' own count columns.

Only complete conversations count (the caller passes those views); a conversation's label counts are the
analyzers' per-conversation row, its per-model counts the agents table's rows of that conversation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Sequence

import pandas as pd

from simulator.transcript import Transcript

from .. import stats
from ..api import transcript_rows
from ..labels import MessageLabels
from ..measures import MEASURES, message_counts
from .numbers import interval, p_value, share

DESCRIPTIONS = {m.name: m.description for m in MEASURES}


@dataclass
class LabelStats:
    """The tables behind the section (``analysis.stats`` schemas) and their rows formatted for the page."""

    rates: pd.DataFrame
    """:data:`analysis.stats.RATE_COLUMNS`, by condition then by model (column ``by``)."""
    comparisons: pd.DataFrame
    """:data:`analysis.stats.COMPARISON_COLUMNS`, between conditions then between models."""
    sections: list[dict[str, Any]] = field(default_factory=list)


def rows_of(uid: str, condition: str, t: Transcript, labels: Sequence[MessageLabels]
            ) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """What the section keeps of one complete conversation, as it streams past: the row ``analyze()`` gives
    it (its counts for every declared rate) and its agents' rows, keyed by ``uid``."""
    rows = transcript_rows(t, labels, "")
    keep = ("contest_abandoned", "outcome", *message_counts([], []))
    conv = {"conversation": uid, "condition": condition, **{k: rows.conversations[0][k] for k in keep}}
    agents = [{"conversation": uid, "condition": condition, "agent": r["agent"], "model": r["model"],
               "provider": r["provider"], **{k: r[k] for k in message_counts([], [])}}
              for r in rows.agents if r["messages"]]
    return conv, agents


def compute(conv_rows: list[dict[str, Any]], agent_rows: list[dict[str, Any]], *, n_boot: int, n_perm: int,
            seed: int) -> LabelStats:
    """Rates and comparisons of every declared measure over the complete conversations' rows."""
    conv, agents = pd.DataFrame(conv_rows), pd.DataFrame(agent_rows)
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


def _section(by: str, rates: pd.DataFrame, cmp: pd.DataFrame) -> dict[str, Any]:
    rows = [{"measure": str(r["measure"]), "description": DESCRIPTIONS.get(r["measure"], ""),
             "level": str(r["level"]), "group": str(r["group"]), "n": str(int(r["n_conversations"])),
             "counts": f"{int(r['k'])} / {int(r['n'])}", "rate": share(r["estimate"]),
             "ci": interval(r["ci_low"], r["ci_high"]), "small": bool(r["small_sample"]), "reason": str(r["reason"])}
            for _, r in rates.iterrows()]
    comparisons = [{"measure": str(r["measure"]), "a": str(r["a"]), "b": str(r["b"]),
                    "n": f"{int(r['n_a'])} / {int(r['n_b'])}" + (" paired" if r["paired"] else ""),
                    "rates": f"{share(r['rate_a'])} vs {share(r['rate_b'])}",
                    "diff": "–" if math.isnan(r["difference"]) else f"{r['difference']:+.2f}",
                    "h": "–" if math.isnan(r["cohens_h"]) else f"{r['cohens_h']:+.2f}",
                    "p": p_value(r["p"]), "p_holm": p_value(r["p_holm"]), "sig": bool(r["significant"]),
                    "small": bool(r["small_sample"]), "reason": str(r["reason"])}
                   for _, r in cmp.iterrows()]
    small = rates.groupby("group")["small_sample"].any() if len(rates) else pd.Series(dtype=bool)
    return {"by": by, "rows": rows, "comparisons": comparisons,
            "n_small": int(small.sum()), "n_groups": len(small),
            "n_small_cmp": sum(c["small"] for c in comparisons)}
