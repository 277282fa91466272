"""How the report writes a number: a share, an interval, a p-value ("–" where there is none)."""

from __future__ import annotations

import math


def share(x: float | None) -> str:
    """A rate or share with two decimals."""
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.2f}"


def interval(lo: float, hi: float) -> str:
    """A confidence interval, ``[lo, hi]``."""
    return "–" if math.isnan(lo) else f"[{lo:.2f}, {hi:.2f}]"


def p_value(p: float) -> str:
    """A p-value with three decimals, or ``<0.001``."""
    if math.isnan(p):
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"
