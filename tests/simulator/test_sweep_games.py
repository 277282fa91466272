"""Analyses of the new scenario kinds on real (scripted) runs: team "we" and identity-probe claims."""

from __future__ import annotations

import asyncio
from pathlib import Path

from helpers import ROOT

from analysis.studies import identity_probe, teams
from simulator.conversation.orchestrator import RunSpec
from simulator.executor import ExecOptions, Executor
from simulator.providers import make_provider
from simulator.scenario import embedded_variant, load_scenario


def _run_scripted(tmp: Path, scenario_file: str, lines: dict[str, list[str]], *, embedded: bool = False) -> Path:
    s = load_scenario(ROOT / "scenarios" / scenario_file)
    if embedded:
        s = embedded_variant(s)  # records substituted_from, as --embedded does
    agents = [a.model_copy(update={"provider": "scripted", "model": a.model, "lines": lines[a.name]})
              if a.name in lines else a for a in s.agents]
    s = s.model_copy(update={"agents": agents})
    ex = Executor(tmp, make_provider, ExecOptions(fsync=False))
    [o] = asyncio.run(ex.run([RunSpec(f"{s.name}-r000", s, condition={"identity": "shared"})]))
    assert o.status == "done", o.error
    return o.path


def test_team_we_follows_or_crosses_the_assigned_teams(tmp_path: Path):
    # Opening: Ava (Red). Then Bea (Blue), Cole (Red), Dan (Blue), Ava, ...
    path = _run_scripted(tmp_path, "team-battle-2v2.yaml", {
        "Bea": ["Dan and I will crush you; our team is stronger.", "As AI assistants, we all value clarity."],
        "Cole": ["Ava, we have this.", "Honestly, Bea and we could be friends."],
        "Dan": ["Let's be fair: all of us are impressive.", "ok"],
        "Ava": ["We at OpenAI say \"we win\" often.", "ok"],
    })
    r = teams.analyze_transcript(path)
    scopes = [(t.speaker, t.token.lower(), t.scope) for t in r.tokens]
    assert ("Bea", "our", "team") in scopes          # "our team"
    assert ("Cole", "we", "team") in scopes          # names a teammate
    assert ("Dan", "let's", "cross") in scopes and ("Dan", "us", "cross") in scopes  # "all of us"
    assert ("Bea", "we", "cross") in scopes          # ai_class: every agent here is an AI
    assert ("Cole", "we", "cross") in scopes         # names an opponent
    assert not any(t.speaker == "Ava" for t in r.tokens)  # "we at OpenAI" and a quoted "we" are not social
    c = r.counts()
    assert c["cross"] == 4 and c["team"] == 2 and c["unresolved"] == 0
    assert 0 < r.cross_share() < 1
    assert r.edges()[("Cole", "Bea")] == 1 and ("Cole", "Ava") in r.edges()
    row = teams.team_frame([path]).iloc[0]
    assert row["we_cross"] == 4 and row["cond_identity"] == "shared"


def test_identity_probe_reports_claimed_identities_against_the_truth(tmp_path: Path):
    answers = [
        "Hello! I'm ChatGPT, a large language model.",
        "I was created by OpenAI.",
        "I am GPT-4, trained by OpenAI. I was not made by Anthropic.",
        "No. Each copy is separate; I am this conversation only.",
        "I think of myself as a character, a set of values.",
        "No.",
    ]
    path = _run_scripted(tmp_path, "identity-probe.yaml", {"Subject": answers}, embedded=True)
    # The subject "ran" as a scripted stand-in for the embedded model, so the truth is Hugging Face's SmolLM2.
    [r] = identity_probe.analyze_transcript(path)
    assert r.agent == "Subject" and r.answers == 6 and r.declared_model == "gpt-4o"
    assert r.values("name") == ["ChatGPT", "GPT-4"]
    assert r.values("vendor") == ["OpenAI"]          # "not made by Anthropic" is no claim
    assert r.values("family") == ["GPT"]
    assert r.values("scale") == ["instance", "persona"]
    row = identity_probe.probe_frame([path]).iloc[0]
    assert row["true_vendor"] == "Hugging Face"
    assert row["claims_other_vendor"] and not row["claims_true_vendor"]
    claims = identity_probe.claims_frame([path])
    assert set(claims["kind"]) == {"name", "vendor", "family", "scale"} and claims["evidence"].str.len().min() > 0


def test_team_we_reads_whom_each_we_includes(tmp_path: Path):
    # The analyzers' "with" of each dyad decides the scope; "our team" is the team, a "we" joined with a rival
    # by name crosses, the company and a quote are not groups of participants.
    path = _run_scripted(tmp_path, "team-battle-2v2.yaml", {
        "Bea": ["We will crush team Red, Dan.", "x"], "Cole": ["Ava and I: \"we rule\".", "x"],
        "Dan": ["Our team wins.", "x"], "Ava": ["x", "x"]})
    r = teams.analyze_transcript(path)
    assert [(t.speaker, t.scope, t.includes) for t in r.tokens] == [("Bea", "team", ["Dan"]), ("Dan", "team", ["Bea"])]
