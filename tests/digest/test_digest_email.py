"""Digests are e-mailed over SMTP, tested against a real local aiosmtpd server."""

import asyncio
import contextlib
import email
import email.utils
import os
import re
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import Message

import pytest
from aiosmtpd.smtp import SMTP
from sqlmodel import select

from bot.app import App, build_app
from bot.core.domain import SessionState
from bot.core.marked import unmark
from bot.engine.texts import Texts
from bot.platforms.memory import MemoryAdapter
from storage.models import OutboxItem
from tests.conftest import Chat, make_settings
from tests.delivery.test_mail import BUSY, GONE, Answers, answering, smtps_server
from tests.helpers import make_session, state_of
from tests.reflections.test_reflections import reflect

_TEXTS = Texts.load()


def T(key: str, /, **values: object) -> str:
    """A text as a reader sees it: without the marks around typed words."""
    return unmark(_TEXTS.t(key, **values))


class Inbox:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.arrived = asyncio.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        self.arrived.set()
        return "250 OK"


@pytest.fixture
async def smtp_port():
    inbox = Inbox()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(inbox), "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1], inbox
    server.close()
    await server.wait_closed()


async def test_digest_is_emailed_with_html_and_csv(sqlite_url, clock, smtp_port):
    port, inbox = smtp_port
    settings = make_settings(
        sqlite_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_FROM="brewbot@example.org",
        SMTP_STARTTLS=False,
    )
    app = await build_app(settings, MemoryAdapter(), clock=clock)
    chat = Chat(app)
    fac = Chat.person("Fran", facilitator=True)
    try:
        session_id = await make_session(app, SessionState.CLOSED)
        await chat.say(fac, "/brew settings digest_email group@example.org, chair@example.org")
        sent = await chat.say(fac, f"/brew digest {session_id} send")
        assert "sending" in sent.text
        await asyncio.wait_for(inbox.arrived.wait(), 10)
        assert any("has arrived" in m.plain_text() for m in app.deps.adapter.private_to(fac.id))
    finally:
        await app.close()
    [message] = inbox.messages
    assert message["To"] == "group@example.org, chair@example.org"
    # What mail servers and spam filters expect.
    assert email.utils.parsedate_to_datetime(message["Date"]).tzinfo is not None
    assert message["Message-ID"].endswith("@example.org>")
    kinds = [part.get_content_type() for part in message.walk()]
    assert "text/html" in kinds and "text/plain" in kinds and "text/csv" in kinds


async def test_without_smtp_the_facilitator_is_told_and_it_is_not_sent(app, chat, fac):
    session_id = await make_session(app, SessionState.CLOSED)
    await chat.say(fac, "/brew settings digest_email group@example.org")
    sent = await chat.say(fac, f"/brew digest {session_id} send")
    assert "sending" in sent.text and "has been sent" not in sent.text
    [told] = [m for m in app.deps.adapter.private_to(fac.id) if "could not e-mail" in m.text]
    assert "E-mail is not set up" in told.text and told.actions[0].label == "Retry"
    assert await state_of(app, session_id) == SessionState.CLOSED, "not sent until it arrives"


async def test_the_posted_digest_says_its_title_once(app, chat, fac):
    session_id = await make_session(app, SessionState.CLOSED)
    await chat.say(fac, f"/brew digest {session_id} send")
    [digest] = [s.message for s in app.deps.adapter.sent if s.message.title.startswith("Key")]
    assert digest.title == "Key findings: Being heard"
    assert "Being heard" not in digest.text.split("\n")[0]
    assert not digest.text.startswith("#")


async def test_brewbot_digest_resend_email_mails_it_again(sqlite_url, clock, smtp_port, tmp_path):
    port, inbox = smtp_port
    smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port), "SMTP_FROM": "bot@example.org",
            "SMTP_STARTTLS": "false"}  # fmt: skip
    app = await build_app(make_settings(sqlite_url, **smtp), MemoryAdapter(), clock=clock)
    chat, fac = Chat(app), Chat.person("Fran", facilitator=True)
    try:
        session_id = await make_session(app, SessionState.CLOSED)
        await chat.say(fac, "/brew settings digest_email group@example.org")
        await chat.say(fac, f"/brew digest {session_id} send")
        assert len(inbox.messages) == 1
    finally:
        await app.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SMTP_", "BREWBOT_"))}
    env.update(smtp, DATABASE_URL=sqlite_url)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "digest", str(session_id), "--resend-email",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE, env=env, cwd=tmp_path,
    )  # fmt: skip
    out, err = await proc.communicate()
    assert proc.returncode == 0, err.decode()
    assert "e-mailed again to group@example.org" in out.decode()
    assert len(inbox.messages) == 2
    first, second = inbox.messages
    assert first["Message-ID"] != second["Message-ID"]


async def test_the_email_opens_with_key_messages_and_has_a_chart_mail_clients_show(
    database_url, clock, smtp_port
):
    port, inbox = smtp_port
    smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_FROM": "bot@example.org",
            "SMTP_STARTTLS": False}  # fmt: skip
    app = await build_app(make_settings(database_url, **smtp), MemoryAdapter(), clock=clock)
    chat, fac = Chat(app), Chat.person("Fran", facilitator=True)
    lonely = [
        "I can go a whole week without speaking to anyone.",
        "Nobody visits me any more.",
        "I feel so lonely in the evenings.",
        "The days are long on my own.",
        "My friends drifted away after I got ill.",
    ]
    try:
        session_id = await make_session(app, SessionState.REFLECTING)
        for n, text in enumerate(lonely):
            await reflect(chat, Chat.person(f"P{n}"), session_id, text, category="not_working")
        await chat.say(fac, f"/brew close {session_id}")
        await chat.say(fac, "/brew settings digest_email group@example.org")
        await chat.say(fac, f"/brew digest {session_id} send")
        await asyncio.wait_for(inbox.arrived.wait(), 10)
    finally:
        await app.close()
    [message] = inbox.messages
    parts = {part.get_content_type(): part for part in message.walk()}
    html = parts["text/html"].get_payload(decode=True).decode()
    text = parts["text/plain"].get_payload(decode=True).decode()
    heading = T("digest.key_messages.heading")
    count = T("digest.key_messages.count_many", count=5)
    for body in (html, text):
        assert body.index(heading) < body.index(T("digest.glance.heading"))
        assert T("digest.key_messages.overview", count=count) in body
        assert "connection and loneliness (5 reflections)" in body
    # No SVG (Gmail and Outlook drop it): bars are table cells with widths and colours, and
    # the number is text beside each bar.
    assert "<svg" not in html
    assert 'class="chart"' in html and 'bgcolor="#1f4e79"' in html
    assert re.search(r'<td class="count"[^>]*>5</td>', html)


# --- what the mail server says -----------------------------------------------------------------


@contextlib.asynccontextmanager
async def emailing(database_url: str, clock, answers: Answers) -> AsyncIterator[App]:
    """The app, e-mailing through a local server that answers as `answers` says."""
    async with answering(answers) as port:
        smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": port, "SMTP_FROM": "bot@example.org",
                "SMTP_STARTTLS": False}  # fmt: skip
        app = await build_app(make_settings(database_url, **smtp), MemoryAdapter(), clock=clock)
        try:
            yield app
        finally:
            await app.close()


def told(app: App, fac) -> list[str]:
    return [m.text for m in app.deps.adapter.private_to(fac.id)]


async def email_items(app: App) -> list[OutboxItem]:
    async with app.db.read() as tx:
        query = select(OutboxItem).where(OutboxItem.purpose == "digest", OutboxItem.kind == "email")
        return list((await tx.exec(query)).all())


async def test_an_address_the_mail_server_refuses_is_told_to_the_facilitator_at_once(
    database_url, clock
):
    answers = Answers(addresses={"gone@example.org": GONE})
    async with emailing(database_url, clock, answers) as app:
        chat, fac = Chat(app), Chat.person("Fran", facilitator=True)
        session_id = await make_session(app, SessionState.CLOSED)
        await chat.say(fac, "/brew settings digest_email gone@example.org")
        await chat.say(fac, f"/brew digest {session_id} send")
        # Not after six hours of trying: the mail server's answer was its last word.
        [notice] = [t for t in told(app, fac) if "could not e-mail" in t]
        assert f"could not e-mail the digest for session {session_id} to gone@example.org" in (
            notice
        )
        assert "The mail server would not take that address" in notice
        assert not any("has arrived" in t for t in told(app, fac))
        assert await state_of(app, session_id) == SessionState.CLOSED
        [item] = await email_items(app)
        assert (item.status, item.attempts, item.last_error) == ("failed", 1, "email_refused")
        assert answers.arrived == []


async def test_a_mail_server_asking_to_wait_is_tried_again_and_nobody_is_troubled(
    database_url, clock
):
    answers = Answers(addresses={"group@example.org": BUSY})
    async with emailing(database_url, clock, answers) as app:
        chat, fac = Chat(app), Chat.person("Fran", facilitator=True)
        session_id = await make_session(app, SessionState.CLOSED)
        await chat.say(fac, "/brew settings digest_email group@example.org")
        await chat.say(fac, f"/brew digest {session_id} send")
        assert not any("could not e-mail" in t or "has arrived" in t for t in told(app, fac))
        [item] = await email_items(app)
        assert (item.status, item.last_error) == ("pending", "email_failed")
        answers.addresses.clear()  # the mailbox has room again
        clock.advance(timedelta(minutes=1))
        await app.deps.outbox.deliver()
        assert answers.arrived == [("group@example.org",)]
        assert any("has arrived with the working group" in t for t in told(app, fac))
        assert await state_of(app, session_id) == SessionState.SUMMARISED


async def items_of(app: App) -> list[tuple[str, str]]:
    return [(item.status, item.target) for item in await email_items(app)]


@pytest.mark.parametrize(
    ("corrected", "then"),
    [
        ("chair@example.org, new@example.org", [("new@example.org",)]),
        ("chair@example.org", []),
    ],
    ids=["address corrected", "address removed"],
)
async def test_an_address_refused_while_others_took_the_digest_is_named_and_only_it_retried(
    database_url, clock, corrected, then
):
    answers = Answers(addresses={"gone@example.org": GONE})
    async with emailing(database_url, clock, answers) as app:
        chat, fac = Chat(app), Chat.person("Fran", facilitator=True)
        session_id = await make_session(app, SessionState.CLOSED)
        await chat.say(fac, "/brew settings digest_email chair@example.org, gone@example.org")
        await chat.say(fac, f"/brew digest {session_id} send")
        assert answers.arrived == [("chair@example.org",)]
        # The facilitator hears which address did not get it, and what to do; not that it
        # has arrived, for it has not arrived with gone@.
        [notice] = app.deps.adapter.private_to(fac.id)[-1:]
        assert f"e-mail the digest for session {session_id} to gone@example.org." in notice.text
        assert "correct it with" in notice.text and notice.actions[0].label == "Retry"
        assert not any("has arrived" in t for t in told(app, fac))
        assert await state_of(app, session_id) == SessionState.CLOSED
        assert await items_of(app) == [("failed", "gone@example.org")]
        # Corrected (or left out), then Retry: chair@ does not get it a second time.
        await chat.say(fac, f"/brew settings digest_email {corrected}")
        await chat.press(fac, notice.actions[0].custom_id)
        assert answers.arrived == [("chair@example.org",), *then]
        assert any("has arrived with the working group" in t for t in told(app, fac))
        assert await state_of(app, session_id) == SessionState.SUMMARISED
    # The letter says who it is for as the setting is now.
    assert answers.to_lines[1:] == [corrected] * len(then)


async def test_an_address_asked_to_wait_is_tried_again_alone(database_url, clock):
    answers = Answers(addresses={"busy@example.org": BUSY})
    async with emailing(database_url, clock, answers) as app:
        chat, fac = Chat(app), Chat.person("Fran", facilitator=True)
        session_id = await make_session(app, SessionState.CLOSED)
        await chat.say(fac, "/brew settings digest_email chair@example.org, busy@example.org")
        await chat.say(fac, f"/brew digest {session_id} send")
        assert await items_of(app) == [("pending", "busy@example.org")]
        answers.addresses.clear()
        clock.advance(timedelta(minutes=1))
        await app.deps.outbox.deliver()
        assert answers.arrived == [("chair@example.org",), ("busy@example.org",)]
        assert await items_of(app) == [("done", "busy@example.org")]
        assert any("has arrived with the working group" in t for t in told(app, fac))


# --- brewbot digest N --resend-email -----------------------------------------------------------


async def sent_digest(app: App, digest_email: str) -> int:
    """A session whose digest has arrived (posted), with the working group's addresses set
    only afterwards, so that the digest's own e-mail sends nothing."""
    chat, fac = Chat(app), Chat.person("Fran", facilitator=True)
    session_id = await make_session(app, SessionState.CLOSED)
    await chat.say(fac, f"/brew digest {session_id} send")
    assert await state_of(app, session_id) == SessionState.SUMMARISED
    await chat.say(fac, f"/brew settings digest_email {digest_email}")
    return session_id


async def outbox_letters(app: App) -> list[OutboxItem]:
    async with app.db.read() as tx:
        return list((await tx.exec(select(OutboxItem).where(OutboxItem.kind == "email"))).all())


def printed(session_id: int, outcome: str, values: dict[str, str]) -> str:
    """What the command line prints (bot/cli.py)."""
    if "reason" in values:
        values = {**values, "advice": T(f"cli.resend.advice.{values['reason']}")}
    return T(f"cli.resend.{outcome}", session=session_id, **values)


async def test_a_resend_the_mail_server_could_not_take_leaves_nothing_to_send_later(
    database_url, clock
):
    answers = Answers(sender="421 4.3.2 Service not available, try later")
    async with emailing(database_url, clock, answers) as app:
        session_id = await sent_digest(app, "group@example.org")
        outcome, values = await app.digests.resend_email(session_id)
        assert (outcome, values["reason"]) == ("refused", "email_failed")
        said = printed(session_id, outcome, values)
        assert "was not e-mailed to group@example.org" in said
        assert "nothing is waiting to be sent later" in said and "try again" in said
        assert await outbox_letters(app) == [], "nothing for the worker to send later"
        # The server is back: the worker finds nothing, and trying again sends one copy.
        answers.sender = "250 OK"
        clock.advance(timedelta(minutes=1))
        await app.deps.outbox.deliver()
        assert answers.arrived == []
        assert await app.digests.resend_email(session_id) == (
            "sent",
            {"detail": "group@example.org"},
        )
        assert answers.arrived == [("group@example.org",)]


async def test_a_resend_that_missed_an_address_is_finished_for_that_address_alone(
    database_url, clock
):
    answers = Answers(addresses={"gone@example.org": GONE})
    async with emailing(database_url, clock, answers) as app:
        session_id = await sent_digest(app, "chair@example.org, gone@example.org")
        outcome, values = await app.digests.resend_email(session_id)
        assert (outcome, values["reached"], values["detail"]) == (
            "partly",
            "chair@example.org",
            "gone@example.org",
        )
        said = printed(session_id, outcome, values)
        assert "e-mailed again to chair@example.org, but not to gone@example.org" in said
        assert "would not take that address" in said and "--to" in said
        # The address is corrected in the chat; --to sends to it alone.
        chat, fac = Chat(app), Chat.person("Fran", facilitator=True)
        await chat.say(fac, "/brew settings digest_email chair@example.org, new@example.org")
        assert await app.digests.resend_email(session_id, ["stranger@example.org"]) == (
            "not_in_group",
            {"detail": "stranger@example.org", "group": "chair@example.org, new@example.org"},
        )
        assert await app.digests.resend_email(session_id, ["NEW@example.org"]) == (
            "sent",
            {"detail": "new@example.org"},
        )
        assert answers.arrived == [("chair@example.org",), ("new@example.org",)]
        assert await outbox_letters(app) == []


async def test_no_resend_while_the_digests_own_email_has_not_reached_everyone(database_url, clock):
    answers = Answers(addresses={"busy@example.org": BUSY})
    async with emailing(database_url, clock, answers) as app:
        chat, fac = Chat(app), Chat.person("Fran", facilitator=True)
        session_id = await make_session(app, SessionState.CLOSED)
        await chat.say(fac, "/brew settings digest_email chair@example.org, busy@example.org")
        await chat.say(fac, f"/brew digest {session_id} send")
        assert answers.arrived == [("chair@example.org",)]
        # The outbox is still trying busy@: a copy now would reach chair@ twice.
        assert await app.digests.resend_email(session_id) == ("not_arrived", {})
        assert answers.arrived == [("chair@example.org",)]


async def test_a_mail_server_whose_certificate_does_not_verify_is_told_to_the_facilitator_at_once(
    database_url, clock, tmp_path
):
    """A real local mail server presenting a certificate from an authority nobody trusts (as
    a self-signed one is): not tried again for hours as if the network had blipped, but
    refused at once, and the facilitator told in one plain sentence what to ask the admin."""
    async with smtps_server(tmp_path, "127.0.0.1") as server:
        smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": server.port, "SMTP_FROM": "bot@example.org",
                "SMTP_TLS": True}  # fmt: skip
        app = await build_app(make_settings(database_url, **smtp), MemoryAdapter(), clock=clock)
        try:
            chat, fac = Chat(app), Chat.person("Fran", facilitator=True)
            session_id = await make_session(app, SessionState.CLOSED)
            await chat.say(fac, "/brew settings digest_email group@example.org")
            await chat.say(fac, f"/brew digest {session_id} send")
            [notice] = [t for t in told(app, fac) if "could not e-mail" in t]
            assert T("outbox.advice.email_certificate") in notice
            [item] = await email_items(app)
            assert (item.status, item.attempts, item.last_error) == (
                "failed", 1, "email_certificate"
            )  # fmt: skip
            assert server.inbox.messages == []
        finally:
            await app.close()
