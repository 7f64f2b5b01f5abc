""" "I would like someone to contact me": offered to every writer, sent only after a clear
Yes, delivered to the safeguarding contact (or, if they cannot be reached, to the
facilitator and the safeguarding e-mail address), never linked to a reflection, and not
kept once delivered."""

from __future__ import annotations

import asyncio

from sqlmodel import select

from bot.app import build_app
from bot.core.domain import SessionState
from bot.core.ports import DeliveryError
from bot.platforms.memory import MemoryAdapter
from storage.models import OutboxItem, OutboxStatus
from tests.conftest import Chat, make_settings
from tests.digest.test_digest_email import smtp_port  # noqa: F401 (a fixture)
from tests.helpers import make_session, next_grid_moment

HELD = "I am scared of going home, he hits me."
EVERYDAY = "The bus to the day centre is often late."
SAM = "user-sam"  # the safeguarding contact


async def write(chat: Chat, who, session_id: int, text: str):
    await chat.press(who, "brew:consent:yes:")
    return await chat.press(
        who, f"brew:reflection:submit:{session_id}", {"category": "not_working", "text": text}
    )


async def asked(app, chat, fac, writer_name: str, text: str):
    """A session with a safeguarding contact; `writer_name` writes `text` and presses both
    buttons. Returns the session, the writer, the thank-you and the last answer."""
    session_id = await make_session(app, SessionState.REFLECTING)
    await chat.say(fac, f"/brew settings safeguarding_contact {SAM}")
    writer = Chat.person(writer_name)
    thanks = await write(chat, writer, session_id, text)
    [ask] = [a for a in thanks.replies[0][0].actions if "contact me" in a.label]
    explained = await chat.press(writer, ask.custom_id)
    [yes] = explained.replies[0][0].actions
    answer = await chat.press(writer, yes.custom_id)
    return session_id, writer, thanks, explained, answer


async def test_every_writer_is_offered_the_same_choice(app, chat, fac):
    session_id = await make_session(app, SessionState.REFLECTING)
    held = await write(chat, Chat.person("Wren"), session_id, HELD)
    everyday = await write(chat, Chat.person("Ash"), session_id, EVERYDAY)
    assert "116 123" in held.text and "116 123" not in everyday.text
    labels = [[a.label for a in answer.replies[0][0].actions] for answer in (held, everyday)]
    assert labels[0] == labels[1] == ["I would like someone to contact me"]


async def test_nothing_is_sent_until_the_person_says_yes(app, chat, fac):
    session_id = await make_session(app, SessionState.REFLECTING)
    writer = Chat.person("Wren")
    thanks = await write(chat, writer, session_id, EVERYDAY)
    explained = await chat.press(writer, thanks.replies[0][0].actions[0].custom_id)
    assert "You do not have to" in thanks.text and "will not tell them anything you wrote" in (
        explained.text
    )
    async with app.db.read() as tx:
        assert (await tx.exec(select(OutboxItem))).all() == []


async def test_the_contact_gets_the_name_and_never_the_words(app, chat, fac):
    _, writer, _, _, answer = await asked(app, chat, fac, "Wren", HELD)
    assert "passing your name on" in answer.text and "999" in answer.text
    to_sam = app.deps.adapter.private_to(SAM)
    [request] = [m for m in to_sam if m.title == "Someone would like to be contacted"]
    assert "Wren" in request.sections[0].body and writer.id in request.sections[0].body
    assert request.sections[0].untrusted, "a chat name is the person's own words"
    assert "not connected to any reflection" in request.text
    assert "hits me" not in request.plain_text()
    [alert] = [m for m in to_sam if m.title.startswith("Safeguarding")]
    assert "Wren" not in alert.plain_text() and writer.id not in alert.plain_text()


async def test_once_delivered_nothing_stored_names_who_asked(app, chat, fac):
    _, writer, _, _, _ = await asked(app, chat, fac, "Wren", HELD)
    async with app.db.read() as tx:
        rows = (await tx.exec(select(OutboxItem))).all()
    assert {r.status for r in rows} == {OutboxStatus.DONE}
    stored = repr([tuple(r.model_dump().values()) for r in rows])
    assert writer.id not in stored and "Wren" not in stored
    assert writer.id[-4:] not in stored, "no key or target is derived from the person"


async def test_a_contact_who_cannot_be_reached_is_replaced_by_the_facilitator_and_email(
    sqlite_url,
    clock,
    smtp_port,  # noqa: F811
):
    port, inbox = smtp_port
    settings = make_settings(
        sqlite_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_FROM="brewbot@example.org",
        SMTP_STARTTLS=False,
        BREWBOT_SAFEGUARDING_EMAIL="safeguarding@example.org",
    )
    app = await build_app(settings, MemoryAdapter(), clock=clock)
    chat, fac = Chat(app), Chat.person("Fran", facilitator=True)
    try:
        app.deps.adapter.failures[f"private:{SAM}"] = DeliveryError("dm_closed")
        await asked(app, chat, fac, "Wren", EVERYDAY)
        await next_grid_moment(app, clock)
        [to_fran] = [
            m
            for m in app.deps.adapter.private_to(fac.id)
            if "would like to be contacted" in m.title
        ]
        assert "could not reach" in to_fran.text and "Wren" in to_fran.sections[0].body
        await asyncio.wait_for(inbox.arrived.wait(), 10)
    finally:
        await app.close()
    [letter] = inbox.messages
    assert letter["To"] == "safeguarding@example.org"
    assert "Wren" in letter.get_payload(decode=False) or any(
        "Wren" in (part.get_payload(decode=True) or b"").decode()
        for part in letter.walk()
        if not part.is_multipart()
    )


async def test_forget_me_takes_back_a_request_not_yet_delivered(app, chat, fac):
    app.deps.adapter.failures[f"private:{SAM}"] = DeliveryError("failed", "503")
    _, writer, _, _, _ = await asked(app, chat, fac, "Wren", EVERYDAY)
    async with app.db.read() as tx:
        waiting = (await tx.exec(select(OutboxItem.payload))).all()
    assert [p for p in waiting if writer.id in p and "Wren" in p], "waiting to be delivered"
    await chat.say(writer, "/brew forget me")
    await chat.press(writer, "brew:privacy:forget:yes")
    async with app.db.read() as tx:
        payloads = (await tx.exec(select(OutboxItem.payload))).all()
    assert not [p for p in payloads if writer.id in p or "Wren" in p]
