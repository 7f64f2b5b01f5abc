"""What a press costs on Slack (issue 17), through the real Bolt app in HTTP mode against the
loopback fake Slack: a click and a form are acknowledged before their work and its answers;
shutting down still lets that work finish."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from storage.models import Session
from tests.fakes.slack_harness import reply_text, slack_world
from tests.platforms.test_slack_edges import (
    ADMIN,
    PERSON,
    open_form,
    reflecting,
    workspace,
)

# A test that would otherwise hang (an ack that waits for held work) fails after this.
HANG_LIMIT = 10.0
REFLECTION = {"category": "idea", "text": "More buses after six", "agree": ["yes"]}


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
