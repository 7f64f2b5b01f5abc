"""Async data access shared by the services. Each function works inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypedDict, TypeVar

from sqlalchemy import ColumnElement, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from storage.models import (
    Attendance,
    Community,
    Participant,
    Reflection,
    Session,
    table_of,
    unsaved,
)

Row = TypeVar("Row", bound=SQLModel)


class CommunityDefaults(TypedDict, total=False):
    """What a new community starts with, from the settings (bot/app.py)."""

    timezone: str
    facilitator_role: str
    reminder_minutes: str
    group_size: int


async def add_in_savepoint(tx: AsyncSession, row: SQLModel) -> bool:
    """Store `row` in a savepoint: False, with the transaction still usable, when a unique
    constraint refuses it (another process stored the same row first)."""
    try:
        async with tx.begin_nested():
            tx.add(row)
    except IntegrityError:
        return False
    return True


async def add_or_find(tx: AsyncSession, row: Row, query: SelectOfScalar[Row]) -> Row:
    """Store `row`, or, if another process stored the same row first, return theirs (which
    `query` finds): the second half of a get-or-create that may race another process."""
    if await add_in_savepoint(tx, row):
        return row
    return (await tx.exec(query)).one()


async def get_or_create_community(
    tx: AsyncSession,
    platform: str,
    external_id: str,
    *,
    name: str = "",
    defaults: CommunityDefaults | None = None,
) -> Community:
    query = select(Community).where(
        Community.platform == platform, Community.external_id == external_id
    )
    found = (await tx.exec(query)).first()
    if found is not None:
        return found
    community = Community(platform=platform, external_id=external_id, name=name, **(defaults or {}))
    return await add_or_find(tx, community, query)


async def find_participant(tx: AsyncSession, community_id: int, user_id: str) -> Participant | None:
    query = select(Participant).where(
        Participant.community_id == community_id, Participant.user_id == user_id
    )
    return (await tx.exec(query)).first()


async def get_or_create_participant(
    tx: AsyncSession, community: Community, user_id: str, display_name: str = ""
) -> Participant:
    query = select(Participant).where(
        Participant.community_id == community.id, Participant.user_id == user_id
    )
    found = (await tx.exec(query)).first()
    if found is not None:
        if display_name and found.display_name != display_name:
            found.display_name = display_name[:100]
            tx.add(found)
        return found
    assert community.id is not None  # a stored community, so it has its id
    participant = Participant(
        community_id=community.id, user_id=user_id, display_name=display_name[:100]
    )
    return await add_or_find(tx, participant, query)


async def get_or_create_participants(
    tx: AsyncSession, names: Mapping[tuple[int, str], str]
) -> list[Participant]:
    """`get_or_create_participant` for many people at once, by (community id, user id), each
    stored with the display name given if new: one INSERT for those not stored yet, and one
    SELECT for them all. A person another process stores at the same moment is no conflict
    (ON CONFLICT DO NOTHING): theirs is the one read back. A name of someone already stored
    is not changed."""
    if not names:
        return []
    dialect = tx.bind.dialect.name if tx.bind is not None else "sqlite"
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    first = unsaved(Participant, community_id=0, user_id="").model_dump(exclude={"id"})
    rows = [
        {**first, "community_id": community, "user_id": user, "display_name": name[:100]}
        for (community, user), name in names.items()
    ]
    # The rows as parameters of one statement, not its VALUES: a statement written with the
    # rows in it is compiled again for every batch (about 0.4 ms a person).
    await tx.exec(
        insert(table_of(Participant)).on_conflict_do_nothing(
            index_elements=["community_id", "user_id"]
        ),
        params=rows,
    )
    query = select(Participant).where(
        col(Participant.community_id).in_({community for community, _ in names}),
        col(Participant.user_id).in_({user for _, user in names}),
    )
    return [
        person for person in await tx.exec(query) if (person.community_id, person.user_id) in names
    ]


async def get_session(tx: AsyncSession, community_id: int, session_id: int) -> Session | None:
    row = await tx.get(Session, session_id)
    return row if row is not None and row.community_id == community_id else None


async def sessions_in_states(
    tx: AsyncSession, community_id: int, states: Sequence[str]
) -> list[Session]:
    query = (
        select(Session)
        .where(Session.community_id == community_id, col(Session.state).in_(list(states)))
        .order_by(col(Session.starts_at), col(Session.id))
    )
    return list((await tx.exec(query)).all())


async def attendance_for(tx: AsyncSession, session_id: int, participant_id: int) -> Attendance:
    query = select(Attendance).where(
        Attendance.session_id == session_id, Attendance.participant_id == participant_id
    )
    found = (await tx.exec(query)).first()
    if found is None:
        found = Attendance(session_id=session_id, participant_id=participant_id)
        tx.add(found)
    return found


async def present_participants(tx: AsyncSession, session_id: int) -> list[Participant]:
    """People who joined the session and have not left, in the order they joined."""
    query = (
        select(Participant)
        .join(Attendance, col(Attendance.participant_id) == col(Participant.id))
        .where(
            Attendance.session_id == session_id,
            col(Attendance.joined_at).is_not(None),
            col(Attendance.left_at).is_(None),
        )
        .order_by(col(Attendance.joined_at), col(Participant.id))
    )
    return list((await tx.exec(query)).all())


async def rsvp_yes(tx: AsyncSession, session_id: int) -> list[Participant]:
    query = (
        select(Participant)
        .join(Attendance, col(Attendance.participant_id) == col(Participant.id))
        .where(Attendance.session_id == session_id, Attendance.rsvp == "yes")
        .order_by(col(Participant.id))
    )
    return list((await tx.exec(query)).all())


async def rewrite_in_key_order(
    connection: AsyncConnection,
    table: Table,
    where: ColumnElement[bool],
    *,
    adding: Sequence[Mapping[str, Any]] = (),
    change: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
) -> None:
    """Delete the rows `where` selects and write them again, with `adding`, in primary-key
    order, in this transaction (`change` alters each kept row on the way). Where they then
    sit (SQLite's pages, PostgreSQL's ctid) and which transaction wrote them (PostgreSQL's
    xmin) follow their keys, not the order they were first written in (docs/anonymity.md)."""
    kept = [dict(row) for row in (await connection.execute(table.select().where(where))).mappings()]
    key = [column.name for column in table.primary_key.columns]
    rows = sorted(
        [*(change(row) if change else row for row in kept), *map(dict, adding)],
        key=lambda row: tuple(row[name] for name in key),
    )
    await connection.execute(table.delete().where(where))
    if rows:
        await connection.execute(table.insert(), rows)


async def hold_sessions(
    connection: AsyncConnection, session_ids: Iterable[int], *, wait: bool = True
) -> bool:
    """Hold the sessions' rows until this transaction ends (PostgreSQL: FOR NO KEY UPDATE, which
    still lets others add rows that refer to them), before changing their reflections. Two
    transactions rewriting one session's reflections at once would each write back the rows
    they read before the other committed: a reflection taken back would come back, or one
    added would clash. Without `wait`, False at once when another transaction holds one (for
    a step that holds other rows already: waiting could deadlock). SQLite runs one writer at
    a time already."""
    if connection.dialect.name == "sqlite":
        return True
    table = table_of(Session)
    wanted = sorted(set(session_ids))
    held = await connection.execute(
        select(table.c.id)
        .where(table.c.id.in_(wanted))
        .order_by(table.c.id)
        .with_for_update(key_share=True, skip_locked=not wait)
    )
    return wait or len(held.all()) == len(wanted)


async def add_reflections(
    connection: AsyncConnection,
    rows: Sequence[Mapping[str, Any]],
    *,
    retag: Mapping[tuple[int, str], str] | None = None,
) -> None:
    """Store new reflections (plain rows), each session's with the ones it has, all in key
    order (see rewrite_in_key_order): every path that adds reflections comes here. `retag`:
    stored reflections given a new withdrawal tag (by session and id), in the same rewrite,
    so none of them keeps a transaction id of its own."""
    table = table_of(Reflection)
    tags = dict(retag or {})
    sessions = {row["session_id"] for row in rows} | {session for session, _ in tags}
    await hold_sessions(connection, sessions)

    def change(row: dict[str, Any]) -> dict[str, Any]:
        key = (row["session_id"], row["id"])
        return {**row, "withdraw_tag": tags[key]} if key in tags else row

    await rewrite_in_key_order(
        connection, table, table.c.session_id.in_(sessions), adding=rows, change=change
    )
