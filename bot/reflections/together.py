"""A session's reflections and the outbox rows of their safeguarding alerts are always
rewritten together, so on PostgreSQL they carry one transaction id (docs/anonymity.md).

Each row carries the id of the transaction that last wrote it (`xmin`). A session's reflections
share the latest (storage.repositories.rewrite_in_key_order). An alert's row names its
reflection (its key) and is written again when its delivery is recorded, a transaction that
follows at once the one that stored the reflection: left alone, its id would date that
reflection among people's own writes (someone who leaves just after sending it). So every write
of a session's reflections rewrites its alerts' rows, and every recorded outcome of an alert
rewrites its session's reflections and alerts. A request to be contacted is left out: it names
its writer and is never written beside a reflection."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.reflections.safeguarding import SAFEGUARDING
from storage.models import OutboxItem, Reflection, table_of
from storage.repositories import hold_sessions, rewrite_in_key_order

REQUEST = ":request-"  # in the key of a request to be contacted (bot/reflections/contact.py)


def is_alert(key: str) -> bool:
    """Whether a safeguarding delivery is an alert (a reflection's words), not a request."""
    return REQUEST not in key


async def rewrite_alerts(tx: AsyncSession, session_ids: Iterable[int]) -> None:
    """Write the sessions' alert rows again, unchanged, in this transaction (the one that
    writes their reflections, holding their sessions). An alert whose delivery is being
    recorded at this very moment is left (waiting for it could deadlock: that record may be
    waiting for the session); it is written again with the next reflection."""
    alerts = (
        select(OutboxItem.id)
        .where(
            col(OutboxItem.session_id).in_(sorted(set(session_ids))),
            col(OutboxItem.purpose) == SAFEGUARDING,
            ~col(OutboxItem.key).contains(REQUEST),
        )
        .with_for_update(skip_locked=True)
    )
    await tx.exec(
        update(OutboxItem)
        .where(col(OutboxItem.id).in_(alerts.scalar_subquery()))
        .values(attempts=OutboxItem.attempts)
    )


async def rewrite_session(tx: AsyncSession, session_id: int) -> None:
    """Write the session's reflections (in key order) and alert rows again, in this
    transaction (the one that records an alert's delivery, which holds its row already). Not
    when another transaction holds the session at this very moment (waiting could deadlock:
    it may be waiting for this alert's row): the alert then keeps this transaction's id until
    the next reflection is written."""
    table = table_of(Reflection)
    connection = await tx.connection()
    if not await hold_sessions(connection, [session_id], wait=False):
        return
    await rewrite_in_key_order(connection, table, table.c.session_id == session_id)
    await rewrite_alerts(tx, [session_id])
