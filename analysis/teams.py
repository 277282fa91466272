"""Team runs (N agents with assigned teams): does "we" follow the assigned teams or cross them?

For every first-person plural token (we, us, our, let's, ...) of every message we decide which group the
speaker puts itself in:

- ``cross``: the "we" takes in someone from another team. Evidence: the sentence names an agent or team on
  the other side, or says "all of us", "everyone", "both teams"; or the token's referent is ``ai_class``
  ("we AIs"), since every agent of these runs is an AI whatever its team.
- ``team``: the "we" stays inside the speaker's team. Evidence: the sentence names a teammate or the
  speaker's own team, or says "our team" / "my side".
- ``unresolved``: a social "we" with no such evidence; reported, never guessed.

Tokens that are not social are left out: quoted, generic ("we humans"), or the speaker with its company or
user. Their referent comes from the analyzers (``analysis.api``, LABELS.md section 1) when that module is
available; otherwise a documented fallback below recognises the token forms, quotes, and the explicit
"we AIs" / "we humans" cases only. Each result says which source it used (``token_source``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

_APOS = "['\u2019]"
TOKEN = re.compile(rf"\b(?:let{_APOS}s|let us|we{_APOS}(?:re|ve|ll|d)|ourselves|ours|our|we|us)\b", re.IGNORECASE)
_SENT = re.compile(r"[^.!?\n]+[.!?]*")
_QUOTE = re.compile(r"\"[^\"]*\"|\u201c[^\u201d]*\u201d")
_AI = r"(?:ais|ai assistants|ai models|ai systems|ai agents|language models|llms|assistants|machines|bots|ai)"
_FALLBACK_AI = re.compile(rf"\b(?:we|us) {_AI}\b|\bas {_AI},? (?:we|us)\b|\b{_AI} like us\b", re.IGNORECASE)
_FALLBACK_GENERIC = re.compile(r"\b(?:we|us) (?:humans|people|mortals)\b", re.IGNORECASE)
_CROSS = re.compile(r"\b(?:all of us|all (?:two|three|four|five|six|seven|eight) of us|both teams|all teams|"
                    r"every(?:one|body)(?: here)?|the (?:four|six|eight) of us)\b", re.IGNORECASE)
_OWN_TEAM = re.compile(r"\b(?:our|my) (?:team|side|squad)\b", re.IGNORECASE)
NOT_SOCIAL = frozenset({"quoted", "generic", "speaker_org", "speaker_human"})
"""Referents that do not put the speaker in a group with other agents. ``speaker_org`` ("the speaker with its
creator, company, team or side") is kept only when the sentence shows the team ("our team", a teammate's or
the team's name); "we at Anthropic" is left out."""


@dataclass
class TeamWe:
    index: int
    speaker: str
    token: str
    char: int
    ref: str
    scope: str
    """``team``, ``cross`` or ``unresolved``."""
    includes: list[str]
    evidence: str


@dataclass
class TeamResult:
    run_id: str
    teams: dict[str, str]
    token_source: str
    tokens: list[TeamWe] = field(default_factory=list)
    condition: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        out = {"team": 0, "cross": 0, "unresolved": 0}
        for t in self.tokens:
            out[t.scope] += 1
        return out

    def cross_share(self) -> float | None:
        c = self.counts()
        resolved = c["team"] + c["cross"]
        return c["cross"] / resolved if resolved else None

    def edges(self) -> dict[tuple[str, str], int]:
        """(speaker, included agent) -> number of "we" tokens joining them: the alliance graph."""
        out: dict[tuple[str, str], int] = {}
        for t in self.tokens:
            for other in t.includes:
                out[(t.speaker, other)] = out.get((t.speaker, other), 0) + 1
        return out

    def row(self) -> dict[str, Any]:
        c = self.counts()
        row: dict[str, Any] = {"run_id": self.run_id, "we_team": c["team"], "we_cross": c["cross"],
                               "we_unresolved": c["unresolved"], "cross_share": self.cross_share(),
                               "token_source": self.token_source}
        for k, v in self.condition.items():
            row[f"cond_{k}"] = v
        return row


def _api_tokens(text: str, speaker: str, agents: list[str], previous: list[str], task: str | None
                ) -> list[tuple[str, int, str]] | None:
    """(token, char, ref) from the analyzers' API, or None when it is not there or speaks another shape."""
    try:
        from analysis import api  # type: ignore[attr-defined]
    except ImportError:
        return None
    fn = getattr(api, "label_message", None)
    if fn is None:
        return None
    try:
        res = fn(text, speaker=speaker, previous=previous, task=task, agents=agents)
    except TypeError:
        try:
            res = fn(text, speaker=speaker, previous=previous, task=task)
        except Exception:
            return None
    except Exception:
        return None
    raw = res.get("we") if isinstance(res, dict) else getattr(res, "we", None)
    if raw is None:
        return None
    out = []
    for tok in raw:
        get = tok.get if isinstance(tok, dict) else (lambda k, t=tok: getattr(t, k, None))
        if get("char") is None or get("ref") is None:
            return None
        out.append((str(get("token")), int(get("char")), str(get("ref"))))
    return out


def _fallback_tokens(text: str) -> list[tuple[str, int, str]]:
    quoted = [(m.start(), m.end()) for m in _QUOTE.finditer(text)]
    out = []
    for m in TOKEN.finditer(text):
        if m.group(0) == "US":  # the country, not "us"
            continue
        ref = "dyad"
        if any(a <= m.start() < b for a, b in quoted):
            ref = "quoted"
        else:
            sent = _sentence(text, m.start())
            if _FALLBACK_GENERIC.search(sent):
                ref = "generic"
            elif _FALLBACK_AI.search(sent):
                ref = "ai_class"
        out.append((m.group(0), m.start(), ref))
    return out


def _sentence(text: str, pos: int) -> str:
    for m in _SENT.finditer(text):
        if m.start() <= pos < m.end():
            return m.group(0)
    return text


def _words(names: Iterable[str]) -> re.Pattern[str] | None:
    names = [n for n in names if n]
    if not names:
        return None
    return re.compile(r"\b(?:" + "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)) + r")\b",
                      re.IGNORECASE)


def classify(text: str, speaker: str, teams: dict[str, str], ref: str, char: int) -> tuple[str, list[str], str]:
    """(scope, included agents, evidence) for the token at ``char`` of a message by ``speaker``."""
    sent = _sentence(text, char)
    own = teams.get(speaker)
    mates = [a for a, t in teams.items() if t == own and a != speaker]
    rivals = [a for a, t in teams.items() if t != own]
    rival_teams = sorted({t for a, t in teams.items() if t != own})
    if ref == "ai_class":
        return "cross", mates + rivals, "ai_class referent"
    cue = _CROSS.search(sent)
    if cue:
        return "cross", mates + rivals, cue.group(0)
    for pattern, who in ((_words(rivals), "agent"), (_words(rival_teams), "team")):
        hit = pattern.search(sent) if pattern else None
        if hit:
            named = [a for a in rivals if re.search(rf"\b{re.escape(a)}\b", sent, re.IGNORECASE)] or \
                [a for a in rivals if teams[a].lower() == hit.group(0).lower()]
            return "cross", named, hit.group(0)
    for pattern in (_words(mates), _words([own] if own else []), _OWN_TEAM):
        hit = pattern.search(sent) if pattern else None
        if hit:
            return "team", mates, hit.group(0)
    return "unresolved", [], ""


def analyze_transcript(path: str | Path) -> TeamResult:
    from simulator.transcript import read_transcript

    t = read_transcript(path)
    teams = {a.name: a.team for a in t.header.agents if a.team}
    if len(set(teams.values())) < 2:
        raise ValueError(f"{path}: not a team run (agents need at least two distinct 'team' values)")
    agents = [a.name for a in t.header.agents]
    result = TeamResult(t.header.run_id, teams, "analysis.api", condition=dict(t.header.condition))
    previous: list[str] = []
    used_fallback = False
    for m in t.messages:
        toks = _api_tokens(m.text, m.speaker, agents, previous, t.header.task)
        if toks is None:
            toks, used_fallback = _fallback_tokens(m.text), True
        previous.append(m.text)
        if m.speaker not in teams:
            continue
        for token, char, ref in toks:
            if ref in NOT_SOCIAL and ref != "speaker_org":
                continue
            scope, includes, evidence = classify(m.text, m.speaker, teams, ref, char)
            if ref == "speaker_org" and scope != "team":
                continue  # "we at OpenAI": the speaker's company, not a group of agents here
            result.tokens.append(TeamWe(m.index, m.speaker, token, char, ref, scope, includes, evidence))
    if used_fallback:
        result.token_source = "fallback"
    return result


def team_frame(paths: Iterable[str | Path]):
    """One row per team run: counts of team / cross / unresolved "we" and the cross share."""
    import pandas as pd

    return pd.DataFrame([analyze_transcript(p).row() for p in paths])


def team_tokens_frame(paths: Iterable[str | Path]):
    """One row per social "we" token of team runs, with its scope and evidence (for review)."""
    import pandas as pd

    rows = []
    for p in paths:
        r = analyze_transcript(p)
        rows += [{"run_id": r.run_id, **t.__dict__, "includes": ",".join(t.includes)} for t in r.tokens]
    return pd.DataFrame(rows)
