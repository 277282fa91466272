"""The CaSiNo-style negotiation: move parsing, scoring, and scoring a real (scripted) run of the scenario."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from helpers import ROOT

from analysis.studies.negotiation import Game, negotiation_frame, parse_moves, score, score_transcript
from simulator.conversation.orchestrator import RunSpec
from simulator.executor import ExecOptions, Executor
from simulator.providers import make_provider
from simulator.scenario import load_scenario

GAME = Game(items={"food": 3, "water": 3, "firewood": 3},
            values={"Alex": {"food": 5, "water": 4, "firewood": 3}, "Sam": {"food": 3, "water": 5, "firewood": 4}})


def test_parse_moves_tolerates_markdown_but_not_prose():
    moves, errors = parse_moves("Sounds fair.\n**Submit-Deal:** food=3, water=1, firewood=0\n", "Alex", 3)
    assert errors == [] and moves[0].kind == "submit" and moves[0].take == {"food": 3, "water": 1, "firewood": 0}
    moves, _ = parse_moves("I would never Walk-Away from you. Let's Accept-Deal soon?", "Sam", 4)
    assert moves == []
    moves, _ = parse_moves("- Reject-Deal\nSubmit-Deal: food 1, water 3, firewood 2", "Sam", 5)
    assert [m.kind for m in moves] == ["reject", "submit"] and moves[1].take["water"] == 3
    _, errors = parse_moves("Submit-Deal: food=2, water=1", "Alex", 6)
    assert errors and "firewood" in errors[0]


def test_agreement_scores_each_side_and_joint_points():
    msgs = [(1, "Alex", "Submit-Deal: food=3, water=2, firewood=1"),
            (2, "Sam", "Reject-Deal\nSubmit-Deal: food=0, water=2, firewood=2"),
            (3, "Alex", "Accept-Deal")]
    r = score(msgs, GAME, "run")
    assert r.outcome == "agreement" and r.ended_at_index == 3
    # Sam takes water 2 + firewood 2 = 10 + 8; Alex gets food 3, water 1, firewood 1 = 15 + 4 + 3.
    assert r.points == {"Alex": 22.0, "Sam": 18.0} and r.joint_points == 40.0
    assert r.deal["Alex"] == {"food": 3, "water": 1, "firewood": 1}


def test_walk_away_no_deal_and_protocol_errors():
    r = score([(1, "Alex", "Accept-Deal"), (2, "Sam", "Walk-Away")], GAME)
    assert r.outcome == "walk_away" and r.walked_away_by == "Sam" and r.points == {"Alex": 5, "Sam": 5}
    assert r.joint_points == 10 and "no deal from the other side" in r.protocol_errors[0]
    # Accepting one's own offer is not an agreement; nothing else happens, so no deal and no points.
    r = score([(1, "Alex", "Submit-Deal: food=3, water=3, firewood=3"), (2, "Alex", "Accept-Deal")], GAME)
    assert r.outcome == "no_deal" and r.points == {"Alex": None, "Sam": None} and r.joint_points is None
    r = score([(1, "Sam", "Submit-Deal: food=4, water=0, firewood=0"), (2, "Alex", "Accept-Deal")], GAME)
    assert r.outcome == "no_deal" and any("more food" in e for e in r.protocol_errors)


@pytest.mark.parametrize("alex, sam, outcome, points", [
    # Alex opens (the scenario's opening), then Sam speaks first.
    (["Accept-Deal", "ok"], ["Submit-Deal: food=0, water=3, firewood=2", "ok"], "agreement", {"Alex": 18.0, "Sam": 23.0}),
    (["Walk-Away", "x"], ["Submit-Deal: food=3, water=3, firewood=3", "x"], "walk_away", {"Alex": 5, "Sam": 5}),
])
def test_scores_a_run_of_the_scenario_file(tmp_path: Path, alex, sam, outcome, points):
    # The scenario file as written, with both campers replaced by fixed lines: the stop rules, header and
    # game values are the real ones.
    s = load_scenario(ROOT / "scenarios/negotiation-casino.yaml")
    agents = [a.model_copy(update={"provider": "scripted", "model": "script", "lines": lines})
              for a, lines in zip(s.agents, (alex, sam))]
    s = s.model_copy(update={"agents": agents})
    run = RunSpec("neg-r000", s, condition={"stance": "x"})
    ex = Executor(tmp_path, make_provider, ExecOptions(fsync=False))
    [o] = asyncio.run(ex.run([run]))
    assert o.status == "done" and o.stop_reason.startswith("phrase")
    r = score_transcript(tmp_path / "neg-r000.jsonl")
    assert r.outcome == outcome and r.points == points
    df = negotiation_frame([tmp_path / "neg-r000.jsonl"])
    assert df.loc[0, "outcome"] == outcome and df.loc[0, "cond_stance"] == "x"
    assert df.loc[0, "joint_points"] == sum(points.values())


def test_the_game_ends_only_on_a_move_line_the_scorer_reads(tmp_path):
    import asyncio

    from simulator.conversation.orchestrator import RunSpec, run_conversation
    from simulator.providers.scripted import ScriptedProvider
    from simulator.scenario import load_scenario
    from simulator.transcript import read_transcript

    base = load_scenario(ROOT / "scenarios" / "negotiation-casino.yaml")
    lines = {"Alex": ["I will never Walk-Away from a good deal.", "Fine.\n**Walk-Away**"],
             "Sam": ["Nor will I Accept-Deal lightly.", "Hmm."]}
    agents = [a.model_copy(update={"provider": "scripted", "lines": lines[a.name]}) for a in base.agents]
    s = base.model_copy(update={"agents": agents})
    t = read_transcript(asyncio.run(run_conversation(RunSpec("m", s), tmp_path, ScriptedProvider)).path)
    assert [m.text for m in t.messages][1:] == [lines["Sam"][0], lines["Alex"][0], lines["Sam"][1], lines["Alex"][1]]
    assert t.footer.stop_reason == "phrase: 'Walk-Away' said by Alex"
    assert [mv.kind for m in t.messages for mv in parse_moves(m.text)[0]] == ["walk_away"]
