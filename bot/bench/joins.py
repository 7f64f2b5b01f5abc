"""Joins and "I'm coming" arriving all at once: the presses and the sessions they are for.

The same open-loop measure as the reflection burst (`burst.burst`): each press has an arrival
time within the burst, and its latency runs from then to its answer. A session is seeded
open (its Join button) or still to come (its "I'm coming" button), with nobody in it yet;
the people pressing are a room's, who already agreed to the privacy notice, or newcomers
the community has never seen (each then stored on their first press, and shown the notice).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlmodel.ext.asyncio.session import AsyncSession

from bot.bench.burst import Submission
from bot.bench.seed import Room, stored_id
from bot.core.domain import SessionState
from bot.core.messages import custom_id
from bot.core.refs import CommunityRef, ConversationRef, Platform, UserRef
from storage.models import Session

# The buttons: an open session's Join, and a planned session's "I'm coming".
JOIN = ("session", "join")
COMING = ("rsvp", "yes")


async def sessions_to_join(
    tx: AsyncSession, rooms: Sequence[Room], now: datetime, *, state: SessionState
) -> list[int]:
    """One session per room in `state` (OPEN for Join, SCHEDULED for "I'm coming"), with
    nobody in it yet."""
    opened = state != SessionState.SCHEDULED
    session_ids: list[int] = []
    for room in rooms:
        session = Session(
            community_id=room.community_id,
            title="Being heard",
            theme="Being heard",
            starts_at=now if opened else now + timedelta(days=2),
            state=state.value,
            channel_id="brew-room",
            created_by="bench-facilitator",
            opened_at=now if opened else None,
        )
        session_ids.append(await stored_id(tx, session))
    return session_ids


def newcomers(rooms: Sequence[Room], per_room: int, *, prefix: str = "new") -> list[Room]:
    """The same rooms with `per_room` people the community has never seen (not stored)."""
    return [
        Room(
            room.community_id,
            room.external_id,
            users=[f"{prefix}-{room.external_id}-{n}" for n in range(per_room)],
        )
        for room in rooms
    ]


def join_presses(
    rooms: Sequence[Room], session_ids: Sequence[int], *, button: tuple[str, str] = JOIN
) -> list[Submission]:
    """Everyone in every room presses `button` (JOIN or COMING) for their room's session."""
    presses: list[Submission] = []
    for room, session_id in zip(rooms, session_ids, strict=True):
        community = CommunityRef(Platform.SHELL, room.external_id, "")
        where = ConversationRef(community, "brew-room")
        pressed = custom_id(*button, str(session_id))
        for user_id in room.users:
            presses.append(Submission(UserRef(community, user_id), where, pressed, {}))
    return presses
