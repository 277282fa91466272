"""The name of a sweep cell in the tables, apart from the statistics so that labelling needs no pandas."""

from __future__ import annotations


def condition_label(condition: dict | None) -> str:
    """A stable, readable name for a sweep cell: ``factor=level, factor=level`` sorted by factor."""
    if not condition:
        return "(single condition)"
    return ", ".join(f"{k}={condition[k]}" for k in sorted(condition))


__all__ = ["condition_label"]
