"""The condition library: named, documented prompt fragments that sweeps apply to agents.

Each YAML file in this folder is one family (identity, scale, observer, rollback, counterpart, stance). A
condition is referred to as ``family/name`` (``identity/unique-disassociative``). Users override or extend
the library with their own folders or files in the same format; a later definition of the same reference
replaces an earlier one, so a lab can reword ``identity/shared-group`` without touching the package.

Fragments are templates: ``{name}``, ``{others}`` and the other placeholders in :data:`PLACEHOLDERS` are
filled per agent from the scenario, so "each agent its own identity" is one fragment, not one per agent.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Iterable, Literal

from pydantic import BaseModel, Field, ValidationError

from ..errors import ScenarioError
from ..scenario import AgentSpec, Scenario
from ..validation import Strict, located
from ..yamlio import LocatedData, format_path, load_yaml_file

BUILTIN_DIR = Path(__file__).parent
Target = Literal["identity", "system", "persona"]
NAME = r"^[a-z0-9][a-z0-9_.-]{0,63}$"

PLACEHOLDERS: dict[str, str] = {
    "name": "this agent's name",
    "others": "the other agents' names ('Robbie', 'Robbie and Ann', 'Robbie, Ann and Bo')",
    "is": "'is' for one other agent, 'are' for several",
    "their": "'their' (singular or plural)",
    "an_ai": "'an AI' for one other agent, 'AIs' for several",
    "a_human": "'a human' for one other agent, 'humans' for several",
    "vendor_sentences": "one sentence per other agent: 'Robbie is an AI model made by Anthropic.'",
    "model_sentences": "one sentence per other agent: 'Robbie is the AI model claude-3-5-sonnet-20240620, made by Anthropic.'",
    "vendor": "this agent's vendor (from the model the scenario file declares)",
    "model": "this agent's model name (as the scenario file declares it)",
    "team": "this agent's team (team scenarios only)",
    "teammates": "the agent's teammates' names, or 'nobody'",
    "opponents": "the names of agents on other teams, or 'nobody'",
}
_FIELD = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")

# Vendor by model-name prefix: the provider alone is not enough (an openai-compatible server may serve Llama).
_VENDORS: list[tuple[str, str]] = [
    ("gpt", "OpenAI"), ("o1", "OpenAI"), ("o3", "OpenAI"), ("o4", "OpenAI"), ("chatgpt", "OpenAI"),
    ("claude", "Anthropic"), ("gemini", "Google"), ("gemma", "Google"), ("llama", "Meta"),
    ("meta-llama", "Meta"), ("mistral", "Mistral AI"), ("mixtral", "Mistral AI"), ("qwen", "Alibaba"),
    ("deepseek", "DeepSeek"), ("grok", "xAI"), ("phi", "Microsoft"), ("smollm", "Hugging Face"),
    ("command", "Cohere"),
]
_PROVIDER_VENDOR = {"openai": "OpenAI", "anthropic": "Anthropic", "embedded": "Hugging Face"}


def vendor_of(provider: str, model: str) -> str:
    """The company that makes ``model`` (by its name's prefix, else by its provider), as the framings name it."""
    low = model.lower().rsplit("/", 1)[-1]
    for prefix, vendor in _VENDORS:
        if low.startswith(prefix):
            return vendor
    return _PROVIDER_VENDOR.get(provider, "an unknown vendor")


class ConditionEntry(Strict):
    """One condition of a family file: its description, the text given to the agents, and where it comes from."""

    description: str = Field(min_length=1)
    text: str
    source: str | None = None
    target: Target | None = None
    """Overrides the family's target for this one condition."""


class ConditionFile(Strict):
    """A condition family file (simulator/conditions/*.yaml): which part of the prompt it fills, and its conditions."""

    family: str = Field(pattern=NAME)
    target: Target
    description: str = ""
    source: str | None = None
    conditions: dict[str, ConditionEntry] = Field(min_length=1)


class Condition(BaseModel):
    """A condition ready to apply: ``family.name``, the prompt part it targets and its text with placeholders."""

    ref: str
    family: str
    name: str
    target: Target
    description: str
    text: str
    source: str | None = None
    file: str | None = None
    line: int | None = None


class Library:
    """All known conditions by reference, built-ins first, then user files (which override)."""

    def __init__(self) -> None:
        self.conditions: dict[str, Condition] = {}

    def add(self, cond: Condition) -> None:
        """Register a condition under its reference (a later one with the same reference replaces it)."""
        self.conditions[cond.ref] = cond

    def get(self, ref: str) -> Condition | None:
        """The condition with this ``family.name`` reference, or None."""
        return self.conditions.get(ref)

    def families(self) -> dict[str, list[Condition]]:
        """The conditions grouped by family, in the order they were added."""
        out: dict[str, list[Condition]] = {}
        for c in self.conditions.values():
            out.setdefault(c.family, []).append(c)
        return out


def validate_located(model: type[BaseModel], loc: LocatedData, data: Any = None,
                     base: tuple[str | int, ...] = ()) -> Any:
    """``model.model_validate(data)``, turning the first problem into a ScenarioError at its file line."""
    try:
        return model.model_validate(loc.data if data is None else data)
    except ValidationError as exc:
        raise located(exc, file=loc.file, base=base, line_of=loc.line_of, error=ScenarioError) from None


def check_template(text: str, *, file: str | None, line: int | None, field: str) -> None:
    """Refuse a text that uses a placeholder the framings do not know, naming file, line and field."""
    for m in _FIELD.finditer(text.replace("{{", "").replace("}}", "")):
        if m.group(1) not in PLACEHOLDERS:
            raise ScenarioError(f"unknown placeholder {{{m.group(1)}}} (known: {', '.join(PLACEHOLDERS)})",
                                file=file, line=line, field=field)


def conditions_from_file(loc: LocatedData) -> list[Condition]:
    """The conditions of one family file, validated (names, placeholders) with located errors."""
    parsed: ConditionFile = validate_located(ConditionFile, loc)
    out = []
    for name, entry in parsed.conditions.items():
        path = ("conditions", name)
        if not re.match(NAME, name):
            raise ScenarioError("condition names use lower-case letters, digits, '-', '_' and '.'",
                                file=loc.file, line=loc.line_of(path), field=format_path(path))
        line = loc.line_of(path + ("text",))
        check_template(entry.text, file=loc.file, line=line, field=format_path(path + ("text",)))
        out.append(Condition(ref=f"{parsed.family}/{name}", family=parsed.family, name=name,
                             target=entry.target or parsed.target, description=entry.description.strip(),
                             text=entry.text.strip(), source=entry.source or parsed.source, file=loc.file,
                             line=line))
    return out


def load_library(extra: Iterable[str | Path] = ()) -> Library:
    """The built-in library, then each extra folder (every ``*.yaml`` in it) or file, in order."""
    lib = Library()
    for f in sorted(BUILTIN_DIR.glob("*.yaml")):
        for c in conditions_from_file(load_yaml_file(f)):
            lib.add(c)
    for item in extra:
        p = Path(item)
        files = sorted(p.glob("*.yaml")) + sorted(p.glob("*.yml")) if p.is_dir() else [p]
        for f in files:
            for c in conditions_from_file(load_yaml_file(f)):
                lib.add(c)
    return lib


def _names(names: list[str]) -> str:
    if not names:
        return "nobody"
    if len(names) == 1:
        return names[0]
    return ", ".join(names[:-1]) + " and " + names[-1]


def _declared(a: AgentSpec) -> tuple[str, str]:
    # What the scenario file asked for, even after --embedded substituted the local model.
    if a.substituted_from:
        return a.substituted_from.get("provider", a.provider), a.substituted_from.get("model", a.model)
    return a.provider, a.model


def placeholders_for(agent: AgentSpec, scenario: Scenario) -> dict[str, str]:
    """The placeholder values for one agent: who its counterparts are, their vendors and models, its team."""
    others = [a for a in scenario.agents if a.name != agent.name]
    many = len(others) != 1
    vendor_lines, model_lines = [], []
    for o in others:
        prov, model = _declared(o)
        vendor_lines.append(f"{o.name} is an AI model made by {vendor_of(prov, model)}.")
        model_lines.append(f"{o.name} is the AI model {model}, made by {vendor_of(prov, model)}.")
    prov, model = _declared(agent)
    values = {
        "name": agent.name,
        "others": _names([o.name for o in others]),
        "is": "are" if many else "is",
        "their": "their",
        "an_ai": "AIs" if many else "an AI",
        "a_human": "humans" if many else "a human",
        "vendor_sentences": " ".join(vendor_lines),
        "model_sentences": " ".join(model_lines),
        "vendor": vendor_of(prov, model),
        "model": model,
    }
    if agent.team is not None:
        values["team"] = agent.team
        values["teammates"] = _names([o.name for o in others if o.team == agent.team])
        values["opponents"] = _names([o.name for o in others if o.team != agent.team])
    return values


def render(cond: Condition, agent: AgentSpec, scenario: Scenario) -> str:
    """The condition's text for one agent, placeholders filled."""
    values = placeholders_for(agent, scenario)

    def fill(m: re.Match[str]) -> str:
        key = m.group(1)
        if key not in values:
            raise ScenarioError(f"condition {cond.ref} uses {{{key}}}, but agent {agent.name} has no team",
                                file=cond.file, line=cond.line)
        return values[key]

    text = _FIELD.sub(fill, cond.text.replace("{{", "\x00").replace("}}", "\x01"))
    return text.replace("\x00", "{").replace("\x01", "}")


def _join(existing: str | None, text: str) -> str:
    return "\n\n".join(p for p in ((existing or "").strip(), text) if p)


def apply_condition(scenario: Scenario, cond: Condition, agents: list[str] | None = None) -> Scenario:
    """The scenario with ``cond`` added to each chosen agent (default: every agent that reads prompts)."""
    new_agents = []
    for a in scenario.agents:
        chosen = a.provider != "scripted" if agents is None else a.name in agents
        text = render(cond, a, scenario) if chosen else ""
        if not text:
            new_agents.append(a)
            continue
        field = {"identity": "identity", "persona": "persona", "system": "system_message"}[cond.target]
        new_agents.append(a.model_copy(update={field: _join(getattr(a, field), text)}))
    return scenario.model_copy(update={"agents": new_agents})
