"""outbox refusals: how many times a delivery was refused for good

A delivery refused for good may be armed again (a person presses Retry) and refused again.
Each refusal is told once, under a key made from the delivery and this count
(`Outcome.notice_key`). The count of tries could not serve: Retry starts it again, so a
second refusal's notice had the first one's key and was dropped as a repeat. Rows from
before start at 0.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("refusals", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    # SQLite's own ALTER TABLE DROP COLUMN (3.35 and later), as in 0013.
    op.drop_column("outbox", "refusals")
