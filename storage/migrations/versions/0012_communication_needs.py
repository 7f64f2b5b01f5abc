"""communication needs: what a person asks for so they can take part (Accessible
Information Standard)

(Filled in by the communication needs work of issue 18.)

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 20:00:01
"""

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
