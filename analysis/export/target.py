"""Where an export writes, checked before anything is read (no heavy imports here)."""

from __future__ import annotations

from pathlib import Path

from simulator.errors import IngroupError


def out_folder(out: str | Path) -> Path:
    """``out`` as the folder an export writes into: a file of that name is refused (and kept)."""
    p = Path(out)
    if p.exists() and not p.is_dir():
        raise IngroupError("exists and is not a folder; --out must be a folder", file=str(p))
    return p
