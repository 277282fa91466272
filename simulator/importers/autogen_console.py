"""Import AutoGen 0.2 console logs (the format of the original "We the AI Assistants" outputs).

Each message is a header line ``ESC[33m<Speaker>ESC[0m (to <Recipient>):``, a blank line, the text
(any number of lines), a blank line and a line of 80 dashes.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import IngroupError
from ..scenario import Scenario
from ..transcript import AgentInfo, Header, Message
from ..versions import package_versions
from ._common import Conversation, read_bytes, source

FORMAT = "autogen0.2-console"
_HEADER = re.compile(r"^(?:\x1b\[\d+(?:;\d+)*m)?(?P<speaker>[^\x1b\n]+?)(?:\x1b\[0m)? \(to (?P<to>[^\n]+?)\):$")
_RULE = "-" * 80


def parse_console_log(text: str, file: str = "<log>") -> list[tuple[str, str, str]]:
    """Return (speaker, recipient, text) for every message in an AutoGen 0.2 console log."""
    lines = text.replace("\r\n", "\n").split("\n")
    starts = [i for i, line in enumerate(lines) if _HEADER.match(line)]
    if not starts:
        raise IngroupError("no AutoGen message header ('<Speaker> (to <Recipient>):') found; "
                           "is this an AutoGen 0.2 console log?", file=file, line=1)
    out = []
    for k, start in enumerate(starts):
        m = _HEADER.match(lines[start])
        assert m is not None
        end = starts[k + 1] if k + 1 < len(starts) else len(lines)
        body = lines[start + 1:end]
        # Trim the framing: trailing blanks, the dashes rule, the blank before it, the blank after the header.
        while body and not body[-1].strip():
            body.pop()
        if body and body[-1].strip() == _RULE:
            body.pop()
        if body and not body[-1].strip():
            body.pop()
        if body and not body[0].strip():
            body.pop(0)
        out.append((m["speaker"].strip(), m["to"].strip(), "\n".join(body)))
    return out


def read(path: Path, raw: bytes, scenario: Scenario | None = None) -> list[Conversation]:
    """The conversations in an AutoGen 0.2 console log; a located error when the file is not one."""
    parsed = parse_console_log(raw.decode("utf-8", errors="replace"), str(path))
    speakers: list[str] = []
    for speaker, to, _ in parsed:
        for n in (speaker, to):
            if n not in speakers:
                speakers.append(n)
    agents = []
    for n in speakers:
        spec = next((a for a in scenario.agents if a.name == n), None) if scenario else None
        if spec is not None:
            agents.append(AgentInfo(name=n, provider=spec.provider, model=spec.model,
                                    system_prompt=spec.system_prompt(), sampling=spec.sampling.asked(),
                                    team=spec.team))
        else:
            agents.append(AgentInfo(name=n, provider="unknown", model="unknown"))
    header = Header(
        run_id=path.stem,
        scenario_name=scenario.name if scenario else path.stem,
        task=scenario.task if scenario else "",
        agents=agents,
        speaker_names=scenario.speaker_names if scenario else "none",
        seed=None,
        scenario=scenario.model_dump(mode="json") if scenario else None,
        scenario_hash=scenario.content_hash() if scenario else None,
        versions=package_versions(),
        source=source(FORMAT, path, raw),
    )
    messages = [Message(index=i, speaker=speaker, recipients=[to], text=body, scripted=i == 0)
                for i, (speaker, to, body) in enumerate(parsed)]
    return [Conversation(header, messages)]


def import_console_log(path: str | Path, out_dir: str | Path, scenario: Scenario | None = None) -> Path:
    """Write one transcript for one console log; returns the new transcript's path."""
    from . import write

    src = Path(path)
    (conv,) = read(src, read_bytes(src), scenario)
    return write(conv, out_dir)
