"""Slack's rules at the door: signatures, acks before slow work, retried events handled once,
429s retried after Retry-After, and Slack's refusals worded for the facilitator."""

from __future__ import annotations

import time

import aiohttp
import pytest

from tests.conftest import snapshot
from tests.fakes.slack_harness import ROOM, reply_text, slack_world

ADMIN, PERSON = "UADA", "UPAT"


def _people(world) -> None:
    world.fake.add_user(ADMIN, "Ada", admin=True)
    world.fake.add_user(PERSON, "Pat")
    world.fake.add_channel(ROOM, "over-a-brew", members=(ADMIN, PERSON))


@pytest.mark.parametrize(
    "how", ["wrong secret", "no signature", "stale timestamp", "tampered body"]
)
async def test_unverified_requests_are_refused_and_store_nothing(sqlite_url, how):
    async with slack_world(sqlite_url) as world:
        _people(world)
        before = await snapshot(world.brew)
        body, _ = world.sender.command_body(ADMIN, 'schedule next Tuesday 2pm theme="Sneaky"', ROOM)
        kind = "application/x-www-form-urlencoded"
        if how == "wrong secret":
            sent = await world.sender.post(body, kind, secret="not-the-secret")
        elif how == "no signature":
            sent = await world.sender.post(body, kind, signed=False)
        elif how == "stale timestamp":
            # Slack's rule: more than 5 minutes old is a possible replay.
            sent = await world.sender.post(body, kind, timestamp=int(time.time()) - 301)
        else:
            stamp = int(time.time())
            from bot.loopback.slack_sender import signature

            sent = await world.sender.post(
                body.replace("Sneaky", "Changed"),
                kind,
                signed=False,
                headers={
                    "X-Slack-Request-Timestamp": str(stamp),
                    "X-Slack-Signature": signature(world.sender.secret, stamp, body),
                },
            )
        assert sent.status == 401
        await world.settle()
        assert await snapshot(world.brew) == before
        assert world.fake.calls == []


async def test_a_fresh_signature_is_accepted(sqlite_url):
    async with slack_world(sqlite_url) as world:
        _people(world)
        # Just inside the 5-minute window still counts.
        body, url = world.sender.command_body(PERSON, "help", ROOM)
        sent = await world.sender.post(
            body, "application/x-www-form-urlencoded", timestamp=int(time.time()) - 240
        )
        assert sent.status == 200
        sent.response_url = url
        assert "/brew join" in reply_text(await world.answer_to(sent))


async def test_the_command_is_acked_before_any_slow_work(sqlite_url):
    async with slack_world(sqlite_url) as world:
        _people(world)
        held = world.fake.hold("users.info")
        sent = await world.sender.command(PERSON, "help")
        # The HTTP answer (the ack) came back while the lookup the work needs is still held.
        assert sent.status == 200 and sent.text == ""
        assert world.fake.of("response_url") == []
        held.set()
        assert "/brew join" in reply_text(await world.answer_to(sent))


async def test_a_retried_event_is_handled_once(sqlite_url):
    async with slack_world(sqlite_url) as world:
        _people(world)
        event = {
            "type": "app_mention",
            "user": PERSON,
            "text": "<@UBREWBOT> hello",
            "ts": "1700000100.000100",
            "channel": ROOM,
            "event_ts": "1700000100.000100",
        }
        first = await world.sender.event(event, "Ev0MENTION1")
        retries = [
            await world.sender.event(event, "Ev0MENTION1", retry=n, reason="http_timeout")
            for n in (1, 2)
        ]
        assert [first.status, *(r.status for r in retries)] == [200, 200, 200]
        await world.fake.wait_for(lambda c: c.method == "chat.postEphemeral")
        await world.settle()
        (answer,) = world.fake.of("chat.postEphemeral")
        assert answer.args["user"] == PERSON and "/brew help" in answer.args["text"]

        # A different event is still handled.
        before = world.fake.last_seq
        await world.sender.event({**event, "ts": "1700000200.000100"}, "Ev0MENTION2")
        await world.fake.wait_for(lambda c: c.method == "chat.postEphemeral", after=before)


async def test_a_rate_limited_post_is_retried_after_retry_after(sqlite_url):
    async with slack_world(sqlite_url) as world:
        _people(world)
        world.fake.rate_limit("chat.postMessage", retry_after=1)
        reply = await world.command(ADMIN, "post Tea is on the table")
        attempts = world.fake.of("chat.postMessage")
        assert [a.answered for a in attempts] == ["429", "ok"]
        assert attempts[0].args == attempts[1].args
        assert "could not" not in reply_text(reply).lower()
        assert world.fake.channels[ROOM].messages[-1]["text"].startswith("Tea is on the table")


async def test_channel_not_found_is_told_to_the_facilitator(sqlite_url):
    async with slack_world(sqlite_url) as world:
        _people(world)
        world.fake.fail("chat.postMessage", "channel_not_found")
        reply = await world.command(ADMIN, "post Tea is on the table")
        text = reply_text(reply)
        assert "I could not find the channel C0ROOM" in text
        assert reply.args["response_type"] == "ephemeral"


async def test_not_in_channel_joins_a_public_channel_and_tries_again(sqlite_url):
    async with slack_world(sqlite_url) as world:
        _people(world)
        world.fake.fail("chat.postMessage", "not_in_channel")
        reply = await world.command(ADMIN, "post Tea is on the table")
        assert [c.method for c in world.fake.calls if c.method.startswith(("chat.", "conv"))] == [
            "chat.postMessage", "conversations.join", "chat.postMessage"
        ]
        assert "could not" not in reply_text(reply).lower()


async def test_not_in_a_private_channel_asks_to_be_invited(sqlite_url):
    async with slack_world(sqlite_url) as world:
        _people(world)
        world.fake.channels[ROOM].is_private = True
        world.fake.fail("chat.postMessage", "not_in_channel")
        reply = await world.command(ADMIN, "post Tea is on the table")
        assert "/invite @Brewbot" in reply_text(reply)


async def test_only_facilitators_may_run_facilitator_commands(sqlite_url):
    async with slack_world(sqlite_url) as world:
        _people(world)
        refused = await world.command(PERSON, "post Hello everyone")
        assert "facilitator" in reply_text(refused).lower()
        assert world.fake.of("chat.postMessage") == []


async def test_mentions_and_entities_in_command_text(sqlite_url):
    async with slack_world(sqlite_url) as world:
        _people(world)
        # Slack escapes &, < and > and sends mentions with names; the words arrive as typed
        # and are escaped again when reposted, so nothing pings.
        await world.command(ADMIN, "post Tea &amp; cake &lt;!channel&gt; <@UPAT|pat>")
        (post,) = world.fake.of("chat.postMessage")
        text = post.args["blocks"][0]["text"]["text"]
        assert text == "Tea &amp; cake &lt;!channel&gt; &lt;@UPAT&gt;"


async def test_health_and_url_verification(sqlite_url):
    async with slack_world(sqlite_url) as world:
        base = world.sender.endpoint.rsplit("/slack/", 1)[0]
        async with aiohttp.ClientSession() as session:
            async with session.get(f"{base}/healthz") as response:
                assert response.status == 200
        sent = await world.sender.post(
            '{"token":"t","challenge":"abc123","type":"url_verification"}', "application/json"
        )
        assert sent.status == 200 and "abc123" in sent.text


async def test_a_form_answer_falls_back_to_a_dm_when_the_channel_is_gone(sqlite_url):
    async with slack_world(sqlite_url) as world:
        _people(world)
        view = {
            "type": "modal",
            "callback_id": "brew:nothing:here:1",
            "private_metadata": '{"channel": "C0GONE"}',
            "blocks": [],
            "title": {"type": "plain_text", "text": "x"},
        }
        sent = await world.sender.submit(PERSON, view, {})
        assert sent.status == 200
        answer = await world.fake.wait_for(
            lambda c: c.method == "chat.postMessage" and c.args["channel"] == "DPAT"
        )
        assert "button" in reply_text(answer).lower()
        assert [c.answered for c in world.fake.of("chat.postEphemeral")] == ["channel_not_found"]


async def test_a_channel_picked_in_slack_is_stored_by_its_id(sqlite_url):
    async with slack_world(sqlite_url) as world:
        _people(world)
        # With escaping on, Slack sends "#working-group" as <#C0WG|working-group>.
        reply = await world.command(ADMIN, "settings working_group_channel <#C0WG|working-group>")
        assert "C0WG" in reply_text(reply) and "working-group" not in reply_text(reply)


async def test_what_the_bot_posts_itself_shares_connections_instead_of_one_each(sqlite_url):
    # One HTTP session for the bot's own Web API calls: its connections are kept and used
    # again, so a busy day does not pay a new connection (and, in production, TLS) each.
    async with slack_world(sqlite_url) as world:
        _people(world)
        for day in ("Tuesday", "Wednesday", "Thursday", "Friday"):
            await world.command(ADMIN, f'schedule next {day} 2pm theme="Being heard"')
        await world.settle()
        posts = [call for call in world.fake.of("chat.postMessage") if call.connection]
        assert len(posts) >= 4, [call.method for call in world.fake.calls]
        assert len({call.connection for call in posts}) < len(posts)
