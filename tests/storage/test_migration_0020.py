"""Upgrading to 0020: each part already written down now belongs to its outbox row (found by
the digest of its key, as 0014 wrote it), and a part whose delivery is gone is dropped."""

from __future__ import annotations

import hashlib

from sqlalchemy import text
from sqlmodel import select

from bot.core.messages import OutgoingMessage
from bot.delivery.outbox import Delivery, enqueue
from storage.engine import Database
from storage.migrate import upgrade
from storage.models import OutboxItem, PostedPart
from tests.conftest import START


def tag(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


async def test_parts_follow_their_delivery_or_go(empty_database_url: str):
    db = Database(empty_database_url)
    try:
        await upgrade(db, "0019")
        async with db.transaction() as tx:
            await tx.exec(
                text(
                    "INSERT INTO community (id, platform, external_id, name, timezone,"
                    " facilitator_role, reminder_minutes, group_size, retention_days,"
                    " digest_retention_days, created_at) VALUES (1, 'shell', 'c', 'C',"
                    " 'Europe/London', 'Facilitator', '1440', 5, 365, 730,"
                    " '2026-11-01 10:00:00')"
                )
            )
            delivery = Delivery("digest:7:post", "notice", "post", "room", OutgoingMessage("F"))
            await enqueue(tx, 1, delivery, START)
            for key, part in (("digest:7:post", 0), ("digest:7:post", 1), ("gone:8", 0)):
                await tx.exec(
                    text(
                        "INSERT INTO posted_part (delivery, part, day)"
                        " VALUES (:delivery, :part, '2026-11-23 00:00:00')"
                    ),
                    params={"delivery": tag(key), "part": part},
                )
        await upgrade(db)
        async with db.read() as tx:
            [item] = (await tx.exec(select(OutboxItem))).all()
            parts = (await tx.exec(select(PostedPart))).all()
        assert sorted((p.outbox_id, p.part) for p in parts) == [(item.id, 0), (item.id, 1)]
    finally:
        await db.dispose()
