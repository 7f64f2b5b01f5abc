"""Answers from a session's web page (bot/sessions/rsvp.py), through the service: what is
refused and what is kept, e-mail reminders at the chat reminders' times, what the
facilitator sees, and every answer deleted once the session is over."""

from __future__ import annotations

import asyncio
import email
import email.policy
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from aiosmtpd.smtp import SMTP
from sqlalchemy import event
from sqlmodel import select

from bot.app import App
from bot.core.commands import CommandError
from bot.core.domain import SessionState
from bot.scheduling.planner import JobKind, PlannedJob
from bot.sessions.rsvp import MOST_PER_SESSION, RSVP_REMINDER, Answer
from storage.models import OutboxItem, Session, WebRsvp
from tests.conftest import (
    START,
    WEB_ADDRESS,
    Chat,
    app_for,
    make_settings,
    snapshot,
)
from tests.helpers import make_session, state_of

REMINDER_DUE = START + timedelta(days=2, minutes=-15)  # make_session starts in 2 days


class Inbox:
    """A real SMTP server's mail, on this machine."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        return "250 OK"


@pytest.fixture
async def inbox() -> AsyncIterator[tuple[int, Inbox]]:
    mail = Inbox()
    server = await asyncio.get_running_loop().create_server(lambda: SMTP(mail), "127.0.0.1", 0)
    yield server.sockets[0].getsockname()[1], mail
    server.close()
    await server.wait_closed()


@pytest.fixture
async def mailing(database_url, clock, inbox) -> AsyncIterator[App]:
    """The app with e-mail set up (a local SMTP server) and its web pages' address."""
    port, _ = inbox
    settings = make_settings(
        database_url,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=port,
        SMTP_FROM="brewbot@example.org",
        SMTP_STARTTLS=False,
    )
    app = await app_for(settings, clock)
    app.deps.web_base_url = WEB_ADDRESS
    yield app
    await app.close()


async def answer(
    app: App,
    session_id: int,
    name: str = "Ann",
    address: str = "",
    *,
    consent: bool = True,
    coming: bool = True,
    easy_read: bool = False,
) -> str:
    async with app.db.transaction() as tx:
        return await app.rsvps.answer(
            tx,
            session_id,
            first_name=name,
            email=address,
            consent=consent,
            coming=coming,
            easy_read=easy_read,
        )


async def rows(app: App) -> list[WebRsvp]:
    async with app.db.read() as tx:
        return list((await tx.exec(select(WebRsvp).order_by(WebRsvp.id))).all())


async def reminder_items(app: App) -> list[OutboxItem]:
    async with app.db.read() as tx:
        found = await tx.exec(select(OutboxItem).where(OutboxItem.purpose == RSVP_REMINDER))
        return list(found.all())


async def test_an_answer_keeps_the_name_as_it_reads_and_nothing_else(app):
    session_id = await make_session(app)
    token = await answer(app, session_id, "  Ann\u202e \n Marie\u200b ")
    [row] = await rows(app)
    assert (row.first_name, row.email, row.coming) == ("Ann Marie", None, True)
    assert not row.easy_read
    assert row.token == token and len(token) == 32
    assert token != await answer(app, session_id, "Bob", coming=False)


@pytest.mark.parametrize(
    ("name", "address", "consent", "key"),
    [
        ("", "", True, "name_needed"),
        (" \u200b\u202e ", "", True, "name_needed"),
        ("A" * 41, "", True, "name_long"),
        ("Ann", "", False, "consent_needed"),
        # With no e-mail set up, an address is refused rather than kept for nothing.
        ("Ann", "ann@example.org", True, "no_email"),
    ],
)
async def test_a_refused_answer_says_why_and_stores_nothing(app, name, address, consent, key):
    session_id = await make_session(app)
    before = await snapshot(app)
    with pytest.raises(CommandError) as refused:
        await answer(app, session_id, name, address, consent=consent)
    assert refused.value.key == f"rsvp.refused.{key}"
    assert app.deps.texts.t(refused.value.key).endswith(".")
    assert await snapshot(app) == before


@pytest.mark.parametrize("address", ["ann", "ann@example", "ann @example.org", "a@b.c, d@e.f"])
async def test_an_address_that_does_not_look_right_is_refused(mailing, address):
    session_id = await make_session(mailing)
    with pytest.raises(CommandError, match="bad_email"):
        await answer(mailing, session_id, address=address)
    assert await rows(mailing) == []


@pytest.mark.parametrize("state", [SessionState.OPEN, SessionState.CLOSED, SessionState.CANCELLED])
async def test_only_a_session_still_to_come_takes_answers(app, state):
    session_id = await make_session(app, state)
    with pytest.raises(CommandError, match="closed"):
        await answer(app, session_id)
    assert await rows(app) == []


async def test_one_page_can_take_only_so_many_answers(app):
    session_id = await make_session(app)
    async with app.db.transaction() as tx:
        for n in range(MOST_PER_SESSION):
            tx.add(WebRsvp(session_id=session_id, token=f"t{n}", first_name="A", coming=True))
    with pytest.raises(CommandError, match="full"):
        await answer(app, session_id)


async def test_answers_kept_together_follow_each_rule_and_refuse_only_their_own(app):
    # A crowd from the web page is one transaction (answer_many): the page's bound counts
    # the answers in it too, and one refused answer leaves the others kept.
    nearly_full = await make_session(app)
    closed = await make_session(app, SessionState.CLOSED, people=0)
    async with app.db.transaction() as tx:
        for n in range(MOST_PER_SESSION - 2):
            tx.add(WebRsvp(session_id=nearly_full, token=f"t{n}", first_name="A", coming=True))
    crowd = [
        Answer(nearly_full, "Ann", "", True, True, False),
        Answer(nearly_full, "", "", True, True, False),  # no name: refused, takes no place
        Answer(closed, "Bea", "", True, True, False),
        Answer(nearly_full, "Cal", "", True, False, True),
        Answer(nearly_full, "Dee", "", True, True, False),  # the page is full by now
    ]
    async with app.db.transaction() as tx:
        kept = await app.rsvps.answer_many(tx, crowd)
    refused = {n: k.key for n, k in enumerate(kept) if isinstance(k, CommandError)}
    assert refused == {
        1: "rsvp.refused.name_needed",
        2: "rsvp.refused.closed",
        4: "rsvp.refused.full",
    }
    stored = {row.token: row for row in await rows(app) if row.session_id == nearly_full}
    assert len(stored) == MOST_PER_SESSION
    ann, cal = stored[str(kept[0])], stored[str(kept[3])]
    assert (ann.first_name, ann.coming, ann.easy_read) == ("Ann", True, False)
    assert (cal.first_name, cal.coming, cal.easy_read) == ("Cal", False, True)


async def test_reminders_go_by_e_mail_with_the_chat_reminders(mailing, inbox):
    _, mail = inbox
    session_id = await make_session(mailing)
    ann = await answer(mailing, session_id, "Ann", "ann@example.org")
    await answer(mailing, session_id, "Bob", "bob@example.org", coming=False)
    await answer(mailing, session_id, "Cai")  # no address: no e-mail
    await answer(mailing, session_id, "Dee", "dee@example.org", easy_read=True)
    await mailing.jobs.run(PlannedJob(JobKind.REMIND, session_id, REMINDER_DUE))

    chat_reminders = mailing.deps.adapter.ops("private")
    assert len(chat_reminders) == 6, "the chat reminders go as before"
    assert sorted(m["To"] for m in mail.messages) == ["ann@example.org", "dee@example.org"]
    [to_ann] = [m for m in mail.messages if m["To"] == "ann@example.org"]
    assert to_ann["Subject"] == "Reminder: Over a Brew, Being heard"
    text = to_ann.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert chat_reminders[0].message.text in text, "the chat reminder's own words"
    assert f"{WEB_ADDRESS}r/{ann}" in text
    assert f'href="{WEB_ADDRESS}r/{ann}"' in to_ann.get_body(("html",)).get_content()
    [to_dee] = [m for m in mail.messages if m["To"] == "dee@example.org"]
    assert "Over a Brew is soon." in to_dee.get_body(("plain",)).get_content(), "Easy Read"
    # Delivered, and the words cleared, as for every delivery.
    assert {item.status for item in await reminder_items(mailing)} == {"done"}


async def test_no_e_mail_goes_once_reminders_are_stopped(mailing, inbox):
    _, mail = inbox
    session_id = await make_session(mailing)
    ann = await answer(mailing, session_id, "Ann", "ann@example.org")
    async with mailing.db.transaction() as tx:
        assert await mailing.rsvps.stop_reminders(tx, ann)
    [row] = await rows(mailing)
    assert (row.first_name, row.email) == ("Ann", None)
    await mailing.jobs.run(PlannedJob(JobKind.REMIND, session_id, REMINDER_DUE))
    assert mail.messages == []


async def test_without_e_mail_set_up_no_reminder_is_recorded(app):
    session_id = await make_session(app)
    async with app.db.transaction() as tx:
        # As if e-mail had been set up when they answered.
        tx.add(WebRsvp(session_id=session_id, token="x" * 32, first_name="A", email="a@b.org",
                       coming=True))  # fmt: skip
    await app.jobs.run(PlannedJob(JobKind.REMIND, session_id, REMINDER_DUE))
    assert await reminder_items(app) == []


async def test_forgetting_removes_the_row_and_its_reminders(mailing):
    session_id = await make_session(mailing)
    ann = await answer(mailing, session_id, "Ann", "ann@example.org")
    bob = await answer(mailing, session_id, "Bob", "bob@example.org")
    mailing.deps.mailer.settings.smtp_port = 1  # nothing listens: the reminders wait
    await mailing.jobs.run(PlannedJob(JobKind.REMIND, session_id, REMINDER_DUE))
    assert {i.target for i in await reminder_items(mailing)} == {
        "ann@example.org",
        "bob@example.org",
    }
    async with mailing.db.transaction() as tx:
        assert await mailing.rsvps.forget(tx, ann)
    assert [r.first_name for r in await rows(mailing)] == ["Bob"]
    assert [i.target for i in await reminder_items(mailing)] == ["bob@example.org"]
    async with mailing.db.transaction() as tx:
        assert not await mailing.rsvps.forget(tx, ann), "already gone"
    assert await mailing.rsvps.answered(ann) is None
    assert await mailing.rsvps.answered(bob) is not None


async def test_an_answer_changes_until_the_session_starts(app):
    session_id = await make_session(app)
    ann = await answer(app, session_id)
    async with app.db.transaction() as tx:
        assert await app.rsvps.change(tx, ann, coming=False)
    shown = await app.rsvps.answered(ann)
    assert shown is not None and (shown.coming, shown.open) == (False, True)
    assert shown.when == "Wednesday 25 November 2026, 9:00am"
    async with app.db.transaction() as tx:
        session = await tx.get(Session, session_id)
        session.state = SessionState.OPEN
        tx.add(session)
    assert (await app.rsvps.answered(ann)).open is False, "the page shows it at once"
    with pytest.raises(CommandError, match="closed"):
        async with app.db.transaction() as tx:
            await app.rsvps.change(tx, ann, coming=True)
    [row] = await rows(app)
    assert row.coming is False


async def test_a_crowd_opening_their_own_pages_is_read_together(app):
    """Everyone who has just said "I'm coming" opens their own page at once: their pages
    are read in a statement or two, not one each."""
    session_id = await make_session(app)
    tokens = [await answer(app, session_id, f"Person{n}") for n in range(40)]
    sent: list[str] = []
    engine = app.db.engine.sync_engine
    listener = lambda *args: sent.append(args[2])  # noqa: E731
    event.listen(engine, "before_cursor_execute", listener)
    try:
        pages = await asyncio.gather(*(app.rsvps.answered(token) for token in tokens))
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert [page.first_name for page in pages] == [f"Person{n}" for n in range(40)]
    assert len([statement for statement in sent if "web_rsvp" in statement]) <= 2, sent


async def test_cancelling_the_session_deletes_its_answers(app, chat, fac):
    session_id = await make_session(app)
    other = await make_session(app, people=0)
    ann = await answer(app, session_id, "Ann")
    await answer(app, other, "Bob")
    assert (await app.rsvps.answered(ann)).first_name == "Ann"  # now known in memory
    await chat.say(fac, f"/brew cancel {session_id}")
    assert [r.first_name for r in await rows(app)] == ["Bob"]
    assert await app.rsvps.answered(ann) is None, "gone from memory as from the database"


async def test_closing_the_session_deletes_its_answers_and_reminders(mailing):
    chat, fac = Chat(mailing), Chat.person("Fran", facilitator=True)
    session_id = await make_session(mailing)
    await answer(mailing, session_id, "Ann", "ann@example.org")
    await mailing.jobs.run(PlannedJob(JobKind.REMIND, session_id, REMINDER_DUE))
    assert len(await reminder_items(mailing)) == 1
    async with mailing.db.transaction() as tx:
        session = await tx.get(Session, session_id)
        session.state = SessionState.REFLECTING  # it ran
        tx.add(session)
    assert len(await rows(mailing)) == 1, "kept while the session runs"
    await chat.say(fac, f"/brew close {session_id}")
    assert await state_of(mailing, session_id) == SessionState.CLOSED
    assert await rows(mailing) == []
    assert await reminder_items(mailing) == [], "the address goes with its reminders"


async def test_the_daily_sweep_deletes_what_a_change_did_not_reach(app):
    over = await make_session(app)
    coming = await make_session(app, people=0)
    await answer(app, over, "Ann")
    await answer(app, coming, "Bob")
    async with app.db.transaction() as tx:  # ended without telling anyone (a crash)
        session = await tx.get(Session, over)
        session.state = SessionState.SUMMARISED
        tx.add(session)
    counts = await app.jobs.run_daily()
    assert counts is not None and counts["web_answers"] == 1
    assert [r.first_name for r in await rows(app)] == ["Bob"]


async def test_the_facilitator_sees_who_is_coming_under_the_link(web, chat, fac):
    session_id = await make_session(web)
    first = await chat.say(fac, f"/brew link {session_id}")
    assert first.replies[0][0].sections == ()
    await answer(web, session_id, "Ann")
    await answer(web, session_id, "<@everyone>")
    await answer(web, session_id, "Bob", coming=False)
    again = await chat.say(fac, f"/brew link {session_id}")
    [said] = again.replies[0][0].sections
    assert said.heading == "From the web page: 2 coming, 1 cannot come. Coming:"
    assert said.body == "Ann, <@everyone>" and said.untrusted, "each chat escapes names"


async def test_a_new_page_is_announced_once_in_the_sessions_channel(web, chat, fac):
    session_id = await make_session(web)
    made = await chat.say(fac, f"/brew link {session_id}")
    assert "posted the link in the session's channel" in made.text
    await chat.say(fac, f"/brew link {session_id}")
    await chat.say(fac, f"/brew link {session_id} new")
    posts = [s.message.text for s in web.deps.adapter.ops("send") if s.message]
    lines = [p for p in posts if p.startswith("No chat account?")]
    url = re.search(r"https://\S+/s/[\w-]+", made.text)
    assert url and lines == [
        "No chat account? You can see this session and say if you are coming on its web "
        f"page: {url.group(0)}"
    ]
    assert [s.to.id for s in web.deps.adapter.ops("send")][-1] == "brew-room"
