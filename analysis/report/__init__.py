"""The static HTML review report: ``build_report(DIR, out)`` or ``ingroup report DIR --out report.html``."""

from __future__ import annotations

from .builder import ReportOptions, ReportResult, build, build_report

__all__ = ["ReportOptions", "ReportResult", "build", "build_report"]
