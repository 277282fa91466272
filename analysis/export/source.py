"""What both exports start from: the transcripts of a folder and the analyzers' tables of them, read and
labelled once."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from simulator.errors import IngroupError, TranscriptError
from simulator.scenario import Scenario
from simulator.transcript import AgentInfo, Transcript, iter_transcripts

from ..api import Analysis, analyze, conversation_key, with_setup


@dataclass
class ExportSource:
    """The transcripts of a folder (in the folder's order) with their analysis."""

    folder: Path
    transcripts: list[Transcript]
    analysis: Analysis
    skipped: list[TranscriptError] = field(default_factory=list)
    """Files of the folder that are not readable transcripts (left out)."""

    def key(self, t: Transcript) -> str:
        """The conversation's name in the analysis tables (and the exported sample id)."""
        return conversation_key(t)


def load_source(folder: str | Path, *, task: str | None = None, scenario: Scenario | None = None,
                teams: Mapping[str, str] | None = None) -> ExportSource:
    """Read every transcript under ``folder`` and analyze them with the rule-based analyzers.

    A missing folder, or one with no readable transcript with messages, is an :class:`IngroupError`."""
    root = Path(folder)
    if not root.exists():
        raise IngroupError("no such file or folder", file=str(root))
    skipped: list[TranscriptError] = []
    transcripts = [t for t in iter_transcripts(root, skipped=skipped) if t.messages]
    if not transcripts:
        if skipped:
            raise IngroupError(f"no readable transcript; {len(skipped)} file(s) skipped, the first: {skipped[0]}")
        raise IngroupError("no transcripts with messages found", file=str(root))
    if scenario is not None or teams:
        transcripts = [with_setup(t, scenario, teams) for t in transcripts]
    return ExportSource(folder=root, transcripts=transcripts, analysis=analyze(transcripts, task=task),
                        skipped=skipped)


def message_evidence(cell: Any) -> dict[str, list[dict[str, Any]]]:
    """The ``evidence`` cell of the messages table as ``{label: [{start, end, text, rule}, ...]}``."""
    if isinstance(cell, Mapping):
        return {str(k): list(v) for k, v in cell.items()}
    if isinstance(cell, str) and cell:
        decoded = json.loads(cell)
        return decoded if isinstance(decoded, dict) else {}
    return {}


def agent_of(t: Transcript, speaker: str) -> AgentInfo | None:
    """The header's agent of that name, if the header lists it."""
    return next((a for a in t.header.agents if a.name == speaker), None)


def model_name(a: AgentInfo) -> str:
    """An agent's model as Inspect names models: ``provider/model``."""
    return f"{a.provider}/{a.model}"
