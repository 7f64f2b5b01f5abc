"""people's priorities: how many people marked each suggested theme as mattering most

Only a count per (session, theme label); nothing about who marked what.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 10:30:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "priority_count",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("label", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("session_id", "label"),
    )


def downgrade() -> None:
    op.drop_table("priority_count")
