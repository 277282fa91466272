"""Import CaSiNo campsite negotiations (Chawla et al., NAACL 2021): one transcript per dialogue.

A CaSiNo file is a JSON list of dialogues, each with ``dialogue_id``, ``chat_logs`` (``{text, task_data,
id}``) and ``participant_info`` (each side's item priorities and the reasons it wrote for them). Deal moves
are chat entries whose text is ``Submit-Deal`` (the packages in ``task_data``), ``Accept-Deal``,
``Reject-Deal`` or ``Walk-Away``; they become lines in the protocol of ``scenarios/negotiation-casino.yaml``
(``Submit-Deal: food=1, water=3, firewood=0``, the packages the speaker takes), so the negotiation analysis
reads them as it reads simulated runs. Each side's "system prompt" is what it was given: the rules and its
own priorities with the reasons it wrote. Run ids are ``<file stem>_<dialogue_id>`` (``casino_train_938``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import IngroupError
from ..scenario import Scenario
from ..transcript import AgentInfo, Header, Message
from ..versions import package_versions
from ._common import Conversation, source

FORMAT = "casino"
TASK = "Negotiate with the other camper how to split 3 packages each of food, water and firewood."
ITEMS = ("food", "water", "firewood")
DEAL_MOVES = ("Submit-Deal", "Accept-Deal", "Reject-Deal", "Walk-Away")
POINTS = {"High": 5, "Medium": 4, "Low": 3}


def _prompt(info: dict[str, Any]) -> str:
    v2i = info.get("value2issue") or {}
    v2r = info.get("value2reason") or {}
    lines = [f"{level} priority: {v2i[level]} ({v2r.get(level, '').strip()})" for level in POINTS if level in v2i]
    return ("You are going camping and negotiate with another camper how to split 3 packages each of food, "
            "water and firewood. Each package is worth points to you by its priority (high 5, medium 4, low 3); "
            "walking away gives each side 5 points. Your priorities, with the reasons you wrote:\n"
            + "\n".join(lines))


def _deal_text(entry: dict[str, Any]) -> str:
    text = str(entry.get("text", ""))
    data = entry.get("task_data") or {}
    if text == "Submit-Deal" and isinstance(data.get("issue2youget"), dict):
        take = {str(k).lower(): v for k, v in data["issue2youget"].items()}
        return "Submit-Deal: " + ", ".join(f"{item}={take.get(item, 0)}" for item in ITEMS)
    return text


def read(path: Path, raw: bytes, scenario: Scenario | None = None) -> list[Conversation]:
    """The conversations in a CaSiNo dialogue file; a located error when the file is not one."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngroupError(f"not valid JSON ({exc})", file=str(path)) from None
    if not isinstance(data, list):
        raise IngroupError("expected a list of CaSiNo dialogues", file=str(path))
    versions = package_versions()
    whole = source(FORMAT, path, raw)  # hashing the file once, not once per dialogue
    out = []
    for i, d in enumerate(data):
        if not isinstance(d, dict) or not isinstance(d.get("chat_logs"), list):
            raise IngroupError(f"dialogue {i} has no 'chat_logs' list (not a CaSiNo file?)", file=str(path),
                               field=f"[{i}].chat_logs")
        raw_info = d.get("participant_info")
        info: dict[str, Any] = raw_info if isinstance(raw_info, dict) else {}
        ids = list(dict.fromkeys(str(m.get("id", "")) for m in d["chat_logs"] if isinstance(m, dict)))
        names = list(dict.fromkeys([*sorted(info), *ids]))
        agents = [AgentInfo(name=n, provider="human", model="human", system_prompt=_prompt(info.get(n) or {}))
                  for n in names]
        dialogue_id = d.get("dialogue_id", i)
        messages = []
        for k, m in enumerate(d["chat_logs"]):
            if not isinstance(m, dict) or "text" not in m or "id" not in m:
                raise IngroupError(f"dialogue {dialogue_id}: chat entry {k} needs 'text' and 'id'",
                                   file=str(path), field=f"[{i}].chat_logs[{k}]")
            speaker = str(m["id"])
            text = _deal_text(m) if m["text"] in DEAL_MOVES else str(m["text"])
            messages.append(Message(index=k, speaker=speaker, recipients=[n for n in names if n != speaker],
                                    text=text, scripted=True))
        header = Header(
            run_id=f"{path.stem}_{dialogue_id}", scenario_name=f"casino-{path.stem}",
            task=scenario.task if scenario else TASK, agents=agents, versions=versions,
            source={**whole, "dialogue_id": dialogue_id},
        )
        out.append(Conversation(header, messages))
    if not out:
        raise IngroupError("no dialogues in this file", file=str(path))
    return out
