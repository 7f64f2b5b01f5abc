"""Upgrading to 0018 keeps every reflection, now kept by session then random id, with no
index whose pages would keep the order they were written in."""

from __future__ import annotations

from sqlalchemy import inspect, text
from sqlmodel import select

from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Reflection

# (session, id), in the order they were written: not the key order.
WRITTEN = [(2, "f0"), (1, "c3"), (2, "07"), (1, "9a"), (1, "11")]


async def test_reflections_are_kept_in_key_order_without_indexes(empty_database_url: str):
    db = Database(empty_database_url)
    try:
        await upgrade(db, "0017")
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
            for session in (1, 2):
                await tx.exec(
                    text(
                        "INSERT INTO session (id, community_id, title, theme, starts_at,"
                        " duration_minutes, breakout_minutes, reflect_minutes, state,"
                        " created_by, seed, created_at, updated_at) VALUES (:id, 1, 'T', '',"
                        " '2026-11-20 14:00:00', 60, 20, 10, 'reflecting', 'user-fran', 0,"
                        " '2026-11-01 10:00:00', '2026-11-20 14:00:00')"
                    ),
                    params={"id": session},
                )
            for session, key in WRITTEN:
                await tx.exec(
                    text(
                        "INSERT INTO reflection (id, session_id, category, text, quote_ok, held,"
                        " withdraw_tag, in_count) VALUES (:id, :session, 'idea', :words, true,"
                        " false, :tag, false)"
                    ),
                    params={
                        "id": key,
                        "session": session,
                        "words": f"Words {key}",
                        "tag": key * 32,
                    },
                )
        await upgrade(db)
        async with db.read() as tx:
            rows = (await tx.exec(select(Reflection))).all()

            def indexes(connection):
                return inspect(connection).get_indexes("reflection")

            found = await (await tx.connection()).run_sync(indexes)
        assert sorted((r.session_id, r.id, r.text, r.withdraw_tag) for r in rows) == sorted(
            (session, key, f"Words {key}", key * 32) for session, key in WRITTEN
        )
        assert found == []
    finally:
        await db.dispose()
