"""Build the provider an agent asks for, with its key from the environment.

SDK modules are imported only for the kinds a scenario uses, so a run on the embedded model never needs the
network libraries to import cleanly, and vice versa.
"""

from __future__ import annotations

import os
from typing import Mapping

from ..errors import ProviderError
from ..scenario import AgentSpec
from .base import Completion, Provider, TransientError, Turn

__all__ = ["Completion", "Provider", "TransientError", "Turn", "make_provider", "resolve_key"]

DEFAULT_KEY_ENV = {"openai": "OPENAI_API_KEY", "anthropic": "ANTHROPIC_API_KEY"}
DEFAULT_BASE_URL_ENV = {"openai": "OPENAI_BASE_URL", "anthropic": "ANTHROPIC_BASE_URL"}
DEFAULT_BASE_URLS = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com"}
# Local OpenAI-compatible servers (and the load server) ignore the key, but the SDKs insist on one.
PLACEHOLDER_KEY = "no-key-needed"


def resolve_key(spec: AgentSpec, env: Mapping[str, str], *, base_url: str | None) -> tuple[str, str]:
    """(key, variable it came from). A custom ``base_url`` without a key gets a placeholder: local servers
    need none. A variable named by ``api_key_env`` must be set, whatever the server."""
    var = spec.api_key_env or DEFAULT_KEY_ENV[spec.provider]
    key = (env.get(var) or "").strip()
    if key:
        return key, var
    if base_url and not spec.api_key_env:
        return PLACEHOLDER_KEY, var
    raise ProviderError(f"agent {spec.name} ({spec.provider}): set {var} (no API key found in the environment), "
                        "or run with --embedded to use the local model")


def endpoint(spec: AgentSpec, env: Mapping[str, str] = os.environ) -> tuple[str | None, str]:
    """Where an HTTP agent's requests go and why: (base URL or None for the vendor's default, one of
    ``scenario`` / ``environment`` / ``default``). Recorded in the header: a run sent elsewhere by
    OPENAI_BASE_URL must not look like one on the vendor's API, and a resume must go where the run went."""
    from_env = (env.get(DEFAULT_BASE_URL_ENV[spec.provider]) or "").strip() or None
    base_url = spec.base_url or from_env
    return base_url, "scenario" if spec.base_url else "environment" if from_env else "default"


def cpu_count() -> int:
    """Cores this process may run on (its affinity mask, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


_share = {"processes": 1}


def set_process_share(processes: int) -> None:
    """Say how many processes share the cores (a sweep's workers), so in-process models run
    ``cores // processes`` threads each instead of oversubscribing the machine."""
    _share["processes"] = max(1, processes)


def threads_per_process() -> int:
    return max(1, cpu_count() // _share["processes"])


def effective_base_url(spec: AgentSpec, env: Mapping[str, str] = os.environ) -> str | None:
    """The base URL an agent's requests go to, the vendor's default included; None for local kinds."""
    if spec.provider not in DEFAULT_BASE_URLS:
        return None
    return endpoint(spec, env)[0] or DEFAULT_BASE_URLS[spec.provider]


def make_provider(spec: AgentSpec, env: Mapping[str, str] = os.environ) -> Provider:
    """The provider for ``spec``. Raises ProviderError for a missing key or an unknown provider kind."""
    kind = spec.provider
    if kind in ("openai", "anthropic"):
        base_url, origin = endpoint(spec, env)
        key, var = resolve_key(spec, env, base_url=base_url)
        if kind == "openai":
            from .openai import OpenAIProvider
            return OpenAIProvider(spec, api_key=key, key_env=var, base_url=base_url, env=env, base_url_from=origin)
        from .anthropic import AnthropicProvider
        return AnthropicProvider(spec, api_key=key, key_env=var, base_url=base_url, env=env,
                                 base_url_from=origin)
    if kind == "embedded":
        from .embedded import EmbeddedProvider
        return EmbeddedProvider(spec)
    if kind == "scripted":
        from .scripted import ScriptedProvider  # the lead's module
        return ScriptedProvider(spec)
    raise ProviderError(f"agent {spec.name}: unknown provider '{kind}' (use openai, anthropic, embedded or scripted)")
