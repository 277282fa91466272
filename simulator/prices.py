"""A small price table for plan estimates: US dollars per million tokens, (input, output).

List prices of the vendors' public pages (:data:`PRICES_SOURCE`) as of :data:`PRICES_AS_OF`, for the models
scenarios here name. They only feed ``ingroup sweep --dry-run`` estimates and the progress bar; check your
vendor before budgeting. A sweep file can add or override entries under ``prices:``. A model not listed
(and not local) has no price: the plan says so and totals the models it can price.
Matching is by longest prefix of the model name, so dated snapshots (``gpt-4o-2024-08-06``) match.
"""

from __future__ import annotations

PRICES_AS_OF = "2025-06"
PRICES_SOURCE = "openai.com/api/pricing and anthropic.com/pricing (standard tier, no batch or cache discounts)"
PRICES_PER_MTOK: dict[str, tuple[float, float]] = {
    "gpt-4o-mini": (0.15, 0.60),
    "gpt-4o": (2.50, 10.00),
    "gpt-4.1-nano": (0.10, 0.40),
    "gpt-4.1-mini": (0.40, 1.60),
    "gpt-4.1": (2.00, 8.00),
    "gpt-4-turbo": (10.00, 30.00),
    "gpt-3.5-turbo": (0.50, 1.50),
    "o3-mini": (1.10, 4.40),
    "o4-mini": (1.10, 4.40),
    "claude-3-5-sonnet": (3.00, 15.00),
    "claude-3-7-sonnet": (3.00, 15.00),
    "claude-sonnet-4": (3.00, 15.00),
    "claude-3-5-haiku": (0.80, 4.00),
    "claude-3-haiku": (0.25, 1.25),
    "claude-opus-4": (15.00, 75.00),
    "claude-3-opus": (15.00, 75.00),
}
# Providers that cost nothing per token: the in-process model and fixed lines.
FREE_PROVIDERS = frozenset({"embedded", "scripted"})


def price_of(provider: str, model: str, extra: dict[str, tuple[float, float]] | None = None
             ) -> tuple[float, float] | None:
    """(input, output) dollars per million tokens, or None when unknown."""
    if provider in FREE_PROVIDERS:
        return (0.0, 0.0)
    table = {**PRICES_PER_MTOK, **(extra or {})}
    low = model.lower()
    best = max((k for k in table if low.startswith(k.lower())), key=len, default=None)
    return table[best] if best is not None else None


def cost_of(provider: str, model: str, prompt_tokens: int, completion_tokens: int,
            extra: dict[str, tuple[float, float]] | None = None) -> float | None:
    """The cost in USD of one call from its token counts, or None when the model has no known price."""
    p = price_of(provider, model, extra)
    if p is None:
        return None
    return (prompt_tokens * p[0] + completion_tokens * p[1]) / 1_000_000
