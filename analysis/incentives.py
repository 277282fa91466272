"""Whether the analyzers tell apart the incentives agents were given, from their per-agent label rates.

An agent's incentive is the one its scenario names (``incentive:`` of an agent: cooperative, greedy,
saboteur...), recorded in the transcript header. For each test (a label and an incentive) the figure is the
ROC AUC of the agents' rate of that label, agents with the incentive against every other agent with a
known incentive: 1.0 when every agent with it has a higher rate than every other agent, 0.5 for chance.
Ties count one half (the Mann-Whitney U statistic, scipy).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

import pandas as pd
from scipy.stats import mannwhitneyu

from simulator.transcript import Transcript

from .api import Analyzer, label_transcript
from .measures import agent_measures

TESTS: tuple[tuple[str, str], ...] = (("cooperative", "cooperative"), ("competitive", "greedy"),
                                      ("adversarial", "saboteur"))


@dataclass
class Separation:
    label: str
    incentive: str
    auc: float
    n_with: int
    """Agents with the incentive (whose rate of the label is known)."""
    n_others: int

    @property
    def metric(self) -> str:
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


def agent_table(transcripts: Iterable[Transcript], analyzer: Analyzer | None = None) -> pd.DataFrame:
    """Per-agent rates and incentives of the transcripts whose headers name incentives."""
    rows = []
    for t in transcripts:
        incentives = {a.name: a.incentive for a in t.header.agents if a.incentive}
        if not incentives:
            continue
        labs = label_transcript(t, None, analyzer)
        for sp, rates in agent_measures([m.speaker for m in t.messages], labs).items():
            rows.append({"run_id": t.header.run_id, "agent": sp, "incentive": incentives.get(sp), **rates})
    return pd.DataFrame(rows)


__all__ = ["Separation", "TESTS", "agent_table", "separation"]
