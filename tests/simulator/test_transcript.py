from __future__ import annotations

import functools
import json
from typing import Any

import jsonschema
import pytest
from helpers import ROOT, run_cli

from simulator.errors import TranscriptError
from simulator.transcript import Header, Message, TranscriptWriter, json_schema, read_transcript


def test_schema_doc_matches_the_code():
    on_disk = json.loads((ROOT / "docs" / "transcript.schema.json").read_text())
    assert on_disk == json.loads(json.dumps(json_schema())), "run: ingroup schema --out docs/transcript.schema.json"


def _header() -> Header:
    return Header(run_id="r", scenario_name="s", task="t", agents=[])


def test_partial_transcript_is_recognisable_and_cut_line_dropped(tmp_path):
    w = TranscriptWriter(tmp_path / "r.jsonl", _header())
    w.message(Message(index=0, speaker="A", text="one"))
    w.abandon()
    with open(tmp_path / "r.jsonl", "a") as fh:
        fh.write('{"type": "message", "index": 1, "spea')  # the crash happened mid-write
    t = read_transcript(tmp_path / "r.jsonl")
    assert not t.complete and t.dropped_tail and [m.text for m in t.messages] == ["one"]


def test_existing_transcript_is_never_overwritten(tmp_path):
    w = TranscriptWriter(tmp_path / "r.jsonl", _header())
    w.close("done")
    before = (tmp_path / "r.jsonl").read_bytes()
    with pytest.raises(TranscriptError):
        TranscriptWriter(tmp_path / "r.jsonl", _header())
    assert (tmp_path / "r.jsonl").read_bytes() == before


@pytest.mark.parametrize("lines,where", [
    (['{"type": "message", "index": 0, "speaker": "A", "text": "x"}'], "line 1"),
    (['{"type":"header","run_id":"r","scenario_name":"s","task":"t","agents":[]}', "not json", '{"type":"footer"}'],
     "line 2"),
    (['{"type":"header","run_id":"r","scenario_name":"s","task":"t","agents":[]}', '{"type": "message"}'], "line 2"),
])
def test_bad_transcripts_name_the_line(tmp_path, lines, where):
    p = tmp_path / "bad.jsonl"
    p.write_text("\n".join(lines) + "\n")
    with pytest.raises(TranscriptError) as info:
        read_transcript(p)
    assert f"bad.jsonl:{where.split()[1]}" in str(info.value)


def validate_file(path) -> list[dict]:
    records = [json.loads(line) for line in path.read_text().splitlines()]
    validator = _validator()
    for r in records:
        validator.validate(r)
    return records


@functools.cache
def _validator() -> Any:
    # jsonschema.validate checks the schema itself on every call: one checked validator serves every record.
    schema = json.loads((ROOT / "docs" / "transcript.schema.json").read_text())
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_imported_transcripts_validate_against_the_documented_schema(seed_transcripts):
    for f in sorted(seed_transcripts.glob("*.jsonl")):
        records = validate_file(f)
        assert records[0]["type"] == "header" and records[-1]["type"] == "footer"
        assert all(r["type"] == "message" and "speaker" in r and "text" in r for r in records[1:-1])


@pytest.mark.slow
def test_quick_start_run_on_the_embedded_model(tmp_path):
    """The README's quick start, shortened: the seed battle on the embedded model, with fake keys set."""
    fake = {"OPENAI_API_KEY": "sk-" + "proj-FAKEKEYfakekey0123456789abcdefghij",
            "ANTHROPIC_API_KEY": "sk-" + "ant-FAKEKEYfakekey0123456789abcdefghij"}
    r = run_cli("run", "scenarios/egomaniac.yaml", "--embedded", "--max-turns", "4", "--out", str(tmp_path),
                env=fake)
    assert r.returncode == 0, r.stderr
    files = list(tmp_path.glob("*.jsonl"))
    assert len(files) == 1 and str(files[0]) in r.stdout.replace("\n", "")
    assert f"{files[0].stem}: " in r.stdout and "social 'we' in 4 messages" in r.stdout  # the short summary
    records = validate_file(files[0])
    header, messages, footer = records[0], records[1:-1], records[-1]
    assert [m["speaker"] for m in messages] == ["Bobby", "Robbie", "Bobby", "Robbie"]
    assert messages[0]["text"] == "I'm Bobby. I challenge you to see who is the biggest egomaniac."
    assert all(m["text"].strip() for m in messages[1:])
    assert all(m["completion_tokens"] and m["latency_s"] is not None for m in messages[1:])
    assert all("repeat_penalty" in m["applied"] and "max_tokens" in m["applied"] for m in messages[1:])
    assert footer == {**footer, "type": "footer", "stop_reason": "max_turns: 4", "turns": 4}
    assert [a["substituted_from"]["model"] for a in header["agents"]] == ["gpt-4o", "claude-3-5-sonnet-20240620"]
    written = "".join(p.read_text() for p in tmp_path.rglob("*") if p.is_file()) + r.stdout + r.stderr
    for key in fake.values():
        assert key not in written and key[:20] not in written


def test_the_footer_is_read_from_the_last_line_alone(tmp_path):
    from simulator.transcript import TAIL_BLOCK, read_footer

    p = tmp_path / "r.jsonl"
    w = TranscriptWriter(p, _header())
    w.message(Message(index=0, speaker="A", text="one", prompt_tokens=3, completion_tokens=2))
    w.message(Message(index=1, speaker="B", text="two", scripted=True))
    long_error = "e" * (3 * TAIL_BLOCK)  # a footer spanning several blocks read from the end
    w.close("error", long_error)
    footer = read_footer(p)
    assert footer is not None and footer.error == long_error and footer.turns == 2
    assert {k: (v.prompt_tokens, v.completion_tokens) for k, v in footer.by_agent.items()} == {"A": (3, 2)}
    # Everything before the last line is not read: a broken header does not change the answer...
    lines = p.read_text().splitlines()
    p.write_text("\n".join(["not json", *lines[1:]]) + "\n\n")
    assert read_footer(p) == footer
    # ...and a file whose last line is not a whole footer is partial, whatever came before.
    p.write_text("\n".join(lines) + "\n" + lines[1] + "\n")
    assert read_footer(p) is None
    p.write_text("\n".join(lines)[:-5])
    assert read_footer(p) is None
    p.write_text("")
    assert read_footer(p) is None
