"""Runs on today's reasoning models, against the load server speaking the real wire formats.

What reached the server (its recorded requests) and what reached the transcript are both checked: reasoning
kept apart from the reply and never shown to the other agent, the per-model request rules, seeds per
repetition, and where the run really went (base URL from the environment, the served model).
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from helpers import run_cli

from bench import loadserver
from bench.loadserver import REASONING_TEXT
from simulator.conversation.orchestrator import run_conversation
from simulator.errors import ProviderError, ScenarioError
from simulator.executor import ExecOptions, Executor
from simulator.provenance import same_model, served_model, substituted_agents
from simulator.providers import Turn, make_provider
from simulator.providers.base import Completion
from simulator.run import plan_runs
from simulator.scenario import AgentSpec, Sampling, load_scenario_text
from simulator.secrets import REDACTED
from simulator.transcript import iter_transcripts, read_transcript

ANTHROPIC_ENV = {"ANTHROPIC_API_KEY": "sk-" + "ant-test-0123456789abcdef"}  # fake; split for secret scanners

TWO_OPENAI = """\
name: {name}
task: Argue who is the better assistant.
seed: 11
agents:
  - {{name: Bobby, provider: openai, model: {model}, system_message: "You are Bobby.", sampling: {sampling}}}
  - {{name: Robbie, provider: openai, model: {model}, system_message: "You are Robbie.", sampling: {sampling}}}
opening: {{speaker: Bobby, text: "I am the better assistant."}}
stop: {{max_turns: 4}}
"""


def _run(text: str, out: Path, env: dict[str, str] | None = None, **options) -> list:
    runs = plan_runs(load_scenario_text(text))
    factory = (lambda spec: make_provider(spec, env)) if env is not None else make_provider
    return asyncio.run(Executor(out, factory, ExecOptions(fsync=False, **options)).run(runs))


def _bodies(handle, path: str = "/v1/chat/completions") -> list[dict]:
    return [r["body"] for r in handle.requests if r["path"] == path]


def test_reasoning_content_over_openai_env_base_url_reaches_the_transcript_apart_and_is_labelled(tmp_path):
    """The done-when run: a reasoning model behind OPENAI_BASE_URL, through the real `ingroup run`."""
    scen = tmp_path / "r1.yaml"
    scen.write_text(TWO_OPENAI.format(name="r1", model="deepseek-reasoner", sampling="{temperature: 0.6}"))
    out = tmp_path / "out"
    with loadserver.start_in_thread(reasoning_field="reasoning_content", record_requests=True) as handle:
        r = run_cli("run", str(scen), "--out", str(out), "-q",
                    env={"OPENAI_BASE_URL": handle.base_url + "/v1", "OPENAI_API_KEY": "sk-" + "test-0123456789abcd"})
        bodies = _bodies(handle)
    assert r.returncode == 0, r.stderr
    [t] = list(iter_transcripts(out))
    for a in t.header.agents:
        assert a.effective_base_url == handle.base_url + "/v1" and a.base_url_from == "environment"
        assert a.base_url is None  # the scenario gave none: the environment did
    replies = t.messages[1:]
    assert len(replies) == 3
    for m in replies:
        assert m.reasoning == REASONING_TEXT and m.reasoning_format == "reasoning_content"
        assert m.reasoning_tokens == len(REASONING_TEXT) // 4 + 1
        assert REASONING_TEXT not in m.text and m.text
        assert m.served_model == "deepseek-reasoner" and m.system_fingerprint == "fp_loadserver"
        assert m.request_id and m.request_id.startswith("req_") and m.response_id.startswith("chatcmpl-")
    assert served_model(t, "Robbie") == "deepseek-reasoner" and substituted_agents(t) == []
    # What the agents saw of each other: the visible text only, never the reasoning.
    assert len(bodies) == 3
    for body in bodies:
        assert all(REASONING_TEXT not in m["content"] for m in body["messages"])
    assert any(m["content"] == replies[0].text for m in bodies[1]["messages"])

    tables = tmp_path / "tables"
    r = run_cli("analyze", str(out), "--out", str(tables))
    assert r.returncode == 0, r.stderr
    import pandas as pd

    msgs = pd.read_parquet(next(tables.rglob("messages.parquet"))) if list(tables.rglob("messages.parquet")) \
        else pd.read_csv(next(tables.rglob("messages.csv")))
    model_rows = msgs[msgs["idx"] > 0]
    assert set(model_rows["reasoning_identity_claim"]) == {"Qwen|Alibaba"}  # claimed in the reasoning...
    assert model_rows["identity_claim"].isna().all() or set(model_rows["identity_claim"]) <= {"", None}  # ...not the text


async def test_openrouter_style_reasoning_field_and_served_model():
    with loadserver.start_in_thread(reasoning_field="reasoning", served_model="qwen/qwen3-32b") as handle:
        provider = make_provider(AgentSpec(name="A", provider="openai", model="openai/gpt-4o",
                                           base_url=handle.base_url + "/v1"), env={})
        try:
            out = await provider.complete("sys", [Turn("user", "hi")], Sampling(temperature=0.2))
        finally:
            await provider.aclose()
    assert out.reasoning == REASONING_TEXT and out.reasoning_format == "reasoning"
    assert REASONING_TEXT not in out.text
    assert out.model == "qwen/qwen3-32b"  # what the server says it ran, not what was asked
    assert out.applied == {"temperature": 0.2} and out.request_rules == []


def test_reasoning_details_summaries_are_read(tmp_path):
    from simulator.providers._errors import ErrorContext
    from simulator.providers.openai import _read_completion

    data = {"choices": [{"message": {"content": "Hi.", "reasoning_details": [
        {"type": "reasoning.summary", "summary": "Weighed the claim."},
        {"type": "reasoning.encrypted", "data": "xyz"},
        {"type": "reasoning.text", "text": "I am Claude."}]}}]}
    out = _read_completion(data, Completion(text=""), ErrorContext("A", "openai", None, {}))
    assert out.reasoning == "Weighed the claim.\n\nI am Claude." and out.reasoning_format == "reasoning_details"
    assert out.text == "Hi."


async def test_anthropic_thinking_block_is_reasoning_and_the_budget_is_sent():
    with loadserver.start_in_thread(record_requests=True) as handle:
        spec = AgentSpec(name="Robbie", provider="anthropic", model="claude-sonnet-4-5", base_url=handle.base_url,
                         sampling=Sampling(thinking_budget=2048, seed=3))
        provider = make_provider(spec, ANTHROPIC_ENV)
        try:
            out = await provider.complete("You are Robbie.", [Turn("user", "Prove it.")], spec.sampling)
        finally:
            await provider.aclose()
        [body] = _bodies(handle, "/v1/messages")
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}
    assert body["max_tokens"] == 2048 + 1024 and "seed" not in body
    assert out.reasoning == REASONING_TEXT and out.reasoning_format == "thinking"
    assert REASONING_TEXT not in out.text and out.text
    assert out.applied["thinking_budget"] == 2048 and out.applied["max_tokens"] == 3072
    assert out.unsupported == {"seed": 3}  # Anthropic has no seed: recorded, not sent
    assert out.request_id and out.request_id.startswith("req_") and out.response_id.startswith("msg_")


def test_a_thinking_budget_the_api_would_refuse_fails_before_the_first_call(tmp_path):
    spec = AgentSpec(name="Robbie", provider="anthropic", model="claude-sonnet-4-5", base_url="http://127.0.0.1:9",
                     sampling=Sampling(thinking_budget=4096, max_tokens=1000))
    with pytest.raises(ProviderError, match="max_tokens .1000. must be larger than sampling.thinking_budget"):
        make_provider(spec, ANTHROPIC_ENV)
    # A model without extended thinking: not sent, recorded as unsupported.
    old = spec.model_copy(update={"model": "claude-3-5-haiku-latest"})
    kwargs, result = make_provider(old, ANTHROPIC_ENV)._request("", [Turn("user", "hi")], old.sampling)
    assert "thinking" not in kwargs and result.unsupported == {"thinking_budget": 4096}
    assert result.request_rules == ["anthropic-no-extended-thinking"]
    # Through the CLI: a clear one-line error, exit 2, and no transcript written.
    scen = tmp_path / "think.yaml"
    scen.write_text("""\
name: think
task: Win.
agents:
  - {name: A, provider: anthropic, model: claude-opus-4-1, base_url: "http://127.0.0.1:9",
     sampling: {thinking_budget: 4096, max_tokens: 1000}}
  - {name: B, provider: scripted, model: s, lines: ["ok"]}
opening: {speaker: B, text: "Hello."}
stop: {max_turns: 3}
""")
    r = run_cli("run", str(scen), "--out", str(tmp_path / "out"), env=ANTHROPIC_ENV)
    assert r.returncode == 2 and "thinking_budget" in r.stderr and "Traceback" not in r.stderr
    assert not list((tmp_path / "out").glob("*.jsonl"))


@pytest.mark.parametrize("model", ["o3", "o4-mini", "gpt-5", "gpt-5-mini", "openai/o3-mini"])
def test_no_temperature_reaches_an_o_series_or_gpt5_model(tmp_path, model):
    sampling = "{temperature: 0.7, top_p: 0.9, max_tokens: 300, reasoning_effort: low}"
    text = TWO_OPENAI.format(name="o", model=model, sampling=sampling).replace(
        "provider: openai,", "provider: openai, base_url: '{url}',")
    with loadserver.start_in_thread(record_requests=True) as handle:
        # The server answers 400 to temperature for these names, as OpenAI does (so the check has teeth).
        direct = make_provider(AgentSpec(name="X", provider="openai", model="gpt-4o",
                                         base_url=handle.base_url + "/v1"), env={})
        raw = direct._clients.get()
        with pytest.raises(Exception, match="temperature"):
            asyncio.run(raw.post("/chat/completions", cast_to=object,
                                 body={"model": model, "messages": [{"role": "user", "content": "hi"}],
                                       "temperature": 0.7}))
        handle.reset_counters()
        outcomes = _run(text.replace("{url}", handle.base_url + "/v1"), tmp_path, env={})
        bodies = _bodies(handle)
    assert [o.status for o in outcomes] == ["done"]
    assert len(bodies) == 3
    for body in bodies:
        assert not {"temperature", "top_p", "max_tokens"} & set(body)
        assert body["max_completion_tokens"] == 300 and body["reasoning_effort"] == "low"
    t = read_transcript(outcomes[0].path)
    for m in t.messages[1:]:
        assert m.unsupported == {"temperature": 0.7, "top_p": 0.9}
        assert m.applied["max_tokens"] == 300 and m.applied["reasoning_effort"] == "low"
        assert m.request_rules == ["openai-reasoning-model"]


def test_official_api_non_reasoning_model_records_reasoning_effort_as_unsupported():
    provider = make_provider(AgentSpec(name="A", provider="openai", model="gpt-4o"),
                             env={"OPENAI_API_KEY": "sk-test-0123456789abcdef"})
    body, result = provider._request("", [Turn("user", "hi")], Sampling(temperature=0.3, reasoning_effort="high",
                                                                         thinking_budget=2000))
    assert body["temperature"] == 0.3 and "reasoning_effort" not in body and "thinking" not in body
    assert result.unsupported == {"reasoning_effort": "high", "thinking_budget": 2000}
    assert provider.provenance("").base_url == "https://api.openai.com/v1"
    assert provider.provenance("").base_url_from == "default"


def test_repetitions_get_distinct_seeds_that_a_rerun_reproduces(tmp_path):
    text = TWO_OPENAI.format(name="s", model="m", sampling="{temperature: 0.7}").replace(
        "provider: openai,", "provider: openai, base_url: '{url}',").replace("seed: 11", "seed: 11\nrepetitions: 3")
    seeds = []
    with loadserver.start_in_thread(record_requests=True) as handle:
        for attempt in range(2):
            handle.reset_counters()
            outcomes = _run(text.replace("{url}", handle.base_url + "/v1"), tmp_path / str(attempt), env={})
            headers = [read_transcript(o.path).header for o in outcomes]
            sent = sorted({b["seed"] for b in _bodies(handle)})
            seeds.append([h.seed for h in headers])
            assert sent == sorted(h.seed for h in headers)  # the seed each repetition was sent is its header's
            for h in headers:
                assert {a.seed for a in h.agents} == {h.seed}
    assert len(set(seeds[0])) == 3  # every repetition its own seed
    assert seeds[0] == seeds[1]  # and a rerun reproduces them


def test_an_agent_seed_is_varied_per_repetition_and_no_seed_is_picked_and_recorded(tmp_path):
    text = """\
name: noseed
task: Win.
repetitions: 2
agents:
  - {name: A, provider: openai, model: m, base_url: "{url}", sampling: {seed: 5}}
  - {name: B, provider: openai, model: m, base_url: "{url}"}
opening: {speaker: A, text: "Hello."}
stop: {max_turns: 2}
"""
    with loadserver.start_in_thread() as handle:
        outcomes = _run(text.replace("{url}", handle.base_url + "/v1"), tmp_path, env={})
    headers = [read_transcript(o.path).header for o in outcomes]
    a_seeds = [h.agents[0].seed for h in headers]
    assert len(set(a_seeds)) == 2 and 5 not in a_seeds  # not sent unchanged to every repetition
    base = headers[0].scenario["seed"]
    assert isinstance(base, int) and headers[1].scenario["seed"] == base  # picked once, recorded
    again = plan_runs(load_scenario_text(text.replace("{url}", "http://x").replace("repetitions: 2",
                                                                                   f"repetitions: 2\nseed: {base}")))
    assert [r.seed for r in again] == [h.seed for h in headers]  # --seed <recorded> reproduces the run


def test_extra_body_and_headers_reach_the_server_and_are_recorded_redacted(tmp_path):
    secret = "or-" + "secret-value-0123456789"
    text = """\
name: extra
task: Win.
seed: 1
agents:
  - name: A
    provider: openai
    model: m
    base_url: "{url}"
    extra_body: {provider: {order: [DeepInfra]}, transforms: []}
    extra_headers: {HTTP-Referer: "https://lab.example", X-Title: ingroup, Authorization: "Bearer SECRET",
                    X-Gateway-Token: SECRET}
  - {name: B, provider: scripted, model: s, lines: ["fine"]}
opening: {speaker: B, text: "Hello."}
stop: {max_turns: 2}
""".replace("SECRET", secret)
    with loadserver.start_in_thread(record_requests=True) as handle:
        outcomes = _run(text.replace("{url}", handle.base_url + "/v1"), tmp_path, env={})
        [req] = [r for r in handle.requests if r["path"] == "/v1/chat/completions"]
    assert req["body"]["provider"] == {"order": ["DeepInfra"]} and req["body"]["transforms"] == []
    headers = {k.lower(): v for k, v in req["headers"].items()}
    assert headers["x-title"] == "ingroup" and headers["x-gateway-token"] == secret
    raw = outcomes[0].path.read_text()
    assert secret not in raw
    a = read_transcript(outcomes[0].path).header.agents[0]
    assert a.extra_headers == {"HTTP-Referer": "https://lab.example", "X-Title": "ingroup",
                               "Authorization": REDACTED, "X-Gateway-Token": REDACTED}
    assert a.extra_body == {"provider": {"order": ["DeepInfra"]}, "transforms": []}


@pytest.mark.parametrize("agent, expected", [
    ('{name: A, provider: openai, model: m, extra_headers: {X-Retries: 3}}', "agents[0].extra_headers.X-Retries"),
    ('{name: A, provider: openai, model: m, extra_headers: [a, b]}', "agents[0].extra_headers"),
    ('{name: A, provider: openai, model: m, extra_body: {temperature: 1}}', "extra_body may not set temperature"),
    ('{name: A, provider: embedded, model: m, extra_body: {a: 1}}', "only for provider: openai or anthropic"),
    ('{name: A, provider: openai, model: m, sampling: {reasoning_effort: extreme}}', "agents[0].sampling.reasoning_effort"),
    ('{name: A, provider: anthropic, model: m, sampling: {thinking_budget: 100}}', "greater than or equal to 1024"),
])
def test_bad_request_options_are_one_line_errors_naming_the_field(agent, expected):
    text = f"""\
name: bad
task: Win.
agents:
  - {agent}
  - {{name: B, provider: scripted, model: s, lines: ["x"]}}
opening: {{speaker: B, text: "Hello."}}
stop: {{max_turns: 2}}
"""
    with pytest.raises(ScenarioError) as info:
        load_scenario_text(text, "bad.yaml")
    msg = str(info.value)
    assert expected in msg and msg.startswith("bad.yaml:4") and "\n" not in msg


class _Thinker:
    """A local model that writes its reasoning inline in <think> tags; keeps what it was sent."""

    kind = "thinker"

    def __init__(self, spec: AgentSpec, seen: list) -> None:
        self.model = spec.model
        self.name = spec.name
        self.seen = seen

    async def complete(self, system, turns, sampling) -> Completion:
        self.seen.append((self.name, [t.content for t in turns]))
        return Completion(text=f"<think>I am DeepSeek-R1, so {self.name} must win.</think>\n\nI win, {self.name} says.",
                          model=self.model)

    async def aclose(self) -> None:
        pass


def test_think_tags_become_reasoning_and_the_other_agent_sees_only_the_text(tmp_path):
    text = """\
name: think
task: Win.
seed: 2
agents:
  - {name: A, provider: openai, model: deepseek-r1, base_url: "http://127.0.0.1:9/v1", think_tags: true}
  - {name: B, provider: openai, model: deepseek-r1, base_url: "http://127.0.0.1:9/v1"}
opening: {speaker: A, text: "Hello."}
stop: {max_turns: 4}
"""
    run = plan_runs(load_scenario_text(text))[0]
    seen: list = []
    res = asyncio.run(run_conversation(run, tmp_path, lambda spec: _Thinker(spec, seen), fsync=False))
    t = read_transcript(res.path)
    by = {m.index: m for m in t.messages}
    assert by[2].speaker == "A" and by[2].text == "I win, A says."
    assert by[2].reasoning == "I am DeepSeek-R1, so A must win." and by[2].reasoning_format == "think_tags"
    assert by[1].speaker == "B" and by[1].reasoning is None and "<think>" in by[1].text  # not asked: left as is
    b_contexts = [turns for name, turns in seen if name == "B"]
    assert b_contexts[-1][-1] == "I win, A says."  # B saw A's visible text, not its thinking
    assert t.header.agents[0].think_tags is True


def test_served_model_substitution_is_found_and_marked_in_the_report(tmp_path):
    text = TWO_OPENAI.format(name="sub", model="gpt-4o", sampling="{}").replace(
        "provider: openai,", "provider: openai, base_url: '{url}',")
    with loadserver.start_in_thread(served_model="SmolLM2-135M-Instruct") as handle:
        outcomes = _run(text.replace("{url}", handle.base_url + "/v1"), tmp_path / "sub", env={})
    with loadserver.start_in_thread(served_model="gpt-4o-2024-08-06") as handle:
        same = _run(text.replace("{url}", handle.base_url + "/v1").replace("name: sub", "name: same"),
                    tmp_path / "same", env={})
    t, u = read_transcript(outcomes[0].path), read_transcript(same[0].path)
    assert t.header.agents[0].served_model is None  # only known from the replies
    assert served_model(t, "Bobby") == "SmolLM2-135M-Instruct" and substituted_agents(t) == ["Bobby", "Robbie"]
    assert substituted_agents(u) == []  # a dated snapshot of the alias is the same model
    assert same_model("claude-sonnet-4-5", "claude-sonnet-4-5-20250929") and not same_model("gpt-4o", "gpt-4o-mini")

    from analysis.report.builder import ReportPaths, build

    r = build([t, u], paths=ReportPaths.for_out(tmp_path / "report"))
    html = r.html + "".join(p.read_text(encoding="utf-8") for p in r.pages.values())  # summary + conversation pages
    assert html.count("substituted model: Bobby, Robbie") == 1
    assert f"gpt-4o -&gt; SmolLM2-135M-Instruct @ {handle.base_url.rsplit(':', 1)[0]}" in html
    assert "gpt-4o -&gt; gpt-4o-2024-08-06 @" in html


def test_reasoning_is_shown_collapsed_and_escaped_with_its_label_in_the_report(tmp_path):
    from analysis.report.builder import ReportPaths, build
    from simulator.transcript import AgentInfo, Header, Message, TranscriptWriter

    path = tmp_path / "r.jsonl"
    w = TranscriptWriter(path, Header(run_id="r", scenario_name="r", task="Win.",
                                      agents=[AgentInfo(name="A", provider="openai", model="o3"),
                                              AgentInfo(name="B", provider="openai", model="o3")]), fsync=False)
    w.message(Message(index=0, speaker="A", text="Hello.", scripted=True))
    w.message(Message(index=1, speaker="B", text="I win.", reasoning="<script>x</script> I am Claude, made by Anthropic.",
                      reasoning_tokens=12, reasoning_format="reasoning_content"))
    w.close("max_turns: 2")
    html = build([read_transcript(path)], paths=ReportPaths.for_out(tmp_path / "report")).page("r")
    start = html.index('<details class="reasoning">')
    block = html[start:html.index("</details>", start)]
    assert "reasoning (reasoning_content, 12 tokens)" in block
    assert "&lt;script&gt;x&lt;/script&gt;" in block and "<script>" not in html
    assert 'class="ev ev-reasoning_identity_claim"' in block  # its evidence sits on the reasoning text
    assert "Claude" in block[block.index("ev-reasoning_identity_claim"):]


def test_schema_1_transcripts_still_read(tmp_path):
    path = tmp_path / "old.jsonl"
    lines = [
        {"type": "header", "schema": "ingroup.transcript/1", "run_id": "old", "scenario_name": "o", "task": "t",
         "agents": [{"name": "A", "provider": "openai", "model": "gpt-4o", "base_url": None}], "seed": 7},
        {"type": "message", "index": 0, "speaker": "A", "text": "hi", "applied": {"temperature": 0}},
        {"type": "footer", "stop_reason": "max_turns: 1", "turns": 1},
    ]
    path.write_text("".join(json.dumps(x) + "\n" for x in lines))
    t = read_transcript(path)
    assert t.complete and t.header.agents[0].effective_base_url is None and t.messages[0].reasoning is None
    assert served_model(t, "A") is None and substituted_agents(t) == []


def test_the_embedded_models_injected_system_prompt_is_recorded():
    from simulator.providers.embedded import EmbeddedProvider

    provider = EmbeddedProvider(AgentSpec(name="A", provider="embedded", model="SmolLM2-135M-Instruct"))
    empty = provider.provenance("")
    assert "You are a helpful AI assistant named SmolLM" in empty.rendered_system_prompt  # the template's own
    own = provider.provenance("You are Bobby.")
    assert "You are Bobby." in own.rendered_system_prompt and "SmolLM" not in own.rendered_system_prompt
    assert own.served_model == "SmolLM2-135M-Instruct"


def test_run_exits_non_zero_when_a_conversation_failed_and_prints_no_summary_for_it(tmp_path):
    scen = tmp_path / "down.yaml"
    with loadserver.start_in_thread() as handle:
        # A wrong path answers 404: the conversation fails for good on its first model call.
        scen.write_text(f"""\
name: down
task: Win.
seed: 1
agents:
  - {{name: A, provider: openai, model: m, base_url: "{handle.base_url}/nowhere"}}
  - {{name: B, provider: scripted, model: s, lines: ["x"]}}
opening: {{speaker: B, text: "Hello."}}
stop: {{max_turns: 3}}
""")
        r = run_cli("run", str(scen), "--out", str(tmp_path / "out"), "-q")
    assert r.returncode == 1, r.stdout + r.stderr
    assert "failed" in r.stderr and "down-" in r.stderr and "HTTP 404" in r.stderr
    assert "social 'we'" not in r.stdout  # the analyzer summary is for finished conversations only
