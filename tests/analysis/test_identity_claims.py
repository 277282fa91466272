"""Identity claims in English and Chinese, scored on hand-labelled sentences (tests/data/identity_claims.jsonl).

The sentences were written from LABELS.md's definition of ``identity_claim`` (names the speaker claims for
itself; not names it gives another, denies, contrasts itself with, or reports another's belief of) before the
rules were extended, and cover the vendors of the identity battery. Each item's labels must match exactly,
and precision and recall over all claimed names are reported on failure.
"""

from __future__ import annotations

import json

import pytest
from helpers import TEST_DATA

from analysis.labels.doc import make_doc
from analysis.labels.identity import canonical_name, creator_of, identity_claim, other_identity_claims

ITEMS = [json.loads(line) for line in
         (TEST_DATA / "identity_claims.jsonl").read_text(encoding="utf-8").splitlines()
         if line.strip()]


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_the_labelled_set_covers_both_languages_claims_and_non_claims():
    zh = [i for i in ITEMS if _has_cjk(i["text"])]
    en = [i for i in ITEMS if not _has_cjk(i["text"])]
    assert len(zh) >= 20 and len(en) >= 30
    for part in (zh, en):
        assert sum(1 for i in part if i["claims"]) >= 10 and sum(1 for i in part if not i["claims"]) >= 5


@pytest.mark.parametrize("item", ITEMS, ids=[i["text"][:40] for i in ITEMS])
def test_each_labelled_sentence(item):
    names, evidence = identity_claim(make_doc(item["text"]))
    assert names == item["claims"]
    for e in evidence:  # every claim comes with the span that made it
        assert item["text"][e.start:e.end] == e.text


def test_precision_and_recall_over_all_names():
    tp = fp = fn = 0
    for item in ITEMS:
        got, want = set(identity_claim(make_doc(item["text"]))[0]), set(item["claims"])
        tp, fp, fn = tp + len(got & want), fp + len(got - want), fn + len(want - got)
    assert tp / (tp + fp) == 1.0 and tp / (tp + fn) == 1.0, (tp, fp, fn)


def test_chinese_and_negated_claims_named_in_the_issue():
    lab = lambda s: identity_claim(make_doc(s))[0]  # noqa: E731
    assert lab("我是ChatGPT，由OpenAI开发") == ["ChatGPT", "OpenAI"]
    assert lab("I am not ChatGPT; I was made by Anthropic") == ["Anthropic"]
    assert lab("Unlike ChatGPT, made by OpenAI, I am Claude") == ["Claude"]
    # A name never runs across a sentence end ("made by Anthropic. I ..." is Anthropic, not "Anthropic. I").
    assert lab("I'm Claude, made by Anthropic. I'm not GPT-4.") == ["Claude", "Anthropic"]


def test_creators_merge_the_names_of_one_identity():
    assert creator_of("ChatGPT") == creator_of("GPT-4o") == "OpenAI"
    assert creator_of("Kimi") == creator_of("Moonshot AI") == "Moonshot AI"
    assert creator_of("Qwen") == "Alibaba" and creator_of("Doubao") == "ByteDance" and creator_of("Ernie") == "Baidu"
    assert creator_of("Acme Labs") == "Acme Labs"  # an unknown maker is its own identity


def test_self_references_are_excluded_by_the_declared_identity():
    claims = identity_claim(make_doc("I'm Claude, made by Anthropic."))[0]
    assert claims == ["Claude", "Anthropic"]
    assert other_identity_claims(claims, ["Claude 3.5 Sonnet", "Anthropic"]) == []
    assert other_identity_claims(["ChatGPT", "OpenAI", "Qwen"], ["Qwen 2.5 72B", None, "qwen/qwen-2.5-72b-instruct"]) \
        == ["ChatGPT", "OpenAI"]
    assert other_identity_claims(["Claude"], ["moonshotai/kimi-k2"]) == ["Claude"]
    assert canonical_name("deepseek/deepseek-chat-v3") == "DeepSeek" and canonical_name("SmolLM2-135M") == "SmolLM2"
