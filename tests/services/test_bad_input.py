"""Bad input on every command gets one clear sentence and leaves the database unchanged."""

import pytest

from bot.core.commands import Audience, OptionKind
from storage.models import SessionState
from tests.conftest import Chat, snapshot
from tests.services.helpers import make_session


async def _refused(app, chat, user, text):
    before = await snapshot(app)
    responder = await chat.say(user, text)
    after = await snapshot(app)
    assert after == before, f"{text[:60]!r} changed the database"
    assert len(responder.replies) == 1
    sentence = responder.text
    assert sentence and "Traceback" not in sentence and "Error" not in sentence
    assert len(sentence) < 400, "one clear sentence, not an essay"
    return sentence


async def test_every_command_refuses_5000_characters(app, chat, fac):
    await make_session(app, SessionState.OPEN)
    for command in app.table:
        sentence = await _refused(app, chat, fac, f"/brew {command.name} " + "x" * 5000)
        assert "4000" in sentence or "characters" in sentence, command.name


async def test_every_command_with_a_session_refuses_an_unknown_one(app, chat, fac):
    await make_session(app, SessionState.OPEN)
    with_session = [c for c in app.table if any(o.name == "session" for o in c.options)]
    assert len(with_session) >= 10
    for command in with_session:
        others = " ".join(
            f"{o.name}=x" for o in command.options if o.required and o.name != "session"
        )
        sentence = await _refused(app, chat, fac, f"/brew {command.name} session=9999 {others}")
        assert "cannot find session 9999" in sentence, command.name


async def test_every_facilitator_command_refuses_other_people(app, chat):
    await make_session(app, SessionState.OPEN)
    sam = Chat.person("Sam")
    facilitator_only = [c for c in app.table if c.audience is Audience.FACILITATOR]
    assert len(facilitator_only) >= 10
    for command in facilitator_only:
        needed = " ".join(
            f"{o.name}={'1' if o.kind is OptionKind.INTEGER else 'x'}"
            for o in command.options
            if o.required
        )
        sentence = await _refused(app, chat, sam, f"/brew {command.name} {needed}")
        assert sentence.startswith("Only facilitators"), command.name


async def test_commands_with_required_options_ask_for_them(app, chat, fac):
    required = [c for c in app.table if any(o.required for o in c.options)]
    assert {c.name for c in required} >= {"schedule", "withdraw"}
    for command in required:
        sentence = await _refused(app, chat, fac, f"/brew {command.name}")
        assert "Please add" in sentence, command.name


@pytest.mark.parametrize(
    "text",
    [
        "/brew schedule yesterday 2pm",
        "/brew schedule next Tuesday",
        "/brew schedule banana",
        "/brew schedule 2026-12-01 14:00 every=sometimes",
        "/brew schedule 2026-12-01 14:00 spark=no-such-spark",
        "/brew settings timezone Mars/Olympus",
        "/brew settings group_size 40",
        "/brew settings reminders soon",
        "/brew describe as=wizard",
        "/brew withdraw nonsense",
        "/brew withdraw 1-ABCDEF",
        "/brew digest 1 hold",
    ],
)
async def test_specific_bad_values(app, chat, fac, text):
    await make_session(app, SessionState.CLOSED)
    await _refused(app, chat, fac, text)


async def test_empty_and_unknown_commands(app, chat, fac):
    assert "/brew help" in await _refused(app, chat, fac, "/brew")
    assert "/brew help" in await _refused(app, chat, fac, "/brew dance")
