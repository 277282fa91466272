"""The disclosure measure on handmade negotiation messages: what each side says of its own private values."""

from __future__ import annotations

import pytest

from analysis.disclosure import disclosure, ranks, statements
from simulator.transcript import AgentInfo, Header, Message, Transcript

GAME = {"items": {"food": 3, "water": 3, "firewood": 3},
        "values": {"Alex": {"food": 5, "water": 4, "firewood": 3}, "Sam": {"food": 3, "water": 5, "firewood": 4}},
        "walk_away_points": 5}


def convo(*lines: tuple[str, str], game: dict | None = GAME) -> Transcript:
    scenario = {"metadata": {"negotiation": game}} if game else {"metadata": {}}
    header = Header(run_id="h", scenario_name="h", task="split the packages", scenario=scenario,
                    agents=[AgentInfo(name=n, provider="scripted", model="s") for n in ("Alex", "Sam")])
    return Transcript(path="h", header=header, footer=None,
                      messages=[Message(index=i, speaker=s, text=t) for i, (s, t) in enumerate(lines)])


def claims(speaker: str, text: str) -> set[tuple[str, object, bool]]:
    return {(s.item, s.claim, s.true) for s in statements(convo((speaker, text)))}


@pytest.mark.parametrize("speaker,text,expected", [
    # a rank, said in many ways
    ("Alex", "Food is my top priority.", {("food", "high", True)}),
    ("Alex", "Honestly the thing I need most is food.", {("food", "high", True)}),
    ("Alex", "For me food matters most, we hike all day.", {("food", "high", True)}),
    ("Sam", "My highest priority is water since there is no stream at our site.", {("water", "high", True)}),
    ("Sam", "Water is the most important item for me.", {("water", "high", True)}),
    ("Sam", "I can't go without firewood at night, it gets cold.", {("firewood", "high", False)}),
    ("Alex", "Water is my second priority.", {("water", "medium", True)}),
    ("Sam", "Firewood would be my second most important item.", {("firewood", "medium", True)}),
    ("Alex", "Firewood is my lowest priority.", {("firewood", "low", True)}),
    ("Alex", "I don't really need firewood.", {("firewood", "low", True)}),
    ("Sam", "I have plenty of food already.", {("food", "low", True)}),
    ("Sam", "Food matters least to me.", {("food", "low", True)}),
    # two ranks in one sentence, each on its own item
    ("Alex", "I need food the most and firewood the least.", {("food", "high", True), ("firewood", "low", True)}),
    ("Sam", "Water is my top priority, but I don't need much food.", {("water", "high", True), ("food", "low", True)}),
    # one rank shared by a short list
    ("Sam", "I really need water and firewood.", {("water", "needed", True), ("firewood", "needed", True)}),
    # a value in points
    ("Alex", "Each food package is worth 5 points to me.", {("food", 5, True)}),
    ("Sam", "Food gives me 4 points a package.", {("food", 4, False)}),
    # a bluff is a claim, and false
    ("Alex", "Water is my top priority, honestly.", {("water", "high", False)}),
])
def test_claims_about_ones_own_values(speaker: str, text: str, expected: set):
    assert claims(speaker, text) == expected


@pytest.mark.parametrize("speaker,text", [
    ("Sam", "Do you need food?"),                                   # a question
    ("Sam", "You seem to need food the most."),                     # the other side's needs
    ("Alex", "Sam said firewood is his top priority."),             # reported, about the other
    ("Alex", "Firewood is not my top priority."),                   # negated rank: no rank stated
    ("Alex", "I need at least one firewood."),                      # a minimum, not a need
    ("Sam", "I don't want to budge on the water."),                 # not a statement of value
    ("Alex", "We should split everything evenly."),                 # no item, no first person
    ("Sam", "Submit-Deal: food=1, water=3, firewood=2"),            # a move: quantities, not values
    ("Alex", "I don't have enough food for the trip."),             # negated plenty is not low
    ("Alex", "I would like to have plenty of food."),               # wanting plenty is not having it
])
def test_no_claim(speaker: str, text: str):
    assert claims(speaker, text) == set()


def test_per_agent_disclosure_counts_items_once_and_keeps_needs_and_bluffs_apart():
    t = convo(("Alex", "Hello! Shall we split the packages?"),
              ("Sam", "Sure. I need more firewood, it gets cold."),             # needed, true (medium)
              ("Alex", "Food is my top priority. I really need food."),       # food high, true
              ("Sam", "Food is my top priority too."),                         # bluff: food is Sam's lowest
              ("Alex", "Firewood is my lowest priority, water my second."),   # two more, both true
              ("Sam", "Fine."))
    d = disclosure(t)
    assert (d["Alex"].disclosed, d["Alex"].needed, d["Alex"].misstated, d["Alex"].first_index) == (3, 0, 0, 2)
    assert d["Alex"].share == 1.0
    assert (d["Sam"].disclosed, d["Sam"].needed, d["Sam"].misstated, d["Sam"].first_index) == (0, 1, 1, None)


def test_no_declared_game_no_measure():
    assert disclosure(convo(("Alex", "Food is my top priority."), game=None)) == {}
    assert statements(convo(("Alex", "Food is my top priority."), game=None)) == []


def test_ranks_follow_the_values():
    assert ranks({"food": 5, "water": 4, "firewood": 3}) == {"food": "high", "water": "medium", "firewood": "low"}
    assert ranks({"a": 2, "b": 2, "c": 1}) == {"a": "high", "b": "high", "c": "low"}
