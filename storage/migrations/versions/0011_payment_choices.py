"""payment choices: how a person wants to be paid for their time, and their expenses

A person's standing choice (full, a lower amount, to a named charity, expenses only or no
payment, and which earnings limit to be warned about), a choice for one session, and
expenses per session (travel, care or support worker cover, other; receipt or not). New
tables only; every row goes with the person and with the session (ON DELETE CASCADE).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 20:00:00
"""

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op
from sqlalchemy.schema import SchemaItem

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _person_and_session() -> list[SchemaItem]:
    return [
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
    ]


def _keys() -> list[SchemaItem]:
    return [
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["session_id"], ["session.id"], ondelete="CASCADE"),
    ]


def _choice() -> list[SchemaItem]:
    return [
        sa.Column("choice", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=True),
        sa.Column("charity", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "payment_choice",
        sa.Column("participant_id", sa.Integer(), nullable=False),
        *_choice(),
        sa.Column("watch", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(["participant_id"], ["participant.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("participant_id"),
    )
    op.create_table(
        "session_payment",
        *_person_and_session(),
        *_choice(),
        *_keys(),
        sa.PrimaryKeyConstraint("participant_id", "session_id"),
    )
    op.create_table(
        "expense",
        *_person_and_session(),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("amount_pence", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.Boolean(), nullable=False),
        *_keys(),
        sa.PrimaryKeyConstraint("participant_id", "session_id", "kind"),
    )
    for table in ("session_payment", "expense"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.create_index(batch_op.f(f"ix_{table}_session_id"), ["session_id"])


def downgrade() -> None:
    for table in ("expense", "session_payment"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f"ix_{table}_session_id"))
        op.drop_table(table)
    op.drop_table("payment_choice")
