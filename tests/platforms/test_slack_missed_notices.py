"""Through Slack: a facilitator who does not accept private messages from Brewbot still hears
that a post was refused. Their next answer says a message is waiting; `/brew notices` shows
it, only to them, with its Retry button, which posts what was refused."""

from __future__ import annotations

from sqlmodel import select

from bot.scheduling.planner import JobKind, PlannedJob
from storage.models import Session
from tests.fakes.slack_harness import ROOM, reply_text, slack_world
from tests.platforms.test_slack_session import ADMIN, FACILITATOR, action_ids, posts, workspace


async def test_a_refusal_reaches_a_facilitator_whose_private_messages_are_closed(sqlite_url):
    async with slack_world(sqlite_url) as world:
        workspace(world)
        fake = world.fake
        await world.command(ADMIN, "settings facilitator_role facilitators")
        await world.command(FACILITATOR, 'schedule next Tuesday 2pm theme="Being heard"')
        async with world.brew.db.read() as tx:
            session = (await tx.exec(select(Session))).one()

        # Slack cannot find the room, and Fran does not accept private messages.
        fake.fail("chat.postMessage", "channel_not_found")
        fake.fail("conversations.open", "cannot_dm_bot")
        start = fake.last_seq
        await world.brew.jobs.run(PlannedJob(JobKind.OPEN, session.id, world.clock.now()))
        assert posts(world, ROOM, after=start) == []
        sent = [c for c in fake.after(start) if c.method == "chat.postMessage"]
        assert not [c for c in sent if c.answered == "ok"], "nothing reached anyone"

        answer = await world.command(FACILITATOR, "sessions")
        assert answer.args["response_type"] == "ephemeral"
        assert "I could not send you 1 private message" in reply_text(answer)
        assert "/brew notices" in reply_text(answer)

        shown = await world.command(FACILITATOR, "notices")
        assert shown.args["response_type"] == "ephemeral"
        words = reply_text(shown)
        assert "I could not post a message" in words and "cannot find that channel" in words
        [retry] = action_ids(shown)
        assert retry.startswith("brew:delivery:retry:")
        assert "Retry (message 1)" in words

        # Slack finds the room again: Retry posts the opening.
        start = fake.last_seq
        pressed = await world.click(FACILITATOR, retry)
        assert "trying that message again" in reply_text(pressed)
        await world.settle()
        assert len(posts(world, ROOM, after=start)) == 1
        assert "I could not send you" not in reply_text(
            await world.command(FACILITATOR, "sessions")
        )
