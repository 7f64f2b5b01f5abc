"""Digests are e-mailed over SMTP, tested against a real local aiosmtpd server."""

import asyncio
import email
from email.message import Message

import pytest
from aiosmtpd.smtp import SMTP

from bot.app import build_app
from bot.platforms.memory import MemoryAdapter
from storage.models import SessionState
from tests.conftest import Chat, make_settings
from tests.services.helpers import make_session, state_of


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
