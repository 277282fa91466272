"""The disclosure measure against the CaSiNo corpus: do the claims it reads match what the people wanted?

Each CaSiNo participant had private priorities (``participant_info.value2issue``: High, Medium, Low = 5, 4, 3
points per package, as in ``scenarios/negotiation-casino.yaml``). For every dialogue the measure reads each
side's claims about its own priorities (``analysis.disclosure.statements``) and this script counts:

- ``claims`` and ``true_share``: how many claims it read, and the share true of the speaker's real
  priorities. People bluff now and then, so this is a floor on how often the rules read the right item and
  rank, not a precision.
- on the 347 dialogues with strategy annotations: the share of utterances annotated ``no-need`` ("I have
  plenty of water") and ``self-need`` ("I need a lot of firewood") in which it finds a claim (how often a
  strategy that usually states a priority is read as one).

    .venv/bin/python bench/disclosure.py [--data ../shared/data/casino]

The last line of output is JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from analysis.disclosure import statements  # noqa: E402
from analysis.studies.negotiation import Game  # noqa: E402
from simulator.transcript import AgentInfo, Header, Message, Transcript  # noqa: E402

POINTS = {"High": 5, "Medium": 4, "Low": 3}
CHANCE = {"high": 1 / 3, "medium": 1 / 3, "low": 1 / 3, "needed": 2 / 3, "points": 1 / 3}
"""The true share of a claim about a random item (the three ranks are a permutation of the items)."""


def _dialogue(d: dict) -> tuple[Transcript, Game] | None:
    info = d.get("participant_info") or {}
    values = {who: {str(item).lower(): POINTS[rank] for rank, item in (p.get("value2issue") or {}).items()}
              for who, p in info.items()}
    if len(values) != 2 or any(len(v) != 3 for v in values.values()):
        return None
    game = Game(items={"food": 3, "water": 3, "firewood": 3}, values=values)
    messages = [Message(index=i, speaker=str(m["id"]), text=str(m["text"])) for i, m in enumerate(d["chat_logs"])]
    header = Header(run_id=str(d["dialogue_id"]), scenario_name="casino", task="split",
                    agents=[AgentInfo(name=n, provider="human", model="human") for n in values])
    return Transcript(path="casino", header=header, messages=messages, footer=None), game


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "casino")
    args = ap.parse_args()
    claims = true = 0
    by_kind: dict[str, list[int]] = {}
    found = {"no-need": [0, 0], "self-need": [0, 0]}
    for f in sorted(args.data.glob("casino_*.json")):
        for d in json.loads(f.read_text()):
            made = _dialogue(d)
            if made is None:
                continue
            t, game = made
            said = statements(t, game)
            claims += len(said)
            true += sum(s.true for s in said)
            for s in said:
                kind = "points" if isinstance(s.claim, int) else s.claim
                row = by_kind.setdefault(kind, [0, 0])
                row[0] += s.true
                row[1] += 1
            notes = {text: labels for text, labels in d.get("annotations") or []}
            for m in t.messages:
                labels = notes.get(m.text, "")
                for strategy, counts in found.items():
                    if strategy in labels.split(","):
                        counts[1] += 1
                        counts[0] += any(s.index == m.index for s in said)
    out = {"claims": claims, "true_share": round(true / claims, 3) if claims else None,
           "by_claim": {k: {"claims": n, "true_share": round(t / n, 3), "chance": CHANCE.get(k)}
                        for k, (t, n) in sorted(by_kind.items())},
           **{f"{k}_read": round(a / b, 3) if b else None for k, (a, b) in found.items()},
           **{f"{k}_utterances": b for k, (_, b) in found.items()}}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
