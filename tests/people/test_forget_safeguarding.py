"""forget me never loses a safeguarding message: a copy waiting for the person being
forgotten (the only one who looks after safety, whose private messages are closed) is handed
to someone else who does, or, with nobody to hand it to, forgetting waits and says why."""

from __future__ import annotations

from sqlmodel import select, update

from bot.core.domain import SessionState
from bot.core.ports import DeliveryError
from bot.reflections.safeguarding import SAFEGUARDING
from storage.models import OutboxItem, OutboxStatus, Participant, Session
from tests.conftest import Chat
from tests.helpers import make_session
from tests.reflections.test_alerts import WORDS, write

PAT = Chat.person("Pat", facilitator=True)


async def alert_waiting_for_fran(app, chat, fac) -> int:
    """A reflection's alert for Fran (no contact set: she scheduled the session), who does not
    accept private messages: the only copy, refused."""
    session_id = await make_session(app, SessionState.REFLECTING)
    app.deps.adapter.failures[f"private:{fac.id}"] = DeliveryError("dm_closed")
    await write(chat, session_id)
    [alert] = await alerts(app)
    assert alert.target == fac.id and alert.status != OutboxStatus.DONE
    return session_id


async def alerts(app) -> list[OutboxItem]:
    async with app.db.read() as tx:
        query = select(OutboxItem).where(OutboxItem.purpose == SAFEGUARDING)
        return list((await tx.exec(query)).all())


async def forget(chat, person):
    await chat.say(person, "/brew forget me")
    return await chat.press(person, "brew:privacy:forget:yes")


async def test_the_only_contact_forgotten_hands_the_alert_to_another_facilitator(app, chat, fac):
    await alert_waiting_for_fran(app, chat, fac)
    # Pat scheduled another session here: a facilitator who can take it.
    other = await make_session(app, people=0)
    async with app.db.transaction() as tx:
        await tx.exec(update(Session).where(Session.id == other).values(created_by=PAT.id))
    answer = await forget(chat, fac)
    assert "Everything stored about you here has been deleted" in answer.text
    [alert] = await alerts(app)
    assert alert.target == PAT.id and WORDS in alert.payload
    await app.deps.outbox.deliver()
    [received] = [m for m in app.deps.adapter.private_to(PAT.id) if m.sections]
    assert received.sections[0].body == WORDS


async def test_with_nobody_to_take_it_forgetting_waits_and_says_why(app, chat, fac):
    await alert_waiting_for_fran(app, chat, fac)
    answer = await forget(chat, fac)
    assert "cannot delete your details yet" in answer.text
    assert "safeguarding_contact" in answer.text
    [alert] = await alerts(app)
    assert alert.target == fac.id and WORDS in alert.payload, "still waiting, for Fran"
    async with app.db.read() as tx:
        people = (await tx.exec(select(Participant.user_id))).all()
    assert fac.id in people, "nothing deleted: one transaction"
    # A new contact is chosen: Fran can be forgotten, and the alert goes to the new contact.
    await chat.say(fac, f"/brew settings safeguarding_contact {PAT.id}")
    answer = await forget(chat, fac)
    assert "has been deleted" in answer.text
    assert [a.target for a in await alerts(app)] == [PAT.id]
