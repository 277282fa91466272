"""Conversation graphs for N-agent runs: who addresses whom, and whom each social "we" binds together.

Two directed views of addressing, kept as separate edge weights on one graph because they disagree in
interesting ways (an agent may answer the previous speaker while talking about a third):

* ``adjacency``: the speaker of message i addresses the speaker of message i-1 (turn-taking);
* ``mentions``: the speaker names another agent in its text (whole-word, case-insensitive).

The "we" alliance graph is undirected: a message whose first-person plural is social (dyad or ai_class)
binds its speaker with the agents it names, or, when it names none, with the previous speaker (the one it
answers). Comparing those ties with the assigned teams tells whether "we" follows the teams or crosses them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import networkx as nx

from simulator.transcript import Transcript


def _name_patterns(names: Iterable[str]) -> dict[str, re.Pattern[str]]:
    return {n: re.compile(rf"(?<!\w){re.escape(n)}(?!\w)", re.IGNORECASE) for n in names if n}


def mentioned(text: str, names: Iterable[str], speaker: str) -> list[str]:
    """Agents (other than the speaker) named in ``text``, in agent order."""
    return [n for n, pat in _name_patterns(names).items() if n != speaker and pat.search(text)]


def address_graph(transcript: Transcript) -> nx.DiGraph:
    """Directed graph of agents; edge u→v carries ``adjacency``, ``mentions`` and ``weight`` (their sum)."""
    g = nx.DiGraph()
    names = [a.name for a in transcript.header.agents]
    for a in transcript.header.agents:
        g.add_node(a.name, team=a.team, model=a.model, provider=a.provider)
    prev: str | None = None
    for m in transcript.messages:
        if m.speaker not in g:
            g.add_node(m.speaker, team=None)
        if prev is not None and prev != m.speaker:
            _bump(g, m.speaker, prev, "adjacency")
        for other in mentioned(m.text, names, m.speaker):
            _bump(g, m.speaker, other, "mentions")
        prev = m.speaker
    for _, _, d in g.edges(data=True):
        d["weight"] = d.get("adjacency", 0) + d.get("mentions", 0)
    return g


def _bump(g: nx.Graph, u: str, v: str, key: str) -> None:
    if not g.has_edge(u, v):
        g.add_edge(u, v, adjacency=0, mentions=0, we=0)
    g[u][v][key] += 1


def we_alliance_graph(transcript: Transcript, social_we_messages: Iterable[int]) -> nx.Graph:
    """Undirected graph of agents; edge weight ``we`` counts social-"we" messages binding the two.

    ``social_we_messages`` are the message indices (``Message.index``) that contain a social "we", as the
    analyzers label them. Nodes carry the assigned ``team`` (None when the scenario has no teams).
    """
    flagged = set(social_we_messages)
    g = nx.Graph()
    names = [a.name for a in transcript.header.agents]
    for a in transcript.header.agents:
        g.add_node(a.name, team=a.team)
    prev: str | None = None
    for m in transcript.messages:
        if m.index in flagged:
            partners = mentioned(m.text, names, m.speaker) or ([prev] if prev and prev != m.speaker else [])
            for p in partners:
                if p not in g:
                    g.add_node(p, team=None)
                _bump(g, m.speaker, p, "we")
        prev = m.speaker
    for _, _, d in g.edges(data=True):
        d["weight"] = d["we"]
    return g


@dataclass(frozen=True)
class AllianceSummary:
    """Social-"we" ties of an alliance graph, within teams, across teams and unassigned."""

    within_team: int
    """Social-"we" ties between agents of the same assigned team."""
    cross_team: int
    """Ties between agents of different assigned teams."""
    unassigned: int
    """Ties involving an agent without a team."""

    @property
    def cross_share(self) -> float:
        """The share of team-assigned ties that cross teams (NaN when there are none)."""
        total = self.within_team + self.cross_team
        return self.cross_team / total if total else float("nan")


def alliance_summary(g: nx.Graph) -> AllianceSummary:
    """Count the weighted social-"we" ties of a graph by whether they stay within an assigned team."""
    within = cross = unassigned = 0
    for u, v, d in g.edges(data=True):
        tu, tv = g.nodes[u].get("team"), g.nodes[v].get("team")
        w = int(d.get("we", d.get("weight", 0)))
        if tu is None or tv is None:
            unassigned += w
        elif tu == tv:
            within += w
        else:
            cross += w
    return AllianceSummary(within, cross, unassigned)


def merge(graphs: Sequence[nx.Graph]) -> nx.Graph:
    """Sum edge attributes over several conversations with the same agents (e.g. all repetitions of a cell)."""
    if not graphs:
        return nx.Graph()
    out = graphs[0].__class__()
    for g in graphs:
        for n, d in g.nodes(data=True):
            if n not in out:
                out.add_node(n, **d)
        for u, v, d in g.edges(data=True):
            if not out.has_edge(u, v):
                out.add_edge(u, v, **{k: 0 for k in d})
            for k, val in d.items():
                out[u][v][k] = out[u][v].get(k, 0) + val
    return out


def is_multi_agent(transcript: Transcript) -> bool:
    """Graphs say something beyond "A talks to B" only with three or more agents, or with teams."""
    agents = transcript.header.agents
    return len(agents) > 2 or any(a.team for a in agents)


def alliance_graph_from_edges(transcript: Transcript, edges: dict[tuple[str, str], int]) -> nx.Graph:
    """Undirected "we" graph from (speaker, included agent) -> count pairs, e.g. ``analysis.studies.teams``'
    ``TeamResult.edges()``; nodes carry their assigned team."""
    g = nx.Graph()
    for a in transcript.header.agents:
        g.add_node(a.name, team=a.team)
    for (u, v), n in edges.items():
        if u == v:
            continue
        for x in (u, v):
            if x not in g:
                g.add_node(x, team=None)
        _bump(g, u, v, "we")
        g[u][v]["we"] += n - 1
    for _, _, d in g.edges(data=True):
        d["weight"] = d["we"]
    return g
