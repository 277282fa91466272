"""What the two SDK providers share: client set-up, where the call went, and one exception ladder.

The official OpenAI and Anthropic SDKs are built alike (a generic ``post``, ``max_retries``, the same
exception shapes: a status error with its response, a timeout, a connection error, a base error), so one
class holds what they do the same way; each provider keeps its request shape and its reply reader.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any, Mapping

from ..scenario import AgentSpec
from . import _clients
from ._errors import ErrorContext
from .base import Provenance, RequestRule, matching_rules


class SDKProvider:
    """Base of the providers that call a server through an official SDK module (``openai``, ``anthropic``)."""

    kind: str
    sdk: ModuleType
    client_class: str
    """The SDK's async client class name (``AsyncOpenAI``, ``AsyncAnthropic``)."""
    base_error: str
    """The SDK's root exception class name (``OpenAIError``, ``AnthropicError``)."""
    default_base_url: str
    rule_table: tuple[RequestRule, ...] = ()
    """What each model accepts (the provider's ``REQUEST_RULES``)."""

    def __init__(self, spec: AgentSpec, *, api_key: str, key_env: str | None,
                 base_url: str | None = None, env: Mapping[str, str] = os.environ,
                 base_url_from: str | None = None) -> None:
        self.model = spec.model
        self.spec = spec
        self.base_url = base_url or spec.base_url
        self._base_url_from = base_url_from or ("scenario" if spec.base_url else "default")
        self._rules = matching_rules(self.rule_table, spec.model)
        self._errors = ErrorContext(spec.name, self.kind, key_env, env, api_key)
        self._api_key = api_key
        self._headers = dict(spec.extra_headers or {})
        self._clients = _clients.ClientHandle((self.kind, self.base_url, api_key, spec.timeout_s), self._new_client)

    @property
    def request_rules(self) -> list[str]:
        """Names of the request rules that match this model (part of a cache key)."""
        return [r.name for r in self._rules]

    def _new_client(self) -> Any:
        # An explicit api_key also stops the Anthropic SDK from looking for credentials on disk.
        return getattr(self.sdk, self.client_class)(
            api_key=self._api_key,
            base_url=self.base_url or self.default_base_url,
            timeout=self.spec.timeout_s,
            max_retries=0,  # simulator.retry owns retries
            http_client=_clients.http_client(self.sdk, self.spec.timeout_s),
        )

    def provenance(self, system: str) -> Provenance:
        """Where the calls go and why (scenario, environment or the SDK's default)."""
        return Provenance(base_url=self.base_url or self.default_base_url,
                          base_url_from=self._base_url_from)  # type: ignore[arg-type]

    async def _post(self, path: str, body: dict[str, Any], cast_to: Any) -> Any:
        """POST ``body`` through the SDK's documented generic ``post`` (same JSON, auth and errors as its typed
        methods, without their per-call request transform), mapping the SDK's failures to ingroup's."""
        options: Any = {"headers": self._headers} if self._headers else {}
        sdk = self.sdk
        try:
            return await self._clients.get().post(path, body=body, cast_to=cast_to, options=options)
        except sdk.APIStatusError as exc:
            raise self._errors.status_error(exc.status_code, self._detail(exc), exc.response.headers) from None
        except sdk.APITimeoutError as exc:
            raise self._errors.timeout(exc, self.spec.timeout_s) from None
        except sdk.APIConnectionError as exc:
            raise self._errors.transient(f"connection failed: {exc}") from None
        except getattr(sdk, self.base_error) as exc:
            raise self._errors.permanent(f"{type(exc).__name__}: {exc}") from None

    def _detail(self, exc: Any) -> str:
        """The server's own error message from a status error."""
        return str(exc.message)

    async def aclose(self) -> None:
        """Close the client this provider owns (a pooled client is closed by its pool)."""
        await self._clients.aclose()
