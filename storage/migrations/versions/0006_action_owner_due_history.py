"""we said, we did: a due day and a person to remind per action, and each action's history

Existing actions get no due day and no person; their history starts with their state now.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:00:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.add_column(sa.Column("due_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("owner_participant_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "created_by",
                sqlmodel.sql.sqltypes.AutoString(length=64),
                nullable=False,
                server_default="",
            )
        )
        batch_op.create_index(
            batch_op.f("ix_action_item_owner_participant_id"), ["owner_participant_id"]
        )
        batch_op.create_foreign_key(
            "fk_action_item_owner_participant_id",
            "participant",
            ["owner_participant_id"],
            ["id"],
            ondelete="SET NULL",
        )
    op.create_table(
        "action_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("did", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["action_id"], ["action_item.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("action_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_action_event_action_id"), ["action_id"])
    # Each action's history begins with where it stands now, as of its last change.
    op.execute(
        "INSERT INTO action_event (action_id, at, status, did, reason)"
        " SELECT id, updated_at, status, did, reason FROM action_item ORDER BY id"
    )


def downgrade() -> None:
    op.drop_table("action_event")
    with op.batch_alter_table("action_item", schema=None) as batch_op:
        batch_op.drop_constraint("fk_action_item_owner_participant_id", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_action_item_owner_participant_id"))
        batch_op.drop_column("created_by")
        batch_op.drop_column("owner_participant_id")
        batch_op.drop_column("due_on")
