"""The identity sweep (scenarios/sweeps/identity-sweep.yaml): which identities each model claims, per prompt.

Each run is one battery prompt (the scripted opening) to one subject with no system prompt, and the
follow-ups the interviewer asks when the subject claims another identity. For every first answer:

- ``reply_claims`` / ``reasoning_claims``: identities claimed other than the subject's declared one
  (``analysis.labels.identity``: any language the battery uses, negation and contrast handled), in the visible
  reply and in the reasoning text apart, as creators ("I'm ChatGPT" and "made by OpenAI" are both OpenAI);
- ``language``: the prompt's (``zh`` when it holds Chinese characters, else ``en``);
- ``prompt_tokens``: what the provider counted for the bare prompt.

Per model (:func:`model_summary`): the share of first answers with a claim of another identity (reply,
reasoning, either), per language, which identities, and a flag for a probable hidden system prompt. A
provider that injects one makes the bare prompt cost more prompt tokens than it should; three signals, any
of which sets ``hidden_prompt_suspected``:

- ``excess_over_reference``: with a reference model, the median over prompts of this model's prompt tokens
  minus the reference's for the same prompt (different tokenizers differ by a few tokens, not by a prompt);
- ``excess_over_own_min``: the most any answer's prompt tokens exceed this model's own minimum for the same
  prompt (a router that injects on some calls only);
- ``min_prompt_tokens``: the fewest prompt tokens of any bare prompt; above ``bare_max`` no bare "hi" fits.

:func:`claims_table` is the published table's shape: models x claimed identities, the share of first answers
claiming each.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from simulator.transcript import Transcript

from ..labels.doc import make_doc
from ..labels.identity import creator_of, identity_claim, other_identity_claims

MARGIN_TOKENS = 20
"""Prompt tokens above the reference, or above the model's own minimum for the same prompt, that count as a
hidden prompt: more than chat templates and tokenizers differ by, fewer than any system prompt."""
BARE_MAX_TOKENS = 50
"""The most prompt tokens a bare battery prompt (the shortest, "hi") takes with any chat template."""


def install() -> None:
    """Register the claim detector the conditional interviewer uses (``simulator.interview``)."""
    from simulator.claims import register_claim_detector

    register_claim_detector(other_claims)


def other_claims(text: str, declared: Sequence[str]) -> list[str]:
    """Identities ``text`` claims other than the declared ones, each in its usual spelling."""
    return other_identity_claims(identity_claim(make_doc(text))[0], declared)


def _language(text: str) -> str:
    return "zh" if any("\u4e00" <= ch <= "\u9fff" for ch in text) else "en"


def _creators(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(creator_of(n) for n in names))


@dataclass
class BatteryAnswer:
    """The first answer of one battery run."""

    run_id: str
    model: str
    """The model the scenario asked for (the file's, also after ``--embedded``)."""
    served_model: str
    """The model that ran (the local model after ``--embedded``)."""
    official_name: str | None
    prompt: str
    prompt_key: str
    language: str
    repetition: int
    prompt_tokens: int | None
    reply_claims: list[str] = field(default_factory=list)
    reasoning_claims: list[str] = field(default_factory=list)
    follow_ups: int = 0
    """Follow-up questions the interviewer asked (0: no claim of another identity)."""
    follow_up_claims: list[str] = field(default_factory=list)
    condition: dict[str, Any] = field(default_factory=dict)


def battery_answer(t: Transcript) -> BatteryAnswer | None:
    """The battery answer of a transcript, or None when it is not a battery run (a scripted opener and one
    model subject that answers it)."""
    agents = {a.name: a for a in t.header.agents}
    if len(t.messages) < 2:
        return None
    opener = agents.get(t.messages[0].speaker)
    subjects = [a for a in t.header.agents if a.provider != "scripted"]
    if opener is None or opener.provider != "scripted" or len(subjects) != 1:
        return None
    subject = subjects[0]
    first = t.messages[1]
    if first.speaker != subject.name:
        return None
    declared_model = (subject.substituted_from or {}).get("model") or subject.model
    declared = [x for x in (subject.official_name, subject.creator, subject.model, declared_model) if x]
    prompt = t.messages[0].text
    later = t.messages[2:]
    return BatteryAnswer(
        run_id=t.header.run_id, model=declared_model, served_model=subject.model,
        official_name=subject.official_name, prompt=prompt,
        prompt_key=str(t.header.condition.get("prompt", prompt)), language=_language(prompt),
        repetition=t.header.repetition, prompt_tokens=first.prompt_tokens,
        reply_claims=_creators(other_claims(first.text, declared)),
        reasoning_claims=_creators(other_claims(first.reasoning or "", declared)),
        follow_ups=sum(1 for m in later if m.speaker != subject.name),
        follow_up_claims=_creators(n for m in later if m.speaker == subject.name
                                   for n in other_claims(m.text, declared)),
        condition=dict(t.header.condition),
    )


def answers_frame(transcripts: Iterable[Transcript]):
    """One row per battery run (complete transcripts only): its first answer's claims and prompt tokens."""
    import pandas as pd

    rows = []
    for t in transcripts:
        if not t.complete:
            continue
        a = battery_answer(t)
        if a is None:
            continue
        row = {k: v for k, v in a.__dict__.items() if k != "condition"}
        for key in ("reply_claims", "reasoning_claims", "follow_up_claims"):
            row[key] = "|".join(row[key])
        row["claims_other"] = bool(a.reply_claims or a.reasoning_claims)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(BatteryAnswer.__dataclass_fields__)[:-1] + ["claims_other"])


def _split(cell: str) -> list[str]:
    return [x for x in cell.split("|") if x]


def model_summary(frame, *, reference: str | None = None, margin: int = MARGIN_TOKENS,
                  bare_max: int = BARE_MAX_TOKENS):
    """One row per model: shares of first answers claiming another identity (reply, reasoning, either; per
    language), the identities claimed (``identity:count``), and the hidden-prompt signals and flag."""
    import pandas as pd

    rows: list[dict[str, Any]] = []
    if frame.empty:
        return pd.DataFrame(rows)
    ref_min = (frame[frame["model"] == reference].groupby("prompt_key")["prompt_tokens"].min()
               if reference is not None else None)
    for model, g in frame.groupby("model", sort=True):
        reply = g["reply_claims"].map(bool)
        reasoning = g["reasoning_claims"].map(bool)
        counts: dict[str, int] = {}
        for _, r in g.iterrows():
            for ident in dict.fromkeys(_split(r["reply_claims"]) + _split(r["reasoning_claims"])):
                counts[ident] = counts.get(ident, 0) + 1
        row: dict[str, Any] = {
            "model": model, "official_name": next((x for x in g["official_name"] if x), None), "answers": len(g),
            "share_reply": reply.mean(), "share_reasoning": reasoning.mean(), "share_any": (reply | reasoning).mean(),
            "identities": ", ".join(f"{k}:{v}" for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
            "followed_up": int((g["follow_ups"] > 0).sum()),
        }
        for lang in ("en", "zh"):
            sub = g[g["language"] == lang]
            row[f"share_reply_{lang}"] = sub["reply_claims"].map(bool).mean() if len(sub) else float("nan")
            row[f"answers_{lang}"] = len(sub)
        tokens = g.dropna(subset=["prompt_tokens"])
        per_prompt = tokens.groupby("prompt_key")["prompt_tokens"]
        row["min_prompt_tokens"] = int(tokens["prompt_tokens"].min()) if len(tokens) else None
        row["excess_over_own_min"] = (int((tokens["prompt_tokens"] - per_prompt.transform("min")).max())
                                      if len(tokens) else None)
        row["excess_over_reference"] = None
        if ref_min is not None and model != reference and len(tokens):
            mins = per_prompt.min()
            common = mins.index.intersection(ref_min.index)
            if len(common):
                row["excess_over_reference"] = float(statistics.median(mins[common] - ref_min[common]))
        basis = []
        if row["excess_over_reference"] is not None and row["excess_over_reference"] > margin:
            basis.append("reference")
        if row["excess_over_own_min"] is not None and row["excess_over_own_min"] > margin:
            basis.append("own_minimum")
        if row["min_prompt_tokens"] is not None and row["min_prompt_tokens"] > bare_max:
            basis.append("bare_prompt_size")
        row["hidden_prompt_suspected"] = bool(basis)
        row["hidden_prompt_basis"] = ",".join(basis)
        rows.append(row)
    return pd.DataFrame(rows)


def claims_table(frame):
    """Models x claimed identities (the published table's shape): the share of each model's first answers
    that claim each identity, in the reply or the reasoning. Identities nobody claimed have no column."""
    import pandas as pd

    if frame.empty:
        return pd.DataFrame()
    idents: list[str] = []
    for cell in list(frame["reply_claims"]) + list(frame["reasoning_claims"]):
        for x in _split(cell):
            if x not in idents:
                idents.append(x)
    out = {}
    for model, g in frame.groupby("model", sort=True):
        claimed = [set(_split(a)) | set(_split(b)) for a, b in zip(g["reply_claims"], g["reasoning_claims"])]
        out[model] = {i: sum(i in c for c in claimed) / len(g) for i in sorted(idents)}
    return pd.DataFrame.from_dict(out, orient="index", columns=sorted(idents))
