""" "We said, we did": recorded by facilitators, replayed when the next session opens."""

from bot.core.domain import SessionState
from tests.conftest import Chat, snapshot
from tests.helpers import make_session


async def test_add_update_and_list(app, chat, fac):
    added = await chat.say(fac, '/brew action add More time in reviews owner="Reviews team"')
    assert "Action 1 is added" in added.text
    await chat.say(fac, '/brew action update 1 status=doing did="Trialling 90-minute reviews"')
    listed = await chat.say(Chat.person("Sam"), "/brew action list")
    assert "You said: More time in reviews" in listed.text
    assert "being done" in listed.text and "Trialling 90-minute reviews" in listed.text


async def test_cant_do_needs_a_plain_reason(app, chat, fac):
    await chat.say(fac, "/brew action add Free bus passes for carers")
    before = await snapshot(app)
    refused = await chat.say(fac, "/brew action update 1 status=cant_do")
    assert "please say why" in refused.text
    assert await snapshot(app) == before
    await chat.say(fac, "/brew action update 1 status=cant_do the council does not run buses")
    listed = await chat.say(fac, "/brew action list")
    assert "We can't do this because the council does not run buses." in listed.text


async def test_the_list_is_replayed_when_the_next_session_opens(app, chat, fac):
    await chat.say(fac, "/brew action add Letters in plain English status=done")
    session_id = await make_session(app, SessionState.SCHEDULED)
    await chat.say(fac, f"/brew open {session_id}")
    [welcome] = [s.message for s in app.deps.adapter.ops("send") if s.message.actions]
    headings = [s.heading for s in welcome.sections]
    assert "We said, we did" in headings
    assert "Letters in plain English" in welcome.plain_text()


async def test_only_facilitators_add_actions(app, chat):
    refused = await chat.say(Chat.person("Sam"), "/brew action add Something")
    assert refused.text.startswith("Only facilitators")
