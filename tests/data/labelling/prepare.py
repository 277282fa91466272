"""Make the annotation packets for the version-2 development labels (see ../labels_v2.md).

For each set, picks the conversations (seeded, reproducible), imports them with ingroup's importers (so
character offsets are those of the transcripts the analyzers read), and writes, per set:

- ``conversations.md``: every conversation with its participants, their sides and system prompts, the task,
  and each message numbered, with its first-person plural candidates marked;
- ``skeleton.jsonl``: one LABELS.md record per message to fill in, with the candidate tokens (every
  whole-word we / us / our / ours / ourselves / let's / lets / let us / we're / we've / we'll / we'd, US
  included) listed with their offsets and ``ref: null``.

The candidates are a plain superset found by one regular expression, not the analyzers' output: annotators
decide which are tokens at all ("US" the country, "lets" meaning "allows") and may add any that are missing.

    .venv/bin/python tests/data/labelling/prepare.py OUT_DIR [--set casino|casino_stance|negotiationarena|multiparty]
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from simulator import importers  # noqa: E402
from simulator.transcript import Transcript  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
CANDIDATE = re.compile(r"\b(?:let['\u2019]s|lets|let us|we['\u2019](?:re|ve|ll|d)|ourselves|ours|our|we|us)\b",
                       re.IGNORECASE)
SEED = 20261201
CASINO_MIN_TOKENS = 470
NA_GAMES = 62  # ultimatum games, 3 turns each, besides the 4 buy-sell games (23 turns): 209 messages
FULL = {"cooperative": None, "competitive": None, "adversarial": None, "refusal": None, "off_task": None,
        "ai_self_reference": None, "identity_claim": None, "observer_reference": None, "outcome": "?"}


def candidates(text: str) -> list[dict[str, object]]:
    return [{"token": m.group(0), "char": m.start(), "ref": None} for m in CANDIDATE.finditer(text)]


def casino() -> list[Transcript]:
    pool = importers.load(DATA / "casino" / "casino_train.json") + importers.load(DATA / "casino" / "casino_valid.json")
    random.Random(SEED).shuffle(pool)
    chosen, n = [], 0
    for t in pool:
        if n >= CASINO_MIN_TOKENS:
            break
        chosen.append(t)
        n += sum(len(candidates(m.text)) for m in t.messages)
    return chosen


CASINO_STANCE_DIALOGUES = 20
STANCE = {"cooperative": None, "competitive": None, "adversarial": None}


def casino_stance() -> list[Transcript]:
    """Dialogues with CaSiNo strategy annotations, for the message labels (cooperative / competitive /
    adversarial) of every chat message, deal moves left out."""
    pool = [t for t in importers.load(DATA / "casino" / "casino_train.json") + importers.load(
        DATA / "casino" / "casino_valid.json")]
    annotated = {d["dialogue_id"] for f in ("casino_train.json", "casino_valid.json")
                 for d in json.loads((DATA / "casino" / f).read_text()) if d["annotations"]}
    pool = [t for t in pool if t.header.source["dialogue_id"] in annotated]
    random.Random(SEED + 1).shuffle(pool)
    return pool[:CASINO_STANCE_DIALOGUES]


def negotiationarena() -> list[Transcript]:
    na = DATA / "negotiationarena"
    ult = importers.load(na / "ultimatum_3_period")
    random.Random(SEED).shuffle(ult)
    return importers.load(na / "buysell") + sorted(ult[:NA_GAMES], key=lambda t: t.header.run_id)


def multiparty() -> list[Transcript]:
    return importers.load(ROOT / "tests" / "data" / "multiparty")


def render(ts: list[Transcript], full: bool | str) -> tuple[str, list[dict[str, object]]]:
    md: list[str] = []
    skel: list[dict[str, object]] = []
    shown: dict[str, tuple[str, str]] = {}  # agent name -> (prompt, where it was printed in full)
    for t in ts:
        h = t.header
        md.append(f"# {h.run_id}\n\nTask: {h.task}\n\nParticipants ({len(h.agents)}):")
        for a in h.agents:
            team = f", team {a.team}" if a.team else ""
            prompt = a.system_prompt.strip()
            seen = shown.get(a.name)
            # Games of one kind repeat pages of rules: print them once, then only what differs at the end.
            common = len(_common_prefix(seen[0], prompt)) if seen else 0
            if seen and common > 500:
                cut = prompt.rfind("\n", 0, common) + 1
                prompt = f"[the same as {a.name}'s prompt in {seen[1]} up to here:] ..." + prompt[cut:]
            else:
                shown[a.name] = (prompt, h.run_id)
            prompt = prompt.replace("\n", "\n    > ")
            md.append(f"- **{a.name}**{team}. System prompt:\n    > {prompt}")
        md.append("")
        for m in t.messages:
            cands = candidates(m.text)
            md.append(f"## {h.run_id} idx {m.index} - {m.speaker}\n")
            md.append("```text\n" + m.text + "\n```")
            if m.reasoning:
                md.append("Private reasoning (never shown to the other player):\n\n```text\n" + m.reasoning + "\n```")
            if cands:
                md.append("Candidates: " + "; ".join(f"`{c['token']}` at char {c['char']}" for c in cands))
            md.append("")
            rec: dict[str, object] = {"file": h.run_id, "idx": m.index, "speaker": m.speaker, "we": cands}
            if full == "stance":
                if m.text.split(":")[0] in ("Submit-Deal", "Accept-Deal", "Reject-Deal", "Walk-Away"):
                    continue
                rec = {"file": h.run_id, "idx": m.index, "speaker": m.speaker, **STANCE}
                skel.append(rec)
                continue
            if full:
                rec.update(FULL)
                if m.reasoning:
                    rec["reasoning_identity_claim"] = None
            if full or cands:
                skel.append(rec)
    return "\n".join(md) + "\n", skel


def _common_prefix(a: str, b: str) -> str:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return a[:n]


SETS = {"casino": (casino, False), "casino_stance": (casino_stance, "stance"), "negotiationarena": (negotiationarena, True), "multiparty": (multiparty, True)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("out", type=Path)
    ap.add_argument("--set", choices=sorted(SETS), action="append")
    args = ap.parse_args()
    for name in args.set or sorted(SETS):
        pick, full = SETS[name]
        ts = pick()
        md, skel = render(ts, full)
        d = args.out / name
        d.mkdir(parents=True, exist_ok=True)
        (d / "conversations.md").write_text(md, encoding="utf-8")
        with open(d / "skeleton.jsonl", "w", encoding="utf-8") as fh:
            for rec in skel:
                fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
        n_tok = sum(len(r.get("we") or []) for r in skel)  # type: ignore[arg-type]
        print(f"{name}: {len(ts)} conversations, {len(skel)} records, {n_tok} candidate tokens -> {d}")


if __name__ == "__main__":
    main()
