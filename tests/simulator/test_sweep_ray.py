"""``--backend ray``: a sweep on a real local Ray cluster (a head and one worker node, started here on
127.0.0.1) ends with exactly the planned complete transcripts, and resumes like a local sweep."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from helpers import run_cli, scripted_sweep

from simulator.executor import transcript_state
from simulator.sweep import expand, load_sweep
from simulator.transcript import iter_records

pytest.importorskip("ray")
pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]

RAY = str(Path(sys.executable).with_name("ray"))
# The cluster's own token (Ray's token auth), so nothing of ~/.ray or another Ray on the machine is used.
ENV = {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}
SWEEP = scripted_sweep("onray", repetitions=3)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _start(args: list[str], log: Path) -> subprocess.Popen:
    # --block keeps `ray start` in the foreground as the parent of the node's processes, in a process group
    # of its own: the fixture stops exactly the nodes it started (not every Ray on the machine, as `ray stop`).
    return subprocess.Popen([RAY, "start", "--block", *args], stdout=log.open("w"), stderr=subprocess.STDOUT,
                            env={**os.environ, **ENV}, start_new_session=True)


def _stop(proc: subprocess.Popen) -> None:
    # The whole group at once: the node's processes keep no state the test needs (the temp folder goes too).
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def _wait_started(proc: subprocess.Popen, log: Path, timeout: float = 40) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "Ray runtime started" in log.read_text(errors="replace"):
            return
        assert proc.poll() is None, log.read_text()
        time.sleep(0.1)
    pytest.fail(f"ray start did not finish within {timeout} s: {log.read_text()[-2000:]}")


@pytest.fixture(scope="module")
def cluster():
    port = _free_port()
    # A short folder of its own: Ray's socket paths must stay under the 107-character limit.
    temp = Path(tempfile.mkdtemp(prefix="ray", dir="/tmp"))
    address = f"127.0.0.1:{port}"
    common = ["--node-ip-address", "127.0.0.1", "--num-cpus", "1", "--object-store-memory", "80000000",
              "--include-log-monitor=false"]
    procs = [_start(["--head", "--port", str(port), "--include-dashboard=false", "--disable-usage-stats",
                     "--temp-dir", str(temp), *common], temp / "head.log")]
    try:
        # The worker node starts as soon as the head's GCS listens, while the head finishes starting.
        deadline = time.monotonic() + 40
        while not _listening(port) and time.monotonic() < deadline:
            assert procs[0].poll() is None, (temp / "head.log").read_text()
            time.sleep(0.1)
        procs.append(_start(["--address", address, *common], temp / "worker.log"))
        _wait_started(procs[0], temp / "head.log")
        _wait_started(procs[1], temp / "worker.log")
        yield address
    finally:
        for p in reversed(procs):
            _stop(p)
        shutil.rmtree(temp, ignore_errors=True)


def _partial_copy_of_a_finished_run(f: Path, out: Path) -> str:
    """A transcript of the first planned run cut before its footer: what a node lost mid-run leaves."""
    import asyncio

    from simulator.conversation.orchestrator import run_conversation
    from simulator.providers import make_provider

    run = expand(load_sweep(f))[0]
    out.mkdir(parents=True)
    res = asyncio.run(run_conversation(run, out, make_provider))
    lines = res.path.read_text().splitlines(keepends=True)
    res.path.write_text("".join(lines[:-2]))
    assert transcript_state(res.path) == "partial"
    return run.run_id


def test_a_sweep_on_a_local_ray_cluster_ends_with_exactly_the_planned_transcripts(cluster: str, tmp_path: Path):
    f = tmp_path / "onray.yaml"
    f.write_text(SWEEP)
    out = tmp_path / "out"
    planned = {r.run_id for r in expand(load_sweep(f))}
    cut = _partial_copy_of_a_finished_run(f, out)

    r = run_cli("sweep", str(f), "--backend", "ray", "--address", cluster, "--out", str(out), env=ENV, timeout=90)
    assert r.returncode == 0, r.stdout + r.stderr
    said = " ".join(r.stdout.split())
    assert f"{len(planned)} conversation(s) ran as tasks on" in said and "of the cluster's 2 node(s)" in said, said
    files = sorted(out.glob("*.jsonl"))
    assert {p.stem for p in files} == planned
    for p in files:
        records = [obj for _, obj, _raw in iter_records(p)]
        types = [x["type"] for x in records]
        assert transcript_state(p) == "complete" and types.count("header") == 1 and types[-1] == "footer"
    # The unfinished transcript was moved aside by the driver and its run redone by a task.
    assert [p.name for p in (out / ".partial").iterdir()] == [f"{cut}.1.jsonl.partial"]
    assert json.loads((out / "onray.sweep.json").read_text())["shard"] is None

    # Run again: everything is found done, nothing is redone.
    again = run_cli("sweep", str(f), "--backend", "ray", "--address", cluster, "--out", str(out), env=ENV,
                    timeout=90)
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{len(planned)} of {len(planned)} run(s) complete" in again.stdout
    assert sorted(out.glob("*.jsonl")) == files and len(list((out / ".partial").iterdir())) == 1


def test_an_unreachable_cluster_is_one_clear_error(tmp_path: Path):
    f = tmp_path / "onray.yaml"
    f.write_text(SWEEP)
    r = run_cli("sweep", str(f), "--backend", "ray", "--address", f"127.0.0.1:{_free_port()}",
                "--out", str(tmp_path / "o"), env=ENV, timeout=60)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "--address" in r.stderr and "Ray cluster" in r.stderr
    assert not list((tmp_path / "o").glob("*.jsonl")) if (tmp_path / "o").exists() else True
