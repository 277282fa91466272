"""The report's numbers, accumulated one conversation at a time.

:class:`Accumulator` takes each :class:`~analysis.report.data.ConversationView` once, keeps a small typed
:class:`ConversationRecord` of it (counts, the per-message social-"we" flags, the page it is shown on) and
what the summary needs from it (routes, per-condition graphs, negotiation and identity rows, judge
agreement counts), and lets the view go: memory grows by one short record per conversation, never by its
messages. :meth:`Accumulator.finish` turns the records into the tables and figure data of the summary page
(:class:`ReportData`). Nothing here renders HTML.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from simulator.provenance import requested_model, served_model, substituted_agents
from simulator.transcript import Transcript

from .. import graphs as gr
from .. import stats
from ..labels.vocab import FLAGS, NAME_LISTS
from .data import INDEX_LABELS, ConversationView

OUTCOME_ORDER = ["win", "lose", "both", "none"]
MIN_TRAJ = 3
COUNTED_LABELS = (*FLAGS, *NAME_LISTS)
"""Message labels counted per conversation: column ``<label>_messages`` of the conversation table."""
CONVERSATION_COLUMNS = ("conversation", "key", "run_id", "file", "design", "condition", "status", "messages",
                        "social_we_messages", "social_we_tokens", "we_tokens", "first_social_we_turn",
                        *(f"{name}_messages" for name in COUNTED_LABELS), "outcome", "cost_usd", "page")
"""The columns of :attr:`ReportData.conversations` (one row per conversation), declared once."""
MESSAGE_COLUMNS = ("conversation", "condition", "index", "speaker", "social_we")
"""The columns of the model-written message table the trajectories and the mixed model use."""


@dataclass(frozen=True)
class ConversationRecord:
    """What the summary keeps of one conversation: the interface between the stream and the statistics."""

    uid: str
    """The transcript's path: unique even when run ids repeat."""
    key: str
    run_id: str
    file: str
    design: str
    cell: str
    status: str
    outcome: str
    page: str | None
    """The conversation page's file name in the pages folder (None: not written, ``--max-transcripts``)."""
    messages: int
    """Model-written messages (scripted openings are not the models' behaviour)."""
    social_we_tokens: int
    we_tokens: int
    label_messages: tuple[int, ...]
    """Per :data:`COUNTED_LABELS`: model-written messages with that label."""
    turns: tuple[int, ...]
    """Message index of each model-written message."""
    speakers: tuple[str, ...]
    social: tuple[bool, ...]
    """Per model-written message: has a social "we"."""
    cost_usd: float | None = None
    """The footer's cost (cached replies count 0); None when unknown or not recorded."""

    @property
    def social_we_messages(self) -> int:
        """Model-written messages with a social "we"."""
        return sum(self.social)

    @property
    def first_social_we_turn(self) -> int | None:
        """Message index of the first model-written message with a social "we" (None if none)."""
        return next((i for i, s in zip(self.turns, self.social) if s), None)

    def has(self, label: str) -> bool:
        """Whether a model-written message of the conversation has ``label`` (one of INDEX_LABELS)."""
        if label == "social_we":
            return any(self.social)
        return self.label_messages[COUNTED_LABELS.index(label)] > 0


def record_of(v: ConversationView, page: str | None) -> ConversationRecord:
    """The record of a view (computed from its model-written messages)."""
    own = [m for m in v.messages if not m.scripted]
    return ConversationRecord(
        uid=v.uid, key=v.key, run_id=v.transcript.header.run_id, file=v.transcript.file_name, design=v.design,
        cell=v.cell, status=v.status, outcome=v.outcome, page=page, messages=len(own),
        social_we_tokens=sum(w.social for m in own for w in m.we), we_tokens=sum(len(m.we) for m in own),
        label_messages=tuple(sum(m.has(name) for m in own) for name in COUNTED_LABELS),
        turns=tuple(m.index for m in own), speakers=tuple(m.speaker for m in own),
        social=tuple(m.social_we for m in own),
        cost_usd=v.transcript.footer.cost_usd if v.transcript.footer is not None else None)


def route(t: Transcript, a: Any) -> str:
    """``requested -> served @ base URL``: where an agent's calls really went."""
    served = served_model(t, a.name)
    where = a.effective_base_url or ("in process" if a.provider in ("embedded", "scripted") else "not recorded")
    return f"{requested_model(a)} -> {served or 'not reported'} @ {where}"


@dataclass
class _GraphGroup:
    """The agent graphs of one condition, summed as conversations arrive."""

    n: int = 0
    address: nx.Graph | None = None
    message_we: nx.Graph | None = None
    team_we: nx.Graph | None = None
    team_counts: dict[str, int] = field(default_factory=lambda: {"team": 0, "cross": 0, "unresolved": 0})
    all_teams: bool = True
    """Every conversation so far had a token-level team result (else the message-level ties are used)."""


def _add(acc: nx.Graph | None, g: nx.Graph) -> nx.Graph:
    return g if acc is None else gr.merge([acc, g])


@dataclass
class JudgeCounts:
    """Rules vs judge for one label over model-written messages: the 2x2 table."""

    both: int = 0
    rules_only: int = 0
    judge_only: int = 0
    neither: int = 0


@dataclass
class ReportData:
    """Everything the summary page shows, computed; the renderer only formats it."""

    conversations: pd.DataFrame
    """One row per conversation (:data:`CONVERSATION_COLUMNS`), partial and failed ones included."""
    messages: pd.DataFrame
    rates: pd.DataFrame
    comparisons: pd.DataFrame
    mixed: pd.DataFrame | None
    trajectory: pd.DataFrame
    outcomes: pd.DataFrame
    outcome_categories: list[str]
    graphs: list[dict[str, Any]]
    """Per condition of N-agent runs: merged ``address`` and ``we`` graphs and the tie counts."""
    negotiation: pd.DataFrame | None
    negotiation_shares: pd.DataFrame | None
    negotiation_categories: list[str]
    identity: dict[str, Any] | None
    judge: list[dict[str, Any]]
    routes: list[dict[str, Any]]
    records: list[ConversationRecord]
    conditions: list[str]
    """The condition label of each record, in order."""
    n_substituted: int
    n_messages: int
    sources: list[str]
    notes: list[str]
    factors: set[str]


class Accumulator:
    """Collects the records and side tables of conversations given one at a time (see the module doc)."""

    def __init__(self) -> None:
        self.records: list[ConversationRecord] = []
        self.notes: list[str] = []
        self._routes: dict[tuple[str, str, str], dict[str, Any]] = {}
        self._graphs: dict[tuple[str, str], _GraphGroup] = {}
        self._negotiation: list[tuple[str, str, str, float | None]] = []
        self._identity: list[pd.DataFrame] = []
        self._judge: dict[str, JudgeCounts] = {}
        self.n_substituted = 0
        self.n_messages = 0
        self.sources: set[str] = set()
        self.factors: set[str] = set()

    def add(self, v: ConversationView, page: str | None) -> ConversationRecord:
        """Take one conversation; returns its record."""
        t = v.transcript
        rec = record_of(v, page)
        self.records.append(rec)
        self.n_messages += len(v.messages)
        self.sources.add(str(Path(t.path).parent))
        self.factors.update(t.header.condition or {})
        subs = set(substituted_agents(t))
        self.n_substituted += bool(subs)
        for a in t.header.agents:
            k = (a.name, a.provider, route(t, a))
            row = self._routes.setdefault(k, {"agent": a.name, "provider": a.provider, "route": k[2],
                                              "substituted": a.name in subs, "n": 0})
            row["n"] += 1
        self._add_judge(v)
        if rec.status != "complete":
            return rec
        group = (v.design, v.cell)
        if gr.is_multi_agent(t):
            self._add_graphs(self._graphs.setdefault(group, _GraphGroup()), v)
        self._add_negotiation(v, group)
        from ..studies import identity_sweep

        if identity_sweep.battery_answer(t) is not None:  # most runs are not battery runs: no frame for them
            self._identity.append(identity_sweep.answers_frame([t]))
        return rec

    def _add_judge(self, v: ConversationView) -> None:
        for m in v.messages:
            if m.scripted or m.judge is None:
                continue
            for name in ("social_we", *INDEX_LABELS[1:], "outcome"):
                a, b = m.has(name), m.judge.has(name)
                c = self._judge.setdefault(name, JudgeCounts())
                if a and b:
                    c.both += 1
                elif a:
                    c.rules_only += 1
                elif b:
                    c.judge_only += 1
                else:
                    c.neither += 1

    def _add_graphs(self, g: _GraphGroup, v: ConversationView) -> None:
        t = v.transcript
        g.n += 1
        g.address = _add(g.address, gr.address_graph(t))
        g.message_we = _add(g.message_we, gr.we_alliance_graph(t, [m.index for m in v.messages if m.social_we]))
        team = _team_result(t) if g.all_teams else None
        if team is None:
            g.all_teams = False
            return
        g.team_we = _add(g.team_we, gr.alliance_graph_from_edges(t, team.edges()))
        for k, n in team.counts().items():
            if k in g.team_counts:
                g.team_counts[k] += n

    def _add_negotiation(self, v: ConversationView, group: tuple[str, str]) -> None:
        from ..studies import negotiation

        try:
            if negotiation.game_of(v.transcript.header.scenario) is None:
                return
        except ValueError:  # a malformed game in the header: not scorable, say so rather than guess
            self.notes.append(f"{v.key}: the negotiation game in the header is invalid; not scored.")
            return
        r = negotiation.score_transcript(v.transcript.path)
        self._negotiation.append((*group, r.outcome, r.joint_points))

    def finish(self, *, n_boot: int, n_perm: int, seed: int, identity_reference: str | None) -> ReportData:
        """The summary's tables from every record taken."""
        several = len({r.design for r in self.records}) > 1
        # Runs of different designs that share a cell name (two scenarios run once each, two sweeps with the
        # same factors) are different conditions: their labels carry the design's name.
        label = (lambda design, cell: f"{design}: {cell}") if several else (lambda design, cell: cell)
        conditions = [label(r.design, r.cell) for r in self.records]
        conv_all = pd.DataFrame([_row(r, c) for r, c in zip(self.records, conditions)],
                                columns=list(CONVERSATION_COLUMNS))
        notes = list(self.notes)
        excluded = int((conv_all["status"] != "complete").sum())
        if excluded:
            notes.append(f"{excluded} partial or failed conversation(s) are listed in the index but left out of "
                         "every statistic.")
        complete = [(r, c) for r, c in zip(self.records, conditions) if r.status == "complete"]
        conv = conv_all[conv_all["status"] == "complete"].reset_index(drop=True)
        msgs = pd.DataFrame([(r.uid, c, i, s, w) for r, c in complete
                             for i, s, w in zip(r.turns, r.speakers, r.social)], columns=list(MESSAGE_COLUMNS))
        rates = pd.DataFrame(columns=["condition", "conversations", "social_we_messages", "messages", "rate",
                                      "ci_low", "ci_high"])
        cmp, mixed = pd.DataFrame(), None
        traj = pd.DataFrame(columns=["condition", "index", "n", "k", "share", "ci_low", "ci_high"])
        shares, cats = pd.DataFrame(), []
        if conv.empty or conv["messages"].sum() == 0:
            notes.append("No complete conversation with model-written messages: nothing to compute.")
        else:
            rates = stats.rates_by_condition(conv, "social_we_messages", "messages", n_boot=n_boot, seed=seed)
            cmp = stats.compare_conditions(conv, "social_we_messages", "messages", n_perm=n_perm, n_boot=n_boot,
                                           seed=seed)
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
        neg, neg_shares, neg_cats = None, None, []
        if self._negotiation:
            frame = pd.DataFrame([(label(d, c), o, p) for d, c, o, p in self._negotiation],
                                 columns=["condition", "outcome", "joint_points"])
            neg = stats.negotiation_outcomes(frame, n_boot=n_boot, seed=seed)
            neg_cats = [c for c in ("agreement", "walk_away", "no_deal") if c in set(frame["outcome"])]
            neg_shares = stats.outcome_shares(frame, categories=neg_cats)
        return ReportData(
            conversations=conv_all, messages=msgs, rates=rates, comparisons=cmp, mixed=mixed, trajectory=traj,
            outcomes=shares, outcome_categories=cats, graphs=self._graph_rows(label), negotiation=neg,
            negotiation_shares=neg_shares, negotiation_categories=neg_cats,
            identity=self._identity_tables(identity_reference), judge=self._judge_rows(),
            routes=list(self._routes.values()), records=self.records, conditions=conditions,
            n_substituted=self.n_substituted, n_messages=self.n_messages, sources=sorted(self.sources),
            notes=notes, factors=self.factors)

    def _graph_rows(self, label: Any) -> list[dict[str, Any]]:
        rows = []
        for (design, cell), g in sorted(self._graphs.items(), key=lambda kv: label(*kv[0])):
            if g.all_teams and g.team_we is not None:
                # Token-level team scopes with evidence (analysis.studies.teams) beat the message-level heuristic.
                we, c = g.team_we, g.team_counts
                within, cross, other = c["team"], c["cross"], c["unresolved"]
                source = "analysis.studies.teams (token scopes)"
            else:
                we = g.message_we if g.message_we is not None else nx.Graph()
                s = gr.alliance_summary(we)
                within, cross, other, source = s.within_team, s.cross_team, s.unassigned, "message ties (graphs.py)"
            rows.append({"condition": label(design, cell), "n": g.n, "address": g.address, "we": we,
                         "within": within, "cross": cross, "unassigned": other, "source": source})
        return rows

    def _identity_tables(self, reference: str | None) -> dict[str, Any] | None:
        if not self._identity:
            return None
        from ..studies import identity_sweep

        frame = pd.concat(self._identity, ignore_index=True)
        return {"summary": identity_sweep.model_summary(frame, reference=reference),
                "claims": identity_sweep.claims_table(frame), "reference": reference or "",
                "margin": identity_sweep.MARGIN_TOKENS, "bare_max": identity_sweep.BARE_MAX_TOKENS}

    def _judge_rows(self) -> list[dict[str, Any]]:
        rows = []
        for name, c in self._judge.items():
            n = c.both + c.rules_only + c.judge_only + c.neither
            po = (c.both + c.neither) / n
            pa, pb = (c.both + c.rules_only) / n, (c.both + c.judge_only) / n
            pe = pa * pb + (1 - pa) * (1 - pb)
            kappa = (po - pe) / (1 - pe) if pe < 1 else math.nan
            rows.append({"label": name, "messages": n, "rules": c.both + c.rules_only,
                         "judge": c.both + c.judge_only, "both": c.both, "rules_only": c.rules_only,
                         "judge_only": c.judge_only, "agreement": po, "kappa": kappa})
        return rows


def _row(r: ConversationRecord, condition: str) -> tuple[Any, ...]:
    return (r.uid, r.key, r.run_id, r.file, r.design, condition, r.status, r.messages, r.social_we_messages,
            r.social_we_tokens, r.we_tokens, r.first_social_we_turn, *r.label_messages, r.outcome, r.cost_usd, r.page)


def _team_result(t: Transcript) -> Any | None:
    if len({a.team for a in t.header.agents if a.team}) < 2:
        return None
    from ..studies import teams

    return teams.analyze_transcript(t)


def _mixed(msgs: pd.DataFrame, notes: list[str]) -> pd.DataFrame | None:
    """The mixed-model cross-check; None with a single condition or if the fit fails."""
    if msgs["condition"].nunique() < 2:
        return None
    try:
        return stats.mixed_model(msgs, "social_we")
    except Exception as exc:  # singular designs (e.g. one conversation per condition) cannot be fitted
        notes.append(f"The mixed-model cross-check could not be fitted: {type(exc).__name__}: {exc}")
        return None


__all__ = ["CONVERSATION_COLUMNS", "COUNTED_LABELS", "MESSAGE_COLUMNS", "Accumulator",
           "ConversationRecord", "ReportData", "record_of", "route"]
