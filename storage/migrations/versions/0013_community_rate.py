"""community rate: the pay for people's time, dated

The single `community.hourly_rate_pence` becomes dated rows, each in force from its day
until the next (bot/people/rates.py), so changing the rate never changes sessions already
held. The rate each community had is kept, in force from the beginning (2000-01-01, before
any session). The column is then dropped with SQLite's own ALTER TABLE DROP COLUMN (3.35
and later), not by copying the table: a copy would drop `community`, and with foreign keys
on that would delete every row that goes with it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "community_rate",
        sa.Column("community_id", sa.Integer(), nullable=False),
        sa.Column("from_day", sa.Date(), nullable=False),
        sa.Column("pence", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["community_id"], ["community.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("community_id", "from_day"),
    )
    op.execute(
        "INSERT INTO community_rate (community_id, from_day, pence)"
        " SELECT id, DATE '2000-01-01', hourly_rate_pence FROM community"
        if op.get_bind().dialect.name != "sqlite"
        else "INSERT INTO community_rate (community_id, from_day, pence)"
        " SELECT id, '2000-01-01', hourly_rate_pence FROM community"
    )
    op.drop_column("community", "hourly_rate_pence")


def downgrade() -> None:
    op.add_column(
        "community",
        sa.Column("hourly_rate_pence", sa.Integer(), nullable=False, server_default="2000"),
    )
    # The rate in force today goes back into the single column.
    op.execute(
        "UPDATE community SET hourly_rate_pence = COALESCE((SELECT pence FROM community_rate"
        " WHERE community_rate.community_id = community.id AND from_day <= CURRENT_DATE"
        " ORDER BY from_day DESC LIMIT 1), 2000)"
    )
    op.drop_table("community_rate")
