"""Bad input on every command gets one clear sentence and leaves the database unchanged."""

import pytest

from bot.core.commands import Audience, OptionKind
from bot.core.domain import SessionState
from tests.conftest import Chat, snapshot
from tests.helpers import make_session


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
        # Any value for the others, but one of its choices where an option has them.
        others = " ".join(
            f"{o.name}={o.choices[0] if o.choices else 'x'}"
            for o in command.options
            if o.required and o.name != "session"
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


# -- hostile typed values on every command and option (issue 13) ------------------------------
#
# Each used to end in silence (a Unicode digit crashed the parser), or in "something went
# wrong" (an id beyond PostgreSQL's integer, a NUL byte PostgreSQL cannot store, half an
# emoji no database can encode). Now: one kind sentence, or the command done without them.

NUMBERS = ["\u00b2", "#\u00b2", "\u0663", "99999999999", "999999999999", "2147483648"]
TEXTS = ["tea\x00time", "tea\ud800time", "\udfff", "\u00b2"]
# A plausible value for each required option, so the hostile one is what gets checked.
NEEDED = {
    "when": "next Tuesday 2pm",
    "code": "12-ABCDE-FGHJK-MNPQR",
    "said": "More time",
    "text": "More time",
    "number": "1",
    "spark": "being-heard",
    "who": "Sam",
    "from": "2026-12-01",
    "to": "2026-12-31",
    "message": "Hello",
    "choice": "on",
    "kind": "travel",
    "amount": "4.50",
}


def _hostile_commands(app):
    for command in app.table:
        for option in command.options:
            values = NUMBERS if option.kind is OptionKind.INTEGER else [*TEXTS, *NUMBERS[:2]]
            others = " ".join(
                f'{o.name}="{NEEDED[o.name]}"'
                for o in command.options
                if o.required and o is not option
            )
            for value in values:
                yield f'/brew {command.name} {others} {option.name}="{value}"'
                if option is command.options[0]:
                    yield f'/brew {command.name} "{value}" {others}'


async def test_every_option_answers_hostile_values_with_one_sentence(app, chat, fac, caplog):
    await make_session(app, SessionState.OPEN)
    texts = list(_hostile_commands(app))
    assert len(texts) > 150
    internal = app.deps.texts.t("errors.internal")
    for text in texts:
        responder = await chat.say(fac, text)
        answers = len(responder.replies) + len(responder.forms)
        assert answers == 1, f"{text!r}: {answers} answers"
        assert internal not in responder.text, f"{text!r}: {responder.text}"
        assert "\x00" not in responder.text
        responder.text.encode("utf-8")  # no lone surrogate reached the answer
    assert not [r for r in caplog.records if r.levelname in ("ERROR", "CRITICAL")]


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        ("/brew cancel \u00b2", "should be a number written with the digits 0 to 9"),
        ("/brew cancel session=99999999999", "far bigger than any I know"),
        ("/brew cancel 999999999999", "far bigger than any I know"),
        ("/brew breakouts size=\u00b2", "The size should be a number"),
    ],
)
async def test_numbers_are_refused_before_the_database_sees_them(app, chat, fac, text, sentence):
    await make_session(app, SessionState.OPEN)
    assert sentence in await _refused(app, chat, fac, text)


async def test_nul_and_half_an_emoji_are_left_out_of_what_is_stored(app, chat, fac):
    await make_session(app, SessionState.OPEN)
    answer = await chat.say(fac, "/brew call me Sam\x00\ud83d")
    assert "I will call you Sam." in answer.text
    answer = await chat.say(fac, '/brew action add "We said\x00 more tea\udfff"')
    assert app.deps.texts.t("errors.internal") not in answer.text
    listed = await chat.say(fac, "/brew action list")
    assert "We said more tea" in listed.text


# -- what shows nothing is nothing (issue: hostile input, third round) -------------------------
#
# A value typed only of zero-width spaces, word joiners or a byte-order mark was stored as
# given: a blank name ("I will call you ."), an empty post ("Posted."), a person marked
# present with no name, an action with nothing said. The reflection form already read such
# text as empty (bot/core/typed.py); every typed option now does too.

INVISIBLE = "\u200b\u2060\ufeff"


@pytest.mark.parametrize(
    "text",
    [
        f'/brew call me "{INVISIBLE}"',
        f'/brew action add "{INVISIBLE}"',
        f'/brew post "{INVISIBLE}"',
        f'/brew present "{INVISIBLE}"',
        f'/brew claim pay charity "{INVISIBLE}"',
        f'/brew settings benefits_note "{INVISIBLE}"',
        f'/brew statement add 1 idea "{INVISIBLE}"',
        f'/brew withdraw "{INVISIBLE}"',
    ],
)
async def test_an_option_of_only_invisible_characters_is_not_given(app, chat, fac, text):
    await make_session(app, SessionState.OPEN)
    await chat.say(fac, "/brew claim on")
    sentence = await _refused(app, chat, fac, text)
    assert INVISIBLE not in sentence and "\u200b" not in sentence


async def test_what_turns_text_around_is_left_out_of_what_is_stored(app, chat, fac):
    answer = await chat.say(fac, '/brew call me "\u202eSam\u200b"')
    assert answer.text == "Thank you. I will call you Sam."
