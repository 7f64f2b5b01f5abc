"""unlinkable reflections: no keys, tags or contributor rows in the database

The per-session key and the keyed tags (de-duplication, contributors) could tie a reflection
to its writer by anyone holding a copy of the database, so they go, with the key's table.
Reflections are copied into a fresh table in random-id order (the old table's page layout
kept the order they were written in), old withdrawal tags are dropped (they were keyed with
the destroyed keys), sessions already sent or cancelled count as sealed, and the per-person
times that could be matched with a reflection are cut to the day.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 00:40:00
"""

from datetime import datetime

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table("sessionkey")
    op.drop_table("reflection_contributor")

    op.create_table(
        "reflection_v4",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("quote_ok", sa.Boolean(), nullable=False),
        sa.Column("breakout_number", sa.Integer(), nullable=True),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("withdraw_tag", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("in_count", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO reflection_v4 (id, session_id, category, text, quote_ok, breakout_number,"
        " held, withdraw_tag, in_count)"
        " SELECT id, session_id, category, text, quote_ok, breakout_number, held, NULL, false"
        " FROM reflection ORDER BY id"
    )
    op.drop_table("reflection")
    op.rename_table("reflection_v4", "reflection")
    with op.batch_alter_table("reflection", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reflection_session_id"), ["session_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reflection_withdraw_tag"), ["withdraw_tag"], unique=False
        )

    with op.batch_alter_table("session", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("sealed_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(
        "UPDATE session SET sealed_at = COALESCE(summarised_at, cancelled_at, updated_at)"
        " WHERE state IN ('summarised', 'cancelled')"
    )
    with op.batch_alter_table("digest", schema=None) as batch_op:
        batch_op.add_column(sa.Column("counted_reflections", sa.Integer(), nullable=True))

    # Cut the times to the day, in Python so both databases do the same.
    connection = op.get_bind()
    participant = sa.table(
        "participant",
        sa.column("id", sa.Integer()),
        sa.column("last_seen_at", storage.types.UTCDateTime(timezone=True)),
        sa.column("consent_at", storage.types.UTCDateTime(timezone=True)),
    )
    rows = connection.execute(
        sa.select(participant.c.id, participant.c.last_seen_at, participant.c.consent_at)
    ).all()
    for person_id, seen, consented in rows:
        connection.execute(
            participant.update()
            .where(participant.c.id == person_id)
            .values(last_seen_at=_day(seen), consent_at=_day(consented))
        )


def _day(value: datetime | None) -> datetime | None:
    return value.replace(hour=0, minute=0, second=0, microsecond=0) if value else None


def downgrade() -> None:
    raise NotImplementedError("0004 destroys linking material; it cannot be undone")
