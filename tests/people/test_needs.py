"""Communication needs (Accessible Information Standard): a person records, sees and changes
what they need; facilitators see counts of what the people coming need, never who; Easy Read
and plain style needs are the person's switches; extra time brings an earlier reminder; the
yearly question; forget me and my data."""

import asyncio
import json
from datetime import timedelta

from sqlmodel import select

from bot.core.domain import SessionState
from bot.core.marked import unmark
from bot.scheduling.planner import JobKind, PlannedJob, plan_jobs
from storage.models import (
    CommunicationNeed,
    CommunicationNeeds,
    Participant,
    Session,
)
from tests.conftest import START, Chat, snapshot
from tests.helpers import community_row, make_session

# The people make_session puts in a session: user-p0 .. user-pN, "Person 0" ..
P = [Chat.person(f"P{n}") for n in range(6)]


async def person(app, user_id):
    async with app.db.read() as tx:
        return (await tx.exec(select(Participant).where(Participant.user_id == user_id))).one()


async def test_a_person_records_sees_and_changes_their_needs(app, chat):
    sam = Chat.person("Sam")
    first = await chat.say(sam, "/brew needs")
    assert "not asked for anything" in first.text
    assert "never see who" in first.text
    async with app.db.read() as tx:
        assert (await tx.exec(select(CommunicationNeeds))).all() == [], "looking stores nothing"

    added = await chat.say(sam, "/brew needs add=bsl")
    assert "a BSL interpreter" in added.text and "saved" in added.text
    easy = await chat.say(sam, "/brew needs add=easy_read")
    row = await person(app, sam.id)
    assert row.easy_read, "the Easy Read need is the Easy Read switch every renderer follows"
    assert app.deps.texts.t("needs.easy.how") in easy.text, "and this answer is in Easy Read"
    await chat.say(sam, "/brew needs add=plain")
    assert (await person(app, sam.id)).plain_style

    words = await chat.say(sam, '/brew needs other="I lip-read, please face me"')
    [(message, private)] = words.replies
    assert private
    [section] = message.sections
    assert section.untrusted and section.body == "I lip-read, please face me"

    # /brew preferences shows them too, and turning Easy Read off there removes the need.
    prefs = await chat.say(sam, "/brew preferences")
    assert "You asked for: a BSL interpreter, Easy Read, plain style." in prefs.text
    await chat.say(sam, "/brew preferences easy_read=off")
    shown = await chat.say(sam, "/brew needs")
    assert "You asked for: a BSL interpreter, plain style." in shown.text

    await chat.say(sam, "/brew needs remove=bsl")
    await chat.say(sam, "/brew needs clear=other")
    async with app.db.read() as tx:
        assert (await tx.exec(select(CommunicationNeed))).all() == []
        [record] = (await tx.exec(select(CommunicationNeeds))).all()
        assert record.other is None

    cleared = await chat.say(sam, "/brew needs clear=all")
    assert "not asked for anything" in cleared.text
    row = await person(app, sam.id)
    assert not row.easy_read and not row.plain_style
    async with app.db.read() as tx:
        assert (await tx.exec(select(CommunicationNeeds))).all() == [], "nothing kept"


async def test_own_words_alone_are_not_called_nothing(app, chat):
    # Someone who only wrote in their own words was told "You have not asked for anything
    # yet", right above the words just saved, and so was /brew preferences.
    kim = Chat.person("Kim")
    saved = await chat.say(kim, '/brew needs other="I need the agenda a day before"')
    assert "not asked for anything" not in saved.text
    assert "You asked for: what you wrote in your own words." in saved.text
    prefs = await chat.say(kim, "/brew preferences")
    assert "not asked for anything" not in prefs.text
    assert "You asked for: what you wrote in your own words." in prefs.text
    cleared = await chat.say(kim, "/brew needs clear=other")
    assert "not asked for anything" in cleared.text


async def test_bad_input_is_one_kind_sentence_and_changes_nothing(app, chat):
    sam = Chat.person("Sam")
    await chat.say(sam, "/brew needs add=captions")
    before = await snapshot(app)
    for typed, expected in (
        ("/brew needs add=wings", "The add should be one of: large_print, audio"),
        ("/brew needs add=bsl remove=bsl", "Please choose a different need"),
        ("/brew needs clear=maybe", "The clear should be one of: all, other"),
        ("/brew needs other=" + "x" * 301, "too long"),
    ):
        answer = await chat.say(sam, typed)
        [(message, _)] = answer.replies
        assert expected in message.text, typed
        assert "Traceback" not in message.text and message.text.count(".") <= 2, message.text
        assert await snapshot(app) == before, typed


async def _with_needs(app, chat, people=6):
    """A session still to come with `people` coming: two asked for Easy Read, one for a BSL
    interpreter, one wrote in their own words."""
    session_id = await make_session(app, SessionState.SCHEDULED, people=people)
    await chat.say(P[0], "/brew needs add=bsl")
    await chat.say(P[1], "/brew needs add=easy_read")
    await chat.say(P[2 % people], "/brew needs add=easy_read")
    await chat.say(P[3 % people], '/brew needs other="I need a quiet room"')
    return session_id


def _names_nobody(text: str) -> None:
    for n in range(6):
        for telltale in (f"user-p{n}", f"Person {n}", f"P{n}"):
            assert telltale not in text, telltale


async def test_facilitators_see_counts_never_who(app, chat, fac):
    session_id = await _with_needs(app, chat)
    listed = await chat.say(fac, "/brew sessions")
    assert "2 people asked for Easy Read, 1 for a BSL interpreter" in listed.text
    assert "1 person told us more in their own words" in listed.text
    assert "quiet room" not in listed.text, "the list gives counts only"
    _names_nobody(listed.text)

    opened = await chat.say(fac, f"/brew open {session_id}")
    [(message, private)] = opened.replies
    assert private
    whole = message.plain_text()
    assert "2 people asked for Easy Read, 1 for a BSL interpreter." in whole
    assert "I need a quiet room" in whole, "six coming: own words shown, without a name"
    _names_nobody(whole)
    # Nothing about needs reached the channel.
    for sent in app.deps.adapter.ops("send"):
        assert "BSL" not in sent.message.plain_text()


async def test_own_words_are_not_shown_when_few_are_coming(app, chat, fac):
    session_id = await _with_needs(app, chat, people=4)
    opened = await chat.say(fac, f"/brew open {session_id}")
    whole = opened.text
    assert "1 person told us more in their own words" in whole
    assert "quiet room" not in whole
    _names_nobody(whole)


async def test_the_auto_open_tells_the_facilitator_privately(app, chat, clock):
    session_id = await _with_needs(app, chat)
    await app.jobs.run(PlannedJob(JobKind.OPEN, session_id, clock.now()))
    [notice] = app.deps.adapter.private_to("user-fran")
    assert "2 people asked for Easy Read, 1 for a BSL interpreter." in notice.plain_text()
    _names_nobody(notice.plain_text())


async def test_a_session_nobody_asked_anything_for_says_nothing_of_needs(app, chat, fac, clock):
    session_id = await make_session(app, SessionState.SCHEDULED)
    listed = await chat.say(fac, "/brew sessions")
    assert "Needs" not in listed.text
    await app.jobs.run(PlannedJob(JobKind.OPEN, session_id, clock.now()))
    assert app.deps.adapter.private_to("user-fran") == []


async def test_extra_time_brings_an_earlier_reminder(app, chat, clock):
    # Starting in two days less five minutes: the extra-time reminder (a day before the
    # 24-hour one) is five minutes late, within grace, so it runs as the scheduler starts.
    session_id = await make_session(
        app, SessionState.SCHEDULED, starts_in=timedelta(hours=48, minutes=-5)
    )
    await chat.say(P[1], "/brew needs add=extra_time")
    noted = await chat.say(P[1], "/brew needs")
    assert "extra reminder a day before the others" in noted.text
    async with app.db.read() as tx:
        session = await tx.get(Session, session_id)
    kinds = [
        (j.kind, session.starts_at - j.due) for j in plan_jobs(session, await community_row(app))
    ]
    assert kinds[0] == (JobKind.PREPARE, timedelta(hours=48))

    prepared = asyncio.Event()
    app.jobs.listeners.append(lambda job, outcome: job.kind == JobKind.PREPARE and prepared.set())
    await app.start()
    await asyncio.wait_for(prepared.wait(), 10)
    await app.deps.outbox.deliver()
    reminded = {s.to.id for s in app.deps.adapter.ops("private")} - {"user-fran"}
    assert reminded == {"user-p1"}, "only the person who asked for extra time, and earlier"
    [ahead] = app.deps.adapter.private_to("user-fran")
    assert "1 person asked for extra time." in ahead.plain_text()
    _names_nobody(ahead.plain_text())  # one person with one need: still never who
    [early] = app.deps.adapter.private_to("user-p1")
    assert "Being heard" in early.plain_text()

    # The 24-hour reminder still reaches everyone, them included.
    await app.jobs.run(PlannedJob(JobKind.REMIND, session_id, START + timedelta(days=1)))
    assert len(app.deps.adapter.private_to("user-p1")) == 2
    assert len(app.deps.adapter.private_to("user-p0")) == 1


async def test_prepare_tells_the_facilitator_ahead(app, chat, clock):
    session_id = await _with_needs(app, chat)
    await app.jobs.run(PlannedJob(JobKind.PREPARE, session_id, clock.now()))
    [notice] = app.deps.adapter.private_to("user-fran")
    assert "2 people asked for Easy Read, 1 for a BSL interpreter." in notice.plain_text()
    _names_nobody(notice.plain_text())


async def test_needs_are_asked_about_once_a_year(app, chat, clock):
    sam = Chat.person("Sam")
    await chat.say(sam, "/brew needs add=large_print")
    clock.advance(timedelta(days=200))
    await chat.say(sam, "/brew privacy")  # seen in the year, so retention keeps them
    clock.advance(timedelta(days=166))
    counts = await app.jobs.run_daily()
    assert counts["needs_reviews"] == 1
    # Waiting for a daytime hour (10:00 London; it is 09:00).
    await app.deps.outbox.deliver()
    assert app.deps.adapter.private_to(sam.id) == []
    clock.advance(timedelta(hours=1))
    await app.deps.outbox.deliver()
    [asked] = app.deps.adapter.private_to(sam.id)
    assert "A year ago" in asked.text and "large print" in asked.text
    # Not again the next day.
    clock.advance(timedelta(days=1))
    assert (await app.jobs.run_daily())["needs_reviews"] == 0
    # Looking at them counts as reviewing them: a year from now, not before.
    await chat.say(sam, "/brew needs")
    clock.advance(timedelta(days=364))
    assert (await app.jobs.run_daily())["needs_reviews"] == 0


async def test_easy_read_people_are_asked_in_easy_read(app, chat, clock):
    sam = Chat.person("Sam")
    await chat.say(sam, "/brew needs add=easy_read")
    clock.advance(timedelta(days=366))
    async with app.db.transaction() as tx:
        row = (await tx.exec(select(Participant))).one()
        row.last_seen_at = clock.now().replace(hour=0, minute=0)
        tx.add(row)
    assert (await app.jobs.run_daily())["needs_reviews"] == 1
    clock.advance(timedelta(hours=1))
    await app.deps.outbox.deliver()
    [asked] = app.deps.adapter.private_to(sam.id)
    assert asked.text == unmark(app.deps.texts.t("needs.review.easy", needs="Easy Read"))


async def test_my_data_shows_needs_and_forget_me_removes_them(app, chat):
    sam = Chat.person("Sam")
    await chat.say(sam, "/brew needs add=bsl")
    await chat.say(sam, "/brew needs add=easy_read")
    await chat.say(sam, '/brew needs other="Please face me"')
    reply = await chat.say(sam, "/brew my data")
    [file] = reply.replies[0][0].attachments
    text = file.content.decode()
    data = json.loads(text[text.index("{") :])
    needs = data["communication_needs"]
    assert needs["asked_for"] == ["bsl", "easy_read"]
    assert needs["in_your_own_words"] == "Please face me"
    assert needs["last_checked"] == START.date().isoformat()

    await chat.say(sam, "/brew forget me")
    await chat.press(sam, "brew:privacy:forget:yes")
    async with app.db.read() as tx:
        assert (await tx.exec(select(CommunicationNeeds))).all() == []
        assert (await tx.exec(select(CommunicationNeed))).all() == []


async def test_nobody_is_asked_about_needs_they_no_longer_have(app, chat, clock):
    sam = Chat.person("Sam")
    await chat.say(sam, "/brew needs add=easy_read")
    await chat.say(sam, "/brew preferences easy_read=off")  # the need goes with the switch
    clock.advance(timedelta(days=366))
    async with app.db.transaction() as tx:
        row = (await tx.exec(select(Participant))).one()
        row.last_seen_at = clock.now().replace(hour=0, minute=0)
        tx.add(row)
    assert (await app.jobs.run_daily())["needs_reviews"] == 0
    async with app.db.read() as tx:
        assert (await tx.exec(select(CommunicationNeeds))).all() == [], "nothing left to keep"


async def test_needs_are_changed_with_buttons_without_typing_their_names(app, chat):
    sam = Chat.person("Sam")
    shown = await chat.say(sam, "/brew needs")
    [(message, _)] = shown.replies
    labels = {a.label: a.custom_id for a in message.actions}
    assert len(labels) == 8 and "Add a BSL interpreter" in labels
    pressed = await chat.press(sam, labels["Add a BSL interpreter"])
    assert "You asked for: a BSL interpreter." in pressed.text
    [(after, _)] = pressed.replies
    labels = {a.label: a.custom_id for a in after.actions}
    assert "Take away a BSL interpreter" in labels and "Add a BSL interpreter" not in labels
    await chat.press(sam, labels["Add Easy Read"])
    assert (await person(app, sam.id)).easy_read
    taken = await chat.press(sam, labels["Take away a BSL interpreter"])
    assert "You asked for: Easy Read." in taken.text
    before = await snapshot(app)
    altered = await chat.press(sam, "brew:needs:add:wings")
    assert "older message" in altered.text
    assert await snapshot(app) == before
