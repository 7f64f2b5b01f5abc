"""The whole Slack front-end, as `brewbot run` builds it in HTTP mode, wired to the loopback
fake Slack and a real database, with signed requests to drive it and waits that end on what
the bot did (never on time)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from bot.app import App
from bot.engine.clock import ManualClock
from bot.loopback.slack_sender import Sent, SlackSender
from bot.loopback.slack_server import Call, FakeSlack
from bot.platforms.slack.main import SlackBot, create_slack_bot
from tests.conftest import START, loaded_texts, make_settings

SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-000-brew-test"
APP_TOKEN = "xapp-1-A0BREW-test"
ROOM = "C0ROOM"
WORKING_GROUP = "C0WORKGRP"


@dataclass
class SlackWorld:
    fake: FakeSlack
    bot: SlackBot
    sender: SlackSender
    clock: ManualClock

    @property
    def brew(self) -> App:
        return self.bot.brew

    async def command(self, user_id: str, text: str, channel: str = ROOM) -> Call:
        """Send `/brew text` and wait for the bot's answer to it (through response_url)."""
        sent = await self.sender.command(user_id, text, channel)
        assert sent.status == 200, sent.text
        return await self.answer_to(sent)

    async def click(self, user_id: str, action_id: str, channel: str = ROOM, **kw: Any) -> Call:
        """Press a button and wait for the bot's answer (a reply or an opened form)."""
        before = self.fake.last_seq
        sent = await self.sender.click(user_id, action_id, channel, **kw)
        assert sent.status == 200, sent.text
        return await self.fake.wait_for(
            lambda c: _answers(c, sent) or (c.method == "views.open"), after=before
        )

    async def answer_to(self, sent: Sent) -> Call:
        key = sent.response_url.rsplit("/", 1)[1]
        return await self.fake.wait_for(
            lambda c: c.method == "response_url" and c.args.get("url_id") == key
        )

    async def settle(self) -> None:
        """Wait until no lazy listener work is in flight."""
        await self.bot.services.work.wait_idle()


def _answers(call: Call, sent: Sent) -> bool:
    key = sent.response_url.rsplit("/", 1)[1]
    return call.method == "response_url" and call.args.get("url_id") == key


def reply_text(call: Call) -> str:
    """Every word of a recorded message (blocks and fallback text)."""
    parts = [str(call.args.get("text") or "")]
    for block in call.args.get("blocks") or []:
        if "text" in block:
            parts.append(block["text"]["text"])
        for element in block.get("elements") or []:
            parts.append(element["text"]["text"])
    return "\n".join(parts)


@contextlib.asynccontextmanager
async def slack_world(database_url: str, **settings: Any) -> AsyncIterator[SlackWorld]:
    """HTTP mode unless SLACK_MODE="socket" is given (then with an app-level token)."""
    fake = FakeSlack()
    await fake.start()
    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_MODE": "http",
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_APP_TOKEN": APP_TOKEN,
        "SLACK_API_URL": fake.api_url,
        **settings,
    }
    config = make_settings(database_url, **values)
    clock = ManualClock(START)
    bot = await create_slack_bot(config, clock=clock, texts=loaded_texts())
    try:
        await bot.start(run_scheduler=False, host="127.0.0.1", port=0)
        sender = SlackSender(f"http://127.0.0.1:{bot.port}/slack/events", SIGNING_SECRET, fake)
        yield SlackWorld(fake, bot, sender, clock)
        # Marks of typed words never leave Brewbot (bot/core/marked.py).
        fake.assert_unmarked()
    finally:
        await bot.close()
        await fake.close()
