"""reflections kept by session: where a reflection sits no longer gives the writing order

SQLite fills a page's cells from its end backwards, so within a page of the reflection table
(and of its two indexes) a later reflection sat lower: one copy of the file gave the order a
session's reflections were written in. The table is now keyed by session, then random id,
so a session's reflections sit together and every write rewrites them in key order
(storage.repositories.rewrite_in_key_order); the indexes go, as the key serves both
look-ups. The rows are copied into a fresh table in that order, as 0004 did.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reflection_v15",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("quote_ok", sa.Boolean(), nullable=False),
        sa.Column("breakout_number", sa.Integer(), nullable=True),
        sa.Column("held", sa.Boolean(), nullable=False),
        sa.Column("withdraw_tag", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("in_count", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "id"),
        sqlite_with_rowid=False,
    )
    op.execute(
        "INSERT INTO reflection_v15 (session_id, id, category, text, quote_ok, breakout_number,"
        " held, withdraw_tag, in_count)"
        " SELECT session_id, id, category, text, quote_ok, breakout_number, held, withdraw_tag,"
        " in_count FROM reflection ORDER BY session_id, id"
    )
    op.drop_table("reflection")
    op.rename_table("reflection_v15", "reflection")
    if op.get_bind().dialect.name == "postgresql":
        # PostgreSQL names constraints after the table they were made with.
        op.execute(
            "ALTER TABLE reflection RENAME CONSTRAINT reflection_v15_pkey TO reflection_pkey"
        )
        op.execute(
            "ALTER TABLE reflection RENAME CONSTRAINT reflection_v15_session_id_fkey"
            " TO reflection_session_id_fkey"
        )


def downgrade() -> None:
    raise NotImplementedError("0018 rewrites the reflections in a new order; it is not undone")
