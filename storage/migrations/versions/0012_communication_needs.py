"""communication needs: what a person asks for so they can take part (Accessible
Information Standard)

One row per person who recorded needs (their own words, when they last looked at them and
when they were last asked to), and one row per need from the short fixed list. Both go with
the person (ON DELETE CASCADE).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 20:00:01
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "communication_needs",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("other", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
        sa.Column("reviewed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("review_asked_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id"),
    )
    op.create_table(
        "communication_need",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("need", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id", "need"),
    )


def downgrade() -> None:
    op.drop_table("communication_need")
    op.drop_table("communication_needs")
