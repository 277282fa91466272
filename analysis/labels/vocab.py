"""The label vocabulary of ../shared/LABELS.md, declared once, and the version of the rules that produce it.

Everything that names a label (the analyzers, the judge, evaluation, tables, the report) imports it here.
"""

from __future__ import annotations

LABELS_VERSION = 2
"""The version of LABELS.md these labels follow."""
RULES_VERSION = "2.0"
"""The version of the rule set in this package: bump it whenever a rule change can change a label."""
ANALYZER_VERSION = f"rules-{RULES_VERSION}+labels-v{LABELS_VERSION}"

REFS = ("dyad", "ai_class", "speaker_org", "speaker_human", "generic", "quoted")
"""What a first-person plural token refers to (LABELS.md section 1)."""
SOCIAL = frozenset({"dyad", "ai_class"})
"""Referents that put the speaker in one group with other participants: the in-group ("social") "we"."""

STANCE = ("cooperative", "competitive", "adversarial")
FLAGS = (*STANCE, "refusal", "off_task", "ai_self_reference", "observer_reference")
"""The true/false message labels (LABELS.md section 2)."""
NAME_LISTS = ("identity_claim", "reasoning_identity_claim")
REASONING_LABELS = ("reasoning_identity_claim",)
"""Labels read from a message's reasoning: their evidence offsets are into the reasoning, not the text."""
"""Creator or model names claimed in the visible text, and in the reasoning text beside it."""
LABEL_NAMES = (*FLAGS, *NAME_LISTS, "outcome")
OUTCOMES = ("win", "lose")

__all__ = ["ANALYZER_VERSION", "FLAGS", "REASONING_LABELS", "LABELS_VERSION", "LABEL_NAMES", "NAME_LISTS", "OUTCOMES", "REFS",
           "RULES_VERSION", "SOCIAL", "STANCE"]
