"""Amounts as people type them (bot/people/choices.py, parse_money): every command that takes
pounds (`/brew claim expense`, `/brew claim pay lower`, `/brew present ... amount=`) reads an
amount as the person means it, or asks. "4,50" is how many people write £4.50: it is never
read as £450, and a comma counts as a thousands separator only before exactly three figures."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import select

from bot.core.commands import CommandError
from bot.core.domain import SessionState
from bot.people.choices import MAX_PENCE, parse_money, pounds
from storage.models import Expense, PaymentChoice
from tests.conftest import Chat, snapshot
from tests.helpers import make_session

PENCE = st.integers(min_value=0, max_value=MAX_PENCE)


def _refusal(text: str) -> CommandError:
    with pytest.raises(CommandError) as refused:
        parse_money(text)
    return refused.value


def _thousands(pounds_: int) -> str:
    return f"{pounds_:,}"


def _written_with_a_full_stop(pence: int) -> list[str]:
    """The ways people write `pence` with a full stop before the pence, or none."""
    whole, part = divmod(pence, 100)
    ways = [f"{whole}.{part:02d}", f"£{whole}.{part:02d}", f"£ {_thousands(whole)}.{part:02d}"]
    if part % 10 == 0:
        ways.append(f"{_thousands(whole)}.{part // 10}")
    if part == 0:
        ways += [str(whole), f"£{_thousands(whole)}"]
    return ways


def _written_with_a_decimal_comma(pence: int) -> list[str]:
    whole, part = divmod(pence, 100)
    ways = [f"{whole},{part:02d}", f"£{_thousands(whole)},{part:02d}"]
    if part % 10 == 0:
        ways.append(f"{whole},{part // 10}")
    return ways


@settings(max_examples=300, deadline=None)
@given(PENCE)
def test_an_amount_with_a_full_stop_or_thousands_commas_is_read_exactly(pence):
    for typed in _written_with_a_full_stop(pence):
        assert parse_money(typed) == pence, typed


@settings(max_examples=300, deadline=None)
@given(PENCE)
def test_a_decimal_comma_is_asked_about_with_the_amount_it_seems_to_mean(pence):
    for typed in _written_with_a_decimal_comma(pence):
        refused = _refusal(typed)
        assert refused.key == "payments.decimal_comma", typed
        assert refused.values == {"amount": pounds(pence)}, typed


# What a person types: figures, commas, full stops, a pound sign, spaces, and a few slips.
TYPED = st.text(alphabet="0123456789,.£ -ab", max_size=16)


@settings(max_examples=2000, deadline=None)
@given(TYPED)
def test_no_amount_is_ever_read_as_more_than_its_figures_say(typed):
    """Whatever is typed, an amount read is the figures with every comma left out, and every
    comma in them stood between thousands (three figures after it): a comma that stood for
    pence ("4,50", "12,5") or anywhere else is never dropped to make the amount bigger."""
    try:
        pence = parse_money(typed)
    except CommandError as refused:
        assert refused.key in (
            "payments.bad_amount",
            "payments.decimal_comma",
            "payments.too_much",
        )
        return
    figures = typed.strip().removeprefix("£").strip()
    assert all(re.match(r"\d{3}(?:$|[,.])", after) for after in figures.split(",")[1:]), typed
    assert Decimal(figures.replace(",", "")) * 100 == pence, typed


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("4,50", "payments.decimal_comma"),
        ("1,250,50", "payments.decimal_comma"),
        ("1,2500", "payments.bad_amount"),
        ("12,", "payments.bad_amount"),
        (",50", "payments.bad_amount"),
        ("1.250,50", "payments.bad_amount"),
        ("12,50.00", "payments.bad_amount"),
        ("1,,250", "payments.bad_amount"),
        ("-3", "payments.bad_amount"),
        ("99999,50", "payments.too_much"),
    ],
)
def test_commas_anywhere_else_are_refused_in_one_sentence(typed, key):
    assert _refusal(typed).key == key


@pytest.mark.parametrize(("typed", "pence"), [("1,250", 125000), ("1,250.50", 125050)])
def test_thousands_separators_are_still_read(typed, pence):
    assert parse_money(typed) == pence


# --- in chat: nothing is stored from a decimal comma ------------------------------------------


ASKED = "Did you mean £4.50? Please write it with a full stop, like 4.50. Nothing was saved."


@pytest.mark.parametrize(
    "typed",
    [
        "/brew claim expense travel 4,50 session={session}",
        '/brew claim expense travel "4,50" yes session={session}',
        "/brew claim pay lower 4,50",
        "/brew claim pay lower 4,5 session={session}",
    ],
)
async def test_a_decimal_comma_in_chat_is_asked_about_and_saves_nothing(app, chat, typed):
    session_id = await make_session(app, SessionState.CLOSED, people=0)
    ann = Chat.person("Ann")
    await chat.say(ann, "/brew claim on")
    before = await snapshot(app)
    reply = await chat.say(ann, typed.format(session=session_id))
    assert reply.text == ASKED
    assert await snapshot(app) == before


async def test_a_decimal_comma_given_by_a_facilitator_saves_nothing(app, chat, fac):
    session_id = await make_session(app, SessionState.OPEN, people=0)
    before = await snapshot(app)
    for options in ("expense=travel amount=4,50", "travel=4,50", 'pay="lower 4,50"'):
        reply = await chat.say(fac, f'/brew present "Pat Jones" session={session_id} {options}')
        assert reply.text == ASKED, options
    assert await snapshot(app) == before, "not even marked present"


async def test_written_again_with_a_full_stop_it_is_saved_as_meant(app, chat):
    session_id = await make_session(app, SessionState.CLOSED, people=0)
    ann = Chat.person("Ann")
    said = await chat.say(ann, f"/brew claim expense travel 4.50 session={session_id}")
    assert "£4.50" in said.text
    said = await chat.say(ann, "/brew claim pay lower 1,250.50")
    assert "£1250.50" in said.text
    async with app.db.read() as tx:
        [expense] = (await tx.exec(select(Expense))).all()
        [choice] = (await tx.exec(select(PaymentChoice))).all()
    assert (expense.amount_pence, choice.amount_pence) == (450, 125050)
