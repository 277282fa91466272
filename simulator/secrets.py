"""Keep credentials out of everything we write.

Provider SDKs put request details in their exception text (OpenAI's 401 echoes a masked key, proxies echo
headers), base URLs can carry a password (``https://user:pass@host``, ``?key=...``), and a command line can
hold either. Every URL, header and error text that reaches a transcript, log, table or report goes through
:func:`redact`, the one redaction of the project.

Every pattern here runs in linear time: the text is untrusted (a server's error body, a 5 MB opening), and a
backtracking pattern over a long run of letters would stall a sweep. Each pattern is anchored at the start of
a run of its characters (a look-behind) and uses possessive repeats, so no position is scanned twice.
"""

from __future__ import annotations

import functools
import os
import re
from typing import Any, Iterable, Mapping

import re2

REDACTED = "[REDACTED]"

# Environment variables whose values are secrets by name. Matching by suffix catches the keys of providers
# we have never heard of (GROQ_API_KEY, HF_TOKEN, ...).
_SECRET_NAME = re.compile(r"(?:^|_)(?:API_?KEY|KEY|TOKEN|SECRET|PASSWORD)$|TOKEN$", re.IGNORECASE)
_DEFAULT_NAMES = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY")
# A value this short is not a key ("1", "true"): redacting it would mangle ordinary text.
_MIN_SECRET_LEN = 8
# A piece of a configured key this long is an echo of the key (a masked copy, the key without its "sk-"),
# not a coincidence: 16 characters of a random key do not occur in prose.
PIECE = 16

_KEY_CHARS = r"A-Za-z0-9_\-"
# Query-string and header names whose value is a credential.
_SECRET_PARAM = r"(?:[\w.\-]{0,40}?(?:key|token|secret|password|passwd|pwd|sig|signature|credential|auth))"

_PATTERNS: tuple[tuple[re.Pattern[str], Any], ...] = (
    # Credentials in a URL's user-info: scheme://user:password@host.
    (re.compile(r"(?ai)(?<![a-z0-9+.\-])([a-z][a-z0-9+.\-]{0,30}+://)[^\s/@?#\"'<>\\,]++@"), r"\1" + REDACTED + "@"),
    # Credentials in a query string: ?key=..., &access_token=...
    (re.compile(r"(?ai)([?&;]" + _SECRET_PARAM + r"=)[^&#\s\"'<>]++"), r"\1" + REDACTED),
    # OpenAI / Anthropic style keys, full or partially masked ("sk-abc***xyz", "sk-proj-...", "sk-ant-...").
    (re.compile(r"(?a)(?<![A-Za-z0-9])sk-[A-Za-z0-9_\-*.]{3,}+"), REDACTED),
    # Any other partially masked token: some characters, three or more asterisks, some characters.
    (re.compile(rf"(?a)(?<![{_KEY_CHARS}])[{_KEY_CHARS}]{{2,}}+\*{{3,}}+[{_KEY_CHARS}]*+"), REDACTED),
    # Credentials echoed as headers: Authorization: Bearer/Basic ..., and bearer tokens anywhere.
    (re.compile(r"(?ai)(?<![a-z])(bearer\s++)[A-Za-z0-9_\-.~+/=]{8,}+"), r"\1" + REDACTED),
    (re.compile(r"(?ai)(authorization[\"']?\s*+[:=]\s*+[\"']?(?:basic\s++)?)[A-Za-z0-9_\-.~+/=]{8,}+"),
     r"\1" + REDACTED),
    # Headers and fields named like keys (``x-api-key: ...``, ``"password": "..."``): found from the ``:`` or
    # ``=`` so the scan is a fast one, the name before it checked in code.
    (re.compile(r"(?a)([\"']?\s*+[:=]\s*+[\"']?)([^\s\"',}&]{8,}+)"), lambda m: _named_value(m)),
)
# For each pattern, an RE2 expression that matches wherever the pattern can (a literal it needs, relaxed):
# one linear scan of the text says which patterns to run at all, and most texts need none.
_NAME_BEFORE = re.compile(r"(?ai)(?<![\w.\-])(?:x-api-key|x-goog-api-key|api[_-]?key|cookie|" + _SECRET_PARAM
                          + r")\Z")


def _named_value(m: re.Match[str]) -> str:
    # The value must hold a digit, so prose like "API key: Incorrect" is left alone.
    start = m.start()
    before = m.string[max(0, start - 64):start]
    if _NAME_BEFORE.search(before) and any(c.isdigit() for c in m.group(2)):
        return m.group(1) + REDACTED
    return m.group(0)


_TRIGGERS = (
    r"://",
    r"(?i)[?&;][A-Za-z0-9_.\-]{0,60}=",
    r"sk-",
    r"\*\*\*",
    r"(?i)bearer",
    r"(?i)authorization",
    r"(?i)(?:key|cookie|token|secret|passw|pwd|sig|credential|auth)",
)


def _trigger_set() -> Any:
    opts = re2.Options()
    opts.max_mem = 16 << 20
    found = re2.Set.SearchSet(opts)
    for t in _TRIGGERS:
        found.Add(t)
    found.Add("")  # a sentinel: RE2 reports no match when its DFA runs out of memory
    found.Compile()
    return found


_TRIGGER_SET = _trigger_set()


def _patterns_for(text: str) -> list[tuple[re.Pattern[str], Any]]:
    hits = _TRIGGER_SET.Match(text) or ()
    if len(_TRIGGERS) not in hits:  # no answer: run them all
        return list(_PATTERNS)
    return [_PATTERNS[i] for i in sorted(hits) if i < len(_TRIGGERS)]


def secret_values(env: Mapping[str, str] = os.environ, names: Iterable[str] = ()) -> list[str]:
    """The values in ``env`` that are secrets: well-known key variables, ``*_KEY``/``*TOKEN`` names, ``names``."""
    wanted = set(_DEFAULT_NAMES) | {n for n in names if n}
    values = {
        v for k, v in env.items()
        if v and len(v) >= _MIN_SECRET_LEN and (k in wanted or _SECRET_NAME.search(k))
    }
    # Longest first, so a key that contains another key is removed whole.
    return sorted(values, key=len, reverse=True)


def _echo_of(secret: str, i: int) -> bytes:
    # The window at i, then the rest of the secret, each further character optional: the match is the whole
    # echo, however much of the secret it holds.
    tail = b""
    for c in reversed(secret[i + PIECE:]):
        tail = b"(?:" + re2.escape(c.encode()) + tail + b")?"
    return re2.escape(secret[i:i + PIECE].encode()) + tail


@functools.lru_cache(maxsize=32)
def _pieces(secrets: tuple[str, ...]) -> Any:
    """One RE2 alternation of every PIECE-long window of the secrets: linear-time matching, whatever the
    number of keys. It reads UTF-8 bytes (cheaper per match than text, and a secret's bytes start and end
    on character boundaries)."""
    seen: set[str] = set()
    alternatives = []
    for s in secrets:
        for i in range(len(s) - PIECE + 1):
            if s[i:i + PIECE] not in seen:
                seen.add(s[i:i + PIECE])
                alternatives.append(_echo_of(s, i))
    if not alternatives:
        return None
    opts = re2.Options()
    opts.max_mem = 256 << 20
    return re2.compile(b"|".join(alternatives), opts)


def _remove_pieces(text: str, secrets: tuple[str, ...]) -> str:
    pattern = _pieces(secrets)
    if pattern is None:
        return text
    data = text.encode("utf-8", "surrogatepass")
    out: list[bytes] = []
    pos = 0
    for m in pattern.finditer(data):
        start, end = m.span()
        if start > pos or not out:
            out.append(data[pos:start])
        pos = end
    if not out:
        return text
    out.append(data[pos:])
    return REDACTED.encode().join(out).decode("utf-8", "surrogatepass")


def redact(text: str, env: Mapping[str, str] = os.environ, names: Iterable[str] = ()) -> str:
    """``text`` with every credential replaced by [REDACTED]: the values of key variables in ``env`` and any
    16-character piece of them, user-info and secret query parameters of URLs, authorization and key headers,
    and key-shaped strings (``sk-...``, masked ``ab12***wxyz``).

    ``names`` adds environment variables to treat as secret (an agent's ``api_key_env``), whatever they
    are called.
    """
    if not text:
        return text
    secrets = secret_values(env, names)
    for value in secrets:
        text = text.replace(value, REDACTED)
    text = _remove_pieces(text, tuple(s for s in secrets if len(s) >= PIECE))
    for pattern, repl in _patterns_for(text):
        text = pattern.sub(repl, text)
    return text


def redact_strings(data: Any, env: Mapping[str, str] = os.environ, names: Iterable[str] = ()) -> Any:
    """A copy of JSON-like ``data`` with every string redacted (a scenario record embedded in a header):
    redacting each string, not the serialised JSON, so no replacement can span or break its syntax."""
    if isinstance(data, str):
        return redact(data, env, names)
    if isinstance(data, dict):
        return {k: redact_strings(v, env, names) for k, v in data.items()}
    if isinstance(data, list):
        return [redact_strings(v, env, names) for v in data]
    return data


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
