"""Showing untrusted model text: no markup, no escape sequences, nothing that hides or reorders text.

The one definition of the characters a reviewer must see rather than have interpreted: used for the
terminal here, by the report (one character for one, so the analyzers' offsets stay valid) and for CSV
cells.
"""

from __future__ import annotations

import re

from rich.markup import escape

# CSI/OSC/other ESC sequences, then any remaining C0/C1 control characters except newline and tab.
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


def _table() -> dict[int, str]:
    table: dict[int, str] = {}
    for c in range(0x20):
        if c not in (0x09, 0x0A):  # tab and newline are layout, not control
            table[c] = chr(0x2400 + c)  # the Unicode "control picture": ESC shows as ␛
    table[0x7F] = "\u2421"
    for c in range(0x80, 0xA0):
        table[c] = "\ufffd"
    # Bidi embeddings, overrides and isolates ("Trojan Source"), and invisible direction marks.
    for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C):
        table[c] = "\ufffd"
    # Invisible characters that split or hide words (zero-width space and non-joiner, word joiner,
    # invisible operators, BOM, Mongolian vowel separator); the zero-width joiner stays, emoji need it.
    for c in (0x200B, 0x200C, *range(0x2060, 0x2065), 0xFEFF, 0x180E):
        table[c] = "\u2423"  # ␣
    # Tag characters: invisible, and they can carry a whole hidden text.
    for c in range(0xE0000, 0xE0080):
        table[c] = "\ufffd"
    for c in range(0xD800, 0xE000):  # lone surrogates from JSON "\ud800" escapes would break utf-8 output
        table[c] = "\ufffd"
    return table


_NEUTRAL = _table()


def neutralise(text: str) -> str:
    """Same length as ``text``; control, bidi, invisible and surrogate characters replaced by visible
    stand-ins."""
    return text.translate(_NEUTRAL)


def terminal_safe(text: str) -> str:
    """Plain text that cannot move the cursor, retitle the terminal, hide or reorder text, or inject rich
    markup."""
    return escape(neutralise(_ANSI.sub("", text)))


# What a spreadsheet runs as a formula when a cell starts with it (OWASP's list), and the full-width forms
# some spreadsheets also accept.
_FORMULA_START = tuple("=+-@\t\r＝＋－＠")


def csv_safe(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: neutralised, and prefixed with ``'`` when it would start a
    formula (``=HYPERLINK(...)``, ``@SUM(...)``, ``-2+3``)."""
    value = neutralise(_ANSI.sub("", value))
    return "'" + value if value.startswith(_FORMULA_START) else value


# A terminal shows a message up to this length; the transcript keeps it whole.
SHOWN_CHARS = 4_000


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    """``text`` cut at ``limit`` characters, with a marker saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]} … [{len(text) - limit:,} more characters in the transcript]"


def preview(text: str, width: int = 100) -> str:
    """One line of at most ``width`` characters (spaces collapsed), "…" where it was cut."""
    head = text[: width * 4]  # enough to fill the width after collapsing spaces, without splitting it all
    flat = " ".join(head.split())
    if len(flat) <= width and len(head) == len(text):
        return flat
    return flat[: width - 1] + "…"
