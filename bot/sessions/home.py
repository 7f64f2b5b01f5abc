"""What a person's own page shows (Slack's App Home): the next session, whether they said
they are coming, and their choices (reminders, Easy Read, plain style).

Looking writes nothing, not even that the person or the community exists: opening a page is
not taking part. Each front-end words and lays out these facts itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import select

from bot.core.domain import LIVE_STATES, SessionState
from bot.core.refs import CommunityRef
from bot.engine.deps import Deps, zone_of
from bot.sessions.timeparse import format_local
from storage.models import Attendance, Community, Participant, unsaved
from storage.repositories import find_participant, sessions_in_states


@dataclass(frozen=True)
class NextSession:
    id: int
    title: str
    when: str  # in the community's time zone
    live: bool
    coming: bool


@dataclass(frozen=True)
class HomeFacts:
    session: NextSession | None = None
    easy_read: bool = False
    plain_style: bool = False
    reminders: str = "private"


async def home_facts(deps: Deps, where: CommunityRef, user_id: str) -> HomeFacts:
    """The facts for `user_id` in community `where`; the defaults for someone new."""
    async with deps.db.read() as tx:
        community = (
            await tx.exec(
                select(Community).where(
                    Community.platform == where.platform.value,
                    Community.external_id == where.id,
                )
            )
        ).first()
        if community is None or community.id is None:
            return HomeFacts()
        person = await find_participant(tx, community.id, user_id) or unsaved(
            Participant, community_id=community.id, user_id=user_id
        )
        # The one running now, else the next one planned.
        live = await sessions_in_states(tx, community.id, sorted(LIVE_STATES))
        planned = live or await sessions_in_states(tx, community.id, [SessionState.SCHEDULED])
        session = planned[0] if planned else None
        coming = False
        if session is not None and person.id is not None:
            rsvp = (
                await tx.exec(
                    select(Attendance.rsvp).where(
                        Attendance.session_id == session.id,
                        Attendance.participant_id == person.id,
                    )
                )
            ).first()
            coming = rsvp == "yes"
        next_session = None
        if session is not None and session.id is not None:
            next_session = NextSession(
                id=session.id,
                title=session.title,
                when=format_local(session.starts_at, zone_of(community)),
                live=bool(live),
                coming=coming,
            )
        return HomeFacts(
            session=next_session,
            easy_read=person.easy_read,
            plain_style=person.plain_style,
            reminders=person.reminders,
        )
