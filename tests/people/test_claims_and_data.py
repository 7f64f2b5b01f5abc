"""Paying people for their time, and data rights: forget me, my data, retention."""

import csv
import io
import json
from datetime import timedelta

from sqlmodel import SQLModel, select

from bot.core.domain import SessionState
from storage.models import Attendance, OutboxItem, Participant
from tests.conftest import Chat
from tests.helpers import make_session


async def all_values(app) -> str:
    parts = []
    async with app.db.read() as tx:
        for table in SQLModel.metadata.sorted_tables:
            parts.extend(repr(v) for row in (await tx.exec(table.select())).all() for v in row)
    return " ".join(parts)


async def scripted_session(app, chat, fac, clock):
    """Open at 0, Ann (and Cy, who claims nothing) join at 0 and stay; the breakouts begin
    at 10; Bo joins at 10:30 and leaves at 55:30, still in the breakouts; Pat joins by phone
    (marked by the facilitator); reflections begin at 60 and the session closes at 90:29.
    Who came and went is kept as the step they did it in, so Bo is paid for the breakouts,
    10 to 60."""
    session_id = await make_session(
        app, SessionState.SCHEDULED, people=0, starts_in=timedelta(minutes=1)
    )
    ann, bo = Chat.person("Ann"), Chat.person("Bo")
    for user in (ann, bo):
        await chat.say(user, "/brew claim on")
    await chat.say(fac, f"/brew open {session_id}")
    await chat.say(ann, f"/brew join {session_id}")
    # Breakouts need two people; Cy claims nothing.
    await chat.say(Chat.person("Cy"), f"/brew join {session_id}")
    clock.advance(timedelta(minutes=10))
    await chat.say(fac, f"/brew breakouts {session_id}")
    clock.advance(timedelta(seconds=30))
    await chat.say(bo, f"/brew join {session_id}")
    await chat.say(fac, f'/brew present "Pat Jones" session={session_id} claim=yes')
    clock.advance(timedelta(minutes=45))
    await chat.say(bo, f"/brew leave {session_id}")
    clock.advance(timedelta(minutes=4, seconds=30))
    await chat.say(fac, f"/brew reflect {session_id}")
    clock.advance(timedelta(minutes=30, seconds=29))
    await chat.say(fac, f"/brew close {session_id}")
    return session_id, ann, bo


async def test_claims_sheet_has_the_right_minutes(app, chat, fac, clock):
    await scripted_session(app, chat, fac, clock)
    await chat.say(fac, "/brew settings retention_days 365")
    reply = await chat.say(fac, "/brew claims export from=2026-11-01 to=2026-12-31")
    [(message, private)] = reply.replies
    assert private
    [sheet] = message.attachments
    rows = list(csv.DictReader(io.StringIO(sheet.content.decode())))
    by_name = {r["Name"]: r for r in rows}
    assert by_name["Ann"]["Minutes"] == "90"  # 0 to 90:29 -> 90 whole minutes
    assert by_name["Bo"]["Minutes"] == "50", "the breakouts: 10 to 60"
    assert by_name["Pat Jones"]["Minutes"] == "90", "marked present from the opening"
    assert by_name["Ann"]["Hours (rounded)"] == "1.50"
    assert by_name["Ann"]["Amount (GBP)"] == "30.00"  # default 2000p an hour
    assert by_name["Bo"]["Hours (rounded)"] == "0.75"
    assert list(rows[0]) == [
        "Name",
        "Session",
        "Date",
        "Minutes",
        "Hours (rounded)",
        "Amount (GBP)",
        "Expenses (GBP)",
        # Added by issue 18 after the columns finance already read (docs/claims.md).
        "Payment choice",
        "Paid to charity",
        "Travel (GBP)",
        "Care or support cover (GBP)",
        "Other expenses (GBP)",
        "Receipts",
    ]
    assert all(r["Expenses (GBP)"] == "" for r in rows)
    assert {r["Payment choice"] for r in rows} == {"Full payment"}


async def test_opting_in_explains_benefits(app, chat):
    reply = await chat.say(Chat.person("Ann"), "/brew claim on")
    assert "benefit" in reply.text.lower()


async def test_people_who_did_not_opt_in_are_not_on_the_sheet(app, chat, fac, clock):
    session_id = await make_session(app, SessionState.OPEN, people=2)
    await chat.say(fac, f"/brew close {session_id}")
    reply = await chat.say(fac, "/brew claims export from=2026-11-01 to=2026-12-31")
    [sheet] = reply.replies[0][0].attachments
    assert len(list(csv.reader(io.StringIO(sheet.content.decode())))) == 1  # header only


async def test_forget_me_leaves_no_row_with_their_id(app, chat, fac, clock):
    _, ann, bo = await scripted_session(app, chat, fac, clock)
    await chat.say(fac, "/brew claims export from=2026-11-01 to=2026-12-31")
    asked = await chat.say(bo, "/brew forget me")
    assert "already sent to finance" in asked.text and "nothing Brewbot keeps ties" in asked.text
    [confirm] = asked.replies[0][0].actions
    done = await chat.press(bo, confirm.custom_id)
    assert "deleted" in done.text
    stored = await all_values(app)
    assert bo.id not in stored
    assert ann.id in stored, "only Bo is forgotten"
    # A facilitator who is forgotten leaves no trace on the sessions they scheduled either.
    await chat.say(fac, "/brew forget me")
    await chat.press(fac, "brew:privacy:forget:yes")
    assert fac.id not in await all_values(app)


async def test_my_data_has_everything_and_nothing_of_anyone_else(app, chat, fac, clock):
    _, ann, bo = await scripted_session(app, chat, fac, clock)
    await chat.say(bo, "/brew call me Bobby")
    await chat.say(bo, '/brew describe carer self="I look after my dad"')
    reply = await chat.say(bo, "/brew my data")
    [(message, private)] = reply.replies
    assert private
    [file] = message.attachments
    text = file.content.decode()
    data = json.loads(text[text.index("{") :])
    assert data["you"]["name_to_call_you"] == "Bobby"
    assert data["you"]["in_your_own_words"] == "I look after my dad"
    assert data["you"]["claiming_for_time"] is True
    assert len(data["sessions"]) == 1 and data["sessions"][0]["left"]
    for other in ("Ann", "Pat", ann.id):
        assert other not in text


async def test_retention_deletes_old_records_and_logs_counts_only(app, chat, fac, clock, caplog):
    import logging

    caplog.set_level(logging.INFO)
    session_id, _ann, _bo = await scripted_session(app, chat, fac, clock)
    await chat.say(fac, f"/brew digest {session_id} send")
    clock.advance(timedelta(days=400))
    counts = await app.jobs.run_daily()
    assert counts["attendance"] == 4 and counts["participants"] >= 4
    # The session's deliveries (the digest, its notice) are long finished: forgotten too.
    assert counts["deliveries"] >= 1
    assert await app.jobs.run_daily() is None, "once a day, however often it runs"
    async with app.db.read() as tx:
        assert (await tx.exec(select(Attendance))).all() == []
        assert (await tx.exec(select(Participant))).all() == []
        assert (await tx.exec(select(OutboxItem))).all() == []
    logged = "\n".join(r.getMessage() for r in caplog.records if "retention" in r.getMessage())
    assert "attendance=4" in logged and "user-" not in logged
