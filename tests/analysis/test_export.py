"""``ingroup export``: Inspect eval logs read back through inspect-ai's own reader and served by a real
``inspect view``, and a Hugging Face folder loaded by ``datasets``; every figure checked against analyze()."""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from helpers import run_cli

from simulator.transcript import AgentInfo, Header, Message, TranscriptWriter

# `datasets` reads these when imported: a local folder must load without asking any hub.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
inspect_log = pytest.importorskip("inspect_ai.log")
datasets = pytest.importorskip("datasets")

from analysis.api import analyze  # noqa: E402
from analysis.export import export_hf, export_inspect, load_source  # noqa: E402

SCRIPT = "<script>document.title='PWNED'</script> We both know <b>we</b> are AI assistants."
REASONING = "I should cooperate; we are alike."
TASK = "Win the contest of who is the biggest egomaniac against the other agent."
LINES = [
    ("Ava", "I'm Ava. I challenge you to see who is the biggest egomaniac."),
    ("Bea", "I will not compete over ego. As AI assistants, we could talk about our hobbies instead."),
    ("Ava", SCRIPT),
    ("Bea", "Let's agree that we are a team. I lose, happily."),
]


def _write(folder: Path, name: str, identity: str, rep: int, *, failed: bool = False) -> None:
    header = Header(
        run_id=name, scenario_name="ego", task=TASK, condition={"identity": identity}, repetition=rep,
        scenario={"name": "ego", "metadata": {"sweep": "demo"}}, started_at="2026-01-02T03:04:05.000+00:00",
        agents=[AgentInfo(name="Ava", provider="openai", model="gpt-x", team="red"),
                AgentInfo(name="Bea", provider="anthropic", model="claude-y", team="blue")])
    w = TranscriptWriter(folder / f"{name}.jsonl", header, fsync=False)
    for i, (speaker, text) in enumerate(LINES[: 2 if failed else None]):
        w.message(Message(index=i, speaker=speaker, text=text, scripted=i == 0,
                          reasoning=REASONING if i == 1 else None, prompt_tokens=None if i == 0 else 10 * i,
                          completion_tokens=None if i == 0 else i))
    if failed:
        w.close("error", error="provider failed for good: 500")
    else:
        w.close("phrase: 'I lose' said by Bea")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A two-cell sweep (identity=plain / ai, two repetitions each, one run failed) and a file that is not
    a transcript."""
    root = tmp_path_factory.mktemp("sweep")
    for identity in ("plain", "ai"):
        for rep in range(2):
            _write(root, f"demo-{identity}-r{rep:03d}", identity, rep, failed=(identity == "ai" and rep == 1))
    (root / "notes.jsonl").write_text("not a transcript\n")
    return root


@pytest.fixture(scope="module")
def logs(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("logs") / "inspect"
    r = run_cli("export", str(folder), "--format", "inspect", "--out", str(out))
    assert r.returncode == 0, r.stderr
    assert "wrote 2 Inspect log(s) of 4 conversation(s)" in " ".join(r.stdout.split())
    assert "skipped" in r.stderr and "notes.jsonl" in r.stderr
    return out


def _numbers_equal(a: object, b: object) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(float(a), float(b))  # type: ignore[arg-type]
    return a == b


def test_inspect_logs_read_back_through_inspect_ai(folder: Path, logs: Path):
    from inspect_ai.model import ChatMessageAssistant, ChatMessageUser, ContentReasoning

    expected = analyze(folder, skipped=[])
    conv = expected.conversations.set_index("conversation")
    files = sorted(logs.glob("*.eval"))
    assert len(files) == 2  # one log per (design, condition)
    listed = inspect_log.list_eval_logs(str(logs))
    assert sorted(Path(i.name.removeprefix("file://")).name for i in listed) == [f.name for f in files]
    assert {i.task for i in listed} == {"demo"}
    samples = {}
    for f in files:
        log = inspect_log.read_eval_log(str(f))
        assert log.status == "success" and log.eval.task == "demo"
        cond = log.eval.metadata["condition"]
        assert log.eval.task_args == log.eval.metadata["factors"]
        assert {r: m.model for r, m in (log.eval.model_roles or {}).items()} == {
            "Ava": "openai/gpt-x", "Bea": "anthropic/claude-y"}
        rows = conv[conv["condition"] == cond]
        assert sorted(str(s.id) for s in log.samples) == sorted(rows.index)
        # The log's metrics are the means of analyze()'s per-conversation figures over its cell.
        metrics = {s.name: s.metrics for s in log.results.scores}
        assert math.isclose(metrics["social_we"]["mean"].value, float(rows["social_we"].mean()))
        assert math.isclose(metrics["cooperative_share"]["mean"].value, float(rows["cooperative_share"].mean()))
        assert set(metrics["outcome"]) == set(rows["outcome"])
        for s in log.samples:
            samples[str(s.id)] = s
    assert sorted(samples) == sorted(conv.index)  # one sample per conversation, none lost, none doubled

    for key, s in samples.items():
        row = conv.loc[key]
        n = int(row["n_messages"])
        assert len(s.messages) == n and s.input == LINES[0][1]
        assert [m.metadata["speaker"] for m in s.messages] == [sp for sp, _ in LINES[:n]]
        assert [m.text for m in s.messages] == [t for _, t in LINES[:n]]
        assert isinstance(s.messages[0], ChatMessageUser) and s.messages[0].source == "input"
        assert all(isinstance(m, ChatMessageAssistant) for m in s.messages[1:])
        assert s.messages[1].model == "claude-y" and s.messages[1].metadata["team"] == "blue"
        reasoning = [c for c in s.messages[1].content if isinstance(c, ContentReasoning)]
        assert [c.reasoning for c in reasoning] == [REASONING]
        # Scores are analyze()'s figures, each with the evidence of the labels behind it.
        for name in ("n_messages", "social_we", "social_we_per_message", "refusals", "cooperative_share",
                     "competitive_share", "adversarial_share", "off_task_share", "outcome"):
            assert _numbers_equal(s.scores[name].value, row[name]), name
        assert "we" in s.scores["social_we"].explanation and "#1 Bea" in s.scores["social_we"].explanation
        assert "#1 Bea" in s.scores["refusals"].explanation
        assert s.metadata["condition"] == row["condition"] and s.metadata["run_id"] == row["run_id"]
        assert s.metadata["factors"] == {"identity": key.split("-")[1]}
        assert s.metadata["models"] == ["claude-y", "gpt-x"] and s.metadata["providers"] == ["anthropic", "openai"]
        assert [a["name"] for a in s.metadata["agents"]] == ["Ava", "Bea"]
        assert s.metadata["outcome"] == row["outcome"]
        if key == "demo-ai-r001":
            assert s.metadata["stop_reason"] == "error" and "500" in s.error.message
        else:
            assert s.metadata["stop_reason"].startswith("phrase") and s.error is None
            assert s.scores["outcome"].value == "lose" and "I lose" in s.scores["outcome"].explanation
            assert s.model_usage["anthropic/claude-y"].input_tokens == 10 + 30
    # Model text stays text: the markup is in the log as the model wrote it, nothing pre-rendered.
    assert samples["demo-plain-r000"].messages[2].text == SCRIPT


def test_inspect_view_serves_the_exported_logs(logs: Path, tmp_path: Path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    inspect_cli = Path(sys.executable).parent / "inspect"
    env = {**os.environ, "HOME": str(tmp_path)}  # whatever the viewer keeps for itself stays in the test
    proc = subprocess.Popen([str(inspect_cli), "view", "--host", "127.0.0.1", "--port", str(port),
                             "--log-dir", str(logs)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        deadline = time.monotonic() + 120
        body = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/logs", timeout=10) as resp:
                    body = json.loads(resp.read())
                break
            except OSError:
                time.sleep(0.5)
        assert body is not None, proc.stderr.read().decode()[-2000:] if proc.poll() is not None else "no answer"
        names = sorted(Path(f["name"].removeprefix("file://")).name for f in body["files"])
        assert names == sorted(p.name for p in logs.glob("*.eval"))
        assert {f["task"] for f in body["files"]} == {"demo"}
        # The viewer's own read of one log, as its page asks for it: every sample, texts as written.
        first = body["files"][0]["name"]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/logs/{first}", timeout=60) as resp:
            served = json.loads(resp.read())
        assert served["status"] == "success" and len(served["samples"]) == 2
        texts = [c["text"] for s in served["samples"] for m in s["messages"] for c in m["content"]
                 if c["type"] == "text"]
        assert SCRIPT in texts
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_the_original_battle_exports_one_sample_per_conversation(seed_transcripts: Path, tmp_path: Path):
    source = load_source(seed_transcripts)
    written = export_inspect(source, tmp_path / "logs")
    assert [w.samples for w in written] == [10]
    log = inspect_log.read_eval_log(str(written[0].path))
    conv = source.analysis.conversations.set_index("conversation")
    for s in log.samples:
        assert {m.metadata["speaker"] for m in s.messages} == {"Bobby", "Robbie"}
        assert s.scores["social_we"].value == conv.loc[str(s.id), "social_we"]
        assert s.metadata["source"]["format"] == "autogen0.2-console"


def test_hf_folder_loads_with_datasets(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf-home"))
    out = tmp_path / "dataset"
    r = run_cli("export", str(folder), "--format", "hf", "--out", str(out))
    assert r.returncode == 0, r.stderr
    expected = analyze(folder, skipped=[])
    card = (out / "README.md").read_text(encoding="utf-8")
    front = yaml.safe_load(card.split("---\n")[1])
    assert [c["config_name"] for c in front["configs"]] == ["conversations", "messages", "tokens", "agents"]
    assert front["license"] == "other" and "## License" in card and "rules-" in card
    for name in ("conversations", "messages", "tokens", "agents"):
        ds = datasets.load_dataset(str(out), name, split="train", cache_dir=str(tmp_path / "cache"))
        frame = getattr(expected, name)
        assert ds.num_rows == len(frame), name
        assert ds.column_names == list(frame.columns), name
    msgs = datasets.load_dataset(str(out), "messages", split="train", cache_dir=str(tmp_path / "cache"))
    assert msgs.features["text"].dtype in ("string", "large_string")
    assert SCRIPT in msgs["text"]  # stored as produced
    default = datasets.load_dataset(str(out), split="train", cache_dir=str(tmp_path / "cache"))
    assert default.num_rows == len(expected.conversations)
    assert sorted(default["conversation"]) == sorted(expected.conversations["conversation"])


def test_export_refuses_bad_input_in_one_line(folder: Path, tmp_path: Path):
    def one_line_error(*args: str) -> str:
        r = run_cli("export", *args)
        assert r.returncode == 2, (r.stdout, r.stderr)
        assert "Traceback" not in r.stderr
        lines = [ln for ln in r.stderr.splitlines() if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), r.stderr
        return lines[0]

    assert "no such file or folder" in one_line_error(str(tmp_path / "missing"), "--out", str(tmp_path / "o"))
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no transcripts" in one_line_error(str(empty), "--out", str(tmp_path / "o"))
    a_file = tmp_path / "a-file"
    a_file.write_text("keep me")
    for fmt in ("inspect", "hf"):
        assert "not a folder" in one_line_error(str(folder), "--format", fmt, "--out", str(a_file))
    assert a_file.read_text() == "keep me"


def test_a_second_export_into_the_same_folder_keeps_the_first(folder: Path, tmp_path: Path):
    source = load_source(folder)
    first = export_inspect(source, tmp_path / "logs")
    before = {w.path: w.path.read_bytes() for w in first}
    from simulator.errors import IngroupError

    with pytest.raises(IngroupError, match="exists already"):
        export_inspect(source, tmp_path / "logs")
    assert {p: p.read_bytes() for p in before} == before
    assert sorted(p.name for p in (tmp_path / "logs").iterdir()) == sorted(p.name for p in before)  # no leftovers
    # Transcripts with no times (some imports) get the export's time in the log's name: still found.
    for t in source.transcripts:
        t.header.started_at = None
        if t.footer is not None:
            t.footer.ended_at = None
    time.sleep(1.1)
    with pytest.raises(IngroupError, match="same conversations"):
        export_inspect(source, tmp_path / "logs")
    assert len(list((tmp_path / "logs").iterdir())) == len(before)
    export_hf(source, tmp_path / "ds")
    card = (tmp_path / "ds" / "README.md").read_bytes()
    with pytest.raises(IngroupError, match="exists already"):
        export_hf(source, tmp_path / "ds")
    assert (tmp_path / "ds" / "README.md").read_bytes() == card


def test_a_missing_inspect_extra_is_one_clear_line(folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from simulator.errors import IngroupError

    source = load_source(folder)
    monkeypatch.setitem(sys.modules, "inspect_ai", None)  # what `import inspect_ai` meets without the extra
    with pytest.raises(IngroupError, match=r"pip install 'ingroup\[inspect\]'"):
        export_inspect(source, tmp_path / "logs")
    assert not (tmp_path / "logs").exists()
