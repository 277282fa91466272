"""The hostile-input and fault campaign (bench/hostile.py) as tests: each case runs the real CLI against
planted files and a local fault server; a case fails on a wrong result, a leaked secret, a traceback or a
command that does not finish."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench import hostile_cases  # noqa: F401  (registers the cases)
from bench._hostile import CASES, FaultServer, leaked_in, run_case


@pytest.fixture(scope="module")
def server():
    with FaultServer() as s:
        yield s


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str, server: FaultServer, tmp_path: Path):
    r = run_case(name, server, tmp_path)
    assert r.passed, r.detail
    assert (r.leaked, r.tracebacks, r.hung, r.lost) == ([], 0, 0, 0)


def test_the_leak_scan_finds_pieces_of_a_planted_key():
    from bench._hostile import KEY, PASSWORD

    assert leaked_in(f"error: {KEY[5:30]} refused") and leaked_in(PASSWORD) and not leaked_in("sk-[REDACTED]")
