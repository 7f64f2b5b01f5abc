"""The "Share a reflection" button only reads, from what is known in memory (issue 17): every
change made through the bot shows in the very next form; a change this process did not hear
(another process) can only change which form is shown, never what is stored; and a crowd
opening the form gets it while a writer holds the database."""

import asyncio
from datetime import timedelta

from sqlalchemy import update
from sqlmodel import select

from bot.core.domain import SessionState
from bot.core.marked import unmark
from bot.core.messages import custom_id
from storage.engine import Database
from storage.models import CommunitySpark, Participant, Reflection, Session, random_id
from tests.conftest import Chat, snapshot
from tests.helpers import make_session
from tests.sparks.test_spark_admin import FORM as SPARK_FORM

PLAIN = ["category", "text", "quote"]
AGREE = [*PLAIN, "agree"]  # someone who has not answered the privacy notice agrees here


async def open_form(chat: Chat, person, session_id: int):
    return await chat.press(person, custom_id("reflection", "open", str(session_id)))


async def fields(chat: Chat, person, session_id: int) -> list[str]:
    responder = await open_form(chat, person, session_id)
    [form] = responder.forms
    return [field.id for field in form.fields]


async def intro(chat: Chat, person, session_id: int) -> str:
    [form] = (await open_form(chat, person, session_id)).forms
    return form.intro


async def test_consent_easy_read_and_forgetting_show_in_the_next_form(app, chat):
    session_id = await make_session(app, SessionState.REFLECTING)
    sam = Chat.person("Sam")
    assert await fields(chat, sam, session_id) == AGREE, "not stored yet"
    await chat.press(sam, "brew:consent:yes:")
    assert await fields(chat, sam, session_id) == PLAIN
    plain_intro = await intro(chat, sam, session_id)
    await chat.say(sam, "/brew preferences easy_read=on")
    easy_intro = await intro(chat, sam, session_id)
    spark = app.deps.sparks.all()[0]
    assert easy_intro != plain_intro
    assert easy_intro == unmark(
        app.reflections.form(session_id, prompt=spark.reflection_prompt, easy=True).intro
    )
    await chat.press(sam, "brew:consent:no:")
    declined = await open_form(chat, sam, session_id)
    assert declined.forms == [] and app.deps.texts.t("privacy.consent_needed") in declined.text
    await chat.say(sam, "/brew forget me")
    await chat.press(sam, "brew:privacy:forget:yes")
    assert await fields(chat, sam, session_id) == AGREE, "forgotten: not stored any more"


async def test_people_erased_by_retention_are_not_stored_in_the_next_form(app, chat, clock):
    session_id = await make_session(app, SessionState.REFLECTING)
    sam = Chat.person("Sam")
    await chat.press(sam, "brew:consent:yes:")
    assert await fields(chat, sam, session_id) == PLAIN
    clock.advance(timedelta(days=400))  # past the community's retention (365 days)
    counts = await app.jobs.run_daily()
    assert counts is not None and counts["participants"] >= 1
    assert await fields(chat, sam, session_id) == AGREE


async def test_the_sessions_state_and_spark_show_in_the_next_form(app, chat, fac):
    session_id = await make_session(app, SessionState.OPEN)
    sam = Chat.person("Sam")
    await chat.press(sam, "brew:consent:yes:")
    refused = await open_form(chat, sam, session_id)
    assert refused.text == app.deps.texts.t("reflections.not_open", session_id=session_id)
    added = await chat.press(fac, "brew:spark:add:", SPARK_FORM)
    assert "our-own-spark" in added.text
    await chat.say(fac, f"/brew spark {session_id} our-own-spark")
    await chat.say(fac, f"/brew reflect {session_id}")
    assert SPARK_FORM["reflection_prompt"] in await intro(chat, sam, session_id)
    await chat.say(fac, f"/brew close {session_id}")
    closed = await open_form(chat, sam, session_id)
    assert closed.forms == [], closed.text


async def test_a_community_spark_changed_in_this_process_shows_in_the_next_form(app, chat, fac):
    session_id = await make_session(app, SessionState.OPEN)
    await chat.press(fac, "brew:spark:add:", SPARK_FORM)
    await chat.say(fac, f"/brew spark {session_id} our-own-spark")
    await chat.say(fac, f"/brew reflect {session_id}")
    sam = Chat.person("Sam")
    assert SPARK_FORM["reflection_prompt"] in await intro(chat, sam, session_id)
    # No command edits a spark; an administrator's change, one row at a time ...
    async with app.db.transaction() as tx:
        row = (await tx.exec(select(CommunitySpark))).one()
        row.data = row.data.replace(SPARK_FORM["reflection_prompt"], "What would you keep?")
        tx.add(row)
    assert "What would you keep?" in await intro(chat, sam, session_id)
    # ... or in one statement.
    async with app.db.transaction() as tx:
        data = (await tx.exec(select(CommunitySpark.data))).one()
        changed = data.replace("What would you keep?", "What would you change?")
        await tx.exec(update(CommunitySpark).values(data=changed))
    assert "What would you change?" in await intro(chat, sam, session_id)


async def test_community_settings_show_in_the_next_answer(app, chat, fac):
    session_id = await make_session(app, SessionState.REFLECTING)
    sam = Chat.person("Sam")
    await chat.press(sam, "brew:consent:no:")
    months = app.deps.texts.t
    assert months("privacy.months", months=12) in (await open_form(chat, sam, session_id)).text
    await chat.say(fac, "/brew settings retention_days 90")
    assert months("privacy.months", months=3) in (await open_form(chat, sam, session_id)).text


async def test_a_stale_form_never_stores_what_the_database_would_refuse(app, chat, database_url):
    # Another process shares the database (PostgreSQL), or the command line changes it:
    # this process hears nothing of it and may show the form it knew. Kept here for as long
    # as the test needs, so that the form shown is surely the stale one.
    app.deps.known.lifetime = 3600
    session_id = await make_session(app, SessionState.REFLECTING)
    sam, ola = Chat.person("Sam"), Chat.person("Ola")
    for person in (sam, ola):
        await chat.press(person, "brew:consent:yes:")
        assert await fields(chat, person, session_id) == PLAIN
    other = Database(database_url)
    try:
        async with other.transaction() as tx:
            row = (await tx.exec(select(Participant).where(Participant.user_id == sam.id))).one()
            row.consent = "no"
            tx.add(row)
        assert await fields(chat, sam, session_id) == PLAIN, "stale: the form it knew"
        before = await snapshot(app)
        submit = custom_id("reflection", "submit", str(session_id))
        words = {"category": "idea", "text": "Evening sessions would help."}
        refused = await chat.press(sam, submit, words)
        assert refused.text == app.deps.texts.t("privacy.consent_needed")
        async with other.transaction() as tx:
            session = await tx.get(Session, session_id)
            session.state = SessionState.CLOSED.value
            tx.add(session)
        assert await fields(chat, ola, session_id) == PLAIN, "stale: the form it knew"
        closed = await chat.press(ola, submit, words)
        assert closed.text == app.deps.texts.t("reflections.closed", session_id=session_id)
        after = await snapshot(app)
        assert after["reflection"] == []
        unchanged = [table for table in before if table != "session"]  # closed by the other
        assert [after[t] for t in unchanged] == [before[t] for t in unchanged], "nothing stored"
    finally:
        await other.dispose()


async def test_a_thousand_forms_open_while_a_writer_holds_the_database(app, chat):
    session_id = await make_session(app, SessionState.REFLECTING)
    community_id = (await app.deps.known.sessions.get(session_id)).community_id
    agreed = [Chat.person(f"Agreed {n}") for n in range(500)]
    newcomers = [Chat.person(f"New {n}") for n in range(500)]
    async with app.db.transaction() as tx:
        tx.add_all(
            Participant(community_id=community_id, user_id=p.id, consent="yes") for p in agreed
        )
    opens = [*agreed, *newcomers]
    async with app.db.transaction(isolated=True) as tx:
        # A batch of reflections being stored holds the write lock until every form is
        # open: the old road, which waited for this very lock, could not finish inside.
        tx.add_all(
            Reflection(id=random_id(), session_id=session_id, category="idea", text=f"Note {n}")
            for n in range(200)
        )
        await tx.flush()
        # A guard against the hang that road would be, not a measure of speed.
        async with asyncio.timeout(120):
            answers = await asyncio.gather(*(open_form(chat, p, session_id) for p in opens))
    busy = app.deps.texts.t("errors.try_again")
    assert not any(busy in answer.text for answer in answers)
    assert all(answer.first == "form" for answer in answers)
    shown = [[field.id for field in answer.forms[0].fields] for answer in answers]
    assert shown == [PLAIN] * len(agreed) + [AGREE] * len(newcomers)
