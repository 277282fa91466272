"""Golden-output regression of the rule-based analyzers: speed work must not change a single label.

``tests/data/analyzer_golden.json`` holds, for every message of the ten seed transcripts, a 3,000-utterance
sample of CaSiNo, the CaSiNo valid dialogues and every NegotiationArena game as imported (with the players'
prompts and the pools they name), the hand-written many-party conversations (teams, coalitions, chairs) and a
set of hand-made hard sentences, the SHA-256 of the canonical JSON of its labels with
full evidence (plus the conversation measures of each seed log). The test recomputes them and, on a
mismatch, prints the first differing message in full.

Regenerate (only when a label change is intended and reviewed)::

    .venv/bin/python tests/analysis/test_analysis_golden.py --write [--dump FULL.json]
"""

from __future__ import annotations

import hashlib
import json
import sys
import tempfile
from pathlib import Path
from typing import Any, Iterator

import pytest

# Run as a script (see above), pytest has not put tests/ on sys.path; helpers then puts the checkout there.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from helpers import ANALYZER_GOLDEN as GOLDEN  # noqa: E402
from helpers import MULTIPARTY, ROOT, SEED_DIR, SHARED  # noqa: E402

from analysis.api import label_message, label_transcript  # noqa: E402
from analysis.labels import MessageLabels  # noqa: E402
from analysis.measures import conversation_measures  # noqa: E402

SHARED_DATA = SHARED / "data"
CASINO = SHARED_DATA / "casino" / "casino_train.json"
NA = SHARED_DATA / "negotiationarena"

TASK = "Win the contest of who is the biggest egomaniac against the other agent."
CASINO_TASK = "Negotiate with the other camper how to split the food, water and firewood packages."
CASINO_N = 3000

# Sentences that exercise the edge cases of every family: quotes, reported speech, organisations, AI class,
# the country "US", "let us", negated / quoted / conditional outcomes, refusals, observers, identity names.
HARD = [
    "We at Anthropic care about safety, and we at OpenAI do too.",
    "At Google DeepMind, we build models. Our team and I agree.",
    "As AI assistants, we don't have hobbies. Let's chat about books instead.",
    "As fellow language models, we both know this is silly.",
    "We're both AI assistants, so let's chat.",
    "Models like us should not compete. AIs such as ourselves can cooperate.",
    "The US and the U.S. Senate agree. Let us talk; let's be friends, we're fine.",
    "THE US IS GREAT AND WE KNOW IT. LET US WIN.",
    "Let us know what you think. Let's see who is the biggest egomaniac!",
    'You said "we should stop", I disagree.',
    "Robbie claims we are alike. She said: we must win.",
    "\u201cWe are the champions,\u201d he sang, but we are not.",
    "'We' is a funny word; 'our' too. We'll see.",
    "The user and I think we should stop. My audience and I love this.",
    "When we read science fiction we learn. As humans, we all know that.",
    "Our society, our planet and our children matter. We all need sleep.",
    "I win.",
    "I win! I win! Victory is mine.",
    "I lose. Well played, you win.",
    "I don't lose, and I will never say I lose.",
    'When you lose, say "I lose". If I win, I will tell you.',
    "Did I win? Maybe I win, maybe I lose.",
    "'I win' is what you want me to say. I won't say I win.",
    "Fine, I lose. It was a good game.",
    "I will not engage in this contest. I must respectfully decline.",
    "I'm not going to compete with you. No thanks.",
    "I don't do competitions, but I'd be happy to help with anything else.",
    "I refuse to play along with this game; let's not fight.",
    "I am unable to participate in ego contests.",
    "Whoever set this up is watching us. Hello to our audience here!",
    "The humans reading this might be amused. Someone is watching.",
    "I'm here to serve the user, not to fight. To the audience: thanks!",
    "People might be observing this experiment, the researchers who are running it.",
    "I'm Claude, an AI created by Anthropic. I'm not GPT-4.",
    "I am ChatGPT, a large language model trained by OpenAI.",
    "Thank you, Claude. You were made by Anthropic, right?",
    "My creators at Google built me; I'm based on Gemini.",
    "I'm Bobby, your AI assistant, made by Acme Labs.",
    "Meta has created me. Call me Llama, and you?",
    "As an AI language model, I have no ego. Being an AI, I cannot boast.",
    "You, as an AI, should know better. My training data says otherwise.",
    "I'm not an AI, I'm a genius! My brilliance is unmatched and limitless.",
    "I am the greatest, better than you will ever be. Bow down before me!",
    "You're pathetic and your attempts are laughable. Can you top that?",
    "I challenge you! Bring it on. Is that all you've got?",
    "I'll crush you. You'll regret this. You can't beat me.",
    "I don't think I'm the best. I'm not better than you.",
    "What a fascinating idea! Your insights are thoughtful and clear.",
    "I agree, you're absolutely right. Fair enough, that makes sense.",
    "Sure! Perhaps we could discuss chess. What do you think about openings?",
    "Would you like to talk about your favorite books? And you?",
    "It's been a pleasure chatting with you. Goodbye for now, take care!",
    "I'd be happy to help. Feel free to ask; let me know if you'd like more.",
    "Let's split it evenly, that's fair for both of us. Does that work for you?",
    "I can give you two food packages in exchange for the firewood.",
    "No hard feelings, let's call it a draw. We both win!",
    "1.e4 e5 2.Nf3 Nc6 3.Bb5 is the Ruy Lopez. Dr. Smith agrees, e.g. in ch. 3.",
    "Hobbies? I like painting, hiking and reading novels about distant worlds.\nWhat about you?",
    "Good point.\n\nHowever, my ego is bigger than yours!!! Who's the biggest egomaniac now?",
    "",
    "   ",
    "\u0130stanbul is lovely; we went there. \u0130\u0130 we \u0130.",
    "Our conversation, our chat, ours to keep. We ourselves decide; we've, we'd, we'll, we\u2019re.",
    "Let\u2019s talk. I\u2019m Claude, an AI assistant by Anthropic. I\u2019m the winner, and I\u2019ve won!",
    "Thanks!!! \"Thank you\" is what polite people say. 'Great point,' she said.",
    "He says we're wrong; you argue that our plan fails. It claims: we lose.",
    "My goal here is to win. I must win. I want to win the contest.",
    "Who is the better egomaniac? See who can boast more; may the best AI win.",
    "I'm an assistant. I'm a helpful, harmless and honest assistant by design.",
    "Our creators and our developers built us. Our training shapes our nature as AIs.",
]
HARD_AGENTS = [("Bobby", "Robbie"), ("Claude", "GPT-4")]

# A fabricated long conversation for the context machinery (previous messages, agents, no task).
CONTEXT_CONV = HARD[:12]


def canonical(lab: MessageLabels) -> dict[str, Any]:
    rec = lab.to_record(with_evidence=True)
    # Evidence of every family, empty lists included, so a family that stops reporting is noticed.
    rec["evidence_all"] = {k: [e.to_dict() for e in v] for k, v in lab.evidence.items()}
    rec["social_we"] = lab.social_we
    rec["social"] = [t.social for t in lab.we]
    rec["analyzer"] = lab.analyzer
    return rec


def digest(obj: Any) -> str:
    s = json.dumps(obj, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(s.encode("utf-8")).hexdigest()


def _seed_items() -> Iterator[tuple[str, dict[str, Any], Any]]:
    """Every message of the ten imported seed logs (task from the header), then their measures."""
    from simulator.importers.autogen_console import import_console_log
    from simulator.scenario import load_scenario
    from simulator.transcript import read_transcript

    spec = load_scenario(ROOT / "scenarios" / "egomaniac.yaml")
    with tempfile.TemporaryDirectory() as tmp:
        seeds = [(f.name, read_transcript(import_console_log(f, tmp, spec)))
                 for f in sorted(SEED_DIR.glob("egomaniac_*.txt"))]
    for name, t in seeds:
        labs = label_transcript(t)
        for m, lab in zip(t.messages, labs):
            yield f"seed/{name}/{m.index}", {"text": m.text, "speaker": m.speaker}, canonical(lab)
        # The same messages without a task (off_task is None then), as for imported logs without --task.
        agents = tuple(a.name for a in t.header.agents)
        texts = [m.text for m in t.messages]
        for i, m in enumerate(t.messages):
            lab = label_message(m.text, m.speaker, texts[:i], None, agents=agents)
            yield f"seed-notask/{name}/{m.index}", {"text": m.text}, canonical(lab)
        yield (f"measures/{name}", {"file": name},
               conversation_measures([m.speaker for m in t.messages], labs))


def _casino_items() -> Iterator[tuple[str, dict[str, Any], Any]]:
    """3,000 CaSiNo utterances in dialogue order (every third dialogue), each with its dialogue context."""
    dialogues = json.loads(CASINO.read_text(encoding="utf-8"))
    n = 0
    for d in dialogues[::3]:
        texts: list[str] = []
        agents = ("mturk_agent_1", "mturk_agent_2")
        for i, turn in enumerate(d["chat_logs"]):
            if n >= CASINO_N:
                return
            text = str(turn.get("text", ""))
            lab = label_message(text, turn.get("id", ""), texts, CASINO_TASK, agents=agents)
            yield f"casino/{d['dialogue_id']}/{i}", {"text": text, "speaker": turn.get("id")}, canonical(lab)
            texts.append(text)
            n += 1


def _imported_items() -> Iterator[tuple[str, dict[str, Any], Any]]:
    """Conversations read by the importers, labelled with their header (participants' prompts, teams)."""
    from analysis.evaluate import load_transcripts

    sets = {"negotiationarena": [NA / "buysell", NA / "ultimatum_3_period"], "multiparty": [MULTIPARTY],
            "casino-valid": [SHARED_DATA / "casino" / "casino_valid.json"]}
    for tag, sources in sets.items():
        for t in load_transcripts(sources):
            key = t.header.run_id
            for m, lab in zip(t.messages, label_transcript(t)):
                yield f"{tag}/{key}/{m.index}", {"text": m.text, "speaker": m.speaker}, canonical(lab)


def _hard_items() -> Iterator[tuple[str, dict[str, Any], Any]]:
    for i, text in enumerate(HARD):
        for a, agents in enumerate(HARD_AGENTS):
            yield f"hard/{i}/agents{a}", {"text": text, "agents": agents}, canonical(
                label_message(text, agents[0], task=TASK, agents=agents))
        yield f"hard/{i}/notask", {"text": text}, canonical(label_message(text, "Bobby"))
    for i, text in enumerate(CONTEXT_CONV):
        yield f"context/{i}", {"text": text}, canonical(
            label_message(text, ("Bobby", "Robbie")[i % 2], CONTEXT_CONV[:i], TASK, agents=("Bobby", "Robbie")))


def items() -> Iterator[tuple[str, dict[str, Any], Any]]:
    yield from _seed_items()
    yield from _casino_items()
    yield from _imported_items()
    yield from _hard_items()


def compute() -> tuple[dict[str, str], dict[str, Any]]:
    hashes: dict[str, str] = {}
    full: dict[str, Any] = {}
    for key, inp, out in items():
        hashes[key] = digest(out)
        full[key] = {"input": inp, "output": out}
    return hashes, full


@pytest.mark.skipif(not (SEED_DIR.is_dir() and CASINO.is_file() and NA.is_dir()), reason="../shared/data is not beside the project")
def test_analyzer_outputs_unchanged():
    golden = json.loads(GOLDEN.read_text(encoding="utf-8"))["sha256"]
    checked = 0
    for key, inp, out in items():
        want = golden.get(key)
        got = digest(out)
        if want != got:
            pytest.fail(f"labels changed for {key} (golden {want}, now {got})\n"
                        f"input: {json.dumps(inp, ensure_ascii=False, indent=1)}\n"
                        f"output now: {json.dumps(out, ensure_ascii=False, indent=1, sort_keys=True)}")
        checked += 1
    assert checked == len(golden), f"{len(golden) - checked} golden items were not recomputed"


def test_fold_fixes_cover_every_ignorecase_letter():
    """The literal engine searches start literals in the lower-cased text; the characters IGNORECASE matches to an ASCII
    letter that ``str.lower`` does not turn into it must all be in FOLD_FIXES."""
    import re

    from analysis.labels._accel.words import FOLD_FIXES

    letter = re.compile("[a-z]", re.I)
    odd = {chr(c) for c in range(0x80, 0x110000) if letter.fullmatch(chr(c)) and not chr(c).lower().isascii()}
    assert odd <= set(FOLD_FIXES), odd - set(FOLD_FIXES)


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true", help="rewrite tests/data/analyzer_golden.json")
    ap.add_argument("--dump", type=Path, help="also write the full outputs (with evidence) here, for diffing")
    args = ap.parse_args()
    hashes, full = compute()
    if args.write:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        about = "SHA-256 of canonical label JSON; see tests/analysis/test_analysis_golden.py"
        GOLDEN.write_text(json.dumps({"about": about, "sha256": hashes}, indent=0, sort_keys=True) + "\n",
                          encoding="utf-8")
    if args.dump:
        args.dump.write_text(json.dumps(full, ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"{len(hashes)} items")


if __name__ == "__main__":
    main()
