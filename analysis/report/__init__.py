"""The static HTML review report: ``build_report(DIR, out)`` or ``ingroup report DIR --out REPORT_DIR``.

Split by job: :mod:`.data` (a transcript joined with its labels), :mod:`.compute` (records and statistics,
one conversation at a time), :mod:`.plots` (matplotlib Figures), :mod:`.render` (HTML), :mod:`.builder`
(the stream from transcripts to files).
"""

from __future__ import annotations

from . import plots
from .builder import ReportOptions, ReportPaths, ReportResult, build, build_report

__all__ = ["plots", "ReportOptions", "ReportPaths", "ReportResult", "build", "build_report"]
