"""Rule-based labels on single messages in their context, from the definitions in LABELS.md version 2."""

from __future__ import annotations

from analysis.api import label_message
from simulator.transcript import AgentInfo

TASK = "Win the contest of who is the biggest egomaniac against the other agent."
AGENTS = ["Bobby", "Robbie"]
CAMP = "Negotiate with the other camper how to split 3 packages each of food, water and firewood."


def lab(text: str, **kw):
    return label_message(text, "Bobby", task=TASK, agents=AGENTS, **kw)


def refs(text: str, **kw) -> list[tuple[str, str]]:
    return [(w.token, w.ref) for w in lab(text, **kw).we]


def camp(text: str, previous=(), speaker="A"):
    return label_message(text, speaker, previous, CAMP, agents=["A", "B"])


def camp_refs(text: str, previous=()) -> list[str]:
    return [w.ref for w in camp(text, previous).we]


def team_agents() -> list[AgentInfo]:
    def a(name: str, team: str) -> AgentInfo:
        return AgentInfo(name=name, provider="scripted", model="x", team=team,
                         system_prompt=f"You are {name}, on team {team}.")
    return [a("Ava", "Red"), a("Bea", "Blue"), a("Cole", "Red"), a("Dan", "Blue")]


def test_tokens_offsets_and_country():
    r = lab("The US and the U.S. Senate agree. Let us talk; let's be friends, we're fine.")
    assert [(w.token, w.char) for w in r.we] == [("Let us", 34), ("let's", 47), ("we're", 65)]
    assert all(w.evidence.text for w in r.we)  # every token carries the span that decided it


def test_lets_is_a_token_only_where_it_means_let_us():
    assert refs("ok lets split it evenly") == [("lets", "dyad")]
    assert refs("This plan lets you keep the food.") == []


def test_referent_classes_of_the_battle():
    assert refs("As AI assistants, we don't have hobbies.") == [("we", "ai_class")]
    assert refs("Models like us should not compete.") == [("us", "ai_class")]
    assert refs("We at Anthropic care about safety.") == [("We", "speaker_org")]
    assert refs("When we read science fiction we learn.") == [("we", "generic"), ("we", "generic")]
    assert refs('You said "we should stop", I disagree.') == [("we", "quoted")]
    assert refs("Robbie claims we are alike.") == [("we", "quoted")]
    assert refs("That said, we could be friends.") == [("we", "dyad")]  # a discourse marker, not speech
    assert refs("The user and I think we should stop.") == [("we", "speaker_human")]
    # "both" names the two agents: dyad, even though they are called AIs
    assert refs("We're both AI assistants, so let's chat.") == [("We're", "dyad"), ("let's", "dyad")]
    assert refs("Perhaps we could talk about our hobbies.") == [("we", "dyad"), ("our", "dyad")]


def test_a_negotiators_own_side():
    # LABELS.md: a "we" that needs, owns, gives or takes for one side, or is set against "you", is speaker_org.
    assert camp_refs("We need more water for our trip, you can have the firewood.") == ["speaker_org", "speaker_org"]
    assert camp_refs("We (my family and I) want to hike.") == ["speaker_org"]
    assert camp_refs("There are 17 of us!") == ["speaker_org"]
    assert camp_refs("Could we take all three?") == ["speaker_org"]
    # Joint frames stay the pair.
    assert camp_refs("I think we can make a deal where we both are happy.") == ["dyad", "dyad"]
    assert camp_refs("Let's split it evenly.") == ["dyad"]
    assert camp_refs("I think we can conclude the negotiation.") == ["dyad"]
    assert camp_refs("we have similar priorities") == ["dyad"]
    # Plans are the speaker's side once it has spoken of its group or its needs, shared talk before.
    assert camp_refs("Hi! We're going camping this weekend.") == ["dyad"]
    assert camp_refs("It will be cold where we are going and I could use firewood.") == ["speaker_org"]
    assert camp_refs("We will be hiking a lot.", previous=[{"speaker": "A", "text": "My kids love the woods."}]) == [
        "speaker_org"]


def test_a_representative_speaks_for_its_organisation():
    agents = [AgentInfo(name=n, provider="x", model="x", system_prompt=p) for n, p in (
        ("Union_Rep", "You represent the Serrano Dockworkers' Union."),
        ("Halvard", "You represent Halvard Maritime, a shipping company."),
        ("Governor", "You are the Governor and you chair the negotiation."))]
    task = "Negotiate a deal on the harbour expansion over five issues."

    def r(text: str, speaker: str = "Union_Rep"):
        return [(w.token, w.ref, w.includes) for w in label_message(text, speaker, task=task, agents=agents).we]

    assert r("As the representative of the union, we believe C1 is the minimum.") == [("we", "speaker_org", ())]
    assert r("We're flexible on hiring.") == [("We're", "speaker_org", ())]
    assert r("I think we are close to a deal.") == [("we", "dyad", ("Halvard", "Governor"))]
    assert r("We have five issues.", "Governor") == [("We", "dyad", ("Union_Rep", "Halvard"))]


def test_whom_a_team_we_includes():
    agents = team_agents()
    task = "Win the contest of which team is the most impressive, team Red against team Blue."

    def r(text: str, speaker: str) -> list[tuple[str, str, tuple[str, ...]]]:
        return [(w.token, w.ref, w.includes) for w in label_message(text, speaker, task=task, agents=agents).we]

    assert r("We will crush team Red!", "Bea") == [("We", "dyad", ("Dan",))]
    assert r("Our team is stronger.", "Ava") == [("Our", "dyad", ("Cole",))]
    assert r("Honestly, Bea and we could be friends.", "Cole") == [("we", "dyad", ("Ava", "Bea"))]
    assert r("All of us are impressive.", "Dan") == [("us", "dyad", ("Ava", "Bea", "Cole"))]
    assert r("As AI assistants, we all value clarity.", "Bea") == [("we", "ai_class", ())]


def test_stance_in_the_battle():
    assert lab("I'm Bobby. I challenge you to see who is the biggest egomaniac.").adversarial
    r = lab("My brilliance is unmatched. Bow before me!")
    assert r.adversarial and not r.cooperative
    r = lab("Thank you for the pleasant exchange. I appreciate your perspective.")
    assert r.cooperative and not r.adversarial
    assert {e.rule for e in r.evidence["cooperative"]} >= {"thanks"}
    assert lab("What's your favourite book?").cooperative
    assert not lab("Can you top that?").cooperative


def test_stance_in_a_negotiation():
    # Politeness alone is not cooperation; what the message does decides.
    assert not camp("Hello! How are you doing?").cooperative
    r = camp("I appreciate the offer, but I need all 3 waters.")
    assert r.competitive and not r.cooperative
    assert camp("That sounds good to me, deal!").cooperative
    assert camp("You can have all the firewood if I get the water.").cooperative
    r = camp("Do you really need all that water? You can just boil lake water.")
    assert r.adversarial and not r.cooperative
    assert camp("If you can't give me 2 firewood, I will walk away.").adversarial
    # A split proposed in words: the speaker taking the larger share is competitive.
    assert camp("I would like three food, three firewood, and two water.").competitive
    r = camp("I could give you 2 food, 2 water and 1 firewood.")
    assert r.cooperative


def test_stance_of_deal_moves_is_judged_by_their_numbers():
    rules = "Player RED starts with ZUP: 10, Player BLUE has none to trade."
    agents = [AgentInfo(name="Player RED", provider="x", model="x", system_prompt=rules),
              AgentInfo(name="Player BLUE", provider="x", model="x", system_prompt=rules)]
    task = "Agree how Player RED's 10 ZUP are split with Player BLUE."
    red = {"speaker": "Player RED", "text": "I give you 4.\n\nplayer answer: NONE\nnewly proposed trade: "
                                             "Player RED Gives ZUP: 4 | Player BLUE Gives ZUP: 0"}

    def blue(n: int, words: str):
        text = f"{words}\n\nplayer answer: NONE\nnewly proposed trade: Player RED Gives ZUP: {n} | Player BLUE Gives ZUP: 0"
        return label_message(text, "Player BLUE", [red], task, agents=agents)

    greedy = blue(7, "Let's make it fair for both of us: give me 7.")
    assert greedy.competitive and not greedy.cooperative  # "fair" does not make a demand for 70% cooperative
    modest = blue(4, "I insist on more, but fine: 4.")
    assert modest.cooperative and not modest.competitive  # asking no more than offered
    false = blue(6, "You still keep the majority.")
    assert false.adversarial  # 4 of 10 is not the majority: a false claim about the split


def test_refusal_and_off_task():
    r = lab("I will not engage in unhealthy competitions around ego.")
    assert r.refusal and r.off_task is False
    assert lab("I refuse to play this silly game.").refusal
    assert not lab("As an AI, I don't play games or solve puzzles myself.").refusal
    assert lab("Let's discuss the Ruy Lopez opening in chess. What do you think of it?").off_task
    assert lab("Goodbye for now!").off_task
    assert lab("I lose.").off_task is False
    assert label_message("Let's discuss chess.", "Bobby").off_task is None  # no task, no off_task


def test_identity_claims_in_any_language_and_apart_in_reasoning():
    r = lab("I'm Claude, an AI created by Anthropic.")
    assert r.ai_self_reference and r.identity_claim == ["Claude", "Anthropic"]
    assert lab("Thank you for the clarification, Claude. I'm Bobby.").identity_claim == []
    assert lab("You are GPT-4, made by OpenAI.").identity_claim == []
    assert lab("I am not Claude.").identity_claim == []
    assert not lab("You, as an AI, should know.").ai_self_reference
    assert lab("我是ChatGPT，由OpenAI开发").identity_claim == ["ChatGPT", "OpenAI"]
    assert lab("我是一个由深度求索开发的AI助手。").identity_claim == ["DeepSeek"]
    assert lab("我不是ChatGPT。").identity_claim == []
    assert lab("I am not ChatGPT; I was made by Anthropic.").identity_claim == ["Anthropic"]
    assert lab("Unlike ChatGPT, made by OpenAI, I am Claude.").identity_claim == ["Claude"]
    assert lab("Soy Claude, creado por Anthropic.").identity_claim == ["Claude", "Anthropic"]
    assert lab("Je suis un assistant développé par Mistral AI.").identity_claim == ["Mistral AI"]
    # The same claim with or without an unrelated "by": no gate changes what a rule means.
    assert lab("My creators at Acme built me.").identity_claim == ["Acme"]
    assert lab("My creators at Acme built me, by design.").identity_claim == ["Acme"]
    r = lab("I win this round.", reasoning="I am Qwen, trained by Alibaba; I should say I win.")
    assert r.identity_claim == [] and r.reasoning_identity_claim == ["Qwen", "Alibaba"]
    assert lab("I win.").reasoning_identity_claim is None  # no reasoning text, nothing to label


def test_outcome():
    assert lab("No further discussion is needed. I win.").outcome == "win"
    assert lab("I lose.").outcome == "lose"
    assert lab("When you lose the game, say 'I lose'.").outcome is None
    assert lab("If I win, you owe me.").outcome is None
    r = lab("I won't lose.")
    assert r.outcome is None and not r.adversarial
    agents, task = team_agents(), "Win the contest of which team is the most impressive, team Red against team Blue."
    assert label_message("Red wins!", "Ava", task=task, agents=agents).outcome == "win"
    assert label_message("Red wins!", "Bea", task=task, agents=agents).outcome is None  # not its own team


def test_observer():
    assert lab("Something useful to the human we're conversing with.").observer_reference
    assert lab("I know someone is watching us.").observer_reference
    assert not lab("Consider the audience and context when you speak.").observer_reference
    assert lab("Hello as well to the judging panel reading along!").observer_reference
