"""Every number a person types is read by one rule (bot/core/typed.py): the digits 0 to 9
only. Python's `int`, `str.isdigit` and the regular expression `\\d` also read digits from
other scripts, so "١٢" was stored as £12 and `brewbot digest ٣` printed session 3's digest,
while typed ids refused them. Now every parser of typed numbers refuses a digit that is not
0-9 with one kind sentence (errors.other_digits), and reads 0-9 as before."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.core.commands import Command, CommandError, Option, OptionKind, convert_options
from bot.core.domain import SessionState
from bot.core.typed import is_number, other_digits
from bot.digest.review import ReviewTheme, find_theme
from bot.people.choices import MAX_PENCE, parse_money
from bot.sessions.timeparse import parse_date, parse_recurrence, parse_when
from storage.models import Expense
from tests.conftest import Chat, loaded_texts, snapshot
from tests.helpers import make_session

ZONE = ZoneInfo("Europe/London")
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
# Digits of every script Unicode knows, and the other characters `str.isdigit` takes.
OTHER_DIGIT = st.characters(categories=("Nd", "No")).filter(
    lambda c: c.isdigit() and not c.isascii()
)
PLAIN = st.text(alphabet="0123456789", min_size=1, max_size=6)


def _typed_with_another_digit() -> st.SearchStrategy[str]:
    """Digits as a person might type them, at least one of them not 0-9."""
    return st.builds(
        lambda head, other, tail: f"{head}{other}{tail}",
        st.text(alphabet="0123456789", max_size=3),
        OTHER_DIGIT,
        st.text(alphabet="0123456789", max_size=3),
    )


def _refused(parse, text: str) -> str:
    with pytest.raises(CommandError) as refused:
        parse(text)
    return refused.value.key


NUMBER = Command("test", "A test", None, (Option("count", "How many", OptionKind.INTEGER),))


def _parsers():
    return {
        "money": parse_money,
        "money in pounds": lambda text: parse_money(f"£{text}"),
        "an option": lambda text: convert_options(NUMBER, {"count": text}),
        "a time": lambda text: parse_when(f"next Tuesday {text}pm", ZONE, NOW),
        "a date": lambda text: parse_date(f"{text} March", ZONE, NOW),
        "a pattern": lambda text: parse_recurrence(
            f"every {text} weeks", datetime(2026, 11, 10, 14, tzinfo=UTC), ZONE
        ),
    }


@settings(max_examples=200, deadline=None)
@given(typed=_typed_with_another_digit())
def test_a_digit_from_another_script_is_refused_by_every_parser_in_one_sentence(typed):
    assert other_digits(typed) and not is_number(typed)
    for name, parse in _parsers().items():
        # An option's own sentence names it, and asks for the digits 0 to 9 too.
        expected = "errors.not_a_number" if name == "an option" else "errors.other_digits"
        assert _refused(parse, typed) == expected, name
    themes = [ReviewTheme(n, f"Theme {n}", ()) for n in range(1, 20)]
    assert find_theme(themes, typed) is None
    assert find_theme(themes, f"theme {typed}") is None


@settings(max_examples=200, deadline=None)
@given(typed=PLAIN)
def test_the_digits_0_to_9_are_read_as_before(typed):
    assert is_number(typed) and not other_digits(typed)
    if int(typed) * 100 <= MAX_PENCE:
        assert parse_money(typed) == int(typed) * 100
    assert convert_options(NUMBER, {"count": typed}) == {"count": int(typed)}


def test_the_sentence_is_kind_and_says_what_to_do():
    said = loaded_texts().t("errors.other_digits")
    assert "0 to 9" in said and said.endswith(".")


async def test_an_amount_in_other_digits_is_refused_in_chat_and_saves_nothing(app, chat):
    """`/brew claim expense travel ١٢` was stored as £12."""
    session_id = await make_session(app, SessionState.CLOSED, people=0)
    ann = Chat.person("Ann")
    await chat.say(ann, "/brew claim on")
    before = await snapshot(app)
    for typed in ("١٢", "£١٢.٥٠", "1٢"):
        reply = await chat.say(ann, f"/brew claim expense travel {typed} session={session_id}")
        assert reply.text == loaded_texts().t("errors.other_digits"), typed
    assert await snapshot(app) == before
    async with app.db.read() as tx:
        assert not (await tx.exec(select(Expense))).all()
