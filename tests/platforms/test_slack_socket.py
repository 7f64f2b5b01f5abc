"""Socket Mode, the default: the app opens a WebSocket with its app-level token, acknowledges
each envelope, answers commands, and handles a retried event once."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from tests.fakes.slack_harness import APP_TOKEN, ROOM, reply_text, slack_world


async def test_commands_and_events_over_socket_mode(sqlite_url):
    async with slack_world(sqlite_url, SLACK_MODE="socket", SLACK_SIGNING_SECRET="") as world:
        fake = world.fake
        fake.add_user("UPAT", "Pat")
        fake.add_channel(ROOM, "over-a-brew", members=("UPAT",))
        assert world.bot.http is None  # no public URL needed
        (opened,) = fake.of("apps.connections.open")
        assert opened.token == APP_TOKEN
        await fake.wait_for(lambda c: c.method == "socket_connected")

        body, response_url = world.sender.command_body("UPAT", "help", ROOM)
        envelope = await fake.push("slash_commands", dict(parse_qsl(body)))
        ack = await fake.wait_for(lambda c: c.method == "socket_ack")
        assert ack.args["envelope_id"] == envelope
        key = response_url.rsplit("/", 1)[1]
        answer = await fake.wait_for(
            lambda c: c.method == "response_url" and c.args["url_id"] == key
        )
        assert "/brew join" in reply_text(answer)

        event = json.loads(world.sender.event_body(
            {"type": "app_mention", "user": "UPAT", "text": "<@UBREWBOT> hi", "channel": ROOM,
             "ts": "1700000100.000100", "event_ts": "1700000100.000100"},
            "Ev0SOCKET",
        ))
        before = fake.last_seq
        for retry in (0, 1, 2):
            pushed = await fake.push("events_api", event, retry=retry)
            await fake.wait_for(
                lambda c, e=pushed: c.method == "socket_ack" and c.args["envelope_id"] == e,
                after=before,
            )
        await fake.wait_for(lambda c: c.method == "chat.postEphemeral", after=before)
        await world.settle()
        assert len(fake.of("chat.postEphemeral")) == 1
