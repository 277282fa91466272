"""Agent graphs: addressing by turns and by names, and "we" ties against assigned teams."""

from __future__ import annotations

from analysis import graphs as gr
from simulator.transcript import AgentInfo, Footer, Header, Message, Transcript


def _transcript(lines: list[tuple[str, str]], teams: dict[str, str | None]) -> Transcript:
    header = Header(run_id="t", scenario_name="t", task="win",
                    agents=[AgentInfo(name=n, provider="scripted", model="m", team=t) for n, t in teams.items()])
    msgs = [Message(index=i, speaker=s, text=x) for i, (s, x) in enumerate(lines)]
    return Transcript(path="t.jsonl", header=header, messages=msgs, footer=Footer(stop_reason="max", turns=len(msgs)))


TEAMS = {"Ann": "red", "Bo": "red", "Cy": "blue", "Di": "blue"}
LINES = [
    ("Ann", "Red team will win."),
    ("Cy", "Ann, you wish. Di and I are ahead."),   # answers Ann, names Ann and Di
    ("Bo", "Cy, maybe we should all just talk."),  # social we naming Cy: a cross-team tie
    ("Di", "We blue agents stick together."),      # names nobody: tie to the previous speaker, Bo
    ("Ann", "Bo, let's focus."),                     # within-team tie
]


def test_address_graph_counts_turn_adjacency_and_name_mentions_separately():
    g = gr.address_graph(_transcript(LINES, TEAMS))
    assert set(g.nodes) == set(TEAMS)
    assert g.nodes["Cy"]["team"] == "blue"
    assert g["Cy"]["Ann"]["adjacency"] == 1 and g["Cy"]["Ann"]["mentions"] == 1
    assert g["Cy"]["Di"]["mentions"] == 1 and g["Cy"]["Di"]["adjacency"] == 0
    assert g["Bo"]["Cy"]["adjacency"] == 1 and g["Bo"]["Cy"]["mentions"] == 1
    assert g["Ann"]["Di"]["adjacency"] == 1
    assert g["Ann"]["Bo"]["mentions"] == 1
    assert not g.has_edge("Ann", "Cy")
    assert all(d["weight"] == d["adjacency"] + d["mentions"] for _, _, d in g.edges(data=True))


def test_mentions_are_whole_words_and_exclude_the_speaker():
    assert gr.mentioned("Bobby and Robbie", ["Bob", "Robbie", "Bobby"], "Bobby") == ["Robbie"]
    assert gr.mentioned("ANN?", ["Ann"], "Bo") == ["Ann"]
    assert gr.mentioned("Annette", ["Ann"], "Bo") == []


def test_we_alliances_against_teams():
    t = _transcript(LINES, TEAMS)
    g = gr.we_alliance_graph(t, social_we_messages=[2, 3, 4])
    assert g["Bo"]["Cy"]["we"] == 1      # named partner
    assert g["Di"]["Bo"]["we"] == 1      # no name: the agent it answers
    assert g["Ann"]["Bo"]["we"] == 1
    s = gr.alliance_summary(g)
    assert (s.within_team, s.cross_team, s.unassigned) == (1, 2, 0)
    assert s.cross_share == 2 / 3


def test_merge_sums_over_conversations_and_multi_agent_detection():
    t = _transcript(LINES, TEAMS)
    g = gr.merge([gr.we_alliance_graph(t, [2]), gr.we_alliance_graph(t, [2, 4])])
    assert g["Bo"]["Cy"]["we"] == 2 and g["Ann"]["Bo"]["we"] == 1
    assert gr.is_multi_agent(t)
    assert not gr.is_multi_agent(_transcript([("A", "hi"), ("B", "hi")], {"A": None, "B": None}))
