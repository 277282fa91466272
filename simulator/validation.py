"""Pydantic models at the project's boundaries: the strict base model, and the one translation of a
validation error into an :class:`~simulator.errors.IngroupError` that says what is wrong and where.

The message never quotes the input: a value may be a URL with a password or a key.
"""

from __future__ import annotations

from typing import Callable

from pydantic import BaseModel, ConfigDict, ValidationError

from .errors import IngroupError
from .yamlio import Path_, format_path


class Strict(BaseModel):
    """A model of something a person writes (scenario, sweep, manifest, hand-made log): unknown fields are
    errors, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


def first_problem(exc: ValidationError) -> tuple[Path_, str]:
    """Where the first problem is, and what it is, in words a user can act on."""
    err = exc.errors()[0]
    path = tuple(p for p in err["loc"] if isinstance(p, (str, int)))
    if err["type"] == "extra_forbidden":
        return path, "unknown field"
    if err["type"] == "missing":
        return path, "required field is missing"
    return path, err["msg"].removeprefix("Value error, ")


def located(exc: ValidationError, *, file: str | None = None, base: Path_ = (),
            line_of: Callable[[Path_], int | None] | None = None, line: int | None = None,
            error: type[IngroupError] = IngroupError) -> IngroupError:
    """The first problem of ``exc`` as ``error``, at ``file`` and the line ``line_of`` gives for its path."""
    path, msg = first_problem(exc)
    full = base + path
    return error(msg, file=file, line=line if line is not None else (line_of(full) if line_of else None),
                 field=format_path(full) or None)


__all__ = ["Strict", "first_problem", "located"]
