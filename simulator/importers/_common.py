"""What every importer shares: reading the file safely and the in-memory conversation it returns."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import IngroupError
from ..transcript import Footer, Header, Message, Transcript

MAX_BYTES = 50_000_000


@dataclass
class Conversation:
    """One imported conversation: the header and messages a transcript file would hold."""

    header: Header
    messages: list[Message]

    @property
    def file_stem(self) -> str:
        return safe_stem(self.header.run_id)

    def transcript(self) -> Transcript:
        src = self.header.source or {}
        where = f"{src.get('file', '<import>')}#{self.header.run_id}"
        return Transcript(path=where, header=self.header, messages=self.messages,
                          footer=Footer(stop_reason="imported", turns=len(self.messages)))


def read_bytes(path: Path) -> bytes:
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise IngroupError("is a folder; give the files in it", file=str(path)) from None
    except OSError as exc:
        raise IngroupError(f"cannot read: {exc.strerror}", file=str(path)) from None
    if len(raw) > MAX_BYTES:
        raise IngroupError(f"larger than {MAX_BYTES} bytes", file=str(path))
    if b"\x00" in raw:
        raise IngroupError("binary file, not a conversation log", file=str(path))
    return raw


def source(fmt: str, path: Path, raw: bytes, **extra: object) -> dict[str, object]:
    return {"format": fmt, "file": path.name, "sha256": hashlib.sha256(raw).hexdigest(), **extra}


def safe_stem(stem: str) -> str:
    cleaned = re.sub(r"[^A-Za-z0-9._-]", "_", stem).lstrip(".")
    return cleaned or "imported"
