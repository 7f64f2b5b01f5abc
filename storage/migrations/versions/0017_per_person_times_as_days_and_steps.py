"""per-person times as days and steps: no stored time orders people within a session

When someone joined or left a session was kept to the microsecond, and so were the times a
claim was exported and a platform event was seen: paired with the order reflections were
written in, the order people left in linked every reflection to its writer. Attendance now
keeps the step of the session (opening, spark, breakouts, reflections, close) someone joined
or left in, as the moment that step began; every other time in a person's row keeps its day
(docs/anonymity.md). The times already stored are cut the same way, in Python so both
databases do the same.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 09:00:00
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

import storage.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

WHEN = storage.types.UTCDateTime(timezone=True)
STEPS = ("opened_at", "spark_at", "breakouts_at", "reflecting_at", "closed_at")
# Per table: its key, and its times that keep only the day.
DAYS = {
    "participant": (("id",), ("created_at", "last_seen_at", "consent_at")),
    "communication_needs": (("participant_id",), ("reviewed_at", "review_asked_at")),
    "claim_export": (("participant_id", "session_id"), ("exported_at",)),
    "processed_event": (("event_id",), ("seen_at",)),
}


def upgrade() -> None:
    connection = op.get_bind()
    _attendance_as_steps(connection)
    for name, (key, columns) in DAYS.items():
        _cut_to_days(connection, name, key, columns)


def _attendance_as_steps(connection: sa.Connection) -> None:
    attendance = sa.table(
        "attendance",
        sa.column("id", sa.Integer()),
        sa.column("session_id", sa.Integer()),
        sa.column("joined_at", WHEN),
        sa.column("left_at", WHEN),
    )
    session = sa.table(
        "session", sa.column("id", sa.Integer()), sa.column("starts_at", WHEN),
        *(sa.column(step, WHEN) for step in STEPS),
    )  # fmt: skip
    rows = connection.execute(
        sa.select(attendance.c.id, attendance.c.joined_at, attendance.c.left_at, session)
        .join(session, session.c.id == attendance.c.session_id)
        .where(sa.or_(attendance.c.joined_at.is_not(None), attendance.c.left_at.is_not(None)))
    ).all()
    for row in rows:
        moments = sorted(t for t in (getattr(row, step) for step in STEPS) if t is not None)
        connection.execute(
            attendance.update()
            .where(attendance.c.id == row.id)
            .values(
                joined_at=_step(moments, row.joined_at, row.starts_at),
                left_at=_step(moments, row.left_at, row.starts_at),
            )
        )


def _step(moments: list[datetime], at: datetime | None, starts: datetime) -> datetime | None:
    """When the step of the session that `at` fell in began (its first step before that)."""
    if at is None:
        return None
    began = [t for t in moments if t <= at]
    return began[-1] if began else (moments[0] if moments else starts)


def _cut_to_days(
    connection: sa.Connection, name: str, key: tuple[str, ...], columns: tuple[str, ...]
) -> None:
    table = sa.table(name, *(sa.column(k) for k in key), *(sa.column(c, WHEN) for c in columns))
    for row in connection.execute(sa.select(table)).mappings().all():
        connection.execute(
            table.update()
            .where(*(table.c[k] == row[k] for k in key))
            .values({c: _day(row[c]) for c in columns})
        )


def _day(value: datetime | None) -> datetime | None:
    return value.replace(hour=0, minute=0, second=0, microsecond=0) if value else None


def downgrade() -> None:
    raise NotImplementedError("0017 forgets times that could link people; it cannot be undone")
