"""Anonymous reflections: unlinkable in the database and the logs, withdrawable by code until
the digest is sent, redacted before storage, and held back when someone may be at risk."""

import logging
import re

from sqlmodel import SQLModel, select

from bot.core.domain import SessionState
from bot.core.messages import custom_id
from storage.models import Reflection, Session
from tests.conftest import Chat, snapshot
from tests.helpers import make_session

SUBMIT = "brew:reflection:submit:{id}"


async def reflect(chat, user, session_id, text, category="working", quote="yes"):
    await chat.press(user, "brew:consent:yes:")  # the privacy notice, agreed first
    return await chat.press(
        user, SUBMIT.format(id=session_id), {"category": category, "text": text, "quote": quote}
    )


async def community_sessions(app):
    from storage.models import Session

    async with app.db.read() as tx:
        return list((await tx.exec(select(Session))).all())


async def everything_stored(app) -> str:
    """Every value in every table, as one string to search."""
    parts = []
    async with app.db.read() as tx:
        for table in SQLModel.metadata.sorted_tables:
            for row in (await tx.exec(table.select())).all():
                parts.extend(repr(v) for v in row)
    return " ".join(parts)


async def test_a_reflection_cannot_be_tied_to_its_writer(app, chat, caplog):
    caplog.set_level(logging.DEBUG)
    session_id = await make_session(app, SessionState.REFLECTING)
    writer = Chat.person("Wren")
    words = "Being asked the same questions again wore me down completely."
    reply = await reflect(chat, writer, session_id, words)
    assert "code" in reply.text.lower()
    async with app.db.read() as tx:
        [row] = (await tx.exec(select(Reflection))).all()
    columns = set(Reflection.model_fields)
    assert not columns & {"user_id", "participant_id", "author", "created_at", "message_id"}
    assert row.text == words and row.breakout_number is None
    # The writer's id appears nowhere next to the text: not in the reflection row ...
    assert writer.id not in repr(row.model_dump())
    # ... and the logs name neither the person nor the words.
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert writer.id not in logged and "wore me down" not in logged
    assert "Wren" not in logged


async def test_sending_the_digest_destroys_every_link(app, chat, fac):
    session_id = await make_session(app, SessionState.REFLECTING)
    for n in range(5):
        await reflect(chat, Chat.person(f"P{n}"), session_id, f"Point number {n} about reviews.")
    await chat.say(fac, f"/brew close {session_id}")
    await chat.say(fac, f"/brew digest {session_id} send")
    stored = await everything_stored(app)
    async with app.db.read() as tx:
        rows = (await tx.exec(select(Reflection))).all()
    assert len(rows) == 5
    assert all(r.withdraw_tag is None for r in rows)
    async with app.db.read() as tx:
        assert (await tx.get(Session, session_id)).sealed_at is not None
    # No table holds a hash any more (SHA-256 tags are 64 hex digits), and the in-memory
    # record of writers is gone.
    assert not re.search(r"[0-9a-f]{64}", stored)
    assert app.deps.writers.writers_at_least(session_id, [r.id for r in rows]) == 1


async def test_withdraw_by_code_until_the_digest_is_sent(app, chat, fac):
    session_id = await make_session(app, SessionState.REFLECTING)
    writer = Chat.person("Wren")
    reply = await reflect(chat, writer, session_id, "I would like this taken back later.")
    code = re.search(rf"\b{session_id}(-[A-Z0-9]{{5}}){{3}}\b", reply.text).group(0)
    wrong = await chat.say(writer, f"/brew withdraw {session_id}-ZZZZZ-ZZZZZ-ZZZZZ")
    assert "could not find" in wrong.text
    done = await chat.say(writer, f"/brew withdraw {code.lower()}")
    assert "taken back" in done.text
    async with app.db.read() as tx:
        assert (await tx.exec(select(Reflection))).all() == []
    again = await reflect(chat, writer, session_id, "A second thought.")
    code = re.search(rf"\b{session_id}(-[A-Z0-9]{{5}}){{3}}\b", again.text).group(0)
    await chat.say(fac, f"/brew close {session_id}")
    await chat.say(fac, f"/brew digest {session_id} send")
    late = await chat.say(writer, f"/brew withdraw {code}")
    assert "can no longer be taken back" in late.text


async def test_the_same_reflection_twice_is_stored_once(app, chat):
    session_id = await make_session(app, SessionState.REFLECTING)
    writer = Chat.person("Wren")
    await reflect(chat, writer, session_id, "Same words.")
    second = await reflect(chat, writer, session_id, "  same   WORDS. ")
    assert "already sent" in second.text
    other = await reflect(chat, Chat.person("Ola"), session_id, "Same words.")
    assert "code" in other.text.lower()
    async with app.db.read() as tx:
        assert len((await tx.exec(select(Reflection))).all()) == 2


async def test_personal_details_are_redacted_before_storage(app, chat):
    session_id = await make_session(app, SessionState.REFLECTING)
    await reflect(
        chat,
        Chat.person("Wren"),
        session_id,
        "Person 3 said email me at sam@example.org or call 07700 900123, "
        "I live at SW1A 1AA. @everyone see https://example.com",
    )
    async with app.db.read() as tx:
        [row] = (await tx.exec(select(Reflection))).all()
    for secret in ("sam@example.org", "07700", "SW1A", "@everyone", "example.com", "Person 3"):
        assert secret not in row.text, secret
    assert "[email]" in row.text and "[phone]" in row.text and "[name]" in row.text


async def test_risk_is_held_back_and_alerts_without_the_writer(app, chat, fac):
    session_id = await make_session(app, SessionState.REFLECTING)
    writer = Chat.person("Wren")
    words = "Honestly I dont feel safe at home, my carer takes my money."
    reply = await reflect(chat, writer, session_id, words)
    assert "code" in reply.text.lower()
    async with app.db.read() as tx:
        [row] = (await tx.exec(select(Reflection))).all()
    assert row.held
    [alert] = app.deps.adapter.private_to("user-fran")
    body = alert.plain_text()
    assert "takes my money" in body
    assert writer.id not in body and "Wren" not in body
    assert alert.sections and alert.sections[0].untrusted
    # The facilitator can release a false positive into the digest.
    await chat.say(fac, f"/brew close {session_id}")
    preview = await chat.say(fac, f"/brew digest {session_id}")
    assert "held for safeguarding" in preview.text
    released = await chat.say(fac, f"/brew digest {session_id} release {row.id[:8]}")
    assert "will be included" in released.text
    async with app.db.read() as tx:
        assert not (await tx.get(Reflection, (row.session_id, row.id))).held


async def test_the_form_opens_first_and_shows_where_to_get_help(app, chat):
    session_id = await make_session(app, SessionState.REFLECTING)
    wren = Chat.person("Wren")
    await chat.press(wren, "brew:consent:yes:")
    responder = await chat.press(wren, custom_id("reflection", "open", str(session_id)))
    assert responder.first == "form", "a form must be the first response"
    [form] = responder.forms
    assert "116 123" in form.intro and "999" in form.intro
    spark = app.deps.sparks.get((await community_sessions(app))[0].spark_id)
    assert spark.reflection_prompt in form.intro, "the spark's own prompt is asked"
    assert [f.id for f in form.fields] == ["category", "text", "quote"]
    assert form.fields[1].max_length == 2000


async def test_reflections_refused_outside_the_window(app, chat):
    session_id = await make_session(app, SessionState.OPEN)
    reply = await reflect(chat, Chat.person("Wren"), session_id, "Too early.")
    assert "closed" in reply.text or "not open" in reply.text
    async with app.db.read() as tx:
        assert (await tx.exec(select(Reflection))).all() == []


async def test_bad_reflection_values(app, chat):
    session_id = await make_session(app, SessionState.REFLECTING)
    writer = Chat.person("Wren")
    assert "choose what" in (await reflect(chat, writer, session_id, "x", category="")).text
    assert "empty" in (await reflect(chat, writer, session_id, "   ")).text
    # Only characters that show nothing, or turn text around: nothing to read, nothing kept.
    assert "empty" in (await reflect(chat, writer, session_id, "\u200b\u202e\x1b \ufeff")).text
    assert "under 2000" in (await reflect(chat, writer, session_id, "y" * 2001)).text
    async with app.db.read() as tx:
        assert (await tx.exec(select(Reflection))).all() == []


async def test_someone_new_agrees_in_the_form_and_nothing_about_them_is_stored(app, chat):
    session_id = await make_session(app, SessionState.REFLECTING)
    newcomer = Chat.person("Nia")
    before = await snapshot(app)
    responder = await chat.press(newcomer, custom_id("reflection", "open", str(session_id)))
    [form] = responder.forms
    assert [f.id for f in form.fields] == ["category", "text", "quote", "agree"]
    assert "privacy" in form.intro.lower()
    assert await snapshot(app) == before, "opening the form wrote nothing"
    submit = custom_id("reflection", "submit", str(session_id))
    values = {"category": "idea", "text": "Evening sessions would help carers."}
    refused = await chat.press(newcomer, submit, values)
    assert refused.text == app.deps.texts.t("privacy.consent_needed")
    thanked = await chat.press(newcomer, submit, {**values, "agree": "yes"})
    assert "code" in thanked.text.lower()
    after = await snapshot(app)
    assert len(after["reflection"]) == 1
    assert {k: v for k, v in after.items() if k != "reflection"} == {
        k: v for k, v in before.items() if k != "reflection"
    }, "only the reflection was written: no row about the person"


async def test_withdrawal_codes_work_only_for_their_writer_and_guessing_is_limited(app, chat):
    session_id = await make_session(app, SessionState.REFLECTING)
    wren, ola = Chat.person("Wren"), Chat.person("Ola")
    reply = await reflect(chat, wren, session_id, "Please take this back later.")
    code = re.search(rf"\b{session_id}(-[A-Z0-9]{{5}}){{3}}\b", reply.text).group(0)
    before = await snapshot(app)
    # Someone else's code changes nothing.
    assert "could not find" in (await chat.say(ola, f"/brew withdraw {code}")).text
    assert "look right" in (await chat.say(wren, "/brew withdraw 12-ABC")).text
    assert await snapshot(app) == before
    # Small letters and missing dashes are forgiven.
    head, secret = code.lower().split("-", 1)
    typed = f"{head}-{secret.replace('-', '')}"
    assert "taken back" in (await chat.say(wren, f"/brew withdraw {typed}")).text
    # Used once: a second time finds nothing.
    assert "could not find" in (await chat.say(wren, f"/brew withdraw {code}")).text
    # Guessing: after five wrong codes in a row, even a right one has to wait.
    other = await reflect(chat, ola, session_id, "Another thought about transport.")
    real = re.search(rf"\b{session_id}(-[A-Z0-9]{{5}}){{3}}\b", other.text).group(0)
    for _ in range(4):
        await chat.say(ola, f"/brew withdraw {session_id}-AAAAA-AAAAA-AAAAA")
    wait = await chat.say(ola, f"/brew withdraw {real}")
    assert wait.text == app.deps.texts.t("reflections.too_many_codes")
    async with app.db.read() as tx:
        assert len((await tx.exec(select(Reflection))).all()) == 1, "nothing was taken back"
