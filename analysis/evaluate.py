"""Scoring analyzers against hand labels (LABELS.md record format) and against CaSiNo strategy labels.

Hand labels are matched to transcripts by file name (the label's ``file`` stem equals the transcript's file
stem or the stem of ``header.source.file``) and message index. A null label (annotators disagreed) is left
out of scoring, except ``outcome``, whose null means "no outcome declared". We-tokens are matched by
overlapping character spans, so "let us" recorded as one token or as "us" matches either way.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterable

from simulator.errors import IngroupError
from simulator.transcript import Transcript, iter_transcripts

from .api import Analyzer, RuleAnalyzer, label_message, label_transcript
from .labels import FLAGS, REFS, SOCIAL, MessageLabels

TARGETS = {
    "we_ref_accuracy": 0.95, "social_we_f1": 0.95, "cooperative": 0.85, "adversarial": 0.85, "refusal": 0.85,
    "ai_self_reference": 0.85, "identity_claim": 0.85, "outcome": 0.85, "off_task": 0.75,
}
_REQUIRED = ("file", "idx")
_BASELINE_WE = re.compile(r"\bwe\b", re.I)


def prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
    """Precision, recall, F1 (0 when undefined, as scikit-learn's zero_division=0) and the counts behind
    them, so a 0 with no positives and no predictions can be told from a 0 that is a miss."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn,
            "tp": tp, "fp": fp, "fn": fn}


def load_labels(path: str | Path) -> list[dict[str, Any]]:
    """Read a LABELS.md-format JSONL file; every problem is an IngroupError naming the line."""
    p = Path(path)
    if not p.is_file():
        raise IngroupError("labels file not found", file=str(p))
    out = []
    with open(p, encoding="utf-8") as fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise IngroupError(f"not valid JSON ({exc.msg})", file=str(p), line=n) from None
            if not isinstance(rec, dict):
                raise IngroupError("each line must be a JSON object (a LABELS.md record)", file=str(p), line=n)
            for key in _REQUIRED:
                if key not in rec:
                    raise IngroupError(f"missing key {key!r}", file=str(p), line=n, field=key)
            if not isinstance(rec["idx"], int) or rec["idx"] < 0:
                raise IngroupError("idx must be a non-negative integer", file=str(p), line=n, field="idx")
            we = rec.get("we")
            if we is not None:
                if not isinstance(we, list) or not all(
                        isinstance(w, dict) and {"token", "char", "ref"} <= w.keys() for w in we):
                    raise IngroupError("we must be a list of {token, char, ref} objects", file=str(p), line=n,
                                       field="we")
                bad = [w["ref"] for w in we if w["ref"] not in REFS]
                if bad:
                    raise IngroupError(f"unknown referent {bad[0]!r} (one of {', '.join(REFS)})", file=str(p),
                                       line=n, field="we")
            rec["_line"] = n
            out.append(rec)
    if not out:
        raise IngroupError("no label records", file=str(p))
    return out


def _stem(name: str) -> str:
    return Path(name).stem


def _index_transcripts(transcripts: Iterable[Transcript]) -> dict[str, Transcript]:
    by: dict[str, Transcript] = {}
    for t in transcripts:
        by[_stem(t.file_name)] = t
        src = (t.header.source or {}).get("file")
        if src:
            by[_stem(str(src))] = t
    return by


def _match_tokens(gold: list[dict[str, Any]], pred: list[tuple[int, int, str]]
                  ) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """Pair gold and predicted tokens whose spans overlap. Returns (pairs of refs, unmatched gold refs,
    unmatched predicted refs)."""
    used: set[int] = set()
    pairs = []
    missed = []
    for g in gold:
        gs, ge = int(g["char"]), int(g["char"]) + len(str(g["token"]))
        hit = next((j for j, (ps, pe, _) in enumerate(pred) if j not in used and ps < ge and gs < pe), None)
        if hit is None:
            missed.append(g["ref"])
        else:
            used.add(hit)
            pairs.append((g["ref"], pred[hit][2]))
    spurious = [pred[j][2] for j in range(len(pred)) if j not in used]
    return pairs, missed, spurious


class _TokenScore:
    def __init__(self) -> None:
        self.confusion: Counter[tuple[str, str]] = Counter()
        self.social = Counter()  # tp, fp, fn
        self.detect = Counter()

    def add(self, gold: list[dict[str, Any]], pred: list[tuple[int, int, str]]) -> None:
        pairs, missed, spurious = _match_tokens(gold, pred)
        for g, p in pairs:
            self.confusion[(g, p)] += 1
            gs, ps = g in SOCIAL, p in SOCIAL
            self.social["tp"] += gs and ps
            self.social["fp"] += ps and not gs
            self.social["fn"] += gs and not ps
        for g in missed:
            self.confusion[(g, "(missed)")] += 1
            self.social["fn"] += g in SOCIAL
        for p in spurious:
            self.confusion[("(none)", p)] += 1
            self.social["fp"] += p in SOCIAL
        self.detect["tp"] += len(pairs)
        self.detect["fn"] += len(missed)
        self.detect["fp"] += len(spurious)

    def report(self) -> dict[str, Any]:
        matched = sum(n for (g, p), n in self.confusion.items() if g in REFS and p in REFS)
        correct = sum(n for (g, p), n in self.confusion.items() if g == p)
        matrix: dict[str, dict[str, int]] = {}
        for (g, p), n in sorted(self.confusion.items()):
            matrix.setdefault(g, {})[p] = n
        social = prf(self.social["tp"], self.social["fp"], self.social["fn"])
        return {
            "we_ref_accuracy": round(correct / matched, 4) if matched else 0.0,
            "we_ref_matched_tokens": matched,
            "social_we_f1": social["f1"],
            "social_we_tokens": social,
            "we_token_detection": prf(self.detect["tp"], self.detect["fp"], self.detect["fn"]),
            "referent_confusion": matrix,
        }


def evaluate(labels_path: str | Path, transcripts: str | Path | Iterable[Transcript], task: str | None = None,
             analyzer: Analyzer | None = None) -> dict[str, Any]:
    """Score ``analyzer`` (default: rules) against hand labels. Returns the report the CLI prints as JSON."""
    an = analyzer or RuleAnalyzer()
    records = load_labels(labels_path)
    ts = iter_transcripts(transcripts) if isinstance(transcripts, (str, Path)) else transcripts
    index = _index_transcripts(ts)
    if not index:
        raise IngroupError("no transcripts found", file=str(transcripts))
    labelled: dict[str, list[MessageLabels]] = {}
    for rec in records:
        stem = _stem(str(rec["file"]))
        if stem not in index:
            raise IngroupError(f"no transcript for labelled file {rec['file']!r} (import it first)",
                               file=str(labels_path), line=rec["_line"], field="file")
        if stem not in labelled:
            labelled[stem] = label_transcript(index[stem], task, an)
        if rec["idx"] >= len(labelled[stem]):
            raise IngroupError(f"{rec['file']} has no message {rec['idx']}", file=str(labels_path),
                               line=rec["_line"], field="idx")

    counts: dict[str, Counter[str]] = {k: Counter() for k in FLAGS + ("identity_claim", "outcome")}
    id_exact = Counter()
    tokens, base_tokens = _TokenScore(), _TokenScore()
    msg_social, base_msg_social = Counter(), Counter()
    skipped_off_task = 0
    for rec in records:
        stem = _stem(str(rec["file"]))
        lab = labelled[stem][rec["idx"]]
        text = index[stem].messages[rec["idx"]].text
        for k in FLAGS:
            gold = rec.get(k)
            pred = getattr(lab, k)
            if gold is None:
                continue
            if pred is None:  # off_task without a task
                skipped_off_task += 1
                continue
            _tally(counts[k], bool(gold), bool(pred))
        gold_id = rec.get("identity_claim")
        if gold_id is not None:
            _tally(counts["identity_claim"], bool(gold_id), bool(lab.identity_claim))
            id_exact["n"] += 1
            id_exact["ok"] += {x.lower() for x in gold_id} == {x.lower() for x in lab.identity_claim}
        gold_out = rec.get("outcome")
        c = counts["outcome"]
        if lab.outcome is not None:
            c["tp" if lab.outcome == gold_out else "fp"] += 1
        if gold_out is not None and lab.outcome != gold_out:
            c["fn"] += 1
        gold_we = rec.get("we")
        if gold_we is not None:
            pred = [(w.char, w.char + len(w.token), w.ref) for w in lab.we]
            tokens.add(gold_we, pred)
            base = [(m.start(), m.end(), "dyad") for m in _BASELINE_WE.finditer(text)]
            base_tokens.add(gold_we, base)
            gold_social = any(w["ref"] in SOCIAL for w in gold_we)
            _tally(msg_social, gold_social, lab.social_we > 0)
            _tally(base_msg_social, gold_social, bool(base))

    labels = {k: prf(c["tp"], c["fp"], c["fn"]) for k, c in counts.items()}
    tok = tokens.report()
    base = base_tokens.report()
    report: dict[str, Any] = {
        "analyzer": an.name,
        "labels_file": str(labels_path),
        "files": sorted(labelled),
        "n_messages": len(records),
        "task": task,
        "labels": labels,
        "we_ref_accuracy": tok["we_ref_accuracy"],
        "social_we_f1": tok["social_we_f1"],
        "social_we_tokens": tok["social_we_tokens"],
        "social_we_messages": prf(msg_social["tp"], msg_social["fp"], msg_social["fn"]),
        "we_token_detection": tok["we_token_detection"],
        "we_ref_matched_tokens": tok["we_ref_matched_tokens"],
        "identity_claim_exact_accuracy": round(id_exact["ok"] / id_exact["n"], 4) if id_exact["n"] else None,
        "referent_confusion": tok["referent_confusion"],
        "baseline_contains_we": {
            "method": "every \\bwe\\b token is social (dyad); a message is social if it contains 'we'",
            "we_ref_accuracy": base["we_ref_accuracy"],
            "social_we_f1": base["social_we_f1"],
            "social_we_tokens": base["social_we_tokens"],
            "social_we_messages": prf(base_msg_social["tp"], base_msg_social["fp"], base_msg_social["fn"]),
            "we_token_detection": base["we_token_detection"],
            "referent_confusion": base["referent_confusion"],
        },
    }
    if skipped_off_task:
        report["note"] = (f"off_task not scored on {skipped_off_task} message(s): no task in the transcript "
                          "header; pass --task")
    report["targets"] = {k: {"target": v, "value": _value(report, k), "met": _value(report, k) >= v}
                         for k, v in TARGETS.items()}
    return report


def _value(report: dict[str, Any], key: str) -> float:
    if key in ("we_ref_accuracy", "social_we_f1"):
        return float(report[key])
    return float(report["labels"][key]["f1"])


def _tally(c: Counter[str], gold: bool, pred: bool) -> None:
    if gold and pred:
        c["tp"] += 1
    elif pred:
        c["fp"] += 1
    elif gold:
        c["fn"] += 1
    else:
        c["tn"] += 1


# CaSiNo: each of our cooperation markers (evidence rule names) scored against a CaSiNo strategy label.
CASINO_MAPPINGS: list[tuple[str, str, tuple[str, ...]]] = [
    # (CaSiNo label, our label, evidence rules that count; empty = the whole label)
    ("promote-coordination", "cooperative", ("joint_activity",)),
    ("promote-coordination", "cooperative", ("joint_activity", "proposal")),
    ("vouch-fair", "cooperative", ("fairness",)),
    ("vouch-fair", "cooperative", ("fairness", "conciliatory", "agreement")),
    ("showing-empathy", "cooperative", ("praise", "conciliatory", "agreement", "offer_help")),
    ("small-talk", "cooperative", ("thanks", "mutual_ending", "invitation", "praise")),
    ("promote-coordination|vouch-fair|showing-empathy|small-talk", "cooperative", ()),
    ("uv-part", "adversarial", ()),
]


def load_casino(path: str | Path) -> list[tuple[str, set[str]]]:
    p = Path(path)
    if not p.is_file():
        raise IngroupError("CaSiNo file not found", file=str(p))
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise IngroupError(f"not valid JSON ({exc.msg})", file=str(p), line=exc.lineno) from None
    if not isinstance(data, list):
        raise IngroupError("expected a list of CaSiNo dialogues", file=str(p))
    out = []
    for i, d in enumerate(data):
        if not isinstance(d, dict) or "annotations" not in d:
            raise IngroupError(f"dialogue {i} has no 'annotations' (not a CaSiNo file?)", file=str(p))
        for item in d["annotations"] or []:
            if isinstance(item, list) and len(item) == 2:
                out.append((str(item[0]), {x.strip() for x in str(item[1]).split(",") if x.strip()}))
    if not out:
        raise IngroupError("no annotated utterances in this file", file=str(p))
    return out


def evaluate_casino(path: str | Path, analyzer: Analyzer | None = None, limit: int | None = None
                    ) -> dict[str, Any]:
    """Score cooperation markers against CaSiNo's per-utterance strategy labels."""
    utts = load_casino(path)
    if limit:
        utts = utts[:limit]
    labs = [label_message(text, speaker="", analyzer=analyzer) for text, _ in utts]
    rows = []
    for casino_label, ours, rules in CASINO_MAPPINGS:
        wanted = set(casino_label.split("|"))
        c: Counter[str] = Counter()
        for (_, gold), lab in zip(utts, labs):
            g = bool(wanted & gold)
            if rules:
                p = any(e.rule in rules for e in lab.evidence.get(ours, []))
            else:
                p = bool(getattr(lab, ours))
            _tally(c, g, p)
        rows.append({"casino": casino_label, "ours": ours + (f"[{'+'.join(rules)}]" if rules else ""),
                     **prf(c["tp"], c["fp"], c["fn"])})
    return {"file": str(path), "utterances": len(utts), "analyzer": (analyzer or RuleAnalyzer()).name,
            "mappings": rows}
