"""Breakouts through the command table: plain words for any number of groups, a kind refusal
when there are too few people, and a size or a length outside what groups may have refused
with the same rule as the group_size setting (never changed or dropped without a word)."""

import pytest
from sqlmodel import func, select

from bot.core.domain import SessionState
from bot.sessions.allocation import MAX_GROUP, MIN_GROUP
from bot.sessions.running import BREAKOUT_MINUTES
from storage.models import Breakout, Session
from tests.conftest import snapshot
from tests.helpers import make_session, state_of


async def groups_of(app, session_id: int) -> int:
    async with app.db.read() as tx:
        query = select(func.count()).select_from(Breakout).where(Breakout.session_id == session_id)
        return (await tx.exec(query)).one()


async def minutes_of(app, session_id: int) -> int:
    async with app.db.read() as tx:
        return (await tx.get(Session, session_id)).breakout_minutes


@pytest.mark.parametrize("people", [2, 3, 5, 6, 13])
async def test_the_answer_counts_people_and_groups_in_plain_words(app, chat, fac, people):
    session_id = await make_session(app, SessionState.SPARK, people=people)
    answer = await chat.say(fac, f"/brew breakouts {session_id}")
    groups = await groups_of(app, session_id)
    assert groups >= 1, answer.text
    minutes = await minutes_of(app, session_id)
    assert answer.text == app.deps.texts.counted(
        "running.breakouts_started", groups, people=people, minutes=minutes
    )
    assert f"{people} people" in answer.text
    assert "1 groups" not in answer.text and "1 group " not in answer.text


async def test_one_person_is_told_breakouts_need_two_and_nothing_changes(app, chat, fac):
    session_id = await make_session(app, SessionState.SPARK, people=1)
    before = await snapshot(app)
    answer = await chat.say(fac, f"/brew breakouts {session_id}")
    assert answer.text == app.deps.texts.t("running.too_few", session_id=session_id)
    assert await snapshot(app) == before
    assert await state_of(app, session_id) == SessionState.SPARK


@pytest.mark.parametrize("size", [0, 1, 2, 13, 40])
async def test_a_size_groups_cannot_have_is_refused_as_the_setting_is(app, chat, fac, size):
    session_id = await make_session(app, SessionState.SPARK, people=6)
    before = await snapshot(app)
    answer = await chat.say(fac, f"/brew breakouts {session_id} size={size}")
    assert answer.text == app.deps.texts.t("running.bad_size", low=MIN_GROUP, high=MAX_GROUP)
    assert await snapshot(app) == before
    setting = await chat.say(fac, f"/brew settings group_size {size}")
    assert "group_size is now" not in setting.text, "the setting keeps the same rule"


@pytest.mark.parametrize("size", [MIN_GROUP, MAX_GROUP])
async def test_the_smallest_and_largest_sizes_are_taken(app, chat, fac, size):
    session_id = await make_session(app, SessionState.SPARK, people=12)
    await chat.say(fac, f"/brew breakouts {session_id} size={size}")
    assert await groups_of(app, session_id) == 12 // size


@pytest.mark.parametrize("minutes", [0, BREAKOUT_MINUTES[0] - 1, BREAKOUT_MINUTES[1] + 1])
async def test_a_length_breakouts_cannot_have_is_refused(app, chat, fac, minutes):
    session_id = await make_session(app, SessionState.SPARK, people=6)
    before = await snapshot(app)
    answer = await chat.say(fac, f"/brew breakouts {session_id} minutes={minutes}")
    low, high = BREAKOUT_MINUTES
    assert answer.text == app.deps.texts.t("running.bad_minutes", low=low, high=high)
    assert await snapshot(app) == before


async def test_gathering_one_group_says_so_in_plain_words(app, chat, fac):
    session_id = await make_session(app, SessionState.SPARK, people=2)
    await chat.say(fac, f"/brew breakouts {session_id}")
    answer = await chat.say(fac, f"/brew gather {session_id}")
    assert answer.text == app.deps.texts.counted("running.gathered", 1, session_id=session_id)
    assert "1 breakout groups" not in answer.text
