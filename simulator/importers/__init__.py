"""Readers that turn other transcript formats into ingroup transcripts.

Each format module has a ``read(path, scenario) -> list[Conversation]`` that parses a file in memory; this
module picks the format (:func:`detect`), turns conversations into :class:`~simulator.transcript.Transcript`
objects without touching the disk (:func:`load`), or writes them as transcript files (:func:`write`).

Formats: ``autogen-console`` (AutoGen 0.2 console logs, the original "We the AI Assistants" outputs),
``casino`` (CaSiNo campsite negotiations, one transcript per dialogue), ``negotiationarena``
(NegotiationArena ``game_state.json`` files, private ``<reason>`` kept as the message's reasoning), and
``handmade`` (conversations written by hand, one JSON file each: see :mod:`.handmade`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

from ..errors import IngroupError
from ..scenario import Scenario
from ..transcript import Transcript, TranscriptWriter
from ._common import MAX_BYTES, Conversation, read_bytes

FORMATS = ("autogen-console", "casino", "negotiationarena", "handmade")


def detect(path: Path, raw: bytes) -> str:
    """The format of a file, from its content (the extension alone does not tell CaSiNo from the others)."""
    head = raw[:4096].lstrip()
    if head.startswith((b"{", b"[")):
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise IngroupError(f"looks like JSON but is not valid JSON ({exc})", file=str(path)) from None
        if isinstance(data, list) and data and isinstance(data[0], dict) and "chat_logs" in data[0]:
            return "casino"
        if isinstance(data, dict) and "players" in data and "game_state" in data:
            return "negotiationarena"
        if isinstance(data, dict) and "agents" in data and "messages" in data:
            return "handmade"
        raise IngroupError("JSON of no known format (CaSiNo dialogues, a NegotiationArena game_state.json, "
                           "or a hand-made conversation with 'agents' and 'messages')", file=str(path))
    return "autogen-console"


def _reader(fmt: str) -> Callable[[Path, bytes, Scenario | None], list[Conversation]]:
    if fmt == "autogen-console":
        from .autogen_console import read
    elif fmt == "casino":
        from .casino import read
    elif fmt == "negotiationarena":
        from .negotiationarena import read
    elif fmt == "handmade":
        from .handmade import read
    else:
        raise IngroupError(f"unknown format {fmt!r} (one of: auto, {', '.join(FORMATS)})", field="--format")
    return read


def read(path: str | Path, scenario: Scenario | None = None, fmt: str = "auto") -> list[Conversation]:
    """Every conversation in one file of another format."""
    p = Path(path)
    raw = read_bytes(p)
    return _reader(detect(p, raw) if fmt == "auto" else fmt)(p, raw, scenario)


def load(paths: str | Path | list[str | Path], scenario: Scenario | None = None, fmt: str = "auto"
         ) -> list[Transcript]:
    """Imported transcripts in memory (nothing is written): what ``evaluate`` reads raw corpora with."""
    items = paths if isinstance(paths, list) else [paths]
    out: list[Transcript] = []
    for p in items:
        files = sorted(Path(p).glob("*.json")) if Path(p).is_dir() else [Path(p)]
        if not files:
            raise IngroupError("no .json files in this folder", file=str(p))
        for f in files:
            out.extend(c.transcript() for c in read(f, scenario, fmt))
    return out


def write(conv: Conversation, out_dir: str | Path) -> Path:
    """Write one conversation as a transcript file (never over an existing one); returns its path."""
    dest = Path(out_dir) / f"{conv.file_stem}.jsonl"
    writer = TranscriptWriter(dest, conv.header)
    for m in conv.messages:
        writer.message(m)
    writer.close(stop_reason="imported")
    return dest


__all__ = ["FORMATS", "MAX_BYTES", "Conversation", "detect", "load", "read", "write"]
