"""payment choices: how a person wants to be paid for their time, and their expenses

(Filled in by the payments work of issue 18.)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 20:00:00
"""

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
