"""Sealing a session: destroying everything that could tie its reflections to their writers.

Done when the digest is sent, when the session is cancelled, and at the latest
BREWBOT_FORGET_AFTER_DAYS after it closed (docs/anonymity.md). After it:
- no withdrawal tag is left, and the in-memory record of writers is gone;
- a breakout number stays only on reflections whose group still has at least the
  small-number threshold of people who agreed to the privacy notice and were still there
  at the close (those who could have written it);
- the session's reflections are rewritten once more in key order (as every write does), so
  the order they sit in the file (SQLite pages, PostgreSQL ctid and xmin) says nothing about
  who wrote first; its people's priority counts are rewritten too, so on PostgreSQL no count
  keeps the transaction id of the last person who marked it;
- the old bytes are purged from the files (`Database.purge`) before anyone is told.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from typing import Any

from sqlalchemy import and_, func, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.core.domain import ENDED_STATES
from bot.engine.context import Effect
from bot.engine.deps import Deps
from bot.reflections.anonymity import on_commit
from bot.reflections.together import rewrite_alerts
from storage.models import (
    Attendance,
    Breakout,
    BreakoutMember,
    Participant,
    PriorityCount,
    Reflection,
    Session,
    id_of,
    table_of,
)
from storage.repositories import hold_sessions, rewrite_in_key_order

log = logging.getLogger("brewbot.sealing")


def small_number(deps: Deps) -> int:
    """Fewer people than this could identify someone (configurable, never below 3)."""
    return max(3, deps.settings.min_count)


async def groups_big_enough(
    tx: AsyncSession, session_ids: Collection[int], threshold: int
) -> dict[int, set[int]]:
    """Each session's breakout numbers with at least `threshold` members who could have
    written a reflection: they agreed to the privacy notice and were still there. One query
    for them all (a burst of reflections names many sessions at once).

    A member who left (a care call, a lift home) is not counted: anyone holding the data can
    see who left, and would count them out too, so a group of five that four have left
    names the one who stayed. While reflections are open, "still there" means not left; once
    the session has closed (when it is sealed), it means still there at the close, which
    marks everyone then present as leaving at that moment."""
    stayed = or_(
        col(Attendance.left_at).is_(None),
        and_(
            col(Session.state).in_(ENDED_STATES),
            col(Attendance.left_at) >= col(Session.closed_at),
        ),
    )
    rows = await tx.exec(
        select(Breakout.session_id, Breakout.number, func.count())
        .join(BreakoutMember, col(BreakoutMember.breakout_id) == col(Breakout.id))
        .join(Participant, col(Participant.id) == col(BreakoutMember.participant_id))
        .join(Session, col(Session.id) == col(Breakout.session_id))
        .join(
            Attendance,
            and_(
                col(Attendance.session_id) == col(Breakout.session_id),
                col(Attendance.participant_id) == col(BreakoutMember.participant_id),
            ),
        )
        .where(col(Breakout.session_id).in_(set(session_ids)), Participant.consent == "yes", stayed)
        .group_by(col(Breakout.session_id), col(Breakout.number))
    )
    big: dict[int, set[int]] = {session_id: set() for session_id in session_ids}
    for session_id, number, members in rows:
        if members >= threshold:
            big[session_id].add(number)
    return big


async def seal(deps: Deps, tx: AsyncSession, session: Session) -> Effect:
    """Destroy the session's linking material in this transaction; returns the effect that
    purges the old bytes from the files once it has committed (run it before answering)."""
    session_id = id_of(session)
    big_enough = (await groups_big_enough(tx, [session_id], small_number(deps)))[session_id]

    def sealed(values: dict[str, Any]) -> dict[str, Any]:
        values["withdraw_tag"] = None
        if values["breakout_number"] not in big_enough:
            values["breakout_number"] = None
        return values

    connection = await tx.connection()
    table = table_of(Reflection)
    await hold_sessions(connection, [session_id])
    await rewrite_in_key_order(connection, table, table.c.session_id == session_id, change=sealed)
    await rewrite_alerts(tx, [session_id])
    # The priority counts too: each row was last updated by the last person to mark it.
    counts = table_of(PriorityCount)
    await rewrite_in_key_order(connection, counts, counts.c.session_id == session_id)
    session.sealed_at = deps.clock.now()
    tx.add(session)
    on_commit(tx, lambda: deps.writers.forget(session_id))

    return purge_effect(deps)


def purge_effect(deps: Deps) -> Effect:
    """After a deletion commits: purge the old bytes from the files before answering."""

    async def purge() -> None:
        if not await deps.db.purge():
            # Readers kept the WAL busy for the whole wait; the next purge empties it.
            log.warning("could not empty the database log yet; it is emptied at the next purge")

    return purge
