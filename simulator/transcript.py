"""Transcripts: one JSONL file per conversation, written as the conversation goes.

Line 1 is a ``header``, then one ``message`` per turn (with the ``notes`` of agents that keep a memory
between them, which are not turns), then a ``footer``. Each line is flushed as soon as
it is written, so a crash loses at most the message in flight, and a file without a footer is a partial
run. The record types below are the schema; ``docs/transcripts.md`` documents them and
``docs/transcript.schema.json`` is generated from them (``ingroup schema``).
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import TranscriptError
from .files import ensure_dir, open_new
from .prices import PRICES_AS_OF, price_of
from .validation import located

SCHEMA = "ingroup.transcript/4"
SCHEMAS_READ = ("ingroup.transcript/1", "ingroup.transcript/2", "ingroup.transcript/3", SCHEMA)
"""Versions this reader understands. /2 added reasoning token counts and provenance (effective base URL, served
model, request ids, seeds per agent); /3 the agents' declared identity (official name, creator); /4 memory
(``notes`` records, the header's chain and carried notes), replies served from the call cache (``cached``), the
conversation's cost in the footer, and rollback branches (``branch_of``, ``branch_at_turn``, ``branch_memory``,
replayed messages). Every field added since /1 is optional, so older files read as they are."""


def now_iso() -> str:
    """The current UTC time, ISO 8601 to the millisecond."""
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds")


class _Record(BaseModel):
    # Readers must accept records written by newer minor versions, so unknown keys are kept, not rejected.
    model_config = ConfigDict(extra="allow")


BaseUrlFrom = Literal["scenario", "environment", "default"]
ReasoningFormat = Literal["reasoning_content", "reasoning", "reasoning_details", "thinking", "think_tags",
                          "imported"]
"""Where a message's reasoning came from: an OpenAI-compatible ``reasoning_content`` field (DeepSeek, vLLM,
llama.cpp), a ``reasoning`` field (OpenRouter, Ollama), ``reasoning_details`` texts or summaries (OpenRouter),
Anthropic ``thinking`` blocks, ``<think>`` tags in the reply (``think_tags``), or an imported log."""
REASONING_FORMATS: tuple[str, ...] = get_args(ReasoningFormat)


class AgentInfo(_Record):
    """One agent as the header records it: model, server, prompt, sampling and what the analysis needs."""

    name: str
    provider: str
    model: str
    base_url: str | None = None
    system_prompt: str = ""
    sampling: dict[str, Any] = {}
    """Sampling parameters the scenario asked for; each message records what was actually applied."""
    team: str | None = None
    incentive: str | None = None
    """The incentive the scenario gave the agent (cooperative, greedy, saboteur...), in the researcher's word:
    recorded for analysis, never sent to the model."""
    substituted_from: dict[str, str] | None = None
    styled_after: str | None = None
    """For conversations written by hand: the model whose style the text imitates (no model wrote it)."""
    effective_base_url: str | None = None
    """The server the agent's requests went to, wherever it came from (``base_url_from``), credentials
    stripped; None for in-process providers (embedded, scripted) and in files older than /2."""
    base_url_from: BaseUrlFrom | None = None
    served_model: str | None = None
    """The model that answers, when known before the first call (the embedded model); for HTTP providers it
    is only known from the replies: see each message's ``served_model`` and :func:`served_model`."""
    rendered_system_prompt: str | None = None
    """Embedded model: the prompt its chat template renders before the first turn, so a system prompt the
    template injects (SmolLM2 adds one when there is none) is visible."""
    seed: int | None = None
    """The seed asked of this agent's model in this run (each call's ``applied``/``unsupported`` says
    whether the provider took it)."""
    think_tags: bool = False
    """``<think>...</think>`` sections of the reply were moved to the message's reasoning."""
    extra_body: dict[str, Any] | None = None
    """Extra request fields sent with every call (secrets redacted)."""
    extra_headers: dict[str, str] | None = None
    """Extra HTTP headers sent with every call (values of credential-like headers redacted)."""
    official_name: str | None = None
    """/3: the agent's declared identity, its official model name, as the scenario gives it."""
    creator: str | None = None
    """/3: the declared identity's maker, as the scenario gives it."""


class BranchMemory(_Record):
    """/4: what one agent of a rollback branch remembers of the earlier branch after the rollback point."""

    agent: str
    keeps: Literal["context", "summary", "nothing"]
    """``context``: every message it saw there after ``branch_at_turn``; ``summary``: the summary below, which
    it wrote itself before the replay; ``nothing``: it starts fresh from the replayed messages."""
    messages: int = 0
    """Messages of the earlier branch after the rollback point that this agent's memory covers."""
    summary: str | None = None
    """For ``summary``: the text it wrote (model output), the only trace of the earlier branch it keeps."""
    summary_call: CallRecord | None = None
    """For ``summary``: the model call that wrote it (tokens, timing), counted in the footer's tokens."""


class Header(_Record):
    """A transcript's first line: the run, its scenario and agents."""

    type: Literal["header"] = "header"
    schema_: str = Field(default=SCHEMA, alias="schema")
    run_id: str
    scenario_name: str
    task: str
    agents: list[AgentInfo]
    speaker_names: str = "none"
    seed: int | None = None
    repetition: int = 0
    started_at: str | None = None
    scenario: dict[str, Any] | None = None
    """The resolved scenario (after --embedded and --max-turns), as run."""
    scenario_hash: str | None = None
    scenario_file: str | None = None
    versions: dict[str, str] = {}
    condition: dict[str, Any] = {}
    """Sweep factor levels of this run (empty for a single run)."""
    source: dict[str, Any] | None = None
    """For imported logs: the original file name and format."""
    autogen_team: str | None = None
    """The autogen-agentchat team that ran the conversation, ``sequential`` or ``group-chat`` (``--team``);
    None when imported. Not the agents' ``team``, which is their side in a team battle."""
    chain: str | None = None
    """/4: the chain of repetitions this run belongs to (``memory.policy: carried_notes``), None otherwise."""
    notes_from: str | None = None
    """/4: the run id whose end notes this run started with (the previous link of its chain)."""
    carried_notes: dict[str, str] | None = None
    """/4: agent name -> the notes it started this conversation with (from ``notes_from``), in its system
    prompt under ``simulator.memory.CARRIED_HEADING``."""
    branch_of: str | None = None
    """/4: for a rollback branch, the run id of the earlier branch it replays (a transcript in the same
    folder); None for every other run."""
    branch_at_turn: int | None = None
    """/4: the messages of the earlier branch this one starts from (indices ``0 .. branch_at_turn - 1``, copied
    with ``replayed: true``)."""
    branch_memory: list[BranchMemory] | None = None
    """/4: per agent, what it kept from the earlier branch (the keeper its context or a summary, the others
    nothing)."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class _MessageHead(_Record):
    type: Literal["message"] = "message"
    index: int
    speaker: str
    recipients: list[str] = []
    text: str


class CallRecord(_Record):
    """What one model call produced beside the visible text, as the agent hands it to the transcript."""

    reasoning: str | None = None
    """Private reasoning or thinking the speaker produced beside ``text``; the other agents never see it."""
    reasoning_tokens: int | None = None
    """Tokens of reasoning, as the provider reports them (``completion_tokens_details.reasoning_tokens``);
    None when it does not (Anthropic counts thinking inside ``completion_tokens``)."""
    reasoning_format: ReasoningFormat | None = None
    redacted_reasoning: int | None = None
    """Anthropic ``redacted_thinking`` blocks: thinking the API returned encrypted, so not in ``reasoning``."""
    started_at: str | None = None
    ended_at: str | None = None
    latency_s: float | None = None
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    applied: dict[str, Any] | None = None
    """Sampling parameters the provider actually sent or used for this call."""
    unsupported: dict[str, Any] | None = None
    """Parameters asked for that the provider or model does not take, so were not sent."""
    request_rules: list[str] | None = None
    """Names of the per-model request rules that shaped this call (``providers.*.REQUEST_RULES``)."""
    finish_reason: str | None = None
    served_model: str | None = None
    """The model name the server reported in its reply."""
    system_fingerprint: str | None = None
    request_id: str | None = None
    """The server's request id header (``x-request-id``, ``request-id``)."""
    response_id: str | None = None
    """The reply's own id (``chatcmpl-...``, ``msg_...``)."""
    scripted: bool = False
    """True for text that no model produced: the opening, a scripted agent's lines, imported text."""
    attempts: int | None = None
    """Requests made for this reply (retries included); 0 when it came from the call cache."""
    cached: bool = False
    """/4: the reply came from the call cache (``--cache``): recorded as the original call returned it
    (text, reasoning, token counts, served model, ids), with no request made and no cost."""


class Message(CallRecord, _MessageHead):
    """One turn: the head fields (type, index, speaker, recipients, text) come first on the line."""

    replayed: bool = False
    """/4: copied from the earlier branch a rollback branch starts from (said there, not in this run; its
    tokens are counted there)."""


Header.model_rebuild()


NotesWhen = Literal["budget", "end"]
"""Why notes were made: the agent's context passed its token budget (``rolling_summary``), or the
conversation ended and they go to the next one (``carried_notes``)."""
TokenCount = Literal["tokenizer", "estimate"]
"""How context tokens were counted: by the model's own tokenizer (embedded), or by
``simulator.memory.estimate_tokens`` (characters / 4)."""


class _NotesHead(_Record):
    type: Literal["notes"] = "notes"
    agent: str
    when: NotesWhen
    at_turn: int
    """Messages in the conversation when the notes were made: the index of the message that follows them."""
    text: str
    """The notes, as the agent's model wrote them."""
    prompt: str
    """What the agent was asked (after its context, as a user turn)."""
    tokens_before: int
    """The agent's context (system prompt and messages) before, in tokens."""
    tokens_after: int | None = None
    """``budget``: the context it continues from (system prompt with the notes, the latest messages)."""
    kept_messages: int | None = None
    """``budget``: how many of the latest messages stayed in the context beside the notes."""
    budget_tokens: int | None = None
    token_count: TokenCount = "estimate"


class Notes(CallRecord, _NotesHead):
    """Notes an agent wrote of its context (``simulator.memory``): not a turn, no other agent sees them. The
    call fields record the call that wrote them, like a message's."""


# Stop reasons of a conversation that failed: a provider failed for good ("error"), or ingroup itself raised
# ("crash", with the traceback in ``error``). Every other stop reason is a finished conversation.
FAILED_STOPS = ("error", "crash")


class AgentTokens(_Record):
    """Tokens one speaker's model-written messages used."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


class Footer(_Record):
    """A transcript's last line: why the conversation stopped, its turns, tokens and cost."""

    type: Literal["footer"] = "footer"
    stop_reason: str
    turns: int
    ended_at: str | None = None
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    by_agent: dict[str, AgentTokens] | None = None
    """Tokens of the model-written messages per speaker (scripted text left out), so the cost of a run is
    known from its last line (None in files written before ingroup recorded it)."""
    plan_key: str | None = None
    """What a resumed sweep must find unchanged, as one digest (:func:`plan_key`): the scenario hash and
    where each agent's requests went. None in older files and imports."""
    cost_usd: float | None = None
    """/4: what this conversation's model calls cost, in US dollars, from the recorded token counts and the
    list prices of ``prices_as_of`` (``simulator/prices.py``, plus a sweep's ``prices:``); cached replies
    cost 0. None when it cannot be known (``cost_unknown`` says why) or in older files."""
    cost_unknown: str | None = None
    """/4: why ``cost_usd`` is None (a model without a price, a server that reported no token counts)."""
    prices_as_of: str | None = None
    """/4: the date of the price table the cost comes from (None in older files and imports)."""
    cached_calls: int = 0
    """/4: replies served from the call cache instead of a request."""

    @property
    def failed(self) -> bool:
        """The conversation ended on an error."""
        return self.stop_reason in FAILED_STOPS


def plan_key(scenario_hash: str | None, servers: dict[str, str | None]) -> str:
    """The digest a resume compares: the run's scenario hash and each agent's server (None in process)."""
    text = json.dumps([scenario_hash, sorted(servers.items())], separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


class Transcript(BaseModel):
    """A transcript as read back: complete when it has a footer."""

    path: str
    header: Header
    messages: list[Message]
    footer: Footer | None
    notes: list[Notes] = []
    """/4: the notes agents wrote (memory policies), in order; they are not messages."""
    dropped_tail: bool = False
    """The last line was cut off mid-write (a crash); it was left out."""
    key: str | None = None
    """The conversation's name in analysis tables: its path relative to the folder it was read from, without
    ``.jsonl`` (``sweep-a/ego-r001``), so equal run ids in two sub-folders stay apart."""

    @property
    def complete(self) -> bool:
        """The transcript has a footer (the conversation finished, well or not)."""
        return self.footer is not None

    @property
    def file_name(self) -> str:
        """The transcript's file name, without its folder."""
        return Path(self.path).name


def _dump(record: BaseModel) -> str:
    return record.model_dump_json(by_alias=True)


class CostTally:
    """A conversation's cost, message by message: each model-written reply at its agent's list price; text
    no model wrote and replies from the call cache cost nothing."""

    def __init__(self, models: dict[str, tuple[str, str]], prices: dict[str, tuple[float, float]] | None = None
                 ) -> None:
        self._models = models
        """Speaker -> (provider kind, model), from the header."""
        self._prices = prices
        self.usd = 0.0
        self.cached_calls = 0
        self._unpriced: set[str] = set()
        self._uncounted = 0

    def add(self, speaker: str, msg: CallRecord) -> None:
        """Count one call's cost: a message's, or the call that wrote an agent's notes."""
        if msg.scripted:
            return
        if msg.cached:
            self.cached_calls += 1
            return
        model = self._models.get(speaker)
        if model is None:
            return
        price = price_of(*model, self._prices)
        if price is None:
            self._unpriced.add(f"{model[0]}:{model[1]}")
            return
        if price == (0.0, 0.0):
            return
        if msg.prompt_tokens is None or msg.completion_tokens is None:
            self._uncounted += 1
            return
        self.usd += (msg.prompt_tokens * price[0] + msg.completion_tokens * price[1]) / 1_000_000

    def total(self) -> tuple[float | None, str | None]:
        """(dollars, None), or (None, why the cost is not known)."""
        if self._unpriced:
            return None, f"no price for {', '.join(sorted(self._unpriced))} (add it under prices: in a sweep file)"
        if self._uncounted:
            return None, f"the server reported no token counts for {self._uncounted} call(s)"
        return round(self.usd, 6), None


class TranscriptWriter:
    """Appends records to a new transcript file, one flushed line each.

    The file is created exclusively: an existing transcript (or a link planted in its name) is never
    written through.
    """

    def __init__(self, path: str | Path, header: Header, *, fsync: bool = True, costed: bool = False,
                 prices: dict[str, tuple[float, float]] | None = None) -> None:
        """``costed``: the footer gets the conversation's cost (runs; imported logs have no token counts),
        at the list prices plus ``prices`` (a sweep's own)."""
        self.path = Path(path)
        ensure_dir(self.path.parent)
        try:
            self._fh = open_new(self.path)
        except FileExistsError:
            raise TranscriptError("a transcript with this name exists already; it is kept, not overwritten",
                                  file=str(self.path)) from None
        self._fsync = fsync
        self.messages = 0
        self.prompt_tokens = 0
        self.completion_tokens = 0
        self.by_agent: dict[str, AgentTokens] = {}
        self._cost = CostTally({a.name: (a.provider, a.model) for a in header.agents}, prices) if costed else None
        self._plan_key = plan_key(header.scenario_hash, {a.name: a.effective_base_url for a in header.agents})
        self._write(header)

    def _write(self, record: BaseModel) -> None:
        self._fh.write(_dump(record) + "\n")
        self._fh.flush()

    def message(self, msg: Message) -> None:
        """Append a message and count its tokens (a replayed message counts in its earlier branch)."""
        self._write(msg)
        self.messages += 1
        if not msg.replayed:  # said in the earlier branch, and counted there
            self.count(msg.speaker, msg)

    def count(self, speaker: str, call: CallRecord) -> None:
        """Add one call's tokens and cost to the footer's totals: a message's, or a call that wrote no message
        (an agent's notes, a rollback keeper's summary)."""
        self.prompt_tokens += call.prompt_tokens or 0
        self.completion_tokens += call.completion_tokens or 0
        if not call.scripted:
            used = self.by_agent.setdefault(speaker, AgentTokens())
            used.prompt_tokens += call.prompt_tokens or 0
            used.completion_tokens += call.completion_tokens or 0
        if self._cost is not None:
            self._cost.add(speaker, call)

    def notes(self, notes: Notes) -> None:
        """Write an agent's notes; their call's tokens count towards the footer's (a cost), not its turns."""
        self._write(notes)
        self.count(notes.agent, notes)

    def close(self, stop_reason: str, error: str | None = None) -> Footer:
        """Append the footer, sync and close the file; returns the footer."""
        cost, unknown = self._cost.total() if self._cost is not None else (None, None)
        footer = Footer(stop_reason=stop_reason, turns=self.messages, ended_at=now_iso(), error=error,
                        prompt_tokens=self.prompt_tokens, completion_tokens=self.completion_tokens,
                        by_agent=self.by_agent, plan_key=self._plan_key, cost_usd=cost, cost_unknown=unknown,
                        prices_as_of=PRICES_AS_OF if self._cost is not None else None,
                        cached_calls=self._cost.cached_calls if self._cost is not None else 0)
        self._write(footer)
        if self._fsync:
            os.fsync(self._fh.fileno())
        self._fh.close()
        return footer

    def abandon(self) -> None:
        """Close without a footer: the file stays recognisably partial."""
        if not self._fh.closed:
            self._fh.close()


def iter_records(path: str | Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    """Yield (line number, parsed object or None if unparsable, raw line)."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                yield n, None, line
                continue
            yield n, obj if isinstance(obj, dict) else None, line


TAIL_BLOCK = 4096


def last_line(path: str | Path) -> bytes:
    """The file's last non-blank line, without its line end, read backwards from the end (only as many
    blocks as that line spans)."""
    fd = os.open(path, os.O_RDONLY)
    try:
        pos = os.fstat(fd).st_size
        tail = b""
        while pos > 0:
            step = min(TAIL_BLOCK, pos)
            pos -= step
            tail = os.pread(fd, step, pos) + tail
            body = tail.rstrip()
            cut = body.rfind(b"\n")
            if cut >= 0:
                return body[cut + 1:]
        return tail.strip()
    finally:
        os.close(fd)


def read_footer(path: str | Path) -> Footer | None:
    """The footer, if the file's last line is one; None for a partial file (no footer, or a cut-off or
    unreadable last line). Reads nothing but the last line: this is what resume decides on."""
    line = last_line(path)
    if b'"footer"' not in line:
        return None
    try:
        return Footer.model_validate_json(line)  # its type field must be "footer"
    except ValidationError:
        return None


State = Literal["absent", "partial", "complete", "failed"]
"""A planned run's transcript: none yet, unfinished (no footer), finished, or finished with an error."""


def state_of(footer: Footer | None) -> State:
    """The state a transcript with this footer is in: the one rule the executor, resume and the report
    share (a transcript without a footer is partial, one whose footer records an error is failed)."""
    if footer is None:
        return "partial"
    return "failed" if footer.failed else "complete"


def transcript_status(path: str | Path) -> tuple[State, Footer | None]:
    """A transcript's state and footer, from its last line alone (a missing file is absent)."""
    try:
        footer = read_footer(path)
    except FileNotFoundError:
        return "absent", None
    return state_of(footer), footer


def transcript_state(path: str | Path) -> State:
    """:func:`transcript_status` without the footer."""
    return transcript_status(path)[0]


def read_transcript(path: str | Path) -> Transcript:
    """Read and validate a transcript. A cut-off last line (crash mid-write) is dropped, anything else bad
    is a TranscriptError naming the line."""
    p = str(path)
    records = list(iter_records(p))
    if not records:
        raise TranscriptError("empty transcript file", file=p)
    header: Header | None = None
    messages: list[Message] = []
    notes: list[Notes] = []
    footer: Footer | None = None
    dropped = False
    for pos, (n, obj, raw) in enumerate(records):
        last = pos == len(records) - 1
        if obj is None:
            if last and not raw.endswith("\n"):
                dropped = True
                break
            raise TranscriptError("not a JSON object", file=p, line=n)
        kind = obj.get("type")
        try:
            if n == records[0][0]:
                if kind != "header":
                    raise TranscriptError("the first line must be a header record", file=p, line=n, field="type")
                header = Header.model_validate(obj)
            elif kind == "message":
                if footer is not None:
                    raise TranscriptError("message after the footer", file=p, line=n)
                messages.append(Message.model_validate(obj))
            elif kind == "notes":
                if footer is not None:
                    raise TranscriptError("notes after the footer", file=p, line=n)
                notes.append(Notes.model_validate(obj))
            elif kind == "footer":
                if footer is not None:
                    raise TranscriptError("second footer", file=p, line=n)
                footer = Footer.model_validate(obj)
            else:
                raise TranscriptError(f"unknown record type {kind!r}", file=p, line=n, field="type")
        except ValidationError as exc:
            raise located(exc, file=p, line=n, error=TranscriptError) from None
    assert header is not None
    return Transcript(path=p, header=header, messages=messages, footer=footer, notes=notes, dropped_tail=dropped)


def transcript_files(folder: str | Path) -> list[Path]:
    """The transcript files under ``folder`` (recursively, in a stable order), leaving out hidden files and
    folders: ``.partial/`` and ``.failed/`` hold runs that were redone, and belong to no analysis."""
    root = Path(folder)
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise TranscriptError("no such file or folder", file=str(root))
    files = (q for q in root.rglob("*.jsonl")
             if not any(part.startswith(".") for part in q.relative_to(root).parts))
    return sorted(files, key=lambda q: _natural_key(str(q.relative_to(root))))


def iter_transcripts(folder: str | Path, *, include_partial: bool = True,
                     skipped: list[TranscriptError] | None = None) -> Iterator[Transcript]:
    """All transcripts under ``folder`` (see :func:`transcript_files`), each keyed by its relative path.

    With ``skipped``, a file that is not a readable transcript (empty, unrelated, corrupt) is appended to it
    as its error and left out; without, the first such file raises.
    """
    root = Path(folder)
    for f in transcript_files(root):
        try:
            t = read_transcript(f)
        except TranscriptError as exc:
            if skipped is None:
                raise
            skipped.append(exc)
            continue
        except OSError as exc:  # unreadable (permissions, a folder named *.jsonl)
            if skipped is None:
                raise TranscriptError(f"cannot read: {exc.strerror or exc}", file=str(f)) from None
            skipped.append(TranscriptError(f"cannot read: {exc.strerror or exc}", file=str(f)))
            continue
        t.key = transcript_key(f, root)
        if include_partial or t.complete:
            yield t


def transcript_key(f: Path, root: Path) -> str:
    """The name of transcript file ``f`` read from ``root`` (a folder, or the file itself): its path relative
    to the folder without ``.jsonl`` (``sweep-a/ego-r001``), or its stem."""
    return f.stem if f == root else f.relative_to(root).with_suffix("").as_posix()


def _natural_key(s: str) -> list[Any]:
    import re

    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", s)]


def json_schema() -> dict[str, Any]:
    """JSON Schema of the line types (what ``docs/transcript.schema.json`` holds)."""
    from pydantic.json_schema import models_json_schema

    kinds = (Header, Message, Notes, Footer)
    refs, top = models_json_schema([(m, "validation") for m in kinds], by_alias=True)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": SCHEMA,
        "description": "One JSON object per line: a header, then messages (and agents' notes between them), "
                       "then a footer (absent if partial).",
        "oneOf": [refs[(m, "validation")] for m in kinds],
        "$defs": top["$defs"],
    }
