"""Versions of the packages a run depends on, recorded in every transcript header."""

from __future__ import annotations

import platform
from functools import lru_cache
from importlib import metadata

PACKAGES = ("ingroup", "autogen-agentchat", "autogen-core", "openai", "anthropic", "llama-cpp-python", "pydantic")


@lru_cache(maxsize=1)
def package_versions() -> dict[str, str]:
    """The versions of Python and of the packages a transcript's behaviour depends on, for its header."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return out
