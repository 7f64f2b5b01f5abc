"""outbox asked by: who asked for a post, to be told if it is refused for good

A post made by `/brew post` belongs to no session, so when it was refused for good after the
answer ("I will keep trying") there was no facilitator to tell. The person who asked is now
kept with it, and told. Empty for every other delivery, and for rows from before.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 11:00:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "outbox",
        sa.Column(
            "asked_by",
            sqlmodel.sql.sqltypes.AutoString(length=64),
            nullable=False,
            server_default="",
        ),
    )


def downgrade() -> None:
    # SQLite's own ALTER TABLE DROP COLUMN (3.35 and later), as in 0013.
    op.drop_column("outbox", "asked_by")
