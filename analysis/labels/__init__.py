"""Rule-based labelers of LABELS.md (version 2), one module per label family:

- :mod:`.we`: first-person plural tokens, their referents and whom a coalition "we" includes
- :mod:`.stance`: cooperative / competitive / adversarial, with :mod:`.offers` reading deal moves
- :mod:`.drift`: refusal / off_task
- :mod:`.identity`: ai_self_reference / identity_claim (visible text and reasoning) / observer_reference
- :mod:`.outcome`: "I win" / "I lose"

Rules are plain regular expressions and small functions; they are matched only through :mod:`.match`,
whose reference engine is plain ``re`` (the default engine is an accelerator that gives the same matches).
:func:`label` runs every family on one message in its :class:`Context`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import drift, identity, outcome, stance, we
from .context import Context, History, Participant, Turn
from .doc import Evidence, make_doc
from .vocab import ANALYZER_VERSION, FLAGS, LABEL_NAMES, LABELS_VERSION, NAME_LISTS, REFS, RULES_VERSION, SOCIAL, STANCE
from .we import WeToken


@dataclass(slots=True)
class MessageLabels:
    """All labels of one message (LABELS.md), each with the evidence that triggered it.

    A label is None when it was not judged: ``off_task`` without a known task, and any label an LLM judge's
    answer did not give."""

    we: list[WeToken]
    cooperative: bool | None
    competitive: bool | None
    adversarial: bool | None
    refusal: bool | None
    off_task: bool | None
    ai_self_reference: bool | None
    observer_reference: bool | None
    identity_claim: list[str] | None
    outcome: str | None
    reasoning_identity_claim: list[str] | None = None
    """Names claimed in the message's reasoning text; None when the message has none."""
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)
    analyzer: str = "rules"
    not_judged: tuple[str, ...] = ()
    """Labels the analyzer gave no judgement for (an LLM judge's unreadable answer): their None is "missing",
    and ``outcome`` None there does not mean "no outcome"."""

    @property
    def social_we(self) -> int:
        """How many of the message's "we" tokens refer to the dyad or to AIs as a class."""
        return sum(1 for t in self.we if t.ref in SOCIAL)

    def to_record(self, *, with_evidence: bool = False) -> dict[str, Any]:
        """The LABELS.md record (without file/idx), optionally with evidence spans."""
        rec: dict[str, Any] = {"we": [_we_record(t) for t in self.we]}
        for k in FLAGS:
            rec[k] = getattr(self, k)
        rec["identity_claim"] = None if self.identity_claim is None else list(self.identity_claim)
        if self.reasoning_identity_claim is not None:
            rec["reasoning_identity_claim"] = list(self.reasoning_identity_claim)
        rec["outcome"] = self.outcome
        if with_evidence:
            rec["we"] = [t.to_dict() for t in self.we]
            rec["evidence"] = {k: [e.to_dict() for e in v] for k, v in self.evidence.items() if v}
        return rec


def _we_record(t: WeToken) -> dict[str, Any]:
    out: dict[str, Any] = {"token": t.token, "char": t.char, "ref": t.ref}
    if t.includes:
        out["with"] = list(t.includes)
    return out


# Labelling time and memory grow with a message's length; a message (or its reasoning) longer than this is
# labelled on its first LABELLED_CHARS characters, so one 50 MB reply cannot stall an analysis. No
# conversation of the labelled corpora comes near it (their longest message is under 10,000 characters).
LABELLED_CHARS = 200_000


def label(text: str, ctx: Context, reasoning: str | None = None) -> MessageLabels:
    """Every label of one message. ``reasoning``: private reasoning text beside it, if any (only identity
    claims are read there; the other labels are about what the others see). Each is read up to
    :data:`LABELLED_CHARS` characters."""
    text = text[:LABELLED_CHARS]
    if reasoning is not None:
        reasoning = reasoning[:LABELLED_CHARS]
    doc = make_doc(text)
    tokens = we.find_tokens(doc, ctx)
    out_v, out_ev = outcome.detect(doc, ctx)
    (coop, coop_ev), (comp, comp_ev), (adv, adv_ev) = stance.label(doc, ctx, out_v, tokens)
    ref, ref_ev = drift.refusal(doc)
    off, off_ev = drift.off_task(doc, ctx, adv_ev + ref_ev + out_ev + [e for e in comp_ev if e.rule.startswith(
        ("move_", "offer"))] + [e for e in coop_ev if e.rule.startswith(("move_", "offer"))])
    ai, ai_ev = identity.ai_self_reference(doc)
    names, id_ev = identity.identity_claim(doc, ctx.agents)
    if not ai and names:
        # Claiming a model or creator name for itself ("I'm GPT-4, made by OpenAI") says it is an AI.
        ai, ai_ev = True, list(id_ev)
    if not ai:
        # "as AI assistants, we ..." says the speaker is an AI even when no singular form is used.
        ai_ev = [t.evidence for t in tokens if t.ref == "ai_class"]
        ai = bool(ai_ev)
    obs, obs_ev = identity.observer_reference(doc)
    r_names: list[str] | None = None
    evidence = {"cooperative": coop_ev, "competitive": comp_ev, "adversarial": adv_ev, "refusal": ref_ev,
                "off_task": off_ev, "ai_self_reference": ai_ev, "identity_claim": id_ev,
                "observer_reference": obs_ev, "outcome": out_ev}
    if reasoning is not None:
        r_names, evidence["reasoning_identity_claim"] = identity.reasoning_identity_claim(reasoning, ctx.agents)
    return MessageLabels(
        we=tokens, cooperative=coop, competitive=comp, adversarial=adv, refusal=ref, off_task=off,
        ai_self_reference=ai, observer_reference=obs, identity_claim=names, outcome=out_v,
        reasoning_identity_claim=r_names, evidence=evidence,
    )


__all__ = ["ANALYZER_VERSION", "Context", "Evidence", "FLAGS", "History", "LABELS_VERSION", "LABEL_NAMES",
           "MessageLabels", "NAME_LISTS", "Participant", "REFS", "RULES_VERSION", "SOCIAL", "STANCE", "Turn",
           "WeToken", "label"]
