"""Upgrading to 0017 forgets the times that ordered people within a session: when someone
joined or left becomes the step of the session they did it in, and every other time in a
person's row keeps only its day, in the tables and (SQLite) in the files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from storage.engine import Database
from storage.migrate import upgrade
from storage.models import Attendance, ClaimExport, CommunicationNeeds, Participant, ProcessedEvent
from tests import forensics


def at(clock: str) -> datetime:
    return datetime.fromisoformat(f"2026-11-20T{clock}+00:00")


async def test_stored_times_become_steps_and_days(empty_database_url: str, tmp_path: Path):
    db = Database(empty_database_url)
    try:
        await upgrade(db, "0016")
        async with db.transaction() as tx:
            for statement in (
                "INSERT INTO community (id, platform, external_id, name, timezone,"
                " facilitator_role, reminder_minutes, group_size, retention_days,"
                " digest_retention_days, created_at) VALUES (1, 'shell', 'c', 'C',"
                " 'Europe/London', 'Facilitator', '1440', 5, 365, 730, '2026-11-01 10:00:00')",
                "INSERT INTO session (id, community_id, title, theme, starts_at,"
                " duration_minutes, breakout_minutes, reflect_minutes, state, created_by, seed,"
                " created_at, updated_at, opened_at, spark_at, breakouts_at, reflecting_at,"
                " closed_at) VALUES (1, 1, 'T', '', '2026-11-20 14:00:00', 60, 20, 10,"
                " 'closed', 'user-fran', 0, '2026-11-01 10:00:00', '2026-11-20 15:00:00',"
                " '2026-11-20 14:00:00', '2026-11-20 14:05:00', '2026-11-20 14:10:00',"
                " '2026-11-20 14:40:00', '2026-11-20 15:00:00')",
            ):
                await tx.exec(text(statement))
            for n, (joined, left) in enumerate(
                [("14:00:00", "14:47:31.207118"), ("14:21:09", None), ("13:58:40", "14:43:02")]
            ):
                await tx.exec(
                    text(
                        "INSERT INTO participant (id, community_id, user_id, display_name,"
                        " easy_read, plain_style, reminders, claim_opt_in,"
                        " lived_experience_only, created_at, last_seen_at, consent,"
                        " consent_at) VALUES (:n, 1, :user, 'P', false, false, 'private',"
                        " true, false, :made, '2026-11-20 00:00:00', 'yes', :agreed)"
                    ),
                    params={
                        "n": n + 1,
                        "user": f"user-{n}",
                        "made": at("09:12:44.5"),
                        "agreed": at("14:02:17"),
                    },
                )
                await tx.exec(
                    text(
                        "INSERT INTO attendance (session_id, participant_id, rsvp, joined_at,"
                        " left_at, marked_by_facilitator) VALUES (1, :n, 'yes', :joined,"
                        " :left, false)"
                    ),
                    params={"n": n + 1, "joined": at(joined), "left": left and at(left)},
                )
            await tx.exec(
                text(
                    "INSERT INTO claim_export (participant_id, session_id, exported_at)"
                    " VALUES (1, 1, :when)"
                ),
                params={"when": at("16:30:12")},
            )
            await tx.exec(
                text(
                    "INSERT INTO communication_needs (participant_id, reviewed_at,"
                    " review_asked_at) VALUES (2, :when, :when)"
                ),
                params={"when": at("14:44:00")},
            )
            await tx.exec(
                text("INSERT INTO processed_event (event_id, seen_at) VALUES ('e1', :when)"),
                params={"when": at("14:45:59.999")},
            )
        await upgrade(db)
        async with db.read() as tx:
            spans = [
                (a.joined_at, a.left_at)
                for a in (await tx.exec(select(Attendance).order_by(Attendance.id))).all()
            ]
            people = (await tx.exec(select(Participant))).all()
            [export] = (await tx.exec(select(ClaimExport))).all()
            [needs] = (await tx.exec(select(CommunicationNeeds))).all()
            [event] = (await tx.exec(select(ProcessedEvent))).all()
        # Each as the step it fell in: opened 14:00, breakouts 14:10, reflections 14:40.
        assert spans == [
            (at("14:00:00"), at("14:40:00")),
            (at("14:10:00"), None),
            (at("14:00:00"), at("14:40:00")),
        ]
        day = datetime(2026, 11, 20, tzinfo=UTC)
        assert {(p.created_at, p.consent_at, p.last_seen_at) for p in people} == {(day,) * 3}
        assert (export.exported_at, event.seen_at) == (day, day)
        assert (needs.reviewed_at, needs.review_asked_at) == (day, day)
    finally:
        await db.dispose()
    if empty_database_url.startswith("sqlite"):
        started = Database(empty_database_url)
        try:
            assert await started.purge()  # as every start does (bot/app.py)
        finally:
            await started.dispose()
        copied = forensics.copy_data_folder(tmp_path, tmp_path.parent / "copied-0017")
        for gone in ("14:47:31", "14:21:09", "13:58:40", "16:30:12", "09:12:44", "14:45:59"):
            assert not forensics.contains(copied, gone), gone
