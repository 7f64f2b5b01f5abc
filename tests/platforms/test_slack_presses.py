"""What a press costs on Slack (issue 17), through the real Bolt app in HTTP mode against the
loopback fake Slack: its answers go over a few kept connections, not a new one each (one
workspace's token and an installed workspace's alike); a crowd pressing just after a start
asks Slack who the bot is once; a click and a form are acknowledged before their work and
its answers; shutting down still lets that work finish."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from slack_sdk.oauth.installation_store.models.installation import Installation
from sqlmodel import select

from bot.core.messages import OutgoingMessage
from bot.loopback.slack_server import BOT_ID, BOT_USER, TEAM_ID, FakeSlack
from bot.platforms.slack.adapter import SlackAdapter
from bot.platforms.slack.clients import SlackClients
from bot.platforms.slack.responder import SlackResponder
from storage.models import Session
from tests.conftest import loaded_texts
from tests.fakes.slack_harness import BOT_TOKEN, SlackWorld, reply_text, slack_world
from tests.platforms.test_slack_edges import (
    ADMIN,
    CLICKERS,
    PERSON,
    open_form,
    reflecting,
    workspace,
)

INSTALLED_TOKEN = "xoxb-installed-by-oauth"
# One workspace with SLACK_BOT_TOKEN, or workspaces installed through OAuth.
MODES = {
    "one workspace": {},
    "installed": {"SLACK_CLIENT_ID": "1111.2222", "SLACK_CLIENT_SECRET": "oauth-secret"},
}
TOKENS = {"one workspace": BOT_TOKEN, "installed": INSTALLED_TOKEN}
# A test that would otherwise hang (an ack that waits for held work) fails after this.
HANG_LIMIT = 10.0
REFLECTION = {"category": "idea", "text": "More buses after six", "agree": ["yes"]}


@contextlib.asynccontextmanager
async def world_in(sqlite_url: str, mode: str) -> AsyncIterator[SlackWorld]:
    async with slack_world(sqlite_url, **MODES[mode]) as world:
        if world.bot.oauth is not None:
            await world.bot.oauth.installations.async_save(
                Installation(
                    app_id="A0BREW",
                    enterprise_id=None,
                    team_id=TEAM_ID,
                    bot_token=INSTALLED_TOKEN,
                    bot_id=BOT_ID,
                    bot_user_id=BOT_USER,
                    bot_scopes="chat:write,commands",
                    user_id=ADMIN,
                    installed_at=time.time(),
                )
            )
        workspace(world)
        yield world


@pytest.mark.parametrize("mode", MODES)
async def test_presses_are_answered_over_kept_connections_not_one_each(sqlite_url, mode):
    async with world_in(sqlite_url, mode) as world:
        fake = world.fake
        session = await reflecting(world)
        start = fake.last_seq
        people = CLICKERS[:8]
        for user_id in people:
            view = await open_form(world, user_id, session)
            before = fake.last_seq
            sent = await world.sender.submit(user_id, view, REFLECTION)
            assert sent.status == 200 and sent.text == ""
            await fake.wait_for(lambda c: c.method == "chat.postEphemeral", after=before)
        await world.settle()

        # Each person: who they are (users.info), the form (views.open), the private copy of
        # the thank-you (conversations.open, chat.postMessage) and the thank-you itself.
        answers = fake.after(start)
        methods = {c.method for c in answers}
        assert methods >= {"users.info", "views.open", "conversations.open", "chat.postMessage"}
        assert "chat.postEphemeral" in methods
        assert len(answers) >= 5 * len(people)
        assert all(c.connection for c in answers)
        assert {c.token for c in answers} == {TOKENS[mode]}
        # A few connections, kept and used again, not one made (and in production a TLS
        # handshake) for each answer.
        assert len({c.connection for c in answers}) <= len(answers) // 5


async def test_answers_through_a_response_url_share_the_kept_connections():
    async with response_urls() as (base, peers):
        fake = FakeSlack()
        await fake.start()
        clients = SlackClients(fake.api_url, token=BOT_TOKEN)
        clients.share_session()
        adapter = SlackAdapter(clients, loaded_texts())
        try:
            for n in range(6):
                responder = SlackResponder(
                    adapter, clients.default, team_id=TEAM_ID, user_id=PERSON, channel_id="C0ROOM",
                    response_url=f"{base}R{n}",
                )  # fmt: skip
                await responder.reply(OutgoingMessage("Thank you"))
        finally:
            await clients.close()
            await fake.close()
        assert len(peers) == 6
        assert len(set(peers)) == 1
        # Nothing went through the Web API instead.
        assert fake.calls == []


@pytest.mark.parametrize("mode", MODES)
async def test_a_crowd_pressing_just_after_a_start_asks_who_the_bot_is_once(sqlite_url, mode):
    async with world_in(sqlite_url, mode) as world:
        fake = world.fake
        replies = await asyncio.gather(*(world.command(u, "help") for u in CLICKERS))
        assert all("/brew join" in reply_text(reply) for reply in replies)
        await world.command(PERSON, "help")
        # Everyone waited for the one answer; it is kept for whoever comes later.
        (asked,) = fake.of("auth.test")
        assert asked.token == TOKENS[mode]


async def test_a_refused_auth_test_is_not_kept(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        world.fake.fail("auth.test", "internal_error")
        sent = await world.sender.command(PERSON, "help")
        # Bolt's own sentence for a workspace it cannot act for, and nothing else.
        assert sent.status == 200 and "reinstall" in sent.text
        assert world.fake.response_urls[sent.response_url.rsplit("/", 1)[1]] == []
        # The next request asks again, and is answered.
        assert "/brew join" in reply_text(await world.command(PERSON, "help"))
        assert [c.answered for c in world.fake.of("auth.test")] == ["internal_error", "ok"]


async def test_a_click_is_acknowledged_before_its_work_runs(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        fake = world.fake
        await world.command(ADMIN, 'schedule tomorrow 2pm theme="Being heard"')
        async with world.brew.db.read() as tx:
            session = (await tx.exec(select(Session))).one()
        # Joining waits for Slack to say who the person is: Slack is slow to say.
        held = fake.hold("users.info")
        async with asyncio.timeout(HANG_LIMIT):
            sent = await world.sender.click(PERSON, f"brew:session:join:{session.id}")
        assert sent.status == 200 and sent.text == ""
        assert world.bot.services.work.running == 1
        assert fake.response_urls[sent.response_url.rsplit("/", 1)[1]] == []
        held.set()
        answer = await world.answer_to(sent)
        assert "noted you are coming" in reply_text(answer)
        await world.settle()
        assert world.bot.services.work.running == 0


async def test_a_form_is_acknowledged_before_its_answer_is_sent(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        fake = world.fake
        session = await reflecting(world)
        view = await open_form(world, PERSON, session)
        start = fake.last_seq
        # Slack is slow to take the private copy of the thank-you.
        held = fake.hold("conversations.open")
        async with asyncio.timeout(HANG_LIMIT):
            sent = await world.sender.submit(PERSON, view, REFLECTION)
        # The form closed while what follows it is still on its way.
        assert sent.status == 200 and sent.text == ""
        assert world.bot.services.work.running == 1
        assert [c for c in fake.after(start) if c.method == "chat.postEphemeral"] == []
        held.set()
        thanks = await fake.wait_for(lambda c: c.method == "chat.postEphemeral", after=start)
        assert "your messages with Brewbot" in reply_text(thanks)


async def test_the_thank_you_copies_open_the_writers_messages_once(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        fake = world.fake
        session = await reflecting(world)
        start = fake.last_seq
        for words in ("More buses after six", "A quieter room"):
            view = await open_form(world, PERSON, session)
            before = fake.last_seq
            await world.sender.submit(PERSON, view, {**REFLECTION, "text": words})
            thanks = await fake.wait_for(lambda c: c.method == "chat.postEphemeral", after=before)
            assert "your messages with Brewbot" in reply_text(thanks)
        await world.settle()
        # Both copies went to the writer's messages with Brewbot, opened the first time only.
        (opened,) = [c for c in fake.after(start) if c.method == "conversations.open"]
        assert opened.args["users"] == PERSON
        copies = [c for c in fake.after(start) if c.method == "chat.postMessage"]
        assert [c.args["channel"] for c in copies] == ["DPAT", "DPAT"]


async def test_shutting_down_lets_the_work_after_an_ack_finish(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        fake = world.fake
        await world.command(ADMIN, 'schedule tomorrow 2pm theme="Being heard"')
        async with world.brew.db.read() as tx:
            session = (await tx.exec(select(Session))).one()
        held = fake.hold("users.info")
        sent = await world.sender.click(PERSON, f"brew:session:join:{session.id}")
        assert world.bot.services.work.running == 1
        closing = asyncio.ensure_future(world.bot.close())
        held.set()
        await closing
        # The click was answered before the bot let go of Slack and the database.
        key = sent.response_url.rsplit("/", 1)[1]
        (answer,) = fake.response_urls[key]
        assert "noted you are coming" in answer["text"]
        assert world.bot.services.work.running == 0


@contextlib.asynccontextmanager
async def response_urls() -> AsyncIterator[tuple[str, list[int]]]:
    """A stand-in for Slack's response_url endpoint: the base of its URLs, and the bot's end
    (port) of the connection each answer came over."""
    peers: list[int] = []

    async def answer(request: web.Request) -> web.Response:
        assert request.transport is not None
        peers.append(request.transport.get_extra_info("peername")[1])
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/response/{id}", answer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/response/", peers
    finally:
        await runner.cleanup()
