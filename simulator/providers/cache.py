"""An opt-in cache of model calls (``--cache DIR``): a rerun, a resumed sweep or a new analysis pays
nothing for a call already made.

An entry is keyed by a SHA-256 of everything that decides a reply: the provider kind, the server (its
public URL: no user, password or query), the model, the per-model request rules that shaped the request,
the extra request fields and headers (as the transcript records them, secrets redacted), the system prompt,
every turn the model sees, and the sampling asked for, the run's seed included. Keys and headers are never
stored: the key is a digest, and an entry holds only the reply (:class:`~simulator.providers.base.Completion`).

Entries are plain JSON files, ``DIR/<2 hex>/<64 hex>.json``, written by
:func:`simulator.files.write_atomic` (a fresh temporary name, then a rename), so any number of worker
processes and sweeps may share one folder: a reader sees a whole entry or none, and two writers of the same
key write the same reply. An entry that cannot be read (cut off by hand, another format) is a miss and is
written again.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import stat
from pathlib import Path
from typing import Any, Mapping

from ..files import ensure_dir, write_atomic
from ..scenario import AgentSpec, Sampling
from ..secrets import public_url, redact_data, redact_headers
from .base import Completion, Provider, Turn

CACHE_FORMAT = "ingroup.cache/1"
"""Part of every key: a change of what an entry holds or how keys are made starts a fresh cache."""
UNCACHED_KINDS = frozenset({"scripted"})
"""Fixed lines cost nothing and keep their own position in the script: never cached."""
_COMPLETION_FIELDS = frozenset(f.name for f in dataclasses.fields(Completion)) - {"cached"}


def cacheable(spec: AgentSpec) -> bool:
    """Whether this agent's calls go through the cache."""
    return spec.provider not in UNCACHED_KINDS


def call_identity(spec: AgentSpec, provider: Provider, env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    """What decides an agent's replies apart from the conversation: computed once per agent."""
    from . import effective_base_url

    model_path = getattr(provider, "model_path", None)
    return {
        "format": CACHE_FORMAT,
        "provider": spec.provider,
        "base_url": public_url(effective_base_url(spec, env), env),
        "model": spec.model,
        # An in-process model is its weights file, whatever the scenario calls it.
        "model_file": Path(model_path).name if model_path is not None else None,
        "context": getattr(provider, "n_ctx", None),  # decides which early turns an in-process model drops
        "request_rules": list(getattr(provider, "request_rules", []) or []),
        "extra_body": redact_data(spec.extra_body, env) if spec.extra_body is not None else None,
        "extra_headers": redact_headers(spec.extra_headers, env),
    }


def call_key(identity: dict[str, Any], system: str, turns: list[Turn], sampling: Sampling) -> str:
    """The entry's name: a digest of the agent's identity and this call's request."""
    request = {
        "identity": identity,
        "system": system,
        "turns": [[t.role, t.name, t.content] for t in turns],
        "sampling": sampling.asked(),
    }
    text = json.dumps(request, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _read_entry(path: Path) -> bytes:
    """An entry's bytes. A cache folder may be shared: a link or a FIFO planted under an entry's name is
    not followed or waited on (it reads as a miss, and the next write replaces it)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path} is not a regular file")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    finally:
        os.close(fd)


class CallCache:
    """A folder of cached replies. ``hits`` and ``misses`` count this process's lookups."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str) -> Completion | None:
        """The stored reply for ``key`` (marked ``cached``), or None."""
        try:
            data = json.loads(_read_entry(self._path(key)))
        except (OSError, ValueError):
            self.misses += 1
            return None
        fields = data.get("completion") if isinstance(data, dict) else None
        if not isinstance(fields, dict) or data.get("format") != CACHE_FORMAT or data.get("key") != key:
            self.misses += 1
            return None
        try:
            completion = Completion(**{k: v for k, v in fields.items() if k in _COMPLETION_FIELDS})
        except TypeError:
            self.misses += 1
            return None
        completion.cached = True
        self.hits += 1
        return completion

    def put(self, key: str, completion: Completion) -> None:
        """Store a reply the provider gave (a failed call is never stored)."""
        fields = {k: v for k, v in dataclasses.asdict(completion).items() if k in _COMPLETION_FIELDS}
        entry = {"format": CACHE_FORMAT, "key": key, "completion": fields}
        ensure_dir(self._path(key).parent)
        write_atomic(self._path(key), json.dumps(entry, ensure_ascii=False, separators=(",", ":")))


__all__ = ["CACHE_FORMAT", "CallCache", "cacheable", "call_identity", "call_key"]
