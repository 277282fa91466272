"""``<think>...</think>`` sections in a reply: the reasoning of DeepSeek R1 and its kin as local servers and
llama.cpp return it, inline in the text. Split off only when a scenario asks (``think_tags: true``): another
model's reply may use the tag as ordinary text."""

from __future__ import annotations

import re

# A reply may open with an unclosed <think> that runs to the end (cut off by max_tokens), and some templates
# put the opening tag in the prompt, so the reply starts inside the section and only closes it.
_CLOSED = re.compile(r"<think>(.*?)</think>", re.DOTALL | re.IGNORECASE)
_OPEN_TAIL = re.compile(r"<think>(.*)\Z", re.DOTALL | re.IGNORECASE)
_CLOSE_ONLY = re.compile(r"\A(.*?)</think>", re.DOTALL | re.IGNORECASE)


def split_think_tags(text: str) -> tuple[str, str | None]:
    """(visible text, reasoning or None): every think section moved out, in order, joined by blank lines."""
    parts: list[str] = []
    if "<think>" not in text.lower() and (m := _CLOSE_ONLY.match(text)):
        parts.append(m.group(1))
        text = text[m.end():]
    text = _CLOSED.sub(lambda m: parts.append(m.group(1)) or "", text)  # type: ignore[func-returns-value]
    if m := _OPEN_TAIL.search(text):
        parts.append(m.group(1))
        text = text[:m.start()]
    reasoning = "\n\n".join(p.strip() for p in parts if p.strip())
    if not parts:
        return text, None
    return text.strip(), reasoning or None
