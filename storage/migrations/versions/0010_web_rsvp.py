"""web RSVPs: "I'm coming" or "I can't come" from a session's web page

A first name, an e-mail address if given for reminders, the answer, whether it was given on
the Easy Read page, and the person's own link; deleted when the session is over.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 15:00:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_rsvp",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("token", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("first_name", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("email", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("coming", sa.Boolean(), nullable=False),
        sa.Column("easy_read", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("token"),
    )
    with op.batch_alter_table("web_rsvp", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_web_rsvp_session_id"), ["session_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_rsvp", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_web_rsvp_session_id"))
    op.drop_table("web_rsvp")
