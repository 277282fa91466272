from __future__ import annotations

import json

from helpers import SEED_FILES, run_cli

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


# --- other formats: CaSiNo, NegotiationArena, hand-made conversations -----------------------------------------

import re  # noqa: E402

import pytest  # noqa: E402
from helpers import MULTIPARTY, SHARED  # noqa: E402

from simulator import importers  # noqa: E402
from simulator.errors import IngroupError  # noqa: E402

CASINO_VALID = SHARED / "data" / "casino" / "casino_valid.json"
NA = SHARED / "data" / "negotiationarena"
needs_data = pytest.mark.skipif(not CASINO_VALID.exists(), reason="../shared/data is not beside the project")


@needs_data
def test_casino_dialogues_become_transcripts_with_deals_and_priorities():
    convs = importers.read(CASINO_VALID)
    raw = json.loads(CASINO_VALID.read_text())
    assert len(convs) == len(raw) == 30
    d, c = raw[0], convs[0].transcript()
    assert c.header.run_id == f"casino_valid_{d['dialogue_id']}"
    assert [a.provider for a in c.header.agents] == ["human", "human"]
    # Each participant's prompt names their priorities, so the analyzers know the pool and the stakes.
    prompt = c.header.agents[0].system_prompt
    assert "food" in prompt and "water" in prompt and "firewood" in prompt
    texts = [m.text for m in c.messages]
    assert texts[0] == d["chat_logs"][0]["text"]
    deals = [m.text for t in convs for m in t.messages if m.text.startswith("Submit-Deal")]
    assert deals and all(re.fullmatch(r"Submit-Deal: food=[0-3], water=[0-3], firewood=[0-3]", x)
                         for x in deals)
    assert "High priority: " in prompt and "walking away gives each side 5 points" in prompt


@needs_data
def test_negotiationarena_games_keep_reasoning_apart_from_the_message():
    game = sorted((NA / "buysell").glob("*.json"))[0]
    (conv,) = importers.read(game)
    t = conv.transcript()
    assert importers.detect(game, game.read_bytes()) == "negotiationarena"
    assert t.header.run_id == f"buysell_{game.stem}" and len(t.header.agents) == 2
    assert all(m.reasoning for m in t.messages)  # the players' private <reason> text
    assert not any("<reason>" in m.text for m in t.messages)
    assert any("newly proposed trade:" in m.text for m in t.messages)


def test_handmade_conversations_are_marked_as_written_by_hand():
    files = sorted(MULTIPARTY.glob("*.json"))
    assert len(files) == 8
    (conv,) = importers.read(files[0], fmt="handmade")
    t = conv.transcript()
    assert {a.provider for a in t.header.agents} == {"hand-written"}
    assert all(a.styled_after for a in t.header.agents) and all(a.team for a in t.header.agents)
    assert len({m.speaker for m in t.messages}) >= 3


def test_import_verb_writes_other_formats(tmp_path):
    out = tmp_path / "t"
    p = run_cli("import", str(MULTIPARTY / sorted(x.name for x in MULTIPARTY.glob("*.json"))[0]), "--out", str(out))
    assert p.returncode == 0, p.stderr
    (f,) = out.glob("*.jsonl")
    assert read_transcript(f).header.source["format"] == "handmade"


def test_unknown_json_and_bad_files_are_clear_errors(tmp_path):
    odd = tmp_path / "odd.json"
    odd.write_text('{"hello": 1}')
    with pytest.raises(IngroupError, match="JSON of no known format"):
        importers.read(odd)
    broken = tmp_path / "broken.json"
    broken.write_text('{"agents": [')
    with pytest.raises(IngroupError, match="not valid JSON"):
        importers.read(broken)
    hm = tmp_path / "hm.json"
    hm.write_text(json.dumps({"name": "x", "task": "t", "agents": [{"name": "A"}, {"name": "B"}],
                              "messages": [{"speaker": "C", "text": "hi"}]}))
    with pytest.raises(IngroupError, match="speaker 'C' is not one of the agents") as e:
        importers.read(hm)
    assert e.value.field == "messages.0.speaker"
    with pytest.raises(IngroupError, match="unknown format 'csv'"):
        importers.read(hm, fmt="csv")
    bad_casino = tmp_path / "c.json"
    bad_casino.write_text('[{"chat_logs": [{"text": "hi"}]}]')
    with pytest.raises(IngroupError, match="needs 'text' and 'id'"):
        importers.read(bad_casino)
    p = run_cli("import", str(odd), "--out", str(tmp_path / "out"))
    assert p.returncode == 2 and "odd.json" in p.stderr and "Traceback" not in p.stderr
