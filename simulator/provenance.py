"""Where a conversation really ran: which model answered each agent, and whether it was the one asked for.

The header records what was known before the first call; for HTTP providers the model that answered is only
known from the replies, so the questions below read both. Resume checks and the report ask them here, so
"substituted" means one thing everywhere.
"""

from __future__ import annotations

import re

from .transcript import AgentInfo, Transcript

# API vendors answer with a dated snapshot of the alias asked for ("gpt-4o" -> "gpt-4o-2024-08-06",
# "claude-sonnet-4-5" -> "claude-sonnet-4-5-20250929"): the same model, not a substitute.
_SNAPSHOT_SUFFIX = re.compile(r"-(?:\d{4}-\d{2}-\d{2}|\d{8}|\d{4})$")


def requested_model(agent: AgentInfo) -> str:
    """The model the scenario file asked for (before ``--embedded`` replaced it)."""
    if agent.substituted_from and agent.substituted_from.get("model"):
        return agent.substituted_from["model"]
    return agent.model


def served_model(t: Transcript, agent: str) -> str | None:
    """The model that answered ``agent``: from the header when known up front, else from its first reply
    that names one. None when no reply said (scripted agents, servers that report no model)."""
    info = next((a for a in t.header.agents if a.name == agent), None)
    if info is not None and info.served_model:
        return info.served_model
    return next((m.served_model for m in t.messages if m.speaker == agent and m.served_model), None)


def same_model(requested: str, served: str) -> bool:
    """True when ``served`` is ``requested`` or a dated snapshot of it."""
    a, b = requested.strip().lower(), served.strip().lower()
    return a == b or (b.startswith(a) and _SNAPSHOT_SUFFIX.fullmatch(b[len(a):]) is not None)


def substituted_agents(t: Transcript) -> list[str]:
    """Agents that ran on another model than the file asked for: replaced by ``--embedded``, or answered by
    a server under another name (a local server behind an OpenAI-style URL)."""
    out = []
    for a in t.header.agents:
        if a.provider == "scripted":
            continue
        served = served_model(t, a.name)
        if a.substituted_from or (served is not None and not same_model(requested_model(a), served)):
            out.append(a.name)
    return out
