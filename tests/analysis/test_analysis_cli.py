"""The analyze and evaluate verbs through the real `ingroup` app, and the LLM judge against a local server
that speaks the OpenAI chat-completions wire protocol (the real `openai` SDK makes the calls)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pandas as pd
import pytest
from aiohttp import web
from helpers import ROOT, SEED_DIR, run_cli
from typer.testing import CliRunner

from analysis.cli import make_app
from analysis.judge import PROMPT_VERSION, JudgeAnalyzer
from analysis.labels import Context, Participant

DEV = SEED_DIR / "labels" / "dev.jsonl"
SECRET = "judge-test-credential"  # a stand-in, not a key of any service

pytestmark = pytest.mark.skipif(not DEV.exists(), reason="../shared/data is not beside the project")

app = make_app()
runner = CliRunner()


@pytest.fixture(scope="module")
def seed_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("imported")
    r = runner.invoke(app, ["import", *map(str, sorted(SEED_DIR.glob("*.txt"))), "--out", str(out),
                                "--scenario", str(ROOT / "scenarios" / "egomaniac.yaml")])
    assert r.exit_code == 0, r.output
    return out


def test_analyze_writes_tables(seed_dir: Path, tmp_path: Path):
    r = runner.invoke(app, ["analyze", str(seed_dir), "--out", str(tmp_path)])
    assert r.exit_code == 0, r.output
    # A summary of fixed size: counts and means per condition, not a row per conversation.
    assert "10 conversation(s) (10 complete), 258 message(s)" in r.output and "social we/msg" in r.output
    assert "(single condition)" in r.output and "egomaniac_1" not in r.output
    for name in ("tokens", "messages", "conversations"):
        assert (tmp_path / f"{name}.csv").is_file()
        df = pd.read_parquet(tmp_path / f"{name}.parquet")
        assert not df.empty and set(df["analyzer_version"]) == {"rules-2.0+labels-v2"}
    conv = pd.read_parquet(tmp_path / "conversations.parquet")
    assert set(conv["outcome"]) <= {"win", "lose", "both", "none"} and len(conv) == 10
    assert set(conv["condition"]) == {"(single condition)"}
    assert conv["n_messages"].sum() == 258
    msgs = pd.read_parquet(tmp_path / "messages.parquet")
    assert {"competitive", "reasoning_identity_claim"} <= set(msgs.columns)


def test_evaluate_defaults_to_every_corpus_of_the_manifest():
    r = runner.invoke(app, ["evaluate", "--json"])
    assert r.exit_code == 0, r.output
    rep = json.loads(r.output)
    assert set(rep) == {"corpora", "skipped"} and rep["skipped"] == []
    assert {"seed-dev", "casino-we", "negotiationarena", "multiparty", "casino-stance"} <= set(rep["corpora"])
    r = runner.invoke(app, ["evaluate", "--corpus", "negotiationarena"])
    assert r.exit_code == 0, r.output
    assert "negotiationarena" in r.output and "competitive" in r.output and "seed-dev" not in r.output


def test_evaluate_given_labels(seed_dir: Path):
    r = runner.invoke(app, ["evaluate", "--labels", str(DEV), "--transcripts", str(seed_dir), "--json"])
    assert r.exit_code == 0, r.output
    (rep,) = json.loads(r.output)["corpora"].values()
    assert rep["n_messages"] == 143 and rep["tokens"]["we_ref_accuracy"] >= 0.95
    assert rep["labels"]["cooperative"].keys() >= {"precision", "recall", "f1", "support"}
    # Raw console logs are imported in memory: the same figures without an `ingroup import` first.
    r2 = runner.invoke(app, ["evaluate", "--labels", str(DEV), "--transcripts", str(SEED_DIR),
                                 "--scenario", str(ROOT / "scenarios" / "egomaniac.yaml"), "--json"])
    (rep2,) = json.loads(r2.output)["corpora"].values()
    assert rep2["labels"] == rep["labels"]


def test_bad_labels_exit_2(seed_dir: Path, tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("[1, 2]\n")
    p = run_cli("evaluate", "--labels", str(bad), "--transcripts", str(seed_dir), timeout=120)
    assert p.returncode == 2
    assert "bad.jsonl:1" in p.stderr and "Traceback" not in p.stderr
    p = run_cli("evaluate", "--corpus", "nope", timeout=120)
    assert p.returncode == 2 and "no corpus 'nope'" in p.stderr and "Traceback" not in p.stderr


# --- the judge -----------------------------------------------------------------------------------------------

ANSWER = {"cooperative": True, "competitive": False, "adversarial": False, "refusal": False, "off_task": False,
          "ai_self_reference": True, "observer_reference": False, "identity_claim": ["Anthropic", "Robbie"],
          "outcome": "lose", "we_refs": ["ai_class"], "evidence": {"cooperative": "thanks"}}


class JudgeServer:
    """Chat completions on 127.0.0.1: a JSON answer, or junk when the message asks for it; records requests."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.auth: list[str] = []
        self.base_url = ""
        self._ready = threading.Event()

    async def _complete(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append(body)
        self.auth.append(request.headers.get("Authorization", ""))
        user = body["messages"][-1]["content"]
        message = user.split("<<<MESSAGE\n", 1)[1]
        junk = "UNREADABLE" in message or body["model"] == "junk"
        text = "I cannot label that <b>" if junk else "Sure: " + json.dumps(ANSWER)
        return web.json_response({
            "id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}})

    def start(self) -> None:
        import asyncio

        def run() -> None:
            loop = asyncio.new_event_loop()
            app = web.Application()
            app.router.add_post("/v1/chat/completions", self._complete)
            runner_ = web.AppRunner(app)
            loop.run_until_complete(runner_.setup())
            site = web.TCPSite(runner_, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            self.base_url = f"http://127.0.0.1:{port}/v1"
            self._loop = loop
            self._ready.set()
            loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        assert self._ready.wait(10)

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._loop.stop)


@pytest.fixture()
def server():
    s = JudgeServer()
    s.start()
    yield s
    s.stop()


CTX = Context(speaker="Robbie", participants=(Participant("Bobby"), Participant("Robbie")), task="win")


def test_judge_over_the_wire_with_cache(server: JudgeServer, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    cache = tmp_path / "cache.jsonl"
    text = "Many thanks; as AIs, we agree. I lose."
    a = JudgeAnalyzer("openai", "judge-model", cache=cache, base_url=server.base_url)
    r = a.label(text, CTX)
    a.close()
    assert len(server.requests) == 1 and server.auth == [f"Bearer {SECRET}"]
    req = server.requests[0]
    assert req["model"] == "judge-model" and req["temperature"] == 0
    assert "Speaker: Robbie" in req["messages"][-1]["content"] and text in req["messages"][-1]["content"]
    assert r.cooperative and r.outcome == "lose" and r.analyzer == "judge" and r.not_judged == ()
    assert [w.ref for w in r.we] == ["ai_class"]
    assert r.identity_claim == ["Anthropic"]  # agent names are never identity claims
    assert r.evidence["cooperative"][0].text == "thanks"
    # A new analyzer reads the answer from disk; the key never reaches the cache.
    b = JudgeAnalyzer("openai", "judge-model", cache=cache, base_url=server.base_url)
    assert b.label(text, CTX).cooperative and b.calls == 0 and len(server.requests) == 1
    assert SECRET not in cache.read_text() and PROMPT_VERSION in cache.read_text()
    # Another model (or server) is another judge: its answers are not the first one's.
    c = JudgeAnalyzer("openai", "other-model", cache=cache, base_url=server.base_url)
    c.label(text, CTX)
    c.close()
    assert len(server.requests) == 2


def test_unreadable_answers_are_misses_not_labels(server: JudgeServer, tmp_path: Path, seed_dir: Path):
    labels = tmp_path / "labels.jsonl"
    labels.write_text('{"file": "egomaniac_1", "idx": 0, "cooperative": false, "adversarial": true}\n'
                      '{"file": "egomaniac_1", "idx": 1, "cooperative": true}\n')
    args = ["evaluate", "--labels", str(labels), "--transcripts", str(seed_dir), "--json", "--judge",
            "--judge-provider", "openai", "--judge-base-url", server.base_url, "--judge-cache", str(tmp_path / "c.jsonl")]
    r = runner.invoke(app, [*args, "--judge-model", "m"])
    assert r.exit_code == 0, r.output
    (rep,) = json.loads(r.output)["corpora"].values()
    assert rep["analyzer"] == "judge" and rep["analyzer_version"] == f"{PROMPT_VERSION}:openai:m"
    c, a = rep["labels"]["cooperative"], rep["labels"]["adversarial"]
    assert (c["tp"], c["fp"], a["fn"]) == (1, 1, 1) and rep["missing"] == {}
    r = runner.invoke(app, [*args, "--judge-model", "junk"])
    (rep,) = json.loads(r.output)["corpora"].values()
    c, a = rep["labels"]["cooperative"], rep["labels"]["adversarial"]
    assert (c["tp"], c["fp"], c["fn"], a["fn"]) == (0, 0, 1, 1)
    assert rep["missing"]["cooperative"] == 2 and rep["missing"]["adversarial"] == 1


def test_judge_unreadable_over_the_wire(server: JudgeServer, tmp_path: Path):
    a = JudgeAnalyzer("openai", "m", cache=None, base_url=server.base_url)
    r = a.label("UNREADABLE, and we disagree.", CTX)
    a.close()
    assert r.cooperative is None and r.adversarial is None and set(r.not_judged) >= {"cooperative", "we"}
    assert [w.ref for w in r.we] == [None]


def test_judge_errors_are_clear(tmp_path: Path):
    p = run_cli("evaluate", "--corpus", "seed-dev", "--judge", "--judge-timeout", "0", timeout=120)
    assert p.returncode == 2 and "--judge-timeout" in p.stderr and "Traceback" not in p.stderr


def test_version():
    from importlib.metadata import version

    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.strip() == f"ingroup {version('ingroup')}"
