"""``ingroup export``: a folder of transcripts, with the analyzers' labels, in other tools' formats.

- :func:`export_inspect` (:mod:`.inspect_log`): Inspect eval logs, one per (design, condition), one sample
  per conversation, written with inspect-ai's own log models (the ``[inspect]`` extra), so ``inspect view``
  and ``inspect_ai.log.read_eval_log`` open them.
- :func:`export_hf` (:mod:`.hf`): a Hugging Face ``datasets`` folder, the analysis tables as Parquet and a
  dataset card (``README.md``) whose YAML front matter names the configs and their features.

Both read the folder once and label it once (:func:`.source.load_source`, over :func:`analysis.api.analyze`).
Names load on first use, so the CLI can check its arguments (:mod:`.target`) before pandas is imported.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {"export_inspect": "analysis.export.inspect_log", "export_hf": "analysis.export.hf",
            "load_source": "analysis.export.source", "ExportSource": "analysis.export.source"}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'analysis.export' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return __all__
