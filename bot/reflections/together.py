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
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from bot.reflections.safeguarding import SAFEGUARDING
from storage.models import OutboxItem, Reflection, table_of
from storage.repositories import rewrite_in_key_order

REQUEST = ":request-"  # in the key of a request to be contacted (bot/reflections/contact.py)


def is_alert(key: str) -> bool:
    """Whether a safeguarding delivery is an alert (a reflection's words), not a request."""
    return REQUEST not in key


async def rewrite_alerts(tx: AsyncSession, session_ids: Iterable[int]) -> None:
    """Write the sessions' alert rows again, unchanged, in this transaction (the one that
    writes their reflections)."""
    await tx.exec(
        update(OutboxItem)
        .where(
            col(OutboxItem.session_id).in_(sorted(set(session_ids))),
            col(OutboxItem.purpose) == SAFEGUARDING,
            ~col(OutboxItem.key).contains(REQUEST),
        )
        .values(attempts=OutboxItem.attempts)
    )


async def rewrite_session(tx: AsyncSession, session_id: int) -> None:
    """Write the session's reflections (in key order) and alert rows again, in this
    transaction (the one that records an alert's delivery)."""
    table = table_of(Reflection)
    await rewrite_in_key_order(await tx.connection(), table, table.c.session_id == session_id)
    await rewrite_alerts(tx, [session_id])
