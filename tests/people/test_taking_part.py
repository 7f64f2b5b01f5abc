"""Taking part fairly: consent on first contact, descriptions, names and preferences."""

import re

from sqlmodel import select

from bot.core.domain import SessionState
from storage.models import Participant, Reflection
from tests.conftest import Chat, snapshot
from tests.helpers import make_session

SUBMIT = "brew:reflection:submit:{id}"


async def person(app, user_id):
    async with app.db.read() as tx:
        return (await tx.exec(select(Participant).where(Participant.user_id == user_id))).one()


async def test_first_join_shows_the_notice_with_retention_and_buttons(app, chat, fac):
    await chat.say(fac, "/brew settings retention_days 180")
    session_id = await make_session(app, SessionState.OPEN, people=0)
    sam = Chat.person("Sam")
    reply = await chat.say(sam, f"/brew join {session_id}")
    [(message, private)] = reply.replies
    assert private
    assert "6 months" in message.plain_text(), "the notice states the configured retention"
    labels = [a.label for a in message.actions]
    assert labels == ["I agree", "No thanks, I will just listen", "Easy Read version"]
    easy = await chat.press(sam, message.actions[2].custom_id)
    assert easy.text not in message.plain_text() and "We keep your name." in easy.text
    # Once answered, joining again does not ask again.
    await chat.press(sam, message.actions[0].custom_id)
    again = await chat.say(sam, f"/brew join {session_id}")
    assert not again.replies[0][0].actions


async def test_declining_still_lets_people_listen_but_not_reflect(app, chat):
    session_id = await make_session(app, SessionState.OPEN, people=0)
    sam = Chat.person("Sam")
    joined = await chat.say(sam, f"/brew join {session_id}")
    no = joined.replies[0][0].actions[1]
    answer = await chat.press(sam, no.custom_id)
    assert "welcome to listen" in answer.text
    async with app.db.transaction() as tx:
        from storage.models import Session

        row = await tx.get(Session, session_id)
        row.state = SessionState.REFLECTING
        tx.add(row)
    opened = await chat.say(sam, f"/brew reflect {session_id}")
    assert not opened.forms and "I agree" in [a.label for a in opened.replies[0][0].actions]
    before = await snapshot(app)
    forced = await chat.press(
        sam, SUBMIT.format(id=session_id), {"category": "working", "text": "Sneaky", "quote": ""}
    )
    assert "privacy notice" in forced.text
    assert await snapshot(app) == before
    async with app.db.read() as tx:
        assert (await tx.exec(select(Reflection))).all() == []
    # Sam is still present in the session: listening is taking part.
    from storage.models import Attendance

    async with app.db.read() as tx:
        [attendance] = (await tx.exec(select(Attendance))).all()
    assert attendance.joined_at is not None and attendance.left_at is None


async def test_describe_set_change_and_clear(app, chat):
    sam = Chat.person("Sam")
    reply = await chat.say(sam, '/brew describe carer self="I care for my mum"')
    assert "a carer" in reply.text and "I care for my mum" in reply.text
    await chat.say(sam, "/brew describe provider")
    assert (await person(app, sam.id)).role == "provider"
    cleared = await chat.say(sam, "/brew describe clear=yes")
    assert "cleared" in cleared.text
    row = await person(app, sam.id)
    assert row.role is None and row.self_description is None


async def test_labels_are_never_shown_to_others(app, chat, fac):
    session_id = await make_session(app, SessionState.OPEN, people=0)
    for name, role in (("Ann", "carer"), ("Bo", "commissioner"), ("Cy", "draws_on_care")):
        user = Chat.person(name)
        await chat.say(user, f'/brew describe {role} self="secret {name}"')
        await chat.say(user, f"/brew join {session_id}")
    await chat.say(fac, f"/brew breakouts {session_id}")
    public = "\n".join(
        s.message.plain_text()
        for s in app.deps.adapter.sent
        if s.message is not None and s.op == "send"
    )
    public += "\n".join(s.name for s in app.deps.adapter.ops("thread"))
    for word in ("carer", "commissioner", "draws on care", "secret"):
        assert word not in public.lower()


async def test_call_me_changes_the_name_people_see(app, chat, fac):
    session_id = await make_session(app, SessionState.OPEN, people=0)
    sam = Chat.person("Samantha")
    await chat.say(sam, "/brew call me Sam")
    for name in ("Ann", "Bo"):
        await chat.say(Chat.person(name), f"/brew join {session_id}")
    await chat.say(sam, f"/brew join {session_id}")
    await chat.say(fac, f"/brew breakouts {session_id}")
    members = [m.display_name for t in app.deps.adapter.ops("thread") for m in t.members]
    assert "Sam" in members and "Samantha" not in members
    await chat.say(sam, "/brew call me")
    assert (await person(app, sam.id)).called_by is None


async def test_plain_style_replies_have_no_emoji(app, chat):
    sam = Chat.person("Sam")
    reply = await chat.say(sam, "/brew preferences plain=on easy_read=on reminders=none")
    assert "Plain style is on" in reply.text
    row = await person(app, sam.id)
    assert row.plain_style and row.easy_read and row.reminders == "none"
    help_reply = await chat.say(sam, "/brew help")
    [(message, _)] = help_reply.replies
    assert message.plain, "the renderers are told to use plain style"
    from bot.core.plain import plain_text_style

    assert not re.search(
        "[\U0001f000-\U0001faff\u2600-\u27bf]", plain_text_style(message.plain_text())
    )


async def test_reminders_follow_each_persons_choice(app, chat, clock):
    from datetime import timedelta

    from bot.scheduling.planner import JobKind, PlannedJob
    from tests.conftest import START

    session_id = await make_session(app, SessionState.SCHEDULED, people=0)
    quiet, easy = Chat.person("Quiet"), Chat.person("Easy")
    for user in (quiet, easy):
        await chat.say(user, f"/brew join {session_id}")
    await chat.say(quiet, "/brew preferences reminders=none")
    await chat.say(easy, "/brew preferences easy_read=on plain=on")
    await app.jobs.run(PlannedJob(JobKind.REMIND, session_id, START + timedelta(days=1)))
    assert app.deps.adapter.private_to(quiet.id) == []
    [message] = app.deps.adapter.private_to(easy.id)
    assert message.plain


async def test_facilitator_can_post_in_easy_read(app, chat, fac):
    await chat.say(
        fac, '/brew post "We will start soon. Get a cup of tea. Then come back." easy=yes'
    )
    [posted] = [s.message for s in app.deps.adapter.ops("send")]
    assert posted.title == "Easy Read" and posted.plain
    assert posted.text.split("\n\n") == [
        "We will start soon.",
        "Get a cup of tea.",
        "Then come back.",
    ]
