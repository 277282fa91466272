"""Showing untrusted model text in a terminal: no markup, no escape sequences, no control characters."""

from __future__ import annotations

import re

from rich.markup import escape

# CSI/OSC/other ESC sequences, then any remaining C0/C1 control characters except newline and tab.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """Plain text that cannot move the cursor, retitle the terminal or inject rich markup."""
    return escape(_CTRL.sub("\ufffd", _ANSI.sub("", text)))


def preview(text: str, width: int = 100) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
