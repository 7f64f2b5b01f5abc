"""A reflection sent again after a crash: the process is killed after storing it and before
its writer hears so, and the person, who saw no thank-you and no code, sends the same form
again to the process started anew. It is stored once, and they get a code that takes it back.
Nothing that ties the form to the person is stored: the form's one-use nonce is held by the
platform and the person only (docs/anonymity.md)."""

from __future__ import annotations

import re

from sqlmodel import select

from bot.core.domain import SessionState
from bot.core.messages import FormSubmission
from bot.reflections import resend
from storage.models import Reflection
from tests import forensics
from tests.conftest import Chat, app_for, make_settings
from tests.helpers import make_session
from tests.intruder import copy, person

WORDS = "The waiting list for respite was far too long."


async def test_the_same_form_sent_again_after_a_crash_is_stored_once(
    app, clock, database_url, data_folder, elsewhere
):
    session_id = await make_session(app, SessionState.REFLECTING, people=6)
    chat = Chat(app)
    writer = person(2)
    await chat.press(writer, "brew:consent:yes:")
    [form] = (await chat.press(writer, f"brew:reflection:open:{session_id}")).forms
    sent = FormSubmission(form.custom_id, {"category": "not_working", "text": WORDS})
    await chat.submit(writer, sent)  # stored; then killed before its answer went anywhere
    await app.close()
    again = await app_for(make_settings(database_url), clock)
    try:
        reply = await Chat(again).submit(writer, sent)
        async with again.db.read() as tx:
            rows = (await tx.exec(select(Reflection))).all()
        assert [r.text for r in rows] == [WORDS], "stored once"
        code = re.search(rf"\b{session_id}(-[A-Z0-9]{{5}}){{3}}\b", reply.text)
        assert code, reply.text
        copied = copy(data_folder, elsewhere / "copy")
        *_, arg = form.custom_id.split(":", 3)
        _, nonce = arg.split(":")
        assert not forensics.contains(copied, nonce), "the form's nonce is kept nowhere"
        taken = await Chat(again).say(writer, f"/brew withdraw {code.group(0)}")
        assert "taken back" in taken.text
        async with again.db.read() as tx:
            assert (await tx.exec(select(Reflection))).all() == []
    finally:
        await again.close()


async def test_a_form_marked_sent_again_only_never_stores_a_new_reflection(app):
    """The web page's unchecked tokens ride as `resend.STORED_ONLY`; any client may send that
    mark, but it only finds a reflection its nonce already stored."""
    session_id = await make_session(app, SessionState.REFLECTING, people=6)
    chat = Chat(app)
    writer = person(2)
    await chat.press(writer, "brew:consent:yes:")
    values = {"category": "not_working", "text": WORDS}
    fresh = resend.form_arg(session_id, resend.new_nonce(), stored_only=True)
    reply = await chat.submit(writer, FormSubmission(f"brew:reflection:submit:{fresh}", values))
    assert "nothing was sent yet" in reply.text
    odd = f"brew:reflection:submit:{session_id}:{resend.new_nonce()}:later"
    reply = await chat.submit(writer, FormSubmission(odd, values))
    assert "Thank you" not in reply.text
    async with app.db.read() as tx:
        assert (await tx.exec(select(Reflection))).all() == []

    nonce = resend.new_nonce()
    first = f"brew:reflection:submit:{resend.form_arg(session_id, nonce)}"
    await chat.submit(writer, FormSubmission(first, values))
    again = f"brew:reflection:submit:{resend.form_arg(session_id, nonce, stored_only=True)}"
    reply = await chat.submit(writer, FormSubmission(again, values))
    assert "already saved" in reply.text
    async with app.db.read() as tx:
        assert [r.text for r in (await tx.exec(select(Reflection))).all()] == [WORDS]
