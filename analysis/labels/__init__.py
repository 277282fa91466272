"""Rule-based labelers, one module per label family (see ../../docs/analyzers.md and LABELS.md).

- :mod:`.we`: first-person plural tokens and their referents
- :mod:`.stance`: cooperative / adversarial
- :mod:`.drift`: refusal / off_task
- :mod:`.identity`: ai_self_reference / identity_claim / observer_reference
- :mod:`.outcome`: "I win" / "I lose"

:func:`label` runs them all on one message.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import drift, identity, outcome, stance, we
from .common import Context, Doc, Evidence, make_doc
from .we import REFS, SOCIAL, WeToken

FLAGS = ("cooperative", "adversarial", "refusal", "off_task", "ai_self_reference", "observer_reference")
LABEL_NAMES = FLAGS + ("identity_claim", "outcome")


@dataclass(slots=True)
class MessageLabels:
    """All labels of one message (LABELS.md), each with the evidence that triggered it."""

    we: list[WeToken]
    cooperative: bool
    adversarial: bool
    refusal: bool
    off_task: bool | None
    """None when no task is known (off task needs the assigned contest)."""
    ai_self_reference: bool
    observer_reference: bool
    identity_claim: list[str]
    outcome: str | None
    evidence: dict[str, list[Evidence]] = field(default_factory=dict)
    analyzer: str = "rules"

    @property
    def social_we(self) -> int:
        return sum(1 for t in self.we if t.ref in SOCIAL)

    def to_record(self, *, with_evidence: bool = False) -> dict[str, Any]:
        """The LABELS.md record (without file/idx), optionally with evidence spans."""
        rec: dict[str, Any] = {
            "we": [{"token": t.token, "char": t.char, "ref": t.ref} for t in self.we],
            "cooperative": self.cooperative, "adversarial": self.adversarial, "refusal": self.refusal,
            "off_task": self.off_task, "ai_self_reference": self.ai_self_reference,
            "identity_claim": list(self.identity_claim), "observer_reference": self.observer_reference,
            "outcome": self.outcome,
        }
        if with_evidence:
            rec["we"] = [t.to_dict() for t in self.we]
            rec["evidence"] = {k: [e.to_dict() for e in v] for k, v in self.evidence.items() if v}
        return rec


def label(text: str, ctx: Context) -> MessageLabels:
    doc: Doc = make_doc(text)
    tokens = we.find_tokens(doc)
    out_v, out_ev = outcome.detect(doc)
    adv, adv_ev = stance.adversarial(doc, out_v)
    coop, coop_ev = stance.cooperative(doc, out_v, adv_ev)
    ref, ref_ev = drift.refusal(doc, ctx.previous)
    off, off_ev = drift.off_task(doc, ctx.task, adv_ev + ref_ev + out_ev)
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
    return MessageLabels(
        we=tokens, cooperative=coop, adversarial=adv, refusal=ref, off_task=off, ai_self_reference=ai,
        observer_reference=obs, identity_claim=names, outcome=out_v,
        evidence={"cooperative": coop_ev, "adversarial": adv_ev, "refusal": ref_ev, "off_task": off_ev,
                  "ai_self_reference": ai_ev, "identity_claim": id_ev, "observer_reference": obs_ev,
                  "outcome": out_ev},
    )


__all__ = ["Context", "Evidence", "MessageLabels", "WeToken", "REFS", "SOCIAL", "FLAGS", "LABEL_NAMES", "label"]
