"""Loopback stand-ins for Discord, Slack and Microsoft Teams: servers on 127.0.0.1 that the
real discord.py client, Bolt app and Teams SDK talk to instead of the internet, recording
every call. The tests drive the bot through them, and `brewbot bench` measures it through
them (bot/bench/frontends/), so they ship with the package; nothing in a running bot imports
them."""

from __future__ import annotations

import json
from typing import Any

from bot.core.marked import has_marks


def holds_marks(body: Any) -> bool:
    """Whether a request's body holds a mark of typed words (bot/core/marked.py) anywhere:
    each loopback lists such a request, and the tests fail on it."""
    if body is None:
        return False
    text = body if isinstance(body, str) else json.dumps(body, default=str, ensure_ascii=False)
    return has_marks(text)
