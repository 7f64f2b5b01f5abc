"""posted parts: which parts of a long delivery a platform has already shown

Written down as they arrive (bot/platforms/parts.py), where the platform cannot be asked
afterwards, so a try after a failure or a crash shows each part once.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "posted_part",
        sa.Column("delivery", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("day", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("delivery", "part"),
    )


def downgrade() -> None:
    op.drop_table("posted_part")
