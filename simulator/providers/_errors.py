"""What the HTTP providers share: which failures are worth retrying, and error text that holds no key.

Both official SDKs raise the same shapes (a status error with the response, a timeout, a connection error),
so the mapping to :class:`TransientError` / :class:`ProviderError` lives here once.
"""

from __future__ import annotations

import email.utils
import errno
import os
import time
from typing import Mapping

from ..errors import ProviderError
from ..secrets import redact
from .base import TransientError

# 408 request timeout, 409 conflict (OpenAI's "try again"), 425 too early, 429 rate limit; every 5xx
# (Anthropic's 529 "overloaded" included). The SDKs' own retry policies treat the same set as retryable.
_TRANSIENT_STATUS = {408, 409, 425, 429}


def is_transient_status(status: int) -> bool:
    return status in _TRANSIENT_STATUS or status >= 500


def parse_retry_after(headers: Mapping[str, str] | None) -> float | None:
    """Seconds to wait from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date); None if absent."""
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return max(0.0, float(ms) / 1000.0)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


_UNREACHABLE = {errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EADDRNOTAVAIL}


def token_count(value: object) -> int | None:
    """A token count a server reported, kept when it is one: a whole number from 0 to a billion (servers have
    sent -5 and 10**30; such a figure would poison every cost and length table)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 1_000_000_000:
        return value
    return None


class ErrorContext:
    """Builds the messages for one agent: prefixed with who failed, stripped of every key."""

    def __init__(self, agent: str, kind: str, key_env: str | None, env: Mapping[str, str] = os.environ,
                 api_key: str | None = None) -> None:
        self.agent = agent
        self.kind = kind
        self.key_env = key_env
        self._env = env
        self._names = [key_env] if key_env else []
        # The key actually sent may not be in os.environ (make_provider takes any mapping): redact it too.
        self._extra = {"INGROUP_AGENT_API_KEY": api_key} if api_key else {}

    def clean(self, text: str) -> str:
        env = {**self._env, **self._extra} if self._extra else self._env
        return redact(text, env, self._names)

    def prefix(self, text: str) -> str:
        return f"agent {self.agent} ({self.kind}): {self.clean(text)}"

    def transient(self, what: str, *, status: int | None = None, retry_after: float | None = None) -> TransientError:
        return TransientError(self.prefix(what), status=status, retry_after=retry_after)

    def timeout(self, exc: BaseException, timeout_s: float) -> TransientError:
        """A request that ended without an answer. The aiohttp transport reports a refused or unreachable
        connection as a timeout; the cause chain tells them apart, and a refused connection must say so."""
        cause: BaseException | None = exc
        for _ in range(10):
            if cause is None:
                break
            if isinstance(cause, (ConnectionRefusedError, ConnectionResetError)) or (
                    isinstance(cause, OSError) and cause.errno in _UNREACHABLE):
                return self.transient(f"cannot connect to the server: {cause.strerror or cause}")
            cause = cause.__cause__ or cause.__context__
        return self.transient(f"no answer within {timeout_s:g} s")

    def permanent(self, what: str) -> ProviderError:
        return ProviderError(self.prefix(what))

    def status_error(self, status: int, detail: str, headers: Mapping[str, str] | None) -> Exception:
        """The exception for an HTTP error status: transient (with retry_after) or permanent."""
        if is_transient_status(status):
            return self.transient(f"HTTP {status}: {detail}", status=status, retry_after=parse_retry_after(headers))
        if status in (401, 403):
            hint = f"; check {self.key_env}" if self.key_env else ""
            return self.permanent(f"HTTP {status}: {detail} (the server refused the key{hint})")
        return self.permanent(f"HTTP {status}: {detail}")
