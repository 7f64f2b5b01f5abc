"""Builders for service tests: sessions in a given state, with people in them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import timedelta

from bot.app import App
from bot.core.domain import SessionState
from bot.delivery.outbox import grid_after
from bot.digest.model import Digest
from bot.engine.clock import ManualClock
from storage.models import Attendance, Community, Participant, Session
from storage.repositories import get_or_create_community
from tests.conftest import COMMUNITY, START, Chat

ROLES = ["draws_on_care", "carer", "commissioner", "provider", "draws_on_care", "other"]


async def make_session(
    app: App,
    state: SessionState = SessionState.SCHEDULED,
    *,
    people: int = 6,
    starts_in: timedelta = timedelta(days=2),
    spark_id: str | None = None,
) -> int:
    """A session stored directly in `state`, with `people` participants who joined."""
    now = app.deps.clock.now()
    async with app.db.transaction() as tx:
        community = await get_or_create_community(
            tx, COMMUNITY.platform.value, COMMUNITY.id, name=COMMUNITY.name
        )
        session = Session(
            community_id=community.id,
            title="Being heard",
            theme="Being heard",
            spark_id=spark_id or app.deps.sparks.all()[0].id,
            starts_at=START + starts_in,
            state=state.value,
            channel_id="brew-room",
            created_by="user-fran",
            seed=7,
        )
        for stamp in ("opened_at", "spark_at", "breakouts_at", "reflecting_at", "closed_at"):
            setattr(session, stamp, now)
        tx.add(session)
        await tx.flush()
        # Everyone in one flush, then their places in another: two round trips, not one
        # a person (most database tests begin here).
        persons = [
            Participant(
                community_id=community.id,
                user_id=f"user-p{n}",
                display_name=f"Person {n}",
                role=ROLES[n % len(ROLES)],
            )
            for n in range(people)
        ]
        tx.add_all(persons)
        await tx.flush()
        tx.add_all(
            Attendance(
                session_id=session.id,
                participant_id=person.id,
                rsvp="yes",
                joined_at=now if state != SessionState.SCHEDULED else None,
            )
            for person in persons
        )
        return session.id


async def state_of(app: App, session_id: int) -> str:
    async with app.db.read() as tx:
        return (await tx.get(Session, session_id)).state


async def community_row(app: App) -> Community:
    async with app.db.read() as tx:
        from sqlmodel import select

        return (await tx.exec(select(Community))).one()


async def share_reflections(
    chat: Chat, session_id: int, statements: Iterable[tuple[str, str]], writer: Callable
) -> None:
    """Each (category, text) shared, quotable, by its own person (`writer(n)`), who first
    agrees to the privacy notice: through the same buttons and form people use."""
    for n, (category, text) in enumerate(statements):
        person = writer(n)
        await chat.press(person, "brew:consent:yes:")
        await chat.press(
            person,
            f"brew:reflection:submit:{session_id}",
            {"category": category, "text": text, "quote": "yes"},
        )


async def compiled(app: App, session_id: int) -> Digest:
    """The session's digest as it stands, compiled as the facilitator's preview is."""
    async with app.db.read() as tx:
        session = await tx.get(Session, session_id)
        assert session is not None
        community = await tx.get(Community, session.community_id)
        assert community is not None
        return await app.digests.compile(tx, community, session)


async def next_grid_moment(app: App, clock: ManualClock) -> None:
    """The running bot's outbox at the next moment safeguarding messages are tried again
    (bot/delivery/outbox.py, GRID): a first try that failed is heard of only then."""
    clock.set(grid_after(clock.now()))
    await app.deps.outbox.deliver()
