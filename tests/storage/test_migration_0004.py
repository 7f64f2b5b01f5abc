"""Upgrading a database written before reflections were unlinkable destroys what could link
them: the per-session keys, the keyed tags and the contributor rows, from the tables and
from the files; the reflections themselves are kept."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text

from bot.app import build_app
from bot.platforms.memory import MemoryAdapter
from storage.engine import Database
from storage.migrate import upgrade
from tests import forensics
from tests.conftest import make_settings

KEY = bytes(range(32))
DEDUPE = "d" * 64
PERSON = "e" * 64


async def test_upgrading_destroys_the_old_linking_material(tmp_path: Path, clock) -> None:
    url = f"sqlite:///{tmp_path / 'brewbot.db'}"
    old = Database(url)
    await upgrade(old, "0003")
    async with old.transaction() as tx:
        for statement in (
            "INSERT INTO community (id, platform, external_id, name, timezone, facilitator_role,"
            " reminder_minutes, group_size, hourly_rate_pence, retention_days,"
            " digest_retention_days, created_at)"
            " VALUES (1, 'shell', 'c', 'C', 'Europe/London', 'Facilitator', '1440', 5, 2000,"
            " 365, 730, '2026-11-01 10:00:00')",
            "INSERT INTO participant (id, community_id, user_id, display_name, easy_read,"
            " plain_style, reminders, claim_opt_in, lived_experience_only, created_at,"
            " last_seen_at, consent, consent_at)"
            " VALUES (1, 1, 'user-wren', 'Wren', 0, 0, 'private', 0, 0,"
            " '2026-11-01 10:00:07', '2026-11-20 14:31:09', 'yes', '2026-11-20 14:30:55')",
            "INSERT INTO session (id, community_id, title, theme, starts_at, duration_minutes,"
            " breakout_minutes, reflect_minutes, state, created_by, seed, created_at,"
            " updated_at) VALUES (1, 1, 'T', '', '2026-11-20 14:00:00', 60, 20, 10,"
            " 'reflecting', 'user-fran', 0, '2026-11-01 10:00:00', '2026-11-20 14:00:00')",
            "INSERT INTO reflection (id, session_id, category, text, quote_ok, held,"
            f" dedupe_tag, withdraw_tag) VALUES ('abc', 1, 'idea', 'Keep this text', 1, 0,"
            f" '{DEDUPE}', '{'f' * 64}')",
            f"INSERT INTO reflection_contributor (session_id, tag) VALUES (1, '{PERSON}')",
        ):
            await tx.exec(text(statement))
        await tx.exec(
            text("INSERT INTO sessionkey (session_id, key) VALUES (1, :key)"), params={"key": KEY}
        )
    await old.dispose()

    app = await build_app(make_settings(url), MemoryAdapter(), clock=clock)
    try:
        await app.start(run_scheduler=False)
        copied = forensics.copy_data_folder(tmp_path, tmp_path.parent / "copied-0004")
        for secret in (KEY, DEDUPE, PERSON):
            assert not forensics.contains(copied, secret)
        assert forensics.contains(copied, "Keep this text")
        async with app.db.read() as tx:
            seen, consented = (
                await tx.exec(text("SELECT last_seen_at, consent_at FROM participant"))
            ).one()
            tables = set((await tx.exec(text("SELECT name FROM sqlite_master"))).scalars())
        assert str(seen).endswith("00:00:00.000000") and str(consented).startswith("2026-11-20")
        assert str(consented).endswith("00:00:00.000000")
        assert not {"sessionkey", "reflection_contributor"} & tables
    finally:
        await app.close()
