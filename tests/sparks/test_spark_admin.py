"""Sparks from chat: list, show, and a facilitator's own spark stored for their community."""

from sqlmodel import select

from bot.core.domain import SessionState
from storage.models import CommunitySpark
from tests.conftest import Chat, snapshot
from tests.helpers import make_session

FORM = {
    "title": "Our own spark",
    "theme": "Making the most of the day centre",
    "intro": "Let us talk about the day centre and what makes a good day there.",
    "questions": "What makes a good day?\nWhat would you change?",
    "reflection_prompt": "What one thing would make the day centre better?",
}


async def test_list_and_show(app, chat, fac):
    listed = await chat.say(Chat.person("Sam"), "/brew sparks")
    assert "going-through-an-assessment" in listed.text
    shown = await chat.say(Chat.person("Sam"), "/brew sparks show being-heard")
    assert "Being heard" in shown.text or "Being heard" in shown.replies[0][0].title
    assert "Notes for facilitators" not in shown.replies[0][0].plain_text()
    staff = await chat.say(fac, "/brew sparks show being-heard")
    assert "Notes for facilitators" in staff.replies[0][0].plain_text()


async def test_a_facilitator_adds_a_spark_and_uses_it(app, chat, fac):
    opened = await chat.say(fac, "/brew sparks add")
    [form] = opened.forms
    assert opened.first == "form" and len(form.fields) <= 5
    added = await chat.press(fac, form.custom_id, FORM)
    assert "our-own-spark" in added.text
    session_id = await make_session(app, SessionState.OPEN)
    posted = await chat.say(fac, f"/brew spark {session_id} our-own-spark")
    assert "Our own spark" in posted.text
    async with app.db.read() as tx:
        [row] = (await tx.exec(select(CommunitySpark))).all()
    assert row.spark_id == "our-own-spark"


async def test_a_bad_spark_is_refused_whole(app, chat, fac):
    before = await snapshot(app)
    refused = await chat.press(fac, "brew:spark:add:", {**FORM, "questions": "Only one?"})
    assert "could not be added" in refused.text and "2 to 4" in refused.text
    assert await snapshot(app) == before


async def test_only_facilitators_add_sparks(app, chat):
    refused = await chat.press(Chat.person("Sam"), "brew:spark:add:", FORM)
    assert refused.text.startswith("Only facilitators")


async def test_a_damaged_stored_spark_is_left_out_not_fatal(app, chat, fac, caplog):
    opened = await chat.say(fac, "/brew sparks add")
    await chat.press(fac, opened.forms[0].custom_id, FORM)
    async with app.db.transaction() as tx:
        [good] = (await tx.exec(select(CommunitySpark))).all()
        damaged = '{"id": "broken"}'
        tx.add(CommunitySpark(community_id=good.community_id, spark_id="broken", data=damaged))
    listed = await chat.say(fac, "/brew sparks")
    assert "our-own-spark" in listed.text and "going-through-an-assessment" in listed.text
    assert "broken" not in listed.text
    assert "stored spark broken skipped" in caplog.text


async def test_every_spark_is_listed(app, chat, fac):
    for number in range(45):
        await chat.press(fac, "brew:spark:add:", {**FORM, "title": f"Our spark number {number}"})
    listed = await chat.say(fac, "/brew sparks")
    assert "our-spark-number-0:" in listed.text and "our-spark-number-44:" in listed.text
