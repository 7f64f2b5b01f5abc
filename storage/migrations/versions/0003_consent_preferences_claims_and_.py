"""consent, preferences, claims and processed events

New NOT NULL columns get server defaults so existing rows upgrade in place.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 01:11:13.044845
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "processed_event",
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("seen_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id"),
    )
    op.create_table(
        "claim_export",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("exported_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id", "session_id"),
    )
    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "marked_by_facilitator", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )

    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("hourly_rate_pence", sa.Integer(), nullable=False, server_default="2000")
        )
        batch_op.add_column(
            sa.Column("benefits_note", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=True)
        )

    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "self_description", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True
            )
        )
        batch_op.add_column(
            sa.Column("consent", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=True)
        )
        batch_op.add_column(
            sa.Column("consent_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("easy_read", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("plain_style", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "reminders",
                sqlmodel.sql.sqltypes.AutoString(length=8),
                nullable=False,
                server_default="private",
            )
        )
        batch_op.add_column(
            sa.Column("claim_opt_in", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column(
                "last_seen_at",
                storage.types.UTCDateTime(timezone=True),
                nullable=False,
                server_default=sa.func.now(),
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("participant", schema=None) as batch_op:
        batch_op.drop_column("last_seen_at")
        batch_op.drop_column("claim_opt_in")
        batch_op.drop_column("reminders")
        batch_op.drop_column("plain_style")
        batch_op.drop_column("easy_read")
        batch_op.drop_column("consent_at")
        batch_op.drop_column("consent")
        batch_op.drop_column("self_description")

    with op.batch_alter_table("community", schema=None) as batch_op:
        batch_op.drop_column("benefits_note")
        batch_op.drop_column("hourly_rate_pence")

    with op.batch_alter_table("attendance", schema=None) as batch_op:
        batch_op.drop_column("marked_by_facilitator")

    op.drop_table("claim_export")
    op.drop_table("processed_event")
