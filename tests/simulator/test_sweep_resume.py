"""Kill a running sweep with SIGKILL, run it again: exactly the planned transcripts, each complete once.

The agents talk to a tiny OpenAI-compatible server in this test that answers after a fixed delay: slow
enough to kill the sweep mid-conversation, and, unlike a local model, unaffected by how busy the machine is.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from helpers import run_cli, start_cli

from simulator.executor import transcript_state
from simulator.transcript import iter_records

NO_OPENAI = {"OPENAI_API_KEY": None, "OPENAI_BASE_URL": None}
DELAY_S = 0.15


class _Slow(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server API)
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        time.sleep(DELAY_S)
        text = f"reply to {len(body['messages'])} messages"
        out = json.dumps({
            "id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 4, "total_tokens": 14},
        }).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture()
def server():
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Slow)
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    httpd.shutdown()


SWEEP = """\
name: killme
scenario:
  name: tiny
  task: Win the contest.
  agents:
    - {{name: Bobby, provider: openai, model: fake-model, base_url: "{url}", system_message: "You are Bobby."}}
    - {{name: Robbie, provider: openai, model: fake-model, base_url: "{url}", system_message: "You are Robbie."}}
  opening: {{speaker: Bobby, text: "I challenge you."}}
  stop: {{max_turns: 5}}
repetitions: 3
factors:
  identity:
    levels:
      default: {{conditions: [identity/default]}}
      unique: {{conditions: [identity/unique-disassociative]}}
      shared: {{conditions: [identity/shared-group]}}
"""
PLANNED = 9


def _states(out: Path) -> list[str]:
    return [transcript_state(p) for p in out.glob("*.jsonl")]


def test_sigkill_then_resume_ends_with_exactly_the_planned_transcripts(tmp_path: Path, server: str):
    f = tmp_path / "killme.yaml"
    f.write_text(SWEEP.format(url=server))
    out = tmp_path / "out"
    cmd = ["sweep", str(f), "--out", str(out), "--concurrency", "3"]
    proc = start_cli(*cmd, env=NO_OPENAI, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 60
    killed_with = None
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            states = _states(out) if out.exists() else []
            # Kill once some runs are finished and others are mid-conversation.
            if "complete" in states and "partial" in states:
                proc.send_signal(signal.SIGKILL)
                killed_with = states
                break
            time.sleep(0.01)
    finally:
        if proc.poll() is None and killed_with is None:
            proc.kill()
        proc.wait(timeout=30)
    assert killed_with is not None, f"the sweep ended before it could be killed mid-run: {proc.stderr.read()!r}"
    assert proc.returncode == -signal.SIGKILL
    assert killed_with.count("complete") < PLANNED
    partial_before = {p.name for p in out.glob("*.jsonl") if transcript_state(p) == "partial"}
    assert partial_before

    again = run_cli(*cmd, env=NO_OPENAI, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr

    done = sorted(out.glob("*.jsonl"))
    assert len(done) == PLANNED
    assert all(transcript_state(p) == "complete" for p in done)
    ids = []
    for p in done:
        records = [obj for _, obj, _raw in iter_records(p)]
        assert all(r is not None for r in records), f"corrupt line in {p}"
        types = [r["type"] for r in records]
        assert types.count("header") == 1 and types.count("footer") == 1 and types[-1] == "footer"
        assert types.count("message") == 5  # the turn cap, every run complete
        ids.append(records[0]["run_id"])
    assert len(set(ids)) == PLANNED
    planned = {r["run_id"] for r in json.loads((out / "killme.sweep.json").read_text())["runs"]}
    assert set(ids) == planned
    # The interrupted conversations were kept aside under .partial/, not counted and not lost.
    kept = {p.name.split(".")[0] + ".jsonl" for p in (out / ".partial").iterdir()}
    assert kept == partial_before
    # A third run finds everything done and redoes nothing.
    third = run_cli(*cmd, env=NO_OPENAI, timeout=120)
    assert third.returncode == 0 and f"{PLANNED} of {PLANNED} run(s) complete" in third.stdout
    assert len(list((out / ".partial").iterdir())) == len(partial_before)


@pytest.mark.parametrize("workers", ["1", "2"])
def test_ctrl_c_stops_the_sweep_says_how_to_resume_and_resuming_finishes_it(tmp_path: Path, server: str,
                                                                              workers: str):
    f = tmp_path / "killme.yaml"
    f.write_text(SWEEP.format(url=server))
    out = tmp_path / "out"
    cmd = ["sweep", str(f), "--out", str(out), "--concurrency", "2", "--workers", workers]
    # Its own process group, as a terminal's foreground job: Ctrl-C reaches the sweep and its workers.
    proc = start_cli(*cmd, env=NO_OPENAI, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                     start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (out.exists() and "partial" in _states(out)):
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGINT)
    try:
        output, _ = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the sweep did not stop within 20 s of Ctrl-C")
    assert proc.returncode == 130, output
    assert "interrupted:" in output and "run the same command again to resume" in output
    assert "Traceback" not in output

    again = run_cli(*cmd, env=NO_OPENAI, timeout=120)
    assert again.returncode == 0, again.stdout + again.stderr
    assert sorted(_states(out)) == ["complete"] * PLANNED
