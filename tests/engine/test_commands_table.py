"""The shared command table as people type it: help for one command, options given as
name=value or in order, and options that do not exist named as typed (issue 13)."""

from __future__ import annotations

import pytest

from bot.core.commands import parse_text
from bot.core.domain import SessionState
from tests.conftest import snapshot
from tests.helpers import community_row, make_session


async def test_a_setting_given_as_name_equals_value_is_changed(app, chat, fac):
    # The form /brew help and the command's own description suggest; it was ignored.
    answer = await chat.say(fac, "/brew settings group_size=4")
    assert "group_size is now 4" in answer.text
    answer = await chat.say(fac, "/brew settings timezone Europe/Dublin")
    assert "timezone is now Europe/Dublin" in answer.text
    answer = await chat.say(fac, "/brew settings facilitator_role=Organiser")
    assert "facilitator_role is now Organiser" in answer.text
    community = await community_row(app)
    assert (community.group_size, community.facilitator_role) == (4, "Organiser")


async def test_an_option_is_not_posted_as_part_of_the_message(app, chat, fac):
    for text in (
        "/brew post The tea is ready. easy_read=yes",
        "/brew post The tea is ready. easy=yes",
    ):
        answer = await chat.say(fac, text)
        assert "Posted" in answer.text
        posted = chat.adapter.ops("send")[-1].message
        assert "easy" not in posted.plain_text().lower().replace("easy read", "")
        assert "The tea is ready." in posted.text and posted.plain


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        # It used to say the session "should be a number": the wrong option.
        ("/brew breakouts colour=red", "The /brew breakouts command has no option called colour"),
        ("/brew post Hello eassy=yes", "Did you mean easy_read?"),
        ("/brew settings timezon=Europe/London", "Did you mean timezone?"),
        ("/brew sessions all=yes", "needs nothing after it, so please leave out all"),
    ],
)
async def test_an_unknown_option_is_named_as_typed(app, chat, fac, text, sentence):
    await make_session(app, SessionState.OPEN)
    before = await snapshot(app)
    answer = await chat.say(fac, text)
    assert sentence in answer.text
    assert await snapshot(app) == before


async def test_help_for_one_command_shows_its_options_and_an_example(app, chat, fac):
    answer = await chat.say(fac, "/brew help schedule")
    lines = answer.text.splitlines()
    assert lines[0].startswith("/brew schedule: Plan a session")
    assert "- when (needed): When it starts, e.g. next Tuesday 2pm" in lines
    assert any(line.startswith("- every: Repeat") for line in lines)
    assert "name=value" in answer.text
    assert 'For example: /brew schedule next Tuesday 2pm theme="Being heard"' in lines
    settings = await chat.say(fac, "/brew help settings")
    assert "facilitator_role, timezone" in settings.text, "the settings are listed"
    for asked in ("call me", "/brew call me", "CALL ME"):
        assert (await chat.say(fac, f"/brew help {asked}")).text.startswith("/brew call me:")


async def test_help_lists_every_command_and_how_to_see_one(app, chat, fac):
    answer = await chat.say(fac, "/brew help")
    for command in app.table:
        assert f"/brew {command.name}: {command.description}" in answer.text
    assert "type /brew help and its name" in answer.text


async def test_help_for_a_command_that_does_not_exist(app, chat, fac):
    answer = await chat.say(fac, "/brew help dance")
    assert 'I do not know the command "dance"' in answer.text


async def test_every_example_is_something_people_can_type(app, chat, fac):
    for command in app.table:
        usage = (await chat.say(fac, f"/brew help {command.name}")).text
        example = usage.splitlines()[-1].removeprefix("For example: ")
        parsed, _ = parse_text(example, app.table)
        assert parsed is command, example
