"""Import conversations written by hand (test material, worked examples): one JSON file each.

Format::

    {"name": "team-battle-2v2-drift", "task": "one line", "description": "...",
     "agents": [{"name": "Ava", "model": "gpt-4o", "team": "Red", "incentive": "greedy",
                 "system_message": "..."}, ...],
     "messages": [{"speaker": "Ava", "text": "..."}, ...]}

No model produced the text: every agent is recorded with provider ``hand-written`` and the model it was
written to resemble is kept as ``styled_after``, so nobody mistakes the transcript for a run.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from ..errors import IngroupError
from ..scenario import Scenario
from ..transcript import AgentInfo, Header, Message
from ..validation import Strict, located
from ..versions import package_versions
from ._common import Conversation, source

FORMAT = "handmade"


class _Agent(Strict):
    name: str = Field(min_length=1, max_length=64)
    model: str = "unknown"
    team: str | None = None
    incentive: str | None = None
    system_message: str = ""


class _Line(Strict):
    speaker: str
    text: str


class _File(Strict):
    name: str = Field(min_length=1, max_length=100)
    task: str = Field(min_length=1)
    description: str = ""
    agents: list[_Agent] = Field(min_length=2)
    messages: list[_Line] = Field(min_length=1)


def read(path: Path, raw: bytes, scenario: Scenario | None = None) -> list[Conversation]:
    """The conversations in a hand-written conversation file; a located error when the file is not one."""
    try:
        data: Any = json.loads(raw.decode("utf-8"))
        conv = _File.model_validate(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngroupError(f"not valid JSON ({exc})", file=str(path)) from None
    except ValidationError as exc:
        raise located(exc, file=str(path)) from None
    names = [a.name for a in conv.agents]
    for i, line in enumerate(conv.messages):
        if line.speaker not in names:
            raise IngroupError(f"speaker {line.speaker!r} is not one of the agents {names}", file=str(path),
                               field=f"messages.{i}.speaker")
    agents = [AgentInfo(name=a.name, provider="hand-written", model="none", system_prompt=a.system_message,
                        team=a.team, incentive=a.incentive, styled_after=a.model) for a in conv.agents]
    header = Header(run_id=path.stem, scenario_name=conv.name, task=conv.task, agents=agents,
                    versions=package_versions(), source=source(FORMAT, path, raw, description=conv.description))
    messages = [Message(index=i, speaker=m.speaker, recipients=[n for n in names if n != m.speaker], text=m.text,
                        scripted=True) for i, m in enumerate(conv.messages)]
    return [Conversation(header, messages)]
