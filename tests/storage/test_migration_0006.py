"""Upgrading to 0006 keeps every "we said, we did" action as it was, with no due day and no
person yet, and starts each one's history with where it stands."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text
from sqlmodel import select

from storage.engine import Database
from storage.migrate import upgrade
from storage.models import ActionEvent, ActionItem


async def test_existing_actions_keep_their_state_and_start_a_history(empty_database_url):
    db = Database(empty_database_url)
    try:
        await upgrade(db, "0005")
        async with db.transaction() as tx:
            for statement in (
                "INSERT INTO community (id, platform, external_id, name, timezone,"
                " facilitator_role, reminder_minutes, group_size, hourly_rate_pence,"
                " retention_days, digest_retention_days, created_at)"
                " VALUES (1, 'shell', 'c', 'C', 'Europe/London', 'Facilitator', '1440', 5,"
                " 2000, 365, 730, '2026-11-01 10:00:00+00:00')",
                "INSERT INTO action_item (id, community_id, said, did, owner, status, reason,"
                " created_at, updated_at) VALUES (1, 1, 'Bus passes', '', 'Transport', 'cant_do',"
                " 'we do not run the buses', '2026-11-01 10:00:00+00:00',"
                " '2026-11-20 14:00:00+00:00')",
            ):
                await tx.exec(text(statement))
        await upgrade(db)
        async with db.read() as tx:
            action = (await tx.exec(select(ActionItem))).one()
            [event] = (await tx.exec(select(ActionEvent))).all()
        assert (action.said, action.status, action.reason) == (
            "Bus passes", "cant_do", "we do not run the buses"
        )
        assert (action.due_on, action.owner_participant_id, action.created_by) == (None, None, "")
        assert (event.action_id, event.status, event.reason) == (1, "cant_do", action.reason)
        assert event.at == datetime(2026, 11, 20, 14, 0, tzinfo=UTC)
    finally:
        await db.dispose()
