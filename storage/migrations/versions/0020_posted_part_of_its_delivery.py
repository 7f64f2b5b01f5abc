"""posted part of its delivery: a part shown belongs to its outbox row and goes with it

`posted_part` named its delivery by a digest of the outbox key and kept the day, to be
forgotten a day later. A row outlived its delivery: `forget me` deleted a person's private
messages from the outbox but left the digests of their keys, which name the person
("feedback:7:sent:<their id>"), and a part noted while its delivery was being forgotten was
written anyway. Now a part refers to its outbox row (deleted with it, ON DELETE CASCADE), so
it lasts exactly as long as its delivery, whichever way that is forgotten. Rows already here
are kept where their delivery still is (found by the digest of its key); the others are
dropped, as their delivery is gone.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-02 12:00:00
"""

import hashlib

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

import storage.types
from storage.types import utc_day

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def _tag(key: str) -> str:
    # bot/platforms/parts.py delivery_tag, as the rows being moved were written.
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def upgrade() -> None:
    conn = op.get_bind()
    outbox = {_tag(key): id_ for id_, key in conn.execute(sa.text("SELECT id, key FROM outbox"))}
    kept = [
        {"outbox_id": outbox[delivery], "part": part}
        for delivery, part in conn.execute(sa.text("SELECT delivery, part FROM posted_part"))
        if delivery in outbox
    ]
    op.drop_table("posted_part")
    table = op.create_table(
        "posted_part",
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("outbox_id", "part"),
    )
    if kept:
        op.bulk_insert(table, kept)


def downgrade() -> None:
    conn = op.get_bind()
    rows = [
        {"delivery": _tag(key), "part": part, "day": utc_day()}
        for key, part in conn.execute(
            sa.text("SELECT o.key, p.part FROM posted_part p JOIN outbox o ON o.id = p.outbox_id")
        )
    ]
    op.drop_table("posted_part")
    table = op.create_table(
        "posted_part",
        sa.Column("delivery", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("part", sa.Integer(), nullable=False),
        sa.Column("day", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("delivery", "part"),
    )
    if rows:
        op.bulk_insert(table, rows)
