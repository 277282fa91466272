"""Move lines of game protocols: a line that opens with a move word (``Walk-Away``, ``Accept-Deal``,
``Submit-Deal: food=1, ...``), possibly after Markdown decoration (``**``, ``-``, ``>``). One definition for the
stop rule that ends a game on a move (``phrase`` with ``move: true``) and for the scorer that replays the moves
(``analysis.studies.negotiation``), so a game never ends on a line the scorer does not count ("I will never
Walk-Away" is not a move).
"""

from __future__ import annotations

import re

_DECORATION_BEFORE = r"^[ \t>*_`#\-\[(]*"
_DECORATION_AFTER = r"[*_`\])]*[ \t]*:?(.*)$"


def move_pattern(words: str, *, case_sensitive: bool = False) -> re.Pattern[str]:
    """Lines opening with one of ``words`` (a regular expression, e.g. ``walk[- ]away|accept[- ]deal``); group
    1 is the word as written, group 2 the rest of the line."""
    flags = re.MULTILINE | (0 if case_sensitive else re.IGNORECASE)
    return re.compile(f"{_DECORATION_BEFORE}({words})\\b{_DECORATION_AFTER}", flags)


def phrase_as_move(phrase: str, *, case_sensitive: bool) -> re.Pattern[str]:
    """A stop phrase as a move: the literal phrase opening a line."""
    return move_pattern(re.escape(phrase), case_sensitive=case_sensitive)


__all__ = ["move_pattern", "phrase_as_move"]
