"""An e-mail reminder to someone who said "I'm coming" on a session's web page that the mail
server refuses for good is told to the facilitator who scheduled the session: the person's
first name (which `/brew link N` shows them already), never their address, and what to do.
The notice goes with the session's answers once it is over."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiosmtpd.smtp import SMTP
from sqlmodel import select

from bot.app import App
from bot.core.ports import DeliveryError
from bot.scheduling.planner import JobKind, PlannedJob
from storage.models import OutboxItem
from tests.conftest import WEB_ADDRESS, app_for, make_settings
from tests.helpers import make_session
from tests.sessions.test_rsvp import REMINDER_DUE, Inbox, answer

GONE = "gone@example.org"


class Refusing(Inbox):
    """A mail server that has no mailbox for GONE (550, for good)."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address == GONE:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
async def refusing(database_url, clock) -> AsyncIterator[tuple[App, Refusing]]:
    mail = Refusing()
    server = await asyncio.get_running_loop().create_server(lambda: SMTP(mail), "127.0.0.1", 0)
    settings = make_settings(
        database_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=server.sockets[0].getsockname()[1],
        SMTP_FROM="brewbot@example.org",
        SMTP_STARTTLS=False,
    )
    app = await app_for(settings, clock)
    app.deps.web_base_url = WEB_ADDRESS
    yield app, mail
    await app.close()
    server.close()
    await server.wait_closed()


def told(app: App, fac) -> list:
    return [m for m in app.deps.adapter.private_to(fac.id) if "e-mail the reminder" in m.text]


async def test_a_refused_e_mail_reminder_is_told_to_the_facilitator_by_first_name(refusing, fac):
    app, mail = refusing
    session_id = await make_session(app)
    await answer(app, session_id, "Ann", GONE)
    await answer(app, session_id, "Bob", "bob@example.org")
    await app.jobs.run(PlannedJob(JobKind.REMIND, session_id, REMINDER_DUE))
    assert [m["To"] for m in mail.messages] == ["bob@example.org"]
    [notice] = told(app, fac)
    assert '"Being heard"' in notice.text and "may be mistyped" in notice.text
    assert [(s.body, s.untrusted) for s in notice.sections] == [("Ann", True)]
    assert GONE not in notice.plain_text(), "never more than /brew link N shows"
    assert notice.actions == (), "the same letter to the same address would fail the same"
    # Told once, however often the outbox runs.
    await app.deps.outbox.deliver()
    assert len(told(app, fac)) == 1


async def test_the_notice_is_kept_while_the_facilitator_cannot_be_reached_and_goes_with_the_session(
    refusing, fac, chat
):
    app, _ = refusing
    session_id = await make_session(app)
    await answer(app, session_id, "Ann", GONE)
    app.deps.adapter.failures[f"private:{fac.id}"] = DeliveryError("dm_closed")
    await app.jobs.run(PlannedJob(JobKind.REMIND, session_id, REMINDER_DUE))
    assert "I could not send you 1 private message" in (await chat.say(fac, "/brew sessions")).text
    async with app.db.transaction() as tx:
        await app.rsvps.end(tx, session_id)
    async with app.db.read() as tx:
        left = (await tx.exec(select(OutboxItem))).all()
    assert not [item for item in left if "Ann" in item.payload], "the first name goes too"
    assert "could not send you" not in (await chat.say(fac, "/brew sessions")).text
