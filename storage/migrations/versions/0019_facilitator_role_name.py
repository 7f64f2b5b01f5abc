"""facilitator role name: the name people know the facilitators' role or group by

A role or user group picked in `/brew settings facilitator_role` is stored by its id (which
the platform gives with each person's roles); the name the platform gave with the mention
(Slack's @handle, Discord's role name) is kept beside it, so sentences name the role as
people know it, never by its id. Empty for a role typed as words, and for the rows already
here. Added with the database's own ALTER TABLE ADD COLUMN, not by copying the table: a copy
would drop `community`, and with foreign keys on that would delete every row that goes with
it.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-02 10:00:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "community",
        sa.Column(
            "facilitator_role_name",
            sqlmodel.sql.sqltypes.AutoString(length=100),
            nullable=False,
            server_default="",
        ),
    )


def downgrade() -> None:
    op.drop_column("community", "facilitator_role_name")
