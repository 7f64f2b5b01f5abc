"""Rows for the benchmark, written in bulk through SQLAlchemy Core.

Setting up is not what is measured, so it skips the services: communities, people who have
agreed to the privacy notice, sessions already in the state a phase needs, and breakout
groups. Texts are made from a seeded mix of phrases, so runs are repeatable and the digest's
theme grouping has realistic variety to work on.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import insert
from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.domain import SessionState
from storage.models import (
    Attendance,
    Breakout,
    BreakoutMember,
    Community,
    Participant,
    Session,
    table_of,
)

ROLES = ("draws_on_care", "carer", "commissioner", "provider", "draws_on_care", "other")
CATEGORIES = ("working", "not_working", "future", "idea")
GROUP_SIZE = 5
BATCH = 2000

_OPENINGS = (
    "When my social worker came for the review",
    "At my last assessment",
    "The carers who visit in the morning",
    "Getting information about direct payments",
    "Waiting for an occupational therapist",
    "The day centre staff",
    "Moving from children's to adult services",
    "Being asked to tell my story again",
    "The new care plan meeting",
    "Finding a personal assistant",
    "Talking to the commissioner at the café session",
    "The hospital discharge team",
    "Respite for my mum",
    "Our local carers group",
    "The letter about my financial assessment",
)
_MIDDLES = (
    "listened properly and",
    "changed without warning, so",
    "took nearly six months and",
    "never had my notes, so",
    "explained every step in plain words and",
    "used so much jargon that",
    "came at a time that suited me and",
    "kept sending different people, so",
    "asked what mattered to me and",
    "only happened online, so",
)
_ENDINGS = (
    "I felt heard for the first time.",
    "I had to start from the beginning again.",
    "I could plan my week around it.",
    "I stopped asking for help for a while.",
    "we agreed what good support looks like.",
    "my family had to fill the gaps.",
    "it would help to have one named contact.",
    "easy read letters would make a real difference.",
    "peer support should be offered from the start.",
    "staff need time to build trust with people.",
)


def reflection_text(rng: random.Random, n: int) -> str:
    """One plausible reflection; `n` makes it unique without changing what it is about."""
    text = f"{rng.choice(_OPENINGS)} {rng.choice(_MIDDLES)} {rng.choice(_ENDINGS)}"
    if rng.random() < 0.5:
        text += f" {rng.choice(_OPENINGS).lower()} {rng.choice(_MIDDLES)} {rng.choice(_ENDINGS)}"
    return f"{text} ({n})"


def row(model: SQLModel) -> dict[str, Any]:
    """A model's column values with its defaults filled in, for a Core insert."""
    values = model.model_dump()
    if values.get("id") is None:
        values.pop("id", None)
    return values


def copies(model: SQLModel, changes: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """`row(model)` once for each of `changes`, with those values in place: building and
    validating a model for each of 10,000 rows took longer than the figure they are for.
    Made as they are inserted, so that 50,000 rows never sit in the bench's memory at once
    (the memory figure is the bot's, not the seeding's)."""
    first = row(model)
    return ({**first, **changed} for changed in changes)


async def insert_rows(tx: AsyncSession, model: type[SQLModel], rows: Iterable[dict]) -> None:
    table = table_of(model)
    connection = await tx.connection()
    remaining = iter(rows)
    while chunk := list(islice(remaining, BATCH)):
        await connection.execute(insert(table), chunk)


async def stored_id(tx: AsyncSession, new: Community | Session | Breakout) -> int:
    """Store `new` now and return the id the database gave it."""
    tx.add(new)
    await tx.flush()
    assert new.id is not None  # a flushed row has its id
    return new.id


@dataclass
class Room:
    """One community with its people; `users` are platform ids, `ids` participant ids."""

    community_id: int
    external_id: str
    users: list[str] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)


async def make_rooms(
    tx: AsyncSession, count: int, people: int, now: datetime, *, prefix: str = "bench"
) -> list[Room]:
    """`count` communities sharing out `people` people who all said yes to the notice."""
    users: list[list[str]] = [[] for _ in range(count)]
    for n in range(people):
        users[n % count].append(f"{prefix}-user-{n}")
    return [
        await make_room(tx, "shell", f"{prefix}-{n}", users[n], now, first=n) for n in range(count)
    ]


async def make_room(
    tx: AsyncSession,
    platform: str,
    external_id: str,
    users: Sequence[str],
    now: datetime,
    *,
    first: int = 0,
) -> Room:
    """One community of `platform` (found, or made) with `users` in it, who all said yes to
    the privacy notice. `first` numbers their roles and names."""
    community = (
        await tx.exec(
            select(Community).where(
                Community.platform == platform, Community.external_id == external_id
            )
        )
    ).first() or Community(platform=platform, external_id=external_id, name=f"Room {first}")
    room = Room(await stored_id(tx, community), external_id, list(users))
    people_rows = [
        row(
            Participant(
                community_id=room.community_id,
                user_id=user,
                display_name=f"Person {first + n}",
                role=ROLES[(first + n) % len(ROLES)],
                consent="yes",
                consent_at=now,
            )
        )
        for n, user in enumerate(users)
    ]
    await insert_rows(tx, Participant, people_rows)
    found = (
        await tx.exec(
            select(Participant.user_id, Participant.id).where(
                Participant.community_id == room.community_id
            )
        )
    ).all()
    # A stored row always has its id; the model's type allows None for one not yet stored.
    by_user = {user: pid for user, pid in found if pid is not None}
    room.ids = [by_user[u] for u in room.users]
    return room


async def reflecting_sessions(tx: AsyncSession, rooms: Sequence[Room], now: datetime) -> list[int]:
    """One session per room, in the reflection step, everyone present, in groups of five."""
    session_ids: list[int] = []
    for room in rooms:
        session = Session(
            community_id=room.community_id,
            title="Being heard",
            theme="Being heard",
            starts_at=now - timedelta(minutes=40),
            state=SessionState.REFLECTING.value,
            channel_id="brew-room",
            created_by=room.users[0] if room.users else "",
            opened_at=now - timedelta(minutes=40),
            breakouts_at=now - timedelta(minutes=30),
            reflecting_at=now,
        )
        session_id = await stored_id(tx, session)
        session_ids.append(session_id)
        await insert_rows(
            tx,
            Attendance,
            [
                row(
                    Attendance(
                        session_id=session_id,
                        participant_id=pid,
                        rsvp="yes",
                        joined_at=now - timedelta(minutes=40),
                    )
                )
                for pid in room.ids
            ],
        )
        members = []
        for number, start in enumerate(range(0, len(room.ids), GROUP_SIZE), start=1):
            breakout = Breakout(session_id=session_id, number=number, thread_id=f"t{number}")
            breakout_id = await stored_id(tx, breakout)
            members += [
                row(BreakoutMember(breakout_id=breakout_id, participant_id=pid))
                for pid in room.ids[start : start + GROUP_SIZE]
            ]
        await insert_rows(tx, BreakoutMember, members)
    return session_ids


async def scheduled_sessions(
    tx: AsyncSession, community_id: int, count: int, now: datetime
) -> None:
    """`count` future sessions, one a day-ish apart, each with its reminders still to come."""
    first = Session(
        community_id=community_id,
        title="Over a Brew",
        theme="Building the right relationships",
        starts_at=now,
        channel_id="brew-room",
        created_by="bench-facilitator",
    )
    sessions = copies(
        first,
        (
            {"title": f"Over a Brew {n}", "starts_at": now + timedelta(days=2, minutes=37 * n)}
            for n in range(count)
        ),
    )
    await insert_rows(tx, Session, sessions)
