"""The LLM judge's defaults, apart from the judge itself so the CLI can show them without loading it."""

from __future__ import annotations

from pathlib import Path

DEFAULT_PROVIDER = "embedded"
DEFAULT_MODEL = "SmolLM2-135M-Instruct"
DEFAULT_CACHE = Path(".ingroup-cache/judge.jsonl")
