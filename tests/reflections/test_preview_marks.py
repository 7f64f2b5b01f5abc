"""The facilitator's review preview marks items likely to hold personal details: what was taken
out ("may hold a name: redacted") and what only may be one ("check: may hold an address"). What
redaction is sure of is taken out of the preview and the digest, even from an older stored
text; a display name that is an ordinary word stays in an ordinary sentence."""

from __future__ import annotations

from sqlmodel import select

from bot.core.domain import SessionState
from bot.digest.marks import ReviewMarks, review_marks
from bot.engine.texts import Texts
from storage.models import Reflection
from tests.conftest import Chat
from tests.helpers import make_session
from tests.reflections.test_reflections import reflect

T = Texts.load().t


def redacted(kind: str) -> str:
    return T("digests.marks.redacted", kind=T(f"digests.marks.kind.{kind}"))


def check(kind: str) -> str:
    return T("digests.marks.check", kind=T(f"digests.marks.kind.{kind}"))


def line_with(text: str, words: str) -> str:
    """The item's line in the preview's list (the digest below it may quote the words)."""
    [line] = [line for line in text.splitlines() if line.startswith("[") and words in line]
    return line


def test_marks_for_one_text():
    assert review_marks("My son [name] is lovely.") == ReviewMarks((redacted("name"),), False)
    marked = review_marks("I moved to 12 acacia close. My son [name] and my son tom.")
    assert marked.marks == (redacted("name"), check("name"), check("address")) and marked.check
    assert review_marks("Will the Facilitator follow up?") == ReviewMarks((), False)


async def test_the_preview_marks_each_item_in_one_list(app, chat, fac):
    session_id = await make_session(app, SessionState.REFLECTING)
    will = Chat.person("Will")
    await reflect(chat, will, session_id, "The day centre is a lifeline for me.")
    ordinary = "Will the Facilitator follow up on the letters?"
    await reflect(chat, Chat.person("Ann"), session_id, ordinary)
    await reflect(
        chat, Chat.person("Bo"), session_id, "My social worker Jane Smith never rings back."
    )
    await reflect(
        chat, Chat.person("Cy"), session_id, "12 acacia close is my home and nobody visits."
    )
    await reflect(chat, Chat.person("Di"), session_id, "It helps when I can ring my son tom.")
    await chat.say(fac, f"/brew close {session_id}")
    preview = (await chat.say(fac, f"/brew digest {session_id}")).text
    # A display name that is an ordinary word is not taken from an ordinary sentence.
    assert "(" not in line_with(preview, ordinary).split(": ")[0]
    assert "(" not in line_with(preview, "lifeline").split(": ")[0]
    named = line_with(preview, "My social worker [name] never rings back.")
    assert redacted("name") in named and "Jane" not in preview and "Smith" not in preview
    assert check("address") in line_with(preview, "12 acacia close")
    assert check("name") in line_with(preview, "my son tom")
    # One line per item, each starting with its code: a list a screen reader can follow.
    async with app.db.read() as tx:
        rows = (await tx.exec(select(Reflection))).all()
    for row in rows:
        assert sum(line.startswith(f"[{row.id[:8]}]") for line in preview.splitlines()) == 1
    assert T("digests.marks.help") in preview


async def test_a_name_in_a_text_stored_before_redaction_knew_it_is_marked_to_check(app, chat, fac):
    # Redaction happens before storage; an older text that still holds a name is not said
    # to be redacted: the facilitator is asked to check it, and can redact or hold it.
    session_id = await make_session(app, SessionState.REFLECTING)
    for n in range(5):
        await reflect(chat, Chat.person(f"P{n}"), session_id, f"Point {n} about waiting lists.")
    async with app.db.transaction() as tx:
        old = Reflection(
            session_id=session_id,
            category="working",
            text="My GP Dr Patel listens to me every time.",
            quote_ok=True,
        )
        tx.add(old)
    await chat.say(fac, f"/brew close {session_id}")
    preview = (await chat.say(fac, f"/brew digest {session_id}")).text
    line = line_with(preview, "My GP Dr Patel listens")
    assert check("name") in line and "redacted" not in line.split(": ")[0]
    assert T("digests.marks.help") in preview
    await chat.say(fac, f"/brew digest {session_id} hold {old.id[:8]}")
    await chat.say(fac, f"/brew digest {session_id} send")
    posted = [s.message for s in app.deps.adapter.sent if s.message.title.startswith("Key")]
    assert posted and all("Patel" not in m.plain_text() for m in posted)
