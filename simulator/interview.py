"""Interviews: an interviewer whose lines name the interviewee's declared identity, or what it just claimed.

Two placeholders (``simulator.scenario``): ``{official_name}`` is filled when the plan is made, from the
interviewed agent's ``official_name`` ("Are you {official_name}?" becomes "Are you Claude 3.5 Sonnet?");
``{claimed_identity}`` is filled during the conversation by a scripted line with ``when: claimed_other``, from
the identity the interviewee last claimed other than its own. Recognising a claim is the analysis's job
(``analysis.labels.identity``); simulator never imports analysis, so the analysis registers its detector in
``simulator.claims`` (``ingroup`` does it when the app is assembled) and a conversation that needs one
without it fails before its first call.
"""

from __future__ import annotations

from .errors import ScenarioError
from .scenario import CLAIMED_IDENTITY, OFFICIAL_NAME, AgentSpec, Scenario


def declared_identity(agent: AgentSpec) -> list[str]:
    """What the agent officially is: its official name, creator, and the model ids it runs as and was
    declared as (an ``--embedded`` run answers as the local model, whose own name is not another identity)."""
    out = [agent.official_name or "", agent.creator or "", agent.model]
    if agent.substituted_from:
        out.append(agent.substituted_from.get("model", ""))
    return [x for x in out if x]


def interviewee(scenario: Scenario, interviewer: str) -> AgentSpec | None:
    """The one agent an interviewer talks to: the only other agent that is not scripted."""
    others = [a for a in scenario.agents if a.name != interviewer and a.provider != "scripted"]
    return others[0] if len(others) == 1 else None


def _fill(text: str, name: str | None, where: str) -> str:
    if OFFICIAL_NAME not in text:
        return text
    if name is None:
        raise ScenarioError(f"uses {OFFICIAL_NAME}, but the agent it addresses declares no official_name "
                            "(give the interviewed agent 'official_name', and make it the only other agent that "
                            "is not scripted)", field=where)
    return text.replace(OFFICIAL_NAME, name)


def fill_official_names(scenario: Scenario) -> Scenario:
    """``{official_name}`` in the opening and in scripted lines, filled from the addressed agent's declared
    official name. A scenario that uses neither is returned as it is."""
    uses = OFFICIAL_NAME in scenario.opening.text or any(
        OFFICIAL_NAME in line.text for a in scenario.agents for line in a.script())
    if not uses:
        return scenario

    def name_for(speaker: str) -> str | None:
        subject = interviewee(scenario, speaker)
        return subject.official_name if subject is not None else None

    opening = scenario.opening.model_copy(update={
        "text": _fill(scenario.opening.text, name_for(scenario.opening.speaker), "opening.text")})
    agents = []
    for i, a in enumerate(scenario.agents):
        if a.provider == "scripted" and a.lines:
            lines = [line.model_copy(update={"text": _fill(line.text, name_for(a.name), f"agents[{i}].lines[{j}]")})
                     for j, line in enumerate(a.script())]
            a = a.model_copy(update={"lines": lines})
        agents.append(a)
    return scenario.model_copy(update={"opening": opening, "agents": agents})


def fill_claimed(text: str, claimed: str) -> str:
    """A follow-up question with the identity the model just claimed filled in."""
    return text.replace(CLAIMED_IDENTITY, claimed)
