"""Keep API keys out of everything we write.

Provider SDKs put request details in their exception text (OpenAI's 401 echoes a masked key, proxies echo
headers), and that text ends up in transcripts, logs and reports. Every provider error message goes through
:func:`redact` before it leaves the provider module.
"""

from __future__ import annotations

import os
import re
from typing import Iterable, Mapping

REDACTED = "[REDACTED]"

# Environment variables whose values are secrets by name. Matching by suffix catches the keys of providers
# we have never heard of (GROQ_API_KEY, HF_TOKEN, ...).
_SECRET_NAME = re.compile(r"(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|PASSWORD)$|TOKEN$", re.IGNORECASE)
_DEFAULT_NAMES = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY")
# A value this short is not a key ("1", "true"): redacting it would mangle ordinary text.
_MIN_SECRET_LEN = 8

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # OpenAI / Anthropic style keys, full or partially masked ("sk-abc***xyz", "sk-proj-...", "sk-ant-...").
    (re.compile(r"sk-[A-Za-z0-9_\-*.]{3,}"), REDACTED),
    # Any other partially masked token: some characters, three or more asterisks, some characters.
    (re.compile(r"[A-Za-z0-9_\-]{2,}\*{3,}[A-Za-z0-9_\-]*"), REDACTED),
    # Credentials echoed as headers.
    (re.compile(r"(?i)(bearer\s+)[A-Za-z0-9_\-.~+/=]{8,}"), r"\1" + REDACTED),
    # A value must hold a digit, so prose like "API key: Incorrect" is left alone.
    (re.compile(r"(?i)((?:x-api-key|api[_-]?key|authorization)[\"']?\s*[:=]\s*[\"']?)(?=[^\s\"',}]*\d)[^\s\"',}]{8,}"),
     r"\1" + REDACTED),
)


def secret_values(env: Mapping[str, str] = os.environ, names: Iterable[str] = ()) -> list[str]:
    """The values in ``env`` that are secrets: well-known key variables, ``*_KEY``/``*TOKEN`` names, ``names``."""
    wanted = set(_DEFAULT_NAMES) | {n for n in names if n}
    values = {
        v for k, v in env.items()
        if v and len(v) >= _MIN_SECRET_LEN and (k in wanted or _SECRET_NAME.search(k))
    }
    # Longest first, so a key that contains another key is removed whole.
    return sorted(values, key=len, reverse=True)


def redact(text: str, env: Mapping[str, str] = os.environ, names: Iterable[str] = ()) -> str:
    """``text`` with every API key value from ``env`` and every key-looking string replaced by [REDACTED].

    ``names`` adds environment variables to treat as secret (an agent's ``api_key_env``), whatever they
    are called.
    """
    if not text:
        return text
    for value in secret_values(env, names):
        text = text.replace(value, REDACTED)
    for pattern, repl in _PATTERNS:
        text = pattern.sub(repl, text)
    return text


def public_url(url: str | None, env: Mapping[str, str] = os.environ) -> str | None:
    """``url`` fit to write down: no user or password (``https://user:key@host``), no query (``?key=``),
    no fragment, and any key value left in the path redacted."""
    if not url:
        return url
    from urllib.parse import urlsplit, urlunsplit

    try:
        parts = urlsplit(url)
        netloc = parts.hostname or ""
        if parts.port:
            netloc += f":{parts.port}"
    except ValueError:  # an unparsable port or host: keep nothing that could hold a credential
        return REDACTED
    return redact(urlunsplit((parts.scheme, netloc, parts.path, "", "")), env)


# Header names whose values are credentials whatever they look like (OpenRouter, Azure, proxies, gateways).
_SECRET_HEADER = re.compile(r"(?i)auth|key|token|secret|password|cookie|session|credential|signature")


def redact_headers(headers: Mapping[str, str] | None, env: Mapping[str, str] = os.environ) -> dict[str, str] | None:
    """Headers fit to write down: credential-like names get [REDACTED], other values go through :func:`redact`."""
    if headers is None:
        return None
    return {k: REDACTED if _SECRET_HEADER.search(k) else redact(str(v), env) for k, v in headers.items()}


def redact_data(value: object, env: Mapping[str, str] = os.environ) -> object:
    """A JSON-like value (an ``extra_body``) with secrets removed: values under credential-like keys become
    [REDACTED], every string goes through :func:`redact`."""
    if isinstance(value, dict):
        return {k: REDACTED if isinstance(k, str) and _SECRET_HEADER.search(k) and isinstance(v, str)
                else redact_data(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_data(v, env) for v in value]
    if isinstance(value, str):
        return redact(value, env)
    return value
