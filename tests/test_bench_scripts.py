"""The bench scripts, shrunk: the fault test's guarantees hold, and the throughput bench still runs.

These assert behaviour (every planned conversation complete exactly once after a SIGKILL and a resume,
transcripts equal to an uninterrupted sweep's), never speed: speed targets live in the bench output.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from helpers import ROOT


def _last_json(stdout: str) -> dict:
    return json.loads(stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_faults_killed_and_resumed_sweep_loses_nothing():
    r = subprocess.run([sys.executable, "bench/faults.py", "--quick", "--seed", "3"], cwd=ROOT,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    figures = _last_json(r.stdout)
    assert figures == {"planned": 60, "complete": 60, "duplicates": 0, "corrupt_lines": 0,
                       "equal_to_uninterrupted": True}, r.stdout
    assert "SIGKILL" in r.stdout


@pytest.mark.slow
def test_throughput_bench_runs_and_reports_its_figures():
    r = subprocess.run([sys.executable, "bench/throughput.py", "-n", "24", "-c", "8", "-l", "20", "-t", "4",
                        "--sequential", "1", "--workers", "2"], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    figures = _last_json(r.stdout)
    assert set(figures) == {"ideal_ratio", "sdk_ratio", "sequential_ratio", "own_ms_per_turn", "peak_mb"}
    assert 0 < figures["ideal_ratio"] <= 1.05 and figures["peak_mb"] > 0


def test_teams_bench_measures_both_teams_over_completed_turns():
    r = subprocess.run([sys.executable, "bench/teams.py", "--quick"], cwd=ROOT, capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    figures = _last_json(r.stdout)
    assert set(figures) == {"sequential_ms_per_turn", "group_chat_ms_per_turn"}
    assert all(v > 0 for v in figures.values())
