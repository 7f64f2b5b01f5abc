"""group links: the random token that opens a community's working-group pages

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 13:35:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "group_link",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("community_id"),
        sa.UniqueConstraint("token"),
    )


def downgrade() -> None:
    op.drop_table("group_link")
