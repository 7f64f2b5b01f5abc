"""digest email and community sparks

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 00:56:39.992810
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community_spark",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("spark_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("data", sqlmodel.sql.sqltypes.AutoString(length=20000), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("community_id", "spark_id"),
    )
    with op.batch_alter_table("community_spark", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_community_spark_community_id"), ["community_id"], unique=False
        )

    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("digest_email", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.drop_column("digest_email")

    with op.batch_alter_table("community_spark", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_community_spark_community_id"))

    op.drop_table("community_spark")
