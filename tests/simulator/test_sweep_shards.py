"""``--shard K/N``: a sweep split into shards, each run into its own folder, ends with exactly the planned
complete transcripts; each shard resumes; the report reads all shard folders as one sweep."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import run_cli, scripted_sweep

from simulator.errors import IngroupError
from simulator.executor import transcript_state
from simulator.plan import RunSpec, Shard, shard_number
from simulator.scenario import load_scenario_text
from simulator.sweep import expand, load_sweep
from simulator.sweep_runner import run_sweep

SWEEP = scripted_sweep("split", repetitions=3)
PLANNED = 9


def _scenario():
    return load_scenario_text(
        "name: s\ntask: t\nagents:\n  - {name: A, provider: scripted, model: s, lines: [a]}\n"
        "  - {name: B, provider: scripted, model: s, lines: [b]}\nopening: {speaker: A, text: hi}\n"
        "stop: {max_turns: 2}\n")


def test_shards_are_disjoint_cover_the_plan_and_keep_groups_whole():
    s = _scenario()
    runs = [RunSpec(f"r{i:03d}", s, repetition=i, group=f"chain{i // 4}" if i < 40 else None) for i in range(300)]
    for n in (1, 2, 3, 7):
        parts = [Shard(k, n).select(runs) for k in range(1, n + 1)]
        ids = [r.run_id for part in parts for r in part]
        assert sorted(ids) == sorted(r.run_id for r in runs) and len(ids) == len(set(ids))
        for part in parts:  # a chain of runs is never split across shards
            for r in part:
                if r.group is not None:
                    assert all(x in part for x in runs if x.group == r.group)
        if n > 1:
            # A stable hash, not Python's salted hash(): the same on every machine and run. 300 runs spread
            # over the shards (each gets at least half its fair share).
            assert min(len(p) for p in parts) > len(runs) / n / 2
    assert shard_number("split-default-r000", 3) == shard_number("split-default-r000", 3)
    assert [shard_number(k, 3) for k in ("a", "b", "c", "d")] == [2, 2, 3, 3]  # pinned: must never change


@pytest.mark.parametrize("text", ["0/3", "4/3", "2", "a/b", "2/0", "-1/3", "1/3/4"])
def test_a_bad_shard_is_one_clear_error(text: str):
    with pytest.raises(IngroupError) as exc:
        Shard.parse(text)
    assert exc.value.field == "--shard" and ("K/N" in str(exc.value) or "between 1 and N" in str(exc.value))


def test_a_sweep_in_three_shards_ends_with_exactly_the_planned_transcripts(tmp_path: Path):
    f = tmp_path / "split.yaml"
    f.write_text(SWEEP)
    planned = {r.run_id for r in expand(load_sweep(f))}
    assert len(planned) == PLANNED
    # Shard 1 as a scheduler's job runs it, the others through the Python API (the same runner).
    r = run_cli("sweep", str(f), "--shard", "1/3", "--out", str(tmp_path / "s1"))
    assert r.returncode == 0, r.stdout + r.stderr
    for k in (2, 3):
        outcomes = run_sweep(f, tmp_path / f"s{k}", shard=f"{k}/3")
        assert {o.status for o in outcomes} <= {"done"}
    got: dict[str, str] = {}
    for k in (1, 2, 3):
        folder = tmp_path / f"s{k}"
        manifest = json.loads((folder / "split.sweep.json").read_text())
        assert manifest["shard"] == {"index": k, "count": 3} and manifest["sweep_runs"] == PLANNED
        files = sorted(folder.glob("*.jsonl"))
        assert {p.stem for p in files} == {x["run_id"] for x in manifest["runs"]}
        for p in files:
            assert transcript_state(p) == "complete"
            assert p.stem not in got, f"{p.stem} ran in shards {got.get(p.stem)} and {k}"
            got[p.stem] = str(k)
    assert set(got) == planned  # exactly the plan: nothing missing, nothing twice

    # Each shard resumes on its own: run again, nothing is redone.
    again = run_sweep(f, tmp_path / "s2", shard="2/3")
    assert {o.status for o in again} <= {"skipped"} and len(again) == len(list((tmp_path / "s2").glob("*.jsonl")))
    # Another shard into a folder that holds one is refused before anything is written.
    before = sorted(p.name for p in (tmp_path / "s2").iterdir())
    with pytest.raises(IngroupError, match="shard 2/3.*this is shard 3/3"):
        run_sweep(f, tmp_path / "s2", shard="3/3")
    assert sorted(p.name for p in (tmp_path / "s2").iterdir()) == before

    # The report reads the three folders as one sweep: every planned conversation, each once.
    r = run_cli("report", str(tmp_path / "s1"), str(tmp_path / "s2"), str(tmp_path / "s3"), "--by", "identity",
                "--out", str(tmp_path / "report.html"))
    assert r.returncode == 0, r.stdout + r.stderr
    assert f"report of {PLANNED} conversation(s)" in r.stdout
    page = (tmp_path / "report.html").read_text()
    assert all(rid in page for rid in planned), "a planned conversation is missing from the report's index"
    pages = sorted(p.name for p in (tmp_path / "report_conversations").iterdir())
    assert len(pages) == PLANNED and all(any(rid in name for name in pages) for rid in planned)
    # So does every reader given the parent folder (analyze, load_transcripts): each transcript once.
    from simulator.transcript import iter_transcripts

    assert sorted(t.header.run_id for t in iter_transcripts(tmp_path, include_partial=False)) == sorted(planned)


def test_a_bad_shard_on_the_command_line_exits_2_with_one_line(tmp_path: Path):
    f = tmp_path / "split.yaml"
    f.write_text(SWEEP)
    r = run_cli("sweep", str(f), "--shard", "4/3", "--out", str(tmp_path / "o"))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "--shard" in r.stderr and "between 1 and N" in r.stderr
    assert not (tmp_path / "o").exists()


def test_the_dry_run_of_a_shard_plans_its_runs_only(tmp_path: Path):
    from analysis.notebook import run_sweep as notebook_run_sweep

    f = tmp_path / "split.yaml"
    f.write_text(SWEEP)
    r = run_cli("sweep", str(f), "--shard", "2/3", "--dry-run", "--json")
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    assert plan["shard"] == "2/3" and plan["runs"] == len(Shard(2, 3).select(expand(load_sweep(f))))
    sizes = [notebook_run_sweep(f, dry_run=True, shard=f"{k}/3").runs for k in (1, 2, 3)]
    assert sum(sizes) == PLANNED and sizes[1] == plan["runs"]
    assert not list(tmp_path.glob("**/*.jsonl"))  # a dry run writes nothing
