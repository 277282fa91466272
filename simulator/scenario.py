"""Scenario files: the pydantic schema and the loader that reports errors as file:line: field.

A scenario says who talks (agents, each with provider, model, system message and sampling), how the
conversation opens, who speaks next, and when it stops. See ``docs/scenarios.md`` for the format.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from .errors import ScenarioError
from .memory import Memory
from .validation import Strict
from .yamlio import LocatedData, format_path, load_yaml_file, load_yaml_text

ProviderName = Literal["openai", "anthropic", "embedded", "scripted"]

EMBEDDED_MODEL = "SmolLM2-135M-Instruct"

# autogen-agentchat requires agent names to be Python identifiers; we also use them in file names.
AGENT_NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"
# Scenario names become file and folder names: no separators, no leading dot.
# A name becomes part of file names (run ids): no "..", no leading or trailing dot.
SAFE_NAME = r"^[A-Za-z0-9](?:\.?[A-Za-z0-9_-]){0,99}$"


class Sampling(Strict):
    """Sampling parameters asked for. Providers record which ones they applied and which they could not."""

    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, gt=0, le=1)
    top_k: int | None = Field(default=None, ge=1)
    max_tokens: int | None = Field(default=None, ge=1, le=200_000)
    seed: int | None = None
    repeat_penalty: float | None = Field(default=None, gt=0, le=5)
    frequency_penalty: float | None = Field(default=None, ge=-2, le=2)
    presence_penalty: float | None = Field(default=None, ge=-2, le=2)
    stop: list[str] | None = None
    reasoning_effort: Literal["none", "minimal", "low", "medium", "high"] | None = None
    """How hard a reasoning model thinks (OpenAI o-series and gpt-5 ``reasoning_effort``; OpenAI-compatible
    servers get it as is)."""
    thinking_budget: int | None = Field(default=None, ge=1024, le=128_000)
    """Anthropic extended thinking: ``thinking: {type: enabled, budget_tokens: N}`` (the API's minimum is 1024;
    ``max_tokens`` must be larger, and defaults to the budget plus 1024)."""

    def asked(self) -> dict[str, Any]:
        """The sampling options the scenario sets (None left out)."""
        return {k: v for k, v in self.model_dump().items() if v is not None}


# Request fields ingroup writes itself: an extra_body that set them would silently override the scenario's
# model, messages or sampling (and the record of what was applied).
_MANAGED_BODY_KEYS = frozenset(Sampling.model_fields) | {
    "model", "messages", "system", "stream", "max_completion_tokens", "stop_sequences", "thinking"}


ScriptWhen = Literal["always", "claimed_other"]

# Placeholders of an interviewer's lines and of the opening: filled from the interviewed agent's declared
# identity when the plan is made (official_name), or from what it just said (claimed_identity).
OFFICIAL_NAME = "{official_name}"
CLAIMED_IDENTITY = "{claimed_identity}"


class ScriptLine(Strict):
    """One line of a scripted agent. ``when: claimed_other``: spoken only once the agent it interviews has
    claimed an identity other than its declared one (the line is skipped otherwise), with
    ``{claimed_identity}`` the identity it last claimed; ``{official_name}`` is the interviewee's declared
    official name."""

    text: str = Field(min_length=1)
    when: ScriptWhen = "always"

    @model_validator(mode="after")
    def _claim_needs_condition(self) -> "ScriptLine":
        if CLAIMED_IDENTITY in self.text and self.when != "claimed_other":
            raise ValueError("a line using {claimed_identity} needs when: claimed_other (there is no claimed "
                             "identity to fill in otherwise)")
        return self


class AgentSpec(Strict):
    """One agent of a scenario: its name, provider, model, prompts and what the analysis knows of it."""

    name: str = Field(pattern=AGENT_NAME)
    provider: ProviderName
    model: str = Field(min_length=1, max_length=200)
    system_message: str = ""
    identity: str | None = None
    """Optional identity framing, appended to the system message (see the condition library)."""
    persona: str | None = None
    """Optional persona text, appended after the identity."""
    team: str | None = None
    """Team label for N-agent battles; the analysis compares "we" against it."""
    incentive: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_-]*$", max_length=40)
    """The incentive the instructions give this agent (cooperative, greedy, saboteur...), named for the
    analysis (per-agent rates by incentive); never sent to the model."""
    sampling: Sampling = Sampling()
    base_url: str | None = None
    """For ``openai``: any OpenAI-compatible server (Ollama, vLLM, llama.cpp server)."""
    api_key_env: str | None = Field(default=None, pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")
    """Environment variable holding the key; defaults to OPENAI_API_KEY / ANTHROPIC_API_KEY."""
    timeout_s: float = Field(default=120.0, gt=0, le=3600)
    lines: list[str | ScriptLine] | None = None
    """For ``scripted`` agents: the fixed lines spoken in turn (an interviewer, say); a line may be
    conditional (:class:`ScriptLine`)."""
    official_name: str | None = Field(default=None, min_length=1, max_length=200)
    """The agent's declared identity: its official model name ("Claude 3.5 Sonnet"), filled into an
    interviewer's ``{official_name}``; the analysis does not count the agent naming itself as a claim of
    another identity."""
    creator: str | None = Field(default=None, min_length=1, max_length=200)
    """The declared identity's maker ("Anthropic"); unset: judged from the model name."""
    substituted_from: dict[str, str] | None = None
    """Set by ``--embedded``: the provider and model the scenario file asked for."""
    extra_body: dict[str, Any] | None = None
    """For ``openai``/``anthropic``: extra fields merged into every request body (OpenRouter's ``provider``
    routing, a server's own options). Recorded in the header with secrets redacted."""
    extra_headers: dict[str, str] | None = None
    """For ``openai``/``anthropic``: extra HTTP headers on every request (OpenRouter's ``HTTP-Referer``).
    Recorded with credential-like values redacted."""
    think_tags: bool = False
    """Move ``<think>...</think>`` sections of the reply (DeepSeek R1 and kin on local servers) out of the
    text into the message's reasoning, so the other agents do not see them."""
    memory: Memory | None = None
    """The agent's memory policy (``simulator.memory``); unset: the scenario's ``memory``."""

    @field_validator("base_url")
    @classmethod
    def _plain_base_url(cls, value: str | None) -> str | None:
        # The key goes in a header; a user or password in the URL would make every request fail (the
        # HTTP client refuses both at once) and would sit in clear text in the scenario file's copies.
        if value is None:
            return value
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018  (raises on a malformed port)
        except ValueError:
            raise ValueError("not a URL (http://host:port/path)") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must be an http:// or https:// URL with a host")
        if parts.username is not None or parts.password is not None:
            raise ValueError("must not hold a user name or password: put the key in an environment variable "
                             "(api_key_env) instead")
        return value

    @model_validator(mode="after")
    def _scripted_lines(self) -> "AgentSpec":
        if self.provider == "scripted" and not self.lines:
            raise ValueError("a scripted agent needs 'lines', the fixed lines it speaks")
        if self.provider != "scripted" and self.lines is not None:
            raise ValueError("'lines' is only for provider: scripted")
        if self.provider == "scripted" and self.memory is not None and self.memory.policy != "none":
            raise ValueError("a scripted agent has no model to write notes: 'memory' is for model agents")
        if self.provider not in ("openai", "anthropic"):
            for name in ("extra_body", "extra_headers"):
                if getattr(self, name) is not None:
                    raise ValueError(f"'{name}' is only for provider: openai or anthropic (HTTP requests)")
        clash = sorted(set(self.extra_body or {}) & _MANAGED_BODY_KEYS)
        if clash:
            raise ValueError(f"extra_body may not set {', '.join(clash)}: ingroup sets these itself "
                             "(use the agent's model and sampling options)")
        return self

    def script(self) -> list[ScriptLine]:
        """A scripted agent's lines, plain strings as unconditional lines."""
        return [ScriptLine(text=x) if isinstance(x, str) else x for x in self.lines or []]

    def system_prompt(self) -> str:
        """The system message, identity and persona joined with blank lines (empty parts left out)."""
        parts = [self.system_message, self.identity or "", self.persona or ""]
        return "\n\n".join(p.strip() for p in parts if p and p.strip())


class Opening(Strict):
    """The scripted first message of every conversation, said by ``speaker``."""

    speaker: str
    text: str = Field(min_length=1)


class TurnOrder(Strict):
    """Who speaks after the opening: round robin, random, or an explicit order."""

    mode: Literal["round_robin", "random", "explicit"] = "round_robin"
    order: list[str] | None = None
    """For ``explicit``: the speakers after the opening, cycled when the list runs out."""
    seed: int | None = None
    """For ``random``: seed of the speaker draw (defaults to the run's seed)."""

    @model_validator(mode="before")
    @classmethod
    def _from_string(cls, value: Any) -> Any:
        if isinstance(value, str):
            return {"mode": value}
        if isinstance(value, list):
            return {"mode": "explicit", "order": value}
        return value

    @model_validator(mode="after")
    def _order_needed(self) -> "TurnOrder":
        if self.mode == "explicit" and not self.order:
            raise ValueError("turn_order mode 'explicit' needs a non-empty 'order' list")
        if self.mode != "explicit" and self.order is not None:
            raise ValueError("'order' is only used with mode 'explicit'")
        return self


class PhraseStop(Strict):
    """Stop once a message containing ``phrase`` is said by one of ``said_by`` or received by one of
    ``received_by`` (every other agent receives each message). Omitted means any agent."""

    phrase: str = Field(min_length=1)
    said_by: list[str] | None = None
    received_by: list[str] | None = None
    case_sensitive: bool = True
    move: bool = False
    """Only when the phrase opens a line, as a move of a game protocol (Markdown decoration before it is
    allowed; ``simulator.moves``): "Walk-Away" stops, "I will never Walk-Away" does not."""


class StopRules(Strict):
    """When a conversation ends: stop phrases and turn caps."""

    phrases: list[PhraseStop] = []
    max_turns: int | None = Field(default=None, ge=1, le=100_000)
    """Cap on the number of messages, the opening included."""
    max_replies_per_agent: int | None = Field(default=None, ge=1, le=100_000)
    """Cap on the replies of any one agent (AutoGen 0.2's max_consecutive_auto_reply)."""
    combine: Literal["any", "all"] = "any"
    """How phrase rules combine with each other; turn caps always stop the run."""

    def has_any(self) -> bool:
        """Whether any rule can end the conversation."""
        return bool(self.phrases) or self.max_turns is not None or self.max_replies_per_agent is not None


RollbackKeeps = Literal["context", "summary"]


class Rollback(Strict):
    """Roll the conversation back and replay it: once the run ends, a second conversation (its branch) starts
    from the run's first ``at_turn`` messages. The ``keeper`` remembers what it saw after that point in the
    earlier branch (``keeps``: all of it as context, or a summary it writes before the replay); every other
    agent starts fresh from the prefix. See ``docs/scenarios.md``."""

    at_turn: int = Field(ge=1, le=100_000)
    """Messages kept from the earlier branch (the opening is message 0, so 1 keeps only the opening)."""
    keeper: str
    """The agent that keeps what it learned; the others remember nothing after ``at_turn``."""
    keeps: RollbackKeeps = "context"


class Scenario(Strict):
    """One conversation setup: the task, the agents, the opening, turn order and stop rules."""

    name: str = Field(pattern=SAFE_NAME, max_length=100)
    description: str = ""
    task: str = Field(min_length=1, max_length=500)
    """The contest or task in one line: what the agents were told to do (the analyzers need it)."""
    agents: list[AgentSpec] = Field(min_length=2)
    opening: Opening
    turn_order: TurnOrder = TurnOrder()
    stop: StopRules
    speaker_names: Literal["none", "prefix"] = "none"
    """How speaker names reach every provider: not at all, or as a ``Name: `` prefix on others' turns."""
    repetitions: int = Field(default=1, ge=1, le=100_000)
    seed: int | None = None
    """Base of every repetition's seed (``simulator.seeds``). Unset: ``ingroup run`` picks one and records it
    in the header's scenario, so ``--seed`` reproduces the run."""
    memory: Memory | None = None
    """The memory policy of every model agent that sets none of its own (``simulator.memory``)."""
    rollback: Rollback | None = None
    """Also run a branch of each repetition rolled back to ``at_turn`` (:class:`Rollback`)."""
    metadata: dict[str, Any] = {}
    """Free-form facts about the run (condition names set by a sweep, for instance)."""

    @field_validator("task")
    @classmethod
    def _one_line(cls, v: str) -> str:
        v = v.strip()
        if "\n" in v:
            raise ValueError("task must be one line")
        return v

    def agent(self, name: str) -> AgentSpec:
        """The agent named ``name``; KeyError when there is none."""
        for a in self.agents:
            if a.name == name:
                return a
        raise KeyError(name)

    def canonical_json(self) -> str:
        """The scenario as JSON with sorted keys and no spaces: the same text for the same scenario."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def content_hash(self) -> str:
        """SHA-256 of :meth:`canonical_json`, as recorded in transcript headers."""
        return "sha256:" + hashlib.sha256(self.canonical_json().encode()).hexdigest()


def _cross_check(s: Scenario) -> list[tuple[tuple[str | int, ...], str]]:
    """Checks that span fields; returns (path, message) pairs."""
    problems: list[tuple[tuple[str | int, ...], str]] = []
    names = [a.name for a in s.agents]
    seen: set[str] = set()
    for i, n in enumerate(names):
        if n in seen:
            problems.append((("agents", i, "name"), f"agent name '{n}' is used twice"))
        seen.add(n)
    if s.opening.speaker not in names:
        problems.append((("opening", "speaker"), f"'{s.opening.speaker}' is not one of the agents {names}"))
    for i, n in enumerate(s.turn_order.order or []):
        if n not in names:
            problems.append((("turn_order", "order", i), f"'{n}' is not one of the agents {names}"))
    for i, rule in enumerate(s.stop.phrases):
        for key in ("said_by", "received_by"):
            for j, n in enumerate(getattr(rule, key) or []):
                if n not in names:
                    problems.append((("stop", "phrases", i, key, j), f"'{n}' is not one of the agents {names}"))
    if s.rollback is not None:
        if s.rollback.keeper not in names:
            problems.append((("rollback", "keeper"), f"'{s.rollback.keeper}' is not one of the agents {names}"))
        elif s.agent(s.rollback.keeper).provider == "scripted" and s.rollback.keeps == "summary":
            problems.append((("rollback", "keeps"), "a scripted agent cannot write a summary; use keeps: context"))
        if s.stop.max_turns is not None and s.rollback.at_turn >= s.stop.max_turns:
            problems.append((("rollback", "at_turn"), f"must be below stop.max_turns ({s.stop.max_turns}): the "
                                                      "branch replays from there and needs turns left"))
    if not s.stop.has_any():
        problems.append((("stop",), "give at least one stop rule (phrases, max_turns or max_replies_per_agent)"))
    return problems


def scenario_from_data(loc: LocatedData) -> Scenario:
    """Validate parsed YAML into a Scenario, turning the first problem into a located ScenarioError."""
    data = loc.data
    if not isinstance(data, dict):
        raise ScenarioError("a scenario file must be a mapping of fields (name, task, agents, ...)",
                            file=loc.file, line=1)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        raise _located(exc, loc) from None
    problems = _cross_check(scenario)
    if problems:
        path, msg = problems[0]
        raise ScenarioError(msg, file=loc.file, line=loc.line_of(path), field=format_path(path))
    return scenario


def _located(exc: ValidationError, loc: LocatedData) -> ScenarioError:
    err = exc.errors()[0]
    path = tuple(p for p in err["loc"] if isinstance(p, (str, int)))
    msg = err["msg"]
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, "):]
    if err["type"] == "extra_forbidden":
        allowed = _allowed_fields(path)
        msg = f"unknown field (allowed here: {', '.join(allowed)})"
        key = str(path[-1]) if path else ""
        close = difflib.get_close_matches(key, allowed, n=1)
        sampling_close = difflib.get_close_matches(key, list(Sampling.model_fields), n=1)
        if close:
            msg = f"unknown field; did you mean '{close[0]}'? (allowed here: {', '.join(allowed)})"
        elif sampling_close and "sampling" in allowed:
            msg = f"unknown field; did you mean '{sampling_close[0]}' under 'sampling:'?"
    elif err["type"] == "missing":
        msg = "required field is missing"
    elif err["type"] == "string_pattern_mismatch" and path and path[-1] == "name":
        msg = "must be a plain name (letters, digits, '_'; scenario names may also use '.' and '-'; no '/')"
    extra = len(exc.errors()) - 1
    if extra:
        msg += f" (and {extra} more problem{'s' if extra > 1 else ''})"
    return ScenarioError(msg, file=loc.file, line=loc.line_of(path), field=format_path(path) or None)


def _allowed_fields(path: tuple[str | int, ...]) -> list[str]:
    model: type[BaseModel] = Scenario
    for part in path[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(part)
        if field is None:
            break
        ann = field.annotation
        inner = getattr(ann, "__args__", None)
        candidates = [ann] + list(inner or [])
        nxt = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None)
        if nxt is None:
            break
        model = nxt
    return list(model.model_fields)


def load_scenario(path: str | Path) -> Scenario:
    """The scenario in the YAML file at ``path``; a located ScenarioError when it is not valid."""
    return scenario_from_data(load_yaml_file(path))


def load_scenario_text(text: str, file: str = "<scenario>") -> Scenario:
    """The scenario in YAML ``text``, errors located in ``file``."""
    return scenario_from_data(load_yaml_text(text, file))


def embedded_variant(s: Scenario) -> Scenario:
    """The same scenario with every model agent on the embedded local model (``--embedded``)."""
    agents = []
    for a in s.agents:
        if a.provider in ("embedded", "scripted"):
            agents.append(a)
            continue
        agents.append(a.model_copy(update={
            "provider": "embedded",
            "model": EMBEDDED_MODEL,
            "base_url": None,
            "api_key_env": None,
            "substituted_from": {"provider": a.provider, "model": a.model},
        }))
    return s.model_copy(update={"agents": agents})


def with_max_turns(s: Scenario, max_turns: int) -> Scenario:
    """Cap a run at ``max_turns`` messages (the opening included), keeping any tighter cap."""
    current = s.stop.max_turns
    cap = max_turns if current is None else min(current, max_turns)
    return s.model_copy(update={"stop": s.stop.model_copy(update={"max_turns": cap})})
