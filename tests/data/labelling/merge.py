"""Merge two annotators' labels into one file: agreed labels kept, disagreements null, agreement reported.

    .venv/bin/python tests/data/labelling/merge.py A/labels.jsonl B/labels.jsonl OUT.jsonl [--report OUT.json]

Per message label, the merged value is the annotators' common value, or null (left out of scoring) when they
differ. Per first-person plural token (matched by offset): a token both call a token gets the common
referent, or ``ref: null`` when they differ; one that only one of them calls a token, or that both call
``not_token``, is left out. ``with`` is kept when both give the same set. ``outcome`` is null for "no outcome",
so a disagreement on it removes the key instead (a missing label is not judged). Agreement is the share of
items with equal values and Cohen's kappa (statsmodels), per label and for the referents.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

from statsmodels.stats.inter_rater import cohens_kappa

FLAGS = ("cooperative", "competitive", "adversarial", "refusal", "off_task", "ai_self_reference",
         "observer_reference")
LISTS = ("identity_claim", "reasoning_identity_claim")
NOT_TOKEN = "not_token"


def read(path: Path) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def kappa(pairs: list[tuple[Any, Any]]) -> float | None:
    cats = sorted({str(x) for p in pairs for x in p})
    if len(pairs) < 2 or len(cats) < 2:
        return None
    table = [[sum(1 for a, b in pairs if str(a) == r and str(b) == c) for c in cats] for r in cats]
    return round(float(cohens_kappa(table).kappa), 4)


def agreement(pairs: list[tuple[Any, Any]]) -> dict[str, Any]:
    same = sum(1 for a, b in pairs if a == b)
    return {"items": len(pairs), "agreed": same, "share": round(same / len(pairs), 4) if pairs else None,
            "kappa": kappa(pairs)}


def _names(v: Any) -> Any:
    return sorted({str(x).lower() for x in v}) if isinstance(v, list) else v


def merge(a_recs: list[dict[str, Any]], b_recs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    if [(r["file"], r["idx"]) for r in a_recs] != [(r["file"], r["idx"]) for r in b_recs]:
        raise SystemExit("the two files do not label the same messages in the same order")
    out = []
    pairs: dict[str, list[tuple[Any, Any]]] = {k: [] for k in (*FLAGS, *LISTS, "outcome", "ref", "is_token", "with")}
    for a, b in zip(a_recs, b_recs):
        rec: dict[str, Any] = {"file": a["file"], "idx": a["idx"]}
        ta = {int(t["char"]): t for t in a.get("we") or []}
        tb = {int(t["char"]): t for t in b.get("we") or []}
        we = []
        for char in sorted(set(ta) | set(tb)):
            x, y = ta.get(char), tb.get(char)
            x_tok = x is not None and x.get("ref") != NOT_TOKEN
            y_tok = y is not None and y.get("ref") != NOT_TOKEN
            pairs["is_token"].append((x_tok, y_tok))
            if not (x_tok and y_tok):
                continue
            assert x is not None and y is not None
            pairs["ref"].append((x["ref"], y["ref"]))
            tok: dict[str, Any] = {"token": x["token"], "char": char, "ref": x["ref"] if x["ref"] == y["ref"] else None}
            if x["ref"] == y["ref"] == "dyad" and ("with" in x or "with" in y):
                wa, wb = sorted(x.get("with") or []), sorted(y.get("with") or [])
                pairs["with"].append((tuple(wa), tuple(wb)))
                if wa == wb and wa:
                    tok["with"] = wa
            we.append(tok)
        if "we" in a or "we" in b:
            rec["we"] = we
        for k in FLAGS:
            if k in a or k in b:
                va, vb = a.get(k), b.get(k)
                if va is not None and vb is not None:
                    pairs[k].append((va, vb))
                rec[k] = va if va == vb else None
        for k in LISTS:
            if k in a or k in b:
                va, vb = a.get(k), b.get(k)
                if va is not None and vb is not None:
                    pairs[k].append((tuple(_names(va)), tuple(_names(vb))))
                rec[k] = va if va is not None and _names(va) == _names(vb) else None
        if "outcome" in a or "outcome" in b:
            va, vb = a.get("outcome"), b.get("outcome")
            pairs["outcome"].append((va, vb))
            if va == vb:
                rec["outcome"] = va
        out.append(rec)
    report = {k: agreement(v) for k, v in pairs.items() if v}
    refs = Counter(t["ref"] for r in out for t in r.get("we") or [])
    report["merged_tokens_by_ref"] = {str(k): v for k, v in sorted(refs.items(), key=lambda kv: str(kv[0]))}
    report["messages"] = len(out)
    return out, report


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("a", type=Path)
    ap.add_argument("b", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--report", type=Path)
    args = ap.parse_args()
    merged, report = merge(read(args.a), read(args.b))
    with open(args.out, "w", encoding="utf-8") as fh:
        for rec in merged:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    text = json.dumps(report, indent=1)
    if args.report:
        args.report.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
