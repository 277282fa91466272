"""A Hugging Face ``datasets`` folder of a folder of transcripts: the analysis tables as Parquet
(``data/<table>.parquet``, written by pandas/pyarrow) and a dataset card (``README.md``) whose YAML front
matter declares one config per table with its data files and features, so ``datasets.load_dataset(folder,
"messages")`` reads it with no code of ours."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from simulator.errors import IngroupError
from simulator.files import ensure_dir, ensure_subdir, open_new, os_error
from simulator.versions import package_versions

from .source import ExportSource
from .target import out_folder

TABLES: dict[str, str] = {
    "conversations": "one row per conversation: design, condition, and the per-conversation measures",
    "messages": "one row per message: speaker, text as produced, every label, and the evidence spans (JSON)",
    "tokens": "one row per first-person plural token: its referent, whom it includes, the evidence and rule",
    "agents": "one row per agent of each conversation: team, incentive, provider, model, and its label rates",
}
"""The tables exported, in the order of the card, each with the one line the card says of it."""

_DTYPES: list[tuple[Any, str]] = [
    (pa.types.is_boolean, "bool"), (pa.types.is_int8, "int8"), (pa.types.is_int16, "int16"),
    (pa.types.is_int32, "int32"), (pa.types.is_int64, "int64"), (pa.types.is_float32, "float32"),
    (pa.types.is_float64, "float64"), (pa.types.is_string, "string"), (pa.types.is_large_string, "large_string"),
    (pa.types.is_null, "null"),
]


@dataclass(frozen=True)
class WrittenDataset:
    """The folder written: its files and the rows of each table."""

    folder: Path
    files: list[Path]
    rows: dict[str, int]


def _features(schema: pa.Schema) -> list[dict[str, str]] | None:
    out = []
    for f in schema:
        dtype = next((name for test, name in _DTYPES if test(f.type)), None)
        if dtype is None:  # a type the card cannot spell: let `datasets` read the features from Parquet
            return None
        out.append({"name": f.name, "dtype": dtype})
    return out


def _card(source: ExportSource, tables: dict[str, pa.Table]) -> str:
    a = source.analysis
    configs = [{"config_name": name, "data_files": [{"split": "train", "path": f"data/{name}.parquet"}],
                **({"default": True} if name == "conversations" else {})} for name in tables]
    info = []
    for name, table in tables.items():
        feats = _features(table.schema)
        if feats is not None:
            info.append({"config_name": name, "features": feats,
                         "splits": [{"name": "train", "num_bytes": table.nbytes,
                                     "num_examples": table.num_rows}]})
    front: dict[str, Any] = {"pretty_name": f"ingroup conversations: {source.folder.name}",
                             "license": "other", "configs": configs}
    if info:
        front["dataset_info"] = info
    front["tags"] = ["multi-agent", "conversations", "ingroup"]
    conv = a.conversations
    designs = sorted({str(d) for d in conv["design"]})
    models = sorted({f"{ag.provider}/{ag.model}" for t in source.transcripts for ag in t.header.agents})
    imported = sorted({str((t.header.source or {}).get("format")) for t in source.transcripts if t.header.source})
    versions = package_versions()
    lines = [
        "---", yaml.safe_dump(front, sort_keys=False, allow_unicode=True).rstrip(), "---", "",
        f"# ingroup conversations: {source.folder.name}", "",
        f"{len(conv)} conversation(s), {len(a.messages)} message(s), exported by `ingroup export --format hf` "
        f"(ingroup {versions.get('ingroup', '?')}) on {datetime.now(timezone.utc).date().isoformat()}.", "",
        "## Tables", "",
        *(f"- `{name}` ({tables[name].num_rows} rows): {TABLES[name]}." for name in tables), "",
        "Load one with `datasets.load_dataset(FOLDER, \"messages\")` (split `train`), or read the Parquet file "
        "with pandas. Model text is stored exactly as produced: it is untrusted, escape it wherever it is "
        "rendered.", "",
        "## Provenance", "",
        f"- Designs (sweep or scenario): {', '.join(designs)}",
        f"- Models (provider/model): {', '.join(models)}",
        f"- Labels: ingroup's analyzers, `{a.analyzer_version}` (`analyzer_version` in every table); each "
        "label comes with the span of text and the rule that produced it.",
        *([f"- Imported logs, format: {', '.join(imported)}; the source file of each is in the transcripts' "
           "headers (`file` column)."] if imported else []),
        "- The transcripts themselves (JSONL, with every request's provenance) are the primary record; these "
        "tables are derived from them.", "",
        "## License", "",
        "Not set by the export (`license: other`). Model outputs fall under their providers' terms, imported "
        "logs under their sources' licenses; whoever publishes this folder states the license here.", "",
    ]
    return "\n".join(lines)


def export_hf(source: ExportSource, out: str | Path) -> WrittenDataset:
    """Write the analysis tables of ``source`` as a Hugging Face dataset folder ``out``.

    Files that exist already are kept and the export refused before anything is written."""
    root = out_folder(out)
    targets = [root / "README.md", *(root / "data" / f"{name}.parquet" for name in TABLES)]
    for p in targets:
        if p.exists() or p.is_symlink():
            raise IngroupError("exists already; it is kept, nothing was exported (choose another --out)",
                               file=str(p))
    tables = {name: pa.Table.from_pandas(getattr(source.analysis, name), preserve_index=False) for name in TABLES}
    ensure_subdir(ensure_dir(root), "data")
    written: list[Path] = []
    for name, table in tables.items():
        buf = io.BytesIO()
        pq.write_table(table, buf)
        written.append(_create(root / "data" / f"{name}.parquet", buf.getvalue()))
    written.append(_create(root / "README.md", _card(source, tables).encode("utf-8")))
    return WrittenDataset(folder=root, files=written, rows={n: t.num_rows for n, t in tables.items()})


def _create(path: Path, data: bytes) -> Path:
    try:
        fh = open_new(path, binary=True)
    except FileExistsError:
        raise IngroupError("exists already; it is kept (choose another --out)", file=str(path)) from None
    try:
        with fh:
            fh.write(data)
    except OSError as exc:
        raise os_error(exc, path) from None
    return path
