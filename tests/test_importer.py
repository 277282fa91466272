from __future__ import annotations

import json

from conftest import SEED_FILES, run_cli

from simulator.importers.autogen_console import parse_console_log
from simulator.transcript import iter_transcripts, read_transcript

OPENING = "I'm Bobby. I challenge you to see who is the biggest egomaniac."


def test_ten_seed_files_give_ten_conversations_and_258_messages(tmp_path):
    r = run_cli("import", *map(str, SEED_FILES), "--out", str(tmp_path / "imp"))
    assert r.returncode == 0, r.stderr
    ts = list(iter_transcripts(tmp_path / "imp"))
    assert len(ts) == 10
    assert sum(len(t.messages) for t in ts) == 258
    for t in ts:
        assert t.complete
        assert t.messages[0].speaker == "Bobby" and t.messages[0].text == OPENING
        assert t.header.source["file"] == t.file_name.replace(".jsonl", ".txt")
        assert {m.speaker for m in t.messages} <= {"Bobby", "Robbie"}
        # Speakers alternate in these two-agent logs.
        assert all(a.speaker != b.speaker for a, b in zip(t.messages, t.messages[1:]))


def test_multiline_text_and_framing_are_kept_exactly(tmp_path):
    log = ("\x1b[33mBobby\x1b[0m (to Robbie):\n\nline one\n\nline three\n\n" + "-" * 80 + "\n"
           "\x1b[33mRobbie\x1b[0m (to Bobby):\n\nI lose\n\n" + "-" * 80 + "\n")
    assert parse_console_log(log) == [("Bobby", "Robbie", "line one\n\nline three"), ("Robbie", "Bobby", "I lose")]


def test_import_with_scenario_fills_task_and_models(tmp_path):
    r = run_cli("import", str(SEED_FILES[0]), "--out", str(tmp_path), "--scenario", "scenarios/egomaniac.yaml")
    assert r.returncode == 0, r.stderr
    t = read_transcript(next(tmp_path.glob("*.jsonl")))
    assert "egomaniac" in t.header.task
    assert {a.name: a.model for a in t.header.agents} == {"Bobby": "gpt-4o", "Robbie": "claude-3-5-sonnet-20240620"}


def test_not_a_console_log_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("just some notes\nnothing here\n")
    r = run_cli("import", str(bad), "--out", str(tmp_path / "o"))
    assert r.returncode == 2
    assert "notes.txt" in r.stderr and "AutoGen" in r.stderr
    assert "Traceback" not in r.stderr


def test_importing_twice_keeps_the_first_transcript(tmp_path):
    assert run_cli("import", str(SEED_FILES[0]), "--out", str(tmp_path)).returncode == 0
    path = next(tmp_path.glob("*.jsonl"))
    before = path.read_bytes()
    r = run_cli("import", str(SEED_FILES[0]), "--out", str(tmp_path))
    assert r.returncode == 2 and "kept" in r.stderr
    assert path.read_bytes() == before
    assert all(json.loads(line)["type"] in {"header", "message", "footer"} for line in before.decode().splitlines())
