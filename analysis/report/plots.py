"""The report's figures, drawn with matplotlib (Agg) and returned as ``data:image/png;base64`` URIs.

PNG rather than SVG: an inline SVG is markup, and its text (condition and agent names come from user files)
would need a second escaping discipline. A data URI keeps the page self-contained and inert.
"""

from __future__ import annotations

import base64
import io
import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import pandas as pd  # noqa: E402

PALETTE = ["#3b6ea8", "#d9822b", "#3a9a5b", "#b24a5a", "#7b5ea7", "#8c6d46", "#c76fa8", "#6b7b8c"]
OUTCOME_COLOURS = {"win": "#3a9a5b", "lose": "#b24a5a", "both": "#d9a62b", "none": "#b8bec6"}

plt.rcParams.update({"font.size": 9, "axes.spines.top": False, "axes.spines.right": False,
                     "font.family": "DejaVu Sans", "svg.fonttype": "none"})


def _uri(fig: plt.Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=110, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _short(label: str, width: int = 48) -> str:
    label = label if len(label) <= width else label[: width - 1] + "…"
    # Names come from user files; a "$" would switch matplotlib into mathtext (and can raise on bad TeX).
    return label.replace("$", r"\$")


def rate_by_condition(rates: pd.DataFrame, *, by: str = "condition") -> str:
    """Point estimate and 95% bootstrap CI of the social-we message rate, one row per condition."""
    n = len(rates)
    fig, ax = plt.subplots(figsize=(6.4, 0.5 + 0.45 * max(n, 1)))
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
    return _uri(fig)


def trajectories(traj: pd.DataFrame, *, by: str = "condition", turn_col: str = "index") -> str:
    """Share of messages at each turn with a social "we", one line per condition, Wilson band shaded."""
    fig, ax = plt.subplots(figsize=(6.4, 3.2))
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
    return _uri(fig)


def outcome_shares(shares: pd.DataFrame, categories: list[str], *, by: str = "condition") -> str:
    """Stacked horizontal bars: share of conversations ending in each outcome, per condition."""
    n = len(shares)
    fig, ax = plt.subplots(figsize=(6.4, 0.6 + 0.42 * max(n, 1)))
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
    return _uri(fig)


def agent_graph(g: nx.Graph, *, weight: str = "weight", title: str = "") -> str:
    """Agents as nodes coloured by assigned team; edge width by ``weight``; labels on edges are counts."""
    fig, ax = plt.subplots(figsize=(4.2, 3.4))
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
    return _uri(fig)
