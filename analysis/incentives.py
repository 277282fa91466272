"""Whether the analyzers tell apart the incentives agents were given, from their per-agent label rates.

The rates come from ``Analysis.agents`` (``ingroup analyze``'s agents table) or, in ``ingroup evaluate``,
from the labelled messages. An agent's incentive is the one its scenario names (``incentive:`` of an agent: cooperative, greedy,
saboteur...), recorded in the transcript header. For each test (a label and an incentive) the figure is the
ROC AUC of the agents' rate of that label, agents with the incentive against every other agent with a
known incentive: 1.0 when every agent with it has a higher rate than every other agent, 0.5 for chance.
Ties count one half (the Mann-Whitney U statistic, scipy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import pandas as pd
from scipy.stats import mannwhitneyu

TESTS: tuple[tuple[str, str], ...] = (("cooperative", "cooperative"), ("competitive", "greedy"),
                                      ("adversarial", "saboteur"))


@dataclass
class Separation:
    """How well one label's per-agent rate separates the agents given one incentive from the others (ROC AUC)."""

    label: str
    incentive: str
    auc: float
    n_with: int
    """Agents with the incentive (whose rate of the label is known)."""
    n_others: int

    @property
    def metric(self) -> str:
        """The row's name in the evaluation tables, ``auc_<label>_<incentive>``."""
        return f"auc_{self.label}_{self.incentive}"


def separation(agents: pd.DataFrame, tests: Sequence[tuple[str, str]] = TESTS) -> list[Separation]:
    """AUC of each test, from a table with ``incentive`` and ``<label>_rate`` columns (``Analysis.agents``);
    tests without agents on both sides are left out."""
    known = agents[agents["incentive"].notna()] if "incentive" in agents else agents.iloc[0:0]
    out = []
    for label, incentive in tests:
        col = f"{label}_rate"
        pos = known.loc[known["incentive"] == incentive, col].dropna().astype(float)
        neg = known.loc[known["incentive"] != incentive, col].dropna().astype(float)
        if pos.empty or neg.empty:
            continue
        u = mannwhitneyu(pos, neg, alternative="two-sided").statistic
        out.append(Separation(label, incentive, round(float(u) / (len(pos) * len(neg)), 4), len(pos), len(neg)))
    return out


__all__ = ["Separation", "TESTS", "separation"]
