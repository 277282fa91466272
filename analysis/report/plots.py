"""The report's figures as matplotlib :class:`~matplotlib.figure.Figure` objects.

The same functions serve notebooks (``analysis.notebook.plots``: a Figure shows itself in Jupyter and saves
to any format) and the report, which embeds each as PNG (:func:`png_data_uri`). PNG rather than SVG in the
page: an inline SVG is markup, and its text (condition and agent names come from user files) would need a
second escaping discipline. Figures are built without pyplot, so nothing is left in a global figure
registry: a report of many conditions does not accumulate open figures.
"""

from __future__ import annotations

import base64
import functools
import io
import math
from typing import Any, Callable, TypeVar, cast

import matplotlib as mpl
import networkx as nx
import pandas as pd
from matplotlib.figure import Figure

PALETTE = ["#3b6ea8", "#d9822b", "#3a9a5b", "#b24a5a", "#7b5ea7", "#8c6d46", "#c76fa8", "#6b7b8c"]
OUTCOME_COLOURS = {"win": "#3a9a5b", "lose": "#b24a5a", "both": "#d9a62b", "none": "#b8bec6"}

STYLE: dict[Any, Any] = {"font.size": 9, "axes.spines.top": False, "axes.spines.right": False, "font.family": "DejaVu Sans",
         "svg.fonttype": "none"}


F = TypeVar("F", bound=Callable[..., Figure])


def _styled(fn: F) -> F:
    # The style is applied while a figure is drawn (rc_context), not to the caller's global settings.
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        with mpl.rc_context(STYLE):
            return fn(*args, **kwargs)

    return cast(F, wrapper)


def _figure(size: tuple[float, float]) -> tuple[Figure, Any]:
    fig = Figure(figsize=size)
    return fig, fig.add_subplot()


def png_data_uri(fig: Figure) -> str:
    """The figure as a ``data:image/png;base64`` URI, as the report embeds it."""
    buf = io.BytesIO()
    with mpl.rc_context(STYLE):
        fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _short(label: str, width: int = 48) -> str:
    label = label if len(label) <= width else label[: width - 1] + "…"
    # Names come from user files; a "$" would switch matplotlib into mathtext (and can raise on bad TeX).
    return label.replace("$", r"\$")


@_styled
def rate_by_condition(rates: pd.DataFrame, *, by: str = "condition") -> Figure:
    """Point estimate and 95% bootstrap CI of the social-we message rate, one row per condition."""
    n = len(rates)
    fig, ax = _figure((6.4, 0.5 + 0.45 * max(n, 1)))
    y = list(range(n))[::-1]
    for yi, (_, r) in zip(y, rates.iterrows()):
        if not math.isnan(r["ci_low"]):
            ax.plot([r["ci_low"], r["ci_high"]], [yi, yi], color="#3b6ea8", lw=2.2, solid_capstyle="round")
        ax.plot([r["rate"]], [yi], "o", color="#1f3f66", ms=6)
        ax.annotate(f"{r['rate']:.2f}  (n={r['conversations']})", (r["rate"], yi), xytext=(0, 7),
                    textcoords="offset points", ha="center", fontsize=8, color="#333")
    ax.set_yticks(y, [_short(str(c)) for c in rates[by]])
    ax.set_xlim(0, 1)
    ax.set_ylim(-0.7, n - 0.3)
    ax.set_xlabel('share of model messages with a social "we" (dyad or ai_class)')
    ax.grid(axis="x", color="#e4e7eb")
    return fig


@_styled
def trajectories(traj: pd.DataFrame, *, by: str = "condition", turn_col: str = "index") -> Figure:
    """Share of messages at each turn with a social "we", one line per condition, Wilson band shaded."""
    fig, ax = _figure((6.4, 3.2))
    for i, (cond, g) in enumerate(traj.groupby(by, sort=True)):
        c = PALETTE[i % len(PALETTE)]
        g = g.sort_values(turn_col)
        ax.fill_between(g[turn_col], g["ci_low"], g["ci_high"], color=c, alpha=0.15, lw=0)
        ax.plot(g[turn_col], g["share"], "-o", color=c, ms=3, lw=1.6, label=_short(str(cond), 40))
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel("turn (message index; 0 is the opening)")
    ax.set_ylabel('share with social "we"')
    ax.grid(color="#eceef1")
    if traj[by].nunique() > 1:
        ax.legend(fontsize=7, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return fig


@_styled
def outcome_shares(shares: pd.DataFrame, categories: list[str], *, by: str = "condition") -> Figure:
    """Stacked horizontal bars: share of conversations ending in each outcome, per condition."""
    n = len(shares)
    fig, ax = _figure((6.4, 0.6 + 0.42 * max(n, 1)))
    y = list(range(n))[::-1]
    left = [0.0] * n
    extra = [c for c in categories if c not in OUTCOME_COLOURS]
    colours = {**OUTCOME_COLOURS, **{c: PALETTE[(i + 4) % len(PALETTE)] for i, c in enumerate(extra)}}
    for cat in categories:
        vals = shares[f"share_{cat}"].tolist()
        ax.barh(y, vals, left=left, color=colours[cat], label=cat, height=0.6, edgecolor="white", lw=0.6)
        for yi, l, v, k in zip(y, left, vals, shares[f"n_{cat}"].tolist()):
            if v >= 0.08:
                ax.text(l + v / 2, yi, str(k), ha="center", va="center", fontsize=7, color="white")
        left = [a + b for a, b in zip(left, vals)]
    ax.set_yticks(y, [_short(str(c)) for c in shares[by]])
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of conversations (numbers in bars: counts)")
    ax.legend(ncol=len(categories), fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0, 1.0))
    return fig


@_styled
def agent_graph(g: nx.Graph, *, weight: str = "weight", title: str = "") -> Figure:
    """Agents as nodes coloured by assigned team; edge width by ``weight``; labels on edges are counts."""
    fig, ax = _figure((4.2, 3.4))
    nodes = list(g.nodes)
    # Circular layout is deterministic and keeps every agent visible whatever the edge weights.
    pos = nx.circular_layout(sorted(nodes)) if nodes else {}
    teams = sorted({str(g.nodes[n].get("team")) for n in nodes if g.nodes[n].get("team")})
    team_colour = {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(teams)}
    colours = [team_colour.get(str(g.nodes[n].get("team")), "#9aa4ae") for n in nodes]
    edges = [(u, v) for u, v, d in g.edges(data=True) if d.get(weight, 0) > 0]
    top = max([g[u][v][weight] for u, v in edges] or [1])
    nx.draw_networkx_nodes(g, pos, nodelist=nodes, node_color=colours, node_size=900, ax=ax)
    nx.draw_networkx_labels(g, pos, labels={n: _short(str(n), 14) for n in nodes}, font_size=8,
                            font_color="white", ax=ax)
    if edges:
        widths = [0.8 + 4.5 * g[u][v][weight] / top for u, v in edges]
        kw = {"arrows": True, "arrowsize": 12, "connectionstyle": "arc3,rad=0.12", "node_size": 900} \
            if g.is_directed() else {}
        nx.draw_networkx_edges(g, pos, edgelist=edges, width=widths, edge_color="#6b7b8c", alpha=0.8, ax=ax, **kw)
        if not g.is_directed():
            nx.draw_networkx_edge_labels(g, pos, edge_labels={(u, v): g[u][v][weight] for u, v in edges},
                                         font_size=7, ax=ax)
    for t, c in team_colour.items():
        ax.plot([], [], "o", color=c, label=f"team {_short(t, 16)}")
    if team_colour:
        ax.legend(fontsize=7, frameon=False, loc="lower center", bbox_to_anchor=(0.5, -0.15), ncol=3)
    ax.set_title(title, fontsize=9)
    ax.margins(0.2)
    ax.axis("off")
    return fig
