"""Seeds: one per repetition, derived from the scenario's, so repetitions are independent and reruns identical.

Sending the scenario seed itself to every repetition made repetitions at temperature 0.7 byte-identical (and
the confidence intervals counted copies as independent draws). Each repetition's seed is a hash of the base
seed and the repetition number: distinct per repetition, the same on every rerun, and unrelated for
neighbouring bases (``seed: 1`` and ``seed: 2`` share no repetition seeds, unlike ``base + repetition``).
"""

from __future__ import annotations

import hashlib
import secrets

SEED_BITS = 31
"""Seeds fit a signed 32-bit int: llama.cpp takes uint32, and some OpenAI-compatible servers reject more."""


def repetition_seed(base: int, repetition: int) -> int:
    """The seed of repetition ``repetition`` of a scenario whose seed is ``base``."""
    digest = hashlib.blake2b(f"ingroup.seed/1|{base}|{repetition}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % (1 << SEED_BITS)


def pick_seed() -> int:
    """A fresh base seed for a run whose scenario gives none (recorded, so ``--seed`` reproduces it)."""
    return secrets.randbelow(1 << SEED_BITS)


def named_seed(name: str) -> int:
    """A stable base seed for a plan whose files give none (a sweep: its resume must plan the same runs)."""
    digest = hashlib.blake2b(f"ingroup.seed/1|name|{name}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") % (1 << SEED_BITS)
