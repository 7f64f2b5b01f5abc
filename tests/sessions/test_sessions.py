"""Scheduling and joining sessions through the command table."""

from datetime import UTC, datetime

from sqlmodel import select

from bot.core.domain import SessionState
from bot.core.marked import unmark
from storage.models import Attendance, Session
from tests.conftest import Chat, snapshot
from tests.helpers import make_session


async def sessions(app) -> list[Session]:
    async with app.db.read() as tx:
        return list((await tx.exec(select(Session).order_by(Session.id))).all())


async def test_schedule_stores_utc_and_announces(app, chat, fac):
    reply = await chat.say(fac, '/brew schedule 1 Dec 2026 14:00 theme="Being heard"')
    [session] = await sessions(app)
    assert session.starts_at == datetime(2026, 12, 1, 14, 0, tzinfo=UTC)  # GMT in winter
    assert session.state == SessionState.SCHEDULED
    assert "Tuesday 1 December 2026" in reply.text
    [announcement] = app.deps.adapter.ops("send")
    labels = [a.label for a in announcement.message.actions]
    assert labels == ["I'm coming", "I can't come"]


async def test_summer_time_is_shown_in_local_time(app, chat, fac):
    await chat.say(fac, "/brew schedule 2027-06-01 14:00")
    [session] = await sessions(app)
    assert session.starts_at == datetime(2027, 6, 1, 13, 0, tzinfo=UTC)  # BST is UTC+1
    listed = await chat.say(fac, "/brew sessions")
    assert "2:00pm" in listed.text


async def test_clock_change_times_are_refused(app, chat, fac):
    before = await snapshot(app)
    gap = await chat.say(fac, "/brew schedule 2027-03-28 01:30")
    fold = await chat.say(fac, "/brew schedule 2027-10-31 01:30")
    assert gap.text and fold.text and gap.text != fold.text
    assert await snapshot(app) == before


async def test_recurring_sessions_keep_local_time(app, chat, fac):
    reply = await chat.say(fac, '/brew schedule 2027-03-02 14:00 every="every 4 weeks"')
    rows = await sessions(app)
    assert len(rows) == 6, reply.text
    assert {r.series_id for r in rows} == {rows[0].id}
    local_hours = {
        r.starts_at.astimezone(__import__("zoneinfo").ZoneInfo("Europe/London")).hour for r in rows
    }
    assert local_hours == {14}, "2pm stays 2pm across the March clock change"


async def test_rsvp_buttons_and_join_leave(app, chat, fac):
    await chat.say(fac, "/brew schedule 2026-12-01 14:00")
    [announcement] = app.deps.adapter.ops("send")
    sam = Chat.person("Sam")
    yes, no = announcement.message.actions
    reply = await chat.press(sam, yes.custom_id)
    assert "coming" in reply.text
    async with app.db.read() as tx:
        [row] = (await tx.exec(select(Attendance))).all()
    assert row.rsvp == "yes" and row.joined_at is None
    await chat.press(sam, no.custom_id)
    async with app.db.read() as tx:
        [row] = (await tx.exec(select(Attendance))).all()
    assert row.rsvp == "no"


async def test_joining_a_live_session_records_presence(app, chat, clock):
    session_id = await make_session(app, SessionState.OPEN, people=0)
    sam = Chat.person("Sam")
    await chat.say(sam, f"/brew join {session_id}")
    await chat.say(sam, f"/brew leave {session_id}")
    async with app.db.read() as tx:
        [row] = (await tx.exec(select(Attendance))).all()
    assert row.joined_at == clock.now() and row.left_at == clock.now()


async def test_calendar_invite_is_a_file(app, chat, fac):
    await chat.say(fac, '/brew schedule 2026-12-01 14:00 theme="Being heard"')
    reply = await chat.say(Chat.person("Sam"), "/brew calendar")
    [(message, private)] = reply.replies
    [attachment] = message.attachments
    assert private and attachment.filename.endswith(".ics")
    assert b"BEGIN:VEVENT" in attachment.content and b"20261201T140000Z" in attachment.content


async def test_only_facilitators_schedule(app, chat):
    before = await snapshot(app)
    sam = Chat.person("Sam")
    reply = await chat.say(sam, "/brew schedule 2026-12-01 14:00")
    assert "Only facilitators" in reply.text and "Facilitator role" in reply.text
    after = await snapshot(app)
    # The only change a refused command may leave is nothing at all.
    assert after == before


async def test_setting_a_role_you_are_not_in_says_plainly_what_it_does(app, chat, fac):
    """A facilitator who sets a role they are not in (a typo, or handing over) is told they
    lose the facilitators' commands; an admin is told who keeps them. Setting one's own role
    says nothing more."""
    texts = app.deps.texts
    mine = await chat.say(fac, "/brew settings facilitator_role facilitator")
    assert mine.text == unmark(
        texts.t("settings.changed", name="facilitator_role", value="facilitator")
    )
    typo = await chat.say(fac, "/brew settings facilitator_role Facilitaor")
    assert unmark(texts.t("settings.role_not_yours", role="Facilitaor")) in typo.text
    still = await chat.say(fac, "/brew settings facilitator_role Facilitator")
    assert "Only facilitators" in still.text, "the warning was true: the commands are gone"
    admin = fac.__class__(fac.community, "user-ada", "Ada", frozenset(), is_admin=True)
    told = await chat.say(admin, "/brew settings facilitator_role Hosts")
    assert unmark(texts.t("settings.role_not_yours_admin", role="Hosts")) in told.text


async def test_facilitator_role_is_configurable(app, chat, fac):
    await chat.say(fac, "/brew settings facilitator_role Hosts")
    host = Chat.person("Hana")
    host = host.__class__(host.community, host.id, host.display_name, frozenset({"hosts"}))
    reply = await chat.say(host, "/brew schedule 2026-12-01 14:00")
    assert "planned" in reply.text


async def test_every_upcoming_session_is_listed(app, chat, fac):
    """The list stopped at 25 without a word, so sessions 26 on could not be seen there;
    a long list is split into messages by each platform's renderer instead."""
    for month in ("01", "04", "07", "10", "12"):
        await chat.say(fac, f'/brew schedule 2027-{month}-05 14:00 every="every week"')
    assert len(await sessions(app)) > 25
    listed = await chat.say(fac, "/brew sessions")
    for session in await sessions(app):
        assert f"Session {session.id}:" in listed.text
