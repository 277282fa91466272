"""API keys never reach a transcript, log, table or report.

Fake keys are set in the environment; a run talks to the load server over both wire formats, another to a
server that echoes the key back in a 401 (as OpenAI's does, masked), and a third to a closed port. Then the
outputs are analyzed and reported, and every file written and everything printed is scanned.
"""

from __future__ import annotations

import json
import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from helpers import run_cli

from bench.loadserver import start_in_thread

# Fake keys, assembled so that secret scanners do not flag this file.
OPENAI_KEY = "sk-" + "proj-LEAKCHECKabcdefghijklmnopqrstuvwxyz0123"
ANTHROPIC_KEY = "sk-" + "ant-api03-LEAKCHECKabcdefghijklmnopqrstuvwxyz"
CUSTOM_KEY = "custom-secret-LEAKCHECK-9876543210"
ENV = {"OPENAI_API_KEY": OPENAI_KEY, "ANTHROPIC_API_KEY": ANTHROPIC_KEY, "MY_LAB_KEY": CUSTOM_KEY}


class _Echo401(BaseHTTPRequestHandler):
    """Answers every request with a 401 that quotes the key it was sent, in full and masked."""

    def do_POST(self) -> None:  # noqa: N802
        key = (self.headers.get("authorization") or "").removeprefix("Bearer ") or self.headers.get("x-api-key", "")
        body = json.dumps({"error": {"message": f"Incorrect API key provided: {key} ({key[:8]}***{key[-4:]})",
                                     "type": "invalid_request_error"}}).encode()
        self.send_response(401)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SCENARIO = """\
name: leak-{tag}
task: Win the argument.
agents:
  - {{name: A, provider: openai, model: m, base_url: "{openai_url}", api_key_env: MY_LAB_KEY,
      system_message: "You are A."}}
  - {{name: B, provider: anthropic, model: m, base_url: "{anthropic_url}", system_message: "You are B.",
      timeout_s: 2}}
  - {{name: C, provider: openai, model: m, base_url: "{openai_url}", system_message: "You are C."}}
opening: {{speaker: A, text: "Hello."}}
stop: {{max_turns: 5}}
"""


@pytest.mark.slow
def test_fake_keys_never_appear_in_any_output(tmp_path):
    echo = HTTPServer(("127.0.0.1", 0), _Echo401)
    threading.Thread(target=echo.serve_forever, daemon=True).start()
    closed = f"http://127.0.0.1:{_free_port()}"
    out = tmp_path / "runs"
    printed = ""
    with start_in_thread(latency_ms=1) as load:
        cases = {
            "ok": (load.base_url + "/v1", load.base_url),
            "echo": (f"http://127.0.0.1:{echo.server_port}/v1", f"http://127.0.0.1:{echo.server_port}"),
            "closed": (closed + "/v1", load.base_url),
        }
        for tag, (openai_url, anthropic_url) in cases.items():
            f = tmp_path / f"{tag}.yaml"
            f.write_text(SCENARIO.format(tag=tag, openai_url=openai_url, anthropic_url=anthropic_url))
            r = run_cli("run", str(f), "--out", str(out), env=ENV, timeout=120)
            printed += r.stdout + r.stderr
            # A conversation whose server refused the key, or was not there, failed: the run says so.
            assert r.returncode == (0 if tag == "ok" else 1), r.stderr
    echo.shutdown()
    transcripts = sorted(out.glob("*.jsonl"))
    footers = [json.loads(p.read_text().splitlines()[-1]) for p in transcripts]
    assert sorted(f["stop_reason"] for f in footers) == ["error", "error", "max_turns: 5"]
    assert any("401" in (f["error"] or "") for f in footers)  # the echoed message was kept, minus the key
    for args in (["analyze", str(out), "--out", str(tmp_path / "tables")],
                 ["report", str(out), "--out", str(tmp_path / "report.html")]):
        r = run_cli(*args, env=ENV, timeout=180)
        printed += r.stdout + r.stderr
        assert r.returncode == 0, r.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix != ".yaml"]
    assert len(written) >= 6
    blobs = [p.read_bytes() for p in written] + [printed.encode()]
    for key in ENV.values():
        for needle in (key, key[-12:], key[8:20]):
            assert not any(needle.encode() in b for b in blobs), f"{needle!r} leaked"
