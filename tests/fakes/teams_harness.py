"""The whole Teams front-end, as `brewbot run` builds it, wired to the loopback Teams
(bot/loopback/teams_server.py: the Bot Framework connector and Microsoft's key endpoint) and a
real database, with signed activities to drive it and waits that end on what the bot did."""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import jwt

from bot.app import App
from bot.engine.clock import ManualClock
from bot.loopback.teams_sender import Response, TeamsSender
from bot.loopback.teams_server import (
    Call,
    Posted,
    TeamsConversation,
    TeamsLoopback,
    TeamsUser,
    actions,
    cards,
)
from bot.platforms.teams.cards import ROUTE
from bot.platforms.teams.main import TeamsBot, create_teams_bot
from tests.conftest import START, loaded_texts, make_settings

APP_ID = "0b5c7d1e-2f3a-4b5c-8d9e-0f1a2b3c4d5e"


def access_token(scope: Any, tenant: str | None) -> str:
    """What Microsoft's sign-in would give the bot: a JWT the loopback only reads."""
    now = int(time.time())
    claims = {"aud": "https://api.botframework.com", "iat": now, "exp": now + 3600}
    return jwt.encode(claims, "loopback-only-never-a-real-signing-secret", algorithm="HS256")


@dataclass
class TeamsWorld:
    lb: TeamsLoopback
    bot: TeamsBot
    sender: TeamsSender
    clock: ManualClock

    @property
    def brew(self) -> App:
        return self.bot.brew

    async def settle(self) -> None:
        """Wait until no work left running after an answer is in flight."""
        await self.bot.listeners.work.wait_idle()

    async def say(self, text: str, user: TeamsUser, where: TeamsConversation) -> int:
        """`user` types `text` to Brewbot in `where`; once every answer is out, the sequence
        number of the last call before it (for `sends(..., after=)`)."""
        start = self.lb.last_seq
        sent = await self.sender.message(text, user, where)
        assert sent.status == 200, sent.text
        await self.settle()
        return start

    async def press(
        self, posted: Posted, route: str, user: TeamsUser, where: TeamsConversation
    ) -> Response:
        """`user` presses the button of `posted` whose data names `route`, as Teams sends it
        (a message, or a task/fetch for a button that asks for a dialog); work settled."""
        card = next(iter(cards(posted.activity)))
        (title,) = [a["title"] for a in actions(card) if (a.get("data") or {}).get(ROUTE) == route]
        answer = await self.sender.press(posted, title, user, where)
        assert answer.status == 200, answer.text
        await self.settle()
        return answer

    def with_button(self, conversation_id: str, route: str, *, thread: str | None = None) -> Posted:
        """The latest post there with a button for `route`."""
        found = [
            p
            for p in self.lb.posts(conversation_id, thread=thread)
            for card in cards(p.activity)
            if any((a.get("data") or {}).get(ROUTE) == route for a in actions(card))
        ]
        assert found, f"no post with a button for {route}"
        return found[-1]

    def sends(self, conversation_id: str, *, after: int = 0) -> list[Call]:
        base = conversation_id.split(";messageid=")[0]
        return [
            c
            for c in self.lb.after(after)
            if c.kind in ("send", "reply")
            and (c.conversation_id or "").split(";messageid=")[0] == base
            and c.status == 200
        ]


def words(call: Call) -> str:
    """Every word of a posted activity, a line each: its own text, then its cards' TextBlocks
    and TextRuns (in columns and containers too), as they stand in the JSON."""
    return "\n".join(texts(call.body or {}))


def texts(activity: dict[str, Any]) -> list[str]:
    found = [str(activity.get("text") or "")]
    for card in cards(activity):
        for element in _within(card.get("body") or []):
            if element.get("type") in ("TextBlock", "TextRun"):
                found.append(str(element.get("text") or ""))
    return found


def _within(items: list[Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, dict):
            found.append(item)
            for key in ("items", "columns", "inlines"):
                found += _within(item.get(key) or [])
    return found


def buttons(call: Call) -> list[dict[str, Any]]:
    body = call.body or {}
    return [
        action["data"]
        for attachment in body.get("attachments") or []
        for action in (attachment.get("content") or {}).get("actions") or []
    ]


@contextlib.asynccontextmanager
async def loopback() -> AsyncIterator[TeamsLoopback]:
    """The loopback Teams for the bot APP_ID, started, and closed after."""
    lb = TeamsLoopback(APP_ID)
    await lb.start()
    try:
        yield lb
        # Marks of typed words never leave Brewbot (bot/core/marked.py).
        lb.assert_unmarked()
    finally:
        await lb.close()


@contextlib.asynccontextmanager
async def teams_world(
    database_url: str,
    *,
    sign_in: bool = False,
    lb: TeamsLoopback | None = None,
    **settings: Any,
) -> AsyncIterator[TeamsWorld]:
    """The bot against a loopback Teams. Its tokens are a stand-in's, or with `sign_in` what
    the loopback's token endpoint gives for its app password (as `brewbot run` signs in).
    With `lb`, against that loopback (started), left running after: a bot started again on
    the same database meets the same Teams."""
    if lb is not None:
        async with _world(lb, database_url, settings, sign_in) as world:
            yield world
        return
    async with loopback() as started, _world(started, database_url, settings, sign_in) as world:
        yield world


@contextlib.asynccontextmanager
async def _world(
    lb: TeamsLoopback, database_url: str, settings: dict[str, Any], sign_in: bool
) -> AsyncIterator[TeamsWorld]:
    values: dict[str, Any] = {
        "TEAMS_APP_ID": APP_ID,
        "TEAMS_OPENID_URL": lb.openid_url,
        "TEAMS_SERVICE_URL": lb.url,
        "TEAMS_GRAPH_URL": lb.url,
        **({"TEAMS_APP_PASSWORD": lb.app_password, "TEAMS_LOGIN_URL": lb.url} if sign_in else {}),
        **settings,
    }
    config = make_settings(database_url, **values)
    clock = ManualClock(START)
    token = None if sign_in else access_token
    bot = await create_teams_bot(config, clock=clock, texts=loaded_texts(), token=token)
    try:
        await bot.start(run_scheduler=False, host="127.0.0.1", port=0)
        sender = TeamsSender(lb, f"http://127.0.0.1:{bot.port}/api/messages")
        yield TeamsWorld(lb, bot, sender, clock)
        lb.assert_unmarked()
    finally:
        await bot.close()
