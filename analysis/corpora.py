"""Labelled corpora the analyzers are measured on: a YAML manifest, and scoring every corpus in it.

A manifest names each corpus with its hand labels and the transcripts they label (or CaSiNo files, scored
against their strategy annotations), the scenario that describes imported logs, and the targets its figures
are held to. Paths are relative to the manifest. ``tests/data/corpora.yaml`` is the project's own: the seed
labels, the held-out seed labels, and the version-2 development sets; ``ingroup evaluate`` reads it when no
other corpus is given. A corpus whose files are absent (a clone without ``../shared``) is reported as
skipped, not as a failure, so a researcher can add their own corpora to a copy of the manifest.

    corpora:
      seed-dev:
        description: the original battle, human labels
        labels: ../../../shared/data/we-the-ai-assistants/labels/dev.jsonl
        transcripts: [../../../shared/data/we-the-ai-assistants]
        scenario: ../../scenarios/egomaniac.yaml
        targets: {we_ref_accuracy: 0.95, cooperative_f1: 0.85}
      casino-strategies:
        casino: [../../../shared/data/casino/casino_train.json]
        labels: labels_v2/casino_stance.jsonl   # optional: hand labels scored against the strategies too
        targets: {"promote-coordination|vouch-fair->cooperative": 0.70}
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from simulator.errors import IngroupError
from simulator.scenario import load_scenario
from simulator.validation import Strict, located
from simulator.yamlio import load_yaml_file

from .api import Analyzer
from .evaluate import CorpusReport, evaluate, evaluate_casino

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_MANIFEST = ROOT / "tests" / "data" / "corpora.yaml"


class Corpus(Strict):

    """One labelled corpus of the evaluation manifest: its label file and transcripts."""

    description: str = ""
    labels: str | None = None
    transcripts: list[str] = []
    scenario: str | None = None
    task: str | None = None
    casino: list[str] = []
    targets: dict[str, float] = {}

    @model_validator(mode="after")
    def _one_kind(self) -> "Corpus":
        if not self.labels and not self.casino:
            raise ValueError("give 'labels' (with 'transcripts') or 'casino'")
        if self.labels and not self.transcripts and not self.casino:
            raise ValueError("'labels' needs 'transcripts': the transcripts or raw logs the labels are about")
        return self


class Manifest(Strict):

    """The corpora ``ingroup evaluate`` scores (analysis/corpora.yaml or a user's file)."""

    corpora: dict[str, Corpus] = Field(min_length=1)


def load_manifest(path: str | Path) -> tuple[Manifest, Path]:
    """Read an evaluation manifest, with a located error when it is malformed."""
    loc = load_yaml_file(path)
    try:
        return Manifest.model_validate(loc.data), Path(path).resolve().parent
    except ValidationError as exc:
        raise located(exc, file=str(path), line_of=loc.line_of) from None


def _paths(base: Path, items: list[str]) -> list[Path]:
    return [(base / p).resolve() for p in items]


def evaluate_corpus(name: str, corpus: Corpus, base: Path, analyzer: Analyzer | None = None) -> CorpusReport | None:
    """Score one corpus; None when its files are not there."""
    if corpus.casino:
        files = _paths(base, corpus.casino)
        if not all(f.exists() for f in files):
            return None
        hand = (base / corpus.labels).resolve() if corpus.labels else None
        report = evaluate_casino(files, analyzer, name=name, hand_labels=hand)
    else:
        labels = (base / corpus.labels).resolve()  # type: ignore[operator]
        sources = _paths(base, corpus.transcripts)
        if not labels.exists() or not all(s.exists() for s in sources):
            return None
        scenario = load_scenario((base / corpus.scenario).resolve()) if corpus.scenario else None
        report = evaluate(labels, sources, task=corpus.task, analyzer=analyzer, scenario=scenario, name=name)
    if corpus.description:
        report.notes.insert(0, corpus.description)
    report.check(corpus.targets)
    return report


def evaluate_manifest(path: str | Path = DEFAULT_MANIFEST, names: list[str] | None = None,
                      analyzer: Analyzer | None = None) -> tuple[list[CorpusReport], list[str]]:
    """Reports of every corpus of the manifest (or of ``names``), and the names of those skipped."""
    manifest, base = load_manifest(path)
    unknown = [n for n in names or [] if n not in manifest.corpora]
    if unknown:
        raise IngroupError(f"no corpus {unknown[0]!r} in the manifest (it has: {', '.join(manifest.corpora)})",
                           file=str(path), field="--corpus")
    reports, skipped = [], []
    for name, corpus in manifest.corpora.items():
        if names and name not in names:
            continue
        r = evaluate_corpus(name, corpus, base, analyzer)
        if r is None:
            skipped.append(name)
        else:
            reports.append(r)
    return reports, skipped


def reports_json(reports: list[CorpusReport], skipped: list[str]) -> dict[str, Any]:
    """The evaluation of every corpus as JSON-ready data, with the corpora that were skipped."""
    return {"corpora": {r.name: r.to_dict() for r in reports}, "skipped": skipped}


__all__ = ["Corpus", "DEFAULT_MANIFEST", "Manifest", "evaluate_corpus", "evaluate_manifest", "load_manifest",
           "reports_json"]
