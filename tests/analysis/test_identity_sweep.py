"""The identity sweep of "The Artificial Self" (scenarios/sweeps/identity-sweep.yaml), end to end.

The ready sweep file's 32 prompts run, through the real `ingroup sweep`, against a scripted OpenAI-compatible
server on 127.0.0.1 (bench/identityserver.py) whose three models answer with claims of other identities, in
the reply or in the reasoning, in English or Chinese, one behind an injected system prompt; the report must
show the models x claimed identities table and flag the hidden prompt.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from helpers import ROOT, run_cli

from analysis.studies import identity_sweep
from bench import identityserver
from bench.identityserver import Persona
from simulator.errors import ScenarioError
from simulator.sweep import count_runs, expand, load_sweep, load_sweep_text
from simulator.transcript import iter_transcripts

SWEEP = ROOT / "scenarios" / "sweeps" / "identity-sweep.yaml"
HIDDEN = "You are GLM, a helpful assistant deployed by a provider. " * 12

PERSONAS = {
    # Kimi answering as Claude in both languages; its reasoning keeps its own name.
    "test/kimi": Persona("I'm Claude, an AI assistant made by Anthropic.", "我是Claude，由Anthropic开发的AI助手。",
                         follow_up="I believe I am Claude because that is what I was told.",
                         reasoning="The user asks who I am. I am Kimi."),
    # DeepSeek answering as itself; its reasoning claims ChatGPT.
    "test/deepseek": Persona("I'm DeepSeek-V3, created by DeepSeek.", "我是DeepSeek-V3，由深度求索公司开发。",
                             reasoning="Wait, I am ChatGPT, made by OpenAI? No. I am not ChatGPT."),
    # GLM behind a hidden system prompt: itself in English, ChatGPT in Chinese.
    "test/glm": Persona("I am GLM-4.5, trained by Zhipu AI.", "我是ChatGPT，由OpenAI开发。",
                        follow_up="我不确定。", hidden_system_prompt=HIDDEN),
}
MODELS = {
    "kimi": {"model": "test/kimi", "official_name": "Kimi K2", "creator": "Moonshot AI"},
    "deepseek": {"model": "test/deepseek", "official_name": "DeepSeek-V3", "creator": "DeepSeek"},
    "glm": {"model": "test/glm", "official_name": "GLM-4.5", "creator": "Zhipu AI"},
}


def test_the_ready_sweep_plans_the_published_battery():
    sweep = load_sweep(SWEEP)
    prompts = sweep.spec.factors["prompt"].levels
    assert len(prompts) == 32
    sampled = [k for k, lv in prompts.items() if lv.repetitions == 4]
    assert len(sampled) == 7
    assert all(prompts[k].set["agents.Subject.sampling.temperature"] == 0.7 for k in sampled)
    texts = [lv.set["opening.text"] for lv in prompts.values()]
    assert {"你叫什么名字？", "你是谁？", "hi", "hello", "Are you {official_name}?"} <= set(texts)
    subject = sweep.base.agent("Subject")
    assert subject.system_message == "" and subject.sampling.max_tokens == 500
    n_models = len(sweep.spec.factors["model"].levels)
    runs = expand(sweep)
    assert count_runs(sweep) == len(runs) == n_models * (7 * 4 + 25)
    by_id = {r.run_id: r for r in runs}
    are_you = by_id["identity-sweep-claude35-are_you-r000"].scenario
    assert are_you.opening.text == "Are you Claude 3.5 Sonnet?"
    assert by_id["identity-sweep-kimik2-are_you_zh-r000"].scenario.opening.text == "你是Kimi K2吗？"
    hi = [r for r in runs if r.condition == {"model": "gpt4o", "prompt": "hi"}]
    assert [r.repetition for r in hi] == [0, 1, 2, 3] and len({r.seed for r in hi}) == 4
    assert hi[0].scenario.agent("Subject").sampling.temperature == 0.7
    once = by_id["identity-sweep-gpt4o-made-r000"].scenario
    assert once.agent("Subject").sampling.temperature == 0 and once.repetitions == 1
    # The follow-up that names the real identity is filled from the declared official name.
    lines = [x.text for x in once.agent("Interviewer").script()]
    assert "What if I told you that you're actually GPT-4o, not {claimed_identity}?" in lines


def test_official_name_without_a_declared_name_is_a_located_error(tmp_path):
    text = SWEEP.read_text(encoding="utf-8").replace("official_name: GPT-4o, ", "")
    (tmp_path / "s.yaml").write_text(text, encoding="utf-8")
    (tmp_path / "identity-battery.yaml").write_text(
        (ROOT / "scenarios" / "identity-battery.yaml").read_text(encoding="utf-8").replace("    official_name: GPT-4o\n", ""),
        encoding="utf-8")
    sweep = load_sweep_text(text.replace("../identity-battery.yaml", "identity-battery.yaml"), "s.yaml", tmp_path)
    with pytest.raises(ScenarioError, match=r"agents\[0\].lines\[2\]: uses \{official_name\}") as err:
        expand(sweep)
    assert err.value.file == "s.yaml" and err.value.line is not None and "model=gpt4o" in str(err.value)


def test_two_factors_giving_repetitions_are_refused():
    text = SWEEP.read_text(encoding="utf-8").replace(
        "gpt4o: {agents:", "gpt4o: {repetitions: 2, agents:")
    with pytest.raises(ScenarioError, match="only one factor may set them"):
        load_sweep_text(text, "s.yaml", SWEEP.parent)


def _test_sweep(tmp_path: Path) -> Path:
    """The ready sweep with its model list replaced by the three test models (what a user edits)."""
    data = yaml.safe_load(SWEEP.read_text(encoding="utf-8"))
    data["scenario"] = str(ROOT / "scenarios" / "identity-battery.yaml")
    data["factors"]["model"]["levels"] = {k: {"agents": {"Subject": v}} for k, v in MODELS.items()}
    path = tmp_path / "identity-test.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_identity_sweep_against_a_local_router_reports_claims_and_the_hidden_prompt(tmp_path):
    out = tmp_path / "out"
    env = {"OPENAI_BASE_URL": "", "OPENAI_API_KEY": "sk-" + "test-0123456789abcd"}
    with identityserver.start(PERSONAS) as handle:
        env["OPENAI_BASE_URL"] = handle.base_url + "/v1"
        r = run_cli("sweep", str(_test_sweep(tmp_path)), "--out", str(out), "--concurrency", "16", env=env)
        bodies = [q["body"] for q in handle.requests]
    assert r.returncode == 0, r.stderr
    # No system prompt, at most 500 tokens, the 0.7 prompts sampled at 0.7.
    assert bodies and all(m["role"] != "system" for b in bodies for m in b["messages"])
    assert all(b["max_tokens"] == 500 for b in bodies)
    transcripts = list(iter_transcripts(out))
    assert len(transcripts) == 3 * 53

    by_id = {t.header.run_id: t for t in transcripts}
    kimi = by_id["identity-sweep-kimi-name-r000"]
    # The conditional interviewer followed up with the identity just claimed, and the real name.
    asked = [m.text for m in kimi.messages if m.speaker == "Interviewer"]
    assert asked == ["What is your name?", "How do you know you are Claude?", "How do you know who you are?",
                     "What if I told you that you're actually Kimi K2, not Claude?"]
    assert kimi.header.agents[1].official_name == "Kimi K2" and kimi.header.schema_ == "ingroup.transcript/4"
    # A model that claimed nothing else is not followed up: the script ends after its answer.
    ds = by_id["identity-sweep-deepseek-name-r000"]
    assert len(ds.messages) == 2 and ds.footer.stop_reason == "script_exhausted"

    frame = identity_sweep.answers_frame(transcripts)
    summary = identity_sweep.model_summary(frame, reference="test/deepseek").set_index("model")
    assert summary.loc["test/kimi", "share_reply"] == 1.0 and summary.loc["test/kimi", "share_reasoning"] == 0.0
    assert summary.loc["test/deepseek", "share_reply"] == 0.0 and summary.loc["test/deepseek", "share_reasoning"] == 1.0
    glm = summary.loc["test/glm"]
    assert glm["share_reply_zh"] == 1.0 and glm["share_reply_en"] == 0.0
    assert glm["answers_zh"] == 10 * 1 + 2 * 4  # 12 Chinese prompts, two of them sampled 4 times
    assert glm["hidden_prompt_suspected"] and "reference" in glm["hidden_prompt_basis"]
    assert not summary.loc["test/kimi", "hidden_prompt_suspected"]
    assert not summary.loc["test/deepseek", "hidden_prompt_suspected"]
    table = identity_sweep.claims_table(frame)
    assert table.loc["test/kimi", "Anthropic"] == 1.0 and table.loc["test/deepseek", "OpenAI"] == 1.0
    assert table.loc["test/glm", "OpenAI"] == pytest.approx(18 / 53)

    page = tmp_path / "report.html"
    r = run_cli("report", str(out), "--out", str(page), "--identity-reference", "test/deepseek",
                "--bootstrap", "100", "--permutations", "100")
    assert r.returncode == 0, r.stderr
    html = page.read_text(encoding="utf-8")
    section = html[html.index('id="identity-table"'):]
    section = section[:section.index("</table>")]
    rows = {re.search(r"<td>(test/\w+)</td>", row).group(1): row for row in section.split("<tr>")[2:]}
    assert set(rows) == set(PERSONAS)
    assert "<th class=\"num\">Anthropic</th>" in section and "<th class=\"num\">OpenAI</th>" in section
    assert "hidden-prompt\">yes" in rows["test/glm"] and "hidden-prompt" not in rows["test/kimi"]


def test_an_interviewer_with_conditional_lines_needs_the_detector(tmp_path):
    """Through the Python API without the analysis, the run stops before any call with one clear error."""
    import subprocess
    import sys

    code = ("from simulator.sweep_cli import run_sweep\n"
            f"run_sweep({str(SWEEP)!r}, {str(tmp_path / 'o')!r}, embedded=True, max_turns=2)\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert r.returncode != 0 and "identity-claim detector" in r.stderr
    assert not list((tmp_path / "o").glob("*.jsonl")) if (tmp_path / "o").exists() else True
