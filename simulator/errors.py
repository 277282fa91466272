"""Errors a user can act on.

Every error the CLI shows without a traceback is an :class:`IngroupError`: it carries where the problem is
(file, line, field) so the message can point at it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class IngroupError(Exception):
    """A problem with the user's input or environment, reported as one readable line."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class ScenarioError(IngroupError):
    """A scenario or sweep file that cannot be used as written."""


class ProviderError(IngroupError):
    """A provider that cannot be set up (missing key, missing package) or that failed for good."""


class TranscriptError(IngroupError):
    """A transcript file that does not follow the documented schema."""
