"""One conversation: build a fresh team for a resolved scenario and stream its messages into a transcript."""

from __future__ import annotations

import contextlib
import contextvars
import json
import os

# autogen-core opens an OpenTelemetry span around every internal message; we record our own provenance and
# the spans cost about a tenth of the orchestration time per turn. Users who want the spans can set it false.
os.environ.setdefault("AUTOGEN_DISABLE_RUNTIME_TRACING", "true")
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

from autogen_agentchat.base import TaskResult
from autogen_agentchat.messages import BaseChatMessage, BaseTextChatMessage, StopMessage, TextMessage

from ..choices import RUNTIMES as RUNTIMES  # re-exported: the runtimes this module builds
from ..choices import Runtime as Runtime
from ..errors import IngroupError
from ..memory import CarriedNotes, memory_of, read_carried_notes
from ..plan import RunSpec
from ..providers.base import Provenance, Provider
from ..providers.cache import CallCache, cacheable
from ..retry import RateLimiter, RetryPolicy
from ..scenario import AgentSpec, Sampling, Scenario
from ..secrets import public_url, redact, redact_data, redact_headers, redact_strings
from ..seeds import repetition_seed
from ..transcript import AgentInfo, BranchMemory, Footer, Header, Message, TranscriptWriter, now_iso
from ..versions import package_versions
from .agent import ProviderAgent
from .memory import AgentMemory
from .messages import AgentStopped
from .rollback import Replay, load_replay, replayed_speakers
from .stops import build_termination
from .team import SequentialTeam
from .turns import Schedule, ScheduledGroupChat

ProviderFactory = Callable[[AgentSpec], Provider]
LimiterFor = Callable[[AgentSpec], "RateLimiter | None"]


@dataclass
class ConversationResult:
    """A conversation that ran: its run id, transcript file and footer."""

    run_id: str
    path: Path
    footer: Footer


def agent_seed(spec: AgentSpec, run: RunSpec) -> int | None:
    """The seed sent to ``spec``'s model in ``run``: the run's seed, or, when the agent names a seed of its
    own, one derived from it for this repetition (sending it unchanged made repetitions identical)."""
    if spec.provider == "scripted":
        return None
    if spec.sampling.seed is not None:
        return repetition_seed(spec.sampling.seed, run.repetition)
    return run.seed


def run_sampling(spec: AgentSpec, run: RunSpec) -> Sampling:
    """What each of the agent's calls asks for in this run: its sampling with the run's seed."""
    seed = agent_seed(spec, run)
    return spec.sampling if seed is None else spec.sampling.model_copy(update={"seed": seed})


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
    record, digest = _scenario_record_redacted(redact_strings(json.loads(s.canonical_json()))), s.content_hash()
    if cache is not None:
        cache[id(s)] = (s, record, digest)  # holding s keeps its id from being reused
    return record, digest


def provenance_of(provider: Provider, system: str) -> Provenance:
    """Where ``provider``'s calls go, for the transcript header (empty when it cannot say)."""
    # Test doubles and third-party providers may not say where they run; nothing is recorded for them.
    describe = getattr(provider, "provenance", None)
    return describe(system) if callable(describe) else Provenance()


def _agent_info(a: AgentSpec, run: RunSpec, where: Provenance) -> AgentInfo:
    return AgentInfo(
        name=a.name, provider=a.provider, model=a.model, base_url=public_url(a.base_url),
        system_prompt=a.system_prompt(), sampling=a.sampling.asked(), team=a.team, incentive=a.incentive,
        substituted_from=a.substituted_from, effective_base_url=public_url(where.base_url),
        base_url_from=where.base_url_from, served_model=where.served_model,
        rendered_system_prompt=where.rendered_system_prompt, seed=agent_seed(a, run), think_tags=a.think_tags,
        extra_body=redact_data(a.extra_body) if a.extra_body is not None else None,  # type: ignore[arg-type]
        extra_headers=redact_headers(a.extra_headers), official_name=a.official_name, creator=a.creator,
    )


def _scenario_record_redacted(record: dict[str, Any]) -> dict[str, Any]:
    # Header values are secrets by their name, not their look (X-Api-Key: abc): redact them structurally.
    for agent in record.get("agents") or []:
        if isinstance(agent, dict):
            if isinstance(agent.get("extra_headers"), dict):
                agent["extra_headers"] = redact_headers(agent["extra_headers"])
            if agent.get("extra_body") is not None:
                agent["extra_body"] = redact_data(agent["extra_body"])
    return record


def _header(run: RunSpec, agents: list[AgentSpec], runtime: str, where: list[Provenance],
            carried: CarriedNotes | None = None, replay: Replay | None = None,
            memory: list[BranchMemory] | None = None) -> Header:
    s = run.scenario
    record, digest = _scenario_record(s)
    return Header(
        branch_of=run.branch_of, branch_at_turn=replay.at if replay is not None else None, branch_memory=memory,
        run_id=run.run_id,
        scenario_name=s.name,
        task=s.task,
        agents=[_agent_info(a, run, w) for a, w in zip(agents, where)],
        speaker_names=s.speaker_names,
        seed=run.seed,
        repetition=run.repetition,
        started_at=now_iso(),
        scenario=record,
        scenario_hash=digest,
        scenario_file=run.scenario_file,
        versions=package_versions(),
        condition=run.condition,
        autogen_team=runtime,
        chain=run.chain.key if run.chain is not None else None,
        notes_from=carried.from_run if carried is not None else None,
        carried_notes=carried.notes if carried is not None else None,
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
    runtime: Runtime = "sequential",
    cache: CallCache | None = None,
    prices: dict[str, tuple[float, float]] | None = None,
) -> ConversationResult:
    """Run one conversation to its stop rule, writing ``out_dir/<run_id>.jsonl`` as it goes.

    With ``cache``, each model agent's calls are looked up there first (``providers.cache``). The footer
    records the conversation's cost at the list prices plus ``prices``.

    A provider that fails for good ends the conversation with a footer that records the error. If the
    task is cancelled (Ctrl-C, a kill), the file is left without a footer: recognisably partial.
    """
    if runtime not in RUNTIMES:
        raise ValueError(f"unknown runtime {runtime!r}; choose one of {', '.join(RUNTIMES)}")
    s = run.scenario
    agents_specs = list(s.agents)
    names = [a.name for a in agents_specs]
    path = Path(out_dir) / f"{run.run_id}.jsonl"
    # Read before anything is set up: a chain whose previous link did not finish raises ChainBroken here.
    carried = read_carried_notes(out_dir, run.chain) if run.chain is not None else None
    # A rollback branch reads its earlier branch first: a missing or failed one writes nothing here.
    replay = load_replay(Path(out_dir), run) if run.branch_of is not None else None
    providers: list[Provider] = []
    try:
        for a in agents_specs:
            providers.append(make_provider(a))
            # A provider that needs to know the conversation (an interviewer: whom it interviews) is told.
            bind = getattr(providers[-1], "bind_scenario", None)
            if callable(bind):
                bind(s)
        where = [provenance_of(p, a.system_prompt()) for a, p in zip(agents_specs, providers)]
    except BaseException:
        for p in providers:
            await p.aclose()
        raise
    participants = [
        ProviderAgent(a, p, speaker_names=s.speaker_names, retry=retry,
                      limiter=limiter_for(a) if limiter_for else None, seed=run.seed + i,
                      sampling=run_sampling(a, run), memory=_agent_memory(s, a, carried),
                      cache=cache if cacheable(a) else None)
        for i, (a, p) in enumerate(zip(agents_specs, providers))
    ]
    memory: list[BranchMemory] | None = None
    early: tuple[str, str | None] | None = None
    """A branch that ends before its team runs: (stop reason, error)."""
    if replay is not None:
        try:
            memory = await replay.give_memories(participants, s)
        except Exception as exc:  # the keeper's summary call failed for good
            early = ("error", redact(_short_error(exc)))
    writer = TranscriptWriter(path, _header(run, agents_specs, runtime, where, carried, replay, memory),
                              fsync=fsync, costed=True, prices=prices)

    def record(msg: Message) -> None:
        writer.message(msg)
        if on_message is not None:
            on_message(msg)

    opener = s.opening.speaker
    schedule = Schedule(names, opener, s.turn_order, run.seed)
    if replay is None:
        record(Message(index=0, speaker=opener, recipients=[n for n in names if n != opener],
                       text=s.opening.text, started_at=now_iso(), ended_at=now_iso(), scripted=True))
        task: list[BaseChatMessage] = [TextMessage(source=opener, content=s.opening.text)]
    else:
        for m in memory or []:
            if m.summary_call is not None:
                writer.count(m.agent, m.summary_call)
        for msg in replay.prefix:
            record(msg)
        for a, p in zip(agents_specs, providers):
            skip = getattr(p, "skip_spoken", None)  # a scripted agent goes on with its script
            if callable(skip):
                skip([m.text for m in replay.prefix[1:] if m.speaker == a.name])
        task = [TextMessage(source=m.speaker, content=m.text) for m in replay.prefix]
        if early is None and not replay.reached:
            early = (f"rollback_not_reached: the earlier branch ended after {len(replay.parent.messages)} "
                     f"messages, not past message {replay.at}", None)
        if early is None:
            try:
                replayed_speakers(replay, iter(schedule.advance, None))
            except IngroupError as exc:
                early = ("error", str(exc))
        if early is not None:
            for p in providers:
                await p.aclose()
            return ConversationResult(run.run_id, path, writer.close(*early))
    index = len(task)
    termination = build_termination(s.stop, names, schedule.peek)
    by_name = {agent.name: agent for agent in participants}
    carrying = [agent for agent in participants if agent.memory is not None and agent.memory.policy.carries]
    said: list[BaseChatMessage] = []
    """The conversation as the agents take it in (kept only when some agent writes notes at its end)."""

    def record_notes(agent: ProviderAgent | None) -> None:
        if agent is not None and agent.memory is not None:
            for notes in agent.memory.take_notes():
                writer.notes(notes)
    if runtime == "group-chat":
        chat: SequentialTeam | ScheduledGroupChat = ScheduledGroupChat(participants, schedule,
                                                                        termination_condition=termination)
    else:
        chat = SequentialTeam(participants, schedule, termination_condition=termination)
    stop_reason = "unknown"
    error: str | None = None
    crashed = False
    finished = False
    try:
        if carrying:
            said.extend(task)
        async for item in chat.run_stream(task=task, output_task_messages=False):
            if isinstance(item, TaskResult):
                stop_reason = item.stop_reason or "unknown"
            elif isinstance(item, AgentStopped):
                record_notes(by_name.get(item.source))
                if item.failed:
                    error, crashed = item.error, item.kind == "crash"
            elif isinstance(item, BaseTextChatMessage) and not isinstance(item, StopMessage):
                speaker = by_name.get(item.source)
                record_notes(speaker)
                if carrying:
                    said.append(item)
                call = speaker.take_call(item.id) if speaker is not None else None
                record(Message(
                    index=index, speaker=item.source, recipients=[n for n in names if n != item.source],
                    text=item.content, **(dict(call) if call is not None else {}),
                ))
                index += 1
        if error is None:
            for agent in carrying:  # notes for the next link of the chain, once the conversation is over
                assert agent.memory is not None
                agent.catch_up(said[agent.seen:])
                notes = await agent.memory.at_end(agent)
                if notes is not None:
                    writer.notes(notes)
        finished = True
        if error is not None:
            stop_reason = "crash" if crashed else "error"
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


def _agent_memory(s: Scenario, a: AgentSpec, carried: CarriedNotes | None) -> AgentMemory | None:
    policy = memory_of(s, a)
    if policy.policy == "none":
        return None
    return AgentMemory(policy, carried.notes.get(a.name) if carried is not None else None)


def _short_error(exc: BaseException) -> str:
    text = str(exc).strip()
    # autogen wraps agent errors as "RuntimeError: <type>: <message>\nTraceback: ..."; keep the first lines.
    lines = [ln for ln in text.splitlines() if ln.strip()]
    head = " ".join(lines[:3]) if lines else type(exc).__name__
    return f"{type(exc).__name__}: {head}"[:2000]
