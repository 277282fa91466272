"""The analysis cache: each transcript's table rows, kept on disk so that an unchanged transcript is not
labelled again.

An entry is found by a key made of everything its rows depend on: the transcript file's bytes (SHA-256),
its name in the tables (path relative to the folder read), the analysis options (task, scenario, teams),
the analyzer's version, and a digest of the analysis code itself (every ``.py`` file of the ``analysis``
package and the transcript reader, with the Python version), so a change to a rule, a measure or the row
layout never serves old rows, even when nobody bumped a version. Entries are JSON (never pickle: a folder
of transcripts may come from anyone), one file per transcript under ``<folder>/.ingroup-cache/analysis/``,
written atomically; loaders of transcripts skip hidden folders. An entry that cannot be read or does not
have the expected shape is ignored (and rewritten when the transcript is labelled again); a folder that
cannot be written simply gets no entries.
"""

from __future__ import annotations

import hashlib
import json
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from simulator.errors import IngroupError
from simulator.files import write_atomic

from .api import TranscriptRows

FORMAT = 1
FOLDER = Path(".ingroup-cache") / "analysis"
_ANALYSIS = Path(__file__).resolve().parent
_READER = _ANALYSIS.parent / "simulator" / "transcript.py"


class _Entry(BaseModel):
    """What an entry file holds: its format, its key, the four lists of rows."""

    model_config = ConfigDict(extra="forbid", strict=True)

    format: int
    key: str
    tokens: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    conversations: list[dict[str, Any]]
    agents: list[dict[str, Any]]


@lru_cache(maxsize=1)
def code_digest() -> str:
    """SHA-256 of the analysis code (every ``.py`` under ``analysis/``, the transcript reader) and the
    Python version: any change to the code that makes the rows gives new keys."""
    h = hashlib.sha256(f"{sys.version_info[:3]}".encode())
    for f in sorted([*_ANALYSIS.rglob("*.py"), _READER]):
        h.update(str(f.relative_to(_ANALYSIS.parent)).encode() + b"\0")
        h.update(f.read_bytes())
    return h.hexdigest()


def options_digest(version: str, task: str | None, scenario: Any, teams: Any) -> str:
    """SHA-256 of what, besides a transcript, its rows depend on: the analyzer version, the code, the options
    (``scenario``: a :class:`simulator.scenario.Scenario` or None)."""
    material = {
        "version": version, "code": code_digest(), "task": task,
        "scenario": None if scenario is None else scenario.model_dump(mode="json"),
        "teams": None if not teams else sorted(dict(teams).items()),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def file_digest(path: Path) -> str | None:
    """SHA-256 of a file's bytes; None when it cannot be read (the reader then reports why)."""
    try:
        with open(path, "rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def entry_key(options: str, file_hash: str, name: str) -> str:
    """The key of one transcript's entry: the options' digest, its file's digest and its name in the tables."""
    return hashlib.sha256(f"{options}\0{file_hash}\0{name}".encode()).hexdigest()


class ResultCache:
    """Entries under ``root`` (a ``.../.ingroup-cache/analysis`` folder)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def has(self, key: str) -> bool:
        """An entry file exists under ``key`` (whether it is readable, :meth:`load` tells)."""
        return self._path(key).is_file()

    def load(self, key: str) -> TranscriptRows | None:
        """The rows kept under ``key``; None when there is no entry, or it is unreadable or not an entry of
        this key and format (then it is as if there were none)."""
        try:
            raw = self._path(key).read_bytes()
        except OSError:
            return None
        try:
            e = _Entry.model_validate_json(raw)
        except ValidationError:
            return None
        if e.format != FORMAT or e.key != key:
            return None
        return TranscriptRows(tokens=e.tokens, messages=e.messages, conversations=e.conversations,
                              agents=e.agents)

    def store(self, key: str, rows: TranscriptRows) -> bool:
        """Keep ``rows`` under ``key`` (atomically: a reader sees no entry or a whole one); False when the
        folder cannot be written (nothing is kept, nothing fails)."""
        try:
            data = json.dumps({"format": FORMAT, "key": key, "tokens": rows.tokens, "messages": rows.messages,
                               "conversations": rows.conversations, "agents": rows.agents},
                              ensure_ascii=False, allow_nan=False).encode("utf-8")
            write_atomic(self._path(key), data)
        except (IngroupError, OSError, ValueError):  # ValueError: a value JSON cannot keep exactly
            return False
        return True


__all__ = ["FOLDER", "ResultCache", "code_digest", "entry_key", "file_digest", "options_digest"]
