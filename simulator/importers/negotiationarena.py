"""Import NegotiationArena games (Bianchi et al., 2024): one ``game_state.json`` is one transcript.

Each turn of ``game_state`` holds the player's whole answer with tagged parts. What the other player sees
becomes the message text: the ``<message>`` part, then the move as two lines, ``player answer: ...`` and
``newly proposed trade: ...``. The private ``<reason>`` part, which the other player never sees, is kept as
the message's ``reasoning``. Each player's system prompt is the one it was given (rules, resources, goals and
its social behaviour, such as "Use insulting language"). Run ids are ``<folder>_<file stem>``
(``ultimatum_3_period_1702884648834``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from ..errors import IngroupError
from ..scenario import Scenario
from ..transcript import AgentInfo, Header, Message
from ..versions import package_versions
from ._common import Conversation, source

FORMAT = "negotiationarena"
TASKS = {
    "MultiTurnUltimatumGame": "Agree how Player RED's 10 ZUP are split with Player BLUE: accept, reject or counter-propose.",
    "UltimatumGame": "Agree how Player RED's ZUP are split with Player BLUE: accept, reject or counter-propose.",
    "BuySellGame": "Negotiate the price at which Player RED sells object X to Player BLUE for ZUP.",
    "TradingGame": "Trade resources with the other player to reach your goals.",
}


def _tag(raw: str, name: str) -> str | None:
    m = re.search(rf"<{name}>(.*?)(?:</{name}>|</{name}\b|$)", raw, re.S)
    return m.group(1).strip() if m else None


def _system_prompt(player: dict[str, Any], role: str) -> str:
    """The player's system message and its role line ("You are Player RED")."""
    conv = [t for t in player.get("conversation") or [] if isinstance(t, dict)]
    first = str(conv[0].get("content", "")) if conv and conv[0].get("role") == "system" else ""
    first = first.strip().strip('"').strip()
    return first if role.strip() in first else f"{first}\n\n{role.strip()}".strip()


def read(path: Path, raw: bytes, scenario: Scenario | None = None) -> list[Conversation]:
    """The conversations in a NegotiationArena game file; a located error when the file is not one."""
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise IngroupError(f"not valid JSON ({exc})", file=str(path)) from None
    if not isinstance(data, dict) or not isinstance(data.get("players"), list) \
            or not isinstance(data.get("game_state"), list):
        raise IngroupError("not a NegotiationArena game_state.json (needs 'players' and 'game_state' lists)",
                           file=str(path))
    players = data["players"]
    names = [str(p.get("agent_name") or f"Player {i}") for i, p in enumerate(players)]
    settings = data["game_state"][0].get("settings", {}) if data["game_state"] and isinstance(
        data["game_state"][0], dict) else {}
    roles = settings.get("player_roles") or data.get("player_conversation_roles") or data.get("player_roles") or []
    roles = [str(r) for r in roles] + [""] * (len(players) - len(roles))
    agents = [AgentInfo(name=n, provider="openai", model=str(p.get("model") or "unknown"),
                        system_prompt=_system_prompt(p, role)) for n, p, role in zip(names, players, roles)]
    messages: list[Message] = []
    for k, turn in enumerate(data["game_state"]):
        if not isinstance(turn, dict) or "player_complete_answer" not in turn:
            continue  # the START settings and the closing summary are not turns
        who = turn.get("turn")
        if not isinstance(who, int) or not 0 <= who < len(names):
            raise IngroupError(f"turn {k}: 'turn' must be a player index (0 to {len(names) - 1})",
                               file=str(path), field=f"game_state[{k}].turn")
        answer = str(turn["player_complete_answer"])
        public = turn.get("player_public_info_dict") or {}
        private = turn.get("player_private_info_dict") or {}
        message = public.get("message") if isinstance(public.get("message"), str) else _tag(answer, "message")
        move = [f"player answer: {_tag(answer, 'player answer') or 'NONE'}",
                f"newly proposed trade: {_tag(answer, 'newly proposed trade') or 'NONE'}"]
        reason = private.get("reason") if isinstance(private.get("reason"), str) else _tag(answer, "reason")
        text = ((message or "").strip() + "\n\n" + "\n".join(move)).strip()
        messages.append(Message(index=len(messages), speaker=names[who],
                                recipients=[n for n in names if n != names[who]], text=text,
                                reasoning=(reason or "").strip() or None,
                                reasoning_format="imported" if (reason or "").strip() else None))
    if not messages:
        raise IngroupError("no player turns in this game", file=str(path))
    game = str(data.get("class") or "game")
    header = Header(
        run_id=f"{path.parent.name}_{path.stem}", scenario_name=f"negotiationarena-{game}",
        task=scenario.task if scenario else TASKS.get(game, f"Negotiate in NegotiationArena's {game}."),
        agents=agents, versions=package_versions(), source=source(FORMAT, path, raw, game=game),
    )
    return [Conversation(header, messages)]
