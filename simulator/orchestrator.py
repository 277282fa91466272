"""One conversation: build a fresh team for a resolved scenario and stream its messages into a transcript."""

from __future__ import annotations

import contextlib
import contextvars
import json
import os

# autogen-core opens an OpenTelemetry span around every internal message; we record our own provenance and
# the spans cost about a tenth of the orchestration time per turn. Users who want the spans can set it false.
os.environ.setdefault("AUTOGEN_DISABLE_RUNTIME_TRACING", "true")
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Literal

from autogen_agentchat.base import TaskResult
from autogen_agentchat.messages import BaseTextChatMessage, StopMessage, TextMessage

from .agent import CALL_KEY, ProviderAgent
from .providers.base import Provider
from .retry import RateLimiter, RetryPolicy
from .scenario import AgentSpec, Scenario
from .secrets import public_url, redact, redact_data
from .stops import build_termination
from .transcript import AgentInfo, Footer, Header, Message, TranscriptWriter, now_iso
from .team import SequentialTeam
from .turns import Schedule, ScheduledGroupChat
from .versions import package_versions

ProviderFactory = Callable[[AgentSpec], Provider]
TeamKind = Literal["sequential", "group-chat"]
TEAMS: tuple[TeamKind, ...] = ("sequential", "group-chat")
"""``sequential``: :class:`~simulator.team.SequentialTeam`, in-process (the default). ``group-chat``: autogen's
RoundRobinGroupChat on the agent runtime, with its OpenTelemetry spans; same transcripts, more CPU per turn."""
LimiterFor = Callable[[AgentSpec], "RateLimiter | None"]


@dataclass
class RunSpec:
    """One concrete conversation to run: a resolved scenario, its repetition and a stable id."""

    run_id: str
    scenario: Scenario
    repetition: int = 0
    condition: dict[str, Any] = field(default_factory=dict)
    scenario_file: str | None = None

    @property
    def seed(self) -> int:
        # Distinct, reproducible seed per repetition.
        return self.scenario.seed * 1_000_003 + self.repetition


@dataclass
class ConversationResult:
    run_id: str
    path: Path
    footer: Footer


def run_seeded_sampling(spec: AgentSpec, seed: int) -> AgentSpec:
    # The embedded model samples with a seed of its own; give it the run's seed so a rerun is identical.
    if spec.provider == "embedded" and spec.sampling.seed is None:
        return spec.model_copy(update={"sampling": spec.sampling.model_copy(update={"seed": seed})})
    return spec


_SCENARIO_RECORDS: contextvars.ContextVar[dict[int, tuple[Scenario, dict[str, Any], str]] | None] = \
    contextvars.ContextVar("ingroup_scenario_records", default=None)


@contextlib.contextmanager
def shared_scenario_records() -> Iterator[None]:
    """Inside this block, conversations of the same Scenario object share its record in the header (redacted
    JSON and hash, a third of the CPU of starting a conversation; a sweep starts hundreds a second). The
    executor opens it around one run of a plan, during which the environment the redaction reads is fixed."""
    token = _SCENARIO_RECORDS.set({})
    try:
        yield
    finally:
        _SCENARIO_RECORDS.reset(token)


def _scenario_record(s: Scenario) -> tuple[dict[str, Any], str]:
    cache = _SCENARIO_RECORDS.get()
    if cache is not None and (hit := cache.get(id(s))) is not None and hit[0] is s:
        return hit[1], hit[2]
    record, digest = redact_data(json.loads(s.canonical_json())), s.content_hash()
    if cache is not None:
        cache[id(s)] = (s, record, digest)  # holding s keeps its id from being reused
    return record, digest


def _header(run: RunSpec, agents: list[AgentSpec], team: str) -> Header:
    s = run.scenario
    record, digest = _scenario_record(s)
    return Header(
        run_id=run.run_id,
        scenario_name=s.name,
        task=s.task,
        agents=[
            AgentInfo(name=a.name, provider=a.provider, model=a.model, base_url=public_url(a.base_url),
                      system_prompt=a.system_prompt(), sampling=a.sampling.asked(), team=a.team,
                      incentive=a.incentive, substituted_from=a.substituted_from)
            for a in agents
        ],
        speaker_names=s.speaker_names,
        seed=run.seed,
        repetition=run.repetition,
        started_at=now_iso(),
        scenario=record,
        scenario_hash=digest,
        scenario_file=run.scenario_file,
        versions=package_versions(),
        condition=run.condition,
        autogen_team=team,
    )


async def run_conversation(
    run: RunSpec,
    out_dir: str | Path,
    make_provider: ProviderFactory,
    *,
    limiter_for: LimiterFor | None = None,
    retry: RetryPolicy | None = None,
    on_message: Callable[[Message], None] | None = None,
    fsync: bool = True,
    team: TeamKind = "sequential",
) -> ConversationResult:
    """Run one conversation to its stop rule, writing ``out_dir/<run_id>.jsonl`` as it goes.

    A provider that fails for good ends the conversation with a footer that records the error. If the
    task is cancelled (Ctrl-C, a kill), the file is left without a footer: recognisably partial.
    """
    if team not in TEAMS:
        raise ValueError(f"unknown team {team!r}; choose one of {', '.join(TEAMS)}")
    s = run.scenario
    agents_specs = [run_seeded_sampling(a, run.seed) for a in s.agents]
    names = [a.name for a in agents_specs]
    path = Path(out_dir) / f"{run.run_id}.jsonl"
    providers: list[Provider] = []
    try:
        for a in agents_specs:
            providers.append(make_provider(a))
    except BaseException:
        for p in providers:
            await p.aclose()
        raise
    writer = TranscriptWriter(path, _header(run, agents_specs, team), fsync=fsync)
    index = 0

    def record(msg: Message) -> None:
        writer.message(msg)
        if on_message is not None:
            on_message(msg)

    opener = s.opening.speaker
    record(Message(index=0, speaker=opener, recipients=[n for n in names if n != opener], text=s.opening.text,
                   started_at=now_iso(), ended_at=now_iso(), scripted=True))
    index = 1
    schedule = Schedule(names, opener, s.turn_order, run.seed)
    termination = build_termination(s.stop, names, schedule.peek)
    participants = [
        ProviderAgent(a, p, speaker_names=s.speaker_names, retry=retry,
                      limiter=limiter_for(a) if limiter_for else None, seed=run.seed + i)
        for i, (a, p) in enumerate(zip(agents_specs, providers))
    ]
    if team == "group-chat":
        chat: SequentialTeam | ScheduledGroupChat = ScheduledGroupChat(participants, schedule,
                                                                        termination_condition=termination)
    else:
        chat = SequentialTeam(participants, schedule, termination_condition=termination)
    stop_reason = "unknown"
    error: str | None = None
    finished = False
    try:
        task = TextMessage(source=opener, content=s.opening.text)
        async for item in chat.run_stream(task=task, output_task_messages=False):
            if isinstance(item, TaskResult):
                stop_reason = item.stop_reason or "unknown"
            elif isinstance(item, StopMessage) and item.content.startswith("error: "):
                error = redact(item.content[len("error: "):])[:2000]
            elif isinstance(item, BaseTextChatMessage) and not isinstance(item, StopMessage):
                call = json.loads(item.metadata.get(CALL_KEY, "{}"))
                record(Message(
                    index=index, speaker=item.source, recipients=[n for n in names if n != item.source],
                    text=item.content, started_at=call.get("started_at"), ended_at=call.get("ended_at"),
                    latency_s=call.get("latency_s"), prompt_tokens=call.get("prompt_tokens"),
                    completion_tokens=call.get("completion_tokens"), applied=call.get("applied"),
                    unsupported=call.get("unsupported"), finish_reason=call.get("finish_reason"),
                    scripted=bool(call.get("scripted")), attempts=call.get("attempts"),
                ))
                index += 1
        finished = True
        if error is not None:
            stop_reason = "error"
    except Exception as exc:  # a provider failed for good, or the team raised: record it, keep the transcript
        stop_reason, error, finished = "error", redact(_short_error(exc)), True
    finally:
        for p in providers:
            try:
                await p.aclose()
            except Exception:
                pass
        if finished:
            footer = writer.close(stop_reason, error)
        else:
            writer.abandon()
    return ConversationResult(run.run_id, path, footer)


def _short_error(exc: BaseException) -> str:
    text = str(exc).strip()
    # autogen wraps agent errors as "RuntimeError: <type>: <message>\nTraceback: ..."; keep the first lines.
    lines = [ln for ln in text.splitlines() if ln.strip()]
    head = " ".join(lines[:3]) if lines else type(exc).__name__
    return f"{type(exc).__name__}: {head}"[:2000]
