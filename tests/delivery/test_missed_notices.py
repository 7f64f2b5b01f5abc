"""A facilitator whose private messages are closed still hears what was refused: a private
notice refused for good is kept, every private answer they get says how many are waiting,
and `/brew notices` shows them, each with its own Retry, only to them, once."""

from __future__ import annotations

from datetime import timedelta

from bot.core.ports import DeliveryError
from bot.scheduling.planner import JobKind, PlannedJob
from tests.conftest import Chat
from tests.helpers import make_session

ROOM = "brew-room"  # the channel make_session gives a session
PAT = Chat.person("Pat", facilitator=True)


async def an_opening_refused_while_private_messages_are_closed(app, fac, clock) -> int:
    """A job's opening refused for good; its notice to Fran refused too."""
    session_id = await make_session(app)
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("not_in_channel", "#brew-room")
    app.deps.adapter.failures[f"private:{fac.id}"] = DeliveryError("dm_closed")
    await app.jobs.run(PlannedJob(JobKind.OPEN, session_id, clock.now()))
    assert app.deps.adapter.private_to(fac.id) == []
    return session_id


async def test_a_facilitator_with_closed_private_messages_reads_the_refusal_in_the_chat(
    app, chat, fac, clock
):
    await an_opening_refused_while_private_messages_are_closed(app, fac, clock)
    answer = await chat.say(fac, "/brew sessions")
    assert "I could not send you 1 private message. Type /brew notices" in answer.text
    other = await chat.say(PAT, "/brew sessions")
    assert "could not send you" not in other.text, "only the person it was for"
    shown = await chat.say(fac, "/brew notices")
    [(message, private)] = shown.replies
    assert private
    assert "could not post a message" in message.plain_text()
    assert "invite Brewbot" in message.plain_text()
    [retry] = message.actions
    assert retry.label == "Retry (message 1)"
    # Shown once: it has reached Fran now.
    assert "could not send you" not in (await chat.say(fac, "/brew sessions")).text
    assert "no messages waiting" in (await chat.say(fac, "/brew notices")).text
    # Brewbot is invited; the Retry shown in the chat posts the opening.
    app.deps.adapter.failures.pop(f"send:{ROOM}")
    pressed = await chat.press(fac, retry.custom_id)
    assert "trying that message again" in pressed.text
    assert [s for s in app.deps.adapter.ops("send") if s.to.id == ROOM]


async def test_a_post_they_asked_for_is_shown_with_its_words_still_escaped(app, chat, clock):
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("failed", "503")
    app.deps.adapter.failures[f"private:{PAT.id}"] = DeliveryError("dm_closed")
    await chat.say(PAT, "/brew post @everyone the room has moved")
    app.deps.adapter.failures[f"send:{ROOM}"] = DeliveryError("not_in_channel", "#brew-room")
    clock.advance(timedelta(minutes=5))
    await app.deps.outbox.deliver()
    [(message, _)] = (await chat.say(PAT, "/brew notices")).replies
    [words] = [s for s in message.sections if "room has moved" in s.body]
    assert words.untrusted


async def test_forget_me_takes_the_notices_waiting_for_them(app, chat, fac, clock):
    await an_opening_refused_while_private_messages_are_closed(app, fac, clock)
    await chat.say(fac, "/brew forget me")
    await chat.press(fac, "brew:privacy:forget:yes")
    assert "no messages waiting" in (await chat.say(fac, "/brew notices")).text
