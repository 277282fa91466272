"""ingroup's analysis: the analyzers, their evaluation, statistics, graphs and the report.

The names below are the public surface, the functions the CLI verbs call (``from analysis import analyze,
build_report``; docs/api.md). Each loads on first use, so importing the package stays cheap.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    # label and measure
    "analyze": "analysis.api", "Analysis": "analysis.api", "RuleAnalyzer": "analysis.api",
    "label_message": "analysis.api", "label_transcript": "analysis.api", "with_setup": "analysis.api",
    "JudgeAnalyzer": "analysis.judge", "MEASURES": "analysis.measures",
    # how good the analyzers are
    "evaluate": "analysis.evaluate", "evaluate_casino": "analysis.evaluate", "evaluate_manifest": "analysis.corpora",
    # what a notebook runs, verb by verb
    "run_scenario": "analysis.notebook", "run_sweep": "analysis.notebook", "load_transcripts": "analysis.notebook",
    "build_report": "analysis.report", "ReportResult": "analysis.report",
    # statistics and graphs, as modules
    "stats": "analysis.stats", "graphs": "analysis.graphs",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'analysis' has no attribute {name!r}")
    if module.rsplit(".", 1)[-1] == name:  # a module itself
        return importlib.import_module(module)
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
