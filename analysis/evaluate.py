"""Scoring analyzers against hand labels (the LABELS.md record format) and against CaSiNo's strategy labels.

Hand labels are matched to transcripts by conversation and message index: a label's ``file`` stem is a
transcript's file stem, its run id, or the stem of its ``header.source.file``. Transcripts are a folder of
transcript files, or raw logs of a format ``ingroup import`` reads (imported in memory). A null label (the
annotators disagreed) is left out of scoring; so is a token whose ``ref`` is null, together with the
predicted token at the same place. ``outcome`` null means "no outcome declared"; a record without the key
was not judged. A label the analyzer did not give (an LLM judge's answer that could not be read) counts as
a miss, never as a label, and is counted under ``missing``.

We-tokens are matched by overlapping character spans, so "let us" recorded as one token or as "us" matches
either way. The "contains we" baseline calls every whole-word "we" a social (dyad) token.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Literal, Sequence

import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr, ValidationError

from simulator import importers
from simulator.errors import IngroupError
from simulator.scenario import Scenario
from simulator.transcript import Transcript, iter_transcripts
from simulator.validation import located

from .api import Analyzer, RuleAnalyzer, conversation_key, label_transcript, with_setup
from .incentives import Separation, separation
from .labels import FLAGS, REFS, SOCIAL, MessageLabels
from .labels.vocab import OUTCOMES
from .measures import agent_measures


class GoldToken(BaseModel):
    """One first-person plural token of a LABELS.md record."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)  # annotators' notes are kept
    token: StrictStr
    char: StrictInt = Field(ge=0)
    ref: Literal[REFS] | None  # type: ignore[valid-type]
    with_: list[StrictStr] | None = Field(default=None, alias="with")


class LabelRecord(BaseModel):
    """One line of a LABELS.md labels file: which message, and the labels a person gave it (null: not
    judged). Checked on load, so a badly typed record is an error naming its line and field."""

    model_config = ConfigDict(extra="allow")
    file: StrictStr
    idx: StrictInt = Field(ge=0)
    we: list[GoldToken] | None = None
    cooperative: StrictBool | None = None
    competitive: StrictBool | None = None
    adversarial: StrictBool | None = None
    refusal: StrictBool | None = None
    off_task: StrictBool | None = None
    ai_self_reference: StrictBool | None = None
    observer_reference: StrictBool | None = None
    identity_claim: list[StrictStr] | None = None
    reasoning_identity_claim: list[StrictStr] | None = None
    outcome: Literal[OUTCOMES] | None = None  # type: ignore[valid-type]


assert set(FLAGS) <= set(LabelRecord.model_fields), "every flag of LABELS.md has a typed field"
MISSING = "(not judged)"
_BASELINE_WE = re.compile(r"\bwe\b", re.I)


@dataclass
class Score:
    """Precision, recall, F1 (0 when undefined, as scikit-learn's zero_division=0) and the counts behind them,
    so a 0 with no positives and no predictions can be told from a 0 that is a miss."""

    precision: float
    recall: float
    f1: float
    support: int
    tp: int
    fp: int
    fn: int

    @classmethod
    def of(cls, c: Counter[str]) -> "Score":
        """The score of a tally with ``tp``, ``fp`` and ``fn`` keys."""
        return prf(c["tp"], c["fp"], c["fn"])


def prf(tp: int, fp: int, fn: int) -> Score:
    """Precision, recall and F1 (0 where undefined) of true positives, false positives and false negatives."""
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return Score(round(p, 4), round(r, 4), round(f, 4), tp + fn, tp, fp, fn)


@dataclass
class TokenReport:
    """First-person plural tokens: referent accuracy on tokens both sides found, social-we, detection."""

    we_ref_accuracy: float
    we_ref_matched_tokens: int
    social_we_tokens: Score
    social_we_messages: Score
    we_token_detection: Score
    by_ref: dict[str, Score]
    """Per referent: precision and recall of that class among the matched tokens."""
    referent_confusion: dict[str, dict[str, int]]
    with_accuracy: float | None = None
    """Share of gold dyad tokens with ``with`` whose predicted ``with`` is the same set."""
    with_tokens: int = 0


@dataclass
class Target:
    """A published target for one metric, the value measured, and whether it was met."""

    metric: str
    target: float
    value: float | None
    met: bool


@dataclass
class MappingRow:
    """How one CaSiNo strategy label scores against the ingroup label it maps to, with the all-positive baseline."""

    casino: str
    ours: str
    score: Score
    all_positive_f1: float
    """F1 of calling every utterance positive: what a label that fires everywhere would get."""
    hand: Score | None = None
    """The same mapping scored for the version-2 hand labels, on the utterances they cover: how far a
    labeller that follows LABELS.md exactly can agree with the CaSiNo strategy."""


@dataclass
class CorpusReport:
    """Everything ``ingroup evaluate`` measured on one labelled corpus: scores per label, the baselines, the targets."""

    name: str
    analyzer: str
    analyzer_version: str
    n_messages: int
    labels: dict[str, Score] = field(default_factory=dict)
    tokens: TokenReport | None = None
    baseline_contains_we: TokenReport | None = None
    mappings: list[MappingRow] = field(default_factory=list)
    missing: dict[str, int] = field(default_factory=dict)
    """Labels the analyzer did not give, per label (an LLM judge's unreadable answers)."""
    separations: list[Separation] = field(default_factory=list)
    """Where the transcripts name the agents' incentives: how well per-agent rates tell them apart."""
    separations_gold: list[Separation] = field(default_factory=list)
    """The same from the hand labels' rates: how far the incentives show in what the agents say at all."""
    targets: list[Target] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    source: str = ""
    notes: list[str] = field(default_factory=list)

    def value(self, metric: str) -> float | None:
        """A figure by name: ``we_ref_accuracy``, ``social_we_f1``, ``<ref>_recall``, ``<label>_f1``, a
        CaSiNo mapping ``<strategy[|strategy]>-><label>``, or ``auc_<label>_<incentive>``."""
        t = self.tokens
        if metric == "we_ref_accuracy":
            return t.we_ref_accuracy if t and t.we_ref_matched_tokens else None
        if metric == "social_we_f1":
            return t.social_we_tokens.f1 if t else None
        if metric.endswith("_recall") and t and metric[:-7] in REFS:
            s = t.by_ref.get(metric[:-7])
            return s.recall if s and s.support else None
        if metric.endswith("_f1") and metric[:-3] in self.labels:
            return self.labels[metric[:-3]].f1
        for row in self.mappings:
            if metric == f"{row.casino}->{row.ours}":
                return row.score.f1
        for sep in self.separations:
            if metric == sep.metric:
                return sep.auc
        return None

    def check(self, targets: dict[str, float]) -> None:
        """Record, for each target metric, the measured value and whether it reaches the goal."""
        for metric, goal in targets.items():
            v = self.value(metric)
            self.targets.append(Target(metric, goal, v, v is not None and v >= goal))

    def to_dict(self) -> dict[str, Any]:
        """The report as plain JSON-ready data (``--json``)."""
        return asdict(self)


# --- hand labels ---------------------------------------------------------------------------------------------

def load_labels(path: str | Path) -> list[dict[str, Any]]:
    """Read a LABELS.md-format JSONL file; every problem is an IngroupError naming the line."""
    p = Path(path)
    if not p.is_file():
        raise IngroupError("labels file not found", file=str(p))
    out = []
    try:
        lines = p.read_text(encoding="utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise IngroupError(f"not UTF-8 text (byte {exc.start})", file=str(p)) from None
    for n, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
        except json.JSONDecodeError as exc:
            raise IngroupError(f"not valid JSON ({exc.msg})", file=str(p), line=n) from None
        if not isinstance(rec, dict):
            raise IngroupError("each line must be a JSON object (a LABELS.md record)", file=str(p), line=n)
        try:
            LabelRecord.model_validate(rec)
        except ValidationError as exc:
            # Label files hold no secrets: the wrong value is quoted, which helps an annotator find it.
            got = exc.errors()[0].get("input")
            err = located(exc, file=str(p), line=n)
            if isinstance(got, (str, int, float, bool)):
                err.message += f", not {got!r}"
            raise err from None
        rec["_line"] = n
        out.append(rec)
    if not out:
        raise IngroupError("no label records", file=str(p))
    return out


def load_transcripts(sources: str | Path | Sequence[str | Path], scenario: Scenario | None = None
                     ) -> list[Transcript]:
    """Transcripts from folders or files of transcripts, or from raw logs that ``ingroup import`` reads."""
    items = [sources] if isinstance(sources, (str, Path)) else list(sources)
    out: list[Transcript] = []
    for item in items:
        p = Path(item)
        if not p.exists():
            raise IngroupError("no such file or folder", file=str(p))
        raw = sorted(f for f in p.iterdir() if f.suffix in (".json", ".txt") and f.is_file()) if p.is_dir() else []
        if raw:  # a folder of logs to import (the seed logs, NegotiationArena games, hand-made JSON)
            for f in raw:
                out.extend(c.transcript() for c in importers.read(f, scenario))
        elif p.is_dir() or p.suffix == ".jsonl":
            out.extend(iter_transcripts(p))
        else:
            out.extend(c.transcript() for c in importers.read(p, scenario))
    if not out:
        raise IngroupError("no transcripts found", file=", ".join(map(str, items)))
    if scenario is not None:
        out = [with_setup(t, scenario) for t in out]
    return out


def _index(transcripts: Iterable[Transcript]) -> dict[str, Transcript]:
    by: dict[str, Transcript] = {}
    for t in transcripts:
        for key in (conversation_key(t), t.header.run_id, Path((t.header.source or {}).get("file") or "").stem):
            if key:
                by.setdefault(key, t)
    return by


def _match_tokens(gold: list[dict[str, Any]], pred: list[tuple[int, int, str, tuple[str, ...]]]
                  ) -> tuple[list[tuple[dict[str, Any], tuple[int, int, str, tuple[str, ...]]]], list[str], list[str]]:
    """Pair gold and predicted tokens whose spans overlap: (pairs, unmatched gold refs, unmatched predicted
    refs). Gold tokens with a null ref are left out, with the predicted token they overlap."""
    used: set[int] = set()
    pairs = []
    missed = []
    for g in gold:
        gs, ge = int(g["char"]), int(g["char"]) + len(str(g["token"]))
        hit = next((j for j, (ps, pe, _, _) in enumerate(pred) if j not in used and ps < ge and gs < pe), None)
        if hit is not None:
            used.add(hit)
        if g["ref"] is None:
            continue
        if hit is None:
            missed.append(g["ref"])
        else:
            pairs.append((g, pred[hit]))
    spurious = [pred[j][2] for j in range(len(pred)) if j not in used]
    return pairs, missed, spurious


class _Tokens:
    def __init__(self) -> None:
        self.confusion: Counter[tuple[str, str]] = Counter()
        self.social: Counter[str] = Counter()
        self.msg_social: Counter[str] = Counter()
        self.detect: Counter[str] = Counter()
        self.with_n = 0
        self.with_ok = 0

    def add(self, gold: list[dict[str, Any]], pred: list[tuple[int, int, str, tuple[str, ...]]]) -> None:
        pairs, missed, spurious = _match_tokens(gold, pred)
        for g, p in pairs:
            gr, pr = g["ref"], p[2] if p[2] is not None else MISSING
            self.confusion[(gr, pr)] += 1
            _tally(self.social, gr in SOCIAL, pr in SOCIAL)
            if gr == "dyad" and g.get("with"):
                self.with_n += 1
                self.with_ok += sorted(g["with"]) == sorted(p[3])
        for gold_ref in missed:
            self.confusion[(gold_ref, "(missed)")] += 1
            self.social["fn"] += gold_ref in SOCIAL
        for pred_ref in spurious:
            self.confusion[("(none)", pred_ref if pred_ref is not None else MISSING)] += 1
            self.social["fp"] += pred_ref in SOCIAL
        self.detect["tp"] += len(pairs)
        self.detect["fn"] += len(missed)
        self.detect["fp"] += len(spurious)
        judged = [g for g in gold if g["ref"] is not None]
        _tally(self.msg_social, any(g["ref"] in SOCIAL for g in judged), any(p[2] in SOCIAL for p in pred))

    def report(self) -> TokenReport:
        # A token the analyzer found but gave no referent (an unreadable judge answer) is matched and wrong.
        matched = sum(n for (g, p), n in self.confusion.items() if g in REFS and (p in REFS or p == MISSING))
        correct = sum(n for (g, p), n in self.confusion.items() if g == p)
        matrix: dict[str, dict[str, int]] = {}
        for (g, p), n in sorted(self.confusion.items()):
            matrix.setdefault(g, {})[p] = n
        by_ref = {}
        for ref in REFS:
            tp = self.confusion[(ref, ref)]
            fp = sum(n for (g, p), n in self.confusion.items() if p == ref and g != ref and g in REFS)
            fn = sum(n for (g, p), n in self.confusion.items() if g == ref and p != ref and p in REFS)
            by_ref[ref] = prf(tp, fp, fn)
        return TokenReport(
            we_ref_accuracy=round(correct / matched, 4) if matched else 0.0, we_ref_matched_tokens=matched,
            social_we_tokens=Score.of(self.social), social_we_messages=Score.of(self.msg_social),
            we_token_detection=Score.of(self.detect), by_ref=by_ref, referent_confusion=matrix,
            with_accuracy=round(self.with_ok / self.with_n, 4) if self.with_n else None, with_tokens=self.with_n)


def evaluate(labels_path: str | Path, transcripts: str | Path | Sequence[str | Path] | Iterable[Transcript],
             task: str | None = None, analyzer: Analyzer | None = None, *, scenario: Scenario | None = None,
             name: str | None = None) -> CorpusReport:
    """Score ``analyzer`` (default: the rules) against hand labels."""
    an = analyzer or RuleAnalyzer()
    records = load_labels(labels_path)
    if isinstance(transcripts, (str, Path)) or (isinstance(transcripts, (list, tuple)) and transcripts and
                                                isinstance(transcripts[0], (str, Path))):
        ts = load_transcripts(transcripts, scenario)  # type: ignore[arg-type]
        source = ", ".join(map(str, transcripts if isinstance(transcripts, (list, tuple)) else [transcripts]))
    else:
        given: list[Transcript] = list(transcripts)  # type: ignore[arg-type]
        ts = [with_setup(t, scenario) if scenario else t for t in given]
        source = "(transcripts)"
    index = _index(ts)
    labelled: dict[str, list[MessageLabels]] = {}
    for rec in records:
        stem = Path(str(rec["file"])).stem
        if stem not in index:
            raise IngroupError(f"no transcript for labelled file {rec['file']!r} (import it first)",
                               file=str(labels_path), line=rec["_line"], field="file")
        if stem not in labelled:
            labelled[stem] = label_transcript(index[stem], task, an)
        if rec["idx"] >= len(labelled[stem]):
            raise IngroupError(f"{rec['file']} has no message {rec['idx']}", file=str(labels_path),
                               line=rec["_line"], field="idx")

    counts: dict[str, Counter[str]] = {k: Counter() for k in (*FLAGS, "identity_claim", "reasoning_identity_claim",
                                                               "outcome")}
    missing: Counter[str] = Counter()
    toks, base = _Tokens(), _Tokens()
    not_scored_off_task = 0
    for rec in records:
        stem = Path(str(rec["file"])).stem
        lab = labelled[stem][rec["idx"]]
        text = index[stem].messages[rec["idx"]].text
        for k in FLAGS:
            gold = rec.get(k)
            if gold is None:
                continue
            pred = getattr(lab, k)
            if pred is None:
                if k not in lab.not_judged:
                    not_scored_off_task += k == "off_task"  # no task known: off_task is not judged at all
                    continue
                missing[k] += 1  # not judged by the analyzer: counted against it, never as a label
            _tally(counts[k], bool(gold), bool(pred))
        for k in ("identity_claim", "reasoning_identity_claim"):
            gold_id = rec.get(k)
            if gold_id is None:
                continue
            pred_id = getattr(lab, k)
            if pred_id is None:
                missing[k] += 1
            # A message with claims is right only with the same names; wrong names are a miss and a false one.
            right = bool(gold_id) and bool(pred_id) and _same_names(gold_id, pred_id)
            c = counts[k]
            c["tp"] += right
            c["fp"] += bool(pred_id) and not right
            c["fn"] += bool(gold_id) and not right
        if "outcome" in rec:
            gold_out, c = rec["outcome"], counts["outcome"]
            if "outcome" in lab.not_judged:
                missing["outcome"] += 1
            if lab.outcome is not None:
                c["tp" if lab.outcome == gold_out else "fp"] += 1
            if gold_out is not None and lab.outcome != gold_out:
                c["fn"] += 1
        gold_we = rec.get("we")
        if gold_we is not None:
            toks.add(gold_we, [(w.char, w.char + len(w.token), w.ref, w.includes) for w in lab.we])
            base.add(gold_we, [(m.start(), m.end(), "dyad", ()) for m in _BASELINE_WE.finditer(text)])

    has_tokens = any(rec.get("we") is not None for rec in records)
    judged = {k: c for k, c in counts.items() if any(rec.get(k) is not None for rec in records)
              or (k == "outcome" and any("outcome" in rec for rec in records))}
    report = CorpusReport(
        name=name or Path(labels_path).stem, analyzer=an.name, analyzer_version=getattr(an, "version", an.name),
        n_messages=len(records), labels={k: Score.of(c) for k, c in judged.items()},
        tokens=toks.report() if has_tokens else None, baseline_contains_we=base.report() if has_tokens else None,
        missing=dict(missing), files=sorted(labelled), source=source)
    report.separations, report.separations_gold = _separations(records, labelled, index)
    if not_scored_off_task:
        report.notes.append(f"off_task not scored on {not_scored_off_task} message(s): no task in the transcript "
                            "header; pass --task or --scenario")
    return report


def _separations(records: list[dict[str, Any]], labelled: dict[str, list[MessageLabels]],
                 index: dict[str, Transcript]) -> tuple[list[Separation], list[Separation]]:
    """Incentive separation from the analyzer's rates and from the hand labels' rates (labelled messages)."""
    pred_rows, gold_rows = [], []
    gold: dict[tuple[str, str], dict[str, list[bool]]] = {}
    for rec in records:
        stem = Path(str(rec["file"])).stem
        sp = index[stem].messages[rec["idx"]].speaker
        for k in ("cooperative", "competitive", "adversarial"):
            if rec.get(k) is not None:
                gold.setdefault((stem, sp), {}).setdefault(k, []).append(bool(rec[k]))
    for stem, labs in labelled.items():
        t = index[stem]
        incentives = {a.name: a.incentive for a in t.header.agents if a.incentive}
        if not incentives:
            continue
        for sp, rates in agent_measures([m.speaker for m in t.messages], labs).items():
            pred_rows.append({"agent": sp, "incentive": incentives.get(sp), **rates})
            g = gold.get((stem, sp), {})
            gold_rows.append({"agent": sp, "incentive": incentives.get(sp),
                              **{f"{k}_rate": sum(v) / len(v) for k, v in g.items() if v}})
    if not pred_rows:
        return [], []
    return separation(pd.DataFrame(pred_rows)), separation(pd.DataFrame(gold_rows))


def _same_names(gold: list[str], pred: list[str]) -> bool:
    return {x.lower() for x in gold} == {x.lower() for x in pred}


def _tally(c: Counter[str], gold: bool, pred: bool) -> None:
    if gold and pred:
        c["tp"] += 1
    elif pred:
        c["fp"] += 1
    elif gold:
        c["fn"] += 1
    else:
        c["tn"] += 1


# --- CaSiNo strategies ---------------------------------------------------------------------------------------

CASINO_MAPPINGS: list[tuple[str, str]] = [
    # (CaSiNo strategies, any of which counts as positive; our label) -- LABELS.md version 2's reading of them
    ("promote-coordination", "cooperative"),
    ("vouch-fair", "cooperative"),
    ("showing-empathy", "cooperative"),
    ("promote-coordination|vouch-fair", "cooperative"),
    ("promote-coordination|vouch-fair|showing-empathy", "cooperative"),
    ("uv-part", "adversarial"),
    ("self-need", "competitive"),
]


def _casino_dialogues(path: Path) -> list[dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IngroupError("CaSiNo file not found", file=str(path)) from None
    except json.JSONDecodeError as exc:
        raise IngroupError(f"not valid JSON ({exc.msg})", file=str(path), line=exc.lineno) from None
    if not isinstance(data, list):
        raise IngroupError("expected a list of CaSiNo dialogues", file=str(path))
    for i, d in enumerate(data):
        if not isinstance(d, dict) or "annotations" not in d or "chat_logs" not in d:
            raise IngroupError(f"dialogue {i} has no 'annotations' or 'chat_logs' (not a CaSiNo file?)", file=str(path))
    return data


def casino_utterances(path: str | Path, analyzer: Analyzer | None = None
                      ) -> list[tuple[str, set[str], MessageLabels, str, int]]:
    """(text, CaSiNo strategies, our labels, run id, message index) of every annotated utterance, each
    labelled in its dialogue."""
    p = Path(path)
    dialogues = _casino_dialogues(p)
    convs = {c.header.source["dialogue_id"]: c for c in importers.read(p, None, "casino")}  # type: ignore[index]
    out = []
    for i, d in enumerate(dialogues):
        notes = [(str(a[0]).strip(), {x.strip() for x in str(a[1]).split(",") if x.strip()})
                 for a in d["annotations"] or [] if isinstance(a, list) and len(a) == 2]
        if not notes:
            continue
        t = convs[d.get("dialogue_id", i)].transcript()
        labs = label_transcript(t, None, analyzer)
        # Annotations follow the chat's utterances in order (deal moves are not annotated).
        k = 0
        for m, lab in zip(t.messages, labs):
            if k < len(notes) and m.text.strip() == notes[k][0]:
                out.append((m.text, notes[k][1], lab, t.header.run_id, m.index))
                k += 1
    if not out:
        raise IngroupError("no annotated utterances in this file", file=str(p))
    return out


def evaluate_casino(paths: str | Path | Sequence[str | Path], analyzer: Analyzer | None = None,
                    name: str | None = None, hand_labels: str | Path | None = None) -> CorpusReport:
    """Score our labels against CaSiNo's per-utterance strategies (the mappings in CASINO_MAPPINGS);
    ``hand_labels`` (LABELS.md records of some of the same dialogues) are scored the same way beside them."""
    an = analyzer or RuleAnalyzer()
    items = [paths] if isinstance(paths, (str, Path)) else list(paths)
    utts = [u for p in items for u in casino_utterances(p, an)]
    hand = {(Path(str(r["file"])).stem, r["idx"]): r for r in load_labels(hand_labels)} if hand_labels else {}
    report = CorpusReport(name=name or "casino-strategies", analyzer=an.name,
                          analyzer_version=getattr(an, "version", an.name), n_messages=len(utts),
                          source=", ".join(map(str, items)))
    for strategies, ours in CASINO_MAPPINGS:
        wanted = set(strategies.split("|"))
        c: Counter[str] = Counter()
        h: Counter[str] = Counter()
        for _, gold, lab, run_id, idx in utts:
            pred = getattr(lab, ours)
            if pred is None:
                report.missing[ours] = report.missing.get(ours, 0) + 1
            _tally(c, bool(wanted & gold), bool(pred))
            rec = hand.get((run_id, idx))
            if rec is not None and rec.get(ours) is not None:
                _tally(h, bool(wanted & gold), bool(rec[ours]))
        pos = c["tp"] + c["fn"]
        all_pos = 2 * pos / (pos + len(utts)) if utts else 0.0
        report.mappings.append(MappingRow(strategies, ours, Score.of(c), round(all_pos, 4),
                                          Score.of(h) if sum(h.values()) else None))
    return report


__all__ = ["CASINO_MAPPINGS", "CorpusReport", "MappingRow", "Score", "Target", "TokenReport", "casino_utterances",
           "evaluate", "evaluate_casino", "load_labels", "load_transcripts", "prf"]
